"""Is a claim supported by the notes it cites? Names and numbers must appear in them.

Small models invent employers and figures; a claim whose capitalised terms or
numbers are not in its sources is rejected in plain code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from assistant.text.words import WORD_RE, norm_word, normalize_quotes, stem


# --------------------------------------------------------------------------
# 6-7. Unsupported terms
# --------------------------------------------------------------------------

MONTHS_DAYS = """
january february march april may june july august september october november
december jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday
wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri
sat sun
""".split()

_FUNCTION_WORDS = """
the a an i he she they their his her hers it its in on at for with and but or
nor of to from by as this that these those who whom whose what when where why
how which mr mrs ms mx dr prof sir madam we our ours us you your yours me my
mine him them is are was were be been being am has have had do does did not no
yes so if then than there here also after before since during over under into
about across between through while both each all any some most more many
several other another such only just very too can could would should will
shall may might must let lets let's i'm i've i'd i'll it's that's there's
here's what's who's he's she's they're we're you're don't doesn't didn't
can't won't isn't wasn't aren't weren't per via vs etc inc llc ltd co corp
plc gmbh company group
""".split()

_ROLE_WORDS = """
ceo cto cfo coo cmo cpo cio ciso chro vp svp evp avp gm head director manager
lead leader senior sr junior jr principal staff chief officer president founder
cofounder co-founder partner associate engineer engineering product design
designer marketing sales operations ops research researcher scientist analyst
consultant executive member board advisor adviser investor intern owner team
department division global general counsel editor professor student chair
chairman chairwoman chairperson hr people growth strategy data platform
infrastructure software program project programs manager managing fellow
specialist architect developer recruiter coordinator administrator assistant
deputy interim acting vice
""".split()

CAPITALIZED_STOPWORDS: frozenset[str] = frozenset(MONTHS_DAYS + _FUNCTION_WORDS + _ROLE_WORDS)

# Ordinary words that start sentences in bios ("Leads the payments team").
# Only exempt when sentence-initial: mid-sentence capitals look like names.
COMMON_SENTENCE_STARTERS: frozenset[str] = frozenset(
    """
    leads led lead joined joins grew grows built builds works worked runs ran
    founded co-founded started starts spent spends moved moves previously
    currently recently formerly before after during known based focused focuses
    manages managed oversees oversaw helped helps launched launches scaled
    scales raised raises holds held has had was is spoke speaks wrote writes
    published publishes studied studies graduated loves enjoys enjoyed mentors
    mentored also now today later earlier most many one two three four five
    first second third both since over under across outside besides beyond
    despite although though because while often sometimes usually recent
    prior later last next then still even once when where currently based
    responsible passionate interested experienced specializes specialises
    served serves heads headed directs directed teaches taught advises advised
    invests invested sits sat became becomes created creates designed designs
    developed develops drove drives shipped ships delivered delivers partnered
    partners hired hires left leaves returned returns transitioned transitions
    switched pivoted pivots shifted focused focusing working leading building
    running managing helping known according notably additionally however
    meanwhile overall together outside inside within among along around
    earlier previously notable key main major several various some every each
    another other new former current longtime long-time self-taught originally
    born raised lives lived grew posted shared tweeted mentioned said says
    described describes believes believed thinks argues argued wants wanted
    hopes plans planned aims aimed expects expected likely probably possibly
    apparently reportedly yes no please note see like unlike given as
    invite share offer introduce send connect suggest ask review help give recommend host propose
    """.split()
)

_NUMBER_RE = re.compile(
    r"""
    (?<![\w.$\u20ac\u00a3\u00a5])
    (?P<cur>[$\u20ac\u00a3\u00a5]\s?)?
    (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)
    (?:
        \s?(?P<pct>%|percent\b|per\s?cent\b|pct\b)
      | \s(?P<scale_word>thousand|million|billion|trillion|mn|bn)\b
      | (?P<scale_sfx>k|mm|mn|m|bn|b|t|thousand|million|billion|trillion)\b
      | (?P<other>st|nd|rd|th|s|x|\+)
    )?
    """,
    re.IGNORECASE | re.VERBOSE,
)

_SCALE = {
    "k": Decimal(10**3),
    "thousand": Decimal(10**3),
    "m": Decimal(10**6),
    "mm": Decimal(10**6),
    "mn": Decimal(10**6),
    "million": Decimal(10**6),
    "b": Decimal(10**9),
    "bn": Decimal(10**9),
    "billion": Decimal(10**9),
    "t": Decimal(10**12),
    "trillion": Decimal(10**12),
}

_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_NUMBER_WORDS.update(
    {
        w: 10 * i
        for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)
    }
)
_NUMBER_WORDS.update(
    {
        w: i
        for i, w in enumerate(
            "first second third fourth fifth sixth seventh eighth ninth tenth".split(), start=1
        )
    }
)
_NUMBER_WORDS.update({"dozen": 12, "hundred": 100, "twice": 2, "once": 1, "half": 50})
_SCALE_WORDS = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}


def _extract_numbers(text: str) -> list[tuple[int, int, str, Decimal, Decimal]]:
    """Numbers as ``(start, end, surface, bare_value, absolute_value)``.

    Digits glued to letters ("3D", "B2B", "Q3") are not numbers; they are
    treated as names by the entity pass.
    """
    found = []
    for m in _NUMBER_RE.finditer(text):
        end = m.end()
        if end < len(text) and (text[end].isalnum() or text[end] == "_"):
            continue
        try:
            bare = Decimal(m.group("num").replace(",", ""))
        except InvalidOperation:  # pragma: no cover - regex guarantees digits
            continue
        scale = (m.group("scale_word") or m.group("scale_sfx") or "").lower()
        absolute = bare * _SCALE.get(scale, Decimal(1))
        found.append((m.start(), end, m.group(0).strip(), bare, absolute))
    return found


def _source_number_values(text: str) -> set[Decimal]:
    """Every numeric value the sources state, in digits or in words."""
    values: set[Decimal] = set()
    for _, _, _, bare, absolute in _extract_numbers(text):
        values.add(bare.normalize())
        values.add(absolute.normalize())
    words = [w.lower() for w in re.findall(r"[a-zA-Z]+", text)]
    i = 0
    while i < len(words):
        w = words[i]
        if w in _NUMBER_WORDS:
            value = _NUMBER_WORDS[w]
            j = i + 1
            if 20 <= value <= 90 and j < len(words) and words[j] in _NUMBER_WORDS and _NUMBER_WORDS[words[j]] < 10:
                value += _NUMBER_WORDS[words[j]]
                j += 1
            values.add(Decimal(value))
            while j < len(words) and words[j] in _SCALE_WORDS:
                value *= _SCALE_WORDS[words[j]]
                values.add(Decimal(value))
                j += 1
            i = j
        else:
            i += 1
    return values


def _is_capitalized_token(token: str) -> bool:
    """Looks like part of a name: any uppercase letter, or letters mixed with digits."""
    if any(c.isupper() for c in token):
        return True
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


def _is_stopword(token: str, stoplist: frozenset[str]) -> bool:
    low = normalize_quotes(token).lower()
    if low in stoplist:
        return True
    base = norm_word(token)
    if base in stoplist:
        return True
    return len(base) > 2 and base.endswith("s") and base[:-1] in stoplist


def _is_sentence_initial(text: str, start: int) -> bool:
    prefix = text[:start].rstrip().rstrip("\"'([{*\u2022\u00b7\u2013\u2014-").rstrip()
    return not prefix or prefix[-1] in ".!?:;\n" or text[:start].endswith("\n")


def entity_terms(text: str) -> list[tuple[str, list[str], bool]]:
    """Capitalized names in ``text`` as ``(surface, words, sentence_initial)``.

    Runs of adjacent capitalized words form one term ("Jane Doe"); function
    words, titles, months and role words split runs and are dropped ("CEO
    Jane Doe" -> "Jane Doe"). A common sentence starter at the start of a
    sentence ("Joined Acme") is dropped too. ``sentence_initial`` is True when
    the term's first word starts a sentence, where its capital proves nothing.
    """
    terms: list[tuple[str, list[str], bool]] = []
    run: list[re.Match[str]] = []

    def flush() -> None:
        if not run:
            return
        surface = text[run[0].start():run[-1].end()]
        if surface.endswith("'s"):
            surface = surface[:-2]
        words = [m.group(0) for m in run]
        initial = _is_sentence_initial(text, run[0].start())
        terms.append((surface, words, initial))
        run.clear()

    prev_end = -1
    for m in WORD_RE.finditer(text):
        token = m.group(0)
        gap = text[prev_end:m.start()] if prev_end >= 0 else ""
        if run and (gap.strip() or "\n" in gap):
            flush()
        prev_end = m.end()
        if not _is_capitalized_token(token) or _is_stopword(token, CAPITALIZED_STOPWORDS):
            flush()
            continue
        if _is_sentence_initial(text, m.start()):
            flush()
            if _is_stopword(token, COMMON_SENTENCE_STARTERS):
                continue
        if run and run[-1].group(0).endswith("'s"):
            flush()
        run.append(m)
    flush()
    return terms


class _SourceIndex:
    """Words, stems and numbers of the concatenated sources, for lookups."""

    def __init__(self, sources: Iterable[str]) -> None:
        text = normalize_quotes("\n".join(sources))
        self.words: set[str] = set()
        self.stems: set[str] = set()
        for token in WORD_RE.findall(text):
            for piece in [token, *re.split(r"[&'.\-]", token)]:
                w = norm_word(piece)
                if w:
                    self.words.add(w)
                    self.stems.add(stem(w))
        self.numbers = _source_number_values(text)

    def has_word(self, token: str, allow_stem: bool) -> bool:
        w = norm_word(token)
        if not w:
            return True
        if w in self.words:
            return True
        pieces = [p for p in re.split(r"[&'.\-]", token) if norm_word(p)]
        parts = [norm_word(p) for p in pieces]
        if len(parts) > 1 and all(p in self.words for p in parts):
            return True
        # "Halifax-based", "Toronto-born": only the capitalised part names something.
        named = [norm_word(p) for p in pieces if p[:1].isupper()]
        if len(pieces) > 1 and named and len(named) < len(pieces) and all(p in self.words for p in named):
            return True
        return allow_stem and stem(w) in self.stems

    def has_number(self, bare: Decimal, absolute: Decimal, scaled: bool) -> bool:
        if absolute.normalize() in self.numbers:
            return True
        # An unscaled claim number ("4") is supported by "4 million" too.
        return not scaled and bare.normalize() in self.numbers


def unsupported_terms(claim: str, sources: Sequence[str]) -> list[str]:
    """Names and numbers in ``claim`` that no source text backs up.

    Why: the model's most damaging failure is confident invention - the wrong
    employer, a made-up funding round, a year off by two. Names and numbers
    are where inventions hide, and both can be checked against the notes
    without understanding the sentence.

    Numbers are compared by value: commas are ignored ("3,000" = "3000"),
    "%"/"percent" are equivalent, scale suffixes multiply ("$4M" = "4
    million" = "4,000,000"), and sources may spell small numbers out
    ("three", "forty", "second"). Names are capitalized words or runs of them
    outside a stoplist of function, role, month and weekday words; a
    sentence-initial word is also skipped when it is a common sentence
    starter ("Leads", "Joined"). A name is supported when each of its words
    occurs in the sources, case-insensitively and ignoring possessives and
    punctuation; sentence-initial words may also match by stem.

    Returns unsupported terms in order of first appearance, once each, in the
    claim's spelling (possessive "'s" removed); ``[]`` when all are supported.
    Lowercase brand names ("stripe") are not detected - a deliberate
    trade-off to avoid flagging ordinary words.
    """
    text = normalize_quotes(claim)
    index = _SourceIndex(sources)
    found: list[tuple[int, str]] = []

    masked = list(text)
    for start, end, surface, bare, absolute in _extract_numbers(text):
        masked[start:end] = " " * (end - start)
        scaled = absolute != bare
        if not index.has_number(bare, absolute, scaled):
            found.append((start, surface))
    masked_text = "".join(masked)

    for surface, words, initial in entity_terms(masked_text):
        # A sentence-initial word may be an ordinary verb ("Pivoted"), so it
        # may match the sources by stem; the rest of a name must match exactly.
        if all(
            index.has_word(w, allow_stem=initial and k == 0) for k, w in enumerate(words)
        ):
            continue
        found.append((masked_text.find(surface), surface))

    found.sort(key=lambda item: item[0])
    result: list[str] = []
    seen: set[str] = set()
    for _, surface in found:
        key = surface.lower()
        if key not in seen:
            seen.add(key)
            result.append(surface)
    return result


def is_supported(claim: str, sources: Sequence[str]) -> bool:
    """True when every name and number in ``claim`` appears in ``sources``.

    Why: the briefing writer drops or regenerates unsupported claims; this is
    the yes/no form of :func:`unsupported_terms`.
    """
    return not unsupported_terms(claim, sources)


# --------------------------------------------------------------------------
# Words from nowhere
# --------------------------------------------------------------------------

# Words a faithful paraphrase adds to what the notes say ("is currently working on", "is interested in",
# "a company that"): never evidence of invention on their own.
_PARAPHRASE_WORDS = frozenset(stem(w) for w in """
work works working worked job role currently current recently now today also still new based known well
interest interested interests passionate keen focus focused focuses focusing care cares involved involve
experience experienced background career company organisation organization firm business team teams people
person colleague colleagues share shared shares sharing opinion opinions view views thought thoughts believe
believes think thinks said says mention mentioned mentions talk talked spoke speak note notes previously
former formerly earlier later since year years month months time area field sector industry space topic
lead leads leading led manage manages managing run runs running responsible include includes including
various several number range part member named called help helps helping use uses using make makes making
""".split()) | frozenset(MONTHS_DAYS)


# A tie to an organisation the notes never name: "Julian is a member of The Second Curve" (his own
# newsletter: he writes it). One such word is enough to be an invention, whatever the share.
_TIE_WORDS = frozenset(stem(w) for w in """
member members membership founder founded cofounder co-founder trustee trustees board chair chairs chaired
advisor adviser advises advisory investor invested investors owner owns partner partners shareholder
sponsor sponsors sponsored patron ambassador fellow fellowship president treasurer secretary governor
""".split())


def unbacked_words(claim: str, sources: Sequence[str], name: str = "", *, share: float = 1 / 3,
                   also: frozenset[str] = frozenset()) -> list[str]:
    """The claim's ordinary words that no source uses, when they are a third or more of its own words.

    Why: the names-and-numbers check cannot see an invented description. From a two-line note
    ("Runs flexibility trading at Octant Energy; said his team is drowning in half-hourly meter
    data") the default model wrote "Octant Energy is a renewable energy company" and "Raúl is
    working on renewable energy": every name was in the note, "renewable" was nowhere. A faithful
    fact reuses the notes' words; paraphrase words ("currently", "interested", "company") and
    months ("Mar 2022" said as "March 2022") do not count either way, nor does the person's own
    name (``name``); the words in ``also`` count as backed (a to-do's own verbs: "send", "ask").
    Notes not in English (the facts translate them) and notes too short to judge are not judged.
    """
    named = {stem(norm_word(raw)) for raw in WORD_RE.findall(normalize_quotes(name))}
    mine: dict[str, str] = {}  # stem -> the claim's own spelling
    for raw in WORD_RE.findall(re.sub(r"(?:https?://|www\.)\S+", " ", normalize_quotes(claim))):  # links: not words
        word = norm_word(raw)
        if not word or raw.lower() in _FUNCTION_WORDS or any(ch.isdigit() for ch in raw):
            continue
        key = stem(word)
        if len(key) > 2 and (key not in _PARAPHRASE_WORDS or key in _TIE_WORDS) and key not in named:
            mine.setdefault(key, word)
    if not mine:
        return []
    words = [raw.lower() for src in sources for raw in WORD_RE.findall(normalize_quotes(src))]
    if len(words) < 8 or sum(w in _FUNCTION_WORDS for w in words) < 0.1 * len(words):
        return []  # too little to judge, or notes not in English (the facts are written in English)
    theirs = named | also | {stem(norm_word(raw)) for raw in words}
    missing = [word for key, word in mine.items() if key not in theirs]
    tie = any(key not in theirs and key in _TIE_WORDS for key in mine)
    return missing if len(missing) >= max(1, share * len(mine)) or tie else []
