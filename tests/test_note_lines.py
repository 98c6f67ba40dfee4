"""A note's shorthand bullets as facts: what real notes look like, and what must never become a fact.

In the eval, a third of the expected facts sat in lines like "Crisis line calls up 31% in two
years" or "Will not add telemetry to quillmark, ever": bullets without a subject, which the fill
(brief/fact_fill.py) never read because it only took sentences whose subject is them.
"""

from __future__ import annotations

import re

import pytest

from assistant.brief.fact_text import in_their_name, note_line
from tests.test_fresh_shapes import _facts, _one_note


@pytest.mark.parametrize("line, first, fact", [
    ("Crisis line calls up 31% in two years; average call now 22 min",
     "Callum", "Crisis line calls up 31% in two years; average call now 22 min."),
    ("The grief service has a 14-week waiting list", "Callum", "The grief service has a 14-week waiting list."),
    ("RouteDesk = their planning engine at all 19 depots", "Tomasz", "RouteDesk is their planning engine at all 19 depots."),
    ("Will not add telemetry to quillmark, ever", "Sven", "Sven will not add telemetry to quillmark, ever."),
    ("wants: (1) traders to sign data-sharing agreements (2) cheaper isotope testing", "Noor",
     "Noor wants (1) traders to sign data-sharing agreements (2) cheaper isotope testing."),
    ("Background: 15 yrs as a mental health nurse (CPN), then service manager at Torbay Mind", "Callum",
     "Callum's background: 15 yrs as a mental health nurse (CPN), then service manager at Torbay Mind."),
    ("Opinion: thinks most AI-for-drug-discovery pitches skip the boring part", "Ilse",
     "Ilse thinks most AI-for-drug-discovery pitches skip the boring part."),
    ("looking for people who can run ward-based usability sessions", "Marisol",
     "Marisol is looking for people who can run ward-based usability sessions."),
    ("Strongly against 12.5-hour shifts becoming the only option; thinks they're driving nurses out", "Adaeze",
     "Adaeze is strongly against 12.5-hour shifts becoming the only option and thinks they're driving nurses out."),
])
def test_a_shorthand_line_reads_as_a_sentence_in_its_own_words(line: str, first: str, fact: str) -> None:
    assert note_line(line, first) == fact


@pytest.mark.parametrize("line", [
    "I suggested worked examples from their own depot's routes",  # the user's own line
    "Suggested coffee in Bristol in Dec, she's in the Southmead office",  # the user's deed, "I" dropped
    "don't mention the override numbers to anyone, Ewa included",  # what the notes say not to raise
    "also avoid the Nordhaul acquisition rumours in trade press",
    "Head of Route Optimisation at Nordhaul | Last-mile logistics | Operations research",  # a page's headline
    "Chartered Member, CIPD (Chartered MCIPD)",  # a CV's table row
    "2019-2022: Non-executive director, Community Energy Scotland",  # a dated item: readable_fact's
    "goes by Marisol, not J. - the J is for Josephine",  # how to say their name: not a fact
    "winter EV range is his other headache, not my area",
    "Could you send your slides from the Leeds talk?",  # a question
    '"Users did not agree to be measured by a library."',  # a quote without who said it
])
def test_a_line_that_is_not_a_fact_about_them_gives_nothing(line: str) -> None:
    assert note_line(line, "Tomasz") == ""


def test_their_post_about_their_team_is_said_about_them() -> None:
    assert in_their_name("Proud of the team: our first fully electric depot in Gdynia hit 98.7% on-time delivery "
                         "in September.", "Tomasz") == \
        "Tomasz's team's first fully electric depot in Gdynia hit 98.7% on-time delivery in September."


CALL = """call w/ Callum F. (Harbourside Minds) 30/10/26

- Crisis line calls up 31% in two years; average call now 22 min.
- The grief service has a 14-week waiting list.
- Background: 15 yrs as a mental health nurse (CPN), then service manager at Torbay Mind, director since 2022.
- Commissioning: current ICB contract ends March 2028.
- I told him about my agency work with the Exeter trusts and the Plymouth NHS app.
- don't mention the Exmouth office closure: he asked me to keep it quiet.
- Suggested coffee in Plymouth in January, he's at the Devonport office on Mondays.
- He wants help designing the referral form so it works on a ward.
"""


def test_the_users_bullets_fill_the_facts_the_model_passed_over_and_never_their_own_lines(kb, settings) -> None:
    ctx, _ = _one_note(kb, settings, "Callum Ferreira", CALL)
    _facts(ctx, "Callum Ferreira is the Director of Community Services at Harbourside Minds.",
           "He wants help designing the referral form so it works on a ward.",
           "He is working on a shared crisis-referral pathway with the ambulance service.")
    facts = [f.text for f in ctx.brief.facts]
    assert 3 < len(facts) <= ctx.size["facts_max"], facts
    assert "Crisis line calls up 31% in two years; average call now 22 min." in facts
    assert any("14-week waiting list" in f for f in facts), facts
    # never the user's own story, the topic they asked to keep quiet, nor the user's plans
    assert not any(re.search(r"agency|Exeter|Exmouth|Devonport|coffee", f) for f in facts), facts
    # every fact cites the note it came from
    assert all(f.sources for f in ctx.brief.facts)


def test_a_month_names_nothing_new() -> None:
    """ "Next depots go live Feb-May 2027" after "8 more depots going live between February and May 2027"
    repeated a kept fact: its month names were taken for things no fact named."""
    from assistant.brief.fact_fill import _specifics

    said = "Tomasz's team has 8 more depots going live between February and May 2027.".casefold()
    assert _specifics("Next depots go live Feb-May 2027.", said, set()) == set()
    assert _specifics("Next depots go live in Gdynia in 2027.", said, set()) == {"gdynia"}


