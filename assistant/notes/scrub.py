"""Make deleted text really gone from the embedded store's files.

Chroma's delete leaves a contact's words behind in four places: its write-ahead
log (``embeddings_queue`` keeps every add until the vector index flushes, which
for a small base may be never), the full-text index's old segments, SQLite's
free pages, and the unused tail of the vector index's ``length.bin`` and
``data_level0.bin``. The last is an upstream bug (chroma-core/chroma#7688): the
HNSW buffers are ``malloc``-ed at full capacity, never zeroed, and written
whole, so the slots past the live elements hold whatever this process had on
its heap, note text included. "Forget" must mean gone, so :func:`scrub_store`
blanks the logged adds' documents and metadata (their vectors and the later
delete stay, so a replay still ends with them deleted), merges the FTS index,
VACUUMs, and zeroes those tails. Server mode is the server's job.
"""

from __future__ import annotations

import logging
import sqlite3
import struct
from pathlib import Path
from typing import Sequence

from assistant.errors import StoreError

log = logging.getLogger("rapport.store")

_HEADER = struct.Struct("<i6Q")
"""hnswlib's persisted header: format version, then offsetLevel0, max_elements,
cur_element_count, size_data_per_element, label_offset, offsetData."""


def scrub_store(chroma_dir: Path, ids: Sequence[str]) -> None:
    """Wipe the text of the deleted ``ids`` from ``chroma.sqlite3`` and every index segment's slack."""
    path = chroma_dir / "chroma.sqlite3"
    if not path.exists():
        return
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            for start in range(0, len(ids), 500):
                part = list(ids[start:start + 500])
                marks = ",".join("?" * len(part))
                conn.execute(f"UPDATE embeddings_queue SET metadata = '{{}}' WHERE operation != 3 AND id IN ({marks})",
                             part)
            conn.execute("INSERT INTO embedding_fulltext_search(embedding_fulltext_search) VALUES('optimize')")
            conn.execute("COMMIT")
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreError(f"The notes were deleted, but their text could not be wiped from {path}: {exc}",
                         "Close other programs using the data dir and run `rapport forget` again.") from None
    for header in sorted(chroma_dir.glob("*/header.bin")):
        zero_index_slack(header.parent)


def zero_index_slack(segment: Path) -> int:
    """Zero the bytes past the live elements in one HNSW segment's files; return how many were not zero.

    Only a header this code understands (version 1, file sizes that match its
    capacity) is acted on; anything else is logged and left alone, because a
    wrong guess would damage the index. Zeroing unused slots cannot: hnswlib
    reads only the first ``cur_element_count`` of them and overwrites a slot
    before it uses it.
    """
    try:
        raw = (segment / "header.bin").read_bytes()
        version, _, capacity, count, per_element, _, _ = _HEADER.unpack_from(raw)
    except (OSError, struct.error):
        log.warning("vector index header unreadable in %s; its unused slots were not zeroed", segment.name)
        return 0
    layout = {"data_level0.bin": per_element, "length.bin": 4}
    sizes = {name: (segment / name).stat().st_size if (segment / name).exists() else -1 for name in layout}
    if version != 1 or count > capacity or any(sizes[n] != capacity * w for n, w in layout.items()):
        log.warning("vector index in %s has a layout this version does not know (%s); its unused slots were "
                    "not zeroed", segment.name, sizes)
        return 0
    dirty = 0
    for name, width in layout.items():
        with open(segment / name, "r+b") as f:
            f.seek(count * width)
            tail = f.read()
            not_zero = len(tail) - tail.count(0)
            if not_zero:
                f.seek(count * width)
                f.write(bytes(len(tail)))
                f.flush()
            dirty += not_zero
    return dirty
