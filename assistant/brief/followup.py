"""After the meeting (thank-you, follow-ups, open loops, when to circle back) and the event opener."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Sequence

from assistant.brief.context import BriefContext
from assistant.brief.metrics import content_words
from assistant.brief.narrative import their_topics
from assistant.generation import prompts
from assistant.generation.structured import generate_json
from assistant.text import forms, grounding, openers, questions
from assistant.text.busy import after_busy, notes_busy
from assistant.text.guard import INJECTION
from assistant.text.sensitive import raises_sensitive
from assistant.text.sentences import complete_sentence, split_sentences
from assistant.text.words import stem

log = logging.getLogger("rapport.brief")
MAX_USER_LINES, MAX_USER_CHARS = 12, 1200
# The user's to-do "send her my deck" comes back as "Send me the deck": the user does the sending.
_SEND_ME = re.compile(r"^(Send|Share|Email|E-mail|Forward|Give|Show) me\b", re.I)


def _users_errand(item: str, first: str) -> str:
    """"Send me X" said as the user's errand: "Send Kit X"; "Send me your slides" is asking them for it."""
    m = _SEND_ME.match(item)
    if not m:
        return item
    rest = item[m.end():].rstrip(" .")
    rest = re.sub(r",?\s*please$", "", rest, flags=re.I)
    if re.search(r"\byour\b", rest, re.I):
        theirs = re.sub(r"\byour\b", "their", rest, flags=re.I)
        return f"Ask {first} to {m.group(1).lower()} you{theirs}."
    return f"{m.group(1)} {first}{rest}."


# "I will send you my training outline": the contact's promise, copied from their own e-mail.
_THEIR_PROMISE = re.compile(r"^(?:I|We)\s*(?:will|'ll|\u2019ll|am going to|are going to|can|could)\s+"
                            r"(?:send|share|forward|e-?mail)\s+(?:you|over)\s+(.+?)(?:\s+(?:with|to) you)?$", re.I)


# A to-do is written to the user ("Send Kit the deck"): one that says "I", "me" or "we" is the model
# speaking as the user to the contact ("I would like to continue our conversation", "Discuss it with me").
_FIRST_PERSON = re.compile(r"(?<![\w'])(?:I|I'm|I'd|I'll|I've|[Mm]e|[Mm]y|[Ww]e|[Ww]e're|[Ww]e'll|[Uu]s|[Oo]ur)(?![\w'])")
# ... and one that does something "with you" is addressed to them: "Discuss how to clean up generation
# data from old inverters with you", "Continue to work with you on the training for the new depots".
_WITH_YOU = re.compile(r"\b(?:discuss\w*|talk\w*|chat\w*|meet\w*|speak\w*|work\w*|collaborat\w*|partner\w*|"
                       r"connect\w*|catch up)\b.*\bwith you\b", re.I)
_QUOTED = re.compile(r"[\"\u201c][^\"\u201d]*[\"\u201d]")
# "Continue to work on the incident form and the coding frame you are developing": their work, not a to-do of the
# user's (continuing the conversation is one).
_THEIR_WORK = re.compile(r"^(?:continue|keep)\s+(?:to\s+)?work(?:ing)?\s+on\b", re.I)


# What any to-do says ("Send Kit the deck", "Continue the conversation about ..."): never a sign of invention.
_TODO_WORDS = frozenset(stem(w) for w in """send share ask read discuss follow thank introduce copy email forward check
offer suggest invite arrange book schedule continue conversation discussion chat meet next note link reply write""".split())


_DANGLING_END = re.compile(r"\b(?:the|a|an|their|your|my|his|her|its|our|to|of|for|and|with)\W*$", re.I)


def _their_promise(item: str, first: str) -> str:
    """ "I will send you my training outline by 4 Nov." (their words) as the user's to-do: "Ask Tomasz for ..."."""
    head = (split_sentences(item, lines=False) or [item])[0].rstrip(" .")
    m = _THEIR_PROMISE.match(head)
    if not m:
        return item
    rest = re.split(r",?\s+(?:and|but|so)\s+(?:I|we)\b", m.group(1))[0]  # "... and I want to find X": theirs
    rest = re.sub(r"\b(?:my|our)\b", "their", rest, flags=re.I)
    return _ask_for(first, rest)


def _ask_for(first: str, thing: str) -> str:
    """What they offered to send, as the user's to-do."""
    return f"Ask {first} for {thing} (they offered to send it)."


# "he'll send me 2 anonymised route plans + the old slide deck" (the user's note of their promise)
_PROMISED_ME = re.compile(r"\b(?:he|she|they)\s*(?:'ll|\u2019ll|will|is going to|are going to|promised to|"
                          r"offered to)\s+(?:send|share|forward|e-?mail)\s+(?:me|us)\b(.+)", re.I)


def _promised_to_user(item: str, first: str, notes: Sequence[str]) -> str:
    """ "Send Tomasz the anonymised route plans and the old slide deck." when the notes say he will send
    them to the user: the to-do is to ask for them, not to send them back ("Ask Tomasz for ...")."""
    m = re.match(rf"^(?:Send|Share|Forward|E-?mail)\s+{re.escape(first)}\s+(.+?)\.?$", item)
    if not m:
        return item
    wanted = content_words(m.group(1))
    for note in notes:
        for promise in _PROMISED_ME.finditer(note):
            if wanted and len(wanted & content_words(promise.group(1))) >= 0.5 * len(wanted):
                return _ask_for(first, m.group(1))
    return item


# The thing a to-do sends: "Send Julian the article on ed-tech companies ..." (no note mentions an article).
_SENT_THING = re.compile(r"^(?:Send|Share|Forward|E-?mail|Pass|Read|Watch|Listen to|Check out|Look at|"
                         r"Ask [A-Z][\w'-]+ (?:to send|to share|for)(?: you)?)\s+(?:(?:him|her|them|[A-Z][\w'-]+)\s+)?"
                         r"(?:a link to\s+)?(?:a copy of\s+)?(?:(?:the|a|an|your|my|some|their|his|her)\s+)?(.+?)"
                         r"(?=\s+(?:on|about|of|for|to|from|with|that|which|by)\b|[.,;]|$)")


def invented_thing(item: str, support: Sequence[str]) -> str:
    """The thing a "Send ..." to-do sends when the notes never mention it ("" otherwise).

    Seen in five eval briefs: "Send Julian the article on the classroom reality-check panel", "Send
    Dev a link to the article on alarm fatigue", "Send Marisol the article on ...": no note, and not
    the user's own lines, mentions an article; the to-do reads as a plan the user made, and is not.
    """
    m = _SENT_THING.match(item)
    wanted = content_words(m.group(1)) - _TODO_WORDS if m else set()
    return m.group(1) if wanted and len(wanted & content_words(" ".join(support))) < 0.5 * len(wanted) else ""


# "Send the 3 bullet summary ... to the publisher": the user's note said "send 3 bullet summary" (to Kit);
# the model named a recipient from elsewhere in the notes (the publisher Kit turned down).
_SENT_TO = re.compile(r"^((?:Send|Share|Forward|E-?mail|Pass)\b.+?)\s+to\s+(?:the|a|an|their|his|her)\s+"
                      r"([\w-]+(?:\s+(?!and\b)[\w-]+)?)(?:\s*[.!]?$|(,?\s+and\s+.+))", re.I)


def _to_them(item: str, first: str, user_lines: Sequence[str]) -> str:
    """A to-do sent "to the X" that the user's own lines never name goes to the contact, as the user planned."""
    m = _SENT_TO.match(item)
    if not m:
        return item
    mine = " ".join(user_lines).lower()
    if any(re.search(rf"\b{re.escape(stem(w))}", mine) for w in m.group(2).lower().split()):
        return item
    rest = (m.group(3) or "").rstrip(" .!")  # ", and ask if they want Rachel intro": the rest of the to-do stays
    return f"{m.group(1)} to {first}{rest}."


def specific_thanks(facts: list[str], first: str) -> str:
    """ "Thank you for your time today, Adaeze; I really enjoyed hearing about your falls-prevention pilot on 7B."

    Written from a checked fact: what they work on, else where they work ("what draws them" phrases are cut too
    short to thank for); "" when no fact names either.
    """
    topics = sorted((t for t in their_topics(facts, first) if t[0] != "drawn"), key=lambda t: t[0] != "work")
    for kind, thing, _ in topics[:1]:
        about = f"your work at {thing}" if kind == "org" else thing
        return f"Thank you for your time today, {first}; I really enjoyed hearing about {about}."
    return ""


def users_lines_block(ctx: BriefContext) -> str:
    """The user's own lines of the notes (their plans, promises, what they said), quoted after the notes prefix.

    Why: the follow-up is about the user's plans, which the facts' notes view leaves out. Quoting
    them after the shared notes prefix, instead of a second copy of every note with them left in,
    lets the follow-up reuse the prefix already in the model (~20 s of prefill on 2 cores).
    """
    lines, size = [], 0
    for line in dict.fromkeys(ctx.user_lines):  # a bounded tail: a long diary of plans must not crowd the task
        line = " ".join(line.split())  # the lines come from guarded notes (context.py); checked once more
        if not line or INJECTION.search(line):
            continue
        size += len(line)
        if len(lines) >= MAX_USER_LINES or size > MAX_USER_CHARS:
            break
        lines.append(f"- {line}")
    if not lines:
        return "The notes hold no lines in the user's own voice."
    return ("The user's own lines from these notes (what the user said, plans or promised):\n"
            + prompts.quote_notes([("U1", "the user's own lines", "\n".join(lines))]))


def _plain_thanks(first: str) -> str:
    """The thank-you when nothing of theirs can be named safely."""
    return f"Thank you for your time today, {first}; I enjoyed our conversation."


def _circle_back(ctx: BriefContext) -> None:
    """Open loops and when to circle back: from the contact's record, in code, past their busy stretches.

    Why: "she'll be flat out Jan-Feb" was in Priya's note and her brief said to circle back on 16 January.
    A day inside a busy period their notes mention moves to the day after it, with the sentence that says so.
    """
    b, cadence = ctx.brief, ctx.contact_cadence()
    for loop in ctx.open_loops():
        b.follow_up.append(f"Open loop: {loop}")
    notes = ((c.text, c.date) for c in ctx.chunks)
    day, busy = after_busy(ctx.today + timedelta(days=cadence), notes_busy(notes, ctx.today))
    after = f", after the busy stretch your notes mention (\u201c{busy.quote}\u201d)" if busy else ""
    b.follow_up.append(f"Circle back around {day.isoformat()} ({(day - ctx.today).days // 7} weeks){after}, "
                       f"with something useful to share.")


def write_follow_up(ctx: BriefContext, attempt_seed: int = 0) -> None:
    """The thank-you (written in code from their checked facts), the user's to-dos (the model, from the user's own
    lines only) and when to circle back (code).

    Why the thank-you is code's: read on the eval and on fresh notes, the model's thanked them for what the user
    brings ("Thank you for sharing your expertise on geolocation" to the researcher stuck on geolocation, "your
    insights on how schools buy software" to the studio that has no idea), for what had not happened, or for
    "insights" in general; and without a line of the user's own its to-dos were advice to them ("Continue to work on
    the incident form ... you are developing"), at ~4-5 s a brief on 2 cores.
    """
    b = ctx.brief
    b.follow_up = [f"Thank-you note: {specific_thanks([f.text for f in b.facts], ctx.first) or _plain_thanks(ctx.first)}"]
    if not ctx.user_lines:
        _circle_back(ctx)
        return
    got = generate_json(
        ctx.gen, prompts.render("followup", notes=ctx.notes_block, name=ctx.name, user_lines=users_lines_block(ctx)),
        prompts.schema("followup"),
        max_tokens=120, seed=ctx.seed + attempt_seed, retries=ctx.settings.retries,
        # One job-ask item is dropped below; only a whole answer that is one is asked again (a retry is
        # ~6 s, and three retries on a false alarm left a brief with no follow-up at all).
        accept=lambda d: "job ask" if all(questions.is_job_ask(t) for t in d["follow_up"]) else "")
    if got.data is not None:
        support = [c.text for c in ctx.notes] + [ctx.name]
        for item in got.data["follow_up"]:
            item = _their_promise(_users_errand(complete_sentence(item, 120), ctx.first), ctx.first)
            item = _promised_to_user(_to_them(item, ctx.first, ctx.user_lines), ctx.first, support)
            unquoted = _QUOTED.sub("", item)
            # lower-cased first word: an imperative ("Send ...") is not a name the notes must hold
            missing = grounding.unsupported_terms(item[:1].lower() + item[1:], support)
            if not missing:  # filler: "Discuss the challenges you are facing with your team" from a two-line note
                invented = grounding.unbacked_words(unquoted, [*support, *ctx.user_lines], ctx.name,
                                                    also=_TODO_WORDS)
                missing = [f"words the notes never use: {', '.join(invented)}"] if invented else []
                thing = invented_thing(item, [*support, *ctx.user_lines])
                missing = missing or ([f"a thing to send that no note mentions: {thing}"] if thing else [])
            if item and questions.is_job_ask(item):
                log.info("follow-up dropped (a job ask): %r", item)
            elif item and (len(item.split()) < 4 or _DANGLING_END.search(item)):
                log.info("follow-up dropped (a fragment): %r", item)  # "Explaining hard ideas", "... send you their."
            elif item and _THEIR_WORK.match(item):
                log.info("follow-up dropped (their work, not the user's to-do): %r", item)
            elif item and (_FIRST_PERSON.search(unquoted) or _WITH_YOU.search(unquoted)):
                log.info("follow-up dropped (said as the user to them, not a to-do): %r", item)
            elif item and raises_sensitive(item, ctx.flagged):  # "Discuss the Eastmoor trial" they asked not to raise
                log.info("follow-up dropped (a topic the notes say not to raise): %r", item)
            elif item and not missing:
                b.follow_up.append(item[:1].upper() + item[1:])
            elif missing:  # "Meet Kit on January 1st": a date or name the notes never gave
                log.info("follow-up dropped (unsupported: %s): %r", ", ".join(missing), item)
    else:
        b.failed["follow_up"] = f"The follow-up suggestions failed ({got.error})."
    _circle_back(ctx)


# One line per kind of topic their_topics finds (their interest, their work, their organisation).
_OPENERS = {"drawn": "Hi {first} — what draws you to {thing}?",
            "work": "Hi {first} — I read about {thing}; how is it going?",
            "org": "Hi {first} — what are you working on at {thing} these days?"}


def code_opener(facts: Sequence[str], name: str, first: str, support: Sequence[str]) -> str:
    """The user's first line to an attendee, written from their checked facts: a question about their work.

    Why in code: the 1.5B model's openers were said as the attendee ("Hi there! I'm Ralph
    Borland ..."), as a chatbot, or asked a favour ("Do you have any tips ...?"), and cost a call
    and its retries per attendee; a line built from what the facts say they work on is always the
    user speaking and always names something real of theirs (the same check still runs on it).
    """
    for kind, thing, _ in their_topics(facts, first):
        line = _OPENERS[kind].format(first=first, thing=thing)
        if not openers.opener_problem(line, name, support):
            return line
    return openers.fallback_opener(next((f for f in facts if not forms.is_hope(f)), facts[0]), name)


def write_opener(ctx: BriefContext, attempt_seed: int = 0) -> None:
    """One line the user says to the attendee; written in code unless ``Settings.model_opener``."""
    b = ctx.brief
    if not b.facts:
        return
    support = [f.text for f in b.facts] + [c.text for c in ctx.notes]
    if not ctx.settings.model_opener:
        b.opener = code_opener([f.text for f in b.facts], ctx.name, ctx.first, support)
        return
    event = f" at {ctx.event_name}" if ctx.event_name else ""

    def accept(d: dict) -> str:
        d["opener"] = complete_sentence(d["opener"], 200)
        return openers.opener_problem(d["opener"], ctx.name, support)

    got = generate_json(ctx.gen, prompts.render("opener", notes=ctx.notes_block, name=ctx.name, first=ctx.first,
                                                event=event, fact=b.facts[0].text),
                        prompts.schema("opener"), max_tokens=70, seed=ctx.seed + attempt_seed,
                        retries=ctx.settings.retries, accept=accept, feedback=True)
    if got.data is not None:
        b.opener = got.data["opener"]
    else:
        # Better a plain line the user can say than none, or one said as the attendee.
        b.opener = openers.fallback_opener(b.facts[0].text, ctx.name)


__all__ = ["code_opener", "users_lines_block", "write_follow_up", "write_opener"]
