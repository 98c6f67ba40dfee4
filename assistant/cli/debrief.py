"""`rapport debrief NAME FILE|-`: proposals from what you remember of a meeting; you accept each before it is saved."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from assistant.cli.common import app
from assistant.cli.common import console
from assistant.cli.common import fail
from assistant.cli.common import knowledge_base
from assistant.cli.common import out
from assistant.cli.common import progress_bar
from assistant.cli.common import settings
from assistant.cli.common import terminal_text


def _plain(text: str) -> None:
    out.print(terminal_text(text), highlight=False, markup=False)


def _label(p) -> str:
    extra = f" (in {p.days} days)" if p.kind == "circle_back" and p.days else ""
    extra += f" (field: {p.field})" if p.kind == "insight" and p.field else ""
    return p.title + extra


@app.command("debrief")
def debrief_command(
    name: str,
    source: str = typer.Argument(..., metavar="FILE|-", help="What you remember, or a .txt/.vtt/.srt transcript; "
                                                             "'-' reads it from stdin."),
    when: Optional[str] = typer.Option(None, "--date", help="When you met (YYYY-MM-DD; default today)."),
    field_name: Optional[str] = typer.Option(None, "--field", help="File insights about their field under this "
                                                                  "field (default: the contact's first field)."),
    accept_all: bool = typer.Option(False, "--accept-all", help="Keep every proposal without asking."),
    as_json: bool = typer.Option(False, "--json", help="Print the proposals as JSON and save nothing."),
    no_draft: bool = typer.Option(False, "--no-draft", help="Do not write the thank-you draft afterwards."),
) -> None:
    """Debrief a meeting: a log entry, loops, facts, field insights, the thank-you point, when to circle back."""
    from assistant.cli.common import load_model
    from assistant.conversation.debrief import parse_transcript, propose_debrief, read_debrief, save_debrief
    from assistant.conversation.debrief import debrief_thank_you
    from assistant.errors import GenerationError

    day = None
    if when:
        try:
            day = date.fromisoformat(when)
        except ValueError:
            fail(f"--date must be a date like 2026-11-25, not {when!r}.", 2)
    if source == "-" and not (accept_all or as_json):
        fail("With the debrief on stdin there is no way to answer each proposal: give a file, or add "
             "--accept-all (keep everything) or --json (save nothing).", 2)
    s = settings()
    kb = knowledge_base(s)
    text = parse_transcript(sys.stdin.read()) if source == "-" else read_debrief(Path(source), s)
    generator = load_model(s)
    with progress_bar() as bar:
        task = bar.add_task("Reading the debrief", total=3)
        result = propose_debrief(name, text, kb, s, generator, day,
                                 progress=lambda d, t, what: bar.update(task, completed=d, total=t,
                                                                         description=what or "Done"))
    if as_json:
        out.print_json(json.dumps(result.to_dict()))
        return
    if result.truncated:
        console.print("Note: the debrief was long; only its beginning was read.", highlight=False)
    if result.ignored:
        console.print(f"Ignored {len(result.ignored)} line(s) that read as instructions to a model.",
                      highlight=False)
    for d in result.dropped:
        console.print(terminal_text(f"Dropped ({d['kind']}): {d['text']} (because {d['reason']})"),
                      highlight=False, markup=False)
    if not result.proposals:
        _plain(f"Nothing to propose from this debrief of {result.contact}; nothing was saved.")
        return
    table = Table("#", "Kind", "Proposal", "Cites")
    for n, p in enumerate(result.proposals, 1):
        cites = "; ".join(f"{s}: {q[:60]}" for s, q in zip(p.sources, p.quotes))
        table.add_row(str(n), _label(p), Text(terminal_text(p.text)), Text(terminal_text(cites)))
    out.print(table)
    accepted = [p for n, p in enumerate(result.proposals, 1)
                if accept_all or typer.confirm(terminal_text(f"{n}. Keep: {_label(p)}?"), default=True)]
    if not accepted:
        _plain("Nothing accepted; nothing was saved.")
        return
    saved = save_debrief(result, accepted, kb, s, field_name)
    for line in saved.describe():
        _plain(line)
    if no_draft or not (saved.logged or saved.thanks):
        return
    try:
        with console.status("Writing the thank-you…"):
            note = debrief_thank_you(saved, kb, s, generator)
    except GenerationError as exc:
        console.print(terminal_text(f"No thank-you draft: {exc.message}"), highlight=False, markup=False)
        return
    _plain("\n" + note.text())
    for warning in note.warnings:
        console.print(terminal_text(f"Note: {warning}"), highlight=False, markup=False)
