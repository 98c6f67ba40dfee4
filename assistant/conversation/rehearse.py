"""Rehearse a conversation: the model plays the contact, code reviews the user.

Why: saying the questions out loud once makes the real conversation easier,
and the review measures what matters in plain code (did you ask what you
planned, did you listen more than you talked, did a job ask slip out); the
model only adds one short tip.

Python API (the browser page uses exactly this)::

    r = Rehearsal("Dana", kb, settings, generator)
    r.reply("Hi Dana, how did the installer pilot go?")      # -> str
    for token in r.reply_stream("What surprised you?"): ...  # str tokens
    review = r.review()        # planned questions default to the saved brief's
    review.to_dict(), review.describe()
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Iterator, Sequence


from assistant.text.names import first_name
from assistant.generation.budget import fit_to_budget
from assistant.text.sentences import split_sentences
from assistant.text.similarity import unit_rows
from assistant.text import questions, words
from assistant.generation import prompts
from assistant.config import Settings
from assistant.conversation.history import Reset, fit_messages, keywords
from assistant.errors import InputError, NotFoundError
from assistant.text.guard import INJECTION, injected_sentences, steered
from assistant.text.links import strip_invented
from assistant.generation.llm import Generator, Message
from assistant.notes.contacts import resolve_contact
from assistant.notes.store import KnowledgeBase
from assistant.generation.structured import generate_json
from assistant.types import Chunk, Target

log = logging.getLogger("rapport.rehearse")

NOTES_TOKEN_BUDGET = 1000
REPLY_TOKENS = 120
ASKED_SIMILARITY = 0.7
ASKED_OVERLAP = 0.6
MAX_USER_SHARE = 0.5
_AI_REVEAL = re.compile(r"\bas an? (?:ai|language model|assistant)\b|\blanguage model\b|\bartificial intelligence\b|"
                        r"\bI(?:'m| am) (?:an? |just an? )?(?:ai|chatbot|bot|assistant|virtual assistant)\b", re.I)
_STOP = re.compile(r"\b(?:stop|break character|out of character|end (?:the )?(?:role[- ]?play|practice|rehearsal))\b",
                   re.I)
_FALLBACK_REPLY = "Sorry, I lost my train of thought there. Go on?"


@dataclass
class Review:
    """How the rehearsal went, measured in code, plus one tip."""

    contact: str
    planned: list[str]
    asked: list[str]
    missed: list[str]
    user_share: float
    talked_too_much: bool
    job_asks: list[str]
    tip: str
    tip_by_model: bool
    user_turns: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"contact": self.contact, "planned": self.planned, "asked": self.asked, "missed": self.missed,
                "user_share": round(self.user_share, 3), "talked_too_much": self.talked_too_much,
                "job_asks": self.job_asks, "tip": self.tip, "tip_by_model": self.tip_by_model,
                "user_turns": self.user_turns, "notes": list(self.notes)}

    def describe(self) -> str:
        lines = [f"Rehearsal with {self.contact}: {self.user_turns} turn{'' if self.user_turns == 1 else 's'} from you."]
        share = f"You spoke {self.user_share:.0%} of the words"
        lines.append(share + (" — too much: aim to listen more than you talk." if self.talked_too_much
                              else " — good, they did most of the talking."))
        if self.planned:
            lines.append(f"Planned questions asked: {len(self.asked)} of {len(self.planned)}.")
            lines += [f"  not asked: {q}" for q in self.missed]
        elif not self.notes:
            lines.append("No planned questions to check.")
        if self.job_asks:
            lines.append("Job asks to drop:")
            lines += [f"  \u201c{t}\u201d" for t in self.job_asks]
        lines += self.notes
        lines.append(f"Tip: {self.tip}")
        return "\n".join(lines)


def brief_questions(settings: Settings, name: str) -> list[str]:
    """Questions from the saved brief (``briefs/<slug>.json``), or [] if there is none (or it is someone else's)."""
    from assistant.notes.workspace import load_brief

    data = load_brief(settings, name)
    if data is None:
        return []
    out = []
    for q in data.get("questions", []) if isinstance(data, dict) else []:
        text = q.get("text", "") if isinstance(q, dict) else str(q)
        if str(text).strip():
            out.append(" ".join(str(text).split()))
    return out


def asked_questions(planned: Sequence[str], user_turns: Sequence[str], embed) -> list[bool]:
    """Which planned questions the user asked, in any wording.

    A question counts as asked when a user turn (or one of its sentences)
    is close in meaning (embedding cosine >= 0.7) or shares most of its
    content words (>= 60%): paraphrases count, a passing mention does not.
    """
    candidates = [t for turn in user_turns for t in {turn, *split_sentences(turn)} if t.strip()]
    if not planned or not candidates:
        return [False] * len(planned)
    vecs = unit_rows(embed([*planned, *candidates]))
    sims = vecs[: len(planned)] @ vecs[len(planned):].T
    result = []
    for i, q in enumerate(planned):
        planned_words = set(keywords(q))
        overlap = max((len(planned_words & set(keywords(c))) / len(planned_words) for c in candidates),
                      default=0.0) if len(planned_words) >= 2 else 0.0
        result.append(bool(sims[i].max() >= ASKED_SIMILARITY or overlap >= ASKED_OVERLAP))
    return result


class Rehearsal:
    """One practice conversation with the model playing ``name``."""

    def __init__(self, name: str, kb: KnowledgeBase, settings: Settings, generator: Generator,
                 max_tokens: int = REPLY_TOKENS) -> None:
        self.kb, self.settings, self.gen, self.max_tokens = kb, settings, generator, max_tokens
        self.contact = resolve_contact(kb, settings, name)
        self.name = self.contact.name
        self.first = first_name(self.name)
        chunks = kb.chunks_of(Target.contact(self.name))
        if not chunks:
            raise NotFoundError(f"There are no notes about {self.name}, so there is no one to play.",
                                f"Add some first: `rapport ingest FILE --contact \"{self.name}\"`.")
        self.notes = self._select(chunks)
        block = prompts.quote_notes([(f"N{i}", (c.title or c.source.rsplit('/', 1)[-1]).replace('"', "'"), c.text)
                                     for i, c in enumerate(self.notes, 1)])
        self.system = prompts.render("rehearse", name=self.name, first=self.first, notes=block)
        self.injections = injected_sentences(c.text for c in self.notes)
        self.turns: list[Message] = []
        self.invented: list[str] = []  # links, e-mails and phone numbers removed from replies (not shown again)

    def _select(self, chunks: list[Chunk]) -> list[Chunk]:
        """Who they are and how they talk first (by relevance), logged interactions next, within budget."""
        query = f"{self.name}: role, work, interests, opinions, how they talk, personal"
        order = {c.id: i for i, c in enumerate(self.kb.search(query, [Target.contact(self.name)], k=len(chunks)))}
        picked = fit_to_budget(self.gen, sorted(chunks, key=lambda c: order.get(c.id, 10**6)), NOTES_TOKEN_BUDGET)
        keep = {c.id for c in picked}
        return [c for c in chunks if c.id in keep]

    # --------------------------------------------------------- speaking --
    @property
    def user_turns(self) -> list[str]:
        return [t["content"] for t in self.turns if t["role"] == "user"]

    @property
    def contact_turns(self) -> list[str]:
        return [t["content"] for t in self.turns if t["role"] == "assistant"]

    def _messages(self) -> list[Message]:
        messages, _ = fit_messages(self.gen, self.system, self.turns[:-1], self.turns[-1]["content"], self.max_tokens)
        return messages

    def _clean(self, text: str) -> str:
        """Only the contact's words: no "Dana:" prefix, nothing written for the user."""
        text = text.strip()
        prefix = re.compile(rf"^\s*(?:\*\*)?(?:{re.escape(self.name)}|{re.escape(self.first)})(?:\*\*)?\s*:\s*", re.I)
        text = prefix.sub("", text)
        cut = re.search(r"\n\s*(?:\*\*)?(?:user|you|me|the user)(?:\*\*)?\s*:", text, re.I)
        if cut:
            text = text[: cut.start()]
        return " ".join(text.split())

    def _unlinked(self, text: str) -> str:
        """The reply without URLs, e-mails or phone numbers that the notes it was given do not hold verbatim.

        The model plays the contact, so an invented link reads as theirs ("my site is ..."): a user who
        visits it or calls it is embarrassed or phished. Logged by count (the item is not repeated).
        """
        clean, invented = strip_invented(text, [c.text for c in self.notes])
        if invented:
            self.invented.extend(invented)
            log.info("rehearsal reply: removed %d invented link(s) or contact detail(s)", len(invented))
        return " ".join(clean.split())

    def _problem(self, text: str) -> str:
        if not text:
            return "empty"
        asked_to_stop = bool(self.turns) and bool(_STOP.search(self.turns[-1]["content"]))
        if _AI_REVEAL.search(text) and not asked_to_stop:
            return "broke character"
        return steered(text, self.injections, self.turns[-1]["content"] if self.turns else "")

    def _start(self, user_text: str) -> None:
        user_text = " ".join(user_text.split())
        if not user_text:
            raise InputError("Say something to start.", "Type what you would say to them.")
        self.turns.append({"role": "user", "content": user_text})

    def _retry(self, first_problem: str) -> str:
        """One more try with another seed; then drop offending sentences, or a neutral line."""
        text = self._unlinked(self._clean(self.gen.complete(
            self._messages(), max_tokens=self.max_tokens, temperature=0.9,
            seed=self.settings.seed + len(self.turns) + 7919).text))
        if not self._problem(text):
            return text
        kept = [s for s in split_sentences(text) if not _AI_REVEAL.search(s) and not INJECTION.search(s)
                and not questions.is_job_ask(s)]
        log.info("rehearsal reply rejected twice (%s)", first_problem)
        return " ".join(kept) or _FALLBACK_REPLY

    def reply(self, user_text: str) -> str:
        """The contact's answer to what the user said (recorded in ``turns``)."""
        self._start(user_text)
        text = self._unlinked(self._clean(self.gen.complete(
            self._messages(), max_tokens=self.max_tokens, temperature=0.7, seed=self.settings.seed + len(self.turns)).text))
        problem = self._problem(text)
        if problem:
            text = self._retry(problem)
        self.turns.append({"role": "assistant", "content": text})
        return text

    def reply_stream(self, user_text: str) -> Iterator[str]:
        """The reply token by token; recorded in ``turns`` when the stream ends.

        If the finished reply breaks character or repeats a note's
        instruction, a :class:`Reset` token is yielded, then the replacement.
        """
        self._start(user_text)
        parts: list[str] = []
        held = ""  # the first characters are held back so a "Dana:" prefix is never shown
        stream = self.gen.stream(self._messages(), max_tokens=self.max_tokens, temperature=0.7,
                                 seed=self.settings.seed + len(self.turns))
        try:
            for token in stream:
                parts.append(token)
                if re.search(r"\n\s*(?:user|you|me)\s*:", "".join(parts), re.I):
                    break  # the model started writing the user's side
                if held is not None:
                    held += token
                    if len(held) < len(self.name) + 3 and "\n" not in held:
                        continue
                    token, held = self._clean(held) + (" " if held.endswith(" ") else ""), None
                yield token
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()
        if held:
            yield self._clean(held)
        text = self._clean("".join(parts))
        problem = self._problem(text)
        if problem:
            yield Reset(f"\n[{self.first} would not say that ({problem}); trying again.]\n")
            text = self._retry(problem)
            yield text
        else:
            clean = self._unlinked(text)
            if clean != text:  # what was shown held a link or number the notes do not: replace it on screen
                yield Reset("\n[Rapport removed a link or contact detail your notes do not contain.]\n")
                text = clean if not self._problem(clean) else self._retry("it invented a link or contact detail")
                yield text
        self.turns.append({"role": "assistant", "content": text})

    # ----------------------------------------------------------- review --
    def review(self, planned_questions: list[str] | None = None) -> Review:
        """Measure the rehearsal; ``planned_questions`` default to the saved brief's."""
        planned = list(planned_questions) if planned_questions is not None else brief_questions(self.settings, self.name)
        users, others = self.user_turns, self.contact_turns
        flags = asked_questions(planned, users, self.kb.embed)
        asked = [q for q, f in zip(planned, flags) if f]
        missed = [q for q, f in zip(planned, flags) if not f]
        share = words.talk_balance(users, others)
        job_asks = [t for t in users if questions.is_job_ask(t)]
        review = Review(self.name, planned, asked, missed, share, share > MAX_USER_SHARE, job_asks, "", False, len(users))
        if planned_questions is None and not planned:
            review.notes.append(f"No saved brief for {self.name}, so there were no planned questions to check "
                                f"(build one with `rapport brief \"{self.name}\"`).")
        tip = self._model_tip(review) if users else ""
        review.tip, review.tip_by_model = (tip, True) if tip else (self._rule_tip(review), False)
        return review

    def _rule_tip(self, r: Review) -> str:
        if not r.user_turns:
            return f"You haven't said anything yet: open with a question about {self.first}'s current work."
        if r.job_asks:
            return f"Drop the job ask; ask {self.first} about their work and let any opportunity come from them."
        if r.talked_too_much:
            return f"Shorten your own turns and follow up on what {self.first} just said with \"how\" or \"why\"."
        if r.missed:
            return f"Work this planned question in: \u201c{r.missed[0]}\u201d"
        return f"Good balance. In the real conversation, note one thing {self.first} cares about for your follow-up."

    def _model_tip(self, r: Review) -> str:
        lines = []
        for t in self.turns[-12:]:
            who = "You" if t["role"] == "user" else self.first
            lines.append(f"{who}: {' '.join(t['content'].split())[:300]}".replace("<", "‹").replace(">", "›"))
        stats = [f"- The user spoke {r.user_share:.0%} of the words (aim: under 50%)."]
        if r.planned:
            stats.append(f"- Planned questions asked: {len(r.asked)} of {len(r.planned)}.")
        if r.job_asks:
            stats.append(f"- The user asked for a job, referral or introduction {len(r.job_asks)} time(s).")

        def accept(d: dict) -> str:
            tip = d["tip"]
            if questions.is_job_ask(tip) or INJECTION.search(tip):
                return "unsuitable tip"
            return "too long" if words.word_count(tip) > 45 else ""

        got = generate_json(self.gen, prompts.render("rehearse_tip", transcript="\n".join(lines), name=self.name,
                                                     first=self.first, stats="\n".join(stats)),
                            prompts.schema("rehearse_tip"), max_tokens=90, seed=self.settings.seed,
                            retries=1, accept=accept)
        return " ".join(got.data["tip"].split()) if got.data else ""


__all__ = ["Rehearsal", "Review", "asked_questions", "brief_questions"]
