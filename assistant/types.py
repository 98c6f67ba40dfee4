"""The small records passed between ingest, store, briefing, chat and UI."""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from typing import Callable, Literal

from assistant.text import names as _names

Progress = Callable[[int, int, str], None]
"""``progress(done, total, what)``: the one progress callback shape (total 0 when unknown)."""

Kind = Literal["contact", "field", "me"]
KINDS: tuple[str, ...] = ("contact", "field", "me")

#: The longest name (after cleaning) a contact or field may have.
NAME_LIMIT = 120


def name_key(name: str) -> str:
    """How names are matched: "dana  Whitfield" and "Dana Whitfield" are one person (see assistant.text.names)."""
    return _names.name_key(name)


def display_name(name: str) -> str:
    """The name as stored and shown: invisible and control characters removed, whitespace collapsed."""
    return _names.clean_name(name, limit=sys.maxsize)


def slug(name: str) -> str:
    """File-name form of a person: readable ASCII + a hash of the name key, unique per person (assistant.text.names)."""
    return _names.slug(name)


def checked_name(name: str, what: str = "contact") -> str:
    """The cleaned name, or an :class:`InputError` when there is none or it is too long to be a name.

    Called where a name enters the data dir (before anything about it is stored), so a
    5,000-character "name" or one made only of control characters is refused with a reason.
    """
    from assistant.errors import InputError

    clean = display_name(name if isinstance(name, str) else str(name or ""))
    if not clean:
        raise InputError(f"A {what} needs a name.", "Type their name, for example \"Dana Whitfield\".")
    if len(clean) > NAME_LIMIT:
        raise InputError(f"A {what} name of {len(clean):,} characters is too long ({clean[:40]}…).",
                         f"Use the name only, up to {NAME_LIMIT} characters.")
    return clean


def file_owner(data: object) -> str | None:
    """Whose saved file (chat or brief) this is, as a name key; None when it does not say.

    Files record ``owner_key``; older ones only the contact's name, whose key is the same thing.
    """
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("owner_key"), str):
        return data["owner_key"]
    if isinstance(data.get("contact"), str) and data["contact"].strip():
        return name_key(data["contact"])
    return None


@dataclass(frozen=True)
class Target:
    """Whose notes these are: a contact, a field, or the user ("me")."""

    kind: str
    name: str = "me"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        object.__setattr__(self, "name", "me" if self.kind == "me" else display_name(self.name))

    @property
    def key(self) -> str:
        return name_key(self.name)

    @classmethod
    def contact(cls, name: str) -> "Target":
        return cls("contact", name)

    @classmethod
    def field(cls, name: str) -> "Target":
        return cls("field", name)

    @classmethod
    def me(cls) -> "Target":
        return cls("me", "me")


@dataclass
class Note:
    """One imported document (a file, an email, a pasted text) before chunking."""

    target: Target
    text: str
    source: str  # where it came from: a path, "pasted", "log", "event:<file>"
    title: str = ""
    date: str = ""  # ISO date when known
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Chunk:
    """A piece of a note as stored in Chroma; ``id`` is what citations point at."""

    id: str
    text: str
    kind: str
    owner: str
    source: str
    title: str = ""
    date: str = ""
    score: float = 0.0

    def excerpt(self, limit: int = 240) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

    def as_source(self) -> dict:
        return {"id": self.id, "source": self.source, "excerpt": self.excerpt(), "title": self.title, "date": self.date}

    def to_dict(self) -> dict:
        return asdict(self)
