"""Brief: prepare a briefing for one contact, section by section, with sources on every claim."""

from __future__ import annotations

import streamlit as st

from assistant import BriefBuilder
from assistant import SECTIONS, Brief
from assistant import load_brief, save_brief
from ui.render import ORDER, TITLES, render_section, show_brief
from ui.jobs import warm_in_background
from ui.state import (contact_names_or_hint, errors_shown, esc, get_generator, loaded_generator, open_page,
                      pick_contact, waiting_notice)


def _briefs() -> dict:
    return st.session_state.setdefault("briefs", {})


def _builders() -> dict:
    return st.session_state.setdefault("brief_builders", {})


def prepare(name: str, goal: str, kb, settings) -> None:
    """Run the pipeline, filling one placeholder per section as it lands."""
    with errors_shown(action="load model") as g:
        gen = get_generator(settings)
    if g.failed:
        return
    waiting = waiting_notice(gen)
    status = st.progress(0.0, text="Reading your notes about them…")
    slots = {s: st.empty() for s in ORDER if s != "opener"}
    for s, slot in slots.items():
        slot.caption(f"{TITLES[s]}: waiting…")
    done: list[str] = []

    def on_section(section: str, brief: Brief) -> None:
        waiting.empty()
        done.append(section)
        status.progress(min(1.0, len(done) / len(SECTIONS)), text=f"{TITLES.get(section, section)} ready "
                        f"({len(done)}/{len(SECTIONS)})")
        slot = slots.get(section)
        if slot is not None:
            with slot.container():
                render_section(section, brief.to_dict(), interactive=False)

    streamed: list[str] = []

    def on_fact(fact) -> None:  # each fact as it passes its checks, before the section is done
        waiting.empty()
        streamed.append(fact.text)
        with slots["facts"].container():
            st.markdown(f"**{TITLES['facts']}**")
            for text in streamed:
                st.markdown(f"- {esc(text)}")

    with errors_shown(action="prepare brief") as g:
        builder = BriefBuilder(name, kb, settings, gen, goal=goal or None)
        brief = builder.run(on_section=on_section, on_fact=on_fact)
    if g.failed:
        waiting.empty()
        status.empty()
        for slot in slots.values():
            slot.empty()
        return
    d = brief.to_dict()
    save_brief(d, settings)
    _briefs()[name] = d
    _builders()[name] = builder
    st.rerun()


def regenerate(name: str, section: str, d: dict, kb, settings) -> None:
    with errors_shown(action="load model") as g:
        gen = get_generator(settings)
    if g.failed:
        return
    builder = _builders().get(name)
    waiting = waiting_notice(gen)
    with st.spinner(f"Writing “{TITLES[section]}” again…"), errors_shown(action=f"regenerate {section}") as g:
        if builder is None:  # after a restart: rebuild the context, keep the saved brief
            builder = BriefBuilder(name, kb, settings, gen, goal=d.get("goal"))
            builder.brief = Brief.from_dict(d)
        builder.regenerate(section)
        new = builder.brief.to_dict()
    waiting.empty()
    if g.failed:
        return
    save_brief(new, settings)
    _briefs()[name] = new
    _builders()[name] = builder
    st.rerun()


def main() -> None:
    opened = open_page("Brief", contact_names_or_hint)
    if opened is None or not opened[2]:
        return
    settings, kb, names = opened
    top_left, top_right = st.columns([1, 2])
    with top_left:
        name = pick_contact(names, key="brief_contact")
    goal = top_right.text_input("Goal for this conversation (optional)", key="brief_goal",
                                placeholder="e.g. understand how they onboard installers")
    go = st.button("Prepare", type="primary", key="prepare",
                   help="Reads your notes and writes the brief, one section at a time.")
    if not name:
        return
    gen = loaded_generator(settings)
    if gen is not None and not go:
        warm_in_background(name, kb, settings, gen)  # the brief then starts from the saved notes state
    if go:
        prepare(name, goal.strip(), kb, settings)
        return

    d = _briefs().get(name)
    if d is None:
        saved = load_brief(settings, name)
        if saved is not None:
            d = saved
            _briefs()[name] = d
            st.caption(f"Your last brief for {esc(name)} (prepared {esc(saved.get('generated_at', '')[:10])}). "
                       "Press Prepare for a fresh one.")
    if d is None:
        st.caption(f"No brief for {esc(name)} yet. Press Prepare.")
        return

    pending = st.session_state.pop("regen", None)
    if pending and pending[0] == name:
        regenerate(name, pending[1], d, kb, settings)
    show_brief(d, key=name)


main()
