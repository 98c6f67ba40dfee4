"""Schema-constrained generation with validation and bounded retries.

llama.cpp turns the schema into a grammar, but falls back to "any JSON" when
it cannot, and a cut-off answer is invalid JSON; so every answer is parsed
and validated here, and a bad one is retried with a new seed a bounded
number of times before the caller is told it failed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Callable, Sequence

import jsonschema

from . import prompts
from .llm import Completion, Generator

log = logging.getLogger("rapport.generate")


@dataclass
class Attempted:
    data: dict | None
    attempts: int
    error: str = ""
    completions: tuple[Completion, ...] = ()


def messages_for(user: str) -> list[dict]:
    """System prompt first and identical everywhere, so llama.cpp reuses its KV prefix."""
    return [{"role": "system", "content": prompts.system()}, {"role": "user", "content": user}]


def generate_json(generator: Generator, user: str, schema: dict, *, max_tokens: int, seed: int,
                  retries: int = 2, accept: Callable[[dict], str] | None = None) -> Attempted:
    """Ask for JSON matching ``schema``; ``accept`` returns "" or a reason to retry."""
    error = ""
    done: list[Completion] = []
    for attempt in range(retries + 1):
        temperature = 0.0 if attempt == 0 else 0.4
        completion = generator.complete(messages_for(user), schema=schema, max_tokens=max_tokens,
                                        temperature=temperature, seed=seed + attempt * 7919)
        done.append(completion)
        if completion.finish_reason == "length":
            error = "the answer was cut off (too long)"
            continue
        try:
            data = json.loads(completion.text)
            jsonschema.validate(data, schema)
        except json.JSONDecodeError as exc:
            error = f"invalid JSON ({exc.msg})"
            continue
        except jsonschema.ValidationError as exc:
            error = f"answer did not match the expected shape ({exc.message[:120]})"
            continue
        reason = accept(data) if accept else ""
        if reason:
            error = reason
            continue
        return Attempted(data, attempt + 1, "", tuple(done))
    log.info("generation failed after %d attempts: %s", retries + 1, error)
    return Attempted(None, retries + 1, error, tuple(done))


def sample_texts(items: Sequence[dict], key: str = "text") -> list[str]:
    return [str(i.get(key, "")) for i in items]
