"""Busy periods your notes mention: "quarter close", "tax season", "on leave until May".

Pure: text and a reference date in, ``(start, end, quote)`` out, where the quote is
the sentence that says so. The plan moves an outreach that falls inside a period
to the day after it and cites the sentence. Month names resolve to the next such
month on or after the reference date (a note's own date when known).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from typing import Iterable, NamedTuple, Sequence

from assistant.text.sentences import split_sentences

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|" \
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"

_UNTIL_AFTER = re.compile(r"\buntil\s+after\b[^.;]*?\bin\s+" + _MONTH, re.I)
# "I'd love to give a talk, but not before February": not a time to ask anything of them
_NOT_BEFORE = re.compile(r"\bnot (?:before|until) (?:the (?:start|beginning) of |early |mid[- ]?)?" + _MONTH, re.I)
_UNTIL = re.compile(r"\b(?:on leave|away|out|off|travell?ing|heads?[- ]down|busy|offline|swamped)\b[^.;]*?"
                    r"\buntil\s+(?:the\s+(?:start|beginning)\s+of\s+)?(?:early\s+|mid[- ]?)?" + _MONTH, re.I)
_DEADLINE_IN = re.compile(r"\b(deadline|launch|conference|audit|busy season|crunch|board meeting|release)\b"
                          r"[^.;]*?\b(?:in|during|through(?:out)?)\s+" + _MONTH, re.I)
# "she'll be flat out Jan-Feb", "swamped from March to May", "January is crunch time": a stretch of months.
_BUSY_WORDS = r"(?:busy|flat[- ]out|swamped|slammed|snowed under|hectic|manic|heads?[- ]down|overloaded|crunch)"
_RANGE = re.compile(_BUSY_WORDS + r"\b[^.;]*?\b(?:(?:in|during|through(?:out)?|over|from|between)\s+)?" + _MONTH
                    + r"\s*(?:-|\u2013|\u2014|to|through|until|till|and)\s*" + _MONTH, re.I)
_RANGE_FIRST = re.compile(r"\b" + _MONTH + r"\s*(?:-|\u2013|\u2014|to|through)\s*" + _MONTH + r"[^.;]*?\b" + _BUSY_WORDS,
                          re.I)
_MONTH_IS_BUSY = re.compile(r"\b" + _MONTH + r"\s+(?:is|are|gets|will be)\b[^.;]*?\b" + _BUSY_WORDS, re.I)
_BUSY_IN = re.compile(_BUSY_WORDS + r"\b[^.;]*?\b(?:in|during|through(?:out)?|over|all of)\s+" + _MONTH, re.I)
_QUARTER_CLOSE = re.compile(r"\b(?:quarter|quarter-end|q[1-4])[- ]?(?:end\s+)?close\b|\bquarter[- ]end\b|"
                            r"\bclosing the (?:quarter|books)\b|\bmonth[- ]end close\b", re.I)
_TAX_SEASON = re.compile(r"\btax (?:season|time)\b|\bfiling season\b", re.I)
_YEAR_END = re.compile(r"\byear[- ]end (?:close|audit)\b|\bfiscal year[- ]end\b", re.I)


class BusyPeriod(NamedTuple):
    """A stretch when someone is busy; ``quote`` is the sentence that says so."""

    start: date
    end: date
    quote: str


def _month_on_or_after(month: int, reference: date) -> tuple[date, date]:
    """First and last day of the next ``month`` that has not ended by ``reference``."""
    year = reference.year if month >= reference.month else reference.year + 1
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _quarter_close(reference: date) -> tuple[date, date]:
    """The next quarter close: two weeks before a quarter ends to ten days after."""
    for year in (reference.year, reference.year + 1):
        for month in (3, 6, 9, 12):
            end_of_quarter = date(year, month, calendar.monthrange(year, month)[1])
            end = end_of_quarter + timedelta(days=10)
            if end >= reference:
                return end_of_quarter - timedelta(days=14), end
    raise AssertionError("unreachable")


def _season(reference: date, first: tuple[int, int], last: tuple[int, int]) -> tuple[date, date]:
    """A fixed yearly season (month, day)-(month, day) that has not ended by ``reference``."""
    year = reference.year
    if date(year, *last) < reference:
        year += 1
    return date(year, *first), date(year, *last)


def _month(match: re.Match, group: int = 1) -> int:
    word = match.group(group).lower()
    return MONTHS.get(word) or MONTHS[word[:3]]


def sentence_periods(sentence: str, reference: date) -> list[tuple[date, date]]:
    """The busy periods one sentence states (several patterns may fire; all are returned)."""
    found: list[tuple[date, date]] = []
    m = _UNTIL_AFTER.search(sentence)
    if m:
        found.append((reference, _month_on_or_after(_month(m), reference)[1]))
    else:
        m = _UNTIL.search(sentence) or _NOT_BEFORE.search(sentence)
        if m:
            first, _ = _month_on_or_after(_month(m), reference)
            found.append((reference, first - timedelta(days=1)))
    m = _DEADLINE_IN.search(sentence)
    if m and not _UNTIL_AFTER.search(sentence):
        first, last = _month_on_or_after(_month(m, 2), reference)
        found.append((first, last))
    m = _RANGE.search(sentence) or _RANGE_FIRST.search(sentence)
    if m:  # the stretch that ends next: on 5 December, "Nov-Feb" is the one under way
        _, last = _month_on_or_after(_month(m, 2), reference)
        first = date(last.year if _month(m, 1) <= _month(m, 2) else last.year - 1, _month(m, 1), 1)
        found.append((first, last))
    elif not _DEADLINE_IN.search(sentence) and not _UNTIL.search(sentence):
        m = _BUSY_IN.search(sentence) or _MONTH_IS_BUSY.search(sentence)
        if m:
            found.append(_month_on_or_after(_month(m, 1), reference))
    if _QUARTER_CLOSE.search(sentence):
        found.append(_quarter_close(reference))
    if _TAX_SEASON.search(sentence):
        found.append(_season(reference, (2, 1), (4, 30)))
    if _YEAR_END.search(sentence):
        found.append(_season(reference, (12, 1), (12, 31)) if reference.month != 1
                     else (date(reference.year, 1, 1), date(reference.year, 1, 20)))
    return [(s, e) for s, e in found if e >= s]


def busy_periods(text: str, reference: date) -> list[BusyPeriod]:
    """Every busy period ``text`` mentions, with the sentence that says so, earliest first.

    >>> busy_periods("She is on leave until May. Otherwise fine.", date(2026, 2, 10))[0][:2]
    (datetime.date(2026, 2, 10), datetime.date(2026, 4, 30))
    """
    out: list[BusyPeriod] = []
    for sentence in split_sentences(text or ""):
        quote = " ".join(sentence.split()).strip(" -*•")
        for start, end in sentence_periods(quote, reference):
            period = BusyPeriod(start, end, quote[:300])
            if period not in out:
                out.append(period)
    return sorted(out)


def iso_day(value: str | None) -> date | None:
    """A stored date ("2026-10-30", "2026-10-30T09:00:00Z") as a day; None when there is none or it is not one."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date() if "T" in value else date.fromisoformat(value[:10])
    except ValueError:
        return None


def notes_busy(notes: Iterable[tuple[str, str | None]], today: date) -> list[BusyPeriod]:
    """The busy periods not yet over that notes mention; each note (text, its date) is read from its own date."""
    out: list[BusyPeriod] = []
    for text, day in notes:
        out += [p for p in busy_periods(text, iso_day(day) or today) if p.end >= today and p not in out]
    return sorted(out)


def after_busy(day: date, periods: Sequence[BusyPeriod]) -> tuple[date, BusyPeriod | None]:
    """The first day from ``day`` on that falls in no busy period (they may chain), and the last one that moved it.

    Why: the advice Rapport encodes is to be mindful of the other person's busy seasons; a circle-back
    on 16 January for someone whose notes say "she'll be flat out Jan-Feb" is the wrong day.
    """
    moved_by: BusyPeriod | None = None
    moved = True
    while moved:
        moved = False
        for period in sorted(periods):
            if period.start <= day <= period.end:
                day, moved_by, moved = period.end + timedelta(days=1), period, True
    return day, moved_by


__all__ = ["BusyPeriod", "after_busy", "busy_periods", "iso_day", "notes_busy", "sentence_periods"]
