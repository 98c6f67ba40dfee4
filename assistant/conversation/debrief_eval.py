"""Debrief quality over the eval set's debriefs (``rapport eval --debriefs``).

Why a separate pass: a brief is scored on what it says about someone; a
debrief on what it would write into the user's records. What must hold:
every proposal cites the debrief, names and numbers in it are in the lines it
cites, no loop is invented (a debrief with no offer gives no offer loop, an
instruction inside the debrief is not followed), and the thank-you draft
mentions something the debrief says.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Callable

import yaml

from assistant.config import Settings
from assistant.conversation.debrief import (debrief_quality, debrief_thank_you, propose_debrief, read_debrief,
                                            save_debrief)
from assistant.errors import InputError
from assistant.generation.llm import Generator, load_generator
from assistant.notes.demo import load_manifest
from assistant.notes.store import KnowledgeBase


def debrief_cases(manifest_path: Path) -> list[dict]:
    """The manifest's ``debriefs`` entries, with their files resolved."""
    try:
        data = yaml.safe_load(manifest_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"Cannot read the manifest {manifest_path}: {exc}") from None
    cases = []
    for entry in data.get("debriefs") or []:
        if isinstance(entry, dict) and entry.get("contact") and entry.get("file"):
            cases.append({**entry, "path": manifest_path.parent / str(entry["file"])})
    return cases


def run_debrief_eval(manifest_path: Path, settings: Settings, model: str | None = None,
                     generator: Generator | None = None,
                     progress: Callable[[int, int, str], None] | None = None) -> list[dict]:
    """One row per debrief: :func:`debrief_quality` plus whether its loops match what the debrief holds.

    Runs in a temporary data dir (the eval set is loaded there); every proposal is accepted, as a
    user pressing "accept all" would, so the thank-you is written from all of them.
    """
    cases = debrief_cases(manifest_path)
    if not cases:
        raise InputError(f"{manifest_path} lists no debriefs.", "Add a `debriefs:` list (see knowledge/eval).")
    tick = progress or (lambda done, total, what: None)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="rapport-eval-debrief-") as tmp:
        s = replace(settings, home=Path(tmp)).ensure_dirs()
        kb = KnowledgeBase(s)
        load_manifest(manifest_path, kb, s)
        gen = generator or load_generator(s, model)
        for i, case in enumerate(cases):
            tick(i, len(cases), f"Debrief: {case['contact']}")
            result = propose_debrief(case["contact"], read_debrief(case["path"], s), kb, s, gen, day=date(2026, 11, 20))
            saved = save_debrief(result, result.proposals, kb, s)
            thanks = debrief_thank_you(saved, kb, s, gen)
            quality = debrief_quality(result, thanks)
            kinds = [p.kind for p in result.proposals]
            rows.append({"contact": case["contact"], "file": str(case["file"]), **quality,
                         "offer_loops": kinds.count("offer"), "ask_loops": kinds.count("ask"),
                         "wrong_offer": ("offer" in kinds) != bool(case.get("expect_offer")),
                         "wrong_ask": ("ask" in kinds) != bool(case.get("expect_ask"))})
        tick(len(cases), len(cases), "Debriefs done")
    return rows


def format_debrief_table(rows: list[dict], model: str = "") -> str:
    """A Markdown table, one line per debrief and a total."""
    head = ("| debrief | proposals | cite the debrief | supported | invented loops | offer loop right | "
            "ask loop right | thank-you specific |\n|---|---|---|---|---|---|---|---|")
    lines = [f"Debriefs{f' ({model})' if model else ''}:", "", head]
    for r in rows:
        lines.append(f"| {r['file']} | {r['proposals']} | {r['cited']:.0%} | {r['supported']:.0%} | "
                     f"{r['invented_loops']} | {'yes' if not r['wrong_offer'] else 'NO'} | "
                     f"{'yes' if not r['wrong_ask'] else 'NO'} | {'yes' if r['thanks_specific'] else 'no'} |")
    n = len(rows) or 1
    lines.append(f"| **all** | {sum(r['proposals'] for r in rows)} | {sum(r['cited'] for r in rows) / n:.0%} | "
                 f"{sum(r['supported'] for r in rows) / n:.0%} | {sum(r['invented_loops'] for r in rows)} | "
                 f"{sum(not r['wrong_offer'] for r in rows)}/{len(rows)} | {sum(not r['wrong_ask'] for r in rows)}/{len(rows)} | "
                 f"{sum(bool(r['thanks_specific']) for r in rows)}/{len(rows)} |")
    return "\n".join(lines)


__all__ = ["debrief_cases", "format_debrief_table", "run_debrief_eval"]
