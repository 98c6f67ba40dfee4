"""The model behind one small interface, passed in rather than patched.

Everything that generates text (briefs, chat, drafts, events) takes a
:class:`Generator`. Three implementations: llama.cpp in process, any
OpenAI-compatible server (llama.cpp's server, vLLM), and a scripted one for
UI tests. ``llama_cpp.Llama`` is not thread-safe, so the in-process one
serializes calls with a lock: two browser tabs queue instead of crashing.
"""

from __future__ import annotations

import ctypes
import json
import threading
import time
from contextlib import contextmanager
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
               seed: int | None = None, schema: dict | None = None) -> Iterator[str]: ...

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
        self.model_path = model_path
        self.waiting = 0  # callers queued for the lock: a background warm-up gives way when > 0
        try:
            # Greedy schema calls check the grammar on the chosen token only (assistant/sampling.py, bench L2).
            self.llm = fast_grammar_llama(Llama)(model_path=model_path, n_ctx=n_ctx, n_threads=n_threads,
                                                 n_batch=512, seed=seed, verbose=False)
        except Exception as exc:
            raise ModelError(f"llama.cpp could not load {model_path}: {exc}", "Is it a valid GGUF file?") from None

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8", errors="ignore"), add_bos=False, special=True))

    # ------------------------------------------------------- prefix states ---
    # The hooks assistant/generation/warm.py uses to save and restore the KV cache of a prompt
    # prefix (system prompt + quoted notes). llama-cpp-python reuses whatever prefix of
    # ``input_ids`` matches the next prompt, so restoring a state means putting the KV cells of
    # sequence 0 back and telling the wrapper which tokens they hold.

    def prompt_tokens(self, messages: Sequence[Message]) -> list[int]:
        """The exact tokens ``create_chat_completion`` would feed the model for ``messages``.

        Why not format the template here: the chat handler llama-cpp-python picks (the GGUF's
        Jinja template, or a named format) is the one that counts, so it is asked directly and
        stopped before it generates anything.
        """
        from llama_cpp import llama_chat_format

        llm = self.llm
        handler = (llm.chat_handler or llm._chat_handlers.get(llm.chat_format)
                   or llama_chat_format.get_chat_completion_handler(llm.chat_format))
        captured: list[list[int]] = []

        class _Stop(Exception):
            pass

        class _Probe:
            def __getattr__(self, attr: str):
                return getattr(llm, attr)

            def create_completion(self, prompt, **_kw):  # noqa: ANN001 - the handler's call
                captured.append(list(prompt))
                raise _Stop

        try:
            handler(llama=_Probe(), messages=list(messages), max_tokens=1, temperature=0.0)
        except _Stop:
            return captured[0]
        raise GenerationError("The chat template did not produce a prompt.")  # pragma: no cover

    def prefill(self, tokens: Sequence[int], should_stop=None, step: int = 512) -> bool:
        """Make the KV cache hold exactly ``tokens`` (reusing the prefix it already holds).

        Evaluated in steps of ``step`` tokens (the same 512 as a cold prompt, from position 0,
        so a cold brief and a warm one compute the same numbers); between steps
        ``should_stop()`` is asked, so a background warm-up gives way to a user's request.
        True when all tokens are in.
        """
        llm = self.llm
        tokens = list(tokens)
        held = _common_prefix(list(llm.input_ids[: llm.n_tokens]), tokens)
        held = min(held, len(tokens))
        llm._ctx.kv_cache_seq_rm(-1, held, -1)
        llm.n_tokens = held
        for i in range(held, len(tokens), step):
            if should_stop is not None and should_stop():
                return False
            llm.eval(tokens[i:i + step])
        llm._requires_eval = True  # the logits are the prefix's, not a prompt's: recompute one token
        return llm.n_tokens == len(tokens)

    def state_bytes(self) -> bytes:
        """Sequence 0's KV cells (what :meth:`prefill` left), as llama.cpp serialises them."""
        import llama_cpp

        ctx = self.llm._ctx.ctx
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(ctx, buf, size, 0)
        return bytes(buf[:written])

    def load_state_bytes(self, data: bytes, tokens: Sequence[int]) -> bool:
        """Put a saved prefix state back into sequence 0; False (cache emptied) when llama.cpp refuses it."""
        import llama_cpp

        llm = self.llm
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        llm.n_tokens = 0
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if not llama_cpp.llama_state_seq_set_data(llm._ctx.ctx, buf, len(data), 0):
            llm._ctx.kv_cache_seq_rm(-1, 0, -1)
            return False
        n = len(tokens)
        llm.input_ids[:n] = list(tokens)
        llm.n_tokens = n
        llm._requires_eval = True
        return True

    def complete_batch(self, batch: Sequence[Sequence[Message]], *, schema: dict, max_tokens: int = 256,
                       ) -> list[Completion]:
        """Greedy schema answers for several prompts decoded together (assistant/generation/batch.py).

        The prompts should share a long prefix (the quoted notes); the prefix is taken from this
        generator's cache when it holds it, so a warm contact pays nothing for it here either.
        """
        from llama_cpp import LlamaGrammar

        from assistant.generation.batch import BatchDecoder, fitting_groups

        if not batch:
            return []
        grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        with self._turn():
            prompts = [self.prompt_tokens(m) for m in batch]
            if getattr(self, "_batcher", None) is None:
                self._batcher = BatchDecoder(self.llm, max(self.n_ctx, 4096), self.llm.n_threads)
            held = list(self.llm.input_ids[: self.llm.n_tokens])
            state = (held, self.state_bytes) if held else None
            out: list[Completion] = []
            for g in fitting_groups(prompts, max_tokens, self._batcher.n_ctx):
                for tokens, finish, seconds in self._batcher.run(g, [grammar] * len(g), max_tokens=max_tokens,
                                                                 prefix_state=state):
                    text = self.llm.detokenize(tokens).decode("utf-8", errors="ignore")
                    shared = _common_prefix(g[0], held) if held else 0  # came from the cache, not computed
                    c = Completion(text, finish, len(g[0]), len(tokens), shared, seconds / len(g))
                    self.stats.add(c)
                    out.append(c)
        return out

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """The model lock, with this caller counted as waiting until it has it (see ``waiting``)."""
        self.waiting += 1
        try:
            self.lock.acquire()
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self.lock.release()

    def _prepare(self, seed: int | None) -> None:
        self.llm.set_seed(self.seed if seed is None else seed)
        if not self.prefix_cache:
            self.llm.reset()  # forget the KV cache: every prompt is processed from scratch

    def complete(self, messages: Sequence[Message], *, schema: dict | None = None, max_tokens: int = 256,
                 temperature: float = 0.0, seed: int | None = None) -> Completion:
        kwargs: dict = {"max_tokens": max_tokens, "temperature": temperature, "top_p": 0.9 if temperature else 1.0}
        if schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        with self._turn():
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
               seed: int | None = None, schema: dict | None = None) -> Iterator[str]:
        """Text as it is decoded; with ``schema`` under the same grammar as :meth:`complete`."""
        kwargs: dict = {"max_tokens": max_tokens, "temperature": temperature, "top_p": 0.9 if temperature else 1.0}
        if schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        with self._turn():
            self._prepare(seed)
            before = self.llm.n_tokens
            prev = list(self.llm.input_ids[:before])
            start = time.perf_counter()
            pieces = 0
            for part in self.llm.create_chat_completion(messages=list(messages), stream=True, **kwargs):
                delta = part["choices"][0].get("delta", {}).get("content")
                if delta:
                    pieces += 1
                    yield delta
            prompt = len(self.prompt_tokens(messages))
            cached = _common_prefix(prev, list(self.llm.input_ids[:prompt])) if self.prefix_cache else 0
            self.stats.add(Completion("", "stop", prompt, max(0, self.llm.n_tokens - prompt), cached,
                                      time.perf_counter() - start))


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
               seed: int | None = None, schema: dict | None = None) -> Iterator[str]:
        """Server-sent events (``"stream": true``): each piece as the server sends it, not the answer at the end."""
        import httpx

        payload: dict = {"model": self.model, "messages": list(messages), "max_tokens": max_tokens,
                         "temperature": temperature, "seed": self.seed if seed is None else seed, "stream": True}
        if schema is not None:
            payload["response_format"] = {"type": "json_object", "schema": schema}
        start = time.perf_counter()
        pieces = 0
        try:
            with self.client.stream("POST", f"{self.base_url}/chat/completions", json=payload) as response:
                response.raise_for_status()
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    try:
                        event = json.loads(data)
                    except json.JSONDecodeError:
                        continue
                    choices = event.get("choices") or [{}]
                    delta = (choices[0].get("delta") or {}).get("content")
                    if delta:
                        pieces += 1
                        yield delta
        except httpx.HTTPError as exc:
            raise ModelError(f"The model server at {self.base_url} did not answer: {exc}",
                             "Check that it is running (e.g. `python -m llama_cpp.server --model FILE`).") from None
        with self._stats_lock:
            self.stats.add(Completion("", "stop", 0, pieces, 0, time.perf_counter() - start))


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
               seed: int | None = None, schema: dict | None = None) -> Iterator[str]:
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
