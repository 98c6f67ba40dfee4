"""Everything about one contact in date order: notes, messages, meetings, loops, briefs, chats.

Read-only: each source is asked through its own home (``notes_of`` in the
store, :func:`interactions` and :func:`list_loops` in the relationship log,
``meeting_rows`` for the calendar, ``load_brief`` and the chat history), and
each entry carries the id to act on: ``note-…`` for anything stored as a note
(``rapport note show|edit|delete``), ``loop-N`` for a loop, ``meeting-…``,
``brief`` and ``chat``. A logged interaction is one entry (the row and its
``log:`` note are the same event), under its note id.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

from assistant.config import Settings
from assistant.conversation.history import Conversation
from assistant.conversation.relationship import interactions, list_loops
from assistant.notes import db
from assistant.notes.contacts import resolve_contact
from assistant.notes.edit import note_id
from assistant.notes.store import KnowledgeBase, source_key
from assistant.notes.workspace import load_brief
from assistant.types import Target

KINDS = ("note", "message", "interaction", "meeting", "loop opened", "loop closed", "brief", "chat")
_TEXT = 200


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened: ``date`` is ISO (a day or a moment; "" when unknown)."""

    date: str
    kind: str
    title: str
    text: str
    id: str

    @property
    def day(self) -> str:
        return self.date[:10] if self.date else "undated"

    @property
    def editable(self) -> bool:
        """A note (also a logged interaction or a message) can be read in full, edited and deleted."""
        return self.id.startswith("note-")

    def to_dict(self) -> dict:
        return {**asdict(self), "day": self.day, "editable": self.editable}


def _short(text: str, limit: int = _TEXT) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _order(entry: TimelineEntry) -> tuple:
    return (entry.date == "", entry.date[:19], KINDS.index(entry.kind) if entry.kind in KINDS else 99, entry.id)


def timeline(kb: KnowledgeBase, settings: Settings, name: str, newest_first: bool = False) -> list[TimelineEntry]:
    """The contact's entries, oldest first (``newest_first`` for a page); undated notes last."""
    contact = resolve_contact(kb, settings, name)
    target = Target.contact(contact.name)
    entries: list[TimelineEntry] = []
    logged = {e.source: e for e in interactions(contact.name, kb, settings)}
    stored = kb.notes_of(target)
    for note in stored:
        if note.source in logged:
            continue  # shown once, as the interaction below
        kind = "message" if note.source.startswith("message:") else "note"
        title = note.title or note.source.replace("\\", "/").rsplit("/", 1)[-1]
        entries.append(TimelineEntry(note.date, kind, title, _short(note.excerpt), note_id(note.source_key)))
    notes = {n.source for n in stored}
    for source, entry in logged.items():
        ident = note_id(source_key(target, source)) if source in notes else f"log-{entry.id}"
        entries.append(TimelineEntry(entry.date, "interaction", "Logged interaction", _short(entry.text), ident))
    for loop in list_loops(kb, settings, contact.name, open_only=False):
        what = "You offered" if loop.kind == "offer" else "They asked"
        entries.append(TimelineEntry(loop.created_at, "loop opened", what, _short(loop.text), f"loop-{loop.id}"))
        if loop.done_at:
            entries.append(TimelineEntry(loop.done_at, "loop closed", f"{what} (done)", _short(loop.text),
                                         f"loop-{loop.id}"))
    for meeting in db.meeting_rows(settings, key=contact.key):
        digest = hashlib.sha256(f"{meeting['uid']}\n{meeting['start']}".encode()).hexdigest()[:10]
        where = f" at {meeting['location']}" if meeting.get("location") else ""
        others = [a.get("name") or a.get("email") for a in meeting.get("attendees", [])
                  if a.get("contact") != contact.key]
        with_whom = f"; with {', '.join(o for o in others[:5] if o)}" if any(others) else ""
        entries.append(TimelineEntry(meeting["start"], "meeting", meeting.get("summary") or "Meeting",
                                     _short(f"Calendar{where}{with_whom}"), f"meeting-{digest}"))
    brief = load_brief(settings, contact.name)
    if brief:
        goal = f" for {brief['goal']}" if brief.get("goal") else ""
        facts = [f.get("text", "") for f in brief.get("facts", []) if isinstance(f, dict)]
        entries.append(TimelineEntry(str(brief.get("generated_at", "")), "brief", f"Brief prepared{goal}",
                                     _short(facts[0] if facts else ""), "brief"))
    chat = Conversation.load(contact.name, settings)
    if len(chat):
        entries.append(TimelineEntry(chat.turns[-1].at, "chat", f"Chat ({len(chat)} messages)",
                                     _short(chat.last_user()), "chat"))
    entries.sort(key=_order)
    if newest_first:
        dated = [e for e in entries if e.date]
        return dated[::-1] + [e for e in entries if not e.date]
    return entries


__all__ = ["KINDS", "TimelineEntry", "timeline"]
