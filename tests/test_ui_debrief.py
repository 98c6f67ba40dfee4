"""The Debrief page, driven by Streamlit's AppTest: propose, review (keep, edit, drop), save, thank-you.

Real Chroma and embeddings in this test's data dir; the model is a
ScriptedGenerator in ``session_state["generator"]`` (the app's way in).
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from assistant.config import Settings
from assistant.conversation import relationship
from assistant.notes.ingest import store_note
from assistant.notes.store import KnowledgeBase
from assistant.types import Note, Target
from tests.test_debrief import DEBRIEF, FIELD, NAME, NO_OFFER, THANKS_NEEDLE, VTT, item, proposals, scripted

APP = Path(__file__).resolve().parent.parent / "ui" / "app.py"


def _seed(settings: Settings) -> KnowledgeBase:
    kb = KnowledgeBase(settings)
    store_note(kb, settings, Note(Target.contact(NAME), "Dana Whitfield leads product at Brightwater Heat.",
                                  source="note:dana", title="Dana", date="2026-01-05"), fields=[FIELD])
    return kb


def _page(gen):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["generator"] = gen
    at.session_state["contact"] = NAME
    at.run()
    assert not at.exception, at.exception
    at.switch_page("views/debrief.py").run()
    assert not at.exception, at.exception
    return at


def _shown(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.success]
    parts += [w.value for w in at.warning] + [e.value for e in at.error] + [i.value for i in at.info]
    parts += [h.value for h in at.subheader]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def _propose(at, text: str = DEBRIEF):
    at.text_area(key="debrief_text").input(text).run()
    at.button(key="debrief_run").click().run()
    assert not at.exception, at.exception
    return at


def test_review_shows_each_proposal_with_its_cited_line_and_writes_nothing(settings: Settings) -> None:
    kb = _seed(settings)
    before = kb.count()
    at = _propose(_page(scripted()))
    shown = _shown(at)
    assert "Review: Dana Whitfield" in shown and "Nothing is saved until" in shown
    assert "D5: “I'll send her my article on onboarding emails.”" in shown
    assert at.text_area(key="debrief_edit_1").value == "Send Dana my article on onboarding emails."
    assert at.number_input(key="debrief_days_6").value == 21
    assert at.text_input(key="debrief_field_4").value == FIELD
    assert "Removed by the checks (1)" in [e.label for e in at.expander][0]
    assert relationship.interactions(NAME, kb, settings) == [] and kb.count() == before
    assert relationship.list_loops(kb, settings, NAME) == []


def test_keep_edit_drop_then_save_and_see_the_thank_you(settings: Settings) -> None:
    kb = _seed(settings)
    gen = scripted()
    at = _propose(_page(gen))
    at.text_area(key="debrief_edit_0").input("Coffee at Java Blend; we talked about installer onboarding.").run()
    at.checkbox(key="debrief_keep_2").uncheck().run()      # the ask: not kept
    at.button(key="debrief_drop_3").click().run()          # the fact: dropped
    assert at.text_area(key="debrief_edit_0").value.startswith("Coffee at Java Blend")
    assert not [b for b in at.button if b.key == "debrief_drop_3"]
    at.button(key="debrief_save").click().run()
    assert not at.exception, at.exception
    shown = _shown(at)
    assert "Saved for Dana Whitfield." in shown and "Open loop" in shown
    assert [e.text for e in relationship.interactions(NAME, kb, settings)] == [
        "Coffee at Java Blend; we talked about installer onboarding."]
    assert [lp.kind for lp in relationship.list_loops(kb, settings, NAME)] == ["offer"]
    about = " ".join(c.text for c in kb.chunks_of(Target.contact(NAME)))
    assert "launching the installer app" not in about  # the dropped fact
    assert at.text_input(key="debrief_subject").value == "Thank you for the coffee"
    assert "installer onboarding" in at.text_area(key="debrief_body").value
    assert any(e.label.startswith("Sources it used") for e in at.expander)
    assert any("mention Her point" in c[-1]["content"] for c in gen.calls if THANKS_NEEDLE in c[-1]["content"])


def test_a_debrief_with_no_offer_saves_no_offer_loop(settings: Settings) -> None:
    kb = _seed(settings)
    reply = proposals(offers=[item("Help Dana with installer onboarding problems.", "D3")], asks=[], insights=[],
                      facts=[], circle_back={"days": 30, "text": "Next month.", "sources": ["D2"]})
    at = _propose(_page(scripted(reply)), NO_OFFER)
    assert "no offer or promise by you" in _shown(at)
    at.button(key="debrief_save").click().run()
    assert not at.exception, at.exception
    assert [lp.kind for lp in relationship.list_loops(kb, settings, NAME)] == []


def test_uploaded_transcript_and_hostile_text(settings: Settings) -> None:
    _seed(settings)
    reply = json.dumps({"log": item("Dana launches the installer app next month.", "D1"), "offers": [], "asks": [],
                        "facts": [item("<script>alert(1)</script> ![x](http://evil.example/x.png)", "D1")],
                        "insights": [], "thanks": item("The installer app launch next month.", "D1"),
                        "circle_back": {"days": 30, "text": "After the launch next month.", "sources": ["D1"]}})
    gen = scripted(reply)
    at = _page(gen)
    at.text_area(key="debrief_text").input(VTT).run()  # a transcript pasted as it is
    at.button(key="debrief_run").click().run()
    assert not at.exception, at.exception
    prompt = [c[-1]["content"] for c in gen.calls][-1]
    assert "-->" not in prompt and "WEBVTT" not in prompt and "Dana Whitfield: We launch" in prompt
    assert len(at.get("html")) == 0 and len(at.get("image")) == 0
    assert all("](http" not in m.value for m in at.markdown)


def test_empty_debrief_is_a_sentence_not_an_exception(settings: Settings) -> None:
    _seed(settings)
    at = _page(scripted())
    at.button(key="debrief_run").click().run()
    assert not at.exception, at.exception
    assert "nothing in the debrief" in _shown(at)
    assert date.today()  # the page kept its inputs
    assert at.text_area(key="debrief_text") is not None
