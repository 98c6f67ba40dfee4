"""Rank attendees by how worth seeking out they are, without a language model.

Before an event the user wants a short list, fast, and an explanation they can
check. So ranking uses only an embedding model: how close the user's goal (and
profile) is in meaning to each attendee's title, company and bio. Shared words
earn nothing: "council", "engineers" or "matter" in both texts says nothing
about whether the person is worth meeting (an arts council is not a health
technology council), and a bonus for them once ranked the only health
journalist of 40 twelfth.

Each attendee is scored on three views of the same row, averaged:

* the whole row (title, company, bio, notes; cut to what MiniLM reads),
* the head ("Senior Health Reporter at The Northern Ledger"),
* the bio sentence closest to the query (one embedding of a long bio blurs
  its one relevant sentence with the rest; the best sentence does not).

On ``knowledge/eval/events/health-summit.csv`` the whole row alone found 3 of
the 5 expected people in the top 10, the mean of the three views finds all 5
(docs/QUALITY.md, "Event ranking"). The reason quotes the bio sentence that
best matches the goal, so it is checkable text from the row, never a list of
words, and cites the row number.

Pure module: the embedder is passed in (the real one is ONNX MiniLM; tests use
a hashing fake), so this file has no model, network or global state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.text.similarity import Embed
from assistant.event.attendees import Attendee
from assistant.text.sentences import split_sentences
from assistant.text.similarity import unit_rows
from assistant.errors import InputError, ModelError

__all__ = [
    "RankedAttendee",
    "rank_attendees",
    "ranking_rows",
    "GOAL_WEIGHT",
    "REASON_TEMPLATE_WORDS",
]


#: Share of the similarity that comes from the goal when one is given; the
#: goal is what the user wants from *this* event, so it outweighs the profile.
GOAL_WEIGHT = 0.6
#: Attendee text sent to the embedder is cut here: MiniLM reads ~256 word
#: pieces anyway, and shorter inputs keep 1,000 rows affordable on a laptop.
MAX_ATTENDEE_CHARS = 500
MAX_QUERY_CHARS = 1000
#: Reasons quote at most this much of a bio sentence.
MAX_QUOTE_CHARS = 90
MAX_HEAD_CHARS = 80
#: Bio sentences embedded per attendee (the best one scores and is quoted).
MAX_SENTENCES = 8
#: Words the reason template itself adds; everything else in a reason comes
#: from the attendee row.
REASON_TEMPLATE_WORDS = frozenset({"at", "row", "no", "details", "given"})


@dataclass(frozen=True)
class RankedAttendee:
    """An attendee with the score that placed them and a one-line, checkable reason.

    ``shared_terms`` is kept for callers of the old shared-word ranking and is
    always empty: shared words no longer score or explain anything.
    """

    attendee: Attendee
    score: float
    reason: str
    shared_terms: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def rank_attendees(
    attendees: Sequence[Attendee],
    profile_text: str,
    goal: str | None,
    embed: Embed,
    *,
    sentence_budget: int = 100,
) -> list[RankedAttendee]:
    """Order attendees by relevance of their row to the user's goal and profile, best first.

    score = mean over the views the row has (whole row, head, best bio
    sentence) of cosine(view, query), where each cosine mixes goal and profile
    (goal weighted GOAL_WEIGHT when both are given: mixing per-query
    similarities keeps a long profile from drowning out a one-line goal).
    Ties keep the file order, so equal-scored rows come out in the order the
    user knows.

    The first embedding call holds the profile, the goal, every row and every
    head (deduplicated, empty ones skipped), because the real embedder is slow
    per call and fast per batch. A second call embeds the bio sentences of the
    ``sentence_budget`` rows that rank best on the first call; they are
    re-scored with their best sentence and quote it. Rows beyond the budget
    (only in lists of hundreds) keep the first-call score and quote their
    first bio sentence.
    """
    profile = (profile_text or "").strip()
    goal_text = (goal or "").strip()
    if not profile and not goal_text:
        raise InputError(
            "Your profile is empty, so there is nothing to rank attendees against.",
            "Add a few lines about what you do and what you are looking for.",
        )
    if not attendees:
        return []

    # --- first call: queries, whole rows, heads ------------------------------
    texts = [_attendee_text(a, limit=MAX_ATTENDEE_CHARS) for a in attendees]
    heads = [_head_text(a) for a in attendees]
    unique = list(dict.fromkeys(t for t in [*texts, *heads] if t))
    queries = [q[:MAX_QUERY_CHARS] for q in (profile, goal_text) if q]
    vectors = _embed_unit(embed, queries + unique)
    query_vecs, text_vecs = vectors[: len(queries)], vectors[len(queries) :]
    if profile and goal_text:
        weights = np.array([1.0 - GOAL_WEIGHT, GOAL_WEIGHT], dtype=np.float32)
    else:
        weights = np.ones(1, dtype=np.float32)
    unique_sims = (text_vecs @ query_vecs.T) @ weights if unique else np.zeros(0)
    sim_of = dict(zip(unique, unique_sims.tolist()))
    views = [[sim_of[t] for t in (text, head) if t] for text, head in zip(texts, heads)]
    first_pass = sorted(range(len(attendees)), key=lambda i: -_mean(views[i]))  # stable

    # --- second call: bio sentences of the best rows -------------------------
    sentences = {i: _sentences(attendees[i].own_words)[:MAX_SENTENCES] for i in first_pass[: max(0, sentence_budget)]}
    sentences = {i: group for i, group in sentences.items() if group}
    # The quote is what matches the goal; the profile only when there is no goal.
    quote_vec = query_vecs[-1]
    quotes: dict[int, str] = {}
    if sentences:
        flat = list(dict.fromkeys(s for group in sentences.values() for s in group))
        flat_vecs = _embed_unit(embed, flat)
        score_of = dict(zip(flat, ((flat_vecs @ query_vecs.T) @ weights).tolist()))
        quote_of = dict(zip(flat, (flat_vecs @ quote_vec).tolist()))
        for i, group in sentences.items():
            views[i].append(max(score_of[s] for s in group))
            quotes[i] = max(group, key=lambda s: quote_of[s])  # first on ties

    scored = sorted(((_mean(v), i) for i, v in enumerate(views)), key=lambda item: -item[0])  # stable
    return [
        RankedAttendee(
            attendee=attendees[index],
            score=float(score),
            reason=_reason(attendees[index], quotes.get(index) or next(iter(_sentences(attendees[index].own_words)), "")),
        )
        for score, index in scored
    ]


def ranking_rows(ranked: Sequence[RankedAttendee]) -> list[dict[str, object]]:
    """Flatten a ranking into plain dicts for the CSV export and the UI table."""
    return [
        {
            "rank": position,
            "name": item.attendee.name,
            "title": item.attendee.title,
            "company": item.attendee.company,
            "score": round(item.score, 3),
            "reason": item.reason,
            "profile_url": item.attendee.profile_url,
        }
        for position, item in enumerate(ranked, start=1)
    ]


# --------------------------------------------------------------------------
# Embedding helpers
# --------------------------------------------------------------------------


def _embed_unit(embed: Embed, texts: list[str]) -> np.ndarray:
    """Embed and L2-normalise; a zero or broken vector becomes all zeros."""
    raw = embed(texts)
    try:
        matrix = np.asarray(raw, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"The embedding model returned unusable vectors: {exc}") from None
    if matrix.ndim != 2 or matrix.shape[0] != len(texts):
        raise ModelError(
            f"The embedding model returned {matrix.shape[0] if matrix.ndim else 0} "
            f"vectors for {len(texts)} texts."
        )
    return unit_rows(matrix, np.float32)


def _attendee_text(person: Attendee, limit: int) -> str:
    """What the attendee is about: title, company, bio, notes (not the name), cut at a word boundary."""
    parts = [p.strip() for p in (person.title, person.company, person.bio, *(a for _, a in person.answers),
                                 person.notes) if p and p.strip()]
    text = ". ".join(" ".join(p.split()).rstrip(".") for p in parts)
    if len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > limit // 2 else limit]
    return text


def _head_text(person: Attendee) -> str:
    """"Senior Health Reporter at The Northern Ledger": the row's role on its own, for the embedder."""
    title, company = (" ".join((x or "").split()) for x in (person.title, person.company))
    if title and company and company.casefold() not in title.casefold():
        return f"{title} at {company}"[:MAX_ATTENDEE_CHARS]
    return (title or company)[:MAX_ATTENDEE_CHARS]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


# --------------------------------------------------------------------------
# Reasons
# --------------------------------------------------------------------------


def _shorten(text: str, limit: int) -> str:
    """Cut at a word boundary and mark the cut with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 3 else limit - 1].rstrip(" ,;:-—") + "…"


def _sentences(bio: str) -> list[str]:
    if not bio:
        return []
    return [" ".join(p.split()) for p in split_sentences(bio) if len(p.split()) >= 2 or len(p.strip()) >= 12]


def _head(person: Attendee) -> str:
    title, company = person.title, person.company
    if title and company and company.casefold() not in title.casefold():
        return f"{_shorten(title, MAX_HEAD_CHARS)} at {_shorten(company, 60)}"
    if title:
        return _shorten(title, MAX_HEAD_CHARS)
    return _shorten(company, 60)


def _reason(person: Attendee, quote: str) -> str:
    """One line, assembled only from the row and a fixed template: who they are and the sentence that fits."""
    parts = []
    head = _head(person)
    if head:
        parts.append(head)
    if quote:
        parts.append('"' + _shorten(quote.replace('"', "'"), MAX_QUOTE_CHARS - 2) + '"')
    line = " — ".join(parts) if parts else "No details given"
    return f"{line} (row {person.row})"
