"""Shared fixtures: every test gets its own data dir; models are real and shared.

Tests never touch the user's data: ``RAPPORT_HOME`` points at a temp folder.
Model files are read-only inputs fetched once by ``make models`` into
``RAPPORT_MODELS_DIR`` (default ``~/.rapport/models``), so they are shared.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

MODELS_DIR = Path(os.environ.get("RAPPORT_MODELS_DIR") or Path.home() / ".rapport" / "models").expanduser()
os.environ["RAPPORT_MODELS_DIR"] = str(MODELS_DIR)
os.environ.pop("RAPPORT_CHROMA_URL", None)
os.environ.pop("RAPPORT_LLM_URL", None)

from assistant.config import Settings  # noqa: E402


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "rapport-home"
    monkeypatch.setenv("RAPPORT_HOME", str(home))
    monkeypatch.setenv("RAPPORT_MODELS_DIR", str(MODELS_DIR))
    return home


@pytest.fixture
def settings(data_home: Path) -> Settings:
    return Settings.from_env(home=data_home).ensure_dirs()


@pytest.fixture
def kb(settings: Settings):
    from assistant.notes.store import KnowledgeBase

    return KnowledgeBase(settings)


def _generator(name: str):
    from assistant.generation.llm import LlamaCppGenerator
    from assistant.generation.models import resolve_model

    s = Settings.from_env(home=Path("/nonexistent-unused"))
    resolved = resolve_model(name, s)
    return LlamaCppGenerator(str(resolved.path), name=resolved.label, n_ctx=4096, n_threads=s.n_threads, seed=42,
                             size=resolved.size)


@pytest.fixture(scope="session")
def tiny_llm():
    """SmolLM2-135M: fast, incoherent; tests the plumbing, not the quality."""
    return _generator("tiny")


@pytest.fixture(scope="session")
def default_llm():
    """Qwen2.5-Coder-1.5B: the model users get; slow on 2 cores, used sparingly."""
    return _generator("default")
