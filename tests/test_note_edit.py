"""Editing and deleting one note, renaming and merging contacts, removing a field.

Real Chroma and the real embedder (a handful of short notes: a few seconds on 2 cores),
so "search finds the new text" is the search users get.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.conversation.history import Conversation
from assistant.conversation.relationship import add_loop, interactions, list_loops, log_interaction
from assistant.errors import InputError, NotFoundError
from assistant.notes import db
from assistant.notes.contacts import list_contacts, resolve_contact
from assistant.notes.edit import edit_note, find_note, note_id, remove_field
from assistant.notes.ingest import copies_dir, ingest_paths, ingest_text, read_manifest
from assistant.notes.workspace import brief_path, load_brief, save_brief
from assistant.rename import merge_contacts, remove_note, rename_contact
from assistant.types import Target, name_key

DANA = Target.contact("Dana Whitfield")
OWEN = Target.contact("Owen Tremblay")


def _only_note(kb, target: Target) -> str:
    notes = kb.notes_of(target)
    assert len(notes) == 1, notes
    return note_id(notes[0].source_key)


def _everything(kb) -> str:
    return "\n".join(doc for _, doc in kb.all_documents())


def _brief_citing(settings, name: str, chunk_id: str) -> None:
    save_brief({"contact": name, "generated_at": "2026-01-02T10:00:00", "goal": "",
                "facts": [{"text": "A fact.", "sources": [chunk_id]}],
                "sources": [{"id": chunk_id, "source": "x", "excerpt": "", "title": "", "date": ""}],
                "warnings": []}, settings)


def test_edit_replaces_chunks_and_re_embeds(kb, settings) -> None:
    ingest_text("Dana grows heirloom tomatoes on her balcony in Halifax.", DANA, kb, settings, title="Hobby")
    ident = _only_note(kb, DANA)
    old_ids = find_note(kb, settings, ident).chunk_ids
    _brief_citing(settings, DANA.name, old_ids[0])
    change = edit_note(kb, settings, ident, "Dana restores wooden sailboats in Lunenburg every winter.")
    assert change.changed["chunks stored"] == 1 and change.changed["chats and briefs marked"] == 1
    top = kb.search("sailboats restoration", [DANA], k=1)[0]
    assert "sailboats" in top.text
    assert "tomatoes" not in _everything(kb)
    again = find_note(kb, settings, ident)  # same id: the note's source did not change
    assert again.text == "Dana restores wooden sailboats in Lunenburg every winter." and again.title == "Hobby"
    folder = copies_dir(settings, DANA)  # the copy holds the edit, so a rebuild restores it
    copies = [p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name != "manifest.json"]
    assert copies == ["Dana restores wooden sailboats in Lunenburg every winter."]
    assert ident in load_brief(settings, DANA.name)["stale_notes"]
    with pytest.raises(InputError):
        edit_note(kb, settings, ident, "   ")


def test_edit_of_a_logged_interaction_updates_its_row(kb, settings) -> None:
    ingest_text("Dana leads product at Brightwater Heat.", DANA, kb, settings)
    entry = log_interaction(DANA.name, "Coffee at Java Blend about installer churn", kb, settings)
    ident = note_id(f"contact:{DANA.key}:{entry.source}")
    assert find_note(kb, settings, ident).kind == "interaction"
    edit_note(kb, settings, ident, f"Interaction on {entry.date}: Coffee at Java Blend about heat pump rebates")
    assert interactions(DANA.name, kb, settings)[0].text == "Coffee at Java Blend about heat pump rebates"


def test_full_text_of_a_long_file_note(kb, settings, tmp_path: Path) -> None:
    paragraphs = [f"Paragraph {n}: Dana described step {n} of the installer onboarding funnel in detail, "
                  f"with numbers for week {n} and the churn they saw after it." for n in range(12)]
    path = tmp_path / "long.md"
    path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    ingest_paths([path], DANA, kb, settings)
    record = find_note(kb, settings, _only_note(kb, DANA))
    assert len(record.chunk_ids) > 1
    for p in paragraphs:
        assert record.text.count(p) == 1, p  # the splitter's overlap is not repeated


def test_delete_removes_chunks_copy_row_log_and_marks_brief(kb, settings, tmp_path: Path) -> None:
    path = tmp_path / "coffee-with-dana.md"
    path.write_text("Dana said onboarding installers takes three weeks.", encoding="utf-8")
    ingest_paths([path], DANA, kb, settings)
    ingest_text("Dana sails on weekends.", DANA, kb, settings)
    record = next(find_note(kb, settings, note_id(n.source_key)) for n in kb.notes_of(DANA)
                  if n.source.endswith("coffee-with-dana.md"))
    _brief_citing(settings, DANA.name, record.chunk_ids[0])
    conv = Conversation.load(DANA.name, settings)
    conv.add("user", "what about onboarding?")
    conv.add("assistant", "Three weeks [N1].", sources=[{"id": record.chunk_ids[0], "source": record.source}])
    conv.save()
    settings.log_path.write_text("2026-01-01 10:00:00 INFO rapport.ingest: imported coffee-with-dana.md\n"
                                 "2026-01-01 10:00:01 INFO rapport.ui: something else\n", encoding="utf-8")
    change = remove_note(kb, settings, record.id)
    assert change.changed["note chunks"] == 1 and change.changed["copied files"] == 1
    assert change.changed["chats and briefs marked"] == 2 and change.changed["log entries"] == 1
    assert "three weeks" not in _everything(kb) and "sails" in _everything(kb)
    manifest = read_manifest(copies_dir(settings, DANA))
    assert [e["source"] for e in manifest["copies"].values()] == [n.source for n in kb.notes_of(DANA)]
    assert "coffee-with-dana" not in settings.log_path.read_text(encoding="utf-8")
    brief = json.loads(brief_path(settings, DANA.name).read_text(encoding="utf-8"))
    assert brief["stale_notes"] == [record.id] and "was deleted" in brief["warnings"][-1]
    with pytest.raises(NotFoundError):
        find_note(kb, settings, record.id)
    # a logged interaction: deleting its note removes its row as well
    entry = log_interaction(DANA.name, "Phone call about the pilot", kb, settings)
    remove_note(kb, settings, note_id(f"contact:{DANA.key}:{entry.source}"))
    assert interactions(DANA.name, kb, settings) == []


def test_delete_never_touches_another_persons_same_named_file(kb, settings, tmp_path: Path) -> None:
    path = tmp_path / "meeting.md"
    path.write_text("Notes from the climate meetup: heat pumps and grid data.", encoding="utf-8")
    ingest_paths([path], DANA, kb, settings)
    ingest_paths([path], OWEN, kb, settings)  # the same file, the same copy name, for someone else
    dana_id, owen_id = _only_note(kb, DANA), _only_note(kb, OWEN)
    assert dana_id != owen_id
    with pytest.raises(NotFoundError):
        find_note(kb, settings, dana_id, owner=OWEN)  # the page of one person cannot reach another's note
    remove_note(kb, settings, dana_id, owner=DANA)
    assert kb.notes_of(DANA) == [] and len(kb.notes_of(OWEN)) == 1
    owen_copies = [p.name for p in copies_dir(settings, OWEN).iterdir() if p.name != "manifest.json"]
    assert len(owen_copies) == 1 and len(read_manifest(copies_dir(settings, OWEN))["copies"]) == 1


def test_rename_moves_everything_to_the_new_name(kb, settings) -> None:
    ingest_text("Dana leads product at Brightwater Heat; installer onboarding is her problem.", DANA, kb, settings,
                fields=["Climate tech"])
    log_interaction(DANA.name, "Coffee about onboarding", kb, settings)
    add_loop(DANA.name, "offer", "send the funnel teardown", kb, settings)
    db.set_cadence(settings, DANA.name, 30)
    chunk = kb.chunks_of(DANA)[0]
    _brief_citing(settings, DANA.name, chunk.id)
    conv = Conversation.load(DANA.name, settings)
    conv.add("user", "hello")
    conv.save()
    report = rename_contact(kb, settings, "dana", "Dana Whitfield-Ross")
    assert "Renamed Dana Whitfield to Dana Whitfield-Ross" in report.describe()
    new = Target.contact("Dana Whitfield-Ross")
    assert kb.chunks_of(DANA) == [] and len(kb.notes_of(new)) == 2
    assert "onboarding" in kb.search("installer onboarding", [new], k=1)[0].text
    with pytest.raises(NotFoundError):
        resolve_contact(kb, settings, "Dana Whitfield")
    record = db.get_contact(settings, new.name)
    assert record.fields == ["Climate tech"] and record.cadence_days == 30
    assert len(interactions(new.name, kb, settings)) == 1 and len(list_loops(kb, settings, new.name)) == 1
    assert not copies_dir(settings, DANA).exists()
    assert read_manifest(copies_dir(settings, new))["owner_key"] == new.key
    assert not brief_path(settings, DANA.name).exists()
    brief = load_brief(settings, new.name)
    assert brief is not None and {c.id for c in kb.get(brief["facts"][0]["sources"])}  # citations follow new ids
    assert len(Conversation.load(new.name, settings)) == 1
    with pytest.raises(InputError):
        ingest_text("Owen builds load forecasts.", OWEN, kb, settings)
        rename_contact(kb, settings, new.name, OWEN.name)  # taken: merge instead


def test_merge_moves_notes_loops_and_log(kb, settings) -> None:
    dup = Target.contact("D. Whitfield")
    ingest_text("Dana leads product at Brightwater Heat.", DANA, kb, settings)
    ingest_text("D. Whitfield mentioned a two-step installer sign-up pilot.", dup, kb, settings)
    log_interaction(dup.name, "Met at the climate meetup", kb, settings)
    add_loop(dup.name, "ask", "an intro to a grid data person", kb, settings)
    report = merge_contacts(kb, settings, dup.name, DANA.name)
    assert report.moved["note chunks"] == 2 and report.moved["loops"] == 1
    assert [c.name for c in list_contacts(kb, settings)] == ["Dana Whitfield"]
    assert len(kb.notes_of(DANA)) == 3 and kb.chunks_of(dup) == []
    assert [e.text for e in interactions(DANA.name, kb, settings)] == ["Met at the climate meetup"]
    assert [lp.text for lp in list_loops(kb, settings, DANA.name)] == ["an intro to a grid data person"]
    assert not copies_dir(settings, dup).exists()
    assert len(read_manifest(copies_dir(settings, DANA))["copies"]) == 2  # logged notes have no copy
    with pytest.raises(InputError):
        merge_contacts(kb, settings, "Dana Whitfield", "dana  whitfield")


def test_remove_field_removes_notes_and_links(kb, settings) -> None:
    ingest_text("Dana leads product at Brightwater Heat.", DANA, kb, settings, fields=["Climate tech"])
    ingest_text("Heat pump rebates doubled this year.", Target.field("Climate tech"), kb, settings)
    counts = remove_field(kb, settings, "climate tech")
    assert counts["note chunks"] == 1 and counts["contacts unlinked"] == 1
    assert kb.chunks_of(Target.field("Climate tech")) == []
    assert db.get_contact(settings, DANA.name).fields == []
    assert read_manifest(copies_dir(settings, DANA))["fields"] == []
    assert not copies_dir(settings, Target.field("Climate tech")).exists()
    with pytest.raises(NotFoundError):
        remove_field(kb, settings, "Climate tech")


def test_cli_note_show_edit_delete_rename_merge_field(kb, settings, tmp_path: Path) -> None:
    from assistant.cli import app

    ingest_text("Dana grows tomatoes.", DANA, kb, settings, fields=["Climate tech"])
    ingest_text("Owen builds load forecasts.", OWEN, kb, settings)
    ingest_text("Grid news.", Target.field("Climate tech"), kb, settings)
    runner = CliRunner()
    r = runner.invoke(app, ["timeline", "dana", "--json"])
    assert r.exit_code == 0, r.output
    ident = json.loads(r.stdout)[0]["id"]
    r = runner.invoke(app, ["note", "show", ident])
    assert r.exit_code == 0 and "Dana grows tomatoes." in r.stdout
    r = runner.invoke(app, ["note", "edit", ident, "--text", "Dana grows peppers."])
    assert r.exit_code == 0 and "Edited note" in r.stdout, r.output
    new_text = tmp_path / "new.txt"
    new_text.write_text("Dana grows squash.", encoding="utf-8")
    r = runner.invoke(app, ["note", "edit", ident, "--file", str(new_text)])
    assert r.exit_code == 0 and find_note(kb, settings, ident).text == "Dana grows squash."
    r = runner.invoke(app, ["note", "show", "note-0000000000"])
    assert isinstance(r.exception, NotFoundError)  # `rapport` (main) prints it as a sentence
    r = runner.invoke(app, ["rename", "owen", "Owen T."])
    assert r.exit_code == 0 and "Renamed Owen Tremblay to Owen T." in r.stdout
    r = runner.invoke(app, ["merge", "Owen T.", "Dana Whitfield", "-y"])
    assert r.exit_code == 0 and "Merged" in r.stdout
    r = runner.invoke(app, ["field", "remove", "Climate tech", "-y"])
    assert r.exit_code == 0 and "Removed the field" in r.stdout
    r = runner.invoke(app, ["note", "delete", ident, "-y"])
    assert r.exit_code == 0 and "Deleted note" in r.stdout
    assert [n.excerpt for n in kb.notes_of(DANA)] == ["Owen builds load forecasts."]
    assert name_key("Owen T.") not in {c.key for c in list_contacts(kb, settings)}


def test_rename_and_merge_carry_event_rows_and_meetings(kb, settings) -> None:
    from assistant.event import jobs as event_store
    from assistant.event.pack import write_all

    ingest_text("Dana leads product at Brightwater Heat.", DANA, kb, settings)
    ingest_text("Owen builds load forecasts.", OWEN, kb, settings)
    items = [event_store.EventItem(0, t.key, t.name, n, 0.5, "fits", {"row": n}) for n, t in enumerate((DANA, OWEN), 1)]
    job = event_store.create_event(settings, name="Meetup", csv_path="x.csv", goal=None, items=items)
    write_all(job)
    db.upsert_meeting(settings, "m1", "2026-01-05T10:00:00", "2026-01-05", "Coffee", "",
                      [{"name": DANA.name, "email": "", "contact": DANA.key},
                       {"name": OWEN.name, "email": "", "contact": OWEN.key}])
    rename_contact(kb, settings, DANA.name, "Dana Ross")
    ross = Target.contact("Dana Ross")
    rows = {i.contact_key: i.name for i in event_store.load_items(settings, job.id, with_briefs=False)}
    assert rows == {ross.key: "Dana Ross", OWEN.key: OWEN.name}
    assert [m["uid"] for m in db.meeting_rows(settings, key=ross.key)] == ["m1"]
    assert db.meeting_rows(settings, key=DANA.key) == []
    ranking = (Path(job.out_dir) / "ranking.csv").read_text(encoding="utf-8")
    assert "Dana Ross" in ranking and "Dana Whitfield" not in ranking  # the pack is rewritten
    merge_contacts(kb, settings, OWEN.name, ross.name)  # both in one event and one meeting: one row each stays
    rows = {i.contact_key: i.name for i in event_store.load_items(settings, job.id, with_briefs=False)}
    assert rows == {ross.key: "Dana Ross"}
    attendees = db.meeting_rows(settings, key=ross.key)[0]["attendees"]
    assert [a["contact"] for a in attendees] == [ross.key]
