"""iCalendar and vCard content lines, parsed by hand (RFC 5545 / RFC 6350), and .ics events.

Both formats are lines of ``NAME;PARAM=value;PARAM="quoted, value":VALUE``
folded at 75 octets (a line starting with a space or tab continues the one
before). ``content_lines`` unfolds and splits them; ``parse_events`` turns
VEVENTs into :class:`Event` records with their start as UTC, a named zone
(TZID) or a floating / all-day date.
"""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_PARAM = re.compile(r';([A-Za-z0-9-]+)=((?:"[^"]*"|[^;:,"]*)(?:,(?:"[^"]*"|[^;:,"]*))*)')


@dataclass
class Line:
    """One unfolded content line: ``name`` upper-cased, ``params`` upper-cased keys, raw ``value``."""

    name: str
    params: dict[str, str]
    value: str
    number: int = 0  # the line it started on, for messages


def unfold(text: str) -> list[tuple[int, str]]:
    """Join folded lines (CRLF or LF followed by a space or tab); returns ``(first line number, line)``."""
    out: list[tuple[int, str]] = []
    for n, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if raw[:1] in (" ", "\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + raw[1:])
        elif raw.strip():
            out.append((n, raw))
    return out


def parse_line(raw: str, number: int = 0) -> Line | None:
    """``NAME;P=v:VALUE`` to a :class:`Line`; None when the line has no name or no colon."""
    raw = raw.lstrip("\ufeff")
    m = re.match(r"([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)?)", raw)
    if not m:
        return None
    name, pos, params = m.group(1).split(".")[-1].upper(), m.end(), {}
    while pos < len(raw) and raw[pos] == ";":
        p = _PARAM.match(raw, pos)
        if not p:  # vCard 2.1 bare parameters: ``TEL;WORK;VOICE:``
            bare = re.match(r";([A-Za-z0-9-]+)", raw[pos:])
            if not bare:
                break
            params.setdefault("TYPE", bare.group(1))
            pos += bare.end()
            continue
        params[p.group(1).upper()] = p.group(2).replace('"', "")
        pos = p.end()
    if pos >= len(raw) or raw[pos] != ":":
        return None
    value = raw[pos + 1:]
    if params.get("ENCODING", "").upper() == "QUOTED-PRINTABLE":
        value = quopri.decodestring(value.encode("latin-1", "replace")).decode(params.get("CHARSET", "utf-8"),
                                                                               "replace")
    return Line(name, params, value, number)


def content_lines(text: str) -> list[Line]:
    return [line for n, raw in unfold(text) if (line := parse_line(raw, n)) is not None]


def unescape(value: str) -> str:
    """TEXT values: ``\\n``, ``\\,``, ``\\;`` and ``\\\\``."""
    return re.sub(r"\\([nN,;\\])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value).strip()


def split_escaped(value: str, sep: str = ";") -> list[str]:
    """Split a structured value (``N``, ``ORG``) on unescaped ``sep``."""
    return [unescape(p) for p in re.split(r"(?<!\\)" + re.escape(sep), value)]


def blocks(lines: list[Line], kind: str) -> list[list[Line]]:
    """The lines of each ``BEGIN:kind`` ... ``END:kind`` block (nested blocks' lines left out)."""
    out: list[list[Line]] = []
    current: list[Line] | None = None
    depth = 0
    for line in lines:
        if line.name == "BEGIN" and line.value.strip().upper() == kind:
            current, depth = [], 0
        elif line.name == "END" and line.value.strip().upper() == kind and current is not None:
            out.append(current)
            current = None
        elif current is not None:
            if line.name == "BEGIN":
                depth += 1
            elif line.name == "END":
                depth -= 1
            elif depth == 0:
                current.append(line)
    return out


# ----------------------------------------------------------------- events --
@dataclass
class Attendee:
    name: str
    email: str


@dataclass
class Event:
    uid: str
    start: str              # ISO: a date, a date-time with offset, or a floating date-time
    day: date
    summary: str = ""
    location: str = ""
    attendees: list[Attendee] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    number: int = 0         # 1-based position in the file


def parse_when(line: Line) -> tuple[str, date, str | None]:
    """DTSTART/DTEND to ``(iso, day, problem)``: UTC ``Z``, ``TZID=Area/City``, floating, or ``VALUE=DATE``."""
    value = line.value.strip()
    if line.params.get("VALUE", "").upper() == "DATE" or re.fullmatch(r"\d{8}", value):
        day = datetime.strptime(value[:8], "%Y%m%d").date()
        return day.isoformat(), day, None
    moment = datetime.strptime(value.rstrip("Zz")[:15], "%Y%m%dT%H%M%S")
    if value.upper().endswith("Z"):
        moment = moment.replace(tzinfo=timezone.utc)
        return moment.isoformat(), moment.date(), None
    tzid = line.params.get("TZID", "").strip()
    if tzid:
        try:
            moment = moment.replace(tzinfo=ZoneInfo(tzid.lstrip("/")))
        except (ZoneInfoNotFoundError, ValueError):
            return moment.isoformat(), moment.date(), f"time zone {tzid!r} is not known; kept the local time as written"
    return moment.isoformat(), moment.date(), None


def _attendee(line: Line) -> Attendee:
    email = re.sub(r"(?i)^mailto:", "", line.value.strip()).strip()
    name = unescape(line.params.get("CN", "")).strip().strip("'\"")
    if "@" not in email:
        email = ""
    if not name and email:
        name = ""
    return Attendee(name, email.lower())


def parse_events(text: str) -> tuple[list[Event], list[str]]:
    """Every VEVENT in an .ics text, and one message per event that could not be used as it is."""
    events: list[Event] = []
    problems: list[str] = []
    for n, block in enumerate(blocks(content_lines(text), "VEVENT"), 1):
        props: dict[str, Line] = {}
        attendees: list[Attendee] = []
        for line in block:
            if line.name == "ATTENDEE":
                attendees.append(_attendee(line))
            else:
                props.setdefault(line.name, line)
        summary = unescape(props["SUMMARY"].value) if "SUMMARY" in props else ""
        label = f"event {n} ({summary[:60]!r})" if summary else f"event {n}"
        if props.get("STATUS") and props["STATUS"].value.strip().upper() == "CANCELLED":
            problems.append(f"{label}: cancelled; skipped.")
            continue
        if "DTSTART" not in props:
            problems.append(f"{label}: has no start (DTSTART); skipped.")
            continue
        try:
            start, day, issue = parse_when(props["DTSTART"])
        except ValueError:
            problems.append(f"{label}: start {props['DTSTART'].value[:40]!r} is not a date; skipped.")
            continue
        uid = props["UID"].value.strip() if "UID" in props and props["UID"].value.strip() else f"no-uid:{summary}"
        event = Event(uid, start, day, summary, unescape(props["LOCATION"].value) if "LOCATION" in props else "",
                      attendees, number=n)
        if issue:
            event.problems.append(f"{label}: {issue}.")
        if "UID" not in props:
            event.problems.append(f"{label}: has no UID; matched on its title and start instead.")
        if "RRULE" in props:
            event.problems.append(f"{label}: repeats (RRULE); only its first date was imported.")
        events.append(event)
    return events, problems


__all__ = ["Attendee", "Event", "Line", "blocks", "content_lines", "parse_events", "parse_line", "parse_when",
           "split_escaped", "unescape", "unfold"]
