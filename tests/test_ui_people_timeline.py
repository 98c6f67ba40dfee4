"""The contact page's timeline, note editing, rename / merge / fields, drafts and cadence, under AppTest.

Own small data dirs (real Chroma, real embedder: a few short notes), not the demo, so each
test says exactly what is stored; the model is a ScriptedGenerator in session state.
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.config import Settings
from assistant.generation.llm import ScriptedGenerator
from assistant.notes import db
from assistant.notes.edit import note_id
from assistant.notes.ingest import store_note
from assistant.notes.store import KnowledgeBase
from assistant.notes.workspace import load_brief, save_brief
from assistant.types import Note, Target

APP = Path(__file__).resolve().parent.parent / "ui" / "app.py"
ANA = Target.contact("Ana Costa")
EVIL = "<script>alert('x')</script> ![x](http://evil.example/x.png) [click me](http://evil.example/)"
TASK = "TASK: Write a short"
GOOD_REQUEST = json.dumps({"subject": "Saltmarsh restoration at Estuary Trust", "body": (
    "Hi Ana,\n\nI enjoyed hearing about the saltmarsh restoration programme at Estuary Trust. I am a data analyst "
    "moving into climate tech, and I am curious how your team measures carbon storage.\n\nWould you have 15-20 "
    "minutes for a call in the next few weeks? Any time that suits you works, and I know you are busy.\n\nBest,")})


def page(generator=None, contact: str | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["generator"] = generator or ScriptedGenerator()
    if contact:
        at.session_state["contact"] = contact
    at.run()
    at.switch_page("views/people.py").run()
    assert not at.exception, at.exception
    return at


def shown(at) -> str:
    parts = [m.value for m in at.markdown] + [t.value for t in at.text] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [s.value for s in at.success] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def _ana(settings: Settings, text: str = "Ana Costa runs the saltmarsh restoration programme at Estuary Trust.") -> str:
    kb = KnowledgeBase(settings)
    store_note(kb, settings, Note(ANA, text, "ana-role.md", "Role", "2026-10-01"), fields=["Coastal science"])
    store_note(kb, settings, Note(Target.me(), "I am a data analyst moving into climate tech. What I can offer: my "
                                  "article on onboarding emails.", "me.md", "Me", "2026-10-01"))
    return note_id(kb.notes_of(ANA)[0].source_key)


def test_empty_data_dir_shows_the_first_step(data_home: Path) -> None:
    at = page()
    assert "No contacts yet" in shown(at)
    assert len(at.tabs) == 0


def test_one_contact_timeline_edit_and_delete(settings: Settings) -> None:
    ident = _ana(settings, EVIL + " Ana runs the saltmarsh programme.")
    chunk = KnowledgeBase(settings).chunks_of(ANA)[0].id
    save_brief({"contact": ANA.name, "generated_at": "2026-10-02T09:00:00", "goal": "",
                "facts": [{"text": "A fact.", "sources": [chunk]}], "sources": [{"id": chunk}]}, settings)
    at = page(contact=ANA.name)
    assert "Role" in shown(at) and "Brief prepared" in shown(at) and ident in shown(at)
    assert len(at.get("html")) == 0 and all("<script>" not in m.value for m in at.markdown)  # the note is text
    at.toggle(key=f"tl_open_{ident}").set_value(True).run()
    assert not at.exception, at.exception
    assert "saltmarsh programme" in at.text_area(key=f"tl_text_{ident}").value
    at.text_area(key=f"tl_text_{ident}").input("Ana now leads kelp research at Estuary Trust.")
    at.button(key=f"tl_save_{ident}").click().run()
    assert not at.exception, at.exception
    kb = KnowledgeBase(settings)
    assert [n.excerpt for n in kb.notes_of(ANA)] == ["Ana now leads kelp research at Estuary Trust."]
    assert "Edited note" in shown(at)
    assert load_brief(settings, ANA.name)["stale_notes"] == [ident]
    at.toggle(key=f"tl_open_{ident}").set_value(True).run()
    assert at.button(key=f"tl_del_{ident}").disabled  # needs the confirmation first
    at.checkbox(key=f"tl_del_ok_{ident}").check().run()
    at.button(key=f"tl_del_{ident}").click().run()
    assert not at.exception, at.exception
    assert kb.notes_of(ANA) == [] and "Deleted note" in shown(at)


def test_drafts_and_cadence(settings: Settings) -> None:
    _ana(settings)
    store_note(KnowledgeBase(settings), settings, Note(Target.contact("Old Friend"), "Old Friend restores boats.",
                                                       "old.md", "Boats", "2020-01-01"))
    at = page(ScriptedGenerator(script={TASK: GOOD_REQUEST}), contact=ANA.name)
    assert "Old Friend: due 2020-02-12" in shown(at).replace("**", "")  # the due list, with dates
    at.selectbox(key="draft_kind").select("request").run()
    at.button(key="draft_button").click().run()
    assert not at.exception, at.exception
    code = [c.value for c in at.code]
    assert code and code[0].startswith("Subject: Saltmarsh restoration at Estuary Trust") and "15-20" in code[0]
    assert [e.label for e in at.expander if e.label.startswith("Sources used")] == ["Sources used (2)"]
    assert "Role" in shown(at) and "I am a data analyst" in shown(at)  # each source with its excerpt
    at.number_input(key="cadence_days").set_value(30).run()
    at.button(key="cadence_button").click().run()
    assert not at.exception, at.exception
    assert db.get_contact(settings, ANA.name).cadence_days == 30 and "Every 30 days" in shown(at)


def test_many_contacts_rename_merge_and_remove_a_field(settings: Settings) -> None:
    _ana(settings)
    for n in range(25):
        db.upsert_contact(settings, f"Person {n:02d}", ["Coastal science"] if n % 5 == 0 else None)
    store_note(KnowledgeBase(settings), settings, Note(Target.contact("A. Costa"), "A. Costa sails in Chester.",
                                                       "a.md", "Sailing", "2026-09-01"))
    at = page(contact=ANA.name)
    assert len(at.dataframe[0].value["Name"]) == 27
    at.text_input(key="rename_to").input("Ana Costa-Silva")
    at.button(key="rename_button").click().run()
    assert not at.exception, at.exception
    assert at.session_state["contact"] == "Ana Costa-Silva" and "Renamed Ana Costa to Ana Costa-Silva" in shown(at)
    kb = KnowledgeBase(settings)
    assert kb.chunks_of(ANA) == [] and len(kb.notes_of(Target.contact("Ana Costa-Silva"))) == 1
    at.session_state["contact"] = "A. Costa"
    at.run()
    at.selectbox(key="merge_into").select("Ana Costa-Silva").run()
    assert at.button(key="merge_button").disabled
    at.checkbox(key="merge_confirm").check().run()
    at.button(key="merge_button").click().run()
    assert not at.exception, at.exception
    assert len(kb.notes_of(Target.contact("Ana Costa-Silva"))) == 2 and "A. Costa" not in list(
        at.dataframe[0].value["Name"])
    at.selectbox(key="field_pick").select("Coastal science").run()
    at.checkbox(key="field_remove_confirm").check().run()
    at.button(key="field_remove_button").click().run()
    assert not at.exception, at.exception
    assert all(not c.fields for c in db.list_contacts(settings)) and "Removed the field" in shown(at)
