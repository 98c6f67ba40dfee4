"""One settings object for the whole app, read from ``RAPPORT_*`` and flags.

Everything that differs between a user's laptop, a test and a team server
lives here, so no module reads the environment on its own.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

# Privacy: every library we load must stay quiet. Set before chromadb,
# huggingface, onnxruntime or streamlit are imported anywhere in the process
# (child processes such as `rapport ui`'s Streamlit inherit them).
_QUIET_ENV = {
    "ANONYMIZED_TELEMETRY": "False",
    "CHROMA_TELEMETRY": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "LANGSMITH_TRACING": "false",
    "TOKENIZERS_PARALLELISM": "false",
    # onnxruntime (Chroma's MiniLM embedder) links Microsoft's OneDS telemetry client into its
    # native library, on Linux too: it writes events (a device id, OS, versions) to
    # ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ and, ~5 s after the first session,
    # resolves and posts to mobile.events.data.microsoft.com from a native thread that Python's
    # socket module never sees. Only this variable stops it, and only if it is set when
    # onnxruntime is imported; "0" does not, nor does onnxruntime.disable_telemetry_events().
    # (CI markers such as CI=true also stop it, which is why a CI run does not show the leak.)
    "ORT_DISABLE_TELEMETRY": "1",
}
# Off even if the user's shell says otherwise: these two are the ones that phone home.
_FORCED = ("ANONYMIZED_TELEMETRY", "ORT_DISABLE_TELEMETRY")


def silence_telemetry() -> None:
    """Turn off every library's phone-home before it is imported."""
    ort_was_quiet = os.environ.get("ORT_DISABLE_TELEMETRY", "").strip().lower() in ("1", "true")
    for key, value in _QUIET_ENV.items():
        os.environ.setdefault(key, value)
    for key in _FORCED:
        os.environ[key] = _QUIET_ENV[key]
    if "onnxruntime" in sys.modules and not ort_was_quiet:
        # Its native telemetry read the environment at import; setting it now is too late.
        logging.getLogger("rapport.privacy").warning(
            "onnxruntime was imported before Rapport's settings, so its telemetry may be on in this "
            "process; import assistant.config first (or set ORT_DISABLE_TELEMETRY=1).")


def _env_float(name: str, default: float, low: float, high: float) -> float:
    """``name`` from the environment (unset or empty: ``default``); anything else out of range is refused."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # NaN fails too
        from assistant.errors import InputError

        raise InputError(f"{name}={raw[:40]!r} is not a number from {low:g} to {high:g}.",
                         f"Set {name} to a number in that range, or unset it to use the default ({default:g}).")
    return value


def _env_int(name: str, default: int, low: int, high: int) -> int:
    """A whole number from the environment, refused (naming the variable and range) when not one in range."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value: int | None = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        from assistant.errors import InputError

        raise InputError(f"{name}={raw[:40]!r} is not a whole number from {low} to {high}.",
                         f"Set {name} to a whole number in that range, or unset it to use the default ({default}).")
    return value


#: Accepted ranges of the numeric ``RAPPORT_*`` variables (inclusive).
ENV_RANGES: dict[str, tuple[float, float]] = {
    "RAPPORT_MAX_FILE_MB": (0.001, 10_240),
    "RAPPORT_N_CTX": (256, 1_048_576),
    "RAPPORT_THREADS": (1, 1024),
    "RAPPORT_SEED": (0, 2**32 - 1),
    "RAPPORT_CADENCE_DAYS": (1, 3650),
    "RAPPORT_MAX_ASKS_PER_WEEK": (1, 50),
    "RAPPORT_RETRIES": (0, 20),
    "RAPPORT_STATE_CACHE_MB": (0, 1_048_576),
    "RAPPORT_BATCH_DECODE": (0, 1),
    "RAPPORT_GIVEBACK_MODEL": (0, 1),
    "RAPPORT_MODEL_OPENER": (0, 1),
    "RAPPORT_MODEL_NARRATIVE": (0, 1),
}


def _ranged_int(name: str, default: int) -> int:
    low, high = ENV_RANGES[name]
    return _env_int(name, default, int(low), int(high))


@dataclass(frozen=True)
class Settings:
    """Where data lives, which model to use and the limits we enforce."""

    home: Path
    models_dir: Path
    model: str = "default"
    chroma_url: str | None = None
    llm_url: str | None = None
    max_file_mb: float = 20.0
    n_ctx: int = 4096
    n_threads: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    seed: int = 42
    collection: str = "rapport"
    cadence_days: int = 42
    max_asks_per_week: int = 3
    retries: int = 2
    state_cache_mb: int = 1024  # saved model prefix states (assistant/generation/warm.py); 0 = never save
    # Decode a brief's question calls as one batch (generation/batch.py). Off by default: on a
    # 2-core CPU with Q4_K_M weights a decode step costs ~linearly more per sequence (bench P2),
    # so it gains little there; on a GPU or Metal build it is the faster schedule.
    batch_decode: bool = False
    # Ask the model to propose give-back pairs (offer x sentence) before the code-scored ones.
    # Off by default: the bundled 1.5B model answered with no pair in every default-model brief
    # of the eval (~11 s each for nothing, docs/BENCHMARKS.md P3); a bigger model may do better.
    giveback_model: bool = False
    # Let the model write an event attendee's opener (one call, up to 2 retries) instead of code writing
    # it from their first checked work fact. Off by default: the code line is always in the user's voice
    # and names something real, and leaving the call out made event prep 1.12x faster (docs/BENCHMARKS.md, B1).
    model_opener: bool = False
    # Let the model write the narrative's sentence to the contact (up to two short calls) even when code can
    # write it from a checked fact of theirs ("I'd love to hear about your falls-prevention pilot on 7B,
    # Adaeze."). Off by default: in the eval the model's sentence failed its checks twice in 9 of 19 briefs
    # (the code line was used after ~10 s of calls) and, when it passed, it added "which you mentioned in your
    # talk" or a judgement as often as a better link. The model still writes it when code finds no topic.
    model_narrative: bool = False

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Build settings from ``RAPPORT_*``; keyword overrides (flags) win.

        A numeric variable that is set but not a number in its range (``RAPPORT_N_CTX=abc``,
        ``RAPPORT_THREADS=-1``) raises :class:`InputError` naming it and the range, instead of
        being silently replaced by the default or failing later with a misleading message.
        """
        home = Path(os.environ.get("RAPPORT_HOME") or Path.home() / ".rapport").expanduser()
        if overrides.get("home"):
            home = Path(str(overrides.pop("home"))).expanduser()
        overrides.pop("home", None)
        models_dir = Path(os.environ.get("RAPPORT_MODELS_DIR") or home / "models").expanduser()
        base = cls(
            home=home,
            models_dir=models_dir,
            model=os.environ.get("RAPPORT_MODEL") or "default",
            chroma_url=os.environ.get("RAPPORT_CHROMA_URL") or None,
            llm_url=os.environ.get("RAPPORT_LLM_URL") or None,
            max_file_mb=_env_float("RAPPORT_MAX_FILE_MB", 20.0, *ENV_RANGES["RAPPORT_MAX_FILE_MB"]),
            n_ctx=_ranged_int("RAPPORT_N_CTX", 4096),
            n_threads=_ranged_int("RAPPORT_THREADS", max(1, os.cpu_count() or 1)),
            seed=_ranged_int("RAPPORT_SEED", 42),
            cadence_days=_ranged_int("RAPPORT_CADENCE_DAYS", 42),
            max_asks_per_week=_ranged_int("RAPPORT_MAX_ASKS_PER_WEEK", 3),
            retries=_ranged_int("RAPPORT_RETRIES", 2),
            state_cache_mb=_ranged_int("RAPPORT_STATE_CACHE_MB", 1024),
            batch_decode=bool(_ranged_int("RAPPORT_BATCH_DECODE", 0)),
            giveback_model=bool(_ranged_int("RAPPORT_GIVEBACK_MODEL", 0)),
            model_opener=bool(_ranged_int("RAPPORT_MODEL_OPENER", 0)),
            model_narrative=bool(_ranged_int("RAPPORT_MODEL_NARRATIVE", 0)),
        )
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(base, **clean) if clean else base

    # Derived locations: one place that knows the data dir's layout.
    @property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def files_dir(self) -> Path:
        """Copies of imported files, so a note survives its original moving."""
        return self.home / "files"

    @property
    def chats_dir(self) -> Path:
        return self.home / "chats"

    @property
    def briefs_dir(self) -> Path:
        return self.home / "briefs"

    @property
    def db_path(self) -> Path:
        """SQLite: contacts, interactions, open loops and event jobs."""
        return self.home / "rapport.db"

    @property
    def log_path(self) -> Path:
        return self.home / "rapport.log"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    def ensure_dirs(self) -> "Settings":
        for path in (self.home, self.files_dir, self.chats_dir, self.briefs_dir):
            path.mkdir(parents=True, exist_ok=True)
        return self


silence_telemetry()
