"""Read, edit and delete one note; remove a field. Notes-layer stores only.

A note is every chunk sharing one ``source_key`` (an imported file, a pasted
text, a logged interaction, an imported message). It is named by a short id
derived from that key (:func:`note_id`), so no command ever builds a path or
a query from free text: the id picks the chunks, and their metadata (owner
kind and name key) picks the per-person folder through ``slug``.

An edit replaces the note's chunks through :func:`store_note` (re-embedded, old
text wiped from Chroma's files by ``delete_note``) and replaces its copy in
``files/`` with the edited text, so ``rapport rebuild`` restores the edit. A
delete removes the chunks, the copy and its manifest entry, the logged
interaction row of a ``log:`` note, and returns the words a log line quoting
it would show (``assistant.rename.remove_note`` scrubs the log with them).
Saved chats and briefs that cite the note are marked, never deleted; the
owner's saved model prefix states encode the notes, so they are dropped.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict, dataclass, field

from assistant.config import Settings
from assistant.errors import InputError, NotFoundError
from assistant.files import atomic_write_text
from assistant.generation.warm import drop_states
from assistant.notes import db
from assistant.notes.ingest import MANIFEST, _copy_pasted, _manifest_lock, copies_dir, read_manifest, store_note
from assistant.notes.store import CHUNK_OVERLAP, KnowledgeBase
from assistant.types import Note, Target, display_name, file_owner, name_key

NOTE_PREFIX = "note-"


def note_id(skey: str) -> str:
    """The short, stable id of a note: ``note-`` + 10 hex of its source key (its chunks' shared key)."""
    return NOTE_PREFIX + hashlib.sha256(skey.encode("utf-8", "surrogatepass")).hexdigest()[:10]


@dataclass
class NoteRecord:
    """One note in full: whose it is, where it came from, its text (chunks joined) and chunk ids."""

    id: str
    target: Target
    source_key: str
    source: str
    title: str
    date: str
    text: str
    chunk_ids: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``interaction`` (a logged meeting), ``message`` (an imported message) or ``note``."""
        return "interaction" if self.source.startswith("log:") else \
            "message" if self.source.startswith("message:") else "note"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["target"] = {"kind": self.target.kind, "name": self.target.name}
        data["kind"] = self.kind
        return data


@dataclass
class NoteChange:
    """What an edit or a delete did, counted per store; ``needles`` are what a log line about it would quote."""

    note: NoteRecord
    action: str
    changed: dict[str, int] = field(default_factory=dict)
    needles: set[str] = field(default_factory=set)

    def describe(self) -> str:
        parts = [f"{n} {what}" for what, n in self.changed.items() if n]
        title = self.note.title or self.note.source.rsplit("/", 1)[-1]
        return f"{self.action.capitalize()} note {self.note.id} ({title}) of {self.note.target.name}" + \
            (": " + ", ".join(parts) if parts else "") + "."


# ------------------------------------------------------------------ finding --
def _owner_where(target: Target) -> dict:
    return {"$and": [{"kind": target.kind}, {"owner_key": target.key}]}


def _join(parts: list[str]) -> str:
    """Chunks back into one text: the splitter's overlap (up to CHUNK_OVERLAP chars) is removed."""
    text = parts[0] if parts else ""
    for part in parts[1:]:
        cut = 0
        for k in range(min(len(part), len(text), CHUNK_OVERLAP + 20), 7, -1):
            start = len(text) - k
            if text.endswith(part[:k]) and (start == 0 or not text[start - 1].isalnum()):
                cut = k
                break
        text = text + part[cut:] if cut else text + "\n\n" + part
    return text


def _pasted_copy(settings: Settings, target: Target, source: str) -> str | None:
    """The exact text of a pasted (or edited) note, from its copy in files/, when it is ours."""
    folder = copies_dir(settings, target)
    manifest = read_manifest(folder) if folder.is_dir() and not folder.is_symlink() else None
    if manifest is None or manifest.get("owner_key", target.key) != target.key:
        return None
    for copy, entry in manifest.get("copies", {}).items():
        path = folder / str(copy)
        if isinstance(entry, dict) and entry.get("pasted") and entry.get("source") == source \
                and path.parent == folder and path.is_file() and not path.is_symlink():
            try:
                return path.read_text(encoding="utf-8")
            except (OSError, ValueError):
                return None
    return None


def find_note(kb: KnowledgeBase, settings: Settings, ident: str, owner: Target | None = None) -> NoteRecord:
    """The note named by a note id (``note-…``) or by one of its chunk ids (``n…``, as search prints them).

    With ``owner``, a note of anyone else is "not found": the UI passes the contact on screen.
    """
    ident = (ident or "").strip()
    skey = None
    if ident.startswith(NOTE_PREFIX):
        where = _owner_where(owner) if owner else None
        got = kb.collection.get(where=where, include=["metadatas"])
        skey = next((m.get("source_key") for m in got["metadatas"] or []
                     if note_id(m.get("source_key", "")) == ident), None)
    elif ident:
        metas = kb.collection.get(ids=[ident], include=["metadatas"])["metadatas"] or []
        skey = metas[0].get("source_key") if metas else None
    if not skey:
        raise NotFoundError(f"There is no note {ident!r}" + (f" of {owner.name}." if owner else "."),
                            "Note ids are shown by `rapport timeline NAME` (note-…) and `rapport search` "
                            "(chunk ids).")
    got = kb.collection.get(where={"source_key": skey}, include=["documents", "metadatas"])
    rows = sorted(zip(got["ids"], got["documents"], got["metadatas"]), key=lambda r: r[2].get("position", 0))
    meta = rows[0][2]
    target = Target(meta.get("kind", "contact"), meta.get("owner", ""))
    if owner is not None and (target.kind, target.key) != (owner.kind, owner.key):
        raise NotFoundError(f"There is no note {ident!r} of {owner.name}.", "Pick one of their notes.")
    text = _pasted_copy(settings, target, meta.get("source", "")) or _join([d or "" for _, d, _ in rows])
    return NoteRecord(note_id(skey), target, skey, meta.get("source", ""), meta.get("title", ""),
                      meta.get("date", ""), text, [i for i, _, _ in rows])


# ------------------------------------------------------------------ marking --
def _cites(value: object, ids: set[str]) -> bool:
    if isinstance(value, str):
        return value in ids
    if isinstance(value, dict):
        return any(_cites(v, ids) for v in value.values())
    if isinstance(value, list):
        return any(_cites(v, ids) for v in value)
    return False


def mark_citing(settings: Settings, chunk_ids: list[str] | set[str], ident: str, why: str) -> int:
    """Mark saved chats and briefs that cite any of ``chunk_ids``: a warning and ``stale_notes``; returns files marked.

    Only the plain ``<slug>.json`` files of the two folders are read, and only rewritten
    in place (their owner unchanged): a field note is cited by many people's briefs.
    """
    ids = set(chunk_ids)
    if not ids:
        return 0
    marked = 0
    for folder in (settings.chats_dir, settings.briefs_dir):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            if path.parent != folder or path.is_symlink() or not path.is_file() or ".corrupt." in path.name:
                continue
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(data, dict) or file_owner(data) is None or not _cites(data, ids):
                continue
            stale = data.get("stale_notes") if isinstance(data.get("stale_notes"), list) else []
            if ident in stale:
                continue
            data["stale_notes"] = [*stale, ident]
            warnings = data.get("warnings") if isinstance(data.get("warnings"), list) else []
            data["warnings"] = [*warnings, f"A note this cites ({ident}) was {why} on {db.now_iso()[:10]}; "
                                           "its sources may no longer match your notes."]
            atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1))
            marked += 1
    return marked


# ------------------------------------------------------------------- copies --
def _drop_copies(settings: Settings, target: Target, source: str) -> int:
    """Remove the copies in the owner's files/ folder that hold ``source``, and their manifest entries."""
    folder = copies_dir(settings, target)
    if folder.is_symlink() or not folder.is_dir():
        return 0
    removed = 0
    with _manifest_lock:
        manifest = read_manifest(folder)
        if manifest is None or manifest.get("owner_key", target.key) != target.key:
            return 0
        copies = manifest.get("copies", {})
        for copy in [c for c, e in copies.items() if isinstance(e, dict) and e.get("source") == source]:
            path = folder / str(copy)
            if path.parent == folder and path.name != MANIFEST and (path.is_file() or path.is_symlink()):
                path.unlink(missing_ok=True)
                removed += 1
            copies.pop(copy, None)
        atomic_write_text(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return removed


# -------------------------------------------------------------- edit, delete --
def edit_note(kb: KnowledgeBase, settings: Settings, ident: str, text: str,
              owner: Target | None = None) -> NoteChange:
    """Replace a note's text: its chunks are re-embedded, its copy rewritten, citing files marked."""
    record = find_note(kb, settings, ident, owner)
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise InputError("The edited note is empty.", "To remove a note, delete it instead.")
    change = NoteChange(record, "edited")
    if text == record.text.strip():
        return change
    note = Note(record.target, text, record.source, title=record.title, date=record.date)
    kb.delete_note(record.source_key)  # wipes the old text from Chroma's files as well
    try:
        result = store_note(kb, settings, note)
    except Exception:
        kb.upsert_note(Note(record.target, record.text, record.source, record.title, record.date))
        raise
    change.changed = {"chunks removed": len(record.chunk_ids), "chunks stored": result.added}
    _drop_copies(settings, record.target, record.source)
    _copy_pasted(settings, note)
    if record.kind == "interaction" and record.target.kind == "contact":
        logged = text.split(": ", 1)[1] if text.startswith("Interaction on ") and ": " in text else text
        with db.connect(settings) as conn:
            conn.execute("UPDATE interactions SET text=? WHERE contact_key=? AND chunk_source=?",
                         (" ".join(logged.split()), record.target.key, record.source))
    change.changed["chats and briefs marked"] = mark_citing(settings, record.chunk_ids, record.id, "edited")
    change.changed["saved model states dropped"] = drop_states(settings, record.target)
    return change


def delete_note_data(kb: KnowledgeBase, settings: Settings, ident: str, owner: Target | None = None) -> NoteChange:
    """Remove a note from every notes-layer store (see :func:`assistant.rename.remove_note` for the log too)."""
    record = find_note(kb, settings, ident, owner)
    change = NoteChange(record, "deleted")
    change.changed["note chunks"] = kb.delete_note(record.source_key)
    change.changed["copied files"] = _drop_copies(settings, record.target, record.source)
    if record.target.kind == "contact":
        with db.connect(settings) as conn:
            change.changed["logged interactions"] = conn.execute(
                "DELETE FROM interactions WHERE contact_key=? AND chunk_source=?",
                (record.target.key, record.source)).rowcount
    change.changed["chats and briefs marked"] = mark_citing(settings, record.chunk_ids, record.id, "deleted")
    change.changed["saved model states dropped"] = drop_states(settings, record.target)
    change.needles = {record.id.casefold(), *(i.casefold() for i in record.chunk_ids)}
    base = record.source.replace("\\", "/").rsplit("/", 1)[-1]
    change.needles |= {s.casefold() for s in (record.source, base) if len(s) >= 6}
    return change


# -------------------------------------------------------------------- fields --
def remove_field(kb: KnowledgeBase, settings: Settings, name: str) -> dict[str, int]:
    """Remove a field: its notes, their copies, and its link from every contact (registry and copy manifests)."""
    key = name_key(name)
    linked = [c for c in db.list_contacts(settings) if any(name_key(f) == key for f in c.fields)]
    stored = {k: shown for k, (shown, _) in kb.owners("field").items()}
    if key not in stored and not linked:
        raise NotFoundError(f"There is no field named {display_name(name)!r}.",
                            "Fields are listed on the People page and by `rapport contacts`.")
    target = Target.field(stored.get(key) or next(f for f in linked[0].fields if name_key(f) == key))
    ids = [c.id for c in kb.chunks_of(target)]
    counts = {"note chunks": kb.delete_owner(target)}
    folder = copies_dir(settings, target)
    manifest = read_manifest(folder) if folder.is_dir() and not folder.is_symlink() else None
    counts["copied files"] = 0
    if folder.is_symlink():
        folder.unlink()
    elif folder.is_dir() and (manifest is None or manifest.get("owner_key", key) == key):
        counts["copied files"] = sum(1 for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)
        shutil.rmtree(folder, ignore_errors=True)
    with db.connect(settings) as conn:
        for contact in linked:
            kept = [f for f in contact.fields if name_key(f) != key]
            conn.execute("UPDATE contacts SET fields=? WHERE key=?", (json.dumps(kept), contact.key))
    counts["contacts unlinked"] = len(linked)
    contact_files = settings.files_dir / "contact"
    with _manifest_lock:
        for mpath in sorted(contact_files.glob(f"*/{MANIFEST}")) if contact_files.is_dir() else []:
            data = read_manifest(mpath.parent)
            if data is None or mpath.parent.is_symlink() or not any(name_key(f) == key for f in data.get("fields", [])):
                continue
            data["fields"] = [f for f in data.get("fields", []) if name_key(f) != key]
            atomic_write_text(mpath, json.dumps(data, ensure_ascii=False, indent=1))
    counts["chats and briefs marked"] = mark_citing(settings, ids, f"field:{target.name}", "removed")
    counts["saved model states dropped"] = drop_states(settings, target) + sum(
        drop_states(settings, Target.contact(c.name)) for c in linked)
    return counts


__all__ = ["NOTE_PREFIX", "NoteChange", "NoteRecord", "delete_note_data", "edit_note", "find_note", "mark_citing",
           "note_id", "remove_field"]
