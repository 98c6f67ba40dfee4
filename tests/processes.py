"""Stopping the real servers the tests start (chroma run, streamlit, llama_cpp.server)."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path


def _group(proc: subprocess.Popen) -> int | None:
    """The process group ``proc`` leads (started with ``start_new_session=True``), else None."""
    try:
        return proc.pid if os.getpgid(proc.pid) == proc.pid else None
    except ProcessLookupError:
        return None


def _signal(proc: subprocess.Popen, group: int | None, signum: int) -> None:
    try:
        if group is not None:
            os.killpg(group, signum)
        else:
            os.kill(proc.pid, signum)
    except ProcessLookupError:
        pass


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Ask politely, then insist: a server stuck in shutdown must not hang the suite.

    A process started in its own session is stopped with its whole process group, so a
    server it started (``rapport ui`` runs Streamlit) cannot outlive the test.
    """
    group = _group(proc)
    _signal(proc, group, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _signal(proc, group, signal.SIGKILL)
        proc.wait(timeout=10)
    if group is not None:  # the leader is gone; make sure nothing else of its group is left
        _signal(proc, group, signal.SIGKILL)


def rapport_in_process(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run the real entry point (``rapport ...``, error handler included) in this process: (code, out, err)."""
    import sys

    from assistant.cli import main

    monkeypatch.setattr(sys, "argv", ["rapport", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for a server a test starts."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 180, log: "Path | None" = None) -> None:
    """Wait until a Streamlit server at ``url`` answers its health check; fail with its log if it dies or hangs."""
    import time
    import urllib.request

    tail = lambda: log.read_text()[-3000:] if log is not None and log.exists() else ""  # noqa: E731
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited early with code {proc.returncode}:\n{tail()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.4)
    raise AssertionError(f"the server did not answer within {timeout:.0f} s:\n{tail()}")
