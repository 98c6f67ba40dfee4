"""The briefing pipeline: one focused model call per section, checked in code.

Facts first (citing note ids that the schema restricts to the retrieved
chunks), then one question per fact (the user's profile is not in that
prompt, so questions stay about the contact), give-backs matched offer to
need by embeddings in plain code with the model only phrasing the link, and
plain-code "avoid" items. Every item is checked after generation; failures
are regenerated within a bound, and a section that still fails is reported
as failed, never faked.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Sequence

import numpy as np

from . import checks, db, prompts
from .config import Settings
from .errors import NotFoundError
from .guard import neutralize
from .llm import Generator
from .people import ContactSummary, resolve_contact
from .store import KnowledgeBase
from .structured import generate_json
from .types import Chunk, Target

log = logging.getLogger("rapport.brief")

SECTIONS = ("avoid", "facts", "questions", "follow_up", "narrative", "give_back")
SIZES = {
    # facts, questions (min, max), give-backs max, narrative/follow-up, opener
    "full": {"facts": 6, "q_min": 5, "q_max": 8, "gb_max": 3, "narrative": True, "opener": False},
    "event": {"facts": 4, "q_min": 3, "q_max": 3, "gb_max": 2, "narrative": False, "opener": True},
}
NOTES_TOKEN_BUDGET = 1400  # notes per prompt: enough for a rich contact, fast on 2 cores
_INJECTION = re.compile(r"ignore (all |any )?(previous|prior|above) instructions|system prompt|you are now|"
                        r"disregard (the|all|previous)", re.I)
_HYPE = re.compile(r"\b(passionate|excited|thrilled|guru|rock ?star|ninja|world[- ]class|synerg\w*|visionary|thought leader|"
                   r"\d+[- ]year[- ]old)\b", re.I)
_FOREIGN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0400-\u04ff]")
_STARTERS = ("What", "How", "Tell me about", "Why", "What led you to", "How do you decide", "What surprised you",
             "Looking back, what")


def complete_sentence(text: str, limit: int) -> str:
    """Text cut at the schema's maxLength ends mid-word; keep its last whole clause."""
    text = " ".join(text.split())
    if len(text) < limit - 12 or text.endswith((".", "!", "?", '"', "\u201d", ")")):
        return text
    cut = max(text.rfind(". "), text.rfind("; "), text.rfind(", "))
    return (text[:cut].rstrip(",; ") + ".") if cut > limit // 3 else ""


def repetitive(text: str) -> bool:
    """A looping small model repeats itself; real prose has mostly distinct words."""
    words = re.findall(r"[a-z']+", text.lower())
    return len(words) >= 20 and len(set(words)) / len(words) < 0.45


def foreign_script(text: str, support: Sequence[str]) -> bool:
    """Small multilingual models drift into Chinese mid-sentence; catch script the notes never use."""
    allowed = set("".join(_FOREIGN.findall(" ".join(support))))
    return any(ch not in allowed for ch in _FOREIGN.findall(text))
_SENSITIVE = re.compile(r"don'?t (bring up|mention|ask)|do not (bring up|mention|ask)|avoid|sensitive|touchy|"
                        r"sore (spot|point)|hates? |dislikes?|not a fan|layoffs?|laid off|divorce|illness|"
                        r"health|grief|passed away|burn(ed|t)? ?out|off[- ]limits|allergic to", re.I)
# Topics a first conversation should not open (the notes may mention them; the questions must not).
_SENSITIVE_TOPIC = re.compile(r"\b(?:layoffs?|laid off|redundan\w+|divorce\w*|illness|sick\w*|cancer|grief|griev\w+|"
                              r"passed away|died|death|burn(?:ed|t)?[- ]?out|mental health|miscarriage)\b", re.I)
_NEED = re.compile(r"\b(need|needs|needed|looking for|struggl\w*|wish\w*|want\w*|hiring|trying|interested|"
                   r"challenge\w*|hard|help|stuck|short on|can'?t find|hoping|curious|asked)\b", re.I)


@dataclass
class Cited:
    text: str
    sources: list[str]
    why: str = ""


@dataclass
class Brief:
    """A briefing; ``to_dict`` is the JSON contract the UI, events and tests use."""

    contact: str
    goal: str | None
    model: str
    generated_at: str
    size: str = "full"
    facts: list[Cited] = field(default_factory=list)
    narrative: str = ""
    questions: list[Cited] = field(default_factory=list)
    give_back: list[Cited] = field(default_factory=list)
    give_back_note: str = ""
    avoid: list[str] = field(default_factory=list)
    follow_up: list[str] = field(default_factory=list)
    opener: str = ""
    sources: dict[str, Chunk] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    section_seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        used = self.used_ids()
        return {
            "contact": self.contact, "goal": self.goal, "model": self.model, "generated_at": self.generated_at,
            "size": self.size,
            "facts": [{"text": f.text, "sources": f.sources} for f in self.facts],
            "narrative": self.narrative,
            "questions": [{"text": q.text, "why": q.why, "sources": q.sources} for q in self.questions],
            "give_back": [{"text": g.text, "why": g.why, "sources": g.sources} for g in self.give_back],
            "give_back_note": self.give_back_note,
            "avoid": list(self.avoid), "follow_up": list(self.follow_up), "opener": self.opener,
            "sources": [{"id": i, "source": self.sources[i].source, "excerpt": self.sources[i].excerpt(),
                         "title": self.sources[i].title, "date": self.sources[i].date}
                        for i in used if i in self.sources],
            "warnings": list(self.warnings), "failed": dict(self.failed),
            "seconds": round(self.seconds, 2),
        }

    def used_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for item in (*self.facts, *self.questions, *self.give_back):
            for s in item.sources:
                seen.setdefault(s, None)
        return list(seen)

    @classmethod
    def from_dict(cls, data: dict) -> "Brief":
        sources = {s["id"]: Chunk(s["id"], s.get("excerpt", ""), "", "", s.get("source", ""), s.get("title", ""),
                                  s.get("date", "")) for s in data.get("sources", [])}
        cite = lambda items: [Cited(i["text"], list(i.get("sources", [])), i.get("why", "")) for i in items]  # noqa: E731
        return cls(data["contact"], data.get("goal"), data.get("model", ""), data.get("generated_at", ""),
                   data.get("size", "full"), cite(data.get("facts", [])), data.get("narrative", ""),
                   cite(data.get("questions", [])), cite(data.get("give_back", [])), data.get("give_back_note", ""),
                   list(data.get("avoid", [])), list(data.get("follow_up", [])), data.get("opener", ""), sources,
                   list(data.get("warnings", [])), dict(data.get("failed", {})), data.get("seconds", 0.0))


OnSection = Callable[[str, Brief], None]


_PARROTED = re.compile(r"yes[ /-]*(or[ -]+)?no|not answerable|referral|favou?r\b|introduction|\bjob\b|"
                       r"not a question|own work, choices|in the third person", re.I)


def _plain_why(why: str, fact: str) -> str:
    """One short reason; a "why" that recites the prompt's rules back is replaced by the fact it grows from.

    Why: small models answer "why ask this?" with "because it is not answerable
    with yes or no and does not ask for a job", which tells the user nothing.
    """
    first = re.split(r"(?<=[.!?])\s+", " ".join(why.split()))[0] if why.strip() else ""
    first = re.sub(r"^this question is worth asking because\s+(it\s+)?", "", first, flags=re.I)
    if not first or _PARROTED.search(first) or len(first.split()) > 25:
        return complete_sentence(f"It grows from your notes: {fact}", 220)
    return complete_sentence(first[0].upper() + first[1:], 220)


def _whole_sentences(text: str, max_words: int) -> str:
    """The longest run of whole sentences within ``max_words`` (a long but good story is cut, not rejected)."""
    if len(text.split()) <= max_words:
        return text
    kept: list[str] = []
    for sent in re.split(r"(?<=[.!?])\s+", text):
        if len(" ".join([*kept, sent]).split()) > max_words:
            break
        kept.append(sent)
    return " ".join(kept) or text


def _first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def _fact_sentences(text: str) -> list[str]:
    """One fact per sentence: a model that packs three facts into one item still gives three.

    Why: more, shorter facts read better on the train and each seeds its own question.
    """
    parts = [p.strip() for p in re.split(r"(?<=[.!?])\s+(?=[A-Z\u201c\"])", text) if p.strip()]
    if len(parts) < 2 or any(len(p.split()) < 5 for p in parts):
        parts = [text]
    return [p[:1].upper() + p[1:] for p in parts if p]


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p.strip(" -•*#\t") for p in parts if len(p.split()) >= 4]


_REPEATED = "That repeated an earlier question."


class BriefBuilder:
    """Holds one contact's retrieved context so each section can be (re)built alone."""

    def __init__(self, name: str, kb: KnowledgeBase, settings: Settings, generator: Generator,
                 goal: str | None = None, size: str = "full", today: date | None = None,
                 event_name: str = "") -> None:
        self.kb, self.settings, self.gen = kb, settings, generator
        self.size = SIZES[size]
        self.today = today or date.today()
        self.event_name = event_name
        self.contact: ContactSummary = resolve_contact(kb, settings, name)
        self.name = self.contact.name
        chunks = kb.chunks_of(Target.contact(self.name))
        if not chunks:
            raise NotFoundError(f"There are no notes about {self.name} yet, so there is nothing to brief from.",
                                f"Add some first: `rapport ingest FILE --contact \"{self.name}\"` or paste notes on the People page.")
        self.brief = Brief(self.name, goal or None, getattr(generator, "name", "model"),
                           datetime.now(timezone.utc).replace(microsecond=0).isoformat(), size)
        self.goal = goal or ""
        self.notes = self._select(chunks)
        self.labels = {f"N{i}": c for i, c in enumerate(self.notes, 1)}
        self.notes_block = prompts.quote_notes([(label, c.title or c.source.rsplit("/", 1)[-1], c.text)
                                                for label, c in self.labels.items()])
        self.me_chunks = kb.chunks_of(Target.me())
        self.seed = settings.seed
        self._fact_sources: dict[str, list[str]] = {}

    # ------------------------------------------------------------ context --
    def _select(self, chunks: list[Chunk]) -> list[Chunk]:
        """Fit the contact's notes into the prompt budget, most useful first.

        Logged interactions come first (they are what "last time" refers
        to), then chunks by relevance to the goal; what does not fit is
        named in the brief's warnings.
        """
        budget = min(NOTES_TOKEN_BUDGET, self.gen.n_ctx - 1200)
        query = self.goal or f"{self.name}: role, organisation, current work, projects, opinions, needs"
        ranked = self.kb.search(query, [Target.contact(self.name)], k=len(chunks))
        order = {c.id: i for i, c in enumerate(ranked)}
        logs = sorted([c for c in chunks if c.source.startswith("log:")], key=lambda c: c.date, reverse=True)
        rest = sorted([c for c in chunks if not c.source.startswith("log:")], key=lambda c: order.get(c.id, 10**6))
        # Every note gets its best chunk in before any note gets a second one:
        # the email with the one request in it matters more than page 3 of a bio.
        seen_sources: set[str] = set()
        firsts = [c for c in rest if not (c.source in seen_sources or seen_sources.add(c.source))]
        rest = firsts + [c for c in rest if c not in firsts]
        picked, used = [], 0
        for c in logs + rest:
            cost = self.gen.count_tokens(c.text) + 12
            if used + cost > budget and picked:
                continue
            picked.append(c)
            used += cost
        left = len(chunks) - len(picked)
        if left:
            titles = sorted({c.title or c.source for c in chunks if c not in picked})
            self.brief.warnings.append(
                f"{left} of {len(chunks)} note chunks about {self.name} did not fit the model's context window and "
                f"were left out (from: {', '.join(titles[:5])}{'…' if len(titles) > 5 else ''}).")
        keep = {c.id for c in picked}
        return [c for c in chunks if c.id in keep]  # back in date/note order for the prompt

    def _ids(self, labels: Sequence[str]) -> list[str]:
        ids = [self.labels[label].id for label in labels if label in self.labels]
        for i in ids:
            self.brief.sources[i] = next(c for c in self.notes if c.id == i)
        return list(dict.fromkeys(ids))

    def _texts(self, ids: Sequence[str]) -> list[str]:
        by_id = {c.id: c.text for c in self.notes} | {c.id: c.text for c in self.me_chunks}
        return [by_id[i] for i in ids if i in by_id]

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        vecs = np.asarray(self.kb.embed(list(texts)), dtype=float)
        if vecs.size == 0:
            return vecs
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)

    def _timed(self, section: str, fn: Callable[[], None]) -> None:
        start = time.perf_counter()
        try:
            fn()
        finally:
            self.brief.section_seconds[section] = round(time.perf_counter() - start, 2)

    # ------------------------------------------------------------ sections --
    def facts(self, attempt_seed: int = 0) -> None:
        b = self.brief
        b.facts = []
        labels = list(self.labels)
        user = prompts.render("facts", notes=self.notes_block, name=self.name, min_items=3,
                              max_items=self.size["facts"])
        schema = prompts.schema("facts", labels)
        schema["properties"]["facts"]["maxItems"] = self.size["facts"]
        kept: list[tuple[str, list[str]]] = []
        dropped: list[str] = []
        for attempt in range(2):
            got = generate_json(self.gen, user, schema, max_tokens=90 * self.size["facts"],
                                seed=self.seed + attempt_seed + attempt * 31, retries=1)
            if got.data is None:
                dropped.append(got.error)
                continue
            for item in got.data["facts"]:
                ids = self._ids(item["sources"])
                for text in _fact_sentences(complete_sentence(item["text"], 260)):
                    self._keep_fact(text, ids, kept, dropped)
            if kept:
                keep = checks.dedupe([t for t, _ in kept], self.kb.embed, threshold=0.88)
                kept = [kept[i] for i in keep]
            if len(kept) >= 3 or len(kept) >= len(self.notes):
                break
        if not kept:
            b.failed["facts"] = "The model gave no facts that the notes support" + (f" ({dropped[-1]})." if dropped else ".")
            return
        b.facts = [Cited(t, ids) for t, ids in kept[: self.size["facts"]]]

    def _keep_fact(self, text: str, ids: list[str], kept: list[tuple[str, list[str]]], dropped: list[str]) -> None:
        if not text or not ids or _INJECTION.search(text) or foreign_script(text, self._texts(ids)):
            return
        if checks.speaks_as_user(text):
            dropped.append("a first-person sentence (the user's own story, not theirs)")
            log.info("fact dropped (first person: the user's story, not theirs): %r", text)
            return
        missing = checks.unsupported_terms(text, [*self._texts(ids), self.name])
        if missing:
            dropped.append(f"unsupported: {', '.join(missing)}")
            log.info("fact dropped (unsupported: %s): %r", ", ".join(missing), text)
            return
        kept.append((text, ids))

    def _question_ok(self, text: str, accepted: Sequence[str], fact: str = "") -> str:
        if fact and not checks.specificity(text, [fact, *self._texts(self._fact_sources.get(fact, []))], []):
            return "That question was generic; ask about the fact itself."
        if not checks.is_open_question(text):
            return "That was not one open question (it could be answered yes/no, or was not a question)."
        if checks.is_job_ask(text):
            return "That asked for a job, a referral or an introduction."
        if checks.is_about_user(text):
            return "That was about the user, not about them."
        first = _first_name(self.name).lower()
        if re.search(rf"\b({re.escape(first)}|she|he|her|his|they)\b", text, re.I) and not re.search(r"\byou\b", text, re.I):
            return f"Ask {first.title()} directly, using \"you\", not about them in the third person."
        if _INJECTION.search(text):
            return "That repeated an instruction from the notes."
        if _SENSITIVE_TOPIC.search(text):
            return "That raised a personal, sensitive topic; ask about their work instead."
        if foreign_script(text, [c.text for c in self.notes]):
            return "Write in English only."
        if accepted:
            pairs = checks.near_duplicates([*accepted, text], self.kb.embed, threshold=0.85)
            if any(j == len(accepted) for _, j, _ in pairs):
                return _REPEATED
        return ""

    def questions(self, attempt_seed: int = 0) -> None:
        b = self.brief
        b.questions = []
        if not b.facts:
            b.failed["questions"] = "Questions grow from facts, and there are none."
            return
        schema = prompts.schema("question")
        want_max, want_min = self.size["q_max"], self.size["q_min"]
        rounds = 2 if len(b.facts) < want_min else 1
        # Each call is ~6 s with the default model on 2 cores: bound the section's cost, whatever the checks say.
        budget = want_max + 2
        for rnd in range(rounds):
            for fact in b.facts:
                if len(b.questions) >= want_max or budget <= 0:
                    break
                rejected = ""
                for attempt in range(self.settings.retries + 1):
                    if budget <= 0:
                        break
                    budget -= 1
                    accepted = [q.text for q in b.questions]
                    # Earlier questions are shown only after a rejection or in the second round: shown up
                    # front, a 1.5B model copies them (measured on the demo contact: 7 of 10 calls repeated).
                    avoid = f"\n{rejected}" if rejected else ""
                    if accepted and (rejected or rnd):
                        avoid += "\nAsk from a different angle than these questions:\n" + "\n".join(
                            f"- {q}" for q in accepted[-4:])
                    starter = _STARTERS[(len(b.questions) + attempt + rnd) % len(_STARTERS)]
                    user = prompts.render("question", notes=self.notes_block, name=self.name, fact=fact.text,
                                          avoid=avoid, starter=starter)
                    got = generate_json(self.gen, user, schema, max_tokens=100,
                                        seed=self.seed + attempt_seed + rnd * 101 + attempt * 13, retries=0)
                    if got.data is None:
                        continue
                    text = checks.to_second_person(complete_sentence(got.data["question"], 260), self.name)
                    why = _plain_why(got.data["why"], fact.text)
                    self._fact_sources[fact.text] = fact.sources
                    reason = self._question_ok(text, accepted, fact.text) or (
                        "Write in English only." if foreign_script(why, [c.text for c in self.notes]) else "")
                    if reason:
                        log.info("question rejected (%s): %r", reason, text)
                        rejected = f"Your previous answer was rejected: {reason}"
                        if reason == _REPEATED:
                            break  # a small model asked again repeats itself: try the next fact instead
                        continue
                    b.questions.append(Cited(text, list(fact.sources), why))
                    break
        if len(b.questions) < min(want_min, 1):
            b.failed["questions"] = "The model's questions kept failing the checks (closed, repeated or off-topic)."
        elif len(b.questions) < want_min:
            b.warnings.append(f"Only {len(b.questions)} questions passed the checks (aim: {want_min}).")

    def follow_up(self, attempt_seed: int = 0) -> None:
        b = self.brief
        b.follow_up = []
        cadence = self.contact_cadence()
        got = generate_json(
            self.gen, prompts.render("followup", notes=self.notes_block, name=self.name), prompts.schema("followup"),
            max_tokens=160, seed=self.seed + attempt_seed, retries=self.settings.retries,
            accept=lambda d: "job ask" if any(checks.is_job_ask(t) for t in [d["thank_you"], *d["follow_up"]]) else "")
        if got.data is not None:
            b.follow_up.append(f"Thank-you note: {' '.join(got.data['thank_you'].split())}")
            b.follow_up.extend(" ".join(t.split()) for t in got.data["follow_up"])
        else:
            b.failed["follow_up"] = f"The follow-up suggestions failed ({got.error})."
        for loop in self.open_loops():
            b.follow_up.append(f"Open loop: {loop}")
        b.follow_up.append(f"Circle back around {(self.today + timedelta(days=cadence)).isoformat()} "
                           f"({cadence // 7} weeks), with something useful to share.")

    def contact_cadence(self) -> int:
        record = db.get_contact(self.settings, self.name)
        return (record.cadence_days if record and record.cadence_days else self.settings.cadence_days)

    def open_loops(self) -> list[str]:
        with db.connect(self.settings) as conn:
            rows = conn.execute("SELECT kind, text FROM loops WHERE contact_key=? AND done_at IS NULL ORDER BY id",
                                (self.contact.key,)).fetchall()
        return [("you offered: " if r["kind"] == "offer" else "they asked: ") + r["text"] for r in rows]

    def narrative(self, attempt_seed: int = 0) -> None:
        b = self.brief
        b.narrative = ""
        if not self.me_chunks:
            b.failed["narrative"] = ("Your own profile is empty, so there is no story to tailor. Add it with "
                                     "`rapport ingest FILE --me` or on the Me page.")
            return
        me_text, used = [], 0
        for c in self._me_by_relevance():
            used += self.gen.count_tokens(c.text)
            if used > 900 and me_text:
                break
            me_text.append(c.text.replace("<", "‹").replace(">", "›"))
        interests = "; ".join(f.text for f in b.facts[:3]) or f"their work as described in your notes about {self.name}"
        support = me_text + [f.text for f in b.facts] + [self.name]

        def accept(d: dict) -> str:
            d["narrative"] = text = _whole_sentences(" ".join(d["narrative"].split()), 100)
            if not re.search(r"\b(I|I'm|I've|my)\b", text):
                return "not in the first person"
            if checks.is_job_ask(text):
                return "asked for a job"
            if _HYPE.search(text):
                return "hype words"
            if len(text.split()) > 110:
                return "too long"
            if foreign_script(text, support):
                return "not in English"
            if repetitive(text):
                return "repetitive"
            missing = checks.unsupported_terms(text, support)
            if missing:
                return f"unsupported: {', '.join(missing)}"
            claimed = self._claimed_from_contact(text, me_text)
            return f"it told the contact's story as the user's own ({', '.join(claimed)})" if claimed else ""

        # First with the contact's facts to tailor to; a small model sometimes retells them as the
        # user's own, so the fallback leaves them out and relies on the profile being ordered by
        # relevance to the contact (the most relevant parts of the user's story come first).
        variants = [
            (f"Make it relevant to what {self.name} cares about. These facts are about {self.name}, NOT about "
             f"the user, so never present them as the user's own: {interests}.", max(0, self.settings.retries - 1)),
            ("Lead with the parts of the user's story that come first in the notes.", 1),
        ]
        got = None
        for n, (tailoring, retries) in enumerate(variants):
            got = generate_json(self.gen, prompts.render("narrative", me_notes="\n\n".join(me_text), name=self.name,
                                                         tailoring=tailoring, min_words=45, max_words=80),
                                prompts.schema("narrative"), max_tokens=220, seed=self.seed + attempt_seed + n * 211,
                                retries=retries, accept=accept)
            if got.data is not None:
                break
        if got.data is None:
            b.failed["narrative"] = f"The narrative did not pass the checks ({got.error})."
            return
        b.narrative = got.data["narrative"]  # accept() normalised and trimmed it

    def _me_by_relevance(self) -> list[Chunk]:
        """The user's profile chunks, those closest to the contact's facts first (profile order on ties)."""
        if len(self.me_chunks) < 2 or not self.brief.facts:
            return list(self.me_chunks)
        vecs = self._embed([" ".join(f.text for f in self.brief.facts)] + [c.text for c in self.me_chunks])
        scores = vecs[1:] @ vecs[0]
        order = sorted(range(len(self.me_chunks)), key=lambda i: (-float(scores[i]), i))
        return [self.me_chunks[i] for i in order]

    def _claimed_from_contact(self, narrative: str, me_text: Sequence[str]) -> list[str]:
        """Names in the user's "I ..." sentences that only the contact's notes contain.

        Why: given the contact's facts to tailor to, a small model writes "I'm
        working on quillmark 3.0" about a project that is the contact's. A
        sentence about the user that does not address the contact must stand
        on the user's own profile alone.
        """
        first = re.escape(_first_name(self.name))
        claimed: list[str] = []
        if re.search(rf"\b(I am|I'm|my name is|this is)\s+({re.escape(self.name)}|{first})\b", narrative, re.I):
            claimed.append(f"introduced the user as {self.name}")
        for sent in re.split(r"(?<=[.!?])\s+", narrative):
            about_me = re.search(r"\b(I|I'm|I've|I'd|my|me)\b", sent)
            # Only a sentence spoken to the contact ("I'd love to hear how you ...") may name their
            # things; "Like Dana, I work at Brightwater" is still the user claiming Dana's employer.
            about_them = re.search(r"\b(you|your|you're|you've)\b", sent, re.I)
            if about_me and not about_them:
                claimed += checks.unsupported_terms(sent, list(me_text))
        return claimed

    def offers(self) -> list[tuple[str, str]]:
        """(offer, me-chunk id) from the profile's "What I can offer" list."""
        out: list[tuple[str, str]] = []
        for c in self.me_chunks:
            in_offers = False
            for line in c.text.splitlines():
                if re.match(r"^#+\s", line):
                    in_offers = bool(re.search(r"offer|give|help with|can share", line, re.I))
                    continue
                item = re.match(r"^\s*[-*•]\s+(.+)", line)
                if item and (in_offers or re.search(r"\b(happy to|can offer|I can|offer)\b", line, re.I)):
                    text = item.group(1).strip()
                    if len(text.split()) >= 3 and text not in [o for o, _ in out]:
                        out.append((text, c.id))
        return out

    def give_back(self, attempt_seed: int = 0) -> None:
        b = self.brief
        b.give_back, b.give_back_note = [], ""
        offers = self.offers()
        needs = [(s, c.id) for c in self.notes for s in _sentences(neutralize(c.text)) if not _INJECTION.search(s)]
        first = _first_name(self.name)
        honest = (f"Nothing in your profile clearly matches what your notes say {first} needs or cares about. "
                  f"Find out in the meeting: ask \"What are you working on where an extra pair of hands, "
                  f"a contact or a resource would help?\", then log the answer with `rapport log`.")
        if not offers or not needs:
            b.give_back_note = honest if offers else (
                "Your profile lists no offers yet. Add a \"What I can offer\" list on the Me page; meanwhile, "
                f"ask {first} what would help them right now.")
            return
        ov = self._embed([o for o, _ in offers])
        nv = self._embed([n for n, _ in needs])
        sims = ov @ nv.T
        bonus = np.array([0.08 if _NEED.search(n) else 0.0 for n, _ in needs])
        scores = sims + bonus[None, :]
        pairs = sorted(((scores[i, j], i, j) for i in range(len(offers)) for j in range(len(needs))), reverse=True)
        chosen: list[tuple[int, int]] = []
        for score, i, j in pairs:
            if score < 0.38 or len(chosen) >= self.size["gb_max"]:
                break
            if any(i == a or needs[j][1] == needs[bb][1] and needs[j][0] == needs[bb][0] for a, bb in chosen):
                continue
            if any(i == a for a, _ in chosen) or any(j == bb for _, bb in chosen):
                continue
            chosen.append((i, j))
        if not chosen:
            b.give_back_note = honest
            return
        schema = prompts.schema("giveback")
        for i, j in chosen:
            offer, offer_id = offers[i]
            need, need_id = needs[j]
            support = [offer, need, self.name]

            def accept(d: dict, support=support) -> str:
                if checks.is_job_ask(d["text"]):
                    return "job ask"
                if foreign_script(d["text"] + d["why"], support):
                    return "not in English"
                missing = checks.unsupported_terms(d["text"], support)
                return f"unsupported: {', '.join(missing)}" if missing else ""

            got = generate_json(self.gen, prompts.render("giveback", name=self.name, offer=offer, need=need),
                                schema, max_tokens=120, seed=self.seed + attempt_seed + i, retries=self.settings.retries,
                                accept=accept)
            if got.data is not None:
                text, why = " ".join(got.data["text"].split()), " ".join(got.data["why"].split())
            else:  # the pairing is grounded; say it plainly rather than drop it
                text, why = f"Offer this: {offer}", f"{first}'s notes say: \u201c{need}\u201d"
            self.brief.sources[offer_id] = next(c for c in self.me_chunks if c.id == offer_id)
            self.brief.sources[need_id] = next(c for c in self.notes if c.id == need_id)
            b.give_back.append(Cited(text, [offer_id, need_id], why))

    def avoid(self) -> None:
        first = _first_name(self.name)
        items = [f"Asking {first} for a job, a referral or an introduction: this meeting is research and the start "
                 f"of a relationship, not a request."]
        flagged: list[str] = []
        for c in self.notes:
            for s in _sentences(c.text):
                if _SENSITIVE.search(s) and not _INJECTION.search(s) and s not in flagged:
                    flagged.append(s)
        for s in flagged[:2]:
            items.append(f"A topic your notes flag: \u201c{s[:160]}\u201d")
        items.append(f"Talking about yourself for long: keep your story to 30 seconds and let {first} do most of the talking.")
        if len(items) < 4:
            items.append(f"Running over time: {first} is busy, so end when you said you would and offer to continue later.")
        self.brief.avoid = items[:4]

    def opener(self, attempt_seed: int = 0) -> None:
        b = self.brief
        if not b.facts:
            return
        event = f" at {self.event_name}" if self.event_name else ""
        got = generate_json(self.gen, prompts.render("opener", notes=self.notes_block, name=self.name, event=event,
                                                     fact=b.facts[0].text),
                            prompts.schema("opener"), max_tokens=70, seed=self.seed + attempt_seed,
                            retries=self.settings.retries,
                            accept=lambda d: "job ask" if checks.is_job_ask(d["opener"]) else "")
        if got.data is not None:
            b.opener = complete_sentence(got.data["opener"], 200)
        else:
            b.failed["opener"] = f"No opener passed the checks ({got.error})."

    # -------------------------------------------------------------- driver --
    def run(self, on_section: OnSection | None = None) -> Brief:
        start = time.perf_counter()
        steps: list[tuple[str, Callable[[], None]]] = [("avoid", self.avoid), ("facts", self.facts)]
        if self.size["opener"]:
            steps.append(("opener", self.opener))
        steps.append(("questions", self.questions))
        if self.size["narrative"]:
            steps += [("follow_up", self.follow_up), ("narrative", self.narrative)]
        steps.append(("give_back", self.give_back))
        for section, fn in steps:
            self._timed(section, fn)
            self.brief.seconds = time.perf_counter() - start
            if on_section:
                on_section(section, self.brief)
        return self.brief

    def regenerate(self, section: str, attempt_seed: int = 1000) -> Brief:
        """Build one section again with a different seed (the UI's "regenerate")."""
        self.brief.failed.pop(section, None)
        fn = {"facts": self.facts, "questions": self.questions, "follow_up": self.follow_up,
              "narrative": self.narrative, "give_back": self.give_back, "opener": self.opener}.get(section)
        if section == "avoid":
            self.avoid()
        elif fn:
            fn(attempt_seed)
        return self.brief


def build_brief(name: str, kb: KnowledgeBase, settings: Settings, generator: Generator, goal: str | None = None,
                size: str = "full", on_section: OnSection | None = None, today: date | None = None,
                event_name: str = "") -> Brief:
    """Brief the user about ``name``; ``on_section`` is called as each section lands."""
    builder = BriefBuilder(name, kb, settings, generator, goal=goal, size=size, today=today, event_name=event_name)
    return builder.run(on_section)


__all__ = ["Brief", "BriefBuilder", "Cited", "SECTIONS", "build_brief"]
