"""Reading the exports where people's networks live: LinkedIn, Google Contacts, vCard.

Pure parsing (text in, records and per-row messages out); storing them is
:mod:`assistant.notes.imports`. Formats are recognised by what the file holds
(its header row or its ``BEGIN:`` line), not by its name.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from assistant.notes.calendar import blocks, content_lines, split_escaped, unescape

CONNECTIONS = "linkedin-connections"
MESSAGES = "linkedin-messages"
GOOGLE = "google-contacts"
VCARD = "vcard"
ICALENDAR = "icalendar"
LABELS = {CONNECTIONS: "LinkedIn connections", MESSAGES: "LinkedIn messages", GOOGLE: "Google Contacts CSV",
          VCARD: "vCard contacts", ICALENDAR: "iCalendar (.ics) calendar"}

_HEADERS = (  # (format, header cells that must all be there), first match wins
    (CONNECTIONS, {"first name", "last name", "connected on"}),
    (MESSAGES, {"conversation id", "from", "to", "date", "content"}),
    (GOOGLE, {"e-mail 1 - value"}),
    (GOOGLE, {"given name", "family name"}),
)


@dataclass
class Person:
    """One row of a contacts export."""

    row: int
    name: str
    email: str = ""
    url: str = ""
    company: str = ""
    position: str = ""
    connected_on: str = ""   # ISO date
    notes: str = ""


@dataclass
class Message:
    """One LinkedIn message, seen from the user's side: who the other parties are and which way it went."""

    row: int
    conversation: str
    day: str
    sent: bool
    sender: str
    others: list[tuple[str, str]] = field(default_factory=list)   # (name, profile URL)
    subject: str = ""
    content: str = ""

    @property
    def digest(self) -> str:
        key = f"{self.conversation}\n{self.day}\n{self.sender}\n{self.content}"
        return hashlib.sha256(key.encode()).hexdigest()[:10]


def cell(value: object) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip().lstrip("\ufeff").strip()


def records(text: str) -> list[list[str]]:
    """CSV records (quoted commas and line breaks kept); a broken quote ends the file rather than failing it."""
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True, strict=False)
    out: list[list[str]] = []
    try:
        for record in reader:
            out.append(record)
    except csv.Error:
        pass
    return out


def find_header(rows: list[list[str]], limit: int = 40) -> tuple[str, int] | None:
    """``(format, index of the header row)`` for a known CSV export, looking past "Notes:" lines."""
    for i, record in enumerate(rows[:limit]):
        cells = {cell(c).lower() for c in record}
        for fmt, needed in _HEADERS:
            if needed <= cells:
                return fmt, i
    return None


def detect(text: str) -> tuple[str, list[list[str]], int] | None:
    """What ``text`` is: ``(format, csv rows, header index)``; rows are empty for .ics and vCard."""
    head = text.lstrip("\ufeff \t\r\n")[:64].upper()
    if head.startswith("BEGIN:VCALENDAR"):
        return ICALENDAR, [], -1
    if head.startswith("BEGIN:VCARD"):
        return VCARD, [], -1
    rows = records(text)
    found = find_header(rows)
    if not found:
        return None
    return found[0], rows, found[1]


def parse_day(value: str) -> date | None:
    """LinkedIn and calendar-style dates: "12 Mar 2024", "2024-03-12 14:05:33 UTC", "03/12/2024", "Mar 12, 2024"."""
    value = cell(value)
    if not value:
        return None
    m = re.match(r"(\d{4}-\d{2}-\d{2})", value)
    if m:
        try:
            return date.fromisoformat(m.group(1))
        except ValueError:
            return None
    for fmt in ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _dicts(rows: list[list[str]], header_at: int) -> list[tuple[int, dict[str, str]]]:
    """Rows after the header as ``(line-ish row number, {lower-cased header: cell})``; blank rows dropped."""
    header = [cell(h).lower() for h in rows[header_at]]
    out = []
    for n, record in enumerate(rows[header_at + 1:], header_at + 2):
        if not any(cell(c) for c in record):
            continue
        out.append((n, {h: cell(record[i]) if i < len(record) else "" for i, h in enumerate(header) if h}))
    return out


def _first(row: dict[str, str], *names: str) -> str:
    return next((row[n] for n in names if row.get(n)), "")


def connections(rows: list[list[str]], header_at: int) -> tuple[list[Person], list[str]]:
    """LinkedIn ``Connections.csv``: name, profile URL, e-mail (often missing), company, position, date."""
    people, problems = [], []
    for n, row in _dicts(rows, header_at):
        name = " ".join(p for p in (row.get("first name", ""), row.get("last name", "")) if p)
        if not name:
            problems.append(f"row {n}: no name (LinkedIn leaves it blank for closed accounts); skipped.")
            continue
        connected = parse_day(row.get("connected on", ""))
        if row.get("connected on") and connected is None:
            problems.append(f"row {n} ({name}): 'Connected On' is {row['connected on'][:30]!r}, not a date; "
                            "imported without it.")
        people.append(Person(n, name, row.get("email address", "").lower(), row.get("url", ""),
                             row.get("company", ""), row.get("position", ""),
                             connected.isoformat() if connected else ""))
    return people, problems


def google_contacts(rows: list[list[str]], header_at: int) -> tuple[list[Person], list[str]]:
    """Google Contacts CSV, the old ("Name,Given Name,...") and the new ("First Name,...") layout."""
    people, problems = [], []
    for n, row in _dicts(rows, header_at):
        name = _first(row, "name") or " ".join(p for p in (_first(row, "given name", "first name"),
                                                           _first(row, "additional name", "middle name"),
                                                           _first(row, "family name", "last name")) if p)
        email = _first(row, "e-mail 1 - value", "email 1 - value").split(" ::: ")[0].lower()
        if not name:
            problems.append(f"row {n}: no name{f' (only {email})' if email else ''}; skipped.")
            continue
        people.append(Person(n, name, email, _first(row, "website 1 - value"),
                             _first(row, "organization 1 - name", "organization name"),
                             _first(row, "organization 1 - title", "organization title"),
                             notes=_first(row, "notes")))
    return people, problems


def vcards(text: str) -> tuple[list[Person], list[str]]:
    """Every VCARD in a file: FN (or N), EMAIL, URL, ORG, TITLE, NOTE."""
    people, problems = [], []
    for n, card in enumerate(blocks(content_lines(text), "VCARD"), 1):
        props: dict[str, str] = {}
        for line in card:
            props.setdefault(line.name, line.value)
        name = unescape(props.get("FN", ""))
        if not name and props.get("N"):
            parts = split_escaped(props["N"])
            name = " ".join(p for p in (parts[1:2] + parts[2:3] + parts[:1]) if p)
        email = unescape(props.get("EMAIL", "")).lower()
        if not name:
            problems.append(f"card {n}: no name{f' (only {email})' if email else ''}; skipped.")
            continue
        people.append(Person(n, name, email, unescape(props.get("URL", "")),
                             split_escaped(props.get("ORG", ""))[0], unescape(props.get("TITLE", "")),
                             notes=unescape(props.get("NOTE", ""))))
    return people, problems


def _names(value: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s*,\s*", value) if p.strip()]


def messages(rows: list[list[str]], header_at: int) -> tuple[list[Message], str, list[str]]:
    """LinkedIn ``messages.csv`` as messages seen from the user, who is whoever is in most conversations."""
    parsed = _dicts(rows, header_at)
    seen: dict[str, set[str]] = {}
    for _, row in parsed:
        for name in [row.get("from", "")] + _names(row.get("to", "")):
            if name:
                seen.setdefault(name, set()).add(row.get("conversation id", ""))
    if not seen:
        return [], "", ["the file has no messages."]
    senders = Counter(row.get("from", "") for _, row in parsed)
    me = max(seen, key=lambda who: (len(seen[who]), senders[who], who))
    out, problems = [], []
    for n, row in parsed:
        sender, day = row.get("from", ""), parse_day(row.get("date", ""))
        if day is None:
            problems.append(f"row {n}: date {row.get('date', '')[:30]!r} is not a date; skipped.")
            continue
        if not row.get("content") and not row.get("subject"):
            problems.append(f"row {n}: an empty message (an attachment or a deleted message); skipped.")
            continue
        urls = _names(row.get("recipient profile urls", ""))
        recipients = _names(row.get("to", ""))
        if sender == me:
            others = [(name, urls[i] if len(urls) == len(recipients) else "") for i, name in enumerate(recipients)
                      if name != me]
        else:
            others = [(sender, row.get("sender profile url", ""))] if sender else []
        if not others:
            problems.append(f"row {n}: no other person in this message; skipped.")
            continue
        content = re.sub(r"<[^>]{1,200}>", " ", row.get("content", ""))
        out.append(Message(n, row.get("conversation id", ""), day.isoformat(), sender == me, sender, others,
                           row.get("subject", ""), " ".join(content.split())))
    return out, me, problems


__all__ = ["CONNECTIONS", "GOOGLE", "ICALENDAR", "LABELS", "MESSAGES", "Message", "Person", "VCARD", "connections",
           "detect", "find_header", "google_contacts", "messages", "parse_day", "records", "vcards"]
