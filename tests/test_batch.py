"""Batched decoding (assistant/generation/batch.py) with the real tiny model.

What must hold: every batched answer is valid under its grammar, the same
batch gives the same answers every time, and a batch of one equals the
ordinary call. A batch of several can differ from one-at-a-time calls at
near-ties (the matrix kernels add in another order); how often is measured by
``python -m bench.p2_warm`` and stated in docs/BENCHMARKS.md, not asserted here.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from assistant.generation import prompts
from assistant.generation.batch import MAX_SEQUENCES, complete_many, fitting_groups
from assistant.generation.llm import ScriptedGenerator
from assistant.generation.structured import messages_for

NOTES = prompts.quote_notes([("N1", "bio", "Dana Whitfield leads the data platform team at Acme Health. She moved "
                              "from nursing into informatics in 2019 and runs a monthly meetup on FHIR interoperability.")])
FACTS = ["Dana leads the data platform team at Acme Health.", "Dana moved from nursing into informatics in 2019.",
         "Dana runs a monthly meetup on FHIR interoperability.", "Dana Whitfield works at Acme Health."]


def _asks(n: int) -> list[list[dict]]:
    return [messages_for(prompts.render("question", notes=NOTES, name="Dana Whitfield", fact=f, avoid="",
                                        starter=s)) for f, s in zip(FACTS[:n], ["What", "How", "Why", "Tell me about"])]


@pytest.fixture(scope="module")
def gen():
    from tests.conftest import _generator

    return _generator("tiny")


def test_batched_answers_are_valid_and_repeatable(gen) -> None:
    schema = prompts.schema("question")
    first = gen.complete_batch(_asks(4), schema=schema, max_tokens=60)
    assert len(first) == 4
    for c in first:
        if c.finish_reason == "stop":
            jsonschema.validate(json.loads(c.text), schema)
    again = gen.complete_batch(_asks(4), schema=schema, max_tokens=60)
    assert [c.text for c in again] == [c.text for c in first]
    assert gen._batcher.steps > 0


def test_a_batch_of_one_equals_the_ordinary_call(gen) -> None:
    schema = prompts.schema("question")
    (alone,) = gen.complete_batch(_asks(1), schema=schema, max_tokens=60)
    ordinary = gen.complete(_asks(1)[0], schema=schema, max_tokens=60, temperature=0.0)
    assert alone.text == ordinary.text


def test_batches_are_cut_to_fit_the_sequences_and_the_context() -> None:
    prompts_ = [[1] * 100 + [i] * 10 for i in range(MAX_SEQUENCES + 3)]  # a shared prefix, own suffixes
    groups = fitting_groups(prompts_, 50, 100_000)
    assert [len(g) for g in groups] == [MAX_SEQUENCES, 3]
    # The prefix is stored once: 100 + 4 x (10 + 50) = 340 cells fit in 399; a fifth (400) would not.
    assert [len(g) for g in fitting_groups(prompts_[:6], 50, 399)] == [4, 2]
    # Without a shared prefix every prompt counts whole: 2 x (110 + 50) = 320; a third would not.
    alone = [[i] * 110 for i in range(3)]
    assert [len(g) for g in fitting_groups(alone, 50, 400)] == [2, 1]


def test_generators_without_a_batch_answer_one_by_one() -> None:
    scripted = ScriptedGenerator(default=json.dumps({"question": "What drew you to informatics?"}))
    out = complete_many(scripted, _asks(3), schema=prompts.schema("question"))
    assert [c.text for c in out] == [scripted.default] * 3 and len(scripted.calls) == 3
