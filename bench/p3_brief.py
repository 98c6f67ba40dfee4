"""P3: a whole brief as a user gets it, this working tree vs an earlier commit, side by side.

For each eval contact (the prose *me* profile), both versions run the real CLI in their own
process and their own copy of the same data dir: ``rapport warm NAME`` first (what the browser
does when a contact is opened), then ``rapport brief NAME --format json --out F``, interleaved
(this tree, the baseline; then the baseline first for the next contact). The figures come from
the brief's own ``timings`` (first checked fact, whole brief) plus the process wall time (model
load included). The baseline is any git ref, checked out in a temporary worktree, so "today's
pipeline" is measured on the same machine in the same minutes as the change.

    RAPPORT_MODELS_DIR=~/.rapport/models python -m bench.p3_brief --baseline ff438c3 [--limit 9] [--model default]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

from bench.common import ROOT, Figure, baseline_tree, boot, emit


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def _data_dir(home: Path, profile: str) -> list[str]:
    """The eval set and one *me* profile loaded into ``home``; returns the contact names."""
    from assistant.brief.evaluate import manifest_extras, use_profile
    from assistant.notes.demo import EVAL_MANIFEST, load_manifest, read_manifest
    from assistant.notes.store import KnowledgeBase
    from bench.common import bench_settings

    s = bench_settings(home)
    kb = KnowledgeBase(s)
    load_manifest(EVAL_MANIFEST, kb, s)
    profiles, _ = manifest_extras(EVAL_MANIFEST)
    use_profile(kb, s, profiles[profile])
    return [c.name for c in read_manifest(EVAL_MANIFEST).contacts]


def _cli(tree: Path, home: Path, args: list[str], timeout: int = 900) -> tuple[float, subprocess.CompletedProcess]:
    env = dict(os.environ, RAPPORT_HOME=str(home), PYTHONPATH=str(tree))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", boot("assistant"), *args], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=timeout, start_new_session=True)
    return time.perf_counter() - start, done


def run(argv: Sequence[str] | None = None) -> list[Figure]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--baseline", required=True, help="git ref of the version to compare with")
    ap.add_argument("--model", default="default")
    ap.add_argument("--limit", type=int, default=9)
    ap.add_argument("--contact", action="append", help="only these contacts (repeatable)")
    ap.add_argument("--me", default="prose", help="which me profile of the eval manifest")
    ap.add_argument("--keep", type=Path, help="keep every brief's JSON in this folder")
    args = ap.parse_args(argv)

    figures: list[Figure] = []
    with baseline_tree(args.baseline, "rapport-bench-p3-") as (base_tree, work):
        names = _data_dir(work / "seed", args.me)
        names = [n for n in names if not args.contact or n in args.contact][: args.limit]
        sides = {"new": (ROOT, work / "home-new"), "old": (base_tree, work / "home-old")}
        for _, home in sides.values():
            shutil.copytree(work / "seed", home)
        rows: dict[str, list[dict]] = {"new": [], "old": []}
        for i, name in enumerate(names):
            for side in (("new", "old") if i % 2 == 0 else ("old", "new")):
                tree, home = sides[side]
                _cli(tree, home, ["warm", name, "--model", args.model])
                out = work / f"{side}.json"
                wall, done = _cli(tree, home, ["brief", name, "--model", args.model, "--format", "json",
                                               "--out", str(out)])
                if done.returncode != 0 or not out.is_file():
                    print(f"  {side} {name}: failed ({done.stderr.strip()[-300:]})", flush=True)
                    continue
                d = json.loads(out.read_text(encoding="utf-8"))
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    shutil.copy(out, args.keep / f"{side}-{name.replace(' ', '_')}.json")
                t = d.get("timings", {})
                rows[side].append({"name": name, "first_fact": t.get("first_fact_seconds"),
                                   "total": t.get("total_seconds", d.get("seconds")), "wall": wall,
                                   "warm": t.get("warm"), "sections": t.get("sections", {}),
                                   "failed": sorted(d.get("failed", {})), "questions": len(d["questions"]),
                                   "give_back": len(d["give_back"])})
                r = rows[side][-1]
                print(f"  {side} {name[:28]:28} first fact {r['first_fact'] or 0:6.1f}s brief {r['total']:6.1f}s "
                      f"process {wall:6.1f}s warm {r['warm']} Qs {r['questions']} give-backs {r['give_back']} "
                      f"failed {r['failed'] or '-'}  " + " ".join(f"{k}={v:.0f}" for k, v in r["sections"].items()),
                      flush=True)
        pairs = [(a, b) for a in rows["new"] for b in rows["old"] if a["name"] == b["name"]]
        for label, key in (("first checked fact", "first_fact"), ("whole brief", "total"),
                           ("process wall (model load incl.)", "wall")):
            new_x = [a[key] for a, _ in pairs if a[key] is not None]
            old_x = [b[key] for _, b in pairs if b[key] is not None]
            if not new_x or not old_x:
                continue
            ratios = [a[key] / b[key] for a, b in pairs if a[key] and b[key]]
            for stat, fn in (("p50", statistics.median), ("p95", _p95)):
                emit(figures, Figure("P3", f"{label} {stat}, warm, vs {args.baseline[:10]}", fn(new_x), fn(old_x), "s",
                                     f"baseline {args.baseline[:10]}", f"{len(pairs)} contacts, {args.me} profile",
                                     higher_is_better=False,
                                     paired_ratio=statistics.median(ratios) if stat == "p50" and ratios else None))
        emit(figures, Figure("P3", "briefs at or under 45 s (warm)", sum(a["total"] <= 45 for a, _ in pairs),
                             sum(b["total"] <= 45 for _, b in pairs), "briefs", f"baseline {args.baseline[:10]}",
                             f"of {len(pairs)}"))
    return figures


if __name__ == "__main__":
    run()
