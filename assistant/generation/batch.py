"""Several greedy, grammar-constrained answers decoded together, sharing one prompt prefix.

Why: decode on a 2-core machine is memory-bound (every token reads all the
weights once), so one step that advances 4-8 sequences costs little more
than a step for one. A brief's question calls all start with the same
system prompt and quoted notes and differ only in the last ~100 tokens, so
they are decoded as one batch: the notes prefix is computed once (or
restored from a saved state, assistant/generation/warm.py), copied to every
sequence by reference (``llama_memory_seq_cp``: cells shared, not copied),
each sequence's own suffix is prefilled in one pass, and then each step
decodes one token for every sequence still writing. Each sequence has its
own grammar sampler (the greedy fast path of assistant/generation/sampling.py).

This runs in a second llama.cpp context on the same weights, with a unified
KV cache for up to ``MAX_SEQUENCES`` sequences, so the wrapper's own cache
(and its prefix bookkeeping) is untouched.
"""

from __future__ import annotations

import ctypes
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

log = logging.getLogger("rapport.batch")

MAX_SEQUENCES = 8


@dataclass
class _Seq:
    seq_id: int
    suffix: list[int]
    sampler: Any
    pos: int = 0
    out: list[int] | None = None
    done: bool = False
    finish: str = "stop"
    next_token: int = -1


class BatchDecoder:
    """Greedy JSON answers for several prompts at once (see the module docstring)."""

    def __init__(self, llm: Any, n_ctx: int, n_threads: int) -> None:
        import llama_cpp
        from llama_cpp import _internals as internals

        self._c = llama_cpp
        self.llm = llm
        # The main context's settings (attention kernel, cache types, threads), so the numbers
        # match its; only the size and the sequence count differ.
        params = llama_cpp.llama_context_params.from_buffer_copy(llm.context_params)
        params.n_ctx = n_ctx
        params.n_seq_max = MAX_SEQUENCES + 1  # 0 holds the shared prefix
        params.kv_unified = True
        self.n_ctx = n_ctx
        self.ctx = internals.LlamaContext(model=llm._model, params=params, verbose=False)
        self._mem = llama_cpp.llama_get_memory(self.ctx.ctx)
        self._batch = llama_cpp.llama_batch_init(512, 0, MAX_SEQUENCES + 1)
        self._prefix: list[int] = []
        self.steps = 0  # decode calls made (tests and benchmarks)

    def close(self) -> None:
        if self._batch is not None:
            self._c.llama_batch_free(self._batch)
            self._batch = None
        self.ctx.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    # ------------------------------------------------------------ batches ---
    def _fill(self, items: Sequence[tuple[int, int, int, bool]]) -> None:
        """Put (token, position, sequence, wants logits) items into the batch."""
        b = self._batch
        b.n_tokens = len(items)
        for i, (token, pos, seq, logits) in enumerate(items):
            b.token[i] = token
            b.pos[i] = pos
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = seq
            b.logits[i] = 1 if logits else 0

    def _decode(self, items: Sequence[tuple[int, int, int, bool]]) -> None:
        self._fill(items)
        self.steps += 1
        rc = self._c.llama_decode(self.ctx.ctx, self._batch)
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc}")

    def _set_prefix(self, prefix: list[int], state: bytes | None, usable: int = 0) -> str:
        """Sequence 0 holds ``prefix``: kept if it already does, else restored from ``state`` or computed.

        ``state`` is the main context's cache; its first ``usable`` cells are the start of
        ``prefix`` (the notes), the rest of it is removed and the remainder of ``prefix``
        (the task text the batch shares) computed here. Returns how: kept | restored | computed.
        """
        if self._prefix == prefix:
            for s in range(1, MAX_SEQUENCES + 1):
                self._c.llama_memory_seq_rm(self._mem, s, -1, -1)
            return "kept"
        self._c.llama_memory_clear(self._mem, True)
        self._prefix = []
        done, how = 0, "computed"
        if state is not None and usable:
            buf = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
            if self._c.llama_state_seq_set_data(self.ctx.ctx, buf, len(state), 0):
                self._c.llama_memory_seq_rm(self._mem, 0, usable, -1)
                done, how = usable, "restored"
            else:
                self._c.llama_memory_clear(self._mem, True)
        for start in range(done, len(prefix), 512):
            part = prefix[start:start + 512]
            self._decode([(t, start + j, 0, False) for j, t in enumerate(part)])
        self._prefix = list(prefix)
        return how

    def run(self, prompts: Sequence[list[int]], grammars: Sequence[Any], *, max_tokens: int,
            prefix_state: tuple[list[int], Callable[[], bytes]] | None = None,
            ) -> list[tuple[list[int], str, float]]:
        """Decode every prompt (token lists) to the end of its grammar or ``max_tokens``.

        Returns (tokens, finish reason, seconds) per prompt, in order. ``prefix_state`` is the
        main context's tokens and state, used when they start with the shared prefix.
        """
        from assistant.generation.sampling import GreedyGrammarSampler

        if not prompts:
            return []
        if len(prompts) > MAX_SEQUENCES:
            raise ValueError(f"at most {MAX_SEQUENCES} prompts per batch")
        n = _shared_prefix(prompts)
        n = min(n, min(len(p) for p in prompts) - 1)  # every sequence needs one token of its own to get logits
        prefix = list(prompts[0][:n])
        state: bytes | None = None
        usable = 0
        if self._prefix != prefix and prefix_state is not None:
            held, read = prefix_state
            usable = _shared_prefix([held, prefix])
            if usable >= 16:
                state = read()  # a copy of the main cache, only when this context lacks the prefix
        need = n + sum(len(p) - n + max_tokens for p in prompts)
        if need > self.n_ctx:
            raise ValueError(f"the batch needs {need} cells, the context has {self.n_ctx}")
        start = time.perf_counter()
        how = self._set_prefix(prefix, state, usable)
        vocab = self.llm._model.vocab
        seqs = [_Seq(i + 1, list(p[n:]), GreedyGrammarSampler(self.llm._model, g, self.llm._n_vocab), n, [])
                for i, (p, g) in enumerate(zip(prompts, grammars))]
        for s in seqs:
            self._c.llama_memory_seq_cp(self._mem, 0, s.seq_id, -1, -1)
        # Every suffix in as few decode calls as fit; each sequence samples right after its last token.
        pending = [(s, j, t) for s in seqs for j, t in enumerate(s.suffix)]
        for first in range(0, len(pending), 512):
            chunk = pending[first:first + 512]
            self._decode([(t, s.pos + j, s.seq_id, j == len(s.suffix) - 1) for s, j, t in chunk])
            for idx, (s, j, _) in enumerate(chunk):
                if j == len(s.suffix) - 1:
                    s.pos += len(s.suffix)
                    self._take(s, s.sampler.sample(self.ctx, idx), vocab, max_tokens)
        while True:
            live = [s for s in seqs if not s.done]
            if not live:
                break
            self._decode([(s.next_token, s.pos, s.seq_id, True) for s in live])
            for idx, s in enumerate(live):
                s.pos += 1
                self._take(s, s.sampler.sample(self.ctx, idx), vocab, max_tokens)
        seconds = time.perf_counter() - start
        log.info("batch of %d: prefix %d tokens (%s, %d from the main cache), suffixes %d tokens, %d decode calls, %.1fs",
                 len(seqs), n, how, usable if how == "restored" else 0, len(pending), self.steps, seconds)
        for s in seqs:
            s.sampler.close()
        return [(s.out or [], s.finish, seconds) for s in seqs]

    def _take(self, s: _Seq, token: int, vocab: Any, max_tokens: int) -> None:
        assert s.out is not None
        if self._c.llama_vocab_is_eog(vocab, token) or s.sampler.dead_end:
            s.done, s.finish = True, "stop"
            return
        s.out.append(token)
        s.next_token = token
        if len(s.out) >= max_tokens:
            s.done, s.finish = True, "length"


def fitting_groups(prompts: Sequence[list[int]], max_tokens: int, n_ctx: int) -> list[list[list[int]]]:
    """The prompts in order, cut into batches that fit ``MAX_SEQUENCES`` and the context's cells.

    The shared prefix is stored once (sequences share its cells); each sequence adds its own
    suffix and up to ``max_tokens`` of answer.
    """
    groups: list[list[list[int]]] = []
    group: list[list[int]] = []
    for p in prompts:
        trial = group + [p]
        shared = _shared_prefix(trial)
        cells = shared + sum(len(q) - shared + max_tokens for q in trial)
        if group and (len(trial) > MAX_SEQUENCES or cells > n_ctx):
            groups.append(group)
            trial = [p]
        group = trial
    groups.append(group)
    return groups


def complete_many(generator: Any, batch: Sequence[Sequence[dict]], *, schema: dict,
                  max_tokens: int = 256, batched: bool = True) -> list[Any]:
    """Greedy schema answers for several prompts: one batch in process, concurrent requests to a server.

    A llama.cpp server started with parallel slots (``llama-server --parallel 4``) batches
    concurrent requests itself; anything else answers one at a time (as does llama.cpp in
    process unless ``batched``: see ``Settings.batch_decode``).
    """
    if batched and hasattr(generator, "complete_batch"):
        return generator.complete_batch(batch, schema=schema, max_tokens=max_tokens)  # type: ignore[attr-defined]
    if hasattr(generator, "base_url") and len(batch) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(8, len(batch))) as pool:
            return list(pool.map(lambda m: generator.complete(m, schema=schema, max_tokens=max_tokens,
                                                              temperature=0.0), batch))
    return [generator.complete(m, schema=schema, max_tokens=max_tokens, temperature=0.0) for m in batch]



def _shared_prefix(prompts: Sequence[Sequence[int]]) -> int:
    n = min(len(p) for p in prompts)
    first = prompts[0]
    for i in range(n):
        t = first[i]
        if any(p[i] != t for p in prompts[1:]):
            return i
    return n


__all__ = ["MAX_SEQUENCES", "BatchDecoder", "complete_many", "fitting_groups"]
