"""The ``rapport`` command: thin wrappers that print what the core returns.

Global options (``--data-dir``, ``--model``) come before the command; every
:class:`RapportError` is printed as a sentence and a hint, never a traceback.
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..config import Settings
from ..errors import RapportError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Rapport: private conversation prep for networking, on your own machine.")
console = Console(stderr=True)
out = Console()

_state: dict = {"overrides": {}}


@app.callback()
def _main(
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Data directory (default: $RAPPORT_HOME or ~/.rapport)."),
    model: Optional[str] = typer.Option(None, "--model", help="default | small | tiny | PATH.gguf | hf:OWNER/REPO/FILE"),
) -> None:
    _state["overrides"] = {"home": data_dir, "model": model}


def settings(**extra: object) -> Settings:
    """Settings from env, global flags, then per-command flags."""
    merged = {**_state["overrides"], **{k: v for k, v in extra.items() if v is not None}}
    s = Settings.from_env(**merged).ensure_dirs()
    logging.basicConfig(filename=str(s.log_path), level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return s


def knowledge_base(s: Settings):
    from ..store import KnowledgeBase

    return KnowledgeBase(s)


@contextmanager
def progress_bar(transient: bool = True) -> Iterator[Progress]:
    """A rich progress bar on stderr, so JSON on stdout stays clean."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=transient) as bar:
        yield bar


def fail(message: str, code: int = 1) -> None:
    console.print(f"[red]Error:[/red] {message}", markup=True, highlight=False)
    raise typer.Exit(code)


def main() -> None:
    """Entry point: run the app, turning user-facing errors into messages."""
    try:
        app()
    except RapportError as exc:
        console.print(f"[red]Error:[/red] {exc.message}", markup=True, highlight=False)
        if exc.hint:
            console.print(f"  {exc.hint}", highlight=False, markup=False)
        logging.getLogger("rapport").exception("command failed")
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("Interrupted.")
        sys.exit(130)


from . import kb as _kb  # noqa: E402,F401  (registers commands)

for _name in ("brief", "chat", "event"):
    try:
        __import__(f"{__name__}.{_name}")
    except ModuleNotFoundError as _exc:  # a feature module not written yet
        if _exc.name != f"{__name__}.{_name}":
            raise
