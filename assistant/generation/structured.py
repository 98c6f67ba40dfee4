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
from typing import Callable

import jsonschema

from assistant.generation import prompts
from assistant.generation.llm import Completion, Generator

log = logging.getLogger("rapport.generate")


@dataclass
class Attempted:
    data: dict | None
    attempts: int
    error: str = ""
    completions: tuple[Completion, ...] = ()


# Distinct, reproducible seeds for each kind of repeat: a retry, a second round, another variant.
SEED_STEPS = {"retry": 7919, "facts_round": 31, "question_round": 101, "question_try": 13,
              "narrative_variant": 211, "item": 1}


def seed_for(base: int, **steps: int) -> int:
    """The seed for one call: ``base`` moved by each named step (``seed_for(42, retry=1)``).

    Why one helper: seed offsets written inline as magic numbers (7919, 31,
    101, 13, 211) collided silently when two loops used the same one.
    """
    return base + sum(SEED_STEPS[name] * count for name, count in steps.items())


def messages_for(user: str) -> list[dict]:
    """System prompt first and identical everywhere, so llama.cpp reuses its KV prefix."""
    return [{"role": "system", "content": prompts.system()}, {"role": "user", "content": user}]


_CHARS_PER_TOKEN = 3  # English runs ~4 characters per token; 3 leaves room for names and numbers


def token_bound(schema: dict) -> int:
    """The most tokens an answer the schema allows can take (strings at their maxLength).

    Why: a ``max_tokens`` below this lets the grammar-constrained model write a valid but long
    answer that is cut off and thrown away; :func:`generate_json` raises ``max_tokens`` to this.
    A schema with an unbounded string or array has no bound (returns 0).
    """
    kind = schema.get("type")
    if "enum" in schema:
        return max(len(json.dumps(v)) for v in schema["enum"]) // 2 + 2
    if kind == "string":
        return schema["maxLength"] // _CHARS_PER_TOKEN + 4 if "maxLength" in schema else 0
    if kind == "array":
        item = token_bound(schema.get("items", {}))
        return schema["maxItems"] * (item + 1) + 2 if "maxItems" in schema and item else 0
    if kind == "object":
        parts = [token_bound(v) for v in schema.get("properties", {}).values()]
        if not parts or not all(parts):
            return 0
        return sum(parts) + sum(len(k) // _CHARS_PER_TOKEN + 3 for k in schema["properties"]) + 2
    if kind in ("integer", "number", "boolean"):
        return 8
    return 0


class ItemScanner:
    """Complete items of the answer's first array, as soon as each one closes (``{"facts": [{..}, {..`` ).

    Why: a streamed answer can show its first fact seconds before the last one is written;
    json.loads on the whole text would have to wait for the closing bracket.
    """

    def __init__(self) -> None:
        self.text = ""
        self._pos = 0
        self._depth = 0
        self._in_string = False
        self._escape = False
        self._start = -1

    def feed(self, piece: str) -> list[dict]:
        self.text += piece
        found: list[dict] = []
        for i in range(self._pos, len(self.text)):
            ch = self.text[i]
            if self._in_string:
                if self._escape:
                    self._escape = False
                elif ch == "\\":
                    self._escape = True
                elif ch == '"':
                    self._in_string = False
                continue
            if ch == '"':
                self._in_string = True
            elif ch in "{[":
                self._depth += 1
                if self._depth == 3 and ch == "{":
                    self._start = i
            elif ch in "}]":
                if self._depth == 3 and ch == "}" and self._start >= 0:
                    try:
                        item = json.loads(self.text[self._start:i + 1])
                    except json.JSONDecodeError:
                        item = None
                    if isinstance(item, dict):
                        found.append(item)
                    self._start = -1
                self._depth -= 1
        self._pos = len(self.text)
        return found


def _streamed(generator: Generator, messages: list[dict], schema: dict, max_tokens: int, seed: int,
              on_item: Callable[[dict], None]) -> Completion:
    """One greedy attempt, streamed: ``on_item`` sees each array item the moment it closes."""
    scanner = ItemScanner()
    for piece in generator.stream(messages, schema=schema, max_tokens=max_tokens, temperature=0.0, seed=seed):
        for item in scanner.feed(piece):
            on_item(item)
    return Completion(scanner.text)


def _checked(completion: Completion, schema: dict, accept: Callable[[dict], str] | None) -> tuple[dict | None, str]:
    """The answer's data, or None and why it cannot be used."""
    if completion.finish_reason == "length":
        return None, "the answer was cut off (too long)"
    try:
        data = json.loads(completion.text)
        jsonschema.validate(data, schema)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON ({exc.msg})"
    except jsonschema.ValidationError as exc:
        return None, f"answer did not match the expected shape ({exc.message[:120]})"
    reason = accept(data) if accept else ""
    return (None, reason) if reason else (data, "")


def generate_json(generator: Generator, user: str, schema: dict, *, max_tokens: int, seed: int,
                  retries: int = 2, accept: Callable[[dict], str] | None = None,
                  feedback: bool = False, on_item: Callable[[dict], None] | None = None) -> Attempted:
    """Ask for JSON matching ``schema``; ``accept`` returns "" or a reason to retry.

    With ``feedback`` the reason an answer was rejected is added at the end of
    the next attempt's prompt ("Your previous answer was rejected: ..."), so a
    retry is told what to fix instead of only getting a new seed; the changing
    text goes last, so the fixed prompt prefix stays cached. With ``on_item``
    the first attempt is streamed and each array item is handed over as it
    closes (the whole answer is still validated at the end).
    """
    error = ""
    done: list[Completion] = []
    max_tokens = max(max_tokens, token_bound(schema))  # never cut off an answer the schema allows
    for attempt in range(retries + 1):
        temperature = 0.0 if attempt == 0 else 0.4
        prompt = f"{user}\nYour previous answer was rejected: {error}" if feedback and error else user
        if on_item is not None and attempt == 0:
            completion = _streamed(generator, messages_for(prompt), schema, max_tokens, seed_for(seed, retry=attempt),
                                   on_item)
        else:
            completion = generator.complete(messages_for(prompt), schema=schema, max_tokens=max_tokens,
                                            temperature=temperature, seed=seed_for(seed, retry=attempt))
        done.append(completion)
        data, error = _checked(completion, schema, accept)
        if data is not None:
            return Attempted(data, attempt + 1, "", tuple(done))
        # Logged per attempt: a retry costs seconds, and the reason is what says whether it was worth it.
        log.info("attempt %d rejected (%s): %.200r", attempt + 1, error, completion.text)
    log.info("generation failed after %d attempts: %s", retries + 1, error)
    return Attempted(None, retries + 1, error, tuple(done))


__all__ = ["Attempted", "ItemScanner", "token_bound", "SEED_STEPS", "generate_json", "messages_for", "seed_for"]
