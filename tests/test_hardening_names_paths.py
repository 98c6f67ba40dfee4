"""Hardening: names and paths. A person's files are theirs alone, whatever their name looks like.

Red-team findings this file pins down (each test failed before its fix):

* ``forget ".."`` deleted other people's copied files (folders were named from the free-text name);
* 王芳, 李雷, Дмитрий and محمد (and "Ana Lima"/"Ana-Lima") shared one chat file and one brief;
* a two-person vCard was copied whole under each owner, so forgetting one left them in the other's copy;
* ``2024/meeting.md`` and ``2025/meeting.md`` overwrote each other's copy;
* a symbolic link inside an imported folder imported ``/etc/passwd``-like files from outside it;
* a 5,000-character name was stored though reported as failed; a NUL in a vCard name likewise;
* Rich markup in names crashed ``search``, ``log``, ``forget`` and the error handler; escape codes and
  right-to-left overrides reached the terminal;
* ``RAPPORT_N_CTX=abc`` was ignored, ``hf:`` specs could climb out of the models folder, and
  ``CTO;=1+1`` was not neutralised in ``ranking.csv``.

Counts for docs/RELIABILITY.md are printed with ``-s`` (``[names-paths] tried=N handled=N``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.processes import rapport_in_process
from assistant.conversation.history import Conversation
from assistant.errors import InputError, ModelError
from assistant.forget import forget_contact
from assistant.notes import db
from assistant.notes.contacts import list_contacts
from assistant.notes.ingest import copies_dir, ingest_paths, ingest_text
from assistant.notes.workspace import brief_path, load_brief, save_brief
from assistant.types import Target, name_key, slug

CASES: dict[str, bool] = {}  # case -> handled, for the summary line


def _record(case: str, ok: bool) -> None:
    CASES[case] = ok
    assert ok, case


def _files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "manifest.json")


_rapport = rapport_in_process


# ------------------------------------------------------------------ forget --
def test_forget_dot_dot_removes_only_that_persons_copy(kb, settings, tmp_path: Path, monkeypatch, capsys) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in (("a.md", "Other Person restores clocks."), ("b.md", "Dot collects maps."),
                       ("c.md", "Dot-dot sails dinghies.")):
        (notes / name).write_text(text, encoding="utf-8")
    assert _rapport(monkeypatch, capsys, "ingest", str(notes / "a.md"), "--contact", "Other Person")[0] == 0
    assert _rapport(monkeypatch, capsys, "ingest", str(notes / "b.md"), "--contact", ".")[0] == 0
    assert _rapport(monkeypatch, capsys, "ingest", str(notes / "c.md"), "--contact", "..")[0] == 0
    # Every per-person folder is files/contact/<slug>: never "..", ".", or the free text.
    folders = sorted(p.name for p in (settings.files_dir / "contact").iterdir())
    assert folders == sorted(slug(n) for n in ("Other Person", ".", ".."))
    assert all(p.parent.parent == settings.files_dir / "contact" for p in _files_under(settings.files_dir))

    code, out, err = _rapport(monkeypatch, capsys, "forget", "..", "-y")
    assert code == 0, err
    left = [p.read_text() for p in _files_under(settings.files_dir)]
    _record("forget '..' keeps Other Person's and '.''s copies",
            sorted(left) == ["Dot collects maps.", "Other Person restores clocks."])
    code, out, err = _rapport(monkeypatch, capsys, "forget", ".", "-y")
    _record("forget '.' keeps the rest", code == 0 and
            [p.read_text() for p in _files_under(settings.files_dir)] == ["Other Person restores clocks."])


# --------------------------------------------------------- one file each --
NON_LATIN = ["王芳", "李雷", "Дмитрий", "محمد", "Ana Lima", "Ana-Lima"]


def test_every_person_gets_their_own_chat_and_brief(settings) -> None:
    from assistant.text import names

    assert len({slug(n) for n in NON_LATIN}) == len(NON_LATIN)
    assert all(slug(n) == names.slug(n) and name_key(n) == names.name_key(n) for n in NON_LATIN)
    for n in NON_LATIN:
        conv = Conversation(n, settings)
        conv.add("user", f"What does {n} do?")
        conv.save()
        save_brief({"contact": n, "questions": [{"text": f"Ask {n} about work", "why": "", "sources": []}]}, settings)
    for n in NON_LATIN:
        turns = Conversation.load(n, settings).turns
        brief = load_brief(settings, n)
        _record(f"own chat and brief: {n}", [t.content for t in turns] == [f"What does {n} do?"]
                and brief is not None and brief["questions"][0]["text"] == f"Ask {n} about work"
                and "owner_key" not in brief)
    saved = json.loads(Conversation(NON_LATIN[0], settings).path.read_text(encoding="utf-8"))
    assert saved["owner_key"] == name_key(NON_LATIN[0])


def test_a_file_naming_another_owner_is_never_shown_nor_forgotten(kb, settings) -> None:
    ingest_text("Wang Fang runs a tea shop.", Target.contact("王芳"), kb, settings)
    path = Conversation("王芳", settings).path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"contact": "李雷", "owner_key": name_key("李雷"),
                                "turns": [{"role": "user", "content": "about Li Lei"}]}), encoding="utf-8")
    brief_path(settings, "王芳").write_text(json.dumps({"contact": "李雷", "questions": []}), encoding="utf-8")
    assert len(Conversation.load("王芳", settings)) == 0 and load_brief(settings, "王芳") is None
    report = forget_contact(kb, settings, "王芳")
    _record("another owner's files are neither shown nor deleted",
            report.removed["chat and brief files"] == 0 and path.exists() and brief_path(settings, "王芳").exists())


# ------------------------------------------------------------------- vCard --
TWO_CARDS = """BEGIN:VCARD
VERSION:3.0
FN:Priya Raman
EMAIL:priya@example.org
NOTE:Grid analytics; PRIYAMARK4471.
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Marcus Oyelaran
EMAIL:marcus@example.org
NOTE:Cycling infrastructure; MARCUSMARK9902.
END:VCARD
"""


def test_a_shared_vcard_is_copied_card_by_card(kb, settings, tmp_path: Path) -> None:
    vcf = tmp_path / "two.vcf"
    vcf.write_text(TWO_CARDS, encoding="utf-8")
    report = ingest_paths([vcf], Target.contact("Unused"), kb, settings)
    assert not report.failed and sorted(report.results[0].owners) == ["Marcus Oyelaran", "Priya Raman"]
    priya = _files_under(copies_dir(settings, Target.contact("Priya Raman")))
    marcus = _files_under(copies_dir(settings, Target.contact("Marcus Oyelaran")))
    assert len(priya) == len(marcus) == 1
    assert "MARCUSMARK" not in priya[0].read_text() and "PRIYAMARK" in priya[0].read_text()
    forget_contact(kb, settings, "Marcus Oyelaran")
    holders = [str(p) for p in settings.home.rglob("*") if p.is_file() and b"MARCUSMARK9902" in p.read_bytes()]
    _record("forgetting one person of a two-person vCard leaves no trace of them", holders == [])
    assert "PRIYAMARK4471" in priya[0].read_text()


# --------------------------------------------------------- same file name --
def test_same_named_files_from_two_folders_keep_both_copies(kb, settings, tmp_path: Path) -> None:
    for year in ("2024", "2025"):
        (tmp_path / year).mkdir()
        (tmp_path / year / "meeting.md").write_text(f"Met Dana in {year} about heat pumps.", encoding="utf-8")
    report = ingest_paths([tmp_path / "2024", tmp_path / "2025"], Target.contact("Dana Whitfield"), kb, settings)
    assert len(report.imported) == 2
    texts = sorted(p.read_text() for p in _files_under(copies_dir(settings, Target.contact("Dana Whitfield"))))
    _record("2024/meeting.md and 2025/meeting.md both kept",
            texts == ["Met Dana in 2024 about heat pumps.", "Met Dana in 2025 about heat pumps."])


# ---------------------------------------------------------------- symlinks --
def test_symlinks_in_a_folder_are_skipped_unless_asked(kb, settings, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "passwd.txt"
    secret.write_text("root:x:0:0:SECRETMARK:/root:/bin/bash", encoding="utf-8")
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "real.md").write_text("Dana likes kayaks.", encoding="utf-8")
    (folder / "link.txt").symlink_to(secret)
    (folder / "linked-dir").symlink_to(outside, target_is_directory=True)
    report = ingest_paths([folder], Target.contact("Dana Whitfield"), kb, settings)
    skipped = {Path(r.path).name: r.message for r in report.skipped}
    assert [Path(r.path).name for r in report.imported] == ["real.md"] and not report.failed
    assert set(skipped) == {"link.txt", "linked-dir"} and all("symbolic link" in m for m in skipped.values())
    stored = [p for p in settings.home.rglob("*") if p.is_file() and b"SECRETMARK" in p.read_bytes()]
    _record("a symlink to a file outside the folder is not imported", stored == [])
    followed = ingest_paths([folder], Target.contact("Dana Whitfield"), kb, settings, follow_links=True)
    _record("--follow-links imports it", sorted(Path(r.path).name for r in followed.imported)
            == ["link.txt", "passwd.txt", "real.md"])


def test_the_cli_reports_a_skipped_link_and_follows_on_request(kb, settings, tmp_path: Path, monkeypatch,
                                                                 capsys) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "real.md").write_text("Dana likes kayaks.", encoding="utf-8")
    target = tmp_path / "elsewhere.md"
    target.write_text("Elsewhere note about canoes.", encoding="utf-8")
    (folder / "link.md").symlink_to(target)
    code, out, err = _rapport(monkeypatch, capsys, "ingest", str(folder), "--contact", "Dana Whitfield")
    assert code == 0 and "link.md: skipped" in err and "1 imported, 0 failed, 1 skipped" in " ".join(err.split())
    code, out, err = _rapport(monkeypatch, capsys, "ingest", str(folder), "--contact", "Dana Whitfield",
                              "--follow-links")
    _record("CLI: skipped with a message, imported with --follow-links", code == 0 and "skipped" not in err)


# ------------------------------------------------------------ odd names --
def test_an_overlong_name_is_refused_before_anything_is_stored(kb, settings, tmp_path: Path, monkeypatch,
                                                                  capsys) -> None:
    note = tmp_path / "a.md"
    note.write_text("A perfectly normal note.", encoding="utf-8")
    code, out, err = _rapport(monkeypatch, capsys, "ingest", str(note), "--contact", "x" * 5000)
    assert code == 1 and "too long" in err and "Traceback" not in err
    _record("5,000-character name: refused, nothing stored",
            kb.count() == 0 and db.list_contacts(settings) == [] and _files_under(settings.files_dir) == [])
    with pytest.raises(InputError, match="too long"):
        ingest_text("note", Target.contact("y " * 200), kb, settings)
    with pytest.raises(InputError, match="too long"):
        ingest_paths([note], Target.contact("z" * 300), kb, settings)
    assert kb.count() == 0 and db.list_contacts(settings) == []
    # chat and forget on such a name no longer crash: a clear "no contact" message.
    for command in (["forget", "q" * 5000, "-y"], ["search", "q" * 5000, "x"]):
        code, out, err = _rapport(monkeypatch, capsys, *command)
        assert code == 1 and "No contact named" in err and "Traceback" not in err


def test_a_nul_in_a_vcard_name_is_cleaned_and_the_result_is_true(kb, settings, tmp_path: Path) -> None:
    vcf = tmp_path / "nul.vcf"
    # Past the first 4 KB (a NUL there makes the whole file "binary"), in the second card's name.
    first = "BEGIN:VCARD\nVERSION:3.0\nFN:Long Notes\nNOTE:" + "many words " * 500 + "\nEND:VCARD\n"
    vcf.write_text(first + "BEGIN:VCARD\nVERSION:3.0\nFN:Nul\x00 Person\nNOTE:Met at the fair.\nEND:VCARD\n",
                   encoding="utf-8")
    report = ingest_paths([vcf], Target.contact("Unused"), kb, settings)
    names = [c.name for c in list_contacts(kb, settings)]
    _record("NUL in a vCard name: imported as reported, without the NUL",
            not report.failed and names == ["Long Notes", "Nul Person"]
            and all("\x00" not in str(p) for p in settings.home.rglob("*")))
    long_card = tmp_path / "long.vcf"
    long_card.write_text(f"BEGIN:VCARD\nVERSION:3.0\nFN:{'w' * 500}\nEND:VCARD\n", encoding="utf-8")
    report = ingest_paths([long_card], Target.contact("Unused"), kb, settings)
    _record("over-long vCard name: the file fails, nothing stored",
            len(report.failed) == 1 and "long.vcf" in report.failed[0].message
            and [c.name for c in list_contacts(kb, settings)] == ["Long Notes", "Nul Person"])


MARKUP_NAMES = ["Bob [/] Markup", "[link=http://127.0.0.1:9/x]Eve[/link]", "[bold red]Mallory", "Tr[/i]udy"]


@pytest.mark.parametrize("name", MARKUP_NAMES)
def test_rich_markup_in_a_name_is_shown_as_text(kb, settings, monkeypatch, capsys, name: str) -> None:
    ingest_text(f"{name} paddles kayaks on weekends.", Target.contact(name), kb, settings)
    code, out, err = _rapport(monkeypatch, capsys, "search", name, "kayaks")
    assert code == 0 and name in " ".join(out.split()), err
    code, out, err = _rapport(monkeypatch, capsys, "log", name, "Coffee about kayaks")
    assert code == 0 and name in " ".join(out.split()), err
    code, out, err = _rapport(monkeypatch, capsys, "contacts")
    assert code == 0 and "Traceback" not in err
    code, out, err = _rapport(monkeypatch, capsys, "search", f"{name} [/] nobody", "x")  # the error handler
    assert code == 1 and "No contact named" in err and "Traceback" not in err and "MarkupError" not in err
    code, out, err = _rapport(monkeypatch, capsys, "forget", name, "-y")
    _record(f"markup name {name!r}: search, log, contacts, error, forget", code == 0 and "Forgot" in out)


def test_escape_codes_and_direction_overrides_never_reach_the_terminal(kb, settings, monkeypatch, capsys) -> None:
    from assistant.cli.common import terminal_text

    nasty = "Eve\u202eevil\u2066"
    ingest_text("Eve \x1b[2J\x1b]0;pwned\x07 paddles \x1b[31mkayaks\x1b[0m\x08\x07 daily.", Target.contact(nasty),
                kb, settings)
    assert [c.name for c in list_contacts(kb, settings)] == ["Eveevil"]  # cleaned where it entered
    code, out, err = _rapport(monkeypatch, capsys, "search", "Eveevil", "kayaks")
    assert code == 0 and "kayaks" in out
    junk = ["\x1b", "\x07", "\x08", "\u202e", "\u2066"]
    _record("escape codes from notes stripped in search output", not any(j in out + err for j in junk))
    assert terminal_text("a\x1b[31mb\x1b]8;;http://x\x1b\\c\x9bd\u202ee\tf\ng") == "abcde\tf\ng"


# ------------------------------------------------------------ config, hf --
@pytest.mark.parametrize("var,value", [("RAPPORT_N_CTX", "abc"), ("RAPPORT_N_CTX", "-5"), ("RAPPORT_THREADS", "-1"),
                                       ("RAPPORT_THREADS", "2.5"), ("RAPPORT_MAX_FILE_MB", "lots"),
                                       ("RAPPORT_RETRIES", "1e9"), ("RAPPORT_SEED", "nan")])
def test_bad_numeric_settings_name_the_variable_and_range(monkeypatch, var: str, value: str) -> None:
    from assistant.config import ENV_RANGES, Settings

    monkeypatch.setenv(var, value)
    with pytest.raises(InputError) as err:
        Settings.from_env()
    low, high = ENV_RANGES[var]
    shown = (f"{low:g}", f"{high:g}") if var == "RAPPORT_MAX_FILE_MB" else (str(int(low)), str(int(high)))
    _record(f"{var}={value} refused", var in err.value.message and all(x in err.value.message for x in shown))


def test_good_numeric_settings_still_work(monkeypatch) -> None:
    from assistant.config import Settings

    monkeypatch.setenv("RAPPORT_N_CTX", " 8192 ")
    monkeypatch.setenv("RAPPORT_THREADS", "")
    s = Settings.from_env()
    assert s.n_ctx == 8192 and s.n_threads >= 1


def test_the_cli_says_which_setting_is_wrong(monkeypatch, capsys) -> None:
    monkeypatch.setenv("RAPPORT_THREADS", "-1")
    code, out, err = _rapport(monkeypatch, capsys, "contacts")
    assert code == 1 and "RAPPORT_THREADS" in err and "Traceback" not in err


@pytest.mark.parametrize("spec", ["hf:../../etc/x.gguf", "hf:owner/../../../x.gguf", "hf:owner/repo/../../x.gguf",
                                  "hf:owner/repo/sub/../../../../x.gguf", "hf:./repo/x.gguf", "hf:owner//x.gguf",
                                  "hf:owner/repo/..\\..\\x.gguf"])
def test_hf_specs_cannot_leave_the_models_folder(settings, spec: str) -> None:
    from assistant.generation.models import resolve_model

    with pytest.raises(ModelError) as err:
        resolve_model(spec, settings)
    _record(f"{spec} refused", "not a model on the hub" in err.value.message)


# ------------------------------------------------------------- ranking.csv --
@pytest.mark.parametrize("cell,expected", [("CTO;=1+1", "CTO;'=1+1"), ("CTO,=1+1", "CTO,'=1+1"),
                                           ("CTO\t@SUM(A1)", "CTO\t'@SUM(A1)"), ("a; -2+3", "a; '-2+3"),
                                           ("=1;=2", "'=1;'=2"), ("CTO, Voltaic", "CTO, Voltaic"), ("a=b", "a=b")])
def test_a_formula_after_a_separator_is_neutralised(cell: str, expected: str) -> None:
    from assistant.event.spreadsheet import escape_cell

    _record(f"csv cell {cell!r}", escape_cell(cell) == expected)


def test_summary() -> None:
    """Run last in this file: the counts for docs/RELIABILITY.md."""
    print(f"\n[names-paths] tried={len(CASES)} handled={sum(CASES.values())}")
