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
from .store import KnowledgeBase, UpsertResult
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


def store_note(kb: KnowledgeBase, settings: Settings, note: Note, fields: Sequence[str] = ()) -> UpsertResult:
    """Upsert one note and register its owner (contacts get a registry row)."""
    if note.target.kind == "contact":
        contact = db.upsert_contact(settings, note.target.name, list(fields) or None)
        note.target = Target.contact(contact.name)  # one spelling in the store
    return kb.upsert_note(note)


def ingest_paths(paths: Sequence[str | Path], target: Target, kb: KnowledgeBase, settings: Settings,
                 fields: Sequence[str] = (), progress: Progress | None = None) -> IngestReport:
    report = IngestReport()
    files = expand_paths(paths)
    for n, path in enumerate(files, 1):
        if progress:
            progress(n - 1, len(files), path.name)
        try:
            notes = load_file(path, target, settings.max_file_bytes)
            result = FileResult(str(path), True, "imported")
            for note in notes:
                result_part = store_note(kb, settings, note, fields)
                result.added += result_part.added
                result.unchanged += result_part.unchanged
                result.removed += result_part.removed
                result.owners.append(note.target.name)
                _copy_into_data_dir(settings, note, path)
            if result.added == 0 and result.removed == 0:
                result.message = "already imported, unchanged"
            elif result.removed:
                result.message = "updated (changed since the last import)"
        except InputError as exc:
            result = FileResult(str(path), False, str(exc))
        except Exception as exc:  # a loader bug must not lose the other 49 files
            result = FileResult(str(path), False, f"{path.name}: could not be imported ({type(exc).__name__}: {exc}).")
        report.results.append(result)
    if progress:
        progress(len(files), len(files), "")
    return report


def ingest_text(text: str, target: Target, kb: KnowledgeBase, settings: Settings, title: str = "",
                fields: Sequence[str] = (), source: str = "") -> FileResult:
    note = note_from_text(text, target, title=title, source=source)
    r = store_note(kb, settings, note, fields)
    return FileResult(note.source, True, "imported" if r.added else "already imported, unchanged",
                      [target.name], r.added, r.unchanged, r.removed)
