"""Import files, folders and pasted text into the knowledge base.

One broken file never stops a batch: each path gets its own result, the
rest are imported, and the caller decides the exit code from ``failed``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from assistant.notes import db
from assistant.config import Settings
from assistant.errors import InputError
from assistant.files import atomic_write_bytes, atomic_write_text
from assistant.notes.loaders import SUPPORTED, load_file, note_from_text
from assistant.notes.store import CHUNK_SIZE, KnowledgeBase, UpsertResult
from assistant.types import Note, Progress, Target, checked_name, slug

log = logging.getLogger("rapport.ingest")

"""``progress(done, total, current_label)``."""


@dataclass
class FileResult:
    path: str
    ok: bool
    message: str
    owners: list[str] = field(default_factory=list)
    added: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: bool = False  # left out on purpose (a symbolic link in a folder): neither imported nor failed


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if not r.ok and not r.skipped]

    @property
    def imported(self) -> list[FileResult]:
        return [r for r in self.results if r.ok and not r.skipped]

    @property
    def skipped(self) -> list[FileResult]:
        return [r for r in self.results if r.skipped]

    @property
    def added(self) -> int:
        return sum(r.added for r in self.results)


def expand_paths(paths: Iterable[str | Path], follow_links: bool = False,
                 skipped: list[FileResult] | None = None) -> list[Path]:
    """Folders become their supported files (hidden ones like .obsidian skipped).

    A symbolic link found inside a folder may point anywhere (``notes/x.md -> /etc/passwd``),
    so it is left out, with a result in ``skipped`` saying so, unless ``follow_links``. A path
    the user names directly is taken as given.
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw).expanduser().absolute()
        if p.is_dir():
            out.extend(_walk(p, follow_links, skipped))
        else:
            out.append(p)
    return out


def _walk(root: Path, follow_links: bool, skipped: list[FileResult] | None) -> list[Path]:
    found: list[Path] = []
    seen = {os.path.realpath(root)}  # a linked folder pointing back up must not loop
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for f in entries:
            if f.name.startswith("."):
                continue
            link = f.is_symlink()
            if link and not follow_links:
                if f.is_dir() or f.suffix.lower() in SUPPORTED:
                    if skipped is not None:
                        skipped.append(FileResult(str(f), False, f"{f.relative_to(root)}: skipped, it is a symbolic "
                                                  f"link (to {os.readlink(f)}); import its target directly, or use "
                                                  "--follow-links.", skipped=True))
                continue
            if f.is_dir():
                real = os.path.realpath(f)
                if real not in seen:
                    seen.add(real)
                    stack.append(f)
            elif f.is_file() and f.suffix.lower() in SUPPORTED:
                found.append(f)
    return sorted(found)


# ------------------------------------------------------------------ copies --
#: Per-owner record of the copies in ``files/<kind>/<slug>/``: who they belong to and where each
#: came from, so ``rapport rebuild`` can re-import them for the right person under the same source.
MANIFEST = "manifest.json"
_manifest_lock = threading.Lock()


def copies_dir(settings: Settings, target: Target) -> Path:
    """``files/<kind>/<slug>``: derived from the name's hash, never from the free-text name."""
    return settings.files_dir / target.kind / slug(target.name)


def copy_name(source: str, name: str) -> str:
    """``<8 hex of the source path>-<file name>``: 2024/meeting.md and 2025/meeting.md cannot collide."""
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    base = Path(name.replace("\\", "/")).name or "note.txt"
    stem, suffix = Path(base).stem, Path(base).suffix[:16]
    while len(f"{stem}{suffix}".encode("utf-8", "surrogatepass")) > 180:  # file names are at most 255 bytes
        stem = stem[:-1]
    return f"{digest}-{stem}{suffix}"


def read_manifest(folder: Path) -> dict | None:
    """The folder's manifest, or None when missing or unreadable."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("copies", {}), dict) else None


def _record_copy(settings: Settings, target: Target, copy: str, entry: dict, fields: Sequence[str] = ()) -> None:
    folder = copies_dir(settings, target)
    with _manifest_lock:
        data = read_manifest(folder) or {}
        if data.get("owner_key", target.key) != target.key:
            raise InputError(f"{folder} belongs to someone else.")  # caught: the copy is only a convenience
        data.update({"format": 1, "kind": target.kind, "name": target.name, "owner_key": target.key})
        data["fields"] = sorted(set(data.get("fields", [])) | set(fields))
        data.setdefault("copies", {})[copy] = entry
        atomic_write_text(folder / MANIFEST, json.dumps(data, ensure_ascii=False, indent=1))


def _copy_into_data_dir(settings: Settings, note: Note, path: Path, fields: Sequence[str] = ()) -> None:
    """Keep a copy so the note can be re-read (and ``rapport rebuild`` can restore it) if the original moves.

    A vCard holding several people is copied card by card: each owner's folder gets their own card
    only, so forgetting one person leaves no trace of them in another's copy.
    """
    try:
        dest = copies_dir(settings, note.target)
        dest.mkdir(parents=True, exist_ok=True)
        name = copy_name(str(path), path.name)
        card = note.extra.get("vcard") if isinstance(note.extra, dict) else None
        if isinstance(card, str):
            atomic_write_text(dest / name, card)
        elif path.suffix.lower() == ".vcf":
            return  # the card's own text is unknown: never copy the whole file, it may hold other people
        else:
            shutil.copy2(path, dest / name)
        _record_copy(settings, note.target, name, {"source": note.source}, fields)
    except (OSError, ValueError, InputError) as exc:
        # A copy is a convenience; the chunks are already stored, so the import stays a success.
        log.warning("could not keep a copy of %s: %s", path.name, exc)


def _copy_pasted(settings: Settings, note: Note, fields: Sequence[str] = ()) -> None:
    """Pasted text is kept as a file too, so a rebuild restores it (same source, title and date)."""
    try:
        dest = copies_dir(settings, note.target)
        name = copy_name(note.source, "pasted.txt")
        atomic_write_bytes(dest / name, note.text.encode("utf-8"))
        _record_copy(settings, note.target, name,
                     {"source": note.source, "title": note.title, "date": note.date, "pasted": True}, fields)
    except (OSError, ValueError, InputError) as exc:
        log.warning("could not keep a copy of pasted text: %s", exc)


def _register(settings: Settings, note: Note, fields: Sequence[str]) -> None:
    """Contacts get a registry row, and the note takes the registry's spelling of the name.

    Also the one check of a name entering the data dir: an empty or over-long name is refused
    (InputError) here, before anything about it is stored.
    """
    if note.target.kind != "me":
        checked_name(note.target.name, note.target.kind)
    if note.target.kind == "contact":
        contact = db.upsert_contact(settings, note.target.name, list(fields) or None)
        note.target = Target.contact(contact.name)  # one spelling in the store


def store_note(kb: KnowledgeBase, settings: Settings, note: Note, fields: Sequence[str] = ()) -> UpsertResult:
    """Upsert one note and register its owner (contacts get a registry row)."""
    _register(settings, note, fields)
    return kb.upsert_note(note)


def store_notes(kb: KnowledgeBase, settings: Settings, notes: Sequence[Note],
                fields: Sequence[str] = ()) -> list[UpsertResult]:
    """Many notes in one write: embeds across notes (an attendee list is hundreds of short notes)."""
    for note in notes:
        _register(settings, note, fields)
    return kb.upsert_notes(notes)


_FLUSH_CHUNKS = 128
"""Pending chunks that trigger a write: enough to fill the embedder's batches of 32,
few enough that a crash loses little work (ids are content hashes, so a rerun
simply adds what is missing)."""


_CHUNK_PROGRESS = 512


def _finish(result: FileResult, parts: Sequence[UpsertResult]) -> FileResult:
    for part in parts:
        result.added += part.added
        result.unchanged += part.unchanged
        result.removed += part.removed
    if result.added == 0 and result.removed == 0:
        result.message = "already imported, unchanged"
    elif result.removed:
        result.message = "updated (changed since the last import)"
    return result


def _flush(pending: list[tuple[FileResult, Path, list[Note]]], kb: KnowledgeBase,
           settings: Settings, fields: Sequence[str] = (), progress: Progress | None = None) -> list[FileResult]:
    """Write the pending files' notes in one batch; if that fails, file by file so only the culprit fails.

    The store embeds and commits 256 chunks at a time, so a crash keeps what was written (ids are
    content hashes: a rerun embeds only the missing chunks). A write of more than ``_CHUNK_PROGRESS``
    chunks (one huge file) also reports each batch to ``progress`` (``done, total, "<file>: N of M
    chunks stored"``); ordinary batches keep the one call per file.
    """
    notes = [note for _, _, file_notes in pending for note in file_notes]
    label = pending[0][1].name if len(pending) == 1 else f"{len(pending)} files"

    def chunk_progress(done: int, total: int, _what: str) -> None:
        if progress and total > _CHUNK_PROGRESS:
            progress(done, total, f"{label}: {done:,} of {total:,} chunks stored")

    try:
        parts = kb.upsert_notes(notes, progress=chunk_progress)
    except Exception as exc:
        log.warning("a batch of %d notes could not be stored (%s); storing them file by file", len(notes),
                    type(exc).__name__)
        parts = None
    done: list[FileResult] = []
    offset = 0
    for result, path, file_notes in pending:
        try:
            mine = parts[offset:offset + len(file_notes)] if parts is not None else kb.upsert_notes(file_notes)
            done.append(_finish(result, mine))
        except Exception as exc:
            done.append(FileResult(str(path), False,
                                   f"{path.name}: could not be stored ({type(exc).__name__}: {exc})."))
        else:
            for note in file_notes:  # stored: the file is imported, whatever happens to its copy
                _copy_into_data_dir(settings, note, path, fields)
        offset += len(file_notes)
    pending.clear()
    return done


def ingest_paths(paths: Sequence[str | Path], target: Target, kb: KnowledgeBase, settings: Settings,
                 fields: Sequence[str] = (), progress: Progress | None = None,
                 follow_links: bool = False) -> IngestReport:
    """Import files and folders; results keep the order of the files.

    Files are read one by one (a broken file fails alone) and their notes are
    written in batches across files, so a folder of short notes embeds 32
    chunks at a time instead of one (bench R2). Symbolic links inside a folder
    are skipped (one result each) unless ``follow_links``.
    """
    if target.kind != "me":
        checked_name(target.name, target.kind)  # refused once, before any file is read
    skipped: list[FileResult] = []
    files = expand_paths(paths, follow_links, skipped)
    slots: list[FileResult | None] = []
    pending: list[tuple[FileResult, Path, list[Note]]] = []
    pending_index: list[int] = []
    pending_chunks = 0

    def flush() -> None:
        nonlocal pending_chunks
        for index, result in zip(pending_index, _flush(pending, kb, settings, fields, progress)):
            slots[index] = result
        pending_index.clear()
        pending_chunks = 0

    for n, path in enumerate(files, 1):
        if progress:
            progress(n - 1, len(files), path.name)
        try:
            notes = load_file(path, target, settings.max_file_bytes)
            for note in notes:
                _register(settings, note, fields)
            result = FileResult(str(path), True, "imported", owners=[note.target.name for note in notes])
            slots.append(None)
            pending.append((result, path, notes))
            pending_index.append(len(slots) - 1)
            pending_chunks += sum(max(1, len(note.text) // CHUNK_SIZE) for note in notes)
        except InputError as exc:
            slots.append(FileResult(str(path), False, str(exc)))
        except Exception as exc:  # a loader bug must not lose the other 49 files
            slots.append(FileResult(str(path), False, f"{path.name}: could not be imported ({type(exc).__name__}: {exc})."))
        if pending_chunks >= _FLUSH_CHUNKS:
            flush()
    flush()
    if progress:
        progress(len(files), len(files), "")
    return IngestReport([r for r in slots if r is not None] + skipped)


def ingest_text(text: str, target: Target, kb: KnowledgeBase, settings: Settings, title: str = "",
                fields: Sequence[str] = (), source: str = "") -> FileResult:
    note = note_from_text(text, target, title=title, source=source)
    r = store_note(kb, settings, note, fields)
    _copy_pasted(settings, note, fields)
    return FileResult(note.source, True, "imported" if r.added else "already imported, unchanged",
                      [target.name], r.added, r.unchanged, r.removed)
