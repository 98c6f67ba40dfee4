"""L3 llama.cpp settings: n_batch, n_threads, flash_attn, each against Rapport's default.

    python -m bench.l3_settings [--model tiny|small|default] [--reps 2] [--tokens 16] [--oversubscribe]

One task per measurement, shaped like a brief section: forget the KV cache,
read a ~350-token prompt, write ``--tokens`` tokens. Each variant is its own
``Llama`` instance differing from Rapport's default (n_batch=512 in llm.py,
n_threads = all cores in config.py, flash_attn off) in one setting only, and
variants take turns. Ratio = default's seconds / variant's seconds, so
> 1 means the variant is faster.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Sequence

from bench.common import Figure, emit, interleave, median, print_facts
from bench.llm_common import model_args, resolve

LONG_PROMPT = ("Notes from the meetup. " + " ".join(
    f"Point {i}: Dana mentioned heat pump installs, grid interconnection queues and hiring data engineers." for i in range(20))
    + "\nSummarise the notes in three lines.")


def run(argv: Sequence[str] | None = None) -> list[Figure]:
    ap = model_args(argparse.ArgumentParser(description=__doc__), reps=2, tokens=16)
    ap.add_argument("--oversubscribe", action="store_true", help="Also try 2 x cores threads (very slow on a loaded machine).")
    args = ap.parse_args(argv)
    from llama_cpp import Llama

    settings, model = resolve(args.model)
    threads = args.threads or settings.n_threads
    default = {"n_batch": 512, "n_threads": threads, "flash_attn": False}
    variants: dict[str, dict] = {"default": default}
    for nb in (128, 256, 1024):
        variants[f"n_batch={nb}"] = {**default, "n_batch": nb}
    cores = os.cpu_count() or 2
    for nt in sorted({1, max(1, cores - 1), *((cores * 2,) if args.oversubscribe else ())} - {threads}):
        variants[f"n_threads={nt}"] = {**default, "n_threads": nt}
    variants["flash_attn=True"] = {**default, "flash_attn": True}
    llms = {k: Llama(model_path=str(model.path), n_ctx=settings.n_ctx, seed=settings.seed, verbose=False, **v)
            for k, v in variants.items()}

    def task(llm: Llama):
        def f() -> float:
            llm.reset()
            t = time.perf_counter()
            llm.create_completion(LONG_PROMPT, max_tokens=args.tokens, temperature=0.0, top_p=1.0)
            return time.perf_counter() - t
        return f

    for llm in llms.values():
        task(llm)()  # warm-up
    secs = interleave({k: task(v) for k, v in llms.items()}, args.reps)
    base = median(secs["default"])
    figures: list[Figure] = []
    n_prompt = len(llms["default"].tokenize(LONG_PROMPT.encode()))
    for k in variants:
        if k == "default":
            continue
        # value and baseline are speeds (1/s) so that ratio > 1 means the variant is faster
        emit(figures, Figure("L3", f"{k} vs default ({model.name})", 1 / median(secs[k]), 1 / base, "tasks/s",
                             f"n_batch=512,n_threads={threads},flash_attn=off",
                             f"task = {n_prompt} prompt + {args.tokens} out tokens; median {median(secs[k]):.2f}s vs {base:.2f}s",
                             extra={"seconds": secs[k], "default_seconds": secs["default"]}))
    return figures


if __name__ == "__main__":
    print_facts()
    run()
