"""A per-contact chat history on disk, and fitting turns into the context window.

Why a file per contact: the history is private working memory about one
person, so it lives next to their briefs in the data dir, is readable JSON,
and ``forget_contact`` removes it with everything else (it deletes
``chats/<slug>.*``, so every file written here keeps that prefix). The slug
embeds a hash of the name key, so two people never share a file, and the file
records its owner's name key: a file that names someone else is never shown.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from assistant.notes import db
from assistant.config import Settings
from assistant.files import atomic_write_text
from assistant.generation.llm import Generator, Message
from assistant.types import slug
from assistant.types import display_name, file_owner, name_key

log = logging.getLogger("rapport.chat")

_FORMAT = 1
_MESSAGE_OVERHEAD = 8  # chat-template tokens around each message
_LABEL = re.compile(r"\s*\[(?:N\d+(?:\s*,\s*)?)+\]")


class Reset(str):
    """A streamed token meaning "discard the text shown so far".

    Its text is a readable notice, so a consumer that just prints tokens
    still shows something sensible; the replacement follows as more tokens.
    """


@dataclass
class Turn:
    """One message of a conversation; assistant turns keep what they were based on."""

    role: str  # "user" | "assistant"
    content: str
    at: str = ""
    query: str = ""  # assistant turns: the retrieval query that was used
    sources: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = asdict(self)
        return {k: v for k, v in data.items() if v or k in ("role", "content")}

    @classmethod
    def from_dict(cls, data: dict) -> "Turn":
        return cls(str(data.get("role", "user")), str(data.get("content", "")), str(data.get("at", "")),
                   str(data.get("query", "")), list(data.get("sources", [])))


class Conversation:
    """The chat with one contact, saved as ``settings.chats_dir/<slug>.json``.

    ``Conversation.load(name, settings)`` reads it (empty when new), ``add``
    appends a turn, ``save`` writes it atomically, ``clear`` deletes it.
    A corrupt file is moved aside to ``<slug>.corrupt.json`` rather than
    crashing the chat, and the conversation starts fresh.
    """

    def __init__(self, name: str, settings: Settings, turns: Sequence[Turn] = ()) -> None:
        self.name = display_name(name)
        self.settings = settings
        self.turns: list[Turn] = list(turns)

    @property
    def key(self) -> str:
        return name_key(self.name)

    @property
    def path(self) -> Path:
        return self.settings.chats_dir / f"{slug(self.name)}.json"

    @classmethod
    def load(cls, name: str, settings: Settings) -> "Conversation":
        conv = cls(name, settings)
        if not conv.path.exists():
            return conv
        try:
            data = json.loads(conv.path.read_text(encoding="utf-8"))
            owner = file_owner(data)
            if owner is not None and owner != conv.key:
                log.warning("chat file %s belongs to another contact; not shown", conv.path.name)
                return conv
            conv.turns = [Turn.from_dict(t) for t in data.get("turns", []) if isinstance(t, dict)]
        except (OSError, ValueError, AttributeError) as exc:
            aside = conv.path.with_name(f"{slug(name)}.corrupt.json")
            log.warning("chat file %s unreadable (%s); moved to %s", conv.path, exc, aside)
            conv.path.replace(aside)
            conv.turns = []
        return conv

    def add(self, role: str, content: str, query: str = "", sources: Sequence[dict] = ()) -> Turn:
        turn = Turn(role, content, db.now_iso(), query, list(sources))
        self.turns.append(turn)
        return turn

    def save(self) -> None:
        """Write atomically (temp file + rename) so a crash never leaves half a file; never over another's."""
        if self.path.exists():
            try:
                owner = file_owner(json.loads(self.path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                owner = None
            if owner is not None and owner != self.key:
                from assistant.errors import StoreError

                raise StoreError(f"The chat file {self.path.name} belongs to another contact; it was not overwritten.",
                                 "Move it out of the chats folder to keep a chat about this contact.")
        atomic_write_text(self.path, json.dumps({"format": _FORMAT, "contact": self.name, "owner_key": self.key,
                                                 "turns": [t.to_dict() for t in self.turns]},
                                                indent=1, ensure_ascii=False))

    def clear(self) -> None:
        self.turns = []
        self.path.unlink(missing_ok=True)

    def messages(self) -> list[Message]:
        """The turns as chat messages, citation labels removed (they refer to old note numbering)."""
        return [{"role": t.role, "content": strip_labels(t.content) if t.role == "assistant" else t.content}
                for t in self.turns if t.content.strip()]

    def last_user(self) -> str:
        return next((t.content for t in reversed(self.turns) if t.role == "user"), "")

    def __len__(self) -> int:
        return len(self.turns)


def strip_labels(text: str) -> str:
    return _LABEL.sub("", text).strip()


def message_tokens(generator: Generator, message: Message) -> int:
    return generator.count_tokens(message["content"]) + _MESSAGE_OVERHEAD


def fit_messages(generator: Generator, system: str, history: Sequence[Message], final_user: str,
                 reply_tokens: int) -> tuple[list[Message], int]:
    """``[system, *recent history, final_user]`` within the context window.

    Why: a long chat must keep working. The system prompt and the final
    message (which carries the notes) always stay; older turns are dropped
    first. Returns the messages and how many history messages were dropped.
    The caller makes sure system + final message fit on their own.
    """
    head = {"role": "system", "content": system}
    tail = {"role": "user", "content": final_user}
    budget = generator.n_ctx - reply_tokens - message_tokens(generator, head) - message_tokens(generator, tail) - 16
    kept: list[Message] = []
    for msg in reversed(history):
        cost = message_tokens(generator, msg)
        if cost > budget:
            break
        kept.append(msg)
        budget -= cost
    kept.reverse()
    while kept and kept[0]["role"] != "user":  # templates expect a user turn after the system prompt
        kept.pop(0)
    return [head, *kept, tail], len(history) - len(kept)


_KEY_WORD = re.compile(r"[^\W\d_][^\W_]*(?:['\-][^\W_]+)*")
_COMMON = frozenset("""
a about above after again all also am an and any are as at be because been before being both but by can
could did do does doing done for from had has have having he her here hers him his how i if in into is it
its just me more most my no nor not now of off on once only or other our out over own same she should so
some such than that the their them then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours tell know said say
says think thinks much many what's anything something thing things about please does did also like
""".split())


def keywords(text: str) -> list[str]:
    """Content words of a question, in order, lowercased (length >= 3, stopwords removed)."""
    out: list[str] = []
    for w in _KEY_WORD.findall(text):
        low = w.lower()
        if len(low) >= 3 and low not in _COMMON and low not in out:
            out.append(low)
    return out


__all__ = ["Conversation", "Reset", "Turn", "file_owner", "fit_messages", "keywords", "message_tokens", "strip_labels"]
