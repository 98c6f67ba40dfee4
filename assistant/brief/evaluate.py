"""Brief quality over an evaluation set, computed in plain code.

The set (``knowledge/eval``) is loaded into a throw-away data dir, each
contact is briefed, and every metric is a check from ``checks`` applied to
the output, so the numbers mean the same for the pipeline and for the naive
one-prompt baseline it is compared with.
"""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

import jsonschema

from assistant.text import grounding, questions, similarity, voice
from assistant.generation import prompts
from assistant.brief.builder import build_brief
from assistant.config import Settings
from assistant.notes.demo import load_manifest, read_manifest
from assistant.generation.llm import Generator, load_generator
from assistant.notes.store import KnowledgeBase
from assistant.generation.structured import generate_json
from assistant.types import Target

CONTRACT = prompts.contract()


@dataclass
class BriefScore:
    contact: str
    schema_valid: bool
    seconds: float
    questions: int
    open_q: int
    job_asks: int
    dup_pairs: int
    q_pairs: int
    specific: int
    about_user: int
    give_backs: int
    linked: int
    cited_items: int
    citable_items: int
    facts: int
    unsupported: int
    expected: int
    covered: int


@dataclass
class EvalReport:
    model: str
    mode: str
    scores: list[BriefScore] = field(default_factory=list)


def user_names(manifest_me: Sequence[Path]) -> list[str]:
    """The user's own name from their profile (title or first heading), for the about-user check."""
    names = []
    for path in manifest_me:
        text = path.read_text(encoding="utf-8")
        m = re.search(r"^(?:title:\s*|#\s+)([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)+)", text, re.M)
        if m:
            names.append(m.group(1).strip())
    return names


def score_brief(d: dict, kb: KnowledgeBase, contact: str, expected: Sequence[dict], me_ids: set[str],
                own_texts: Sequence[str], other_texts: Sequence[str], names: Sequence[str], seconds: float) -> BriefScore:
    try:
        jsonschema.validate(d, CONTRACT)
        valid = not d.get("failed")
    except jsonschema.ValidationError:
        valid = False
    qs = [q["text"] for q in d.get("questions", [])]
    real = {c.id: c for c in kb.get([i for item in d.get("facts", []) + d.get("questions", []) + d.get("give_back", [])
                                     for i in item.get("sources", []) if isinstance(i, str)])}
    contact_ids = {i for i, c in real.items() if c.kind in ("contact", "field")}
    pairs = similarity.near_duplicates(qs, kb.embed, threshold=0.85) if len(qs) > 1 else []
    texts_for_job = qs + [g["text"] for g in d.get("give_back", [])] + [d.get("narrative", "")] + list(d.get("follow_up", []))
    citable = d.get("questions", []) + d.get("give_back", [])
    cited = sum(1 for item in citable if item.get("sources") and all(i in real for i in item["sources"]))
    linked = sum(1 for g in d.get("give_back", []) if set(g.get("sources", [])) & me_ids and set(g.get("sources", [])) & contact_ids)
    unsupported = 0
    for f in d.get("facts", []):
        src = [real[i].text for i in f.get("sources", []) if i in real]
        if not src or grounding.unsupported_terms(f["text"], src + [contact]):
            unsupported += 1
    fact_texts = [f["text"].lower() for f in d.get("facts", [])]
    covered = sum(1 for e in expected if any(all(k.lower() in t for k in e.get("keywords", [])) for t in fact_texts))
    return BriefScore(
        contact, valid, seconds, len(qs), sum(questions.is_open_question(q) for q in qs),
        sum(questions.is_job_ask(t) for t in texts_for_job if t), len(pairs), len(qs) * (len(qs) - 1) // 2,
        sum(questions.specificity(q, own_texts, other_texts) for q in qs),
        sum(voice.is_about_user(q, names) for q in qs), len(d.get("give_back", [])), linked, cited, len(citable),
        len(d.get("facts", [])), unsupported, len(expected), covered)


def naive_brief(name: str, kb: KnowledgeBase, settings: Settings, generator: Generator) -> dict:
    """The baseline: the whole brief from one prompt with the whole schema."""
    chunks = kb.chunks_of(Target.contact(name))
    labelled = [(f"N{i}", c.title, c.text) for i, c in enumerate(chunks[:12], 1)]
    me = "\n\n".join(c.text for c in kb.chunks_of(Target.me()))[:3000]
    user = prompts.render("naive_brief", notes=prompts.quote_notes(labelled), me_notes=me, name=name)
    got = generate_json(generator, user, prompts.schema("naive_brief"), max_tokens=1200, seed=settings.seed, retries=0)
    data = got.data or {"facts": [], "narrative": "", "questions": [], "give_back": [], "avoid": [], "follow_up": []}
    label_to_id = {f"N{i}": c.id for i, c in enumerate(chunks[:12], 1)}
    used: dict[str, dict] = {}
    for key in ("facts", "questions", "give_back"):
        for item in data.get(key, []):
            item.setdefault("why", "")
            item["sources"] = [label_to_id.get(s, s) for s in item.get("sources", [])]
            for s in item["sources"]:
                c = next((c for c in chunks if c.id == s), None)
                if c:
                    used[s] = {"id": s, "source": c.source, "excerpt": c.excerpt()}
    return {"contact": name, "goal": None, "model": generator.name, "generated_at": "", **data,
            "sources": list(used.values()), **({} if got.data else {"failed": {"all": got.error}})}


def run_eval(manifest_path: Path, settings: Settings, model: str | None = None, naive: bool = False,
             limit: int | None = None, progress: Callable[[int, int, str], None] | None = None) -> list[EvalReport]:
    manifest = read_manifest(manifest_path)
    contacts = manifest.contacts[:limit] if limit else manifest.contacts
    names = user_names(manifest.me)
    with tempfile.TemporaryDirectory(prefix="rapport-eval-") as tmp:
        s = replace(settings, home=Path(tmp)).ensure_dirs()
        kb = KnowledgeBase(s)
        load_manifest(manifest_path, kb, s)
        generator = load_generator(s, model)
        me_ids = {c.id for c in kb.chunks_of(Target.me())}
        texts = {c.name: [ch.text for ch in kb.chunks_of(Target.contact(c.name))] for c in manifest.contacts}
        reports = [EvalReport(generator.name, "pipeline")] + ([EvalReport(generator.name, "naive one-prompt")] if naive else [])
        total = len(contacts) * len(reports)
        done = 0
        for c in contacts:
            others = [t for n, ts in texts.items() if n != c.name for t in ts]
            for report in reports:
                if progress:
                    progress(done, total, f"{report.mode}: {c.name}")
                start = time.perf_counter()
                if report.mode == "pipeline":
                    d = build_brief(c.name, kb, s, generator).to_dict()
                else:
                    d = naive_brief(c.name, kb, s, generator)
                report.scores.append(score_brief(d, kb, c.name, c.expected_facts, me_ids, texts[c.name], others, names,
                                                 time.perf_counter() - start))
                done += 1
        if progress:
            progress(total, total, "done")
        return reports


def _pct(num: int, den: int) -> str:
    return f"{100 * num / den:.0f}%" if den else "n/a"


def format_table(reports: Sequence[EvalReport]) -> str:
    """A Markdown table: one row per brief and an overall row per mode."""
    head = ("| mode | contact | schema-valid | s/brief | open Qs | job asks | dup pairs | specific Qs | Qs about user "
            "| linked give-backs | cited | unsupported facts | expected facts |\n|" + "---|" * 13)
    rows = [head]

    def row(mode: str, name: str, ss: Sequence[BriefScore]) -> str:
        t = lambda attr: sum(getattr(s, attr) for s in ss)  # noqa: E731
        return (f"| {mode} | {name} | {_pct(sum(s.schema_valid for s in ss), len(ss))} | "
                f"{t('seconds') / max(1, len(ss)):.0f} | {_pct(t('open_q'), t('questions'))} | {t('job_asks')} | "
                f"{_pct(t('dup_pairs'), t('q_pairs'))} | {_pct(t('specific'), t('questions'))} | {t('about_user')} | "
                f"{_pct(t('linked'), t('give_backs'))} | {_pct(t('cited_items'), t('citable_items'))} | "
                f"{_pct(t('unsupported'), t('facts'))} | {_pct(t('covered'), t('expected'))} |")

    for r in reports:
        for s in r.scores:
            rows.append(row(r.mode, s.contact, [s]))
        rows.append(row(f"**{r.mode}**", f"**all ({r.model})**", r.scores))
    return "\n".join(rows)
