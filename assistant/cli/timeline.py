"""A contact's timeline, and changing what is stored: note show/edit/delete, rename, merge, field remove."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from assistant.cli.common import app
from assistant.cli.common import fail
from assistant.cli.common import knowledge_base
from assistant.cli.common import out
from assistant.cli.common import settings
from assistant.cli.common import terminal_text

note_app = typer.Typer(help="One note: show it in full, edit it, delete it (ids from `rapport timeline`).",
                       no_args_is_help=True)
field_app = typer.Typer(help="Fields (topics whose notes join their contacts' briefs).", no_args_is_help=True)
app.add_typer(note_app, name="note")
app.add_typer(field_app, name="field")


def _say(text: str) -> None:
    out.print(terminal_text(text), highlight=False, markup=False)


def _confirm(question: str, yes: bool) -> None:
    """Ask before destroying something (only on a terminal; ``-y`` skips it)."""
    if not yes and sys.stdin.isatty():
        typer.confirm(terminal_text(question), abort=True)


@app.command("timeline")
def timeline_command(name: str, as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Everything about a contact in date order: notes, messages, meetings, loops, briefs, chats."""
    from assistant.conversation.timeline import timeline

    s = settings()
    entries = timeline(knowledge_base(s), s, name)
    if as_json:
        out.print_json(json.dumps([e.to_dict() for e in entries]))
        return
    if not entries:
        _say("Nothing stored yet.")
        return
    table = Table("Date", "Kind", "Title", "Text", "Id")
    for e in entries:
        table.add_row(e.day, e.kind, Text(terminal_text(e.title)), Text(terminal_text(e.text)), e.id)
    out.print(table)


@note_app.command("show")
def note_show(ident: str = typer.Argument(..., metavar="ID"),
              as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Print a note in full."""
    from assistant.notes.edit import find_note

    s = settings()
    record = find_note(knowledge_base(s), s, ident)
    if as_json:
        out.print_json(json.dumps(record.to_dict()))
        return
    _say(f"{record.id} · {record.target.kind} {record.target.name} · {record.title or record.source} · "
         f"{record.date or 'undated'}")
    _say(record.text)


def _from_editor(text: str) -> str:
    """The text after the user edited it in $VISUAL / $EDITOR (a private temp file, removed after)."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        fail("Set $EDITOR (e.g. `export EDITOR=nano`), or give the new text with --text or --file.", 2)
    fd, name = tempfile.mkstemp(prefix="rapport-note-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if subprocess.call([*shlex.split(editor), name]) != 0:
            fail("The editor did not finish cleanly; the note is unchanged.")
        return Path(name).read_text(encoding="utf-8")
    finally:
        Path(name).unlink(missing_ok=True)


@note_app.command("edit")
def note_edit(ident: str = typer.Argument(..., metavar="ID"),
              text: Optional[str] = typer.Option(None, "--text", help="The new text of the note."),
              file: Optional[Path] = typer.Option(None, "--file", help="Read the new text from this file ('-': stdin).")
              ) -> None:
    """Replace a note's text (opens $EDITOR unless --text or --file); it is re-embedded."""
    from assistant.notes.edit import edit_note, find_note

    if text is not None and file is not None:
        fail("Give --text or --file, not both.", 2)
    s = settings()
    kb = knowledge_base(s)
    if file is not None:
        try:
            text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"Cannot read {file}: {getattr(exc, 'strerror', None) or exc}.", 2)
    if text is None:
        text = _from_editor(find_note(kb, s, ident).text)
    change = edit_note(kb, s, ident, text or "")
    _say(change.describe() if change.changed else f"Note {change.note.id} is unchanged.")


@note_app.command("delete")
def note_delete(ident: str = typer.Argument(..., metavar="ID"),
                yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")) -> None:
    """Delete a note everywhere: chunks, copy, logged row, log lines; chats and briefs citing it are marked."""
    from assistant.notes.edit import find_note
    from assistant.rename import remove_note

    s = settings()
    kb = knowledge_base(s)
    record = find_note(kb, s, ident)
    _confirm(f"Delete note {record.id} ({record.title or record.source}) of {record.target.name}?", yes)
    _say(remove_note(kb, s, record.id).describe())


@app.command("rename")
def rename(old: str, new: str) -> None:
    """Give a contact a new name everywhere (notes, log, loops, files, chats, briefs, events)."""
    from assistant.rename import rename_contact

    s = settings()
    _say(rename_contact(knowledge_base(s), s, old, new).describe())


@app.command("merge")
def merge(duplicate: str, into: str,
          yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")) -> None:
    """Move everything of DUPLICATE to INTO, then remove DUPLICATE."""
    from assistant.notes.contacts import resolve_contact
    from assistant.rename import merge_contacts

    s = settings()
    kb = knowledge_base(s)
    dup, keep = resolve_contact(kb, s, duplicate), resolve_contact(kb, s, into)
    _confirm(f"Merge {dup.name} ({dup.notes} notes) into {keep.name}, and remove {dup.name}?", yes)
    _say(merge_contacts(kb, s, dup.name, keep.name).describe())


@field_app.command("remove")
def field_remove(name: str,
                 yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")) -> None:
    """Remove a field: its notes and its link from every contact."""
    from assistant.notes.edit import remove_field

    s = settings()
    kb = knowledge_base(s)
    _confirm(f"Remove the field {name} and its notes?", yes)
    counts = remove_field(kb, s, name)
    parts = [f"{n} {what}" for what, n in counts.items() if n]
    _say(f"Removed the field {name}" + (": " + ", ".join(parts) if parts else "") + ".")


__all__ = ["field_app", "note_app"]
