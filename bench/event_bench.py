"""Event prep speed: the demo attendee list, timed under four set-ups of one model.

    python -m bench.event_bench [--model default|small|tiny|PATH] [--limit N] [--modes ...] [--threads N]

1. ``prefix``    in-process llama.cpp, KV prefix cache on (what users get)
2. ``noprefix``  in-process llama.cpp, KV cache reset before every call
   ``modelopener`` as ``prefix``, with the model writing each opener (``RAPPORT_MODEL_OPENER=1``)
3. ``server1``   ``python -m llama_cpp.server`` started here, one request at a time
4. ``server2``   the same server, two attendees in flight (``--concurrency 2``)

Each mode is a fresh event job over the same ranked list (top ``--limit``),
in one temp data dir loaded with the demo knowledge base, so every mode sees
the same notes, ranking and seeds. The modes take turns two attendees at a
time (``run_event(top=k)`` resumes the job, so each turn briefs just the next
two), so a burst of load from elsewhere hits every mode alike. Wall time and
CPU time (this process plus the server) are both reported; the ratios are
what to read, absolute minutes depend on the machine. Different set-ups can
make the model write slightly different answers (and so different numbers of
calls), hence calls and tokens are reported next to the times.

llama-cpp-python's server has no parallel slots (no ``n_parallel``/``--parallel``
in ``llama_cpp/server/settings.py``): it serialises requests behind one lock.
So ``server2`` measures what concurrency buys against *that* server: nothing
but overlapped HTTP and Python work, at the cost of interleaving two
attendees' prompts in one KV cache. A server with real slots (llama.cpp's
``llama-server -np 2``, vLLM) is where ``--concurrency`` pays off.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from assistant.config import Settings
from assistant.notes.demo import DEMO_ATTENDEES, DEMO_MANIFEST, load_manifest
from assistant.event.run import import_event, run_event
from assistant.generation.llm import Generator, LlamaCppGenerator, OpenAICompatGenerator
from assistant.generation.models import resolve_model
from assistant.notes.store import KnowledgeBase
from assistant.generation.structured import messages_for

RESULTS = Path(__file__).resolve().parent / "results"
MODES = ("prefix", "noprefix", "modelopener", "server1", "server2")
GOAL = "meet product and data people in climate tech, especially heat pumps and the grid"


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="default", help="default | small | tiny | PATH.gguf")
    ap.add_argument("--limit", type=int, default=30, help="Brief the top N attendees (the demo list has 30).")
    ap.add_argument("--modes", default=",".join(MODES), help=f"Comma-separated subset of {','.join(MODES)}.")
    ap.add_argument("--threads", type=int, default=0, help="llama.cpp threads (default: RAPPORT_THREADS or all cores).")
    ap.add_argument("--no-save", action="store_true", help="Do not write bench/results/event-*.json.")
    ap.add_argument("--openers", action="store_true", help="Print every attendee's opening line per mode.")
    return ap.parse_args(list(argv) if argv is not None else None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _warm(gen: Generator) -> None:
    """The first call of a fresh llama.cpp context pays seconds of one-time set-up; keep it out of the timings."""
    gen.complete(messages_for("Say OK as JSON."), schema={"type": "object"}, max_tokens=4)


class LlamaServer:
    """``python -m llama_cpp.server`` on a free local port, stopped on exit."""

    def __init__(self, model_path: Path, n_ctx: int, threads: int, log_path: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host", "127.0.0.1",
             "--port", str(self.port), "--n_ctx", str(n_ctx), "--n_threads", str(threads)],
            stdout=self.log, stderr=subprocess.STDOUT)

    def __enter__(self) -> "LlamaServer":
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if httpx.get(f"{self.url}/v1/models", timeout=1, trust_env=False).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.__exit__()
        raise RuntimeError("llama_cpp.server did not answer within 120 s")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _cpu_seconds(pid: int | None = None) -> float:
    """CPU time of this process (all threads) or of another one: less hostage to a busy machine than wall time."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Mode:
    """One set-up: its generator, its own job over the same list, and what it has cost so far."""

    def __init__(self, name: str, gen: Generator, settings: Settings, kb: KnowledgeBase,
                 server_pid: int | None = None) -> None:
        self.name, self.gen, self.settings, self.kb, self.server_pid = name, gen, settings, kb, server_pid
        self.concurrency = 2 if name == "server2" else 1
        self.job = import_event(DEMO_ATTENDEES, kb, settings, name=f"bench {name}", goal=GOAL)
        self.wall = self.cpu = 0.0
        self.result = None
        # Per-turn deltas: server1 and server2 share one client (and its stats), and turns interleave.
        self.calls = self.prompt_tokens = self.cached_tokens = self.completion_tokens = 0

    def advance(self, upto: int) -> None:
        """Brief ranks up to ``upto``: the job store skips what earlier rounds finished."""
        stats = self.gen.stats  # type: ignore[attr-defined]
        before = replace(stats)
        cpu0 = _cpu_seconds() + (_cpu_seconds(self.server_pid) if self.server_pid else 0.0)
        start = time.perf_counter()
        self.result = run_event(self.job, self.kb, self.settings, self.gen, top=upto, concurrency=self.concurrency)
        self.wall += time.perf_counter() - start
        self.cpu += _cpu_seconds() + (_cpu_seconds(self.server_pid) if self.server_pid else 0.0) - cpu0
        self.calls += stats.calls - before.calls
        self.prompt_tokens += stats.prompt_tokens - before.prompt_tokens
        self.cached_tokens += stats.cached_tokens - before.cached_tokens
        self.completion_tokens += stats.completion_tokens - before.completion_tokens

    def summary(self) -> dict:
        r = self.result
        n = max(r.total, 1) if r else 1
        out: dict = {"mode": self.name, "attendees": r.total if r else 0, "done": r.done if r else 0,
                     "failed": len(r.failed) if r else 0, "concurrency": r.concurrency if r else self.concurrency,
                     "minutes": round(self.wall / 60, 3), "seconds_per_attendee": round(self.wall / n, 2),
                     "cpu_minutes": round(self.cpu / 60, 3)}
        out.update({"calls": self.calls, "prompt_tokens": self.prompt_tokens,
                    "completion_tokens": self.completion_tokens,
                    "seconds_per_call": round(self.wall / self.calls, 2) if self.calls else 0.0})
        if isinstance(self.gen, LlamaCppGenerator):  # a server does not say how much of its cache it reused
            out.update({"new_prompt_tokens": self.prompt_tokens - self.cached_tokens,
                        "prefix_reuse": round(self.cached_tokens / self.prompt_tokens, 3) if self.prompt_tokens else 0.0})
        if r and r.failed:
            out["errors"] = sorted({i.error[:160] for i in r.failed})[:3]
        return out


def _print(out: dict) -> None:
    extra = f", {out['calls']} calls, {out['seconds_per_call']:.1f} s/call"
    if "prefix_reuse" in out:
        extra += f", prefix reuse {out['prefix_reuse']:.0%}"
    print(f"{out['mode']:9} {out['attendees']} attendees in {out['minutes']:.2f} min "
          f"({out['seconds_per_attendee']:.1f} s each, CPU {out['cpu_minutes']:.2f} min, {out['done']} done, "
          f"{out['failed']} failed){extra}", flush=True)


def _ratio(results: dict, slow: str, fast: str, key: str = "minutes") -> float | None:
    a, b = results.get(slow), results.get(fast)
    if not a or not b or not b[key]:
        return None
    return round(a[key] / b[key], 2)


def run(args: Sequence[str] | argparse.Namespace | None = None) -> dict:
    """Run the benchmark; ``args`` is an argv list (as bench.run passes it) or parsed options."""
    opts = args if isinstance(args, argparse.Namespace) else parse(args)
    modes = [m.strip() for m in opts.modes.split(",") if m.strip()]
    unknown = set(modes) - set(MODES)
    if unknown:
        raise SystemExit(f"Unknown mode(s): {', '.join(sorted(unknown))}. Use {', '.join(MODES)}.")
    report: dict = {"machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
                    "cores": os.cpu_count(), "model": opts.model, "limit": opts.limit}
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="rapport-event-bench-") as tmp:
        base = Settings.from_env(home=Path(tmp))
        settings = replace(base, n_threads=opts.threads or base.n_threads).ensure_dirs()
        report["threads"] = settings.n_threads
        kb = KnowledgeBase(settings)
        start = time.perf_counter()
        load_manifest(DEMO_MANIFEST, kb, settings)
        report["demo_load_s"] = round(time.perf_counter() - start, 1)
        resolved = resolve_model(opts.model, settings)
        report["model_label"] = resolved.label
        print(f"Event bench: {resolved.label}, top {opts.limit} demo attendees, {settings.n_threads} threads, "
              f"modes {', '.join(modes)}", flush=True)
        # Modes take turns, two attendees each, so a neighbour's burst of load hits all of them alike.
        with contextlib.ExitStack() as stack:
            active: list[Mode] = []
            for mode in modes:
                if mode in ("prefix", "noprefix", "modelopener"):
                    # Own instances, not load_generator's shared one: they must never share a KV cache.
                    gen = LlamaCppGenerator(str(resolved.path), name=resolved.label, n_ctx=settings.n_ctx,
                                            n_threads=settings.n_threads, seed=settings.seed,
                                            prefix_cache=mode != "noprefix", size=resolved.size)
                    _warm(gen)
                    active.append(Mode(mode, gen, replace(settings, model_opener=mode == "modelopener"), kb))
            server_modes = [m for m in modes if m.startswith("server")]
            if server_modes:
                srv = stack.enter_context(LlamaServer(resolved.path, settings.n_ctx, settings.n_threads,
                                                      Path(tmp) / "server.log"))
                gen = OpenAICompatGenerator(srv.url, n_ctx=settings.n_ctx, seed=settings.seed)
                _warm(gen)
                s_url = replace(settings, llm_url=srv.url)
                active += [Mode(m, gen, s_url, kb, srv.proc.pid) for m in server_modes]
            for upto in range(2, opts.limit + 2, 2):
                for mode in active:
                    mode.advance(min(upto, opts.limit))
                print(f"  {min(upto, opts.limit)}/{opts.limit} attendees in every mode", flush=True)
            for mode in active:
                results[mode.name] = mode.summary()
                _print(results[mode.name])
            if getattr(opts, "openers", False):  # read them, not only time them
                from assistant.event.jobs import load_items

                for mode in active:
                    for item in load_items(mode.settings, mode.job.id):
                        print(f"  {mode.name} opener, {item.name}: {(item.brief or {}).get('opener', '')}", flush=True)
    report["modes"] = results
    report["ratios"] = {k: v for k, v in {
        "noprefix_vs_prefix": _ratio(results, "noprefix", "prefix"),
        "modelopener_vs_prefix": _ratio(results, "modelopener", "prefix"),
        "server1_vs_prefix": _ratio(results, "server1", "prefix"),
        "server1_vs_server2": _ratio(results, "server1", "server2"),
        "noprefix_vs_prefix_cpu": _ratio(results, "noprefix", "prefix", "cpu_minutes"),
        "server1_vs_prefix_cpu": _ratio(results, "server1", "prefix", "cpu_minutes"),
    }.items() if v is not None}
    for name, value in report["ratios"].items():
        slow, fast = name.removesuffix("_cpu").split("_vs_")
        what = "CPU time" if name.endswith("_cpu") else "wall time"
        print(f"ratio: {slow} takes {value}x the {what} of {fast}", flush=True)
    if not getattr(opts, "no_save", False):
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"event-{opts.model.replace('/', '_')}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        path.write_text(json.dumps(report, indent=2))
        print(f"written to {path}", flush=True)
    return report


if __name__ == "__main__":
    run()
