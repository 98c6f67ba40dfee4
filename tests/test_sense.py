"""The question sense check: a motive or choice asked about something that happened to them is dropped.

The model half is scripted here (its real agreement with hand labels is measured by
`rapport eval --sense`, docs/QUALITY.md); what is tested is how its verdicts and the
plain-words rule combine, and that a failed judge never removes a question.
"""

from __future__ import annotations

import json

import pytest

from assistant.brief import sense
from assistant.brief.builder import build_brief
from tests.fakes import QueueGenerator, Routed
from tests.test_speed_paths import priya  # noqa: F401 - the shared Priya fixture


@pytest.mark.parametrize("question", [
    "How do you decide to receive the Apotheosis Award?",
    "What inspired you to be named chief nursing executive?",
    "How did you decide to be listed among the 100 most influential nurses?",
    "What made you choose to have worked at Brightwater for ten years?",
    "What led you to believe that your first electric depot hit 98.7% on-time delivery in September?",
])
def test_words_catch_a_motive_for_being_given_something(question: str) -> None:
    assert sense.received_shape(question)


@pytest.mark.parametrize("question", [
    "How do you decide which clinical workflows to redesign first?",
    "What led you to start the maintainers' fund?",
    "What surprised you about being appointed by the board last March?",
    "Why did you choose to study economics before moving into public policy?",
    "What led you to win the regional innovation prize?",
    "What led you to believe that points aren't a game?",
])
def test_words_leave_real_choices_alone(question: str) -> None:
    assert not sense.received_shape(question)


def _judge(*verdicts: str) -> QueueGenerator:
    return QueueGenerator(queues={"QUESTIONS:": [json.dumps({"verdicts": list(verdicts)})]})


def test_model_verdict_counts_only_with_a_motive_verb() -> None:
    qs = ["How do you plan your retirement from the keynote you gave last year?",   # motive + happened: nonsense
          "What surprised you about the award?",                                    # happened, but no motive asked
          "How do you decide which speakers to invite?"]                            # a choice among things
    gen = _judge("happened to them")
    assert sense.nonsense(gen, qs) == [True, False, False]
    listed = gen.prompts_with("QUESTIONS:")[0].split("QUESTIONS:")[1]
    assert "1. How do you plan" in listed
    assert "award" not in listed and "speakers" not in listed, "only a question that can be nonsense is judged"


def test_a_round_with_no_motive_question_makes_no_call() -> None:
    """The judge's verdict only counts next to a motive verb: without one the call was ~3-6 s for nothing."""
    gen = _judge("happened to them", "happened to them")
    assert sense.nonsense(gen, ["What surprised you about the award?", "What led you to start the fund?"]) == \
        [False, False]
    assert gen.prompts_with("QUESTIONS:") == []


def test_failed_judge_removes_nothing_the_words_do_not() -> None:
    gen = QueueGenerator(queues={"QUESTIONS:": ["not json"]})
    qs = ["How do you decide to receive the award?", "What are you working on now?"]
    assert sense.nonsense(gen, qs) == [True, False]   # the words rule still holds; the model adds nothing


def test_judge_schema_has_one_verdict_per_question() -> None:
    qs = ["What motivated your keynote?", "How do you plan your week around the clinic?"]
    gen = _judge("happened to them")
    # the scripted single verdict does not fit the two-item schema: rejected, so nothing is flagged
    assert sense.nonsense(gen, qs) == [False, False]
    assert len(gen.prompts_with("QUESTIONS:")) == 1


def test_agreement_reads_the_hand_labels(tmp_path) -> None:
    sample = tmp_path / "sense.yaml"
    sample.write_text("questions:\n  - {q: 'How do you decide to receive the award?', sense: false}\n"
                      "  - {q: 'How do you decide which speakers to invite?', sense: true}\n", encoding="utf-8")
    rows = {r.judge: r for r in sense.agreement(_judge("happened to them"), sample, group=2)}
    assert rows["words"].agree == 2 and rows["both"].agree == 2
    assert rows["model"].missed == [] and rows["model"].false_rejects == []
    assert "| both | 100% | 0 | 0 |" in sense.agreement_table(list(rows.values()), "scripted")


class _Judged(Routed):
    """Questions from a script; the judge calls every question fine (the words rule must still catch one)."""

    def __init__(self) -> None:
        self.questions = iter(["How do you decide to receive the Tidewater pricing award?",
                               "What made you rebuild wholesale pricing this quarter?",
                               "How do you keep a team of six aligned in Lunenburg?",
                               "What surprised you about seaweed farming as a business?"])
        self.judged: list[str] = []

    def answer(self, user: str, schema: dict | None) -> str | None:
        if "ONE open question" in user:
            return json.dumps({"question": next(self.questions, "What are you working on now, Priya?")})
        if "QUESTIONS:" in user:
            self.judged.append(user)
            return json.dumps({"verdicts": ["their doing"] * schema["properties"]["verdicts"]["maxItems"]})
        return None


def test_a_brief_drops_a_nonsense_question_and_asks_its_fact_again(priya, kb, settings) -> None:
    gen = _Judged()
    brief = build_brief("Priya Raman", kb, settings, gen, size="event")
    texts = [q.text for q in brief.questions]
    assert not any("decide to receive" in t for t in texts)
    assert gen.judged and "decide to receive" in gen.judged[0]      # the judge saw it after the notes prefix
    assert gen.judged[0].index("Priya") < gen.judged[0].index("QUESTIONS:")
    assert len(texts) >= 2
