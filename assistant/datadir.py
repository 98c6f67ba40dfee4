"""Owning a data dir: one writing process at a time, and a recorded schema version.

Why a lock: the embedded Chroma store and ``rapport.db`` are files that two
processes can corrupt or silently diverge on (each Chroma client keeps its own
in-memory index). So the first process that opens a data dir for writing takes
an exclusive ``fcntl.flock`` on ``<data dir>/.lock`` and keeps it for its whole
life; the kernel drops it when the process exits or is killed, so a crash
never leaves a stale lock behind. The same process may open the dir as often
as it likes (tests, Streamlit reruns): the lock is taken once and remembered.
Sharing one knowledge base between processes is what server mode
(``RAPPORT_CHROMA_URL``) is for.

Why a version: ``<data dir>/VERSION`` records the layout the data was written
with, so a newer Rapport can migrate an older dir and an older Rapport refuses
a newer dir instead of misreading it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable

from .errors import StoreError

#: The data-dir layout this code writes. Bump it with a migration below.
SCHEMA_VERSION = 1

#: ``from_version -> function(home)`` upgrading a dir by exactly one version.
MIGRATIONS: dict[int, Callable[[Path], None]] = {}

LOCK_NAME = ".lock"
VERSION_NAME = "VERSION"

_held: dict[str, int] = {}
_held_lock = threading.Lock()


def acquire_write_lock(home: Path) -> None:
    """Hold ``<home>/.lock`` for this process's lifetime; refuse if another process has it."""
    import fcntl

    home = Path(home)
    key = str(home.resolve())
    with _held_lock:
        if key in _held:
            return
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(home / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = ""
            try:
                other = os.read(fd, 64).decode(errors="replace").strip()
            except OSError:
                pass
            os.close(fd)
            who = f" (process {other})" if other else ""
            raise StoreError(
                f"The data dir {home} is already open in another Rapport process{who}.",
                "Only one process may write to a data dir at a time: close the other one first "
                "(a running `rapport ui` / Streamlit page counts, so quit it before running CLI commands "
                "on the same data, or use the page instead), use another --data-dir, or share one "
                "knowledge base between processes with server mode (RAPPORT_CHROMA_URL).",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        _held[key] = fd


def holds_lock(home: Path) -> bool:
    """Whether this process holds the write lock of ``home`` (for tests and diagnostics)."""
    with _held_lock:
        return str(Path(home).resolve()) in _held


def check_schema(home: Path) -> int:
    """Make ``<home>/VERSION`` equal :data:`SCHEMA_VERSION`, migrating or refusing.

    A dir without the file is either new or from before versions were recorded
    (that layout is version 1), so it is stamped with the current version.
    """
    home = Path(home)
    path = home / VERSION_NAME
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        _write_version(path, SCHEMA_VERSION)
        return SCHEMA_VERSION
    raw = path.read_text(encoding="utf-8", errors="replace").strip()
    try:
        found = int(raw)
    except ValueError:
        raise StoreError(f"The data dir {home} has an unreadable schema version {raw[:40]!r} in {path}.",
                         f"If this is a Rapport data dir, write {SCHEMA_VERSION} into {path}; "
                         "otherwise point --data-dir / RAPPORT_HOME elsewhere.") from None
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"The data dir {home} was written by a newer Rapport (data schema {found}; this one knows {SCHEMA_VERSION}).",
            "Upgrade Rapport (git pull && make run) to open it; this version will not touch it, so nothing is lost.",
        )
    while found < SCHEMA_VERSION:
        step = MIGRATIONS.get(found)
        if step is None:
            raise StoreError(
                f"The data dir {home} uses data schema {found}, which this Rapport (schema {SCHEMA_VERSION}) "
                "cannot migrate automatically.",
                "Keep it as it is, and re-import your notes (the originals are copied under "
                f"{home / 'files'}) into a new data dir: `rapport --data-dir NEW ingest ...`.",
            )
        step(home)
        found += 1
        _write_version(path, found)
    return found


def _write_version(path: Path, version: int) -> None:
    """Atomic, so a crash never leaves an empty VERSION behind."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{version}\n", encoding="utf-8")
    os.replace(tmp, path)


def open_for_writing(home: Path, *, lock: bool = True) -> int:
    """Lock (unless the store is a shared server) then check the schema; returns the version."""
    if lock:
        acquire_write_lock(home)
    return check_schema(home)
