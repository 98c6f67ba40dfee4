"""Every page of the Streamlit app, driven by Streamlit's AppTest.

Real Chroma and real embeddings in a temp data dir (the demo knowledge base,
loaded once and copied per test); the model is a ``ScriptedGenerator`` put
into ``session_state["generator"]``, which is how the app takes a generator
(no vendor module is patched).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.generation.llm import ScriptedGenerator
from assistant.notes.workspace import brief_path
from assistant.types import Target, slug

APP = Path(__file__).resolve().parent.parent / "ui" / "app.py"
PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
TIMEOUT = 180

EVIL = "<script>alert('x')</script> ![x](http://evil.example/x.png) [click me](http://evil.example/)"

J = json.dumps
FACTS = [
    {"text": "Dana Whitfield leads product at a marketplace for heat-pump installers.", "sources": ["N1"]},
    {"text": "Dana Whitfield sails most summer weekends with her father.", "sources": ["N2"]},
    {"text": "Dana Whitfield says installer onboarding is her biggest problem.", "sources": ["N1", "N3"]},
]
QUESTION = "How did you decide what counts as an activated installer?"


def marker(template: str) -> str:
    """A phrase only this prompt contains: its longest literal piece (so prompt edits elsewhere don't matter)."""
    text = (PROMPTS / f"{template}.md").read_text(encoding="utf-8")
    return max((p.strip() for p in re.split(r"\$\w+|\n", text)), key=len)[:50]


def brief_script(**extra: str) -> dict[str, str]:
    """Replies for each brief prompt, keyed by a phrase of that prompt (first match wins).

    Prompts that quote the facts (narrative, opener) come before the per-fact question replies.
    """
    script = {
        marker("narrative"): J({"narrative": (
            "I spent eight years at Tidewater Creative running lifecycle and email programmes, then finished a "
            "certificate in data analytics and built a side project mapping heat-pump rebate uptake in Nova "
            "Scotia. I am now looking for product work in building electrification, and I would like to hear how "
            "you think about installer onboarding.")}),
        marker("opener"): J({"opener": "Good to see you again; how is the installer onboarding work going?"}),
        marker("followup"): J({"thank_you": "Thank you for explaining the installer activation problem so clearly.",
                               "follow_up": ["Send the onboarding emails article."]}),
        marker("giveback"): J({"text": "Send the onboarding emails article to help with activation.",
                               "why": "It speaks to the activation problem."}),
        FACTS[0]["text"]: J({"question": QUESTION, "why": "It is her main problem."}),
        FACTS[1]["text"]: J({"question": "What do you enjoy most about sailing out of Chester?",
                             "why": "Personal rapport."}),
        FACTS[2]["text"]: J({"question": "Why do you think installers go quiet after they sign up?",
                             "why": "It is her number one problem."}),
        marker("facts"): J({"facts": FACTS}),
    }
    script.update(extra)
    return script


CHAT_ANSWER = "She leads product at Brightwater Heat and is focused on installer onboarding [N1]."


def chat_script(answer: str = CHAT_ANSWER) -> dict[str, str]:
    return {marker("answer"): answer, marker("rewrite"): J({"query": "Dana Whitfield onboarding"})}


# ------------------------------------------------------------------ fixtures --

@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo knowledge base, embedded once per session (about 20 s on 2 cores)."""
    from assistant.notes.demo import DEMO_MANIFEST, load_manifest
    from assistant.notes.store import KnowledgeBase

    home = tmp_path_factory.mktemp("demo-template")
    settings = Settings.from_env(home=home).ensure_dirs()
    report = load_manifest(DEMO_MANIFEST, KnowledgeBase(settings), settings)
    assert not report.failed, report.failed
    return home


@pytest.fixture
def demo(demo_template: Path, data_home: Path) -> Settings:
    """This test's data dir, a copy of the demo (so tests can write to it)."""
    shutil.copytree(demo_template, data_home, dirs_exist_ok=True)
    return Settings.from_env(home=data_home)


def kb_for(settings: Settings):
    from assistant.notes.store import KnowledgeBase

    return KnowledgeBase(settings)


def app(generator=None, contact: str | None = None, page: str | None = "views/people.py"):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if generator is not None:
        at.session_state["generator"] = generator
    if contact:
        at.session_state["contact"] = contact
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def texts(at) -> str:
    """Everything the page shows as text, for loose assertions."""
    parts = [m.value for m in at.markdown] + [t.value for t in at.text] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [s.value for s in at.success]
    parts += [i.value for i in at.info]
    return unescape("\n".join(str(p) for p in parts))


def unescape(markdown: str) -> str:
    """Markdown source with backslash escapes removed: what the reader sees."""
    return re.sub(r"\\(.)", r"\1", markdown)


def no_raw_html_or_images(at) -> None:
    """Nothing was rendered as HTML or as an image, and no Markdown kept a live link/image."""
    assert len(at.get("html")) == 0
    assert len(at.get("image")) == 0
    for m in at.markdown:
        assert not getattr(m.proto, "allow_html", False), m.value
        assert "![x](" not in m.value and "<script>" not in m.value and "](http" not in m.value, m.value


# ---------------------------------------------------------------- People ---

def test_people_lists_demo_contacts(demo: Settings) -> None:
    at = app(ScriptedGenerator())
    table = at.dataframe[0].value
    names = list(table["Name"])
    assert "Dana Whitfield" in names and "Owen Tremblay" in names and len(names) == 7
    assert "Loaded: scripted" in texts(at)  # the sidebar names the model in use


def test_paste_note_adds_it(demo: Settings) -> None:
    at = app(ScriptedGenerator(), contact="Dana Whitfield")
    before = len(kb_for(demo).notes_of(Target.contact("Dana Whitfield")))
    at.text_input(key="paste_title").input("Phone call")
    at.text_area(key="paste_text").input("Dana is now testing a two-step installer sign-up with 20 installers.")
    at.button(key="paste_submit").click().run()
    assert not at.exception, at.exception
    notes = kb_for(demo).notes_of(Target.contact("Dana Whitfield"))
    assert len(notes) == before + 1
    assert any("two-step installer sign-up" in n.excerpt for n in notes)
    assert "Note added to Dana Whitfield" in texts(at)
    assert any("two-step installer sign-up" in t.value for t in at.text)  # listed under Notes


def test_add_contact_with_first_note(demo: Settings) -> None:
    at = app(ScriptedGenerator())
    at.text_input(key="add_name").input("Zoe  Example")
    at.text_area(key="add_note").input("Zoe runs a tidal energy co-op in Annapolis Royal.")
    at.button(key="add_submit").click().run()
    assert not at.exception, at.exception
    assert "Zoe Example" in list(at.dataframe[0].value["Name"])
    assert at.session_state["contact"] == "Zoe Example"
    assert any("tidal energy" in n.excerpt for n in kb_for(demo).notes_of(Target.contact("Zoe Example")))


def test_blank_paste_shows_error_not_exception(demo: Settings) -> None:
    at = app(ScriptedGenerator(), contact="Dana Whitfield")
    at.text_area(key="paste_text").input("   ")
    at.button(key="paste_submit").click().run()
    assert not at.exception
    assert any("pasted text is empty" in e.value for e in at.error)


def test_hostile_note_is_shown_as_text(demo: Settings) -> None:
    at = app(ScriptedGenerator(), contact="Dana Whitfield")
    at.text_area(key="paste_text").input(EVIL)
    at.button(key="paste_submit").click().run()
    assert not at.exception, at.exception
    shown = [t.value for t in at.text if "evil.example" in t.value]
    assert shown and "<script>" in shown[0] and "![x](http://evil.example/x.png)" in shown[0]  # as plain text
    no_raw_html_or_images(at)


def test_upload_several_files_reports_each(demo: Settings) -> None:
    at = app(ScriptedGenerator(), contact="Farah Siddiqui")
    uploader = at.file_uploader[0]
    assert uploader.accept_multiple_files
    uploader.set_value([
        ("board-call.md", b"# Board call\nFarah is piloting usage-based pricing for the scheduling module.\n",
         "text/markdown"),
        ("broken.txt", b"\x00\x01\x02binary junk\x00" * 20, "text/plain"),
    ])
    at.run()
    at.button(key="import_files").click().run()
    assert not at.exception, at.exception
    results = at.dataframe[-1].value
    assert list(results["File"]) == ["board-call.md", "broken.txt"]
    assert list(results["Result"]) == ["imported", "failed"]
    assert "binary" in results["Details"][1]
    assert "1 of 2 files imported" in texts(at)
    notes = kb_for(demo).notes_of(Target.contact("Farah Siddiqui"))
    assert any("usage-based pricing" in n.excerpt for n in notes)
    assert not (demo.home / "uploads" / "contact" / "farah-siddiqui" / "board-call.md").exists()  # staging removed


def test_delete_one_note(demo: Settings) -> None:
    kb = kb_for(demo)
    before = kb.notes_of(Target.contact("Gregor Lindqvist"))
    at = app(ScriptedGenerator(), contact="Gregor Lindqvist")
    at.button(key="delete_note_0").click().run()
    assert not at.exception, at.exception
    after = kb.notes_of(Target.contact("Gregor Lindqvist"))
    assert len(after) == len(before) - 1
    assert before[0].source_key not in {n.source_key for n in after}


def test_forget_contact_says_what_goes(demo: Settings) -> None:
    at = app(ScriptedGenerator(), contact="Owen Tremblay")
    warning = next(w.value for w in at.warning if "permanently deletes" in w.value)
    assert "3 notes" in warning and "note chunks" in warning
    assert at.button(key="forget_button").disabled  # needs the confirmation first
    at.checkbox(key="forget_confirm").check().run()
    at.button(key="forget_button").click().run()
    assert not at.exception, at.exception
    assert "Forgot Owen Tremblay" in texts(at)
    assert "Owen Tremblay" not in list(at.dataframe[0].value["Name"])
    assert kb_for(demo).chunks_of(Target.contact("Owen Tremblay")) == []


# ----------------------------------------------------------------- Brief ---

def prepared_brief(demo: Settings, gen: ScriptedGenerator, contact: str = "Dana Whitfield"):
    at = app(gen, contact=contact, page="views/brief.py")
    at.button(key="prepare").click().run()
    assert not at.exception, at.exception
    return at


def test_brief_shows_cited_question_with_sources(demo: Settings) -> None:
    gen = ScriptedGenerator(script=brief_script())
    at = prepared_brief(demo, gen)
    shown = texts(at)
    assert QUESTION in shown
    # The question's sources are one click away: a popover with file, date and excerpt.
    md_sources = [m.value for m in at.markdown if m.value.startswith("**\\[")]
    assert md_sources, "no source headings rendered"
    assert any(len(t.value) > 40 for t in at.text), "no source excerpt rendered"
    saved = json.loads(brief_path(demo, "Dana Whitfield").read_text())
    assert saved["contact"] == "Dana Whitfield" and saved["questions"][0]["text"] == QUESTION
    assert saved["questions"][0]["sources"] and saved["sources"]
    # Both downloads are offered.
    assert len(at.get("download_button")) == 2


def test_brief_print_layout_and_regenerate(demo: Settings) -> None:
    gen = ScriptedGenerator(script=brief_script())
    at = prepared_brief(demo, gen)
    calls = len(gen.calls)
    at.button(key="regen_narrative").click().run()
    assert not at.exception, at.exception
    assert len(gen.calls) > calls
    at.toggle(key="print_layout").set_value(True).run()
    compact = [m.value for m in at.markdown if "Questions to ask" in m.value]
    assert compact and "activated installer" in compact[0]


def test_brief_reopens_saved_brief_after_restart(demo: Settings) -> None:
    prepared_brief(demo, ScriptedGenerator(script=brief_script()))
    at = app(ScriptedGenerator(), contact="Dana Whitfield", page="views/brief.py")  # a new session
    assert QUESTION in texts(at)
    assert "Your last brief" in texts(at)


def test_brief_for_contact_without_notes_shows_error(demo: Settings) -> None:
    from assistant.notes.workspace import add_contact

    add_contact(demo, "Nadia Noteless")
    at = prepared_brief(demo, ScriptedGenerator(script=brief_script()), contact="Nadia Noteless")
    errors = [e.value for e in at.error]
    assert any("no notes about Nadia Noteless" in e for e in errors), errors


def test_brief_missing_model_is_a_readable_error(demo: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORT_MODEL", "no-such-model")
    at = app(None, contact="Dana Whitfield", page="views/brief.py")
    at.button(key="prepare").click().run()
    assert not at.exception, at.exception
    assert any("no-such-model" in unescape(e.value) and "neither a bundled model" in e.value for e in at.error)


def test_model_output_with_links_and_html_is_text(demo: Settings) -> None:
    # Grounded in the fact (installers, marketplace) so the specificity check keeps it; the payload must
    # then reach the page as inert text.
    hostile_q = ("How do installers find the marketplace ![x](http://evil.example/x.png) "
                 "and <script>alert(1)</script> today?")
    hostile = J({"question": hostile_q, "why": "[click](http://evil.example)"})
    gen = ScriptedGenerator(script=brief_script(**{FACTS[0]["text"]: hostile}))
    at = prepared_brief(demo, gen)
    assert any("evil" in m.value for m in at.markdown), "the hostile question should be shown (as text)"
    no_raw_html_or_images(at)


# ------------------------------------------------------------------ Chat ---

def test_chat_answer_with_sources(demo: Settings) -> None:
    gen = ScriptedGenerator(script=chat_script())
    at = app(gen, contact="Dana Whitfield", page="views/chat.py")
    at.chat_input(key="chat_input").set_value("What is she working on?").run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "installer onboarding" in shown
    assert any(e.label.startswith("Sources") for e in at.expander)
    from assistant.conversation.history import Conversation

    conv = Conversation.load("Dana Whitfield", demo)
    assert [t.role for t in conv.turns] == ["user", "assistant"] and conv.turns[1].sources
    # A new session shows the saved history.
    again = app(ScriptedGenerator(), contact="Dana Whitfield", page="views/chat.py")
    assert "What is she working on?" in texts(again)


def test_chat_hostile_answer_is_text(demo: Settings) -> None:
    gen = ScriptedGenerator(script=chat_script(f"Your notes say {EVIL} [N1]."))
    at = app(gen, contact="Dana Whitfield", page="views/chat.py")
    at.chat_input(key="chat_input").set_value("What did she write?").run()
    assert not at.exception, at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "evil.example" not in shown, "links the notes do not hold are removed from the answer"
    assert "script" in shown, "the rest of the hostile answer is shown, as text"
    no_raw_html_or_images(at)


def test_chat_log_interaction(demo: Settings) -> None:
    at = app(ScriptedGenerator(), contact="Imogen Clarke", page="views/chat.py")
    at.text_area(key="log_text").input("Call about the mentor bench; she wants two more product mentors.")
    at.text_input(key="log_offer").input("send two mentor names")
    at.button(key="log_submit").click().run()
    assert not at.exception, at.exception
    assert "Logged for Imogen Clarke" in texts(at)
    assert "send two mentor names" in texts(at)  # the open loop is listed
    people = app(ScriptedGenerator())
    table = people.dataframe[0].value
    row = table[table["Name"] == "Imogen Clarke"].iloc[0]
    assert row["Last interaction"]


# -------------------------------------------------------------------- Me ---

def test_me_saves_profile_as_me_chunks(demo: Settings) -> None:
    at = app(ScriptedGenerator(), page="views/me.py")
    assert "Tidewater Creative" in at.text_area(key="me_story").value  # filled from the demo profile
    at.text_area(key="me_talents").input("Mapping heat-pump rebate uptake with pandas\nRunning customer interviews")
    at.text_area(key="me_offers").input("A walkthrough of my tidal-survey notebook for anyone mapping coastlines")
    at.button(key="me_save").click().run()
    assert not at.exception, at.exception
    path = demo.home / "me" / "profile.md"
    text = path.read_text()
    assert "## Talents" in text and "- Running customer interviews" in text and "## What I can offer" in text
    me = kb_for(demo).chunks_of(Target.me())
    assert any("tidal-survey notebook" in c.text for c in me)
    assert {c.source for c in me} == {str(path)}  # the imported demo profile was replaced, not duplicated
    assert "Profile saved" in texts(at)


def test_me_suggest_and_save_narrative(demo: Settings) -> None:
    gen = ScriptedGenerator(script=brief_script())
    at = app(gen, page="views/me.py")
    at.button(key="suggest_narrative").click().run()
    assert not at.exception, at.exception
    assert "Tidewater Creative" in at.text_area(key="narrative_text").value
    at.button(key="save_narrative").click().run()
    assert not at.exception, at.exception
    assert "## My 30-second narrative" in (demo.home / "me" / "profile.md").read_text()


def test_me_empty_profile_narrative_error(data_home: Path) -> None:
    at = app(ScriptedGenerator(), page="views/me.py")
    at.button(key="suggest_narrative").click().run()
    assert not at.exception
    assert any("profile is empty" in e.value for e in at.error)


def test_chat_rehearsal_and_review(demo: Settings) -> None:
    gen = ScriptedGenerator(script={"installer pilot": "It is going well; installers like the shorter sign-up."})
    at = app(gen, contact="Dana Whitfield", page="views/chat.py")
    at.toggle(key="rehearsal_mode").set_value(True).run()
    assert not at.exception, at.exception
    at.chat_input(key="rehearse_input").set_value("Hi Dana, how is the installer pilot going?").run()
    assert not at.exception, at.exception
    assert "shorter sign-up" in texts(at)
    at.button(key="rehearse_review").click().run()
    assert not at.exception, at.exception
    assert "Tip:" in texts(at)


# ----------------------------------------------------------------- Event ---

def event_app(gen=None):
    at = app(gen or ScriptedGenerator(), page="views/event.py")
    return at


def test_event_ranks_the_demo_list(demo: Settings) -> None:
    at = event_app()
    at.radio(key="event_source").set_value("The demo list (Climate & Product Night)").run()
    assert not at.exception, at.exception
    assert "30 attendees" in texts(at)
    at.button(key="rank_attendees").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert len(table) == 30 and {"Dana Whitfield", "Owen Tremblay"} <= set(table["Name"])
    assert list(table["#"]) == list(range(1, 31)) and all(table["Why"])
    assert list(table["Score"]) == sorted(table["Score"], reverse=True)
    assert any(b.label.startswith("Download the ranking") for b in at.get("download_button"))
    from assistant.event.run import list_events

    assert len(list_events(demo)) == 1


def test_event_column_mapping(demo: Settings) -> None:
    at = event_app()
    csv = b"Person,Org,Blurb\nAda Okafor,Tidal Works,Builds tide-gauge dashboards for harbour authorities.\n"
    at.file_uploader(key="event_csv").set_value(("harbour-meetup.csv", csv, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert any("name column" in e.value for e in at.error)
    assert at.button(key="rank_attendees").disabled
    at.selectbox(key=f"map_{slug('harbour-meetup.csv')}_name").set_value("Person")
    at.selectbox(key=f"map_{slug('harbour-meetup.csv')}_company").set_value("Org")
    at.selectbox(key=f"map_{slug('harbour-meetup.csv')}_bio").set_value("Blurb").run()
    assert not at.exception, at.exception
    assert not at.error
    at.button(key="rank_attendees").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["Name"]) == ["Ada Okafor"] and "Tidal Works" in table["Title"][0]


def test_a_sign_up_forms_questions_are_shown_as_read(demo: Settings) -> None:
    """A Google Forms export maps itself, and the page says which questions it read as their answers."""
    at = event_app()
    csv = ("Timestamp,Full name,What's your job title?,Which organisation are you with?,"
           "What are you working on at the moment?,Dietary requirements\n"
           "2026/11/19 8:02:10 AM GMT,Dr. Joy Okoro,Senior Lecturer,University of Leeds,"
           "Research on how Universal Credit claimants use the online journal,None\n").encode()
    at.file_uploader(key="event_csv").set_value(("signups.csv", csv, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert not at.error
    shown = " ".join(c.value for c in at.caption)
    assert "“What's your job title?”" in shown and "their answers ← “What are you working on at the moment?”" in shown
    assert "Dietary" not in shown.split("their answers", 1)[1]


def test_event_batch_runs_in_background_and_resumes(demo: Settings) -> None:
    from ui import jobs

    gen = ScriptedGenerator(script=brief_script())
    at = event_app(gen)
    at.radio(key="event_source").set_value("The demo list (Climate & Product Night)").run()
    at.button(key="rank_attendees").click().run()
    job_id = at.session_state["event_id"]
    at.number_input(key=f"event_top_{job_id}").set_value(1).run()
    assert at.button(key="event_start").label == "Prepare 1 brief"
    at.button(key="event_start").click().run()
    assert not at.exception, at.exception
    assert jobs.wait(demo, job_id, 120), "the background run did not finish"
    at.run()
    assert not at.exception, at.exception
    assert "1 of 1 briefs ready" in texts(at)
    assert any(b.label.startswith("Download all briefs") for b in at.get("download_button"))
    assert list(at.dataframe[0].value["Brief"]).count("done") == 1

    # A fresh session (as after a restart) offers to resume the rest.
    again = event_app(gen)
    again.number_input(key=f"event_top_{job_id}").set_value(2).run()
    assert again.button(key="event_start").label == "Resume: 1 to go"
    again.button(key="event_start").click().run()
    assert jobs.wait(demo, job_id, 120)
    again.run()
    assert list(again.dataframe[0].value["Brief"]).count("done") == 2


class SlowScripted(ScriptedGenerator):
    """A scripted model that takes its time, so a run can be cancelled mid-way."""

    def complete(self, messages, **kwargs):
        time.sleep(0.3)
        return super().complete(messages, **kwargs)


def test_event_cancel_then_resume(demo: Settings) -> None:
    from ui import jobs

    gen = SlowScripted(script=brief_script())
    at = event_app(gen)
    at.radio(key="event_source").set_value("The demo list (Climate & Product Night)").run()
    at.button(key="rank_attendees").click().run()
    job_id = at.session_state["event_id"]
    at.number_input(key=f"event_top_{job_id}").set_value(3).run()
    at.button(key="event_start").click().run()
    assert not at.exception, at.exception
    assert any(p.value is not None for p in at.get("progress")), "no progress bar while running"
    handle = jobs.get(demo, job_id)
    for _ in range(300):  # cancel once the first brief is being written
        if handle.progress is not None and handle.progress.running:
            break
        time.sleep(0.1)
    at.run()
    assert any("writing" in p.text for p in at.get("progress")), [p.text for p in at.get("progress")]
    at.button(key="event_cancel").click().run()
    assert not at.exception, at.exception
    assert jobs.wait(demo, job_id, 120)
    at.run()
    shown = texts(at)
    assert "cancelled with" in shown, shown
    states = list(at.dataframe[0].value["Brief"])
    assert states.count("done") == 1  # the brief in flight finishes; the rest wait
    assert at.button(key="event_start").label == "Resume: 2 to go"


def test_busy_model_is_announced(demo: Settings) -> None:
    import threading

    gen = ScriptedGenerator()
    gen.lock = threading.Lock()  # what LlamaCppGenerator has: another tab holds it while generating
    with gen.lock:
        at = app(gen)
    assert "The model is busy" in texts(at)


def test_escape_markdown_defuses_links_images_and_html() -> None:
    from ui.state import escape_markdown

    out = escape_markdown(EVIL + " :red[alert] $x$ www.evil.example a@evil.example")
    for live in ("![x](", "](http", "<script>", ":red[", "$x$", "www.evil", "@evil."):
        assert live not in out
    assert unescape(out) == " ".join((EVIL + " :red[alert] $x$ www.evil.example a@evil.example").split())
