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

Why a damage check: a dir with a VERSION has been used, so an empty
``rapport.db``, a SQLite file whose header is gone or that is shorter than its
header says, or a missing ``chroma/chroma.sqlite3`` means data was lost, not
that this is a fresh start. Opening it anyway would silently start over with
an empty store. Instead the damaged file is copied aside
(``rapport.db.damaged-<time>``) and a :class:`StoreError` says what is damaged
and that ``rapport rebuild`` restores the notes from the copies in ``files/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable

from assistant.errors import StoreError
from assistant.files import atomic_write_text

#: The data-dir layout this code writes. Bump it with a migration below.
#: 2: per-person files and folders are named by ``names.slug`` (readable part + hash of the name key),
#: and saved chats/briefs and copied-file folders record their owner's name key.
#: 3: every note chunk carries a combined ``owner_id`` ("contact:<name key>") that owner filters use
#: (see :func:`backfill_owner_ids`); a Rapport of schema 2 would write chunks without it, so it must refuse.
SCHEMA_VERSION = 3

LOCK_NAME = ".lock"
VERSION_NAME = "VERSION"

_held: dict[str, int] = {}
_held_lock = threading.Lock()


def _unusable(home: Path, exc: OSError) -> StoreError:
    return StoreError(f"Cannot use the data dir {home}: {exc.strerror or exc}.",
                      "Check that it is a folder you can read and write, or choose another with "
                      "--data-dir / RAPPORT_HOME.")


def acquire_write_lock(home: Path) -> None:
    """Hold ``<home>/.lock`` for this process's lifetime; refuse if another process has it."""
    import fcntl

    home = Path(home)
    key = str(home.resolve())
    with _held_lock:
        if key in _held:
            return
        try:
            home.mkdir(parents=True, exist_ok=True)
            fd = os.open(home / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise _unusable(home, exc) from None
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
    try:
        if not path.exists():
            home.mkdir(parents=True, exist_ok=True)
            _write_version(path, SCHEMA_VERSION)
            return SCHEMA_VERSION
        raw = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError as exc:
        raise _unusable(home, exc) from None
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
    atomic_write_text(path, f"{version}\n")


def open_for_writing(home: Path, *, lock: bool = True, embedded: bool | None = None) -> int:
    """Lock (unless the store is a shared server), refuse a damaged dir, then check the schema.

    ``embedded`` (default: ``lock``) says the notes live in ``<home>/chroma``, so a missing
    ``chroma.sqlite3`` there is damage; with a Chroma server they live elsewhere.
    """
    if lock:
        acquire_write_lock(home)
    raise_if_damaged(Path(home), embedded=lock if embedded is None else embedded)
    return check_schema(home)


# ------------------------------------------------------------------ damage --
DB_NAME = "rapport.db"
CHROMA_DB = Path("chroma") / "chroma.sqlite3"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def sqlite_problem(path: Path) -> str | None:
    """What is wrong with the SQLite file at ``path`` from its size and header, or None if it looks whole.

    Cheap (a stat and 100 bytes), so it runs on every open. A file shorter than its header
    says is only judged when no write-ahead log is pending (a checkpoint may be under way).
    """
    try:
        size = path.stat().st_size
        if size == 0:
            return "it is empty (0 bytes)"
        with path.open("rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    if len(head) < 100 or not head.startswith(_SQLITE_MAGIC):
        return "it is not a SQLite database any more (its header is missing or overwritten)"
    page = int.from_bytes(head[16:18], "big")
    page = 65536 if page == 1 else page
    if page < 512 or page & (page - 1):
        return "its header is damaged"
    pages = int.from_bytes(head[28:32], "big")
    wal = path.with_name(path.name + "-wal")
    if head[92:96] == head[24:28] and pages and size < page * pages and not _size(wal):
        with path.open("rb") as fh:  # a checkpoint may have run between our stat and read: look again
            pages = int.from_bytes(fh.read(32)[28:32], "big")
        if _size(path) < page * pages and not _size(wal):
            return f"it is truncated ({size:,} of {page * pages:,} bytes)"
    return None


def _size(path: Path) -> int:
    """A file's size; 0 when it is gone (a log removed by another connection's checkpoint)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def find_damage(home: Path, embedded: bool = True) -> list[tuple[Path, str]]:
    """``(file, what is wrong)`` for each damaged store of a used data dir (one with a VERSION)."""
    home = Path(home)
    if not (home / VERSION_NAME).exists():
        return []  # new (or from before versions): nothing is known to have been there
    found: list[tuple[Path, str]] = []
    db = home / DB_NAME
    if db.exists():
        why = sqlite_problem(db)
        if why:
            found.append((db, why))
    if embedded:
        chroma = home / CHROMA_DB
        if not chroma.exists():
            if str(home.absolute()) not in _rebuilding:  # set aside by this process: a new one is wanted
                found.append((chroma, "it is missing"))
        else:
            why = sqlite_problem(chroma)
            if why:
                found.append((chroma, why))
    return found


#: Data dirs whose damaged store this process set aside (``rapport rebuild``), so a new empty one may be made.
_rebuilding: set[str] = set()


def keep_damaged_copy(path: Path) -> Path | None:
    """Copy a damaged file to ``<name>.damaged-<time>`` (once: an identical copy is reused)."""
    try:
        st = path.stat()
        for old in sorted(path.parent.glob(f"{path.name}.damaged-*")):
            o = old.stat()
            if old.is_file() and o.st_size == st.st_size and o.st_mtime_ns == st.st_mtime_ns:
                return old
        stamp = time.strftime("%Y%m%d-%H%M%S")
        dest = path.with_name(f"{path.name}.damaged-{stamp}")
        n = 2
        while dest.exists():
            dest = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
            n += 1
        shutil.copy2(path, dest)
        return dest
    except OSError:
        return None


def damage_error(home: Path, found: list[tuple[Path, str]]) -> StoreError:
    """The message for a damaged dir: what, where the copies are, and the way back."""
    home = Path(home)
    what = "; ".join(f"{p.relative_to(home) if p.is_relative_to(home) else p} {why}" for p, why in found)
    copies = [c for c in (keep_damaged_copy(p) for p, _ in found if p.is_file()) if c is not None]
    kept = f" A copy of the damaged file is kept as {', '.join(c.name for c in copies)}." if copies else ""
    return StoreError(
        f"The data dir {home} is damaged: {what}. Rapport will not start over with an empty store.{kept}",
        "Run `rapport rebuild` to set the damaged store aside and rebuild your notes from the copies of "
        f"imported files in {home / 'files'} (restore the file from a backup instead, if you have one).",
    )


def raise_if_damaged(home: Path, embedded: bool = True) -> None:
    found = find_damage(home, embedded)
    if found:
        raise damage_error(home, found)


def check_db_file(home: Path) -> None:
    """The damage check of ``rapport.db`` alone, for code that opens it without the knowledge base."""
    home = Path(home)
    db = home / DB_NAME
    if (home / VERSION_NAME).exists() and db.exists():
        why = sqlite_problem(db)
        if why:
            raise damage_error(home, [(db, why)])


def set_aside_damaged(home: Path, embedded: bool = True) -> list[str]:
    """For ``rapport rebuild``: move damaged stores out of the way (copies kept) so fresh ones can be made.

    Returns one line per store set aside.
    """
    home = Path(home)
    if embedded:
        acquire_write_lock(home)
    done: list[str] = []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for path, why in find_damage(home, embedded):
        try:
            if path == home / DB_NAME:
                copy = keep_damaged_copy(path)
                if copy is None:
                    raise OSError(f"could not copy {path}")
                for extra in ("-wal", "-shm"):
                    side = path.with_name(path.name + extra)
                    if side.exists():
                        side.replace(copy.with_name(copy.name + extra))
                path.unlink()
                done.append(f"{DB_NAME} ({why}) is kept as {copy.name}")
            else:
                folder = home / CHROMA_DB.parent
                _rebuilding.add(str(home.absolute()))
                if folder.exists():
                    aside = home / f"{folder.name}.damaged-{stamp}"
                    folder.replace(aside)
                    done.append(f"{CHROMA_DB} ({why}): the chroma folder is kept as {aside.name}")
                else:
                    done.append(f"{CHROMA_DB} ({why})")
        except OSError as exc:
            raise StoreError(f"Could not set the damaged {path.name} aside: {exc}",
                             "Move it out of the data dir by hand and run `rapport rebuild` again.") from None
    return done


# --------------------------------------------------------------- migration --
def legacy_slug(name: str) -> str:
    """How per-person files were named up to data schema 1 (not unique: kept to find and migrate them)."""
    key = " ".join(str(name).split()).casefold()
    return re.sub(r"[^a-z0-9]+", "-", key).strip("-") or "contact"


def _legacy_rows(home: Path, sql: str) -> list[tuple]:
    """Rows from an existing ``rapport.db`` opened read-only (never created); [] when there is none."""
    path = home / DB_NAME
    if not path.is_file() or path.stat().st_size == 0:
        return []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return list(conn.execute(sql))
        finally:
            conn.close()
    except sqlite3.Error:
        return []


def _migrate_1_to_2(home: Path) -> None:
    """Rename per-person folders and files to the new slugs where their owner is unambiguous.

    Schema 1 named them from the free text (``files/contact/<key>``, ``chats/<slug>.json``) so
    different people could share one; schema 2 uses ``names.slug`` (a hash of the name key). A
    file whose owner cannot be told is left where it is (and then never shown as anyone's).
    """
    from assistant.text.names import name_key, slug

    registry = {str(k): str(n) for k, n in _legacy_rows(home, "SELECT key, name FROM contacts")}
    # files/<kind>/<key with "/" as "_">/ -> files/<kind>/<slug>/ with a manifest.
    for kind in ("contact", "field", "me"):
        kind_dir = home / "files" / kind
        if not kind_dir.is_dir():
            continue
        for folder in sorted(kind_dir.iterdir()):
            if not folder.is_dir() or folder.is_symlink():
                continue
            matches = [n for k, n in registry.items() if k.replace("/", "_") == folder.name] if kind == "contact" else []
            if len(matches) == 1:
                name = matches[0]
            elif not matches and "_" not in folder.name and name_key(folder.name) == folder.name:
                name = folder.name  # the folder was named by the key itself
            else:
                continue  # ambiguous: leave it
            new = kind_dir / slug(name)
            if new != folder:
                if new.exists():
                    continue
                folder.rename(new)
            manifest = new / "manifest.json"
            if not manifest.exists():
                copies = {f.name: {"source": None} for f in sorted(new.iterdir()) if f.is_file()}
                atomic_write_text(manifest, json.dumps({"format": 1, "kind": kind, "name": name,
                                                        "owner_key": name_key(name), "fields": [],
                                                        "copies": copies}, ensure_ascii=False, indent=1))
    # chats/<old slug>.* and briefs/<old slug>.*: the owner is the name inside, or the one contact with that slug.
    by_old_slug: dict[str, list[str]] = {}
    for name in registry.values():
        by_old_slug.setdefault(legacy_slug(name), []).append(name)
    for sub in ("chats", "briefs"):
        folder = home / sub
        if not folder.is_dir():
            continue
        for f in sorted(folder.iterdir()):
            if not f.is_file() or f.is_symlink() or f.name.startswith("."):
                continue
            stem, _, rest = f.name.partition(".")
            data = None
            try:
                data = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                pass
            said = data.get("contact") if isinstance(data, dict) else None
            if isinstance(said, str) and said.strip() and legacy_slug(said) == stem:
                owner = said
            elif len(by_old_slug.get(stem, [])) == 1 and not (isinstance(said, str) and said.strip()):
                owner = by_old_slug[stem][0]
            else:
                continue
            new = folder / f"{slug(owner)}.{rest}"
            if new.exists():
                continue
            if isinstance(data, dict) and rest == "json":
                atomic_write_text(new, json.dumps({**data, "owner_key": name_key(owner)}, ensure_ascii=False,
                                                  indent=1))
                f.unlink()
            else:
                f.rename(new)
    # Event packs: NN-<old slug>.md -> NN-<slug>.md (NN, the rank, tells whose it is).
    events = _legacy_rows(home, "SELECT id, out_dir FROM events")
    for event_id, out_dir in events:
        items = _legacy_rows(home, f"SELECT rank, name FROM event_items WHERE event_id={int(event_id)}")
        width = max(2, len(str(max(len(items), 1))))
        for rank, name in items:
            try:
                old = Path(out_dir) / f"{int(rank):0{width}d}-{legacy_slug(name)}.md"
                new = Path(out_dir) / f"{int(rank):0{width}d}-{slug(name)}.md"
                if old.is_file() and not new.exists():
                    old.rename(new)
            except (OSError, TypeError, ValueError):
                continue


def _migrate_2_to_3(home: Path) -> None:
    """Nothing to move on disk: the notes' ``owner_id`` backfill needs the Chroma client, so it runs when
    the knowledge base opens (:func:`backfill_owner_ids`, tracked by a flag on the collection, which also
    covers a Chroma server and dirs stamped before versions existed)."""


_BACKFILL_PAGE = 2000


def backfill_owner_ids(collection, flag: str, progress: Callable[[int, int, str], None] | None = None) -> int:
    """Schema 2 -> 3 for a notes collection: add ``owner_id`` to every chunk lacking it; returns chunks updated.

    Resumable and lossless: it only adds one metadata key (Chroma's update merges metadata; ids,
    texts and vectors are untouched), pages through the store skipping chunks that have it, and
    sets ``flag`` in the collection's metadata only at the end, so a crash part-way is finished
    by the next open.
    """
    done, total = 0, collection.count()
    for start in range(0, total, _BACKFILL_PAGE):
        got = collection.get(include=["metadatas"], limit=_BACKFILL_PAGE, offset=start)
        todo = [(i, m) for i, m in zip(got["ids"], got["metadatas"] or [])
                if m and "owner_id" not in m and "kind" in m and "owner_key" in m]
        if todo:
            collection.update(ids=[i for i, _ in todo],
                              metadatas=[{"owner_id": f"{m['kind']}:{m['owner_key']}"} for _, m in todo])
            done += len(todo)
        if progress:
            progress(min(start + _BACKFILL_PAGE, total), total, "owner ids")
    kept = {k: v for k, v in (collection.metadata or {}).items() if not k.startswith("hnsw:")}
    collection.modify(metadata={**kept, flag: 1})  # the distance space lives in the configuration
    return done


#: ``from_version -> function(home)`` upgrading a dir by exactly one version.
MIGRATIONS: dict[int, Callable[[Path], None]] = {1: _migrate_1_to_2, 2: _migrate_2_to_3}
