"""Whether a fact may stand: the checks every fact passes, the model's and those code draws from the notes.

Why apart from writing them (facts.py) and filling from the notes (fact_fill.py): both paths must hold
a fact to the same bar (its sources, whose words, the topics the notes say not to raise).
"""

from __future__ import annotations

import logging
import re

from assistant.brief import metrics
from assistant.brief.context import BriefContext, foreign_script
from assistant.brief.fact_text import BODY, cut_at_quote, dangles
from assistant.text import attribution, grounding, similarity, voice
from assistant.text.attribution import as_current, ended_roles
from assistant.text.guard import INJECTION
from assistant.text.sensitive import raises_sensitive

log = logging.getLogger("rapport.brief")
DUPLICATE_FACTS = 0.82

# "He is open about it in a blog post": the "it" is the burnout the next sentence of the note names,
# a fact that says nothing on its own and points at a topic the notes flag.
_VAGUE_IT = re.compile(r"\b(?:about|with|on|of|for|by|over) (?:it|this|that)"
                       r"(?=\s*(?:[.,;!?]|$|\s(?:in|on|at|with|since|for|to|and|but|now|again)\b))"
                       # "She thinks it could help with the geolocation problem.": "it" is the user's work, unsaid
                       r"|\b(?:thinks?|believes?|says?|said|feels?|hopes?)\s+(?:that\s+)?(?:it|this|that)\s+"
                       r"(?:could|would|might|can|will|may)\b", re.I)


# "Callum has shared that his words.": a reporting verb with next to nothing reported.
_EMPTY_REPORT = re.compile(r"\b(?:shared|said|mentioned|noted|explained|stated|told \w+) that\b((?:\W+\w+){0,3})\W*$"
                           # "He has shared opinions on community energy.": that they have a view, never which
                           r"|\b(?:shared|expressed|voiced|offered|given|has|have|holds?)\s+"
                           r"(?:(?:his|her|their|strong|some|several|many|various)\s+)*(?:opinions?|views?|thoughts?)\s+"
                           r"(?:on|about|regarding)\b(?![^:]*(?:\bthat\b|:))",
                           re.I)


# "He met at the Bristol health-tech meetup 20 Nov.": the user's how-we-met line, with its "we" lost;
# it is not something they did, and a question grew from it ("How did you meet with nurses at ...?").
_HOW_WE_MET = re.compile(r"^(?:[A-Z][\w.'-]*\s+){1,3}(?:first\s+)?met\s+(?:at|on|in|through|via|during)\b")


# "Segun is a charity that runs free eight-week digital skills courses": the model gave the person the sentence
# about his charity ("ByteBridge is a charity that runs ...")
_A_BODY = re.compile(r"^(?P<who>(?:[A-Z][\w.'\u2019\"-]*\s+){1,3})(?:is|was)\s+(?:an?|the)\s+(?:[\w-]+\s+)?" + BODY
                     + r"\s+(?:that|which|with|based|in|for|running|working|providing|founded)\b")


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


# "He is working on how to onboard 50 new community groups without hiring a data team - our biggest headache is
# cleaning up generation data": the model copied Tom's own words after a sentence about him.
_THEIR_WE = re.compile(r"(?<=\s)(?:we|our|we're|we've|we'd|we'll)\b", re.I)


def _quoted(text: str, at: int) -> bool:
    before = text[:at]
    return before.count('"') % 2 == 1 or before.count("\u201c") > before.count("\u201d")


def _their_our(ctx: BriefContext, text: str, ids: list[str], ours: re.Match) -> str:
    """The fact with their "our" said as their team's, when the words after it are in a line they wrote
    (their e-mail, their "About"): "... - our biggest headache is ..." -> "... - his team's biggest
    headache is ..."; else "" (the user's "our", or a "we" whose verb would need its person changed)."""
    words = re.match(r"our\s+(\S+(?:\s+\S+)?)", text[ours.start():], re.I)
    if not words:
        return ""
    said = " ".join(f"our {words.group(1)}".casefold().split())
    if not any(said in " ".join(ctx.their_words.get(i, "").casefold().split()) for i in ids):
        return ""
    pronoun = re.match(r"^(He|She)\b", text)
    team = f"{'his' if pronoun.group(1) == 'He' else 'her'} team's" if pronoun else f"{ctx.first}'s team's"
    return text[:ours.start()] + team + text[ours.end():]


def keep(ctx: BriefContext, text: str, ids: list[str], kept: list[tuple[str, list[str]]],
          dropped: list[str], as_written: bool = False) -> None:
    """Append ``text`` to ``kept`` when it passes every check, else say why in ``dropped``.

    ``as_written``: a note's own line whose subject was already settled (fact_text.note_line), so
    "Falls pilot: 11 falls in Jun-Sep" is not read as a verb missing its subject ("Adaeze falls ...").
    """
    text = cut_at_quote(text, ctx.texts(ids))
    if not text or not ids or INJECTION.search(text) or foreign_script(text, ctx.texts(ids)):
        return
    if NO_SUBJECT_VERB.match(text) and not as_written:
        text = _given_subject(ctx, text, ids)
        if not text:
            dropped.append("a sentence cut from the middle of another, without its subject")
            return
    if _HOW_WE_MET.match(text):
        dropped.append("how you met (your line, not theirs)")
        log.info("fact dropped (how you met): %r", text)
        return
    body = _A_BODY.match(text)
    if body and (set(body.group("who").split()) & {*ctx.name.split(), ctx.first, "She", "He", "They"}):
        dropped.append("a person said to be an organisation")
        log.info("fact dropped (a person said to be an organisation): %r", text)
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
    ours = _THEIR_WE.search(text)
    if ours and not _quoted(text, ours.start()):
        theirs = _their_our(ctx, text, ids, ours)
        if theirs:
            log.info("fact reworded (their own 'our' is their team's): %r", text)
            return keep(ctx, theirs, ids, kept, dropped, as_written)
        head = head_before(text, ours.start())
        log.info("fact %s (their own 'we' inside a sentence about them): %r", "cut" if head else "dropped", text)
        if head:
            return keep(ctx, head, ids, kept, dropped, as_written)
        dropped.append("their own \u201cwe\u201d inside a sentence about them")
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
    head = without_tail(text, invented) if invented else ""
    if head:
        log.info("fact cut before words the notes never use (%s): %r", ", ".join(invented), text)
        return keep(ctx, head, ids, kept, dropped, as_written)
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



_TAIL_START = re.compile(r",\s+|\s+(?:and|who|which|where|with|while|as well as)\s+|\s+[-\u2013\u2014]\s+|;\s*")


def without_tail(text: str, invented: list[str]) -> str:
    """The fact up to the clause where the words the notes never use begin, or "" when no whole head is left.

    Why: the 1.5B model ends a faithful fact with filler: "Marguerite Solberg is a branch manager at
    Eastmoor Library, Brackenford Libraries, specializing in providing resources and services to
    teenagers and families." was dropped whole, and her brief said nowhere who she is. The head is
    checked again like any fact.
    """
    first = min((m.start() for w in invented for m in [re.search(rf"(?i)\b{re.escape(w)}", text)] if m), default=-1)
    return head_before(text, first)


def head_before(text: str, at: int) -> str:
    """The fact up to the last clause break before ``at``, or "" when no whole head is left."""
    if at <= 0:
        return ""
    cuts = [m.start() for m in _TAIL_START.finditer(text, 0, at)]
    head = text[:cuts[-1]].rstrip(" ,;:-\u2013\u2014") if cuts else ""
    if len(head.split()) < 5 or dangles(head) or head.count("(") != head.count(")"):
        return ""
    return head + "."


# "Runs flexibility trading at ...", "Illustrates children's books": a note's clause with its subject left out.
NO_SUBJECT_VERB = re.compile(r"^(?!(?:This|His|Hers|Its|Thanks|Yes|Sales|News|Plans|Has|Is|Was)\b)[A-Z][a-z]*[^siu\W]s\s+"
                              r"(?!(?:are|were|is|was|have|had)\b)[a-z]")


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



def merged(ctx: BriefContext, kept: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """Near-duplicates merged: the same role said twice ("is the Chief Nursing Executive ..." / "is
    currently named chief nursing executive ...") reads as padding (at the eval's duplicate threshold)."""
    if not kept:
        return kept
    kept = [kept[i] for i in similarity.dedupe([t for t, _ in kept], ctx.vectors, threshold=DUPLICATE_FACTS)]
    texts = [t for t, _ in kept]
    kept = [k for k in kept if not (contained(k[0], texts) or repeats_longer(k[0], texts, ctx.name))]
    said: set[str] = set()
    return [k for k in kept if not (said_of_them(k[0]) in said or said.add(said_of_them(k[0])))]


__all__ = ["DUPLICATE_FACTS", "contained", "keep", "merged", "repeats_longer", "said_of_them", "vague", "without_tail"]
