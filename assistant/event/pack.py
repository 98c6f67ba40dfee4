"""The files an event run leaves behind, always rebuilt from the job store.

The store is the truth; files are a view of it. That is why a crash between
"brief recorded" and "file written" loses nothing (the next run rewrites the
files), and why the UI's zip download is the same code writing into a temp
folder. Aggregates are written to a temp file and renamed, so a reader (or a
SIGKILL) never sees half a ``briefs.json``.

Layout of ``out_dir``::

    01-dana-whitfield.md   one brief per attendee, NN = rank
    briefs.json            the brief dicts, ranked order
    ranking.csv            everyone, ranked, spreadsheet-safe
    index.html             printable pack: ranking table, then one brief per page
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Sequence

from assistant.event.spreadsheet import write_ranking_csv
from assistant.errors import InputError
from assistant.files import atomic_write_text
from assistant.event.jobs import EventItem, EventJob
from assistant.types import slug


def rank_width(total: int) -> int:
    """Zero-padding for NN so files sort by rank in any file browser (2 digits, 3 for 100+)."""
    return max(2, len(str(max(total, 1))))


def brief_filename(item: EventItem, total: int) -> str:
    return f"{item.rank:0{rank_width(total)}d}-{slug(item.name)}.md"


# The renderers belong to assistant.export; these wrappers are the one place that adapts to them.
def render_markdown(brief: dict) -> str:
    from assistant.brief.export import brief_to_markdown

    return brief_to_markdown(brief)


def render_pack(briefs: Sequence[dict], title: str, ranking: Sequence[dict]) -> str:
    from assistant.brief.export import briefs_pack_html

    return briefs_pack_html(list(briefs), title, ranking=list(ranking))


def pack_title(job: EventJob) -> str:
    return f"{job.name}: who to meet" + (f" (goal: {job.goal})" if job.goal else "")


def write_brief_file(job: EventJob, item: EventItem, total: int, out_dir: Path | None = None) -> Path:
    if item.brief is None:
        raise ValueError("only finished briefs have a file")
    path = (out_dir or job.out_dir) / brief_filename(item, total)
    atomic_write_text(path, render_markdown(item.brief))
    return path


def write_ranking(job: EventJob, items: Sequence[EventItem], out_dir: Path | None = None) -> Path:
    """Everyone, ranked; cells such as ``=HYPERLINK(..)`` are escaped by write_ranking_csv."""
    path = (out_dir or job.out_dir) / "ranking.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_ranking_csv([i.ranking_row() for i in items], path)
    return path


def in_scope(job: EventJob, items: Sequence[EventItem]) -> list[EventItem]:
    """The attendees this job prepares: the top N of the last run, or everyone."""
    return [i for i in items if job.top is None or i.rank <= job.top or i.state == "done"]


def write_aggregates(job: EventJob, items: Sequence[EventItem], out_dir: Path | None = None) -> None:
    """briefs.json and index.html from the finished briefs, in ranked order."""
    where = out_dir or job.out_dir
    done = [i.brief for i in items if i.state == "done" and i.brief is not None]
    atomic_write_text(where / "briefs.json", json.dumps(done, ensure_ascii=False, indent=1) + "\n")
    ranking = [i.ranking_row() for i in in_scope(job, items)]
    atomic_write_text(where / "index.html", render_pack(done, pack_title(job), ranking))


def write_all(job: EventJob, out_dir: Path | None = None) -> Path:
    """Every output file for the job as the store has it now (idempotent)."""
    where = Path(out_dir or job.out_dir)
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"Cannot create the output folder {where}: {exc.strerror or exc}",
                         "Choose a folder you can write to with --out.") from None
    items = job.items(with_briefs=True)
    write_ranking(job, items, where)
    for item in items:
        if item.state == "done" and item.brief is not None:
            write_brief_file(job, item, len(items), where)
    write_aggregates(job, items, where)
    return where


def export_zip(job: EventJob) -> bytes:
    """All briefs (.md), briefs.json, ranking.csv and index.html as one zip, for the UI's download."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="rapport-event-") as tmp:
        folder = write_all(job, Path(tmp))
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    zf.write(path, arcname=f"{slug(job.name)}/{path.name}")
    return buffer.getvalue()
