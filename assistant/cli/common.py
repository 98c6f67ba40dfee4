"""What every command module shares: the Typer app, the consoles, settings, safe printing.

Command modules import from here (never from each other or from the package),
so the CLI has no import cycle.
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from assistant.config import Settings
from assistant.errors import RapportError

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


# Escape sequences (CSI, OSC, other ESC forms), then any control character left: C0 but tab and
# newline, DEL, C1, and the bidirectional overrides/isolates that reorder what the terminal shows.
_TERMINAL_JUNK = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"            # CSI: colours, cursor moves, screen clears
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"   # OSC: window titles, hyperlinks
    r"|\x1b[ -/]*[0-~]?"                   # other ESC sequences (ESC c resets the terminal), or a lone ESC
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def terminal_text(value: object) -> str:
    """``value`` as text that is safe to print: no escape codes, control or direction-override characters.

    Names and notes are third-party text; printed raw, an escape code could recolour, clear or retitle
    the terminal, and a right-to-left override could make a name read as something else.
    """
    return _TERMINAL_JUNK.sub("", str(value))


def shown(value: object) -> str:
    """User or notes text inside a Rich markup string: cleaned for the terminal, then markup-escaped."""
    return escape(terminal_text(value))


def settings(**extra: object) -> Settings:
    """Settings from env, global flags, then per-command flags."""
    from assistant.errors import StoreError

    merged = {**_state["overrides"], **{k: v for k, v in extra.items() if v is not None}}
    s = Settings.from_env(**merged)
    try:
        s.ensure_dirs()
        logging.basicConfig(filename=str(s.log_path), level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    except OSError as exc:
        raise StoreError(f"Cannot use the data dir {s.home}: {exc.strerror or exc}.",
                         "Check that it is a folder you can read and write, or choose another with "
                         "--data-dir / RAPPORT_HOME.") from None
    return s


def knowledge_base(s: Settings):
    from assistant.notes.store import KnowledgeBase

    return KnowledgeBase(s)


@contextmanager
def progress_bar(transient: bool = True) -> Iterator[Progress]:
    """A rich progress bar on stderr, so JSON on stdout stays clean."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=transient) as bar:
        yield bar


def fail(message: str, code: int = 1) -> None:
    console.print(f"[red]Error:[/red] {shown(message)}", markup=True, highlight=False)
    raise typer.Exit(code)


def print_error(exc: RapportError) -> None:
    """A user-facing error as a sentence and a hint (both may quote names and notes: never markup)."""
    console.print(f"[red]Error:[/red] {shown(exc.message)}", markup=True, highlight=False)
    if exc.hint:
        console.print(f"  {terminal_text(exc.hint)}", highlight=False, markup=False)


def load_model(s: Settings):
    """The shared generator, with a note on stderr while it loads."""
    from assistant.generation.llm import load_generator

    with console.status(f"Loading the model ({shown(s.model)})…"):
        return load_generator(s)
