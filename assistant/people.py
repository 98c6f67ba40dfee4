"""Contacts as the user sees them: list, search within one, forget one.

A contact exists in two places (registry row + Chroma chunks) plus optional
files, chats and briefs; this module keeps those in step.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import db
from .config import Settings
from .errors import NotFoundError
from .store import KnowledgeBase
from .types import Chunk, Target, display_name, name_key


@dataclass
class ContactSummary:
    name: str
    key: str
    notes: int
    chunks: int
    fields: list[str] = field(default_factory=list)
    last_interaction: str = ""


def list_contacts(kb: KnowledgeBase, settings: Settings) -> list[ContactSummary]:
    """Everyone with a registry row or stored chunks, alphabetically."""
    owners = kb.owners("contact")
    registry = {c.key: c for c in db.list_contacts(settings)}
    last: dict[str, str] = {}
    with db.connect(settings) as conn:
        for row in conn.execute("SELECT contact_key, MAX(date) AS d FROM interactions GROUP BY contact_key"):
            last[row["contact_key"]] = row["d"]
    out = []
    for key in sorted(set(owners) | set(registry)):
        name = registry[key].name if key in registry else owners[key][0]
        notes = len(kb.notes_of(Target.contact(name))) if key in owners else 0
        out.append(ContactSummary(name, key, notes, owners.get(key, ("", 0))[1],
                                  registry[key].fields if key in registry else [], last.get(key, "")))
    return sorted(out, key=lambda c: c.name.casefold())


def resolve_contact(kb: KnowledgeBase, settings: Settings, name: str) -> ContactSummary:
    """Find a contact by name, forgiving case and spacing; say who exists if not."""
    key = name_key(name)
    contacts = list_contacts(kb, settings)
    for c in contacts:
        if c.key == key:
            return c
    # "dana" or "whitfield" is enough when only one contact fits.
    words = key.split()
    partial = [c for c in contacts if words and all(w in c.key.split() for w in words)]
    if len(partial) == 1:
        return partial[0]
    known = ", ".join(c.name for c in contacts[:8]) or "none yet"
    raise NotFoundError(f"No contact named {display_name(name)!r}.",
                        f"Known contacts: {known}. Add notes with `rapport ingest FILE --contact NAME`.")


def scope_for(contact: ContactSummary, include_me: bool = False) -> list[Target]:
    """The owners whose notes speak about this meeting: them, their fields, (me)."""
    targets = [Target.contact(contact.name)] + [Target.field(f) for f in contact.fields]
    if include_me:
        targets.append(Target.me())
    return targets


def search_contact(kb: KnowledgeBase, settings: Settings, name: str, query: str, k: int = 8) -> list[Chunk]:
    contact = resolve_contact(kb, settings, name)
    return kb.search(query, scope_for(contact), k=k)


@dataclass
class ForgetReport:
    name: str
    removed: dict[str, int]

    def describe(self) -> str:
        parts = [f"{n} {what}" for what, n in self.removed.items() if n]
        return f"Forgot {self.name}: " + (", ".join(parts) if parts else "nothing was stored")


def forget_contact(kb: KnowledgeBase, settings: Settings, name: str) -> ForgetReport:
    """Remove every trace: chunks, copied files, chats, briefs, log and loops."""
    contact = resolve_contact(kb, settings, name)
    target = Target.contact(contact.name)
    words = _distinctive_words(kb, target)
    removed = {"note chunks": kb.delete_owner(target)}
    files = settings.files_dir / "contact" / target.key.replace("/", "_")
    removed["copied files"] = sum(1 for p in files.rglob("*") if p.is_file()) if files.exists() else 0
    shutil.rmtree(files, ignore_errors=True)
    count = 0
    for folder in (settings.chats_dir, settings.briefs_dir):
        if folder.exists():
            for p in [p for p in folder.iterdir() if p.name.split(".")[0] == slug(contact.name)]:
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
                count += 1
    removed["chat and brief files"] = count
    removed.update(db.delete_contact(settings, contact.name))
    removed["event entries"] = _forget_in_events(settings, contact.name)
    _wipe_sqlite(settings.db_path)
    removed["log entries"] = _scrub_log(settings.log_path, {contact.name.casefold(), target.key} | words)
    return ForgetReport(contact.name, removed)


def _forget_in_events(settings: Settings, name: str) -> int:
    """Remove the person from every event and rewrite those events' packs without them.

    Pack folders can live outside the data dir (``--out``); they are the
    user's printouts of our data, so they are rewritten too.
    """
    from . import event_store
    from .errors import InputError
    from .event_output import write_all

    changed = event_store.forget_contact(settings, name)
    for event_id in changed:
        job = event_store.get_event(settings, event_id)
        folder = Path(job.out_dir)
        if not folder.is_dir():
            continue
        for path in folder.glob(f"*-{slug(name)}.md"):
            path.unlink(missing_ok=True)
        try:
            write_all(job)
        except (InputError, OSError):
            pass  # the rows are gone; a folder we cannot write to keeps what the user already has
    return len(changed)


_WORD = r"[^\W_]{6,}"


def _distinctive_words(kb: KnowledgeBase, target: Target) -> set[str]:
    """Words (6+ letters) only this contact's notes contain: what a log line quoting them would show."""
    import re

    mine = {c.id for c in kb.chunks_of(target)}
    own: set[str] = set()
    rest: set[str] = set()
    everything = kb.collection.get(include=["documents"])
    for id_, doc in zip(everything["ids"], everything["documents"]):
        (own if id_ in mine else rest).update(w.casefold() for w in re.findall(_WORD, doc or ""))
    return own - rest


def _wipe_sqlite(path: Path) -> None:
    """Deleted rows live on in SQLite's WAL and free pages until a checkpoint and VACUUM."""
    import sqlite3

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
    import re

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


def slug(name: str) -> str:
    """File-name form of a contact, stable across spellings of the name."""
    import re

    return re.sub(r"[^a-z0-9]+", "-", name_key(name)).strip("-") or "contact"
