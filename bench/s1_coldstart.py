"""S1 cold start and memory: process start to first brief section; peak RSS per model.

    python -m bench.s1_coldstart [--model tiny] [--rss-models tiny,small,default] [--reps 1] [--skip-app]

1. Cold start: a fresh ``rapport brief "Dana Whitfield" --model tiny``
   subprocess on a temp data dir holding the demo knowledge base (loaded
   once beforehand, not timed). Time from ``Popen`` to the first
   model-written "<section>: done|failed after" line (and to exit with --whole). Baseline: the same
   interpreter running ``rapport --help`` (Python + CLI import cost alone),
   measured alternately.
2. App start to first paint: ``streamlit run ui/app.py`` (headless, 127.0.0.1)
   until Chromium (Debian's, driven by Playwright) shows the People heading,
   against a one-line Streamlit app started and painted the same way: the
   ratio is what Rapport's own imports and first render add to Streamlit's.
   Skipped with a note when /usr/bin/chromium or Playwright is missing.
3. Peak RSS: a subprocess loads each bundled model with Rapport's settings,
   runs one 4-token completion and reports its peak RSS (VmHWM); baseline is the
   model file's size (llama.cpp mmaps the file, so RSS/file size near 1 plus
   the KV cache is expected).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from bench.common import Figure, emit, median, print_facts

RAPPORT = Path(sys.executable).with_name("rapport")

RSS_SCRIPT = """
import json, sys
from assistant.config import Settings
from assistant.generation.llm import LlamaCppGenerator
from assistant.generation.models import resolve_model
s = Settings.from_env(home=sys.argv[2])
m = resolve_model(sys.argv[1], s)
g = LlamaCppGenerator(str(m.path), n_ctx=s.n_ctx, n_threads=s.n_threads, seed=s.seed, size=m.size)
g.complete([{"role": "user", "content": "Say OK."}], max_tokens=4)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork+exec, so a child of a
# big benchmark process would report the parent's peak.
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"rss_kb": hwm, "size": m.size}))
"""


def _env(home: Path) -> dict:
    env = dict(os.environ, RAPPORT_HOME=str(home), PYTHONUNBUFFERED="1")  # section lines must arrive as printed
    env.setdefault("RAPPORT_MODELS_DIR", str(Path.home() / ".rapport" / "models"))
    return env


def cold_brief(home: Path, model: str, whole: bool = False, timeout: float = 900) -> tuple[float | None, float | None]:
    """Seconds to the first model-written section line (and to exit with ``whole``).

    The plain-code "avoid" section comes first and needs no model, so the
    first *model-written* section is what a user waits for. Without ``whole``
    the process is stopped once that line appears: a full brief on a loaded
    2-core machine takes minutes and is P1's subject, not start-up's.
    """
    t = time.perf_counter()
    proc = subprocess.Popen([str(RAPPORT), "brief", "Dana Whitfield", "--model", model, "--out", str(home / "b.md")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(home))
    first = None
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if first is None and (" done after " in line or " failed after " in line) and "avoid:" not in line:
                first = time.perf_counter() - t
                if not whole:
                    break
            if time.perf_counter() - t > timeout:
                break
    finally:
        if proc.poll() is None and not whole:
            proc.terminate()
        proc.wait(timeout=60)
    return first, (time.perf_counter() - t) if whole else None


CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def first_paint(app: Path, text: str, home: Path, browser) -> float:
    """Seconds from starting ``streamlit run APP`` to ``text`` visible in the browser."""
    import urllib.request

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
                             "--server.headless", "true", "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false"], cwd=REPO, env=_env(home),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - t > 120:
                    raise RuntimeError("streamlit did not start") from None
                time.sleep(0.05)
        page = browser.new_page()
        page.goto(url)
        page.get_by_role("heading", name=text).first.wait_for(timeout=120_000)
        seconds = time.perf_counter() - t
        page.close()
        return seconds
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def app_paint(home: Path, reps: int) -> Figure:
    if not Path(CHROMIUM).is_file():
        return Figure("S1", "app start to first paint", None, None, "s", note=f"{CHROMIUM} missing (`make browser`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return Figure("S1", "app start to first paint", None, None, "s", note="playwright not installed")
    hello = home / "hello_app.py"
    hello.write_text('import streamlit as st\nst.header("Hello")\n', encoding="utf-8")
    from bench.common import interleave, paired

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            first_paint(hello, "Hello", home, browser)  # warm the OS file cache for both sides
            times = interleave({"rapport": lambda: first_paint(REPO / "ui" / "app.py", "People", home, browser),
                                "hello": lambda: first_paint(hello, "Hello", home, browser)}, reps)
        finally:
            browser.close()
    return Figure("S1", "app start to first paint (People page)", median(times["rapport"]), median(times["hello"]), "s",
                  "one-line Streamlit app", f"{reps} reps, Chromium via Playwright, demo KB loaded",
                  higher_is_better=False, extra=times, paired_ratio=paired(times["rapport"], times["hello"]))


def cli_start(home: Path) -> float:
    t = time.perf_counter()
    subprocess.run([str(RAPPORT), "--help"], capture_output=True, env=_env(home), check=True)
    return time.perf_counter() - t


def run(argv: Sequence[str] | None = None) -> list[Figure]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default="tiny")
    ap.add_argument("--rss-models", default="tiny,small,default")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--skip-brief", action="store_true")
    ap.add_argument("--skip-app", action="store_true", help="Skip the browser first-paint figure.")
    ap.add_argument("--whole", action="store_true", help="Also wait for the whole brief (minutes on a loaded machine).")
    args = ap.parse_args(argv)
    figures: list[Figure] = []
    home = Path(tempfile.mkdtemp(prefix="rapport-bench-s1-"))
    if not args.skip_brief:
        subprocess.run([str(RAPPORT), "load-demo"], capture_output=True, env=_env(home), check=True)
        firsts, totals, bases = [], [], []
        for _ in range(args.reps):
            bases.append(cli_start(home))
            f, total = cold_brief(home, args.model, args.whole)
            if f is not None:
                firsts.append(f)
            if total is not None:
                totals.append(total)
            bases.append(cli_start(home))
        base = median(bases)
        emit(figures, Figure("S1", f"cold start to first brief section ({args.model})", median(firsts) if firsts else None,
                             base, "s", "`rapport --help` start", f"{args.reps} reps; first model-written section; whole brief "
                             + (f"{median(totals):.1f}s" if totals else "not waited for (--whole)"),
                             higher_is_better=False, extra={"first": firsts, "total": totals, "baseline": bases}))
    if not args.skip_app:
        emit(figures, app_paint(home, max(2, args.reps)))
    for name in [m for m in args.rss_models.split(",") if m]:
        out = subprocess.run([sys.executable, "-c", RSS_SCRIPT, name, str(home)], capture_output=True, text=True,
                             env=_env(home))
        if out.returncode != 0:
            emit(figures, Figure("S1", f"peak RSS, model {name}", None, None, "MB", note=out.stderr.strip()[-160:]))
            continue
        d = json.loads(out.stdout.strip().splitlines()[-1])
        emit(figures, Figure("S1", f"peak RSS, model {name}", d["rss_kb"] / 1024, d["size"] / 1024 / 1024, "MB",
                             "model file size", "load + one 4-token completion, n_ctx 4096", higher_is_better=False))
    return figures


if __name__ == "__main__":
    print_facts()
    run()
