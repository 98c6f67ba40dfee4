"""Read an event's attendee list, whatever spreadsheet it came out of.

Attendee exports come from Eventbrite, Luma, Meetup, a conference organiser's
Excel sheet or a hand-made Google Sheet. They disagree on encoding (Excel on
Windows still writes cp1252 or UTF-16), on the delimiter (European Excel uses
``;``), on header spelling ("FULL NAME", "job_title", "Organisation") and on
whether the name is one column or two. The user should not have to clean the
file first, so this module absorbs those differences and reports what it did
(encoding, delimiter, which header fed which field, skipped and merged rows)
so the UI can show it instead of silently guessing.

It also writes the ranking back out as CSV, escaping cells that a spreadsheet
would otherwise execute as formulas: attendee files are third-party data and a
bio like ``=HYPERLINK("http://evil", "click")`` must stay text.

Pure module: no model, no network, no global state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from assistant.errors import InputError
from assistant.text.forms import label_for, no_answer
from assistant.types import NAME_LIMIT, display_name
from assistant.event.csvfile import clean_cell, decode, detect_delimiter, load_bytes, parse_records, strip_sep_line

__all__ = [
    "Attendee",
    "AttendeeImport",
    "FIELDS",
    "read_attendees",
]


# --------------------------------------------------------------------------
# Data types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Attendee:
    """One person on the attendee list.

    ``row`` is the 1-based number of the data record after the header (the
    first person is row 1), so every reason and brief can point the user back
    to the exact line they can check in their spreadsheet (spreadsheet line =
    row + 1 when the header is on line 1).
    """

    name: str
    title: str = ""
    company: str = ""
    bio: str = ""
    profile_url: str = ""
    notes: str = ""
    row: int = 0
    # A registration form's free-text questions and this person's answers, in column order:
    # (("What are you working on at the moment?", "Moving council tax ... onto one account"), ...)
    answers: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """Identity used for de-duplication and for matching stored contacts.

        Same rule as contact names elsewhere in Rapport, so "jane  DOE" in the
        CSV and "Jane Doe" in the knowledge base are the same person.
        """
        return " ".join(self.name.split()).casefold()

    def as_note_text(self) -> str:
        """Readable text of the row, for storing as a note or quoting to a model.

        Empty fields are left out rather than written as "Title: " so the text
        never suggests we know something we don't.
        """
        labelled = (
            ("Name", self.name),
            ("Title", self.title),
            ("Company", self.company),
            ("Bio", self.bio),
            ("Profile", self.profile_url),
        )
        lines = [f"{label}: {value}" for label, value in labelled if value]
        # "Working on: ..." and "Hoping to get from the event: ..." (text/forms.py), else the question itself
        for question, answer in self.answers:
            label = label_for(question)
            lines.append(f"{label}: {answer}" if label else f"{question} {answer}" if question.endswith("?")
                         else f"{question}: {answer}")
        return "\n".join(lines + ([f"Notes: {self.notes}"] if self.notes else []))

    @classmethod
    def from_dict(cls, data: dict) -> "Attendee":
        """A row stored with an event job (JSON: its answers come back as lists; a job stored before
        answers were read has none, and a key this version does not know is left out)."""
        known = {f.name for f in fields(cls)}
        row = {k: v for k, v in data.items() if k in known}
        row["answers"] = tuple((str(q), str(a)) for q, a in row.get("answers") or ())
        return cls(**row)

    @property
    def own_words(self) -> str:
        """What the row says about them in free text: the bio, then their answers to the form's questions."""
        return "\n".join(p for p in (self.bio, *(a for _, a in self.answers)) if p)


@dataclass
class AttendeeImport:
    """The result of reading a file plus everything the user should be told.

    ``mapping`` maps our field to the header text actually used; when the name
    was assembled from two columns it holds ``first_name``/``last_name`` keys
    instead of ``name``. ``skipped`` and ``merged`` hold ``(row, text)`` pairs
    using the same row numbers as :attr:`Attendee.row`.
    """

    attendees: list[Attendee]
    skipped: list[tuple[int, str]] = field(default_factory=list)
    merged: list[tuple[int, str]] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    questions: list[str] = field(default_factory=list)  # a sign-up form's questions, read as each person's answers
    delimiter: str = ","
    encoding: str = "utf-8"


#: Fields a user may map explicitly (``first_name``/``last_name`` are joined
#: into ``name`` when there is no single name column).
FIELDS: tuple[str, ...] = (
    "name",
    "first_name",
    "last_name",
    "title",
    "company",
    "bio",
    "profile_url",
    "notes",
)

# Header synonyms, most specific first: when a file has both "LinkedIn" and
# "Website", the earlier synonym wins. Compared after _norm_header() and also
# with spaces removed, so "FullName" and "job_title" match too.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "full name",
        "attendee name",
        "attendee",
        "participant name",
        "participant",
        "contact name",
        "guest name",
    ),
    "first_name": ("first name", "given name", "forename", "first"),
    "last_name": ("last name", "surname", "family name", "last"),
    "title": ("title", "job title", "role", "position", "headline", "job"),
    "company": (
        "company",
        "organisation",
        "organization",
        "org",
        "employer",
        "affiliation",
        "company name",
        "organisation name",
        "organization name",
    ),
    "bio": ("bio", "about", "description", "summary", "biography"),
    "profile_url": (
        "linkedin url",
        "linkedin",
        "linkedin profile",
        "profile url",
        "profile",
        "url",
        "website",
    ),
    "notes": ("notes", "note", "comments", "comment"),
}

# A title line such as "Attendees – Climate Summit" may sit above the real
# header; look this many non-empty records down for one before giving up.
_HEADER_SEARCH_ROWS = 5


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


def read_attendees(
    path_or_bytes: Path | str | bytes,
    mapping: dict[str, str] | None = None,
) -> AttendeeImport:
    """Parse an attendee CSV (path or raw bytes) into clean, de-duplicated rows.

    Bytes are accepted so the UI can pass an upload without writing a temp
    file. ``mapping`` (our field -> their header) lets the user fix a wrong or
    impossible guess; fields it names are never guessed, and a field mapped to
    ``""`` is switched off. Raises :class:`InputError` for anything the user
    has to fix (unreadable file, spreadsheet instead of CSV, no name column,
    unknown mapped header, malformed CSV).
    """
    data = load_bytes(path_or_bytes)
    text, encoding = decode(data)
    text = text.replace("\x00", "")

    explicit_delimiter, text = strip_sep_line(text)
    delimiter = explicit_delimiter or detect_delimiter(text)

    records = parse_records(text, delimiter)
    header_index = _find_header(records, mapping)
    headers = [clean_cell(h) for h in records[header_index]]
    columns = _resolve_columns(headers, mapping)
    asked = [] if "notes" in (mapping or {}) else question_columns(headers, set(columns.values()))

    result = AttendeeImport(
        attendees=[],
        mapping={f: headers[i] for f, i in columns.items()},
        questions=[headers[i] for i in asked],
        delimiter=delimiter,
        encoding=encoding,
    )
    by_key: dict[str, int] = {}
    for row_number, cells in enumerate(records[header_index + 1 :], start=1):
        values = [clean_cell(c) for c in cells]
        if not any(values):
            continue  # blank line or a row of empty cells: nothing to report
        person = _build_attendee(values, columns, row_number, [(headers[i], i) for i in asked])
        if person is None:
            result.skipped.append((row_number, "no name"))
            continue
        if len(display_name(person.name)) > NAME_LIMIT:  # a bio pasted into the name column, not a name
            result.skipped.append((row_number, f"the name is longer than {NAME_LIMIT} characters"))
            continue
        if person.key in by_key:
            index = by_key[person.key]
            result.attendees[index] = _merge(result.attendees[index], person)
            result.merged.append((row_number, person.name))
            continue
        by_key[person.key] = len(result.attendees)
        result.attendees.append(person)
    return result


def _norm_header(header: str) -> str:
    """Lowercase and reduce punctuation to single spaces ("Job_Title:" -> "job title")."""
    header = header.replace("\ufeff", "").casefold()
    header = re.sub(r"[\W_]+", " ", header)
    return " ".join(header.split())


def _find_header(records: list[list[str]], mapping: dict[str, str] | None) -> int:
    """Index of the header record: the first non-empty one, unless that has no
    usable name column and one of the next few does (a title line above the
    real header is common in organiser exports)."""
    non_empty = [i for i, r in enumerate(records) if any(clean_cell(c) for c in r)]
    first = non_empty[0]
    if mapping:
        return first
    for index in non_empty[: _HEADER_SEARCH_ROWS + 1]:
        guessed = _guess_columns([clean_cell(c) for c in records[index]], set(), set())
        if {"name", "first_name", "last_name"} & guessed.keys():
            return index
    return first


def _guess_columns(headers: list[str], skip_fields: set[str], used: set[int]) -> dict[str, int]:
    normed = [_norm_header(h) for h in headers]
    compact = [n.replace(" ", "") for n in normed]
    found: dict[str, int] = {}
    for our_field, synonyms in _SYNONYMS.items():
        if our_field in skip_fields:
            continue
        for synonym in synonyms:
            syn_compact = synonym.replace(" ", "")
            hit = next(
                (
                    i
                    for i in range(len(headers))
                    if i not in used and (normed[i] == synonym or compact[i] == syn_compact)
                ),
                None,
            )
            if hit is not None:
                found[our_field] = hit
                used.add(hit)
                break
    _contained(headers, skip_fields, used, found)
    return found


# Registration forms (Google Forms, Luma, Eventbrite questions) ask in sentences: "What's your job
# title?", "Which organisation are you with?". A header that holds one of these phrases as whole words
# feeds the field, unless it is about something else ("Company size", "Ticket name", "Email address").
_CONTAINS: dict[str, tuple[str, ...]] = {
    "name": ("full name", "your name", "name"),
    "title": ("job title", "role", "position", "designation", "title", "what do you do"),
    "company": ("organisation", "organization", "company", "employer", "affiliation", "institution",
                "who do you work for", "where do you work"),
    "bio": ("biography", "bio"),
    "profile_url": ("linkedin",),
}
_NOT_ABOUT_THEM = re.compile(
    r"\b(?:e ?mail|phone|mobile|ticket|order|date|time|timestamp|size|type|sector|industry|number|status|"
    r"id|diet(?:ary)?|allerg\w*|access(?:ibility)?|consent|hear|newsletter|shirt|pronouns?|emergency|"
    r"photo\w*|gdpr|terms|badge|postcode|address|city|country|price|amount|coupon|currency|"
    r"checked|approval|qr|contact(?:ed)?|marketing|share (?:my|your) details)\b")
# ... and a field's word in a header about the event, not them ("Event name", "Time slot"); a question may
# name the event ("What would you like to get out of this event?")
_THE_EVENTS = re.compile(r"\b(?:event|session|slot|time|venue|track)\b")
# A question left over is free text about the person ("What are you working on?", "What would you
# like to get out of the evening?"): its answers join their notes under the question.
_QUESTION = re.compile(r"^(?:what|which|why|how|tell|describe|anything|share|who|where|are you|is there)\b")


def _contained(headers: list[str], skip_fields: set[str], used: set[int], found: dict[str, int]) -> None:
    """The second pass of :func:`_guess_columns` (after exact names): a field's phrase inside a sentence-like header."""
    normed = [_norm_header(h) for h in headers]
    for our_field, phrases in _CONTAINS.items():
        if our_field in skip_fields or our_field in found or (
                our_field == "name" and {"first_name", "last_name"} & found.keys()):
            continue
        for phrase in phrases:
            hit = next((i for i, n in enumerate(normed) if i not in used and not _NOT_ABOUT_THEM.search(n)
                        and not _THE_EVENTS.search(n) and re.search(rf"\b{phrase}\b", n)), None)
            if hit is not None:
                found[our_field] = hit
                used.add(hit)
                break


def question_columns(headers: list[str], used: set[int]) -> list[int]:
    """Columns no field took whose header asks the person something about themselves."""
    return [i for i, h in enumerate(headers) if i not in used and h
            and (h.rstrip().endswith("?") or _QUESTION.match(_norm_header(h)))
            and not _NOT_ABOUT_THEM.search(_norm_header(h))]


def _resolve_columns(headers: list[str], mapping: dict[str, str] | None) -> dict[str, int]:
    """Map our fields to column indexes: explicit mapping first, then guesses."""
    columns: dict[str, int] = {}
    used: set[int] = set()
    mapped_fields: set[str] = set()
    shown = ", ".join(f'"{h}"' for h in headers if h) or "(none)"
    for our_field, their_header in (mapping or {}).items():
        if our_field not in FIELDS:
            raise InputError(
                f'Unknown field "{our_field}" in the column mapping.',
                f"Use one of: {', '.join(FIELDS)}.",
            )
        mapped_fields.add(our_field)
        if not their_header:
            continue  # explicitly switched off
        index = _find_header_index(headers, their_header)
        if index is None:
            raise InputError(
                f'Column "{their_header}" (mapped to {our_field}) is not in the file. '
                f"Columns found: {shown}.",
                "Pick one of the columns found.",
            )
        columns[our_field] = index
        used.add(index)
    if "name" in mapped_fields:
        # The user chose the name column; don't also splice in first/last guesses.
        mapped_fields |= {"first_name", "last_name"}
    if "first_name" in columns or "last_name" in columns:
        mapped_fields.add("name")
    columns.update(_guess_columns(headers, mapped_fields, used))
    # When both exist, a single name column wins and first/last only fill in
    # rows where it is empty (Luma exports have all three).
    if not {"name", "first_name", "last_name"} & columns.keys():
        raise InputError(
            f"Could not find a name column in the attendee file. Columns found: {shown}.",
            "Map the column that holds each person's name (or their first and last "
            "name columns), or rename it to \"Name\" and load the file again.",
        )
    return columns


def _find_header_index(headers: list[str], wanted: str) -> int | None:
    for i, header in enumerate(headers):
        if header == wanted.strip():
            return i
    target = _norm_header(wanted)
    for i, header in enumerate(headers):
        if _norm_header(header) == target:
            return i
    return None


def _build_attendee(values: list[str], columns: dict[str, int], row: int,
                    asked: list[tuple[str, int]] = ()) -> Attendee | None:
    def cell(our_field: str) -> str:
        index = columns.get(our_field)
        return values[index] if index is not None and index < len(values) else ""

    answers = tuple((" ".join(q.split()), " ".join(values[i].split())) for q, i in asked
                    if i < len(values) and not no_answer(values[i]))

    name = " ".join(cell("name").split())
    if not name:
        name = " ".join(" ".join((cell("first_name"), cell("last_name"))).split())
    if not name:
        return None
    return Attendee(
        name=name,
        title=" ".join(cell("title").split()),
        company=" ".join(cell("company").split()),
        bio=cell("bio"),
        profile_url=cell("profile_url"),
        notes=cell("notes"),
        row=row,
        answers=answers,
    )


def _merge(kept: Attendee, later: Attendee) -> Attendee:
    """Fold a duplicate row into the first one without losing information.

    The first row keeps its values (and row number); its empty fields are
    filled from the later row, and a different bio/notes is appended with
    " / " because those are free text that both rows may legitimately add to.
    """
    changes: dict[str, str] = {}
    for f in fields(Attendee):
        if f.name in ("name", "row"):
            continue
        old, new = getattr(kept, f.name), getattr(later, f.name)
        if not new or new == old:
            continue
        if not old:
            changes[f.name] = new
        elif f.name in ("bio", "notes") and new.casefold() not in old.casefold():
            changes[f.name] = f"{old} / {new}"
        elif f.name == "answers":
            changes[f.name] = old + tuple(qa for qa in new if qa not in old)
    return replace(kept, **changes) if changes else kept


def attendee_headers(data: bytes) -> list[str]:
    """The header row of an attendee CSV as read_attendees sees it (for the column-mapping choices).

    With an explicit mapping, read_attendees takes the first non-empty record
    as the header, so that is the row offered here.
    """
    text, _ = decode(bytes(data))
    explicit, text = strip_sep_line(text.replace("\x00", ""))
    records = parse_records(text, explicit or detect_delimiter(text))
    first = next(r for r in records if any(clean_cell(c) for c in r))
    return [h for h in (clean_cell(c) for c in first) if h]
