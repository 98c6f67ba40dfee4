"""The user's own profile ("me"): one Markdown file in the data dir, re-ingested on save.

The Me page edits four lists — story, talents, aspirations, what I can offer —
plus an optional 30-second narrative. They live in ``<data dir>/me/profile.md``
under fixed ``##`` headings, so the file reads well on its own and the brief's
give-back matcher finds the "What I can offer" bullets. Saving re-imports the
file as *me*; a profile imported from elsewhere (the demo's, or one ingested
with ``--me``) that the form was filled from is replaced, not duplicated.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from assistant.generation.budget import fit_to_budget
from assistant.text import voice
from assistant.generation import prompts
from assistant.config import Settings
from assistant.files import atomic_write_text
from assistant.notes.ingest import FileResult, ingest_paths
from assistant.generation.llm import Generator
from assistant.notes.store import KnowledgeBase, source_key
from assistant.generation.structured import generate_json
from assistant.types import Chunk, Target

log = logging.getLogger("rapport.profile")

HEADINGS = {
    "story": "Story",
    "talents": "Talents",
    "aspirations": "Aspirations",
    "offers": "What I can offer",
    "narrative": "My 30-second narrative",
}


@dataclass
class Profile:
    """What the Me page edits. Lists are one item per entry (bullets in the file)."""

    name: str = ""
    story: str = ""
    talents: list[str] = field(default_factory=list)
    aspirations: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    narrative: str = ""
    origin: str = ""  # source_key of the *me* note this was read from, when not our own file

    @property
    def empty(self) -> bool:
        return not (self.story.strip() or self.talents or self.aspirations or self.offers or self.narrative.strip())

    def to_markdown(self) -> str:
        lines = [f"# {self.name.strip() or 'My profile'}", ""]
        lines += [f"## {HEADINGS['story']}", "", self.story.strip(), ""]
        for key in ("talents", "aspirations", "offers"):
            lines += [f"## {HEADINGS[key]}", ""]
            lines += [f"- {item}" for item in getattr(self, key)]
            lines.append("")
        if self.narrative.strip():
            lines += [f"## {HEADINGS['narrative']}", "", self.narrative.strip(), ""]
        return "\n".join(lines).rstrip() + "\n"


def split_lines(text: str) -> list[str]:
    """A text area's lines as list items: bullets and blank lines dropped."""
    out = []
    for line in (text or "").splitlines():
        item = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line).strip()
        if item:
            out.append(" ".join(item.split()))
    return out


def _section_key(heading: str) -> str | None:
    h = heading.casefold()
    if "narrative" in h or "pitch" in h or "introduc" in h:
        return "narrative"
    if "offer" in h or "give" in h:
        return "offers"
    if "talent" in h or "skill" in h or "strength" in h:
        return "talents"
    if "aspiration" in h or "goal" in h or "looking for" in h:
        return "aspirations"
    if "story" in h or "about" in h or "background" in h:
        return "story"
    return None


def parse_profile(text: str) -> Profile:
    """Read a profile written by :meth:`Profile.to_markdown` (or by hand, similar headings)."""
    text = text.replace("\r\n", "\n")
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            text = text[end + 4:]
    profile = Profile()
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        h1 = re.match(r"^#\s+(.+)", line)
        h2 = re.match(r"^#{2,6}\s+(.+)", line)
        if h1 and not profile.name:
            profile.name = h1.group(1).strip()
            current = None
            continue
        if h2:
            current = _section_key(h2.group(1))
            continue
        if current:
            sections.setdefault(current, []).append(line)
    for key in ("talents", "aspirations", "offers"):
        setattr(profile, key, split_lines("\n".join(sections.get(key, []))))
    profile.story = "\n".join(sections.get("story", [])).strip()
    profile.narrative = " ".join("\n".join(sections.get("narrative", [])).split())
    return profile


def profile_path(settings: Settings) -> Path:
    return settings.home / "me" / "profile.md"


def read_profile(kb: KnowledgeBase, settings: Settings) -> Profile:
    """The saved profile; else the first *me* note on disk that parses as one; else empty."""
    path = profile_path(settings)
    if path.is_file():
        return parse_profile(path.read_text(encoding="utf-8", errors="replace"))
    for note in kb.notes_of(Target.me()):
        candidate = Path(note.source)
        if candidate.suffix.lower() in (".md", ".markdown", ".txt") and candidate.is_file():
            parsed = parse_profile(candidate.read_text(encoding="utf-8", errors="replace"))
            if not parsed.empty:
                parsed.origin = note.source_key
                return parsed
    return Profile()


def save_profile(profile: Profile, kb: KnowledgeBase, settings: Settings) -> FileResult:
    """Write ``profile.md`` and import it as *me* (replacing the note it was read from)."""
    path = profile_path(settings)
    atomic_write_text(path, profile.to_markdown())
    report = ingest_paths([path], Target.me(), kb, settings)
    result = report.results[0]
    own = source_key(Target.me(), str(path.absolute()))
    if result.ok and profile.origin and profile.origin != own:
        kb.delete_note(profile.origin)
        profile.origin = ""
    return result


def me_chunk_count(kb: KnowledgeBase) -> int:
    return len(kb.chunks_of(Target.me()))


def quoted_profile(generator: Generator, chunks: Sequence[Chunk], budget: int = 900) -> list[str]:
    """The profile as a narrative prompt quotes it: in the user's own order, as much as fits, brackets neutralised."""
    return [c.text.replace("<", "‹").replace(">", "›")
            for c in fit_to_budget(generator, list(chunks), budget, overhead=0, stop_at_overflow=True)]


def suggest_narrative(kb: KnowledgeBase, settings: Settings, generator: Generator,
                      audience: str = "someone you have just met at a networking event",
                      interests: str = "their own work and what they are building") -> str:
    """A first-person, 30-second introduction drawn only from the *me* notes ("" if none passes)."""
    from assistant.errors import GenerationError, NotFoundError

    me = kb.chunks_of(Target.me())
    if not me:
        raise NotFoundError("Your profile is empty, so there is no story to tell yet.",
                            "Fill in the form above and save it first.")
    me_text = quoted_profile(generator, me)

    def accept(d: dict) -> str:
        return voice.narrative_problem(d["narrative"], me_text)

    values = {"me_notes": "\n\n".join(me_text), "name": audience, "min_words": 45, "max_words": 80,
              "tailoring": f"Make it relevant to what {audience} cares about: {interests}."}
    needed = prompts.variables("narrative")
    got = generate_json(generator, prompts.render("narrative", **{k: v for k, v in values.items() if k in needed}),
                        prompts.schema("narrative"), max_tokens=220, seed=settings.seed,
                        retries=settings.retries, accept=accept)
    if got.data is None:
        raise GenerationError(f"The model's narrative did not pass the checks ({got.error}).",
                              "Try again, or write it yourself in the box.")
    return " ".join(got.data["narrative"].split())


__all__ = ["Profile", "me_chunk_count", "parse_profile", "profile_path", "quoted_profile", "read_profile", "save_profile",
           "split_lines", "suggest_narrative"]
