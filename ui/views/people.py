"""People: who you know, when you last spoke, their notes; add, import, a timeline, edit, draft, rename, forget."""

from __future__ import annotations

import streamlit as st

from assistant import ingest_text
from assistant import SUPPORTED
from assistant import describe_counts, forget_contact, forget_preview
from assistant import list_contacts
from assistant import Target
from assistant import add_contact, field_names, ingest_uploads
from assistant import name_key, note_id, remove_note
from ui.state import (errors_shown, esc, flash, open_page, pick_contact)
from ui.views.contact_timeline import cadence_tab, drafts_tab, due_items, manage_tab, timeline_tab


def due_to_reconnect(items) -> dict[str, str]:
    """contact key -> why they are due (cadence, open loops)."""
    return {name_key(i.name): i.reason or "due" for i in items if i.name}


def contacts_table(contacts, due: dict[str, str]) -> None:
    rows = [{
        "Name": c.name,
        "Notes": c.notes,
        "Chunks": c.chunks,
        "Fields": ", ".join(c.fields),
        "Last interaction": (c.last_interaction or "")[:10],
        "Reconnect": due.get(c.key, ""),
    } for c in contacts]
    st.dataframe(rows, hide_index=True, width="stretch")


def add_contact_form(kb, settings) -> None:
    with st.expander("Add a contact", expanded=not st.session_state.get("_has_contacts", True)):
        with st.form("add_contact", clear_on_submit=True):
            name = st.text_input("Name", placeholder="Dana Whitfield", key="add_name")
            known_fields = field_names(kb, settings)
            fields = st.multiselect("Fields (optional)", known_fields, key="add_fields",
                                    help="Notes about these fields join their briefs.")
            new_field = st.text_input("Or a new field (optional)", placeholder="Climate tech", key="add_new_field")
            note = st.text_area("First notes (optional)", height=120,
                                placeholder="Where you met, what they work on, what they care about…", key="add_note")
            submitted = st.form_submit_button("Add contact", type="primary", key="add_submit")
        if submitted:
            chosen = list(fields) + ([new_field.strip()] if new_field.strip() else [])
            with errors_shown(action="add contact") as g:
                contact = add_contact(settings, name, chosen)
                added = 0
                if note.strip():
                    added = ingest_text(note, Target.contact(contact.name), kb, settings, fields=chosen).added
            if not g.failed:
                st.session_state["contact"] = contact.name
                flash(f"Added {contact.name}" + (f" with a note ({added} chunks)." if added else "."))
                st.rerun()


def paste_tab(kb, settings, name: str) -> None:
    with st.form("paste_note", clear_on_submit=True):
        title = st.text_input("Title (optional)", placeholder="Coffee, 14 Sept", key="paste_title")
        text = st.text_area("Notes", height=180, placeholder="Paste or type your notes about them…",
                            key="paste_text")
        submitted = st.form_submit_button("Add note", type="primary", key="paste_submit")
    if submitted:
        with errors_shown(action="paste note") as g:
            result = ingest_text(text, Target.contact(name), kb, settings, title=title)
        if not g.failed:
            flash(f"Note added to {name}: {result.added} new chunks." if result.added
                  else f"That note was already stored for {name}; nothing changed.")
            st.rerun()


def upload_tab(kb, settings, name: str) -> None:
    counter = st.session_state.setdefault("_uploader_n", 0)
    files = st.file_uploader(
        "Files (Markdown, text, PDF, HTML, e-mail .eml, vCard .vcf)", accept_multiple_files=True,
        type=[s.lstrip(".") for s in SUPPORTED], key=f"uploader_{counter}",
        max_upload_size=max(1, int(settings.max_file_mb)),
    )
    if files and st.button(f"Import {len(files)} file{'s' if len(files) != 1 else ''}", type="primary",
                           key="import_files"):
        bar = st.progress(0.0, text="Importing…")

        def tick(done: int, total: int, label: str) -> None:
            bar.progress(done / total if total else 1.0, text=f"Importing {label}" if label else "Imported")

        with errors_shown(action="upload") as g:
            report = ingest_uploads([(f.name, f.getvalue()) for f in files], Target.contact(name), kb, settings,
                                    progress=tick)
        if not g.failed:
            st.session_state["upload_results"] = (name, [
                {"File": r.path, "Result": "imported" if r.ok else "failed", "Details": r.message,
                 "New chunks": r.added} for r in report.results])
            st.session_state["_uploader_n"] = counter + 1
            ok = len(report.imported)
            flash(f"{ok} of {len(report.results)} files imported for {name}.",
                  "success" if ok == len(report.results) else "warning")
            st.rerun()
    shown = st.session_state.get("upload_results")
    if shown and shown[0] == name:
        st.dataframe(shown[1], hide_index=True, width="stretch")


def notes_tab(kb, settings, name: str) -> None:
    notes = kb.notes_of(Target.contact(name))
    if not notes:
        st.info("No notes yet. Paste some or upload files above.")
        return
    for n, note in enumerate(notes):
        with st.container(border=True):
            left, right = st.columns([6, 1])
            with left:
                st.markdown(f"**{esc(note.title or note.source.rsplit('/', 1)[-1])}**")
                st.caption(" · ".join(x for x in (esc(note.date), f"{note.chunks} chunks",
                                                  esc(note.source.rsplit('/', 1)[-1])) if x))
                st.text(note.excerpt + ("…" if len(note.excerpt) >= 200 else ""))
            with right:
                with st.popover("Delete", key=f"del_pop_{n}"):
                    st.write(f"Delete this note ({note.chunks} chunks)? Other notes stay.")
                    if st.button("Delete note", key=f"delete_note_{n}", type="primary"):
                        with errors_shown(action="delete note") as g:
                            change = remove_note(kb, settings, note_id(note.source_key), owner=Target.contact(name))
                        if not g.failed:
                            flash(change.describe())
                            st.rerun()


def forget_tab(kb, settings, name: str) -> None:
    with errors_shown(action="forget preview") as g:
        counts = forget_preview(kb, settings, name)
    if g.failed:
        return
    st.warning(f"Forgetting **{esc(name)}** permanently deletes: {esc(describe_counts(counts))}, "
               "and their contact record. This cannot be undone.")
    sure = st.checkbox(f"Yes, forget {esc(name)}", key="forget_confirm")
    if st.button("Forget", type="primary", disabled=not sure, key="forget_button"):
        with errors_shown(action="forget") as g:
            report = forget_contact(kb, settings, name)
        if not g.failed:
            st.session_state.pop("contact", None)
            st.session_state.pop("forget_confirm", None)
            flash(report.describe())
            st.rerun()


def main() -> None:
    opened = open_page("People", list_contacts)
    if opened is None:
        return
    settings, kb, contacts = opened
    st.session_state["_has_contacts"] = bool(contacts)
    due_now = due_items(kb, settings) if contacts else []
    if contacts:
        contacts_table(contacts, due_to_reconnect(due_now))
    else:
        st.info("No contacts yet. Add someone below, or load the demo with `rapport load-demo`.")
    add_contact_form(kb, settings)
    if not contacts:
        return

    st.divider()
    name = pick_contact([c.name for c in contacts], key="people_contact")
    if not name:
        return
    summary = next(c for c in contacts if c.name == name)
    st.subheader(name)
    st.caption(" · ".join(x for x in (f"{summary.notes} notes", f"{summary.chunks} chunks",
                                      esc(", ".join(summary.fields)) if summary.fields else "") if x))
    tabs = st.tabs(["Timeline", "Paste notes", "Upload files", f"Notes ({summary.notes})", "Drafts", "Cadence",
                    "Rename, merge, fields", "Forget"])
    with tabs[0]:
        timeline_tab(kb, settings, name)
    with tabs[1]:
        paste_tab(kb, settings, name)
    with tabs[2]:
        upload_tab(kb, settings, name)
    with tabs[3]:
        notes_tab(kb, settings, name)
    with tabs[4]:
        drafts_tab(kb, settings, name)
    with tabs[5]:
        cadence_tab(kb, settings, name, summary, due_now)
    with tabs[6]:
        manage_tab(kb, settings, name)
    with tabs[7]:
        forget_tab(kb, settings, name)


main()
