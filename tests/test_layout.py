"""The architecture stays true: layers only import downwards, no cycles, ui uses the public API.

Read from the source with ``ast`` (every import, also those inside
functions, which is where cycles used to hide), so a change that breaks the
layout fails here rather than in a reader's head.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import assistant

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "assistant"

# Lowest first: a module may import its own layer or a lower one, never a higher one.
LAYERS: list[set[str]] = [
    {"text"},                                   # pure text functions, no I/O
    {"config", "errors", "types", "files"},     # settings, the error tree, small records
    {"generation"},                             # the model behind one interface, prompts
    {"notes"},                                  # loaders, ingest, the stores, contacts, profile
    {"brief"},                                  # the Brief and its sections
    {"conversation", "event"},                  # chat, drafts, log; attendee lists
    {"forget", "rename"},                       # every store a person lives in
    {"cli", "__main__"},                        # the terminal front end
]
SIBLINGS_APART = {("conversation", "event"), ("event", "conversation")}
MAX_LINES = 460


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every ``assistant...`` module a file imports, resolving ``from pkg import module``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "assistant" \
                and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                as_file = ROOT / (candidate.replace(".", "/") + ".py")
                as_pkg = ROOT / candidate.replace(".", "/") / "__init__.py"
                found.add(candidate if as_file.exists() or as_pkg.exists() else node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.add("relative import")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "assistant")
    return found


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer(part: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if part in layer)


CORE_FILES = sorted(p for p in CORE.rglob("*.py") if p != CORE / "__init__.py")
GRAPH = {_module(p): _imports(p) for p in CORE_FILES}


def test_every_core_module_is_in_a_layer() -> None:
    unknown = sorted({_part(m) for m in GRAPH} - set().union(*LAYERS))
    assert not unknown, f"add these to LAYERS (and docs/ARCHITECTURE.md): {unknown}"


def test_no_upward_or_sideways_import_in_the_core() -> None:
    bad = []
    for module, targets in GRAPH.items():
        assert "relative import" not in targets, f"{module} uses a relative import"
        for target in targets:
            if target == "assistant":
                bad.append(f"{module} imports the public API package (use the defining module)")
                continue
            src, dst = _part(module), _part(target)
            if _layer(dst) > _layer(src) or (src, dst) in SIBLINGS_APART:
                bad.append(f"{module} -> {target}")
    assert not bad, "imports against the layers:\n" + "\n".join(bad)


def test_no_import_cycle() -> None:
    """Tarjan's strongly connected components over the module graph: every component is one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH.get(v, ()):
            if w not in GRAPH:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_the_checker_sees_a_cycle_and_an_upward_import() -> None:
    """The rules above can fail: a planted upward import is caught by the same code."""
    assert _layer(_part("assistant.notes.store")) < _layer(_part("assistant.brief.record"))
    assert "assistant.brief.record" in GRAPH["assistant.brief.builder"]


def test_ui_imports_only_the_public_api() -> None:
    bad = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        for target in _imports(path):
            if target != "assistant":
                bad.append(f"{path.relative_to(ROOT)} -> {target}")
    assert not bad, "ui/ must use `from assistant import ...` only:\n" + "\n".join(bad)


def test_no_module_is_too_long() -> None:
    long = {str(p.relative_to(ROOT)): n for p in [*CORE.rglob("*.py"), *(ROOT / "ui").rglob("*.py")]
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these modules by concern: {long}"


def test_public_api_is_sorted_and_every_name_imports() -> None:
    assert assistant.__all__ == sorted(assistant.__all__)
    assert len(assistant.__all__) == len(set(assistant.__all__))
    missing = [name for name in assistant.__all__ if getattr(assistant, name, None) is None]
    assert not missing
    with pytest.raises(AttributeError):
        getattr(assistant, "no_such_name")


@pytest.mark.parametrize("name", sorted(m for m in GRAPH if not m.endswith("__main__")))
def test_every_core_module_imports_alone(name: str) -> None:
    importlib.import_module(name)
