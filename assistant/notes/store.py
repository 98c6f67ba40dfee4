"""The knowledge base: one Chroma collection of chunks, filtered by owner.

Ids are a hash of (owner, source, chunk text), written with upsert, so a
re-import adds nothing and a changed file replaces exactly its old chunks.
The same code talks to an embedded ``PersistentClient`` or to a ``chroma run``
server (``RAPPORT_CHROMA_URL``).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Iterable, Sequence
from urllib.parse import urlparse

from assistant.config import Settings
from assistant.errors import StoreError
from assistant.types import Chunk, Note, Target, name_key

CHUNK_SIZE = 700
CHUNK_OVERLAP = 100
_BATCH = 256  # chunks per Chroma write; embedding batches are the embedder's 32


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
            self.collection = _client(settings).get_or_create_collection(
                settings.collection, embedding_function=self.embed_fn,
                metadata={"hnsw:space": "cosine"},
            )
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"Cannot open the notes collection: {exc}", "Is the Chroma server running?") from None
        self._write_lock = threading.Lock()

    # ------------------------------------------------------------ writing --
    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed with the same function the store uses (for checks and ranking)."""
        return [list(map(float, v)) for v in self.embed_fn(list(texts))] if texts else []

    def upsert_note(self, note: Note) -> UpsertResult:
        """Store a note's chunks; drop chunks a previous version of it had."""
        return self.upsert_notes([note])[0]

    def upsert_notes(self, notes: Sequence[Note]) -> list[UpsertResult]:
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
                results.extend(self._upsert_round(group))
        return results

    def _upsert_round(self, notes: Sequence[Note]) -> list[UpsertResult]:
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
                        "source": note.source, "source_key": skey, "title": note.title or "",
                        "date": note.date or "", "position": position[i],
                    })
                results.append(UpsertResult(added=len(new_ids), removed=len(gone),
                                            unchanged=len(chunks) - len(new_ids)))
            for start in range(0, len(stale), 500):
                self.collection.delete(ids=stale[start:start + 500])
            if docs:
                vectors = self.embed_fn(docs)  # one pass: batches of 32 across notes
                for start in range(0, len(ids), _BATCH):
                    end = start + _BATCH
                    self.collection.upsert(ids=ids[start:end], documents=docs[start:end],
                                           metadatas=metas[start:end], embeddings=list(vectors[start:end]))
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
        """Make deleted text really gone from the embedded store's files.

        Chroma's delete leaves the text behind in three places: its write-ahead
        log (``embeddings_queue`` keeps every add until the vector index flushes,
        which for a small base may be never), the full-text index's old segments,
        and SQLite's free pages. "Forget" must mean gone, so: blank the document
        and metadata of the logged adds of these ids (their vectors and the later
        delete stay, so a replay still ends with them deleted), merge the FTS
        index, and VACUUM. Server mode is the server's job.
        """
        if self.settings.chroma_url:
            return
        import sqlite3

        path = self.settings.chroma_dir / "chroma.sqlite3"
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

    def delete_owner(self, target: Target) -> int:
        return self.delete_where({"$and": [{"kind": target.kind}, {"owner_key": target.key}]})

    def delete_note(self, skey: str) -> int:
        return self.delete_where({"source_key": skey})

    # ------------------------------------------------------------ reading --
    def count(self) -> int:
        return self.collection.count()

    @staticmethod
    def _owner_filter(owners: Iterable[Target]) -> dict | None:
        clauses = [{"$and": [{"kind": t.kind}, {"owner_key": t.key}]} for t in owners]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$or": clauses}

    def search(self, query: str, owners: Sequence[Target], k: int = 8) -> list[Chunk]:
        """Top ``k`` chunks among the given owners, best first, with scores."""
        where = self._owner_filter(owners)
        if where is None or not query.strip():
            return []
        res = self.collection.query(query_texts=[query], n_results=k, where=where,
                                    include=["documents", "metadatas", "distances"])
        return [_chunk_from(i, d, m, dist) for i, d, m, dist in
                zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])]

    def all_documents(self) -> list[tuple[str, str]]:
        """Every chunk's (id, text): what forget compares a person's words against."""
        everything = self.collection.get(include=["documents"])
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
        10,000 contacts; one metadata read answers for everyone.
        """
        res = self.collection.get(where={"kind": kind}, include=["metadatas"])
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
        res = self.collection.get(where={"kind": kind}, include=["metadatas"])
        out: dict[str, tuple[str, int]] = {}
        for meta in res["metadatas"]:
            name, n = out.get(meta["owner_key"], (meta["owner"], 0))
            out[meta["owner_key"]] = (name, n + 1)
        return out


def contact_target(name: str) -> Target:
    return Target.contact(name)


__all__ = ["KnowledgeBase", "NoteInfo", "UpsertResult", "chunk_id", "contact_target", "name_key", "source_key", "split_text"]
