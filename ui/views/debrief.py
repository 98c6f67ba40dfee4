"""Debrief: after a meeting, paste what you remember or a transcript; review every proposal; save what you keep."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import streamlit as st

from assistant import DEBRIEF_FILE_TYPES
from assistant import debrief_text, debrief_thank_you, propose_debrief, save_debrief
from ui.state import (contact_names_or_hint, errors_shown, esc, get_generator, open_page, pick_contact,
                      safe_markdown, source_label, waiting_notice)

_ICONS = {"log": ":material/edit_note:", "offer": ":material/redeem:", "ask": ":material/help:",
          "fact": ":material/person:", "insight": ":material/lightbulb:", "thanks": ":material/favorite:",
          "circle_back": ":material/schedule:"}


def _input(settings) -> str:
    paste, upload = st.tabs(["Paste", "Upload a transcript"])
    with paste:
        text = st.text_area("What you remember, or a transcript", height=200, key="debrief_text",
                            placeholder="Coffee with Dana at Java Blend. She is launching the installer app next "
                                        "month. I'll send her my article on onboarding emails…")
    with upload:
        file = st.file_uploader("A .txt, .vtt or .srt file", type=[t.lstrip(".") for t in DEBRIEF_FILE_TYPES],
                                key="debrief_file", max_upload_size=max(1, int(settings.max_file_mb)))
    if file is not None:
        with errors_shown(action="read transcript") as g:
            return debrief_text(file.name, file.getvalue(), settings)
        if g.failed:
            return ""
    return text


def _propose(kb, settings, name: str, text: str, day: date) -> bool:
    with errors_shown(action="load model") as g:
        gen = get_generator(settings)
    if g.failed:
        return False
    waiting = waiting_notice(gen)
    bar = st.progress(0.0, text="Reading the debrief…")

    def tick(done: int, total: int, what: str) -> None:
        bar.progress(done / total if total else 1.0, text=what or "Done")

    with errors_shown(action="debrief") as g:
        result = propose_debrief(name, text, kb, settings, gen, day, progress=tick)
    waiting.empty()
    if g.failed:
        bar.empty()
        return False
    for key in [k for k in st.session_state if str(k).startswith(("debrief_keep_", "debrief_edit_",
                                                                   "debrief_days_", "debrief_field_"))]:
        del st.session_state[key]
    st.session_state["debrief_result"] = result
    st.session_state["debrief_dropped"] = set()
    st.session_state.pop("debrief_saved", None)
    return True


def _review_one(n: int, p) -> None:
    with st.container(border=True):
        top, drop = st.columns([6, 1])
        top.markdown(f"{_ICONS.get(p.kind, '')} **{esc(p.title)}**")
        if drop.button("Drop", key=f"debrief_drop_{n}", help="Remove this proposal"):
            st.session_state["debrief_dropped"].add(n)
            st.rerun()
        st.checkbox("Keep", value=True, key=f"debrief_keep_{n}")
        st.text_area("Text", value=p.text, key=f"debrief_edit_{n}", height=68, label_visibility="collapsed")
        if p.kind == "circle_back":
            st.number_input("Days after the meeting", min_value=1, max_value=365, value=int(p.days or 42),
                            key=f"debrief_days_{n}")
        if p.kind == "insight":
            st.text_input("File under the field", value=p.field, key=f"debrief_field_{n}",
                          placeholder="Climate tech")
        for label, quote in zip(p.sources, p.quotes):
            st.caption(f"{esc(label)}: “{esc(quote)}”")


def _accepted(result) -> list:
    dropped = st.session_state.get("debrief_dropped", set())
    out = []
    for n, p in enumerate(result.proposals):
        if n in dropped or not st.session_state.get(f"debrief_keep_{n}", True):
            continue
        edited = replace(p, text=st.session_state.get(f"debrief_edit_{n}", p.text))
        if p.kind == "circle_back":
            edited.days = int(st.session_state.get(f"debrief_days_{n}", p.days or 42))
        if p.kind == "insight":
            edited.field = str(st.session_state.get(f"debrief_field_{n}", p.field) or "")
        out.append(edited)
    return out


def _save(kb, settings, result) -> None:
    accepted = _accepted(result)
    if not accepted:
        st.warning("Nothing is kept: tick at least one proposal, or paste another debrief.")
        return
    with errors_shown(action="save debrief") as g:
        saved = save_debrief(result, accepted, kb, settings)
    if g.failed:
        return
    note, problem = None, ""
    if saved.logged or saved.thanks:
        with st.spinner("Writing the thank-you from what you kept…"), errors_shown(action="thank-you") as g:
            note = debrief_thank_you(saved, kb, settings, get_generator(settings))
        if g.failed:
            problem = g.error.message if g.error else ""
    st.session_state["debrief_saved"] = (saved, note, problem)
    st.session_state.pop("debrief_result", None)
    st.rerun()


def _review(kb, settings, result) -> None:
    st.subheader(f"Review: {result.contact}, {result.day}")
    st.caption("Nothing is saved until you press “Save accepted”. Untick or drop what is wrong; edit the words.")
    if result.truncated:
        st.warning("The debrief was long: only its beginning was read.")
    if result.ignored:
        st.caption(f"{len(result.ignored)} line(s) that read as instructions to a model were ignored.")
    dropped = st.session_state.setdefault("debrief_dropped", set())
    shown = [(n, p) for n, p in enumerate(result.proposals) if n not in dropped]
    if not shown:
        st.info("No proposals left to keep.")
    for n, p in shown:
        _review_one(n, p)
    if result.dropped:
        with st.expander(f"Removed by the checks ({len(result.dropped)})"):
            for d in result.dropped:
                st.caption(f"{esc(d['kind'])}: {esc(d['text'])} — {esc(d['reason'])}")
    if shown and st.button("Save accepted", type="primary", key="debrief_save"):
        _save(kb, settings, result)


def _saved() -> None:
    saved, note, problem = st.session_state["debrief_saved"]
    st.success("Saved for " + saved.contact + ".")
    for line in saved.describe():
        safe_markdown(f"- {line}")
    if note is not None:
        st.subheader("Thank-you draft")
        st.text_input("Subject", value=note.subject, key="debrief_subject")
        st.text_area("Body", value=note.body, height=220, key="debrief_body")
        for warning in note.warnings:
            st.caption(esc(warning))
        with st.expander(f"Sources it used ({len(note.sources)})"):
            for s in note.sources:
                st.markdown(f"**{esc(source_label(s))}**")
                st.caption(esc(str(s.get("excerpt") or s.get("text") or "")[:300]))
    elif problem:
        st.warning("No thank-you draft: " + problem)


def main() -> None:
    opened = open_page("Debrief", contact_names_or_hint)
    if opened is None:
        return
    settings, kb, names = opened
    if not names:
        return
    name = pick_contact(names, key="debrief_contact")
    if not name:
        return
    if st.session_state.get("debrief_saved"):
        _saved()
        if st.button("Debrief another meeting", key="debrief_again"):
            st.session_state.pop("debrief_saved", None)
            st.rerun()
        return
    result = st.session_state.get("debrief_result")
    if result is not None and result.contact == name:
        _review(kb, settings, result)
        if st.button("Start over", key="debrief_reset"):
            st.session_state.pop("debrief_result", None)
            st.rerun()
        return
    day = st.date_input("When you met", value=date.today(), key="debrief_day", max_value=date.today())
    text = _input(settings)
    if st.button("Propose", type="primary", key="debrief_run") and _propose(kb, settings, name, text, day):
        st.rerun()


main()
