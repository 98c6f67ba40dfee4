"""L2 constrained output cost: the same generation with vs without the JSON-schema grammar.

    python -m bench.l2_grammar [--model tiny|small|default] [--reps 3] [--tokens 64]

Rapport asks for schema-constrained JSON in every section; llama.cpp turns
the schema into a GBNF grammar that is checked at every sampled token. This
measures what that costs per output token (ms/token, with/without), on one
generator so the model and cache are identical.
"""

from __future__ import annotations

import argparse
from typing import Sequence

from bench.common import Figure, emit, interleave, median, paired, print_facts
from bench.llm_common import PROMPT, SCHEMA, model_args, resolve


def run(argv: Sequence[str] | None = None) -> list[Figure]:
    args = model_args(argparse.ArgumentParser(description=__doc__)).parse_args(argv)
    from assistant.llm import LlamaCppGenerator

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

    call(SCHEMA, "grammar")(), call(None, "free")()  # warm-up
    ms = interleave({"grammar": call(SCHEMA, "grammar"), "free": call(None, "free")}, args.reps)
    figures: list[Figure] = []
    emit(figures, Figure("L2", f"ms/token with JSON-schema grammar ({model.name})", median(ms["grammar"]),
                         median(ms["free"]), "ms/tok", "no grammar",
                         f"{counts.get('grammar')} vs {counts.get('free')} tokens; ratio > 1 = grammar cost",
                         higher_is_better=False, extra=ms,
                         paired_ratio=paired(ms["grammar"], ms["free"])))
    return figures


if __name__ == "__main__":
    print_facts()
    run()
