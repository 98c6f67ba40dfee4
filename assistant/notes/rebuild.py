"""Rebuild the knowledge base from the copies kept in ``files/`` (``rapport rebuild``).

Every imported file (and pasted text) is copied to ``files/<kind>/<slug>/``
with a ``manifest.json`` saying whose it is (kind, name, name key, fields) and
where each copy came from (the original source, and for pasted text its title
and date). After a damaged store has been set aside
(:func:`assistant.notes.datadir.set_aside_damaged`), this re-imports every copy
for its owner under its original source, so chunk ids, citations and a later
re-import of the original file line up with what was there before.

What is not in ``files/`` cannot come back this way: logged interactions and
open loops, event runs and attendee rows (``rapport.db``), and notes whose
copy could not be written. Folders without a manifest (copies from before
data schema 2 whose owner could not be told) are reported, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


from assistant.config import Settings
from assistant.errors import InputError
from assistant.notes.ingest import MANIFEST, FileResult, IngestReport, read_manifest, store_notes
from assistant.notes.loaders import load_file, note_from_text
from assistant.notes.store import KnowledgeBase
from assistant.types import KINDS, Progress, Target, name_key, slug



@dataclass(frozen=True)
class _Copy:
    path: Path
    target: Target
    entry: dict
    fields: tuple[str, ...]


def _copies(settings: Settings, report: IngestReport) -> list[_Copy]:
    """Every copy with a known owner; a folder whose owner is unknown gets one skipped result."""
    found: list[_Copy] = []
    for kind in KINDS:
        kind_dir = settings.files_dir / kind
        if not kind_dir.is_dir():
            continue
        for folder in sorted(kind_dir.iterdir()):
            if not folder.is_dir() or folder.is_symlink():
                continue
            manifest = read_manifest(folder)
            name = manifest.get("name") if manifest else None
            if not isinstance(name, str) or manifest.get("kind") != kind or slug(name) != folder.name \
                    or manifest.get("owner_key", name_key(name)) != name_key(name):
                report.results.append(FileResult(str(folder), False, f"{folder.relative_to(settings.files_dir)}: "
                                                 "skipped, whose copies these are is not recorded.", skipped=True))
                continue
            target = Target(kind, name)
            fields = tuple(str(f) for f in manifest.get("fields", []) if isinstance(f, str))
            for copy, entry in sorted(manifest.get("copies", {}).items()):
                path = folder / str(copy)
                if path.parent != folder or path.name == MANIFEST:
                    continue
                found.append(_Copy(path, target, entry if isinstance(entry, dict) else {}, fields))
    return found


def _notes(copy: _Copy, settings: Settings):
    entry = copy.entry
    source = entry.get("source") if isinstance(entry.get("source"), str) and entry.get("source") else str(copy.path)
    if entry.get("pasted"):
        text = copy.path.read_text(encoding="utf-8")
        note = note_from_text(text, copy.target, title=str(entry.get("title") or ""), source=source)
        note.date = str(entry.get("date") or note.date)
        return [note]
    notes = load_file(copy.path, copy.target, settings.max_file_bytes)
    kept = []
    for note in notes:
        if note.target.kind == copy.target.kind and note.target.key != copy.target.key:
            continue  # a card naming someone else in this person's folder: not theirs
        note.target = copy.target
        note.source = source
        kept.append(note)
    return kept


def rebuild_from_copies(kb: KnowledgeBase, settings: Settings, progress: Progress | None = None) -> IngestReport:
    """Re-import every recorded copy for its owner; one result per copy (idempotent: ids are content hashes)."""
    report = IngestReport()
    copies = _copies(settings, report)
    for n, copy in enumerate(copies):
        if progress:
            progress(n, len(copies), copy.target.name)
        label = f"{copy.target.kind}:{copy.target.name}/{copy.path.name}"
        try:
            if not copy.path.is_file():
                raise InputError("the copy is missing.")
            notes = _notes(copy, settings)
            parts = store_notes(kb, settings, notes, copy.fields if copy.target.kind == "contact" else ())
            result = FileResult(str(copy.path), True, f"{label}: restored", [copy.target.name])
            for part in parts:
                result.added += part.added
                result.unchanged += part.unchanged
            report.results.append(result)
        except InputError as exc:
            report.results.append(FileResult(str(copy.path), False, f"{label}: {exc}"))
        except Exception as exc:  # one bad copy must not stop the rest
            report.results.append(FileResult(str(copy.path), False,
                                             f"{label}: could not be restored ({type(exc).__name__}: {exc})."))
    if progress:
        progress(len(copies), len(copies), "")
    return report


__all__ = ["rebuild_from_copies"]
