"""The ``rapport`` command: thin wrappers that print what the core returns.

Global options (``--data-dir``, ``--model``) come before the command; every
:class:`RapportError` is printed as a sentence and a hint, never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys

from assistant.cli.common import app, console, print_error
from assistant.errors import RapportError

# One module per command group; importing one registers its commands on ``app``.
COMMAND_MODULES = ("kb", "brief", "chat", "drafts", "relationship", "event", "imports", "debrief", "timeline")
for _name in COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_name}")


def main() -> None:
    """Entry point: run the app, turning user-facing errors into messages."""
    try:
        app()
    except RapportError as exc:
        print_error(exc)
        logging.getLogger("rapport").exception("command failed")
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("Interrupted.")
        sys.exit(130)


__all__ = ["COMMAND_MODULES", "app", "main"]
