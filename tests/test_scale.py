"""Scale (issue 15, items 13-14): what makes 10,000 contacts and a huge import usable, as behaviour.

Speed itself is measured in ``bench/s2_scale.py`` (docs/BENCHMARKS.md, "Scale"); these tests pin
down the mechanisms the speed rests on: one combined ``owner_id`` per chunk (and its resumable
backfill for older stores), one SQL read to count every contact, an exact name resolved without
listing everyone, exact search over the owners in scope, and imports committed batch by batch.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from assistant.notes import contacts, datadir, db
from assistant.notes.contacts import list_contacts, owner_summary, resolve_contact, search_contact
from assistant.notes.ingest import ingest_paths, ingest_text
from assistant.notes.store import OWNER_ID_FLAG, KnowledgeBase, owner_id
from assistant.types import Target

PEOPLE = ["Dana Whitfield", "Bob Keeper", "Ana Costa", "Ana Lima"]


def _fill(kb, settings) -> None:
    for i, name in enumerate(PEOPLE):
        for j in range(i + 1):
            ingest_text(f"{name} note {j}: works on heat pumps and grid batteries, item {i}-{j}.",
                        Target.contact(name), kb, settings, title=f"n{j}")
    ingest_text("Climate tech is about heat pumps.", Target.field("Climate tech"), kb, settings)
    ingest_text("I write about onboarding.", Target.me(), kb, settings)


def _metas(kb) -> dict[str, dict]:
    got = kb.collection.get(include=["metadatas"])
    return dict(zip(got["ids"], got["metadatas"]))


def test_every_chunk_carries_one_owner_id_kept_in_step_on_rewrites(kb, settings) -> None:
    _fill(kb, settings)
    for meta in _metas(kb).values():
        assert meta["owner_id"] == owner_id(meta["kind"], meta["owner_key"])
    # Code that re-keys chunks copies the old metadata (a rename): the owner_id follows the new key.
    got = kb.collection.get(where={"owner_id": "contact:bob keeper"}, include=["metadatas", "documents", "embeddings"])
    kb.collection.upsert(ids=got["ids"], documents=got["documents"], embeddings=list(got["embeddings"]),
                         metadatas=[{**m, "owner": "Robert Keeper", "owner_key": "robert keeper"} for m in got["metadatas"]])
    assert {m["owner_id"] for m in kb.collection.get(ids=got["ids"], include=["metadatas"])["metadatas"]} \
        == {"contact:robert keeper"}
    assert kb.chunks_of(Target.contact("Robert Keeper")) and not kb.chunks_of(Target.contact("Bob Keeper"))


def test_sql_counts_match_the_chroma_read_for_everyone(kb, settings) -> None:
    _fill(kb, settings)
    db.upsert_contact(settings, "Cleo Nadir")  # registry only, no notes
    for kind in ("contact", "field", "me"):
        assert owner_summary(kb, settings, kind) == kb.owner_summary(kind), kind
    assert owner_summary(kb, settings)["ana lima"] == ("Ana Lima", 4, 4)
    listed = {c.name: (c.notes, c.chunks) for c in list_contacts(kb, settings)}
    assert listed == {"Dana Whitfield": (1, 1), "Bob Keeper": (2, 2), "Ana Costa": (3, 3), "Ana Lima": (4, 4),
                      "Cleo Nadir": (0, 0)}
    kb.delete_owner(Target.contact("Ana Costa"))
    assert "ana costa" not in owner_summary(kb, settings) and owner_summary(kb, settings) == kb.owner_summary("contact")


def test_reads_of_everything_are_paged(kb, settings) -> None:
    """One Chroma ``get`` of 100,000 chunks fails ("too many SQL variables"): whole-store reads page."""
    _fill(kb, settings)
    paged = kb._get_paged(None, ["documents"], page=3)
    assert sorted(paged["ids"]) == sorted(kb.collection.get(include=[])["ids"]) and len(paged["documents"]) == 12
    assert {i for i, _ in kb.all_documents()} == set(paged["ids"])


def test_sql_counts_fall_back_to_chroma_when_the_file_is_not_as_expected(kb, settings, monkeypatch) -> None:
    _fill(kb, settings)
    monkeypatch.setattr(contacts, "chroma_owner_counts", lambda *a: None)
    assert owner_summary(kb, settings)["bob keeper"] == ("Bob Keeper", 2, 2)
    assert contacts.chroma_owner_counts.__name__ == "<lambda>"
    monkeypatch.undo()
    assert contacts.chroma_owner_counts(settings.home / "missing.sqlite3", "x", "contact:") is None


def test_an_exact_name_is_resolved_without_listing_everyone(kb, settings, monkeypatch) -> None:
    _fill(kb, settings)
    db.upsert_contact(settings, "Cleo Nadir")

    def everyone(*_a, **_k):
        raise AssertionError("listed every contact to resolve one exact name")

    monkeypatch.setattr(contacts, "list_contacts", everyone)
    monkeypatch.setattr(kb, "owner_summary", everyone)
    found = resolve_contact(kb, settings, "  ana   LIMA ")
    assert (found.name, found.key, found.notes, found.chunks) == ("Ana Lima", "ana lima", 4, 4)
    assert resolve_contact(kb, settings, "cleo nadir").chunks == 0  # registry row, no notes yet
    assert "grid batteries" in search_contact(kb, settings, "Bob Keeper", "batteries", k=1)[0].text
    monkeypatch.undo()
    assert resolve_contact(kb, settings, "whitfield").name == "Dana Whitfield"  # partial: lists everyone
    with pytest.raises(Exception, match="No contact named"):
        resolve_contact(kb, settings, "ana")  # Ana Costa or Ana Lima


def test_exact_search_ranks_like_chroma_over_the_owners_in_scope(kb, settings) -> None:
    _fill(kb, settings)
    scope = [Target.contact("Ana Lima"), Target.field("Climate tech")]
    hits = kb.search("heat pumps and grid batteries", scope, k=3)
    where = {"owner_id": {"$in": ["contact:ana lima", "field:climate tech"]}}
    ref = kb.collection.query(query_texts=["heat pumps and grid batteries"], n_results=3, where=where,
                              include=["distances"])
    assert [h.id for h in hits] == ref["ids"][0]
    assert [h.score for h in hits] == pytest.approx([1 - d for d in ref["distances"][0]], abs=1e-3)
    assert {h.owner for h in kb.search("heat pumps", scope, k=10)} == {"Ana Lima", "Climate tech"}
    assert kb.search("heat pumps", [Target.contact("Nobody Here")]) == []


def _strip_owner_ids(kb) -> int:
    """Make the store look like one written before data schema 3: no owner_id, no flag."""
    raw = kb.collection._inner
    got = raw.get(include=["metadatas", "documents", "embeddings"])
    raw.delete(ids=got["ids"])
    raw.add(ids=got["ids"], documents=got["documents"], embeddings=list(got["embeddings"]),
            metadatas=[{k: v for k, v in m.items() if k != "owner_id"} for m in got["metadatas"]])
    raw.modify(metadata={"old": 1})
    return len(got["ids"])


def test_an_older_store_is_backfilled_resumably_without_losing_anything(kb, settings, monkeypatch) -> None:
    _fill(kb, settings)
    before = {i: (m, d) for i, m, d in zip(*(lambda g: (g["ids"], g["metadatas"], g["documents"]))(
        kb.collection.get(include=["metadatas", "documents"])))}
    n = _strip_owner_ids(kb)
    assert not any("owner_id" in m for m in _metas(kb).values())
    monkeypatch.setattr(datadir, "_BACKFILL_PAGE", 3)
    raw_type = type(kb.collection._inner)
    real_update, calls = raw_type.update, []

    def crash_after_two_pages(self, *args, **kwargs):
        calls.append(1)
        if len(calls) > 2:
            raise RuntimeError("killed mid-migration")
        return real_update(self, *args, **kwargs)

    monkeypatch.setattr(raw_type, "update", crash_after_two_pages)
    with pytest.raises(RuntimeError):
        KnowledgeBase(settings)
    monkeypatch.setattr(raw_type, "update", real_update)
    half = _metas(kb)
    assert sum("owner_id" in m for m in half.values()) == 6 and len(half) == n  # two pages done, nothing lost
    reopened = KnowledgeBase(settings)  # the next open finishes the job
    assert (reopened.collection.metadata or {}).get(OWNER_ID_FLAG) == 1
    after = reopened.collection.get(include=["metadatas", "documents"])
    assert len(after["ids"]) == n
    for i, m, d in zip(after["ids"], after["metadatas"], after["documents"]):
        assert d == before[i][1] and m == before[i][0]  # same text, same metadata (owner_id included)
    assert reopened.search("grid batteries", [Target.contact("Dana Whitfield")], k=1)[0].owner == "Dana Whitfield"
    assert reopened.backfill_owner_ids() == 0  # idempotent


def test_data_schema_2_is_migrated_to_3(tmp_path: Path) -> None:
    (tmp_path / "VERSION").write_text("2\n")
    assert datadir.check_schema(tmp_path) == datadir.SCHEMA_VERSION == 3
    assert (tmp_path / "VERSION").read_text().strip() == "3"


def _fake_vectors(texts):
    return [np.frombuffer(hashlib.sha256(t.encode()).digest() * 12, dtype=np.uint8)[:384].astype(np.float32) / 255
            for t in texts]


def test_an_interrupted_huge_import_keeps_its_finished_batches_and_a_rerun_completes(
        kb, settings, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("\n\n".join(f"Line {i}: Dana mentioned supplier {i:05d} and its lead times in some detail, "
                               + "with a few more words to fill the chunk. " * 12 for i in range(900)),
                   encoding="utf-8")
    calls: list[int] = []

    def dying_embedder(texts):
        calls.append(len(texts))
        if len(calls) > 2:
            raise RuntimeError("power cut")
        return _fake_vectors(texts)

    kb.embed_fn = dying_embedder
    seen: list[tuple[int, int, str]] = []
    report = ingest_paths([big], Target.contact("Dana Whitfield"), kb, settings,
                          progress=lambda d, t, w: seen.append((d, t, w)))
    assert report.failed and "could not be stored" in report.failed[0].message
    assert kb.count() == 512  # the two batches that finished are stored
    assert (256, seen[-2][1], "big.txt: 256 of " + f"{seen[-2][1]:,} chunks stored") in seen

    embedded: list[int] = []
    kb.embed_fn = lambda texts: embedded.append(len(texts)) or _fake_vectors(texts)
    seen.clear()
    report = ingest_paths([big], Target.contact("Dana Whitfield"), kb, settings,
                          progress=lambda d, t, w: seen.append((d, t, w)))
    assert not report.failed and report.imported[0].added == kb.count() - 512
    assert sum(embedded) == kb.count() - 512  # only the missing chunks were embedded
    assert seen[-1] == (1, 1, "")
    assert ingest_paths([big], Target.contact("Dana Whitfield"), kb, settings).imported[0].message \
        == "already imported, unchanged"
