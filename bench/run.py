"""`make bench`: speed measured as ratios against a baseline run side by side.

    python -m bench.run [--model default|small|tiny] [--contact NAME] [--skip-event] [--event-limit N]

1. Brief: the sectioned pipeline with the KV prefix cache on vs off (same
   model, same contact, same seed), time to the first model-written section
   and to the whole brief, and the prefix reuse llama.cpp reported.
2. Baseline: the naive one-prompt brief with the same model.
3. Event prep (bench/event_bench.py): attendees with prefix reuse on vs off,
   and in-process vs a llama.cpp server.
Results are printed and written to bench/results/ (git-ignored); copy what
you measured into docs/BENCHMARKS.md with the command line.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from assistant.brief import BriefBuilder
from assistant.config import Settings
from assistant.demo import DEMO_MANIFEST, load_manifest
from assistant.evaluate import naive_brief
from assistant.llm import load_generator
from assistant.store import KnowledgeBase

RESULTS = Path(__file__).resolve().parent / "results"


def bench_ingest(settings: Settings) -> dict:
    kb = KnowledgeBase(settings)
    start = time.perf_counter()
    report = load_manifest(DEMO_MANIFEST, kb, settings)
    first = time.perf_counter() - start
    start = time.perf_counter()
    load_manifest(DEMO_MANIFEST, kb, settings)
    again = time.perf_counter() - start
    return {"files": len(report.results), "chunks": kb.count(), "first_import_s": round(first, 2),
            "reimport_s": round(again, 2), "chunks_per_s": round(kb.count() / first, 1),
            "reimport_vs_first": round(again / first, 3)}


def bench_brief(settings: Settings, kb: KnowledgeBase, model: str, contact: str, prefix_cache: bool) -> dict:
    gen = load_generator(settings, model, prefix_cache=prefix_cache)
    before = replace(gen.stats)
    start = time.perf_counter()
    marks: dict[str, float] = {}
    builder = BriefBuilder(contact, kb, settings, gen)
    builder.run(lambda section, b: marks.setdefault(section, time.perf_counter() - start))
    total = time.perf_counter() - start
    s = gen.stats
    prompt = s.prompt_tokens - before.prompt_tokens
    cached = s.cached_tokens - before.cached_tokens
    first_model = min((v for k, v in marks.items() if k != "avoid"), default=total)
    return {"prefix_cache": prefix_cache, "first_section_s": round(marks.get("avoid", 0), 2),
            "first_model_section_s": round(first_model, 2), "total_s": round(total, 2),
            "sections_s": builder.brief.section_seconds, "calls": s.calls - before.calls,
            "prompt_tokens": prompt, "reused_prefix_tokens": cached,
            "prefix_reuse": round(cached / prompt, 3) if prompt else 0.0,
            "completion_tokens": s.completion_tokens - before.completion_tokens,
            "failed": sorted(builder.brief.failed)}


def bench_naive(settings: Settings, kb: KnowledgeBase, model: str, contact: str) -> dict:
    gen = load_generator(settings, model)
    start = time.perf_counter()
    d = naive_brief(contact, kb, settings, gen)
    return {"total_s": round(time.perf_counter() - start, 2), "valid": "failed" not in d,
            "questions": len(d.get("questions", []))}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="default")
    ap.add_argument("--contact", default="Dana Whitfield")
    ap.add_argument("--skip-event", action="store_true")
    ap.add_argument("--event-limit", type=int, default=30)
    args = ap.parse_args(argv)
    results: dict = {"machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
                     "cores": __import__("os").cpu_count(), "model": args.model, "contact": args.contact}
    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as tmp:
        settings = Settings.from_env(home=Path(tmp)).ensure_dirs()
        results["ingest"] = bench_ingest(settings)
        print("ingest:", json.dumps(results["ingest"]), flush=True)
        kb = KnowledgeBase(settings)
        # Warm the model load once so neither run pays for it.
        load_generator(settings, args.model, prefix_cache=True)
        on = bench_brief(settings, kb, args.model, args.contact, True)
        print("brief, prefix cache on: ", json.dumps(on), flush=True)
        off = bench_brief(settings, kb, args.model, args.contact, False)
        print("brief, prefix cache off:", json.dumps(off), flush=True)
        naive = bench_naive(settings, kb, args.model, args.contact)
        print("naive one-prompt brief: ", json.dumps(naive), flush=True)
        results["brief"] = {"cache_on": on, "cache_off": off, "naive": naive,
                            "speedup_cache_on_vs_off": round(off["total_s"] / on["total_s"], 2),
                            "pipeline_vs_naive_time": round(on["total_s"] / naive["total_s"], 2)}
        print(f"ratio: whole brief with prefix reuse is {results['brief']['speedup_cache_on_vs_off']}x faster than without; "
              f"the sectioned pipeline takes {results['brief']['pipeline_vs_naive_time']}x the time of one naive prompt",
              flush=True)
    if not args.skip_event:
        try:
            from bench import event_bench

            results["event"] = event_bench.run(["--model", args.model, "--limit", str(args.event_limit)])
        except Exception as exc:  # report, keep the brief numbers
            results["event"] = {"error": f"{type(exc).__name__}: {exc}"}
        print("event:", json.dumps(results["event"]), flush=True)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{args.model}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out}")
    return results


if __name__ == "__main__":
    main()
