"""Ingest → search → forget with a real Chroma on disk and real embeddings."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.notes import db
from assistant.errors import NotFoundError
from assistant.notes.ingest import ingest_paths, ingest_text
from assistant.forget import forget_contact
from assistant.notes.contacts import list_contacts, resolve_contact, search_contact
from assistant.types import Target, slug

from tests.filemakers import EML, HTML, VCF, encrypted_pdf, image_only_pdf, text_pdf

REPO = Path(__file__).resolve().parent.parent


def _write_all_formats(folder: Path) -> dict[str, tuple[Path, str]]:
    """One file per format, each with a distinctive word to search for."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "md": (folder / "coffee-2026-09-12.md", "---\ntitle: Coffee with Ana\ndate: 2026-09-12\ntags: [climate]\n---\n"
               "# Coffee\nAna runs the [[Saltmarsh]] restoration programme at Estuary Trust.\n", "Saltmarsh"),
        "txt": (folder / "call.txt", "Call notes: Ana is hiring a hydrologist for the Bayfront project.\n", "hydrologist"),
        "html": (folder / "profile.html", HTML.replace("Lena Fischer", "Ana Costa"), "warehouse"),
        "eml": (folder / "reply.eml", EML, "kelp"),
    }
    for path, text, _ in files.values():
        path.write_text(text, encoding="utf-8")
    pdf = text_pdf(folder / "talk.pdf", ["Talk abstract: tidal wetlands as carbon sinks", "Speaker: Ana Costa"])
    files["pdf"] = (pdf, "", "wetlands")
    return files


@pytest.mark.parametrize("fmt", ["md", "txt", "html", "eml", "pdf"])
def test_round_trip_each_format(fmt: str, tmp_path: Path, kb, settings) -> None:
    files = _write_all_formats(tmp_path / "notes")
    path, _, word = files[fmt]
    report = ingest_paths([path], Target.contact("Ana Costa"), kb, settings)
    assert not report.failed, report.failed
    hits = search_contact(kb, settings, "ana costa", word, k=3)
    assert hits and word.lower() in hits[0].text.lower()
    assert hits[0].source == str(path) and hits[0].owner == "Ana Costa"
    assert forget_contact(kb, settings, "Ana Costa").removed["note chunks"] >= 1
    assert kb.count() == 0
    with pytest.raises(NotFoundError):
        resolve_contact(kb, settings, "Ana Costa")


def test_markdown_front_matter_and_dates(tmp_path: Path, kb, settings) -> None:
    files = _write_all_formats(tmp_path / "notes")
    ingest_paths([files["md"][0], files["eml"][0]], Target.contact("Ana Costa"), kb, settings)
    chunks = kb.chunks_of(Target.contact("Ana Costa"))
    by_source = {Path(c.source).suffix: c for c in chunks}
    assert by_source[".md"].title == "Coffee with Ana" and by_source[".md"].date == "2026-09-12"
    assert "---" not in by_source[".md"].text and "[[" not in by_source[".md"].text
    assert by_source[".eml"].date == "2026-10-14" and by_source[".eml"].title == "Re: coffee next week"


def test_html_drops_scripts_and_styles(tmp_path: Path, kb, settings) -> None:
    path = tmp_path / "p.html"
    path.write_text(HTML)
    ingest_paths([path], Target.contact("Lena Fischer"), kb, settings)
    text = " ".join(c.text for c in kb.chunks_of(Target.contact("Lena Fischer")))
    assert "warehouse picking arms" in text and "alert" not in text and "color:red" not in text


def test_html_drops_the_pages_menu_footer_and_cookie_banner(tmp_path: Path, kb, settings) -> None:
    """A saved team page: the nav bar and the regulator's footer were quoted as notes about the person."""
    path = tmp_path / "team.html"
    path.write_text('<html><body><div class="nav">Northfold Ventures Portfolio Team Thesis</div>'
                    '<nav><a href="/">Home</a> Careers</nav><div id="cookie-banner">We value your choices</div>'
                    '<div class="person"><h1>Julian Achebe-Ross</h1><p>Julian leads the fund\'s work in '
                    '<strong>learning</strong> technology.</p><p class="navigator-note">He mentors founders.</p></div>'
                    '<footer>Registered office: 1 High St</footer><div role="contentinfo">Company no. 123</div>'
                    '</body></html>')
    ingest_paths([path], Target.contact("Julian Achebe-Ross"), kb, settings)
    text = " ".join(c.text for c in kb.chunks_of(Target.contact("Julian Achebe-Ross")))
    assert "Julian leads the fund's work in learning technology." in text and "He mentors founders." in text
    for chrome in ("Portfolio Team Thesis", "Careers", "We value your choices", "Registered office", "Company no"):
        assert chrome not in text, chrome


def test_vcard_creates_its_own_contacts(tmp_path: Path, kb, settings) -> None:
    path = tmp_path / "cards.vcf"
    second = VCF.replace("Marcus Oyelaran", "Jun Park").replace("Oyelaran;Marcus", "Park;Jun")
    path.write_text(VCF + second)
    report = ingest_paths([path], Target.contact("ignored for vcards"), kb, settings)
    assert not report.failed and report.results[0].owners == ["Marcus Oyelaran", "Jun Park"]
    names = {c.name for c in list_contacts(kb, settings)}
    assert names == {"Marcus Oyelaran", "Jun Park"}
    hit = search_contact(kb, settings, "marcus oyelaran", "service design", k=1)[0]
    assert "Brightline Transit Lab" in hit.text


def test_stdin_paste_via_cli(tmp_path: Path, data_home: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "assistant", "ingest", "-", "--contact", "Ola Nordmann"],
                         input="Ola builds fjord ferry schedules at Vestkyst.", capture_output=True, text=True,
                         cwd=REPO)
    assert run.returncode == 0, run.stderr
    again = subprocess.run([sys.executable, "-m", "assistant", "search", "ola", "ferry", "--json"],
                           capture_output=True, text=True, cwd=REPO)
    assert again.returncode == 0 and "fjord ferry" in again.stdout and '"source": "pasted:' in again.stdout


def test_reimport_is_idempotent_and_changed_file_replaces(tmp_path: Path, kb, settings) -> None:
    folder = tmp_path / "notes"
    files = _write_all_formats(folder)
    target = Target.contact("Ana Costa")
    ingest_paths([folder], target, kb, settings)
    once = kb.count()
    for _ in range(3):
        report = ingest_paths([folder], target, kb, settings)
        assert report.added == 0 and all(r.message == "already imported, unchanged" for r in report.results)
    assert kb.count() == once
    txt = files["txt"][0]
    txt.write_text("Call notes: Ana now wants a soil scientist instead.\n")
    report = ingest_paths([txt], target, kb, settings)
    assert report.results[0].removed == 1 and report.results[0].added == 1
    assert kb.count() == once
    texts = " ".join(c.text for c in kb.chunks_of(target))
    assert "soil scientist" in texts and "hydrologist" not in texts


def test_long_note_is_chunked_with_stable_ids(kb, settings) -> None:
    text = "\n\n".join(f"Paragraph {i}: Rui maintains the open-source tide gauge library number {i}." * 4 for i in range(20))
    first = ingest_text(text, Target.contact("Rui Alves"), kb, settings)
    assert first.added > 3
    ids = sorted(c.id for c in kb.chunks_of(Target.contact("Rui Alves")))
    second = ingest_text(text, Target.contact("Rui Alves"), kb, settings)
    assert second.added == 0 and sorted(c.id for c in kb.chunks_of(Target.contact("Rui Alves"))) == ids


def test_names_match_case_and_whitespace_insensitively(kb, settings) -> None:
    ingest_text("Dana runs grid storage pilots.", Target.contact("dana whitfield"), kb, settings)
    ingest_text("Dana mentors at the Harbour accelerator.", Target.contact("Dana  Whitfield"), kb, settings)
    ingest_text("Dana's team uses flow batteries.", Target.contact("DANA WHITFIELD "), kb, settings)
    people = list_contacts(kb, settings)
    assert len(people) == 1 and people[0].name == "Dana Whitfield" and people[0].notes == 3
    assert resolve_contact(kb, settings, "  dana   WHITFIELD").key == "dana whitfield"
    assert resolve_contact(kb, settings, "dana").name == "Dana Whitfield"  # unique first name


def test_search_covers_contact_and_their_fields_only(kb, settings) -> None:
    db.upsert_contact(settings, "Ana Costa", ["Wetlands"])
    ingest_text("Ana leads the estuary restoration team.", Target.contact("Ana Costa"), kb, settings)
    ingest_text("Wetland carbon credits are priced per hectare.", Target.field("Wetlands"), kb, settings)
    ingest_text("Bruno sells estuary carbon credits in Lisbon.", Target.contact("Bruno Lima"), kb, settings)
    ingest_text("I wrote about estuary carbon credits.", Target.me(), kb, settings)
    hits = search_contact(kb, settings, "Ana Costa", "estuary carbon credits", k=10)
    owners = {(h.kind, h.owner) for h in hits}
    assert owners == {("contact", "Ana Costa"), ("field", "Wetlands")}


def test_forget_removes_files_chats_and_log(tmp_path: Path, kb, settings) -> None:
    files = _write_all_formats(tmp_path / "notes")
    ingest_paths([files["txt"][0]], Target.contact("Ana Costa"), kb, settings)
    ingest_text("Other person.", Target.contact("Ana Costa-Silva"), kb, settings)
    (settings.chats_dir / f"{slug('Ana Costa')}.json").write_text("[]")
    (settings.chats_dir / f"{slug('Ana Costa-Silva')}.json").write_text("[]")
    with db.connect(settings) as conn:
        conn.execute("INSERT INTO interactions(contact_key, date, text) VALUES ('ana costa', '2026-01-01', 'x')")
    report = forget_contact(kb, settings, "Ana Costa")
    assert report.removed["note chunks"] == 1 and report.removed["copied files"] == 1
    assert report.removed["chat and brief files"] == 1 and report.removed["interactions"] == 1
    assert "Forgot Ana Costa" in report.describe()
    assert not (settings.chats_dir / f"{slug('Ana Costa')}.json").exists()
    assert (settings.chats_dir / f"{slug('Ana Costa-Silva')}.json").exists()
    assert [c.name for c in list_contacts(kb, settings)] == ["Ana Costa-Silva"]


# ------------------------------------------------------------- bad input ---

def test_bad_inputs_each_reported_rest_imported(tmp_path: Path, kb, settings) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text("Kofi curates the Accra design week programme.")
    (folder / "empty.md").write_text("")
    (folder / "junk.md").write_bytes(bytes(range(256)) * 20)
    (folder / "huge.txt").write_text("x" * 3_000_000)
    (folder / "broken.vcf").write_text("BEGIN:VCARD\nVERSION:3.0\nN:;;;\nEND:VCARD\n")
    (folder / "garbage.vcf").write_text("this is not a vcard at all")
    good_pdf = text_pdf(tmp_path / "src.pdf", ["Kofi talk: design festivals and local makers"])
    encrypted_pdf(folder / "locked.pdf", good_pdf)
    image_only_pdf(folder / "scan.pdf")
    small = replace(settings, max_file_mb=1)
    report = ingest_paths([folder, tmp_path / "does-not-exist.txt"], Target.contact("Kofi Mensah"), kb, small)
    messages = {Path(r.path).name: r.message for r in report.failed}
    assert [Path(r.path).name for r in report.imported] == ["good.txt"]
    assert "empty" in messages["empty.md"]
    assert "binary" in messages["junk.md"] or "not look like text" in messages["junk.md"]
    assert "limit" in messages["huge.txt"]
    assert "vCard" in messages["broken.vcf"] and "vCard" in messages["garbage.vcf"]
    assert "password" in messages["locked.pdf"] or "encrypted" in messages["locked.pdf"]
    assert "no text layer" in messages["scan.pdf"]
    assert "no such file" in messages["does-not-exist.txt"]
    assert all("Traceback" not in m for m in messages.values())


@pytest.mark.parametrize("encoding,data", [
    ("utf-16", "Zoë Núñez leads the Señora café co-op in Málaga.".encode("utf-16")),
    ("latin-1", "Zoë Núñez leads the Señora café co-op in Málaga.".encode("latin-1")),
    ("utf-8-sig", "Zoë Núñez leads the Señora café co-op in Málaga.".encode("utf-8-sig")),
])
def test_text_encodings(encoding: str, data: bytes, tmp_path: Path, kb, settings) -> None:
    path = tmp_path / f"note-{encoding}.txt"
    path.write_bytes(data)
    report = ingest_paths([path], Target.contact("Zoë Núñez"), kb, settings)
    assert not report.failed
    text = kb.chunks_of(Target.contact("zoë núñez"))[0].text
    assert text == "Zoë Núñez leads the Señora café co-op in Málaga."


def test_folder_of_fifty_with_one_broken(tmp_path: Path, kb, settings) -> None:
    folder = tmp_path / "fifty"
    folder.mkdir()
    for i in range(49):
        (folder / f"note-{i:02d}.txt").write_text(f"Meeting {i}: talked about pottery kiln number {i}.")
    (folder / "note-broken.md").write_bytes(b"\x00\x01\x02" * 500)
    report = ingest_paths([folder], Target.contact("Hana Sato"), kb, settings)
    assert len(report.imported) == 49 and len(report.failed) == 1
    assert report.failed[0].path.endswith("note-broken.md")
    assert len(kb.notes_of(Target.contact("Hana Sato"))) == 49


def test_cli_exit_code_reports_partial_failure(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("Ines builds solar kiosks.")
    (tmp_path / "bad.md").write_bytes(b"\x00" * 100)
    run = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(tmp_path), "--contact", "Ines"],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 1
    assert "1 imported, 1 failed" in run.stderr and "bad.md" in run.stderr and "Traceback" not in run.stderr
    missing_target = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(tmp_path)],
                                    capture_output=True, text=True, cwd=REPO)
    assert missing_target.returncode == 2 and "--contact" in missing_target.stderr


def test_batched_ingest_matches_one_note_at_a_time(tmp_path: Path, kb, settings) -> None:
    """Batching across files (for speed, bench R2) must store exactly what per-note upserts store."""
    folder = tmp_path / "many"
    folder.mkdir()
    texts = [f"Note {i}: met at the {w} meetup; works on {w} forecasting." + (" Long tail." * (i * 12))
             for i, w in enumerate(["grid", "tidal", "solar", "kelp", "battery", "heat", "wind", "soil"] * 6)]
    for i, text in enumerate(texts):
        (folder / f"n{i:03d}.md").write_text(text, encoding="utf-8")
    report = ingest_paths([folder], Target.contact("Batch Person"), kb, settings)
    assert not report.failed and len(report.results) == len(texts)
    assert [Path(r.path).name for r in report.results] == [f"n{i:03d}.md" for i in range(len(texts))]
    batched = {c.id: (c.text, c.source) for c in kb.chunks_of(Target.contact("Batch Person"))}
    assert report.added == len(batched) > len(texts)  # long notes split into several chunks

    from assistant.types import Note
    for i, text in enumerate(texts):
        kb.upsert_note(Note(Target.contact("One Person"), text, str(folder / f"n{i:03d}.md"), f"n{i:03d}"))
    one = kb.chunks_of(Target.contact("One Person"))
    assert sorted(t for t, _ in batched.values()) == sorted(c.text for c in one)
    # Vectors do not depend on batching or on the length-sorted order.
    sample = [c.text for c in one][:40]
    together = kb.embed(sample)
    alone = [kb.embed([t])[0] for t in sample[:6]]
    for a, b in zip(together[:6], alone):
        assert max(abs(x - y) for x, y in zip(a, b)) < 1e-5


def test_same_source_twice_in_one_batch_keeps_the_later_version(kb, settings) -> None:
    from assistant.types import Note
    target = Target.contact("Twice Person")
    results = kb.upsert_notes([Note(target, "First version about kelp farming.", "same.md", "s"),
                               Note(target, "Second version about tidal energy.", "same.md", "s")])
    assert [r.added for r in results] == [1, 1] and results[1].removed == 1
    assert [c.text for c in kb.chunks_of(target)] == ["Second version about tidal energy."]


def test_a_store_failure_fails_only_that_file(tmp_path: Path, kb, settings, monkeypatch) -> None:
    """If a batched write fails, files are retried one by one and only the culprit is reported."""
    folder = tmp_path / "f"
    folder.mkdir()
    for i in range(5):
        (folder / f"n{i}.md").write_text(f"Note {i} about {'poison' if i == 2 else 'kelp'}.", encoding="utf-8")
    real = kb.upsert_notes

    def flaky(notes):
        if any("poison" in n.text for n in notes):
            raise RuntimeError("disk hiccup")
        return real(notes)

    monkeypatch.setattr(kb, "upsert_notes", flaky)
    report = ingest_paths([folder], Target.contact("Flaky Person"), kb, settings)
    assert [r.ok for r in report.results] == [True, True, False, True, True]
    assert "n2.md" in report.failed[0].message and "disk hiccup" in report.failed[0].message
    assert len(kb.chunks_of(Target.contact("Flaky Person"))) == 4
