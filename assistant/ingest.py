"""Import files, folders and pasted text into the knowledge base.

One broken file never stops a batch: each path gets its own result, the
rest are imported, and the caller decides the exit code from ``failed``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from . import db
from .config import Settings
from .errors import InputError
from .loaders import SUPPORTED, load_file, note_from_text
from .store import CHUNK_SIZE, KnowledgeBase, UpsertResult
from .types import Note, Target

Progress = Callable[[int, int, str], None]
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


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if not r.ok]

    @property
    def imported(self) -> list[FileResult]:
        return [r for r in self.results if r.ok]

    @property
    def added(self) -> int:
        return sum(r.added for r in self.results)


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Folders become their supported files (hidden ones like .obsidian skipped)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw).expanduser().absolute()
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p)
                if f.is_file() and not any(part.startswith(".") for part in rel.parts) and f.suffix.lower() in SUPPORTED:
                    out.append(f)
        else:
            out.append(p)
    return out


def _copy_into_data_dir(settings: Settings, note: Note, path: Path) -> None:
    """Keep a copy so the note can be re-read even if the original moves."""
    dest = settings.files_dir / note.target.kind / note.target.key.replace("/", "_")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copy2(path, dest / path.name)
    except OSError:
        pass  # a copy is a convenience; the chunks are already stored


def _register(settings: Settings, note: Note, fields: Sequence[str]) -> None:
    """Contacts get a registry row, and the note takes the registry's spelling of the name."""
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
           settings: Settings) -> list[FileResult]:
    """Write the pending files' notes in one batch; if that fails, file by file so only the culprit fails."""
    notes = [note for _, _, file_notes in pending for note in file_notes]
    try:
        parts = kb.upsert_notes(notes)
    except Exception:
        parts = None
    done: list[FileResult] = []
    offset = 0
    for result, path, file_notes in pending:
        try:
            mine = parts[offset:offset + len(file_notes)] if parts is not None else kb.upsert_notes(file_notes)
            for note in file_notes:
                _copy_into_data_dir(settings, note, path)
            done.append(_finish(result, mine))
        except Exception as exc:
            done.append(FileResult(str(path), False,
                                   f"{path.name}: could not be stored ({type(exc).__name__}: {exc})."))
        offset += len(file_notes)
    pending.clear()
    return done


def ingest_paths(paths: Sequence[str | Path], target: Target, kb: KnowledgeBase, settings: Settings,
                 fields: Sequence[str] = (), progress: Progress | None = None) -> IngestReport:
    """Import files and folders; results keep the order of the files.

    Files are read one by one (a broken file fails alone) and their notes are
    written in batches across files, so a folder of short notes embeds 32
    chunks at a time instead of one (bench R2).
    """
    files = expand_paths(paths)
    slots: list[FileResult | None] = []
    pending: list[tuple[FileResult, Path, list[Note]]] = []
    pending_index: list[int] = []
    pending_chunks = 0

    def flush() -> None:
        nonlocal pending_chunks
        for index, result in zip(pending_index, _flush(pending, kb, settings)):
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
    return IngestReport([r for r in slots if r is not None])


def ingest_text(text: str, target: Target, kb: KnowledgeBase, settings: Settings, title: str = "",
                fields: Sequence[str] = (), source: str = "") -> FileResult:
    note = note_from_text(text, target, title=title, source=source)
    r = store_note(kb, settings, note, fields)
    return FileResult(note.source, True, "imported" if r.added else "already imported, unchanged",
                      [target.name], r.added, r.unchanged, r.removed)
