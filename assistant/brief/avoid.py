"""Avoid: what not to do in this meeting, written in plain code (no model call, shown at once).

A note is quoted here as a flagged topic only when it says something is
sensitive to this person (see :mod:`assistant.text.sensitive`); a profession's
ordinary vocabulary ("health", "layoffs" for an HR lead) never is. What they
dislike ("hates slide decks") is quoted as a preference on a line of its own.
"""

from __future__ import annotations

from assistant.brief.context import BriefContext


def write_avoid(ctx: BriefContext, attempt_seed: int = 0) -> None:
    first = ctx.first
    items = [f"Asking {first} for a job, a referral or an introduction: this meeting is research and the start "
             f"of a relationship, not a request."]
    for s in ctx.flagged[:2]:
        items.append(f"A topic your notes flag: \u201c{s[:160]}\u201d")
    for s in ctx.dislikes[:1]:
        items.append(f"What your notes say {first} dislikes: \u201c{s[:160]}\u201d")
    items.append(f"Talking about yourself for long: keep your story to 30 seconds and let {first} do most of the talking.")
    if len(items) < 4:
        items.append(f"Running over time: {first} is busy, so end when you said you would and offer to continue later.")
    ctx.brief.avoid = items[:4]


__all__ = ["write_avoid"]
