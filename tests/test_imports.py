"""Importing where networks live: LinkedIn connections and messages, Google Contacts, vCard, .ics meetings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.notes import db
from assistant.notes.calendar import content_lines, parse_events
from assistant.notes.imports import import_bytes, import_file, import_paths
from assistant.notes.networks import CONNECTIONS, GOOGLE, ICALENDAR, MESSAGES, VCARD, detect
from assistant.types import Target

FIX = Path(__file__).parent / "fixtures" / "imports"


def _texts(kb, name: str) -> list[str]:
    return [c.text for c in kb.chunks_of(Target.contact(name))]


@pytest.mark.parametrize("name, fmt", [("Connections.csv", CONNECTIONS), ("messages.csv", MESSAGES),
                                       ("google.csv", GOOGLE), ("contacts.vcf", VCARD), ("calendar.ics", ICALENDAR)])
def test_format_is_recognised_by_content_not_name(name: str, fmt: str, tmp_path: Path) -> None:
    text = (FIX / name).read_text(encoding="utf-8")
    assert detect(text)[0] == fmt
    renamed = tmp_path / "export.txt"
    renamed.write_text(text, encoding="utf-8")
    assert detect(renamed.read_text(encoding="utf-8"))[0] == fmt


def test_linkedin_connections_notes_lines_quoted_commas_and_duplicates(kb, settings) -> None:
    report = import_file(FIX / "Connections.csv", kb, settings)
    assert report.ok and report.format == CONNECTIONS
    names = {c.name for c in db.list_contacts(settings)}
    assert {"Dana Whitfield", "Omar Haddad", "Alex Kim", "Alex Kim (Globex)", "Sam Lee", "Priya Natarajan"} == names
    assert any("Connected on LinkedIn on 2024-03-12. Head of Product, Installer Network at Brightwater Heat." in t
               for t in _texts(kb, "Dana Whitfield"))
    assert any("Haddad, Fraser & Co." in t for t in _texts(kb, "Omar Haddad"))  # quoted comma kept
    dated = [c.date for c in kb.chunks_of(Target.contact("Dana Whitfield"))]
    assert dated == ["2024-03-12"]
    problems = "\n".join(report.problems)
    assert "row 11: no name" in problems
    assert "'31 Foo 2024', not a date" in problems and any("Tidal Co-op" in t for t in _texts(kb, "Priya Natarajan"))
    assert "another Alex Kim" in problems and "Alex Kim (Globex)" in problems
    assert "row 10: Sam Lee appears again (row 9) with no e-mail or profile URL" in problems


def test_reimporting_a_newer_export_adds_only_what_is_new(kb, settings) -> None:
    import_file(FIX / "Connections.csv", kb, settings)
    newer = import_file(FIX / "Connections_newer.csv", kb, settings)
    assert newer.new_contacts == 1 and newer.notes_added == 1
    assert db.get_contact(settings, "Grace Okafor") is not None
    again = import_file(FIX / "Connections_newer.csv", kb, settings)
    assert again.new_contacts == 0 and again.notes_added == 0 and again.notes_unchanged >= 6
    assert db.get_contact(settings, "Alex Kim (Globex) (Globex)") is None  # the same person found again by URL


def test_linkedin_messages_become_dated_notes_of_the_other_party(kb, settings) -> None:
    import_file(FIX / "Connections_newer.csv", kb, settings)
    report = import_file(FIX / "messages.csv", kb, settings)
    assert report.ok and "Jordan Rivers" in report.message  # the user: in the most conversations
    dana = kb.chunks_of(Target.contact("Dana Whitfield"))
    sent = [c for c in dana if c.source.startswith("message:sent:")]
    assert sent and sent[0].date == "2026-01-05" and "from you to Dana Whitfield" in sent[0].text
    assert any("busy until after the launch in March" in c.text and c.source.startswith("message:received:")
               for c in dana)
    assert any("let's talk" in t and "<b>" not in t for t in _texts(kb, "Grace Okafor"))
    assert db.get_contact(settings, "Jordan Rivers") is None
    problems = "\n".join(report.problems)
    assert "row 6: date 'not a date'" in problems and "row 7: an empty message" in problems
    assert import_file(FIX / "messages.csv", kb, settings).notes_added == 0


def test_vcard_and_google_contacts(kb, settings) -> None:
    vcf = import_file(FIX / "contacts.vcf", kb, settings)
    assert vcf.format == VCARD and vcf.contacts == 2 and "card 3: no name (only nobody@example.com)" in vcf.problems[0]
    assert any("Director of Research at GridLab. Met at the storage panel. Grant deadline in March, so quiet" in t
               for t in _texts(kb, "Farah Siddiqui"))
    assert db.get_contact(settings, "Owen Tremblay") is not None  # from N when FN is missing
    google = import_file(FIX / "google.csv", kb, settings)
    assert google.format == GOOGLE and google.contacts == 2
    assert any("Manager, Retrofits at City of Halifax" in t for t in _texts(kb, "Lena Brooks"))
    assert db.get_contact(settings, "Marco Rossi") is not None
    assert "row 4: no name (only orphan@example.com)" in google.problems[0]


def test_ics_unfolding_params_and_time_zones() -> None:
    lines = content_lines("BEGIN:VEVENT\r\nATTENDEE;CN=\"Rivers, Jordan\";ROLE=X:mailto:jo\r\n rdan@x.example\r\n")
    assert lines[1].params["CN"] == "Rivers, Jordan" and lines[1].value == "mailto:jordan@x.example"
    events, problems = parse_events((FIX / "calendar.ics").read_text(encoding="utf-8"))
    by_uid = {e.uid: e for e in events}
    assert by_uid["coffee-dana-1@example.com"].start == "2026-03-12T10:00:00-03:00"  # TZID
    assert by_uid["coffee-dana-1@example.com"].summary == "Coffee with Dana, onboarding chat"
    assert by_uid["call-omar-1@example.com"].start == "2026-03-05T15:00:00+00:00"     # UTC
    assert by_uid["conf-1@example.com"].start == "2026-03-20"                          # date only
    assert any("RRULE" in p for p in by_uid["conf-1@example.com"].problems)
    assert any("cancelled" in p for p in problems) and any("no start" in p for p in problems)


def test_ics_meetings_match_contacts_by_email_or_name_and_are_idempotent(kb, settings) -> None:
    import_file(FIX / "Connections.csv", kb, settings)
    report = import_file(FIX / "calendar.ics", kb, settings)
    assert report.meetings_added == 3 and report.meetings_known == 0
    dana = db.meeting_rows(settings, key="dana whitfield")        # by e-mail (a folded line)
    assert [m["summary"] for m in dana] == ["Coffee with Dana, onboarding chat"]
    omar = db.meeting_rows(settings, key="omar haddad")           # by name (e-mail unknown)
    assert [m["day"] for m in omar] == ["2026-03-05"]
    assert any("not among your contacts: Unknown Person" in p for p in report.problems)
    again = import_file(FIX / "calendar.ics", kb, settings)
    assert again.meetings_added == 0 and again.meetings_known == 3
    assert len(db.meeting_rows(settings)) == 3


def test_unknown_or_unreadable_files_fail_alone(kb, settings, tmp_path: Path) -> None:
    junk = tmp_path / "notes.csv"
    junk.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    reports = import_paths([junk, tmp_path / "missing.csv", FIX / "google.csv"], kb, settings)
    assert [r.ok for r in reports] == [False, False, True]
    assert "not an export Rapport knows" in reports[0].message and "cannot be read" in reports[1].message
    assert not import_bytes(b"\xff\xfe\x00", "x.csv", kb, settings).ok


def test_cli_import(kb, settings) -> None:
    from assistant.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["import", str(FIX / "Connections.csv"), str(FIX / "calendar.ics")])
    assert r.exit_code == 0, r.output
    assert "LinkedIn connections: 6 contact(s) (6 new)" in r.stdout and "3 new meeting(s)" in r.stdout
    assert "row 11: no name" in r.stdout
    r = runner.invoke(app, ["import", "--json", str(FIX / "Connections.csv")])
    assert json.loads(r.stdout)[0]["new_contacts"] == 0
    r = runner.invoke(app, ["today", "--json", "--today", "2026-03-07"])
    kinds = {(i["kind"], i["name"]) for i in json.loads(r.stdout)}
    assert ("prepare", "Dana Whitfield") in kinds and ("debrief", "Omar Haddad") in kinds
