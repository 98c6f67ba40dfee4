"""Hardening: SIGKILL at 20+ random points during an ingest of a folder, then restart.

A child process runs the importer the ``rapport ingest`` command runs
(``ingest_paths``) over a folder and prints ``ACK <file>`` the moment a file
is stored (the CLI itself prints its per-file results only at the end, so it
acknowledges nothing before a kill). The parent kills it with SIGKILL at a
random moment after some acknowledgements, starts a new child on the same
data dir, and so on. Each restart must open the store; at the end every
acknowledged note is found by get and by search, and no chunk is duplicated
or stale. One final kill lands on the real ``rapport ingest`` command.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KILLS = 20
FILES = 40

CHILD = r"""
import sys
from pathlib import Path
from assistant.config import Settings
from assistant.notes.ingest import ingest_paths
from assistant.notes.store import KnowledgeBase
from assistant.types import Target
s = Settings.from_env().ensure_dirs()
kb = KnowledgeBase(s)
print("OPEN", kb.count(), flush=True)
last = []
def tick(done, total, label):
    if last:
        print("ACK", last[0], flush=True)
    last[:] = [label] if label else []
ingest_paths([sys.argv[1]], Target.contact("Crash Test"), kb, s, progress=tick)
print("DONE", kb.count(), flush=True)
"""


def note_text(i: int) -> str:
    token = f"crashtoken{i:03d}"
    paras = [f"Paragraph {p} of note {i}: {token} talks about grid batteries, installer onboarding and "
             f"heat-pump rebates in detail, sentence after sentence, so the note spans several chunks. " * 3
             for p in range(3)]
    return f"---\ntitle: Note {i}\n---\n" + "\n\n".join(paras)


def test_sigkill_during_ingest_loses_and_duplicates_nothing(data_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    for i in range(FILES):
        (folder / f"note-{i:03d}.md").write_text(note_text(i), encoding="utf-8")
    env = {**os.environ, "RAPPORT_HOME": str(data_home), "RAPPORT_THREADS": "1"}
    rng = random.Random(8)
    acked: set[str] = set()
    kills = 0
    finished = False
    for _ in range(KILLS + 10):
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(folder)], cwd=REPO, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = proc.stdout.readline()
        assert first.startswith("OPEN"), f"the store did not open after a kill: {first}{proc.stderr.read()}"
        target_acks = rng.randint(0, 2)  # kill after 0-2 new files, then at a random moment inside the next
        new = 0
        deadline = time.monotonic() + 60
        while new < target_acks and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line or line.startswith("DONE"):
                break
            if line.startswith("ACK"):
                name = line.split(maxsplit=1)[1].strip()
                new += name not in acked
                acked.add(name)
        if proc.poll() is None and kills < KILLS:
            time.sleep(rng.uniform(0, 0.25))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            kills += 1
            # Lines written before the kill landed are acknowledgements too.
            for line in proc.stdout.read().splitlines():
                if line.startswith("ACK"):
                    acked.add(line.split(maxsplit=1)[1].strip())
            continue
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        acked.update(line.split(maxsplit=1)[1].strip() for line in out.splitlines() if line.startswith("ACK"))
        finished = True
        break
    assert kills >= KILLS and finished, f"{kills} kills, finished={finished}"

    # One kill of the real command, mid-run, on a second folder; the next run completes it.
    more = tmp_path / "more"
    more.mkdir()
    for i in range(FILES, FILES + 10):
        (more / f"note-{i:03d}.md").write_text(note_text(i), encoding="utf-8")
    cli = [sys.executable, "-m", "assistant", "ingest", str(more), "--contact", "Crash Test"]
    proc = subprocess.Popen(cli, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(3.0, 5.0))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    again = subprocess.run(cli, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr

    from assistant.config import Settings
    from assistant.notes.store import KnowledgeBase, source_key, split_text
    from assistant.types import Target

    s = Settings.from_env(home=data_home)
    kb = KnowledgeBase(s)
    target = Target.contact("Crash Test")
    everything = kb.collection.get(include=["metadatas"])
    assert len(everything["ids"]) == len(set(everything["ids"]))
    expected_total = 0
    from assistant.notes.loaders import load_file

    for path in sorted(folder.glob("*.md")) + sorted(more.glob("*.md")):
        note = load_file(path, target, s.max_file_bytes)[0]
        want = len(set(split_text(note.text)))
        expected_total += want
        got = kb.collection.get(where={"source_key": source_key(target, str(path))}, include=[])["ids"]
        assert len(got) == want, f"{path.name}: {len(got)} chunks stored, {want} expected"
        if path.name in acked or path.parent == more:
            # Its own first chunk as the query must come back first: the vector index holds it, not just SQLite.
            first = split_text(note.text)[0]
            hits = kb.search(first, [target], k=3)
            assert hits and hits[0].text == first, f"{path.name} acknowledged but not found by search"
    assert kb.count() == expected_total, "duplicated or stale chunks after the kills"
    print(f"\n[crash] kills={kills + 1} acknowledged={len(acked)} files={FILES + 10} chunks={expected_total}")
