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

from typing import Iterator

from assistant.config import Settings
from assistant.errors import StoreError
from assistant.types import checked_name, display_name, name_key

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
    """A short-lived connection with the schema in place; commits on success.

    A damaged ``rapport.db`` (empty, truncated, not SQLite) in a used data dir is a
    :class:`StoreError` saying so, with a copy kept, never silently recreated empty.
    """
    from assistant.notes import datadir

    try:
        settings.home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise datadir._unusable(settings.home, exc) from None
    datadir.check_db_file(settings.home)
    try:
        conn = sqlite3.connect(settings.db_path, timeout=30)
    except sqlite3.Error as exc:
        raise StoreError(f"Cannot open {settings.db_path}: {exc}.",
                         "Check that the data dir is a folder you can read and write.") from None
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(SCHEMA)
        yield conn
        conn.commit()
    except sqlite3.DatabaseError as exc:
        # "database disk image is malformed", "file is not a database": the file is damaged.
        if type(exc) is sqlite3.DatabaseError:
            raise datadir.damage_error(settings.home, [(settings.db_path, f"SQLite reports: {exc}")]) from None
        raise
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
    """Create the contact if new; merge fields; keep the first spelling of the name.

    The name is checked here (:func:`checked_name`): nothing is stored for an empty or over-long one.
    """
    name = checked_name(name)
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


def last_interactions(settings: Settings) -> dict[str, str]:
    """contact key -> the date of their latest logged interaction."""
    with connect(settings) as conn:
        return {r["contact_key"]: r["d"] for r in
                conn.execute("SELECT contact_key, MAX(date) AS d FROM interactions GROUP BY contact_key")}


def set_cadence(settings: Settings, name: str, days: int) -> None:
    with _lock, connect(settings) as conn:
        conn.execute("UPDATE contacts SET cadence_days=? WHERE key=?", (days, name_key(name)))


# ---------------------------------------------------------------- loops --
# All SQL on the loops table lives here; conversation.relationship gives it meaning.
def insert_loop(settings: Settings, key: str, kind: str, text: str) -> sqlite3.Row:
    with connect(settings) as conn:
        cur = conn.execute("INSERT INTO loops(contact_key, kind, text, created_at) VALUES (?,?,?,?)",
                           (key, kind, text, now_iso()))
        return conn.execute("SELECT * FROM loops WHERE id=?", (cur.lastrowid,)).fetchone()


def close_loop(settings: Settings, loop_id: int) -> sqlite3.Row | None:
    """Mark a loop done (closing it twice keeps the first date); None when there is no such loop."""
    with connect(settings) as conn:
        conn.execute("UPDATE loops SET done_at=COALESCE(done_at, ?) WHERE id=?", (now_iso(), int(loop_id)))
        return conn.execute("SELECT * FROM loops WHERE id=?", (int(loop_id),)).fetchone()


def loop_rows(settings: Settings, key: str | None = None, open_only: bool = True) -> list[sqlite3.Row]:
    """Loops for one contact key (or everyone), oldest first."""
    sql, args = "SELECT * FROM loops WHERE 1=1", []
    if key:
        sql += " AND contact_key=?"
        args.append(key)
    if open_only:
        sql += " AND done_at IS NULL"
    with connect(settings) as conn:
        return conn.execute(sql + " ORDER BY id", args).fetchall()


def open_loops(settings: Settings, key: str) -> list[tuple[str, str]]:
    """``(kind, text)`` of a contact's open loops, oldest first."""
    return [(r["kind"], r["text"]) for r in loop_rows(settings, key)]



# ------------------------------------------------------------- meetings --
# Calendar meetings (from .ics imports) and the e-mails / profile URLs that tell contacts apart.
# Their tables are created on first use here, so the schema above stays as it was.
MEETINGS_SCHEMA = """
CREATE TABLE IF NOT EXISTS meetings (
    uid TEXT NOT NULL,
    start TEXT NOT NULL,           -- ISO date or date-time (with its UTC offset when known)
    day TEXT NOT NULL,             -- the ISO date it falls on
    summary TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    attendees TEXT NOT NULL DEFAULT '[]',     -- [{"name", "email", "contact"}]
    created_at TEXT NOT NULL,
    PRIMARY KEY (uid, start)
);
CREATE TABLE IF NOT EXISTS meeting_contacts (
    uid TEXT NOT NULL,
    start TEXT NOT NULL,
    contact_key TEXT NOT NULL,
    PRIMARY KEY (uid, start, contact_key)
);
CREATE TABLE IF NOT EXISTS contact_handles (
    kind TEXT NOT NULL,            -- 'email' or 'url'
    value TEXT NOT NULL,           -- lower-cased
    contact_key TEXT NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX IF NOT EXISTS meetings_day ON meetings(day);
CREATE INDEX IF NOT EXISTS meeting_contacts_key ON meeting_contacts(contact_key);
"""


@contextmanager
def _meetings(settings: Settings) -> Iterator[sqlite3.Connection]:
    with connect(settings) as conn:
        conn.executescript(MEETINGS_SCHEMA)
        yield conn


def upsert_meeting(settings: Settings, uid: str, start: str, day: str, summary: str, location: str,
                   attendees: list[dict]) -> bool:
    """Store a meeting keyed by ``(uid, start)``; True when it is new (a re-import adds nothing twice)."""
    keys = sorted({a["contact"] for a in attendees if a.get("contact")})
    with _lock, _meetings(settings) as conn:
        new = conn.execute("SELECT 1 FROM meetings WHERE uid=? AND start=?", (uid, start)).fetchone() is None
        conn.execute("INSERT OR REPLACE INTO meetings(uid, start, day, summary, location, attendees, created_at) "
                     "VALUES (?,?,?,?,?,?,COALESCE((SELECT created_at FROM meetings WHERE uid=? AND start=?),?))",
                     (uid, start, day, summary, location, json.dumps(attendees), uid, start, now_iso()))
        conn.execute("DELETE FROM meeting_contacts WHERE uid=? AND start=?", (uid, start))
        conn.executemany("INSERT INTO meeting_contacts(uid, start, contact_key) VALUES (?,?,?)",
                         [(uid, start, k) for k in keys])
    return new


def meeting_rows(settings: Settings, first_day: str | None = None, last_day: str | None = None,
                 key: str | None = None) -> list[dict]:
    """Meetings from ``first_day`` to ``last_day`` (ISO dates, inclusive), optionally with one contact, by start."""
    sql, args = "SELECT m.* FROM meetings m WHERE 1=1", []
    if first_day:
        sql, args = sql + " AND m.day >= ?", args + [first_day]
    if last_day:
        sql, args = sql + " AND m.day <= ?", args + [last_day]
    if key:
        sql += " AND EXISTS (SELECT 1 FROM meeting_contacts c WHERE c.uid=m.uid AND c.start=m.start AND c.contact_key=?)"
        args.append(key)
    with _meetings(settings) as conn:
        rows = conn.execute(sql + " ORDER BY m.day, m.start", args).fetchall()
    return [{**dict(r), "attendees": json.loads(r["attendees"] or "[]")} for r in rows]


def delete_meetings_of(settings: Settings, key: str, name: str = "") -> int:
    """Remove a contact from every meeting: links, handles, their attendee entry and their name in titles.

    A meeting left with nobody else is deleted; one with others stays for them. Returns the
    meetings touched.
    """
    touched = 0
    with _lock, _meetings(settings) as conn:
        conn.execute("DELETE FROM contact_handles WHERE contact_key=?", (key,))
        rows = conn.execute("SELECT m.* FROM meetings m JOIN meeting_contacts c ON c.uid=m.uid AND c.start=m.start "
                            "WHERE c.contact_key=?", (key,)).fetchall()
        conn.execute("DELETE FROM meeting_contacts WHERE contact_key=?", (key,))
        for row in rows:
            touched += 1
            others = [a for a in json.loads(row["attendees"] or "[]") if a.get("contact") != key]
            if not others:
                conn.execute("DELETE FROM meetings WHERE uid=? AND start=?", (row["uid"], row["start"]))
                continue
            summary = row["summary"].replace(name, "(someone forgotten)") if name else row["summary"]
            conn.execute("UPDATE meetings SET attendees=?, summary=? WHERE uid=? AND start=?",
                         (json.dumps(others), summary, row["uid"], row["start"]))
    return touched


def add_handle(settings: Settings, kind: str, value: str, key: str) -> str:
    """Remember that an e-mail or profile URL belongs to a contact; returns the key it belongs to (first wins)."""
    value = value.strip().lower()
    with _lock, _meetings(settings) as conn:
        conn.execute("INSERT OR IGNORE INTO contact_handles(kind, value, contact_key) VALUES (?,?,?)",
                     (kind, value, key))
        row = conn.execute("SELECT contact_key FROM contact_handles WHERE kind=? AND value=?", (kind, value)).fetchone()
    return row["contact_key"]


def handles(settings: Settings) -> dict[tuple[str, str], str]:
    """``(kind, value) -> contact key`` for every known e-mail and profile URL."""
    with _meetings(settings) as conn:
        rows = conn.execute("SELECT * FROM contact_handles").fetchall()
    return {(r["kind"], r["value"]): r["contact_key"] for r in rows}
