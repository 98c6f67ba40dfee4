"""``rapport import PATH...``: LinkedIn, Google Contacts, vCard and calendar exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

import typer

from assistant.cli.common import app, console, knowledge_base, out, settings, terminal_text


@app.command("import")
def import_command(
    paths: List[Path] = typer.Argument(..., help="Export files (or folders of them): Connections.csv, "
                                       "messages.csv, contacts.csv / .vcf, calendar .ics."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Import contacts, messages and meetings from the exports where your network lives.

    The format is recognised from the file's content; re-importing a newer export adds only what is new.
    """
    from assistant.notes.imports import import_paths

    s = settings()
    reports = import_paths(paths, knowledge_base(s), s)
    if as_json:
        out.print_json(json.dumps([r.to_dict() for r in reports]))
    else:
        for r in reports:
            out.print(terminal_text(r.summary()), highlight=False, markup=False)
            if r.ok and r.message:
                out.print(terminal_text(f"  {r.message}"), highlight=False, markup=False)
            for problem in r.problems:
                out.print(terminal_text(f"  - {problem}"), highlight=False, markup=False)
        if not reports:
            console.print("No files to import.")
    if any(not r.ok for r in reports) or not reports:
        raise typer.Exit(1)
