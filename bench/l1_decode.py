"""L1 decode efficiency: Rapport's generation path vs raw ``llama_cpp.Llama``.

    python -m bench.l1_decode [--model tiny|small|default] [--reps 3] [--tokens 64]

Same model file, prompt, greedy sampling and output length on both sides, so
any difference is the cost of Rapport's wrapper (locking, stats, the
common-prefix count). Both keep their KV cache, so after the warm-up call the
prompt is reused and the timing is essentially decode. Second figure: decode
reads every weight once per token, so tokens/s x model bytes divided by the
measured copy bandwidth is the fraction of the physical limit reached.
"""

from __future__ import annotations

import argparse
import time
from typing import Sequence

from bench.common import Figure, emit, interleave, machine_facts, median, paired, print_facts
from bench.llm_common import PROMPT, model_args, resolve


def run(argv: Sequence[str] | None = None) -> list[Figure]:
    args = model_args(argparse.ArgumentParser(description=__doc__)).parse_args(argv)
    from llama_cpp import Llama

    from assistant.generation.llm import LlamaCppGenerator

    facts = machine_facts()
    settings, model = resolve(args.model)
    threads = args.threads or settings.n_threads
    gen = LlamaCppGenerator(str(model.path), name=model.label, n_ctx=settings.n_ctx, n_threads=threads,
                            seed=settings.seed, prefix_cache=True, size=model.size)
    raw = Llama(model_path=str(model.path), n_ctx=settings.n_ctx, n_threads=threads, n_batch=512,
                seed=settings.seed, verbose=False)
    messages = [{"role": "user", "content": PROMPT}]
    counts: dict[str, int] = {}

    def rapport() -> float:
        c = gen.complete(messages, max_tokens=args.tokens, temperature=0.0)
        counts["rapport"] = c.completion_tokens
        return c.completion_tokens / c.seconds

    def llama() -> float:
        raw.set_seed(settings.seed)
        t = time.perf_counter()
        out = raw.create_chat_completion(messages=messages, max_tokens=args.tokens, temperature=0.0, top_p=1.0)
        n = out["usage"]["completion_tokens"]
        counts["raw"] = n
        return n / (time.perf_counter() - t)

    rapport(), llama()  # warm-up: first call pays one-time set-up and the prompt
    tps = interleave({"rapport": rapport, "raw": llama}, args.reps)
    figures: list[Figure] = []
    r, b = median(tps["rapport"]), median(tps["raw"])
    emit(figures, Figure("L1", f"decode tok/s, Rapport vs raw Llama ({model.name})", r, b, "tok/s", "raw llama_cpp",
                         f"{counts.get('rapport')} vs {counts.get('raw')} tokens, {args.reps} reps, {threads} threads; aim >= 0.95",
                         extra={"rapport": tps["rapport"], "raw": tps["raw"]},
                         paired_ratio=paired(tps["rapport"], tps["raw"])))
    bw = facts["memory_bandwidth_gbs"]
    emit(figures, Figure("L1", f"tok/s x model bytes vs copy bandwidth ({model.name})", r * model.size / 1e9, bw,
                         "GB/s", "numpy copy", f"model {model.size / 1e6:.0f} MB"))
    return figures


if __name__ == "__main__":
    print_facts()
    run()
