"""`rapport brief` and `rapport eval`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from assistant.cli.common import app
from assistant.cli.common import console
from assistant.cli.common import fail
from assistant.cli.common import knowledge_base
from assistant.cli.common import out
from assistant.cli.common import progress_bar
from assistant.cli.common import settings
from assistant.cli.common import shown
from assistant.cli.common import terminal_text


def save_latest(s, brief) -> Path:
    """Keep the latest brief per contact (rehearsal and the UI read it back; written atomically, with its owner)."""
    from assistant.notes.workspace import save_brief

    return save_brief(brief.to_dict(), s)


@app.command()
def brief(
    name: str,
    goal: Optional[str] = typer.Option(None, "--goal", help="What you hope to learn or do in this meeting."),
    fmt: str = typer.Option("md", "--format", help="md | json | html"),
    out_file: Optional[Path] = typer.Option(None, "--out", help="Write to this file instead of the terminal."),
    model: Optional[str] = typer.Option(None, "--model", help="default | small | tiny | PATH.gguf | hf:..."),
) -> None:
    """Prepare a briefing for a meeting with NAME."""
    from assistant.brief.builder import BriefBuilder
    from assistant.brief.export import brief_to_html, brief_to_markdown
    from assistant.generation.llm import load_generator

    if fmt not in ("md", "json", "html"):
        raise typer.BadParameter("--format must be md, json or html")
    s = settings(model=model)
    kb = knowledge_base(s)
    builder_args = dict(goal=goal)
    with progress_bar() as bar:
        task = bar.add_task("Loading the model", total=None)
        generator = load_generator(s, s.model)
        builder = BriefBuilder(name, kb, s, generator, **builder_args)
        steps = 6
        bar.update(task, total=steps, completed=0, description="Briefing: avoid")

        def on_section(section: str, b) -> None:
            bar.advance(task)
            state = "failed" if section in b.failed else "done"
            bar.update(task, description=f"Briefing: {section} {state} ({b.seconds:.0f}s)")
            console.print(f"  {section}: {state} after {b.seconds:.0f}s", highlight=False)

        def on_fact(fact) -> None:
            console.print(f"    • {shown(fact.text)}", highlight=False)

        result = builder.run(on_section, on_fact)
    save_latest(s, result)
    text = {"md": brief_to_markdown, "html": brief_to_html,
            "json": lambda b: json.dumps(b.to_dict(), indent=2, ensure_ascii=False)}[fmt](result)
    if out_file:
        out_file.write_text(text, encoding="utf-8")
        console.print(f"Brief written to {shown(out_file)}", highlight=False)
    else:
        out.print(terminal_text(text), markup=False, highlight=False, soft_wrap=True)
    for section, reason in result.failed.items():
        console.print(f"[yellow]{shown(section)} not available:[/yellow] {shown(reason)}", highlight=False)


@app.command()
def warm(
    name: str,
    model: Optional[str] = typer.Option(None, "--model", help="default | small | tiny | PATH.gguf | hf:..."),
) -> None:
    """Prepare NAME ahead: your story is written (once per profile) and their notes read and saved, so the brief starts at once."""
    from assistant.brief.builder import BriefBuilder
    from assistant.brief.story import user_story
    from assistant.generation.llm import load_generator

    s = settings(model=model)
    kb = knowledge_base(s)
    with progress_bar() as bar:
        task = bar.add_task("Loading the model", total=None)
        generator = load_generator(s, s.model)
        builder = BriefBuilder(name, kb, s, generator)
        if builder.me_chunks:
            bar.update(task, description="Writing your story (once per profile)")
            user_story(kb, builder.me_chunks, s, generator)
        bar.update(task, description=f"Reading the notes about {name[:40]}")
        state = builder.use_prefix()
    words = {"built": "read and saved", "loaded": "already saved (checked)", "held": "already in memory",
             "off": "not needed with this model setup (no local cache to save)"}
    console.print(f"{shown(builder.name)}: notes {words.get(state, state)} in {builder.brief.prefix_seconds:.1f}s "
                  f"({len(builder.notes)} note chunks).", highlight=False)


@app.command("eval")
def evaluate(
    directory: Optional[Path] = typer.Argument(None, help="Evaluation set folder with manifest.yaml (default: knowledge/eval)."),
    model: Optional[str] = typer.Option(None, "--model"),
    naive: bool = typer.Option(False, "--naive", help="Also run the one-prompt baseline."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Only the first N contacts."),
    only: Optional[list[str]] = typer.Option(None, "--contact", metavar="NAME", help="Only this contact (repeatable): rerun the ones a change is about."),
    markdown: Optional[Path] = typer.Option(None, "--markdown", help="Append the result table to this file."),
    me: str = typer.Option("all", "--me", help="Which me profile of the manifest (me_profiles), or all: "
                           "one table section per profile."),
    debriefs: bool = typer.Option(False, "--debriefs", help="Score the manifest's meeting debriefs instead of briefs."),
    briefs: Optional[Path] = typer.Option(None, "--briefs", help="Also keep every brief as JSON in this folder, to read."),
    sense: bool = typer.Option(False, "--sense", help="Score the question sense check against the set's hand labels "
                               "(sense.yaml) instead of briefs."),
) -> None:
    """Measure brief quality over an evaluation set and print a table."""
    from assistant.notes.demo import EVAL_MANIFEST
    from assistant.brief.evaluate import format_table, run_eval

    s = settings(model=model)
    manifest = (directory / "manifest.yaml") if directory else EVAL_MANIFEST
    if sense:
        from assistant.brief.sense import agreement, agreement_table
        from assistant.generation.llm import load_generator

        sample = manifest.parent / "sense.yaml"
        if not sample.is_file():
            fail(f"No hand-labelled questions at {sample}.", 2)
        with progress_bar() as bar:
            bar.add_task("Judging questions", total=None)
            gen = load_generator(s, s.model)
            table = agreement_table(agreement(gen, sample, seed=s.seed), gen.name)
        out.print(terminal_text(table), markup=False, highlight=False)
        if markdown:
            with markdown.open("a", encoding="utf-8") as fh:
                fh.write(table + "\n")
        return
    if debriefs:
        from assistant.conversation.debrief_eval import format_debrief_table, run_debrief_eval

        with progress_bar() as bar:
            task = bar.add_task("Debriefs", total=None)
            rows = run_debrief_eval(manifest, s, s.model, progress=lambda d, t, label: bar.update(
                task, completed=d, total=t, description=label[:50]))
        table = format_debrief_table(rows, s.model)
        out.print(terminal_text(table), markup=False, highlight=False)
        if markdown:
            with markdown.open("a", encoding="utf-8") as fh:
                fh.write(table + "\n")
        return
    with progress_bar() as bar:
        task = bar.add_task("Evaluating", total=None)
        report = run_eval(manifest, s, s.model, naive=naive, limit=limit, me=me, briefs_dir=briefs, only=only,
                          progress=lambda d, t, label: bar.update(task, completed=d, total=t, description=label[:50]))
    table = format_table(report)
    out.print(terminal_text(table), markup=False, highlight=False)
    if markdown:
        with markdown.open("a", encoding="utf-8") as fh:
            fh.write(table + "\n")
