"""Hardening: nothing leaves the machine, checked on the kernel's side, not Python's.

The socket guard in test_hardening_privacy.py only sees Python sockets. Native
code does not use them: onnxruntime's own telemetry (a OneDS client inside
libonnxruntime) looked up ``mobile.events.data.microsoft.com`` a few seconds
after the embedder loaded, and Streamlit looked up ``checkip.amazonaws.com``.
So here the real ``rapport`` CLI runs under ``strace -f -e trace=network``:
ingest, search, a brief, a question, an event run (tiny model) and ``rapport
ui`` (a page rendered over its WebSocket, a cross-origin WebSocket refused,
and ``--lan``). Every connect()/sendto()/sendmsg() in every traced process
must go to a Unix socket, 127.0.0.0/8 or ::1, and nothing may talk to port 53.

The children get the user's environment minus every variable that quiets a
library (and minus CI markers, which onnxruntime treats as "do not send"), so
Rapport's own settings are what is tested. One data dir serves all steps.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assistant.config import _QUIET_ENV
from tests.processes import free_port, stop, wait_healthy

STRACE = shutil.which("strace")
RAPPORT = str(Path(sys.executable).with_name("rapport"))
REPO = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.server,
    pytest.mark.timeout(1800),  # ~5 min on an idle 2-core machine; the tiny model is most of it
    pytest.mark.skipif(STRACE is None, reason="strace is not installed (`make test` installs it; "
                                              "or: apt-get install strace)"),
]

# Variables that would hide a leak by switching a library's phone-home off for us.
_CI_MARKERS = ("CI", "TF_BUILD", "GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "JENKINS_URL", "CODEBUILD_BUILD_ID",
               "BUILDKITE", "TEAMCITY_VERSION", "APPVEYOR", "BITBUCKET_BUILD_NUMBER", "ORT_RUNNING_UNIT_TESTS")

def _seccomp_ok() -> bool:
    """strace stops only at the traced calls with --seccomp-bpf (the model runs at full speed)."""
    if STRACE is None:
        return False
    try:
        return subprocess.run([STRACE, "-f", "--seccomp-bpf", "-qq", "-e", "trace=network", "-o", os.devnull, "true"],
                              capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


_FAST = ["--seccomp-bpf"] if _seccomp_ok() else []
_SENDS = ("connect", "sendto", "sendmsg", "sendmmsg")
_CALL = re.compile(r"^(?P<pid>\d+)\s+(?:<\.\.\. )?(?P<name>\w+)\(")
_SOCKADDR = re.compile(r"\{sa_family=(?P<family>AF_\w+)(?P<body>[^{}]*)\}")


@dataclass
class Trace:
    """What one traced command tried to reach."""

    name: str
    path: Path
    outside: list[str] = field(default_factory=list)  # non-local destinations, as strace wrote them
    dns: list[str] = field(default_factory=list)  # anything sent to port 53 (even to a local resolver)
    local: int = 0  # local connects seen (a sanity check that the trace saw the process at all)


def parse(name: str, path: Path) -> Trace:
    """Every socket address a connect()/send*() of any traced process names, sorted into local and not."""
    trace = Trace(name, path)
    for line in path.read_text(errors="replace").splitlines():
        m = _CALL.match(line)
        if not m or m.group("name") not in _SENDS:
            continue
        for addr in _SOCKADDR.finditer(line):
            family, body = addr.group("family"), addr.group("body")
            port = re.search(r"(?:sin6?_port)=htons\((\d+)\)", body)
            if port and port.group(1) == "53":
                trace.dns.append(line.strip())
            if family in ("AF_UNIX", "AF_UNSPEC", "AF_NETLINK"):
                # A Unix socket; a UDP socket being disconnected; the local kernel's routing tables.
                trace.local += 1
                continue
            if family == "AF_INET":
                ip = re.search(r'inet_addr\("([^"]+)"\)', body)
            elif family == "AF_INET6":
                ip = re.search(r'inet_pton\(AF_INET6, "([^"]+)"', body)
            else:
                trace.outside.append(line.strip())
                continue
            if ip is None or not ipaddress.ip_address(ip.group(1)).is_loopback:
                trace.outside.append(line.strip())
            else:
                trace.local += 1
    return trace


class Traced:
    """Runs ``rapport`` commands under strace against one data dir; keeps every trace."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.traces: list[Trace] = []
        self.env = {k: v for k, v in os.environ.items()
                    if k not in _QUIET_ENV and k not in _CI_MARKERS and not k.startswith(("ORT_", "STREAMLIT_"))}
        self.env.pop("RAPPORT_UI_TOKEN", None)
        self.env.update({
            "RAPPORT_HOME": str(root / "home"), "RAPPORT_MODELS_DIR": os.environ["RAPPORT_MODELS_DIR"],  # set by conftest
            "HOME": str(root / "user"), "XDG_CACHE_HOME": str(root / "user" / ".cache"),
            "BROWSER": "true", "PYTHONUNBUFFERED": "1",
            # Speed only (what the model writes is not checked here): no retries, and one thread. ggml's
            # threads spin on barriers; traced, on a busy 2-core machine, a tiny-model brief took 8.5 min
            # with 2 threads and 1.4 min with one.
            "RAPPORT_RETRIES": "0", "RAPPORT_THREADS": "1",
        })
        (root / "user").mkdir(parents=True, exist_ok=True)

    def _strace(self, name: str, args: list[str]) -> tuple[list[str], Path]:
        out = self.root / f"{name}.strace"
        return [STRACE, "-f", *_FAST, "-qq", "-s", "64", "-e", "trace=network", "-o", str(out), RAPPORT, *args], out

    def run(self, name: str, *args: str, stdin: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
        cmd, out = self._strace(name, list(args))
        proc = subprocess.run(cmd, env=self.env, cwd=self.root, input=stdin, capture_output=True, text=True,
                              timeout=timeout)
        self.traces.append(parse(name, out))
        assert proc.returncode == 0, f"rapport {' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        return proc

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, Path, Path]:
        cmd, out = self._strace(name, list(args))
        log = self.root / f"{name}.log"
        with log.open("w") as fh:
            proc = subprocess.Popen(cmd, env={**self.env, **(env or {})}, cwd=self.root, stdin=subprocess.DEVNULL,
                                    stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        return proc, out, log


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (read from /proc), so a server in its own session can be stopped too."""
    found: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                kids = [int(k) for k in Path(f"/proc/{p}/task/{t}/children").read_text().split()]
            except OSError:
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


def _stop_all(proc: subprocess.Popen) -> None:
    """SIGTERM the launched process group (strace, rapport); rapport stops its Streamlit group; then insist."""
    below = _descendants(proc.pid)
    groups = set()
    for pid in below:
        try:
            groups.add(os.getpgid(pid))
        except ProcessLookupError:
            pass
    stop(proc, timeout=30)  # strace holds fatal signals while it traces, so it ends when its tracees do
    for group in groups - {proc.pid}:
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _render(port: int, query: str = "", origin: str | None = None, timeout: float = 180) -> list[str]:
    """Run the app's script once over Streamlit's WebSocket, as a browser tab does; the text it drew."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    headers = {"Origin": origin or f"http://127.0.0.1:{port}"}
    texts: list[str] = []
    with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], additional_headers=headers,
                 open_timeout=30, max_size=None) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_script_hash = ""
        ws.send(msg.SerializeToString())
        deadline = time.monotonic() + timeout
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            kind = fm.WhichOneof("type")
            if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                if el.WhichOneof("type") in ("markdown", "alert", "heading"):
                    texts.append(getattr(el, el.WhichOneof("type")).body)
                elif el.WhichOneof("type") == "exception":
                    texts.append(f"EXCEPTION {el.exception.type}: {el.exception.message}")
            elif kind == "script_finished":
                return texts


def _refused_cross_origin(port: int) -> bool:
    """A page on another site opening the app's WebSocket (what Streamlit checks origins for)."""
    from websockets.exceptions import ConnectionClosed, InvalidStatus
    from websockets.sync.client import connect

    try:
        with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                     additional_headers={"Origin": "http://evil.example"}, open_timeout=30) as ws:
            ws.recv(timeout=30)
    except (ConnectionClosed, InvalidStatus):
        return True
    except TimeoutError:
        return False
    return False


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Traced:
    """The whole tour, run once; each test below checks part of what the traces show."""
    t = Traced(tmp_path_factory.mktemp("syscalls"))
    note = t.root / "dana.md"
    note.write_text("---\ntitle: Coffee with Dana\ndate: 2024-03-02\n---\nDana Whitfield leads product at "
                    "Brightwater Heat, a marketplace for heat-pump installers. Installer onboarding is her main "
                    "problem. She sails most summer weekends.\n", encoding="utf-8")
    t.run("ingest", "ingest", str(note), "--contact", "Dana Whitfield")
    t.run("ingest-me", "ingest", "-", "--me", "--title", "About me",
          stdin="I am a product manager moving into climate tech; I built a heat-pump rebate map.")
    t.run("search", "search", "Dana Whitfield", "onboarding", "--json")
    t.run("brief", "brief", "Dana Whitfield", "--model", "tiny", "--format", "json")
    t.run("ask", "--model", "tiny", "ask", "Dana Whitfield", "Where does she work?", "--fresh",
          "--max-tokens", "40")
    csv = t.root / "night.csv"
    csv.write_text("Name,Title,Company\nAmara Obi,Firmware lead,Hearwell\nLi Wei,Product manager,GridCo\n",
                   encoding="utf-8")
    t.run("event", "event", str(csv), "--model", "tiny", "--goal", "meet firmware people", "--top", "1",
          "--out", str(t.root / "pack"))

    # The browser app: a tab renders the first page (the embedder loads in the server), a foreign
    # page's WebSocket is refused, and the server stays up long enough for anything delayed
    # (onnxruntime's telemetry upload started ~5 s after the model loaded).
    port = free_port()
    proc, out, log = t.start("ui", "ui", "--port", str(port), "--headless")
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, log=log)
        t.ui_texts = _render(port)
        t.ui_cross_origin_refused = _refused_cross_origin(port)
        time.sleep(8)
    finally:
        _stop_all(proc)
    t.traces.append(parse("ui", out))
    t.ui_log = log.read_text()

    # --lan: Streamlit used to look up the machine's public address for its banner.
    port = free_port()
    token = secrets.token_urlsafe(24)
    proc, out, log = t.start("ui-lan", "ui", "--lan", "--port", str(port), "--headless",
                             env={"RAPPORT_UI_TOKEN": token})
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, log=log)
        t.lan_locked = _render(port)
        t.lan_open = _render(port, query=f"token={token}")
        time.sleep(3)
    finally:
        _stop_all(proc)
    t.traces.append(parse("ui-lan", out))
    t.lan_log = log.read_text()
    t.lan_token = token
    return t


def test_every_command_stays_on_the_machine(traced: Traced) -> None:
    names = [tr.name for tr in traced.traces]
    assert names == ["ingest", "ingest-me", "search", "brief", "ask", "event", "ui", "ui-lan"]
    for tr in traced.traces:
        assert tr.path.stat().st_size > 0, f"{tr.name}: strace wrote nothing"
    report = {tr.name: tr.outside for tr in traced.traces if tr.outside}
    assert not report, "connections off this machine (strace lines):\n" + "\n".join(
        f"[{name}] {line}" for name, lines in report.items() for line in lines[:10])


def test_no_name_lookups(traced: Traced) -> None:
    report = {tr.name: tr.dns for tr in traced.traces if tr.dns}
    assert not report, "DNS queries (strace lines):\n" + "\n".join(
        f"[{name}] {line}" for name, lines in report.items() for line in lines[:10])
    for tr in traced.traces:
        text = tr.path.read_text(errors="replace")
        for host in (r"\6mobile\6events", r"\7checkip", "checkip.amazonaws", "events.data.microsoft"):
            assert host not in text, f"{tr.name} sent a lookup of {host!r}"


def test_onnxruntime_keeps_no_telemetry_store(traced: Traced) -> None:
    """The OneDS client also queues events (a device id, OS, library version) on disk to send later."""
    cache = traced.root / "user" / ".cache"
    left = sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if "onnxruntime" in str(p).lower()
                  or "Microsoft" in p.parts) if cache.exists() else []
    assert left == [], left


def test_the_ui_rendered_and_refused_a_foreign_origin(traced: Traced) -> None:
    assert traced.ui_texts and not any(t.startswith("EXCEPTION") for t in traced.ui_texts), traced.ui_texts
    assert any("Everything stays on this computer" in t for t in traced.ui_texts), traced.ui_texts
    assert traced.ui_cross_origin_refused
    assert "checkip" not in traced.ui_log and "External URL" not in traced.ui_log, traced.ui_log


def test_lan_needs_the_access_link(traced: Traced) -> None:
    locked = "\n".join(traced.lan_locked)
    assert "needs its access link" in locked, locked
    assert "Everything stays on this computer" not in locked  # the sidebar did not render either
    opened = "\n".join(traced.lan_open)
    assert "Everything stays on this computer" in opened, opened
    assert f"?token={traced.lan_token}" in traced.lan_log, traced.lan_log
    assert "External URL" not in traced.lan_log and "checkip" not in traced.lan_log, traced.lan_log


def test_parse_sorts_local_from_outside(tmp_path: Path) -> None:
    """The parser itself, on lines as strace writes them (so a format change cannot pass silently)."""
    sample = tmp_path / "sample.strace"
    sample.write_text("\n".join([
        '101 connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT',
        '101 connect(4, {sa_family=AF_INET, sin_port=htons(8501), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
        '101 connect(5, {sa_family=AF_INET6, sin6_port=htons(8501), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
        '102 connect(8, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16 '
        '<unfinished ...>',
        '102 sendto(8, "\\303l\\1\\0\\0\\1\\0\\0\\0\\0\\0\\0\\6mobile\\6events"..., 50, MSG_NOSIGNAL, NULL, 0) = 50',
        '103 connect(9, {sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr("8.8.8.8")}, 16) = 0',
        '104 sendto(6, "x", 1, 0, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = 1',
        '105 connect(7, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 0',
        '106 bind(10, {sa_family=AF_INET, sin_port=htons(8501), sin_addr=inet_addr("0.0.0.0")}, 16) = 0',
    ]))
    tr = parse("sample", sample)
    assert len(tr.outside) == 3 and all(("10.255.255.53" in x or "8.8.8.8" in x or "2001:db8::1" in x)
                                        for x in tr.outside), tr.outside
    assert len(tr.dns) == 2  # the remote resolver and the local one: a lookup either way
    assert tr.local == 4
