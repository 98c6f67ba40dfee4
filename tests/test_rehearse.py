"""Rehearsal: the model plays the contact; the review is measured in code."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.conversation.history import Reset
from assistant.errors import InputError, NotFoundError
from assistant.notes.ingest import store_note
from assistant.conversation.rehearse import Rehearsal, asked_questions, brief_questions
from assistant.notes import db
from assistant.types import Note, Target

from tests.fakes import QueueGenerator

ANA = "Ana Costa"
PLANNED = ["What drew you to saltmarsh restoration rather than kelp?",
           "How do you decide which sites to restore first?",
           "What does a typical week look like for Priya?"]
TIP = "TASK: Give the user ONE"


@pytest.fixture
def ana(kb, settings):
    for text, source in [
        ("Ana Costa runs the saltmarsh restoration programme at Estuary Trust. She is direct and busy.", "role.md"),
        ("Ana thinks kelp farming is overhyped. Her analyst Priya is stretched thin.", "opinions.md"),
    ]:
        store_note(kb, settings, Note(Target.contact(ANA), text, source=source, title=source, date="2026-10-01"))
    return kb


def test_reply_is_in_character_and_recorded(ana, settings) -> None:
    gen = QueueGenerator(queues={"working on": ["Ana Costa: Saltmarsh sites, mostly. Busy season.\nUser: Cool!"]})
    r = Rehearsal("ana", ana, settings, gen)
    assert r.reply("Hi Ana, what are you working on?") == "Saltmarsh sites, mostly. Busy season."
    assert [t["role"] for t in r.turns] == ["user", "assistant"]
    system = gen.calls[0][0]["content"]
    assert "playing Ana Costa" in system and "kelp farming is overhyped" in system and "<notes>" in system


def test_breaking_character_is_retried(ana, settings) -> None:
    gen = QueueGenerator(queues={"kelp": ["As an AI language model, I have no views on kelp.",
                                          "Kelp? Overhyped, honestly."]})
    r = Rehearsal(ANA, ana, settings, gen)
    assert r.reply("What do you think about kelp?") == "Kelp? Overhyped, honestly."
    assert len(gen.calls) == 2


def test_stream_strips_the_name_prefix_and_retracts_a_broken_reply(ana, settings) -> None:
    gen = QueueGenerator(queues={"weekend": ["Ana Costa: Sailing, if the weather holds."],
                                 "robot": ["I am an AI assistant created to help.", "Ha, no. Just tired."]})
    r = Rehearsal(ANA, ana, settings, gen)
    tokens = list(r.reply_stream("Any plans for the weekend?"))
    assert "".join(tokens).strip() == "Sailing, if the weather holds." and len(tokens) > 1
    tokens = list(r.reply_stream("Are you a robot?"))
    assert any(isinstance(t, Reset) for t in tokens)
    assert r.turns[-1] == {"role": "assistant", "content": "Ha, no. Just tired."}
    with pytest.raises(InputError):
        r.reply("   ")


def test_review_measures_questions_balance_and_job_asks(ana, settings) -> None:
    gen = QueueGenerator(default="Mm.", queues={TIP: ['{"tip": "Ask Ana how she picks sites, then listen."}']})
    r = Rehearsal(ANA, ana, settings, gen)
    r.reply("Hi Ana! What made you pick saltmarsh restoration over kelp farming?")
    r.reply("I have spent eight years running lifecycle email programmes for software clients, and I finished a "
            "data analytics certificate, and I built a side project on rebates, and I am now looking for roles.")
    r.reply("Could you refer me to your hiring manager?")
    review = r.review(PLANNED)
    assert review.asked == [PLANNED[0]] and review.missed == PLANNED[1:]
    assert review.user_share > 0.5 and review.talked_too_much
    assert review.job_asks == ["Could you refer me to your hiring manager?"]
    assert review.tip == "Ask Ana how she picks sites, then listen." and review.tip_by_model
    text = review.describe()
    assert "1 of 3" in text and "refer me" in text
    assert json.loads(json.dumps(review.to_dict()))["asked"] == [PLANNED[0]]


def test_listening_user_is_not_flagged(ana, settings) -> None:
    long_reply = "Well, it started with a grant. " * 12
    gen = QueueGenerator(default=long_reply, queues={TIP: ["not json"]})
    r = Rehearsal(ANA, ana, settings, gen)
    r.reply("How do you choose which sites to restore first?")
    review = r.review(PLANNED)
    assert review.user_share < 0.5 and not review.talked_too_much and not review.job_asks
    assert review.asked == [PLANNED[1]]
    assert review.tip and not review.tip_by_model  # the model's tip failed; a plain rule-based one instead


def test_planned_questions_default_to_the_saved_brief(ana, settings) -> None:
    gen = QueueGenerator(queues={TIP: ['{"tip": "Slow down and let Ana finish."}']})
    r = Rehearsal(ANA, ana, settings, gen)
    assert r.review().planned == [] and "No saved brief" in r.review().notes[0]
    settings.briefs_dir.mkdir(parents=True, exist_ok=True)
    from assistant.notes.workspace import brief_path

    brief_path(settings, ANA).write_text(json.dumps(
        {"contact": ANA, "questions": [{"text": q, "why": "", "sources": []} for q in PLANNED]}), encoding="utf-8")
    assert brief_questions(settings, "Ana Costa") == PLANNED
    r.reply("How do you decide which sites get restored first?")
    review = r.review()
    assert review.planned == PLANNED and review.asked == [PLANNED[1]]


def test_asked_questions_by_meaning_not_just_words(kb) -> None:
    flags = asked_questions(["What got you interested in heat pumps?"],
                            ["So, how did you first become interested in heat pumps?"], kb.embed)
    assert flags == [True]
    assert asked_questions(["What got you interested in heat pumps?"], ["Nice weather today."], kb.embed) == [False]


def test_rehearsal_needs_notes(kb, settings) -> None:
    db.upsert_contact(settings, "Cleo Nadir")
    with pytest.raises(NotFoundError):
        Rehearsal("Cleo Nadir", kb, settings, QueueGenerator())


def test_rehearsal_with_the_tiny_model(ana, settings, tiny_llm) -> None:
    r = Rehearsal(ANA, ana, settings, tiny_llm, max_tokens=16)
    tokens = list(r.reply_stream("Hi Ana, what are you working on these days?"))
    reply = r.turns[-1]["content"]
    assert tokens and reply.strip() and len(r.turns) == 2
    assert not reply.lower().startswith(("ana costa:", "ana:"))


def test_cli_rehearse_with_the_tiny_model(ana, settings) -> None:
    from assistant.cli import app

    result = CliRunner().invoke(
        app, ["--model", "tiny", "rehearse", "ana", "--json", "--max-tokens", "12", "-q", PLANNED[0]],
        input="What drew you to saltmarsh restoration instead of kelp?\n/done\n")
    assert result.exit_code == 0, result.output
    review = json.loads(result.stdout[result.stdout.index("{"):])
    assert review["planned"] == [PLANNED[0]] and review["asked"] == [PLANNED[0]]
    assert review["user_turns"] == 1 and 0.0 < review["user_share"] <= 1.0 and review["tip"]


def test_asked_to_stop_may_step_out_of_character(ana, settings) -> None:
    gen = QueueGenerator(queues={"stop the role-play": ["Sure. I am an AI assistant playing Ana from your notes."]})
    r = Rehearsal(ANA, ana, settings, gen)
    assert "AI assistant" in r.reply("Let's stop the role-play. Are you an AI?")
    assert len(gen.calls) == 1


def test_replies_lose_links_and_numbers_the_notes_do_not_hold(kb, settings) -> None:
    """The model plays the contact, so an invented link reads as theirs: it never reaches the user."""
    store_note(kb, settings, Note(Target.contact(ANA), "Ana Costa runs saltmarsh restoration at Estuary Trust. "
                                  "Her programme page is estuarytrust.org/saltmarsh and she takes calls on "
                                  "(902) 555-0143.", source="role.md", title="role.md"))
    gen = QueueGenerator(queues={
        "reading": ["Ana Costa: Mostly field reports. Check out https://www.designweekly.com/trends/ for ideas. "
                    "Saltmarsh is my focus."],
        "reach you": ["Write to ana.costa@gmail.com or call +1 416 555 0199. Or see estuarytrust.org/saltmarsh."],
        "page": ["It is all on estuarytrust.org/saltmarsh, or ring me at 902.555.0143."],
    })
    r = Rehearsal(ANA, kb, settings, gen)
    reply = r.reply("What are you reading lately?")
    assert "designweekly" not in reply and "http" not in reply
    assert "Mostly field reports." in reply and "Saltmarsh is my focus." in reply
    reply = r.reply("How can I reach you?")
    assert "gmail" not in reply and "416" not in reply and "estuarytrust.org/saltmarsh" in reply
    # Verbatim in the notes (formatting aside): kept as written.
    assert r.reply("Where is your programme page?") == "It is all on estuarytrust.org/saltmarsh, or ring me at 902.555.0143."
    assert r.turns[1]["content"].count("designweekly") == 0 and len(r.invented) == 3


def test_a_streamed_reply_with_an_invented_link_is_replaced(ana, settings) -> None:
    gen = QueueGenerator(queues={"learn more": ["Read my post at https://ana-costa.blog/kelp-myths then ask me again."],
                                 "only link": ["https://saltmarsh-facts.example.com/"]})
    r = Rehearsal(ANA, ana, settings, gen)
    tokens = list(r.reply_stream("Where can I learn more about kelp?"))
    resets = [t for t in tokens if isinstance(t, Reset)]
    assert len(resets) == 1 and "link" in resets[0]
    after = "".join(t for t in tokens[tokens.index(resets[0]) + 1:] if not isinstance(t, Reset))
    assert "ana-costa.blog" not in after and "ana-costa.blog" not in r.turns[-1]["content"]
    # A reply that was nothing but a link: nothing is left of it, so it is not kept as an empty turn.
    r.reply("Send me your only link, please.")
    assert r.turns[-1]["content"] and "saltmarsh-facts" not in r.turns[-1]["content"]
