"""Brief quality over an evaluation set, computed in plain code.

The set (``knowledge/eval``) is loaded into a throw-away data dir, each
contact is briefed (once per *me* profile the manifest names under
``me_profiles``), and every metric is a check from ``assistant.text`` or
:mod:`assistant.brief.metrics` applied to the output, so the numbers mean the
same for the pipeline and for the naive one-prompt baseline it is compared with.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

import jsonschema
import yaml

from assistant.brief import metrics
from assistant.errors import InputError
from assistant.notes.ingest import ingest_paths
from assistant.text import grounding, questions, similarity, voice
from assistant.generation import prompts
from assistant.brief.builder import build_brief
from assistant.config import Settings
from assistant.notes.demo import load_manifest, read_manifest
from assistant.generation.llm import Generator, load_generator
from assistant.notes.store import KnowledgeBase
from assistant.generation.structured import generate_json
from assistant.files import atomic_write_text
from assistant.types import Target, slug

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
    # added with the real-use set (docs/QUALITY.md, "What each column means")
    fact_pairs: int = 0
    dup_facts: int = 0
    avoid_flags: int = 0
    avoid_false: int = 0          # flags on a contact whose notes flag nothing personal (expect_avoid: false)
    avoid_scored: bool = False    # the manifest says whether a flag is expected
    items: int = 0                # facts + questions + give-backs
    field_items: int = 0          # ... of which cite a field chunk
    name_errors: int = 0
    user_line_items: int = 0      # facts or questions repeating >= 60% of a first-person sentence of the notes
    thin: bool = False            # >= 3 facts but < 5 questions
    needs: int = 0
    needs_met: int = 0
    field_brief: bool | None = None  # a field-grounded item (a "Their field now" point or an item citing a
                                     # field chunk); None when the contact's fields have no notes
    gb_aim: bool | None = None  # >= 2 linked give-backs; None unless the manifest says this profile's offers
                                # can answer one of the contact's needs (``needs_fit``)


@dataclass
class EvalReport:
    model: str
    mode: str
    scores: list[BriefScore] = field(default_factory=list)
    profile: str = ""


@dataclass
class Case:
    """One contact of the set and what scoring needs to know about it."""

    name: str
    expected: list[dict] = field(default_factory=list)
    expect_avoid: bool | None = None
    needs: list[str] = field(default_factory=list)
    own_texts: list[str] = field(default_factory=list)
    other_texts: list[str] = field(default_factory=list)
    user_lines: list[str] = field(default_factory=list)
    has_field_notes: bool = False
    their_words: set[str] = field(default_factory=set)  # what the contact's side of the notes says
    fits: frozenset[str] = frozenset()  # the me profiles whose offers can answer one of ``needs`` (hand-labelled)


def manifest_extras(manifest_path: Path) -> tuple[dict[str, list[Path]], dict[str, dict]]:
    """The eval-only keys of a manifest: ``me_profiles`` (name -> files) and the raw entry of each contact.

    A manifest without ``me_profiles`` has one profile, ``default``, its ``me`` files.
    """
    try:
        data = yaml.safe_load(manifest_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"Cannot read the manifest {manifest_path}: {exc}") from None
    root = manifest_path.parent
    raw = data.get("me_profiles") or {"default": data.get("me", [])}
    profiles = {str(k): [root / p for p in (v if isinstance(v, list) else [v])] for k, v in raw.items()}
    return profiles, {c["name"]: c for c in data.get("contacts", []) if isinstance(c, dict) and "name" in c}


def pick_profiles(profiles: dict[str, list[Path]], me: str = "all") -> dict[str, list[Path]]:
    """``all`` or one profile by name; an unknown name is an InputError listing the known ones."""
    if me in ("all", "", None):
        return profiles
    if me not in profiles:
        raise InputError(f"No me profile called {me!r} in the manifest.", f"Use one of: all, {', '.join(profiles)}.")
    return {me: profiles[me]}


def user_names(manifest_me: Sequence[Path]) -> list[str]:
    """The user's own name from their profile (title or first heading), for the about-user check."""
    names = []
    for path in manifest_me:
        text = path.read_text(encoding="utf-8")
        m = re.search(r"^(?:title:[ \t]*|#[ \t]+)([A-Z][\w'-]+(?:[ \t]+[A-Z][\w'-]+)+)", text, re.M)
        # a CV pasted as it is: its first line is the name, often in capitals ("PRIYA NAIR-HOLM")
        m = m or re.match(r"\s*([A-Z][\w'-]+(?:[ \t]+[A-Z][\w'-]+){1,3})[ \t]*$", text, re.M)
        if m:
            name = m.group(1).strip()
            names.append(name.title() if name.isupper() else name)
    return names


def score_brief(d: dict, kb: KnowledgeBase, case: Case, names: Sequence[str], seconds: float,
                profile: str = "") -> BriefScore:
    try:
        jsonschema.validate(d, CONTRACT)
        valid = not d.get("failed")
    except jsonschema.ValidationError:
        valid = False
    contact, expected = case.name, case.expected
    facts, qitems, gbs = d.get("facts", []), d.get("questions", []), d.get("give_back", [])
    qs = [q["text"] for q in qitems]
    real = {c.id: c for c in kb.get([i for item in facts + qitems + gbs
                                     for i in item.get("sources", []) if isinstance(i, str)])}
    kinds = {i: c.kind for i, c in real.items()}
    pairs = similarity.near_duplicates(qs, kb.embed, threshold=0.85) if len(qs) > 1 else []
    fact_texts_raw = [f["text"] for f in facts]
    fact_pairs = similarity.near_duplicates(fact_texts_raw, kb.embed, threshold=0.85) if len(facts) > 1 else []
    texts_for_job = qs + [g["text"] for g in gbs] + [d.get("narrative", "")] + list(d.get("follow_up", []))
    citable = qitems + gbs
    cited = sum(1 for item in citable if item.get("sources") and all(i in real for i in item["sources"]))
    linked = sum(1 for g in gbs if metrics.is_linked(g.get("sources", []), kinds))
    unsupported = 0
    for f in facts:
        src = [real[i].text for i in f.get("sources", []) if i in real]
        if not src or grounding.unsupported_terms(f["text"], src + [contact]):
            unsupported += 1
    fact_texts = [t.lower() for t in fact_texts_raw]
    covered = sum(1 for e in expected if any(all(k.lower() in t for k in e.get("keywords", [])) for t in fact_texts))
    flags = [a for a in d.get("avoid", []) if metrics.is_avoid_flag(a)]
    lines = qs + [i.get("why", "") for i in qitems + gbs] + list(d.get("avoid", []))
    gb_texts = [f"{g['text']} {g.get('why', '')}" for g in gbs]
    field_items = sum(metrics.cites_kind(i.get("sources", []), kinds, "field") for i in facts + citable)
    return BriefScore(
        contact, valid, seconds, len(qs), sum(questions.is_open_question(q) for q in qs),
        sum(questions.is_job_ask(t) for t in texts_for_job if t), len(pairs), len(qs) * (len(qs) - 1) // 2,
        sum(questions.specificity(q, case.own_texts, case.other_texts) and not questions.stock_question(q) for q in qs),
        sum(voice.is_about_user(q, names) for q in qs), len(gbs), linked, cited, len(citable),
        len(facts), unsupported, len(expected), covered,
        fact_pairs=len(facts) * (len(facts) - 1) // 2, dup_facts=len(fact_pairs),
        avoid_flags=len(flags), avoid_false=len(flags) if case.expect_avoid is False else 0,
        avoid_scored=case.expect_avoid is not None,
        items=len(facts) + len(citable),
        field_items=field_items,
        field_brief=bool(field_items or d.get("field")) if case.has_field_notes else None,
        name_errors=sum(len(metrics.name_errors(t)) for t in lines if t),
        user_line_items=sum(metrics.repeats_user_line(t, case.user_lines, theirs=case.their_words) for t in fact_texts_raw + qs),
        thin=metrics.thin_questions(len(facts), len(qs)),
        needs=len(case.needs), needs_met=sum(metrics.need_met(n, gb_texts) for n in case.needs),
        gb_aim=linked >= 2 if case.needs and profile in case.fits else None)


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


def users_part(text: str, starts: Sequence[str]) -> str:
    """A mixed-voice note without the contact's own paragraphs (hand-labelled by their first words).

    A labelled paragraph runs to the next blank line, heading or "From:" line.
    """
    kept, theirs = [], False
    for line in text.split("\n"):
        if not line.strip() or line.lstrip().startswith("#") or line.lstrip().lower().startswith("from:"):
            theirs = False
        if any(line.lstrip().startswith(s) for s in starts):
            theirs = True
        if not theirs:
            kept.append(line)
    return "\n".join(kept)


def cases(manifest_path: Path, kb: KnowledgeBase, contacts: Sequence, extras: dict[str, dict]) -> list[Case]:
    """What scoring needs per contact: its own and others' notes, expected facts and needs, the user's own lines.

    The user's lines are first-person sentences of the contact's notes, except notes the manifest
    lists under ``contact_voice`` (written by the contact: their "I" is theirs). Words the
    contact's side also says (``their_words``) do not make an item "the user's line".
    """
    root = manifest_path.parent
    chunks = {c.name: kb.chunks_of(Target.contact(c.name)) for c in contacts}
    out = []
    for c in contacts:
        extra = extras.get(c.name, {})
        voice_files = {(root / p).resolve() for p in extra.get("contact_voice", [])}
        mixed = {(root / p).resolve(): starts for p, starts in (extra.get("contact_voice_lines") or {}).items()}
        mine = [ch.text for ch in chunks[c.name] if Path(ch.source).resolve() not in voice_files | set(mixed)]
        mine += [users_part(path.read_text(encoding="utf-8"), starts) for path, starts in mixed.items()]
        avoid = extra.get("expect_avoid")
        out.append(Case(c.name, list(c.expected_facts), avoid if isinstance(avoid, bool) else None,
                        [str(n) for n in extra.get("expected_needs", [])], [ch.text for ch in chunks[c.name]],
                        [ch.text for n, chs in chunks.items() if n != c.name for ch in chs],
                        metrics.first_person_sentences(mine),
                        any(kb.chunks_of(Target.field(f)) for f in getattr(c, "fields", [])),
                        metrics.their_words(mine) | metrics.content_words(
                            " ".join(ch.text for ch in chunks[c.name] if Path(ch.source).resolve() in voice_files)),
                        frozenset(extra.get("needs_fit") or [])))
    return out


def use_profile(kb: KnowledgeBase, settings: Settings, files: Sequence[Path]) -> set[str]:
    """Make ``files`` the user's profile (the *me* chunks are replaced); returns the new me-chunk ids."""
    kb.delete_owner(Target.me())
    report = ingest_paths(list(files), Target.me(), kb, settings)
    if report.failed:
        raise InputError(f"Cannot load the me profile: {report.failed[0].message}")
    return {c.id for c in kb.chunks_of(Target.me())}


def run_eval(manifest_path: Path, settings: Settings, model: str | None = None, naive: bool = False,
             limit: int | None = None, progress: Callable[[int, int, str], None] | None = None,
             me: str = "all", briefs_dir: Path | None = None, only: Sequence[str] | None = None) -> list[EvalReport]:
    """One report per (me profile, mode); each holds one score per contact.

    ``briefs_dir`` keeps every brief as JSON: the metrics say what to look at, the briefs say why.
    """
    manifest = read_manifest(manifest_path)
    profiles, extras = manifest_extras(manifest_path)
    profiles = pick_profiles(profiles, me)
    contacts = manifest.contacts[:limit] if limit else manifest.contacts
    if only:
        wanted = {n.casefold() for n in only}
        contacts = [c for c in contacts if c.name.casefold() in wanted]
        if len(contacts) < len(wanted):
            raise InputError(f"Not in the evaluation set: {', '.join(sorted(wanted - {c.name.casefold() for c in contacts}))}.")
    with tempfile.TemporaryDirectory(prefix="rapport-eval-") as tmp:
        s = replace(settings, home=Path(tmp)).ensure_dirs()
        kb = KnowledgeBase(s)
        load_manifest(manifest_path, kb, s)
        generator = load_generator(s, model)
        all_cases = cases(manifest_path, kb, manifest.contacts, extras)
        todo = [c for c in all_cases if c.name in {m.name for m in contacts}]
        modes = ["pipeline"] + (["naive one-prompt"] if naive else [])
        reports: list[EvalReport] = []
        total = len(todo) * len(modes) * len(profiles)
        done = 0
        for profile, files in profiles.items():
            use_profile(kb, s, files)
            names = user_names(files)
            mine = [EvalReport(generator.name, mode, profile=profile) for mode in modes]
            reports.extend(mine)
            for case in todo:
                for report in mine:
                    if progress:
                        progress(done, total, f"{profile} {report.mode}: {case.name}")
                    start = time.perf_counter()
                    if report.mode == "pipeline":
                        d = build_brief(case.name, kb, s, generator).to_dict()
                    else:
                        d = naive_brief(case.name, kb, s, generator)
                    report.scores.append(score_brief(d, kb, case, names, time.perf_counter() - start,
                                                              profile))
                    if briefs_dir is not None:
                        briefs_dir.mkdir(parents=True, exist_ok=True)
                        stem = f"{profile}-{report.mode.split()[0]}-{slug(case.name)}"
                        atomic_write_text(briefs_dir / f"{stem}.json", json.dumps(d, indent=1, ensure_ascii=False))
                    done += 1
        if progress:
            progress(total, total, "done")
        return reports


def _pct(num: int, den: int) -> str:
    return f"{100 * num / den:.0f}%" if den else "n/a"


COLUMNS = ("schema-valid", "s/brief", "open Qs", "job asks", "dup pairs", "specific Qs", "Qs about user",
           "linked give-backs", "cited", "unsupported facts", "expected facts",
           "give-backs/brief", "needs met", "dup facts", "avoid precision", "avoid false+", "field-grounded",
           "field-grounded briefs", "name errors", "user-line items", "thin Qs", "give-back aim")


def _share(ss: Sequence[BriefScore]) -> str:
    """Briefs with a field-grounded item, of those whose contact has field notes ("n/a" when none has)."""
    with_notes = [s for s in ss if s.field_brief is not None]
    return f"{sum(bool(s.field_brief) for s in with_notes)}/{len(with_notes)}" if with_notes else "n/a"


def _aim(ss: Sequence[BriefScore]) -> str:
    """Briefs with >= 2 linked give-backs, of those where the profile's offers can answer a stated need."""
    scored = [s for s in ss if s.gb_aim is not None]
    return f"{sum(s.gb_aim for s in scored)}/{len(scored)}" if scored else "n/a"


def format_table(reports: Sequence[EvalReport]) -> str:
    """A Markdown table: one row per brief and an overall row per (profile, mode)."""
    head = "| profile | mode | contact | " + " | ".join(COLUMNS) + " |\n|" + "---|" * (len(COLUMNS) + 3)
    rows = [head]

    def row(profile: str, mode: str, name: str, ss: Sequence[BriefScore]) -> str:
        t = lambda attr: sum(getattr(s, attr) for s in ss)  # noqa: E731
        scored = [s for s in ss if s.avoid_scored]
        flags = sum(s.avoid_flags for s in scored)
        cells = [
            _pct(sum(s.schema_valid for s in ss), len(ss)), f"{t('seconds') / max(1, len(ss)):.0f}",
            _pct(t('open_q'), t('questions')), str(t('job_asks')), _pct(t('dup_pairs'), t('q_pairs')),
            _pct(t('specific'), t('questions')), str(t('about_user')), _pct(t('linked'), t('give_backs')),
            _pct(t('cited_items'), t('citable_items')), _pct(t('unsupported'), t('facts')),
            _pct(t('covered'), t('expected')),
            f"{t('give_backs') / max(1, len(ss)):.1f}", _pct(t('needs_met'), t('needs')),
            _pct(t('dup_facts'), t('fact_pairs')), _pct(flags - sum(s.avoid_false for s in scored), flags),
            str(t('avoid_false')), _pct(t('field_items'), t('items')), _share(ss), str(t('name_errors')),
            str(t('user_line_items')), str(t('thin')), _aim(ss),
        ]
        return f"| {profile} | {mode} | {name} | " + " | ".join(cells) + " |"

    for r in reports:
        for s in r.scores:
            rows.append(row(r.profile, r.mode, s.contact, [s]))
        rows.append(row(f"**{r.profile}**", f"**{r.mode}**", f"**all ({r.model})**", r.scores))
    return "\n".join(rows)
