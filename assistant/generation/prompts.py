"""Prompt templates and JSON schemas, kept as files in ``prompts/``.

Templates use ``$var`` placeholders (``string.Template``), so prompts that
show JSON need no brace escaping; a missing variable is a named error rather
than a silently empty hole in the prompt.
"""

from __future__ import annotations

import json
import string
from functools import lru_cache
from pathlib import Path

from assistant.errors import RapportError



def _prompts_dir() -> Path:
    """The templates ship inside the package as ``assistant.prompts`` (the repo's ``prompts/``)."""
    try:
        from importlib.resources import files

        found = Path(str(files("assistant.prompts")))
        if found.is_dir():
            return found
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parents[2] / "prompts"


PROMPTS_DIR = _prompts_dir()


class MissingPromptVariable(RapportError):
    """A template was rendered without one of its ``$variables`` (a bug, not user input)."""


@lru_cache(maxsize=None)
def _read(name: str) -> str:
    path = PROMPTS_DIR / name
    if not path.is_file():
        raise RapportError(f"Prompt file {name} is missing from {PROMPTS_DIR}.", "Reinstall Rapport.")
    return path.read_text(encoding="utf-8")


def contract() -> dict:
    """The brief's JSON data contract (what ``rapport brief --format json`` promises)."""
    return json.loads(_read("brief_contract.schema.json"))


def template_names() -> list[str]:
    return sorted(p.stem for p in PROMPTS_DIR.glob("*.md"))


def variables(name: str) -> set[str]:
    tpl = string.Template(_read(f"{name}.md"))
    return {m.group("named") or m.group("braced") for m in tpl.pattern.finditer(tpl.template)
            if m.group("named") or m.group("braced")}


def render(template: str, /, **values: object) -> str:
    """Fill ``prompts/NAME.md``; every ``$var`` must be given."""
    try:
        return string.Template(_read(f"{template}.md")).substitute({k: str(v) for k, v in values.items()})
    except KeyError as exc:
        raise MissingPromptVariable(f"Prompt {template!r} needs a value for ${exc.args[0]}.") from None


def system() -> str:
    return _read("system.md").strip()


def schema(name: str, source_ids: list[str] | None = None) -> dict:
    """Load ``prompts/NAME.schema.json``, writing the allowed citation ids in as an enum.

    With the ids in the schema, llama.cpp's grammar can only emit real note
    ids: every citation is valid by construction.
    """
    data = json.loads(_read(f"{name}.schema.json"))

    def fill(node: object) -> object:
        if isinstance(node, dict):
            return {k: (list(source_ids or ["N1"]) if v == "$SOURCE_IDS" else fill(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        return node

    return fill(data)  # type: ignore[return-value]


def quote_notes(labelled: list[tuple[str, str, str]]) -> str:
    """Notes as quoted data: ``<notes><note id=.. from=..>text</note></notes>``.

    Angle brackets inside a note are neutralised so a note cannot close the
    block and pose as instructions, and sentences addressed to a model are
    removed (``guard.neutralize``).
    """
    from assistant.text.guard import neutralize

    parts = ["<notes>"]
    for label, origin, text in labelled:
        clean = neutralize(text).replace("<", "‹").replace(">", "›")
        parts.append(f'<note id="{label}" from="{origin}">\n{clean}\n</note>')
    parts.append("</notes>")
    return "\n".join(parts)
