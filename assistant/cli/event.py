"""``rapport event``: rank an attendee list, then brief everyone worth meeting.

The ranking table is printed before the model is even loaded, so the user
has an answer in seconds and can stop there (Ctrl+C) if that is all they
needed. Ctrl+C during the briefs is safe too: ``--resume`` continues.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

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
from assistant.cli.common import shown
from assistant.cli.common import terminal_text


def parse_mapping(pairs: List[str]) -> dict[str, str]:
    """``--map title=Job Role`` pairs into read_attendees' mapping (our field -> their header)."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        ours, sep, theirs = pair.partition("=")
        if not sep or not ours.strip():
            fail(f"--map expects ourfield=TheirHeader (for example --map \"name=Full Name\"), got {pair!r}.", 2)
        mapping[ours.strip()] = theirs.strip()
    return mapping


def _ranking_table(items, limit: int = 10) -> Table:
    table = Table("#", "Name", "Title", "Score", "Why", title=f"Who to seek out (top {min(limit, len(items))} "
                                                                f"of {len(items)})")
    for item in items[:limit]:
        head = " · ".join(x for x in (item.attendee.get("title", ""), item.attendee.get("company", "")) if x)
        # Attendee files are third-party text: never let "[bold]" in a bio become markup.
        table.add_row(str(item.rank), Text(terminal_text(item.name)), Text(terminal_text(head)), f"{item.score:.2f}",
                      Text(terminal_text(item.reason)))
    return table


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    return f" · ~{minutes}m{secs:02d}s left" if minutes else f" · ~{secs}s left"


@app.command()
def event(
    attendees: Path = typer.Argument(..., help="The attendee list (CSV from Eventbrite, Luma, Meetup, Excel...)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Where briefs go (default: <data dir>/events/NAME-ID)."),
    goal: Optional[str] = typer.Option(None, "--goal", help="What you want from this event; weighs in the ranking."),
    top: Optional[int] = typer.Option(None, "--top", min=1, help="Brief only the N best-ranked attendees."),
    resume: bool = typer.Option(False, "--resume", help="Continue the latest run for this file (retries failures)."),
    name: Optional[str] = typer.Option(None, "--name", help="The event's name (default: the file name)."),
    mapping: List[str] = typer.Option([], "--map", help="ourfield=TheirHeader when a column is not recognised (repeatable)."),
    llm_url: Optional[str] = typer.Option(None, "--llm-url", help="Use an OpenAI-compatible server instead of the in-process model."),
    concurrency: int = typer.Option(1, "--concurrency", min=1, help="Briefs in flight at once (only with --llm-url)."),
    model: Optional[str] = typer.Option(None, "--model", help="default | small | tiny | PATH.gguf"),
    as_json: bool = typer.Option(False, "--json", help="Print the finished job as JSON on stdout."),
    rank_only: bool = typer.Option(False, "--rank-only", help="Rank the list and stop: nothing is stored, no model runs."),
) -> None:
    """Rank an attendee list, then write an event-size brief for each person, best first."""
    from assistant.event.run import event_status, import_event, latest_event_for, run_event
    from assistant.generation.llm import load_generator

    s = settings(model=model, llm_url=llm_url)
    kb = knowledge_base(s)
    if rank_only:
        _rank_only(attendees, kb, goal, parse_mapping(mapping), out_dir, as_json)
        return
    if resume:
        job = latest_event_for(s, attendees)
        if job is None:
            fail(f"There is no earlier run for {attendees} to resume. Run it without --resume first.", 2)
        counts = job.counts(in_scope=True)
        if top is None:
            top = job.top  # keep the earlier run's scope
        if goal and goal != job.goal or mapping or name or out_dir:
            console.print("Note: --goal, --map, --name and --out only apply to a new run; resuming keeps the "
                          "first run's ranking and folder.")
        console.print(terminal_text(f"Resuming event #{job.id} “{job.name}”: {counts['done']} briefs done, "
                                    f"{counts['queued'] + counts['running']} to go, {counts['failed']} to retry."),
                      highlight=False, markup=False)
    else:
        with progress_bar() as bar:
            task = bar.add_task("Reading attendees", total=None)
            # Ranked first; each attendee is stored just before their brief, so only who is briefed is kept.
            job = import_event(attendees, kb, s, parse_mapping(mapping), name, goal=goal, out_dir=out_dir,
                               ingest=False, progress=lambda d, t, label: bar.update(task, completed=d, total=t,
                                                                       description=shown(f"Storing {label}"[:40])))
        for row, why in job.skipped:
            console.print(f"[yellow]Skipped[/yellow] row {row}: {shown(why)}", highlight=False)
        _said_questions(job.questions)
        for row, who in job.merged:
            console.print(terminal_text(f"Row {row} repeats {who}; merged into their first row."), highlight=False,
                          markup=False)
    items = job.items(with_briefs=False)
    if not as_json:
        out.print(_ranking_table(items))
    console.print(f"Ranking: {shown(job.out_dir / 'ranking.csv')}", highlight=False)

    generator = load_generator(s, model)
    scope = min(top, len(items)) if top else len(items)
    if concurrency > 1 and not s.llm_url:
        console.print("--concurrency needs --llm-url; the in-process model briefs one attendee at a time.")
    try:
        with progress_bar(transient=False) as bar:
            task = bar.add_task("Preparing briefs", total=scope)

            def tick(p) -> None:
                who = ", ".join(p.running) or p.last
                bar.update(task, completed=p.finished, total=p.total,
                           description=shown(f"Briefs · {who}"[:40]) + (f" ({p.failed} failed)" if p.failed else "")
                           + _eta(p.eta_s))

            result = run_event(job, kb, s, generator, top=top, concurrency=concurrency, progress=tick,
                               retry_failed=resume)
    except KeyboardInterrupt:
        console.print(terminal_text(f"Stopped. Finished briefs are kept; continue with: rapport event {attendees} --resume"),
                      highlight=False, markup=False)
        raise typer.Exit(130)

    per = f", {result.seconds_per_brief:.0f} s per brief" if result.generated else ""
    console.print(terminal_text(f"{result.done} of {result.total} briefs ready in {job.out_dir} "
                                f"(print index.html; {result.generated} written now in {result.seconds / 60:.1f} "
                                f"min{per})."), highlight=False, markup=False)
    for item in result.failed:
        console.print(f"[red]FAILED[/red] #{item.rank} {shown(item.name)}: {shown(item.error)}", highlight=False)
    if as_json:
        out.print_json(json.dumps(event_status(s, job.id, with_briefs=True).to_dict()))
    if result.failed:
        console.print(f"{len(result.failed)} attendee(s) failed; fix the cause and run again with --resume.")
        raise typer.Exit(1)


def _rank_only(attendees: Path, kb, goal: Optional[str], mapping: dict, out_dir: Optional[Path], as_json: bool) -> None:
    """Rank without storing: the table (or JSON), and ranking.csv in --out when given."""
    from assistant.event.ranking import ranking_rows
    from assistant.event.run import profile_text, rank_only as rank_list
    from assistant.event.spreadsheet import write_ranking_csv

    with progress_bar() as bar:
        task = bar.add_task("Ranking", total=None)
        imported, ranked = rank_list(attendees, profile_text(kb), goal, kb.embed, mapping,
                                     progress=lambda d, t, label: bar.update(task, completed=d, total=t))
    rows = ranking_rows(ranked)
    if out_dir:
        write_ranking_csv(rows, Path(out_dir) / "ranking.csv")
        console.print(f"Ranking: {shown(Path(out_dir) / 'ranking.csv')}", highlight=False)
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("#", "Name", "Title", "Score", "Why", title=f"Who to seek out (top {min(10, len(ranked))} of {len(ranked)})")
    for n, r in enumerate(ranked[:10], 1):
        head = " · ".join(x for x in (r.attendee.title, r.attendee.company) if x)
        table.add_row(str(n), Text(terminal_text(r.attendee.name)), Text(terminal_text(head)), f"{r.score:.2f}",
                      Text(terminal_text(r.reason)))
    out.print(table)
    for row, why in imported.skipped:
        console.print(f"[yellow]Skipped[/yellow] row {row}: {shown(why)}", highlight=False)
    _said_questions(imported.questions)


def _said_questions(questions: list[str]) -> None:
    """Which of a sign-up form's questions were read as each person's answers (the Events page says so too)."""
    if questions:
        console.print(terminal_text("Read as their answers: " + "; ".join(f"“{q}”" for q in questions)),
                      highlight=False, markup=False)


@app.command("events")
def events(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List event jobs and how far each got."""
    from assistant.event.run import list_events

    s = settings()
    jobs = list_events(s)
    if as_json:
        out.print_json(json.dumps([j.to_dict() for j in jobs]))
        return
    table = Table("ID", "Event", "Created", "Briefed", "Done", "Failed", "To do", "Folder")
    for j in jobs:
        c = j.counts(in_scope=True)
        table.add_row(str(j.id), Text(terminal_text(j.name)), j.created_at[:16], f"top {j.top}" if j.top else "everyone",
                      str(c["done"]), str(c["failed"]), str(c["queued"] + c["running"]), Text(terminal_text(j.out_dir)))
    out.print(table)
