"""A patient plan: who to reach in the coming weeks, why, and when.

The rules are plain code over :class:`PersonState` records (``schedule`` is pure,
with an injectable ``today``); ``build_plan`` reads the states from the log,
the loops and the notes.

* Give first: an open offer ("send what you promised") and anything they asked
  of you come before any ask of yours, which waits at least a week after it.
* After a message with no reply, one nudge after ``NUDGE_AFTER_DAYS`` (>= 10);
  after that nudge, nothing more until they answer.
* Busy periods the notes mention move an item to the day after the period,
  citing the sentence (:func:`assistant.text.busy.busy_periods`).
* At most ``settings.max_asks_per_week`` asks (reconnects and nudges) a week;
  the rest move to the next week with room, or past the plan's horizon.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from assistant.config import Settings
from assistant.conversation import relationship
from assistant.notes.contacts import list_contacts
from assistant.notes.store import KnowledgeBase
from assistant.text.busy import BusyPeriod, after_busy, iso_day, notes_busy
from assistant.types import Target, name_key

NUDGE_AFTER_DAYS = 14     # a polite wait after an unanswered message (never under 10)
GIVE_BEFORE_ASK_DAYS = 7  # an ask comes at least this long after the give
ASKS = ("reconnect", "nudge")


@dataclass
class PersonState:
    """What the plan needs to know about one contact."""

    name: str
    due_on: date | None = None                                  # reconnect due (cadence)
    reason: str = ""                                            # why reconnect, from the notes
    offers: list[tuple[int, str]] = field(default_factory=list)  # open loops: you promised
    owed: list[tuple[int, str]] = field(default_factory=list)    # open loops: they asked of you
    last_sent: date | None = None                               # your latest message with no reply since
    unanswered: int = 0                                         # your messages since their last reply
    busy: list[BusyPeriod] = field(default_factory=list)


@dataclass
class PlanItem:
    name: str
    kind: str           # give | reply | nudge | reconnect
    on: date
    why: str
    moved_from: date | None = None
    quote: str = ""      # the sentence that moved it (a busy period)
    loop_id: int | None = None

    @property
    def is_ask(self) -> bool:
        return self.kind in ASKS

    def to_dict(self) -> dict:
        data = asdict(self)
        data["on"] = self.on.isoformat()
        data["moved_from"] = self.moved_from.isoformat() if self.moved_from else None
        return data


@dataclass
class Plan:
    today: date
    weeks: int
    max_asks_per_week: int
    items: list[PlanItem] = field(default_factory=list)   # within the horizon, by date
    later: list[PlanItem] = field(default_factory=list)   # pushed past the horizon
    waiting: list[str] = field(default_factory=list)      # people left alone on purpose, with why

    def week_of(self, item: PlanItem) -> int:
        return (item.on - self.today).days // 7 + 1

    def to_dict(self) -> dict:
        return {"today": self.today.isoformat(), "weeks": self.weeks, "max_asks_per_week": self.max_asks_per_week,
                "items": [{**i.to_dict(), "week": self.week_of(i)} for i in self.items],
                "later": [i.to_dict() for i in self.later], "waiting": self.waiting}


def _after_busy(item: PlanItem, periods: list[BusyPeriod]) -> PlanItem:
    """Move ``item`` past every busy period it falls in (periods may chain)."""
    day, period = after_busy(item.on, periods)
    if period is not None:
        item.moved_from = item.moved_from or item.on
        item.on, item.quote = day, period.quote
        item.why += f" Moved to after {period.end.isoformat()}: your notes say \u201c{period.quote}\u201d"
    return item


def _items_for(person: PersonState, today: date) -> tuple[list[PlanItem], str | None]:
    items: list[PlanItem] = []
    for loop_id, text in person.offers:
        items.append(PlanItem(person.name, "give", today, f"Send what you promised: {text}", loop_id=loop_id))
    for loop_id, text in person.owed:
        items.append(PlanItem(person.name, "reply", today, f"They asked you: {text}", loop_id=loop_id))
    if person.last_sent and person.unanswered >= 2:
        return items, (f"{person.name}: you wrote on {person.last_sent.isoformat()} and already nudged once; "
                       "wait for them to answer.")
    if person.last_sent and person.unanswered == 1:
        on = max(today, person.last_sent + timedelta(days=max(10, NUDGE_AFTER_DAYS)))
        items.append(PlanItem(person.name, "nudge", on, f"No reply to your message of "
                              f"{person.last_sent.isoformat()}; one short, friendly nudge."))
    elif person.due_on is not None:
        items.append(PlanItem(person.name, "reconnect", max(today, person.due_on),
                              person.reason or "Due for a check-in."))
    for item in items:
        _after_busy(item, person.busy)
    gives = [i.on for i in items if not i.is_ask]
    for item in items:
        if item.is_ask and gives and item.on < max(gives) + timedelta(days=GIVE_BEFORE_ASK_DAYS):
            item.moved_from = item.moved_from or item.on
            item.on = max(gives) + timedelta(days=GIVE_BEFORE_ASK_DAYS)
            item.why += " (After you have sent what you promised: give first.)"
            _after_busy(item, person.busy)
    return items, None


def schedule(people: list[PersonState], today: date, weeks: int = 4, max_asks_per_week: int = 3) -> Plan:
    """The plan for ``weeks`` weeks from ``today``: pure, so every rule is testable on fixed dates."""
    weeks = max(1, int(weeks))
    cap = max(1, int(max_asks_per_week))
    plan = Plan(today, weeks, cap)
    horizon = today + timedelta(days=7 * weeks - 1)
    items: list[PlanItem] = []
    for person in people:
        mine, waiting = _items_for(person, today)
        items.extend(mine)
        if waiting:
            plan.waiting.append(waiting)
    kinds = {"give": 0, "reply": 1, "nudge": 2, "reconnect": 3}
    items.sort(key=lambda i: (i.on, kinds[i.kind], i.name.casefold()))
    asks_in_week: dict[int, int] = {}
    for item in items:
        if item.is_ask:
            week = (item.on - today).days // 7
            while asks_in_week.get(week, 0) >= cap:
                week += 1
            if week != (item.on - today).days // 7:
                item.moved_from = item.moved_from or item.on
                item.on = today + timedelta(days=7 * week)
                item.why += f" (Moved a week on: no more than {cap} new asks a week.)"
            asks_in_week[week] = asks_in_week.get(week, 0) + 1
        (plan.items if item.on <= horizon else plan.later).append(item)
    plan.items.sort(key=lambda i: (i.on, kinds[i.kind], i.name.casefold()))
    plan.later.sort(key=lambda i: (i.on, i.name.casefold()))
    return plan


# ------------------------------------------------------------- reading --
def _messages(chunks) -> tuple[date | None, int]:
    """(your latest unanswered message's date, how many of yours since their last reply)."""
    events: list[tuple[str, str]] = []
    for c in chunks:
        if c.source.startswith("message:sent:"):
            events.append((c.date, "sent"))
        elif c.source.startswith(("message:received:", "log:")):
            events.append((c.date, "heard"))
    events = sorted(set(events))
    unanswered = 0
    last: date | None = None
    for day, what in events:
        if what == "heard":
            unanswered, last = 0, None
        else:
            unanswered += 1
            last = iso_day(day)
    return last, unanswered


def person_state(contact, kb: KnowledgeBase, settings: Settings, today: date, loops) -> PersonState:
    """One contact's state from the registry, the log, the loops and the notes."""
    chunks = kb.chunks_of(Target.contact(contact.name))
    last = relationship.last_contact(contact, kb, settings)
    due_on = last + timedelta(days=relationship.cadence_for(contact.name, settings)) if last else today
    weeks = (today - last).days // 7 if last and last <= today else None
    reason = relationship.reconnect_reason(contact, kb, settings, weeks)[0]
    busy = notes_busy(((c.text, c.date) for c in chunks), today)
    last_sent, unanswered = _messages(chunks)
    return PersonState(contact.name, due_on, reason,
                       [(lp.id, lp.text) for lp in loops if lp.kind == "offer"],
                       [(lp.id, lp.text) for lp in loops if lp.kind == "ask"],
                       last_sent, unanswered, busy)


def build_plan(kb: KnowledgeBase, settings: Settings, today: date | None = None, weeks: int = 4) -> Plan:
    """The plan for everyone you know, from what Rapport has stored."""
    today = today or date.today()
    loops = relationship.list_loops(kb, settings)
    people = []
    for contact in list_contacts(kb, settings):
        mine = [lp for lp in loops if name_key(lp.contact) == contact.key]
        people.append(person_state(contact, kb, settings, today, mine))
    return schedule(people, today, weeks, settings.max_asks_per_week)


__all__ = ["NUDGE_AFTER_DAYS", "Plan", "PlanItem", "PersonState", "build_plan", "person_state", "schedule"]
