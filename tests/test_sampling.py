"""Rapport's greedy grammar path gives exactly llama-cpp-python's answers, faster (bench L2 measures how much).

Real tiny model on both sides: the stock ``Llama`` runs the grammar over the
whole vocabulary at every token; Rapport checks the argmax first. Any
difference in the chosen tokens would show up as a different answer.
"""

from __future__ import annotations

import json

import pytest

from assistant.generation.sampling import GreedyGrammarSampler

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


def test_sampled_schema_calls_take_the_fast_path_and_free_calls_the_stock_chain(tiny_llm) -> None:
    """A retry at temperature 0.4 used to fall back to the full-vocabulary grammar chain (issue #12's waste)."""
    ask = [{"role": "user", "content": f"{NOTES}\n\nWrite one open question to ask Dana about her work, as JSON."}]
    tiny_llm.llm.last_sampler = None
    # Both calls read the prompt whole: served from the KV cache, the last prompt token's logits come out a
    # hair different from a whole-prompt pass, and at temperature 0.4 that can flip a draw (seen on one CPU
    # in a clean-clone CI). Same state and same seed must give the same answer.
    tiny_llm.llm.reset()
    first = tiny_llm.complete(ask, schema=QUESTION, max_tokens=60, temperature=0.4, seed=5)
    sampler = tiny_llm.llm.last_sampler
    assert isinstance(sampler, GreedyGrammarSampler) and sampler.temp == 0.4 and sampler.fast > 0
    tiny_llm.llm.reset()
    assert tiny_llm.complete(ask, schema=QUESTION, max_tokens=60, temperature=0.4, seed=5).text == first.text
    if first.finish_reason == "stop":
        json.loads(first.text)
    tiny_llm.llm.last_sampler = None
    tiny_llm.complete([{"role": "user", "content": "Say hi."}], max_tokens=8, temperature=0.0)
    assert tiny_llm.llm.last_sampler is None  # no grammar: llama.cpp's own chain


def _reference_keep(logits, allowed, top_k=40, top_p=0.9, min_p=0.05):
    """llama.cpp's chain written out over the whole vocabulary: grammar, top-k, top-p, min-p."""
    import numpy as np

    ids = np.array(sorted(allowed, key=lambda i: -logits[i]))[:top_k]
    z = np.asarray([logits[i] for i in ids]) - logits[ids[0]]
    cum = np.cumsum(np.exp(z)) / np.exp(z).sum()
    keep = int(np.searchsorted(cum, top_p)) + 1
    keep = min(keep, int((z[:keep] >= np.log(min_p)).sum()))
    return set(int(i) for i in ids[:keep])


@pytest.mark.parametrize("allowed_every", [1, 3, 50])
def test_sampled_filters_keep_exactly_the_tokens_the_stock_chain_keeps(allowed_every: int) -> None:
    """Top-k, top-p and min-p over the allowed tokens, whether the top 64 suffice or the full pass is needed."""
    from types import SimpleNamespace

    import numpy as np

    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, 3000).astype(np.float32)
    allowed = set(range(0, 3000, allowed_every))
    expected = _reference_keep(logits, allowed)
    seen: set[int] = set()
    for n in range(400):
        sampler, fake = _sampler_with(logits, allowed, temp=0.4, seed=n)
        token = sampler.sample(SimpleNamespace(ctx=None), -1)
        assert token in expected and fake.accepted == [token]
        seen.add(token)
    assert seen == expected or len(seen) >= min(3, len(expected))


class _FakeLlamaCpp:
    """The two llama.cpp calls ``sample`` makes besides the grammar: logits in, accepted tokens recorded."""

    def __init__(self, logits) -> None:
        import ctypes

        import numpy as np

        self.logits = np.asarray(logits, dtype=np.float32)
        self.accepted: list[int] = []
        self._ptr = self.logits.ctypes.data_as(ctypes.POINTER(ctypes.c_float))

    def llama_get_logits_ith(self, ctx, idx):
        return self._ptr

    def llama_sampler_accept(self, grammar, token) -> None:
        self.accepted.append(int(token))


def _sampler_with(logits, allowed, eos: int = 0, temp: float = 0.0, seed: int = 0,
                  ) -> tuple[GreedyGrammarSampler, _FakeLlamaCpp]:
    import numpy as np

    fake = _FakeLlamaCpp(logits)
    sampler = GreedyGrammarSampler.__new__(GreedyGrammarSampler)
    sampler._c, sampler._n_vocab, sampler._grammar, sampler._eos = fake, len(fake.logits), None, eos
    sampler.fast = sampler.full = 0
    sampler.dead_end = False
    sampler.temp, sampler.top_k, sampler.top_p, sampler.min_p = temp, 40, 0.9, 0.05
    sampler._rng = np.random.default_rng(seed)
    sampler._allowed = lambda ids, _logits: np.isin(ids, list(allowed))  # the grammar's verdict, scripted
    return sampler, fake


def test_a_grammar_that_allows_nothing_ends_the_answer_without_accepting_a_rejected_token() -> None:
    """llama.cpp's grammar may abort the process when fed a token it rejected: end the answer instead."""
    from types import SimpleNamespace

    logits = [0.1] * 200
    logits[7] = 5.0  # the model's favourite, which the grammar rejects
    sampler, fake = _sampler_with(logits, allowed=(), eos=2)
    token = sampler.sample(SimpleNamespace(ctx=None), -1)
    assert token == 2 and sampler.dead_end  # end of generation: finish_reason "stop", the JSON left incomplete
    assert fake.accepted == []  # the grammar never saw a token it rejected
    # The ordinary paths still choose the best allowed token and feed it to the grammar.
    sampler, fake = _sampler_with(logits, allowed=(7, 9))
    assert sampler.sample(SimpleNamespace(ctx=None), -1) == 7 and fake.accepted == [7] and sampler.fast == 1
    sampler, fake = _sampler_with(logits, allowed=(150,))
    assert sampler.sample(SimpleNamespace(ctx=None), -1) == 150 and fake.accepted == [150] and not sampler.dead_end


def test_a_dead_end_in_a_real_generation_gives_an_unfinished_answer(tiny_llm, monkeypatch) -> None:
    """With the real model: the answer stops cleanly and is not valid JSON, so schema validation refuses it."""
    import numpy as np

    monkeypatch.setattr(GreedyGrammarSampler, "_allowed", lambda self, ids, logits: np.zeros(len(ids), dtype=bool))
    result = tiny_llm.complete([{"role": "user", "content": "Say hi as JSON."}], schema=QUESTION, max_tokens=16,
                               temperature=0.0)
    assert tiny_llm.llm.last_sampler.dead_end
    assert result.finish_reason in ("stop", "length") and result.completion_tokens <= 1
    with pytest.raises(ValueError):
        json.loads(result.text)
