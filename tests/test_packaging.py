"""A wheel of Rapport works on its own: prompts ship inside it, the CLI runs, a tiny brief works.

Why: ``prompts/`` used to be found through a path outside the package, so a
non-editable install had no prompts. This builds a real wheel, installs it
into a fresh virtual environment (dependencies borrowed from the dev venv
through a ``.pth`` line, so nothing is downloaded and the editable install's
finder is not used), and runs it from a folder outside the repo.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp / "dist")], check=True, cwd=tmp)
    wheel = next((tmp / "dist").glob("rapport-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True)
    (site / "zz_rapport_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return wheel, python


def run(python: Path, *args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


def test_the_wheel_carries_every_prompt_and_schema(wheel_env: tuple[Path, Path]) -> None:
    wheel, _ = wheel_env
    shipped = {Path(n).name for n in zipfile.ZipFile(wheel).namelist() if n.startswith("assistant/prompts/")}
    expected = {p.name for p in (ROOT / "prompts").iterdir() if p.suffix in (".md", ".json")}
    assert expected and expected <= shipped, sorted(expected - shipped)


def test_installed_package_renders_every_template(wheel_env: tuple[Path, Path], tmp_path: Path) -> None:
    _, python = wheel_env
    code = (
        "import assistant, json\n"
        "from assistant.generation import prompts\n"
        "assert 'site-packages' in assistant.__file__, assistant.__file__\n"
        "names = prompts.template_names()\n"
        "for n in names:\n"
        "    text = prompts.render(n, **{v: 'X' for v in prompts.variables(n)})\n"
        "    assert '$' not in text.replace('$$', ''), n\n"
        "prompts.contract()\n"
        "print(json.dumps({'dir': str(prompts.PROMPTS_DIR), 'names': names}))\n"
    )
    result = run(python, "-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert str(ROOT) not in shown["dir"]
    assert len(shown["names"]) == len(list((ROOT / "prompts").glob("*.md")))


def test_installed_cli_helps_and_writes_a_tiny_brief(wheel_env: tuple[Path, Path], tmp_path: Path) -> None:
    _, python = wheel_env
    home = tmp_path / "home"
    env = {"RAPPORT_HOME": str(home)}
    help_ = run(python, "-m", "assistant", "--help", cwd=tmp_path, env=env)
    assert help_.returncode == 0 and "brief" in help_.stdout, help_.stderr
    note = tmp_path / "ana.md"
    note.write_text("Ana Costa leads the payments platform team at Nordhaul. She is rebuilding the card "
                    "settlement pipeline and speaks at fintech meetups about reliability.\n")
    ingest = run(python, "-m", "assistant", "ingest", str(note), "--contact", "Ana Costa", cwd=tmp_path, env=env)
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    brief = run(python, "-m", "assistant", "--model", "tiny", "brief", "Ana Costa", "--format", "json",
                cwd=tmp_path, env=env)
    assert brief.returncode in (0, 1), brief.stderr
    data = json.loads(brief.stdout)
    assert data["contact"] == "Ana Costa"
    assert data["avoid"], "the code-written section is always there"
    assert set(data) >= {"facts", "questions", "give_back", "sources", "failed"}
