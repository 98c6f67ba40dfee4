"""Hardening: one writing process per data dir, and a recorded data-schema version.

The lock is an ``fcntl.flock`` held for the process lifetime, so these tests
use real subprocesses: a second *process* is refused with a message that says
what to do; the same process may open the dir as often as it likes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import datadir
from assistant.errors import StoreError

REPO = Path(__file__).resolve().parents[1]


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "RAPPORT_HOME": str(home)}


def test_same_process_opens_the_data_dir_many_times(settings, kb) -> None:
    from assistant.store import KnowledgeBase

    again = KnowledgeBase(settings)
    assert again.count() == kb.count() == 0
    assert datadir.holds_lock(settings.home)
    assert (settings.home / "VERSION").read_text().strip() == str(datadir.SCHEMA_VERSION)


def test_a_second_process_is_refused_with_a_clear_message(settings, kb) -> None:
    proc = subprocess.run([sys.executable, "-m", "assistant", "contacts"], cwd=REPO, env=_env(settings.home),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    err = " ".join(proc.stderr.split())
    assert "already open in another Rapport process" in err and f"process {os.getpid()}" in err
    assert "RAPPORT_CHROMA_URL" in err and "rapport ui" in err  # how to share, and the UI caveat
    assert "Traceback" not in proc.stderr


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    home = tmp_path / "shared"
    code = ("import sys,time; from assistant.datadir import acquire_write_lock as a; a(sys.argv[1]); "
            "print('held', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(home)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(StoreError, match="already open in another Rapport process"):
            datadir.acquire_write_lock(home)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    datadir.acquire_write_lock(home)  # the kernel released it with the process
    assert datadir.holds_lock(home)


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    home = tmp_path / "future"
    home.mkdir()
    (home / "VERSION").write_text(f"{datadir.SCHEMA_VERSION + 1}\n")
    with pytest.raises(StoreError) as err:
        datadir.check_schema(home)
    assert "newer Rapport" in err.value.message and "Upgrade Rapport" in err.value.hint
    assert (home / "VERSION").read_text().strip() == str(datadir.SCHEMA_VERSION + 1)


def test_unversioned_dir_is_stamped_as_current(tmp_path: Path) -> None:
    home = tmp_path / "legacy"
    (home / "chroma").mkdir(parents=True)
    assert datadir.check_schema(home) == datadir.SCHEMA_VERSION
    assert (home / "VERSION").read_text().strip() == str(datadir.SCHEMA_VERSION)


def test_older_schema_is_migrated_step_by_step_or_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datadir, "SCHEMA_VERSION", 3)
    steps: list[int] = []
    monkeypatch.setattr(datadir, "MIGRATIONS", {1: lambda h: steps.append(1), 2: lambda h: steps.append(2)})
    home = tmp_path / "old"
    home.mkdir()
    (home / "VERSION").write_text("1\n")
    assert datadir.check_schema(home) == 3 and steps == [1, 2]
    assert (home / "VERSION").read_text().strip() == "3"

    monkeypatch.setattr(datadir, "MIGRATIONS", {})
    (home / "VERSION").write_text("2\n")
    with pytest.raises(StoreError) as err:
        datadir.check_schema(home)
    assert "cannot migrate automatically" in err.value.message and "re-import" in err.value.hint


def test_garbage_version_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "VERSION").write_text("banana")
    with pytest.raises(StoreError, match="unreadable schema version"):
        datadir.check_schema(tmp_path)


def test_server_mode_takes_no_local_lock(tmp_path: Path) -> None:
    home = tmp_path / "srv-client"
    assert datadir.open_for_writing(home, lock=False) == datadir.SCHEMA_VERSION
    assert not datadir.holds_lock(home)


def test_the_page_says_so_when_a_cli_command_holds_the_data_dir(data_home: Path) -> None:
    """The Streamlit app and a CLI command on one data dir conflict: the page must say why, not crash."""
    from streamlit.testing.v1 import AppTest

    from assistant.llm import ScriptedGenerator

    code = ("import sys,time; from assistant.datadir import acquire_write_lock as a; a(sys.argv[1]); "
            "print('held', flush=True); time.sleep(120)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(data_home)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        at = AppTest.from_file(str(REPO / "ui" / "app.py"), default_timeout=120)
        at.session_state["generator"] = ScriptedGenerator()
        at.run()
        assert not at.exception, at.exception
        shown = " ".join(str(e.value) for e in at.error)
        assert "already open in another Rapport process" in shown and "rapport ui" in shown, shown
    finally:
        holder.kill()
        holder.wait(timeout=10)
