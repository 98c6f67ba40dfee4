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

from assistant import RapportError

log = logging.getLogger("rapport.ui.jobs")


@dataclass
class EventRunHandle:
    event_id: int
    thread: threading.Thread | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    progress: Any = None  # the latest assistant.event.EventProgress
    progress_at: float = 0.0  # when it came (run_event reports as attendees start and finish)
    result: Any = None  # assistant.event.EventRun once finished
    error: RapportError | None = None
    crashed: str = ""
    started_at: float = field(default_factory=time.time)

    def eta_s(self) -> float | None:
        """Seconds left, counted down from the last report (None until one brief has finished)."""
        p = self.progress
        if p is None or p.eta_s is None:
            return None
        return max(0.0, p.eta_s - (time.time() - self.progress_at))

    @property
    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


_runs: dict[tuple[str, int], EventRunHandle] = {}  # (data dir, event id): ids restart in every data dir
_lock = threading.Lock()


def _key(settings, event_id: int) -> tuple[str, int]:
    return (str(settings.home), int(event_id))


def get(settings, event_id: int) -> EventRunHandle | None:
    with _lock:
        return _runs.get(_key(settings, event_id))


def start(job, kb, settings, generator, *, top: int | None, retry_failed: bool = False) -> EventRunHandle:
    """Start preparing ``job`` in the background (refused while a run of it is alive)."""
    from assistant import run_event

    with _lock:
        current = _runs.get(_key(settings, job.id))
        if current is not None and current.alive:
            return current
        handle = EventRunHandle(job.id)
        _runs[_key(settings, job.id)] = handle

    def progress(p) -> None:
        handle.progress, handle.progress_at = p, time.time()

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


_warming: dict[tuple[str, str], threading.Thread] = {}
_warm: set[tuple[str, str]] = set()  # contacts whose notes are already read and saved in this process


def warm_in_background(name: str, kb, settings, generator) -> bool:
    """Read a contact's notes into the model while the user is still choosing (``assistant.warm_contact``).

    One thread per contact at a time; it runs only while the model is idle and gives way to any
    request, so pressing Prepare never waits for it. True when a warm-up was started.
    """
    from assistant import warm_contact

    key = (str(settings.home), name)
    with _lock:
        current = _warming.get(key)
        if key in _warm or (current is not None and current.is_alive()):
            return False  # every page rerun calls this: read the notes once, not on every click

        def work() -> None:
            try:
                state = warm_contact(name, kb, settings, generator, background=True)
                log.info("warm-up for a contact: %s", state)
                if state in ("built", "loaded", "held"):
                    _warm.add(key)
            except RapportError as exc:
                log.info("warm-up skipped: %s", exc)
            except Exception:  # never let a background nicety break the page
                log.exception("warm-up crashed")

        thread = threading.Thread(target=work, name="rapport-warm", daemon=True)
        _warming[key] = thread
        thread.start()
    return True


def cancel(settings, event_id: int) -> bool:
    handle = get(settings, event_id)
    if handle is None or not handle.alive:
        return False
    handle.cancel.set()
    return True


def wait(settings, event_id: int, timeout: float) -> bool:
    """For tests and shutdown: True when the run has finished within ``timeout`` seconds."""
    handle = get(settings, event_id)
    if handle is None or handle.thread is None:
        return True
    handle.thread.join(timeout)
    return not handle.thread.is_alive()
