"""Rename a contact, merge a duplicate into another, remove a note everywhere.

The same stores :mod:`assistant.forget` knows, moved instead of deleted:
Chroma chunks (re-keyed under the new owner, their vectors kept, so nothing is
re-embedded; the old keys are deleted and wiped), the registry row, logged
interactions, loops, calendar links and handles, event rows and packs, the
copied-files folder and its manifest, saved chats and briefs (their chunk
citations follow the new ids). Saved model states are dropped, not moved.

Every path comes from ``slug`` of a stored name, and a file or folder that
records another owner is left alone, as in forget.
"""

from __future__ import annotations

import glob
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings
from assistant.errors import InputError
from assistant.event import jobs as event_store
from assistant.event.pack import write_all
from assistant.files import atomic_write_text
from assistant.forget import _owned_files, _scrub_log, _wipe_sqlite
from assistant.generation.warm import drop_states
from assistant.notes import db
from assistant.notes.contacts import resolve_contact
from assistant.notes.datadir import legacy_slug
from assistant.notes.edit import NoteChange, delete_note_data
from assistant.notes.ingest import MANIFEST, _manifest_lock, copies_dir, read_manifest
from assistant.notes.store import KnowledgeBase, chunk_id, source_key
from assistant.types import Target, checked_name, display_name, file_owner, name_key, slug


@dataclass
class MoveReport:
    """What a rename or merge moved, per store."""

    action: str
    old: str
    new: str
    moved: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        parts = [f"{n} {what}" for what, n in self.moved.items() if n]
        verb = "Renamed" if self.action == "rename" else "Merged"
        link = "to" if self.action == "rename" else "into"
        return f"{verb} {self.old} {link} {self.new}" + (": " + ", ".join(parts) if parts else "") + "."


def remove_note(kb: KnowledgeBase, settings: Settings, ident: str, owner: Target | None = None) -> NoteChange:
    """Delete a note from every store: chunks, copy, interaction row, and log lines that quote it."""
    change = delete_note_data(kb, settings, ident, owner)
    _wipe_sqlite(settings.db_path)
    change.changed["log entries"] = _scrub_log(settings.log_path, change.needles)
    return change


def rename_contact(kb: KnowledgeBase, settings: Settings, old: str, new: str) -> MoveReport:
    """Give a contact a new name in every store; a name someone else already has is refused (merge instead)."""
    contact = resolve_contact(kb, settings, old)
    new_name = display_name(checked_name(new))
    if name_key(new_name) != contact.key and db.get_contact(settings, new_name) is not None:
        raise InputError(f"There is already a contact named {new_name}.",
                         f"To fold {contact.name} into them, use `rapport merge \"{contact.name}\" \"{new_name}\"`.")
    if name_key(new_name) != contact.key and kb.chunks_of(Target.contact(new_name)):
        raise InputError(f"There are already notes about {new_name}.",
                         f"To fold {contact.name} into them, use `rapport merge \"{contact.name}\" \"{new_name}\"`.")
    return _move(kb, settings, contact.name, new_name, "rename")


def merge_contacts(kb: KnowledgeBase, settings: Settings, duplicate: str, into: str) -> MoveReport:
    """Move everything of ``duplicate`` to ``into``, then remove the duplicate."""
    dup = resolve_contact(kb, settings, duplicate)
    keep = resolve_contact(kb, settings, into)
    if dup.key == keep.key:
        raise InputError(f"{dup.name} and {keep.name} are the same contact.", "Name two different contacts.")
    return _move(kb, settings, dup.name, keep.name, "merge")


# --------------------------------------------------------------------- core --
def _move(kb: KnowledgeBase, settings: Settings, old_name: str, new_name: str, action: str) -> MoveReport:
    old, new = Target.contact(old_name), Target.contact(new_name)
    report = MoveReport(action, old.name, new.name)
    ids = _move_chunks(kb, old, new)
    report.moved["note chunks"] = len(ids)
    report.moved.update(_move_rows(settings, old, new, action == "merge"))
    report.moved["event entries"] = _move_in_events(settings, old, new, ids)
    report.moved["copied files"] = _move_copies(settings, old, new)
    report.moved["chat and brief files"] = _move_saved(settings, old, new, ids)
    drop_states(settings, old)
    if action == "merge" or old.key != new.key:
        drop_states(settings, new)
    return report


def _move_chunks(kb: KnowledgeBase, old: Target, new: Target) -> dict[str, str]:
    """Re-key every chunk of ``old`` under ``new`` (same text and vector); returns old id -> new id."""
    where = {"$and": [{"kind": old.kind}, {"owner_key": old.key}]}
    got = kb.collection.get(where=where, include=["documents", "metadatas", "embeddings"])
    mapping: dict[str, str] = {}
    ids, docs, metas, vectors = [], [], [], []
    for id_, doc, meta, vec in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"]):
        skey = source_key(new, meta.get("source", ""))
        new_id = chunk_id(skey, doc or "") if old.key != new.key else id_
        mapping[id_] = new_id
        ids.append(new_id)
        docs.append(doc or "")
        metas.append({**meta, "owner": new.name, "owner_key": new.key, "source_key": skey})
        vectors.append([float(x) for x in vec])
    for start in range(0, len(ids), 256):
        end = start + 256
        kb.collection.upsert(ids=ids[start:end], documents=docs[start:end], metadatas=metas[start:end],
                             embeddings=vectors[start:end])
    if old.key != new.key and ids:
        kb.delete_where(where)  # the old keys, wiped from Chroma's files too
    return mapping


def _move_rows(settings: Settings, old: Target, new: Target, merge: bool) -> dict[str, int]:
    """Registry row, interactions, loops, calendar links and handles, in one transaction."""
    with db.connect(settings) as conn:
        conn.executescript(db.MEETINGS_SCHEMA)
        rows = {r["key"]: r for r in conn.execute("SELECT * FROM contacts WHERE key IN (?,?)", (old.key, new.key))}
        was, keep = rows.get(old.key), rows.get(new.key)
        fields = sorted(set(json.loads(was["fields"] or "[]") if was else []) |
                        set(json.loads(keep["fields"] or "[]") if keep else []))
        cadence = (keep["cadence_days"] if keep and keep["cadence_days"] else None) or \
            (was["cadence_days"] if was else None)
        created = min(r["created_at"] for r in (was, keep) if r) if (was or keep) else db.now_iso()
        conn.execute("DELETE FROM contacts WHERE key IN (?,?)", (old.key, new.key))
        conn.execute("INSERT INTO contacts(key, name, fields, cadence_days, created_at) VALUES (?,?,?,?,?)",
                     (new.key, keep["name"] if merge and keep else new.name, json.dumps(fields), cadence, created))
        counts = {"logged interactions": 0, "loops": 0, "meetings": 0}
        if old.key == new.key:
            return counts
        conn.execute("DELETE FROM interactions WHERE contact_key=? AND chunk_source != '' AND chunk_source IN "
                     "(SELECT chunk_source FROM interactions WHERE contact_key=?)", (old.key, new.key))
        counts["logged interactions"] = conn.execute("UPDATE interactions SET contact_key=? WHERE contact_key=?",
                                                     (new.key, old.key)).rowcount
        counts["loops"] = conn.execute("UPDATE loops SET contact_key=? WHERE contact_key=?",
                                       (new.key, old.key)).rowcount
        conn.execute("UPDATE contact_handles SET contact_key=? WHERE contact_key=?", (new.key, old.key))
        links = conn.execute("SELECT uid, start FROM meeting_contacts WHERE contact_key=?", (old.key,)).fetchall()
        conn.executemany("INSERT OR IGNORE INTO meeting_contacts(uid, start, contact_key) VALUES (?,?,?)",
                         [(r["uid"], r["start"], new.key) for r in links])
        conn.execute("DELETE FROM meeting_contacts WHERE contact_key=?", (old.key,))
        for r in links:
            row = conn.execute("SELECT attendees FROM meetings WHERE uid=? AND start=?",
                               (r["uid"], r["start"])).fetchone()
            attendees, seen = [], False
            for a in json.loads(row["attendees"] or "[]") if row else []:
                if a.get("contact") in (old.key, new.key):
                    if seen:
                        continue
                    a, seen = {**a, "contact": new.key, "name": new.name}, True
                attendees.append(a)
            conn.execute("UPDATE meetings SET attendees=? WHERE uid=? AND start=?",
                         (json.dumps(attendees), r["uid"], r["start"]))
        counts["meetings"] = len(links)
    return counts


def _remap(value: object, ids: dict[str, str]) -> object:
    """Chunk ids inside a saved brief or chat, replaced by their new ids."""
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [_remap(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _remap(v, ids) for k, v in value.items()}
    return value


def _move_in_events(settings: Settings, old: Target, new: Target, ids: dict[str, str]) -> int:
    """Event rows follow the contact (a merge keeps the kept contact's row); their packs are rewritten."""
    if old.key == new.key and old.name == new.name:
        return 0
    with event_store.connect(settings) as conn:
        totals = {r[0]: r[1] for r in conn.execute("SELECT event_id, COUNT(*) FROM event_items GROUP BY event_id")}
        rows = conn.execute("SELECT event_id, rank, name, brief_json FROM event_items WHERE contact_key=?",
                            (old.key,)).fetchall()
        stale: dict[int, list[str]] = {}
        for event_id, rank, shown, brief_json in rows:
            width = max(2, len(str(max(totals.get(event_id, 1), 1))))
            stale.setdefault(event_id, []).extend([f"{rank:0{width}d}-{slug(shown)}.md",
                                                   f"{rank:0{width}d}-{legacy_slug(shown)}.md"])
            taken = old.key != new.key and conn.execute(
                "SELECT 1 FROM event_items WHERE event_id=? AND contact_key=?", (event_id, new.key)).fetchone()
            if taken:
                conn.execute("DELETE FROM event_items WHERE event_id=? AND contact_key=?", (event_id, old.key))
                continue
            brief = None
            if brief_json:
                try:
                    data = json.loads(brief_json)
                    brief = json.dumps(_remap({**data, "contact": new.name}, ids) if isinstance(data, dict) else data)
                except ValueError:
                    brief = brief_json
            conn.execute("UPDATE event_items SET contact_key=?, name=?, brief_json=? "
                         "WHERE event_id=? AND contact_key=?", (new.key, new.name, brief, event_id, old.key))
    for event_id, names in stale.items():
        job = event_store.get_event(settings, event_id)
        folder = Path(job.out_dir)
        if not job.out_dir or not folder.is_dir():
            continue
        for path in [*folder.glob(f"*-{glob.escape(slug(old.name))}.md"), *(folder / n for n in names)]:
            if path.parent == folder and (path.is_file() or path.is_symlink()):
                path.unlink(missing_ok=True)
        try:
            write_all(job)
        except (InputError, OSError):
            pass  # the rows moved; a folder we cannot write to keeps what the user already has
    return len(stale)


def _move_copies(settings: Settings, old: Target, new: Target) -> int:
    """``files/contact/<old slug>`` becomes (or joins) ``files/contact/<new slug>``; the manifest follows.

    Folders set aside as damaged (``<old slug>.damaged-*``) take the new slug too, when it is free.
    """
    src, dst = copies_dir(settings, old), copies_dir(settings, new)
    if src != dst and src.parent.is_dir():
        for aside in sorted(src.parent.glob(f"{glob.escape(src.name)}.*")):
            target = aside.with_name(dst.name + aside.name[len(src.name):])
            if ".damaged-" in aside.name and not aside.is_symlink() and not target.exists():
                aside.rename(target)
    if src.is_symlink() or not src.is_dir():
        return 0
    with _manifest_lock:
        theirs = read_manifest(src) or {}
        if theirs.get("owner_key", old.key) != old.key:
            return 0  # a folder that records someone else is not this contact's
        if dst.is_symlink():
            return 0
        ours = (read_manifest(dst) or {}) if dst.is_dir() and dst != src else {}
        if ours.get("owner_key", new.key) != new.key:
            return 0
        moved = 0
        if dst == src:
            moved = len(theirs.get("copies", {}))
        elif not dst.exists():
            src.rename(dst)
            moved = len(theirs.get("copies", {}))
        else:
            for path in sorted(src.iterdir()):
                if path.name == MANIFEST or path.is_symlink() or not path.is_file():
                    continue
                if not (dst / path.name).exists():
                    path.replace(dst / path.name)
                    moved += 1
            shutil.rmtree(src, ignore_errors=True)
        copies = {**theirs.get("copies", {}), **ours.get("copies", {})}
        fields = sorted(set(theirs.get("fields", [])) | set(ours.get("fields", [])))
        manifest = {**theirs, **ours, "format": 1, "kind": "contact", "name": new.name, "owner_key": new.key,
                    "fields": fields, "copies": copies}
        atomic_write_text(dst / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return moved


def _move_saved(settings: Settings, old: Target, new: Target, ids: dict[str, str]) -> int:
    """``chats/<slug>.*`` and ``briefs/<slug>.*`` move to the new slug, owner and citations updated.

    A merge keeps the kept contact's brief and appends the duplicate's chat turns to theirs, by time.
    """
    moved = 0
    old_slug, new_slug = slug(old.name), slug(new.name)
    for path in _owned_files(settings, old.name):
        dest = path.with_name(new_slug + path.name[len(old_slug):])
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() and not path.is_symlink() else None
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict):
            data = _remap({**data, "contact": new.name, "owner_key": new.key}, ids)
        if dest != path and dest.exists():
            try:
                there = json.loads(dest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                there = None
            if path.parent == settings.chats_dir and isinstance(data, dict) and isinstance(there, dict) \
                    and file_owner(there) == new.key:
                turns = [*there.get("turns", []), *data.get("turns", [])]
                turns.sort(key=lambda t: str(t.get("at", "")) if isinstance(t, dict) else "")
                atomic_write_text(dest, json.dumps({**there, "turns": turns}, ensure_ascii=False, indent=1))
                moved += 1
            path.unlink(missing_ok=True)  # the kept contact's own file wins
            continue
        if isinstance(data, dict):
            atomic_write_text(dest, json.dumps(data, ensure_ascii=False, indent=1))
            if dest != path:
                path.unlink(missing_ok=True)
        elif dest != path and not path.is_symlink():
            path.replace(dest)
        moved += 1
    return moved


__all__ = ["MoveReport", "merge_contacts", "remove_note", "rename_contact"]
