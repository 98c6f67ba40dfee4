"""L2 constrained output cost: the same generation with vs without the JSON-schema grammar.

    python -m bench.l2_grammar [--model tiny|small|default] [--reps 3] [--tokens 64]

Rapport asks for schema-constrained JSON in every section; llama.cpp turns
the schema into a GBNF grammar that is checked at every sampled token. This
measures what that costs per output token (ms/token, with/without), on one
generator so the model and cache are identical.

Second figure: Rapport's greedy grammar path (assistant/sampling.py: check
the grammar on the argmax, then the top 64, full vocabulary only if needed)
against llama-cpp-python's stock chain (grammar over the whole vocabulary at
every token), same model, prompt and schema; the answers must be identical.
"""

from __future__ import annotations

import argparse
import time
from typing import Sequence

from bench.common import Figure, emit, interleave, median, paired, print_facts
from bench.llm_common import PROMPT, SCHEMA, model_args, resolve


def run(argv: Sequence[str] | None = None) -> list[Figure]:
    args = model_args(argparse.ArgumentParser(description=__doc__)).parse_args(argv)
    from assistant.generation.llm import LlamaCppGenerator

    settings, model = resolve(args.model)
    threads = args.threads or settings.n_threads
    gen = LlamaCppGenerator(str(model.path), name=model.label, n_ctx=settings.n_ctx, n_threads=threads,
                            seed=settings.seed, prefix_cache=True, size=model.size)
    messages = [{"role": "user", "content": PROMPT + " Answer as JSON: {\"tips\": [...]}."}]
    counts: dict[str, int] = {}

    def call(schema: dict | None, key: str):
        def f() -> float:
            c = gen.complete(messages, schema=schema, max_tokens=args.tokens, temperature=0.0)
            counts[key] = c.completion_tokens
            return 1000 * c.seconds / max(1, c.completion_tokens)
        return f

    from llama_cpp import Llama

    stock = Llama(model_path=str(model.path), n_ctx=settings.n_ctx, n_threads=threads, n_batch=512,
                  seed=settings.seed, verbose=False)
    answers: dict[str, str] = {}

    def stock_call() -> float:
        t = time.perf_counter()
        out = stock.create_chat_completion(messages=messages, max_tokens=args.tokens, temperature=0.0,
                                           response_format={"type": "json_object", "schema": SCHEMA})
        n = int(out["usage"]["completion_tokens"])
        answers["stock"] = out["choices"][0]["message"]["content"]
        return 1000 * (time.perf_counter() - t) / max(1, n)

    def rapport_call() -> float:
        c = gen.complete(messages, schema=SCHEMA, max_tokens=args.tokens, temperature=0.0)
        answers["rapport"] = c.text
        return 1000 * c.seconds / max(1, c.completion_tokens)

    call(SCHEMA, "grammar")(), call(None, "free")(), stock_call()  # warm-up
    ms = interleave({"grammar": call(SCHEMA, "grammar"), "free": call(None, "free")}, args.reps)
    figures: list[Figure] = []
    emit(figures, Figure("L2", f"ms/token with JSON-schema grammar ({model.name})", median(ms["grammar"]),
                         median(ms["free"]), "ms/tok", "no grammar",
                         f"{counts.get('grammar')} vs {counts.get('free')} tokens; ratio > 1 = grammar cost",
                         higher_is_better=False, extra=ms,
                         paired_ratio=paired(ms["grammar"], ms["free"])))
    ss = interleave({"rapport": rapport_call, "stock": stock_call}, args.reps)
    same = answers.get("rapport") == answers.get("stock")
    emit(figures, Figure("L2", f"grammar ms/token, Rapport's greedy path vs stock chain ({model.name})",
                         median(ss["rapport"]), median(ss["stock"]), "ms/tok", "llama-cpp-python stock chain",
                         f"identical answers: {'yes' if same else 'NO'}; ratio < 1 = faster",
                         higher_is_better=False, extra={**ss, "identical": same},
                         paired_ratio=paired(ss["rapport"], ss["stock"])))
    return figures


if __name__ == "__main__":
    print_facts()
    run()
