"""`rapport brief` and `rapport eval`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from . import app, console, knowledge_base, out, progress_bar, settings


def save_latest(s, brief) -> Path:
    """Keep the latest brief per contact (rehearsal and the UI read it back)."""
    from ..people import slug

    path = s.briefs_dir / f"{slug(brief.contact)}.json"
    path.write_text(json.dumps(brief.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    return path


@app.command()
def brief(
    name: str,
    goal: Optional[str] = typer.Option(None, "--goal", help="What you hope to learn or do in this meeting."),
    fmt: str = typer.Option("md", "--format", help="md | json | html"),
    out_file: Optional[Path] = typer.Option(None, "--out", help="Write to this file instead of the terminal."),
    model: Optional[str] = typer.Option(None, "--model", help="default | small | tiny | PATH.gguf | hf:..."),
) -> None:
    """Prepare a briefing for a meeting with NAME."""
    from ..brief import BriefBuilder
    from ..export import brief_to_html, brief_to_markdown
    from ..llm import load_generator

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

        result = builder.run(on_section)
    save_latest(s, result)
    text = {"md": brief_to_markdown, "html": brief_to_html,
            "json": lambda b: json.dumps(b.to_dict(), indent=2, ensure_ascii=False)}[fmt](result)
    if out_file:
        out_file.write_text(text, encoding="utf-8")
        console.print(f"Brief written to {out_file}")
    else:
        out.print(text, markup=False, highlight=False, soft_wrap=True)
    for section, reason in result.failed.items():
        console.print(f"[yellow]{section} not available:[/yellow] {reason}", highlight=False)


@app.command("eval")
def evaluate(
    directory: Optional[Path] = typer.Argument(None, help="Evaluation set folder with manifest.yaml (default: knowledge/eval)."),
    model: Optional[str] = typer.Option(None, "--model"),
    naive: bool = typer.Option(False, "--naive", help="Also run the one-prompt baseline."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Only the first N contacts."),
    markdown: Optional[Path] = typer.Option(None, "--markdown", help="Append the result table to this file."),
) -> None:
    """Measure brief quality over an evaluation set and print a table."""
    from ..demo import EVAL_MANIFEST
    from ..evaluate import format_table, run_eval

    s = settings(model=model)
    manifest = (directory / "manifest.yaml") if directory else EVAL_MANIFEST
    with progress_bar() as bar:
        task = bar.add_task("Evaluating", total=None)
        report = run_eval(manifest, s, s.model, naive=naive, limit=limit,
                          progress=lambda d, t, label: bar.update(task, completed=d, total=t, description=label[:50]))
    table = format_table(report)
    out.print(table, markup=False, highlight=False)
    if markdown:
        with markdown.open("a", encoding="utf-8") as fh:
            fh.write(table + "\n")
