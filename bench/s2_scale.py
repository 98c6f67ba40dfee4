"""S2 scale: 10,000 contacts / 100,000 chunks, a 50,000-row attendee list, a huge note import.

    python -m bench.s2_scale [--contacts 10000] [--chunks 100000] [--rows 50000] [--lines 200000] [--reps 5]

Every figure is a ratio against a baseline measured in the same run, interleaved:

* ``contacts`` (list everyone with counts): Rapport now (one SQL read of the store's metadata
  index) vs the previous code (a metadata read through Chroma's API, paged: one read of 100k
  chunks fails in Chroma with "too many SQL variables"); ``brief``/``search`` start
  (resolve an exact name): Rapport now (registry row + that person's chunks) vs the previous code
  (list everyone, then match); both also against the 1 s aim.
* R1 at 100k chunks: Chroma's filtered query with the old owner filter (``kind`` AND
  ``owner_key``) vs the combined ``owner_id`` key, and Rapport's search now (the owners' few
  chunks ranked exactly in numpy) vs the old filtered query; p95 against the 50 ms aim.
* ``event --rank-only`` over a 50,000-row list: the whole command path (read, embed, rank, with
  progress) vs embedding the same rows with the same embedder (the floor).
* a huge single-file note import: seconds until the first chunks are committed vs the whole
  import (before the fix nothing was committed until the end), and chunks/s through
  ``ingest_paths`` vs raw Chroma adds of the same chunks and vectors.

The store uses **random vectors** (a hash of the text: search time does not depend on what
vectors mean) and synthetic contacts; the rank-only figure uses the real MiniLM embedder;
the import uses the hash embedder (it measures Rapport's pipeline, not ONNX: see R2 for that).
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from bench.common import Figure, bench_settings, emit, interleave, paired, percentile, print_facts

AIM_S, AIM_MS = 1.0, 50.0


class HashVectors:
    """Deterministic random unit vectors from a text's hash (Chroma's embedding-function shape)."""

    def __call__(self, input: Sequence[str]) -> list[np.ndarray]:
        out = []
        for text in input:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
            out.append(v / np.linalg.norm(v))
        return out

    @staticmethod
    def name() -> str:
        return "rapport-bench-hash"

    def is_legacy(self) -> bool:
        return False


def _name(i: int) -> str:
    return f"Person {i:05d} Example"


def build_store(home: Path, contacts: int, chunks: int):
    """A data dir with ``contacts`` registry rows and ``chunks`` chunks spread over them (Rapport's metadata)."""
    from assistant.notes import db
    from assistant.notes.store import KnowledgeBase
    from assistant.types import Target

    settings = bench_settings(home)
    kb = KnowledgeBase(settings, embedding_function=HashVectors())
    rng = np.random.default_rng(1)
    step = 5000
    for start in range(0, chunks, step):
        m = min(step, chunks - start)
        vec = rng.standard_normal((m, 384)).astype(np.float32)
        vec /= np.linalg.norm(vec, axis=1, keepdims=True)
        metas = []
        for i in range(start, start + m):
            t = Target.contact(_name(i % contacts))
            skey = f"contact:{t.key}:contacts.vcf#{i % contacts}:{i // contacts // 3}"
            metas.append({"kind": "contact", "owner": t.name, "owner_key": t.key, "source": "contacts.vcf",
                          "source_key": skey, "title": "", "date": "", "position": i // contacts % 3})
        kb.collection.add(ids=[f"n{i:012x}" for i in range(start, start + m)], embeddings=vec, metadatas=metas,
                          documents=[f"{_name(i % contacts)} works on heat pumps; chunk {i}." for i in range(start, start + m)])
    with db.connect(settings) as conn:
        conn.executemany("INSERT OR IGNORE INTO contacts(key, name, fields, cadence_days, created_at) "
                         "VALUES (?,?,'[]',NULL,'')", [(Target.contact(_name(i)).key, _name(i)) for i in range(contacts)])
    return settings, kb


def _old_list(kb, settings):
    """The previous ``list_contacts``: a metadata read of every contact chunk through Chroma's API.

    Paged here (``owner_summary`` now pages): the previous single ``get`` fails outright at
    100,000 chunks ("too many SQL variables"), so there is no unpaged time to compare against.
    """
    from assistant.notes import db

    owners = kb.owner_summary("contact")
    registry = {c.key: c for c in db.list_contacts(settings)}
    db.last_interactions(settings)
    return sorted(set(owners) | set(registry))


def _old_resolve(kb, settings, name: str):
    from assistant.types import name_key

    key = name_key(name)
    return next(k for k in _old_list(kb, settings) if k == key)


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench_contacts(figures: list[Figure], kb, settings, contacts: int, chunks: int, reps: int) -> None:
    from assistant.notes.contacts import list_contacts, resolve_contact

    names = [_name((r * 7919) % contacts) for r in range(reps)]
    it = iter(range(10**9))
    res = interleave({"new": lambda: _timed(lambda: list_contacts(kb, settings)),
                      "old": lambda: _timed(lambda: _old_list(kb, settings))}, reps)
    size = f"{contacts:,} contacts, {chunks:,} chunks"
    emit(figures, Figure("S2", "contacts list, SQL count vs Chroma metadata read", percentile(res["new"], 50),
                         percentile(res["old"], 50), "s", "Chroma API metadata read, paged (the old single read fails at 100k)",
                         f"{size}; median of {reps}", higher_is_better=False, paired_ratio=paired(res["new"], res["old"])))
    emit(figures, Figure("S2", "contacts list vs the 1 s aim", max(res["new"]), AIM_S, "s", "1 s aim",
                         f"{size}; slowest of {reps}", higher_is_better=False))
    res = interleave({"new": lambda: _timed(lambda: resolve_contact(kb, settings, names[next(it) % reps])),
                      "old": lambda: _timed(lambda: _old_resolve(kb, settings, names[next(it) % reps]))}, reps)
    emit(figures, Figure("S2", "brief/search start (resolve a name), now vs before", percentile(res["new"], 50),
                         percentile(res["old"], 50), "s", "previous code (list everyone, then match)",
                         f"{size}; median of {reps}", higher_is_better=False, paired_ratio=paired(res["new"], res["old"])))
    emit(figures, Figure("S2", "brief/search start vs the 1 s aim", max(res["new"]), AIM_S, "s", "1 s aim",
                         f"{size}; slowest of {reps}", higher_is_better=False))


def bench_search(figures: list[Figure], kb, contacts: int, chunks: int, queries: int) -> None:
    from assistant.types import Target

    rng = np.random.default_rng(5)
    coll = kb.collection
    lat: dict[str, list[float]] = {"old": [], "key": [], "now": []}
    for q in range(queries):
        t = Target.contact(_name((q * 37) % contacts))
        v = rng.standard_normal(384).astype(np.float32)
        v = (v / np.linalg.norm(v)).tolist()
        shapes = {"old": lambda: coll.query(query_embeddings=[v], n_results=8, include=["documents", "metadatas", "distances"],
                                            where={"$and": [{"kind": "contact"}, {"owner_key": t.key}]}),
                  "key": lambda: coll.query(query_embeddings=[v], n_results=8, include=["documents", "metadatas", "distances"],
                                            where={"owner_id": f"contact:{t.key}"}),
                  "now": lambda: kb.search(f"what does {t.name} work on? {q}", [t], k=8)}
        for name in (list(shapes) if q % 2 == 0 else list(shapes)[::-1]):
            lat[name].append(1000 * _timed(shapes[name]))
    size = f"{chunks:,} chunks, {contacts:,} owners, {queries} queries, k=8"
    emit(figures, Figure("S2", f"R1 p95 at {chunks} chunks, owner_id key vs kind+owner_key", percentile(lat["key"], 95),
                         percentile(lat["old"], 95), "ms", "old filter (kind AND owner_key)",
                         f"{size}; both Chroma's filtered HNSW query", higher_is_better=False))
    emit(figures, Figure("S2", f"R1 p95 at {chunks} chunks, Rapport search now vs old filter", percentile(lat["now"], 95),
                         percentile(lat["old"], 95), "ms", "old filter (kind AND owner_key)",
                         f"{size}; owner_id lookup + exact numpy ranking (hash query vector)", higher_is_better=False))
    emit(figures, Figure("S2", f"R1 p95 at {chunks} chunks, Rapport search now vs 50 ms aim", percentile(lat["now"], 95),
                         AIM_MS, "ms", "50 ms aim", f"p50 {percentile(lat['now'], 50):.1f} ms", higher_is_better=False))


def bench_rank_only(figures: list[Figure], home: Path, rows: int) -> None:
    from assistant.event.run import rank_only
    from assistant.generation.models import embedding_function

    csv = home / "attendees.csv"
    with csv.open("w", encoding="utf-8") as fh:
        fh.write("name,title,company,bio\n")
        for i in range(rows):
            fh.write(f"Attendee {i:05d},Head of {('Product', 'Sales', 'Data', 'Ops')[i % 4]},Company {i % 997},"
                     f"Works on {('heat pumps', 'grid batteries', 'payments', 'logistics')[i % 4]} and hiring.\n")
    fn = embedding_function(bench_settings(home / "ef"))
    embed = lambda texts: [list(map(float, v)) for v in fn(list(texts))]  # noqa: E731  (KnowledgeBase.embed's shape)
    calls: list[int] = []
    t = time.perf_counter()
    imported, ranked = rank_only(csv, "I build onboarding for climate hardware installers.", "meet heat pump people",
                                 embed, progress=lambda d, n, w: calls.append(d))
    value = time.perf_counter() - t
    texts = [a.as_note_text() for a in imported.attendees]
    base = _timed(lambda: fn(texts))
    emit(figures, Figure("S2", f"event --rank-only, {rows} rows", value, base, "s",
                         "embedding the same rows (same embedder, no ranking)",
                         f"{len(ranked):,} ranked, {len(calls)} progress calls, nothing stored; MiniLM",
                         higher_is_better=False))


def bench_import(figures: list[Figure], home: Path, lines: int) -> None:
    from assistant.notes.ingest import ingest_paths
    from assistant.notes.store import KnowledgeBase, split_text
    from assistant.types import Target

    big = home / "big-notes.txt"
    big.write_text("\n".join(f"Line {i}: met supplier {i % 5000} about lead times and heat-pump parts."
                             for i in range(lines)), encoding="utf-8")
    settings = bench_settings(home / "import")
    kb = KnowledgeBase(settings, embedding_function=HashVectors())
    first: list[float] = []
    t0 = time.perf_counter()
    report = ingest_paths([big], Target.contact("Big Notes"), kb, settings,
                          progress=lambda d, n, w: first.append(time.perf_counter() - t0) if "chunks stored" in w else None)
    total = time.perf_counter() - t0
    added = report.added
    emit(figures, Figure("S2", f"huge import ({lines} lines): first commit vs whole import", first[0] if first else None,
                         total, "s", "whole import (before: the first commit came at the end)",
                         f"{added:,} chunks, {len(first)} progress calls, {big.stat().st_size / 1e6:.0f} MB", higher_is_better=False))
    chunks = split_text(big.read_text(encoding="utf-8"))
    raw = KnowledgeBase(bench_settings(home / "raw"), embedding_function=HashVectors()).collection._inner
    t = time.perf_counter()
    vec = HashVectors()(chunks)
    for s in range(0, len(chunks), 256):
        raw.add(ids=[f"r{i}" for i in range(s, min(s + 256, len(chunks)))], documents=chunks[s:s + 256],
                embeddings=vec[s:s + 256], metadatas=[{"kind": "contact"}] * len(chunks[s:s + 256]))
    base = time.perf_counter() - t
    emit(figures, Figure("S2", "huge import chunks/s, ingest_paths vs raw Chroma adds", added / total, len(chunks) / base,
                         "chunks/s", "raw collection.add, same chunks and vectors", "hash vectors: Rapport's pipeline only"))


def run(argv: Sequence[str] | None = None) -> list[Figure]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--contacts", type=int, default=10000)
    ap.add_argument("--chunks", type=int, default=100000)
    ap.add_argument("--rows", type=int, default=50000, help="attendee rows for --rank-only (0: skip)")
    ap.add_argument("--lines", type=int, default=200000, help="lines of the huge note (0: skip)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--queries", type=int, default=40)
    args = ap.parse_args(argv)
    figures: list[Figure] = []
    tmp = Path(tempfile.mkdtemp(prefix="rapport-bench-s2-"))
    t = time.perf_counter()
    settings, kb = build_store(tmp / "home", args.contacts, args.chunks)
    print(f"S2  built {args.chunks:,} chunks over {args.contacts:,} contacts in {time.perf_counter() - t:.0f} s", flush=True)
    bench_contacts(figures, kb, settings, args.contacts, args.chunks, args.reps)
    bench_search(figures, kb, args.contacts, args.chunks, args.queries)
    if args.lines:
        bench_import(figures, tmp, args.lines)
    if args.rows:
        bench_rank_only(figures, tmp, args.rows)
    return figures


if __name__ == "__main__":
    print_facts()
    run()
