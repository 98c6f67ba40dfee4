"""The relationship log: what happened when, who is due, what is still open.

Why both SQLite and Chroma: a logged interaction is a row (dates, cadence
maths, "last contact" on the People page) *and* a note about the contact, so
the next brief and chat can use what was said ("last time she mentioned
..."). The brief puts chunks whose source starts with ``log:`` first.

Everything that decides "who is due and why" is plain code with an
injectable ``today``, so it is testable and explainable.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Literal

from assistant.text.busy import iso_day
from assistant.text.names import first_name
from assistant.text.sentences import split_sentences
from assistant.notes import db
from assistant.config import Settings
from assistant.errors import InputError, NotFoundError
from assistant.text.guard import INJECTION
from assistant.notes.ingest import store_note
from assistant.notes.contacts import ContactSummary, list_contacts, resolve_contact
from assistant.notes.store import KnowledgeBase
from assistant.types import Note, Target, display_name, name_key

LoopKind = Literal["offer", "ask"]
LOOP_KINDS = ("offer", "ask")
MAX_CADENCE_DAYS = 3650
_PROMISE = re.compile(r"\bpromised\b|\bI'?ll send\b|\bwill send\b|\bintro\b|\bintroduce\b(?!d)", re.I)


@dataclass
class LogEntry:
    """One logged interaction; ``source`` is the note's source in Chroma."""

    id: int
    contact: str
    date: str
    text: str
    source: str
    duplicate: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Loop:
    """Something still open with a contact: an offer you made or an ask they made."""

    id: int
    contact: str
    kind: str
    text: str
    created_at: str
    done_at: str | None = None

    @property
    def is_open(self) -> bool:
        return self.done_at is None

    def describe(self) -> str:
        return ("you offered: " if self.kind == "offer" else "they asked: ") + self.text

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class DueItem:
    """A contact due for a reconnect, with a reason drawn from the notes."""

    name: str
    last_contact: date | None
    due_on: date
    overdue_days: int
    reason: str
    reason_source: str | None
    cadence_days: int = 42

    def to_dict(self) -> dict:
        data = asdict(self)
        data["last_contact"] = self.last_contact.isoformat() if self.last_contact else None
        data["due_on"] = self.due_on.isoformat()
        return data




def _contact(kb: KnowledgeBase, settings: Settings, name: str, create: bool = False) -> str:
    """The contact's stored display name (resolving "dana" to "Dana Whitfield")."""
    try:
        return resolve_contact(kb, settings, name).name
    except NotFoundError:
        if not create or not name.strip():
            raise
        return db.upsert_contact(settings, display_name(name)).name


# ------------------------------------------------------------------ log --
def log_interaction(name: str, text: str, kb: KnowledgeBase, settings: Settings, when: date | None = None,
                    offer: str | None = None, ask: str | None = None, create: bool = False) -> LogEntry:
    """Record what happened with ``name`` on ``when`` (default today).

    Stored as a row in ``interactions`` and as a dated note of the contact
    (source ``log:<date>:<hash8>``), so the next brief and chat see it.
    Logging the same text for the same day twice stores it once.
    ``offer``/``ask`` also open a loop. ``create`` allows logging a first
    meeting with someone who has no notes yet.
    """
    text = " ".join(text.split())
    if not text:
        raise InputError("There is nothing to log.", "Say what happened, e.g. `rapport log Dana \"Coffee; she ...\"`.")
    day = (when or date.today()).isoformat()
    contact = _contact(kb, settings, name, create)
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    source = f"log:{day}:{digest}"
    store_note(kb, settings, Note(Target.contact(contact), f"Interaction on {day}: {text}", source=source,
                                  title=f"Logged {day}", date=day))
    with db.connect(settings) as conn:
        row = conn.execute("SELECT id FROM interactions WHERE contact_key=? AND chunk_source=?",
                           (name_key(contact), source)).fetchone()
        duplicate = row is not None
        if duplicate:
            entry_id = int(row["id"])
        else:
            cur = conn.execute("INSERT INTO interactions(contact_key, date, text, chunk_source) VALUES (?,?,?,?)",
                               (name_key(contact), day, text, source))
            entry_id = int(cur.lastrowid or 0)
    for kind, loop_text in (("offer", offer), ("ask", ask)):
        if loop_text and loop_text.strip():
            add_loop(contact, kind, loop_text, kb, settings)
    return LogEntry(entry_id, contact, day, text, source, duplicate)


def interactions(name: str, kb: KnowledgeBase, settings: Settings, limit: int | None = None) -> list[LogEntry]:
    """Logged interactions with ``name``, newest first."""
    contact = _contact(kb, settings, name)
    sql = "SELECT * FROM interactions WHERE contact_key=? ORDER BY date DESC, id DESC"
    with db.connect(settings) as conn:
        rows = conn.execute(sql + (f" LIMIT {int(limit)}" if limit else ""), (name_key(contact),)).fetchall()
    return [LogEntry(int(r["id"]), contact, r["date"], r["text"], r["chunk_source"]) for r in rows]


# -------------------------------------------------------------- cadence --
def set_cadence(name: str, days: int, kb: KnowledgeBase, settings: Settings) -> int:
    """How often (in days) to get back in touch with ``name``; returns the days."""
    if not 1 <= int(days) <= MAX_CADENCE_DAYS:
        raise InputError(f"A cadence of {days} days is not usable.", f"Use a number of days from 1 to {MAX_CADENCE_DAYS} (42 = 6 weeks).")
    contact = _contact(kb, settings, name)
    db.upsert_contact(settings, contact, cadence_days=int(days))
    return int(days)


def cadence_for(name: str, settings: Settings) -> int:
    record = db.get_contact(settings, name)
    return record.cadence_days if record and record.cadence_days else settings.cadence_days


# ---------------------------------------------------------------- loops --
def _loop(row, names: dict[str, str]) -> Loop:
    return Loop(int(row["id"]), names.get(row["contact_key"], row["contact_key"]), row["kind"], row["text"],
                row["created_at"], row["done_at"])


def _names(settings: Settings) -> dict[str, str]:
    return {c.key: c.name for c in db.list_contacts(settings)}


def add_loop(name: str, kind: str, text: str, kb: KnowledgeBase, settings: Settings) -> Loop:
    """Open a loop: ``offer`` = you promised something, ``ask`` = they asked you for something."""
    if kind not in LOOP_KINDS:
        raise InputError(f"A loop is an 'offer' or an 'ask', not {kind!r}.",
                         "Use --offer for what you promised, --ask for what they asked of you.")
    text = " ".join(text.split())
    if not text:
        raise InputError("The loop has no text.", "Say what was offered or asked.")
    contact = _contact(kb, settings, name)
    row = db.insert_loop(settings, name_key(contact), kind, text)
    return _loop(row, {name_key(contact): contact})


def close_loop(loop_id: int, settings: Settings) -> Loop:
    """Mark a loop done (closing it twice keeps the first date)."""
    row = db.close_loop(settings, loop_id)
    if row is None:
        raise NotFoundError(f"There is no open loop number {loop_id}.", "List them with `rapport loop list`.")
    return _loop(row, _names(settings))


def list_loops(kb: KnowledgeBase, settings: Settings, name: str | None = None, open_only: bool = True) -> list[Loop]:
    """Loops for one contact (or everyone), oldest first."""
    key = name_key(_contact(kb, settings, name)) if name else None
    rows = db.loop_rows(settings, key, open_only)
    return [_loop(r, _names(settings)) for r in rows]


# ------------------------------------------------------------------ due --
def last_contact(contact: ContactSummary, kb: KnowledgeBase, settings: Settings) -> date | None:
    """Latest logged interaction, else the latest dated note, else when the contact was added."""
    with db.connect(settings) as conn:
        row = conn.execute("SELECT MAX(date) AS d FROM interactions WHERE contact_key=?", (contact.key,)).fetchone()
    logged = iso_day(row["d"] if row else None)
    if logged:
        return logged
    dates = [d for d in (iso_day(c.date) for c in kb.chunks_of(Target.contact(contact.name))) if d]
    if dates:
        return max(dates)
    record = db.get_contact(settings, contact.name)
    return iso_day(record.created_at) if record else None


def reconnect_reason(contact: ContactSummary, kb: KnowledgeBase, settings: Settings,
                     weeks: int | None = None) -> tuple[str, str | None]:
    """(reason, where it comes from) to get back in touch, from the notes, in plain code.

    Order: an open loop; a promised intro or send found in the notes; news
    in their field (the latest field note); a generic check-in.
    """
    loops = list_loops(kb, settings, contact.name)
    if loops:
        first = loops[0]
        verb = "You offered" if first.kind == "offer" else "They asked"
        return f"Close the open loop. {verb}: {first.text}", f"loop:{first.id}"
    chunks = sorted(kb.chunks_of(Target.contact(contact.name)), key=lambda c: (c.date, c.source.startswith("log:")),
                    reverse=True)
    for c in chunks:
        for s in split_sentences(c.text):
            if _PROMISE.search(s) and not INJECTION.search(s):
                s = " ".join(s.split()).strip(" -*•")
                return f"Follow through on what your notes record: \u201c{s[:200]}\u201d", c.id
    field_chunks = [c for f in contact.fields for c in kb.chunks_of(Target.field(f))]
    if field_chunks:
        latest = max(field_chunks, key=lambda c: c.date)
        title = latest.title or latest.source.rsplit("/", 1)[-1]
        note = f"your field note \u201c{title}\u201d" if name_key(title) != name_key(latest.owner) else "your field note"
        when = f" ({latest.date})" if latest.date else ""
        return f"Share news in their field, {latest.owner}: see {note}{when}.", latest.id
    since = f"It has been about {weeks} weeks" if weeks else "It has been a while"
    first = first_name(contact.name)
    return f"{since}; check in and ask {first} how their current work is going.", None


def due(kb: KnowledgeBase, settings: Settings, today: date | None = None) -> list[DueItem]:
    """Contacts due for a reconnect on ``today`` (injectable), most overdue first.

    Due when ``today >= last contact + cadence`` (per-contact cadence, else
    ``settings.cadence_days``).
    """
    today = today or date.today()
    items: list[DueItem] = []
    for contact in list_contacts(kb, settings):
        cadence = cadence_for(contact.name, settings)
        last = last_contact(contact, kb, settings)
        due_on = last + timedelta(days=cadence) if last else today
        if today < due_on:
            continue
        weeks = (today - last).days // 7 if last else None
        reason, source = reconnect_reason(contact, kb, settings, weeks)
        items.append(DueItem(contact.name, last, due_on, (today - due_on).days, reason, source, cadence))
    return sorted(items, key=lambda i: (-i.overdue_days, i.name.casefold()))


__all__ = ["DueItem", "LogEntry", "Loop", "add_loop", "cadence_for", "close_loop", "due", "interactions",
           "last_contact", "list_loops", "log_interaction", "reconnect_reason", "set_cadence"]
