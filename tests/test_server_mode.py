"""The same ingest → search → forget round trip against a real `chroma run` server."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port
from assistant.notes.ingest import ingest_paths, ingest_text
from assistant.forget import forget_contact
from assistant.notes.contacts import list_contacts, search_contact
from assistant.notes.store import KnowledgeBase
from assistant.types import Target
from tests.processes import stop

pytestmark = pytest.mark.server


@pytest.fixture
def chroma_server(tmp_path: Path):
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    proc = subprocess.Popen([chroma, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(tmp_path / "srv")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        else:
            pytest.fail("chroma run did not start within 30 s")
        yield url
    finally:
        stop(proc)


def test_round_trip_against_server(chroma_server: str, settings, tmp_path: Path) -> None:
    s = replace(settings, chroma_url=chroma_server)
    kb = KnowledgeBase(s)
    note = tmp_path / "amara.md"
    note.write_text("---\ntitle: Amara\n---\nAmara designs hearing-aid firmware at Sonance Labs.")
    assert not ingest_paths([note], Target.contact("Amara Obi"), kb, s).failed
    assert ingest_paths([note], Target.contact("amara obi"), kb, s).added == 0
    ingest_text("Pasted: Amara plays in a brass band.", Target.contact("Amara  Obi"), kb, s)
    assert kb.count() == 2 and not (s.chroma_dir / "chroma.sqlite3").exists()  # nothing written locally
    hit = search_contact(kb, s, "AMARA OBI", "hearing aid firmware", k=1)[0]
    assert "Sonance" in hit.text and hit.source == str(note)
    assert forget_contact(kb, s, "Amara Obi").removed["note chunks"] == 2
    assert kb.count() == 0 and list_contacts(kb, s) == []
