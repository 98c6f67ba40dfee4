"""Saved KV states of a prompt prefix (system prompt + quoted notes), per person, on disk.

Why: prefilling ~1,800 tokens of notes costs ~20 s on 2 cores with the default
model, and it is the same work every time a contact is opened. llama.cpp can
save one sequence's KV cache to a file and load it back (``llama_state_seq_*``),
which is far cheaper than recomputing it. A state encodes the notes, so it is
private data: it lives under ``states/<kind>/<slug>/`` (a path derived from the
name's hash, like every per-person path), and forget / note edits remove it.

A file is used only when its key matches: the model file's sha256, the
llama.cpp build, and a hash of the exact prefix tokens. Anything else, or a
truncated or corrupt file, is ignored, logged and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import struct
import time
from pathlib import Path
from typing import Callable, Sequence

from assistant.config import Settings
from assistant.files import atomic_write_bytes
from assistant.types import Target, slug

log = logging.getLogger("rapport.warm")

MAGIC = b"RAPPORT-KV1\n"
# Two continuations that every prompt sharing a prefix could have: the tokens both start
# with are the prefix as the tokenizer really splits it (a BPE merge may straddle the end
# of the prefix text, so tokenizing the prefix alone would not match the real prompt).
_PROBES = ("\n\nTASK: A", "\n\nThe B")


def states_root(settings: Settings) -> Path:
    """``<data dir>/states``: every saved prefix state lives below it."""
    return settings.home / "states"


def owner_dir(settings: Settings, target: Target) -> Path:
    """``states/<kind>/<slug>``: one folder per person (or field, or the user), from the name's hash."""
    return states_root(settings) / target.kind / slug(target.name)


def drop_states(settings: Settings, target: Target) -> int:
    """Remove every saved state of ``target`` (their notes changed or they were forgotten); returns files removed."""
    folder = owner_dir(settings, target)
    if folder.is_symlink():
        folder.unlink()
        return 0
    if not folder.is_dir():
        return 0
    count = sum(1 for p in folder.rglob("*") if p.is_file())
    shutil.rmtree(folder, ignore_errors=True)
    return count


def supports_states(generator: object) -> bool:
    """Only llama.cpp in this process has a KV cache we can save; a server or a script has none."""
    return all(hasattr(generator, a) for a in ("prompt_tokens", "prefill", "state_bytes", "load_state_bytes"))


def runtime_version() -> str:
    """The llama.cpp build: a state from another build may not load, or may load wrong."""
    try:
        import llama_cpp

        return f"llama-cpp-python {llama_cpp.__version__}"
    except ImportError:  # pragma: no cover
        return "none"


def _digest(tokens: Sequence[int]) -> str:
    return hashlib.sha256(struct.pack(f"<{len(tokens)}i", *tokens)).hexdigest()


class PrefixStates:
    """Save and restore the KV cache of one prompt prefix per person, keyed so a stale one is never used.

    ``ensure`` is the one entry point: it leaves the generator's cache holding the prefix and
    says how (``held``: already in memory; ``loaded``: from disk; ``built``: computed now and
    saved; ``stopped``: a user's request came first; ``off``: this generator has no cache).
    The caller holds the generator's lock (or passes ``background=True`` to take it only if free).
    """

    def __init__(self, settings: Settings, generator: object) -> None:
        self.settings, self.gen = settings, generator

    def prefix_tokens(self, user_prefix: str) -> list[int]:
        from assistant.generation.structured import messages_for

        a, b = (self.gen.prompt_tokens(messages_for(user_prefix + p)) for p in _PROBES)  # type: ignore[attr-defined]
        n = 0
        for x, y in zip(a, b):
            if x != y:
                break
            n += 1
        return a[:n]

    def key(self, tokens: Sequence[int]) -> dict:
        from assistant.generation.models import model_sha256

        return {"model_sha256": model_sha256(Path(self.gen.model_path)),  # type: ignore[attr-defined]
                "runtime": runtime_version(), "tokens_sha256": _digest(tokens), "n_tokens": len(tokens)}

    def path(self, target: Target, key: dict) -> Path:
        return owner_dir(self.settings, target) / f"{key['model_sha256'][:16]}-{key['tokens_sha256'][:24]}.kv"

    def ensure(self, target: Target, user_prefix: str, *, should_stop: Callable[[], bool] | None = None) -> str:
        if not supports_states(self.gen):
            return "off"
        tokens = self.prefix_tokens(user_prefix)
        llm = self.gen.llm  # type: ignore[attr-defined]
        if len(tokens) < 16:
            return "off"
        if llm.n_tokens >= len(tokens) and list(llm.input_ids[: len(tokens)]) == tokens:
            return "held"
        key = self.key(tokens)
        path = self.path(target, key)
        if self._load(path, key, tokens):
            return "loaded"
        if not self.gen.prefill(tokens, should_stop):  # type: ignore[attr-defined]
            return "stopped"
        self._save(path, key, tokens)
        return "built"

    def _load(self, path: Path, key: dict, tokens: Sequence[int]) -> bool:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return False
        except OSError as exc:
            log.warning("saved model state %s could not be read (%s); rebuilding it", path.name, exc)
            return False
        problem = ""
        try:
            if not raw.startswith(MAGIC):
                raise ValueError("not a Rapport state file")
            (size,) = struct.unpack_from("<I", raw, len(MAGIC))
            start = len(MAGIC) + 4
            header = json.loads(raw[start:start + size])
            payload = raw[start + size:]
            if any(header.get(k) != v for k, v in key.items()):
                raise ValueError("made for another model, llama.cpp build or notes")
            if len(payload) != header.get("payload_bytes") or hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
                raise ValueError("truncated or corrupt")
            if not self.gen.load_state_bytes(payload, tokens):  # type: ignore[attr-defined]
                raise ValueError("llama.cpp refused it")
        except (ValueError, struct.error, UnicodeDecodeError) as exc:
            problem = str(exc)
        if problem:
            log.warning("saved model state %s ignored (%s); rebuilding it", path.name, problem)
            path.unlink(missing_ok=True)
            return False
        os.utime(path)  # most recently used: the size cap removes the oldest first
        return True

    def _save(self, path: Path, key: dict, tokens: Sequence[int]) -> None:
        cap = self.settings.state_cache_mb * 1024 * 1024
        if cap <= 0:
            return
        payload = self.gen.state_bytes()  # type: ignore[attr-defined]
        header = json.dumps({**key, "payload_bytes": len(payload), "payload_sha256": hashlib.sha256(payload).hexdigest(),
                             "saved_at": time.time()}).encode()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, MAGIC + struct.pack("<I", len(header)) + header + payload)
        except OSError as exc:
            log.warning("could not save the model state (%s); the next brief computes it again", exc)
            return
        prune(self.settings, cap)


def ensure_prefix(settings: Settings, generator: object, target: Target, user_prefix: str, *,
                  background: bool = False) -> str:
    """Leave ``generator``'s KV cache holding ``user_prefix`` (from memory, disk, or computed and saved).

    In the foreground it waits for the model like any request. With ``background`` it runs
    only if the model is free right now, and stops between steps as soon as a request queues:
    a user's request always wins. Returns :meth:`PrefixStates.ensure`'s word, or ``busy``.
    """
    if not supports_states(generator):
        return "off"
    lock = generator.lock  # type: ignore[attr-defined]
    if background:
        if not lock.acquire(blocking=False):
            return "busy"
        try:
            return PrefixStates(settings, generator).ensure(
                target, user_prefix, should_stop=lambda: generator.waiting > 0)  # type: ignore[attr-defined]
        finally:
            lock.release()
    with generator._turn():  # type: ignore[attr-defined]
        return PrefixStates(settings, generator).ensure(target, user_prefix)


def prune(settings: Settings, cap_bytes: int) -> int:
    """Least recently used states out until the folder fits ``cap_bytes``; returns files removed."""
    files = [(p.stat().st_mtime, p.stat().st_size, p) for p in states_root(settings).rglob("*.kv") if p.is_file()]
    total = sum(size for _, size, _ in files)
    removed = 0
    for _, size, p in sorted(files, key=lambda f: f[0]):
        if total <= cap_bytes:
            break
        p.unlink(missing_ok=True)
        total -= size
        removed += 1
    return removed


__all__ = ["MAGIC", "PrefixStates", "drop_states", "ensure_prefix", "owner_dir", "prune", "runtime_version", "states_root",
           "supports_states"]
