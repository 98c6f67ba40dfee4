"""Rapport's greedy grammar path gives exactly llama-cpp-python's answers, faster (bench L2 measures how much).

Real tiny model on both sides: the stock ``Llama`` runs the grammar over the
whole vocabulary at every token; Rapport checks the argmax first. Any
difference in the chosen tokens would show up as a different answer.
"""

from __future__ import annotations

import json

import pytest

from assistant.sampling import GreedyGrammarSampler

FACTS = {"type": "object", "required": ["facts"], "properties": {"facts": {"type": "array", "maxItems": 3, "items": {
    "type": "object", "required": ["text", "sources"],
    "properties": {"text": {"type": "string", "maxLength": 120}, "sources": {"type": "array", "items": {"type": "string", "enum": ["N1", "N2"]}}}}}}}
QUESTION = {"type": "object", "required": ["question", "why"], "properties": {
    "question": {"type": "string", "maxLength": 150}, "why": {"type": "string", "maxLength": 100}}}
NOTES = ("N1: Dana Whitfield leads product at Brightwater Heat, a heat pump installer marketplace. "
         "N2: She ran the Lisbon marathon in 2025 and mentors first-time founders.")


@pytest.fixture(scope="module")
def stock(tiny_llm):
    from llama_cpp import Llama

    return Llama(model_path=tiny_llm.llm.model_path, n_ctx=4096, n_threads=tiny_llm.llm.n_threads, n_batch=512,
                 seed=42, verbose=False)


@pytest.mark.parametrize("schema,task", [
    (FACTS, "List facts about Dana as JSON, citing N1 or N2."),
    (QUESTION, "Write one open question to ask Dana about her work, as JSON."),
    (FACTS, "Summarise the notes as JSON facts. Use many words in every fact."),
])
def test_greedy_grammar_answers_match_the_stock_chain(tiny_llm, stock, schema: dict, task: str) -> None:
    messages = [{"role": "user", "content": f"{NOTES}\n\n{task}"}]
    ours = tiny_llm.complete(messages, schema=schema, max_tokens=80, temperature=0.0)
    sampler = tiny_llm.llm.last_sampler
    assert isinstance(sampler, GreedyGrammarSampler) and sampler.fast > 0
    theirs = stock.create_chat_completion(messages=messages, max_tokens=80, temperature=0.0,
                                          response_format={"type": "json_object", "schema": schema})
    assert ours.text == theirs["choices"][0]["message"]["content"]
    assert ours.completion_tokens == theirs["usage"]["completion_tokens"]
    if ours.finish_reason == "stop":
        json.loads(ours.text)  # a finished answer is valid JSON: the grammar was enforced


def test_sampled_and_free_calls_keep_the_stock_sampler(tiny_llm) -> None:
    tiny_llm.llm.last_sampler = None
    tiny_llm.complete([{"role": "user", "content": "Say hi as JSON."}], schema=QUESTION, max_tokens=16, temperature=0.4)
    tiny_llm.complete([{"role": "user", "content": "Say hi."}], max_tokens=8, temperature=0.0)
    assert tiny_llm.llm.last_sampler is None
