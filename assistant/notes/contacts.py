"""Contacts as the user sees them: list them, resolve a name, search within one.

A contact exists in two places (registry row + Chroma chunks) plus optional
files, chats and briefs; ``assistant.forget`` removes all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.notes import db
from assistant.config import Settings
from assistant.errors import NotFoundError
from assistant.notes.store import KnowledgeBase
from assistant.types import Chunk, Target, display_name, name_key


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
    owners = kb.owner_summary("contact")
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
