"""Contact details the model made up: URLs, e-mail addresses and phone numbers.

Why: a small model likes to "help" by adding a link or a number
("Check out this article ...: https://www.designweekly.com/trends/"). If
that link is not in the user's notes it was invented, and a user who sends
it, or calls it, is embarrassed at best and phished at worst. So any URL,
e-mail address or phone number in model-written text must appear in the
notes it cites; everything else is removed by plain code.

Pure functions, no I/O. What counts as "in the notes":

* URLs (``https://...``, ``www....`` and bare domains such as
  ``example.com/path``): the address, compared without case, trailing
  punctuation, a trailing ``/``, the scheme and a leading ``www.``, occurs in a
  source as a whole address or a whole leading part of one (``x.com/a`` is
  supported by ``https://x.com/a/b`` but not by ``x.com/abc``, and
  ``evil.com`` is not supported by ``notevil.com``).
* E-mail addresses: the same address, compared without case.
* Phone numbers (7 to 15 digits): the same digits in a phone-shaped number of
  a source, whatever the formatting (``(902) 555-0143`` = ``902.555.0143``);
  a number that drops or adds a country code of at most 3 digits still counts.
"""

from __future__ import annotations

import re
from typing import Sequence

__all__ = ["invented_contacts", "strip_invented", "find_contacts"]

# Bare domains are only recognised for these endings, so "Node.js", "notes.md",
# "main.py" or "ASP.NET" are not taken for web addresses. A URL with a scheme or
# "www." is recognised whatever its ending.
_TLDS = (
    "com|org|net|edu|gov|mil|int|info|biz|io|ai|co|dev|app|me|ly|tv|fm|gg|xyz|tech|news|blog|site|online|"
    "store|shop|cloud|design|page|link|club|media|agency|studio|digital|network|solutions|world|today|"
    "uk|ca|au|nz|ie|us|de|fr|nl|es|it|be|ch|at|se|dk|fi|no|eu|jp|cn|in|br|mx|sg|hk|za|kr"
)
_URL_CHARS = r"[^\s<>\"'`\[\]()]"  # a URL ends at whitespace, quotes, brackets or parentheses
_SCHEME_URL = rf"\b(?:https?|ftp)://{_URL_CHARS}+"
_WWW_URL = rf"(?<![\w.@-])www\.{_URL_CHARS}+"
_BARE_URL = (
    rf"(?<![\w.@/:-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?-i:{_TLDS})(?![\w-])"
    rf"(?::\d{{2,5}})?(?:/{_URL_CHARS}*)?"
)
_FULL_URL = re.compile(rf"{_SCHEME_URL}|{_WWW_URL}", re.I)
_BARE = re.compile(_BARE_URL, re.I)
_EMAIL = re.compile(r"(?<![\w.+-])[a-z0-9][a-z0-9._%+-]*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b",
                    re.I)
_PHONE = re.compile(
    r"(?<![\w@/+.-])"
    r"(?:\+\d{1,3}[ .-]?)?"  # country code
    r"(?:\(\d{1,5}\)[ .-]?)?"  # (area code)
    r"\d{1,5}(?:[ .-]?\d{1,5}){1,6}"
    r"(?![\w@/-]|\.\d)"
)
_NOT_PHONE = (
    re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}"),  # 2024-05-01
    re.compile(r"\d{1,2}[-./]\d{1,2}[-./]\d{2,4}"),  # 01/05/2024, 1.5.24
    re.compile(r"(?:19|20)\d\d ?[-–] ?(?:19|20)\d\d"),  # 2019-2024
    re.compile(r"\d+\.\d+"),  # 3.14159265
    re.compile(r"\d{1,3}(?:[ .]\d{3})+"),  # 1 000 000, 1.000.000
)
_TRAILING = ".,;:!?'\"”’)]}>*_"
_GAP = "\x00"  # where an item was cut out, until the sentence is tidied


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _is_phone(candidate: str) -> bool:
    digits = _digits(candidate)
    if not 7 <= len(digits) <= 15:
        return False
    if any(p.fullmatch(candidate) for p in _NOT_PHONE):
        return False
    # A bare run of digits is more often an amount or an ID than a phone number.
    if candidate.isdigit() and len(digits) < 10:
        return False
    return True


def find_contacts(text: str) -> list[tuple[int, int, str, str]]:
    """Every URL, e-mail address and phone number in ``text``: ``(start, end, kind, item)``.

    ``kind`` is ``"url"``, ``"email"`` or ``"phone"``; ``item`` is the text
    without trailing punctuation, and ``end`` is where that item ends.
    """
    found: list[tuple[int, int, str, str]] = []
    taken = [False] * len(text)

    def add(start: int, raw: str, kind: str) -> None:
        item = raw.rstrip(_TRAILING) if kind != "phone" else raw
        if not item or any(taken[start:start + len(item)]):
            return
        for i in range(start, start + len(item)):
            taken[i] = True
        found.append((start, start + len(item), kind, item))

    # Addresses with a scheme or www. first (they may hold an e-mail), then e-mails (whose domain
    # is not a web address of its own), then bare domains.
    for m in _FULL_URL.finditer(text):
        add(m.start(), m.group(), "url")
    for m in _EMAIL.finditer(text):
        add(m.start(), m.group(), "email")
    for m in _BARE.finditer(text):
        add(m.start(), m.group(), "url")
    for m in _PHONE.finditer(text):
        if _is_phone(m.group()):
            add(m.start(), m.group(), "phone")
    return sorted(found)


def _url_key(item: str) -> str:
    key = item.lower().rstrip(_TRAILING).rstrip("/")
    key = re.sub(r"^[a-z][a-z0-9+.-]*://", "", key)
    return re.sub(r"^www\.", "", key)


class _Sources:
    """The notes, prepared once for many look-ups."""

    def __init__(self, sources: Sequence[str]) -> None:
        self.texts = [s.lower() for s in sources if s]
        self.phones = {_digits(m.group()) for s in sources if s for m in _PHONE.finditer(s)}
        self.phones = {d for d in self.phones if len(d) >= 7}

    def _occurs(self, key: str, left: str, right: str) -> bool:
        pattern = re.compile(rf"(?<!{left}){re.escape(key)}(?!{right})")
        return any(pattern.search(t) for t in self.texts)

    def supports(self, kind: str, item: str) -> bool:
        if kind == "phone":
            digits = _digits(item)
            return any(d == digits or (d.endswith(digits) or digits.endswith(d)) and abs(len(d) - len(digits)) <= 3
                       for d in self.phones)
        if kind == "email":
            return self._occurs(item.lower().rstrip(_TRAILING), r"[\w.+%-]", r"[\w-]|\.[a-z0-9]")
        key = _url_key(item)
        # Left: start, "/", ":", a space... or "." (a subdomain); not a letter ("notevil.com").
        # Right: the end, "/", "?", "#", punctuation; not more of the same name or path segment.
        return bool(key) and self._occurs(key, r"[a-z0-9_-]", r"[a-z0-9_-]|\.[a-z0-9]")


def _invented_spans(text: str, sources: _Sources) -> list[tuple[int, int, str, str]]:
    return [c for c in find_contacts(text) if not sources.supports(c[2], c[3])]


def invented_contacts(text: str, sources: Sequence[str]) -> list[str]:
    """URLs, e-mail addresses and phone numbers in ``text`` that no source contains.

    In order of appearance, each once (compared without case), as written in
    ``text`` minus trailing punctuation. ``sources`` are the texts of the notes
    the answer cites (or was given).
    """
    seen: set[str] = set()
    out: list[str] = []
    for _, _, _, item in _invented_spans(text, _Sources(sources)):
        if item.lower() not in seen:
            seen.add(item.lower())
            out.append(item)
    return out


# ------------------------------------------------------------------- strip ---

# Sentences end after . ! ? followed by a space, or at a line break (bullets are lines).
_LINE_BREAK = re.compile(r"[ \t]*\n\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[ \t]+")
# "1. Send..." and "e.g. x.com" do not end a sentence.
_NOT_AN_END = re.compile(r"(?:^\s*(?:\d+|[a-z])[.)]|\b(?:e\.g|i\.e|etc|vs|mr|mrs|ms|dr|prof|st|no)\.)$", re.I)
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\(([^()\s]*)\)")
# A sentence that ends on one of these after a removal lost its object ("Read more at.").
_DANGLING = {
    "at", "to", "via", "on", "from", "see", "visit", "here", "call", "email", "e-mail", "text", "phone",
    "contact", "is", "are", "was", "the", "a", "an", "of", "in", "for", "with", "by", "under", "into",
    "through", "reach", "ring", "dial", "number", "link", "website", "site", "url", "address",
}
# Verbs whose object can be a contact: "Email GAP or call X".
_VERBS = {"email", "e-mail", "call", "text", "phone", "visit", "see", "contact", "reach", "ring", "dial", "message",
          "read", "check", "try", "use", "write", "mail", "follow", "download", "open"}
_DANGLING |= _VERBS
_CONNECTORS = re.compile(r"(?:\s*(?:,|;|\bor\b|\band\b|&|/|[-–—]))+\s*(?=[.!?]*\s*$)", re.I)


def _split(text: str) -> tuple[list[str], list[str]]:
    """Sentences (and lines), and the separator after each; joined back they give ``text``."""
    segments: list[str] = []
    seps: list[str] = []
    pos = 0
    breaks = [(m.start(), m.end()) for m in _LINE_BREAK.finditer(text)] + [(len(text), len(text))]
    for line_end, next_start in breaks:
        for m in _SENTENCE_END.finditer(text, pos, line_end):
            if _NOT_AN_END.search(text[pos:m.start()]):
                continue
            segments.append(text[pos:m.start()])
            seps.append(m.group())
            pos = m.end()
        segments.append(text[pos:line_end])
        seps.append(text[line_end:next_start])
        pos = next_start
        if line_end == len(text):
            break
    return segments, seps


def _unlink(segment: str, sources: "_Sources") -> str:
    """``[words](invented address)`` -> ``words``."""
    def repl(m: re.Match[str]) -> str:
        return m.group(1) if _invented_spans(m.group(2), sources) else m.group(0)

    return _MD_LINK.sub(repl, segment)


def _remove_spans(segment: str, spans: list[tuple[int, int, str, str]]) -> str:
    """Cut the invented items out, with whatever only framed them."""
    out = segment
    for start, end, _, _ in sorted(spans, reverse=True):
        before, after = out[:start], out[end:]
        before = re.sub(r"(?:mailto|tel|callto):$", "", before, flags=re.I)
        # <invented> -> nothing
        if before.endswith("<") and after.startswith(">"):
            before, after = before[:-1], after[1:]
        out = before + _GAP + after
    return out


_CONNECTOR = r"(?:,\s*(?:or|and)\b|,|;|\bor\b|\band\b|&|/)"


def _close_gaps(segment: str) -> str:
    """Take a list separator with each gap: "at GAP or X" -> "at X", "X, GAP, or Y" -> "X, or Y"."""
    out = segment
    while True:
        # A gap at the head of a list: the separator after it goes.
        m = re.search(rf"(?:(?P<prev>[^\W_][\w-]*)\s+)?{_GAP}\s*{_CONNECTOR}\s*(?=(?P<next>[^\W_][\w-]*)?)", out, re.I)
        if m:
            start = m.start()
            if m.group("prev") and m.group("prev").lower() in _VERBS and (m.group("next") or "").lower() in _VERBS:
                # "Email GAP or call X" -> "Call X": the first verb had only the invented object.
                out = out[:start] + out[m.end():]
                if not out[:start].strip():
                    out = out[:start] + out[start:start + 1].upper() + out[start + 1:]
            else:
                keep = m.group("prev") + " " if m.group("prev") else ""
                out = out[:start] + keep + out[m.end():]
            continue
        # A gap at the tail of a list: the separator before it goes.
        m = re.search(rf"\s*{_CONNECTOR}\s*{_GAP}", out, re.I)
        if m:
            out = out[:m.start()] + out[m.end():]
            continue
        return out


def _lost_object(segment: str) -> bool:
    """A gap right after "visit", "at", "call"... that nothing else fills ("Visit today.")."""
    for m in re.finditer(re.escape(_GAP), segment):
        words = re.findall(r"[^\W_]+(?:-[^\W_]+)?", segment[: m.start()].replace(_GAP, " "))
        rest = segment[m.end():].replace(_GAP, " ").lstrip(" \t\"'”’)]>")
        if words and words[-1].lower() in _DANGLING and not re.match(r"(?:,|;|or\b|and\b|&|/)", rest, re.I) \
                and re.search(r"[^\W_]", rest):
            return True
    return False


def _tidy(segment: str) -> str:
    s = segment.replace(_GAP, " ")
    s = re.sub(r"\(\s*\)|\[\s*\]|<\s*>|\"\s*\"|“\s*”|'\s*'", "", s)
    s = re.sub(r"\[([^\[\]]*)\]\(\s*\)", r"\1", s)  # a link left without its address
    s = re.sub(r"(?<=\S)[ \t]{2,}", " ", s)
    s = re.sub(r"[ \t]+(?=[.,;:!?)\]])", "", s)
    s = re.sub(r"([,;])(?:\s*[,;])+", r"\1", s)  # "a, , b" -> "a, b"
    s = re.sub(r"\s*[:,;]\s*(?=[.!?]+\s*$)", "", s)  # "trends: ." -> "trends."
    s = _CONNECTORS.sub("", s)  # "x or ." -> "x."
    s = re.sub(r"([.!?])[.!?]*\s*$", r"\1", s)
    return s.rstrip()


def _empty_or_dangling(segment: str) -> bool:
    body = re.sub(r"^\s*(?:[-*+•]|\d+[.)]|#+)\s*", "", segment)  # bullet, number or heading marker
    body = body.strip().strip("*_`").strip()
    if not re.search(r"[^\W_]", body):
        return True
    core = body.rstrip(".!?").rstrip()
    if core.endswith((":", "-", "–", "—")):
        return True
    last = re.findall(r"[^\W_]+(?:-[^\W_]+)?", core.lower())
    return not last or last[-1] in _DANGLING


def strip_invented(text: str, sources: Sequence[str]) -> tuple[str, list[str]]:
    """``text`` without its invented URLs, e-mails and phone numbers; and those items.

    A sentence (or line) that held an invented item is tidied: a Markdown link
    keeps its words, empty brackets and left-over separators go, and the
    sentence is dropped if nothing is left or it now ends on a ':' or a word
    that needs an object ("Read more at."). A line ending in ':' whose only
    following lines were dropped goes too. Sentences without an invented item
    are returned exactly as they were.
    """
    src = _Sources(sources)
    segments, seps = _split(text)
    keep = [True] * len(segments)
    removed: list[str] = []
    seen: set[str] = set()
    for i, seg in enumerate(segments):
        spans = _invented_spans(seg, src)
        if not spans:
            continue
        for _, _, _, item in spans:
            if item.lower() not in seen:
                seen.add(item.lower())
                removed.append(item)
        lead = re.match(r"\s*", seg).group()
        unlinked = _unlink(seg, src)
        cut = _close_gaps(_remove_spans(unlinked, _invented_spans(unlinked, src)))
        new = _tidy(cut)
        if _lost_object(cut) or _empty_or_dangling(new):
            keep[i] = False
        else:
            segments[i] = lead + new.lstrip() if new.strip() else new
    if not removed:
        return text, []
    # A heading or lead-in ending in ':' that now introduces nothing.
    for i, seg in enumerate(segments):
        if not keep[i] or not seg.rstrip().endswith(":"):
            continue
        j = i + 1
        block_after = []
        while j < len(segments) and seps[j - 1].count("\n") < 2:
            block_after.append(j)
            j += 1
        if block_after and not any(keep[k] and segments[k].strip() for k in block_after) \
                and any(not keep[k] for k in block_after):
            keep[i] = False
    out: list[str] = []
    pending_sep = ""
    for seg, sep, k in zip(segments, seps, keep):
        if k:
            if out:
                out.append(pending_sep)
            out.append(seg)
            pending_sep = sep
        elif out:
            # Keep the stronger break (a paragraph over a space) between the neighbours.
            if sep.count("\n") > pending_sep.count("\n"):
                pending_sep = sep
    result = "".join(out)
    if text.endswith("\n") and result and not result.endswith("\n"):
        result += "\n"
    return result, removed
