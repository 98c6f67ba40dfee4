"""Does a question make sense? A short constrained model call judges what word checks cannot.

"How do you decide to receive the Apotheosis Award?" passes every code
check (open, specific, about them) and still makes no sense: an award is
given, not decided. Whether a verb fits its object is a judgement, so the
model gives one verdict per question from a two-word enum, in one call that
reads after the cached notes prefix (a few tokens of decode per question).
How often the verdict disagrees with people is measured on a hand-labelled
sample (`rapport eval --sense`, knowledge/eval/sense.yaml).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import yaml

from assistant.generation import prompts
from assistant.generation.llm import Generator
from assistant.generation.structured import generate_json

log = logging.getLogger("rapport.brief")
# Asking for a choice, a plan or a motive: fine about what someone did, nonsense about what was done to them.
_INTENT = re.compile(r"\b(decid\w*|choos\w*|chose|inspired you|made you (want|choose|decide)|"
                     r"plan(?:ned|ning)? (?:to|your|for)|motivat\w*|want(ed)? to (be|have))\b", re.I)
# ... directly over a verb of receiving: "decide to receive the award", "inspired you to be named".
_RECEIVED = re.compile(_INTENT.pattern + r"(\s+\w+){0,3}?\s+(to (be|have|receive|get)\b|receiving\b|being \w+(ed|en)\b)", re.I)
# "decide which workflows to redesign" asks how they choose among things: a real choice.
_CHOICE_AMONG = re.compile(r"\b(decid\w*|choos\w*)\s+(which|what|how|whether|when|where|who)\b"
                           # ... and a career move is theirs to choose: "why did you choose to become a people partner"
                           r"|\b(decid\w*|choos\w*|chose)\s+to\s+(become|join|move|leave|start|switch|study|go|take|launch|"
                           r"found|build|work|pursue|speciali[sz]e|focus|return|retrain|stay)\b", re.I)


# "What led you to believe that your depot hit 98.7% on-time delivery?": a measured result is not a belief.
_BELIEVED_FIGURE = re.compile(r"\bled you to (?:believe|think)\b[^?]*\d", re.I)


def received_shape(question: str) -> bool:
    """The plain-words half: a motive or choice asked directly about being given or made something,
    or a belief asked about a figure they reported."""
    return bool(_RECEIVED.search(question) or _BELIEVED_FIGURE.search(question))
NONSENSE = "That question did not make sense (its verb does not fit what it asks about); ask about what they did."
_BATCH = 12  # the schema's maxItems


def nonsense(gen: Generator | None, questions: Sequence[str], *, notes: str = "", name: str = "them",
             seed: int = 0, use: str = "both") -> list[bool]:
    """One flag per question: True where the model judges it nonsense.

    The model only says whether what is asked about was their doing or
    happened to them; a question is nonsense when it asks for a choice or a
    motive (code: the verb) behind something that happened to them. A failed call flags nothing: the check may only ever remove a question
    the model itself calls nonsense, never block a brief.
    """
    words = [received_shape(q) for q in questions]
    if use == "words" or gen is None:
        return words
    flags = [False] * len(questions)
    # Only a question that asks for a motive or choice can be nonsense, so only those are judged:
    # most rounds have none and make no call (it was ~3-6 s of prefill and decode per round).
    asked = [i for i, q in enumerate(questions) if _INTENT.search(q) and not _CHOICE_AMONG.search(q)]
    for start in range(0, len(asked), _BATCH):
        part = asked[start:start + _BATCH]
        schema = prompts.schema("sense")
        schema["properties"]["verdicts"]["minItems"] = schema["properties"]["verdicts"]["maxItems"] = len(part)
        listed = "\n".join(f"{n}. {questions[i]}" for n, i in enumerate(part, 1))
        got = generate_json(gen, prompts.render("sense", notes=notes, name=name, questions=listed), schema,
                            max_tokens=8 * len(part) + 16, seed=seed, retries=0)
        if got.data is None:
            log.info("sense check failed (%s); keeping the questions", got.error)
            continue
        # Nonsense = a motive or choice asked about something that happened to them: the model
        # judges which (a fact about the world), code reads the question's verb (a fact about words).
        for i, verdict in zip(part, got.data["verdicts"]):
            flags[i] = verdict == "happened to them"
    if use == "model":
        return flags
    return [a or b for a, b in zip(words, flags)]


@dataclass
class SenseAgreement:
    """One judge against hand labels: how often it would drop a good question or keep a bad one."""

    judge: str
    total: int
    agree: int
    false_rejects: list[str]   # labelled sense, judged nonsense (a good question lost)
    missed: list[str]          # labelled nonsense, judged sense (a bad question kept)


def agreement_table(rows: Sequence[SenseAgreement], model: str) -> str:
    """Markdown: one row per judge, then the disagreements of the one the brief uses ("both")."""
    lines = [f"Sense check vs hand labels ({model}, {rows[0].total if rows else 0} questions)", "",
             "| judge | agree | good question judged nonsense | nonsense judged fine |", "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.judge} | {100 * r.agree / max(r.total, 1):.0f}% | {len(r.false_rejects)} | {len(r.missed)} |")
    used = next((r for r in rows if r.judge == "both"), None)
    if used:
        lines.append("")
        lines += [f"- judged nonsense, labelled fine: {q}" for q in used.false_rejects]
        lines += [f"- judged fine, labelled nonsense: {q}" for q in used.missed]
    return "\n".join(lines) + "\n"


def agreement(gen: Generator, sample: Path, seed: int = 0, group: int = 6) -> list[SenseAgreement]:
    """Judge the labelled sample in groups of ``group`` (about one brief's questions): words, model, both."""
    items = (yaml.safe_load(sample.read_text(encoding="utf-8")) or {}).get("questions") or []
    qs = [str(i["q"]) for i in items]
    labels = [bool(i["sense"]) for i in items]
    model: list[bool] = []
    for start in range(0, len(qs), group):
        model += nonsense(gen, qs[start:start + group], seed=seed, use="model")
    words = nonsense(None, qs, use="words")
    rows = []
    for judge, flags in (("words", words), ("model", model), ("both", [a or b for a, b in zip(words, model)])):
        false_rejects = [q for q, ok, bad in zip(qs, labels, flags) if ok and bad]
        missed = [q for q, ok, bad in zip(qs, labels, flags) if not ok and not bad]
        rows.append(SenseAgreement(judge, len(qs), len(qs) - len(false_rejects) - len(missed), false_rejects, missed))
    return rows


__all__ = ["NONSENSE", "SenseAgreement", "agreement", "agreement_table", "nonsense", "received_shape"]
