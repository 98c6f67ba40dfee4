"""Today: what to do in your networking today, each item with its reason.

``assemble`` is pure over what was read (due items, open loops, meetings);
``today_items`` reads them through :mod:`assistant.conversation.relationship`
and :mod:`assistant.notes.db`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from assistant.config import Settings
from assistant.conversation import relationship
from assistant.notes import db
from assistant.notes.store import KnowledgeBase

UPCOMING_DAYS = 7
DEBRIEF_DAYS = 3
_ORDER = {"debrief": 0, "prepare": 1, "offer": 2, "ask": 3, "due": 4}


@dataclass
class TodayItem:
    kind: str              # prepare | debrief | offer | ask | due
    name: str              # the contact
    title: str             # what to do
    why: str               # the reason
    action: str = ""       # the command that does it
    loop_id: int | None = None
    day: str = ""          # the meeting's or due date

    def to_dict(self) -> dict:
        return asdict(self)


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name


def assemble(today: date, due_items: list, loops: list, meetings: list[dict]) -> list[TodayItem]:
    """Items for ``today``: meetings to debrief and prepare, loops to close, people due; most urgent first."""
    items: list[TodayItem] = []
    for m in meetings:
        day = date.fromisoformat(m["day"][:10])
        people = [a for a in m.get("attendees", []) if a.get("contact")]
        what = m.get("summary") or "a meeting"
        for a in people:
            name = a.get("name") or a["contact"]
            if today <= day <= today + timedelta(days=UPCOMING_DAYS):
                when = "today" if day == today else ("tomorrow" if day == today + timedelta(days=1)
                                                     else f"on {day.isoformat()}")
                items.append(TodayItem("prepare", name, f"Prepare the brief for {name}",
                                       f"You meet {when}: {what}.", f"rapport brief {_quoted(name)}",
                                       day=day.isoformat()))
            elif today - timedelta(days=DEBRIEF_DAYS) <= day < today:
                items.append(TodayItem("debrief", name, f"Debrief: log what happened with {name}",
                                       f"You met on {day.isoformat()}: {what}.",
                                       f'rapport log {_quoted(name)} "..." --date {day.isoformat()}',
                                       day=day.isoformat()))
    for lp in loops:
        if not lp.is_open:
            continue
        if lp.kind == "offer":
            items.append(TodayItem("offer", lp.contact, f"Send {lp.contact} what you promised",
                                   f"You offered: {lp.text}", f"rapport loop done {lp.id}", lp.id,
                                   lp.created_at[:10]))
        else:
            items.append(TodayItem("ask", lp.contact, f"Answer {lp.contact}'s ask",
                                   f"They asked: {lp.text}", f"rapport loop done {lp.id}", lp.id,
                                   lp.created_at[:10]))
    for d in due_items:
        overdue = f", {d.overdue_days} days overdue" if d.overdue_days else ""
        items.append(TodayItem("due", d.name, f"Reconnect with {d.name}",
                               f"Due since {d.due_on.isoformat()}{overdue}. {d.reason}",
                               f'rapport draft {_quoted(d.name)} --kind reconnect', day=d.due_on.isoformat()))
    return sorted(items, key=lambda i: (_ORDER[i.kind], i.day if i.kind != "debrief" else "", i.name.casefold()))


def today_items(kb: KnowledgeBase, settings: Settings, today: date | None = None) -> list[TodayItem]:
    """Everything for today, read from the log, the loops and the meetings table."""
    today = today or date.today()
    meetings = db.meeting_rows(settings, (today - timedelta(days=DEBRIEF_DAYS)).isoformat(),
                               (today + timedelta(days=UPCOMING_DAYS)).isoformat())
    return assemble(today, relationship.due(kb, settings, today), relationship.list_loops(kb, settings), meetings)


__all__ = ["DEBRIEF_DAYS", "TodayItem", "UPCOMING_DAYS", "assemble", "today_items"]
