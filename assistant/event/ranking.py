"""Rank attendees by how worth seeking out they are, without a language model.

Before an event the user wants a short list, fast, and an explanation they can
check. So ranking uses only an embedding model (semantic closeness between the
user's profile/goal and each attendee row) plus an exact shared-interest signal
(distinctive words and names both texts mention). Both are cheap, deterministic
and explainable: every reason is assembled from words that are in the attendee
row or the user's profile and cites the row number, so nothing shown can be a
hallucination and the user can verify it in their spreadsheet.

Pure module: the embedder is passed in (the real one is ONNX MiniLM; tests use
a hashing fake), so this file has no model, network or global state.
"""

from __future__ import annotations

import re
from collections import Counter
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
    "TERM_BONUS",
    "TERM_BONUS_CAP",
    "REASON_TEMPLATE_WORDS",
]


#: Share of the similarity that comes from the goal when one is given; the
#: goal is what the user wants from *this* event, so it outweighs the profile.
GOAL_WEIGHT = 0.6
#: Bonus per shared distinctive term, and its cap: enough to reorder people
#: with similar embeddings, never enough to lift an unrelated row to the top.
TERM_BONUS = 0.05
TERM_BONUS_CAP = 0.2
#: Attendee text sent to the embedder is cut here: MiniLM reads ~256 word
#: pieces anyway, and shorter inputs keep 1,000 rows affordable on a laptop.
MAX_ATTENDEE_CHARS = 500
MAX_QUERY_CHARS = 1000
#: Reasons quote at most this much of a bio sentence.
MAX_QUOTE_CHARS = 90
MAX_HEAD_CHARS = 80
MAX_TERMS_SHOWN = 3
#: Bio sentences considered per attendee when choosing a quote by embedding.
MAX_QUOTE_SENTENCES = 5
#: A term found in more than this share of rows is the event's theme, not a
#: reason to seek someone out (but small lists keep at least 3 rows' worth).
MAX_TERM_SHARE = 0.25
#: Words the reason template itself adds; everything else in a reason comes
#: from the attendee row or the user's profile/goal.
REASON_TEMPLATE_WORDS = frozenset(
    {"at", "shares", "your", "interest", "in", "row", "no", "details", "given"}
)


@dataclass(frozen=True)
class RankedAttendee:
    """An attendee with the score that placed them and a one-line, checkable reason."""

    attendee: Attendee
    score: float
    reason: str
    shared_terms: tuple[str, ...]


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def rank_attendees(
    attendees: Sequence[Attendee],
    profile_text: str,
    goal: str | None,
    embed: Embed,
    *,
    sentence_budget: int = 25,
) -> list[RankedAttendee]:
    """Order attendees by relevance to the user's profile and goal, best first.

    score = cosine(query, attendee) + min(TERM_BONUS * shared terms, TERM_BONUS_CAP)
    where the query similarity mixes profile and goal (goal weighted
    GOAL_WEIGHT when present). Ties keep the file order, so equal-scored rows
    come out in the order the user knows.

    All attendee texts (deduplicated, empty ones skipped) go to ``embed`` in a
    single call together with the profile and goal, because the real embedder
    is slow per call and fast per batch. A second, smaller call embeds bio
    sentences to quote in reasons, only for the ``sentence_budget`` best-ranked
    attendees who share no terms with the user; everyone else with no shared
    terms quotes the first bio sentence.
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

    # --- shared distinctive terms (no model needed) -------------------------
    goal_terms = _terms(goal_text)
    query_terms = dict(goal_terms)
    query_counts = Counter(list(goal_terms))
    for term, surface in _term_occurrences(profile):
        query_terms.setdefault(term, surface)
        query_counts[term] += 1
    row_terms = [_terms(_attendee_text(a, limit=None)) for a in attendees]
    df = Counter(t for terms in row_terms for t in terms)
    max_df = max(3, MAX_TERM_SHARE * len(attendees))
    query_order = {t: i for i, t in enumerate(query_terms)}

    def display_order(term: str) -> tuple[bool, bool, int, int, int]:
        # Goal words first, then names, then what the profile stresses most,
        # then what is rarest in the room.
        return (term not in goal_terms, " " not in term, -query_counts[term], df[term], query_order[term])

    shared_per_row: list[tuple[str, ...]] = []
    for terms in row_terms:
        shared = [t for t in terms if t in query_terms and df[t] <= max_df]
        shared = sorted(_drop_words_inside_phrases(shared), key=display_order)
        shared_per_row.append(tuple(query_terms[t] for t in shared))

    # --- one batched embedding call ----------------------------------------
    texts = [_attendee_text(a, limit=MAX_ATTENDEE_CHARS) for a in attendees]
    unique = list(dict.fromkeys(t for t in texts if t))
    queries = [q[:MAX_QUERY_CHARS] for q in (profile, goal_text) if q]
    vectors = _embed_unit(embed, queries + unique)
    query_vecs, text_vecs = vectors[: len(queries)], vectors[len(queries) :]
    if profile and goal_text:
        weights = np.array([1.0 - GOAL_WEIGHT, GOAL_WEIGHT], dtype=np.float32)
    else:
        weights = np.ones(1, dtype=np.float32)
    # Mixing per-query similarities (rather than embedding "profile + goal")
    # keeps a long profile from drowning out a one-line goal.
    unique_sims = (text_vecs @ query_vecs.T) @ weights if unique else np.zeros(0)
    sim_of = dict(zip(unique, unique_sims.tolist()))
    query_vec = weights @ query_vecs
    query_vec = unit_rows(query_vec, np.float32)

    scored = []
    for index, (person, text, shared) in enumerate(zip(attendees, texts, shared_per_row)):
        similarity = sim_of.get(text, 0.0) if text else 0.0
        bonus = min(TERM_BONUS * len(shared), TERM_BONUS_CAP)
        scored.append((similarity + bonus, index))
    scored.sort(key=lambda item: -item[0])  # stable: ties keep file order

    # --- reasons -----------------------------------------------------------
    quotes = _pick_quotes(attendees, shared_per_row, scored, embed, query_vec, sentence_budget)
    return [
        RankedAttendee(
            attendee=attendees[index],
            score=float(score),
            reason=_reason(attendees[index], shared_per_row[index], quotes.get(index, "")),
            shared_terms=shared_per_row[index],
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


def _attendee_text(person: Attendee, limit: int | None) -> str:
    """What the attendee is about: title, company, bio, notes (not the name).

    With ``limit`` (for the embedder) whitespace is collapsed and the text cut
    at a word boundary. Without it (for term matching) fields stay on separate
    lines so a capitalised name cannot run from the title into the company.
    """
    parts = [p.strip() for p in (person.title, person.company, person.bio, person.notes) if p and p.strip()]
    if limit is None:
        return "\n".join(parts)
    text = ". ".join(" ".join(p.split()).rstrip(".") for p in parts)
    if len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > limit // 2 else limit]
    return text


def _pick_quotes(
    attendees: Sequence[Attendee],
    shared_per_row: list[tuple[str, ...]],
    scored: list[tuple[float, int]],
    embed: Embed,
    query_vec: np.ndarray,
    budget: int,
) -> dict[int, str]:
    """Choose the bio sentence each term-less reason will quote.

    Only the best-ranked ``budget`` attendees get the embedding-chosen
    sentence: at ~30 texts/s a sentence per row for 1,000 rows would cost
    minutes, and nobody reads the reason of row 900 closely.
    """
    quotes: dict[int, str] = {}
    candidates: dict[int, list[str]] = {}
    for _, index in scored:
        if shared_per_row[index]:
            continue
        sentences = _sentences(attendees[index].bio)
        if not sentences:
            continue
        quotes[index] = sentences[0]
        if len(sentences) > 1 and len(candidates) < budget:
            candidates[index] = sentences[:MAX_QUOTE_SENTENCES]
    if candidates:
        flat = list(dict.fromkeys(s for group in candidates.values() for s in group))
        vectors = dict(zip(flat, _embed_unit(embed, flat) @ query_vec))
        for index, group in candidates.items():
            quotes[index] = max(group, key=lambda s: vectors[s])  # first on ties
    return quotes


# --------------------------------------------------------------------------
# Shared-interest terms
# --------------------------------------------------------------------------

_FUNCTION_WORDS = frozenset(
    """
    a about above across after again against all almost alone along already also although always am
    among an and another any anyone anything anywhere are around as at away back be became because
    become becomes been before being below between both but by came can cannot could did do does doing
    done down during each either else enough even ever every everyone everything few for former from
    further had has have having he her here hers herself him himself his how however i if in into is it
    its itself just me might mine more most mostly much must my myself never no nobody none nor not
    nothing now of off often on once one only onto or other others our ours ourselves out over own per
    perhaps please quite rather same she should since so some someone something sometimes still such
    than that the their theirs them themselves then there these they this those though through thus to
    together too toward towards under until up upon us very via was we were what whatever when where
    whether which while who whom whose why will with within without would yes yet you your yours
    yourself yourselves
    """.split()
)
# Generic verbs, adjectives and bio/networking filler: words a long profile
# and a bio share by accident, not because of a common interest.
_STOPWORDS = _FUNCTION_WORDS | frozenset(
    """
    able actually based believe best better big bring build building built career clear calm came clean
    cleaned comfortable company companies currently daily days deep done eight eighteen end enjoy enjoys
    especially event events experience experienced feedback find finish finished first five focus
    focused focusing four friends fun get gets getting give given goes going good got great happy head
    hello help helping helps hi honest hour hours ideally ideas including intro interest interested
    interests join joined keen know large last later lead leading leads learn learning least left less
    like likely line link long longer look looking lot lots love loved loves made make makes making
    manage managing many may meet meeting meetup member month monthly months need needs network
    networking new next nine notes offer part passion passionate people person plan plans plus
    previously professional pulled ran really right role run running runs said say says see seeking seem
    seems seven several share sharing side six skills small spend spent start started starting story
    strong take talk talks team teams ten term thing things three time today told tips turn turning two
    use used using various want wants way ways week weekly weeks well went work worked working works
    world year yearly years
    """.split()
)

# Job-title acronyms: shared by half the room, never an "interest".
_ACRONYM_STOP = frozenset(
    {"CEO", "CTO", "CFO", "COO", "CMO", "CPO", "CIO", "VP", "SVP", "EVP", "MD", "PHD", "MBA", "USA", "UK", "US", "EU"}
)

_WORD_RE = re.compile(r"[^\W\d_][\w'’]*")
_PHRASE_WORD = r"[A-Z][\w&'’.]*[\w]"
_PHRASE_RE = re.compile(rf"\b{_PHRASE_WORD}(?:[ \t]+{_PHRASE_WORD})+")


_SUFFIXES = (
    ("ies", "y"), ("sses", "ss"), ("ing", ""), ("ers", ""), ("er", ""),
    ("ors", ""), ("or", ""), ("ed", ""), ("es", ""), ("s", ""),
)


def _stem(word: str) -> str:
    """Crude suffix stripping so "batteries"/"battery" and "investing"/"investor" meet.

    Consistency matters more than linguistics: both sides use the same rule.
    """
    for suffix, repl in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) + len(repl) >= 4:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                continue
            if suffix == "es" and not word.endswith(("ches", "shes", "xes", "zes")):
                continue
            return word[: len(word) - len(suffix)] + repl
    return word


def _term_occurrences(text: str) -> list[tuple[str, str]]:
    """Every distinctive-term occurrence in a text as (normalised key, surface form).

    Keywords are lower-cased content words of 4+ letters (plus acronyms such as
    "AI" or "ESG"), stemmed; names are runs of 2+ capitalised words ("Climate
    Week", "Nova Scotia"). The surface form is kept so reasons quote the user's
    own word, never the stem.
    """
    found: list[tuple[str, str]] = []
    if not text:
        return found
    for match in _PHRASE_RE.finditer(text):
        words = match.group(0).split()
        # A capitalised sentence opener is not part of the name ("Building Voltaic Energy").
        while words and words[0].casefold() in _STOPWORDS:
            words.pop(0)
        # Only function words come off the end: "Climate Week" keeps "Week".
        while words and words[-1].casefold() in _FUNCTION_WORDS:
            words.pop()
        if len(words) >= 2:
            surface = " ".join(words)
            found.append((surface.casefold(), surface))
    for match in _WORD_RE.finditer(text):
        word = re.split(r"['’]", match.group(0))[0]  # "Voltaic's" -> "Voltaic"
        lower = word.casefold()
        if 2 <= len(word) <= 4 and word.isupper() and word.isalpha():
            if word not in _ACRONYM_STOP:
                found.append((lower, word))
            continue
        if len(lower) < 4 or lower in _STOPWORDS:
            continue
        stem = _stem(lower)
        if stem not in _STOPWORDS:
            found.append((stem, lower))
    return found


def _terms(text: str) -> dict[str, str]:
    """Distinct terms of a text: normalised key -> first surface form seen."""
    found: dict[str, str] = {}
    for key, surface in _term_occurrences(text):
        found.setdefault(key, surface)
    return found


def _drop_words_inside_phrases(shared: list[str]) -> list[str]:
    """Count "Climate Week" once, not also as "climate" and "week"."""
    phrases = [t for t in shared if " " in t]
    if not phrases:
        return shared
    inside = {_stem(w) for p in phrases for w in p.split()} | {w for p in phrases for w in p.split()}
    return [t for t in shared if " " in t or t not in inside]


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


def _reason(person: Attendee, shared: tuple[str, ...], quote: str) -> str:
    """One line, assembled only from the row, the profile and a fixed template."""
    parts = []
    head = _head(person)
    if head:
        parts.append(head)
    if shared:
        terms = ", ".join(f'"{t}"' for t in shared[:MAX_TERMS_SHOWN])
        parts.append(f"shares your interest in {terms}")
    elif quote:
        parts.append('"' + _shorten(quote.replace('"', "'"), MAX_QUOTE_CHARS - 2) + '"')
    line = " — ".join(parts) if parts else "No details given"
    return f"{line} (row {person.row})"

