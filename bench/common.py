"""Shared plumbing for the benchmarks: machine facts, figures, interleaving.

Every benchmark reports *figures*: a value next to a baseline measured side by
side in the same run, and their ratio. Absolute numbers on a shared 2-core
machine swing with whatever else runs; a ratio of two things measured in
alternation does not (both see the same load), so the ratio is what to read.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figure:
    """One printed line: ``name  value unit  (baseline: b unit)  ratio r``."""

    bench: str
    name: str
    value: float | None
    baseline: float | None
    unit: str = ""
    baseline_label: str = ""
    note: str = ""
    higher_is_better: bool = True
    extra: dict = field(default_factory=dict)
    paired_ratio: float | None = None  # median of per-round ratios, when the sides were interleaved

    @property
    def ratio(self) -> float | None:
        """The per-round paired ratio when there is one (a burst of load spoils one round, not the median)."""
        if self.paired_ratio is not None:
            return self.paired_ratio
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    def line(self) -> str:
        val = "not run" if self.value is None else f"{self.value:.4g} {self.unit}".strip()
        base = "-" if self.baseline is None else f"{self.baseline:.4g} {self.unit}".strip()
        ratio = "-" if self.ratio is None else f"{self.ratio:.3f}"
        label = f" [{self.baseline_label}]" if self.baseline_label else ""
        note = f"  # {self.note}" if self.note else ""
        return f"{self.bench:3} {self.name:44} value={val:16} baseline={base}{label}  ratio={ratio}{note}"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ratio"] = None if self.ratio is None else round(self.ratio, 4)
        return d


def emit(figures: list[Figure], fig: Figure) -> Figure:
    """Print a figure as soon as it exists (a long run shows progress) and keep it."""
    print(fig.line(), flush=True)
    figures.append(fig)
    return fig


def interleave(fns: dict[str, Callable[[], float]], reps: int) -> dict[str, list[float]]:
    """Run each measurement ``reps`` times in alternation (A B A B, order flipped every round).

    Alternating, rather than all of A then all of B, is what makes a ratio
    trustworthy on a loaded machine: a burst of load lands on both sides.
    """
    names = list(fns)
    out: dict[str, list[float]] = {n: [] for n in names}
    for r in range(reps):
        for n in (names if r % 2 == 0 else names[::-1]):
            out[n].append(fns[n]())
    return out


def paired(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Median of a[i] / b[i] over interleaved rounds: each round's two sides saw the same load."""
    rs = [x / y for x, y in zip(a, b) if y]
    return statistics.median(rs) if rs else None


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def percentile(xs: Sequence[float], q: float) -> float:
    s = sorted(xs)
    if not s:
        return float("nan")
    k = min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))
    return s[k]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _mem_total_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def memory_bandwidth_gbs(mb: int = 256, reps: int = 5) -> float:
    """Best-of-N numpy copy of a ``mb`` MB array: bytes read + bytes written per second.

    Decoding a token reads every weight once, so this copy rate is the
    physical ceiling that tokens/s x model bytes is compared against (L1).
    """
    import numpy as np

    src = np.ones(mb * 1024 * 1024 // 8, dtype=np.float64)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t)
    return 2 * src.nbytes / best / 1e9


_facts: dict | None = None


def machine_facts() -> dict:
    """CPU model, cores, memory, measured copy bandwidth and the load while we ran (cached per process)."""
    global _facts
    if _facts is None:
        _facts = {"cpu": _cpu_model(), "cores": os.cpu_count(), "memory_gib": round(_mem_total_gib(), 1),
                  "memory_bandwidth_gbs": round(memory_bandwidth_gbs(), 2),
                  "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
                  "python": platform.python_version(), "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    return _facts


def print_facts() -> dict:
    f = machine_facts()
    print(f"machine: {f['cpu']}, {f['cores']} cores, {f['memory_gib']} GiB, copy bandwidth "
          f"{f['memory_bandwidth_gbs']} GB/s, load {f['load_average_at_start']}", flush=True)
    return f


def bench_settings(home: Path, **overrides):
    """Settings for a temp data dir that still finds the user's verified models."""
    from assistant.config import Settings

    return Settings.from_env(home=home, **overrides).ensure_dirs()


def boot(module: str) -> str:
    """``python -c`` code that runs ``module`` from the tree on PYTHONPATH, not from this checkout.

    Why: the venv's editable install can also answer for this checkout's packages; PYTHONPATH is
    searched first, but a module the baseline tree lacks (a bench added later, a moved package)
    would silently come from today's code. Without that finder each side runs only the code and
    prompts next to it, or fails.
    """
    return ("import sys, runpy; sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in "
            f"getattr(f, '__module__', '')]; sys.argv[0] = {module!r}; "
            f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)")


@contextmanager
def baseline_tree(ref: str, prefix: str = "rapport-bench-") -> Iterator[tuple[Path, Path]]:
    """(a worktree of git ``ref``, a scratch folder), both removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    tree = work / "baseline"
    subprocess.run(["git", "worktree", "add", "--detach", "-f", str(tree), ref], cwd=ROOT, check=True,
                   capture_output=True)
    try:
        yield tree, work
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
