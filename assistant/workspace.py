"""Small data-dir operations the browser front end needs and the CLI does not.

* Uploaded files arrive as bytes. They are staged under ``<data dir>/uploads``
  with a stable name (so re-uploading the same file is "unchanged", and a
  changed file replaces its old chunks), imported with :func:`ingest_paths`,
  and the staged copy is removed (ingest keeps its own copy in ``files/``).
* Before forgetting a contact, the user is told exactly what will go.
* The latest brief per contact is kept as JSON in ``briefs/<slug>.json``;
  rehearsal reads it, and the Brief page shows it again after a restart.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Sequence

from . import db, event_store
from .config import Settings
from .ingest import IngestReport, Progress, ingest_paths
from .people import resolve_contact, slug
from .store import KnowledgeBase
from .types import Target, name_key


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
    staging = settings.home / "uploads" / target.kind / (slug(target.name) if target.kind != "me" else "me")
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
    from .errors import InputError
    from .types import display_name

    clean = display_name(name or "")
    if not clean:
        raise InputError("A contact needs a name.", "Type their name, for example \"Dana Whitfield\".")
    if len(clean) > 120:
        raise InputError("That name is too long for a contact.", "Use the person's name only (up to 120 characters).")
    return db.upsert_contact(settings, clean, [f for f in fields if f.strip()] or None)


def forget_preview(kb: KnowledgeBase, settings: Settings, name: str) -> dict[str, int]:
    """What :func:`people.forget_contact` would remove, counted the same way, without removing it."""
    contact = resolve_contact(kb, settings, name)
    target = Target.contact(contact.name)
    counts = {"notes": contact.notes, "note chunks": contact.chunks}
    files = settings.files_dir / "contact" / target.key.replace("/", "_")
    counts["copied files"] = sum(1 for p in files.rglob("*") if p.is_file()) if files.exists() else 0
    own = slug(contact.name)
    counts["chats"] = sum(1 for p in settings.chats_dir.iterdir() if p.name.split(".")[0] == own) \
        if settings.chats_dir.exists() else 0
    counts["saved briefs"] = sum(1 for p in settings.briefs_dir.iterdir() if p.name.split(".")[0] == own) \
        if settings.briefs_dir.exists() else 0
    with event_store.connect(settings) as conn:  # the app's database, event tables included
        counts["logged interactions"] = conn.execute(
            "SELECT COUNT(*) FROM interactions WHERE contact_key=?", (contact.key,)).fetchone()[0]
        counts["open loops"] = conn.execute(
            "SELECT COUNT(*) FROM loops WHERE contact_key=? AND done_at IS NULL", (contact.key,)).fetchone()[0]
        counts["event entries"] = conn.execute(
            "SELECT COUNT(DISTINCT event_id) FROM event_items WHERE contact_key=?", (contact.key,)).fetchone()[0]
    return counts


def describe_counts(counts: dict[str, int]) -> str:
    parts = [f"{n} {what}" for what, n in counts.items() if n]
    return ", ".join(parts) if parts else "nothing stored yet"


def brief_path(settings: Settings, name: str) -> Path:
    return settings.briefs_dir / f"{slug(name)}.json"


def save_brief(brief: dict, settings: Settings) -> Path:
    """Keep the latest brief for its contact (written atomically)."""
    path = brief_path(settings, brief["contact"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(brief, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def load_brief(settings: Settings, name: str) -> dict | None:
    """The latest saved brief for ``name``, or None (also for a damaged file)."""
    path = brief_path(settings, name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or name_key(str(data.get("contact", ""))) != name_key(name):
        return None
    return data


def attendee_headers(data: bytes) -> list[str]:
    """The header row of an attendee CSV as read_attendees sees it (for the column-mapping choices).

    With an explicit mapping, read_attendees takes the first non-empty record
    as the header, so that is the row offered here.
    """
    from . import attendees as att

    text, _ = att._decode(bytes(data))
    explicit, text = att._strip_sep_line(text.replace("\x00", ""))
    records = att._parse_records(text, explicit or att._detect_delimiter(text))
    first = next(r for r in records if any(att._clean_cell(c) for c in r))
    return [h for h in (att._clean_cell(c) for c in first) if h]


def field_names(kb: KnowledgeBase, settings: Settings) -> list[str]:
    """Fields known from notes or from contacts' registry rows, alphabetically."""
    names = {display for display, _ in kb.owners("field").values()}
    for contact in db.list_contacts(settings):
        names.update(contact.fields)
    return sorted(names, key=str.casefold)


__all__ = ["add_contact", "attendee_headers", "brief_path", "describe_counts", "field_names", "forget_preview",
           "ingest_uploads", "load_brief", "save_brief"]
