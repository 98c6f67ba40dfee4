"""The user's own story, written once per profile and model and kept, so each brief only tailors it.

Why: the story a user tells ("know your story and tell it short") is the same from one
meeting to the next; what changes is the sentence that connects it to this person. Written
from the profile inside every brief it cost 20-35 s on 2 cores (a ~700-token prompt of its
own, then three or four calls when a check failed). Kept in the data dir, keyed by the
profile's content, the model and the prompt, a brief spends only one short call after the
contact's notes prefix, which is already in the model (``narrative.py``). ``rapport warm``
and the browser's background warm-up write it ahead, so even the first brief finds it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Sequence

from assistant.brief.context import foreign_script, repetitive
from assistant.config import Settings
from assistant.files import atomic_write_text
from assistant.generation import prompts
from assistant.generation.llm import Generator
from assistant.generation.structured import generate_json, seed_for
from assistant.notes.profile import quoted_profile, read_profile
from assistant.notes.store import KnowledgeBase
from assistant.text import voice
from assistant.text.sentences import split_sentences, whole_sentences
from assistant.types import Chunk

log = logging.getLogger("rapport.brief")

CACHE_VERSION = 1
PROFILE_TOKEN_BUDGET = 900


@dataclass
class Story:
    text: str
    error: str = ""
    cached: bool = False
    quoted: list[str] = field(default_factory=list)  # the profile as quoted (what the story must stand on)


def repeats_a_sentence(text: str) -> bool:
    """The same sentence twice (a small model echoing a profile line), which a word count misses."""
    seen: set[str] = set()
    for sentence in split_sentences(text, lines=False):
        key = " ".join(re.findall(r"[a-z0-9']+", sentence.lower()))
        if len(key.split()) >= 4 and key in seen:
            return True
        seen.add(key)
    return False


def story_problem(text: str, support: Sequence[str]) -> str:
    """Why a story cannot be used ("" when it can): the narrative checks, on the user's profile alone."""
    problem = voice.narrative_problem(text, support)
    if problem:
        return problem
    if foreign_script(text, support):
        return "not in English"
    if repetitive(text) or repeats_a_sentence(text):
        return "repetitive"
    return ""


def story_key(gen: Generator, me_text: Sequence[str]) -> str:
    """Profile text as quoted, model and prompt: a change to any of them writes the story again."""
    h = hashlib.sha256(f"story v{CACHE_VERSION}\0{getattr(gen, 'name', 'model')}\0".encode())
    h.update(prompts.render("narrative", me_notes="", name="", tailoring="", min_words=0, max_words=0).encode())
    for text in me_text:
        h.update(b"\0" + text.encode("utf-8", "replace"))
    return h.hexdigest()


def cache_path(settings: Settings):
    return settings.home / "story.json"


def _cached(settings: Settings, key: str) -> str:
    try:
        data = json.loads(cache_path(settings).read_text(encoding="utf-8"))
        return str(data["story"]) if data.get("key") == key else ""
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ""


def _store(settings: Settings, key: str, story: str) -> None:
    try:  # one file: a new profile replaces the story of the old one
        atomic_write_text(cache_path(settings), json.dumps({"key": key, "story": story}, ensure_ascii=False) + "\n")
    except OSError as exc:  # a cache that cannot be written costs time, not correctness
        log.warning("could not keep the user's story: %s", exc)


def user_story(kb: KnowledgeBase, me_chunks: Sequence[Chunk], settings: Settings, gen: Generator, *,
               seed: int = 0, fresh: bool = False) -> Story:
    """The user's 45-80-word story: the one they saved on the Me page, else the kept one, else written now.

    A narrative the user wrote or confirmed themself is their story, word for word: briefs only
    add the sentence to the contact. ``fresh`` (the brief's "regenerate") writes a new one with
    ``seed`` and keeps that instead.
    """
    if not me_chunks:
        return Story("", "Your own profile is empty, so there is no story to tailor. Add it with "
                         "`rapport ingest FILE --me` or on the Me page.")
    me_text = quoted_profile(gen, me_chunks, PROFILE_TOKEN_BUDGET)
    saved = " ".join(read_profile(kb, settings).narrative.split())
    if saved and not fresh:
        return Story(whole_sentences(saved, 120) or saved, cached=True, quoted=me_text)
    key = story_key(gen, me_text)
    if not fresh:
        kept = voice.as_spoken(_cached(settings, key))  # kept by an older version: said as spoken today
        if kept and not story_problem(kept, me_text):
            return Story(kept, cached=True, quoted=me_text)

    def accept(d: dict) -> str:
        d["narrative"] = text = whole_sentences(voice.as_spoken(voice.plain_words(" ".join(d["narrative"].split()))), 100)
        return story_problem(text, me_text)

    got = generate_json(gen, prompts.render("narrative", me_notes="\n\n".join(me_text), name="someone they are meeting",
                                            tailoring="Lead with the parts of the user's story that come first "
                                                      "in the notes.", min_words=45, max_words=80),
                        prompts.schema("narrative"), max_tokens=220, seed=seed_for(settings.seed + seed, narrative_variant=1),
                        retries=settings.retries, accept=accept)
    if got.data is None:
        return Story("", f"The narrative did not pass the checks ({got.error}).", quoted=me_text)
    _store(settings, key, got.data["narrative"])
    return Story(got.data["narrative"], quoted=me_text)


__all__ = ["Story", "cache_path", "repeats_a_sentence", "story_problem", "user_story"]
