"""Who they are: facts drawn from the contact's notes, each cited, each checked against its sources.

The schema restricts citations to the retrieved chunks' labels, so every
citation is valid by construction; code then drops facts in the user's
voice, facts with names or numbers their sources do not contain, and
near-duplicates.
"""

from __future__ import annotations

import logging
import re
import time

from assistant.brief import metrics
from assistant.brief.context import BriefContext, foreign_script, note_sentences
from assistant.brief.fact_text import FACT_MAX_CHARS, cut_at_quote, in_their_name, item_facts
from assistant.brief.record import Cited
from assistant.generation import prompts
from assistant.generation.structured import generate_json, seed_for
from assistant.text import attribution, grounding, similarity, voice
from assistant.text.attribution import as_current, ended_roles
from assistant.text.guard import INJECTION
from assistant.text.names import TITLE_PATTERN, is_title
from assistant.text.personal import home_life
from assistant.text.sensitive import raises_sensitive
from assistant.text.sentences import clauses

log = logging.getLogger("rapport.brief")
DUPLICATE_FACTS = 0.82
RICH_NOTES_CHARS = 1500  # quoted notes at least this long hold five or more facts
MID_NOTES_CHARS = 800  # ... and this long, four or more
SHORT_NOTES_CHARS = 400  # notes about them this short are read whole: each clause is a fact
_SUBJECTS = ("She", "He", "They", "Her", "His", "Their")  # a sentence of a note about them starts so


# "He is open about it in a blog post": the "it" is the burnout the next sentence of the note names,
# a fact that says nothing on its own and points at a topic the notes flag.
_VAGUE_IT = re.compile(r"\b(?:about|with|on|of|for|by|over) (?:it|this|that)"
                       r"(?=\s*(?:[.,;!?]|$|\s(?:in|on|at|with|since|for|to|and|but|now|again)\b))", re.I)


# "Callum has shared that his words.": a reporting verb with next to nothing reported.
_EMPTY_REPORT = re.compile(r"\b(?:shared|said|mentioned|noted|explained|stated|told \w+) that\b((?:\W+\w+){0,3})\W*$",
                           re.I)


# "He met at the Bristol health-tech meetup 20 Nov.": the user's how-we-met line, with its "we" lost;
# it is not something they did, and a question grew from it ("How did you meet with nurses at ...?").
_HOW_WE_MET = re.compile(r"^(?:[A-Z][\w.'-]*\s+){1,3}(?:first\s+)?met\s+(?:at|on|in|through|via|during)\b")


def vague(text: str) -> bool:
    """A short fact whose point is a bare "it"/"this"/"that" it never names, or that reports nothing."""
    return (len(text.split()) <= 14 and bool(_VAGUE_IT.search(text))) or bool(_EMPTY_REPORT.search(text))


def contained(fact: str, others: list[str]) -> bool:
    """True when another fact already says this one word for word (cosine misses it when the other is long).

    Seen: "She's replacing the scheduling system in 2027; nurses currently spend 40+ min a day ..."
    followed by "Nurses currently spend 40+ min a day ..." as a fact of its own.
    """
    said = " ".join(fact.rstrip(".!? ").casefold().split())
    return len(said.split()) >= 4 and any(o != fact and said in " ".join(o.casefold().split()) for o in others)


REPEAT_SHARE = 0.75  # a fact whose content words are this share or more of a longer fact's says nothing new


def repeats_longer(fact: str, others: list[str], name: str = "") -> bool:
    """True when a longer fact already holds (nearly) all of this one's content words.

    Seen: "He is also a maintainer of the quillmark library." after "Sven Aaltonen is the lead
    maintainer of quillmark, a Python library that renders ..."; "He has been working on the
    electrification of last-mile fleets." after "... and has been involved in the electrification of
    last-mile fleets." The cosine of the whole sentences stays under the duplicate bar when the other is long.
    """
    own = metrics.content_words(fact) - metrics.content_words(name)
    if len(own) < 3:
        return False
    for other in others:
        theirs = metrics.content_words(other)
        if other != fact and len(theirs) > len(own) and len(own & theirs) >= REPEAT_SHARE * len(own):
            return True
    return False


_SUBJECT_VERB = re.compile(r"^(?:[\w.'\u2019-]+\s+){1,4}?(is|are|was|were|has|have)\s+(?:(?:also|still|currently|now)\s+)?",
                           re.I)
_SAME_VERB = {"are": "is", "were": "was", "have": "has"}


def said_of_them(fact: str) -> str:
    """What a fact says, whoever it names as its subject: "Kit Marchetti has a dog ..." and "They have a dog ..."
    are one fact (both were in Kit's brief; a cosine of the whole sentences missed it)."""
    flat = " ".join(fact.casefold().rstrip(".!? ").split())
    m = _SUBJECT_VERB.match(flat)
    return f"{_SAME_VERB.get(m.group(1), m.group(1))} {flat[m.end():]}" if m else flat


def _keep(ctx: BriefContext, text: str, ids: list[str], kept: list[tuple[str, list[str]]],
          dropped: list[str]) -> None:
    text = cut_at_quote(text, ctx.texts(ids))
    if not text or not ids or INJECTION.search(text) or foreign_script(text, ctx.texts(ids)):
        return
    if _NO_SUBJECT_VERB.match(text):
        text = _given_subject(ctx, text, ids)
        if not text:
            dropped.append("a sentence cut from the middle of another, without its subject")
            return
    if _HOW_WE_MET.match(text):
        dropped.append("how you met (your line, not theirs)")
        log.info("fact dropped (how you met): %r", text)
        return
    if vague(text):
        dropped.append("it points at something it does not name")
        log.info("fact dropped (vague: a bare 'it'): %r", text)
        return
    if raises_sensitive(text, ctx.flagged):
        dropped.append("a topic the notes say not to raise")
        log.info("fact dropped (a topic the notes say not to raise): %r", text)
        return
    if as_current(text, ended_roles(ctx.texts(ids))):
        dropped.append("a role the notes say has ended, said as current")
        log.info("fact dropped (an ended role said as current): %r", text)
        return
    if voice.speaks_as_user(text):
        dropped.append("a first-person sentence (the user's own story, not theirs)")
        log.info("fact dropped (first person: the user's story, not theirs): %r", text)
        return
    missing = grounding.unsupported_terms(text, [*ctx.texts(ids), ctx.name])
    if missing:
        # The model cited the bio but the "60 stores" is in the talk page: a true fact with a wrong
        # citation is re-cited to the one other note that holds what was missing, never kept uncited.
        extra = next((label for label, c in ctx.labels.items() if c.id not in ids
                      and not grounding.unsupported_terms(text, [*ctx.texts(ids), c.text, ctx.name])), None)
        if extra is not None:
            log.info("fact re-cited (%s found in note %s): %r", ", ".join(missing), extra, text)
            ids, missing = [*ids, *ctx.cite([extra])], []
    notes, cited = [c.text for c in ctx.notes], ctx.texts(ids)
    missing = (missing or attribution.unsupported_occupations(text, notes)
               or attribution.misattributed_roles(text, notes) or attribution.unsupported_retirement(text, cited))
    invented = [] if missing else grounding.unbacked_words(text, notes, ctx.name)
    if invented:
        missing = [f"words the notes never use ({', '.join(invented)})"]
    interest = "" if missing else attribution.unstated_interest(text, cited)
    reworded = attribution.interest_as_work(text, cited) if interest else ""
    if reworded:
        log.info("fact reworded (their work, not an interest the notes state): %r", text)
        text, interest = reworded, ""
    if interest:
        dropped.append(f"an interest the notes do not state: {interest}")
        log.info("fact dropped (an interest the notes do not state): %r", text)
        return
    if missing:
        dropped.append(f"unsupported: {', '.join(missing)}")
        log.info("fact dropped (unsupported: %s): %r", ", ".join(missing), text)
        return
    kept.append((text, ids))


# How they met and the user's plans with them ("...; coffee next week") are not facts about them.
_LOGISTICS = re.compile(r"^\W*(?:met|introduced|intro'?d|coffee|call|lunch)\b", re.I)
_TRAILING_PLAN = re.compile(r";\s*(?:coffee|call|lunch|meeting|catch-up|follow[- ]up)\b[^;]*$", re.I)
# "said his team is ...", "She told me she is struggling to ...": what they said, as a sentence about them
_SAID = re.compile(r"^\W*(?:(?:she|he|they)\s+(?:told|tells)\s+me|said|says|told me|mentioned|explained)(?:\s+that)?\s+"
                   r"(?=\w)", re.I)
# "Runs flexibility trading at ...", "Illustrates children's books": a note's clause with its subject left out.
_NO_SUBJECT_VERB = re.compile(r"^(?!(?:This|His|Hers|Its|Thanks|Yes|Sales|News|Plans|Has|Is|Was)\b)[A-Z][a-z]+s\s+"
                              r"(?!(?:are|were|is|was|have|had)\b)[a-z]")
_ROW_LABEL = re.compile(r"^(?:Bio|Notes|Title|Company|About|Summary|Headline):\s*", re.I)  # an attendee row's field


def _given_subject(ctx: BriefContext, text: str, ids: list[str]) -> str:
    """A fact with no subject ("Prefers refurbished kit ...") about them, or "" when it was cut mid-sentence.

    Why: from "Her research examines who benefits from grid investment and how connection queues shape
    ..." the model copied "Benefits from grid investment and how ..." as a fact (and a question grew from
    it: "How do you, examine who benefits ...?"). Where the notes start a line or sentence with those
    words, the subject was left out by the note's writer and is them ("Marguerite prefers ..."); where a
    word of the sentence comes before them, the fact is a piece of another sentence.
    """
    word, *rest = text.split()
    if word in ctx.name.split() or (rest and re.fullmatch(r"[a-z]+[^s\W]s", rest[0])) \
            or any(re.search(rf"[a-z,;]\s+{re.escape(word)}\b", src) for src in ctx.texts(ids)):
        return text  # "Thomas leads ...", "Agnes runs ...": a name, then its verb (or written mid-sentence)
    head = r"\W+".join(re.escape(w) for w in re.findall(r"[\w'-]+", text)[:4])
    for source in ctx.texts(ids):
        m = re.search(rf"(?i)(^|[^\n]{{0,3}})\b{head}", source)
        if m and re.search(r"[A-Za-z,]\s*$", m.group(1)):
            log.info("fact dropped (cut from the middle of a sentence): %r", text)
            return ""
    return f"{ctx.first} {text[:1].lower()}{text[1:]}"


def _about_them(ctx: BriefContext) -> re.Pattern[str]:
    """A sentence that starts with them as its subject: a word of their name, or she/he/they/her/his/their."""
    words = sorted({*ctx.name.replace(",", " ").split(), ctx.first}, key=len, reverse=True)
    return re.compile(rf"(?:In (?:19|20)\d\d, )?(?:(?:{'|'.join(re.escape(w) for w in words)}|{'|'.join(_SUBJECTS)}|"
                      rf"{TITLE_PATTERN})(?!\w)\s*)+")


def _from_short_note(ctx: BriefContext, kept: list[tuple[str, list[str]]], dropped: list[str]) -> list[int]:
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
            if _NO_SUBJECT_VERB.match(text):
                text = f"{ctx.first} {text[:1].lower()}{text[1:]}"
            if not about_them.match(text) or re.search(r"https?:|www\.|[<>`\[\]{}]|\]\(", text):
                continue
            text = text if text.endswith((".", "!", "?")) else f"{text}."
            before = len(kept)
            _keep(ctx, text, ctx.cite([label for label, c in ctx.labels.items() if c.id == chunk.id]), kept, dropped)
            if len(kept) > before:
                log.info("fact from a short note, in its own words: %r", text)
                added.append(len(kept) - 1)
    return added


# A word that names something: a number, or a capitalised word inside a sentence ("Monzo", "1,200", "Net Zero").
_SPECIFIC = re.compile(r"\d[\d,.%]*|(?<=[\s(\"'\u201c-])[A-Z][\w'\u2019-]+")
_VERB_NEXT = re.compile(r"(?:['\u2019]s\s+[a-z][\w-]*)?\s*(?!(?:posted|commented|liked|reposted|reacted|followed)\b)[a-z]")


def _specifics(text: str, said: str, skip: set[str]) -> set[str]:
    """The words of ``text`` that name something (a number, a proper noun) that ``said`` does not."""
    return {w.strip(".,").casefold() for w in _SPECIFIC.findall(text)
            if w.strip(".,").casefold() not in said and w.strip(".,") not in skip and not is_title(w)}


STRONG_SPECIFICS = 3  # names and numbers no kept fact names, for a sentence to be added past the floor
# A day's date or a weekday: "Julian is in Leeds on 2 December for a board meeting" is a diary entry, not who they are
_DIARY = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b|"
                    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?\b(?![\d,])|"
                    r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b")
# Out of its note, "them"/"those"/"it" point at nothing: "Marguerite will put them on cards by the 3D printer."
_LOOSE = re.compile(r"\b(?:them|these|those|it)\b", re.I)
_CLAUSE_CUT = re.compile(r",\s+(?:and|but|so|while)\s+|;\s+|\s+[-\u2013\u2014]\s+")


def _standalone(text: str) -> str:
    """A note's sentence that reads on its own: cut before a clause pointing at "those"/"them", "" if the first does."""
    if not _LOOSE.search(text):
        return text
    cut = next((m.start() for m in _CLAUSE_CUT.finditer(text) if _LOOSE.search(text[m.start():])
                and not _LOOSE.search(text[:m.start()])), -1)
    head = text[:cut].rstrip(" ,;") if cut > 0 else ""
    return f"{head}." if len(head.split()) >= 5 else ""


def _fillable(text: str) -> bool:
    """A note's sentence the fill may take: not their life outside work, not a meeting's logistics, no link or markup."""
    return not home_life(text) and not _LOGISTICS.match(text) and not re.search(r"https?:|www\.|[<>`\[\]{}]", text)


def _from_specifics(ctx: BriefContext, kept: list[tuple[str, list[str]]], dropped: list[str], least: int) -> list[int]:
    """Fewer facts than the notes hold: their sentences that name what no fact names, as facts (same checks).

    Why: from a professor's bio the model gave three facts (role, articles, hill walking) and none of
    her "Career Highlights"; from a LinkedIn paste, two, and not the employer before. The line a
    small model passes over is the specific one ("2023: Led the "Queue Jumpers?" study of 1,200 grid
    connection applications"), and a bare pick from a long note is furniture (docs/QUALITY.md, fifth
    session); so only sentences about them that name a number or a proper noun no kept fact names
    are taken, most such words first, up to the floor the notes' length asked the model for. Their own
    first-person lines (their e-mail, their "About") count too, said about them (``in_their_name``): in
    Tomasz's reply "we rolled out RouteDesk to 11 of 19 depots" was the one line naming his project.
    Past the floor, up to the brief's size, a sentence is added only when it names three such things:
    the model's five facts on Tomasz said nothing of the eight depots going live in 2027.
    """
    if ctx.brief.size != "full" or len(kept) >= ctx.size["facts"]:
        return []
    skip = {w.strip(".,") for w in (*ctx.name.replace("-", " ").split(), *ctx.name.split(), ctx.first, *_SUBJECTS, "I")}
    said = " ".join(t for t, _ in kept).casefold()
    about = _about_them(ctx)
    found: list[tuple[int, int, str, str]] = []
    for n, chunk in enumerate(ctx.notes):
        for sentence in note_sentences(ctx.views[chunk.id][0]):
            for text in item_facts(voice.SPEAKER_MARK.sub("", sentence), ctx.first, ctx.name):
                subject = about.match(text)
                # "Aoife Brennan - coffee at the Watershed, 5 Nov", "Tomasz posted this • 3w": a note's header
                # and a page's furniture name them but say nothing they do
                if subject and _VERB_NEXT.match(text, subject.end()) and _fillable(text):
                    found.append((-len(_specifics(text, said, skip)), n, text, chunk.id))
        # Their own first-person lines ("we rolled out RouteDesk to 11 of 19 depots"), said about them
        for sentence in note_sentences(ctx.their_words.get(chunk.id, "")):
            text = in_their_name(voice.SPEAKER_MARK.sub("", sentence), ctx.first)
            if text and _fillable(text):
                found.append((-len(_specifics(text, said, skip)), n, text, chunk.id))
    added: list[int] = []
    for _, _, text, chunk_id in sorted(found, key=lambda f: f[:2]):
        text = "" if _DIARY.search(text) else _standalone(text)
        # what the facts added since name may be all it had (ranked against the model's facts only); past the
        # floor, only a sentence naming three things no fact names ("8 more depots ... February and May 2027")
        new = set() if not text else _specifics(text, " ".join(t for t, _ in kept).casefold(), skip)
        if len(kept) >= ctx.size["facts"] or not new or (len(kept) >= least and len(new) < STRONG_SPECIFICS):
            continue
        before = len(kept)
        _keep(ctx, text, ctx.cite([label for label, c in ctx.labels.items() if c.id == chunk_id]), kept, dropped)
        if len(kept) > before and len(_merged(ctx, kept)) == len(kept):
            log.info("fact from the notes, naming what no other fact did: %r", text)
            added.append(len(kept) - 1)
        else:
            del kept[before:]
    return added


def _merged(ctx: BriefContext, kept: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """Near-duplicates merged: the same role said twice ("is the Chief Nursing Executive ..." / "is
    currently named chief nursing executive ...") reads as padding (at the eval's duplicate threshold)."""
    if not kept:
        return kept
    kept = [kept[i] for i in similarity.dedupe([t for t, _ in kept], ctx.vectors, threshold=DUPLICATE_FACTS)]
    texts = [t for t, _ in kept]
    kept = [k for k in kept if not (contained(k[0], texts) or repeats_longer(k[0], texts, ctx.name))]
    said: set[str] = set()
    return [k for k in kept if not (said_of_them(k[0]) in said or said.add(said_of_them(k[0])))]


def _work_first(kept: list[tuple[str, list[str]]], room: int) -> list[tuple[str, list[str]]]:
    """More facts than ``room``: a second (third ...) about their life outside work gives way to their work.

    Why: Marguerite's six were her role, her opinions and three of her "Personal:" line (Norwegian-born,
    knits in every meeting, reads crime fiction); a seventh, about the makerspace she is trying to save
    from drop-off, was cut. One home-life fact stays (it is good to know); none is lost for nothing.
    """
    extra = [i for i, (text, _) in enumerate(kept) if home_life(text)][1:]
    over = len(kept) - room
    drop = set(extra[max(0, len(extra) - over):]) if over > 0 else set()  # the last ones go first
    for i in sorted(drop):
        log.info("fact left out for one about their work (a second about their life outside work): %r", kept[i][0])
    return [k for i, k in enumerate(kept) if i not in drop]


def _distinct(ctx: BriefContext, kept: list[tuple[str, list[str]]]) -> set[int]:
    """Indexes of ``kept`` that survive the duplicate merge (what may be shown while streaming)."""
    return set(similarity.dedupe([t for t, _ in kept], ctx.vectors, threshold=DUPLICATE_FACTS))


def write_facts(ctx: BriefContext, attempt_seed: int = 0) -> None:
    b = ctx.brief
    b.facts = []
    labels = list(ctx.labels)
    # Notes with room for more: ask for at least five (a 1.5B model asked for "3 to 6" stops at 3-4,
    # and each fact is also where a question grows from); a two-line note keeps the floor of one.
    rich = len(ctx.notes_block) >= RICH_NOTES_CHARS
    # A 900-character speaker bio holds eight facts; asked for "3 to 6" the model gave three (role, an
    # article, hill walking) and none of its "Career Highlights".
    least = min(5 if rich else 4 if len(ctx.notes_block) >= MID_NOTES_CHARS else 3, ctx.size["facts"])
    user = prompts.render("facts", notes=ctx.notes_block, name=ctx.name, min_items=least, max_items=ctx.size["facts"])
    schema = prompts.schema("facts", labels)
    schema["properties"]["facts"]["maxItems"] = ctx.size["facts"]
    if least > 3:
        schema["properties"]["facts"]["minItems"] = least
    # Short items: a fact copied whole from a bio runs to 45 words (~4 s of decode each).
    schema["properties"]["facts"]["items"]["properties"]["text"]["maxLength"] = FACT_MAX_CHARS
    kept: list[tuple[str, list[str]]] = []
    dropped: list[str] = []
    start = time.perf_counter()

    def take(item: dict) -> None:
        """Check one item and keep it; streamed items reach the screen the moment they pass."""
        ids = ctx.cite(item.get("sources") or [])
        for text in item_facts(str(item.get("text", "")), ctx.first, ctx.name):
            before = len(kept)
            _keep(ctx, text, ids, kept, dropped)
            if len(kept) > before and len(kept) - 1 in _distinct(ctx, kept):
                if b.first_fact_seconds is None:
                    b.first_fact_seconds = ctx.elapsed()
                if ctx.on_fact is not None:
                    ctx.on_fact(Cited(*kept[-1]))

    for attempt in range(2):
        prompt = user
        if attempt:
            # A second greedy call on the same prompt gives the same answer (wasted seconds): say what is
            # already there or what went wrong, at the end, so the cached notes prefix still serves it.
            prompt = user + ("\nAlready listed (give other facts, not these): " + "; ".join(t for t, _ in kept)
                             if kept else f"\nYour previous facts were rejected ({(dropped or ['no facts'])[-1]}); "
                                          "state only what the notes say, citing the note each fact comes from.")
        streamed: list[dict] = []
        got = generate_json(ctx.gen, prompt, schema, max_tokens=90 * ctx.size["facts"],
                            seed=seed_for(ctx.seed + attempt_seed, facts_round=attempt), retries=1,
                            on_item=(lambda item: (streamed.append(item), take(item))) if ctx.on_fact else None)
        if got.data is None:
            dropped.append(got.error)
            continue
        for item in got.data["facts"]:
            if item not in streamed:
                take(item)
        kept = _merged(ctx, kept)
        if len(kept) >= 3 or len(kept) >= len(ctx.notes):
            break
    kept = _work_first(kept, ctx.size["facts"])
    for i in [*_from_short_note(ctx, kept, dropped), *_from_specifics(ctx, kept, dropped, least)]:
        if b.first_fact_seconds is None:
            b.first_fact_seconds = ctx.elapsed()
        if ctx.on_fact is not None:
            ctx.on_fact(Cited(*kept[i]))
    log.debug("facts written in %.1fs", time.perf_counter() - start)
    if not kept:
        b.failed["facts"] = "The model gave no facts that the notes support" + (f" ({dropped[-1]})." if dropped else ".")
        return
    if ctx.goal and len(kept) > 1:  # what matters for the goal first (stable: note order on ties)
        vecs = ctx.embed([ctx.goal, *(t for t, _ in kept)])
        scores = vecs[1:] @ vecs[0]
        kept = [kept[i] for i in sorted(range(len(kept)), key=lambda i: (-round(float(scores[i]), 2), i))]
    b.facts = [Cited(t, ids) for t, ids in kept[: ctx.size["facts"]]]


__all__ = ["repeats_longer", "vague", "write_facts"]
