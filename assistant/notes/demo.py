"""Load a manifest-described knowledge base (the demo, the eval set).

A manifest says which files belong to ``me``, to which field, to which
contact (and that contact's fields and cadence), so a fresh data dir can be
filled with one idempotent call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

from assistant.notes import db
from assistant.config import Settings
from assistant.errors import InputError
from assistant.notes.ingest import IngestReport, ingest_paths
from assistant.notes.store import KnowledgeBase
from assistant.types import Target

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_MANIFEST = REPO_ROOT / "knowledge" / "demo" / "manifest.yaml"
EVAL_MANIFEST = REPO_ROOT / "knowledge" / "eval" / "manifest.yaml"
DEMO_ATTENDEES = REPO_ROOT / "knowledge" / "demo" / "events" / "attendees.csv"


@dataclass
class ManifestContact:
    name: str
    files: list[Path]
    fields: list[str] = field(default_factory=list)
    cadence_days: int | None = None
    expected_facts: list[dict] = field(default_factory=list)


@dataclass
class Manifest:
    root: Path
    me: list[Path]
    fields: dict[str, list[Path]]
    contacts: list[ManifestContact]


def read_manifest(path: Path) -> Manifest:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"Cannot read the manifest {path}: {exc}") from None
    root = path.parent
    return Manifest(
        root,
        [root / p for p in data.get("me", [])],
        {f["name"]: [root / p for p in f.get("files", [])] for f in data.get("fields", [])},
        [ManifestContact(c["name"], [root / p for p in c.get("files", [])], list(c.get("fields", [])),
                         c.get("cadence_days"), list(c.get("expected_facts", []))) for c in data.get("contacts", [])],
    )


def load_manifest(path: Path, kb: KnowledgeBase, settings: Settings,
                  progress: Callable[[int, int, str], None] | None = None) -> IngestReport:
    """Import everything a manifest lists; already-imported files cost nothing."""
    manifest = read_manifest(path)
    jobs: list[tuple[list[Path], Target, list[str]]] = []
    if manifest.me:
        jobs.append((manifest.me, Target.me(), []))
    for name, files in manifest.fields.items():
        jobs.append((files, Target.field(name), []))
    for c in manifest.contacts:
        db.upsert_contact(settings, c.name, c.fields, c.cadence_days)
        jobs.append((c.files, Target.contact(c.name), c.fields))
    total = sum(len(f) for f, _, _ in jobs)
    report = IngestReport()
    done = 0
    for files, target, fields in jobs:
        part = ingest_paths(files, target, kb, settings, fields)
        report.results.extend(part.results)
        done += len(files)
        if progress:
            progress(done, total, target.name)
    return report
