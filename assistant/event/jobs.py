"""The event job store: one SQLite row per event, one per attendee.

An event run can take an hour on a laptop, so its state lives in the data
dir's SQLite file rather than in memory: a crash, a closed lid or a SIGKILL
leaves every attendee ``queued``, ``running``, ``done`` or ``failed``, and the
next run picks up from there. Every state change is its own transaction, so
a finished brief is either fully recorded (state and JSON together) or not at
all. The terminal and the browser read the same rows, so both show one job.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from assistant.notes import db
from assistant.config import Settings
from assistant.errors import InputError, NotFoundError
from assistant.types import name_key

STATES = ("queued", "running", "done", "failed")

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    csv_path TEXT NOT NULL,
    goal TEXT,
    created_at TEXT NOT NULL,
    out_dir TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    top INTEGER,                          -- how many the last run prepared (NULL: everyone)
    ingested INTEGER NOT NULL DEFAULT 1,  -- rows stored as notes at import (else just before briefing)
    skipped TEXT NOT NULL DEFAULT '[]',   -- [[row, why], ...] rows we could not use
    merged TEXT NOT NULL DEFAULT '[]',    -- [[row, name], ...] duplicate rows folded into an earlier one
    runner_pid INTEGER                    -- process preparing it now (two runners would do work twice)
);
CREATE TABLE IF NOT EXISTS event_items (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    contact_key TEXT NOT NULL,
    name TEXT NOT NULL,
    rank INTEGER NOT NULL,
    score REAL NOT NULL,
    reason TEXT NOT NULL,
    attendee TEXT NOT NULL,               -- the CSV row as JSON
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    error TEXT NOT NULL DEFAULT '',
    brief_json TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,  -- times a run started this attendee
    generated_at TEXT NOT NULL DEFAULT '',
    seconds REAL NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (event_id, contact_key)
);
CREATE INDEX IF NOT EXISTS event_items_rank ON event_items(event_id, rank);
"""


@contextmanager
def connect(settings: Settings) -> Iterator[sqlite3.Connection]:
    """The app's SQLite connection with the event tables in place; one commit at the end."""
    with db.connect(settings) as conn:
        conn.executescript(SCHEMA)
        yield conn


# ------------------------------------------------------------------ records --
@dataclass
class EventItem:
    """One attendee of one event and where their brief stands."""

    event_id: int
    contact_key: str
    name: str
    rank: int
    score: float
    reason: str
    attendee: dict
    state: str = "queued"
    error: str = ""
    brief: dict | None = None
    attempts: int = 0
    generated_at: str = ""
    seconds: float = 0.0
    updated_at: str = ""

    @property
    def row(self) -> int:
        return int(self.attendee.get("row", 0))

    def ranking_row(self) -> dict[str, object]:
        """Same columns as :func:`assistant.ranking.ranking_rows`, so one CSV format everywhere."""
        return {"rank": self.rank, "name": self.name, "title": self.attendee.get("title", ""),
                "company": self.attendee.get("company", ""), "score": round(self.score, 3),
                "reason": self.reason, "profile_url": self.attendee.get("profile_url", "")}

    def to_dict(self, with_brief: bool = False) -> dict:
        out = {"contact_key": self.contact_key, "name": self.name, "rank": self.rank, "score": round(self.score, 4),
               "reason": self.reason, "row": self.row, "state": self.state, "error": self.error,
               "attempts": self.attempts, "generated_at": self.generated_at, "seconds": round(self.seconds, 2),
               "updated_at": self.updated_at}
        if with_brief:
            out["brief"] = self.brief
        return out


@dataclass
class EventJob:
    """An imported attendee list: the ranking is fixed, briefs fill in over runs."""

    id: int
    name: str
    csv_path: str
    goal: str | None
    created_at: str
    out_dir: Path
    settings: Settings = field(repr=False, compare=False)
    model: str = ""
    top: int | None = None
    ingested: bool = True
    skipped: list[tuple[int, str]] = field(default_factory=list)
    merged: list[tuple[int, str]] = field(default_factory=list)
    # a sign-up form's questions read as each person's answers; said when the list is read, not stored
    questions: list[str] = field(default_factory=list, compare=False)

    def items(self, with_briefs: bool = True) -> list[EventItem]:
        return load_items(self.settings, self.id, with_briefs=with_briefs)

    def counts(self, in_scope: bool = False) -> dict[str, int]:
        """Attendees per state; ``in_scope`` counts only the top N the last run was asked for."""
        return state_counts(self.settings, self.id, max_rank=self.top if in_scope else None)

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "csv_path": self.csv_path, "goal": self.goal,
                "created_at": self.created_at, "out_dir": str(self.out_dir), "model": self.model, "top": self.top,
                "skipped": [list(s) for s in self.skipped], "merged": [list(m) for m in self.merged],
                "counts": self.counts()}


def _job(settings: Settings, row: sqlite3.Row) -> EventJob:
    return EventJob(row["id"], row["name"], row["csv_path"], row["goal"], row["created_at"], Path(row["out_dir"]),
                    settings, row["model"], row["top"], bool(row["ingested"]),
                    [tuple(s) for s in json.loads(row["skipped"])], [tuple(m) for m in json.loads(row["merged"])])


def _item(row: sqlite3.Row, with_brief: bool) -> EventItem:
    brief = json.loads(row["brief_json"]) if with_brief and row["brief_json"] else None
    return EventItem(row["event_id"], row["contact_key"], row["name"], row["rank"], row["score"], row["reason"],
                     json.loads(row["attendee"]), row["state"], row["error"], brief, row["attempts"],
                     row["generated_at"], row["seconds"], row["updated_at"])


# ------------------------------------------------------------------ writing --
def create_event(settings: Settings, *, name: str, csv_path: str, goal: str | None, items: Sequence[EventItem],
                 skipped: Sequence[tuple[int, str]] = (), merged: Sequence[tuple[int, str]] = (),
                 out_dir: Path | None = None, ingested: bool = True) -> EventJob:
    """Record a new job and all its attendees in one transaction (1,000 rows take milliseconds).

    Without ``out_dir`` the job gets ``<data dir>/events/<slug>-<id>``: the id
    keeps two imports of the same list from overwriting each other's files.
    """
    from assistant.types import slug

    now = db.now_iso()
    with connect(settings) as conn:
        cur = conn.execute(
            "INSERT INTO events(name, csv_path, goal, created_at, ingested, skipped, merged) VALUES (?,?,?,?,?,?,?)",
            (name, csv_path, goal, now, int(ingested), json.dumps([list(s) for s in skipped]),
             json.dumps([list(m) for m in merged])))
        event_id = int(cur.lastrowid)
        where = Path(out_dir) if out_dir else settings.home / "events" / f"{slug(name)}-{event_id}"
        conn.execute("UPDATE events SET out_dir=? WHERE id=?", (str(where.expanduser().absolute()), event_id))
        conn.executemany(
            "INSERT INTO event_items(event_id, contact_key, name, rank, score, reason, attendee, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?)",
            [(event_id, i.contact_key, i.name, i.rank, float(i.score), i.reason, json.dumps(i.attendee), now)
             for i in items])
    return get_event(settings, event_id)


def set_run_info(settings: Settings, event_id: int, *, model: str, top: int | None) -> None:
    with connect(settings) as conn:
        conn.execute("UPDATE events SET model=?, top=? WHERE id=?", (model, top, event_id))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim_runner(settings: Settings, event_id: int) -> None:
    """Mark this process as the one preparing the event; refuse if another live one is.

    A runner killed with SIGKILL leaves its pid behind; a dead pid is simply
    taken over, which is what makes ``--resume`` after a crash work.
    """
    me = os.getpid()
    with connect(settings) as conn:
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT runner_pid FROM events WHERE id=?", (event_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"There is no event job number {event_id}.")
        pid = row["runner_pid"]
        if pid and pid != me and _pid_alive(pid):
            raise InputError(f"This event is already being prepared by another Rapport process (pid {pid}).",
                             "Wait for it to finish, or stop it and run again with --resume.")
        conn.execute("UPDATE events SET runner_pid=? WHERE id=?", (me, event_id))


def release_runner(settings: Settings, event_id: int) -> None:
    with connect(settings) as conn:
        conn.execute("UPDATE events SET runner_pid=NULL WHERE id=? AND runner_pid=?", (event_id, os.getpid()))


def mark_running(settings: Settings, event_id: int, contact_key: str) -> bool:
    """queued/running/failed -> running, counting the attempt; False if it is already done."""
    with connect(settings) as conn:
        cur = conn.execute(
            "UPDATE event_items SET state='running', attempts=attempts+1, error='', updated_at=? "
            "WHERE event_id=? AND contact_key=? AND state != 'done'", (db.now_iso(), event_id, contact_key))
        return cur.rowcount == 1


def mark_done(settings: Settings, event_id: int, contact_key: str, brief: dict, seconds: float) -> bool:
    """running -> done with the brief, in one transaction: state and JSON land together or not at all."""
    with connect(settings) as conn:
        cur = conn.execute(
            "UPDATE event_items SET state='done', brief_json=?, generated_at=?, seconds=?, error='', updated_at=? "
            "WHERE event_id=? AND contact_key=? AND state='running'",
            (json.dumps(brief, ensure_ascii=False), str(brief.get("generated_at", "")), seconds, db.now_iso(),
             event_id, contact_key))
        return cur.rowcount == 1


def mark_failed(settings: Settings, event_id: int, contact_key: str, error: str, seconds: float) -> None:
    with connect(settings) as conn:
        conn.execute(
            "UPDATE event_items SET state='failed', error=?, seconds=?, updated_at=? "
            "WHERE event_id=? AND contact_key=? AND state='running'",
            (error, seconds, db.now_iso(), event_id, contact_key))


def delete_event(settings: Settings, event_id: int) -> None:
    """Forget a job's rows (its files and the attendees' notes stay)."""
    with connect(settings) as conn:
        conn.execute("DELETE FROM event_items WHERE event_id=?", (event_id,))
        conn.execute("DELETE FROM events WHERE id=?", (event_id,))


def forget_contact(settings: Settings, name: str) -> list[int]:
    """Drop a person from every event: their row, their brief, and duplicate/skip notes naming them.

    Returns the events that changed, so the caller can rewrite their files.
    """
    needle, contact_key = name.casefold(), name_key(name)
    with connect(settings) as conn:
        ids = [r[0] for r in conn.execute("SELECT DISTINCT event_id FROM event_items WHERE contact_key=?",
                                          (contact_key,))]
        conn.execute("DELETE FROM event_items WHERE contact_key=?", (contact_key,))
        for row in conn.execute("SELECT id, skipped, merged FROM events").fetchall():
            lists = {col: json.loads(row[col] or "[]") for col in ("skipped", "merged")}
            kept = {col: [e for e in entries if needle not in json.dumps(e, ensure_ascii=False).casefold()]
                    for col, entries in lists.items()}
            if kept != lists:
                conn.execute("UPDATE events SET skipped=?, merged=? WHERE id=?",
                             (json.dumps(kept["skipped"]), json.dumps(kept["merged"]), row["id"]))
                ids.append(row["id"])
    return sorted(set(ids))


# ------------------------------------------------------------------ reading --
def get_event(settings: Settings, event_id: int) -> EventJob:
    with connect(settings) as conn:
        row = conn.execute("SELECT * FROM events WHERE id=?", (event_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"There is no event job number {event_id}.",
                            "List your events with `rapport events`.")
    return _job(settings, row)


def list_jobs(settings: Settings) -> list[EventJob]:
    with connect(settings) as conn:
        rows = conn.execute("SELECT * FROM events ORDER BY id DESC").fetchall()
    return [_job(settings, r) for r in rows]


def latest_for_csv(settings: Settings, csv_path: str) -> EventJob | None:
    with connect(settings) as conn:
        row = conn.execute("SELECT * FROM events WHERE csv_path=? ORDER BY id DESC LIMIT 1", (csv_path,)).fetchone()
    return _job(settings, row) if row else None


def load_items(settings: Settings, event_id: int, *, with_briefs: bool = True,
               states: Sequence[str] | None = None, max_rank: int | None = None) -> list[EventItem]:
    """Items in ranked order, optionally only some states / the top ``max_rank``."""
    sql = "SELECT * FROM event_items WHERE event_id=?"
    args: list[object] = [event_id]
    if states:
        sql += f" AND state IN ({','.join('?' * len(states))})"
        args += list(states)
    if max_rank is not None:
        sql += " AND rank <= ?"
        args.append(max_rank)
    with connect(settings) as conn:
        rows = conn.execute(sql + " ORDER BY rank", args).fetchall()
    return [_item(r, with_briefs) for r in rows]


def state_counts(settings: Settings, event_id: int, max_rank: int | None = None) -> dict[str, int]:
    sql = "SELECT state, COUNT(*) AS n FROM event_items WHERE event_id=?"
    args: list[object] = [event_id]
    if max_rank is not None:
        sql += " AND rank <= ?"
        args.append(max_rank)
    with connect(settings) as conn:
        rows = conn.execute(sql + " GROUP BY state", args).fetchall()
    counts = {s: 0 for s in STATES}
    counts.update({r["state"]: r["n"] for r in rows})
    return counts
