"""The patient plan and busy periods: pure rules on fixed dates, then the `rapport plan` / `today` commands."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from assistant.config import Settings
from assistant.conversation.plan import NUDGE_AFTER_DAYS, PersonState, schedule
from assistant.conversation.today import assemble
from assistant.conversation.relationship import DueItem, Loop
from assistant.errors import InputError
from assistant.text.busy import BusyPeriod, busy_periods

TODAY = date(2026, 1, 12)  # a Monday


# ------------------------------------------------------------------ busy --
@pytest.mark.parametrize("text, start, end", [
    ("Quarter close keeps him busy.", date(2026, 3, 17), date(2026, 4, 10)),
    ("It is tax season for Omar, so he goes quiet.", date(2026, 2, 1), date(2026, 4, 30)),
    ("She has a grant deadline in March.", date(2026, 3, 1), date(2026, 3, 31)),
    ("Priya is on leave until May.", TODAY, date(2026, 4, 30)),
    ("He is busy until after the launch in June.", TODAY, date(2026, 6, 30)),
    # a stretch of months, as notes say it (a fresh speaker's note: "she'll be flat out Jan-Feb")
    ("She'll be flat out Jan-Feb.", date(2026, 1, 1), date(2026, 2, 28)),  # under way on 12 January
    ("Swamped from June to August every year.", date(2026, 6, 1), date(2026, 8, 31)),
    ("Oct-Dec is always hectic for them.", date(2026, 10, 1), date(2026, 12, 31)),
    ("April is crunch time.", date(2026, 4, 1), date(2026, 4, 30)),
    ("I'd love to give a talk, but not before March.", TODAY, date(2026, 2, 28)),
])
def test_busy_periods_are_found_with_their_sentence(text: str, start: date, end: date) -> None:
    found = busy_periods("Met at the summit. " + text + " Likes sailing.", TODAY)
    assert found == [BusyPeriod(start, end, text)]


def test_a_stretch_under_way_is_the_one_that_ends_next() -> None:
    """On 5 December, "Nov-Feb is their busy season" means now until the end of February, not next November."""
    assert busy_periods("Nov-Feb is their busy season.", date(2026, 12, 5))[0][:2] == (date(2026, 11, 1),
                                                                                          date(2027, 2, 28))
    assert busy_periods("She may be busy; the launch went well.", TODAY) == []


def test_after_busy_skips_chained_periods_and_says_which_moved_it() -> None:
    from assistant.text.busy import after_busy

    busy = busy_periods("Swamped in March. She is busy in April with the audit.", TODAY)
    assert after_busy(date(2026, 3, 10), busy) == (date(2026, 5, 1), busy[1])
    assert after_busy(date(2026, 5, 10), busy) == (date(2026, 5, 10), None)


def test_busy_month_in_the_past_means_next_year_and_plain_text_has_none() -> None:
    assert busy_periods("Grant deadline in March.", date(2026, 5, 2))[0][:2] == (date(2027, 3, 1), date(2027, 3, 31))
    assert busy_periods("She closed a deal in March and may call.", TODAY) == []
    assert busy_periods("", TODAY) == []


# ------------------------------------------------------------------ plan --
def test_no_more_than_n_asks_a_week_the_rest_move_on() -> None:
    people = [PersonState(f"P{n}", due_on=TODAY - timedelta(days=n), reason="due") for n in range(5)]
    plan = schedule(people, TODAY, weeks=4, max_asks_per_week=3)
    weeks = [plan.week_of(i) for i in plan.items]
    assert weeks.count(1) == 3 and weeks.count(2) == 2
    moved = [i for i in plan.items if plan.week_of(i) == 2]
    assert all(i.on == TODAY + timedelta(days=7) and "no more than 3 new asks a week" in i.why for i in moved)
    assert len(schedule(people, TODAY, 4, 1).items) == 4  # one a week: the fifth is past the horizon
    assert len(schedule(people, TODAY, 4, 1).later) == 1


def test_unanswered_message_gets_one_nudge_after_a_polite_wait() -> None:
    sent = TODAY - timedelta(days=3)
    plan = schedule([PersonState("Omar", due_on=TODAY, last_sent=sent, unanswered=1)], TODAY)
    [item] = plan.items
    assert item.kind == "nudge" and item.on == sent + timedelta(days=NUDGE_AFTER_DAYS)
    assert (item.on - sent).days >= 10
    # already nudged once: no more nudges and no reconnect, only a line saying why
    plan = schedule([PersonState("Omar", due_on=TODAY, last_sent=sent, unanswered=2)], TODAY)
    assert plan.items == [] and "already nudged once" in plan.waiting[0]


def test_busy_period_moves_the_item_after_it_and_cites_the_sentence() -> None:
    quote = "She has a grant deadline in March."
    busy = busy_periods(quote, TODAY)
    plan = schedule([PersonState("Farah", due_on=date(2026, 3, 10), reason="due", busy=busy)], TODAY, weeks=16)
    [item] = plan.items
    assert item.on == date(2026, 4, 1) and item.moved_from == date(2026, 3, 10)
    assert item.quote == quote and quote in item.why


def test_give_first_the_offer_comes_before_any_ask() -> None:
    person = PersonState("Dana", due_on=TODAY - timedelta(days=5), reason="due", offers=[(7, "the onboarding article")])
    plan = schedule([person], TODAY)
    give, ask = plan.items
    assert give.kind == "give" and give.on == TODAY and give.loop_id == 7 and "Send what you promised" in give.why
    assert ask.kind == "reconnect" and ask.on >= give.on + timedelta(days=7) and "give first" in ask.why
    assert not give.is_ask  # gives do not count against the weekly limit
    crowd = [PersonState(f"P{n}", due_on=TODAY, offers=[(n, "x")]) for n in range(5)]
    assert sum(1 for i in schedule(crowd, TODAY, 1, 3).items if i.kind == "give") == 5


def test_max_asks_setting_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("RAPPORT_MAX_ASKS_PER_WEEK", "5")
    assert Settings.from_env(home=tmp_path).max_asks_per_week == 5
    monkeypatch.setenv("RAPPORT_MAX_ASKS_PER_WEEK", "0")
    with pytest.raises(InputError, match="RAPPORT_MAX_ASKS_PER_WEEK"):
        Settings.from_env(home=tmp_path)
    monkeypatch.delenv("RAPPORT_MAX_ASKS_PER_WEEK")
    assert Settings.from_env(home=tmp_path).max_asks_per_week == 3


# ----------------------------------------------------------------- today --
def test_today_assembles_meetings_loops_and_due_with_reasons() -> None:
    due = [DueItem("Ana Costa", date(2025, 11, 1), date(2025, 12, 13), 30, "Check in.", None)]
    loops = [Loop(3, "Ben Ode", "offer", "my GreenGrid notes", "2026-01-02T10:00:00+00:00"),
             Loop(4, "Cleo Nadir", "ask", "an intro to Dana", "2026-01-03T10:00:00+00:00"),
             Loop(5, "Cleo Nadir", "ask", "closed one", "2026-01-03T10:00:00+00:00", "2026-01-04")]
    meetings = [
        {"day": "2026-01-14", "summary": "Coffee", "attendees": [{"name": "Dana Whitfield", "contact": "dana whitfield"},
                                                                   {"name": "Stranger", "contact": ""}]},
        {"day": "2026-01-10", "summary": "Call", "attendees": [{"name": "Omar Haddad", "contact": "omar haddad"}]},
        {"day": "2026-01-01", "summary": "Old", "attendees": [{"name": "Old Friend", "contact": "old friend"}]},
        {"day": "2026-01-25", "summary": "Far", "attendees": [{"name": "Far Away", "contact": "far away"}]},
    ]
    items = assemble(TODAY, due, loops, meetings)
    kinds = [(i.kind, i.name) for i in items]
    assert kinds == [("debrief", "Omar Haddad"), ("prepare", "Dana Whitfield"), ("offer", "Ben Ode"),
                     ("ask", "Cleo Nadir"), ("due", "Ana Costa")]
    prepare = items[1]
    assert prepare.action == 'rapport brief "Dana Whitfield"' and "2026-01-14" in prepare.why
    assert items[0].action.startswith('rapport log "Omar Haddad"') and "2026-01-10" in items[0].why
    assert items[2].loop_id == 3 and "GreenGrid" in items[2].why
    assert "30 days overdue" in items[4].why


# ------------------------------------------------------------------- CLI --
def test_cli_plan_and_today(kb, settings) -> None:
    from assistant.cli import app
    from assistant.conversation.relationship import add_loop, log_interaction

    log_interaction("Dana Whitfield", "Coffee. She is on leave until May.", kb, settings, date(2025, 12, 1),
                    create=True)
    add_loop("Dana Whitfield", "offer", "the onboarding article", kb, settings)
    runner = CliRunner()
    r = runner.invoke(app, ["plan", "--json", "--today", "2026-01-12", "--weeks", "20"])
    assert r.exit_code == 0, r.output
    plan = json.loads(r.stdout)
    kinds = [(i["kind"], i["on"]) for i in plan["items"]]
    assert kinds[0] == ("give", "2026-05-01")  # moved past her leave
    assert ("reconnect", "2026-05-08") in kinds and "on leave until May" in plan["items"][0]["why"]
    r = runner.invoke(app, ["today", "--json", "--today", "2026-01-12"])
    assert r.exit_code == 0, r.output
    assert [i["kind"] for i in json.loads(r.stdout)] == ["offer", "due"]
    assert runner.invoke(app, ["plan", "--today", "soon"]).exit_code == 2
    assert "Nothing" not in runner.invoke(app, ["today", "--today", "2026-01-12"]).stdout
