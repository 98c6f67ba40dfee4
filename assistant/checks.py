"""Plain-code checks on what the local LLM writes for a meeting briefing.

Why this module exists: a small local model is fluent but unreliable. It drifts
into yes/no questions, asks the contact for a job, turns questions back onto
the user, repeats itself, invents employers and numbers, and cites notes that
do not exist. Asking a second model to judge the first would be just as
unreliable and slow, so every check here is deterministic, explainable code:
the same input always gives the same verdict, and a failing case can be turned
into a unit test.

Everything is a pure function: no I/O, no model, no Streamlit. The only
"model-shaped" input is the ``embed`` callable given to :func:`near_duplicates`
and :func:`dedupe`, so callers decide which embedding model to use and tests
can pass a fake one.

The heuristics are deliberately conservative in the direction that is cheap to
get wrong: a false "bad question" only costs a regeneration, while a job ask or
an invented fact that slips through embarrasses the user in a real meeting.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from decimal import Decimal, InvalidOperation

import numpy as np

__all__ = [
    "is_open_question",
    "is_job_ask",
    "is_about_user",
    "speaks_as_user",
    "near_duplicates",
    "dedupe",
    "valid_citations",
    "unsupported_terms",
    "is_supported",
    "specificity",
    "word_count",
    "talk_balance",
]

EmbedFn = Callable[[Sequence[str]], Sequence[Sequence[float]]]

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


def _normalize_quotes(text: str) -> str:
    """Models emit curly quotes at random; fold them so regexes see one form."""
    return text.translate(_QUOTE_MAP)


# Words: letters/digits, allowing inner ' & . - (O'Reilly, AT&T, U.S, Co-founder).
_WORD_RE = re.compile(r"[^\W_]+(?:[&'.\-][^\W_]+)*")


def _norm_word(word: str) -> str:
    """Lowercase, drop possessive 's and inner punctuation, for fuzzy equality."""
    w = _normalize_quotes(word).lower()
    if w.endswith("'s"):
        w = w[:-2]
    elif w.endswith("'"):
        w = w[:-1]
    return re.sub(r"[^\w]", "", w).replace("_", "")


def _stem(word: str) -> str:
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


# --------------------------------------------------------------------------
# 1. Open questions
# --------------------------------------------------------------------------

_AUXILIARIES = frozenset(
    """
    do does did is are was were am can could would will should have has had
    may might shall must
    don't doesn't didn't isn't aren't wasn't weren't can't cannot couldn't
    wouldn't won't shouldn't haven't hasn't hadn't mightn't mustn't
    """.split()
)

# Starters that ask for an account rather than a fact. "who/when/where" are
# left out on purpose: they usually get a one-word answer ("In 2019.").
_OPEN_START_RE = re.compile(
    r"^(?:how|what|what's|whats|why|which"
    r"|in what|in which|to what extent|at what point|from what"
    r"|tell me|walk me through|talk me through|take me through"
    r"|describe|explain|share|help me understand|say more|elaborate)\b"
)
# One-sentence prompts that invite an account without a question mark.
_OPEN_PROMPT_RE = re.compile(r"^(?:tell me|walk me through|talk me through|take me through)\b", re.I)
# "How" questions that only ask for a number.
_FACTUAL_HOW_RE = re.compile(r"^how (?:many|long|old)\b")
# Polite requests are grammatically yes/no but invite a story.
_POLITE_REQUEST_RE = re.compile(
    r"^(?:can|could|would|will) you (?:please )?"
    r"(?:tell me|walk me through|talk me through|take me through|describe"
    r"|explain|share|say more|elaborate|help me understand)\b"
    r"|^would you mind (?:telling|walking|talking|taking|describing|explaining|sharing)\b"
)
# Lead-ins a model likes to put before the actual question.
_FLUFF_RE = re.compile(
    r"^(?:so|and|also|but|okay|ok|well|now|right|alright|great|thanks|thank you"
    r"|actually|honestly|genuinely|just curious|curious|out of curiosity"
    r"|quick question|one more thing|by the way|btw|on that note"
    r"|speaking of which|building on that|following up(?: on that)?"
    r"|if you don't mind(?: me asking)?|if i may ask|if i may"
    r"|i'm curious(?: to (?:know|hear|learn))?|i am curious(?: to (?:know|hear|learn))?"
    r"|i'd be curious to (?:know|hear|learn)|i would be curious to (?:know|hear|learn)"
    r"|i'd love to (?:hear|know|learn|understand)(?: more)?"
    r"|i would love to (?:hear|know|learn|understand)(?: more)?"
    r"|i'm wondering|i was wondering|i wonder)\b"
    r"\s*[,;:\u2014\u2013\u2026-]*\s*"
)
_CLAUSE_SEP_RE = re.compile(r"\s*(?:,|:|;|\s[\u2014\u2013-]\s|[\u2014\u2013])\s*")
_TRAILING_CLOSERS = "\"')]}*"


def _question_core(text: str) -> str | None:
    """Return the single question (lowercased) or None if it isn't exactly one."""
    t = _normalize_quotes(text).strip().rstrip(_TRAILING_CLOSERS).strip()
    if "?" not in t and _OPEN_PROMPT_RE.match(t) and t.endswith(".") and t.count(".") == 1:
        # "Tell me about X." / "Walk me through Y." invite a story as well as any question does.
        t = t[:-1] + "?"
    if not t.endswith("?") or t.count("?") != 1:
        return None
    # Drop any preamble sentence: "Congrats on the launch! What was hardest?"
    t = re.split(r"(?<=[.!])\s+", t)[-1]
    t = t.lower().lstrip(_TRAILING_CLOSERS + " ")
    return t


def _classify_start(t: str, fluff_stripped: bool) -> str:
    """Return 'open', 'closed' or 'unknown' from how a clause starts."""
    if re.match(r"^(?:(?:can|could|would|will) you )?(?:tell me|let me know) (?:if|whether)\b", t):
        return "closed"  # "Tell me whether you liked it" is a yes/no question in disguise
    if _POLITE_REQUEST_RE.match(t):
        return "open"
    if _FACTUAL_HOW_RE.match(t):
        return "closed"
    if _OPEN_START_RE.match(t):
        return "open"
    if fluff_stripped and t.startswith("about "):
        # "I'd love to hear about X?" is "Tell me about X?".
        return "open"
    first = t.split(" ", 1)[0]
    if first in _AUXILIARIES or first == "whether":
        return "closed"
    return "unknown"


def _is_choice_question(t: str) -> bool:
    """Detect "X or Y?" choices hidden behind an open starter.

    "What do you prefer, startups or big companies?" starts with "what" but
    offers two boxes to tick; so does "Which ... A or B?" and "..., or not?".
    """
    if " or " not in t:
        return False
    if t.startswith("which"):
        return True
    last_clause = _CLAUSE_SEP_RE.split(t)[-1]
    return " or " in f" {last_clause}"


def is_open_question(text: str) -> bool:
    """True for exactly one open question that invites the contact to talk.

    Why: the briefing is only useful if its questions start conversations. A
    yes/no question ("Do you enjoy X?") or a forced choice ("A or B?") gets a
    one-word answer and leaves the user stranded, so we reject them and ask
    the model to try again. Leading fluff ("So, ", "Out of curiosity, ",
    "I'd love to hear — ") and context clauses ("Since you moved to Berlin,
    how ...?") are skipped before judging. Two question marks mean two
    questions, which is itself a defect.

    Whether the question is about the user is checked by :func:`is_about_user`.
    """
    t = _question_core(text)
    if t is None:
        return False
    if len(re.findall(r"\w+", t)) < 3:
        return False

    fluff_stripped = False
    for _ in range(4):
        m = _FLUFF_RE.match(t)
        if not m or m.end() == 0:
            break
        t = t[m.end():]
        fluff_stripped = True

    verdict = "unknown"
    clause = t
    for _ in range(4):
        verdict = _classify_start(clause, fluff_stripped)
        if verdict != "unknown":
            break
        # "Looking back, what ...?" / "Given X — how ...?": judge the next clause.
        parts = _CLAUSE_SEP_RE.split(clause, maxsplit=1)
        if len(parts) < 2:
            break
        clause = parts[1]
        m = _FLUFF_RE.match(clause)
        if m and m.end():
            clause = clause[m.end():]
            fluff_stripped = True
    if verdict != "open":
        return False
    return not _is_choice_question(clause)


# --------------------------------------------------------------------------
# 2. Job asks
# --------------------------------------------------------------------------

# Idioms that contain "me" but only frame a question about the contact.
_FRAMING_ME_RE = re.compile(
    r"\b(?:tell|walk|talk|take|show|remind) me\b|\bhelp me understand\b"
)
_FIRST_PERSON_RE = re.compile(r"\b(?:i|me|my|mine|myself)\b")

# "What is your team hiring for?" asks about their plans, not for a job; only
# the yes/no form "Is your team hiring?" is an ask.
_NOT_AFTER_WH = "".join(
    rf"(?<!{w} )" for w in ("what", "What", "how", "How", "who", "Who", "where", "Where", "why", "Why", "which", "Which")
)

# Asks that need no further context.
_JOB_ASK_RE = re.compile(
    "|".join(
        [
            # hiring, directly
            r"\bare you (?:currently |still |actively |by any chance )?hiring\b",
            _NOT_AFTER_WH + r"\bis (?:your|the) (?:team|company|group|org|organi[sz]ation|department"
            r"|startup|firm|lab) (?:currently |still |actively )?hiring\b",
            r"\b(?:who's|who is|who are|anyone|anybody|someone|companies|teams)"
            r"(?: who's| who is| who are| that's| that is| that are)?"
            r" (?:currently |actively |still )?hiring\b",
            r"\bhir(?:e|ing) me\b",
            r"\bhire someone like me\b",
            # openings
            r"\bvacanc(?:y|ies)\b",
            r"\b(?:job )?openings\b",
            r"\b(?:an|any) (?:job )?opening (?:on|in|at|for|with)\b",
            r"\bany (?:open |current |available |new )?(?:job )?(?:positions?|roles?|jobs?|headcount)"
            r" (?:open|available|on your|in your|at your|with your)\b",
            r"\bany (?:open|available) (?:positions?|roles?|jobs?|reqs?)\b",
            r"\b(?:positions?|roles?|jobs?|spots?|opportunit(?:y|ies)|room|place|headcount"
            r"|openings?)\b[^?.!]{0,40}?\bfor (?:me|someone like me|someone with my|a person like me)\b",
            r"\bany (?:job |open |current |available |new )?opportunit(?:y|ies)"
            r" (?:to join|(?:at|on|with|in) your (?:team|company|org\w*|group|startup))\b",
            # referrals
            r"\brefer(?:ring)? me\b",
            r"\breferral for me\b",
            r"\b(?:me|get|give|offer|provide|request|ask (?:you )?for) (?:a |an )?referral\b",
            # introductions
            r"\b(?:introduce|intro|connect|recommend|put) me\b",
            r"\bput me in (?:touch|contact)\b",
            r"\b(?:make|give|do|arrange) (?:me )?an? (?:warm |quick )?intro(?:duction)?\b",
            r"\bintro(?:duction)? (?:to|with) (?:the |your |a )?(?:hiring manager|recruiter"
            r"|recruiting|talent)\b",
            # good word, CV, keeping in mind
            r"\bgood word\b",
            r"\bmy (?:cv|resume|r\u00e9sum\u00e9|application|portfolio|linkedin)\b",
            r"\bkeep me in mind\b",
            r"\bthink of me\b",
            r"\bkeep me (?:posted|updated|in the loop)\b[^?]*\b(?:role|opening|position|job|hiring)",
            r"\blet me know (?:if|when)\b[^?]*\b(?:role|opening|position|job|spot|hiring)",
            # help getting a job
            r"\bhelp me (?:to )?(?:get|land|find|secure|break)\b",
            r"\bget me (?:an? )?(?:interview|job|role|foot in)\b",
        ]
    )
)

# "Is Stripe hiring?" - needs the original capitals to know it is a name.
_IS_NAME_HIRING_RE = re.compile(
    _NOT_AFTER_WH + r"\b[Ii]s [A-Z][\w&.\-]*(?: [A-Z][\w&.\-]*){0,3}"
    r" (?:currently |still |actively )?hiring\b"
)

# Asks that only count when the user is talking about themselves.
_JOB_ASK_FIRST_PERSON_RE = re.compile(
    "|".join(
        [
            r"\ba referral\b",
            r"\bhiring manager\b|\brecruiters?\b|\brecruiting team\b|\btalent (?:team|acquisition)\b",
            r"\b(?:get|land|find|secure) (?:a |an )?(?:job|role|position|offer|interview)\b",
            r"\bget hired\b",
            r"\b(?:join|work (?:on|for|at|with|in)|be part of) your (?:team|company|org\w*"
            r"|group|startup|department|firm|lab)\b",
            r"\bwork (?:for|with|under) you\b",
            r"\bappl(?:y|ying|ied)\b",
        ]
    )
)


def is_job_ask(text: str) -> bool:
    """True when the text asks the contact for a job, referral or intro.

    Why: Rapport prepares networking conversations, and the fastest way to
    spoil one is to ask a near-stranger for a job. The model does this often
    ("Could you refer me?", "Are you hiring?"), so any such line is rejected.

    Questions about the contact's own hiring practice ("How do you decide what
    to look for when you hire for your team?") are legitimate: they are the
    contact talking about their work. So mentions of hiring, referrals or
    recruiters only count when phrased as a request or tied to the user
    ("me", "my", "I"); framing idioms like "tell me" / "walk me through" do
    not count as the user talking about themselves.
    """
    original = _normalize_quotes(text)
    t = original.lower()
    if _JOB_ASK_RE.search(t) or _IS_NAME_HIRING_RE.search(original):
        return True
    without_framing = _FRAMING_ME_RE.sub(" ", t)
    if _FIRST_PERSON_RE.search(without_framing) and _JOB_ASK_FIRST_PERSON_RE.search(t):
        return True
    return False


# --------------------------------------------------------------------------
# 3. About the user
# --------------------------------------------------------------------------

_ABOUT_USER_RE = re.compile(
    "|".join(
        [
            r"\bmy (?:own )?(?:career|careers|goals?|background|transition|path|journey"
            r"|job search|search|next (?:step|move|role|job)|future|options|skills?"
            r"|experience|profile|resume|cv|plans?|situation|chances|pivot|switch"
            r"|application|portfolio|strengths|weaknesses|gaps?|network|prospects"
            r"|questions?|interests?|ambitions?|aspirations?|decision)\b",
            r"\bfor me\b",
            r"\bi should\b",
            r"\bshould i\b",
            r"\bhelp me\b(?! understand)",
            r"\b(?:could|can|would|do|am|will|might) i\b",
            r"\bi (?:need|want|hope|plan|intend|am trying|'m trying|am hoping|'m hoping"
            r"|am thinking|'m thinking|am considering|'m considering)\b",
            r"\b(?:someone|people|person) like me\b",
            r"\bin my (?:position|shoes|situation|case)\b",
            r"\b(?:advice|advise|recommend|suggest)\w* (?:for |to )?me\b",
            r"\bwhat (?:advice|tips?) would you give me\b",
        ]
    )
)


_SPEAKER_RE = re.compile(r"(?<![\w'])(I|I'm|I've|I'd|I'll|me|my|mine|myself)(?![\w'])")
_QUOTED_RE = re.compile(r'"[^"]*"')


def speaks_as_user(text: str) -> bool:
    """True when a statement about the contact speaks in the first person outside quotation marks.

    Why: the user's own notes are written as "I" ("she asked how I ran
    onboarding; I interviewed a dozen customers"). A small model lifts such
    sentences into "facts about Dana", and later sections then tell the
    user's story as hers or hers as the user's. A fact about the contact is in
    the third person; "I" inside a quotation ("she said "I hate dashboards"")
    is hers and is kept.
    """
    outside = _QUOTED_RE.sub(" ", _normalize_quotes(text))
    return bool(_SPEAKER_RE.search(outside))


def is_about_user(text: str, user_names: Sequence[str] = ()) -> bool:
    """True when the question is about the user's life, not the contact's work.

    Why: the model mixes up the two people in the briefing. It writes "What
    are Jordan's career goals?" (Jordan being the user) or "How should I
    approach my transition?" - questions the contact cannot answer or that
    turn a conversation about them into career coaching. ``user_names`` are
    the user's names; the full name and the first name are matched as whole
    words, case-insensitively (possessives included).

    "Help me understand ..." is excluded: it is a framing for a question
    about the contact, not a request for help.
    """
    t = _normalize_quotes(text).lower()
    if _ABOUT_USER_RE.search(t):
        return True
    for name in user_names:
        parts = [p for p in re.split(r"\s+", _normalize_quotes(name).strip().lower()) if p]
        if not parts:
            continue
        candidates = [r"\s+".join(re.escape(p) for p in parts)]
        if len(parts[0]) >= 2:
            candidates.append(re.escape(parts[0]))
        for pattern in candidates:
            if re.search(rf"(?<!\w){pattern}(?!\w)", t):
                return True
    return False


_BE_HAVE = {"is": "are", "was": "were", "has": "have", "does": "do", "doesn't": "don't", "isn't": "aren't",
            "wasn't": "weren't", "hasn't": "haven't"}
_NO_PLURAL_S = frozenset("is was has does this thus plus across always perhaps less".split())


def _base_verb(word: str) -> str:
    """``believes`` -> ``believe``: the verb form that goes with "you"."""
    low = word.lower()
    if low in _BE_HAVE:
        return _BE_HAVE[low]
    if low in _NO_PLURAL_S or not low.endswith("s") or low.endswith("ss") or len(low) < 4:
        return word
    if low.endswith("ies"):
        return word[:-3] + "y"
    if re.search(r"(?:ch|sh|x|z|ss|o)es$", low):
        return word[:-2]
    return word[:-1]


def to_second_person(text: str, name: str) -> str:
    """Rewrite a question about the contact into one asked *to* them.

    Why: small models asked to write "a question you can ask Noor" keep
    writing "How does Noor Al-Rashidi's team approach ...?". The content is
    fine; only the grammatical person is wrong, and rejecting it wastes a
    generation (often every retry fails the same way). Questions that already
    say "you" are left alone, so a question *mentioning* a third person
    ("How did you and she meet?") is not touched.
    """
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    if len(sentences) > 1:  # "Tell me about the grant Sven won. Why does it matter to you?"
        return " ".join(to_second_person(s, name) for s in sentences)
    if re.search(r"\byou(?:r|rs|rself)?\b", text, re.I):
        return text
    parts = [p for p in re.split(r"\s+", name.strip()) if p]
    if not parts:
        return text
    forms = sorted({re.escape(name.strip()), re.escape(parts[0]), re.escape(parts[-1]) if len(parts) > 1 else re.escape(parts[0])},
                   key=len, reverse=True)
    # Names match as written (capitalized: "Will" the name, not "will" the verb); pronouns in any case.
    subj = rf"(?:{'|'.join(forms)}|(?i:she|he))"
    apostrophe = "['\u2019]s"
    out = _normalize_quotes(text)
    # "Noor's team" / "her team" -> "your team"
    out = re.sub(rf"\b(?:{'|'.join(forms)}){apostrophe}", "your", out)
    # "does Noor face" / "is she preparing" -> "do you face" / "are you preparing"
    out = re.sub(rf"\b((?i:does|is|was|has|doesn't|isn't|wasn't|hasn't))\s+{subj}\b",
                 lambda m: f"{_BE_HAVE[m.group(1).lower()]} you", out)
    # "she believes" / "Noor is" -> "you believe" / "you are"
    out = re.sub(rf"\b{subj}\s+([a-z]+(?:n't)?)\b", lambda m: f"you {_base_verb(m.group(1))}", out)
    out = re.sub(rf"\b{subj}\b", "you", out)
    out = re.sub(r"\bherself\b|\bhimself\b", "yourself", out, flags=re.I)
    # "her" before a word that is not a preposition is a possessive; otherwise an object.
    out = re.sub(r"\b(?:her|his)\b(?=\s+(?!about|to|for|with|and|or|in|on|at|from|as)[a-z])", "your", out, flags=re.I)
    out = re.sub(r"\bher\b", "you", out, flags=re.I)
    out = re.sub(r"\bhim\b", "you", out, flags=re.I)
    out = re.sub(r"(^|[.!?]\s+)(you|your)\b", lambda m: m.group(1) + m.group(2).capitalize(), out)
    return out


# --------------------------------------------------------------------------
# 4. Near duplicates
# --------------------------------------------------------------------------

JACCARD_DUPLICATE = 0.8


def _token_set(text: str) -> frozenset[str]:
    return frozenset(
        w for w in (_norm_word(m) for m in _WORD_RE.findall(_normalize_quotes(text))) if w
    )


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def near_duplicates(
    texts: Sequence[str],
    embed: EmbedFn,
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
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    safe = np.where(norms == 0.0, 1.0, norms)
    unit = np.where(norms == 0.0, 0.0, vectors / safe)
    cosine = np.clip(unit @ unit.T, -1.0, 1.0)

    tokens = [_token_set(t) for t in texts]
    pairs: list[tuple[int, int, float]] = []
    for i in range(n):
        for j in range(i + 1, n):
            cos = float(cosine[i, j])
            jac = _jaccard(tokens[i], tokens[j])
            if cos >= threshold or jac >= JACCARD_DUPLICATE:
                pairs.append((i, j, max(cos, jac)))
    return pairs


def dedupe(texts: Sequence[str], embed: EmbedFn, threshold: float = 0.85) -> list[int]:
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
    apparently reportedly yes no please note see
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
    low = _normalize_quotes(token).lower()
    if low in stoplist:
        return True
    base = _norm_word(token)
    if base in stoplist:
        return True
    return len(base) > 2 and base.endswith("s") and base[:-1] in stoplist


def _is_sentence_initial(text: str, start: int) -> bool:
    prefix = text[:start].rstrip().rstrip("\"'([{*\u2022\u00b7\u2013\u2014-").rstrip()
    return not prefix or prefix[-1] in ".!?:;\n" or text[:start].endswith("\n")


def _entity_terms(text: str) -> list[tuple[str, list[str], bool]]:
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
    for m in _WORD_RE.finditer(text):
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
        text = _normalize_quotes("\n".join(sources))
        self.words: set[str] = set()
        self.stems: set[str] = set()
        for token in _WORD_RE.findall(text):
            for piece in [token, *re.split(r"[&'.\-]", token)]:
                w = _norm_word(piece)
                if w:
                    self.words.add(w)
                    self.stems.add(_stem(w))
        self.numbers = _source_number_values(text)

    def has_word(self, token: str, allow_stem: bool) -> bool:
        w = _norm_word(token)
        if not w:
            return True
        if w in self.words:
            return True
        pieces = [p for p in re.split(r"[&'.\-]", token) if _norm_word(p)]
        parts = [_norm_word(p) for p in pieces]
        if len(parts) > 1 and all(p in self.words for p in parts):
            return True
        # "Halifax-based", "Toronto-born": only the capitalised part names something.
        named = [_norm_word(p) for p in pieces if p[:1].isupper()]
        if len(pieces) > 1 and named and len(named) < len(pieces) and all(p in self.words for p in named):
            return True
        return allow_stem and _stem(w) in self.stems

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
    text = _normalize_quotes(claim)
    index = _SourceIndex(sources)
    found: list[tuple[int, str]] = []

    masked = list(text)
    for start, end, surface, bare, absolute in _extract_numbers(text):
        masked[start:end] = " " * (end - start)
        scaled = absolute != bare
        if not index.has_number(bare, absolute, scaled):
            found.append((start, surface))
    masked_text = "".join(masked)

    for surface, words, initial in _entity_terms(masked_text):
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
# 8. Specificity
# --------------------------------------------------------------------------

_STOPWORDS = frozenset(
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

# Words any question to anyone could contain; they prove nothing about the
# contact even when their notes happen to use them.
_GENERIC_QUESTION_WORDS = frozenset(
    _stem(w)
    for w in """
    enjoy enjoyed enjoying work working works worked role roles career careers
    company companies team teams time times year years day days week current
    currently favorite favourite best worst hardest biggest greatest most
    interesting proud prouder challenge challenges challenging learn learned
    learning lesson lessons advice experience experiences industry field job
    jobs people person part parts future trend trends skill skills decision
    decisions path journey success successful goal goals typical surprise
    surprised surprising excite excited exciting change changed changes
    changing look looking looked think thinking thought feel feeling felt
    tell walk describe share explain know knowing want wanted start started
    starting first last next today recently recent lately come came become
    became keep kept different difference important impact approach approaches
    balance manage managing management lead leading leadership help helped
    helping build building built grow growing growth process processes problem
    problems project projects right wrong good great hard easy best better
    most much many often usually spend spent focus focused priority priorities
    motivate motivates motivated drew draw drawn love loved passion passionate
    mind minds world space area areas side stuff early later long looking back
    going doing make making take taking give giving find finding
    """.split()
)


def _content_stems(text: str) -> set[str]:
    stems = set()
    for token in _WORD_RE.findall(_normalize_quotes(text)):
        w = _norm_word(token)
        if len(w) < 4 or w in _STOPWORDS:
            continue
        stems.add(_stem(w))
    return stems


def specificity(question: str, own_texts: Sequence[str], other_texts: Sequence[str]) -> bool:
    """True when the question could only have been written for this contact.

    Why: "What do you enjoy most about your work?" fits anyone and tells the
    contact the user did no homework. A specific question reuses something
    from *this* contact's notes: a content word (length >= 4, stopwords and
    generic question words removed, crudely stemmed) that appears in
    ``own_texts`` but in none of ``other_texts`` (the other contacts' notes),
    or a capitalized name from ``own_texts`` (employer, product, place).
    """
    q_stems = _content_stems(question) - _GENERIC_QUESTION_WORDS
    own_stems = set().union(*(_content_stems(t) for t in own_texts)) if own_texts else set()
    other_stems = set().union(*(_content_stems(t) for t in other_texts)) if other_texts else set()
    if q_stems & (own_stems - other_stems):
        return True

    q_words = {_norm_word(t) for t in _WORD_RE.findall(_normalize_quotes(question))}
    for own in own_texts:
        for _, words, _initial in _entity_terms(_normalize_quotes(own)):
            for w in words:
                nw = _norm_word(w)
                if len(nw) >= 2 and nw not in _STOPWORDS and nw in q_words:
                    return True
    return False


# --------------------------------------------------------------------------
# 9. Rehearsal talk balance
# --------------------------------------------------------------------------

_COUNT_RE = re.compile(r"[^\W_]+(?:['\u2019\-][^\W_]+)*")


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
