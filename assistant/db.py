"""The small relational part of the data dir: contacts, interactions, loops.

Chroma holds text; this SQLite file holds what is naturally a table (who a
contact is, their fields and cadence, what happened when, what is still
open). WAL mode lets the UI and a CLI run side by side.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .config import Settings
from .types import display_name, name_key

SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    fields TEXT NOT NULL DEFAULT '[]',
    cadence_days INTEGER,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS interactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_key TEXT NOT NULL,
    date TEXT NOT NULL,
    text TEXT NOT NULL,
    chunk_source TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS loops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_key TEXT NOT NULL,
    kind TEXT NOT NULL,            -- 'offer' (I promised) or 'ask' (they asked me)
    text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX IF NOT EXISTS interactions_contact ON interactions(contact_key);
CREATE INDEX IF NOT EXISTS loops_contact ON loops(contact_key);
"""

_lock = threading.Lock()


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@contextmanager
def connect(settings: Settings) -> Iterator[sqlite3.Connection]:
    """A short-lived connection with the schema in place; commits on success."""
    settings.home.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(settings.db_path, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(SCHEMA)
        yield conn
        conn.commit()
    finally:
        conn.close()


@dataclass
class Contact:
    key: str
    name: str
    fields: list[str] = field(default_factory=list)
    cadence_days: int | None = None
    created_at: str = ""


def _row_to_contact(row: sqlite3.Row) -> Contact:
    return Contact(row["key"], row["name"], json.loads(row["fields"] or "[]"), row["cadence_days"], row["created_at"])


def upsert_contact(settings: Settings, name: str, fields: list[str] | None = None,
                   cadence_days: int | None = None) -> Contact:
    """Create the contact if new; merge fields; keep the first spelling of the name."""
    key = name_key(name)
    with _lock, connect(settings) as conn:
        row = conn.execute("SELECT * FROM contacts WHERE key=?", (key,)).fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO contacts(key, name, fields, cadence_days, created_at) VALUES (?,?,?,?,?)",
                (key, display_name(name), json.dumps(sorted(set(fields or []))), cadence_days, now_iso()),
            )
        else:
            merged = sorted(set(json.loads(row["fields"] or "[]")) | set(fields or []))
            spelled = row["name"]
            if spelled == spelled.lower() and display_name(name) != display_name(name).lower():
                spelled = display_name(name)  # "dana whitfield" typed first, "Dana Whitfield" later
            conn.execute(
                "UPDATE contacts SET name=?, fields=?, cadence_days=COALESCE(?, cadence_days) WHERE key=?",
                (spelled, json.dumps(merged), cadence_days, key),
            )
        return _row_to_contact(conn.execute("SELECT * FROM contacts WHERE key=?", (key,)).fetchone())


def get_contact(settings: Settings, name: str) -> Contact | None:
    with connect(settings) as conn:
        row = conn.execute("SELECT * FROM contacts WHERE key=?", (name_key(name),)).fetchone()
        return _row_to_contact(row) if row else None


def list_contacts(settings: Settings) -> list[Contact]:
    with connect(settings) as conn:
        return [_row_to_contact(r) for r in conn.execute("SELECT * FROM contacts ORDER BY name COLLATE NOCASE")]


def delete_contact(settings: Settings, name: str) -> dict[str, int]:
    """Remove the contact and everything relational about them; returns counts."""
    key = name_key(name)
    with _lock, connect(settings) as conn:
        counts = {
            "interactions": conn.execute("DELETE FROM interactions WHERE contact_key=?", (key,)).rowcount,
            "open loops": conn.execute("DELETE FROM loops WHERE contact_key=?", (key,)).rowcount,
            "contact record": conn.execute("DELETE FROM contacts WHERE key=?", (key,)).rowcount,
        }
    return counts


def set_cadence(settings: Settings, name: str, days: int) -> None:
    with _lock, connect(settings) as conn:
        conn.execute("UPDATE contacts SET cadence_days=? WHERE key=?", (days, name_key(name)))
