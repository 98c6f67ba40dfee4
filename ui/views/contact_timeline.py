"""The contact page's tabs beyond adding notes: timeline, drafts, cadence, rename / merge / fields.

Widgets only: every change goes through the public API (``remove_note``,
``edit_note``, ``rename_contact``, ``merge_contacts``, ``remove_field``,
``draft``, ``set_cadence``), and all notes and model text is shown escaped
(``esc``, ``st.text``, ``st.code``), never as HTML.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from assistant import Target, cadence_for, draft, due, edit_note, field_names, find_note, last_contact
from assistant import list_contacts, merge_contacts, remove_field, remove_note, rename_contact, set_cadence, timeline
from ui.state import errors_shown, esc, flash, source_label, with_model

SHOWN = 40
DRAFT_KINDS = {"thanks": "Thank-you", "request": "Request a conversation", "reconnect": "Reconnect"}


# ----------------------------------------------------------------- timeline --
def timeline_tab(kb, settings, name: str) -> None:
    with errors_shown(action="timeline") as g:
        entries = timeline(kb, settings, name, newest_first=True)
    if g.failed:
        return
    if not entries:
        st.info("Nothing yet: notes, logged meetings, messages, loops and briefs appear here by date.")
        return
    everything = st.toggle(f"Show all {len(entries)}", key="tl_all") if len(entries) > SHOWN else True
    st.caption("Newest first; undated notes at the end.")
    for entry in entries if everything else entries[:SHOWN]:
        with st.container(border=True):
            st.markdown(f"**{esc(entry.title)}**")
            st.caption(" · ".join(esc(x) for x in (entry.day, entry.kind, entry.id)))
            if entry.text:
                st.text(entry.text)
            if entry.editable and st.toggle("Read in full, edit or delete", key=f"tl_open_{entry.id}"):
                note_editor(kb, settings, name, entry.id)


def note_editor(kb, settings, name: str, ident: str) -> None:
    """One note in full, editable; deleting asks for a confirmation first."""
    owner = Target.contact(name)  # a note of anyone else is "not found" here
    with errors_shown(action="read note") as g:
        record = find_note(kb, settings, ident, owner=owner)
    if g.failed:
        return
    st.caption(esc(f"{record.title or record.source} · {record.date or 'undated'} · {len(record.chunk_ids)} chunks"))
    text = st.text_area("Note", record.text, height=220, key=f"tl_text_{ident}")
    save, delete = st.columns(2)
    if save.button("Save changes", key=f"tl_save_{ident}", type="primary"):
        with errors_shown(action="edit note") as g:
            change = edit_note(kb, settings, ident, text, owner=owner)
        if not g.failed:
            flash(change.describe() if change.changed else "The note is unchanged.")
            st.rerun()
    with delete:
        sure = st.checkbox("Yes, delete this note", key=f"tl_del_ok_{ident}")
        if st.button("Delete note", key=f"tl_del_{ident}", disabled=not sure):
            with errors_shown(action="delete note") as g:
                change = remove_note(kb, settings, ident, owner=owner)
            if not g.failed:
                flash(change.describe())
                st.rerun()


# ------------------------------------------------------------------- drafts --
def drafts_tab(kb, settings, name: str) -> None:
    kind = st.selectbox("Kind of e-mail", list(DRAFT_KINDS), format_func=DRAFT_KINDS.get, key="draft_kind")
    goal = st.text_input("Goal (optional)", placeholder="learn how they onboard installers", key="draft_goal")
    if st.button("Write the draft", type="primary", key="draft_button"):
        ok, result = with_model(settings, "draft", "Writing a short, checked e-mail…",
                                lambda gen: draft(name, kind, kb, settings, gen, goal=goal or None))
        if ok and result is not None:
            st.session_state["draft_result"] = (name, result.to_dict())
    shown = st.session_state.get("draft_result")
    if not shown or shown[0] != name:
        st.caption("Rapport writes at most 120 words from your notes and checks it: no job asks, nothing invented.")
        return
    d = shown[1]
    st.code(f"Subject: {d['subject']}\n\n{d['body']}", language=None)
    for warning in d.get("warnings", []):
        st.caption(f"Note: {esc(warning)}")
    if d.get("reason"):
        st.caption(f"Why now: {esc(d['reason'])}")
    with st.expander(f"Sources used ({len(d.get('sources', []))})"):
        for s in d.get("sources", []):
            when = f" · {esc(s['date'])}" if s.get("date") else ""
            st.markdown(f"**{esc(source_label(s))}**{when}")
            st.caption(esc(s.get("excerpt", "")))


# ------------------------------------------------------------------ cadence --
def cadence_tab(kb, settings, name: str, summary, due_items) -> None:
    current = cadence_for(name, settings)
    with errors_shown(action="last contact") as g:
        last = last_contact(summary, kb, settings)
    if not g.failed:
        when = (last + timedelta(days=current)).isoformat() if last else date.today().isoformat()
        st.caption(esc(f"Every {current} days · last contact {last.isoformat() if last else 'not yet'} · "
                       f"next check-in {when}"))
    days = st.number_input("Check in every … days", min_value=1, max_value=3650, value=int(current), step=1,
                           key="cadence_days")
    if st.button("Save cadence", key="cadence_button"):
        with errors_shown(action="cadence") as g:
            set_cadence(name, int(days), kb, settings)
        if not g.failed:
            flash(f"{name}: check in every {int(days)} days.")
            st.rerun()
    st.markdown("**Due to reconnect**")
    if not due_items:
        st.caption("Nobody is due today.")
        return
    for i in due_items:  # lines, not a table: the page's last table stays the upload results
        last = f"last contact {i.last_contact.isoformat()}" if i.last_contact else "no contact yet"
        st.markdown(f"- **{esc(i.name)}**: due {esc(i.due_on.isoformat())} ({i.overdue_days} days overdue; "
                    f"{esc(last)}). {esc(i.reason)}")


def due_items(kb, settings) -> list:
    with errors_shown(action="due list") as g:
        items = due(kb, settings, date.today())
    return [] if g.failed else items


# ------------------------------------------------------------------- manage --
def manage_tab(kb, settings, name: str) -> None:
    with st.form("rename_form"):
        new = st.text_input("Rename to", placeholder=name, key="rename_to")
        go = st.form_submit_button("Rename", key="rename_button")
    if go:
        with errors_shown(action="rename") as g:
            report = rename_contact(kb, settings, name, new)
        if not g.failed:
            st.session_state["contact"] = report.new
            flash(report.describe())
            st.rerun()
    others = [c.name for c in list_contacts(kb, settings) if c.name != name]
    if others:
        into = st.selectbox(f"Merge {name} into", others, key="merge_into")
        sure = st.checkbox(f"Yes, move everything to {into} and remove {name}", key="merge_confirm")
        if st.button("Merge", key="merge_button", disabled=not sure):
            with errors_shown(action="merge") as g:
                report = merge_contacts(kb, settings, name, into)
            if not g.failed:
                st.session_state["contact"] = report.new
                flash(report.describe())
                st.rerun()
    fields = field_names(kb, settings)
    if fields:
        field = st.selectbox("Remove a field (its notes and its link from every contact)", fields, key="field_pick")
        sure = st.checkbox(f"Yes, remove {field}", key="field_remove_confirm")
        if st.button("Remove field", key="field_remove_button", disabled=not sure):
            with errors_shown(action="remove field") as g:
                counts = remove_field(kb, settings, field)
            if not g.failed:
                parts = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
                flash(f"Removed the field {field}" + (f": {parts}." if parts else "."))
                st.rerun()


__all__ = ["cadence_tab", "drafts_tab", "due_items", "manage_tab", "note_editor", "timeline_tab"]
