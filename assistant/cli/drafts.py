"""The ``draft`` command: a short, checked outreach email."""

from __future__ import annotations

import json
from typing import Optional

import typer

from assistant.cli.common import app
from assistant.cli.common import console
from assistant.cli.common import knowledge_base
from assistant.cli.common import out
from assistant.cli.common import settings
from assistant.cli.common import terminal_text


@app.command()
def draft(
    name: str,
    kind: str = typer.Option(..., "--kind", help="request | thanks | reconnect"),
    goal: Optional[str] = typer.Option(None, "--goal", help="What you want from this email, in a few words."),
    as_json: bool = typer.Option(False, "--json", help="Print {subject, body, sources, ...} as JSON."),
) -> None:
    """Draft a short email (at most 120 words) grounded in your notes and log."""
    from assistant.conversation.drafts import draft as write_draft
    from assistant.cli.common import load_model

    s = settings()
    kb = knowledge_base(s)
    result = write_draft(name, kind, kb, s, load_model(s), goal=goal)
    if as_json:
        out.print_json(json.dumps(result.to_dict()))
        return
    out.print(terminal_text(result.text()), highlight=False, markup=False)
    for warning in result.warnings:
        console.print(terminal_text(f"Note: {warning}"), highlight=False, markup=False)
    if result.reason:
        console.print(terminal_text(f"Why now: {result.reason}"), highlight=False, markup=False)
