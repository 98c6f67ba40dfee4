"""Whose is this claim? A role, a status or an interest said of the person must be theirs in the notes.

Why a module of its own: :mod:`assistant.text.grounding` checks that a claim's names and numbers
appear in its sources. A claim can pass that and still give the person something the notes give to
someone else: "a former head of year at Parable" (the newsletter's "suggested by a former head of
year"), "a retired person" (her volunteers are retired), "interested in running a burnout service"
(his ironic quote). Every word is in the notes; who it belongs to is not. Each check reads the
sources only when the claim makes that kind of statement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.sentences import split_sentences
from assistant.text.words import WORD_RE, norm_word, normalize_quotes, stem


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


_RETIRED_CLAIM = re.compile(r"\b(?:is|was|are|were|has been)\s+(?:now\s+|also\s+)?(?:an?\s+)?retired\b", re.I)
# "retired" said of the person: "She retired in 2019", "is retired", "retired from the NHS", "(retired)".
_RETIRED_OWN = re.compile(r"\b(?:is|was|has|had|'s|now|recently|since|and)\s+retired\b|\bretired\s+(?:in|from|after|"
                          r"last|early|this|at)\b|\(retired\)|^\W*retired\b", re.I)


def unsupported_retirement(claim: str, sources: Sequence[str]) -> list[str]:
    """ "retired" when the claim says the person is retired and no note says it of them.

    Why: Marguerite's brief said "She is a retired person who has moved to Yorkshire"; the notes said
    her homework club is "run by volunteers, mostly retired people". The word was in the notes, about
    someone else, so the names-and-numbers check could not see it.
    """
    if not _RETIRED_CLAIM.search(claim):
        return []
    said = any(_RETIRED_OWN.search(s) for src in sources for s in split_sentences(normalize_quotes(src)))
    return [] if said else ["retired"]


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


_INTEREST_CLAIM = re.compile(r"\b(is|are|was|were|seems?|has been|remains?)\s+(?:\w+ly\s+|also\s+|very\s+)?"
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
    thing = m.group(2).rstrip(" .")
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
    _, stated, work = _interest_reading(claim, sources)
    claim = normalize_quotes(claim)
    m = _INTEREST_CLAIM.search(claim)
    if stated or not work or m.group(1).lower() not in ("is", "are", "was", "were"):
        return ""  # "seems interested in" has no plain "is working on" to become
    return f"{claim[:m.start()]}{m.group(1)} working on {m.group(2)}"


# Roles the notes date as over. LinkedIn's copy puts "Company · Full-time" between a title and its dates.
_EMPLOYMENT_TYPE = re.compile(r"\b(?:full-time|part-time|contract|freelance|self-employed|internship|apprenticeship)\b",
                              re.I)
_RANGE = r"(?:[A-Z][a-z]{2,8}\.?\s+)?(?:19|20)\d\d\s*[-\u2013\u2014]+\s*(?:[A-Z][a-z]{2,8}\.?\s+)?(?:19|20)\d\d"
# A LinkedIn "Experience" entry: the title on one line, its dates on the next ("Jan 2020 - Mar 2022").
_ENDED = re.compile(rf"^{_RANGE}\b")
_STILL = re.compile(r"^(?:[A-Z][a-z]{2,8}\.?\s+)?(?:19|20)\d\d\s*[-\u2013\u2014]+\s*(?:present|now|current|today)\b", re.I)
# One line, dates last or first: "Senior Product Manager - Monzo - 2016-2022", "2018 - 2022  Data Engineer, X".
_ENDED_AFTER = re.compile(rf"^(.+?)\s*[-\u2013\u2014|\u00b7,(]\s*{_RANGE}\)?\s*$")
_ENDED_BEFORE = re.compile(rf"^{_RANGE}\s*[:|,\u00b7]?\s+(\S.+)$")
_TITLE_END = re.compile(r"\s+(?:[-\u2013\u2014|\u00b7]|at|@)\s+|,\s*")


# "founded ByteBridge in 2018 after a decade as an IT technician", "previously a ward sister": a role said as over
_SAID_OVER = re.compile(r"\b(?:after|following)\s+(?:a decade|(?:\w+\s+){0,2}(?:years?|months?|decades?))\s+as\s+(?:an?|the)\s+"
                        r"([\w -]{3,40}?)(?=\s+(?:in|at|for|with|on)\b|[,.;)]|$)"
                        r"|\b(?:previously|formerly|once)\s+(?:an?|the)\s+([\w -]{3,40}?)(?=\s+(?:in|at|for|with|on)\b|[,.;)]|$)",
                        re.I | re.M)


def ended_roles(texts: list[str]) -> set[str]:
    """Job titles the notes date as over ("Senior Operations Research Engineer / Jan 2020 - Mar 2022",
    LinkedIn's "People Partner / Harbour & Lyle Insurance · Full-time / Jun 2018 - Feb 2023", or one
    line of a CV: "Senior Product Manager - Monzo - 2016-2022", "2018 - 2022  Data Engineer, X")."""
    roles: set[str] = set()
    for text in texts:
        lines = [line.strip(" -\u2022*\t") for line in text.splitlines() if line.strip()]
        for line in lines:
            one = _ENDED_AFTER.match(line) or _ENDED_BEFORE.match(line)
            title = _TITLE_END.split(one.group(1).strip(), maxsplit=1)[0].strip() if one else ""
            if 1 <= len(title.split()) <= 8 and not title.endswith(".") and not re.search(r"\d", title):
                roles.add(title.casefold())
        roles |= {(m.group(1) or m.group(2)).strip().casefold() for m in _SAID_OVER.finditer(text)}
        now: set[str] = set()  # where they work today ("Jan 2023 - Present"): a promotion is not a job that ended
        for k in range(1, len(lines)):
            prev = lines[k - 1]
            employer = prev.split("\u00b7")[0 if _EMPLOYMENT_TYPE.search(prev) else -1].strip() if "\u00b7" in prev else ""
            if _STILL.match(lines[k]):
                now.add("@" + employer.casefold())
            if not _ENDED.match(lines[k]):
                continue
            # "Company · Full-time" between the title and its dates; or today's one line "Principal Engineer ·
            # Ordnance Survey" (its title first)
            title = lines[k - 2] if k >= 2 and _EMPLOYMENT_TYPE.search(prev) else \
                prev.split("\u00b7")[0].strip() if "\u00b7" in prev else prev
            if 1 <= len(employer.split()) <= 6 and employer[:1].isupper():
                roles.add("@" + employer.casefold())  # where they worked then: "@ordnance survey"
            if 1 <= len(title.split()) <= 8 and not title.endswith("."):
                roles.add(title.split(",")[0].strip().casefold())
        roles -= now
    return roles


# A job that ended, as a CV or a LinkedIn copy dates it: "Sep 2014 - May 2018 · 3 yrs 9 mos" (and the lines
# under it), "2016 - 2018      Graduate Analyst, Scottish Water" (and its lines), "- 2019-2021: Head of Design, ..."
_ENDED_LINE = re.compile(rf"^[\s\-*\u2022]*{_RANGE}\b(?P<rest>.*)$")


def without_ended_jobs(text: str) -> str:
    """The note without the lines of jobs whose dates say they ended (blank lines in their place).

    Why: a LinkedIn copy's old job says "Recruitment and onboarding for care staff" under "Sep 2014 -
    May 2018"; read as what Rhiannon does, it took an offer of training materials. No verb says it is
    past (``hooks.finished`` reads verbs); the dates do, as for ``ended_roles``. A block ends at a blank line.
    """
    out, past = [], False
    for line in text.split("\n"):
        ended = _ENDED_LINE.match(line)
        if ended:
            rest = ended.group("rest")
            # a date line of its own, or a CV's date column: the lines under it are that job's too
            past = not rest.strip(" \t\u00b7") or rest.lstrip(" \t").startswith("\u00b7") or rest.startswith("  ")
            out.append("")
        elif not line.strip():
            past = False
            out.append(line)
        else:
            out.append("" if past else line)
    return "\n".join(out)


def as_current(text: str, ended: set[str]) -> bool:
    """True when a fact says they are now in a role their notes date as over.

    Why: from a pasted LinkedIn profile the model wrote "He is also a Senior Operations
    Research Engineer ..." about a job that ended in 2022; said to his face, that is wrong.
    """
    return any(re.search(rf"\b(?:is|are|has been|have been)\s+(?:also\s+|currently\s+|now\s+|still\s+)?"
                         rf"(?:working\s+|employed\s+)?(?:at|for|with)\s+(?:the\s+)?{re.escape(r[1:])}\b"
                         rf"|\bworks?\s+(?:at|for)\s+(?:the\s+)?{re.escape(r[1:])}\b", text, re.I)
               if r.startswith("@") else
               re.search(rf"\b(?:is|are)\s+(?:also\s+|currently\s+|now\s+|still\s+)?(?:an?|the)\s+{re.escape(r)}\b",
                         text, re.I)
               # a bullet of that job, copied as it stands: "People partner to claims operations (1,100 staff); ..."
               # (LinkedIn, under "People Partner / Harbour & Lyle Insurance / Jun 2018 - Feb 2023") reads as now
               or (re.match(rf"^\W*{re.escape(r)}\b", text, re.I) and not re.search(r"\b(?:19|20)\d\d\b", text))
               for r in ended if r)


__all__ = ["as_current", "ended_roles", "interest_as_work", "misattributed_roles", "unstated_interest",
           "unsupported_occupations", "unsupported_retirement", "without_ended_jobs"]
