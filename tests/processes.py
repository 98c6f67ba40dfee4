"""Stopping the real servers the tests start (chroma run, streamlit, llama_cpp.server)."""

from __future__ import annotations

import os
import signal
import subprocess


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
