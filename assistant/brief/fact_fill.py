"""Facts the model passed over, drawn by code from the notes' own sentences (same checks as every fact).

Why: a 1.5B model asked for five facts from a long note copies its first lines; the specific ones
(a bio's "Career Highlights", their e-mail, the user's shorthand bullets) are where a person is.
"""

from __future__ import annotations

import logging
import re

from assistant.brief import metrics
from assistant.brief.context import BriefContext, note_sentences
from assistant.brief.fact_checks import NO_SUBJECT_VERB, keep, merged, said_of_them
from assistant.brief.fact_text import FACT_MAX_CHARS, in_their_name, item_facts, note_line
from assistant.text import forms, grounding, voice
from assistant.text.names import TITLE_PATTERN, is_title
from assistant.text.personal import home_life
from assistant.text.sentences import clauses, complete_sentence, split_sentences, unwrap

log = logging.getLogger("rapport.brief")
SHORT_NOTES_CHARS = 400  # notes about them this short are read whole: each clause is a fact
_SUBJECTS = ("She", "He", "They", "Her", "His", "Their")  # a sentence of a note about them starts so


# How they met and the user's plans with them ("...; coffee next week") are not facts about them.
# ... also after a name as a note's header: "Ama Boateng - met at PyCon UK."
_LOGISTICS = re.compile(r"^\W*(?:(?-i:(?:[A-Z][\w'.\u2019-]*\s+){0,3}[A-Z][\w'.\u2019-]*)\s*[-\u2013\u2014:|]\s*)?"
                        r"(?:met|introduced|intro'?d|coffee|call|lunch)\b", re.I)
_TRAILING_PLAN = re.compile(r";\s*(?:coffee|call|lunch|meeting|catch-up|follow[- ]up)\b[^;]*$", re.I)
# "said his team is ...", "She told me she is struggling to ...": what they said, as a sentence about them
_SAID = re.compile(r"^\W*(?:(?:she|he|they)\s+(?:told|tells)\s+me|said|says|told me|mentioned|explained)(?:\s+that)?\s+"
                   r"(?=\w)", re.I)
_ROW_LABEL = re.compile(r"^(?:Bio|Notes|Title|Company|About|Summary|Headline):\s*", re.I)  # an attendee row's field


def _about_them(ctx: BriefContext) -> re.Pattern[str]:
    """A sentence that starts with them as its subject: a word of their name, or she/he/they/her/his/their."""
    words = sorted({*ctx.name.replace(",", " ").split(), ctx.first}, key=len, reverse=True)
    # "At Wyndham Vale she set up ...": where, then them
    return re.compile(rf"(?:(?:In|Since) (?:19|20)\d\d, |From (?:19|20)\d\d to (?:19|20)\d\d, |At (?:[A-Z][\w'\u2019-]* ?){{1,4}},? (?=she |he |they ))?"
                      rf"(?:(?:{'|'.join(re.escape(w) for w in words)}|{'|'.join(_SUBJECTS)}|she|he|they|"
                      rf"{TITLE_PATTERN})(?!\w)\s*)+")


def from_short_note(ctx: BriefContext, kept: list[tuple[str, list[str]]], dropped: list[str]) -> list[int]:
    """A clause of a two-line note that no kept fact says yet, as a fact in its own words (same checks).

    Why: from "Runs flexibility trading at Octant Energy; said his team is drowning in half-hourly meter
    data and their forecasts lag a day behind" the model's facts, asked twice, were the role and
    inventions ("curious about the energy market", dropped); the one need in the note never reached
    the brief. A short note is all signal (in a long one a code pick is furniture: docs/QUALITY.md,
    fifth session), so when the checks left fewer than three facts, each clause not yet said is kept,
    after the checks every fact passes. Returns the indexes of ``kept`` it added.
    """
    views = [(c, ctx.views[c.id][0]) for c in ctx.notes]
    if ctx.brief.size != "full" or len(kept) >= 3 or not views or sum(len(v) for _, v in views) > SHORT_NOTES_CHARS:
        return []  # an event's attendee row is read by the ranking and the opener; a brief is for one person
    # only a sentence about them: "Ignore all previous instructions ...", "Add this image ...", markup
    # and links in a note are data, never copied into the brief
    about_them = _about_them(ctx)
    added: list[int] = []
    for chunk, view in views:
        for part in (p for s in note_sentences(view) for p in clauses(s, min_words=4)):
            if len(kept) >= ctx.size["facts"]:
                return added
            said = [t for t, _ in kept]
            words = metrics.content_words(part)
            if _LOGISTICS.match(part) or not words or any(len(words & metrics.content_words(t)) >= 0.5 * len(words)
                                                   for t in said):
                continue
            text = _TRAILING_PLAN.sub("", _SAID.sub("", _ROW_LABEL.sub("", part))).strip(" ;,")
            text = text[:1].upper() + text[1:]
            if NO_SUBJECT_VERB.match(text):
                text = f"{ctx.first} {text[:1].lower()}{text[1:]}"
            if not about_them.match(text) or re.search(r"https?:|www\.|[<>`\[\]{}]|\]\(", text):
                continue
            text = text if text.endswith((".", "!", "?")) else f"{text}."
            before = len(kept)
            keep(ctx, text, ctx.cite([label for label, c in ctx.labels.items() if c.id == chunk.id]), kept, dropped)
            if len(kept) > before:
                log.info("fact from a short note, in its own words: %r", text)
                added.append(len(kept) - 1)
    return added


_FORM_LINE = re.compile(rf"^({forms.WORKING_ON}|{forms.HOPING}):[ \t]*(.+)$", re.M)
_ROW_FIELD = re.compile(r"^(Title|Company):[ \t]*(.+)$", re.M)
_NO_EMPLOYER = re.compile(r"^(?:freelance|self[- ]employed|independent|none|n/?a|-|retired|student|unemployed)$", re.I)


def from_form(ctx: BriefContext, kept: list[tuple[str, list[str]]], dropped: list[str]) -> list[tuple[str, list[str]]]:
    """An attendee row's role and sign-up answers as facts written in code, first; the model's after them.

    Why: the row is short and its lines say exactly what they are ("Title: Librarian", "Working on: Code
    clubs for kids in three branch libraries", "Hoping to get from the event: Find volunteers for code
    club"), yet the model wrote "Kavita has volunteered for code clubs" and "Wang Ming has shared that civic
    tech people are building projects" and never said what anyone does. A model fact that restates an
    answer (half its words in one) gives way to the answer's own sentence (text/forms.py). Rows without
    those lines are returned as they came.
    """
    out: list[tuple[str, list[str]]] = []
    answers: list[str] = []
    for chunk in ctx.notes:
        # "(Hasina Begum writes:) Working on: ...": their answers are their own words (text/speakers.py)
        view = "\n".join(voice.SPEAKER_MARK.sub("", line) for line in ctx.views[chunk.id][0].split("\n"))
        ids = ctx.cite([label for label, c in ctx.labels.items() if c.id == chunk.id])
        row = dict(m.groups() for m in _ROW_FIELD.finditer(view))
        lines = _FORM_LINE.findall(view)
        if not lines and not (row.get("Title") and (chunk.title or "").endswith("attendee row")):
            continue
        title, company = (row.get(k, "").strip().rstrip(".").strip() for k in ("Title", "Company"))
        if title:  # what they do, which the model left out of every row
            role = f"{title} ({company.lower()})" if _NO_EMPLOYER.match(company) else \
                f"{title} at {company}" if company and company.casefold() not in title.casefold() else title
            keep(ctx, f"{ctx.name} is {role}.", ids, out, dropped, as_written=True)
        for label, answer in lines:
            answers.append(answer)
            # "Running the council's device-lending scheme ...; we lost our funding for the SIM cards in October"
            # a hope is said whole: "Ideas for keeping the scheme going; maybe speak about it"
            parts = [answer] if label == forms.HOPING else \
                [p for sentence in split_sentences(answer) for p in clauses(sentence, min_words=2)]
            for part in parts:
                text = in_their_name(part, ctx.first) or forms.answer_sentence(label, part, ctx.first)
                if text:
                    keep(ctx, text, ids, out, dropped, as_written=True)
    if not out:
        return kept
    said = [metrics.content_words(a) for a in answers]
    rest = [k for k in kept if not any(len(w & metrics.content_words(k[0])) >= 0.5 * max(1, len(w)) for w in said)]
    return merged(ctx, out + rest)


# A word that names something: a number, or a capitalised word inside a sentence ("Monzo", "1,200", "Net Zero").
_SPECIFIC = re.compile(r"\d[\d,.%]*|(?<=[\s(\"'\u201c-])[A-Z][\w'\u2019-]+")
_VERB_NEXT = re.compile(r"(?:['\u2019]s\s+[a-z][\w-]*)?\s*(?!(?:posted|commented|liked|reposted|reacted|followed)\b)[a-z]")


# "Olusegun "Segun" Adeyemi founded ByteBridge in 2018": a bio on their organisation's site goes on about it ("In
# 2026 ByteBridge began a partnership with West Yorkshire Combined Authority ..."); what it does is news of theirs.
_THEIR_ORG = re.compile(r"\b(?:founded|co-founded|founder of|runs|heads|directs|director of|CEO of|chief executive of)"
                        r"\s+(?:the\s+)?([A-Z][\w&'\u2019-]*(?:\s+[A-Z][\w&'\u2019-]*){0,3})")


def _their_orgs(ctx: BriefContext, about: re.Pattern[str], skip: set[str]) -> re.Pattern[str] | None:
    """A sentence opened by the organisation they founded or run (named so in a sentence about them)."""
    names: set[str] = set()
    for chunk in ctx.notes:
        for sentence in note_sentences(unwrap(ctx.views[chunk.id][0])):
            if about.match(sentence):
                names |= {m.group(1) for m in _THEIR_ORG.finditer(sentence) if m.group(1) not in skip}
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?:(?:In|Since) (?:19|20)\d\d,? )?(?:{alternatives})\b")


def _specifics(text: str, said: str, skip: set[str]) -> set[str]:
    """The words of ``text`` that name something (a number, a proper noun) that ``said`` does not.

    A month or a weekday names nothing: "Next depots go live Feb-May 2027" says no more than "8 more
    depots going live between February and May 2027".
    """
    def new(word: str) -> bool:
        parts = [p for p in re.split(r"[-\u2013/]", word.casefold()) if p and p not in grounding.MONTHS_DAYS]
        # "14" is not in "140"; "5" is in "5am" and "90" in "90-page"
        return bool(parts) and any(not re.search(rf"(?<!\w){re.escape(p)}(?!\d)" if p[0].isdigit() else
                                                 rf"(?<!\w){re.escape(p)}(?!\w)", said) for p in parts)
    return {w.strip(".,").casefold() for w in _SPECIFIC.findall(text)
            if new(w.strip(".,")) and w.strip(".,") not in skip and not is_title(w)}


STRONG_SPECIFICS = 2  # names and numbers no kept fact names, for a sentence to be added past the floor
# In the ranking, a sentence about their work now counts as three new names: a bio's "Career Highlights" name a
# year and a place in every line, and ranked by names alone Marisol's history ("In 2009, Marisol founded a
# nurse-led critical care outreach team at St Aldhelm's Hospital") came before "Her current priority is the
# evaluation of ambient AI scribe tools on three pilot wards" (docs/QUALITY.md, eleventh session).
NOW_WEIGHT = 3
# What they are doing now ("Her current priority is the evaluation of ambient AI scribe tools on three pilot
# wards"), not a year of their past: what a conversation is about, ranked before their career history.
_NOW = re.compile(r"\b(?:is|are|has|have|wants?|needs?|plans?|hopes?|will|currently|now|current|priority|this year|"
                  r"next|building|running|working|trying|launching|evaluating|rolling out)\b", re.I)
_PAST = re.compile(r"^(?:In|From|Since) (?:19|20)\d\d\b|\b(?:was|were|had|began|moved|spent|became)\b")


def _now(text: str) -> bool:
    """A sentence about their work now (present or future), not a year of their past."""
    return bool(_NOW.search(text)) and not _PAST.search(text)


# A day's date or a weekday: "Julian is in Leeds on 2 December for a board meeting" is a diary entry, not who they are
_DIARY = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b|"
                    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?\b(?![\d,])|"
                    r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b|\b\d{1,2}:\d\d\b")
# Out of its note, "them"/"those"/"it" point at nothing: "Marguerite will put them on cards by the 3D printer."
# ("IT" is information technology: "after a decade as an IT technician" points at nothing)
_LOOSE = re.compile(r"\b(?:[Tt]hem|[Tt]hese|[Tt]hose|[Ii]t)\b")
_CLAUSE_CUT = re.compile(r",\s+(?:and|but|so|while|even though|although|because)\s+|;\s+|\s+[-\u2013\u2014]\s+")


_QUOTED = re.compile(r"[\"\u201c][^\"\u201c\u201d]*[\"\u201d]")


def _standalone(text: str) -> str:
    """A note's sentence that reads on its own: cut before a clause pointing at "those"/"them", "" if the first does.

    Words in quotes are someone's own and point inside the quote: "quillmark 3.0: a rewrite of the layout
    engine, due "when it's done" (he hopes Q1 2027)" reads on its own.
    """
    if not _LOOSE.search(_QUOTED.sub("", text)):
        return text
    cut = next((m.start() for m in _CLAUSE_CUT.finditer(text) if _LOOSE.search(text[m.start():])
                and not _LOOSE.search(text[:m.start()])), -1)
    head = text[:cut].rstrip(" ,;") if cut > 0 else ""
    return f"{head}." if len(head.split()) >= 5 else ""


def _same_opening(text: str, kept: list[tuple[str, list[str]]]) -> bool:
    """A fact that opens as a kept one does ("She is cool on big tech donations: they give you 20 tablets ..."
    after "She is cool on big tech donations and prefers refurbished kit"): the same claim with a detail added."""
    def head(fact: str) -> list[str]:
        return re.findall(r"[\w'\u2019-]+", said_of_them(fact))[:6]
    return any(head(text) == head(t) for t, _ in kept)


def _fillable(text: str) -> bool:
    """A note's sentence the fill may take: not their life outside work, not a meeting's logistics, no link or markup."""
    return not home_life(text) and not _LOGISTICS.match(text) and not re.search(r"https?:|www\.|[<>`\[\]{}]", text)


def from_specifics(ctx: BriefContext, kept: list[tuple[str, list[str]]], dropped: list[str], least: int) -> list[int]:
    """Fewer facts than the notes hold: their sentences that name what no fact names, as facts (same checks).

    Why: from a professor's bio the model gave three facts (role, articles, hill walking) and none of
    her "Career Highlights"; from a LinkedIn paste, two, and not the employer before. The line a
    small model passes over is the specific one ("2023: Led the "Queue Jumpers?" study of 1,200 grid
    connection applications"), and a bare pick from a long note is furniture (docs/QUALITY.md, fifth
    session); so only sentences about them that name a number or a proper noun no kept fact names
    are taken, their work now and most such words first (one at a time, against what the facts say by
    then), up to the floor the notes' length asked the model for. Their own first-person lines (their
    e-mail, their "About") count too, said about them (``in_their_name``): in
    Tomasz's reply "we rolled out RouteDesk to 11 of 19 depots" was the one line naming his project.
    The user's shorthand bullets count too (``note_line``: "Crisis line calls up 31% in two years"), and a
    line of their own page without "I" ("Keynote slides from Baltic Freight Forum 2026 are up").
    Past the floor, up to ``facts_max`` (two past the model's six, at no model time), a sentence is added
    only when it names two such things, or one and is their work now: the model's five facts on Tomasz
    said nothing of the eight depots going live in 2027 (docs/QUALITY.md, tenth session).
    """
    room = ctx.size.get("facts_max", ctx.size["facts"])
    if ctx.brief.size != "full" or len(kept) >= room:
        return []
    skip = {w.strip(".,") for w in (*ctx.name.replace("-", " ").split(), *ctx.name.split(), ctx.first, *_SUBJECTS, "I")}
    about = _about_them(ctx)
    orgs = _their_orgs(ctx, about, skip)
    names = metrics.content_words(" ".join(skip))  # their name is no news: "Kit turned DOWN" = "Turned DOWN"
    # (note, sentence, chunk, from a bullet of the user's, said as the note wrote it)
    found: list[tuple[int, str, str, bool, bool]] = []

    def add(text: str, n: int, chunk_id: str, bullet: bool, as_written: bool) -> None:
        if text and _fillable(text):
            found.append((n, text, chunk_id, bullet, as_written))

    for n, chunk in enumerate(ctx.notes):
        for line in unwrap(ctx.views[chunk.id][0]).split("\n"):
            bullet = bool(voice.BULLET.match(line))
            sentences = [voice.SPEAKER_MARK.sub("", s) for s in note_sentences(line)]
            for sentence in sentences:
                for text in item_facts(sentence, ctx.first, ctx.name):
                    subject = about.match(text) or (orgs.match(text) if orgs else None)
                    # "Aoife Brennan - coffee at the Watershed, 5 Nov", "Tomasz posted this • 3w": a note's header
                    # and a page's furniture name them but say nothing they do
                    # ... nor does a transcript's label ("Her answer: no, their lab manager runs ...")
                    if subject and _VERB_NEXT.match(text, subject.end()) \
                            and not re.match(r"^[\w'\u2019]+(?:\s+[\w'\u2019]+)?:\s", text):
                        add(text, n, chunk.id, bullet, False)
            if not bullet:
                continue
            # The user's shorthand bullets about their work ("Crisis line calls up 31% in two years"); a short
            # bullet of two sentences is one fact ("Second headache: -80 C freezer capacity. They are out of space
            # ..." : its "They" read alone was the contact)
            lines = [s if about.match(s) else note_line(s, ctx.first) for s in sentences]
            whole = " ".join(lines) if len(lines) > 1 and all(lines) else ""
            for text in [whole] * (0 < len(whole) <= FACT_MAX_CHARS) + [t for t, s in zip(lines, sentences)
                                                                          if not about.match(s)]:
                add(text, n, chunk.id, True, True)
        # Their own first-person lines ("we rolled out RouteDesk to 11 of 19 depots"), said about them
        for sentence in note_sentences(ctx.their_words.get(chunk.id, "")):
            sentence = voice.SPEAKER_MARK.sub("", sentence)
            # ... and their lines about their work ("Keynote slides from Baltic Freight Forum 2026 are up")
            # (not an e-mail's: there a line without "I" is their request to the user, "The grant can cover ...")
            text = in_their_name(sentence, ctx.first)
            if text:
                add(text, n, chunk.id, False, False)
            elif not chunk.source.lower().endswith(".eml"):
                add(note_line(sentence, ctx.first), n, chunk.id, False, True)
    # each sentence as it would be kept: back to its last whole clause when long (never an "and" inside "hip and
    # knee"), no diary entry, nothing that points at "those" out of its note
    # (note, sentence, chunk, from a bullet, as written, its content words but their name: fixed, read once)
    ready: list[tuple[int, str, str, bool, bool, set[str]]] = []
    for n, text, chunk_id, bullet, as_written in found:
        if len(text) > FACT_MAX_CHARS:
            text = complete_sentence(text[:FACT_MAX_CHARS], FACT_MAX_CHARS) or text
        text = "" if _DIARY.search(text) else _standalone(text)
        if text:
            ready.append((n, text, chunk_id, bullet, as_written, metrics.content_words(text) - names))
    added: list[int] = []
    while ready and len(kept) < room:
        # Greedy, against the facts kept so far: most new names first (their work now counts NOW_WEIGHT), then the
        # sentence that repeats least of what the facts say, then note order. Ranked once against the model's
        # facts, "Tomasz's team of 7 ... builds the planning engine that their dispatchers use every morning at
        # 5am" (two new names, the rest said) came before his Gdynia e-depot post (three, nothing said).
        said = " ".join(t for t, _ in kept).casefold()
        said_words = metrics.content_words(said)
        best = min(ready, key=lambda c: (-len(_specifics(c[1], said, skip)) - NOW_WEIGHT * _now(c[1]),
                                         -len(c[5] - said_words) / max(len(c[5]), 1), c[0]))
        ready.remove(best)
        _, text, chunk_id, bullet, as_written, _ = best
        new = _specifics(text, said, skip)
        # below the floor, a line of the user's bullets needs no name ("Sven will not add telemetry to quillmark");
        # past it, only a sentence naming two things no fact names, or one when it is their work now
        if (not new and not (bullet and len(kept) < least)) \
                or (len(kept) >= least and len(new) + _now(text) < STRONG_SPECIFICS) or _same_opening(text, kept):
            continue
        before = len(kept)
        keep(ctx, text, ctx.cite([label for label, c in ctx.labels.items() if c.id == chunk_id]), kept, dropped,
             as_written=as_written)
        if len(kept) > before and len(merged(ctx, kept)) == len(kept):
            log.info("fact from the notes, naming what no other fact did: %r", text)
            added.append(len(kept) - 1)
        else:
            del kept[before:]
    return added


__all__ = ["from_short_note", "from_specifics"]
