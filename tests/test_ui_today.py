"""The Today page, driven by Streamlit's AppTest: empty state, one contact due, one upcoming meeting."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from assistant.config import Settings
from assistant.generation.llm import ScriptedGenerator
from assistant.notes import db
from assistant.notes.ingest import store_note
from assistant.notes.store import KnowledgeBase
from assistant.types import Note, Target

APP = Path(__file__).resolve().parent.parent / "ui" / "app.py"


def _today(at=None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["generator"] = ScriptedGenerator()
    at.run()
    assert not at.exception, at.exception
    at.switch_page("views/today.py").run()
    assert not at.exception, at.exception
    return at


def _shown(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [s.value for s in at.success]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def _contact(settings: Settings, name: str, text: str, day: str) -> None:
    store_note(KnowledgeBase(settings), settings, Note(Target.contact(name), text, source=f"note:{name}",
                                                       title="Notes", date=day))


def test_today_is_listed_first_and_teaches_a_new_user(data_home: Path) -> None:
    at = _today()
    assert "Import your LinkedIn connections" in _shown(at) and "People page" in _shown(at)
    assert at.button(key="today_people") is not None


def test_one_contact_due_with_a_button_to_the_brief(settings: Settings) -> None:
    long_ago = (date.today() - timedelta(days=120)).isoformat()
    _contact(settings, "Ana Costa", "Ana runs the saltmarsh programme at Estuary Trust.", long_ago)
    at = _today()
    shown = _shown(at)
    assert "Reconnect with Ana Costa" in shown and "overdue" in shown
    at.button(key="today_open_0").click().run()
    assert not at.exception, at.exception
    assert at.session_state["contact"] == "Ana Costa"


def test_one_upcoming_meeting_says_prepare_the_brief(settings: Settings) -> None:
    _contact(settings, "Dana Whitfield", "Dana leads product at Brightwater Heat.", date.today().isoformat())
    day = (date.today() + timedelta(days=2)).isoformat()
    db.upsert_meeting(settings, "coffee-1", day + "T10:00:00", day, "Coffee with Dana", "",
                      [{"name": "Dana Whitfield", "email": "", "contact": "dana whitfield"}])
    at = _today()
    shown = _shown(at)
    assert "Prepare the brief for Dana Whitfield" in shown and "Coffee with Dana" in shown
    assert [h.value for h in at.subheader] == ["The plan for the next weeks"]
    assert "Nothing planned for the next four weeks" in shown
