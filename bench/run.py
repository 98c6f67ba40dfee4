"""`make bench`: every figure a ratio against a baseline measured side by side.

    python -m bench.run [--only L1,L2,L3,P1,R1,R2,S1,B1,B2] [--model tiny|small|default] [--reps N] [--no-docs]

Benchmarks (each also runs alone as ``python -m bench.<module>``):

    L1 bench.l1_decode     Rapport's generator vs raw llama_cpp.Llama: tok/s; tok/s x bytes vs bandwidth
    L2 bench.l2_grammar    JSON-schema grammar on vs off: ms/token
    L3 bench.l3_settings   n_batch, n_threads, flash_attn vs Rapport's defaults
    P1 bench.p1_prefix     shared prefix first vs task first: prompt tokens computed, wall time
    R1 bench.r1_retrieval  Chroma search p50/p95 at 1k/10k(/100k) chunks; query embedding
    R2 bench.r2_ingest     ingest chunks/s vs raw onnxruntime; fixed vs dynamic padding
    S1 bench.s1_coldstart  process start to first brief section; peak RSS per model
    B1 bench.event_bench   event prep, prefix reuse on vs off (and llama.cpp server modes)
    B2 bench.event_baseline event prep, this tree vs a git ref (--baseline), ABBA: attendees per minute
    P2 bench.p2_warm       warm state + batched questions vs cold, one at a time: first fact, whole brief
    P3 bench.p3_brief      the whole brief through the CLI, this tree vs a git ref (--baseline), warm
    S2 bench.s2_scale      10k contacts / 100k chunks: contacts, brief/search start, R1 filter; rank-only; huge import

Machine facts (CPU, cores, memory, measured copy bandwidth, load) are printed
first. Each figure prints one line (name, value, baseline, ratio). The run
rewrites the results section of docs/BENCHMARKS.md between its markers: rows
of the benchmarks that ran are replaced, rows of the others are kept as they
were (so benchmarks can be run one at a time), and raw results go to
bench/results/*.json (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from assistant.brief.builder import BriefBuilder
from assistant.config import Settings
from assistant.notes.demo import DEMO_MANIFEST, load_manifest
from assistant.brief.evaluate import naive_brief
from assistant.generation.llm import load_generator
from assistant.notes.store import KnowledgeBase
from bench.common import RESULTS, Figure, print_facts



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


BENCHES: dict[str, str] = {"L1": "bench.l1_decode", "L2": "bench.l2_grammar", "L3": "bench.l3_settings",
                           "P1": "bench.p1_prefix", "R1": "bench.r1_retrieval", "R2": "bench.r2_ingest",
                           "S1": "bench.s1_coldstart", "B1": "bench.event_bench", "S2": "bench.s2_scale",
                           "P2": "bench.p2_warm", "P3": "bench.p3_brief", "B2": "bench.event_baseline"}
DOCS = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


def _bench_argv(key: str, args: argparse.Namespace) -> list[str]:
    """Options each benchmark understands, from the runner's."""
    argv: list[str] = []
    if key in ("L1", "L2", "L3", "P1"):
        argv += ["--model", args.model]
        if args.reps:
            argv += ["--reps", str(args.reps)]
    if key == "S1":
        argv += ["--model", args.model]
    if key == "P2":
        argv += ["--model", args.model, "--limit", "2" if args.model == "tiny" else "9"]
    if key == "P3":
        argv += ["--model", args.model, "--baseline", args.baseline, "--limit", "2" if args.model == "tiny" else "9"]
    if key == "B2":
        argv += ["--model", args.model, "--baseline", args.baseline, "--limit", "2" if args.model == "tiny" else "10"]
    if key in ("R2",) and args.reps:
        argv += ["--reps", str(args.reps)]
    if key == "R1" and args.sizes:
        argv += ["--sizes", args.sizes]
    return argv + (args.extra.get(key, []) if args.extra else [])


def _event_figures(report: dict) -> list[Figure]:
    """B1's report as figures: prefix reuse on vs off (wall and CPU)."""
    modes = report.get("modes", {})
    on, off = modes.get("prefix"), modes.get("noprefix")
    if not on or not off:
        return [Figure("B1", "event prep, prefix reuse on vs off", None, None, note="modes missing")]
    n = on["attendees"]
    return [Figure("B1", f"event prep s/attendee, prefix on vs off ({report['model']})", on["seconds_per_attendee"],
                   off["seconds_per_attendee"], "s", "prefix reuse off", f"{n} attendees, reuse {on.get('prefix_reuse', 0):.0%}",
                   higher_is_better=False),
            Figure("B1", f"event prep CPU min, prefix on vs off ({report['model']})", on["cpu_minutes"], off["cpu_minutes"],
                   "min", "prefix reuse off", "", higher_is_better=False)]


def run_one(key: str, args: argparse.Namespace) -> list[Figure]:
    """Run one benchmark; a failure becomes a 'not run' figure so the others still report."""
    import importlib

    argv = _bench_argv(key, args)
    print(f"--- {key}: python -m {BENCHES[key]} {' '.join(argv)}", flush=True)
    try:
        if key == "B1":
            from bench import event_bench

            figs = _event_figures(event_bench.run(["--model", args.model, "--limit", str(args.event_limit),
                                                   "--modes", "prefix,noprefix"]))
            for f in figs:
                print(f.line(), flush=True)
            return figs
        return importlib.import_module(BENCHES[key]).run(argv)
    except Exception as exc:  # report, keep the other benchmarks' numbers
        fig = Figure(key, "failed", None, None, note=f"{type(exc).__name__}: {str(exc)[:150]}")
        print(fig.line(), flush=True)
        return [fig]


def _fmt(x: float | None) -> str:
    return "not run" if x is None else f"{x:.4g}"


def write_docs(figures: list[Figure], ran: list[str], facts: dict, command: str) -> None:
    """Replace the rows of the benchmarks that ran in docs/BENCHMARKS.md's results table; keep the rest."""
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    old_rows: list[str] = []
    if START in text and END in text:
        before, rest = text.split(START, 1)
        region, after = rest.split(END, 1)
        # A row is replaced by a new figure of the same name (so tiny and default rows of one benchmark
        # coexist); placeholder and failure rows go once their benchmark has run.
        names = {f"| {f.bench} | {f.name.replace('|', '/')} |" for f in figures}
        old_rows = [line for line in region.splitlines() if line.startswith("| ") and line[2:4] in BENCHES
                    and not any(line.startswith(n) for n in names)
                    and not (line[2:4] in ran and ("(not run yet)" in line or "| failed |" in line))]
    else:
        before, after = text.rstrip() + "\n\n", "\n"
    when = f"{facts['date_utc']}, load {facts['load_average_at_start'][0]}"
    new_rows = [f"| {f.bench} | {f.name.replace('|', '/')} | {_fmt(f.value)} {f.unit} | {_fmt(f.baseline)} {f.unit} ({f.baseline_label}) | "
                f"{'-' if f.ratio is None else f'{f.ratio:.3f}'} | {f.note.replace('|', '/')} | {when} |" for f in figures]
    for key in BENCHES:
        if key not in ran and not any(r[2:4] == key for r in old_rows):
            old_rows.append(f"| {key} | (not run yet) | not run | - | - | `python -m {BENCHES[key]}` | - |")
    rows = sorted(old_rows + new_rows, key=lambda r: list(BENCHES).index(r[2:4]))
    region = "\n".join([
        "", "## Results (generated by `make bench`)", "",
        f"Last run: {facts['date_utc']}; `{command}`.",
        f"Machine: {facts['cpu']}, {facts['cores']} cores, {facts['memory_gib']} GiB RAM, "
        f"copy bandwidth {facts['memory_bandwidth_gbs']} GB/s (numpy copy of 256 MB, read + write), "
        f"load average {facts['load_average_at_start']} at the start (1, 5, 15 min).",
        "Ratio = value / baseline (for interleaved repetitions: the median of the per-round ratios), both measured in the same run; rows of "
        "benchmarks not in the last run keep the date they were measured.", "",
        "| id | figure | value | baseline | ratio | note | measured |", "|---|---|---|---|---|---|---|", *rows, ""])
    DOCS.write_text(before + START + region + END + after, encoding="utf-8")
    print(f"docs updated: {DOCS}", flush=True)


def main(argv: list[str] | None = None) -> list[Figure]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(BENCHES), help="Comma-separated subset of " + ",".join(BENCHES))
    ap.add_argument("--model", default="tiny", help="Model for L1-L3, P1, S1, B1 (tiny keeps the run short).")
    ap.add_argument("--reps", type=int, default=0, help="Interleaved repetitions (0: each benchmark's default).")
    ap.add_argument("--sizes", default="", help="R1 chunk counts, e.g. 1000,10000,100000.")
    ap.add_argument("--event-limit", type=int, default=2, help="B1: attendees per mode.")
    ap.add_argument("--baseline", default="HEAD", help="P3, B2: the git ref to compare the working tree with.")
    ap.add_argument("--skip-event", action="store_true", help="Same as leaving B1 out of --only.")
    ap.add_argument("--no-docs", action="store_true", help="Do not rewrite docs/BENCHMARKS.md.")
    ap.add_argument("--extra", action="append", default=[], metavar="KEY=ARGS",
                    help='More options for one benchmark, e.g. --extra "S1=--skip-brief".')
    args = ap.parse_args(argv)
    args.extra = {k.strip().upper(): v.split() for k, v in (e.split("=", 1) for e in args.extra if "=" in e)}
    keys = [k.strip().upper() for k in args.only.split(",") if k.strip()]
    unknown = set(keys) - set(BENCHES)
    if unknown:
        raise SystemExit(f"Unknown benchmark(s) {', '.join(sorted(unknown))}; choose from {', '.join(BENCHES)}")
    if args.skip_event:
        keys = [k for k in keys if k != "B1"]
    facts = print_facts()
    figures: list[Figure] = []
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{'-'.join(keys)}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    cmd = ("python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:])).strip()
    done: list[str] = []
    for key in keys:
        figures += run_one(key, args)
        done.append(key)
        # Save after every benchmark: a long run cut short still leaves what it measured.
        out.write_text(json.dumps({"machine": facts, "command": cmd, "figures": [f.to_dict() for f in figures]}, indent=2))
        if not args.no_docs:
            write_docs(figures, done, facts, cmd)
    print(f"written to {out}", flush=True)
    return figures


if __name__ == "__main__":
    main()
