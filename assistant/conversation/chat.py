"""Follow-up chat about one contact, answered only from the user's notes.

Pipeline for one question:

1. **Rewrite** (only when there is history): a short schema-constrained call
   turns "and what about her team?" into a standalone search query; plain
   code then makes sure the query still names the contact or the earlier
   subject, and falls back to "previous question + this question".
2. **Retrieve** only from the contact, their fields and the user's own
   profile (``scope_for(contact, include_me=True)``): another contact's
   notes can never reach the prompt.
3. **Answer** with the notes quoted as data under labels ``N1..Nk``; recent
   turns are kept as far as the context window allows.
4. **Guard** in code: an answer that repeats an instruction found inside a
   note, or slips in a job ask nobody asked about, is regenerated once with
   another seed, then replaced by a plain quote of the best note.
5. **Cite**: labels the answer mentions become ``sources``; when it cites
   none, ``sources`` lists every note the model was given (honest, not
   flattering).

Python API (the browser page uses exactly this)::

    answer = ask("Dana", "What is she working on?", kb, settings, generator)
    answer.answer, answer.sources, answer.query, answer.chunks

    stream = ask_stream("Dana", "And her team?", kb, settings, generator)
    for token in stream:            # str tokens as the model writes them
        if isinstance(token, Reset):  # the guard discarded what was shown
            shown = ""
        shown += token
    stream.answer                   # the final Answer (always render this one)

Both save the question and the answer to the contact's :class:`Conversation`
(``chats/<slug>.json``) when they finish.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Iterator

from assistant.generation.budget import fit_to_budget
from assistant.text.links import strip_invented
from assistant.text.sentences import split_sentences
from assistant.generation import prompts
from assistant.config import Settings
from assistant.conversation.history import Conversation, Reset, fit_messages, keywords
from assistant.errors import InputError
from assistant.text.guard import INJECTION, injected_sentences, steered, strip_injections
from assistant.generation.llm import Generator, Message
from assistant.notes.contacts import ContactSummary, resolve_contact, scope_for
from assistant.notes.store import KnowledgeBase
from assistant.generation.structured import generate_json
from assistant.types import Chunk, name_key

log = logging.getLogger("rapport.chat")

TOP_K = 6
NOTES_TOKEN_BUDGET = 1200
ANSWER_TOKENS = 300
REWRITE_TOKENS = 60
NO_NOTES = "Your notes don't say."
_CITED = re.compile(r"\bN(\d{1,3})\b")
_ABSENT = re.compile(r"\b(?:(?:your |the )?notes? (?:do not|don't|does not|doesn't) (?:say|mention|provide|contain|cover|include|specify)"
                     r"|no (?:information|mention|details?) (?:about|on|of)|(?:isn't|is not|not) (?:mentioned|covered) in the notes)\b",
                     re.I)


@dataclass
class Answer:
    """One grounded answer.

    ``sources``: ``[{"id", "source", "excerpt", "title", "date", "label"}]``
    (``label`` is the ``N2`` the answer text cites); ``query``: the retrieval
    query actually used (the rewritten one for follow-ups); ``chunks``: the
    notes the model was given, in label order; ``guard``: why the model's
    first answer was replaced ("" when it was not).
    """

    answer: str
    sources: list[dict]
    query: str
    chunks: list[Chunk]
    contact: str = ""
    question: str = ""
    rewritten: bool = False
    guard: str = ""
    dropped_turns: int = 0

    def to_dict(self) -> dict:
        return {"answer": self.answer, "sources": self.sources, "query": self.query, "contact": self.contact,
                "guard": self.guard}


@dataclass
class _Prepared:
    contact: ContactSummary
    conversation: Conversation
    question: str
    query: str
    rewritten: bool
    labels: dict[str, Chunk]
    messages: list[Message]
    dropped: int
    injections: list[str] = field(default_factory=list)
    seed: int = 42
    max_tokens: int = ANSWER_TOKENS
    save: bool = True

    @property
    def chunks(self) -> list[Chunk]:
        return list(self.labels.values())


# ---------------------------------------------------------------- rewrite --
def anchored_query(candidate: str, question: str, previous: str, name: str) -> str:
    """The model's rewrite if it still points at the conversation's subject.

    Why in code: a small model often returns the follow-up unchanged ("what
    about her team?"), which retrieves nothing useful. The rewrite must
    contain the contact's name or a key word of the previous question;
    otherwise (or when it is empty or looks like an instruction) the
    previous question and the follow-up are searched together.
    """
    candidate = " ".join(candidate.split())
    fallback = f"{previous} {question}".strip()
    if not candidate or INJECTION.search(candidate) or len(candidate) > 300:
        return fallback
    words = set(keywords(candidate))
    names = {p.lower() for p in name.split() if len(p) >= 2}
    if words & names or words & set(keywords(previous)):
        return candidate
    return f"{previous} {candidate}".strip()


def standalone_query(question: str, conversation: Conversation, name: str, generator: Generator,
                     settings: Settings) -> tuple[str, bool]:
    """(search query, whether it was rewritten); no model call without history."""
    previous = conversation.last_user()
    if not previous:
        return question, False
    recent = conversation.messages()[-4:]
    history = "\n".join(f"{'User' if m['role'] == 'user' else 'Rapport'}: "
                        f"{' '.join(m['content'].split())[:300].replace('<', '‹').replace('>', '›')}"
                        for m in recent)
    got = generate_json(generator, prompts.render("rewrite", history=history, name=name, question=question),
                        prompts.schema("rewrite"), max_tokens=REWRITE_TOKENS, seed=settings.seed, retries=1)
    candidate = str(got.data["query"]) if got.data else ""
    if not got.data:
        log.info("query rewrite failed (%s); using the previous question as context", got.error)
    return anchored_query(candidate, question, previous, name), True


# ------------------------------------------------------------ retrieval --
def _origin(chunk: Chunk) -> str:
    title = chunk.title or chunk.source.rsplit("/", 1)[-1]
    if chunk.kind == "me":
        where = f"me (the user): {title}"
    elif chunk.kind == "field":
        where = f"field {chunk.owner}: {title}"
    else:
        where = f"{chunk.owner}: {title}"
    return where.replace('"', "'")


def _fit_notes(generator: Generator, hits: list[Chunk], budget: int) -> list[Chunk]:
    return fit_to_budget(generator, hits, budget, always_first=False)


def _prepare(name: str, question: str, kb: KnowledgeBase, settings: Settings, generator: Generator,
             conversation: Conversation | None, k: int, max_tokens: int, save: bool) -> _Prepared:
    question = " ".join(question.split())
    if not question:
        raise InputError("The question is empty.", "Type a question about the contact, e.g. \"What is she working on?\"")
    contact = resolve_contact(kb, settings, name)
    if conversation is None:
        conversation = Conversation.load(contact.name, settings)
    elif name_key(conversation.name) != contact.key:
        raise InputError(f"That conversation is with {conversation.name}, not {contact.name}.",
                         "Start a new Conversation for this contact.")
    query, rewritten = standalone_query(question, conversation, contact.name, generator, settings)
    hits = kb.search(query, scope_for(contact, include_me=True), k=k)

    system = prompts.render("chat_system", name=contact.name)
    shown_question = question if not rewritten or query == question else f"{question}\n(Meaning: {query})"
    skeleton = prompts.render("answer", notes="", name=contact.name, question=shown_question)
    fixed = generator.count_tokens(system) + generator.count_tokens(skeleton) + 32
    room = generator.n_ctx - max_tokens - fixed
    if room < 64:
        raise InputError(f"The question is too long for the model's context window ({generator.n_ctx} tokens).",
                         "Ask a shorter question.")
    notes = _fit_notes(generator, hits, min(NOTES_TOKEN_BUDGET, room - 32))
    labels = {f"N{i}": c for i, c in enumerate(notes, 1)}
    block = prompts.quote_notes([(label, _origin(c), c.text) for label, c in labels.items()])
    user = prompts.render("answer", notes=block, name=contact.name, question=shown_question)
    messages, dropped = fit_messages(generator, system, conversation.messages(), user, max_tokens)
    return _Prepared(contact, conversation, question, query, rewritten, labels, messages, dropped,
                     injected_sentences(c.text for c in notes), settings.seed + len(conversation), max_tokens, save)


# -------------------------------------------------------------- answers --
def cited_sources(answer: str, labels: dict[str, Chunk]) -> list[dict]:
    """Sources for the labels the answer cites, or every note it was given if none."""
    cited = [f"N{n}" for n in _CITED.findall(answer)]
    chosen = [label for label in dict.fromkeys(cited) if label in labels] or list(labels)
    return [{**labels[label].as_source(), "label": label} for label in chosen]


def plain_absence(text: str) -> str:
    """Say "Your notes don't say." in those words when the model says it some other way.

    Why: the user should recognise at a glance that the notes lack the
    answer ("The notes do not provide information on ..." reads like an
    answer). Only an uncited first sentence is rewritten.
    """
    parts = split_sentences(text)
    if not parts or _CITED.search(parts[0]) or not _ABSENT.search(parts[0]) or text.startswith(NO_NOTES):
        return text
    return " ".join([NO_NOTES, *parts[1:]])


def _fallback(p: _Prepared) -> tuple[str, dict[str, Chunk]]:
    """A plain quote of the best note, for when the model's answers fail the guard."""
    for label, c in p.labels.items():
        text = strip_injections(c.text)
        if text.strip():
            excerpt = " ".join(text.split())
            excerpt = excerpt if len(excerpt) <= 300 else excerpt[:299].rstrip() + "…"
            return f"Your notes say: \u201c{excerpt}\u201d [{label}]", {label: c}
    return NO_NOTES, {}


def _complete_checked(p: _Prepared, generator: Generator, first: str | None = None) -> tuple[str, str, dict]:
    """(answer, guard reason, labels it may cite): generate, check, retry once, fall back."""
    reason = ""
    attempts = [first] if first is not None else []
    for attempt in range(2):
        if attempt < len(attempts):
            text = attempts[attempt] or ""
        else:
            text = generator.complete(p.messages, max_tokens=p.max_tokens, temperature=0.2 if attempt == 0 else 0.6,
                                      seed=p.seed + attempt * 7919).text
        text, invented = strip_invented(text.strip(), [c.text for c in p.labels.values()])
        why = steered(text, p.injections, p.question) if text else (
            "it invented a link or contact detail" if invented else "it was empty")
        if not why:
            return plain_absence(text), reason, p.labels
        reason = reason or why
        log.info("chat answer rejected (%s)", why)
    text, labels = _fallback(p)
    return text, reason, labels


def _finish(p: _Prepared, text: str, reason: str, labels: dict[str, Chunk]) -> Answer:
    sources = cited_sources(text, labels) if labels else []
    p.conversation.add("user", p.question)
    p.conversation.add("assistant", text, p.query, sources)
    if p.save:
        p.conversation.save()
    return Answer(text, sources, p.query, p.chunks, p.contact.name, p.question, p.rewritten, reason, p.dropped)


def _no_notes_text(p: _Prepared) -> str:
    return f"{NO_NOTES} There are no notes about {p.contact.name} that match this question."


def ask(name: str, question: str, kb: KnowledgeBase, settings: Settings, generator: Generator,
        conversation: Conversation | None = None, k: int = TOP_K, max_tokens: int = ANSWER_TOKENS,
        save: bool = True) -> Answer:
    """Answer ``question`` about ``name`` from their notes; saves both to the conversation.

    ``conversation`` defaults to the contact's saved one, so follow-ups
    work across restarts. For a one-off question that neither uses nor
    changes the saved history, pass ``Conversation(name, settings)`` (empty)
    and ``save=False``.
    """
    p = _prepare(name, question, kb, settings, generator, conversation, k, max_tokens, save)
    if not p.labels:
        return _finish(p, _no_notes_text(p), "", {})
    text, reason, labels = _complete_checked(p, generator)
    return _finish(p, text, reason, labels)


class AnswerStream:
    """Tokens of one answer as they are written; ``.answer`` once exhausted.

    Iterating yields ``str`` tokens. If the guard rejects what was streamed
    (an instruction from a note, an unasked-for job ask), it stops the model,
    yields a :class:`Reset` token and then the replacement text. ``query``,
    ``chunks`` and ``sources_given`` are known before the first token.
    Abandoning the iteration early saves nothing.
    """

    def __init__(self, prepared: _Prepared, generator: Generator) -> None:
        self._p = prepared
        self._gen = generator
        self.answer: Answer | None = None

    @property
    def query(self) -> str:
        return self._p.query

    @property
    def chunks(self) -> list[Chunk]:
        return self._p.chunks

    @property
    def contact(self) -> str:
        return self._p.contact.name

    def __iter__(self) -> Iterator[str]:
        if self.answer is not None:
            return
        p = self._p
        if not p.labels:
            text = _no_notes_text(p)
            yield text
            self.answer = _finish(p, text, "", {})
            return
        parts: list[str] = []
        why = ""
        stream = self._gen.stream(p.messages, max_tokens=p.max_tokens, temperature=0.2, seed=p.seed)
        try:
            for token in stream:
                parts.append(token)
                why = steered("".join(parts), p.injections, p.question)
                if why:
                    break
                yield token
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()  # releases the model's lock when we stop early
        text = "".join(parts).strip()
        if why or not text:
            yield Reset("\n[Rapport discarded that answer: " + (why or "it was empty") + ".]\n")
            # The streamed text counts as the first attempt; one more, then the plain quote.
            text, reason, labels = _complete_checked(p, self._gen, first=text)
            yield text
            self.answer = _finish(p, text, reason, labels)
            return
        clean, invented = strip_invented(text, [c.text for c in p.labels.values()])
        if invented:  # a link, e-mail or phone number the notes do not contain: replace what was shown
            log.info("chat answer: removed invented contact details %s", invented)
            yield Reset("\n[Rapport removed a link or contact detail your notes do not contain.]\n")
            yield clean
        self.answer = _finish(p, plain_absence(clean), "", p.labels)


def ask_stream(name: str, question: str, kb: KnowledgeBase, settings: Settings, generator: Generator,
               conversation: Conversation | None = None, k: int = TOP_K,
               max_tokens: int = ANSWER_TOKENS, save: bool = True) -> AnswerStream:
    """Like :func:`ask`, streamed. Resolution, rewrite and retrieval happen now
    (so a wrong name raises here); tokens come when you iterate."""
    return AnswerStream(_prepare(name, question, kb, settings, generator, conversation, k, max_tokens, save),
                        generator)


def forget_chat(name: str, kb: KnowledgeBase, settings: Settings) -> bool:
    """Delete the saved conversation with ``name``; True if there was one."""
    contact = resolve_contact(kb, settings, name)
    conv = Conversation(contact.name, settings)
    existed = conv.path.exists()
    conv.clear()
    return existed


__all__ = ["Answer", "AnswerStream", "Conversation", "Reset", "anchored_query", "ask", "ask_stream", "cited_sources",
           "forget_chat", "plain_absence", "standalone_query"]
