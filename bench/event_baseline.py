"""B2: event prep (B1's prefix mode), this tree vs a git ref, on the same machine in the same run.

Each side runs ``bench.event_bench --modes prefix`` (the demo attendee list, top ``--limit`` for the
demo goal, event-size briefs, in-process llama.cpp) from its own tree, in its own process, reading
the code and prompts next to it. The sides take turns in ABBA order over ``--rounds`` (baseline
first, then this tree, then this tree, then the baseline, ...), so a machine that speeds up or slows
down during the run weighs on both alike; the ratio is the median of the per-pair ratios.

    RAPPORT_MODELS_DIR=~/.rapport/models python -m bench.event_baseline --baseline 0e3ad87 [--limit 10] [--rounds 1]

Why a whole process per side: the baseline's event runner, prompts and checks are whatever that
commit had; only its printed summary line is read, so any commit with ``bench/event_bench.py`` works.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Sequence

from bench.common import ROOT, Figure, baseline_tree, boot, emit, interleave, median, paired

_SUMMARY = re.compile(r"^prefix\s+(\d+) attendees in ([\d.]+) min \(([\d.]+) s each, CPU ([\d.]+) min, (\d+) done, "
                      r"(\d+) failed\), (\d+) calls", re.M)


def side(tree: Path, model: str, limit: int, timeout: int = 3600) -> dict:
    """One event bench run from ``tree``: minutes, s/attendee, CPU minutes, calls (from its summary line)."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run([sys.executable, "-c", boot("bench.event_bench"), "--model", model, "--limit", str(limit),
                           "--modes", "prefix", "--no-save"], cwd=tree, env=env, capture_output=True, text=True,
                          timeout=timeout, start_new_session=True)
    m = _SUMMARY.search(done.stdout)
    if done.returncode != 0 or not m:
        raise SystemExit(f"The event bench in {tree} failed: {(done.stderr or done.stdout).strip()[-400:]}")
    return {"attendees": int(m.group(1)), "minutes": float(m.group(2)), "seconds_each": float(m.group(3)),
            "cpu_minutes": float(m.group(4)), "done": int(m.group(5)), "failed": int(m.group(6)),
            "calls": int(m.group(7))}


def run(argv: Sequence[str] | None = None) -> list[Figure]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", required=True, help="git ref of the version to compare with")
    ap.add_argument("--model", default="default")
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=1, help="ABBA rounds (each runs both sides twice)")
    args = ap.parse_args(argv)
    figures: list[Figure] = []
    with baseline_tree(args.baseline, "rapport-bench-b2-") as (base_tree, _):
        rows: dict[str, list[dict]] = {"old": [], "new": []}

        def one(name: str, tree: Path) -> float:
            out = side(tree, args.model, args.limit)
            rows[name].append(out)
            print(f"  {name}: {out['attendees']} attendees in {out['minutes']:.2f} min ({out['seconds_each']:.1f} s each, "
                  f"CPU {out['cpu_minutes']:.2f} min, {out['calls']} calls, {out['failed']} failed)", flush=True)
            return out["attendees"] / out["minutes"]

        per_min = interleave({"old": lambda: one("old", base_tree), "new": lambda: one("new", ROOT)}, 2 * args.rounds)
        emit(figures, Figure("B2", f"event attendees per minute vs {args.baseline[:10]} ({args.model})",
                             median(per_min["new"]), median(per_min["old"]), "attendees/min",
                             f"baseline {args.baseline[:10]}", f"{args.limit} attendees, {args.rounds} ABBA rounds; aim >= 2x",
                             paired_ratio=paired(per_min["new"], per_min["old"])))
        cpu = {k: [r["cpu_minutes"] for r in v] for k, v in rows.items()}
        emit(figures, Figure("B2", f"event CPU minutes vs {args.baseline[:10]} ({args.model})",
                             median(cpu["new"]), median(cpu["old"]), "min", f"baseline {args.baseline[:10]}",
                             f"{args.limit} attendees", higher_is_better=False, paired_ratio=paired(cpu["new"], cpu["old"])))
    return figures


if __name__ == "__main__":
    run()
