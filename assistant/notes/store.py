"""The knowledge base: one Chroma collection of chunks, filtered by owner.

Ids are a hash of (owner, source, chunk text), written with upsert, so a
re-import adds nothing and a changed file replaces exactly its old chunks.
The same code talks to an embedded ``PersistentClient`` or to a ``chroma run``
server (``RAPPORT_CHROMA_URL``).

Scale (bench S2): every chunk carries one combined ``owner_id`` ("contact:dana
whitfield"), so an owner filter is one indexed ``$eq``/``$in`` instead of
``kind`` (which matches every chunk) AND ``owner_key``; search reads the few
chunks of the owners in scope and ranks them exactly in numpy (Chroma's
filtered HNSW query cost 100 ms at 100k chunks); the contact list counts
owners with one SQL read of the store's metadata index. Stores written before
data schema 3 get ``owner_id`` backfilled once on open (resumable).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from typing import Iterable, Sequence
from urllib.parse import urlparse

from assistant.config import Settings
from assistant.errors import StoreError
from assistant.notes.scrub import scrub_store
from assistant.types import Chunk, Note, Progress, Target, name_key

log = logging.getLogger("rapport.store")

CHUNK_SIZE = 700
CHUNK_OVERLAP = 100
_BATCH = 256  # chunks per Chroma write; embedding batches are the embedder's 32
EXACT_SEARCH_MAX = 1024
"""Owners in scope with up to this many chunks are searched exactly in numpy (a few ms);
more fall back to Chroma's filtered HNSW query."""
OWNER_ID_FLAG = "rapport_owner_id"
"""Collection metadata key set once every chunk carries ``owner_id`` (new stores start with it)."""


def owner_id(kind: str, key: str) -> str:
    """The one metadata value an owner filter compares: ``<kind>:<name key>``."""
    return f"{kind}:{key}"


def _with_owner_id(metas):
    """``owner_id`` derived from ``kind`` + ``owner_key`` on every write, never trusted as given
    (code that re-keys chunks copies old metadata and would otherwise keep a stale one)."""
    return None if metas is None else [
        {**m, "owner_id": owner_id(str(m["kind"]), str(m["owner_key"]))}
        if isinstance(m, dict) and "kind" in m and "owner_key" in m else m for m in metas]


class _Collection:
    """The Chroma collection, with ``owner_id`` kept in step with ``kind``/``owner_key`` on every write."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def __getattr__(self, attr: str):
        return getattr(self._inner, attr)

    def add(self, *args, metadatas=None, **kw):
        return self._inner.add(*args, metadatas=_with_owner_id(metadatas), **kw)

    def upsert(self, *args, metadatas=None, **kw):
        return self._inner.upsert(*args, metadatas=_with_owner_id(metadatas), **kw)

    def update(self, *args, metadatas=None, **kw):
        return self._inner.update(*args, metadatas=_with_owner_id(metadatas), **kw)


def source_key(target: Target, source: str) -> str:
    return f"{target.kind}:{target.key}:{source}"


def chunk_id(skey: str, text: str) -> str:
    return "n" + hashlib.sha256(f"{skey}\n{text}".encode()).hexdigest()[:12]


def split_text(text: str) -> list[str]:
    """LangChain's recursive splitter: paragraphs first, then sentences."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
    )
    return [c.strip() for c in splitter.split_text(text) if c.strip()]


@dataclass
class UpsertResult:
    added: int = 0
    removed: int = 0
    unchanged: int = 0

    def __iadd__(self, other: "UpsertResult") -> "UpsertResult":
        self.added += other.added
        self.removed += other.removed
        self.unchanged += other.unchanged
        return self


@dataclass(frozen=True)
class NoteInfo:
    """One imported note as the People page lists it."""

    source_key: str
    source: str
    title: str
    date: str
    chunks: int
    excerpt: str


def _chunk_from(id_: str, doc: str, meta: dict, distance: float | None = None) -> Chunk:
    return Chunk(
        id=id_, text=doc or "", kind=meta.get("kind", ""), owner=meta.get("owner", ""),
        source=meta.get("source", ""), title=meta.get("title", ""), date=meta.get("date", ""),
        score=round(1.0 - distance, 4) if distance is not None else 0.0,
    )


_clients: dict[tuple, object] = {}
_clients_lock = threading.Lock()


def _client(settings: Settings):
    """One Chroma client per location per process (they hold file locks/pools)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    key = (settings.chroma_url or str(settings.chroma_dir),)
    with _clients_lock:
        if key not in _clients:
            try:
                if settings.chroma_url:
                    url = urlparse(settings.chroma_url)
                    _clients[key] = chromadb.HttpClient(
                        host=url.hostname or "127.0.0.1", port=url.port or 8000,
                        ssl=url.scheme == "https", settings=chroma_settings,
                    )
                else:
                    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
                    _clients[key] = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
            except Exception as exc:
                where = settings.chroma_url or settings.chroma_dir
                raise StoreError(f"Cannot open the knowledge base at {where}: {exc}",
                                 "Check RAPPORT_CHROMA_URL / the data dir and try again.") from None
        return _clients[key]


def drop_client(settings: Settings) -> None:
    """Forget this process's client of the embedded store (``rapport rebuild`` moved its files away).

    The next :class:`KnowledgeBase` then opens the files now at ``settings.chroma_dir``.
    """
    with _clients_lock:
        _clients.pop((settings.chroma_url or str(settings.chroma_dir),), None)
    if settings.chroma_url:
        return
    try:  # Chroma keeps one "system" per folder per process, behind the client
        from chromadb.api.shared_system_client import SharedSystemClient

        system = SharedSystemClient._identifier_to_system.pop(str(settings.chroma_dir), None)
        if system is not None:
            system.stop()
    except Exception:
        pass


class KnowledgeBase:
    """Chunks of every note, with the owner (contact, field or me) in metadata."""

    def __init__(self, settings: Settings, embedding_function=None) -> None:
        from assistant.notes.datadir import open_for_writing
        from assistant.generation.models import embedding_function as default_ef

        # Before anything touches the files: one writing process per data dir (server mode is
        # shared by design, so it takes no local lock), and a schema this code understands.
        open_for_writing(settings.home, lock=not settings.chroma_url)
        self.settings = settings
        self.embed_fn = embedding_function or default_ef(settings)
        try:
            self.collection = _Collection(_client(settings).get_or_create_collection(
                settings.collection, embedding_function=self.embed_fn,
                metadata={"hnsw:space": "cosine", OWNER_ID_FLAG: 1},
            ))
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"Cannot open the notes collection: {exc}", "Is the Chroma server running?") from None
        self._write_lock = threading.Lock()
        if not (self.collection.metadata or {}).get(OWNER_ID_FLAG):
            self.backfill_owner_ids()

    def backfill_owner_ids(self, progress: Progress | None = None) -> int:
        """Data schema 2 -> 3 for the notes (``datadir.backfill_owner_ids``); returns chunks updated."""
        from assistant.notes.datadir import backfill_owner_ids

        with self._write_lock:
            return backfill_owner_ids(self.collection._inner, OWNER_ID_FLAG, progress)

    # ------------------------------------------------------------ writing --
    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed with the same function the store uses (for checks and ranking)."""
        return [list(map(float, v)) for v in self.embed_fn(list(texts))] if texts else []

    def upsert_note(self, note: Note, progress: Progress | None = None) -> UpsertResult:
        """Store a note's chunks; drop chunks a previous version of it had."""
        return self.upsert_notes([note], progress)[0]

    def upsert_notes(self, notes: Sequence[Note], progress: Progress | None = None) -> list[UpsertResult]:
        """Store many notes with one lookup, one embedding pass and few writes.

        Why batch: a folder of short notes stored one by one embeds one chunk
        at a time and pays Chroma's per-call cost per note (bench R2: 0.65x
        raw onnxruntime). Batching across notes lets the embedder fill its
        batches of 32. Semantics stay those of one ``upsert_note`` per note in
        order: a source seen twice in ``notes`` is stored in a second round so
        the later version replaces the earlier one.
        """
        results: list[UpsertResult] = []
        rounds: list[list[Note]] = [[]]
        seen_keys: set[str] = set()
        for note in notes:
            skey = source_key(note.target, note.source)
            if skey in seen_keys:
                rounds.append([])
                seen_keys = set()
            seen_keys.add(skey)
            rounds[-1].append(note)
        for group in rounds:
            if group:
                results.extend(self._upsert_round(group, progress))
        return results

    def _upsert_round(self, notes: Sequence[Note], progress: Progress | None = None) -> list[UpsertResult]:
        """Notes with distinct source keys: diff against what is stored, write the difference."""
        planned = []  # (note, skey, {id: text}) in input order
        for note in notes:
            skey = source_key(note.target, note.source)
            chunks: dict[str, str] = {}
            for p in split_text(note.text):
                chunks.setdefault(chunk_id(skey, p), p)  # same text twice in one note would collide
            planned.append((note, skey, chunks))
        with self._write_lock:
            stored: dict[str, set[str]] = {skey: set() for _, skey, _ in planned}
            keys = list(stored)
            for start in range(0, len(keys), 100):
                got = self.collection.get(where={"source_key": {"$in": keys[start:start + 100]}},
                                          include=["metadatas"])
                for id_, meta in zip(got["ids"], got["metadatas"] or []):
                    stored.setdefault((meta or {}).get("source_key", ""), set()).add(id_)
            results, stale, ids, docs, metas = [], [], [], [], []
            for note, skey, chunks in planned:
                old = stored.get(skey, set())
                new_ids = [i for i in chunks if i not in old]
                gone = sorted(old - set(chunks))
                stale.extend(gone)
                position = {id_: k for k, id_ in enumerate(chunks)}
                for i in new_ids:
                    ids.append(i)
                    docs.append(chunks[i])
                    metas.append({
                        "kind": note.target.kind, "owner": note.target.name, "owner_key": note.target.key,
                        "owner_id": owner_id(note.target.kind, note.target.key), "source": note.source, "source_key": skey, "title": note.title or "",
                        "date": note.date or "", "position": position[i],
                    })
                results.append(UpsertResult(added=len(new_ids), removed=len(gone),
                                            unchanged=len(chunks) - len(new_ids)))
            for start in range(0, len(stale), 500):
                self.collection.delete(ids=stale[start:start + 500])
            # Embedded and written batch by batch: a huge note (a 1-million-line file) commits as it
            # goes, so a crash keeps the finished batches and a rerun embeds only the missing ids.
            for start in range(0, len(ids), _BATCH):
                end = start + _BATCH
                vectors = self.embed_fn(docs[start:end])
                self.collection.upsert(ids=ids[start:end], documents=docs[start:end],
                                       metadatas=metas[start:end], embeddings=list(vectors))
                if progress:
                    progress(min(end, len(ids)), len(ids), "chunks")
        return results

    def delete_where(self, where: dict) -> int:
        with self._write_lock:
            ids = self.collection.get(where=where, include=[])["ids"]
            for start in range(0, len(ids), 500):
                self.collection.delete(ids=ids[start:start + 500])
            if ids:
                self._scrub(ids)
        return len(ids)

    def _scrub(self, ids: Sequence[str]) -> None:
        """Make deleted text really gone from the embedded store's files (see :mod:`.scrub`)."""
        if not self.settings.chroma_url:
            scrub_store(self.settings.chroma_dir, ids)

    def delete_owner(self, target: Target) -> int:
        return self.delete_where({"owner_id": owner_id(target.kind, target.key)})

    def delete_note(self, skey: str) -> int:
        return self.delete_where({"source_key": skey})

    # ------------------------------------------------------------ reading --
    def count(self) -> int:
        return self.collection.count()

    @staticmethod
    def _owner_filter(owners: Iterable[Target]) -> dict | None:
        """One indexed clause on the combined ``owner_id`` (bench S2: ``kind`` AND ``owner_key`` scanned every chunk)."""
        values = list(dict.fromkeys(owner_id(t.kind, t.key) for t in owners))
        if not values:
            return None
        return {"owner_id": values[0]} if len(values) == 1 else {"owner_id": {"$in": values}}

    def search(self, query: str, owners: Sequence[Target], k: int = 8) -> list[Chunk]:
        """Top ``k`` chunks among the given owners, best first, with scores (cosine similarity)."""
        where = self._owner_filter(owners)
        if where is None or not query.strip() or k <= 0:
            return []
        ids = self.collection.get(where=where, include=[])["ids"]  # an indexed lookup: cheap at any size
        if not ids:
            return []
        if len(ids) <= EXACT_SEARCH_MAX:
            return self._exact_search(query, ids, k)
        res = self.collection.query(query_texts=[query], n_results=k, where=where,
                                    include=["documents", "metadatas", "distances"])
        return [_chunk_from(i, d, m, dist) for i, d, m, dist in
                zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])]

    def _exact_search(self, query: str, ids: Sequence[str], k: int) -> list[Chunk]:
        """Cosine similarity against each of a few chunks' stored vectors: exact, and a few ms."""
        import numpy as np

        got = self.collection.get(ids=list(ids), include=["embeddings", "documents", "metadatas"])
        if not got["ids"]:
            return []
        vectors = np.asarray(got["embeddings"], dtype=np.float32)
        q = np.asarray(self.embed_fn([query])[0], dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1) * (np.linalg.norm(q) or 1.0)
        sims = (vectors @ q) / np.where(norms == 0, 1.0, norms)
        order = sorted(range(len(got["ids"])), key=lambda j: (-float(sims[j]), got["ids"][j]))[:k]
        return [_chunk_from(got["ids"][j], got["documents"][j], got["metadatas"][j] or {}, 1.0 - float(sims[j]))
                for j in order]

    def _get_paged(self, where: dict | None, include: list[str], page: int = 5000) -> dict[str, list]:
        """``collection.get`` in pages: one call for 100,000 chunks fails in Chroma ("too many SQL variables")."""
        out: dict[str, list] = {"ids": [], **{k: [] for k in include}}
        offset = 0
        while True:
            got = self.collection.get(where=where, include=include, limit=page, offset=offset)
            for k in out:
                out[k].extend(got[k] or [])
            offset += page
            if len(got["ids"]) < page:
                return out

    def all_documents(self) -> list[tuple[str, str]]:
        """Every chunk's (id, text): what forget compares a person's words against."""
        everything = self._get_paged(None, ["documents"])
        return [(i, d or "") for i, d in zip(everything["ids"], everything["documents"])]

    def chunks_of(self, target: Target) -> list[Chunk]:
        """Every chunk of one owner, in note order (source, then position)."""
        res = self.collection.get(where=self._owner_filter([target]), include=["documents", "metadatas"])
        rows = sorted(zip(res["ids"], res["documents"], res["metadatas"]),
                      key=lambda r: (r[2].get("date", ""), r[2].get("source_key", ""), r[2].get("position", 0)))
        return [_chunk_from(i, d, m) for i, d, m in rows]

    def get(self, ids: Sequence[str]) -> list[Chunk]:
        if not ids:
            return []
        res = self.collection.get(ids=list(dict.fromkeys(ids)), include=["documents", "metadatas"])
        by_id = {i: _chunk_from(i, d, m) for i, d, m in zip(res["ids"], res["documents"], res["metadatas"])}
        return [by_id[i] for i in ids if i in by_id]

    def notes_of(self, target: Target) -> list[NoteInfo]:
        groups: dict[str, list[dict]] = {}
        res = self.collection.get(where=self._owner_filter([target]), include=["documents", "metadatas"])
        for doc, meta in zip(res["documents"], res["metadatas"]):
            groups.setdefault(meta["source_key"], []).append({**meta, "doc": doc})
        infos = []
        for skey, items in groups.items():
            items.sort(key=lambda m: m.get("position", 0))
            first = items[0]
            infos.append(NoteInfo(skey, first.get("source", ""), first.get("title", ""), first.get("date", ""),
                                  len(items), " ".join(first["doc"].split())[:200]))
        return sorted(infos, key=lambda n: (n.date, n.title))

    def owner_summary(self, kind: str) -> dict[str, tuple[str, int, int]]:
        """owner_key -> (display name, chunk count, note count) for one kind, in one read.

        Why: listing contacts by asking for each one's notes in turn took ~80 s at
        10,000 contacts; one metadata read answers for everyone (through Chroma's API
        still ~65 us a chunk: ``contacts.list_contacts`` counts with SQL where it can).
        """
        res = self._get_paged({"kind": kind}, ["metadatas"])
        names: dict[str, str] = {}
        chunks: dict[str, int] = {}
        notes: dict[str, set[str]] = {}
        for meta in res["metadatas"]:
            key = meta["owner_key"]
            names.setdefault(key, meta["owner"])
            chunks[key] = chunks.get(key, 0) + 1
            notes.setdefault(key, set()).add(meta.get("source_key", ""))
        return {key: (names[key], chunks[key], len(notes[key])) for key in names}

    def owners(self, kind: str) -> dict[str, tuple[str, int]]:
        """owner_key -> (display name, chunk count) for one kind."""
        return {key: (name, chunks) for key, (name, chunks, _) in self.owner_summary(kind).items()}

    def owner_counts(self, target: Target) -> tuple[str, int, int]:
        """(stored display name or "", chunks, notes) of one owner: one indexed read of their metadata only."""
        metas = [m or {} for m in self.collection.get(where=self._owner_filter([target]), include=["metadatas"])["metadatas"] or []]
        return (metas[0].get("owner", "") if metas else ""), len(metas), len({m.get("source_key", "") for m in metas})


def contact_target(name: str) -> Target:
    return Target.contact(name)


__all__ = ["KnowledgeBase", "NoteInfo", "UpsertResult", "chunk_id", "contact_target", "name_key", "owner_id",
           "source_key", "split_text"]
