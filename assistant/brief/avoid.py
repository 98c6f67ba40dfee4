"""Avoid: what not to do in this meeting, written in plain code (no model call, shown at once)."""

from __future__ import annotations

from assistant.brief.context import BriefContext
from assistant.text.guard import INJECTION
from assistant.text.sensitive import SENSITIVE
from assistant.text.sentences import split_sentences


def note_sentences(text: str) -> list[str]:
    """Sentences of a note worth quoting: four words or more, bullets and heading marks removed."""
    return [p.strip(" -•*#\t") for p in split_sentences(text) if len(p.split()) >= 4]


def write_avoid(ctx: BriefContext, attempt_seed: int = 0) -> None:
    first = ctx.first
    items = [f"Asking {first} for a job, a referral or an introduction: this meeting is research and the start "
             f"of a relationship, not a request."]
    flagged: list[str] = []
    for c in ctx.notes:
        for s in note_sentences(c.text):
            if SENSITIVE.search(s) and not INJECTION.search(s) and s not in flagged:
                flagged.append(s)
    for s in flagged[:2]:
        items.append(f"A topic your notes flag: \u201c{s[:160]}\u201d")
    items.append(f"Talking about yourself for long: keep your story to 30 seconds and let {first} do most of the talking.")
    if len(items) < 4:
        items.append(f"Running over time: {first} is busy, so end when you said you would and offer to continue later.")
    ctx.brief.avoid = items[:4]


__all__ = ["note_sentences", "write_avoid"]
