"""Event batches running in background threads, one registry per server process.

``run_event`` can take an hour; the page must stay responsive and a second
browser tab must see (and be able to cancel) the same run. So each run is a
daemon thread with a ``threading.Event`` to cancel it, registered here by
event id. Progress is whatever ``run_event`` last reported; the durable
state (which attendee is done) is in SQLite, so a restart loses nothing but
the thread: the page offers to resume.

No Streamlit calls happen in the thread.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from assistant.errors import RapportError

log = logging.getLogger("rapport.ui.jobs")


@dataclass
class EventRunHandle:
    event_id: int
    thread: threading.Thread | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    progress: Any = None  # the latest assistant.event.EventProgress
    result: Any = None  # assistant.event.EventRun once finished
    error: RapportError | None = None
    crashed: str = ""
    started_at: float = field(default_factory=time.time)

    @property
    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


_runs: dict[int, EventRunHandle] = {}
_lock = threading.Lock()


def get(event_id: int) -> EventRunHandle | None:
    with _lock:
        return _runs.get(event_id)


def start(job, kb, settings, generator, *, top: int | None, retry_failed: bool = False) -> EventRunHandle:
    """Start preparing ``job`` in the background (refused while a run of it is alive)."""
    from assistant.event import run_event

    with _lock:
        current = _runs.get(job.id)
        if current is not None and current.alive:
            return current
        handle = EventRunHandle(job.id)
        _runs[job.id] = handle

    def progress(p) -> None:
        handle.progress = p

    def work() -> None:
        try:
            handle.result = run_event(job, kb, settings, generator, top=top, progress=progress,
                                      cancel=handle.cancel, retry_failed=retry_failed)
        except RapportError as exc:
            handle.error = exc
            log.warning("event %s run stopped: %s", job.id, exc)
        except Exception as exc:  # a bug: keep the page alive, the log has the details
            handle.crashed = f"{type(exc).__name__}"
            log.exception("event %s run crashed", job.id)

    handle.thread = threading.Thread(target=work, name=f"rapport-event-{job.id}", daemon=True)
    handle.thread.start()
    return handle


def cancel(event_id: int) -> bool:
    handle = get(event_id)
    if handle is None or not handle.alive:
        return False
    handle.cancel.set()
    return True


def wait(event_id: int, timeout: float) -> bool:
    """For tests and shutdown: True when the run has finished within ``timeout`` seconds."""
    handle = get(event_id)
    if handle is None or handle.thread is None:
        return True
    handle.thread.join(timeout)
    return not handle.thread.is_alive()
