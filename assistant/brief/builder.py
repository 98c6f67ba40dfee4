"""The briefing pipeline: one focused model call per section, checked in code.

Facts first (citing note ids that the schema restricts to the retrieved
chunks), then one question per fact (the user's profile is not in that
prompt, so questions stay about the contact), give-backs matched offer to
need in plain code with the model only phrasing the link, and plain-code
"avoid" items. Every item is checked after generation; failures are
regenerated within a bound, and a section that still fails is reported as
failed, never faked. Each section lives in its own module; this one runs them.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Callable

from assistant.brief.avoid import write_avoid
from assistant.brief.context import BriefContext
from assistant.brief.facts import write_facts
from assistant.brief.field import write_field
from assistant.brief.followup import write_follow_up, write_opener
from assistant.brief.giveback import write_give_back
from assistant.brief.narrative import write_narrative
from assistant.brief.questions import write_questions
from assistant.brief.record import Brief, Cited, OnSection
from assistant.config import Settings
from assistant.generation.llm import Generator
from assistant.notes.store import KnowledgeBase
from assistant.text.links import strip_invented

log = logging.getLogger("rapport.brief")

WRITERS: dict[str, Callable[[BriefContext, int], None]] = {
    "avoid": write_avoid, "facts": write_facts, "field": write_field, "opener": write_opener, "questions": write_questions,
    "follow_up": write_follow_up, "narrative": write_narrative, "give_back": write_give_back,
}

# Sections whose prompts start with the quoted notes (the prefix a saved state restores).
NOTES_PREFIXED = ("facts", "field", "opener", "questions", "follow_up", "narrative")


class BriefBuilder(BriefContext):
    """One contact's brief: ``run`` writes every section, ``regenerate`` one of them again."""

    def run(self, on_section: OnSection | None = None, on_fact: Callable[[Cited], None] | None = None) -> Brief:
        """Every section in order; ``on_section`` as each lands, ``on_fact`` as each fact passes its checks."""
        start = self.started = time.perf_counter()
        self.on_fact = on_fact
        steps = ["avoid", "facts", "field"] + (["opener"] if self.size["opener"] else []) + ["questions"]
        if self.size["narrative"]:
            steps += ["follow_up", "narrative"]
        steps.append("give_back")
        for section in steps:
            if section == "facts":  # after the code-written "Avoid", which is on screen at once
                self.timed("prefix", self.use_prefix)
            self.timed(section, lambda section=section: WRITERS[section](self, 0))
            self.brief.seconds = time.perf_counter() - start
            self.drop_invented_contacts()
            if on_section:
                on_section(section, self.brief)
        return self.brief

    def drop_invented_contacts(self) -> None:
        """No link, e-mail or phone number the notes do not contain (a cited item: the notes it cites)."""
        b = self.brief
        pool = [c.text for c in self.notes] + [c.text for c in self.me_chunks] \
            + [c.text for c in self.field_by_text.values()]
        gone: list[str] = []

        def clean(text: str, sources: list[str]) -> str:
            out, removed = strip_invented(text, sources)
            gone.extend(removed)
            return out

        b.narrative, b.opener = clean(b.narrative, pool), clean(b.opener, pool)
        b.give_back_note = clean(b.give_back_note, pool)
        b.follow_up = [t for t in (clean(t, pool) for t in b.follow_up) if t.strip()]
        for items in (b.facts, b.field_now, b.questions, b.give_back):
            for item in items:
                cited = [b.sources[i].text for i in item.sources if i in b.sources] or pool
                item.text = clean(item.text, cited)
            items[:] = [item for item in items if item.text.strip()]
        if gone:
            log.info("removed invented links/contact details: %s", gone)
            b.warnings.append(f"Removed {len(set(gone))} link(s) or contact detail(s) the model wrote that your "
                              f"notes do not contain.")

    def regenerate(self, section: str, attempt_seed: int = 1000) -> Brief:
        """Build one section again with a different seed (the UI's "regenerate")."""
        self.brief.failed.pop(section, None)
        if section == "avoid":
            write_avoid(self)
        elif section in WRITERS:
            if section in NOTES_PREFIXED:
                self.use_prefix()
            WRITERS[section](self, attempt_seed)
        self.drop_invented_contacts()
        return self.brief


def build_brief(name: str, kb: KnowledgeBase, settings: Settings, generator: Generator, goal: str | None = None,
                size: str = "full", on_section: OnSection | None = None, today: date | None = None,
                event_name: str = "", on_fact: Callable[[Cited], None] | None = None) -> Brief:
    """Brief the user about ``name``; ``on_section`` is called as each section lands."""
    builder = BriefBuilder(name, kb, settings, generator, goal=goal, size=size, today=today, event_name=event_name)
    return builder.run(on_section, on_fact)


def warm_contact(name: str, kb: KnowledgeBase, settings: Settings, generator: Generator, *,
                 background: bool = True) -> str:
    """Read ``name``'s notes into the model ahead of a brief (and save that), so the brief starts warm.

    The user's story is written first if it is not kept yet (once per profile, ``story.py``),
    then the notes are read last so they are what the model holds when the brief starts.
    With ``background`` (the browser does this when a contact is opened) it runs only while the
    model is idle and gives way the moment a request queues. Returns how the prefix got there
    (see ``assistant.generation.warm``); "busy" or "stopped" when it gave way.
    """
    from assistant.brief.story import user_story
    from assistant.generation.warm import ensure_prefix
    from assistant.types import Target

    ctx = BriefContext(name, kb, settings, generator)
    idle = not background or (getattr(generator, "waiting", 0) == 0 and not _locked(generator))
    if idle and ctx.me_chunks:
        user_story(kb, ctx.me_chunks, settings, generator)
    return ensure_prefix(settings, generator, Target.contact(ctx.name), ctx.notes_block, background=background)


def _locked(generator: Generator) -> bool:
    lock = getattr(generator, "lock", None)
    return bool(lock is not None and lock.locked())


__all__ = ["NOTES_PREFIXED", "WRITERS", "BriefBuilder", "build_brief", "warm_contact"]
