"""Checks on the questions a brief suggests: open, never a job ask, specific to this person.

A small local model drifts into yes/no questions, asks the contact for a job and
writes questions that fit anyone; these deterministic checks catch that, so a
failing case can become a unit test. A false "bad question" only costs a
regeneration; a job ask that slips through embarrasses the user.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.grounding import entity_terms
from assistant.text.words import STOPWORDS, WORD_RE, norm_word, normalize_quotes, stem


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
    t = normalize_quotes(text).strip().rstrip(_TRAILING_CLOSERS).strip()
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
            # ("help me find Kirkgate Park" is directions, not a job: the object decides)
            r"\bhelp me (?:to )?(?:get|land|find|secure)\b(?: (?:a|an|my|the|some|into))?"
            r"(?: (?:new|first|next|full-time|part-time|permanent))? (?:job|role|position|work|opening|offer"
            r"|internship|interview|placement|foot in|way in|hired)\b",
            r"\bhelp me (?:to )?break in(?:to)?\b",
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
    original = normalize_quotes(text)
    t = original.lower()
    if _JOB_ASK_RE.search(t) or _IS_NAME_HIRING_RE.search(original):
        return True
    without_framing = _FRAMING_ME_RE.sub(" ", t)
    if _FIRST_PERSON_RE.search(without_framing) and _JOB_ASK_FIRST_PERSON_RE.search(t):
        return True
    return False


# --------------------------------------------------------------------------
# 8. Specificity
# --------------------------------------------------------------------------

# Words any question to anyone could contain (stemmed); they prove nothing about the
# contact even when their notes happen to use them, nor that an offer fits a sentence.
GENERIC_WORDS = frozenset(
    stem(w)
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


# "What challenges do you face in your role as Head of People Operations at Calloway Digital?": the
# stock networking question with a job title pasted in. It passed the specificity check (the title is
# theirs) and opened 15 of 19 eval briefs; the person hears that nobody read past their title.
_STOCK_RE = re.compile(
    r"^what (?:are |were )?(?:the |some of the )?(?:main |biggest |key |greatest |most common |common )?"
    r"challenges (?:do|did|have) you (?:face|faced|encounter|encountered)\b[^?]*?\b(?:in|with|as|at) "
    r"(?:your|the) (?:current )?(?:role|work|job|position|career|day-to-day)\b", re.I)
# "..., and how do you address them?": the stock second half, tacked on to any question.
_HOW_ADDRESS_RE = re.compile(r",?\s+and how (?:do|did|would) you (?:address|overcome|deal with|handle|tackle|navigate|"
                             r"manage|face) (?:them|these|those|it|this|that)\s*\?\s*$", re.I)


def stock_question(text: str) -> bool:
    """True for "What challenges do you face in your role as <their title>?" and its variants."""
    return bool(_STOCK_RE.search(normalize_quotes(text).strip()))


# "What led you to strongly against 12.5-hour shifts ...; thinks they're driving nurses out?": the starter
# given to the model, then a fact's words pasted after it. "led you to" needs a verb next, and a ";" in a
# question is a list item copied in.
_LED_TO_NO_VERB = re.compile(r"\b(?:led|brought|drew|pushed) you to\s+(?:(?!(?:early|only|family|supply|italy|july)\b)\w+ly|"
                             r"against|for|in|on|at|with|about|from|of|into|by|very|so|more|less)\b", re.I)


def garbled_question(text: str) -> bool:
    """A question that does not read as one sentence a person would say (see ``_LED_TO_NO_VERB``)."""
    t = normalize_quotes(text)
    return bool(_LED_TO_NO_VERB.search(t)) or ";" in t


# "Now that X, how does this affect your work on quillmark, and what changes might you face?": a second question
# tacked on with ", and what/how ..."; and "Tell me about the form you designed? How did you ...?": two questions
_SECOND_ASK = re.compile(r",\s+and (?:what|how|why|which|who|where|when)\b[^?]*\?\s*$", re.I)
_QUESTION_WORD = re.compile(r"^(?:what|how|why|which|who|where|when|tell me|now that|looking back|in your)\b", re.I)


def without_stock_tail(text: str) -> str:
    """The question without a tacked-on "..., and how do you address them?" or any second question.

    Why: the model's field questions added ", and what changes or challenges might you face?" and were
    refused (too long for one open question), twice in a row, in most briefs of a run; the first stands alone.
    """
    text = _HOW_ADDRESS_RE.sub("?", text)
    first, sep, rest = text.partition("? ")
    if sep and rest.strip().endswith("?") and len(first.split()) >= 6 and _QUESTION_WORD.match(first):
        text = first + "?"
    cut = _SECOND_ASK.search(text)
    if cut and len(text[:cut.start()].split()) >= 6 and _QUESTION_WORD.match(text):
        text = text[:cut.start()].rstrip(" ,") + "?"
    return text


# "Tell me about your big project: automated organoid screening - about ten thousand organoids a week now.": the
# model recited the whole fact. "Tell me about X" is an invitation; X names the thing, the notes' details stay theirs
# to tell. It is cut at a dash, a "but", or a tacked-on "and how/what ..." (the second ask of a long one); not at
# "and why you prefer paying suppliers for data", which is what the question is about.
_TELL_ME = re.compile(r"tell me (?:more )?about\s+", re.I)
_TELL_BREAK = re.compile(r"\s[-\u2013\u2014]\s|;\s|\s\+\s|,?\s+but\s|,?\s+and\s+(?:how|what|which)\s|,\s+(?:how|which)\s",
                         re.I)
TELL_ME_MAX_WORDS = 16


def tell_me_shorter(text: str) -> str:
    """A "Tell me about ..." of more than ``TELL_ME_MAX_WORDS`` words, cut to the thing it names.

    Why: read in the eval briefs, a third of the "Tell me about" questions recited their fact ("... - but
    response rates from older patients are terrible and the nurses see it as one more job.") or tacked a
    second ask on ("... and how it will impact your work."); said aloud, only the first part is a question.
    """
    m = _TELL_ME.match(text)
    if not m or len(text.split()) <= TELL_ME_MAX_WORDS:
        return text
    thing = text[m.end():].rstrip(" ?.!")
    label = re.match(r"([^:]{1,40}?):\s+", thing)  # "your big project: automated organoid screening"
    if label and len(label.group(1).split()) <= 4:
        thing = f"{label.group(1)}, {thing[label.end():]}"
    cut = next((b for b in _TELL_BREAK.finditer(thing) if len(thing[:b.start()].split()) >= 3), None)
    return f"{text[:m.end()]}{thing[:cut.start()].rstrip(' ,')}." if cut else text


# "Ask about her benchmarks.", "ask him how the Rust port is going": the user's own note of what to ask.
_ASK_LINE = re.compile(r"^\W*(?:(?:remember|must|need) to |to )?ask (?:(?:her|him|them|(?-i:[A-Z][\w'\u2019-]*))\s+)?"
                       r"(about|how|what|why|which|whether|if)\s+(.{3,140}?)[.!?]*$", re.I)


def asked_in_notes(line: str) -> str:
    """The question a note tells the user to ask ("Tell me about her benchmarks."), or "".

    Why: real notes end with "Ask about her benchmarks."; the brief asked about everything else.
    """
    m = _ASK_LINE.match(" ".join(line.split()))
    if not m:
        return ""
    word, rest = m.group(1).lower(), m.group(2)  # still about them: voice.to_second_person says it to them
    return f"Tell me about {rest}." if word == "about" else f"Tell me {word} {rest}."


def _content_stems(text: str) -> set[str]:
    stems = set()
    for token in WORD_RE.findall(normalize_quotes(text)):
        w = norm_word(token)
        if len(w) < 4 or w in STOPWORDS:
            continue
        stems.add(stem(w))
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
    q_stems = _content_stems(question) - GENERIC_WORDS
    own_stems = set().union(*(_content_stems(t) for t in own_texts)) if own_texts else set()
    other_stems = set().union(*(_content_stems(t) for t in other_texts)) if other_texts else set()
    if q_stems & (own_stems - other_stems):
        return True

    q_words = {norm_word(t) for t in WORD_RE.findall(normalize_quotes(question))}
    for own in own_texts:
        for _, words, _initial in entity_terms(normalize_quotes(own)):
            for w in words:
                nw = norm_word(w)
                if len(nw) >= 2 and nw not in STOPWORDS and nw in q_words:
                    return True
    return False
