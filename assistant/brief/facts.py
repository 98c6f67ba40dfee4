"""Who they are: facts drawn from the contact's notes, each cited, each checked against its sources.

The schema restricts citations to the retrieved chunks' labels, so every
citation is valid by construction; code then drops facts in the user's
voice, facts with names or numbers their sources do not contain, and
near-duplicates (fact_checks.py), and adds what the model passed over
from the notes' own sentences (fact_fill.py).
"""

from __future__ import annotations

import logging
import time

from assistant.brief.context import BriefContext
from assistant.brief.fact_checks import DUPLICATE_FACTS, keep, merged
from assistant.brief.fact_fill import from_form, from_short_note, from_specifics
from assistant.brief.fact_text import FACT_MAX_CHARS, item_facts
from assistant.brief.record import Cited
from assistant.generation import prompts
from assistant.generation.structured import generate_json, seed_for
from assistant.text import similarity
from assistant.text import forms
from assistant.text.personal import home_life

log = logging.getLogger("rapport.brief")
RICH_NOTES_CHARS = 1500  # quoted notes at least this long hold five or more facts
MID_NOTES_CHARS = 800  # ... and this long, four or more


def _work_first(kept: list[tuple[str, list[str]]], room: int) -> list[tuple[str, list[str]]]:
    """More facts than ``room``: a second (third ...) about their life outside work gives way to their work.

    Why: Marguerite's six were her role, her opinions and three of her "Personal:" line (Norwegian-born,
    knits in every meeting, reads crime fiction); a seventh, about the makerspace she is trying to save
    from drop-off, was cut. One home-life fact stays (it is good to know); none is lost for nothing.
    """
    extra = [i for i, (text, _) in enumerate(kept) if home_life(text)][1:]
    over = len(kept) - room
    drop = set(extra[max(0, len(extra) - over):]) if over > 0 else set()  # the last ones go first
    for i in sorted(drop):
        log.info("fact left out for one about their work (a second about their life outside work): %r", kept[i][0])
    return [k for i, k in enumerate(kept) if i not in drop]


def _distinct(ctx: BriefContext, kept: list[tuple[str, list[str]]]) -> set[int]:
    """Indexes of ``kept`` that survive the duplicate merge (what may be shown while streaming)."""
    return set(similarity.dedupe([t for t, _ in kept], ctx.vectors, threshold=DUPLICATE_FACTS))


def write_facts(ctx: BriefContext, attempt_seed: int = 0) -> None:
    b = ctx.brief
    b.facts = []
    labels = list(ctx.labels)
    # Notes with room for more: ask for at least five (a 1.5B model asked for "3 to 6" stops at 3-4,
    # and each fact is also where a question grows from); a two-line note keeps the floor of one.
    rich = len(ctx.notes_block) >= RICH_NOTES_CHARS
    # A 900-character speaker bio holds eight facts; asked for "3 to 6" the model gave three (role, an
    # article, hill walking) and none of its "Career Highlights".
    least = min(5 if rich else 4 if len(ctx.notes_block) >= MID_NOTES_CHARS else 3, ctx.size["facts"])
    user = prompts.render("facts", notes=ctx.notes_block, name=ctx.name, min_items=least, max_items=ctx.size["facts"])
    schema = prompts.schema("facts", labels)
    schema["properties"]["facts"]["maxItems"] = ctx.size["facts"]
    if least > 3:
        schema["properties"]["facts"]["minItems"] = least
    # Short items: a fact copied whole from a bio runs to 45 words (~4 s of decode each).
    schema["properties"]["facts"]["items"]["properties"]["text"]["maxLength"] = FACT_MAX_CHARS
    kept: list[tuple[str, list[str]]] = []
    dropped: list[str] = []
    start = time.perf_counter()

    def take(item: dict) -> None:
        """Check one item and keep it; streamed items reach the screen the moment they pass."""
        ids = ctx.cite(item.get("sources") or [])
        for text in item_facts(str(item.get("text", "")), ctx.first, ctx.name):
            before = len(kept)
            keep(ctx, text, ids, kept, dropped)
            if len(kept) > before and len(kept) - 1 in _distinct(ctx, kept):
                if b.first_fact_seconds is None:
                    b.first_fact_seconds = ctx.elapsed()
                if ctx.on_fact is not None:
                    ctx.on_fact(Cited(*kept[-1]))

    for attempt in range(2):
        prompt = user
        if attempt:
            # A second greedy call on the same prompt gives the same answer (wasted seconds): say what is
            # already there or what went wrong, at the end, so the cached notes prefix still serves it.
            prompt = user + ("\nAlready listed (give other facts, not these): " + "; ".join(t for t, _ in kept)
                             if kept else f"\nYour previous facts were rejected ({(dropped or ['no facts'])[-1]}); "
                                          "state only what the notes say, citing the note each fact comes from.")
        streamed: list[dict] = []
        got = generate_json(ctx.gen, prompt, schema, max_tokens=90 * ctx.size["facts"],
                            seed=seed_for(ctx.seed + attempt_seed, facts_round=attempt), retries=1,
                            on_item=(lambda item: (streamed.append(item), take(item))) if ctx.on_fact else None)
        if got.data is None:
            dropped.append(got.error)
            continue
        for item in got.data["facts"]:
            if item not in streamed:
                take(item)
        kept = merged(ctx, kept)
        if len(kept) >= 3 or len(kept) >= len(ctx.notes):
            break
    kept = _work_first(from_form(ctx, kept, dropped), ctx.size["facts"])
    for i in [*from_short_note(ctx, kept, dropped), *from_specifics(ctx, kept, dropped, least)]:
        if b.first_fact_seconds is None:
            b.first_fact_seconds = ctx.elapsed()
        if ctx.on_fact is not None:
            ctx.on_fact(Cited(*kept[i]))
    # a short note's clause can say all a model's fact said and more ("She is working on porting the solver to
    # Rust." / "Ama works on flood models at the Environment Agency, porting a hydraulics solver to Rust.")
    kept = merged(ctx, kept)
    log.debug("facts written in %.1fs", time.perf_counter() - start)
    if not kept:
        b.failed["facts"] = "The model gave no facts that the notes support" + (f" ({dropped[-1]})." if dropped else ".")
        return
    if ctx.goal and len(kept) > 1:  # what matters for the goal first (stable: note order on ties)
        vecs = ctx.embed([ctx.goal, *(t for t, _ in kept)])
        scores = vecs[1:] @ vecs[0]
        kept = [kept[i] for i in sorted(range(len(kept)), key=lambda i: (-round(float(scores[i]), 2), i))]
    kept.sort(key=lambda k: forms.is_hope(k[0]))  # who they are first, what they hope from the event after
    b.facts = [Cited(t, ids) for t, ids in kept[: ctx.size.get("facts_max", ctx.size["facts"])]]


__all__ = ["write_facts"]
