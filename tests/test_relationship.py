"""The relationship log: interactions, cadence, who is due (with an injected clock), loops."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from assistant.notes import db
from assistant.errors import InputError, NotFoundError
from assistant.notes.ingest import store_note
from assistant.forget import forget_contact
from assistant.notes.contacts import resolve_contact
from assistant.conversation.relationship import (add_loop, cadence_for, close_loop, due, interactions, list_loops,
                                    log_interaction, reconnect_reason, set_cadence)
from assistant.types import Note, Target


def _note(kb, settings, target: Target, text: str, source: str, day: str) -> None:
    store_note(kb, settings, Note(target, text, source=source, title=source.rsplit(".", 1)[0], date=day))


@pytest.fixture
def crowd(kb, settings):
    """Four contacts whose notes are all dated 2025-12-01."""
    for name, text in [("Ana Costa", "Ana runs the saltmarsh programme at Estuary Trust."),
                       ("Ben Ode", "Ben is CTO at Voltwell. I'll send him my notes from GreenGrid."),
                       ("Cleo Nadir", "Cleo leads data at Tidewater Energy."),
                       ("Dev Patel", "Dev manages installer operations at Heatwise.")]:
        _note(kb, settings, Target.contact(name), text, f"{name.split()[0].lower()}.md", "2025-12-01")
    db.upsert_contact(settings, "Cleo Nadir", ["Grid"])
    _note(kb, settings, Target.field("Grid"), "Time-of-use pricing pilots are spreading across utilities.",
          "tou-pricing.md", "2026-01-15")
    return kb


def test_log_is_a_dated_row_and_a_note(crowd, settings) -> None:
    entry = log_interaction("ana", "Coffee; she said the Bayfront grant came through.", crowd, settings,
                            when=date(2026, 1, 20))
    assert entry.contact == "Ana Costa" and entry.date == "2026-01-20"
    assert entry.source.startswith("log:2026-01-20:") and len(entry.source.rsplit(":", 1)[1]) == 8
    chunks = [c for c in crowd.chunks_of(Target.contact("Ana Costa")) if c.source == entry.source]
    assert chunks and chunks[0].text == "Interaction on 2026-01-20: Coffee; she said the Bayfront grant came through."
    assert chunks[0].date == "2026-01-20" and chunks[0].title == "Logged 2026-01-20"
    again = log_interaction("Ana Costa", "Coffee;  she said the Bayfront grant came through.", crowd, settings,
                            when=date(2026, 1, 20))
    assert again.duplicate and again.id == entry.id
    assert [e.text for e in interactions("Ana Costa", crowd, settings)] == [entry.text]
    assert resolve_contact(crowd, settings, "Ana Costa").last_interaction == "2026-01-20"


def test_log_rejects_empty_text_and_unknown_people(crowd, settings) -> None:
    with pytest.raises(InputError):
        log_interaction("Ana Costa", "   ", crowd, settings)
    with pytest.raises(NotFoundError):
        log_interaction("Zed Unknown", "Met at the meetup", crowd, settings)
    entry = log_interaction("Zed Unknown", "Met at the meetup", crowd, settings, create=True)
    assert entry.contact == "Zed Unknown" and crowd.chunks_of(Target.contact("Zed Unknown"))


def test_logged_interaction_feeds_the_next_brief(crowd, settings, tiny_llm) -> None:
    from assistant.brief.builder import BriefBuilder

    entry = log_interaction("Ana Costa", "Call: she is hiring a hydrologist for Bayfront.", crowd, settings,
                            when=date(2026, 2, 1))
    builder = BriefBuilder("Ana Costa", crowd, settings, tiny_llm)
    assert any(c.source == entry.source for c in builder.notes)
    assert any(c.source.startswith("log:") and "hydrologist" in c.text for c in builder.labels.values())


def test_due_respects_cadences_with_an_injected_today(crowd, settings) -> None:
    log_interaction("Ana Costa", "Coffee at the Tern & Kettle.", crowd, settings, when=date(2026, 1, 1))
    log_interaction("Ben Ode", "Call about Voltwell's pilot.", crowd, settings, when=date(2026, 1, 10))
    set_cadence("Ana Costa", 30, crowd, settings)
    set_cadence("Cleo Nadir", 90, crowd, settings)
    assert cadence_for("Ana Costa", settings) == 30 and cadence_for("Ben Ode", settings) == settings.cadence_days

    by_name = {i.name: i for i in due(crowd, settings, today=date(2026, 2, 5))}
    # Ana: 2026-01-01 + 30 d = 01-31 -> 5 days overdue. Ben: 01-10 + 42 = 02-21, not yet.
    # Cleo: last note 2025-12-01 + 90 = 2026-03-01, not yet. Dev: note 2025-12-01 + 42 = 2026-01-12.
    assert set(by_name) == {"Ana Costa", "Dev Patel"}
    assert by_name["Ana Costa"].due_on == date(2026, 1, 31) and by_name["Ana Costa"].overdue_days == 5
    assert by_name["Ana Costa"].last_contact == date(2026, 1, 1)
    assert by_name["Dev Patel"].last_contact == date(2025, 12, 1) and by_name["Dev Patel"].overdue_days == 24
    assert [i.name for i in due(crowd, settings, today=date(2026, 2, 5))] == ["Dev Patel", "Ana Costa"]

    later = {i.name: i for i in due(crowd, settings, today=date(2026, 3, 1))}
    assert set(later) == {"Ana Costa", "Ben Ode", "Cleo Nadir", "Dev Patel"}
    assert later["Ben Ode"].due_on == date(2026, 2, 21) and later["Cleo Nadir"].overdue_days == 0
    assert due(crowd, settings, today=date(2025, 12, 2)) == []


def test_due_reasons_come_from_the_notes(crowd, settings) -> None:
    loop = add_loop("Ana Costa", "offer", "send the kelp vs saltmarsh paper", crowd, settings)
    items = {i.name: i for i in due(crowd, settings, today=date(2026, 6, 1))}
    assert "send the kelp vs saltmarsh paper" in items["Ana Costa"].reason
    assert items["Ana Costa"].reason_source == f"loop:{loop.id}"
    ben_ids = {c.id for c in crowd.chunks_of(Target.contact("Ben Ode"))}
    assert "I'll send him my notes from GreenGrid" in items["Ben Ode"].reason
    assert items["Ben Ode"].reason_source in ben_ids
    grid_ids = {c.id for c in crowd.chunks_of(Target.field("Grid"))}
    assert "Grid" in items["Cleo Nadir"].reason and items["Cleo Nadir"].reason_source in grid_ids
    assert items["Dev Patel"].reason_source is None and "Dev" in items["Dev Patel"].reason
    close_loop(loop.id, settings)
    reason, source = reconnect_reason(resolve_contact(crowd, settings, "Ana Costa"), crowd, settings)
    assert source is None and "kelp" not in reason


def test_loops_open_close_list(crowd, settings) -> None:
    a = add_loop("ana", "offer", "intro to Priya", crowd, settings)
    b = add_loop("Ben Ode", "ask", "feedback on the Voltwell landing page", crowd, settings)
    assert [lp.id for lp in list_loops(crowd, settings)] == [a.id, b.id]
    assert [lp.text for lp in list_loops(crowd, settings, "Ana Costa")] == ["intro to Priya"]
    done = close_loop(a.id, settings)
    assert done.done_at and not done.is_open and done.contact == "Ana Costa"
    assert [lp.id for lp in list_loops(crowd, settings)] == [b.id]
    assert len(list_loops(crowd, settings, open_only=False)) == 2
    with pytest.raises(NotFoundError):
        close_loop(999, settings)
    with pytest.raises(InputError):
        add_loop("Ana Costa", "favour", "x", crowd, settings)
    entry = log_interaction("Ben Ode", "Lunch", crowd, settings, offer="my GreenGrid notes", ask="a demo")
    kinds = sorted(lp.kind for lp in list_loops(crowd, settings, entry.contact))
    assert kinds == ["ask", "ask", "offer"]


def test_cadence_must_be_sensible(crowd, settings) -> None:
    with pytest.raises(InputError):
        set_cadence("Ana Costa", 0, crowd, settings)
    with pytest.raises(NotFoundError):
        set_cadence("Nobody Here", 30, crowd, settings)


def test_forget_contact_removes_log_and_loops(crowd, settings) -> None:
    log_interaction("Ana Costa", "Coffee.", crowd, settings, when=date(2026, 1, 1), offer="a paper")
    report = forget_contact(crowd, settings, "Ana Costa")
    assert report.removed["interactions"] == 1 and report.removed["open loops"] == 1
    assert not list_loops(crowd, settings)


def test_cli_log_cadence_due_loop(crowd, settings) -> None:
    from assistant.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["log", "ana", "Coffee; she mentioned the Bayfront grant", "--date", "2026-01-01",
                            "--offer", "the kelp paper"])
    assert r.exit_code == 0, r.output
    assert "Ana Costa" in r.stdout and "2026-01-01" in r.stdout
    assert runner.invoke(app, ["log", "ana", "x", "--date", "January"]).exit_code == 2
    assert runner.invoke(app, ["cadence", "Ana Costa", "30"]).exit_code == 0
    r = runner.invoke(app, ["due", "--json", "--today", "2026-02-05"])
    assert r.exit_code == 0, r.output
    items = {i["name"]: i for i in json.loads(r.stdout)}
    assert items["Ana Costa"]["due_on"] == "2026-01-31" and "kelp paper" in items["Ana Costa"]["reason"]
    assert "Ben Ode" in items  # note from 2025-12-01, default cadence
    r = runner.invoke(app, ["loop", "list", "Ana Costa", "--json"])
    loops = json.loads(r.stdout)
    assert [lp["text"] for lp in loops] == ["the kelp paper"]
    assert runner.invoke(app, ["loop", "add", "Ben Ode", "--ask", "a demo"]).exit_code == 0
    assert runner.invoke(app, ["loop", "add", "Ben Ode"]).exit_code == 2
    r = runner.invoke(app, ["loop", "done", str(loops[0]["id"])])
    assert r.exit_code == 0 and "Closed" in r.stdout
    r = runner.invoke(app, ["loop", "list"])
    assert "a demo" in r.stdout and "kelp paper" not in r.stdout
