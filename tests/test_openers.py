"""Event openers: the user speaking to the attendee, checked in code, with a plain-code fallback."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from assistant.brief.builder import BriefBuilder
from assistant.notes import db
from assistant.notes.ingest import ingest_text
from assistant.text.openers import fallback_opener, opener_problem
from assistant.types import Target
from tests.fakes import QueueGenerator

RALPH = "Ralph Borland"
RALPH_NOTES = [
    "Ralph Borland is an artist and designer whose work explores technology, protest and the body.",
    "He made Suited for Subversion, a padded protest suit with a speaker that amplifies the wearer's heartbeat.",
]
MAREN = "Maren Okafor"
MAREN_NOTES = [
    "Maren Okafor is Senior Health Reporter at The Northern Ledger and covers digital health.",
    "Her recent series followed three family practices as they adopted AI note-taking tools.",
]

# The three real failures from a public speaker list, then the other ways an opener goes wrong.
BAD = [
    (RALPH, RALPH_NOTES, "Hi there! I'm Ralph Borland, an artist and designer exploring technology. "
                         "I'm excited to meet you!", "spoke as"),
    (MAREN, MAREN_NOTES, "Hello, I'm Maren Okafor, a senior health reporter at The Northern Ledger. "
                         "I'm excited to meet you.", "spoke as"),
    (MAREN, MAREN_NOTES, "Hi there! How can I assist you today?", "assistant"),
    (RALPH, RALPH_NOTES, "Hi, I'm Ralph. Nice to meet you.", "spoke as"),
    (MAREN, MAREN_NOTES, "My name is Okafor and I cover digital health.", "spoke as"),
    (RALPH, RALPH_NOTES, "Hello! I am an artist whose work explores technology and the body.", "spoke as"),
    (MAREN, MAREN_NOTES, "Hi! I cover digital health at The Northern Ledger - nice to meet you.", "spoke as"),
    (MAREN, MAREN_NOTES, "As an AI language model, I find digital health fascinating.", "assistant"),
    (MAREN, MAREN_NOTES, "I'm here to help with any questions about digital health.", "assistant"),
    (MAREN, MAREN_NOTES, "Hi Maren, is The Northern Ledger hiring health reporters? I'd love a referral.", "job"),
    (MAREN, MAREN_NOTES, "Hi Maren, great to meet you! What brings you here tonight?", "names nothing"),
    (RALPH, RALPH_NOTES, "Hi Ralph! So nice to meet you, Ralph Borland.", "names nothing"),
    (RALPH, [], "Hi Ralph, I loved your protest suit.", "names nothing"),
]

GOOD = [
    (RALPH, RALPH_NOTES, "Hi Ralph, I loved Suited for Subversion - what made you amplify the heartbeat?"),
    (MAREN, MAREN_NOTES, "Hi Maren, I read your series on family practices adopting AI note-taking tools - "
                         "what surprised you most?"),
    (MAREN, MAREN_NOTES, "Hi Maren, I'm a service designer, and your digital health reporting is why I came "
                         "tonight."),
    (RALPH, RALPH_NOTES, "Your protest suit stuck with me: how did the heartbeat speaker come about?"),
    (MAREN, MAREN_NOTES, "Hello Ms. Okafor - how did you end up covering digital health?"),
]


@pytest.mark.parametrize(("name", "notes", "opener", "why"), BAD)
def test_bad_openers_are_rejected(name: str, notes: list[str], opener: str, why: str) -> None:
    problem = opener_problem(opener, name, notes)
    assert why in problem, (opener, problem)


@pytest.mark.parametrize(("name", "notes", "opener"), GOOD)
def test_good_openers_pass(name: str, notes: list[str], opener: str) -> None:
    assert opener_problem(opener, name, notes) == ""


def test_fallback_turns_the_fact_to_the_attendee_and_passes_the_check() -> None:
    line = fallback_opener("Maren Okafor covers digital health for The Northern Ledger.", MAREN)
    assert line == "Hi Maren — I read that you cover digital health for The Northern Ledger — how did that come about?"
    assert opener_problem(line, MAREN, MAREN_NOTES) == ""
    line = fallback_opener(MAREN_NOTES[1], MAREN)
    assert line.startswith("Hi Maren — I read that your recent series followed three family practices")
    assert opener_problem(line, MAREN, MAREN_NOTES) == ""


PRIYA_NOTES = """Priya Raman is Head of Growth at Tidewater Kelp, a seaweed farming startup in Lunenburg.
She leads a team of six and is rebuilding their wholesale pricing this quarter."""
FACTS = json.dumps({"facts": [
    {"text": "Priya Raman is Head of Growth at Tidewater Kelp in Lunenburg.", "sources": ["N1"]},
    {"text": "Priya is rebuilding wholesale pricing this quarter.", "sources": ["N1"]}]})
QUESTION = json.dumps({"question": "What made you rebuild wholesale pricing this quarter?", "why": "Her project."})
AS_PRIYA = json.dumps({"opener": "Hi there! I'm Priya Raman, Head of Growth at Tidewater Kelp. I'm excited to meet you!"})
CHATBOT = json.dumps({"opener": "Hello! How can I assist you today?"})
OPENER_NEEDLE = "first thing the user says TO"


def _event_brief(kb, settings, replies: list[str]) -> tuple[QueueGenerator, object]:
    db.upsert_contact(settings, "Priya Raman", [])
    ingest_text(PRIYA_NOTES, Target.contact("Priya Raman"), kb, settings, title="Attendee row")
    gen = QueueGenerator(queues={OPENER_NEEDLE: replies, "List 2 to": [FACTS], "List 3 to": [FACTS],
                                 "Write ONE open question": [QUESTION]})
    brief = BriefBuilder("Priya Raman", kb, settings, gen, size="event", event_name="Kelp Night").run()
    return gen, brief


def test_by_default_the_opener_is_written_from_their_work_without_a_model_call(kb, settings) -> None:
    """A model call per attendee (and up to two retries) saved: the line is the user's by construction."""
    gen, brief = _event_brief(kb, settings, [AS_PRIYA])
    assert gen.prompts_with(OPENER_NEEDLE) == []
    assert brief.opener == "Hi Priya — what are you working on at Tidewater Kelp these days?"
    assert opener_problem(brief.opener, "Priya Raman", [PRIYA_NOTES]) == ""
    assert "I'm Priya" not in brief.opener


def test_an_opener_spoken_as_the_attendee_is_rejected_and_the_fallback_used(kb, settings) -> None:
    settings = replace(settings, model_opener=True)
    gen, brief = _event_brief(kb, settings, [AS_PRIYA, CHATBOT, AS_PRIYA])
    tries = gen.prompts_with(OPENER_NEEDLE)
    assert len(tries) == settings.retries + 1, "every attempt was tried and rejected"
    assert "Your previous answer was rejected: spoke as Priya Raman" in tries[1]
    assert "The user is not Priya Raman" in tries[0] and "at Kelp Night" in tries[0]
    assert brief.opener == ("Hi Priya — I read that you are Head of Growth at Tidewater Kelp in Lunenburg — "
                            "how did that come about?")
    assert "opener" not in brief.failed


def test_a_good_retry_is_kept(kb, settings) -> None:
    settings = replace(settings, model_opener=True)
    good = json.dumps({"opener": "Hi Priya, how is the wholesale pricing rebuild at Tidewater Kelp going?"})
    gen, brief = _event_brief(kb, settings, [AS_PRIYA, good])
    assert brief.opener == "Hi Priya, how is the wholesale pricing rebuild at Tidewater Kelp going?"
    assert len(gen.prompts_with(OPENER_NEEDLE)) == 2


def test_the_code_opener_asks_about_their_named_work_first() -> None:
    from assistant.brief.followup import code_opener

    facts = ["Ralph Borland is an artist based in Cape Town.",
             "He is building Rivermouth, a sound installation from river plastics, for the 2027 biennale."]
    line = code_opener(facts, "Ralph Borland", "Ralph", facts)
    assert line.startswith("Hi Ralph — I read about ") and "Rivermouth" in line and line.endswith("how is it going?")
    assert opener_problem(line, "Ralph Borland", facts) == ""
    # nothing their_topics can name: the plain "I read that ..." line from the first fact
    assert code_opener(["She sings in a choir."], "Ana Lima", "Ana", ["She sings in a choir."]) == \
        fallback_opener("She sings in a choir.", "Ana Lima")
