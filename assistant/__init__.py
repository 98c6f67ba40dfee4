"""Rapport: private conversation prep for professional networking, on your own machine.

The public API: what the browser front end (``ui/``), scripts and tests use.
Everything here is importable from ``assistant`` directly; the folders below
it are the architecture (see docs/ARCHITECTURE.md)::

    text <- generation <- notes <- brief, conversation, event <- forget <- cli, ui
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> the module that defines it (one home each); loaded on first use (PEP 562), so
# ``rapport --help`` and ``import assistant.config`` never pay for Chroma or llama.cpp.
_HOMES: dict[str, str] = {
    "Answer": "assistant.conversation.chat",
    "BUNDLED": "assistant.generation.models",
    "Brief": "assistant.brief.record",
    "BriefBuilder": "assistant.brief.builder",
    "Chunk": "assistant.types",
    "Cited": "assistant.brief.record",
    "ContactSummary": "assistant.notes.contacts",
    "Conversation": "assistant.conversation.history",
    "DEBRIEF_FILE_TYPES": "assistant.conversation.debrief",
    "DEMO_ATTENDEES": "assistant.notes.demo",
    "Debrief": "assistant.conversation.debrief",
    "Draft": "assistant.conversation.drafts",
    "FIELDS": "assistant.event.attendees",
    "ForgetReport": "assistant.forget",
    "GenerationError": "assistant.errors",
    "Generator": "assistant.generation.llm",
    "ImportReport": "assistant.notes.imports",
    "IngestReport": "assistant.notes.ingest",
    "InputError": "assistant.errors",
    "KnowledgeBase": "assistant.notes.store",
    "ModelError": "assistant.errors",
    "MoveReport": "assistant.rename",
    "NotFoundError": "assistant.errors",
    "Note": "assistant.types",
    "NoteChange": "assistant.notes.edit",
    "NoteRecord": "assistant.notes.edit",
    "ORDER": "assistant.brief.record",
    "Profile": "assistant.notes.profile",
    "RapportError": "assistant.errors",
    "Rehearsal": "assistant.conversation.rehearse",
    "Reset": "assistant.conversation.history",
    "SECTIONS": "assistant.brief.record",
    "SUPPORTED": "assistant.notes.loaders",
    "ScriptedGenerator": "assistant.generation.llm",
    "Settings": "assistant.config",
    "StoreError": "assistant.errors",
    "TITLES": "assistant.brief.record",
    "Target": "assistant.types",
    "TimelineEntry": "assistant.conversation.timeline",
    "add_contact": "assistant.notes.workspace",
    "add_loop": "assistant.conversation.relationship",
    "ask": "assistant.conversation.chat",
    "ask_stream": "assistant.conversation.chat",
    "attendee_headers": "assistant.event.attendees",
    "brief_to_html": "assistant.brief.export",
    "brief_to_markdown": "assistant.brief.export",
    "build_brief": "assistant.brief.builder",
    "build_plan": "assistant.conversation.plan",
    "cadence_for": "assistant.conversation.relationship",
    "close_loop": "assistant.conversation.relationship",
    "debrief_quality": "assistant.conversation.debrief",
    "debrief_text": "assistant.conversation.debrief",
    "debrief_thank_you": "assistant.conversation.debrief",
    "describe_counts": "assistant.forget",
    "draft": "assistant.conversation.drafts",
    "due": "assistant.conversation.relationship",
    "edit_note": "assistant.notes.edit",
    "escape_markdown": "assistant.text.markup",
    "event_status": "assistant.event.run",
    "export_zip": "assistant.event.run",
    "field_names": "assistant.notes.workspace",
    "find_note": "assistant.notes.edit",
    "first_name": "assistant.text.names",
    "forget_chat": "assistant.conversation.chat",
    "forget_contact": "assistant.forget",
    "forget_preview": "assistant.forget",
    "import_bytes": "assistant.notes.imports",
    "import_event": "assistant.event.run",
    "import_paths": "assistant.notes.imports",
    "ingest_paths": "assistant.notes.ingest",
    "ingest_text": "assistant.notes.ingest",
    "ingest_uploads": "assistant.notes.workspace",
    "installed_models": "assistant.generation.models",
    "interactions": "assistant.conversation.relationship",
    "last_contact": "assistant.conversation.relationship",
    "list_contacts": "assistant.notes.contacts",
    "list_events": "assistant.event.run",
    "list_loops": "assistant.conversation.relationship",
    "load_brief": "assistant.notes.workspace",
    "load_generator": "assistant.generation.llm",
    "load_manifest": "assistant.notes.demo",
    "log_interaction": "assistant.conversation.relationship",
    "me_chunk_count": "assistant.notes.profile",
    "merge_contacts": "assistant.rename",
    "name_key": "assistant.types",
    "note_id": "assistant.notes.edit",
    "parse_name": "assistant.text.names",
    "parse_transcript": "assistant.conversation.debrief",
    "profile_offers": "assistant.notes.offers",
    "profile_path": "assistant.notes.profile",
    "propose_debrief": "assistant.conversation.debrief",
    "read_attendees": "assistant.event.attendees",
    "read_profile": "assistant.notes.profile",
    "remove_field": "assistant.notes.edit",
    "remove_note": "assistant.rename",
    "rename_contact": "assistant.rename",
    "resolve_contact": "assistant.notes.contacts",
    "resolve_model": "assistant.generation.models",
    "run_event": "assistant.event.run",
    "save_brief": "assistant.notes.workspace",
    "save_debrief": "assistant.conversation.debrief",
    "save_profile": "assistant.notes.profile",
    "search_contact": "assistant.notes.contacts",
    "set_cadence": "assistant.conversation.relationship",
    "slug": "assistant.types",
    "split_lines": "assistant.notes.profile",
    "suggest_narrative": "assistant.notes.profile",
    "timeline": "assistant.conversation.timeline",
    "today_items": "assistant.conversation.today",
    "warm_contact": "assistant.brief.builder",
    "write_ranking": "assistant.event.pack",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
