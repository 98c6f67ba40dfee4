"""A contact's timeline: every store, in date order, each entry with an id to act on.

Real Chroma and the real embedder (four short notes).
"""

from __future__ import annotations

from datetime import date

from typer.testing import CliRunner

from assistant.conversation.history import Conversation
from assistant.conversation.relationship import add_loop, close_loop, log_interaction
from assistant.conversation.timeline import timeline
from assistant.notes import db
from assistant.notes.edit import find_note
from assistant.notes.ingest import store_note
from assistant.notes.workspace import save_brief
from assistant.types import Note, Target

DANA = Target.contact("Dana Whitfield")


def _fill(kb, settings) -> None:
    store_note(kb, settings, Note(DANA, "Dana leads product at Brightwater Heat.", "pasted:abc", "First notes",
                                  "2025-01-10"))
    store_note(kb, settings, Note(DANA, "LinkedIn message on 2025-03-01 from Dana Whitfield: thanks for the article",
                                  "message:received:2025-03-01:d1", "LinkedIn message", "2025-03-01"))
    store_note(kb, settings, Note(DANA, "An undated clipping about heat pumps.", "pasted:undated", "Clipping", ""))
    log_interaction(DANA.name, "Coffee at Java Blend about onboarding", kb, settings, when=date(2025, 2, 1))
    loop = add_loop(DANA.name, "offer", "send the funnel teardown", kb, settings)
    close_loop(loop.id, settings)
    db.upsert_meeting(settings, "m1", "2025-04-01T10:00:00", "2025-04-01", "Call with Dana", "Zoom",
                      [{"name": "Dana Whitfield", "email": "", "contact": DANA.key},
                       {"name": "Owen Tremblay", "email": "", "contact": ""}])
    save_brief({"contact": DANA.name, "generated_at": "2025-03-31T09:00:00", "goal": "learn about onboarding",
                "facts": [{"text": "Dana leads product.", "sources": []}]}, settings)
    chat = Conversation.load(DANA.name, settings)
    chat.add("user", "what did she say about hiring?")
    chat.save()


def test_timeline_has_every_kind_in_date_order(kb, settings) -> None:
    _fill(kb, settings)
    entries = timeline(kb, settings, "dana")
    kinds = [e.kind for e in entries]
    assert kinds[:5] == ["note", "interaction", "message", "brief", "meeting"]
    assert {"loop opened", "loop closed", "chat"} <= set(kinds)
    assert kinds.count("interaction") == 1  # the logged row and its note are one entry
    assert entries[-1].title == "Clipping" and entries[-1].day == "undated"
    dated = [e.date for e in entries if e.date]
    assert dated == sorted(dated)
    meeting = next(e for e in entries if e.kind == "meeting")
    assert meeting.title == "Call with Dana" and "Owen Tremblay" in meeting.text and meeting.id.startswith("meeting-")
    assert next(e for e in entries if e.kind == "brief").title == "Brief prepared for learn about onboarding"
    for e in entries:  # every note-like entry opens as the note it names
        if e.editable:
            assert find_note(kb, settings, e.id, owner=DANA).id == e.id
    newest = timeline(kb, settings, DANA.name, newest_first=True)
    assert [e.date for e in newest if e.date] == dated[::-1] and newest[-1].day == "undated"


def test_timeline_of_a_contact_without_anything(kb, settings) -> None:
    db.upsert_contact(settings, "Ana Costa")
    assert timeline(kb, settings, "Ana Costa") == []


def test_cli_timeline_table(kb, settings) -> None:
    from assistant.cli import app

    _fill(kb, settings)
    r = CliRunner().invoke(app, ["timeline", "Dana Whitfield"])
    assert r.exit_code == 0, r.output
    assert "2025-01-10" in r.stdout and "interaction" in r.stdout and "note-" in r.stdout
