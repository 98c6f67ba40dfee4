"""The benchmark plumbing that compares this tree with an earlier commit (bench/common.py, bench/event_baseline.py).

The figures themselves are measured by ``make bench`` and written to docs/BENCHMARKS.md, never
asserted here; what is tested is that a baseline really runs its own code and that its result is read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench import event_baseline, event_bench
from bench.common import boot


def test_a_baseline_tree_runs_its_own_code_not_this_checkouts(tmp_path: Path) -> None:
    """``boot`` runs the tree's own ``assistant`` (not this checkout's, which the venv also knows) with the arguments."""
    pkg = tmp_path / "assistant"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "__main__.py").write_text("import assistant, sys; print('baseline tree:', assistant.__file__, sys.argv[1:])")
    done = subprocess.run([sys.executable, "-c", boot("assistant"), "--flag"], cwd=tmp_path,
                          env=dict(os.environ, PYTHONPATH=str(tmp_path)), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"baseline tree: {pkg / '__init__.py'} ['--flag']" in done.stdout


def test_the_baseline_bench_reads_the_event_bench_summary_line(capsys) -> None:
    event_bench._print({"mode": "prefix", "attendees": 10, "minutes": 4.1, "seconds_per_attendee": 24.6,
                        "cpu_minutes": 8.06, "done": 10, "failed": 0, "calls": 47, "seconds_per_call": 5.2,
                        "prefix_reuse": 0.8})
    m = event_baseline._SUMMARY.search(capsys.readouterr().out)
    assert m is not None
    assert (m.group(1), m.group(2), m.group(3), m.group(4), m.group(7)) == ("10", "4.10", "24.6", "8.06", "47")
