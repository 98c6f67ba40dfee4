"""Hardening: after ``forget``, no file under the data dir holds the contact's text.

Chroma keeps deleted text in its own write-ahead log, its full-text index and
SQLite free pages; SQLite keeps it in ``rapport.db``'s WAL; the log quotes
rejected model answers. The test plants a marker in every place a contact's
words go (pasted and file notes, a saved chat, a saved brief, an interaction,
a log line), forgets, then byte-scans every file. The model is faked for speed.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from assistant.notes import db
from assistant.conversation.chat import ask
from assistant.notes.ingest import ingest_paths, ingest_text
from assistant.generation.llm import ScriptedGenerator
from assistant.forget import forget_contact
from assistant.notes.contacts import search_contact
from assistant.generation import warm
from assistant.notes.ingest import copies_dir
from assistant.notes.workspace import brief_path
from assistant.types import Target, slug

MARK = "ZQXMARKERforget7781"


def files_with(home: Path, needle: str) -> list[str]:
    raw = needle.encode()
    return sorted(str(p.relative_to(home)) for p in home.rglob("*")
                  if p.is_file() and (raw in p.read_bytes() or needle.encode("utf-16-le") in p.read_bytes()))


def test_forget_leaves_no_trace_in_any_file(kb, settings, tmp_path: Path) -> None:
    dana, bob = Target.contact("Dana Whitfield"), Target.contact("Bob Keeper")
    for i in range(3):
        ingest_text(f"Dana mentioned {MARK} while talking about kayaks, attempt {i}. " * 20, dana, kb, settings)
    note = tmp_path / "dana.md"
    note.write_text(f"---\ntitle: Coffee\n---\nDana's codename is {MARK}.\n", encoding="utf-8")
    assert not ingest_paths([note], dana, kb, settings).failed
    ingest_text("Bob collects vintage chess clocks from Lisbon.", bob, kb, settings)
    gen = ScriptedGenerator(default=f"She talked about {MARK} [N1].")
    ask("Dana Whitfield", "What did she talk about?", kb, settings, gen)  # saved to chats/
    brief_path(settings, "Dana Whitfield").write_text(f'{{"contact": "Dana Whitfield", "note": "{MARK}"}}',
                                                       encoding="utf-8")
    db.upsert_contact(settings, "Dana Whitfield")
    handler = logging.FileHandler(settings.log_path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))  # the CLI's format
    log = logging.getLogger("rapport")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    logging.getLogger("rapport.brief").info("fact dropped (unsupported: x): %r", f"The {MARK} fact")
    logging.getLogger("rapport").info("an unrelated line about Bob")
    # A saved model prefix state encodes the quoted notes: a file under states/ holding their bytes.
    state = warm.owner_dir(settings, dana) / "prefix-0a1b2c.state"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_bytes(b"\x00GGSQ" + f"<notes>{MARK} Dana Whitfield</notes>".encode() + b"\x00" * 64)
    # Copies set aside as damaged: theirs (a chat, a copied-files folder, a states folder) and Bob's.
    damaged = _plant_damaged(settings, dana, f"{MARK} Dana Whitfield")
    bobs = _plant_damaged(settings, bob, "Bob's chess clocks")
    assert files_with(settings.home, MARK), "the marker was never written: the test would prove nothing"

    try:
        report = forget_contact(kb, settings, "Dana Whitfield")
        log.info("written after the forget, through the still-open handler")
    finally:
        log.removeHandler(handler)
        handler.close()

    assert report.removed["note chunks"] >= 4 and report.removed["log entries"] >= 1
    assert report.removed["saved model states"] == 1 and report.removed["damaged copies"] == len(damaged)
    assert "1 saved model states" in report.describe() and not report.untouched
    assert files_with(settings.home, MARK) == []
    assert files_with(settings.home, "Dana Whitfield") == []
    assert not any(p.exists() for p in damaged) and all(p.exists() for p in bobs)  # Bob's copies stay
    # The rest still works: Bob is found, new notes go in, the log keeps other lines.
    assert "chess clocks" in search_contact(kb, settings, "Bob Keeper", "chess", k=1)[0].text
    ingest_text("Dana is back: she now runs a bakery.", dana, kb, settings)
    assert "bakery" in search_contact(kb, settings, "Dana Whitfield", "bakery", k=1)[0].text
    kept = settings.log_path.read_text()
    assert "unrelated line about Bob" in kept and "after the forget" in kept


def _plant_damaged(settings, target: Target, text: str) -> list[Path]:
    """``<slug>.*`` copies set aside after they failed to load, one in each per-person place."""
    own = slug(target.name)
    stamp = "20261201-101500"
    chat = settings.chats_dir / f"{own}.json.damaged-{stamp}"
    chat.parent.mkdir(parents=True, exist_ok=True)
    chat.write_text('{"turns": [{"content": "' + text, encoding="utf-8")  # cut off: unreadable JSON
    corrupt = settings.briefs_dir / f"{own}.corrupt.json"
    corrupt.parent.mkdir(parents=True, exist_ok=True)
    corrupt.write_text("{" + text, encoding="utf-8")
    files = copies_dir(settings, target).with_name(f"{own}.damaged-{stamp}")
    files.mkdir(parents=True)
    (files / "1a2b3c4d-note.md").write_text(text, encoding="utf-8")
    states = warm.owner_dir(settings, target).with_name(f"{own}.damaged-{stamp}")
    states.mkdir(parents=True)
    (states / "prefix.state").write_bytes(text.encode("utf-16-le"))
    return [chat, corrupt, files, states]


def test_forget_leaves_copies_of_damaged_stores_and_says_so(kb, settings) -> None:
    """A ``rapport.db.damaged-*`` copy holds everyone: forget must not delete it, and must say it is there."""
    ingest_text("Dana said hello.", Target.contact("Dana Whitfield"), kb, settings)
    ingest_text("Bob collects vintage chess clocks.", Target.contact("Bob Keeper"), kb, settings)
    kept = settings.home / "rapport.db.damaged-20261201-101500"
    kept.write_bytes(b"SQLite format 3\x00 Bob Keeper and Dana Whitfield")
    report = forget_contact(kb, settings, "Dana Whitfield")
    assert kept.exists() and report.untouched == [kept.name]
    assert kept.name in report.describe() and "rapport rebuild" in report.describe()


def test_forget_wipes_a_store_reopened_in_a_fresh_process(kb, settings) -> None:
    """The scrub must leave Chroma's log replayable: a new process sees the contact gone, the rest intact."""
    import os
    import subprocess
    import sys

    ingest_text(f"Dana said {MARK} twice.", Target.contact("Dana Whitfield"), kb, settings)
    ingest_text("Bob collects vintage chess clocks.", Target.contact("Bob Keeper"), kb, settings)
    forget_contact(kb, settings, "Dana Whitfield")
    code = ("from assistant.config import Settings; from assistant.notes.store import KnowledgeBase; "
            "from assistant.types import Target; kb=KnowledgeBase(Settings.from_env()); "
            "print(kb.count(), len(kb.chunks_of(Target.contact('Dana Whitfield'))))")
    from assistant.notes import datadir

    # This process holds the write lock; hand the check to a child by releasing our hold for the test.
    fd = datadir._held.pop(str(settings.home.resolve()))
    os.close(fd)
    try:
        out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "RAPPORT_HOME": str(settings.home)},
                             cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=120)
    finally:
        datadir.acquire_write_lock(settings.home)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "0"]
    assert files_with(settings.home, MARK) == []


def test_forget_removes_the_person_from_event_packs(kb, settings, tmp_path: Path) -> None:
    """An event keeps rows, briefs and pack files (possibly outside the data dir); forget clears all of them."""
    from assistant.event.run import import_event, run_event
    from assistant.event.jobs import get_event

    csv_path = tmp_path / "attendees.csv"
    csv_path.write_text("name,title,company,bio\n"
                        f"Dana Whitfield,Head of Product,Brightwater,Builds {MARK} heat pumps.\n"
                        "Bob Keeper,Engineer,Clockworks,Restores vintage chess clocks.\n"
                        "dana  whitfield,,,Duplicate row.\n", encoding="utf-8")
    pack = tmp_path / "pack"  # outside the data dir, like --out
    job = import_event(csv_path, kb, settings, goal="meet hardware people", out_dir=pack)
    assert job.merged, "the duplicate row should be recorded as merged"
    fact = json.dumps({"facts": [{"text": f"Dana builds {MARK} heat pumps.", "sources": ["N1"]}]})
    run_event(job, kb, settings, ScriptedGenerator({"facts about Dana Whitfield": fact}))
    assert files_with(pack, MARK) and files_with(pack, "Dana Whitfield"), "nothing to forget: the test would prove nothing"
    assert any("-dana-whitfield-" in p.name for p in pack.iterdir())

    report = forget_contact(kb, settings, "Dana Whitfield")

    assert report.removed["event entries"] == 1
    for root in (settings.home, pack):
        assert files_with(root, MARK) == [] and files_with(root, "Dana Whitfield") == [], root
    assert not any("dana" in p.name for p in pack.iterdir())
    job = get_event(settings, job.id)
    assert [i.name for i in job.items()] == ["Bob Keeper"] and job.merged == []
    assert "Bob Keeper" in (pack / "ranking.csv").read_text(encoding="utf-8")


def test_forget_zeroes_heap_leftovers_in_the_vector_index(kb, settings) -> None:
    """Chroma's HNSW files carry recycled heap memory past the live slots (chroma-core/chroma#7688).

    Which bytes the heap holds is chance, so the leftover is planted where the
    upstream bug puts it: the unused tail of ``length.bin`` and ``data_level0.bin``.
    """
    import struct

    ingest_text(f"Dana said {MARK} twice.", Target.contact("Dana Whitfield"), kb, settings)
    ingest_text("Bob collects vintage chess clocks.", Target.contact("Bob Keeper"), kb, settings)
    headers = list(settings.chroma_dir.glob("*/header.bin"))
    assert headers, "Chroma wrote no vector index segment: the test would prove nothing"
    for header in headers:
        _, _, capacity, count, per_element = struct.unpack_from("<i4Q", header.read_bytes())
        assert count < capacity
        for name, width in (("length.bin", 4), ("data_level0.bin", per_element)):
            with open(header.parent / name, "r+b") as f:
                f.seek((count + 1) * width)
                f.write(f"heap: {MARK} Dana".encode())
    assert files_with(settings.home, MARK)
    forget_contact(kb, settings, "Dana Whitfield")
    assert files_with(settings.home, MARK) == []
    assert "chess clocks" in search_contact(kb, settings, "Bob Keeper", "chess", k=1)[0].text
    ingest_text("Dana is back: she now runs a bakery.", Target.contact("Dana Whitfield"), kb, settings)
    assert "bakery" in search_contact(kb, settings, "Dana Whitfield", "bakery", k=1)[0].text
