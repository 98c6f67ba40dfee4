"""Words: one tokenizer, one stemmer, one stopword list, word counts.

Why one home: the checks, the ranking and the chat's keyword search must agree on
what a word is; two stemmers drifted apart before this module existed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


# --------------------------------------------------------------------------
# Shared text helpers
# --------------------------------------------------------------------------

_QUOTE_MAP = str.maketrans(
    {
        "\u2018": "'",  # ‘
        "\u2019": "'",  # ’
        "\u02bc": "'",  # ʼ
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u00a0": " ",  # no-break space
    }
)


def normalize_quotes(text: str) -> str:
    """Models emit curly quotes at random; fold them so regexes see one form."""
    return text.translate(_QUOTE_MAP)


# Words: letters/digits, allowing inner ' & . - (O'Reilly, AT&T, U.S, Co-founder).
WORD_RE = re.compile(r"[^\W_]+(?:[&'.\-][^\W_]+)*")


def norm_word(word: str) -> str:
    """Lowercase, drop possessive 's and inner punctuation, for fuzzy equality."""
    w = normalize_quotes(word).lower()
    if w.endswith("'s"):
        w = w[:-2]
    elif w.endswith("'"):
        w = w[:-1]
    return re.sub(r"[^\w]", "", w).replace("_", "")


def stem(word: str) -> str:
    """Very small suffix stripper so 'scaling', 'scaled' and 'scales' meet.

    A real stemmer would be a dependency for a job this crude matching does
    well enough: we only need inflections of one word to collide.
    """
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ed"):
        w = w[:-2]
    elif len(w) > 4 and w.endswith("es") and w[-3] in "sxz":
        w = w[:-2]
    elif len(w) > 4 and (w.endswith("ches") or w.endswith("shes")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeioulsz":
        w = w[:-1]
    return w



STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be
    because been before being below between both but by can can't cannot could
    couldn't did didn't do does doesn't doing don't down during each even ever
    every few for from further get gets getting got had hadn't has hasn't have
    haven't having he her here hers herself him himself his how i if in into is
    isn't it it's its itself just let like made make makes many may me might
    more most much must my myself no nor not now of off on once only or other
    ought our ours ourselves out over own really same she should shouldn't so
    some still such than that that's the their theirs them themselves then there
    these they this those through to too under until up upon us very was wasn't
    we were weren't what what's when where which while who whom why will with
    within without won't would wouldn't you your yours yourself yourselves
    thing things something anything way ways kind sort lot lots
    """.split()
)


# --------------------------------------------------------------------------
# 9. Rehearsal talk balance
# --------------------------------------------------------------------------

_COUNT_RE = re.compile(r"[^\W_]+(?:['\u2019\-][^\W_]+)*")


def content_stems(text: str) -> list[str]:
    """The stems of a text's words that mean something (no stopwords, no single letters), in order."""
    words = (norm_word(w) for w in WORD_RE.findall(text))
    return [stem(w) for w in words if w and w not in STOPWORDS and len(w) > 1]


def word_count(text: str) -> int:
    """Number of words; contractions and hyphenated words count once.

    Why: rehearsal feedback compares how much each side spoke, and words are
    a fair, model-free proxy for talking time.
    """
    return len(_COUNT_RE.findall(text))


def talk_balance(user_turns: Sequence[str], other_turns: Sequence[str]) -> float:
    """Share of all words spoken by the user, from 0.0 to 1.0.

    Why: in a networking chat the user should mostly listen; the rehearsal
    review flags a user who dominates. Returns 0.0 when nobody said anything.
    """
    user = sum(word_count(t) for t in user_turns)
    other = sum(word_count(t) for t in other_turns)
    total = user + other
    return user / total if total else 0.0
