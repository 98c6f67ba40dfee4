"""P1 prefix reuse: a brief's sections with the shared prefix first vs last.

    python -m bench.p1_prefix [--model tiny|small|default] [--tokens 8] [--brief]

Rapport builds every section prompt as system prompt + the contact's quoted
notes + the section's task at the end, so llama.cpp's KV cache can reuse the
notes from one section to the next and only computes the task tail. This
runs the same five section tasks over Dana Whitfield's demo notes in both
layouts, each on its own generator (own KV cache), sections interleaved:

* ``shared prefix first``: [system] [notes] [task]  (what Rapport does)
* ``task first``:           [system] [task] [notes]  (the naive order)

Figures: prompt tokens llama.cpp actually computed (prompt minus reused) and
wall time, both as layout-first / task-first. Short outputs (``--tokens``)
keep the timing about prompt processing. ``--brief`` adds bench/run.py's
whole-brief KV cache on vs off (slow: a full brief twice).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

from bench.common import Figure, emit, print_facts
from bench.llm_common import model_args, resolve

NOTES_DIR = Path(__file__).resolve().parent.parent / "knowledge" / "demo" / "contacts" / "dana-whitfield"
TASKS = ("List the three most useful facts about Dana as JSON.",
         "Write two open questions to ask Dana as JSON.",
         "Summarise Dana's current work in one sentence as JSON.",
         "Suggest one thing I could offer Dana as JSON.",
         "Write a one-line follow-up message to Dana as JSON.")


def run(argv: Sequence[str] | None = None) -> list[Figure]:
    ap = model_args(argparse.ArgumentParser(description=__doc__), reps=1, tokens=8)
    ap.add_argument("--brief", action="store_true", help="Also time a whole brief with the KV cache on vs off.")
    args = ap.parse_args(argv)
    from assistant.generation import prompts
    from assistant.generation.llm import LlamaCppGenerator

    settings, model = resolve(args.model)
    threads = args.threads or settings.n_threads
    notes = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(NOTES_DIR.glob("*.md")) + sorted(NOTES_DIR.glob("*.txt")))
    system = {"role": "system", "content": prompts.system()}
    gens = {k: LlamaCppGenerator(str(model.path), name=model.label, n_ctx=settings.n_ctx, n_threads=threads,
                                 seed=settings.seed, prefix_cache=True, size=model.size) for k in ("first", "last")}
    layouts = {"first": lambda task: f"Notes about Dana:\n\"\"\"\n{notes}\n\"\"\"\n\nTask: {task}",
               "last": lambda task: f"Task: {task}\n\nNotes about Dana:\n\"\"\"\n{notes}\n\"\"\""}
    for g in gens.values():
        g.complete([system, {"role": "user", "content": "Say OK."}], max_tokens=2)  # warm-up, system prompt cached
    computed = {k: 0 for k in gens}
    prompt = {k: 0 for k in gens}
    secs = {k: 0.0 for k in gens}
    for rep in range(args.reps):
        for i, task in enumerate(TASKS):
            for k in (("first", "last") if (i + rep) % 2 == 0 else ("last", "first")):
                c = gens[k].complete([system, {"role": "user", "content": layouts[k](task)}], max_tokens=args.tokens)
                computed[k] += c.prompt_tokens - c.cached_tokens
                prompt[k] += c.prompt_tokens
                secs[k] += c.seconds
    figures: list[Figure] = []
    n = len(TASKS) * args.reps
    emit(figures, Figure("P1", f"prompt tokens computed, prefix first vs task first ({model.name})", computed["first"],
                         computed["last"], "tok", "task first",
                         f"{n} sections, {prompt['first']} prompt tokens each layout; reuse "
                         f"{1 - computed['first'] / max(1, prompt['first']):.0%} vs {1 - computed['last'] / max(1, prompt['last']):.0%}",
                         higher_is_better=False))
    emit(figures, Figure("P1", f"wall time of {n} sections, prefix first vs task first ({model.name})", secs["first"],
                         secs["last"], "s", "task first", f"{args.tokens} output tokens per section", higher_is_better=False))
    if args.brief:
        import tempfile

        from assistant.notes.demo import DEMO_MANIFEST, load_manifest
        from assistant.generation.llm import load_generator
        from assistant.notes.store import KnowledgeBase
        from bench.common import bench_settings
        from bench.run import bench_brief

        s = bench_settings(Path(tempfile.mkdtemp(prefix="rapport-bench-p1-")))
        kb = KnowledgeBase(s)
        load_manifest(DEMO_MANIFEST, kb, s)
        load_generator(s, args.model, prefix_cache=True)
        on = bench_brief(s, kb, args.model, "Dana Whitfield", True)
        off = bench_brief(s, kb, args.model, "Dana Whitfield", False)
        emit(figures, Figure("P1", f"whole brief, KV cache on vs off ({model.name})", on["total_s"], off["total_s"], "s",
                             "cache off", f"prompt tokens computed {on['prompt_tokens'] - on['reused_prefix_tokens']} vs "
                             f"{off['prompt_tokens']}; calls {on['calls']} vs {off['calls']}", higher_is_better=False,
                             extra={"on": on, "off": off}))
    return figures


if __name__ == "__main__":
    print_facts()
    run()
