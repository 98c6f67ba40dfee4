"""A one-string JSON answer whose opening words the code already chose, decoded from there on.

Why: a question call's answer is ``{"question": "What drew you to ...?"}``. The prompt
already tells the model which words to start with, and the JSON around them is fixed,
yet each of those ~8 tokens was decoded one at a time (~50 ms each on 2 cores with the
notes in context; a whole question is 20-40 tokens). Put at the end of the prompt they
are prefilled in one pass with the rest of its changing tail. A grammar then allows only
the rest of the string (within the schema's ``maxLength``) and the closing brace, so the
answer is still one valid object and every word after the opening is still the model's.

Only llama.cpp in process takes a prefilled answer; other generators (a server, the
scripted one in tests) get the ordinary schema call (:func:`supports`).
"""

from __future__ import annotations

import json
import time
from typing import Any, Sequence

from assistant.generation.llm import Completion, LlamaCppGenerator, Message, _common_prefix

# One JSON string character: anything but a quote, a backslash or a control character, or an escape.
_CHAR = r'[^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})'


def supports(generator: Any) -> bool:
    """Whether ``generator`` can continue an answer the code opened (llama.cpp in process)."""
    return isinstance(generator, LlamaCppGenerator)


def rest_grammar(max_chars: int) -> str:
    """GBNF for the rest of a one-string object: 1..``max_chars`` string characters, a quote, a brace."""
    return f'root ::= char{{1,{max(1, max_chars)}}} "\\"" "}}"\nchar ::= {_CHAR}\n'


def complete_prefixed(generator: LlamaCppGenerator, messages: Sequence[Message], key: str, opening: str, *,
                      max_length: int, max_tokens: int, seed: int | None = None) -> Completion:
    """Greedy ``{key: opening + ...}``: the opening is prompt, the rest decoded under :func:`rest_grammar`.

    ``max_length`` is the schema's ``maxLength`` for the string, opening included.
    """
    from llama_cpp import LlamaGrammar

    gen = generator
    head = json.dumps({key: opening})[:-2]  # '{"question": "What drew you to'
    tokens = gen.prompt_tokens(messages) + gen.llm.tokenize(head.encode("utf-8"), add_bos=False, special=False)
    grammar = LlamaGrammar.from_string(rest_grammar(max_length - len(opening)), verbose=False)
    with gen._turn():
        gen._prepare(seed)
        prev = list(gen.llm.input_ids[:gen.llm.n_tokens])
        start = time.perf_counter()
        out = gen.llm.create_completion(prompt=tokens, grammar=grammar, max_tokens=max_tokens, temperature=0.0,
                                        top_p=1.0)
        seconds = time.perf_counter() - start
    choice = out["choices"][0]
    usage = out.get("usage") or {}
    cached = _common_prefix(prev, tokens) if gen.prefix_cache else 0
    completion = Completion(head + (choice.get("text") or ""), choice.get("finish_reason") or "stop", len(tokens),
                            int(usage.get("completion_tokens", 0)), cached, seconds)
    gen.stats.add(completion)
    return completion


__all__ = ["complete_prefixed", "rest_grammar", "supports"]
