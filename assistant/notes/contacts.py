"""Contacts as the user sees them: list them, resolve a name, search within one.

A contact exists in two places (registry row + Chroma chunks) plus optional
files, chats and briefs; ``assistant.forget`` removes all of them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from assistant.notes import db
from assistant.config import Settings
from assistant.errors import NotFoundError
from assistant.notes.store import KnowledgeBase, owner_id
from assistant.types import Chunk, Target, display_name, name_key


@dataclass
class ContactSummary:
    name: str
    key: str
    notes: int
    chunks: int
    fields: list[str] = field(default_factory=list)
    last_interaction: str = ""


def chroma_owner_counts(path: Path, collection_id: str, prefix: str) -> list[tuple[str, str, int, int]] | None:
    """``(owner_id, owner name, chunks, notes)`` per owner whose ``owner_id`` starts with ``prefix``, read
    with one SQL query from the embedded store's metadata index (read-only); None when it cannot be read.

    Why not Chroma's API: ``get(include=["metadatas"])`` costs ~65 us a chunk (7 s at 100,000 chunks),
    the whole budget of listing 10,000 contacts; this reads the same rows through the index in well
    under a second (bench S2). Any surprise in the layout means None, and the caller uses the API.
    """
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else "\uffff"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            segment = conn.execute("SELECT id FROM segments WHERE collection=? AND scope='METADATA'",
                                   (collection_id,)).fetchone()
            if segment is None:
                return None
            rows = conn.execute(
                "SELECT o.string_value, MIN(n.string_value), COUNT(*), COUNT(DISTINCT s.string_value) "
                "FROM embedding_metadata o JOIN embeddings e ON e.id = o.id AND e.segment_id = ? "
                "LEFT JOIN embedding_metadata n ON n.id = o.id AND n.key = 'owner' "
                "LEFT JOIN embedding_metadata s ON s.id = o.id AND s.key = 'source_key' "
                "WHERE o.key = 'owner_id' AND o.string_value >= ? AND o.string_value < ? "
                "GROUP BY o.string_value", (segment[0], prefix, end)).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return [(str(o), str(n or ""), int(c), int(k)) for o, n, c, k in rows]



def owner_summary(kb: KnowledgeBase, settings: Settings, kind: str = "contact") -> dict[str, tuple[str, int, int]]:
    """owner_key -> (name, chunks, notes) for everyone of ``kind``: SQL on the embedded store, else Chroma's API."""
    if not settings.chroma_url:
        prefix = owner_id(kind, "")
        rows = chroma_owner_counts(settings.chroma_dir / "chroma.sqlite3", str(kb.collection.id), prefix)
        if rows is not None:
            return {oid[len(prefix):]: (name or oid[len(prefix):], n, notes) for oid, name, n, notes in rows}
    return kb.owner_summary(kind)


def list_contacts(kb: KnowledgeBase, settings: Settings) -> list[ContactSummary]:
    """Everyone with a registry row or stored chunks, alphabetically."""
    owners = owner_summary(kb, settings)
    registry = {c.key: c for c in db.list_contacts(settings)}
    last = db.last_interactions(settings)
    out = []
    for key in sorted(set(owners) | set(registry)):
        name = registry[key].name if key in registry else owners[key][0]
        notes = owners[key][2] if key in owners else 0
        out.append(ContactSummary(name, key, notes, owners.get(key, ("", 0, 0))[1],
                                  registry[key].fields if key in registry else [], last.get(key, "")))
    return sorted(out, key=lambda c: c.name.casefold())


def resolve_contact(kb: KnowledgeBase, settings: Settings, name: str) -> ContactSummary:
    """Find a contact by name, forgiving case and spacing; say who exists if not.

    The exact name is one registry row and one indexed read of that person's chunks (it must not
    cost a read of all 10,000 contacts: bench S2); only a partial name lists everyone.
    """
    key = name_key(name)
    row = db.get_contact(settings, name) if key else None
    stored, chunks, notes = kb.owner_counts(Target.contact(name)) if key else ("", 0, 0)
    if row is not None or chunks:
        return ContactSummary(row.name if row else stored, key, notes, chunks, row.fields if row else [],
                              db.last_interactions(settings).get(key, ""))
    contacts = list_contacts(kb, settings)
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
