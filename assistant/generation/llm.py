"""The model behind one small interface, passed in rather than patched.

Everything that generates text (briefs, chat, drafts, events) takes a
:class:`Generator`. Three implementations: llama.cpp in process, any
OpenAI-compatible server (llama.cpp's server, vLLM), and a scripted one for
UI tests. ``llama_cpp.Llama`` is not thread-safe, so the in-process one
serializes calls with a lock: two browser tabs queue instead of crashing.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator, Protocol, Sequence, runtime_checkable

from assistant.config import Settings
from assistant.errors import GenerationError, ModelError

Message = dict  # {"role": "system"|"user"|"assistant", "content": str}


@dataclass
class Completion:
    text: str
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens reused from the previous call's KV cache
    seconds: float = 0.0


@runtime_checkable
class Generator(Protocol):
    name: str
    n_ctx: int

    def complete(self, messages: Sequence[Message], *, schema: dict | None = None, max_tokens: int = 256,
                 temperature: float = 0.0, seed: int | None = None) -> Completion: ...

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0,
               seed: int | None = None) -> Iterator[str]: ...

    def count_tokens(self, text: str) -> int: ...


@dataclass
class GeneratorStats:
    calls: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0

    def add(self, c: Completion) -> None:
        self.calls += 1
        self.prompt_tokens += c.prompt_tokens
        self.cached_tokens += c.cached_tokens
        self.completion_tokens += c.completion_tokens
        self.seconds += c.seconds

    @property
    def prefix_reuse(self) -> float:
        return self.cached_tokens / self.prompt_tokens if self.prompt_tokens else 0.0

    @property
    def tokens_per_second(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds else 0.0


class LlamaCppGenerator:
    """llama.cpp in this process; keeps the KV cache so shared prefixes are reused."""

    def __init__(self, model_path: str, *, name: str = "", n_ctx: int = 4096, n_threads: int = 2,
                 seed: int = 42, prefix_cache: bool = True, size: int = 0) -> None:
        try:
            from llama_cpp import Llama

            from assistant.generation.sampling import fast_grammar_llama
        except ImportError as exc:  # pragma: no cover - install problem
            raise ModelError("llama-cpp-python is not installed.", "Run `make run` or `pip install -e .`.") from exc
        self.name = name or model_path
        self.n_ctx = n_ctx
        self.size = size
        self.seed = seed
        self.prefix_cache = prefix_cache
        self.stats = GeneratorStats()
        self.lock = threading.Lock()
        try:
            # Greedy schema calls check the grammar on the chosen token only (assistant/sampling.py, bench L2).
            self.llm = fast_grammar_llama(Llama)(model_path=model_path, n_ctx=n_ctx, n_threads=n_threads,
                                                 n_batch=512, seed=seed, verbose=False)
        except Exception as exc:
            raise ModelError(f"llama.cpp could not load {model_path}: {exc}", "Is it a valid GGUF file?") from None

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8", errors="ignore"), add_bos=False, special=True))

    def _prepare(self, seed: int | None) -> None:
        self.llm.set_seed(self.seed if seed is None else seed)
        if not self.prefix_cache:
            self.llm.reset()  # forget the KV cache: every prompt is processed from scratch

    def complete(self, messages: Sequence[Message], *, schema: dict | None = None, max_tokens: int = 256,
                 temperature: float = 0.0, seed: int | None = None) -> Completion:
        kwargs: dict = {"max_tokens": max_tokens, "temperature": temperature, "top_p": 0.9 if temperature else 1.0}
        if schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        with self.lock:
            self._prepare(seed)
            before = self.llm.n_tokens
            prev = list(self.llm.input_ids[:before])
            start = time.perf_counter()
            out = self.llm.create_chat_completion(messages=list(messages), **kwargs)
            seconds = time.perf_counter() - start
        usage = out.get("usage") or {}
        prompt_tokens = int(usage.get("prompt_tokens", 0))
        cached = _common_prefix(prev, list(self.llm.input_ids[:prompt_tokens])) if self.prefix_cache else 0
        choice = out["choices"][0]
        completion = Completion(choice["message"].get("content") or "", choice.get("finish_reason") or "stop",
                                prompt_tokens, int(usage.get("completion_tokens", 0)), cached, seconds)
        self.stats.add(completion)
        return completion

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0,
               seed: int | None = None) -> Iterator[str]:
        with self.lock:
            self._prepare(seed)
            for part in self.llm.create_chat_completion(messages=list(messages), max_tokens=max_tokens,
                                                        temperature=temperature, stream=True):
                delta = part["choices"][0].get("delta", {}).get("content")
                if delta:
                    yield delta


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


class OpenAICompatGenerator:
    """Any OpenAI-compatible ``/v1/chat/completions`` server, for big lists.

    Thread-safe: the server has its own slots, so event prep can send
    attendees concurrently.
    """

    def __init__(self, base_url: str, *, model: str = "local", n_ctx: int = 4096, timeout: float = 600,
                 seed: int = 42) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        if not self.base_url.endswith("/v1"):
            self.base_url += "/v1"
        self.name = f"{model} @ {base_url}"
        self.model = model
        self.n_ctx = n_ctx
        self.seed = seed
        self.size = 0
        self.stats = GeneratorStats()
        self._stats_lock = threading.Lock()
        self.client = httpx.Client(timeout=timeout, trust_env=False)

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)  # the server tokenizes; an estimate is enough to budget

    def _post(self, payload: dict) -> dict:
        import httpx

        try:
            response = self.client.post(f"{self.base_url}/chat/completions", json=payload)
            response.raise_for_status()
            return response.json()
        except httpx.HTTPError as exc:
            raise ModelError(f"The model server at {self.base_url} did not answer: {exc}",
                             "Check that it is running (e.g. `python -m llama_cpp.server --model FILE`).") from None

    def complete(self, messages: Sequence[Message], *, schema: dict | None = None, max_tokens: int = 256,
                 temperature: float = 0.0, seed: int | None = None) -> Completion:
        payload: dict = {"model": self.model, "messages": list(messages), "max_tokens": max_tokens,
                         "temperature": temperature, "seed": self.seed if seed is None else seed}
        if schema is not None:
            payload["response_format"] = {"type": "json_object", "schema": schema}
        start = time.perf_counter()
        out = self._post(payload)
        usage = out.get("usage") or {}
        choice = out["choices"][0]
        c = Completion(choice["message"].get("content") or "", choice.get("finish_reason") or "stop",
                       int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)), 0,
                       time.perf_counter() - start)
        with self._stats_lock:
            self.stats.add(c)
        return c

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0,
               seed: int | None = None) -> Iterator[str]:
        # Simple and robust: one request, yielded as one piece.
        yield self.complete(messages, max_tokens=max_tokens, temperature=temperature, seed=seed).text


@dataclass
class ScriptedGenerator:
    """Answers from a script, for UI tests and demos without a model.

    ``script`` maps a substring of the last user message to the reply; the
    first match wins, ``default`` otherwise. Schema calls get JSON strings.
    """

    script: dict[str, str] = field(default_factory=dict)
    default: str = "{}"
    name: str = "scripted"
    n_ctx: int = 4096
    size: int = 0
    calls: list[Sequence[Message]] = field(default_factory=list)

    def _reply(self, messages: Sequence[Message]) -> str:
        self.calls.append(list(messages))
        last = messages[-1]["content"] if messages else ""
        for needle, reply in self.script.items():
            if needle in last:
                return reply
        return self.default

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def complete(self, messages: Sequence[Message], *, schema: dict | None = None, max_tokens: int = 256,
                 temperature: float = 0.0, seed: int | None = None) -> Completion:
        return Completion(self._reply(messages))

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 512, temperature: float = 0.0,
               seed: int | None = None) -> Iterator[str]:
        for word in self._reply(messages).split(" "):
            yield word + " "


def parse_json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise GenerationError(f"The model returned invalid JSON ({exc.msg}).") from None


_shared: dict[tuple, Generator] = {}
_shared_lock = threading.Lock()


def load_generator(settings: Settings, spec: str | None = None, *, prefix_cache: bool = True,
                   progress=None) -> Generator:
    """The process-wide generator for a model spec (loaded once, then shared)."""
    spec = spec or settings.model
    if settings.llm_url:
        key: tuple = ("url", settings.llm_url)
    else:
        key = ("local", spec, settings.n_ctx, prefix_cache, str(settings.models_dir))
    with _shared_lock:
        if key not in _shared:
            if settings.llm_url:
                _shared[key] = OpenAICompatGenerator(settings.llm_url, n_ctx=settings.n_ctx, seed=settings.seed)
            else:
                from assistant.generation.models import resolve_model

                resolved = resolve_model(spec, settings, progress)
                _shared[key] = LlamaCppGenerator(str(resolved.path), name=resolved.label, n_ctx=settings.n_ctx,
                                                 n_threads=settings.n_threads, seed=settings.seed,
                                                 prefix_cache=prefix_cache, size=resolved.size)
        return _shared[key]
