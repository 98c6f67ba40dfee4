"""Event prep: import + rank without a model, resumable briefing runs, server mode, scale.

Model-backed tests use the tiny model with ``retries=0`` (``RAPPORT_RETRIES=0``
for the CLI) and one llama.cpp thread: they test the plumbing (states, files,
resume, concurrency), not brief quality. Briefs the tiny model cannot fill
still finish as ``done`` with their failed sections named inside; an attendee
is ``failed`` only when the brief could not be made at all. The SIGKILL test
drives the real CLI against a stub OpenAI-compatible server so the kill lands
mid-brief every time and model calls can be counted per attendee.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from assistant.notes import db
from assistant.errors import ModelError
from assistant.event.run import (
    EventProgress,
    effective_concurrency,
    event_status,
    export_zip,
    import_event,
    latest_event_for,
    list_events,
    rank_only,
    run_event,
)
from assistant.notes.ingest import ingest_text
from assistant.generation.llm import Completion, OpenAICompatGenerator, ScriptedGenerator
from assistant.types import slug
from assistant.types import Target
from tests.fakes import hashing_embed
from tests.processes import free_port, stop

REPO = Path(__file__).resolve().parent.parent
GOAL = "meet people who build heat pump and grid software"
EVIL = '=HYPERLINK("http://evil.example/x","click me")'

PEOPLE = [
    ("Dana Whitfield", "Head of Product", "Brightwater Heat", "Leads product for a heat pump installer marketplace."),
    ("Owen Tremblay", "Data Scientist", "Maritime Grid Cooperative", "Builds load forecasts for a grid co-op."),
    ("Rafael Quintero", "Developer Advocate", "Tessellate Labs", "Runs flood-mapping workshops in Python."),
    ("Imogen Clarke", "Director of Programs", "Saltmarsh Accelerator", "Runs a climate startup accelerator."),
    ("Priya Raman", EVIL, "Halifax Climate Founders", "Organises a monthly climate meetup."),
    ("Harriet Ng", "Data Engineer", "Maritime Grid Cooperative", "Maintains a smart-meter data pipeline."),
    ("Chloe Benoit", "Illustrator", "Self-employed", "Illustrates children's books."),
    ("Yusuf Demir", "Account Executive", "Stratacloud", "Sells cloud storage to mid-sized companies."),
]


def write_csv(path: Path, people: Sequence[tuple[str, str, str, str]] = PEOPLE, nameless: bool = True) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["Name", "Title", "Company", "Bio"])
    for i, row in enumerate(people):
        writer.writerow(row)
        if nameless and i == 2:
            writer.writerow(["", "Mystery guest", "Nowhere Inc", "No name given."])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def add_profile(kb, settings) -> None:
    ingest_text("I am a product manager moving into climate tech: heat pumps, grid data and energy software.\n\n"
                "## What I can offer\n- happy to review product analytics setups\n- can share my notes on "
                "installer onboarding", Target.me(), kb, settings, title="About me")


def fake_embed(texts: Sequence[str]) -> list[list[float]]:
    """Hashing, so 1,000 rows rank in well under a second (MiniLM would take half a minute)."""
    return hashing_embed(texts, dims=128)


class FailFor:
    """A scripted generator that raises for one attendee, as a dead server would."""

    def __init__(self, who: str) -> None:
        self.inner = ScriptedGenerator(default="{}")
        self.name, self.n_ctx, self.size, self.who = "scripted", 4096, 0, who

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def complete(self, messages, **kwargs) -> Completion:
        if self.who in messages[-1]["content"]:
            raise ModelError(f"The model server did not answer while writing about {self.who}.")
        return self.inner.complete(messages, **kwargs)

    def stream(self, messages, **kwargs):
        yield self.complete(messages).text


def done_rows(db_path: Path) -> dict[str, tuple[str, int, str]]:
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        rows = conn.execute("SELECT contact_key, state, attempts, generated_at FROM event_items").fetchall()
    except sqlite3.OperationalError:  # tables not created yet
        return {}
    finally:
        conn.close()
    return {k: (s, a, g) for k, s, a, g in rows}


def check_outputs(out_dir: Path, items, evil: bool = True) -> None:
    """Files follow the store: a .md per done brief, briefs.json = done briefs in rank order."""
    done = [i for i in items if i.state == "done"]
    assert all(i.state in ("done", "failed") for i in items)
    assert all(i.error for i in items if i.state == "failed"), "a failed attendee must say why"
    md = sorted(p.name for p in out_dir.glob("*.md"))
    assert md == sorted(f"{i.rank:02d}-{slug(i.name)}.md" for i in done)
    briefs = json.loads((out_dir / "briefs.json").read_text(encoding="utf-8"))
    assert [b["contact"] for b in briefs] == [i.name for i in done]
    assert all(b["size"] == "event" for b in briefs)
    html = (out_dir / "index.html").read_text(encoding="utf-8")
    assert "page-break" in html and "<script" not in html.lower() and "http://evil" not in html.split("<body>")[0]
    ranking = list(csv.reader((out_dir / "ranking.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert len(ranking) == len(items) + 1
    if not evil:
        return
    title_col = ranking[0].index("title")
    titles = [r[title_col] for r in ranking[1:]]
    assert "'" + EVIL in titles and EVIL not in titles  # a spreadsheet shows it, never runs it


# ------------------------------------------------------------ no model --
def test_import_ranks_stores_and_reuses_contacts(settings, kb, tmp_path: Path) -> None:
    add_profile(kb, settings)
    ingest_text("Dana told me installer onboarding is their biggest bottleneck.", Target.contact("dana whitfield"),
                kb, settings, title="Coffee chat")
    path = write_csv(tmp_path / "climate-night.csv")
    job = import_event(path, kb, settings, name="Climate Night", goal=GOAL)

    assert job.skipped == [(4, "no name")]
    items = job.items()
    assert [i.rank for i in items] == list(range(1, 9)) and {i.state for i in items} == {"queued"}
    assert items[-1].name in {"Chloe Benoit", "Yusuf Demir", "Rafael Quintero"}  # unrelated to the goal
    assert all(f"(row {i.row})" in i.reason for i in items)
    # The existing contact is reused: one registry row, the old note plus the CSV row.
    dana = db.get_contact(settings, "Dana Whitfield")
    assert dana is not None and dana.name == "Dana Whitfield"
    notes = kb.notes_of(Target.contact("Dana Whitfield"))
    assert {n.title for n in notes} == {"Coffee chat", "Climate Night attendee row"}
    assert "event:climate-night.csv:row1" in {n.source for n in notes}
    # Ranking files exist before any model call.
    assert (job.out_dir / "ranking.csv").exists() and (job.out_dir / "index.html").exists()
    assert job.out_dir.parent == settings.home / "events"
    assert latest_event_for(settings, path).id == job.id and list_events(settings)[0].id == job.id


def test_thousand_rows_import_and_rank_without_a_model(settings, kb, tmp_path: Path) -> None:
    rows = [(f"Person {n:04d}", "Grid Data Engineer" if n % 97 == 0 else "Accountant", f"Company {n}",
             "Works on heat pump demand forecasting." if n % 97 == 0 else "Does the books for small shops.")
            for n in range(1000)]
    path = write_csv(tmp_path / "big.csv", rows, nameless=False)
    profile = "I build heat pump and grid data software."
    start = time.perf_counter()
    # ingest=False: rank and record the job without embedding 1,000 notes into Chroma.
    job = import_event(path, kb, settings, goal=GOAL, embed=fake_embed, ingest=False)
    seconds = time.perf_counter() - start
    assert seconds < 30, f"1,000 rows took {seconds:.1f}s to import and rank"
    items = job.items(with_briefs=False)
    assert len(items) == 1000 and kb.count() == 0
    grid = {f"Person {n:04d}" for n in range(0, 1000, 97)}
    assert {i.name for i in items[: len(grid)]} == grid
    assert len((job.out_dir / "ranking.csv").read_text(encoding="utf-8-sig").splitlines()) == 1001
    _, ranked = rank_only(path, profile, GOAL, fake_embed)
    assert len(ranked) == 1000 and "Grid" in ranked[0].attendee.title

    # Rows are stored as notes only for the attendees actually briefed.
    result = run_event(job, kb, settings, ScriptedGenerator(), top=2)
    assert result.done == 2 and result.total == 2
    assert set(kb.owners("contact")) == {i.contact_key for i in items[:2]}


def test_a_failing_attendee_is_recorded_and_the_batch_goes_on(settings, kb, tmp_path: Path) -> None:
    add_profile(kb, settings)
    job = import_event(write_csv(tmp_path / "night.csv", PEOPLE[:4], nameless=False), kb, settings, goal=GOAL)
    victim = job.items()[1].name
    seen: list[EventProgress] = []
    result = run_event(job, kb, settings, FailFor(victim), progress=seen.append)

    by_name = {i.name: i for i in job.items()}
    assert by_name[victim].state == "failed" and "did not answer" in by_name[victim].error
    assert all(i.state == "done" for n, i in by_name.items() if n != victim)
    assert [i.name for i in result.failed] == [victim] and result.done == 3
    assert seen[-1].finished == 4 and seen[-1].failed == 1 and seen[-1].eta_s == 0
    check_outputs(job.out_dir, job.items(), evil=False)

    # A second run redoes nothing that is done; retry_failed picks up only the failure.
    again = run_event(job, kb, settings, ScriptedGenerator(), retry_failed=True)
    assert again.generated == 1 and again.done == 4 and not again.failed
    attempts = {i.name: i.attempts for i in job.items()}
    assert attempts == {n: (2 if n == victim else 1) for n in attempts}


def test_cancel_leaves_the_rest_queued(settings, kb, tmp_path: Path) -> None:
    add_profile(kb, settings)
    job = import_event(write_csv(tmp_path / "night.csv", PEOPLE[:4], nameless=False), kb, settings, goal=GOAL)
    stop = threading.Event()
    result = run_event(job, kb, settings, ScriptedGenerator(), cancel=stop, on_item=lambda item: stop.set())
    assert result.done == 1 and result.remaining == 3 and result.cancelled
    assert event_status(settings, job.id).counts == {"queued": 3, "running": 0, "done": 1, "failed": 0}
    names = zipfile.ZipFile(io.BytesIO(export_zip(job))).namelist()
    assert sorted(n.split("/", 1)[1] for n in names) == sorted(
        ["briefs.json", "index.html", "ranking.csv", f"01-{slug(job.items()[0].name)}.md"])


def test_in_process_model_runs_one_at_a_time(tiny_one_thread) -> None:
    assert effective_concurrency(tiny_one_thread, 4) == 1
    assert effective_concurrency(OpenAICompatGenerator("http://127.0.0.1:9"), 4) == 4


# ------------------------------------------------------------ tiny model --
@pytest.fixture(scope="module")
def tiny_one_thread():
    """The tiny model on one thread: llama.cpp's workers spin-wait, and on a busy two-core
    machine two threads measured ~10x slower per call than one."""
    from assistant.config import Settings
    from assistant.generation.llm import LlamaCppGenerator
    from assistant.generation.models import resolve_model

    resolved = resolve_model("tiny", Settings.from_env())
    return LlamaCppGenerator(str(resolved.path), name=resolved.label, n_ctx=4096, n_threads=1, seed=42)


def test_tiny_model_run_over_eight_attendees(settings, kb, tiny_one_thread, tmp_path: Path) -> None:
    s = replace(settings, retries=0)
    # No profile (the goal alone ranks): without offers there are no give-back calls, which keeps
    # eight tiny-model briefs affordable; give-backs are covered by the brief tests.
    job = import_event(write_csv(tmp_path / "climate-night.csv"), kb, s, name="Climate Night", goal=GOAL)
    seen: list[EventProgress] = []
    result = run_event(job, kb, s, tiny_one_thread, progress=seen.append)

    items = job.items()
    check_outputs(job.out_dir, items)
    assert result.total == 8 and result.done + len(result.failed) == 8 and result.done >= 6
    assert seen[0].finished == 0 and seen[-1].finished == 8
    assert any(p.eta_s is not None and p.eta_s > 0 for p in seen)
    assert event_status(s, job.id).counts["done"] == result.done
    assert "SmolLM2" in json.loads((job.out_dir / "briefs.json").read_text())[0]["model"]


def _cli_env(home: Path) -> dict[str, str]:
    # One llama.cpp thread: its workers spin-wait, so on a busy 2-core box two threads can run ~10x slower.
    return {**os.environ, "RAPPORT_HOME": str(home), "RAPPORT_RETRIES": "0", "RAPPORT_THREADS": "1",
            "PYTHONUNBUFFERED": "1"}


class StubModelServer:
    """An OpenAI-compatible endpoint that answers ``{}`` and counts requests per attendee.

    The kill test needs a run that is reliably mid-brief when it is killed and
    a way to prove nobody was briefed twice: the stub holds the third
    attendee's request open until the test has killed the CLI, and its
    per-attendee request counts show exactly which briefs were (re)started.
    (A tiny-model run of the same eight attendees would cost minutes and could
    finish before the kill.)
    """

    def __init__(self, names: Sequence[str], hold_after: int = 2) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.names, self.hold_after = list(names), hold_after
        self.requests: dict[str, int] = {}
        self.holding = threading.Event()
        self.release = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                last = payload["messages"][-1]["content"]
                who = next((n for n in stub.names if n in last), "?")
                stub.requests[who] = stub.requests.get(who, 0) + 1
                if len(stub.requests) > stub.hold_after and not stub.release.is_set():
                    stub.holding.set()
                    stub.release.wait(60)
                body = json.dumps({"choices": [{"message": {"content": "{}"}, "finish_reason": "stop"}],
                                   "usage": {"prompt_tokens": 10, "completion_tokens": 1}}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client was killed while we held its request

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_sigkill_mid_run_then_resume(data_home: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "night.csv")
    stub = StubModelServer([p[0] for p in PEOPLE])
    cmd = [sys.executable, "-m", "assistant", "event", str(path), "--goal", GOAL, "--llm-url", stub.url]
    log = (tmp_path / "run1.log").open("w")
    proc = subprocess.Popen(cmd, cwd=REPO, env=_cli_env(data_home), stdout=log, stderr=subprocess.STDOUT)
    db_path = data_home / "rapport.db"
    try:
        assert stub.holding.wait(120), f"the run never reached the third attendee: {(tmp_path / 'run1.log').read_text()}"
        deadline = time.monotonic() + 30
        while sum(s == "done" for s, _, _ in done_rows(db_path).values()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        at_kill = {" ".join(n.split()).casefold(): c for n, c in stub.requests.items()}
        before = done_rows(db_path)
        finished = {k: v for k, v in before.items() if v[0] == "done"}
        interrupted = [k for k, (s, _, _) in before.items() if s == "running"]
        assert len(finished) == 2 and len(interrupted) == 1
        assert sum(s == "queued" for s, _, _ in before.values()) == 5
        stub.release.set()

        again = subprocess.run(cmd + ["--resume"], cwd=REPO, env=_cli_env(data_home), capture_output=True,
                               text=True, timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
        stub.close()
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Resuming event" in again.stderr and "2 briefs done" in again.stderr

    after = done_rows(db_path)
    assert len(after) == 8 and all(s == "done" for s, _, _ in after.values())
    for key, (_, _, generated_at) in finished.items():
        assert after[key] == ("done", 1, generated_at), f"{key} was prepared again after the resume"
    assert [after[k][1] for k in interrupted] == [2]
    # No finished brief was regenerated: the resumed run made no model call for them (their counts are
    # those at the kill), the interrupted one was asked again, and every queued one was prepared.
    # (Briefs differ in calls: a short row's clauses become facts in code, each with its question.)
    calls = {" ".join(n.split()).casefold(): c for n, c in stub.requests.items()}
    assert all(calls[k] == at_kill[k] >= 1 for k in finished)
    assert all(calls[k] > at_kill[k] for k in interrupted)
    assert set(calls) == set(after) and all(calls[k] >= 1 for k in after)
    from assistant.config import Settings

    job = list_events(Settings.from_env(home=data_home))[0]
    check_outputs(job.out_dir, job.items())
    assert len(json.loads((job.out_dir / "briefs.json").read_text())) == 8


# ------------------------------------------------------------ server mode --
@pytest.fixture
def llama_server(tmp_path: Path):
    from assistant.config import Settings
    from assistant.generation.models import resolve_model

    model = resolve_model("tiny", Settings.from_env())
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model.path), "--host",
                             "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "1"],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if httpx.get(f"{url}/v1/models", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {(tmp_path / 'server.log').read_text()[-2000:]}")
            time.sleep(0.25)
        else:
            pytest.fail("llama_cpp.server did not start within 60 s")
        yield url
    finally:
        stop(proc)


@pytest.mark.server
def test_llm_url_with_concurrency(llama_server: str, data_home: Path, tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    monkeypatch.setenv("RAPPORT_RETRIES", "0")
    path = write_csv(tmp_path / "night.csv")
    result = CliRunner().invoke(app, ["event", str(path), "--goal", GOAL, "--top", "2", "--llm-url", llama_server,
                                      "--concurrency", "2", "--json"])
    assert result.exit_code in (0, 1), result.output
    status = json.loads(result.stdout[result.stdout.index('{\n'):]) if "{\n" in result.stdout else None
    assert status is not None, result.output
    assert status["model"].endswith(f"@ {llama_server}") and status["top"] == 2
    top = [i for i in status["items"] if i["rank"] <= 2]
    assert all(i["state"] == "done" for i in top), top
    assert all(i["state"] == "queued" for i in status["items"] if i["rank"] > 2)
    assert len(json.loads((Path(status["out_dir"]) / "briefs.json").read_text())) == 2


def test_rank_only_ranks_and_stores_nothing(kb, settings, tmp_path: Path) -> None:
    """`rapport event --rank-only`: the ranking (with its CSV) and no note, contact or event row stored."""
    from typer.testing import CliRunner

    from assistant.cli import app
    from assistant.notes.contacts import list_contacts

    path = write_csv(tmp_path / "big.csv")
    out_dir = tmp_path / "ranked"
    result = CliRunner().invoke(app, ["event", str(path), "--goal", GOAL, "--rank-only", "--out", str(out_dir),
                                      "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout[result.stdout.index("["):])
    assert len(rows) == len(PEOPLE) and rows[0]["rank"] == 1
    assert (out_dir / "ranking.csv").read_text(encoding="utf-8-sig").startswith("rank,")
    assert list_contacts(kb, settings) == [], "ranking alone stores nobody"
    assert list_events(settings) == []
