"""Event prep: a whole attendee list, ranked at once, briefed in one resumable run.

Two phases, because they cost very different things:

* :func:`import_event` reads the CSV, stores each row as a note about that
  person (reusing a contact the user already has, so what they know is used),
  ranks everyone against the user's profile and goal with embeddings only,
  and records a job. Seconds, no language model: the user sees who to seek
  out before any brief exists.
* :func:`run_event` writes event-size briefs in ranked order. Every attendee's
  state is committed to SQLite as it changes, so a crash or SIGKILL costs at
  most the briefs that were in flight; the next run (``--resume``) skips what
  is done and redoes only those. One attendee failing never stops the batch.

The in-process llama.cpp model is run strictly one attendee at a time, all of
one attendee's sections back to back: every prompt is the same system prompt
followed by that attendee's notes, so consecutive calls share a long KV-cache
prefix. Interleaving attendees (threads, or "all facts first") would throw
that prefix away on every call. Concurrency is only used with an
OpenAI-compatible server, which schedules requests itself.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from assistant.text.similarity import Embed
from assistant.event import jobs as store
from assistant.event.attendees import Attendee, AttendeeImport, read_attendees
from assistant.config import Settings
from assistant.errors import InputError, RapportError
from assistant.event.pack import brief_filename, export_zip, write_aggregates, write_all, write_brief_file
from assistant.event.jobs import EventItem, EventJob
from assistant.notes.ingest import store_note, store_notes
from assistant.generation.llm import Generator, LlamaCppGenerator
from assistant.event.ranking import RankedAttendee, rank_attendees
from assistant.notes.store import KnowledgeBase
from assistant.types import Note, Target

log = logging.getLogger("rapport.event")


__all__ = [
    "EventItem", "EventJob", "EventProgress", "EventRun", "EventStatus", "brief_filename", "effective_concurrency",
    "event_status", "export_zip", "import_event", "latest_event_for", "list_events", "profile_text", "rank_only",
    "run_event",
]

#: briefs.json and index.html are rewritten as briefs finish, but not more often
#: than this: with a fast server and hundreds of briefs, rewriting the whole pack
#: after every one would cost more than the briefs. The last write always happens.
AGGREGATE_EVERY_S = 1.0


# ------------------------------------------------------------------ import --
def profile_text(kb: KnowledgeBase) -> str:
    """All of the user's own notes ("me"), the text attendees are ranked against."""
    return "\n\n".join(c.text for c in kb.chunks_of(Target.me()))


def _read(csv: Path | str | bytes, mapping: dict[str, str] | None) -> AttendeeImport:
    imported = read_attendees(csv, mapping)
    if not imported.attendees:
        why = f" ({len(imported.skipped)} rows had no name)" if imported.skipped else ""
        raise InputError(f"The attendee file has no attendees{why}.",
                         "Check that it has a header row and one row per person with a name.")
    return imported


def with_progress(embed: Embed, progress: Callable[[int, int, str], None] | None, batch: int = 256) -> Embed:
    """``embed`` in batches that report ``progress(done, total, "Ranking")``: a 50,000-row list shows it is moving."""
    if progress is None:
        return embed

    def embed_in_batches(texts: Sequence[str]) -> list:
        out: list = []
        for start in range(0, len(texts), batch):
            progress(start, len(texts), "Ranking")
            out.extend(embed(list(texts[start:start + batch])))
        progress(len(texts), len(texts), "Ranking")
        return out

    return embed_in_batches


def _rank(attendees: Sequence[Attendee], profile: str, goal: str | None, embed: Embed) -> list[RankedAttendee]:
    if not profile.strip() and not (goal or "").strip():
        raise InputError("There is nothing to rank the attendees against: your profile is empty and no goal was given.",
                         "Give a goal (--goal \"meet product people in climate tech\") or add your profile "
                         "with `rapport ingest FILE --me`.")
    return rank_attendees(attendees, profile, goal, embed)


def rank_only(csv: Path | str | bytes, profile: str, goal: str | None, embed: Embed,
              mapping: dict[str, str] | None = None,
              progress: Callable[[int, int, str], None] | None = None) -> tuple[AttendeeImport, list[RankedAttendee]]:
    """Read and rank a list without storing anything: the quick "who is worth meeting?" answer."""
    imported = _read(csv, mapping)
    return imported, _rank(imported.attendees, profile, goal, with_progress(embed, progress))


def _note(attendee: Attendee, event_name: str, filename: str) -> Note:
    return Note(Target.contact(attendee.name), attendee.as_note_text(),
                source=f"event:{filename}:row{attendee.row}", title=f"{event_name} attendee row")


def import_event(csv_path: Path | str | bytes, kb: KnowledgeBase, settings: Settings,
                 mapping: dict[str, str] | None = None, name: str | None = None, *, goal: str | None = None,
                 out_dir: Path | str | None = None, embed: Embed | None = None, ingest: bool = True,
                 filename: str | None = None,
                 progress: Callable[[int, int, str], None] | None = None) -> EventJob:
    """Read, store, rank and record an attendee list; no language model is used.

    Each row becomes a note about that person (``event:<file>:row<N>``), so
    an attendee the user already knows keeps their notes and gains the row.
    ``ingest=False`` defers that to just before each brief, so a 1,000-row
    list ranks without embedding 1,000 notes first. ``csv_path`` may be the
    uploaded bytes (then ``filename`` names it). The ranking files are written
    straight away; briefs come from :func:`run_event`.
    """
    if isinstance(csv_path, (bytes, bytearray)):
        source_name = filename or "upload.csv"
        recorded = source_name
    else:
        path = Path(csv_path).expanduser().absolute()
        source_name, recorded = filename or path.name, str(path)
        csv_path = path
    imported = _read(csv_path, mapping)
    event_name = (name or "").strip() or Path(source_name).stem
    ranked = _rank(imported.attendees, profile_text(kb), goal, with_progress(embed or kb.embed, progress))
    if ingest:
        total, step = len(imported.attendees), 64  # one embedding pass per 64 attendees
        for start in range(0, total, step):
            batch = imported.attendees[start:start + step]
            if progress:
                progress(start, total, batch[0].name)
            store_notes(kb, settings, [_note(a, event_name, source_name) for a in batch])
        if progress:
            progress(total, total, "")
    items = [EventItem(0, r.attendee.key, r.attendee.name, rank, r.score, r.reason, asdict(r.attendee))
             for rank, r in enumerate(ranked, 1)]
    job = store.create_event(settings, name=event_name, csv_path=recorded, goal=(goal or "").strip() or None,
                             items=items, skipped=imported.skipped, merged=imported.merged,
                             out_dir=Path(out_dir) if out_dir else None, ingested=ingest)
    job.questions = list(imported.questions)
    write_all(job)  # ranking.csv and an index.html with the ranking, before any model call
    log.info("event %s imported: %d attendees, %d skipped", job.id, len(items), len(imported.skipped))
    return job


def latest_event_for(settings: Settings, csv_path: Path | str) -> EventJob | None:
    """The most recent job made from this file (what ``--resume`` continues)."""
    return store.latest_for_csv(settings, str(Path(csv_path).expanduser().absolute()))


def list_events(settings: Settings) -> list[EventJob]:
    """Every event job, newest first."""
    return store.list_jobs(settings)


@dataclass
class EventStatus:
    """Where one job stands: for the UI's table and ``--json`` output."""

    job: EventJob
    items: list[EventItem]
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def failed(self) -> list[EventItem]:
        return [i for i in self.items if i.state == "failed"]

    def to_dict(self) -> dict:
        return {**self.job.to_dict(), "items": [i.to_dict() for i in self.items]}


def event_status(settings: Settings, event_id: int, with_briefs: bool = False) -> EventStatus:
    job = store.get_event(settings, event_id)
    items = job.items(with_briefs=with_briefs)
    counts = {s: 0 for s in store.STATES}
    for i in items:
        counts[i.state] += 1
    return EventStatus(job, items, counts)


# ------------------------------------------------------------------ running --
@dataclass(frozen=True)
class EventProgress:
    """A snapshot for progress bars: the terminal and the UI show the same numbers."""

    done: int
    failed: int
    total: int
    running: tuple[str, ...] = ()
    last: str = ""            # the attendee who just finished (or started)
    elapsed_s: float = 0.0    # this run
    eta_s: float | None = None

    @property
    def finished(self) -> int:
        return self.done + self.failed


@dataclass
class EventRun:
    """What one call to :func:`run_event` did."""

    job: EventJob
    total: int
    done: int
    failed: list[EventItem] = field(default_factory=list)
    generated: int = 0        # briefs written by this run (resumed ones excluded)
    remaining: int = 0        # not started because the run was cancelled
    seconds: float = 0.0
    concurrency: int = 1

    @property
    def cancelled(self) -> bool:
        return self.remaining > 0

    @property
    def seconds_per_brief(self) -> float:
        return self.seconds / self.generated if self.generated else 0.0


def effective_concurrency(generator: Generator, requested: int) -> int:
    """Threads only help a server; in-process llama.cpp is serialised and loses its KV prefix."""
    if requested <= 1 or isinstance(generator, LlamaCppGenerator) or hasattr(generator, "lock"):
        return 1
    return requested


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, RapportError):
        return str(exc)
    return f"Unexpected error while preparing this brief ({type(exc).__name__}: {exc})."


class _Runner:
    """One run over one job: claims items, builds briefs, records them, writes files."""

    def __init__(self, job: EventJob, kb: KnowledgeBase, settings: Settings, generator: Generator,
                 todo: list[EventItem], total: int, already_done: int, already_failed: int,
                 progress: Callable[[EventProgress], None] | None, on_item: Callable[[EventItem], None] | None,
                 cancel: threading.Event | None) -> None:
        self.job, self.kb, self.settings, self.gen = job, kb, settings, generator
        self.todo, self.total = todo, total
        self.done, self.failed_before = already_done, already_failed
        self.failed: list[EventItem] = []
        self.generated = 0
        self.running: dict[str, str] = {}
        self.progress_cb, self.on_item, self.cancel = progress, on_item, cancel
        self.start = time.perf_counter()
        self.finished_here = 0
        self.lock = threading.Lock()       # counters and progress callbacks
        self.file_lock = threading.Lock()  # output files
        self.last_aggregate = 0.0
        self.n_items = len(job.items(with_briefs=False))

    # -- progress --
    def report(self, last: str) -> None:
        """Send a snapshot to the progress callback; call with ``self.lock`` held."""
        if not self.progress_cb:
            return
        elapsed = time.perf_counter() - self.start
        finished = self.done + self.failed_before + len(self.failed)
        left = max(0, self.total - finished)
        eta = (elapsed / self.finished_here) * left if self.finished_here else None
        self.progress_cb(EventProgress(self.done, self.failed_before + len(self.failed), self.total,
                                       tuple(self.running.values()), last, elapsed, eta))

    # -- one attendee --
    def prepare(self, item: EventItem) -> EventItem | None:
        """Build one brief and record the outcome; None when cancelled before starting."""
        if self.cancel is not None and self.cancel.is_set():
            return None
        if not store.mark_running(self.settings, self.job.id, item.contact_key):
            return None  # finished by an earlier run in the meantime
        with self.lock:
            self.running[item.contact_key] = item.name
            self.report(item.name)
        began = time.perf_counter()
        try:
            brief = self._build(item)
        except BaseException as exc:
            seconds = time.perf_counter() - began
            if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: leave it 'running' for resume
                raise
            log.warning("event %s: brief for %s failed: %s", self.job.id, item.name, exc,
                        exc_info=not isinstance(exc, RapportError))
            item.state, item.error, item.seconds = "failed", _error_text(exc), seconds
            store.mark_failed(self.settings, self.job.id, item.contact_key, item.error, seconds)
        else:
            item.seconds = time.perf_counter() - began
            item.state, item.brief, item.error = "done", brief, ""
            item.generated_at = str(brief.get("generated_at", ""))
            store.mark_done(self.settings, self.job.id, item.contact_key, brief, item.seconds)
            self._write_brief(item)
        with self.lock:
            self.running.pop(item.contact_key, None)
            self.finished_here += 1
            if item.state == "done":
                self.done += 1
                self.generated += 1
            else:
                self.failed.append(item)
            self.report(item.name)
        if self.on_item:
            self.on_item(item)
        return item

    def _build(self, item: EventItem) -> dict:
        from assistant.brief.builder import build_brief

        if not self.job.ingested:
            store_note(self.kb, self.settings, _note(Attendee.from_dict(item.attendee), self.job.name,
                                                     Path(self.job.csv_path).name))
        brief = build_brief(item.name, self.kb, self.settings, self.gen, goal=self.job.goal, size="event",
                            event_name=self.job.name)
        return brief.to_dict()

    def _write_brief(self, item: EventItem) -> None:
        """Files follow the store; a failure here is repaired by the next run's write_all."""
        try:
            with self.file_lock:
                write_brief_file(self.job, item, self.n_items)
                if time.perf_counter() - self.last_aggregate >= AGGREGATE_EVERY_S:
                    write_aggregates(self.job, self.job.items(with_briefs=True))
                    self.last_aggregate = time.perf_counter()
        except (OSError, RapportError) as exc:
            log.warning("event %s: could not write files for %s: %s", self.job.id, item.name, exc)

    # -- the batch --
    def run_sequential(self) -> None:
        for item in self.todo:
            if self.cancel is not None and self.cancel.is_set():
                break
            self.prepare(item)

    def run_threaded(self, workers: int) -> None:
        """At most ``workers`` briefs in flight; submission stops as soon as cancel is set."""
        pending = list(self.todo)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rapport-event") as pool:
            futures: set[Future] = set()
            while pending or futures:
                while pending and len(futures) < workers and not (self.cancel and self.cancel.is_set()):
                    futures.add(pool.submit(self.prepare, pending.pop(0)))
                if not futures:
                    break
                finished, futures = wait(futures, return_when=FIRST_COMPLETED)
                for f in finished:
                    f.result()  # only BaseException escapes prepare(); let it surface


_active: set[int] = set()
_active_lock = threading.Lock()


def run_event(job: EventJob, kb: KnowledgeBase, settings: Settings, generator: Generator, *,
              top: int | None = None, concurrency: int = 1,
              progress: Callable[[EventProgress], None] | None = None,
              cancel: threading.Event | None = None,
              on_item: Callable[[EventItem], None] | None = None,
              retry_failed: bool = False) -> EventRun:
    """Prepare event-size briefs in ranked order (the ``top`` N, or everyone).

    Resumable by construction: ``done`` items are never redone; ``queued`` and
    ``running`` ones (a run that was killed) are (re)started; ``failed`` ones
    only with ``retry_failed``. ``top`` is recorded on the job, so a resume
    that keeps the earlier scope passes ``job.top``. Each brief is committed
    to the job store and written to ``job.out_dir`` as it finishes. ``progress`` gets an
    :class:`EventProgress` as attendees start and finish (from worker threads
    when ``concurrency`` > 1; calls are serialised). Setting ``cancel`` stops
    new briefs from starting; those in flight finish.
    """
    if top is not None and top < 1:
        raise InputError("--top must be at least 1.")
    workers = effective_concurrency(generator, concurrency)
    if workers < concurrency:
        log.info("event %s: running sequentially (the in-process model serves one request at a time)", job.id)
    with _active_lock:  # two browser tabs in one process share a pid, so the pid lease alone is not enough
        if job.id in _active:
            raise InputError(f"“{job.name}” is already being prepared.", "Wait for that run to finish.")
        _active.add(job.id)
    try:
        return _run(job, kb, settings, generator, top, workers, progress, cancel, on_item, retry_failed)
    finally:
        with _active_lock:
            _active.discard(job.id)


def _run(job: EventJob, kb: KnowledgeBase, settings: Settings, generator: Generator, top: int | None, workers: int,
         progress: Callable[[EventProgress], None] | None, cancel: threading.Event | None,
         on_item: Callable[[EventItem], None] | None, retry_failed: bool) -> EventRun:
    store.claim_runner(settings, job.id)
    try:
        store.set_run_info(settings, job.id, model=str(getattr(generator, "name", "")), top=top)
        job = store.get_event(settings, job.id)
        write_all(job)  # repair files a killed run may not have written
        scope = store.load_items(settings, job.id, with_briefs=False, max_rank=top)
        redo = ("queued", "running", "failed") if retry_failed else ("queued", "running")
        todo = [i for i in scope if i.state in redo]
        done = sum(1 for i in scope if i.state == "done")
        failed_before = sum(1 for i in scope if i.state == "failed" and not retry_failed)
        runner = _Runner(job, kb, settings, generator, todo, len(scope), done, failed_before, progress, on_item, cancel)
        with runner.lock:
            runner.report("")
        try:
            if workers > 1:
                runner.run_threaded(workers)
            else:
                runner.run_sequential()
        finally:
            try:
                write_all(job)
            except RapportError as exc:  # never hide the run's own outcome behind a file problem
                log.warning("event %s: could not write the final files: %s", job.id, exc)
    finally:
        store.release_runner(settings, job.id)
    final = store.load_items(settings, job.id, with_briefs=False, max_rank=top)
    failed = [i for i in final if i.state == "failed"]
    return EventRun(job, len(final), sum(1 for i in final if i.state == "done"), failed, runner.generated,
                    sum(1 for i in final if i.state in ("queued", "running")),
                    time.perf_counter() - runner.start, workers)

