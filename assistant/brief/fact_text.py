"""A model's fact item as sentences that read on their own: one fact each, list items given a subject and verb.

Why apart from the checks (fact_checks.py): these only reshape what the model or a note wrote, never add a claim;
every result still goes through the same checks against its sources.
"""

from __future__ import annotations

import re

from assistant.text.names import family_as_subject
from assistant.text.sentences import complete_sentence, split_sentences
from assistant.text.voice import third_person_verb

FACT_MAX_CHARS = 200  # ~30 words; a longer item is cut back to its last whole clause


_NO_SUBJECT = re.compile(r"^(?:trying|hoping|planning|working|looking|wanting|aiming|keen|busy|currently|also)\b", re.I)


def fact_sentences(text: str) -> list[str]:
    """One fact per sentence: a model that packs three facts into one item still gives three.

    Why: more, shorter facts read better on the train and each seeds its own question.
    """
    parts = [p for p in split_sentences(text, lines=False) if p]
    long_parts = [p for p in parts if len(p.split()) >= 4]  # "She leads the team." is a fact
    # "Fair enough." / "Bold." tacked on from the notes is a remark, not a fact: dropped
    parts = long_parts if len(parts) > 1 and long_parts else [text]
    # "The grief service has a 14-week waiting list. Trying group sessions to cut it.": a sentence
    # with no subject belongs to the one before it.
    joined: list[str] = []
    for p in parts:
        if joined and _NO_SUBJECT.match(p):
            joined[-1] = f"{joined[-1].rstrip('.!')}, {p[:1].lower()}{p[1:]}"
        else:
            joined.append(p)
    parts = joined
    return [p[:1].upper() + p[1:] for p in parts if p]


_YEAR_ITEM = re.compile(r"^(?:In\s+)?((?:19|20)\d\d)(?:\s*[-\u2013]\s*((?:19|20)\d\d|present|now|current|today))?\s*[:,\u2013-]\s*(.+)$",
                        re.I)
# "Non-executive director, Ofgem" / "Board member of ...": a CV item that is a role, not a sentence
_ROLE_WORD = re.compile(r"\b(?:director|officer|member|chair|chairman|chairwoman|chairperson|head|manager|lead|founder|"
                        r"co-founder|fellow|professor|lecturer|engineer|consultant|advis[eo]r|partner|president|trustee|"
                        r"governor|editor|researcher|scientist|analyst|associate|principal|dean|secretary|treasurer|"
                        r"commissioner|ambassador|coordinator|specialist|nurse|physician|resident|intern|architect|"
                        r"designer|developer|strategist|producer|curator|librarian|teacher|CEO|CTO|CFO|COO|VP)s?\b", re.I)
_HAS_VERB = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|can|could|did|does|\w+ed|\w+s\s+(?:the|a|an|to)\b)\b",
                       re.I)


def _role_item(text: str) -> bool:
    """Whether a list item is a bare role ("Non-executive director, Ofgem"): a role word before any comma, no verb.

    Why: copied as it is after its years it read "In 2019, Non-executive director, Ofgem."
    """
    head = re.split(r",|\bat\b|\bof\b|\bfor\b|\(", text, maxsplit=1)[0]
    return bool(_ROLE_WORD.search(head)) and not _HAS_VERB.search(text) and len(text.split()) <= 14
_BARE_VERB = re.compile(r"^(named|appointed|elected|promoted|established|founded|co-founded|launched|led|joined|"
                        r"received|won|became|created|built|started|published|wrote|introduced|oversaw|chaired|"
                        # shorthand notes: "Leads Screening Platforms, 9 people."
                        r"leads|runs|manages|heads|owns|oversees|chairs|hosts|teaches|builds|works|"
                        # shorthand: "turned DOWN a publisher deal in Aug.", "moved to Leeds in 2019" (not "based in",
                        # "interested in": a state, no deed; "Based on the talk" is no verb of theirs)
                        r"(?!(?:based|interested|involved|focused|located|excited|married|qualified|engaged|determined|"
                        r"concerned|obsessed|inspired|convinced|pleased|surprised|tired|bored|used|supposed|related|"
                        r"compared|aimed|designed|targeted|needed|required)\b)[a-z]{3,}ed(?=\s+(?:down|up|off|back|a|an|the|"
                        r"to|into|from|over|his|her|their|its|two|three|four|five|\d)\b))\b", re.I)
_NAMED_AWARD = re.compile(r"\b(?:has been|was|is|were)?\s*named\s+(?:the\s+|an?\s+)?(?=[\w' -]*\b(?:Award|Prize|Medal)\b(?!\s+(?:recipient|winner|laureate|nominee)))",
                          re.I)
_PASSIVE = {"named", "appointed", "elected", "promoted"}


_DANGLING = re.compile(r"\s+(?:and|or|but|with|of|to|for|in|on|at|by|a|an|the|his|their|its|has|have|had|"
                       r"is|are|was|were|shared|as|then|that|which|who|than|from|into|about|because|so|when|while|where)\.?$",
                       re.I)


def _last_clause(text: str) -> str:
    """``text`` up to its last ", " / " and " / "; ", as a sentence ("" when there is none)."""
    cut = max(text.rfind(", "), text.rfind(" and "), text.rfind("; "))
    return (text[:cut].rstrip(",; ") + ".") if cut > 0 else ""


def dangles(text: str) -> bool:
    """True when ``text`` ends on a word that needs another after it ("... and has shared a")."""
    return bool(_DANGLING.search(text))


def _undangle(text: str) -> str:
    """ "... to dispatchers and has shared a." ends where the model stopped: cut back to the last whole clause."""
    return _last_clause(text) if dangles(text) else text


_FIELD_AS_ROLE = re.compile(
    r"\b(is|was) an? (former |previous |ex-)?(strategy|policy|marketing|sales|finance|operations|research|consulting|"
    r"communications|procurement|fundraising|partnerships|analytics|journalism|law|nursing|teaching|medicine|"
    r"public health|public policy|investment banking|banking|venture capital|private equity|recruitment|HR) "
    r"(?=(?:at|in|for|with)\b)")


# "Senior Product Manager - Monzo - 2016-2022": a CV's or LinkedIn's "Experience" line
_ROLE_LINE = re.compile(r"^([A-Z][\w&/,.'\u2019 -]{1,60}?)\s+[-\u2013\u2014|@]\s+([A-Z0-9][\w&.'\u2019 -]{0,60}?)\s+[-\u2013\u2014|]\s+"
                        r"((?:19|20)\d\d)\s*[-\u2013]\s*((?:19|20)\d\d|present|now|current|today)\.?$", re.I)


def role_line(text: str, first: str) -> str:
    """An "Experience" line ("Head of Product - Kilowattly - 2022-present") as a sentence about them, else "".

    Why: the line is the clearest statement of a past employer a LinkedIn paste holds ("was a senior
    product manager at Monzo"), and copied as it is it reads as a table row, not a fact.
    """
    m = _ROLE_LINE.match(" ".join(text.split()))
    if not m:
        return ""
    title, org, start, end = (g.strip() for g in m.groups())
    if end.isdigit():
        return f"{first} was {title} at {org} ({start}-{end})."
    return f"{first} is {title} at {org} (since {start})."


def readable_fact(text: str, first: str) -> str:
    """A fact copied from a list ("2025: named chief nursing executive of ...") as a sentence about them.

    Why: "Career Highlights" lists are how real bios read; a small model copies
    their items as they are ("She has been named Apotheosis Award"). Only the
    subject and a verb are added (the checks against the sources still run on
    the result), so nothing new is claimed.
    """
    role = role_line(text, first)
    if role:
        return role
    text = original = _undangle(text.strip())
    year = end = ""
    item = _YEAR_ITEM.match(text)
    if item:
        year, end, text = item.group(1), (item.group(2) or "").lower(), item.group(3).strip()
    bare = _BARE_VERB.match(text)
    if year and not bare and text[:1].isupper() and _role_item(text.rstrip(".")):
        role = text.rstrip(".")  # "2019-2022: Non-executive director, Ofgem"
        # "director, Ofgem" -> "director at Ofgem": one comma before a name is the employer
        role = re.sub(r"^([^,]+), ((?:the )?[A-Z][^,]*)$", r"\1 at \2", role)
        if not end:  # a highlight's one year is when it began: "2021: Fellow of the Royal Society of Edinburgh"
            return f"In {year}, {first} became {role}."
        if end.isdigit():
            return f"From {year} to {end}, {first} was {role}."
        return f"Since {year}, {first} has been {role}."
    if bare:
        verb = bare.group(1).lower()
        text = f"{first} {'was ' if verb in _PASSIVE else ''}{verb}{text[bare.end():]}"
    elif year and re.search(r"\b(?:Award|Prize|Medal|Fellowship)\b", text) and text[:1].islower():
        text = f"{first} received the {text}"  # "2016: national Patient Safety Award ..."
    elif year and text[:1].islower():
        return original  # no verb to add: left as the list said it
    # "Kit Marchetti is a dog named Bilge.": a person is not "a dog named" anything; the notes said "has a dog"
    text = re.sub(rf"^((?:{re.escape(first)}(?: [\w'-]+)?|She|He|They)) (is|are) (an? (?:(?!(?:of|at|in|for|with|from|on|by|to)\b)[\w-]+ ){{1,3}}(?:named|called) (?=[A-Z]))",
                  lambda m: f"{m.group(1)} {'has' if m.group(2) == 'is' else 'have'} {m.group(3)}", text)
    # "Dr. Okonkwo-Hale is a PhD in epidemiology": a person has a degree, is not one
    text = re.sub(r"\b(is|are) (an? (?:PhD|DPhil|MSc|MA|BA|BSc|MBA|MPH|MD|doctorate|master's|bachelor's|degree)\b)",
                  lambda m: f"{'has' if m.group(1) == 'is' else 'have'} {m.group(2)}", text)
    # "Julian is a former strategy at a UK exam board" (the notes: "spent four years in strategy at"): a field
    # of work is not a job title; a person worked in it.
    text = _FIELD_AS_ROLE.sub(lambda m: f"{'worked' if m.group(2) or m.group(1) == 'was' else 'works'} in {m.group(3)} ", text)
    text = _NAMED_AWARD.sub(" received the ", text).replace("  ", " ").strip()
    # "He is interested in the topic of electrification ...": the model's filler, not the notes' words
    text = re.sub(r"\b(interested in|curious about|focused on|works on|speaks about|writes about) the (?:topics?|subject|area|field) of\b",
                  r"\1", text)
    text = re.sub(r"\breceived the the\b", "received the", text)
    # "is against 12.5-hour shifts ...; thinks they're driving nurses out": a note's list joined as a sentence
    text = re.sub(r"\s*;\s+(?=[a-z]+s\b)", " and ", text)
    if year and end.isdigit():
        text = f"From {year} to {end}, {text}"
    elif year and end:
        text = f"Since {year}, {text}"
    elif year:
        text = f"In {year}, {text}"
    if text and text[-1] not in ".!?)\"\u201d":
        text += "."
    return text[:1].upper() + text[1:]


_ADVERB = r"(?:(?:still|also|now|currently|really|often|usually|mostly|recently|just|actually|always|never|already)\s+)?"
_FIRST_PERSON = re.compile(rf"^(I|We)(?:(['\u2019](?:m|ve|d|ll|re))\b|\s+({_ADVERB})([a-z][\w'\u2019-]*))", re.I)
_MID_PERSON = {"me": "them", "my": "their", "mine": "theirs", "we": "they", "us": "them", "our": "their",
               "ours": "theirs", "myself": "themselves", "ourselves": "themselves"}


_WE_VERB = {"am": "is", "are": "is", "have": "has", "do": "does"}
# A second verb of the same subject after "and"/"but" (only verbs common in notes: "and data" is no verb)
_AND_VERB = re.compile(r"(\b(?:but|and|yet)\s+(?:still\s+|also\s+|often\s+|always\s+|now\s+)?)(keep|need|want|use|run|"
                       r"plan|try|hope|work|struggle|spend|get|make|find|lose|reach|test|build|lead|teach|write|help|"
                       r"think|know|like|love|focus|rely|depend|track|share|publish|train|support|offer|see)\b")
_CLAUSE_BREAK = re.compile(r";\s|\s[-\u2013\u2014]\s|,\s+(?:and|but|so)\s")
# Bodies people work for or speak for: "Our lab" is hers ("Mai's lab"); "Segun is a charity ..." is no person
# (fact_checks)
BODY = (r"(?:lab|team|company|charity|group|studio|start-?up|organi[sz]ation|department|unit|centre|center|practice|firm|"
        r"school|trust|network|project|non-?profit|agency|business|social enterprise|foundation|co-?operative|co-op|"
        r"think tank|consultancy|brand|retailer|manufacturer)\b")
_OUR_BODY = re.compile(BODY)


def in_their_name(sentence: str, first: str) -> str:
    """A line the contact wrote in the first person ("I lead the route team at Nordhaul, where we plan
    41,000 stops a day") as a sentence about them ("Tomasz leads ..., where they plan ..."), else "".

    Why: their own e-mail or LinkedIn "About" is the richest part of the notes, but every fact is
    about them in the third person, so the fill that reads sentences about them skipped all of it.
    Only the subject, the verb's person and the pronouns change; "We" is their team, the one thing
    the notes did not say in so many words. A question, or a line that does not open with "I"/"We"/"My"
    (after a short "Label:"), gives "".
    """
    text = " ".join(sentence.split())
    label = re.match(r"^[^:.!?]{3,40}:\s+(?=(?:I|we|my|our)\b)", text, re.I)  # "Short version of my problem: we rolled out ..."
    text = text[label.end():] if label else text
    if text.endswith("?"):
        return ""
    owner = re.match(r"^(My|Our)\s+(?=[a-z])", text, re.I)
    if owner:  # "Proud of the team: our first fully electric depot in Gdynia hit 98.7% ..."; "Our lab is ..." is hers
        ours = owner.group(1).lower() == "our" and not _OUR_BODY.match(text, owner.end())
        head = f"{first}'s team's " if ours else f"{first}'s "
        rest = text[owner.end():]
    else:
        m = _FIRST_PERSON.match(text)
        if not m:
            return ""
        who, contraction, adverb, verb = m.groups()
        subject = first if who.lower() == "i" else f"{first}'s team"
        said = verb
        verb = third_person_verb(f"'{contraction[1:]}" if contraction else verb)
        head, rest = f"{subject} {adverb or ''}{verb}", text[m.end():]
        if not contraction and verb != said:  # "We test ... but keep reaching ...": "tests ... but keeps"
            rest = _AND_VERB.sub(lambda w: f"{w.group(1)}{third_person_verb(w.group(2))}", rest)
    rest = re.sub(r"\bI['\u2019]d\b", f"{first} would", rest)
    rest = re.sub(r"\bI['\u2019]m\b", f"{first} is", rest)
    rest = re.sub(r"\bI['\u2019](?:ve|ll)\b", lambda w: f"{first} {'has' if 'v' in w.group(0) else 'will'}", rest)
    # "; we have 40,000 labelled images so far": their team, in the third person
    rest = re.sub(r"\b[Ww]e\s+(am|are|have|do)\b", lambda w: f"{first}'s team {_WE_VERB[w.group(1)]}", rest)
    # a second clause in the first person whose verb would need its person changed ("and I know Ewa"): left out,
    # with the clause it belongs to ("... at PyData Manchester, but not before February - we have a funding review")
    clash = re.search(r"(?-i:\bI)\s+(?!(?:would|will|could|can|can't|should|might|must|may|had|did|was|wasn't)\b)"
                      r"[a-z]+(?<!ed)\b", rest) or re.search(r"\bwe\s+(?:am|are|have|do|'re|'ve)\b", rest, re.I)
    if clash:
        cuts = [m.start() for m in _CLAUSE_BREAK.finditer(rest, 0, clash.start())]
        if not cuts or len(f"{head}{rest[:cuts[-1]]}".split()) < 6:
            return ""
        rest = rest[:cuts[-1]]
    rest = re.sub(r"(?-i:\bI\b)|\b(?:me|my|mine|we|us|our|ours|myself|ourselves)\b",
                  lambda w: first if w.group(0) == "I" else _MID_PERSON[w.group(0).lower()], rest, flags=re.I)
    out = f"{head}{rest}".strip()
    return out if out.endswith((".", "!", ")")) else f"{out}."


# A note's shorthand line about them, with its subject left out ("Wants help designing the referral form").
_NOTE_VERB = re.compile(r"^(?:Wants|Needs|Says|Runs|Leads|Manages|Writes|Builds|Teaches|Chairs|Hosts|Organi[sz]es|Prefers|"
                        r"Thinks|Believes|Hopes|Plans|Likes|Loves|Hates|Works|Speaks|Sits|Sees|Knows|Uses|Refuses|"
                        r"Doesn't|Does not|Will|Won't|Would|Can't|Cannot|Is|Isn't|Has|Had|Was|Strongly|Keen|Not)\s+(?=[a-z(\"'\u201c0-9])")
# "wants: (1) traders to sign data-sharing agreements ...": a label that is their verb
_VERB_LABEL = re.compile(r"^(wants|needs|hopes|plans|working on|looking for|interested in|trying to)\s*:\s+", re.I)
# "Background: 15 yrs as a mental health nurse (CPN) ...": a label that is their past
_PAST_LABEL = re.compile(r"^(?:background|career|previously|before that|history)\s*:\s+", re.I)
# "Second headache: ...", "big idea: ...": a label that is theirs
_THEIR_LABEL = re.compile(r"^(?:(?:first|second|third|main|other|big|biggest|current|next|new|latest)\s+)?"
                          r"(?:headache|problem|worry|challenge|priority|goal|focus|project|idea|pain point|bet|plan)s?\s*:",
                          re.I)
_LOWER_VERB = re.compile(r"^(?:wants|needs|thinks|hopes|plans|says|is|has|runs|leads|prefers)\b")
# The user's own voice or plans, a question, an instruction to the user, or page furniture ("Head of X | Y")
_NOT_THEIRS = re.compile(r"\b(?:I|me|my|mine|we|us|our|ours|you|your)\b|\?|!!|[|\u00b7\u2022]|"
                         r"\b(?:don['\u2019]?t|do not|avoid|never mention|not to mention|sensitive|rumou?rs?|"
                         r"confidential|between us|off the record|todo|to-do|goes by|known as|pronounced|pronouns)\b|"
                         # the user's deeds with their "I" dropped ("Suggested coffee in Bristol in Dec"), a bare quote
                         r"^(?:asked|told|offered|suggested|promised|sent|showed|pitched|agreed|invited|e-?mailed|"
                         r"texted|messaged|met|introduced)\b|^[\"'\u201c\u2018]", re.I)
# A verb by its object: "Reads a lot of sci-fi", "Teaches at the Open University"
_VERB_S = re.compile(r"^[A-Z][a-z]*[^siu\W]s\s+(?=(?:a|an|the|his|her|their|its|most|every|all|some|to|on|in|about|"
                     r"with|for|at|up|out|over|more|less|no|two|three|several|many)\b)")
# "Leading planning engine rebuild (RouteDesk) ...": a CV bullet's deed, ongoing
_GERUND = re.compile(r"^[A-Z][a-z]+ing\s+(?=[a-z(])")


def note_line(sentence: str, first: str) -> str:
    """A shorthand line of the user's notes about their work as a sentence, else "".

    Why: real notes are bullets without a subject ("Crisis line calls up 31% in two years",
    "RouteDesk = their planning engine", "Will not add telemetry to quillmark, ever", "Background:
    15 yrs as a mental health nurse (CPN)"), and they hold what is specific about a person: in the
    eval, 33 of 94 expected facts were in such lines and never reached a brief, because the fill only
    read sentences whose subject is them. The line's own words are kept; a subject is added only
    where the note's writer left it out ("Sven will not add ..."), a label said as what it means
    ("Noor wants ...", "Callum's background: ..."). A line in the user's voice, about the reader, an
    instruction ("don't mention ...") or a page's furniture gives "".
    """
    text = re.sub(r"\s*\((?:see|cf\.?|via|from|per)\s[^()]{1,40}\)", "", " ".join(sentence.split())).strip(" -")  # "(see email)"
    text = text[:1].upper() + text[1:]  # "looking for people who can run ward-based usability sessions"
    # shorthand runs on after a full stop in lower case ("... which parts help. wants a short survey"):
    # the parts up to one that is not theirs ("... geography links. asked me 100 questions")
    parts = []
    for part in re.split(r"(?<=[\w)\]\"'%])\.\s+(?=[a-z])", text):
        if _NOT_THEIRS.search(part):
            break
        parts.append(f"{first} {part}" if parts and _LOWER_VERB.match(part) else part)
    text = "; ".join(p.rstrip(".") for p in parts[:-1]) + ("; " if len(parts) > 1 else "") + (parts[-1] if parts else "")
    if _YEAR_ITEM.match(text) or role_line(text, first):
        return ""  # a CV's dated item: readable_fact says it as a sentence about them
    # six words, two of them lower-case: not a signature ("Brackenford Libraries - Open to everyone"), a CV's
    # table row ("Chartered Member, CIPD") or a name line
    if len(text.split()) < 6 or len(re.findall(r"\b[a-z]{3,}\b", text)) < 2 or _NOT_THEIRS.search(text):
        return ""
    text = re.sub(r"\s+=\s+", " is ", text, count=1)  # "RouteDesk = their planning engine"
    label = _VERB_LABEL.match(text)
    opinion = re.match(r"^[\w ]{2,20}:\s+(?=(?:thinks|believes|says|feels|wants|needs|hopes)\b)", text)
    if opinion:  # "Opinion: thinks most AI-for-drug-discovery pitches skip the boring part"
        text = f"{first} {text[opinion.end():]}"
    elif label:
        text = f"{first} {label.group(1).lower()} {text[label.end():]}"
    elif _PAST_LABEL.match(text):
        text = f"{first}'s background: {text[_PAST_LABEL.match(text).end():]}"
    elif _THEIR_LABEL.match(text):  # "Second headache: -80 C freezer capacity" -> "Ilse's second headache: ..."
        text = f"{first}'s {text[:1].lower()}{text[1:]}"
    elif _NOTE_VERB.match(text):
        verb = text.split()[0]
        text = f"{first} {'is ' if verb in ('Strongly', 'Keen', 'Not') else ''}{text[:1].lower()}{text[1:]}"
    elif _VERB_S.match(text):  # "Reads a lot of sci-fi" (not "Falls pilot: 11 falls ...")
        text = f"{first} {text[:1].lower()}{text[1:]}"
    elif _GERUND.match(text):
        text = f"{first} is {text[:1].lower()}{text[1:]}"
    else:  # a line with its own subject ("The grief service has a 14-week waiting list") or a topic label
        text = text[:1].upper() + text[1:]
    text = re.sub(r"\s*;\s+(?=[a-z]+s\b)", " and ", text)  # "...; thinks they're driving nurses out"
    return text if text.endswith((".", "!", ")", '"', "\u201d")) else f"{text}."


def _cut_back(text: str) -> str:
    """A fact cut at its length limit, back to its last whole clause (or its last "and"/"with" before that)."""
    done = complete_sentence(text, FACT_MAX_CHARS)
    if done or len(" ".join(text.split())) < FACT_MAX_CHARS - 12:
        return done
    flat = " ".join(text.split())
    cut = max(flat.rfind(f" {w} ") for w in ("and", "with", "which", "who", "where", "while"))
    return flat[:cut].rstrip(",; ") + "." if cut > FACT_MAX_CHARS // 3 else ""


def item_facts(raw: str, first: str, name: str = "") -> list[str]:
    """The facts in one model item, each sentence made readable on its own.

    Why each on its own: "Dr Ilse Vandermeer is a Principal Scientist ... Leads Screening
    Platforms, 9 people." reached the brief with its second sentence still subjectless.
    """
    return [family_as_subject(readable_fact(part, first), name, first) for part in fact_sentences(_cut_back(raw))]


def cut_at_quote(text: str, sources: list[str]) -> str:
    """A fact that stops where its source opens a quote, cut back to its last whole clause.

    Why: a straight quote in the notes ends the model's JSON string, so 'wants a series of
    short "starter projects"' came back as "... wants to develop a series of short."
    """
    tail = " ".join(text.rstrip(".!? ").split()[-3:])
    if not tail or not any(re.search(re.escape(tail) + r"\s*[\"\u201c]", src, re.I) for src in sources):
        return text
    return _last_clause(text)


__all__ = ["BODY", "dangles", "FACT_MAX_CHARS", "cut_at_quote", "fact_sentences", "in_their_name", "item_facts", "readable_fact", "role_line"]
