"""Is a claim supported by the notes it cites? Names and numbers must appear in them.

Small models invent employers and figures; a claim whose capitalised terms or
numbers are not in its sources is rejected in plain code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from assistant.text.sentences import split_sentences
from assistant.text.words import WORD_RE, norm_word, normalize_quotes, stem


# --------------------------------------------------------------------------
# 6-7. Unsupported terms
# --------------------------------------------------------------------------

_MONTHS_DAYS = """
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

CAPITALIZED_STOPWORDS: frozenset[str] = frozenset(_MONTHS_DAYS + _FUNCTION_WORDS + _ROLE_WORDS)

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


# Nouns that say what someone does for a living. "Kit is a freelance artist and audio engineer" has no
# name or number to check, yet neither word is in Kit's notes: the press kit's roster gave "Art" and
# "Audio" to two other people. An occupation the sources never use is an invented one.
_OCCUPATIONS = frozenset("""
artist engineer designer developer programmer writer author novelist poet journalist reporter editor
photographer filmmaker musician composer producer actor illustrator animator architect nurse doctor
physician surgeon psychologist therapist counsellor counselor pharmacist midwife dentist lawyer attorney
solicitor barrister accountant economist statistician scientist researcher professor lecturer teacher
tutor librarian curator consultant analyst entrepreneur founder investor banker trader recruiter
coach trainer mentor chef farmer pilot soldier officer diplomat politician activist
""".split())
_ROLE_CLAIM = re.compile(r"\b(?:is|was|are|were|works as|worked as|became|has been)\s+(?:also\s+)?(?:an?|the)\s+"
                         r"([^.;:()]{3,80})", re.I)


def unsupported_occupations(claim: str, sources: Sequence[str]) -> list[str]:
    """Occupation nouns a role claim ("X is a freelance artist") gives that no source word starts like."""
    claimed = list(dict.fromkeys(w for m in _ROLE_CLAIM.finditer(normalize_quotes(claim))
                                 for w in map(norm_word, WORD_RE.findall(m.group(1))) if w.rstrip("s") in _OCCUPATIONS))
    if not claimed:  # most facts claim no occupation: the sources are not read at all
        return []
    stems = {stem(norm_word(w)) for src in sources for w in WORD_RE.findall(normalize_quotes(src))}
    # "nurse" is backed by "nursing", "designer" by "design"; "artist" is not by "art"
    return [w for w in claimed if not any(t.startswith(stem(w)) or (len(t) >= 4 and stem(w).startswith(t))
                                          for t in stems)]


# "Julian is a former head of year at Parable" / "... a former teacher at Kirkgate Park": the newsletter
# said a change at Parable was "suggested by a former head of year" (someone else), and Kirkgate Park was
# the user's school. Names and occupation words were all in the notes; who held the role was not.
_ROLE_AT = re.compile(r"\b(?:is|was|are|were|has been|served as|worked as|works as)\s+(?:also\s+)?(?:an?|the)\s+"
                      r"(?:(?:former|previous|ex-|one-time)\s+)?([A-Za-z][\w&' ,-]{2,60}?)\s+at\s+(?:the\s+)?"
                      r"([A-Z][\w&'.-]*(?:\s+(?:[A-Z][\w&'.-]*|of|for|and|&))*)", re.I)
_ROLE_GLUE = frozenset({"of", "the", "and", "for", "in", "a", "an", "at", "&"})
_SAYS_OWN = r"(?:is|was|as|am|been|became|i'm|he's|she's|they're)"


def _stems(text: str) -> list[str]:
    return [stem(w) for w in map(norm_word, WORD_RE.findall(normalize_quotes(text))) if w and w not in _ROLE_GLUE]


def misattributed_roles(claim: str, sources: Sequence[str]) -> list[str]:
    """ "<role> at <Org>" claims that no source sentence gives to the person.

    Backed when one sentence holds the role's words and the organisation ("Head of Route Optimisation
    at Nordhaul | ..."), unless that sentence only mentions the role as someone else's: "a former head
    of year" after a word other than is/was/as is another person.
    """
    wrong: list[str] = []
    sentences: list[tuple[str, list[str]]] | None = None
    for m in _ROLE_AT.finditer(normalize_quotes(claim)):
        role, org = m.group(1).strip(), m.group(2)
        role_w, org_w = _stems(role), _stems(org)[:2]
        if not role_w or not org_w:
            continue
        if sentences is None:  # read the sources only when a fact makes such a claim
            sentences = [(s, _stems(s)) for src in sources for s in split_sentences(normalize_quotes(src))]
        head = re.escape(role.split()[0])
        mention = rf"\b(?:an?|another)\s+(?:former\s+|ex-)?{head}"
        if not any(all(w in sw for w in org_w + role_w)
                   and (re.search(rf"\b{_SAYS_OWN}\s+(?:an?|the)\s+(?:former\s+)?{head}", s, re.I)
                        or not re.search(rf"\b(?!{_SAYS_OWN}\b)\w+\s+{mention[2:]}", s, re.I))
                   for s, sw in sentences):
            wrong.append(f"{role} at {org.rstrip('.')}")
    return wrong


_INTEREST_CLAIM = re.compile(r"\b(?:is|are|was|were|seems?|has been|remains?)\s+(?:\w+ly\s+|also\s+|very\s+)?"
                             r"(?:interested in|curious about)\s+(.+)", re.I)
# Words by which notes say someone wants, likes or is after something.
_INTEREST_CUE = re.compile(
    r"\b(?:interest\w*|curious|keen|passion\w*|fascinat\w*|excit\w*|lov(?:e|es|ed|ing)|liked|likes|enjoy\w*|wants?|wanted|"
    r"wanting|would like|'d like|hop(?:e|es|ed|ing)|plan(?:s|ned|ning) to|looking (?:for|into|at)|asked (?:about|for)|"
    r"cares? about|focus(?:es|ed|ing)? on|explor\w*|trying to|struggl\w*|needs?|needed|seeking|hunting|(?:is|are) after|"
    r"(?:is|are|'s|'re) into)\b", re.I)  # not "planning", "focus groups", "after the merger", "data into"
# The sentence that holds the thing, and a short neighbour ("What she wants:" above a bullet, "She liked it a
# lot." after an idea); a long neighbour is a statement of its own.
_CUE_WINDOW, _SHORT_NEIGHBOUR = 1, 6


_WORK_CUE = re.compile(r"\b(?:working on|works on|work on|runs?|running|leads?|leading|building|builds|piloting|"
                       r"pilots?|projects?|launch\w*|manag(?:es|ing)|responsible for)\b", re.I)
_HEADING_LINE = re.compile(r"^\W*[^.!?]{2,60}:\W*$")
_QUOTED = re.compile(r'"[^"]*"?')
_HEADING_REACH = 8  # lines above a bullet searched for the heading it sits under


def _interest_reading(claim: str, sources: Sequence[str]) -> tuple[str, bool, bool]:
    """(the object of an "is interested in X" claim, whether the notes say they want or like it,
    whether they say it is their work); ("", True, False) when the claim is not an interest claim."""
    m = _INTEREST_CLAIM.search(normalize_quotes(claim))
    if not m:
        return "", True, False
    thing = m.group(1).rstrip(" .")
    want = set(_stems(thing)) - set(_stems("the a an of in on to for and with their his her its"))
    if not want:
        return thing, True, False
    lines = [line for src in sources for line in normalize_quotes(src).splitlines()]
    sentences = [(s, i) for i, line in enumerate(lines) for s in split_sentences(line)]
    scored = [len(want & set(_stems(s))) for s, _ in sentences]
    best = max(scored, default=0)
    if best == 0:
        return thing, False, False
    stated = work = False
    for k, n in enumerate(scored):
        if n != best:
            continue
        near = [j for j in range(max(0, k - _CUE_WINDOW), min(len(sentences), k + _CUE_WINDOW + 1))
                if j == k or len(sentences[j][0].split()) <= _SHORT_NEIGHBOUR]
        stated = stated or any(_INTEREST_CUE.search(sentences[j][0]) for j in near)
        line = sentences[k][1]
        heading = next((lines[i] for i in range(line - 1, max(-1, line - 1 - _HEADING_REACH), -1)
                        if not lines[i].strip() or _HEADING_LINE.match(lines[i])), "")
        # a quote is their words about something, not a statement that it is their work
        work = work or bool(_WORK_CUE.search(_QUOTED.sub("", sentences[k][0])) or _WORK_CUE.search(heading))
    return thing, stated, work


def unstated_interest(claim: str, sources: Sequence[str]) -> str:
    """The object of an "is interested in X" claim whose notes never say they want or like X ("" if fine).

    Why: a 1.5B model uses "interested in" as a filler verb for anything the notes mention:
    "He is interested in running a burnout service and burning out his own volunteers" (a quote of
    irony), "He is interested in remote patient monitoring" (his company's field), and the user's own
    "Possible give-back: design the journey-mapping lesson" became Harriet's interest. The note
    sentence that best holds X (by shared content words), or a short line next to it, must carry a
    cue such as "wants", "keen", "looking for", "interested".
    """
    thing, stated, _ = _interest_reading(claim, sources)
    return "" if stated else thing


def interest_as_work(claim: str, sources: Sequence[str]) -> str:
    """An unstated "is interested in X" said as what it is, "is working on X", when the notes put X under
    their work ("What she's working on:", "Runs 6 services: ..."); "" when they do not.

    Why: dropping those lost real facts ("She is interested in the makerspace" for a library manager
    whose notes list the makerspace under "Working on:"); the verb was wrong, not the thing.
    """
    thing, stated, work = _interest_reading(claim, sources)
    if stated or not work:
        return ""
    return _INTEREST_VERB.sub(lambda m: f"{m.group(1)} working on", normalize_quotes(claim), count=1)


_INTEREST_VERB = re.compile(r"\b(is|are|was|were)\s+(?:\w+ly\s+|also\s+|very\s+)?(?:interested in|curious about)\b",
                            re.I)


def is_supported(claim: str, sources: Sequence[str]) -> bool:
    """True when every name and number in ``claim`` appears in ``sources``.

    Why: the briefing writer drops or regenerates unsupported claims; this is
    the yes/no form of :func:`unsupported_terms`.
    """
    return not unsupported_terms(claim, sources)
