"""Who is speaking and to whom: questions about the user, text in the user's voice, "you" rewriting.

The brief's questions must be about the contact, asked to the contact; small models
turn them back onto the user or write them in the third person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text import grounding, questions
from assistant.text.names import TITLE_PATTERN, latin, other_script, parse_name
from assistant.text.sentences import split_keeping_layout, split_sentences
from assistant.text.speakers import quoted_reply_to_reader
from assistant.text.words import STOPWORDS, WORD_RE, norm_word, normalize_quotes, stem


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
    outside = _QUOTED_RE.sub(" ", normalize_quotes(text))
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
    t = normalize_quotes(text).lower()
    if _ABOUT_USER_RE.search(t):
        return True
    for name in user_names:
        person = parse_name(normalize_quotes(name))
        candidates = [r"\s+".join(re.escape(p.lower()) for p in form.split())
                      for form in (person.full, person.given) if form and len(form) >= 2]
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


# The forms a verb keeps after "I" and after a name: modals, and past tenses that do not end in "-ed"
_SAME_FORM = frozenset("""can can't cannot could couldn't will won't would wouldn't should shouldn't may might must shall
was wasn't did didn't had hadn't led ran spent made built wrote became began took gave got went left found taught grew
set put held brought sold won met sent told said thought felt knew saw moved read chose fell kept lost paid rode swam
sat stood understood came drove flew spoke broke""".split())
# "need" is no past tense: "We need help" was "Ama's team need help"
_BASE_IN_ED = frozenset("need feed seed speed heed breed bleed proceed succeed exceed embed shed".split())
_THIRD = {**{v: k for k, v in _BE_HAVE.items()}, "am": "is", "go": "goes", "'m": "is", "'re": "is", "'ve": "has",
          "'d": "would", "'ll": "will"}


def third_person_verb(verb: str) -> str:
    """ "lead" -> "leads", "have" -> "has", "led" -> "led": the form after "she" or a name (``_base_verb`` undone)."""
    low = verb.lower().replace("\u2019", "'")
    if low in _THIRD:
        return _THIRD[low]
    if low in _SAME_FORM or (low.endswith(("ed", "n't")) and low not in _BASE_IN_ED):
        return verb
    if re.search(r"[^aeiou]y$", low):
        return verb[:-1] + "ies"
    return verb + ("es" if low.endswith(("s", "sh", "ch", "x", "z", "o")) else "s")


def to_second_person(text: str, name: str) -> str:
    """Rewrite a question about the contact into one asked *to* them.

    Why: small models asked to write "a question you can ask Noor" keep
    writing "How does Noor Al-Rashidi's team approach ...?". The content is
    fine; only the grammatical person is wrong, and rejecting it wastes a
    generation (often every retry fails the same way). Questions that already
    say "you" are left alone, so a question *mentioning* a third person
    ("How did you and she meet?") is not touched.
    """
    parts_of_text = split_sentences(text.strip(), lines=False)
    if len(parts_of_text) > 1:  # "Tell me about the grant Sven won. Why does it matter to you?"
        return " ".join(to_second_person(s, name) for s in parts_of_text)
    # Every way the name may be written ("Dr. Carla Cotwright-Williams", "Carla", "Dr. Cotwright-Williams"),
    # never a bare initial or title: "E. Kate Valcin" must not turn "E." into "you".
    mentions = parse_name(name).mentions
    if not mentions:
        return text
    # a word the model wrote half in Latin, half in Cyrillic ("Orlова") is the Latin word it meant
    text = re.sub(r"\w+", lambda m: latin(m.group(0)) if other_script(m.group(0)) and re.search(r"[A-Za-z]", m.group(0))
                  else m.group(0), text)
    # "How does Professor Dame Sarah lead ...": the titles before a name go with it ("How does Professor Dame you")
    forms = [rf"(?:{TITLE_PATTERN}\s+)*{re.escape(m)}" for m in mentions]
    # A question that already says "you" keeps its pronouns ("How did you and she meet?"), but their
    # own name is never right in a question to them ("How does Sven view ..., and what do you suggest?").
    says_you = bool(re.search(r"\byou(?:r|rs|rself)?\b", text, re.I))
    if says_you and not re.search(rf"\b(?:{'|'.join(forms)})\b", text):
        return text
    # Names match as written (capitalized: "Will" the name, not "will" the verb); pronouns in any case.
    # ("you and Noor" names two people: left as it is)
    subj = rf"(?<!and )(?<!or )(?:{'|'.join(forms)})" if says_you else rf"(?:{'|'.join(forms)}|(?i:she|he))"
    # "Noor's" and, for a name ending in s, "Castellanos'" (it became "you' role")
    apostrophe = "(?:['\u2019]s\\b|(?<=s)['\u2019](?!\\w))"
    out = normalize_quotes(text)
    # "Noor's team" / "her team" -> "your team"
    out = re.sub(rf"\b(?:{'|'.join(forms)}){apostrophe}", "your", out)
    # "does Noor face" / "is she preparing" -> "do you face" / "are you preparing"
    out = re.sub(rf"\b((?i:does|is|was|has|doesn't|isn't|wasn't|hasn't))\s+{subj}\b",
                 lambda m: f"{_BE_HAVE[m.group(1).lower()]} you", out)
    # "she believes" / "Noor is" -> "you believe" / "you are"
    out = re.sub(rf"\b{subj}\s+([a-z]+(?:n't)?)\b", lambda m: f"you {_base_verb(m.group(1))}", out)
    if not says_you:
        out = re.sub(rf"\b{subj}\b", "you", out)
        out = re.sub(r"\bherself\b|\bhimself\b", "yourself", out, flags=re.I)
        # "her" before a word that is not a preposition is a possessive; otherwise an object.
        out = re.sub(r"\b(?:her|his)\b(?=\s+(?!about|to|for|with|and|or|in|on|at|from|as)[a-z])", "your", out,
                     flags=re.I)
        out = re.sub(r"\bher\b", "you", out, flags=re.I)
        out = re.sub(r"\bhim\b", "you", out, flags=re.I)
    out = re.sub(r"(^|[.!?]\s+)(you|your)\b", lambda m: m.group(1) + m.group(2).capitalize(), out)
    return out


HYPE = re.compile(r"\b(passionate|excited|thrilled|guru|rock ?star|ninja|world[- ]class|synerg\w*|visionary|"
                  r"thought leader|\d+[- ]year[- ]old)\b", re.I)


_PLAIN = [(re.compile(r"\b(passionate|excited|enthusiastic) about\b", re.I), "interested in"),
          (re.compile(r"\b(?:a |my )?(?:strong |real |deep |great )?passion for\b", re.I), "an interest in"),
          (re.compile(r"\b(excited|thrilled) to\b", re.I), "glad to"),
          (re.compile(r"\b(?:deeply |very |really |truly )?(passionate|excited|thrilled)\b", re.I), "keen")]


def plain_words(text: str) -> str:
    """The mild hype a small model adds ("passionate about", "excited to") said plainly.

    Why: a narrative that is right in every other way was thrown away for one
    word (a whole contact's narrative failed on "passionate" in every attempt);
    these few have plain equivalents. The rest of HYPE has none and still fails.
    """
    for pattern, plain in _PLAIN:
        text = pattern.sub(plain, text)
    return text


# A CV's heading copied into speech: "I am PRIYA NAIR-HOLM, a Senior Data Engineer".
_SHOUTED = re.compile(r"\b[A-Z][A-Z'\u2019-]+(?:\s+[A-Z][A-Z'\u2019-]+)+\b")
# A CV's subjectless line copied into speech: "Currently looking to move closer to policy work."
_NO_SUBJECT = re.compile(r"(^|(?<=[.!?])\s+)(?:(Currently|Now)\s+)?(looking|hoping|aiming|seeking|planning|trying|"
                         r"moving|learning|studying|exploring|working)\b(?=\s+(?:to|for|on|at|in|towards?|with)\b)", re.I)


def as_spoken(text: str) -> str:
    """A CV's written shorthand said as a person says it: names in capitals, lines without "I".

    Why: from a pasted CV the default model's story began "I am PRIYA NAIR-HOLM" (the CV's
    heading) and went on "Currently looking to move closer to policy work" (a CV line without
    its subject). Capitals are kept for short acronyms ("NHS UX"): a run is a shouted name only
    when one of its words has four letters or more.
    """
    def title(m: re.Match) -> str:
        run = m.group(0)
        if max(len(re.sub(r"[^A-Z]", "", w)) for w in run.split()) < 4:
            return run
        return re.sub(r"[A-Z]+", lambda w: w.group(0)[0] + w.group(0)[1:].lower(), run)

    def subject(m: re.Match) -> str:
        lead = m.group(1) or ""
        when = f"{m.group(2).lower()} " if m.group(2) else ""
        return f"{lead}I'm {when}{m.group(3).lower()}"

    text = _SHOUTED.sub(title, text)
    return _NO_SUBJECT.sub(subject, text)


def narrative_problem(text: str, support: Sequence[str], max_words: int = 110) -> str:
    """Why a 30-second narrative cannot be used, or "" when it can (one check for the brief and the Me page).

    It must be the user speaking ("I ..."), ask for nothing, carry no hype,
    stay short, and name nothing its support (the user's profile, and the
    contact's facts when tailoring) does not contain.
    """
    if not re.search(r"\b(I|I'm|I've|my)\b", text):
        return "not in the first person"
    if questions.is_job_ask(text):
        return "asked for a job"
    if HYPE.search(text):
        return "hype words"
    if len(text.split()) > max_words:
        return "too long"
    missing = grounding.unsupported_terms(text, list(support))
    return f"unsupported: {', '.join(missing)}" if missing else ""


# ------------------------------------------------------------- whose words --
_CLAUSE_SPLIT = re.compile(r"(;\s+|\s+[\u2014\u2013]\s+|,\s+(?:and|but|so)\s+(?=(?:I|we|my|our|she|he|they)\b))")
_LEAD_IN = r"(?:(?:then|also|later|afterwards|after that|so|and|but|today|yesterday|at the end|on \w+day)[, ]+)?"
_USER_SUBJECT = re.compile(
    rf"^\W*{_LEAD_IN}(?:I|I'm|I've|I'd|I'll|we|we're|we've|we'd|my|our|me)\b(?!['\u2019]s)", re.I)
_LOGISTICS = re.compile(
    r"\blet['\u2019]?s (?:get|grab|have|meet|catch up|talk|chat|do)\b|\b(?:grab|get|have) (?:a |another )?(?:proper )?"
    r"(?:coffee|lunch|drink|call|chat)s?\b|\bfollow[- ]?up\b|\bsend (?:me|her|him|them|you|over)\b"
    r"|\bcircle back\b|\bpromised to (?:send|share|intro)|\bintroduce (?:me|us)\b|\bbook (?:a|the) (?:call|meeting)\b"
    r"|\b(?:call|meeting|coffee|chat|lunch)s? (?:is |was |now )?(?:booked|scheduled|arranged|confirmed)\b"
    r"|\b(?:set up|schedule|book|arrange) (?:a |the |some )?(?:\d+\s*(?:-\s*)?min\w*|call|meeting|time|slot)\b",
    re.I)


# Note-taking drops the "I": "Asked if she needs help with ...", "Told him about my course".
_IMPLIED_I = re.compile(rf"^\W*{_LEAD_IN}(?:asked|told|offered|suggested|promised|sent|showed|explained|pitched|"
                        r"mentioned|pointed out)\s+(?:her|him|them|if|whether|to)\b", re.I)


def user_clause(clause: str) -> bool:
    """The clause's subject is the user ("I told her ...", "My agency ...", "We met at ...", "Asked if she ...")."""
    outside = _QUOTED_RE.sub(" ", normalize_quotes(clause)).strip()
    return bool(_USER_SUBJECT.match(outside) or _IMPLIED_I.match(outside))


def logistics_clause(clause: str) -> bool:
    """Plans and errands between the two of them ("let's get a proper coffee in September")."""
    return bool(_LOGISTICS.search(clause))


# In their e-mail, "you" is the user: "Ewa says you've designed training for adults who are sceptical".
_ABOUT_READER = re.compile(r"\byou(?:['\u2019]ve| have| had)\s+(?!need)(?:\w+ly\s+)?(?:been\s+)?\w+(?:ed|en|wn|lt|ght)\b", re.I)


def about_the_reader(clause: str) -> bool:
    """A line of their own that says what the user has done: the user's story told back, not theirs."""
    return bool(_ABOUT_READER.search(clause))


# A to-do list in the user's notes ("ToDo:", "f/u: send 3 bullets ...", "Next steps:") is the user's errands.
_TODO_HEAD = re.compile(r"^\W*(?:to[- ]?dos?|next steps|action items?|my actions|f/?u|follow[- ]?ups?)\s*:", re.I)
BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")
# A line labelled in the user's voice: "What she might want from me: ...", "My take: ...", "Why I care: ...".
# Also the user's plans without an "I": "**Possible give-back:** design the journey-mapping lesson; intro to
# Rachel Obi" became "She is interested in designing the journey-mapping lesson ...".
_MY_LABEL = re.compile(r"^\W*(?![^:\n]*\b(?:told|said|asked|wrote|e-?mailed|showed|sent)\s+me\b)"
                       r"(?:(?=[^:\n]{0,60}\b(?:I|me|my|mine)\b)[^:\n]{1,60}?"
                       r"|(?:possible\s+|ideas?\s+for\s+|potential\s+)?give[- ]?backs?(?:\s+ideas?)?"
                       r"|ideas?\s+for\s+(?:her|him|them)|ways?\s+to\s+help|how\s+to\s+help)\**:", re.I)


SPEAKER_MARK = re.compile(r"^\s*\((?:[^()\n]|\([^()\n]{0,40}\)){1,80} writes:\)\s*")  # "(王明 (Wang Ming) writes:)"
"""The "(Kit Marchetti writes:)" that :func:`about_them` puts before a run of the contact's own lines."""


def about_them(text: str, theirs: Sequence[bool] | None = None, speaker: str = "",
               reader: str = "") -> tuple[str, list[str]]:
    """The note as facts about the contact may be drawn from, and the clauses taken out.

    Notes are written by the user, often in the first person ("I told her
    about my agency work; she said let's get a proper coffee in September").
    Clauses whose subject is the user, and logistics between the two of them,
    are the user's story and plans: they go to follow-ups, never into facts or
    questions about the contact. "She told me she is hiring" stays: its
    subject is her. A to-do list ("ToDo:" and its bullets, "f/u: ...") is the
    user's errands and goes too. Layout (line breaks) is kept.

    ``theirs`` (one flag per line, from ``text/speakers.py``) marks lines the
    contact wrote (their e-mail, their pasted profile): there "I" is them, so
    only logistics and what they say the user has done ("you've designed
    training for ...": the user's story) are taken out, and each run of their lines is introduced as
    "(``speaker`` writes:)" so the model knows whose "I" it reads. Lines of their reply quoting
    the mail of ``reader`` (the person it was sent to: the user) are the user's words and go too.
    """
    kept_lines: list[str] = []
    removed: list[str] = []
    in_todo = False
    lines = text.split("\n")
    marks = list(theirs or [])[:len(lines)] + [False] * max(0, len(lines) - len(theirs or []))
    in_run = False  # a run of their lines, blank lines included, is introduced once
    # their reply quoting the user's own earlier mail: the user's words (an offer, a plan), not theirs
    users_quoted = quoted_reply_to_reader(text, speaker, reader) if speaker else [False] * len(lines)
    for k, line in enumerate(lines):
        if users_quoted[k]:
            if line.strip(" >\t"):
                removed.append(line.strip(" >\t"))
            kept_lines.append("")
            continue
        if line.strip() and not marks[k]:
            in_run = False
        if marks[k] and speaker:
            pieces = split_keeping_layout(line) or [(line, "")]
            out = "".join(p + sep for p, sep in pieces if not (logistics_clause(p) or about_the_reader(p)))
            removed += [p.strip() for p, _ in pieces if p.strip() and (logistics_clause(p) or about_the_reader(p))]
            lead = f"({speaker} writes:) " if out.strip() and not in_run else ""
            in_run = in_run or bool(out.strip())
            kept_lines.append(lead + out.rstrip())
            in_todo = False
            continue
        if _MY_LABEL.match(line):  # "What she might want from me:** help ..." is the user's guess, not a fact
            removed.append(line.strip())
            in_todo = False
            continue
        head = _TODO_HEAD.match(line)
        if head:
            # "ToDo:" alone heads the bullets below it; "f/u: send ..." is one errand on its line
            in_todo = not line[head.end():].strip()
            removed.append(line.strip())
            continue
        if in_todo and line.strip() and BULLET.match(line):
            removed.append(line.strip())
            continue
        in_todo = False
        out = ""
        for sentence, sep in split_keeping_layout(line) or [(line, "")]:
            parts = _CLAUSE_SPLIT.split(sentence)
            clauses, seps = parts[::2], [*parts[1::2], ""]
            kept = [(c, s) for c, s in zip(clauses, seps) if not (user_clause(c) or logistics_clause(c))]
            removed += [c.strip() for c in clauses if c.strip() and (user_clause(c) or logistics_clause(c))]
            if kept:
                piece = "".join(c + s for c, s in kept).strip(" ;,\u2014\u2013")
                # "Make hiring introductions from the list, and [I ...]" loses its dangling "and"
                piece = re.sub(r"[\s,;]+(?:and|but|so|or|then)$", "", piece, flags=re.I)
                if piece and piece[-1] not in ".!?\"'\u201d)":
                    piece += "."
                out += piece[:1].upper() + piece[1:] + sep
        kept_lines.append(out.rstrip())
    return "\n".join(kept_lines).strip(), removed


def names_them(narrative: str, their_texts: Sequence[str], mine: Sequence[str] = ()) -> bool:
    """The narrative has a sentence to the contact ("you") naming something real of theirs.

    "Something real" is a content word of five letters or more, or a capitalised
    name, from their facts or field notes (stopwords and generic words aside)
    and, given ``mine`` (the user's profile), not also the user's: a nurse
    talking to a nurse shares "clinical" and "wards", which names nothing of theirs.
    """
    def stems(texts: Sequence[str]) -> set[str]:
        return {stem(norm_word(w)) for t in texts for w in WORD_RE.findall(normalize_quotes(t))
                if len(norm_word(w)) >= 5 and norm_word(w) not in STOPWORDS}

    theirs = stems(their_texts) - stems(mine)
    for sentence in split_sentences(narrative, lines=False):
        if not re.search(r"\byou(?:r|rs|'re|'ve)?\b", sentence, re.I):
            continue
        words = {stem(norm_word(w)) for w in WORD_RE.findall(normalize_quotes(sentence)) if len(norm_word(w)) >= 5}
        if words & theirs:
            return True
    return False
