"""Page furniture ranks after substance when a contact's notes are fitted to the prompt budget.

Seen on the eval set: Tomasz's e-mail signature block (title, company, phone, the quoted
intro) ranked above the e-mail body that held his problem, because it is dense in the
name and title the retrieval query asks about; the body was the chunk left out.
"""

from __future__ import annotations

import pytest

from assistant.brief.builder import BriefBuilder
from assistant.text.substance import is_furniture
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
