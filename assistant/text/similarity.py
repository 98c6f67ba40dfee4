"""Near-duplicates and citations: embedding cosine with a token-overlap backstop.

The ``embed`` callable is passed in, so callers choose the embedding model and
tests can pass a fake one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

import numpy as np

from assistant.text.words import WORD_RE, norm_word, normalize_quotes



Embed = Callable[[Sequence[str]], Sequence[Sequence[float]]]
"""An embedding function: texts in, one vector per text out (Chroma's, or a test's fake)."""


def unit_rows(vectors: Sequence[Sequence[float]] | np.ndarray, dtype: type = float) -> np.ndarray:
    """Rows scaled to length 1 (so a dot product is a cosine); zero, NaN or infinite rows become zeros.

    Why one home: four copies disagreed on what a zero vector becomes.
    """
    arr = np.nan_to_num(np.asarray(vectors, dtype=dtype), nan=0.0, posinf=0.0, neginf=0.0)
    if arr.size == 0:
        return arr
    if arr.ndim == 1:
        norm = float(np.linalg.norm(arr))
        return arr / norm if norm > 0 else arr
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    return np.divide(arr, norms, out=np.zeros_like(arr), where=norms > 0)


# --------------------------------------------------------------------------
# 4. Near duplicates
# --------------------------------------------------------------------------

JACCARD_DUPLICATE = 0.8


def token_set(text: str) -> frozenset[str]:
    return frozenset(
        w for w in (norm_word(m) for m in WORD_RE.findall(normalize_quotes(text))) if w
    )


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def near_duplicates(
    texts: Sequence[str],
    embed: Embed,
    threshold: float = 0.85,
) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, score)`` with ``i < j`` that say the same thing.

    Why: a small model pads a list of ten questions with the same question
    reworded three times. Embedding cosine catches rewordings; normalized
    token Jaccard (>= 0.8) is a backstop for near-verbatim copies that a
    weak embedding may score lower than expected (e.g. one changed word in a
    short question).

    ``embed`` is called once with all texts (never for fewer than two texts,
    so no model is touched needlessly). ``score`` is the larger of cosine
    similarity and token Jaccard. Zero vectors have similarity 0.
    Pairs are sorted by ``(i, j)``.
    """
    n = len(texts)
    if n < 2:
        return []
    vectors = np.asarray(embed(list(texts)), dtype=float)
    if vectors.ndim != 2 or vectors.shape[0] != n:
        raise ValueError(
            f"embed returned shape {vectors.shape} for {n} texts; expected ({n}, dim)"
        )
    unit = unit_rows(vectors)
    cosine = np.clip(unit @ unit.T, -1.0, 1.0)

    tokens = [token_set(t) for t in texts]
    pairs: list[tuple[int, int, float]] = []
    for i in range(n):
        for j in range(i + 1, n):
            cos = float(cosine[i, j])
            jac = _jaccard(tokens[i], tokens[j])
            if cos >= threshold or jac >= JACCARD_DUPLICATE:
                pairs.append((i, j, max(cos, jac)))
    return pairs


def dedupe(texts: Sequence[str], embed: Embed, threshold: float = 0.85) -> list[int]:
    """Indices of ``texts`` to keep, in order; the first of a duplicate group wins.

    Why: the briefing keeps the model's first phrasing and drops later
    repeats. A text is dropped only when it duplicates a text that is *kept*,
    so a chain A~B~C where A and C differ keeps A and C.
    """
    duplicates_of: dict[int, set[int]] = {}
    for i, j, _ in near_duplicates(texts, embed, threshold):
        duplicates_of.setdefault(j, set()).add(i)
    kept: list[int] = []
    kept_set: set[int] = set()
    for j in range(len(texts)):
        if duplicates_of.get(j, set()) & kept_set:
            continue
        kept.append(j)
        kept_set.add(j)
    return kept


# --------------------------------------------------------------------------
# 5. Citations
# --------------------------------------------------------------------------


def valid_citations(source_ids: Sequence[str], allowed: Collection[str]) -> bool:
    """True when at least one source is cited and every one is allowed.

    Why: every claim in a briefing must point at the notes it came from, and
    the model sometimes invents ids or cites nothing. Ids are compared
    exactly (no trimming or case folding) because ids are machine-made. A bare
    string instead of a list (a common model slip) is invalid, not a list of
    characters.
    """
    if isinstance(source_ids, (str, bytes)) or not source_ids:
        return False
    return all(isinstance(s, str) and s in allowed for s in source_ids)
