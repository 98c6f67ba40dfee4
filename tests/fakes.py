"""Scripted generators for tests that need to control what the "model" says."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Sequence

from assistant.generation.llm import ScriptedGenerator


@dataclass
class QueueGenerator(ScriptedGenerator):
    """Like ScriptedGenerator, but each needle answers from a queue in order.

    The last reply of a queue repeats, so "first a bad answer, then good
    ones" is ``{"QUESTION:": [bad, good]}``.
    """

    queues: dict[str, list[str]] = field(default_factory=dict)

    def _reply(self, messages: Sequence[dict]) -> str:
        self.calls.append(list(messages))
        last = messages[-1]["content"] if messages else ""
        for needle, replies in self.queues.items():
            if needle in last:
                return replies.pop(0) if len(replies) > 1 else replies[0]
        return self.default

    def prompts_with(self, needle: str) -> list[str]:
        """The last user message of every call that contained ``needle``."""
        return [c[-1]["content"] for c in self.calls if needle in c[-1]["content"]]


class SmallWindow:
    """A real generator that pretends its context window is ``n_ctx`` tokens.

    Lets a test drive trimming with the real model without paying for a
    full 4096-token prompt on a slow CPU.
    """

    def __init__(self, inner, n_ctx: int) -> None:
        self.inner = inner
        self.n_ctx = n_ctx
        self.name = getattr(inner, "name", "model")

    def __getattr__(self, attr: str):
        return getattr(self.inner, attr)


def hashing_embed(texts: Sequence[str], dims: int = 128, min_len: int = 1) -> list[list[float]]:
    """Bag-of-words hashing embedder: texts sharing words get similar vectors; fast and deterministic.

    Stands in for MiniLM (~30 texts/s on two cores) where a test ranks or
    dedupes hundreds of texts; the maths on top is the same either way. md5,
    not hash(): hash() is salted per process and would make tests flaky.
    """
    out = []
    for text in texts:
        vec = [0.0] * dims
        for token in re.findall(r"\w+", text.lower()):
            if len(token) >= min_len:
                vec[int.from_bytes(hashlib.md5(token.encode()).digest()[:4], "little") % dims] += 1.0
        out.append(vec)
    return out


class Routed:
    """A stand-in model that answers by what the prompt asks (subclasses write ``answer``).

    For pipeline tests whose point is what code does with an answer: the
    brief's facts come from ``tests.test_speed_paths.FACTS`` unless ``answer``
    says otherwise.
    """

    name, n_ctx = "routed", 4096

    def answer(self, user: str, schema: dict | None) -> str | None:
        return None

    def complete(self, messages, *, schema=None, max_tokens=256, temperature=0.0, seed=None):
        from assistant.generation.llm import Completion
        from tests.test_speed_paths import FACTS

        user = messages[-1]["content"]
        got = self.answer(user, schema)
        if got is not None:
            return Completion(got)
        if "short facts about" in user:
            return Completion(json.dumps({"facts": [dict(f, sources=["N1"]) for f in FACTS]}))
        return Completion("{}")

    def stream(self, messages, **kw):
        yield self.complete(messages, **kw).text

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1
