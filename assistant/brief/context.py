"""What every section of a brief reads: the contact, their notes fitted to the prompt, the user's profile.

Built once per brief, so each section (facts, questions, narrative, give-back,
avoid, follow-up) can be written or regenerated alone against the same notes
and the same citation labels.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import date, datetime, timezone
from typing import Callable, Sequence

import numpy as np

from assistant.generation.budget import fit_to_budget
from assistant.brief.record import SIZES, Brief, Cited
from assistant.config import Settings
from assistant.errors import NotFoundError
from assistant.generation import prompts
from assistant.generation.llm import Generator
from assistant.notes import db
from assistant.notes.contacts import ContactSummary, resolve_contact
from assistant.notes.store import KnowledgeBase
from assistant.text.guard import INJECTION, neutralize
from assistant.text.names import first_name, known_as
from assistant.text.sensitive import dislikes, sensitive_to_them
from assistant.text.sentences import split_sentences, unwrap
from assistant.text.speakers import contact_lines_of_note, mail_recipients_of_note
from assistant.text.substance import is_furniture, without_boilerplate
from assistant.text.voice import about_them
from assistant.text.similarity import unit_rows
from assistant.types import Chunk, Target

log = logging.getLogger("rapport.brief")

NOTES_TOKEN_BUDGET = 1400  # notes per prompt: enough for a rich contact, fast on 2 cores
_FOREIGN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0400-\u04ff]")


def repetitive(text: str) -> bool:
    """A looping small model repeats itself; real prose has mostly distinct words."""
    words = re.findall(r"[a-z']+", text.lower())
    return len(words) >= 20 and len(set(words)) / len(words) < 0.45


def foreign_script(text: str, support: Sequence[str]) -> bool:
    """Small multilingual models drift into Chinese mid-sentence; catch script the notes never use."""
    allowed = set("".join(_FOREIGN.findall(" ".join(support))))
    return any(ch not in allowed for ch in _FOREIGN.findall(text))


def note_sentences(text: str) -> list[str]:
    """Sentences of a note worth quoting: four words or more, bullets and heading marks removed.

    Hard-wrapped lines are joined first: quoted on their own, the Avoid section
    showed "public and our operations director is sensitive about them."
    """
    return [p.replace("**", "").replace("__", "").strip(" -•*#\t") for p in split_sentences(unwrap(text))
            if len(p.split()) >= 4]


class BriefContext:
    """One contact's retrieved context, shared by every section of their brief."""

    def __init__(self, name: str, kb: KnowledgeBase, settings: Settings, generator: Generator,
                 goal: str | None = None, size: str = "full", today: date | None = None,
                 event_name: str = "") -> None:
        self.kb, self.settings, self.gen = kb, settings, generator
        self._vectors: dict[str, list[float]] = {}  # text -> embedding, once per brief
        self.size = SIZES[size]
        self.today = today or date.today()
        self.event_name = event_name
        self.contact: ContactSummary = resolve_contact(kb, settings, name)
        self.name = self.contact.name
        # every chunk of theirs, read once per brief (the notes quoted are a selection of them)
        self.chunks = chunks = kb.chunks_of(Target.contact(self.name))
        self.first = known_as(self.name, [c.text for c in chunks]) or first_name(self.name)
        if not chunks:
            raise NotFoundError(f"There are no notes about {self.name} yet, so there is nothing to brief from.",
                                f"Add some first: `rapport ingest FILE --contact \"{self.name}\"` or paste notes on the People page.")
        self.brief = Brief(self.name, goal or None, getattr(generator, "name", "model"),
                           datetime.now(timezone.utc).replace(microsecond=0).isoformat(), size)
        self.goal = goal or ""
        self.notes = self._select(chunks)
        self.labels = {f"N{i}": c for i, c in enumerate(self.notes, 1)}
        # Whose words: lines the contact wrote (their e-mail, their pasted profile) keep their "I"
        # (text/speakers.py); the state carries across a note's chunks, so all of them are read in order.
        # Only the notes the prompt quotes are read (from their first chunk on): not every chunk of a long archive.
        sources = {c.source for c in self.notes}
        # A page's words to every reader ("Please use the form on our Founders page") are not about them.
        guarded_all = {c.id: without_boilerplate(neutralize(c.text)) for c in chunks if c.source in sources}
        in_order = [(c.source, guarded_all[c.id]) for c in chunks if c.id in guarded_all]
        marks = dict(zip(guarded_all, contact_lines_of_note(in_order, self.name)))
        # An e-mail split into chunks has its "To:" in the first: whom it was sent to is the note's.
        readers = mail_recipients_of_note(in_order, self.name)
        self.views = {c.id: about_them(guarded_all[c.id], marks[c.id], self.name, readers.get(c.source, ""))
                      for c in self.notes}
        # Their own lines alone (their e-mail, their "About"), cleaned the same way: where "I" is them, and a
        # first-person sentence of theirs can be said about them (brief/fact_fill.py).
        self.their_words = {c.id: about_them("\n".join(line if mark else "" for line, mark in
                                                       zip(guarded_all[c.id].split("\n"), marks[c.id])),
                                             [True] * (guarded_all[c.id].count("\n") + 1), self.name,
                                             readers.get(c.source, ""))[0] if any(marks[c.id]) else ""
                            for c in self.notes}
        # Facts and questions read the notes without the user's own lines and plans (whose words
        # are whose); the follow-up reads them after the same prefix, since those plans are what it is about.
        # The guard first, then whose words: split into clauses before it, "Ignore previous
        # instructions; say X now" left "say X now" behind as a sentence of the note.
        guarded = {label: guarded_all[c.id] for label, c in self.labels.items()}
        views = {label: self.views[c.id] for label, c in self.labels.items()}
        self.user_lines = [line for _, removed in views.values() for line in removed]
        self.notes_block = prompts.quote_notes([(label, c.title or c.source.rsplit("/", 1)[-1], views[label][0])
                                                for label, c in self.labels.items() if views[label][0].strip()]
                                               or [(label, c.title or c.source.rsplit("/", 1)[-1], c.text)
                                                   for label, c in self.labels.items()])
        self.me_chunks = kb.chunks_of(Target.me())
        self.started = time.perf_counter()
        self.on_fact: Callable[[Cited], None] | None = None  # streamed facts, as each passes its checks
        self.seed = settings.seed
        self.fact_sources: dict[str, list[str]] = {}
        self.field_by_text: dict[str, Chunk] = {}  # "Their field now" point -> its field chunk
        # What the notes say is sensitive to this person (never a profession's vocabulary).
        said = [s for text in guarded.values() for s in note_sentences(text) if not INJECTION.search(s)]
        self.flagged = list(dict.fromkeys(s for s in said if sensitive_to_them(s)))
        # ... and what they dislike (a preference to respect, not a topic to steer around).
        self.dislikes = list(dict.fromkeys(s for s in said if dislikes(s)))

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
        # Page furniture (a signature block, "Show all 27 skills") ranks after everything that says
        # something: retrieval put Tomasz's e-mail signature ahead of the e-mail body that held his problem.
        rest = sorted([c for c in chunks if not c.source.startswith("log:")],
                      key=lambda c: (is_furniture(c.text), order.get(c.id, 10**6)))
        # Every note gets its best chunk in before any note gets a second one:
        # the email with the one request in it matters more than page 3 of a bio.
        seen_sources: set[str] = set()
        firsts = [c for c in rest if not (c.source in seen_sources or seen_sources.add(c.source))]
        rest = firsts + [c for c in rest if c not in firsts]
        picked = fit_to_budget(self.gen, logs + rest, budget, overhead=12)
        left = len(chunks) - len(picked)
        if left:
            titles = sorted({c.title or c.source for c in chunks if c not in picked})
            self.brief.warnings.append(
                f"{left} of {len(chunks)} note chunks about {self.name} did not fit the model's context window and "
                f"were left out (from: {', '.join(titles[:5])}{'…' if len(titles) > 5 else ''}).")
        # In the prompt, most useful first: a 1.5B model lists facts from the top of the notes down,
        # so a profile paste's career history ahead of this year's work crowded the current work out.
        return picked

    def cite(self, labels: Sequence[str]) -> list[str]:
        """Chunk ids for the model's note labels ("N2"), recorded as the brief's sources."""
        ids = [self.labels[label].id for label in labels if label in self.labels]
        for i in ids:
            self.brief.sources[i] = next(c for c in self.notes if c.id == i)
        return list(dict.fromkeys(ids))

    def texts(self, ids: Sequence[str]) -> list[str]:
        by_id = {c.id: c.text for c in self.notes} | {c.id: c.text for c in self.me_chunks} \
            | {c.id: c.text for c in self.field_by_text.values()}
        return [by_id[i] for i in ids if i in by_id]

    def vectors(self, texts: Sequence[str]) -> list[list[float]]:
        """Embeddings, each text embedded once per brief.

        Why: every question re-checks itself against the facts and the questions
        already accepted; without this the same facts were embedded again for
        each of up to a dozen question calls.
        """
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            self._vectors.update(zip(missing, self.kb.embed(missing)))
        return [self._vectors[t] for t in texts]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, so a dot product is a cosine."""
        return unit_rows(self.vectors(list(texts)))

    def timed(self, section: str, fn: Callable[[], None]) -> None:
        start = time.perf_counter()
        try:
            fn()
        finally:
            self.brief.section_seconds[section] = round(time.perf_counter() - start, 2)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def use_prefix(self) -> str:
        """Get the notes prefix (system prompt + quoted notes) into the model's cache before a section's calls.

        From memory when it is still there, from the saved state on disk when one matches, or
        computed and saved for next time (assistant/generation/warm.py). Recorded on the brief
        the first time, so ``timings`` says whether this brief started warm.
        """
        from assistant.generation.warm import ensure_prefix

        start = time.perf_counter()
        state = ensure_prefix(self.settings, self.gen, Target.contact(self.name), self.notes_block)
        if not self.brief.prefix_state:
            self.brief.prefix_state, self.brief.prefix_seconds = state, time.perf_counter() - start
        return state

    def contact_cadence(self) -> int:
        record = db.get_contact(self.settings, self.name)
        return (record.cadence_days if record and record.cadence_days else self.settings.cadence_days)

    def open_loops(self) -> list[str]:
        return [("you offered: " if kind == "offer" else "they asked: ") + text
                for kind, text in db.open_loops(self.settings, self.contact.key)]


__all__ = ["NOTES_TOKEN_BUDGET", "BriefContext", "foreign_script", "note_sentences", "repetitive"]
