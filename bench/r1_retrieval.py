"""R1 retrieval: Chroma query latency p50/p95 at 1k, 10k (and optionally 100k) chunks.

    python -m bench.r1_retrieval [--sizes 1000,10000] [--queries 50]

Synthetic chunks with random unit vectors (search time does not depend on
what the vectors mean) in a PersistentClient in a temp dir, with Rapport's
collection settings (cosine HNSW) and Rapport's query shape: ``n_results=8``
and an owner filter (``kind`` + ``owner_key``) over 50 owners. Embedding the
query (ONNX MiniLM) is timed separately, since every real search pays it once.
Baseline is the 50 ms p95 target, so ratio <= 1 meets it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from bench.common import Figure, bench_settings, emit, percentile, print_facts

TARGET_MS = 50.0
OWNERS = 50


def _build(path: Path, n: int, dim: int = 384, seed: int = 3):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    coll = client.get_or_create_collection("bench", embedding_function=None, metadata={"hnsw:space": "cosine"})
    rng = np.random.default_rng(seed)
    step = 2000
    for start in range(0, n, step):
        m = min(step, n - start)
        v = rng.standard_normal((m, dim)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        ids = [f"c{start + i}" for i in range(m)]
        metas = [{"kind": "contact", "owner_key": f"o{(start + i) % OWNERS}", "owner": f"Owner {(start + i) % OWNERS}",
                  "source_key": f"s{(start + i) // 5}", "position": (start + i) % 5} for i in range(m)]
        docs = [f"Synthetic note chunk {start + i} about heat pumps and the grid." for i in range(m)]
        coll.add(ids=ids, embeddings=v.tolist(), metadatas=metas, documents=docs)
    return coll


def run(argv: Sequence[str] | None = None) -> list[Figure]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,10000", help="Comma-separated chunk counts (100000 takes minutes to build).")
    ap.add_argument("--queries", type=int, default=50)
    args = ap.parse_args(argv)
    figures: list[Figure] = []
    rng = np.random.default_rng(5)
    tmp = Path(tempfile.mkdtemp(prefix="rapport-bench-r1-"))
    for n in (int(s) for s in args.sizes.split(",") if s.strip()):
        t = time.perf_counter()
        coll = _build(tmp / f"c{n}", n)
        build_s = time.perf_counter() - t
        lat_f, lat_u = [], []
        for q in range(args.queries):
            v = rng.standard_normal(384).astype(np.float32)
            v = (v / np.linalg.norm(v)).tolist()
            where = {"$and": [{"kind": "contact"}, {"owner_key": f"o{q % OWNERS}"}]}
            t = time.perf_counter()
            coll.query(query_embeddings=[v], n_results=8, where=where, include=["documents", "metadatas", "distances"])
            lat_f.append(1000 * (time.perf_counter() - t))
            t = time.perf_counter()
            coll.query(query_embeddings=[v], n_results=8, include=["documents", "metadatas", "distances"])
            lat_u.append(1000 * (time.perf_counter() - t))
        note = f"{args.queries} queries, owner filter, k=8; build {build_s:.0f}s ({n / build_s:.0f} chunks/s)"
        emit(figures, Figure("R1", f"search p50 at {n} chunks (owner filter)", percentile(lat_f, 50), TARGET_MS, "ms",
                             "50 ms target", note, higher_is_better=False))
        emit(figures, Figure("R1", f"search p95 at {n} chunks (owner filter)", percentile(lat_f, 95), TARGET_MS, "ms",
                             "50 ms target", "aim <= 1 at 10k", higher_is_better=False))
        emit(figures, Figure("R1", f"search p95 at {n} chunks (no filter)", percentile(lat_u, 95), TARGET_MS, "ms",
                             "50 ms target", "", higher_is_better=False))
    from assistant.generation.models import embedding_function

    fn = embedding_function(bench_settings(tmp / "home"))
    fn(["warm up"])
    emb = []
    for q in range(min(args.queries, 30)):
        t = time.perf_counter()
        fn([f"What did Dana say about heat pumps, question {q}?"])
        emb.append(1000 * (time.perf_counter() - t))
    emit(figures, Figure("R1", "query embedding p50 (ONNX MiniLM, 1 query)", percentile(emb, 50), TARGET_MS, "ms",
                         "50 ms target", f"p95 {percentile(emb, 95):.1f} ms", higher_is_better=False))
    return figures


if __name__ == "__main__":
    print_facts()
    run()
