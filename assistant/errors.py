"""The few errors Rapport raises, written for the person using it.

Every message is meant to be shown as-is (terminal or browser); ``hint`` says
what to do next. The UI and CLI catch only :class:`RapportError`, so anything
else escaping is a bug, not a user mistake::

    RapportError
    ├── InputError       a file, row or argument we cannot use
    ├── ModelError       a model file is missing, tampered with, or unreachable
    ├── StoreError       the knowledge base cannot be opened or written
    ├── GenerationError  the model's output stayed invalid after retries
    └── NotFoundError    a contact (or its notes) does not exist
"""

from __future__ import annotations


class RapportError(Exception):
    """Base of every error meant for users."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class InputError(RapportError):
    """Bad user input: a broken file, a malformed row, a wrong argument."""


class ModelError(RapportError):
    """A model cannot be used: not fetched, checksum mismatch, offline."""


class StoreError(RapportError):
    """The Chroma knowledge base cannot be reached or written."""


class GenerationError(RapportError):
    """The model kept producing invalid output after bounded retries."""


class NotFoundError(RapportError):
    """A named contact, note or job does not exist."""
