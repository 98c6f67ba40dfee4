"""Small data-dir operations the browser front end needs and the CLI does not.

* Uploaded files arrive as bytes. They are staged under ``<data dir>/uploads``
  with a stable name (so re-uploading the same file is "unchanged", and a
  changed file replaces its old chunks), imported with :func:`ingest_paths`,
  and the staged copy is removed (ingest keeps its own copy in ``files/``).
* The latest brief per contact is kept as JSON in ``briefs/<slug>.json``;
  rehearsal reads it, and the Brief page shows it again after a restart. The
  file records its owner's name key (``owner_key``); one naming someone else
  is never returned.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Sequence

from assistant.notes import db
from assistant.config import Settings
from assistant.files import atomic_write_text
from assistant.notes.ingest import IngestReport, ingest_paths
from assistant.types import Progress
from assistant.types import slug
from assistant.notes.store import KnowledgeBase
from assistant.types import Target, file_owner, name_key


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name.strip() or "upload.txt"
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(". ") or "upload.txt"
    return base[:120]


def ingest_uploads(files: Sequence[tuple[str, bytes]], target: Target, kb: KnowledgeBase, settings: Settings,
                   fields: Sequence[str] = (), progress: Progress | None = None) -> IngestReport:
    """Import uploaded ``(filename, bytes)`` pairs for ``target``; one result per file.

    Names are reduced to a safe base name; two uploads with the same name in
    one batch keep both (the second gets a numeric suffix).
    """
    staging = settings.home / "uploads" / target.kind / slug(target.name)  # never the free-text name
    staging.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for name, data in files:
        safe = _safe_name(name)
        path = staging / safe
        n = 2
        while path in paths:
            path = staging / f"{Path(safe).stem}-{n}{Path(safe).suffix}"
            n += 1
        path.write_bytes(data)
        paths.append(path)
    try:
        report = ingest_paths(paths, target, kb, settings, fields, progress=progress)
    finally:
        for path in paths:
            path.unlink(missing_ok=True)
    # Show the name the user chose, not the staging path.
    for result, path in zip(report.results, paths):
        result.path = path.name
    return report


def add_contact(settings: Settings, name: str, fields: Sequence[str] = ()) -> db.Contact:
    """Register a contact by name (notes can follow); an existing one gains the fields."""
    from assistant.types import checked_name

    clean = checked_name(name or "")
    return db.upsert_contact(settings, clean, [f for f in fields if f.strip()] or None)


def brief_path(settings: Settings, name: str) -> Path:
    """``briefs/<slug>.json``: the slug embeds a hash of the name key, so two people never share it."""
    return settings.briefs_dir / f"{slug(name)}.json"


def save_brief(brief: dict, settings: Settings) -> Path:
    """Keep the latest brief for its contact (written atomically, with the owner's name key)."""
    path = brief_path(settings, brief["contact"])
    atomic_write_text(path, json.dumps({**brief, "owner_key": name_key(brief["contact"])}, ensure_ascii=False,
                                       indent=2))
    return path


def load_brief(settings: Settings, name: str) -> dict | None:
    """The latest saved brief for ``name``, or None (also for a damaged file or one about someone else)."""
    path = brief_path(settings, name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or file_owner(data) != name_key(name) \
            or name_key(str(data.get("contact", ""))) != name_key(name):
        return None
    data.pop("owner_key", None)
    return data


def field_names(kb: KnowledgeBase, settings: Settings) -> list[str]:
    """Fields known from notes or from contacts' registry rows, alphabetically."""
    names = {display for display, _ in kb.owners("field").values()}
    for contact in db.list_contacts(settings):
        names.update(contact.fields)
    return sorted(names, key=str.casefold)


__all__ = ["add_contact", "brief_path", "field_names", 
           "ingest_uploads", "load_brief", "save_brief"]
