"""Their field now: what your field notes say is happening in the contact's fields, closest to them first.

The People page says notes about a field join the briefs of everyone in it;
this is where they do. Written in plain code and quoted, so every point is
the user's own note, cited, and shown at once: the field notes most
relevant to this contact (by embedding similarity to their facts and the
goal), near-duplicates dropped, at most three.
"""

from __future__ import annotations

from assistant.brief.context import BriefContext, note_sentences
from assistant.brief.record import Cited
from assistant.text import similarity
from assistant.text.guard import INJECTION, neutralize
from assistant.text.voice import speaks_as_user
from assistant.types import Chunk, Target

MAX_POINTS = 3
MIN_SIMILARITY = 0.12  # below this a field note has nothing to do with this person


def field_chunks(ctx: BriefContext, k: int = 6) -> list[Chunk]:
    """The contact's fields' notes most relevant to them (their facts, else their notes, and the goal)."""
    if not ctx.contact.fields:
        return []
    about = " ".join(f.text for f in ctx.brief.facts) or " ".join(c.text for c in ctx.notes)[:1500]
    query = f"{ctx.goal} {about}".strip()
    return ctx.kb.search(query, [Target.field(f) for f in ctx.contact.fields], k=k)


def write_field(ctx: BriefContext, attempt_seed: int = 0) -> None:
    b = ctx.brief
    b.field_now = []
    chunks = field_chunks(ctx)
    # The user's field notes are in the user's voice: "Roles I'm looking at: ..." is the user's job
    # search, not a development in the contact's field (it became a question to the contact).
    candidates = [(s, c) for c in chunks for s in note_sentences(neutralize(c.text))
                  if not INJECTION.search(s) and not speaks_as_user(s)]
    if not candidates:
        return
    about = " ".join(f.text for f in b.facts) or " ".join(c.text for c in ctx.notes)[:1500]
    vecs = ctx.embed([f"{ctx.goal} {about}".strip(), *(s for s, _ in candidates)])
    scores = vecs[1:] @ vecs[0]
    order = sorted(range(len(candidates)), key=lambda i: -float(scores[i]))
    picked = [i for i in order if float(scores[i]) >= MIN_SIMILARITY]
    texts = [candidates[i][0] for i in picked]
    keep = similarity.dedupe(texts, ctx.vectors, threshold=0.85) if len(texts) > 1 else list(range(len(texts)))
    for n in keep[:MAX_POINTS]:
        sentence, chunk = candidates[picked[n]]
        b.sources[chunk.id] = chunk
        ctx.field_by_text[sentence] = chunk
        b.field_now.append(Cited(sentence, [chunk.id]))


__all__ = ["field_chunks", "write_field"]
