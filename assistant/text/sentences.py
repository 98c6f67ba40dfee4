"""Sentences: the one splitter every module uses (notes, bios, model output).

Why one home: a splitter that breaks at every full stop turned "Kathleen M.
Smith" into two sentences and cut "why" lines at "Kathleen M."; nine copies of
``re.split(r"(?<=[.!?])\\s+")`` meant fixing that in one place missed the rest.
A full stop after an initial ("E."), a title ("Dr.", "Prof."), a common
abbreviation ("Inc.", "approx.") or a dotted acronym ("U.S.") does not end a
sentence; neither does one followed by a lower-case word.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset("""
dr mr mrs ms mx prof sr jr st mt ft rev hon gen col capt lt sgt cmdr adm gov sen rep pres supt insp
no nos vol vols vs etc inc ltd co corp llc plc dept univ approx est fig figs al cf ca ed eds
jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
e.g i.e a.m p.m ph.d m.d b.a m.a b.s m.s m.sc b.sc u.s u.k u.n e.u
""".split())
# End punctuation, any closing quotes/brackets, then the whitespace that follows.
_END = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?:\s+|$)|[\u3002\uff01\uff1f]+[\"'\u201d\u2019)\]]*\s*")
_TOKEN_BEFORE = re.compile(r"(\S+)$")
_DATE_WORDS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun".split())
_STARTER = re.compile(r"(?:I|It|It's|She|He|They|We|The|This|That|There|Her|His|Their|Our|My|Also|But|And|Then|So)\b")


def _ends_sentence(text: str, match: re.Match) -> bool:
    punct = match.group(0).rstrip()
    after = text[match.end():match.end() + 1]
    if not punct.startswith("."):
        # ... unless a quoted title or a bracket holds them and the sentence goes on: 'Led the "Queue Jumpers?"
        # study', "co-founder (Sam?) left in early 2026"
        return not (punct[-1] in "\"\u201d\u2019')]" and after and after.islower())
    if after and after.islower():
        return False  # "approx. five", "Inc. and its partners"
    before = _TOKEN_BEFORE.search(text, 0, match.start())
    word = (before.group(1) if before else "").lstrip("(\"'\u201c\u2018[").casefold()
    if not word:
        return True
    if len(word) == 1 and word.isalpha():
        return False  # an initial: "E. Kate Valcin", "Kathleen M. Smith"
    if word in _ABBREVIATIONS:
        # "... by 4 Nov. It will ...": a date's month ends the sentence when a sentence starts after it
        return word in _DATE_WORDS and _STARTER.match(text, match.end()) is not None
    if re.fullmatch(r"(?:[^\W\d_]\.){1,4}[^\W\d_]", word):
        return False  # dotted acronyms and initials: "U.S", "J.R.R"
    return True


def sentence_spans(text: str, *, lines: bool = True) -> list[tuple[int, int, int]]:
    """``(start, end, separator_end)`` for each sentence; ``lines`` also breaks at newlines."""
    spans: list[tuple[int, int, int]] = []
    start = 0
    candidates = [(m.start(), m.end(), m) for m in _END.finditer(text)]
    if lines:
        candidates += [(m.start(), m.end(), None) for m in re.finditer(r"\n+\s*", text)]
    for cut_start, cut_end, match in sorted(candidates, key=lambda c: (c[0], -c[1])):
        if cut_start < start:
            continue
        if match is not None:
            if not _ends_sentence(text, match):
                continue
            end = cut_start + len(match.group(0).rstrip())
        else:
            end = cut_start
        if text[start:end].strip():
            spans.append((start, end, cut_end))
            start = cut_end
        else:
            start = max(start, cut_end)
    if text[start:].strip():
        spans.append((start, len(text), len(text)))
    return spans


# A line that stops mid-sentence and a next line that goes on in lower case: an e-mail wrapped at 72
# columns ("They are not\npublic and our operations director is sensitive about them.").
_WRAPPED = re.compile(r"^([^\n]{50,}(?:,|[^\s.!?:;](?=[ \t]*\n[ \t]*[a-z])))[ \t]*\n[ \t]*(?=[^\s>-])", re.M)  # short lines are items


def unwrap(text: str) -> str:
    """Hard-wrapped prose (an e-mail, a CV pasted from a PDF) with its wrapped lines joined back.

    Why: read line by line, "I run a data clinic for small community\nenergy groups and can help
    them" is two halves that neither say what is offered nor to whom.
    """
    return _WRAPPED.sub(r"\1 ", text)


def split_sentences(text: str, *, lines: bool = True) -> list[str]:
    """The sentences of ``text``, stripped, empty ones dropped (lines too, when ``lines``)."""
    return [text[a:b].strip() for a, b, _ in sentence_spans(text, lines=lines) if text[a:b].strip()]


_CLAUSE_BREAK = re.compile(r";\s+|(?<=[a-z)])\.\s+(?=[a-z])")


def clauses(sentence: str, *, min_words: int = 1) -> list[str]:
    """A sentence of notes cut at semicolons and at a full stop before a lower-case word.

    Why: quick notes pack several things, often by different people, into one "sentence" the
    splitter keeps whole (a full stop before a lower-case word does not end a sentence in prose):
    "big idea: a classroom edition - KS3 science links. they have NO idea how schools buy things.
    asked me 100 questions" is the contact's idea, then the user's line. An abbreviation before the
    full stop ("approx. five") does not cut; when a part would be under ``min_words`` words the
    sentence stays whole.
    """
    parts, start = [], 0
    for m in _CLAUSE_BREAK.finditer(sentence):
        if m.group(0).startswith("."):
            word = _TOKEN_BEFORE.search(sentence[:m.start()])
            if word and word.group(1).lower().strip("(") in _ABBREVIATIONS:
                continue
        parts.append(sentence[start:m.start() + (1 if m.group(0).startswith(".") else 0)].strip())
        start = m.end()
    parts.append(sentence[start:].strip())
    parts = [p for p in parts if p]
    return parts if all(len(p.split()) >= min_words for p in parts) else [sentence]


def split_keeping_layout(text: str) -> list[tuple[str, str]]:
    """``(sentence, separator)`` pairs whose concatenation is ``text`` again (minus leading space)."""
    spans = sentence_spans(text)
    pieces: list[tuple[str, str]] = []
    for i, (a, b, sep_end) in enumerate(spans):
        pieces.append((text[a:b], text[b:sep_end]))
    return pieces


def first_sentence(text: str) -> str:
    parts = split_sentences(" ".join(text.split()), lines=False)
    return parts[0] if parts else ""


def whole_sentences(text: str, max_words: int) -> str:
    """The longest run of whole sentences within ``max_words`` (a long but good story is cut, not rejected)."""
    if len(text.split()) <= max_words:
        return text
    kept: list[str] = []
    for sent in split_sentences(text, lines=False):
        if len(" ".join([*kept, sent]).split()) > max_words:
            break
        kept.append(sent)
    return " ".join(kept) or text


def complete_sentence(text: str, limit: int) -> str:
    """Text cut at the schema's maxLength ends mid-word; keep its last whole clause."""
    text = " ".join(text.split())
    if len(text) < limit - 12 or text.endswith((".", "!", "?", '"', "\u201d", ")")):
        return text
    cut = max(text.rfind(". "), text.rfind("; "), text.rfind(", "))
    return (text[:cut].rstrip(",; ") + ".") if cut > limit // 3 else ""


__all__ = ["clauses", "complete_sentence", "first_sentence", "sentence_spans", "split_keeping_layout", "split_sentences",
           "whole_sentences"]
