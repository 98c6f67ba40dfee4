"""Saved prefix states (assistant/generation/warm.py): same answers, never stale, never in the way.

Real llama.cpp with the tiny model: the point is what the KV cache holds, which
a fake cannot show. Each test that compares cold and warm loads its own fresh
generator, so nothing is left in memory from an earlier test.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from assistant.brief.builder import build_brief
from assistant.generation import warm
from assistant.notes import db
from assistant.notes.ingest import ingest_text
from assistant.types import Target

NOTES = ("Ines Duarte runs the cold-chain logistics team at Porto Fresh, a seafood distributor. "
         "She moved from hospital pharmacy logistics in 2020 and says temperature data is her team's hardest problem. "
         "She is piloting solar-powered refrigerated lockers at three fish markets this spring. "
         "She mentors logistics students at the University of Porto.")


def _fresh():
    from tests.conftest import _generator

    return _generator("tiny")


@pytest.fixture
def ines(kb, settings) -> str:
    db.upsert_contact(settings, "Ines Duarte", [])
    ingest_text(NOTES, Target.contact("Ines Duarte"), kb, settings, title="Intro call")
    return "Ines Duarte"


def _state_files(settings) -> list[Path]:
    return sorted(warm.states_root(settings).rglob("*.kv"))


def test_a_saved_state_gives_the_same_greedy_facts_as_a_cold_run(ines, kb, settings) -> None:
    cold = build_brief(ines, kb, settings, _fresh(), size="event")
    assert cold.prefix_state == "built"
    files = _state_files(settings)
    assert len(files) == 1 and files[0].parent == warm.owner_dir(settings, Target.contact(ines))
    again = build_brief(ines, kb, settings, _fresh(), size="event")  # a new process, in effect
    assert again.prefix_state == "loaded"
    assert [f.text for f in again.facts] == [f.text for f in cold.facts]
    assert [q.text for q in again.questions] == [q.text for q in cold.questions]
    timings = again.to_dict()["timings"]
    assert timings["warm"] is True and timings["total_seconds"] > 0 and "facts" in timings["sections"]


def test_the_same_generator_keeps_the_prefix_in_memory(ines, kb, settings) -> None:
    gen = _fresh()
    build_brief(ines, kb, settings, gen, size="event")
    assert build_brief(ines, kb, settings, gen, size="event").prefix_state in ("held", "loaded")


def _ensure(settings, gen, text: str) -> str:
    return warm.ensure_prefix(settings, gen, Target.contact("Ines Duarte"), text)


BLOCK = "<notes>\n<note id=\"N1\" from=\"call\">\n" + NOTES + "\n</note>\n</notes>"


def test_a_state_for_another_model_build_or_notes_is_never_loaded(settings, monkeypatch) -> None:
    gen = _fresh()
    assert _ensure(settings, gen, BLOCK) == "built"
    assert _ensure(settings, _fresh(), BLOCK) == "loaded"
    monkeypatch.setattr(warm, "runtime_version", lambda: "llama-cpp-python 0.0.0-other")
    assert _ensure(settings, _fresh(), BLOCK) == "built"
    monkeypatch.undo()
    from assistant.generation import models

    monkeypatch.setattr(models, "model_sha256", lambda path: "f" * 64)
    assert _ensure(settings, _fresh(), BLOCK) == "built"
    monkeypatch.undo()
    assert _ensure(settings, _fresh(), BLOCK.replace("three", "four")) == "built"  # changed notes


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_a_damaged_state_is_ignored_logged_and_rebuilt(settings, damage, caplog) -> None:
    assert _ensure(settings, _fresh(), BLOCK) == "built"
    (path,) = _state_files(settings)
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":
        path.write_bytes(raw[:-10] + bytes(b ^ 0xFF for b in raw[-10:]))
    else:
        path.write_bytes(b"not a state at all")
    with caplog.at_level("WARNING", logger="rapport.warm"):
        assert _ensure(settings, _fresh(), BLOCK) == "built"
    assert "ignored" in caplog.text
    assert _ensure(settings, _fresh(), BLOCK) == "loaded"  # the rebuilt file is whole again


def test_background_warm_up_never_blocks_a_request(settings) -> None:
    gen = _fresh()
    gen.lock.acquire()  # a user's brief is running
    try:
        assert warm.ensure_prefix(settings, gen, Target.contact("Ines Duarte"), BLOCK, background=True) == "busy"
    finally:
        gen.lock.release()
    gen.waiting = 1  # a request is queued: the warm-up stops before its first step and saves nothing
    assert warm.ensure_prefix(settings, gen, Target.contact("Ines Duarte"), BLOCK, background=True) == "stopped"
    assert not _state_files(settings)
    gen.waiting = 0
    done: list[str] = []
    t = threading.Thread(target=lambda: done.append(
        warm.ensure_prefix(settings, gen, Target.contact("Ines Duarte"), BLOCK, background=True)))
    t.start()
    t.join(120)
    assert done == ["built"]


def test_the_cap_removes_the_least_recently_used_state(settings) -> None:
    gen = _fresh()
    for n in range(3):
        warm.ensure_prefix(settings, gen, Target.contact(f"Person {n}"), BLOCK.replace("Ines", f"Ines{n}"))
    files = _state_files(settings)
    assert len(files) == 3
    newest = max(files, key=lambda p: p.stat().st_mtime)
    one = max(p.stat().st_size for p in files)
    assert warm.prune(settings, one) == 2
    assert _state_files(settings) == [newest]


def test_drop_states_removes_only_that_persons_folder(settings) -> None:
    gen = _fresh()
    warm.ensure_prefix(settings, gen, Target.contact("Ines Duarte"), BLOCK)
    warm.ensure_prefix(settings, gen, Target.contact(".."), BLOCK.replace("three", "five"))
    assert warm.drop_states(settings, Target.contact("..")) == 1
    assert [p.parent for p in _state_files(settings)] == [warm.owner_dir(settings, Target.contact("Ines Duarte"))]


def test_no_states_are_saved_when_the_cap_is_zero(settings) -> None:
    from dataclasses import replace

    off = replace(settings, state_cache_mb=0)
    assert warm.ensure_prefix(off, _fresh(), Target.contact("Ines Duarte"), BLOCK) == "built"
    assert not _state_files(settings)


def test_a_generator_without_a_cache_is_left_alone(settings) -> None:
    from assistant.generation.llm import ScriptedGenerator

    assert warm.ensure_prefix(settings, ScriptedGenerator(), Target.contact("Ines Duarte"), BLOCK) == "off"
    assert warm.supports_states(ScriptedGenerator()) is False
