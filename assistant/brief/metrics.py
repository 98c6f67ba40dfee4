"""Pure scoring functions for ``rapport eval`` (no model, no store, no I/O).

Each function takes plain strings, ids and kinds, so the evaluation in
:mod:`assistant.brief.evaluate` and its unit tests (``tests/test_eval_metrics.py``)
score a brief the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence, Set as AbstractSet

from assistant.text.sentences import clauses, split_sentences
from assistant.text.voice import speaks_as_user
from assistant.text.words import STOPWORDS, WORD_RE, norm_word, normalize_quotes, stem

AVOID_FLAG = "A topic your notes flag"
"""How :mod:`assistant.brief.avoid` starts a line that quotes a sensitive note."""

USER_LINE_SHARE = 0.6
"""A fact or question repeating this share of a first-person sentence's content words is built on it."""

MIN_USER_LINE_WORDS = 3
"""First-person sentences with fewer content words ("I met her") are too short to be "repeated"."""

# --------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------


def content_words(text: str) -> set[str]:
    """Stemmed words that are not stopwords ("told", "agency", "work" in "I told her about my agency work")."""
    out: set[str] = set()
    for raw in WORD_RE.findall(normalize_quotes(text)):
        w = norm_word(raw)
        if w and raw.lower() not in STOPWORDS and w not in STOPWORDS:
            out.add(stem(w))
    return out


# --------------------------------------------------------------------------
# The user's own lines
# --------------------------------------------------------------------------


def first_person_sentences(texts: Iterable[str]) -> list[str]:
    """The user's own lines in notes: sentences (and ``;`` clauses) in the first person outside quotes.

    Why clauses: "I told her about my agency work; she said let's get a coffee" is
    one sentence, but only its first half is the user's; the second is about the contact.
    """
    out: list[str] = []
    for text in texts:
        for sentence in split_sentences(text):
            for clause in clauses(sentence):
                clause = clause.strip(" -\u2022*#\t")
                if (speaks_as_user(clause) and len(content_words(clause)) >= MIN_USER_LINE_WORDS
                        and clause not in out):
                    out.append(clause)
    return out


def their_words(texts: Iterable[str]) -> set[str]:
    """Content words of every clause that is not the user's own: what the contact's side of the notes says."""
    out: set[str] = set()
    for text in texts:
        for sentence in split_sentences(text):
            for clause in clauses(sentence):
                if not speaks_as_user(clause):
                    out |= content_words(clause)
    return out


def repeats_user_line(item: str, user_lines: Sequence[str], share: float = USER_LINE_SHARE,
                      theirs: AbstractSet[str] = frozenset()) -> bool:
    """True when ``item`` repeats >= ``share`` of the content words of one of ``user_lines``.

    With ``theirs`` (``their_words`` of the notes), words the contact's side of the notes also
    says do not count: "I thought of Marta from the Nursing Informatics Network" is the user's
    line, but a fact about the Network's conference that she is speaking at comes from her
    lines, not from it. What is left of a line must still be two words or more to be repeated.
    """
    words = content_words(item)
    for line in user_lines:
        line_words = content_words(line) - theirs
        if theirs and len(line_words) < 2:
            continue
        if line_words and len(line_words & words) / len(line_words) >= share:
            return True
    return False


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------

_NOT_NAMES = frozenset(
    """you your yours i we they he she it the a an this that these those what how why when where who which
    do does did is are was were can could would should will and but or in on at for to from with about of
    as by if so not my me our their his her its""".split()
)
"""Capitalised words that cannot follow an initial or a title in a name ("Dr. You", "E. The")."""

_LETTER_BEFORE = frozenset(
    """plan vitamin grade type class ward bay section part phase appendix level tier wing block team room
    option category step hepatitis item unit floor stage group""".split()
)
"""Words a single capital letter follows without being an initial ("Plan B.", "Bay C.")."""

_INITIAL = re.compile(r"(?<![\w.\u2019'])([A-Z])\.(?=\s|$|[,;:?!)\"'\u201d\u2019])")
_TITLE = re.compile(r"(?<![\w.])(?:Dr|Prof)\b\.?")
_NEXT = re.compile(r"\s*([^\s,;:?!)\"'\u201d\u2019]+)?")
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\s*$")


def _is_name_word(token: str | None) -> bool:
    """A token that can continue a name: a capitalised word that is not a pronoun or function word, or an initial."""
    if not token:
        return False
    if re.fullmatch(r"[A-Z]\.", token):
        return True
    word = token.rstrip(".")
    return bool(word) and word[0].isupper() and word.lower() not in _NOT_NAMES


_NAME_YOU = re.compile(r"(?<=[a-z,] )([A-Z][a-z]+|[A-Z]{2,}) (?:you|your)\b")


def name_errors(text: str) -> list[str]:
    """Initials or titles used as if they were a name ("Asking E. for a job", "Dr. You", "Thanks, Dr."), or
    a name cut in half by the "you" rewrite ("How does Zhou you approach ...").

    An initial ("E.") is fine before a name ("E. Kate Valcin") or another initial ("J. R. Smith");
    alone, before a lower-case word, a pronoun or at the end it is a name error. Same for "Dr."/"Prof.".
    "U.S.", "e.g." and "Plan B." are not initials. Returns the offending snippets.
    """
    errors: list[str] = []
    for m in _INITIAL.finditer(text):
        before = _WORD_BEFORE.search(text[:m.start()])
        if before and before.group(1).lower() in _LETTER_BEFORE:
            continue
        nxt = _NEXT.match(text, m.end()).group(1)
        if not _is_name_word(nxt):
            errors.append(text[m.start():m.end() + (len(nxt) + 1 if nxt else 0)].strip())
    for m in _TITLE.finditer(text):
        nxt = _NEXT.match(text, m.end()).group(1)
        if not _is_name_word(nxt):
            errors.append(text[m.start():m.end() + (len(nxt) + 1 if nxt else 0)].strip())
    # half a name turned into "you": "How does Zhou you approach ..." (only "Lanying" of "Zhou Lanying" was)
    errors += [m.group(0) for m in _NAME_YOU.finditer(text) if m.group(1) not in ("I", "God")
               and not re.search(r"\b(?:told|tell|asked|ask|let|help|show|give|thank|remind|introduced?)\s+$",
                                 text[:m.start()], re.I)]  # "I told Kate you would call"
    return errors


# --------------------------------------------------------------------------
# Items and citations
# --------------------------------------------------------------------------


def is_avoid_flag(line: str) -> bool:
    """An Avoid line quoting a note flagged as sensitive (not one of the always-there etiquette lines)."""
    return line.strip().startswith(AVOID_FLAG)


def cites_kind(sources: Sequence[str], kinds: Mapping[str, str], kind: str) -> bool:
    """True when one of ``sources`` (chunk ids) is a chunk of ``kind`` ("me", "contact", "field")."""
    return any(kinds.get(s) == kind for s in sources)


def is_linked(sources: Sequence[str], kinds: Mapping[str, str]) -> bool:
    """A give-back citing both a *me* chunk and a chunk of the contact or of a field."""
    return cites_kind(sources, kinds, "me") and (cites_kind(sources, kinds, "contact") or cites_kind(sources, kinds, "field"))


def need_met(need: str, give_backs: Sequence[str], share: float = 0.5) -> bool:
    """An expected need is answered when one give-back (text and why) has >= ``share`` of its content words."""
    words = content_words(need)
    return bool(words) and any(len(words & content_words(g)) / len(words) >= share for g in give_backs)


def thin_questions(facts: int, questions: int) -> bool:
    """Enough known (>= 3 facts) but fewer than 5 questions: the brief gave up on questions too early."""
    return facts >= 3 and questions < 5


__all__ = [
    "AVOID_FLAG", "MIN_USER_LINE_WORDS", "USER_LINE_SHARE", "cites_kind", "content_words",
    "first_person_sentences", "is_avoid_flag", "is_linked", "name_errors", "need_met", "repeats_user_line",
    "their_words", "thin_questions",
]
