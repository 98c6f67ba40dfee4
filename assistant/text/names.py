"""One parser for people's names, used everywhere a name is handled.

Why this module exists: code used to take ``name.split()[0]`` as a first name,
so "E. Kate Valcin" was greeted as "E." and "Dr. Carla X" as "Dr.". Real
attendee lists and speaker bios carry titles, initials, credentials after
commas, particles ("van", "de la"), "Family, Given" order, ALL-CAPS family
names written first, single names and names in any script. Every caller must
agree on what the given name, the greeting and the matching key are, so they
all live here.

Everything is a pure function of the input string: stdlib only, no I/O, and
nothing raises on any string, because names come from untrusted files and web
pages. Invisible characters that can reorder or hide text (bidi overrides and
isolates, controls, zero-width spaces) are removed before anything else.

The rules are heuristics, tuned to fail gently: when unsure, the parser keeps
Western "given ... family" order, and :attr:`PersonName.greeting` falls back to
"Dr. Family" or the full name rather than greeting someone by an initial.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Iterable

from assistant.text.name_words import AMBIGUOUS_SUFFIXES as _AMBIGUOUS_SUFFIXES, ASCII_FOLD as _ASCII_FOLD
from assistant.text.name_words import GENERATIONAL as _GENERATIONAL, GIVEN_TITLES as _GIVEN_TITLES
from assistant.text.name_words import PARTICLES as _PARTICLES, SUFFIXES as _SUFFIXES, TITLES as _TITLES
from assistant.text.name_words import POSTNOMINAL as _POSTNOMINAL, VN_FAMILY as _VN_FAMILY

__all__ = ["PersonName", "clean_name", "family_as_subject", "first_name", "known_as", "latin", "name_key",
           "other_script", "parse_name", "slug"]

# Non-whitespace C0/C1 controls (whitespace controls are collapsed to spaces
# instead), bidi marks/embeddings/overrides/isolates, zero-width space, word
# joiner, BOM and lone surrogates (which cannot even be encoded as UTF-8).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u061c\u200b\u200e\u200f"
    "\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]"
)
_COMMA = re.compile("[,\u060c\uff0c]")  # Latin, Arabic and full-width commas
_WRAP = "\"()[]{}<>\u201c\u201d\u201e\u00ab\u00bb\u2039\u203a;:"  # wrappers, never part of a name
_CJK = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)


def _text(raw: object) -> str:
    """Coerce anything to ``str`` so callers passing ``None`` or a number still get an answer."""
    try:
        return raw if isinstance(raw, str) else "" if raw is None else str(raw)
    except Exception:  # a hostile __str__ must not crash a name lookup
        return ""


def _clean(raw: object) -> str:
    """Remove invisible/reordering characters, NFC-normalise, collapse whitespace."""
    s = unicodedata.normalize("NFC", _INVISIBLE.sub("", _text(raw)))
    return " ".join(s.split())


def _norm(tok: str) -> str:
    """Comparison form of a title or suffix: no dots, casefolded ("Ph.D." -> "phd")."""
    return tok.replace(".", "").casefold()


def _letters(s: str) -> int:
    return sum(ch.isalpha() for ch in s)


def _is_initial(tok: str) -> bool:
    """True for "E.", "E", "J.R.R.", "J.-P.": one cased letter per dot/hyphen segment.

    A single CJK character is a whole name, not an initial, hence "cased".
    """
    segs = [s for s in re.split("[.\\-\u2010]", tok) if s]
    return bool(segs) and all(len(s) == 1 and s.isalpha() and s.upper() != s.lower() for s in segs)


def _is_cjk(s: str) -> bool:
    """Every letter is Han, Kana or Hangul: such names are written family first, unspaced."""
    letters = [ch for ch in s if ch.isalpha()]
    return bool(letters) and all(_CJK.match(ch) for ch in letters)


def other_script(text: str) -> bool:
    """Letters of an alphabet other than Latin (Cyrillic, Greek, Arabic, Hebrew ...), CJK aside."""
    return any(ch.isalpha() and not unicodedata.name(ch, "LATIN").startswith("LATIN") and not _CJK.match(ch)
               for ch in text)


def latin(text: str) -> str:
    """``text`` in Latin letters: "Светлана Орлова" -> "Svetlana Orlova", "Γιώργος" -> "Giorgos".

    Why: notes about someone whose name is in another alphabet usually also give it in Latin
    letters (a conference bio, an e-mail signature), and the model writes whichever it read, or a
    mix of both ("Orlова"); every form must still be recognised as them. ``anyascii`` holds the
    transliteration tables (every script); CJK names are left as they are (their Latin forms are
    spelt too many ways to guess).
    """
    from anyascii import anyascii

    return "".join(anyascii(ch) if other_script(ch) else ch for ch in text)


def _is_title(tok: str) -> bool:
    return _norm(tok) in _TITLES  # "Dr", "Dr.", "DR." alike


def is_title(token: str) -> bool:
    """A title written before a name ("Dr", "Prof.", "Professor"), any case, with or without its dot."""
    return _is_title(token)


# A title as a sentence of notes writes it ("Prof.", "Dr", "Professor"): the regex form of the one list above.
TITLE_PATTERN = "(?:" + "|".join(re.escape(t.capitalize()) for t in sorted(_TITLES, key=len, reverse=True)) + r")\.?"


def _is_suffix(tok: str, cased: bool, room: bool = True) -> bool:
    """A generational suffix or credential; ``room`` says a name word would still remain."""
    n = _norm(tok)
    if n in _SUFFIXES:
        return True
    return n in _AMBIGUOUS_SUFFIXES and room and ("." in tok or (cased and tok.isupper()))


def _is_credential(tok: str) -> bool:
    """Unknown ALL-CAPS credential after a comma ("CHES", "FAAN"); only used when the name is mixed case."""
    return tok.isupper() and 2 <= _letters(tok) <= 6 and bool(re.fullmatch(r"[A-Z.&\-]+", tok))


def _is_caps_family(tok: str) -> bool:
    """ALL-CAPS family name written first ("WANG", "LI", "NG"), not initials such as "TJ" or "JRR"."""
    if not tok.isupper() or not re.fullmatch(r"[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*", tok):
        return False
    base = unicodedata.normalize("NFKD", tok).upper()
    vowel = any(ch in "AEIOUY" for ch in base)
    if len(tok) == 2:
        return tok == "NG" or (vowel and not tok.endswith("J"))
    return vowel


def _tokens(part: str) -> list[str]:
    """Name words of one comma-separated part; wrappers and punctuation-only words (Rich "[/]") dropped."""
    out = []
    for word in part.split():
        word = word.strip(_WRAP)
        if any(ch.isalnum() for ch in word):
            out.append(word)
    return out


def _split_titles(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Leading titles, keeping one word as the name unless every word is a title ("Dr.")."""
    if tokens and all(_is_title(t) for t in tokens):
        return tokens, []
    i = 0
    while i < len(tokens) - 1 and _is_title(tokens[i]):
        i += 1
    return tokens[:i], tokens[i:]


def _split_suffixes(tokens: list[str], cased: bool) -> tuple[list[str], list[str]]:
    """Trailing suffixes, always keeping at least one name word ("PhD" alone stays a name)."""
    end = len(tokens)
    while end > 1 and _is_suffix(tokens[end - 1], cased, room=end > 2):
        end -= 1
    return tokens[:end], tokens[end:]


def _pick_given(tokens: list[str]) -> tuple[str, tuple[str, ...], int]:
    """The first word that is not an initial is the name they are called by ("E. Kate" -> "Kate")."""
    if not tokens:
        return "", (), 0
    i = next((k for k, t in enumerate(tokens) if not _is_initial(t)), 0)
    return tokens[i], tuple(tokens[:i] + tokens[i + 1 :]), i


@dataclass(frozen=True)
class PersonName:
    """A parsed name. Build it with :func:`parse_name`; the fields keep the spelling as written.

    ``given_at`` (where the given name sits among the middle names, so "E. Kate
    Valcin" rebuilds in written order) and ``family_first`` (for "WANG Fang",
    "Nguyễn Văn An", "山田 太郎") exist so :attr:`full` can keep the order the
    person uses.
    """

    raw: str = ""
    titles: tuple[str, ...] = ()
    given: str = ""
    middle: tuple[str, ...] = ()
    family: str = ""
    suffixes: tuple[str, ...] = ()
    initials: tuple[str, ...] = ()
    given_at: int = 0
    family_first: bool = False
    nickname: str = ""  # "Olusegun \"Segun\" Adeyemi", "Robert (Bob) Smith": the name they go by
    alias: str = ""  # "李伟 (Li Wei)": the same name in Latin letters, as written beside it

    @property
    def full(self) -> str:
        """Given, middle and family names in the person's order, without titles or suffixes."""
        fore = [*self.middle[: self.given_at], self.given, *self.middle[self.given_at :]]
        parts = [self.family, *fore] if self.family_first else [*fore, self.family]
        return " ".join(p for p in parts if p)

    @property
    def display(self) -> str:
        """How to show the name: titles, full name, "Jr."/"III" after a space, credentials after commas."""
        out = " ".join(p for p in (*self.titles, self.full) if p)
        for s in self.suffixes:
            out += ("" if not out else " " if _norm(s) in _GENERATIONAL else ", ") + s
        return out

    @property
    def greeting(self) -> str:
        """What goes after "Hi": the given name, else "Dr. Family", else the full name.

        Never an initial or a title alone unless that is all the input holds
        ("J.R.R.", "Dr."). CJK names are greeted in full: a bare given name is
        too familiar there.
        """
        if self.nickname:
            return self.nickname
        if self.alias:  # "李伟 (Li Wei)": said as written in Latin letters, in full when the name is CJK
            latin_name = parse_name(self.alias)
            return latin_name.full if _CJK.search(self.full) else latin_name.greeting
        if self.given and not _is_initial(self.given) and not _is_cjk(self.full):
            return self.given
        title = next((t for t in self.titles if _norm(t) not in _GIVEN_TITLES), "")
        if title and self.family:
            return f"{title} {self.family}"
        return self.full or self.display

    @property
    def mentions(self) -> tuple[str, ...]:
        """Every form that may stand for this person in running text, longest first.

        Used to rewrite third-person text into "you", so it must never hold a
        bare initial, a bare title or an empty string, and single words need two
        letters. Callers should match case-sensitively on word boundaries:
        given names such as "An", "Will" or "Grace" are also ordinary words.
        """
        full, given, family = self.full, self.given, self.family
        forms = [self.display, " ".join(p for p in (*self.titles, full) if p), full]
        if given and family:
            forms.append(f"{family} {given}" if self.family_first else f"{given} {family}")
        for t in self.titles:
            base = given if _norm(t) in _GIVEN_TITLES else family
            if base:
                forms.append(f"{t} {base}")
        core = family.split()
        while len(core) > 1 and core[0].casefold() in _PARTICLES:
            core = core[1:]  # "van Beethoven" is also just "Beethoven"
        forms += [given, family, " ".join(core)]
        if family.isupper() and _letters(family) > 1:
            # "ZHOU Lanying" is written "Zhou Lanying" and "Zhou" in running text (a model never keeps the caps)
            forms += [f.replace(family, family.title()) for f in forms if family in f]
        if self.nickname:
            forms += [self.nickname, f"{self.nickname} {family}" if family and family != self.nickname else "",
                      " ".join(w for w in full.split() if w != self.nickname)]
        if self.alias:
            forms += list(parse_name(self.alias).mentions)
        # "Prof. Dame Sarah K. Whitfield-Osei DBE FREng": a post-nominal the tables do not know parses as the
        # family name (kept so: slugs are named from it); the name without them is her too ("Whitfield-Osei")
        words = full.split()
        while len(words) > 2 and (_norm(words[-1]) in _SUFFIXES or _POSTNOMINAL.fullmatch(words[-1])):
            words.pop()
        if len(words) < len(full.split()):
            forms += list(parse_name(" ".join([*self.titles, *words])).mentions)
        if other_script(full):
            forms += [latin(f) for f in forms]
        kept = []
        for form in forms:
            words = form.split()
            if not words or all(_is_initial(w) or _is_title(w) for w in words):
                continue
            if form != full and len(words) == 1 and _letters(form) < 2:
                continue
            kept.append(form)
        return tuple(sorted(dict.fromkeys(kept), key=len, reverse=True))


# A word or two set apart inside a name: "Olusegun "Segun" Adeyemi", "Elizabeth “Liz” Carter", "Robert (Bob)
# Smith", "李伟 (Li Wei)". Not pronouns ("(she/her)") and not credentials ("(PhD)").
_ASIDE = re.compile(r"[\"\u201c\u201d\u201e\u00ab\u00bb]([^\"\u201c\u201d\u201e\u00ab\u00bb]{1,40})[\"\u201c\u201d\u201e\u00ab\u00bb]"
                    r"|(?<![\w\u2019'])['\u2018]([^'\u2018\u2019]{1,30})['\u2019](?![\w'\u2019])|\(([^()]{1,60})\)")
_PRONOUNS = frozenset("she her hers he him his they them theirs xe ze".split())


def _aside(text: str) -> tuple[str, str]:
    """(nickname, alias) set apart in a name: the name they go by, or the whole name in Latin letters.

    Why: "Olusegun "Segun" Adeyemi" was greeted "Olusegun" in every line of his brief, and "李伟 (Li Wei)"
    was thanked as "李伟" while the questions kept a stray "Li" ("What's the story behind Li your work").
    The parse itself is unchanged (the aside stays a middle name), so slugs and saved files keep their names.
    """
    nickname = alias = ""
    for m in _ASIDE.finditer(text):
        inner = " ".join(m.group(m.lastindex).split())
        words = [w.strip(_WRAP) for w in inner.split()]
        if not words or "/" in inner or any(w.casefold() in _PRONOUNS for w in words) \
                or all(_is_suffix(w, True) or _is_credential(w) or _is_title(w) for w in words):
            continue
        outside = (text[:m.start()] + " " + text[m.end():]).strip()
        if len(words) == 1 and not nickname and not _is_initial(words[0]) and _letters(words[0]) > 1:
            nickname = words[0]
        elif len(words) >= 2 and not alias and (other_script(outside) or _is_cjk(outside)) \
                and not other_script(inner) and not _is_cjk(inner):
            alias = inner
    return nickname, alias


def parse_name(raw: str) -> PersonName:
    """Split a free-text name into titles, given, middle, family and suffixes. Never raises."""
    text = _clean(raw)
    parts = [p for p in (_tokens(seg) for seg in _COMMA.split(text)) if p]
    if not parts:
        return PersonName(raw=text)
    nickname, alias = _aside(text)
    cased = any(ch.islower() for ch in text)  # ALL-CAPS input: caps say nothing about credentials
    titles: list[str] = []
    suffixes: list[str] = []
    inverted: list[str] | None = None
    for part in parts[1:]:
        if all(_is_suffix(t, cased) or (cased and _is_credential(t)) for t in part):
            suffixes += part
        elif all(_is_title(t) for t in part):
            titles += part
        elif inverted is None:
            inverted = part  # "Family, Given": the first part after a comma that is not suffixes
        # further parts (affiliations, notes) are not part of the name
    lead, head = _split_titles(parts[0])
    head, tail = _split_suffixes(head, cased)
    family_first = False
    if inverted is not None:
        more, fore = _split_titles(inverted)
        fore, tail2 = _split_suffixes(fore, cased)
        titles, suffixes = lead + more + titles, tail + tail2 + suffixes
        family = " ".join(head)
        given, middle, given_at = _pick_given(fore)
    else:
        titles, suffixes = lead + titles, tail + suffixes
        family, given, middle, given_at = "", "", (), 0
        caps = 0
        while caps < len(head) and _is_caps_family(head[caps]):
            caps += 1
        if len(head) == 1:
            if titles:
                family = head[0]  # "Dr. Smith", "Lady Gaga"
            else:
                given = head[0]  # "Madonna", "王芳"
        elif _is_cjk(" ".join(head)):
            family_first, family, given = True, head[0], " ".join(head[1:])
        elif head and head[0].casefold() in _VN_FAMILY:
            family_first, family, given = True, head[0], head[-1]
            middle, given_at = tuple(head[1:-1]), len(head) - 2
        elif 0 < caps < len(head) and any(ch.islower() for t in head[caps:] for ch in t):
            family_first, family, rest = True, " ".join(head[:caps]), head[caps:]
            if any(_is_initial(t) for t in rest):
                given, middle, given_at = _pick_given(rest)
            else:
                given = " ".join(rest)  # "KIM Min Jun" is called "Min Jun"
        elif head:
            start = len(head) - 1
            while start > 1 and head[start - 1].casefold() in _PARTICLES:
                start -= 1
            family = " ".join(head[start:])
            given, middle, given_at = _pick_given(head[:start])
    name = PersonName(text, tuple(titles), given, middle, family, tuple(suffixes), (), given_at, family_first,
                      nickname, alias)
    initials = tuple(w for w in name.full.split() if _is_initial(w))
    return replace(name, initials=initials)


def first_name(raw: str) -> str:
    """The name to address someone by ("Hi Kate", "Hi Dr. Tolkien"); see :attr:`PersonName.greeting`."""
    return parse_name(raw).greeting


def known_as(raw: str, texts: Iterable[str]) -> str:
    """The given name the notes write before the family name, when the name itself has only initials.

    Why: "Prof. M. A. Okafor-Lindqvist, PhD, FRSE" is greeted "Prof. Okafor-Lindqvist" although her
    bio says "Professor Mei-Ann Okafor-Lindqvist"; the notes know what she is called. The word must
    start with the name's first initial (when there is one) and not be a title. "" when the notes
    do not say, or the name already holds a given name.
    """
    name = parse_name(raw)
    if not name.family or (name.given and not _is_initial(name.given)) or _is_cjk(name.full):
        return ""
    initial = name.given[:1].upper() if name.given else ""
    used = re.compile(rf"\b([A-Z][a-z][\w'\u2019-]*)\s+(?:[A-Z]\.\s*)*{re.escape(name.family)}\b")
    for text in texts:
        for m in used.finditer(text):
            word = m.group(1)
            if not _is_title(word) and (not initial or word.startswith(initial)):
                return word
    return ""


def family_as_subject(text: str, raw: str, first: str) -> str:
    """A sentence opened with their bare family name ("Kessler is currently working on ...") opened with
    the name they go by instead ("Tom is ..."): a surname alone reads as a report, not a note to meet them."""
    family = parse_name(raw).family
    if not family or not first or first == family:
        return text
    for form in dict.fromkeys((family, family.title())):
        if re.match(rf"{re.escape(form)}\s+(?=[a-z])", text):
            return first + text[len(form):]
    return text


def name_key(raw: str) -> str:
    """How names are matched: "dana  Whitfield" and "Dana Whitfield" are one person.

    Whitespace collapsed, casefolded, NFKC-normalised, invisible characters
    removed. For plain input this equals ``" ".join(raw.split()).casefold()``,
    the key stored by earlier versions, so existing records still match.
    """
    s = unicodedata.normalize("NFKC", _INVISIBLE.sub("", _text(raw)))
    s = unicodedata.normalize("NFKC", s.casefold())
    return " ".join(s.split())


def slug(raw: str) -> str:
    """ASCII, filesystem-safe short form: readable part (<= 40 chars) + "-" + 10 hex of sha256(name_key).

    Any file or directory path for a person must be derived from this, never
    from the free-text name: names can hold "/", "..", NUL or bidi overrides.
    The hash keeps different people apart ("Ana Lima" vs "Ana-Lima", "王芳" vs
    "李雷" whose readable part is "person") and makes spellings of one person
    ("dana  whitfield", "Dana Whitfield") share a slug.
    """
    source = parse_name(raw).full.translate(_ASCII_FOLD)
    ascii_ = unicodedata.normalize("NFKD", source).encode("ascii", "ignore").decode("ascii")
    readable = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:40].strip("-") or "person"
    digest = hashlib.sha256(name_key(raw).encode("utf-8")).hexdigest()[:10]
    return f"{readable}-{digest}"


def clean_name(raw: str, limit: int = 120) -> str:
    """The display form safe to store and show; never raises.

    Invisible/control characters (NUL included) removed, whitespace collapsed,
    and anything longer than ``limit`` cut at a word boundary (a single
    overlong word is cut hard).
    """
    s = _clean(raw)
    limit = max(0, limit) if isinstance(limit, int) else 120
    if len(s) <= limit:
        return s
    cut = s[: limit + 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else s[:limit]).strip()
