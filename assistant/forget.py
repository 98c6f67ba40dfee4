"""Forget a person: the one place that knows every store a person lives in.

A contact lives in Chroma (their note chunks), in ``files/`` (copies of
imported files), in ``chats/`` and ``briefs/``, in SQLite (registry row,
interaction log, open loops, event rows) and in event packs, plus the
application log. Anything that deletes a person's data goes through here, so
adding a store means changing one module, and :func:`forget_preview` counts
exactly what :func:`forget_contact` removes.

Every per-person path is derived from ``names.slug`` (which embeds a hash of
the name key), never from the free-text name, and only that exact folder or
file is removed: a contact named ".." or "." cannot reach anyone else's files,
and a saved file that records another owner is never deleted.
"""

from __future__ import annotations

import glob
import json
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings
from assistant.errors import InputError
from assistant.event import jobs as event_store
from assistant.event.pack import write_all
from assistant.generation import warm
from assistant.notes import db
from assistant.notes.contacts import resolve_contact
from assistant.notes.store import KnowledgeBase
from assistant.notes.datadir import legacy_slug
from assistant.notes.ingest import MANIFEST, copies_dir, read_manifest
from assistant.types import Target, file_owner, name_key, slug


@dataclass
class ForgetReport:
    name: str
    removed: dict[str, int]
    #: Whole-store copies kept after damage (``rapport.db.damaged-*``, ``chroma.damaged-*``): they hold
    #: everyone's data, so forget cannot remove them without removing other people; the user is told.
    untouched: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [f"{n} {what}" for what, n in self.removed.items() if n]
        text = f"Forgot {self.name}: " + (", ".join(parts) if parts else "nothing was stored")
        if self.untouched:
            text += (f". Not touched: {', '.join(self.untouched)}, copies of a damaged store kept by Rapport, which "
                     "hold everyone's notes (theirs too); delete them once `rapport rebuild` has been checked")
        return text


def forget_contact(kb: KnowledgeBase, settings: Settings, name: str) -> ForgetReport:
    """Remove every trace: chunks, copied files, chats, briefs, log and loops."""
    contact = resolve_contact(kb, settings, name)
    target = Target.contact(contact.name)
    words = _distinctive_words(kb, target)
    removed = {"note chunks": kb.delete_owner(target)}
    folder, copies = _copies(settings, target)
    removed["copied files"] = len(copies)
    if folder is not None:
        if folder.is_symlink():
            folder.unlink()  # a link in our folder: remove the link, never what it points at
        else:
            shutil.rmtree(folder, ignore_errors=True)
    owned = _owned_files(settings, contact.name)
    for p in owned:
        p.unlink(missing_ok=True)
    removed["chat and brief files"] = sum(1 for p in owned if not _is_damaged_copy(p.name))
    damaged = _damaged_folders(settings, target)
    for p in damaged:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)  # a file, or a link (never what it points at)
    removed["damaged copies"] = len(damaged) + sum(1 for p in owned if _is_damaged_copy(p.name))
    removed["saved model states"] = warm.drop_states(settings, target)
    removed.update(db.delete_contact(settings, contact.name))
    removed["meetings"] = db.delete_meetings_of(settings, contact.key, contact.name)
    removed["event entries"] = _forget_in_events(settings, contact.name)
    _wipe_sqlite(settings.db_path)
    removed["log entries"] = _scrub_log(settings.log_path, {contact.name.casefold(), target.key} | words)
    return ForgetReport(contact.name, removed, _store_copies(settings))


def _is_damaged_copy(file_name: str) -> bool:
    """A per-person file set aside because it failed to load (``<slug>.corrupt.json``, ``<slug>.json.damaged-<time>``)."""
    return ".damaged-" in file_name or ".corrupt." in file_name


def _damaged_folders(settings: Settings, target: Target) -> list[Path]:
    """Copies of the person's per-person folders (or files) set aside as damaged: ``<slug>.damaged-*`` and
    ``<slug>.<anything>.damaged-*`` next to ``files/<kind>/<slug>`` and ``states/<kind>/<slug>``.

    Found by the slug (which holds a hash of the name key, and no ".") followed by a ".", so no other
    person's entry can match; a copied-files folder whose manifest names someone else is left alone.
    """
    own = slug(target.name)
    found: list[Path] = []
    for parent in (copies_dir(settings, target).parent, warm.owner_dir(settings, target).parent):
        if not parent.is_dir() or parent.is_symlink():
            continue
        for p in sorted(parent.glob(f"{glob.escape(own)}.*")):
            if p.parent != parent or ".damaged-" not in p.name[len(own):]:
                continue
            if p.is_dir() and not p.is_symlink():
                manifest = read_manifest(p)
                if manifest is not None and manifest.get("owner_key", target.key) != target.key:
                    continue
            found.append(p)
    return found


def _store_copies(settings: Settings) -> list[str]:
    """Names of whole-store copies kept after damage, which forget does not remove (everyone is in them)."""
    home = settings.home
    try:
        return sorted(p.name for p in [*home.glob("rapport.db.damaged-*"), *home.glob("chroma.damaged-*")]
                      if not p.name.endswith(("-wal", "-shm")))
    except OSError:
        return []


def _forget_in_events(settings: Settings, name: str) -> int:
    """Remove the person from every event and rewrite those events' packs without them.

    Pack folders can live outside the data dir (``--out``); they are the
    user's printouts of our data, so they are rewritten too.
    """
    key = name_key(name)
    # Their exact pack file names, before their rows go: NN-<slug>.md, and NN-<old slug>.md from
    # before data schema 2 (the rank NN makes that one theirs too).
    theirs: dict[int, list[str]] = {}
    with event_store.connect(settings) as conn:
        totals = {r[0]: r[1] for r in conn.execute("SELECT event_id, COUNT(*) FROM event_items GROUP BY event_id")}
        for event_id, rank, shown in conn.execute(
                "SELECT event_id, rank, name FROM event_items WHERE contact_key=?", (key,)).fetchall():
            width = max(2, len(str(max(totals.get(event_id, 1), 1))))
            theirs.setdefault(event_id, []).extend([f"{rank:0{width}d}-{slug(shown)}.md",
                                                    f"{rank:0{width}d}-{legacy_slug(shown)}.md"])
    changed = event_store.forget_contact(settings, name)
    for event_id in changed:
        job = event_store.get_event(settings, event_id)
        folder = Path(job.out_dir)
        if not folder.is_dir():
            continue
        for path in [*folder.glob(f"*-{glob.escape(slug(name))}.md"), *(folder / n for n in theirs.get(event_id, []))]:
            if path.parent == folder and (path.is_file() or path.is_symlink()):
                path.unlink(missing_ok=True)
        try:
            write_all(job)
        except (InputError, OSError):
            pass  # the rows are gone; a folder we cannot write to keeps what the user already has
    return len(changed)


_WORD = r"[^\W_]{6,}"


def _distinctive_words(kb: KnowledgeBase, target: Target) -> set[str]:
    """Words (6+ letters) only this contact's notes contain: what a log line quoting them would show."""
    mine = {c.id for c in kb.chunks_of(target)}
    own: set[str] = set()
    rest: set[str] = set()
    for id_, doc in kb.all_documents():
        (own if id_ in mine else rest).update(w.casefold() for w in re.findall(_WORD, doc or ""))
    return own - rest


def _copies(settings: Settings, target: Target) -> tuple[Path | None, list[Path]]:
    """The person's own copied-files folder (``files/<kind>/<slug>``) and the copies in it.

    None when there is none, or when its manifest says it belongs to someone else.
    """
    folder = copies_dir(settings, target)
    if folder.is_symlink():
        return folder, []
    if not folder.is_dir():
        return None, []
    manifest = read_manifest(folder)
    if manifest is not None and manifest.get("owner_key", target.key) != target.key:
        return None, []
    return folder, [p for p in folder.rglob("*") if p.is_file() and not (p.parent == folder and p.name == MANIFEST)]


def _owned_files(settings: Settings, name: str) -> list[Path]:
    """``chats/<slug>.*`` and ``briefs/<slug>.*`` (the chat, a corrupt chat set aside, the brief).

    A file that records another owner is left alone; one that records none (unreadable, or
    written by hand) sits at this person's hash-named path, so it is theirs.
    """
    own, key = slug(name), name_key(name)
    found: list[Path] = []
    for folder in (settings.chats_dir, settings.briefs_dir):
        if not folder.is_dir():
            continue
        for p in sorted(folder.glob(f"{glob.escape(own)}.*")):
            if p.parent != folder or not (p.is_file() or p.is_symlink()):
                continue
            try:
                owner = file_owner(json.loads(p.read_text(encoding="utf-8"))) if p.is_file() else None
            except (OSError, ValueError):
                owner = None
            if owner is None or owner == key:
                found.append(p)
    return found


def _wipe_sqlite(path: Path) -> None:
    """Deleted rows live on in SQLite's WAL and free pages until a checkpoint and VACUUM."""
    if not path.exists():
        return
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _scrub_log(path: Path, needles: set[str]) -> int:
    """Drop log entries (a timestamped line and its continuation lines) that mention the contact.

    Rewritten in place rather than replaced, so a logging handler that has the
    file open in append mode keeps writing to the same file.
    """
    if not path.exists() or not needles:
        return 0
    text = path.read_text(encoding="utf-8", errors="replace")
    # An entry starts with a timestamp (the CLI/UI format) or a bare "LEVEL:" (logging's default);
    # indented and traceback lines belong to the entry above them.
    entries = re.split(r"(?m)^(?=\d{4}-\d\d-\d\d[ T]\d|(?:DEBUG|INFO|WARNING|ERROR|CRITICAL):)", text)
    keep = [e for e in entries if not any(n in e.casefold() for n in needles if n)]
    dropped = len(entries) - len(keep)
    if dropped:
        with path.open("r+", encoding="utf-8") as fh:
            fh.seek(0)
            fh.write("".join(keep))
            fh.truncate()
    return dropped


def forget_preview(kb: KnowledgeBase, settings: Settings, name: str) -> dict[str, int]:
    """What :func:`people.forget_contact` would remove, counted the same way, without removing it."""
    contact = resolve_contact(kb, settings, name)
    target = Target.contact(contact.name)
    counts = {"notes": contact.notes, "note chunks": contact.chunks}
    counts["copied files"] = len(_copies(settings, target)[1])
    owned = _owned_files(settings, contact.name)
    counts["chats"] = sum(1 for p in owned if p.parent == settings.chats_dir and not _is_damaged_copy(p.name))
    counts["saved briefs"] = sum(1 for p in owned if p.parent == settings.briefs_dir and not _is_damaged_copy(p.name))
    counts["damaged copies"] = len(_damaged_folders(settings, target)) + sum(1 for p in owned
                                                                            if _is_damaged_copy(p.name))
    states = warm.owner_dir(settings, target)
    counts["saved model states"] = (sum(1 for p in states.rglob("*") if p.is_file())
                                    if states.is_dir() and not states.is_symlink() else 0)
    with event_store.connect(settings) as conn:  # the app's database, event tables included
        counts["logged interactions"] = conn.execute(
            "SELECT COUNT(*) FROM interactions WHERE contact_key=?", (contact.key,)).fetchone()[0]
        counts["event entries"] = conn.execute(
            "SELECT COUNT(DISTINCT event_id) FROM event_items WHERE contact_key=?", (contact.key,)).fetchone()[0]
    counts["open loops"] = len(db.loop_rows(settings, contact.key))
    counts["meetings"] = len(db.meeting_rows(settings, key=contact.key))
    return counts


def describe_counts(counts: dict[str, int]) -> str:
    parts = [f"{n} {what}" for what, n in counts.items() if n]
    return ", ".join(parts) if parts else "nothing stored yet"




__all__ = ["ForgetReport", "describe_counts", "forget_contact", "forget_preview"]
