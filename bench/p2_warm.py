"""P2: the instant-brief machinery (issue #12) against today's schedule, side by side.

For each eval contact, two briefs, interleaved (A B, then B A for the next contact):
- **warm+batched**: the contact's notes prefix restored from its saved state (``rapport warm``
  ran before), questions decoded as one batch;
- **cold, one at a time**: a fresh cache, no saved state, every question call alone (the
  schedule before this work; prompts and checks are today's on both sides).
Both sides use their own generator on the same model file. Printed: time to the first checked
fact (p50, p95), whole brief (p50, p95), prompt tokens computed, and the ratios.

Then, on one contact's question prompts: batch decode tokens/s at 1, 2, 4, 8 sequences as a
ratio to 1; how many batched answers equal the one-at-a-time ones; and the saved state's
bytes per prefix token and load time p95.

    python -m bench.p2_warm --model default [--limit 9]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from pathlib import Path
from typing import Sequence

from bench.common import Figure, emit


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def run(argv: Sequence[str] | None = None) -> list[Figure]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default="tiny")
    ap.add_argument("--limit", type=int, default=9, help="Eval contacts to brief (each twice).")
    ap.add_argument("--size", default="full", help="full | event")
    ap.add_argument("--decode-only", action="store_true", help="Only the decode step cost at 1, 2, 4, 8 sequences.")
    args = ap.parse_args(argv)
    if args.decode_only:
        return decode_steps(args.model)

    from unittest import mock

    from assistant.brief.builder import BriefBuilder
    from assistant.generation import prompts, warm
    from assistant.generation.llm import LlamaCppGenerator
    from assistant.generation.models import resolve_model
    from assistant.generation.structured import messages_for
    from assistant.notes.demo import EVAL_MANIFEST, load_manifest, read_manifest
    from assistant.notes.store import KnowledgeBase
    from bench.common import bench_settings

    s = bench_settings(Path(tempfile.mkdtemp(prefix="rapport-bench-p2-")))
    kb = KnowledgeBase(s)
    load_manifest(EVAL_MANIFEST, kb, s)
    names = [c.name for c in read_manifest(EVAL_MANIFEST).contacts][: args.limit]
    model = resolve_model(args.model, s)

    def generator() -> LlamaCppGenerator:
        return LlamaCppGenerator(str(model.path), name=model.label, n_ctx=s.n_ctx, n_threads=s.n_threads,
                                 seed=s.seed, size=model.size)

    new, old = generator(), generator()
    sequential = lambda gen, batch, *, schema, max_tokens=256: [  # noqa: E731 - today's one-at-a-time
        gen.complete(m, schema=schema, max_tokens=max_tokens, temperature=0.0) for m in batch]
    for name in names:  # `rapport warm` for every contact first (what the UI does when one is opened)
        BriefBuilder(name, kb, s, new).use_prefix()

    rows: dict[str, list[dict]] = {"new": [], "old": []}

    def brief(side: str, name: str) -> dict:
        gen = new if side == "new" else old
        patches = contextlib.ExitStack()
        if side == "old":  # a cold cache, no saved state, questions one at a time
            gen.llm.reset()
            gen.llm._ctx.kv_cache_seq_rm(-1, 0, -1)
            patches.enter_context(mock.patch.object(warm, "supports_states", lambda g: False))
            patches.enter_context(mock.patch("assistant.brief.questions.complete_many", sequential))
        before = (gen.stats.prompt_tokens, gen.stats.cached_tokens)
        with patches:
            start = time.perf_counter()
            b = BriefBuilder(name, kb, s, gen, size=args.size).run(on_fact=lambda f: None)
            total = time.perf_counter() - start
        computed = (gen.stats.prompt_tokens - before[0]) - (gen.stats.cached_tokens - before[1])
        return {"name": name, "first_fact": b.first_fact_seconds, "total": total, "state": b.prefix_state,
                "sections": dict(b.section_seconds), "calls": gen.stats.calls,
                "computed": computed, "facts": [f.text for f in b.facts], "questions": len(b.questions)}

    for i, name in enumerate(names):
        for side in (("new", "old") if i % 2 == 0 else ("old", "new")):
            r = brief(side, name)
            rows[side].append(r)
            print(f"  {side:3} {name[:28]:28} first fact {r['first_fact'] or 0:6.1f}s total {r['total']:6.1f}s "
                  f"state {r['state']:7} questions {r['questions']}  "
                  + " ".join(f"{k}={v:.0f}" for k, v in r["sections"].items()), flush=True)

    figures: list[Figure] = []
    for label, key in (("first checked fact", "first_fact"), ("whole brief", "total")):
        new_x = [r[key] for r in rows["new"] if r[key] is not None]
        old_x = [r[key] for r in rows["old"] if r[key] is not None]
        if not new_x or not old_x:
            continue
        ratios = [a[key] / b[key] for a, b in zip(rows["new"], rows["old"]) if a[key] and b[key]]
        for stat, fn in (("p50", statistics.median), ("p95", _p95)):
            emit(figures, Figure("P2", f"{label} {stat}, warm+batched vs cold ({model.label[:18]})", fn(new_x),
                                 fn(old_x), "s", "cold, one at a time", f"{len(new_x)} contacts",
                                 higher_is_better=False,
                                 paired_ratio=statistics.median(ratios) if stat == "p50" and ratios else None))
    emit(figures, Figure("P2", "prompt tokens computed per brief", statistics.mean(r["computed"] for r in rows["new"]),
                         statistics.mean(r["computed"] for r in rows["old"]), "tok", "cold, one at a time",
                         higher_is_better=False))
    same = sum(a["facts"] == b["facts"] for a, b in zip(rows["new"], rows["old"]))
    emit(figures, Figure("P2", "greedy facts identical, warm vs cold", same, len(names), "briefs", "briefs"))

    # Batch decode on one contact's question prompts.
    b0 = BriefBuilder(names[0], kb, s, new)
    facts = [c.text.split(". ")[0][:200] for c in b0.notes][:8] or ["their work"]
    starters = ["What", "How", "Tell me about", "Why", "What led you to", "How do you decide", "What surprised you",
                "Looking back, what"]
    asks = [messages_for(prompts.render("question", notes=b0.notes_block, name=b0.name, fact=facts[i % len(facts)],
                                        avoid="", starter=starters[i])) for i in range(8)]
    schema = prompts.schema("question")
    new.complete(asks[0], schema=schema, max_tokens=60)  # the prefix in the cache, as in a brief
    speed: dict[int, float] = {}
    for n in (1, 2, 4, 8):  # answers per second of the whole batch call (suffix prefill included)
        out = new.complete_batch(asks[:n], schema=schema, max_tokens=60)
        toks = sum(c.completion_tokens for c in out)
        speed[n] = toks / max(1e-9, sum(c.seconds for c in out))
    for n in (2, 4, 8):
        emit(figures, Figure("P2", f"batch decode tok/s, {n} sequences vs 1", speed[n], speed[1], "tok/s", "1 sequence"))
    batched = [c.text for c in new.complete_batch(asks, schema=schema, max_tokens=60)]
    alone = [new.complete(m, schema=schema, max_tokens=60, temperature=0.0).text for m in asks]
    emit(figures, Figure("P2", "batched answers equal to one-at-a-time", sum(a == b for a, b in zip(batched, alone)),
                         len(asks), "answers", "answers", "greedy; differences are near-ties in another add order"))

    # The saved state: size and load time.
    files = sorted(warm.states_root(s).rglob("*.kv"))
    tokens = [len(warm.PrefixStates(s, new).prefix_tokens(BriefBuilder(n, kb, s, new).notes_block)) for n in names]
    per_token = statistics.mean(f.stat().st_size / t for f, t in zip(files, tokens)) if files else 0
    loads = []
    for n in names:
        ctx = BriefBuilder(n, kb, s, old)  # noqa: F841 - built before the clock starts
        old.llm.reset()
        old.llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        start = time.perf_counter()
        ctx.use_prefix()
        loads.append(time.perf_counter() - start)
    emit(figures, Figure("P2", "saved state bytes per prefix token", per_token, None, "B",
                         note=f"{len(files)} files, {sum(f.stat().st_size for f in files) / 1e6:.0f} MB"))
    emit(figures, Figure("P2", "saved state load p95 (incl. tokenizing)", _p95(loads), None, "s"))
    return figures


def decode_steps(spec: str) -> list[Figure]:
    """Milliseconds per decode step with 1, 2, 4, 8 sequences (short prompts, prefix kept): is decode memory-bound?"""
    import json

    from llama_cpp import LlamaGrammar

    from assistant.generation.batch import BatchDecoder
    from assistant.generation.llm import LlamaCppGenerator
    from bench.llm_common import resolve

    settings, model = resolve(spec)
    gen = LlamaCppGenerator(str(model.path), name=model.label, n_ctx=4096, n_threads=settings.n_threads)
    grammar = LlamaGrammar.from_json_schema(json.dumps({"type": "object", "required": ["a"], "properties": {
        "a": {"type": "string", "maxLength": 400}}}), verbose=False)
    decoder = BatchDecoder(gen.llm, 4096, settings.n_threads)
    base = gen.llm.tokenize(b"Write a long story about a cat named Tom who lives in a lighthouse.", add_bos=False)
    per_step: dict[int, float] = {}
    for n in (1, 2, 4, 8):
        prompts_ = [base + gen.llm.tokenize(f" Version {i}.".encode(), add_bos=False) for i in range(n)]
        decoder.run(prompts_, [grammar] * n, max_tokens=4)  # the prefix in place
        steps, start = decoder.steps, time.perf_counter()
        decoder.run(prompts_, [grammar] * n, max_tokens=40)
        per_step[n] = 1000 * (time.perf_counter() - start) / max(1, decoder.steps - steps)
    figures: list[Figure] = []
    for n in (2, 4, 8):
        emit(figures, Figure("P2", f"decode ms/step, {n} sequences vs 1 ({model.label[:18]})", per_step[n], per_step[1],
                             "ms", "1 sequence", f"memory-bound would be a ratio near 1; {n} is fully compute-bound",
                             higher_is_better=False))
    return figures


if __name__ == "__main__":
    run()
