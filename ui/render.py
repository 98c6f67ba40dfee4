"""Rendering a brief (the JSON contract of ``Brief.to_dict``) in Streamlit, always as escaped text.

Shared by the Brief page (interactive: sources on click, regenerate) and the
Event page (compact, one expander per attendee).
"""

from __future__ import annotations

import streamlit as st

from assistant import ORDER, SECTIONS, TITLES
from assistant import brief_to_html, brief_to_markdown
from assistant import slug
from ui.state import esc, source_label



def _sources_by_id(d: dict) -> dict[str, dict]:
    return {s["id"]: s for s in d.get("sources", [])}


def _numbers(d: dict) -> dict[str, int]:
    return {s["id"]: n for n, s in enumerate(d.get("sources", []), 1)}


def sources_popover(ids: list[str], d: dict, key: str) -> None:
    """The notes behind one claim: file, date and the excerpt, on click."""
    by_id, numbers = _sources_by_id(d), _numbers(d)
    known = [i for i in ids if i in by_id]
    if not known:
        st.caption("no source")
        return
    label = "Sources " + " ".join(f"[{numbers[i]}]" for i in known)
    with st.popover(label, key=key):
        for i in known:
            s = by_id[i]
            date = f" · {esc(s['date'])}" if s.get("date") else ""
            st.markdown(f"**\\[{numbers[i]}\\] {esc(source_label(s))}**{date}")
            st.caption(esc(str(s.get("source", "")).rsplit("/", 1)[-1]) + f" · note {esc(i)}")
            st.text(s.get("excerpt", ""))


def _cited_list(items: list[dict], d: dict, section: str, interactive: bool, numbered: bool) -> None:
    numbers = _numbers(d)
    for n, item in enumerate(items, 1):
        prefix = f"{n}\\. " if numbered else "• "
        text = f"{prefix}**{esc(item['text'])}**" if numbered else f"{prefix}{esc(item['text'])}"
        if item.get("why"):
            text += f"  \n*Why:* {esc(item['why'])}"
        if interactive:
            left, right = st.columns([5, 1], vertical_alignment="top")
            left.markdown(text)
            with right:
                sources_popover(item.get("sources", []), d, key=f"src_{section}_{n}")
        else:
            refs = " ".join(f"[{numbers[i]}]" for i in item.get("sources", []) if i in numbers)
            st.markdown(text + (f" {esc(refs)}" if refs else ""))


def _ask_regenerate(contact_key: str, section: str) -> None:
    st.session_state["regen"] = (contact_key, section)


def render_section(section: str, d: dict, interactive: bool, contact_key: str = "") -> None:
    """One section of the brief (escaped text; sources behind a click when interactive)."""
    head, action = st.columns([5, 1], vertical_alignment="bottom")
    head.subheader(TITLES[section])
    if interactive and section in SECTIONS:
        action.button("↻ Regenerate", key=f"regen_{section}", help=f"Write “{TITLES[section]}” again",
                      on_click=_ask_regenerate, args=(contact_key, section))
    failed = d.get("failed", {})
    if section in failed:
        st.warning(f"Not available: {esc(failed[section])}", icon=":material/block:")
        return
    if section in ("facts", "field", "questions"):
        if d.get(section):
            _cited_list(d[section], d, section, interactive, numbered=section == "questions")
        else:
            st.caption("No field notes for their fields yet: add some with `rapport ingest FILE --field NAME`."
                       if section == "field" else f"No {section}.")
    elif section == "give_back":
        if d.get("give_back"):
            _cited_list(d["give_back"], d, section, interactive, numbered=False)
        if d.get("give_back_note"):
            st.info(esc(d["give_back_note"]))
        if not d.get("give_back") and not d.get("give_back_note"):
            st.caption("No ideas.")
    elif section == "narrative":
        if d.get("narrative"):
            st.markdown(esc(d["narrative"]))
        else:
            st.caption("No narrative.")
    elif section == "opener":
        st.markdown(esc(d.get("opener", "")))
    else:  # avoid, follow_up: plain lists
        items = d.get(section, [])
        if items:
            st.markdown("\n".join(f"- {esc(x)}" for x in items))
        else:
            st.caption("Nothing here.")


def shown_sections(d: dict) -> list[str]:
    full = d.get("size", "full") == "full"
    out = []
    for s in ORDER:
        if s == "opener" and not (d.get("opener") or "opener" in d.get("failed", {})):
            continue
        if s in ("narrative", "follow_up") and not full:
            continue
        if s == "field" and not (d.get("field") or "field" in d.get("failed", {})):
            continue
        out.append(s)
    return out


def compact_markdown(d: dict) -> str:
    """The whole brief as one escaped Markdown block, sources numbered at the end (print layout)."""
    numbers = _numbers(d)
    refs = lambda ids: "".join(f"\\[{numbers[i]}\\]" for i in ids if i in numbers)  # noqa: E731
    failed = d.get("failed", {})
    lines = [f"### {esc(d['contact'])}"]
    meta = [x for x in (esc(d.get("goal") or ""), "prepared " + esc(d.get("generated_at", "")[:10]),
                        esc(d.get("model", ""))) if x]
    lines.append(" · ".join(meta))
    for section in shown_sections(d):
        lines.append(f"\n**{TITLES[section]}**\n")
        if section in failed:
            lines.append(f"*Not available: {esc(failed[section])}*")
        elif section in ("facts", "field", "give_back"):
            lines += [f"- {esc(i['text'])} {refs(i['sources'])}" for i in d.get(section, [])]
            if section == "give_back" and d.get("give_back_note"):
                lines.append(esc(d["give_back_note"]))
        elif section == "questions":
            lines += [f"{n}. {esc(q['text'])} {refs(q['sources'])}" for n, q in enumerate(d.get("questions", []), 1)]
        elif section in ("narrative", "opener"):
            lines.append(esc(d.get(section, "")))
        else:
            lines += [f"- {esc(x)}" for x in d.get(section, [])]
    if numbers:
        lines.append("\n---\n")
        for s in d["sources"]:
            date = f", {esc(s['date'])}" if s.get("date") else ""
            excerpt = esc(s.get("excerpt", "")[:160])
            lines.append(f"\\[{numbers[s['id']]}\\] {esc(source_label(s))}{date}: “{excerpt}”  ")
    return "\n".join(lines)


def show_brief(d: dict, key: str) -> None:
    st.markdown(f"## Briefing: {esc(d['contact'])}")
    meta = []
    if d.get("goal"):
        meta.append(f"Goal: {esc(d['goal'])}")
    meta.append(f"prepared {esc(d.get('generated_at', '')[:16].replace('T', ' '))}")
    if d.get("model"):
        meta.append(esc(d["model"]))
    if d.get("seconds"):
        meta.append(f"{d['seconds']:.0f} s")
    st.caption(" · ".join(meta))
    for w in d.get("warnings", []):
        st.caption(f"Note: {esc(w)}")
    c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="center")
    c1.download_button("Download Markdown", brief_to_markdown(d), file_name=f"brief-{slug(d['contact'])}.md",
                       mime="text/markdown", key="dl_md")
    c2.download_button("Download printable page", brief_to_html(d), file_name=f"brief-{slug(d['contact'])}.html",
                       mime="text/html", key="dl_html", help="A one-page HTML file; open it and print.")
    compact = c3.toggle("Print layout", key="print_layout", help="The whole brief on one compact page.")
    if compact:
        st.caption("Compact view: print it with your browser (Ctrl+P / ⌘P), or download the printable page.")
        with st.container(border=True):
            st.markdown(compact_markdown(d))
        return
    for section in shown_sections(d):
        render_section(section, d, interactive=True, contact_key=key)
