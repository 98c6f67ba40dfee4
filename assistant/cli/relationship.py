"""Relationship-log commands: log, cadence, due, loop add/done/list."""

from __future__ import annotations

import json
from datetime import date
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from assistant.cli.common import app
from assistant.cli.common import console
from assistant.cli.common import fail
from assistant.cli.common import knowledge_base
from assistant.cli.common import out
from assistant.cli.common import settings
from assistant.cli.common import terminal_text

loop_app = typer.Typer(help="Open loops: what you offered, what they asked of you.", no_args_is_help=True)
app.add_typer(loop_app, name="loop")


def parse_day(value: Optional[str], flag: str) -> Optional[date]:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{flag} must be a date like 2026-11-25, not {value!r}.", 2)
    return None


@app.command("log")
def log_command(
    name: str,
    text: str,
    when: Optional[str] = typer.Option(None, "--date", help="When it happened (YYYY-MM-DD; default today)."),
    offer: Optional[str] = typer.Option(None, "--offer", help="Something you promised them (opens a loop)."),
    ask: Optional[str] = typer.Option(None, "--ask", help="Something they asked of you (opens a loop)."),
    new: bool = typer.Option(False, "--new", help="Create the contact if they have no notes yet."),
) -> None:
    """Log what happened with a contact; it feeds the next brief and chat."""
    from assistant.conversation.relationship import log_interaction

    s = settings()
    entry = log_interaction(name, text, knowledge_base(s), s, parse_day(when, "--date"), offer, ask, create=new)
    note = " (already logged, unchanged)" if entry.duplicate else ""
    out.print(terminal_text(f"Logged for {entry.contact} on {entry.date}{note}."), highlight=False, markup=False)
    if offer:
        out.print(terminal_text(f"Open loop: you offered: {offer}"), highlight=False, markup=False)
    if ask:
        out.print(terminal_text(f"Open loop: they asked: {ask}"), highlight=False, markup=False)


@app.command()
def cadence(name: str, days: int = typer.Argument(..., help="Days between check-ins (42 = 6 weeks).")) -> None:
    """Set how often to get back in touch with a contact."""
    from assistant.notes.contacts import resolve_contact
    from assistant.conversation.relationship import set_cadence

    s = settings()
    kb = knowledge_base(s)
    contact = resolve_contact(kb, s, name)
    set_cadence(contact.name, days, kb, s)
    out.print(terminal_text(f"Check in with {contact.name} every {days} days."), highlight=False, markup=False)


@app.command()
def due(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    today: Optional[str] = typer.Option(None, "--today", help="Pretend today is this date (YYYY-MM-DD)."),
) -> None:
    """Who is due for a reconnect, and a reason drawn from your notes."""
    from assistant.conversation.relationship import due as due_items

    s = settings()
    items = due_items(knowledge_base(s), s, parse_day(today, "--today") or date.today())
    if as_json:
        out.print_json(json.dumps([i.to_dict() for i in items]))
        return
    if not items:
        out.print("Nobody is due for a check-in.")
        return
    table = Table("Name", "Last contact", "Due", "Overdue", "Reason")
    for i in items:
        table.add_row(Text(terminal_text(i.name)), i.last_contact.isoformat() if i.last_contact else "—",
                      i.due_on.isoformat(), f"{i.overdue_days} d", Text(terminal_text(i.reason)))
    out.print(table)


@loop_app.command("add")
def loop_add(
    name: str,
    offer: Optional[str] = typer.Option(None, "--offer", help="Something you promised them."),
    ask: Optional[str] = typer.Option(None, "--ask", help="Something they asked of you."),
) -> None:
    """Open a loop with a contact."""
    from assistant.conversation.relationship import add_loop

    if bool(offer) == bool(ask):
        fail("Give exactly one of --offer TEXT or --ask TEXT.", 2)
    s = settings()
    loop = add_loop(name, "offer" if offer else "ask", offer or ask or "", knowledge_base(s), s)
    out.print(terminal_text(f"Loop {loop.id} opened with {loop.contact}: {loop.describe()}"), highlight=False,
              markup=False)


@loop_app.command("done")
def loop_done(loop_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Close a loop by its number."""
    from assistant.conversation.relationship import close_loop

    loop = close_loop(loop_id, settings())
    out.print(terminal_text(f"Closed loop {loop.id} with {loop.contact}: {loop.describe()}"), highlight=False,
              markup=False)


@loop_app.command("list")
def loop_list(
    name: Optional[str] = typer.Argument(None),
    show_all: bool = typer.Option(False, "--all", help="Include closed loops."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List open loops (for one contact, or everyone)."""
    from assistant.conversation.relationship import list_loops

    s = settings()
    loops = list_loops(knowledge_base(s), s, name, open_only=not show_all)
    if as_json:
        out.print_json(json.dumps([lp.to_dict() for lp in loops]))
        return
    if not loops:
        console.print("No open loops.")
        return
    for lp in loops:
        status = "" if lp.is_open else f"  (done {lp.done_at[:10]})"
        out.print(terminal_text(f"{lp.id:>4}  {lp.contact}: {lp.describe()}{status}"), highlight=False, markup=False)


@app.command()
def plan(
    weeks: int = typer.Option(4, "--weeks", min=1, max=26, help="How many weeks ahead to plan."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    today: Optional[str] = typer.Option(None, "--today", help="Pretend today is this date (YYYY-MM-DD)."),
) -> None:
    """A patient plan: who to reach in the coming weeks, why, and when (give first, few asks a week)."""
    from assistant.conversation.plan import build_plan

    s = settings()
    result = build_plan(knowledge_base(s), s, parse_day(today, "--today") or date.today(), weeks)
    if as_json:
        out.print_json(json.dumps(result.to_dict()))
        return
    if not result.items and not result.later:
        out.print("Nothing to plan: no one is due, nothing is promised or waiting.")
    table = Table("Week", "When", "Who", "What", "Why")
    for i in result.items:
        table.add_row(str(result.week_of(i)), i.on.isoformat(), Text(terminal_text(i.name)), i.kind,
                      Text(terminal_text(i.why)))
    if result.items:
        out.print(table)
    for i in result.later:
        out.print(terminal_text(f"Later ({i.on.isoformat()}): {i.name}: {i.kind}. {i.why}"), highlight=False,
                  markup=False)
    for line in result.waiting:
        out.print(terminal_text(f"Waiting: {line}"), highlight=False, markup=False)
    out.print(f"At most {result.max_asks_per_week} new asks a week (RAPPORT_MAX_ASKS_PER_WEEK).")


@app.command("today")
def today_command(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    today: Optional[str] = typer.Option(None, "--today", help="Pretend today is this date (YYYY-MM-DD)."),
) -> None:
    """What to do in your networking today: meetings to prepare and debrief, loops, people due."""
    from assistant.conversation.today import today_items

    s = settings()
    items = today_items(knowledge_base(s), s, parse_day(today, "--today") or date.today())
    if as_json:
        out.print_json(json.dumps([i.to_dict() for i in items]))
        return
    if not items:
        out.print("Nothing today. Import your LinkedIn connections (`rapport import Connections.csv`) or "
                  "log a meeting (`rapport log NAME TEXT --new`) to get started.")
        return
    for i in items:
        out.print(terminal_text(f"- {i.title}. {i.why}"), highlight=False, markup=False)
        if i.action:
            out.print(terminal_text(f"    {i.action}"), highlight=False, markup=False)
