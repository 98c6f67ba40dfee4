"""The Brief record: what a briefing holds, its section titles and the JSON contract.

Every front end (terminal, browser, event pack, export) reads the same
``Brief.to_dict()``; the section titles live here once so the Markdown, the
HTML and the page always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from assistant.text.guard import neutralize
from assistant.types import Chunk

SECTIONS = ("avoid", "facts", "field", "questions", "follow_up", "narrative", "give_back")
TITLES = {
    "opener": "Opening line",
    "facts": "Who they are",
    "field": "Their field now",
    "narrative": "Your 30-second narrative",
    "questions": "Questions to ask",
    "give_back": "What you could give",
    "avoid": "Avoid",
    "follow_up": "After the meeting",
}
ORDER = ["opener", "facts", "field", "narrative", "questions", "give_back", "avoid", "follow_up"]
SIZES = {
    # facts, questions (min, max), give-backs max, narrative/follow-up, opener
    # q_max: one question per fact, with one of the slots kept for the field question when there
    # are field notes (5 + 1). Each question is ~5 s of decode on 2 cores; a seventh added ~5 s to
    # every brief with six facts, and the aim is five.
    # facts_max: the model is asked for up to six (each ~2 s of decode); code may add two more from the
    # notes' own lines when they name what no fact does (brief/fact_fill.py), at no model time.
    "full": {"facts": 6, "facts_max": 8, "q_min": 5, "q_max": 6, "gb_max": 3, "narrative": True, "opener": False},
    "event": {"facts": 4, "q_min": 3, "q_max": 3, "gb_max": 2, "narrative": False, "opener": True},
}


@dataclass
class Cited:
    text: str
    sources: list[str]
    why: str = ""


@dataclass
class Brief:
    """A briefing; ``to_dict`` is the JSON contract the UI, events and tests use."""

    contact: str
    goal: str | None
    model: str
    generated_at: str
    size: str = "full"
    facts: list[Cited] = field(default_factory=list)
    field_now: list[Cited] = field(default_factory=list)
    narrative: str = ""
    questions: list[Cited] = field(default_factory=list)
    give_back: list[Cited] = field(default_factory=list)
    give_back_note: str = ""
    avoid: list[str] = field(default_factory=list)
    follow_up: list[str] = field(default_factory=list)
    opener: str = ""
    sources: dict[str, Chunk] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    section_seconds: dict[str, float] = field(default_factory=dict)
    first_fact_seconds: float | None = None  # when the first checked fact was ready (streamed)
    prefix_state: str = ""  # how the notes prefix got into the model: held | loaded | built | off | ...
    prefix_seconds: float = 0.0

    def to_dict(self) -> dict:
        used = self.used_ids()
        return {
            "contact": self.contact, "goal": self.goal, "model": self.model, "generated_at": self.generated_at,
            "size": self.size,
            "facts": [{"text": f.text, "sources": f.sources} for f in self.facts],
            "field": [{"text": f.text, "sources": f.sources} for f in self.field_now],
            "narrative": self.narrative,
            "questions": [{"text": q.text, "why": q.why, "sources": q.sources} for q in self.questions],
            "give_back": [{"text": g.text, "why": g.why, "sources": g.sources} for g in self.give_back],
            "give_back_note": self.give_back_note,
            "avoid": list(self.avoid), "follow_up": list(self.follow_up), "opener": self.opener,
            # the note as the brief read it: a line that reads as instructions to a model is not quoted back
            "sources": [{"id": i, "source": self.sources[i].source, "excerpt": replace(
                            self.sources[i], text=neutralize(self.sources[i].text)).excerpt(),
                         "title": self.sources[i].title, "date": self.sources[i].date}
                        for i in used if i in self.sources],
            "warnings": list(self.warnings), "failed": dict(self.failed),
            "seconds": round(self.seconds, 2),
            "timings": self.timings(),
        }

    def timings(self) -> dict:
        """What ``rapport brief --format json`` reports so anyone can check the speed without logs."""
        return {"first_fact_seconds": None if self.first_fact_seconds is None else round(self.first_fact_seconds, 2),
                "sections": {k: round(v, 2) for k, v in self.section_seconds.items()},
                "total_seconds": round(self.seconds, 2), "prefix_state": self.prefix_state or "off",
                "prefix_seconds": round(self.prefix_seconds, 2),
                "warm": self.prefix_state in ("held", "loaded")}

    def used_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for item in (*self.facts, *self.field_now, *self.questions, *self.give_back):
            for s in item.sources:
                seen.setdefault(s, None)
        return list(seen)

    @classmethod
    def from_dict(cls, data: dict) -> "Brief":
        sources = {s["id"]: Chunk(s["id"], s.get("excerpt", ""), "", "", s.get("source", ""), s.get("title", ""),
                                  s.get("date", "")) for s in data.get("sources", [])}
        cite = lambda items: [Cited(i["text"], list(i.get("sources", [])), i.get("why", "")) for i in items]  # noqa: E731
        return cls(data["contact"], data.get("goal"), data.get("model", ""), data.get("generated_at", ""),
                   size=data.get("size", "full"), facts=cite(data.get("facts", [])),
                   field_now=cite(data.get("field", [])), narrative=data.get("narrative", ""),
                   questions=cite(data.get("questions", [])), give_back=cite(data.get("give_back", [])),
                   give_back_note=data.get("give_back_note", ""), avoid=list(data.get("avoid", [])),
                   follow_up=list(data.get("follow_up", [])), opener=data.get("opener", ""), sources=sources,
                   warnings=list(data.get("warnings", [])), failed=dict(data.get("failed", {})),
                   seconds=data.get("seconds", 0.0))


OnSection = Callable[[str, Brief], None]


__all__ = ["ORDER", "SECTIONS", "SIZES", "TITLES", "Brief", "Cited", "OnSection"]
