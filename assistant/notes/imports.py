"""Import the exports where networks live: contacts, dated notes and meetings, each file on its own.

``import_file`` recognises the format by content (:mod:`assistant.notes.networks`,
:mod:`assistant.notes.calendar`), stores contacts through the registry, notes
through :func:`store_notes` (content-hash ids: a newer export adds only what is
new) and meetings keyed by UID and start. A row that cannot be used gets one
message and the rest of the file is imported.

People with the same name are told apart by e-mail or profile URL (kept in
``contact_handles``, so a re-import finds the same person again); without
either they are kept as one contact and the report says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from assistant.config import Settings
from assistant.errors import InputError
from assistant.notes import db, networks
from assistant.notes.calendar import parse_events
from assistant.notes.decoding import decode_bytes
from assistant.notes.ingest import store_notes
from assistant.notes.networks import Message, Person
from assistant.notes.store import KnowledgeBase
from assistant.types import Note, Target, checked_name, display_name, name_key


@dataclass
class ImportReport:
    """What one file gave: its format, what was new, and a message per row that had a problem."""

    path: str
    ok: bool = True
    format: str = ""
    message: str = ""
    contacts: int = 0
    new_contacts: int = 0
    notes_added: int = 0
    notes_unchanged: int = 0
    meetings_added: int = 0
    meetings_known: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.ok:
            return self.message
        label = networks.LABELS.get(self.format, self.format)
        parts = []
        if self.format == networks.ICALENDAR:
            parts.append(f"{self.meetings_added} new meeting(s), {self.meetings_known} already known")
        else:
            parts.append(f"{self.contacts} contact(s) ({self.new_contacts} new)")
            parts.append(f"{self.notes_added} new note(s), {self.notes_unchanged} unchanged")
        if self.problems:
            parts.append(f"{len(self.problems)} row(s) with a problem")
        return f"{Path(self.path).name}: {label}: " + "; ".join(parts) + "."

    def to_dict(self) -> dict:
        return {**asdict(self), "summary": self.summary()}


# ----------------------------------------------------------------- people --
class _People:
    """Resolves names from one file to contacts, telling same-named people apart by e-mail or URL."""

    def __init__(self, settings: Settings, report: ImportReport) -> None:
        self.settings, self.report = settings, report
        self.handles = db.handles(settings)
        self.by_key: dict[str, tuple[str, str, int]] = {}  # key -> (email, url, row) first seen in this file
        self.resolved: dict[tuple[str, str, str], str] = {}

    def _known(self, email: str, url: str) -> str | None:
        for kind, value in (("email", email), ("url", url)):
            if value and (kind, value.lower()) in self.handles:
                return self.handles[(kind, value.lower())]
        return None

    def _claimed_by_other(self, key: str, email: str, url: str) -> bool:
        """A stored contact with this name already has another e-mail (or URL) than this row's."""
        mine = {k: v.lower() for k, v in (("email", email), ("url", url)) if v}
        return any(owner == key and kind in mine and value != mine[kind]
                   for (kind, value), owner in self.handles.items())

    def resolve(self, row: str, name: str, email: str = "", url: str = "", company: str = "") -> str | None:
        """The contact's display name for this row (creating nothing yet); None when the name is unusable."""
        cache = (name_key(name), email.lower(), url.lower())
        if cache in self.resolved:
            first = self.by_key.get(name_key(self.resolved[cache]))
            again = first and first[2] != _row_number(row) and self.report.format != networks.MESSAGES
            if again and not (email or url):
                self.report.problems.append(f"{row}: {name} appears again (row {first[2]}) with no e-mail or "
                                            "profile URL to tell them apart; kept one contact.")
            return self.resolved[cache]
        try:
            name = checked_name(name)
        except InputError as exc:
            self.report.problems.append(f"{row}: {exc.message}; skipped.")
            return None
        known = self._known(email, url)
        contact = None
        if known:
            record = db.get_contact(self.settings, known)
            contact = record.name if record else None
        if contact is None:
            key = name_key(name)
            first = self.by_key.get(key)
            clash = first is not None and ((email and first[0] and email.lower() != first[0]) or
                                           (url and first[1] and url.lower() != first[1]))
            clash = clash or (first is None and self._claimed_by_other(key, email, url))
            if clash:
                tag = company or (email.split("@")[-1] if email else url.rstrip("/").rsplit("/", 1)[-1])
                contact = display_name(f"{name} ({tag})")
                self.report.problems.append(f"{row}: another {name} ({email or url}); stored as {contact!r} to "
                                            "keep them apart.")
            else:
                contact = name
                if first is not None and not (email or url) and not (first[0] or first[1]):
                    self.report.problems.append(f"{row}: {name} appears again (row {first[2]}) with no e-mail or "
                                                "profile URL to tell them apart; kept one contact.")
            self.by_key.setdefault(name_key(contact), (email.lower(), url.lower(), _row_number(row)))
        record = db.upsert_contact(self.settings, contact) if db.get_contact(self.settings, contact) is None \
            else None
        if record is not None:
            self.report.new_contacts += 1
        for kind, value in (("email", email), ("url", url)):
            if value:
                db.add_handle(self.settings, kind, value, name_key(contact))
                self.handles[(kind, value.lower())] = name_key(contact)
        self.resolved[cache] = contact
        return contact


def _row_number(row: str) -> int:
    digits = "".join(ch for ch in row.split(":")[0] if ch.isdigit())
    return int(digits) if digits else 0


def _person_note(person: Person, contact: str, fmt: str) -> Note | None:
    role = " at ".join(p for p in (person.position, person.company) if p)
    if fmt == networks.CONNECTIONS:
        when = f" on {person.connected_on}" if person.connected_on else ""
        text = f"Connected on LinkedIn{when}." + (f" {role}." if role else "")
        source = f"linkedin:connection:{(person.url or name_key(contact)).lower()}"
        return Note(Target.contact(contact), text, source, title="LinkedIn connection", date=person.connected_on)
    text = " ".join(p for p in ((f"{role}." if role else ""), person.notes) if p)
    if not text:
        return None
    source = f"contacts:{fmt}:{(person.email or name_key(contact)).lower()}"
    return Note(Target.contact(contact), text, source, title=networks.LABELS[fmt])


def _store(kb: KnowledgeBase, settings: Settings, notes: list[Note], report: ImportReport) -> None:
    if not notes:
        return
    for result in store_notes(kb, settings, notes):
        if result.added or result.removed:
            report.notes_added += 1
        else:
            report.notes_unchanged += 1


def _import_people(people: list[Person], fmt: str, kb: KnowledgeBase, settings: Settings,
                   report: ImportReport) -> None:
    resolver = _People(settings, report)
    notes: list[Note] = []
    contacts: set[str] = set()
    what = "card" if fmt == networks.VCARD else "row"
    for person in people:
        contact = resolver.resolve(f"{what} {person.row}", person.name, person.email, person.url, person.company)
        if contact is None:
            continue
        contacts.add(name_key(contact))
        note = _person_note(person, contact, fmt)
        if note is not None:
            notes.append(note)
    report.contacts = len(contacts)
    _store(kb, settings, notes, report)


def _message_note(message: Message, contact: str) -> Note:
    way = f"from you to {contact}" if message.sent else f"from {contact}"
    subject = f" ({message.subject})" if message.subject else ""
    text = f"LinkedIn message on {message.day} {way}{subject}: {message.content or message.subject}"
    source = f"message:{'sent' if message.sent else 'received'}:{message.day}:{message.digest}"
    return Note(Target.contact(contact), text, source, title="LinkedIn message", date=message.day)


def _import_messages(rows: list[list[str]], header_at: int, kb: KnowledgeBase, settings: Settings,
                     report: ImportReport) -> None:
    found, me, problems = networks.messages(rows, header_at)
    report.problems.extend(problems)
    if me:
        report.message = f"You are {me} in this export (in the most conversations)."
    resolver = _People(settings, report)
    notes, contacts = [], set()
    for message in found:
        for name, url in message.others:
            contact = resolver.resolve(f"row {message.row}", name, url=url)
            if contact:
                contacts.add(name_key(contact))
                notes.append(_message_note(message, contact))
    report.contacts = len(contacts)
    _store(kb, settings, notes, report)


# --------------------------------------------------------------- meetings --
def _import_calendar(text: str, settings: Settings, report: ImportReport) -> None:
    events, problems = parse_events(text)
    report.problems.extend(problems)
    handles = db.handles(settings)
    contacts = {c.key: c.name for c in db.list_contacts(settings)}
    for event in events:
        report.problems.extend(event.problems)
        attendees, missing = [], []
        for a in event.attendees:
            key = handles.get(("email", a.email)) if a.email else None
            if key is None and a.name and name_key(a.name) in contacts:
                key = name_key(a.name)
            if key is None:
                missing.append(a.name or a.email)
            attendees.append({"name": contacts.get(key, a.name) if key else a.name, "email": a.email,
                              "contact": key or ""})
        uid = event.uid if not event.uid.startswith("no-uid:") else \
            "no-uid:" + hashlib.sha256(f"{event.summary}\n{event.start}".encode()).hexdigest()[:16]
        new = db.upsert_meeting(settings, uid, event.start, event.day.isoformat(), event.summary, event.location,
                                attendees)
        report.meetings_added += int(new)
        report.meetings_known += int(not new)
        report.contacts += sum(1 for a in attendees if a["contact"])
        if missing and new:
            report.problems.append(f"event {event.number} ({event.summary[:60]!r}): not among your contacts: "
                                   f"{', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}.")


# ------------------------------------------------------------------- files --
def import_bytes(data: bytes, name: str, kb: KnowledgeBase, settings: Settings) -> ImportReport:
    """Import one export given as bytes; ``name`` is only used in messages."""
    report = ImportReport(name)
    try:
        text, _ = decode_bytes(data)
    except InputError as exc:
        return ImportReport(name, False, message=f"{Path(name).name}: {exc.message}")
    found = networks.detect(text)
    if found is None:
        return ImportReport(name, False, message=(
            f"{Path(name).name}: not an export Rapport knows. It reads LinkedIn Connections.csv and messages.csv, "
            "Google Contacts CSV, vCard (.vcf) and iCalendar (.ics) files; for other notes use `rapport ingest`."))
    fmt, rows, header_at = found
    report.format = fmt
    if fmt == networks.ICALENDAR:
        _import_calendar(text, settings, report)
    elif fmt == networks.MESSAGES:
        _import_messages(rows, header_at, kb, settings, report)
    else:
        if fmt == networks.VCARD:
            people, problems = networks.vcards(text)
        elif fmt == networks.CONNECTIONS:
            people, problems = networks.connections(rows, header_at)
        else:
            people, problems = networks.google_contacts(rows, header_at)
        report.problems.extend(problems)
        _import_people(people, fmt, kb, settings, report)
    return report


def import_file(path: str | Path, kb: KnowledgeBase, settings: Settings) -> ImportReport:
    """Import one export file; a file that cannot be read is a failed report, never an exception."""
    path = Path(path).expanduser()
    try:
        if path.stat().st_size > settings.max_file_bytes:
            return ImportReport(str(path), False, message=f"{path.name}: larger than {settings.max_file_mb:g} MB; "
                                "raise RAPPORT_MAX_FILE_MB to import it.")
        data = path.read_bytes()
    except IsADirectoryError:
        return ImportReport(str(path), False, message=f"{path}: a folder; name the export files in it.")
    except OSError as exc:
        return ImportReport(str(path), False, message=f"{path}: cannot be read ({exc.strerror or exc}).")
    return import_bytes(data, str(path), kb, settings)


def import_paths(paths: Sequence[str | Path], kb: KnowledgeBase, settings: Settings) -> list[ImportReport]:
    """Each file on its own; a folder stands for the files directly inside it (hidden ones left out).

    Calendars go last, so attendees can match the contacts the other files just added.
    """
    files: list[Path] = []
    for raw in paths:
        p = Path(raw).expanduser()
        files.extend(sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith(".")) if p.is_dir()
                     else [p])
    files.sort(key=lambda f: f.suffix.lower() == ".ics")
    return [import_file(f, kb, settings) for f in files]


__all__ = ["ImportReport", "import_bytes", "import_file", "import_paths"]
