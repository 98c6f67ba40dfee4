"""A question's opening words and JSON are prompt, not decoded (assistant/generation/answer_prefix.py).

Real tiny model: what matters here is the plumbing (the answer is one valid object that starts with the
words the code chose and never passes the schema's length), not what the 135M model writes.
"""

from __future__ import annotations

import json

import jsonschema

from assistant.generation import answer_prefix, prompts
from assistant.generation.structured import messages_for, token_bound

NOTES = "<notes>\nN1: Tomasz leads route optimisation at Nordhaul. RouteDesk is their planning engine.\n</notes>"


def test_a_prefixed_answer_is_one_valid_object_opening_with_the_starter(tiny_llm) -> None:
    schema = prompts.schema("question")
    cap = schema["properties"]["question"]["maxLength"]
    for starter in ("What drew you to", "How", "Tell me about"):
        user = prompts.render("question", notes=NOTES, name="Tomasz", fact="Tomasz leads route optimisation at "
                              "Nordhaul.", avoid="", starter=starter)
        done = answer_prefix.complete_prefixed(tiny_llm, messages_for(user), "question", starter, max_length=cap,
                                               max_tokens=token_bound(schema))
        data = json.loads(done.text)
        jsonschema.validate(data, schema)
        assert data["question"].startswith(starter + " ") or data["question"] == starter
        assert len(data["question"]) <= cap
        assert done.completion_tokens > 0 and done.prompt_tokens > 0


def test_the_rest_grammar_stops_at_the_length_the_schema_allows(tiny_llm) -> None:
    """The 135M model loops ("What did you do? What did you do? ..."): the grammar closes the string at the cap."""
    user = "Repeat the words 'what did you do' forever, as a JSON object with a 'question' string."
    done = answer_prefix.complete_prefixed(tiny_llm, messages_for(user), "question", "What did you do?",
                                           max_length=40, max_tokens=60)
    data = json.loads(done.text)
    assert data["question"].startswith("What did you do?") and len(data["question"]) <= 40


def test_only_llama_cpp_in_process_takes_a_prefilled_answer(tiny_llm) -> None:
    from assistant.generation.llm import OpenAICompatGenerator
    from tests.fakes import QueueGenerator

    assert answer_prefix.supports(tiny_llm)
    assert not answer_prefix.supports(QueueGenerator())
    assert not answer_prefix.supports(OpenAICompatGenerator("http://127.0.0.1:9"))
