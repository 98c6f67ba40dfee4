"""The small records passed between ingest, store, briefing, chat and UI."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Kind = Literal["contact", "field", "me"]
KINDS: tuple[str, ...] = ("contact", "field", "me")


def name_key(name: str) -> str:
    """How names are matched: "dana  Whitfield" and "Dana Whitfield" are one person."""
    return " ".join(name.split()).casefold()


def display_name(name: str) -> str:
    return " ".join(name.split())


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
