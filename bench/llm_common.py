"""Model set-up shared by the LLM benchmarks (L1, L2, L3, P1)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.common import bench_settings

PROMPT = ("Write a numbered list of forty short, concrete tips for starting conversations with strangers "
          "at a climate-tech meetup. One line each.")
SCHEMA = {"type": "object", "properties": {"tips": {"type": "array", "items": {"type": "string", "maxLength": 120}}},
          "required": ["tips"]}


def model_args(ap: argparse.ArgumentParser, reps: int = 3, tokens: int = 64) -> argparse.ArgumentParser:
    ap.add_argument("--model", default="tiny", help="tiny (default, fast) | small | default | PATH.gguf")
    ap.add_argument("--reps", type=int, default=reps, help="Interleaved repetitions per side.")
    ap.add_argument("--tokens", type=int, default=tokens, help="Output tokens per generation.")
    ap.add_argument("--threads", type=int, default=0, help="llama.cpp threads (default: Rapport's setting).")
    return ap


def resolve(spec: str):
    """Settings (temp home, the user's verified models) and the resolved model file."""
    from assistant.generation.models import resolve_model

    settings = bench_settings(Path(tempfile.mkdtemp(prefix="rapport-bench-llm-")))
    return settings, resolve_model(spec, settings)
