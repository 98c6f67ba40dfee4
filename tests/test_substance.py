"""Page furniture ranks after substance when a contact's notes are fitted to the prompt budget.

Seen on the eval set: Tomasz's e-mail signature block (title, company, phone, the quoted
intro) ranked above the e-mail body that held his problem, because it is dense in the
name and title the retrieval query asks about; the body was the chunk left out.
"""

from __future__ import annotations

import pytest

from assistant.brief.builder import BriefBuilder
from assistant.text.substance import is_furniture, without_boilerplate
from assistant.types import Target
from assistant.notes.ingest import ingest_text
from tests.test_brief import SequencedGenerator

SIGNATURE = """Best regards,
Lars

--
Lars Berg
Head of Ferry Scheduling
Skagerrak Lines AS | Strandkaien 4, Bergen
M: +47 900 55 014

> On 14 Oct 2026, Ewa wrote:
> Lars, meet Sam, who designs training. Lars runs ferry scheduling
> at Skagerrak Lines and has a trust problem with his new planning tool. Talk!
"""
PROFILE_UI = """Show all 4 experiences →

Skills
Operations research · Scheduling · Python · Team leadership
Show all 27 skills →

People also viewed
"""


@pytest.mark.parametrize("text", [SIGNATURE, PROFILE_UI])
def test_signatures_and_page_furniture_are_furniture(text: str) -> None:
    assert is_furniture(text)


@pytest.mark.parametrize("text", [
    "Met Dana at the kelp summit. She runs growth at Tidewater.",   # a two-line note says something
    "call w/ Tomasz W. (Nordhaul) 21/10/26, 30min -> ran 50",
    "Short version of my problem: we rolled out RouteDesk to 11 of 19 depots. The adoption is not fine.",
])
def test_short_notes_of_substance_are_not(text: str) -> None:
    assert not is_furniture(text)


def test_a_signature_block_never_crowds_the_message_body_out_of_the_prompt(kb, settings) -> None:
    lars = Target.contact("Lars Berg")
    body = ("He said the timetable engine is fine but the harbour masters override a third of its "
            "sailings by hand, because nobody explained why it orders the crossings the way it does. ")
    for i in range(12):
        ingest_text(f"Meeting {i}. {body}" * 2, lars, kb, settings, title=f"Meeting {i}")
    ingest_text(SIGNATURE * 3, lars, kb, settings, title="Signature")
    gen = SequencedGenerator({})
    builder = BriefBuilder("Lars Berg", kb, settings, gen)
    assert sum(gen.count_tokens(c.text) + 12 for c in kb.chunks_of(lars)) > 1400, "the budget must be tight"
    picked = [c.title for c in builder.notes]
    assert all(f"Meeting {i}" in picked for i in range(12)), picked


# What a page says to every reader. Seen on the eval set: Julian's team page's "Pitching? Please use the
# form on our Founders page" came back as the fact "Julian Achebe-Ross is pitching for the Founders page".
@pytest.mark.parametrize("line", [
    "Pitching? Please use the form on our Founders page.",
    "Northfold Ventures LLP is authorised and regulated in the UK. Past performance is not a guide to future returns.",
    "You're receiving The Second Curve because you subscribed at a Northfold event. Unsubscribe | Manage preferences",
    "Click here to read the full interview.",
    "Privacy policy | Cookie policy | Terms of use",
])
def test_a_pages_words_to_every_reader_are_dropped(line: str) -> None:
    kept = "Julian writes The Second Curve, a fortnightly newsletter on career change."
    assert without_boilerplate(f"{kept}\n{line}") == kept


@pytest.mark.parametrize("text", [
    "Please send me your deck by Friday, and the form you use for referrals.",  # a request to the user
    "She wrote the privacy policy for the trust's patient app and reviews its terms of use every year.",
    "Julian reads every deck but cannot reply to all of them.",
])
def test_sentences_about_the_person_stay(text: str) -> None:
    assert without_boilerplate(text) == text


def test_only_the_boilerplate_sentence_of_a_line_goes() -> None:
    line = "Pitching? Please use the form on our Founders page. Julian reads every deck but cannot reply to all."
    assert without_boilerplate(line) == "Julian reads every deck but cannot reply to all."


def test_the_brief_never_quotes_a_pages_words_to_every_reader(kb, settings) -> None:
    julian = Target.contact("Julian Achebe-Ross")
    ingest_text("Julian leads Northfold's work in learning technology.\n"
                "Pitching? Please use the form on our Founders page.\n"
                "Northfold Ventures LLP is authorised and regulated in the UK.", julian, kb, settings, title="Team page")
    builder = BriefBuilder("Julian Achebe-Ross", kb, settings, SequencedGenerator({}))
    assert "learning technology" in builder.notes_block
    assert "Founders page" not in builder.notes_block and "regulated" not in builder.notes_block
