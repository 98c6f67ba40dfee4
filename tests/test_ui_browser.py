"""The real thing: `streamlit run ui/app.py` with the tiny model, driven by Debian's Chromium.

A user adds a contact with a pasted note, prepares a brief and opens the
sources of a question. The tiny model (SmolLM2-135M) is incoherent, so the
note is written to make facts and questions easy; if the model still cannot
produce a question that passes the checks, the page must say so plainly.
The test also checks that a hostile note is shown as text and that the
browser never fetches anything from outside 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from tests.processes import free_port, stop, wait_healthy

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
BRIEF_TIMEOUT_S = 20 * 60  # the tiny model on 2 busy cores: minutes, not seconds

NOTE = ("Ana Costa is the head of product at Tidal Works.\n"
        "Ana Costa builds tide maps for harbours.\n"
        "Ana Costa is hiring a data analyst for the harbour project.")
HOSTILE = "Met at the pier. <script>alert('x')</script> ![x](http://evil.example/x.png) [click](http://evil.example/)"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(BRIEF_TIMEOUT_S + 600)]


def _serve(tmp_path: Path, **extra_env: str):
    """`streamlit run ui/app.py` on a free port with its own data dir; yields (url, home)."""
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is not installed (run `make browser`, which installs Debian's chromium)")
    home = tmp_path / "home"
    port = free_port()
    env = {**os.environ, "RAPPORT_HOME": str(home), "RAPPORT_MODEL": "tiny",
           "RAPPORT_MODELS_DIR": os.environ["RAPPORT_MODELS_DIR"]}
    env.pop("RAPPORT_LLM_URL", None)
    env.pop("RAPPORT_CHROMA_URL", None)
    env.update(extra_env)
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "ui/app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # stop() ends the group
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, 120)
        yield url, home
    finally:
        stop(proc)
        log.close()


@pytest.fixture
def server(tmp_path: Path):
    yield from _serve(tmp_path)


def _wait_idle(page, timeout_ms: int = 120_000) -> None:
    """Until Streamlit has finished running the script (its "Running..." widget is gone)."""
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="detached", timeout=timeout_ms)


def _add_contact(page, name: str, note: str) -> None:
    _wait_idle(page)
    field = page.get_by_label("Name", exact=True)
    field.wait_for(state="attached", timeout=60_000)
    if not field.is_visible():
        page.get_by_text("Add a contact", exact=True).click()
        field.wait_for(state="visible", timeout=30_000)
    field.fill(name)
    page.get_by_label("First notes (optional)").fill(note)
    page.get_by_label("First notes (optional)").press("Tab")
    page.get_by_role("button", name="Add contact").click()
    page.get_by_text(f"Added {name} with a note").wait_for(timeout=120_000)
    _wait_idle(page)


def test_add_contact_prepare_brief_and_see_sources(server, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    url, home = server
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.on("request", lambda r: outside.append(r.url)
                    if not r.url.startswith((url, "data:", "blob:", "about:")) else None)
            page.goto(url)
            # The app opens on Today; a new user is told the next step.
            page.get_by_role("heading", name="Today").wait_for(timeout=120_000)
            page.get_by_text("add a contact on the People page", exact=False).first.wait_for(timeout=30_000)
            page.get_by_role("link", name="People").click()
            page.get_by_role("heading", name="People").wait_for(timeout=60_000)

            # A hostile note is stored and shown as plain text, not HTML and not an image.
            _add_contact(page, "Eve Pier", HOSTILE)
            page.get_by_role("tab", name="Notes (1)").click()
            # The Timeline tab (first) holds the same text, hidden while another tab is open: look at what shows.
            page.get_by_text("![x](http://evil.example/x.png)", exact=False).locator("visible=true").first.wait_for(
                timeout=30_000)
            assert page.locator("img[src*='evil']").count() == 0
            assert page.locator("a[href*='evil']").count() == 0

            # The contact we brief (added last, so it is the selected one).
            _add_contact(page, "Ana Costa", NOTE)
            page.get_by_role("link", name="Brief", exact=True).click()
            page.get_by_role("heading", name="Brief", exact=True).wait_for(timeout=60_000)
            page.get_by_role("button", name="Prepare").click()
            page.get_by_text("Briefing: Ana Costa").wait_for(timeout=BRIEF_TIMEOUT_S * 1000)

            from assistant.config import Settings
            from assistant.notes.workspace import brief_path

            saved = json.loads(brief_path(Settings.from_env(home=home), "Ana Costa").read_text())
            questions = saved["questions"]
            if questions:
                first = questions[0]["text"]
                page.get_by_text(first, exact=False).first.wait_for(timeout=30_000)
                # Popovers come in page order: one per cited fact, then one per question.
                by_id = {s["id"]: s for s in saved["sources"]}
                cited_facts = sum(1 for f in saved["facts"] if any(i in by_id for i in f["sources"]))
                page.get_by_role("button", name="Sources").nth(cited_facts).click()
                excerpt = by_id[questions[0]["sources"][0]]["excerpt"][:40]
                page.get_by_text(excerpt, exact=False).last.wait_for(timeout=30_000)
                outcome = f"cited question: {first!r} from {questions[0]['sources']}"
            else:
                reason = saved["failed"].get("questions", "")
                assert reason, "no questions and no reason"
                page.get_by_text("Not available:", exact=False).first.wait_for(timeout=30_000)
                outcome = f"questions failed, shown as: {reason!r}"
            page.screenshot(path=str(tmp_path / "brief.png"), full_page=True)
            print(f"\nbrief: {outcome}; screenshot: {tmp_path / 'brief.png'}")
        finally:
            browser.close()
    assert not outside, f"the browser fetched from outside the app: {outside[:5]}"
    assert (tmp_path / "brief.png").stat().st_size > 10_000


def test_rapport_ui_starts_without_prompting(tmp_path: Path) -> None:
    """`rapport ui` (what `make run` ends with) serves the app with no terminal interaction.

    A fresh user has no ~/.streamlit/credentials.toml; a non-headless Streamlit would stop at an
    "enter your email" prompt. Stdin is closed here, as under `make` in a script; BROWSER=true
    stands in for the user's browser (webbrowser runs it with the URL).
    """
    port = free_port()
    env = {**os.environ, "HOME": str(tmp_path / "user"), "RAPPORT_HOME": str(tmp_path / "home"), "BROWSER": "true"}
    log = tmp_path / "ui.log"
    with log.open("w") as out:
        rapport = str(Path(sys.executable).parent / "rapport")
        proc = subprocess.Popen([rapport, "ui", "--port", str(port)], cwd=REPO, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # stop() ends the group; `ui` stops its Streamlit
        try:
            wait_healthy(f"http://127.0.0.1:{port}", proc, 120)
            deadline = time.time() + 30
            while "Rapport is at" not in log.read_text() and time.time() < deadline:
                time.sleep(0.2)
        finally:
            stop(proc)
    text = log.read_text()
    assert f"Rapport is at http://127.0.0.1:{port}" in text, text
    assert "Email:" not in text, text


# ------------------------------------------------------------------ debrief --
# The debrief test's screenshots go to its temp dir; RAPPORT_SCREENSHOTS=docs/screenshots refreshes the
# committed ones (a test run must not change the repository's files).


def _shots_dir(tmp_path: Path) -> Path:
    chosen = os.environ.get("RAPPORT_SCREENSHOTS")
    return (REPO / chosen if not Path(chosen).is_absolute() else Path(chosen)) if chosen else tmp_path / "screenshots"


@pytest.fixture
def scripted_model_server():
    """An OpenAI-compatible endpoint on 127.0.0.1 that answers from the debrief tests' ScriptedGenerator.

    The app runs in its own process, so the scripted model reaches it the way a model server would
    (RAPPORT_LLM_URL): same replies as tests/test_debrief.py, no model weights, seconds not minutes.
    """
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tests.test_debrief import scripted

    gen = scripted()

    class Handler(BaseHTTPRequestHandler):
        def _send(self, data: dict) -> None:
            body = json.dumps(data).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            text = gen.complete(payload.get("messages") or []).text
            self._send({"choices": [{"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                        "usage": {}})

        def do_GET(self) -> None:  # noqa: N802
            self._send({"data": [{"id": "scripted"}]})

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", gen
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.timeout(900)
def test_debrief_a_meeting_and_keep_two_proposals(scripted_model_server, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.test_debrief import DEBRIEF

    llm_url, gen = scripted_model_server
    outside: list[str] = []
    shots = _shots_dir(tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with contextmanager(_serve)(tmp_path, RAPPORT_LLM_URL=llm_url) as (url, _home), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2600})
            page.on("request", lambda r: outside.append(r.url)
                    if not r.url.startswith((url, "data:", "blob:", "about:")) else None)
            page.goto(url)
            page.get_by_role("heading", name="Today").wait_for(timeout=120_000)
            page.get_by_role("link", name="People").click()
            page.get_by_role("heading", name="People").wait_for(timeout=60_000)
            _add_contact(page, "Dana Whitfield", "Dana Whitfield leads product at Brightwater Heat.")

            page.get_by_role("link", name="Today").click()
            page.get_by_role("heading", name="Today").wait_for(timeout=60_000)
            _wait_idle(page)
            page.screenshot(path=str(shots / "today.png"), full_page=True)

            page.get_by_role("link", name="Debrief").click()
            page.get_by_role("heading", name="Debrief").wait_for(timeout=60_000)
            _wait_idle(page)
            box = page.get_by_label("What you remember, or a transcript")
            box.fill(DEBRIEF)
            box.press("Tab")
            _wait_idle(page)
            page.get_by_role("button", name="Propose").click()
            page.get_by_text("Review: Dana Whitfield", exact=False).wait_for(timeout=180_000)
            _wait_idle(page)
            # Keep two: what happened (0) and the fact about her (3); untick the rest.
            keep = page.locator("[data-testid='stCheckbox'] label")
            assert keep.count() == 7
            for n in (1, 2, 4, 5, 6):
                keep.nth(n).click()
                _wait_idle(page)
            page.get_by_text("Review: Dana Whitfield", exact=False).scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "debrief-review.png"), full_page=True)
            page.get_by_role("button", name="Save accepted").click()
            page.get_by_text("Saved for Dana Whitfield.", exact=False).wait_for(timeout=180_000)
            page.get_by_text("Thank-you draft", exact=False).wait_for(timeout=60_000)
            _wait_idle(page)

            # Both kept items are on her page: the dated log entry and the note with the new fact.
            page.get_by_role("link", name="People").click()
            page.get_by_role("heading", name="People").wait_for(timeout=60_000)
            _wait_idle(page)
            page.get_by_role("tab", name="Notes (3)").click()
            today = date.today().isoformat()
            for shown in (f"Logged {today}", f"Debrief {today}: about Dana Whitfield", "launching the installer app"):
                page.locator(f"text={shown} >> visible=true").first.wait_for(timeout=30_000)
            # And on her timeline, newest first, which the docs show.
            page.get_by_role("tab", name="Timeline").click()
            page.locator("text=launching the installer app >> visible=true").first.wait_for(timeout=30_000)
            page.screenshot(path=str(shots / "timeline.png"), full_page=True)
        finally:
            browser.close()
    assert not outside, f"the browser fetched from outside the app: {outside[:5]}"
    assert any("Propose what the user should keep" in c[-1]["content"] for c in gen.calls)
    assert (shots / "today.png").stat().st_size > 10_000
    assert (shots / "debrief-review.png").stat().st_size > 10_000
    assert (shots / "timeline.png").stat().st_size > 10_000
