"""Stopping the real servers the tests start (chroma run, streamlit, llama_cpp.server)."""

from __future__ import annotations

import subprocess


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Ask politely, then insist: a server stuck in shutdown must not hang the suite."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
