"""Short outreach emails (request, thanks, reconnect), checked before you see them.

Why checks in code: a draft is the one thing Rapport writes that leaves the
user's machine, so it must not ask a near-stranger for a job, invent a
company, or run long. Every draft is checked after generation (job asks
sentence by sentence, unsupported names and numbers against the notes, the
15-20 minute ask for requests, a specific callback for thank-yous) and
regenerated within a bound; one that still fails raises
:class:`GenerationError` instead of being quietly shown.

``prompts/draft.schema.json`` caps the body at 1000 characters: llama.cpp
turns ``maxLength`` into a grammar repetition, and above about 1100 it
refuses the grammar and crashes the process. 1000 characters is ~160
words, enough room for an over-long draft to be trimmed to 120 here.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Literal

from assistant.text.names import first_name
from assistant.generation.budget import fit_to_budget
from assistant.text.links import strip_invented
from assistant.text.sentences import split_keeping_layout, split_sentences
from assistant.text import grounding, questions, words
from assistant.generation import prompts
from assistant.config import Settings
from assistant.conversation.history import keywords
from assistant.errors import GenerationError, InputError
from assistant.text.guard import injected_sentences, steered
from assistant.generation.llm import Generator
from assistant.notes.contacts import ContactSummary, resolve_contact
from assistant.conversation.relationship import interactions, reconnect_reason
from assistant.notes.store import KnowledgeBase
from assistant.generation.structured import generate_json
from assistant.types import Chunk, Target

log = logging.getLogger("rapport.drafts")

DraftKind = Literal["request", "thanks", "reconnect"]
KINDS: tuple[str, ...] = ("request", "thanks", "reconnect")
MAX_WORDS = 120
MAX_SUBJECT_WORDS = 12
ASK_WORDS = 100  # what the prompt asks for, leaving room under the hard limit
NOTES_TOKEN_BUDGET = 1100
ME_TOKEN_BUDGET = 350
_DURATION = re.compile(r"\b(15|20|fifteen|twenty)\b|\bminutes?\b|\bmins?\b", re.I)
# Words an email may capitalise without them being names from the notes.
EMAIL_WORDS = """
Hi Hello Hey Dear Best Thanks Thank Cheers Regards Warmly Warm Kind Sincerely Looking Hope Hoping Would Could
Great Lovely Wonderful Really Quick Coffee Chat Call Catching Checking Following Follow Re Fwd Glad Happy
Congrats Congratulations Speaking Given Since Also Separately Absolutely Totally Feel Free Please Let Any Whenever
Either Sure Happy Idea Ideas Question Questions Note Notes Article Something Nothing Good Nice Enjoyed Meeting
Conversation Talk Time Minutes Minute 15 20 15-20 Reconnect Reconnecting Touching Base Update Sharing Share
Attached Here Here's Sending Send Sent Promised Quick Coffee Chat Learning Curious Keen Interested
""".split()

_NAME_PLACEHOLDER = re.compile(r"[ \t]*\[\s*(?:your|my|sender'?s?)?\s*(?:full\s+)?name\s*\][ \t]*|^[ \t]*(?:your|my) name[ \t]*$",
                               re.I | re.M)
_PLACEHOLDER = re.compile(r"\[[^\]\n]{2,40}\]")


def clean_body(body: str) -> str:
    """Drop a "[Your Name]" signature placeholder: the user signs the email themselves."""
    body = _NAME_PLACEHOLDER.sub("", body)
    return re.sub(r"\n{3,}", "\n\n", body).strip()


@dataclass
class Draft:
    """A checked email; ``sources`` are the notes the model was given."""

    kind: str
    contact: str
    subject: str
    body: str
    sources: list[dict] = field(default_factory=list)
    attempts: int = 1
    trimmed: bool = False
    reason: str = ""  # for reconnect: why now (from the notes)
    warnings: list[str] = field(default_factory=list)

    @property
    def words(self) -> int:
        return words.word_count(self.body)

    def text(self) -> str:
        return f"Subject: {self.subject}\n\n{self.body}"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "contact": self.contact, "subject": self.subject, "body": self.body,
                "words": self.words, "sources": self.sources, "attempts": self.attempts, "trimmed": self.trimmed,
                "reason": self.reason, "warnings": list(self.warnings)}


# -------------------------------------------------------------- helpers --
def trim_to_words(body: str, limit: int = MAX_WORDS) -> str:
    """Cut ``body`` to ``limit`` words at a sentence boundary, keeping the sign-off.

    Why not just truncate: a half sentence in an email reads as a mistake;
    dropping whole trailing sentences reads as a shorter email.
    """
    body = body.strip()
    if words.word_count(body) <= limit:
        return body
    lines = body.splitlines()
    tail: list[str] = []
    while lines and len(tail) < 3 and (not lines[-1].strip() or words.word_count(lines[-1]) <= 4) \
            and not re.search(r"[.!?]\s*$", lines[-1]):
        tail.insert(0, lines.pop())
    tail_text = "\n".join(tail).strip()
    budget = limit - words.word_count(tail_text)
    main = "\n".join(lines).strip()
    out, used = "", 0
    for sentence, sep in split_keeping_layout(main):
        n = words.word_count(sentence)
        if used + n > budget:
            break
        out += sentence + sep
        used += n
    if not out.strip():  # one giant sentence: cut words, end cleanly
        tokens = main.split()
        out = " ".join(tokens[:max(1, budget)]).rstrip(",;:") + "…"
    return (out.rstrip() + ("\n\n" + tail_text if tail_text else "")).strip()


def _budgeted(generator: Generator, chunks: list[Chunk], budget: int) -> list[Chunk]:
    return fit_to_budget(generator, chunks, budget)


class _Context:
    """What one draft is written from: the contact's notes (log first), the user's, the reason."""

    def __init__(self, kind: str, contact: ContactSummary, kb: KnowledgeBase, settings: Settings,
                 generator: Generator, goal: str) -> None:
        self.kind, self.contact, self.goal = kind, contact, goal
        target = Target.contact(contact.name)
        chunks = kb.chunks_of(target)
        topic = {"request": "shared interests, how we met, what they work on",
                 "thanks": "what we talked about last time, what I promised to send",
                 "reconnect": "open promises, projects they mentioned, news"}[kind]
        query = f"{goal} {topic}".strip()
        order = {c.id: i for i, c in enumerate(kb.search(query, [target], k=max(1, len(chunks))))}
        logs = sorted([c for c in chunks if c.source.startswith("log:")], key=lambda c: c.date, reverse=True)
        rest = sorted([c for c in chunks if not c.source.startswith("log:")], key=lambda c: order.get(c.id, 10**6))
        self.notes = _budgeted(generator, logs + rest, NOTES_TOKEN_BUDGET)
        self.me = _budgeted(generator, kb.search(f"{query} what I can offer", [Target.me()], k=3), ME_TOKEN_BUDGET)
        self.latest = [e.text for e in interactions(contact.name, kb, settings, limit=2)]
        self.reason, self.reason_source = ("", None)
        if kind == "reconnect":
            self.reason, self.reason_source = reconnect_reason(contact, kb, settings)
        labelled = [(f"N{i}", (c.title or c.source.rsplit('/', 1)[-1]).replace('"', "'"), c.text)
                    for i, c in enumerate(self.notes, 1)]
        labelled += [(f"M{i}", "me (the user)", c.text) for i, c in enumerate(self.me, 1)]
        self.block = prompts.quote_notes(labelled)
        self.injections = injected_sentences(c.text for c in [*self.notes, *self.me])
        self.support = [c.text for c in [*self.notes, *self.me]] + [contact.name, " ".join(EMAIL_WORDS),
                                                                    self.reason]

    def prompt(self, feedback: str) -> str:
        goal = f"\nThe user's goal: {self.goal}" if self.goal else ""
        latest = "\n".join(f"- {t}" for t in self.latest) or "- (nothing logged yet: use the most recent note)"
        values = {"notes": self.block, "name": self.contact.name, "first": first_name(self.contact.name), "goal": goal,
                  "max_words": ASK_WORDS, "feedback": feedback}
        if self.kind == "thanks":
            values["latest"] = latest.replace("<", "‹").replace(">", "›")
        if self.kind == "reconnect":
            values["reason"] = self.reason
        return prompts.render(f"draft_{self.kind}", **values)

    def check(self, data: dict) -> str:
        """"" when the draft is usable, else the reason to regenerate."""
        data["body"] = clean_body(str(data["body"]))  # the caller uses the cleaned body
        subject, body = " ".join(str(data["subject"]).split()), data["body"]
        text = f"{subject}\n{body}"
        if words.word_count(subject) > MAX_SUBJECT_WORDS:
            return f"the subject line was too long (keep it under {MAX_SUBJECT_WORDS} words)"
        placeholder = _PLACEHOLDER.search(text)
        if placeholder:
            return f"it left a placeholder to fill in ({placeholder.group(0)})"
        for s in split_sentences(text):
            if questions.is_job_ask(s):
                return f"it asked for a job, a referral or an introduction (\u201c{s[:80]}\u201d)"
        why = steered(text, self.injections)
        if why:
            return why
        missing = grounding.unsupported_terms(subject + ".\n" + body, self.support)
        if missing:
            return f"it named things the notes do not mention: {', '.join(missing[:5])}"
        if self.kind == "request" and not _DURATION.search(body):
            return "it did not propose a 15-20 minute conversation"
        if self.kind == "thanks" and self.latest:
            said = set(keywords(" ".join(self.latest))) - {w.lower() for w in EMAIL_WORDS}
            if said and not said & set(keywords(body)):
                return "it did not mention anything specific from the latest conversation"
        return ""


def draft(name: str, kind: str, kb: KnowledgeBase, settings: Settings, generator: Generator,
          goal: str | None = None, max_tokens: int = 320) -> Draft:
    """Write a checked ``request``/``thanks``/``reconnect`` email to ``name``.

    Raises :class:`GenerationError` when no draft passes the checks within
    ``settings.retries + 1`` attempts (each retry tells the model why the
    previous one was rejected).
    """
    if kind not in KINDS:
        raise InputError(f"There is no {kind!r} draft.", f"Choose one of: {', '.join(KINDS)}.")
    contact = resolve_contact(kb, settings, name)
    ctx = _Context(kind, contact, kb, settings, generator, " ".join((goal or "").split()))
    if not ctx.notes:
        raise InputError(f"There are no notes about {contact.name} to write from.",
                         f"Add some first: `rapport ingest FILE --contact \"{contact.name}\"` or `rapport log`.")
    schema = prompts.schema("draft")
    reasons: list[str] = []
    attempts = settings.retries + 1
    for attempt in range(attempts):
        feedback = ""
        if reasons:
            feedback = (f"\n\nAttempt {attempt + 1} of {attempts}. The previous draft was rejected because "
                        f"{reasons[-1]}. Write a new one that fixes this.")
        got = generate_json(generator, ctx.prompt(feedback), schema, max_tokens=max_tokens,
                            seed=settings.seed + attempt * 7919, retries=0, accept=ctx.check)
        if got.data is None:
            reasons.append(got.error)
            log.info("draft %s for %s rejected: %s", kind, contact.name, got.error)
            continue
        source_texts = [c.text for c in [*ctx.notes, *ctx.me]]
        subject, gone = strip_invented(" ".join(str(got.data["subject"]).split()), source_texts)
        body, gone_body = strip_invented(str(got.data["body"]).strip(), source_texts)
        trimmed = trim_to_words(body)
        result = Draft(kind, contact.name, subject, trimmed,
                       [c.as_source() for c in [*ctx.notes, *ctx.me]], attempt + 1, trimmed != body, ctx.reason)
        if gone or gone_body:
            result.warnings.append(f"Removed {len(set(gone) | set(gone_body))} link(s) or contact detail(s) the "
                                   f"model wrote that your notes do not contain.")
        if result.trimmed:
            result.warnings.append(f"The model wrote {words.word_count(body)} words; trimmed to {result.words} "
                                   f"at a sentence boundary.")
        if kind == "thanks" and not ctx.latest:
            result.warnings.append("Nothing is logged for your last conversation, so this thanks is based on your "
                                   "latest notes. Log it with `rapport log` for a more specific note.")
        return result
    raise GenerationError(
        f"Could not write a {kind} email to {contact.name} that passes the checks after {attempts} tries "
        f"(last problem: {reasons[-1] if reasons else 'unknown'}).",
        "Try again with --goal to give more direction, add notes about them, or use a larger model (--model default). "
        "Rapport will not hand you a draft that asks for a job or invents facts.")


__all__ = ["Draft", "KINDS", "MAX_WORDS", "clean_body", "draft", "trim_to_words"]
