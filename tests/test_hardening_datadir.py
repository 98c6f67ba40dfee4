"""Hardening: one writing process per data dir, and a recorded data-schema version.

The lock is an ``fcntl.flock`` held for the process lifetime, so these tests
use real subprocesses: a second *process* is refused with a message that says
what to do; the same process may open the dir as often as it likes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import rapport_in_process
from assistant.notes import datadir
from assistant.errors import StoreError

REPO = Path(__file__).resolve().parents[1]


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "RAPPORT_HOME": str(home)}


def test_same_process_opens_the_data_dir_many_times(settings, kb) -> None:
    from assistant.notes.store import KnowledgeBase

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
    code = ("import sys,time; from assistant.notes.datadir import acquire_write_lock as a; a(sys.argv[1]); "
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

    from assistant.generation.llm import ScriptedGenerator

    code = ("import sys,time; from assistant.notes.datadir import acquire_write_lock as a; a(sys.argv[1]); "
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


# ------------------------------------------------------------ damaged dir --
# A used data dir (one with a VERSION) whose rapport.db is empty, truncated or garbled, or whose
# chroma/chroma.sqlite3 is gone, is damage, not a fresh start: a StoreError says what, a copy of the
# damaged file is kept, and `rapport rebuild` restores the notes from the copies in files/.
DAMAGE: dict[str, bool] = {}


def _rapport(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """The real entry point in this process; stderr with its whitespace folded (messages wrap)."""
    code, out, err = rapport_in_process(monkeypatch, capsys, *args)
    return code, out, " ".join(err.split())


def _fill(kb, settings, tmp_path: Path) -> None:
    from assistant.notes.ingest import ingest_paths, ingest_text
    from assistant.types import Target

    note = tmp_path / "dana.md"
    note.write_text("Dana Whitfield builds heat pumps in Leeds and races dinghies.", encoding="utf-8")
    assert not ingest_paths([note], Target.contact("Dana Whitfield"), kb, settings, fields=["Heat pumps"]).failed
    ingest_text("Bob collects vintage chess clocks from Lisbon.", Target.contact("Bob Keeper"), kb, settings,
                title="Chess")
    vcf = tmp_path / "two.vcf"
    vcf.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Priya Raman\nNOTE:Grid analytics.\nEND:VCARD\n"
                   "BEGIN:VCARD\nVERSION:3.0\nFN:王芳\nNOTE:Runs a tea shop.\nEND:VCARD\n", encoding="utf-8")
    assert not ingest_paths([vcf], Target.contact("Unused"), kb, settings).failed


def test_an_emptied_db_and_a_deleted_chroma_file_are_damage_and_rebuild_restores(kb, settings, tmp_path: Path,
                                                                                 monkeypatch, capsys) -> None:
    from assistant.notes import db
    from assistant.notes.contacts import list_contacts, search_contact
    from assistant.notes.store import KnowledgeBase

    _fill(kb, settings, tmp_path)
    before = kb.count()
    names = sorted(c.name for c in list_contacts(kb, settings))
    assert before >= 4 and names == ["Bob Keeper", "Dana Whitfield", "Priya Raman", "王芳"]
    settings.db_path.write_bytes(b"")
    (settings.chroma_dir / "chroma.sqlite3").unlink()

    with pytest.raises(StoreError) as err:
        KnowledgeBase(settings)
    message = str(err.value)
    DAMAGE["0-byte rapport.db + deleted chroma.sqlite3: refused, says what"] = (
        "rapport.db it is empty (0 bytes)" in message and "chroma/chroma.sqlite3 it is missing" in message
        and "rapport rebuild" in message)
    assert DAMAGE["0-byte rapport.db + deleted chroma.sqlite3: refused, says what"], message
    copies = list(settings.home.glob("rapport.db.damaged-*"))
    assert len(copies) == 1 and settings.db_path.stat().st_size == 0  # kept, and not recreated empty
    with pytest.raises(StoreError, match="damaged"):
        db.list_contacts(settings)  # code that opens rapport.db without the knowledge base says so too
    code, out, err_text = _rapport(monkeypatch, capsys, "contacts")
    assert code == 1 and "is damaged" in err_text and "Traceback" not in err_text
    assert len(list(settings.home.glob("rapport.db.damaged-*"))) == 1  # one copy, however often it is reported

    code, out, err_text = _rapport(monkeypatch, capsys, "rebuild")
    assert code == 0, err_text
    assert "Set aside" in err_text and "Rebuilt from 4 copies" in err_text
    kb2 = KnowledgeBase(settings)
    restored = sorted(c.name for c in list_contacts(kb2, settings))
    hit = search_contact(kb2, settings, "Dana Whitfield", "heat pumps", k=1)
    DAMAGE["rebuild restores every note, owner and field"] = (
        kb2.count() == before and restored == names and "heat pumps" in hit[0].text
        and db.get_contact(settings, "Dana Whitfield").fields == ["Heat pumps"]
        and hit[0].source == str(tmp_path / "dana.md"))
    assert DAMAGE["rebuild restores every note, owner and field"], (kb2.count(), before, restored)
    code, out, err_text = _rapport(monkeypatch, capsys, "rebuild")
    assert code == 0 and "nothing to rebuild" in err_text


def test_a_truncated_or_garbled_db_is_a_message_not_a_traceback(settings, kb, monkeypatch, capsys) -> None:
    from assistant.notes import db

    for i in range(400):
        db.upsert_contact(settings, f"Person Number {i} With A Longish Name")
    data = settings.db_path.read_bytes()
    assert len(data) > 8 * 4096
    settings.db_path.write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreError, match="truncated"):
        db.list_contacts(settings)
    code, out, err_text = _rapport(monkeypatch, capsys, "contacts")
    DAMAGE["truncated rapport.db: message"] = code == 1 and "truncated" in err_text and "Traceback" not in err_text
    assert DAMAGE["truncated rapport.db: message"], err_text
    # Same size, header intact, pages overwritten: SQLite's own error becomes the same message.
    settings.db_path.write_bytes(data[:4096] + b"\xa5" * (len(data) - 4096))
    with pytest.raises(StoreError) as err:
        db.list_contacts(settings)
    DAMAGE["garbled rapport.db pages: message"] = "damaged" in err.value.message and "rebuild" in err.value.hint
    assert DAMAGE["garbled rapport.db pages: message"]
    settings.db_path.write_bytes(b"not a database at all" * 10)
    with pytest.raises(StoreError, match="not a SQLite database"):
        db.list_contacts(settings)


def test_an_unusable_data_dir_is_a_message_not_a_traceback(tmp_path: Path, monkeypatch, capsys) -> None:
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x")
    code, out, err_text = _rapport(monkeypatch, capsys, "--data-dir", str(a_file), "contacts")
    DAMAGE["data dir is a file: message"] = code == 1 and "Cannot use the data dir" in err_text \
        and "Traceback" not in err_text
    assert DAMAGE["data dir is a file: message"], err_text
    odd = tmp_path / "odd"
    (odd / "VERSION").mkdir(parents=True)
    with pytest.raises(StoreError, match="Cannot use the data dir"):
        datadir.check_schema(odd)
    locked = tmp_path / "locked"
    (locked / datadir.LOCK_NAME).mkdir(parents=True)
    with pytest.raises(StoreError, match="Cannot use the data dir"):
        datadir.acquire_write_lock(locked)
    DAMAGE["unreadable VERSION / lock file: message"] = True


def test_a_fresh_dir_and_server_mode_are_not_damage(tmp_path: Path) -> None:
    assert datadir.find_damage(tmp_path / "new") == []
    used = tmp_path / "server-client"
    used.mkdir()
    (used / "VERSION").write_text(f"{datadir.SCHEMA_VERSION}\n")
    assert datadir.find_damage(used, embedded=False) == []  # the notes live on the server
    assert [why for _, why in datadir.find_damage(used)] == ["it is missing"]


def test_migration_renames_old_per_person_files_to_the_new_slugs(tmp_path: Path) -> None:
    import sqlite3

    from assistant.config import Settings
    from assistant.conversation.history import Conversation
    from assistant.notes.ingest import copies_dir, read_manifest
    from assistant.notes.workspace import load_brief
    from assistant.types import Target, slug

    home = tmp_path / "v1"
    (home / "files" / "contact" / "王芳").mkdir(parents=True)
    (home / "files" / "contact" / "王芳" / "tea.md").write_text("Wang Fang runs a tea shop.", encoding="utf-8")
    (home / "files" / "contact" / "ana lima").mkdir(parents=True)
    (home / "files" / "contact" / "ana lima" / "a.md").write_text("Ana Lima note.", encoding="utf-8")
    for sub in ("chats", "briefs"):
        (home / sub).mkdir()
    turns = lambda who: [{"role": "user", "content": f"about {who}"}]  # noqa: E731
    (home / "chats" / "contact.json").write_text(json.dumps({"contact": "李雷", "turns": turns("李雷")}),
                                                  encoding="utf-8")  # 李雷 saved last: the file is theirs
    (home / "chats" / "ana-lima.json").write_text(json.dumps({"contact": "Ana-Lima", "turns": turns("Ana-Lima")}),
                                                   encoding="utf-8")
    (home / "chats" / "ana-lima.corrupt.json").write_text("{broken", encoding="utf-8")  # Ana Lima or Ana-Lima?
    (home / "briefs" / "dana-whitfield.json").write_text(json.dumps({"contact": "Dana Whitfield", "questions": []}),
                                                          encoding="utf-8")
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "01-dana-whitfield.md").write_text("# Dana", encoding="utf-8")
    conn = sqlite3.connect(home / "rapport.db")
    conn.executescript("CREATE TABLE contacts(key TEXT PRIMARY KEY, name TEXT, fields TEXT, cadence_days INTEGER,"
                       " created_at TEXT); CREATE TABLE events(id INTEGER PRIMARY KEY, out_dir TEXT);"
                       " CREATE TABLE event_items(event_id INTEGER, rank INTEGER, name TEXT);")
    conn.executemany("INSERT INTO contacts VALUES (?,?,'[]',NULL,'')",
                     [("王芳", "王芳"), ("李雷", "李雷"), ("ana lima", "Ana Lima"), ("ana-lima", "Ana-Lima"),
                      ("dana whitfield", "Dana Whitfield")])
    conn.execute("INSERT INTO events VALUES (1, ?)", (str(pack),))
    conn.execute("INSERT INTO event_items VALUES (1, 1, 'Dana Whitfield')")
    conn.commit()
    conn.close()
    (home / "VERSION").write_text("1\n")

    assert datadir.check_schema(home) == datadir.SCHEMA_VERSION == 3
    s = Settings.from_env(home=home)
    wang = copies_dir(s, Target.contact("王芳"))
    assert (wang / "tea.md").read_text(encoding="utf-8") == "Wang Fang runs a tea shop."
    assert read_manifest(wang)["name"] == "王芳" and read_manifest(wang)["owner_key"] == "王芳"
    assert (copies_dir(s, Target.contact("Ana Lima")) / "a.md").exists()
    assert [t.content for t in Conversation.load("李雷", s).turns] == ["about 李雷"]
    assert len(Conversation.load("王芳", s)) == 0  # never shown someone else's history
    assert [t.content for t in Conversation.load("Ana-Lima", s).turns] == ["about Ana-Lima"]
    assert len(Conversation.load("Ana Lima", s)) == 0
    assert load_brief(s, "Dana Whitfield") == {"contact": "Dana Whitfield", "questions": []}
    assert (home / "chats" / "ana-lima.corrupt.json").exists()  # owner unknown: left where it was
    assert (pack / f"01-{slug('Dana Whitfield')}.md").exists() and not (pack / "01-dana-whitfield.md").exists()
    assert (home / "VERSION").read_text().strip() == str(datadir.SCHEMA_VERSION)  # migrated on to the newest
    DAMAGE["schema 1 -> 2 migration keeps every owned file"] = True


@pytest.mark.server
def test_sigterm_to_rapport_ui_stops_its_streamlit_server(tmp_path: Path) -> None:
    """`kill <rapport ui>` used to leave Streamlit running and holding the data dir."""
    import time

    from tests.processes import free_port, stop, wait_healthy

    port = free_port()
    env = {**os.environ, "HOME": str(tmp_path / "user"), "RAPPORT_HOME": str(tmp_path / "home"), "BROWSER": "true"}
    rapport = str(Path(sys.executable).parent / "rapport")
    log = (tmp_path / "ui.log").open("w")
    proc = subprocess.Popen([rapport, "ui", "--port", str(port), "--headless"], cwd=REPO, env=env,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    children: list[int] = []
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, log=tmp_path / "ui.log")
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == proc.pid:
                children.append(int(stat.parent.name))
        assert children, "no Streamlit child found"
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)

        def alive(pid: int) -> bool:
            try:
                return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
            except OSError:
                return False

        gone = time.time() + 10
        while any(alive(c) for c in children) and time.time() < gone:
            time.sleep(0.2)
        DAMAGE["SIGTERM to `rapport ui` stops Streamlit"] = not any(alive(c) for c in children)
        assert DAMAGE["SIGTERM to `rapport ui` stops Streamlit"], children
    finally:
        stop(proc)
        for child in children:
            try:
                os.killpg(child, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        log.close()


def test_damage_summary() -> None:
    print(f"\n[damaged-data-dir] tried={len(DAMAGE)} handled={sum(DAMAGE.values())}")


def test_a_write_ahead_log_removed_while_we_look_is_not_an_error(tmp_path, monkeypatch) -> None:
    """A checkpoint in another thread removed rapport.db-wal between exists() and stat(): the page crashed."""
    import sqlite3
    from pathlib import Path

    from assistant.notes.datadir import sqlite_problem

    db_file = tmp_path / "rapport.db"
    with sqlite3.connect(db_file) as conn:
        conn.execute("CREATE TABLE t (x)")
    wal = tmp_path / "rapport.db-wal"
    wal.write_bytes(b"x")
    real_stat = Path.stat
    seen = []

    def vanishing(self, *args, **kwargs):
        if self.name.endswith("-wal"):
            seen.append(self)
            if len(seen) > 1:  # there when first looked at, gone the next moment
                raise FileNotFoundError(2, "No such file or directory", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", vanishing)
    assert sqlite_problem(db_file) is None
    # and a file that really looks short is still judged once the log is gone
    monkeypatch.setattr(Path, "stat", real_stat)
    wal.unlink()
    db_file.write_bytes(db_file.read_bytes()[:200] + b"")
    assert "truncated" in (sqlite_problem(db_file) or "") or "header" in (sqlite_problem(db_file) or "")
