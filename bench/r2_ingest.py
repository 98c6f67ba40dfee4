"""R2 ingestion: chunks/s through Rapport's store vs raw onnxruntime; fixed vs dynamic padding.

    python -m bench.r2_ingest [--chunks 128] [--reps 3]

1. Rapport: ``ingest_paths`` on a folder of .md files, what ``rapport ingest``
   runs (read, register, split, hash ids, embed across notes, write to Chroma on disk) on synthetic notes, against raw onnxruntime embedding the
   very same chunk texts with the same model files and the same padding as
   Rapport's embedding function. The ratio is what Rapport's plumbing
   (splitting, Chroma writes, HNSW insert) leaves of the embedder's speed.
2. Padding: Chroma's stock ONNX MiniLM pads every input to 256 tokens; short
   chunks (one or two sentences, the common case for pasted notes and logs)
   then spend most of their compute on padding. Dynamic padding pads only
   to the longest chunk in each batch of 32. The attention mask keeps padded
   positions out of every real token and out of the mean pooling, so the
   vectors are the same up to float rounding: the max abs difference is
   reported and must stay below 1e-5.
3. The fix's effect end to end: ``upsert_note`` with Rapport's embedder vs
   Chroma's stock one, on short notes.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from bench.common import Figure, bench_settings, emit, interleave, median, paired, print_facts

WORDS = ("heat pump grid interconnection product data analytics hiring meetup coffee climate battery "
         "storage utility startup roadmap customer interview dashboard pipeline forecast team lead "
         "volunteer mentor conference panel follow up introduction sister marathon Lisbon").split()


def synthetic_chunks(n: int, words: int, seed: int = 7) -> list[str]:
    """Deterministic note-like texts of about ``words`` words (distinct, so none are deduplicated)."""
    rng = random.Random(seed)
    return [f"Note {i}: " + " ".join(rng.choice(WORDS) for _ in range(words)) + "." for i in range(n)]


class RawMiniLM:
    """onnxruntime + tokenizers on Rapport's verified MiniLM files, nothing else: the ceiling."""

    def __init__(self, root: Path, dynamic: bool, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        so = ort.SessionOptions()
        so.log_severity_level = 3
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            so.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(root / "onnx" / "model.onnx"), sess_options=so,
                                            providers=["CPUExecutionProvider"])
        self.tok = Tokenizer.from_file(str(root / "onnx" / "tokenizer.json"))
        self.tok.enable_truncation(max_length=256)
        if dynamic:
            self.tok.enable_padding(pad_id=0, pad_token="[PAD]")
        else:
            self.tok.enable_padding(pad_id=0, pad_token="[PAD]", length=256)

    def __call__(self, texts: Sequence[str], batch: int = 32, by_length: bool = False) -> np.ndarray:
        """``by_length``: batch shortest first, as Rapport's embedder does, then restore the order."""
        order = sorted(range(len(texts)), key=lambda k: len(texts[k])) if by_length else list(range(len(texts)))
        texts = [texts[k] for k in order]
        out = []
        for i in range(0, len(texts), batch):
            enc = self.tok.encode_batch(list(texts[i:i + batch]))
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            m = mask[..., None].astype(np.float32)
            v = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
            out.append(v / np.clip(np.linalg.norm(v, axis=1, keepdims=True), 1e-12, None))
        vectors = np.concatenate(out).astype(np.float32)
        restored = np.empty_like(vectors)
        restored[order] = vectors
        return restored


def run(argv: Sequence[str] | None = None) -> list[Figure]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--chunks", type=int, default=128, help="Chunks per measurement.")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args(argv)
    from assistant.generation.models import embedding_dir, embedding_function, verify_embeddings
    from assistant.notes.ingest import ingest_paths
    from assistant.notes.store import KnowledgeBase, split_text
    from assistant.types import Note, Target

    figures: list[Figure] = []
    tmp = Path(tempfile.mkdtemp(prefix="rapport-bench-r2-"))
    settings = bench_settings(tmp)
    verify_embeddings(settings)
    root = embedding_dir(settings)
    rapport_fn = embedding_function(settings)
    rapport_dynamic = getattr(rapport_fn.tokenizer, "padding", {}).get("length") is None
    kb = KnowledgeBase(settings)
    # Notes of ~100 words: one chunk each after split_text (CHUNK_SIZE 700 chars), like a short meeting note.
    notes = synthetic_chunks(args.chunks * (args.reps + 1), 90)
    raw_same = RawMiniLM(root, dynamic=rapport_dynamic)
    counter = iter(range(10**9))

    # The real `rapport ingest <folder>` path: one .md file per note, read by the loaders,
    # registered, split, embedded and written by ingest_paths.
    folders = []
    for r in range(args.reps + 2):
        folder = tmp / f"notes-{r}"
        folder.mkdir()
        for j, text in enumerate(notes[(r % (args.reps + 1)) * args.chunks:((r % (args.reps + 1)) + 1) * args.chunks]):
            (folder / f"note-{j:04d}.md").write_text(text + "\n", encoding="utf-8")
        folders.append(folder)

    def rapport() -> float:
        k = next(counter)
        t = time.perf_counter()
        report = ingest_paths([folders[k % len(folders)]], Target.contact(f"Bench {k}"), kb, settings)
        assert not report.failed, report.failed[0].message
        return report.added / (time.perf_counter() - t)

    # The raw side embeds exactly the chunks Rapport stores (a ~100-word note can split in two).
    raw_chunks = [c for text in notes[:args.chunks] for c in split_text(text)]

    def raw() -> float:
        t = time.perf_counter()
        raw_same(raw_chunks, by_length=True)
        return len(raw_chunks) / (time.perf_counter() - t)

    raw_same(notes[:32]), rapport_fn(notes[:32])  # warm-up: sessions, allocator
    cps = interleave({"rapport": rapport, "raw": raw}, args.reps)
    emit(figures, Figure("R2", "ingest chunks/s, rapport ingest (folder) vs raw onnxruntime", median(cps["rapport"]),
                         median(cps["raw"]), "chunks/s", "raw ORT, same padding + length-sorted batches",
                         f"{args.chunks} ~90-word .md notes = {len(raw_chunks)} chunks, padding {'dynamic' if rapport_dynamic else 'fixed 256'}; aim >= 0.8",
                         extra=cps, paired_ratio=paired(cps["rapport"], cps["raw"])))

    # Batching across notes (ingest_paths) vs the earlier one-note-at-a-time path, same folders.
    def per_note() -> float:
        k = next(counter)
        folder = folders[k % len(folders)]
        t = time.perf_counter()
        added = sum(kb.upsert_note(Note(Target.contact(f"One {k}"), f.read_text(encoding="utf-8"), f.name, "bench")).added
                    for f in sorted(folder.iterdir()))
        return added / (time.perf_counter() - t)

    bn = interleave({"batched": rapport, "per_note": per_note}, args.reps)
    emit(figures, Figure("R2", "ingest chunks/s, batched across notes vs one note at a time", median(bn["batched"]),
                         median(bn["per_note"]), "chunks/s", "upsert_note per note (before)",
                         f"{args.chunks} short notes; the batching fix's effect", extra=bn,
                         paired_ratio=paired(bn["batched"], bn["per_note"])))

    # The padding fix's effect through Rapport's real path: the same upserts with Chroma's stock embedder.
    from chromadb.utils.embedding_functions import ONNXMiniLM_L6_V2

    class _Stock(ONNXMiniLM_L6_V2):
        DOWNLOAD_PATH = root

    stock_settings = bench_settings(tmp / "stock")
    kb_stock = KnowledgeBase(stock_settings, embedding_function=_Stock(preferred_providers=["CPUExecutionProvider"]))
    kb_dyn = KnowledgeBase(bench_settings(tmp / "dynamic"))
    mixed = synthetic_chunks(args.chunks, 40, seed=13)

    def upserts(store: KnowledgeBase, tag: str):
        def f() -> float:
            k = next(counter)
            t = time.perf_counter()
            for j, text in enumerate(mixed):
                store.upsert_note(Note(Target.contact(f"{tag} {k}"), text, f"{tag}-{k}-{j}.md", "bench"))
            return len(mixed) / (time.perf_counter() - t)
        return f

    ba = interleave({"dynamic": upserts(kb_dyn, "dyn"), "stock": upserts(kb_stock, "stock")}, args.reps)
    emit(figures, Figure("R2", "Rapport ingest chunks/s, dynamic vs stock padding", median(ba["dynamic"]),
                         median(ba["stock"]), "chunks/s", "Chroma's stock embedder",
                         f"{len(mixed)} ~50-token notes through upsert_note; the fix's effect", extra=ba,
                         paired_ratio=paired(ba["dynamic"], ba["stock"])))

    short = synthetic_chunks(args.chunks, 15, seed=11)
    fixed, dynamic = RawMiniLM(root, dynamic=False), RawMiniLM(root, dynamic=True)
    diff = float(np.abs(fixed(short) - dynamic(short)).max())
    diff_long = float(np.abs(fixed(notes[:64]) - dynamic(notes[:64])).max())

    def speed(fn):
        def f() -> float:
            t = time.perf_counter()
            fn(short)
            return len(short) / (time.perf_counter() - t)
        return f

    pad = interleave({"dynamic": speed(dynamic), "fixed": speed(fixed)}, args.reps)
    emit(figures, Figure("R2", "short-chunk embed/s, dynamic vs fixed-256 padding", median(pad["dynamic"]),
                         median(pad["fixed"]), "chunks/s", "Chroma's fixed 256",
                         f"~20-token chunks; max abs diff {diff:.1e} (short), {diff_long:.1e} (100-word)",
                         extra={**pad, "max_abs_diff_short": diff, "max_abs_diff_long": diff_long},
                         paired_ratio=paired(pad["dynamic"], pad["fixed"])))
    stock_ok = np.abs(np.array(rapport_fn(short[:32])) - fixed(short[:32])).max()
    emit(figures, Figure("R2", "Rapport's embedder vs stock fixed-256, max abs diff", float(stock_ok), 1e-5, "",
                         "tolerance", "ratio < 1 = same vectors", higher_is_better=False))
    return figures


if __name__ == "__main__":
    print_facts()
    run()
