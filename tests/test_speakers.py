"""Whose words a note line is: the contact's own e-mail, pasted profile or quoted answer keep their "I".

Real notes mix voices: the user's "I told her about my agency work" is the user's story, but a
pasted LinkedIn "About" ("I lead people operations for a 650-person company") or the contact's
reply to an e-mail is theirs, and the best facts about them are in it.
"""

from __future__ import annotations

from assistant.brief.fact_text import readable_fact
from assistant.brief.fact_checks import vague
from assistant.text.speakers import contact_lines, contact_lines_of_note
from assistant.text.voice import SPEAKER_MARK, about_them, logistics_clause

LINKEDIN = """Rhiannon Pugh
Head of People Operations at Calloway Digital | Employee experience
Cardiff, Wales · 2,310 followers · 500+ connections

About
I lead people operations for a 650-person digital services company. I've run two redundancy programmes.

Experience
- Lead a team of 9 across HR operations"""

USER_NOTE = """Rhiannon Pugh
Met at the CIPD evening on 9 November. I told her about my nursing years.
- she is hiring a people partner in spring"""

EMAIL = """From: Kit Marchetti <kit@lanternfish.example>
To: Samir Haddad <samir@proton.example>
Subject: Re: classroom edition

I'd rather show up with a playable 20-min lesson version.

On Sun, 8 Nov 2026 at 19:20, Samir Haddad <samir@proton.example> wrote:
> I taught KS3 science for ten years."""

THREAD = """## 4. Email thread

From: Owen Pritchard
I think you two should talk.

From: Beatrix Holloway
We're starting discovery for a nursing handover summary in January.

From: Nadia
I still do agency shifts.

## 5. Call 1 - my notes
I said yes.
Beatrix Holloway: Vendors marking their own homework is the problem.

## 2. Blog post by her
When we launched our ambient scribe, the value was obvious."""


def _theirs(text: str, name: str) -> list[str]:
    marks, _ = contact_lines(text, name)
    return [line for line, mark in zip(text.split("\n"), marks) if mark]


def test_a_pasted_profile_is_theirs_and_a_note_starting_with_their_name_is_not() -> None:
    theirs = _theirs(LINKEDIN, "Rhiannon Pugh")
    assert any(line.startswith("I lead people operations") for line in theirs)
    assert any("Lead a team of 9" in line for line in theirs)
    assert _theirs(USER_NOTE, "Rhiannon Pugh") == [], "the user's note titled with her name is still the user's"
    kept, removed = about_them(LINKEDIN, contact_lines(LINKEDIN, "Rhiannon Pugh")[0], "Rhiannon Pugh")
    assert "I lead people operations" in kept and not removed
    assert kept.count("(Rhiannon Pugh writes:)") == 1, "one run of their lines is introduced once"
    kept, removed = about_them(USER_NOTE, contact_lines(USER_NOTE, "Rhiannon Pugh")[0], "Rhiannon Pugh")
    assert "my nursing years" not in kept and any("nursing years" in r for r in removed)


def test_a_linkedin_about_pasted_from_its_title_is_theirs() -> None:
    about = ("About\nI'm a product manager who fell into energy by accident. I write a fortnightly Substack, "
             "\"Local Loops\", on community energy.\n\nExperience\nHead of Product - Kilowattly - 2022-present")
    theirs = _theirs(about, "Tom Kessler")
    assert any(line.startswith("I'm a product manager") for line in theirs)
    assert "Head of Product - Kilowattly - 2022-present" in theirs
    kept, removed = about_them(about, contact_lines(about, "Tom Kessler")[0], "Tom Kessler")
    assert "Local Loops" in kept and not removed, "his newsletter is his, not the user's line"
    # "About" in the middle of the user's own note, or opening a later chunk, starts nothing
    mine = "Met Tom at the energy meetup.\nAbout\nI told him about my smart-meter work."
    assert _theirs(mine, "Tom Kessler") == []
    assert contact_lines_of_note([("n.txt", "Met Tom."), ("n.txt", "About\nI told him about my work.")],
                                 "Tom Kessler")[1] == [False, False]


def test_their_email_is_theirs_and_the_quoted_part_is_not() -> None:
    theirs = _theirs(EMAIL, "Kit Marchetti")
    assert theirs == ["I'd rather show up with a playable 20-min lesson version."]
    kept, _ = about_them(EMAIL, contact_lines(EMAIL, "Kit Marchetti")[0], "Kit Marchetti")
    assert "(Kit Marchetti writes:) I'd rather show up" in kept
    assert "I taught KS3" not in kept, "the user's own quoted lines stay out of what facts are drawn from"


def test_their_email_ends_after_their_signature() -> None:
    """The user's own paragraph under a pasted reply ("My background: I ran the Kraków meetup ...") was read as
    theirs, so its "I" became them; their sign-off and the short lines of their signature are theirs, no more."""
    text = ("From: Tomasz Wielgosz <t@nordhaul.example>\n\nWe rolled out RouteDesk to 11 depots.\n\nBest regards,\n"
            "Tomasz\n\n--\nTomasz Wielgosz\nHead of Route Optimisation\n\nMy background: I ran the Krakow logistics "
            "meetup for 3 years.\nI know Ewa from it too.")
    marks, state = contact_lines(text, "Tomasz Wielgosz")
    lines = text.split("\n")
    assert marks[lines.index("We rolled out RouteDesk to 11 depots.")]
    assert marks[lines.index("Head of Route Optimisation")], "a signature line is theirs"
    assert not any(marks[k] for k, line in enumerate(lines) if "Krakow" in line or "Ewa" in line)
    assert state is False
    # a long sentence in their mail before any sign-off is still theirs
    assert all(contact_lines("From: Tomasz Wielgosz <t@n.example>\n\nWe have eight more depots going live "
                             "between February and May next year.", "Tomasz Wielgosz")[0][2:])


def test_a_thread_in_a_dossier_gives_each_line_to_who_wrote_it() -> None:
    theirs = _theirs(THREAD, "Beatrix Holloway")
    assert "We're starting discovery for a nursing handover summary in January." in theirs
    assert "Beatrix Holloway: Vendors marking their own homework is the problem." in theirs
    assert "When we launched our ambient scribe, the value was obvious." in theirs, "a heading says the post is hers"
    assert not {"I think you two should talk.", "I still do agency shifts.", "I said yes."} & set(theirs)


def test_the_state_carries_into_the_next_chunk_of_the_same_note_only() -> None:
    first = "From: Kit Marchetti <kit@x.example>\n\nwe're heads down on the build"
    marks = contact_lines_of_note([("a.eml", first), ("a.eml", "I don't want to waste her time"),
                                   ("b.txt", "I don't want to waste her time")], "Kit Marchetti")
    assert marks[1] == [True], "the second chunk of Kit's e-mail is still Kit's"
    assert marks[2] == [False], "another note starts as the user's"


def test_their_logistics_still_go_to_follow_ups() -> None:
    text = "From: Beatrix Holloway\nWe're hiring. Could we set up a call next week?"
    kept, removed = about_them(text, contact_lines(text, "Beatrix Holloway")[0], "Beatrix Holloway")
    assert "hiring" in kept and "call next week" not in kept and any("call next week" in r for r in removed)
    assert SPEAKER_MARK.sub("", kept.split("\n")[1]).startswith("We're hiring")


def test_bookings_are_logistics_and_ordinary_work_is_not() -> None:
    assert logistics_clause("call booked for 19 Nov, 30 min, video")
    assert logistics_clause("said to email her PA (Denise) to set up 30 min in Nov")
    assert not logistics_clause("She set up a Chief Nursing Information Officer function in 2025")
    assert not logistics_clause("She wants to find time to write a paper")


def test_facts_that_report_nothing_or_stop_mid_clause_are_fixed_or_dropped() -> None:
    assert vague("Callum Ferreira has shared that his words.")
    assert not vague("He has shared that the grief service has a 14-week waiting list.")
    assert readable_fact("She thinks most apps are designed for hospital wards and then.", "Aoife") == \
        "She thinks most apps are designed for hospital wards."
    assert readable_fact("She thinks most AI pitches skip the boring part (clean data) and are.", "Ilse") == \
        "She thinks most AI pitches skip the boring part (clean data)."


def test_their_promise_copied_into_the_follow_up_becomes_the_users_to_do() -> None:
    from assistant.brief.followup import _their_promise

    item = "I will send you my training outline by 4 Nov. It will include examples from my own depot's routes."
    assert _their_promise(item, "Tomasz") == "Ask Tomasz for their training outline by 4 Nov (they offered to send it)."
    assert _their_promise("Send Tomasz the article on adult learning.", "Tomasz") == \
        "Send Tomasz the article on adult learning."
    assert _their_promise("I will send my notes to the team.", "Tomasz") == "I will send my notes to the team."


def test_a_date_at_the_end_of_a_sentence_ends_it() -> None:
    from assistant.text.sentences import split_sentences

    assert split_sentences("Met on 9 Nov. I told her about my work.", lines=False) == \
        ["Met on 9 Nov.", "I told her about my work."]
    assert split_sentences("Meet on Tue. Nov. 4 at noon.", lines=False) == ["Meet on Tue. Nov. 4 at noon."]
    assert split_sentences("Dr. Smith met Prof. Jones in Jan. The talk was good.", lines=False) == \
        ["Dr. Smith met Prof. Jones in Jan.", "The talk was good."]


def test_a_promise_with_their_own_plan_tacked_on_keeps_only_the_promise() -> None:
    from assistant.brief.followup import _their_promise

    item = "I will send you a copy of the map of every school in the city and I want to find Kirkgate Park."
    assert _their_promise(item, "Harriet") == \
        "Ask Harriet for a copy of the map of every school in the city (they offered to send it)."


def test_the_users_own_field_notes_are_not_field_points_or_give_back_hooks(kb, settings) -> None:
    """ "Roles I'm looking at: ..." in the user's field notes became a question to the contact."""
    from assistant.brief.context import BriefContext
    from assistant.brief.field import write_field
    from assistant.notes import db
    from assistant.notes.ingest import ingest_text
    from assistant.types import Target
    from tests.fakes import QueueGenerator

    db.upsert_contact(settings, "Kit Marchetti", ["Education technology"])
    ingest_text("Kit runs Lanternfish Games and is exploring a classroom edition for schools.",
                Target.contact("Kit Marchetti"), kb, settings, title="meetup")
    ingest_text("**Roles I'm looking at:** learning-experience designer, instructional designer at an ed-tech company.\n"
                "Schools are adopting classroom editions of games when they fit a 50-minute lesson.",
                Target.field("Education technology"), kb, settings, title="edtech")
    ctx = BriefContext("Kit Marchetti", kb, settings, QueueGenerator())
    write_field(ctx)
    points = [p.text for p in ctx.brief.field_now]
    assert points and all("looking at" not in p and "**" not in p for p in points)


def test_a_true_fact_cited_to_the_wrong_note_is_recited_not_dropped(kb, settings) -> None:
    """ "60 stores" is in the talk page, the model cited the profile: the fact was dropped as unsupported."""
    import json

    from assistant.brief.context import BriefContext
    from assistant.brief.facts import write_facts
    from assistant.notes import db
    from assistant.notes.ingest import ingest_text
    from assistant.types import Target
    from tests.fakes import QueueGenerator

    db.upsert_contact(settings, "Noor Al-Rashidi", [])
    ingest_text("Noor Al-Rashidi leads sourcing and traceability at Ashby & Thorne.",
                Target.contact("Noor Al-Rashidi"), kb, settings, title="profile")
    ingest_text("Ashby & Thorne is a Manchester clothing brand with 60 stores.",
                Target.contact("Noor Al-Rashidi"), kb, settings, title="talk page")
    ctx = BriefContext("Noor Al-Rashidi", kb, settings, QueueGenerator())
    profile = next(label for label, c in ctx.labels.items() if "leads sourcing" in c.text)
    reply = {"facts": [{"text": "Noor leads traceability at Ashby & Thorne, a Manchester brand with 60 stores.",
                        "sources": [profile]},
                       {"text": "Noor leads traceability at Ashby & Thorne, a brand with 75 stores.", "sources": [profile]}]}
    ctx.gen = QueueGenerator(queues={"short facts about": [json.dumps(reply)] * 2})
    write_facts(ctx)
    facts = {f.text: f.sources for f in ctx.brief.facts}
    assert any("60 stores" in t for t in facts), "the true fact is kept"
    (sources,) = [s for t, s in facts.items() if "60 stores" in t]
    assert len(sources) == 2 and all("75" not in t for t in facts), "cited to both notes; the invented 75 still dropped"


def test_a_line_labelled_in_the_users_voice_is_the_users_guess_not_a_fact() -> None:
    kept, removed = about_them("Ward manager on 7B.\n**What she might want from me:** help with the preceptorship pack.\n"
                               "She told me: the pilot is late.")
    assert "preceptorship" not in kept and any("preceptorship" in r for r in removed)
    assert "the pilot is late" in kept, "what she told the user is hers"
    kept, removed = about_them("Senior Policy Officer at the council.\n**Possible give-back:** design the "
                               "journey-mapping lesson; intro to Rachel Obi.\n**Careful:** the LTN trial.")
    assert "journey-mapping" not in kept and "Rachel Obi" not in kept, "the user's plan, even without an I"
    assert "Senior Policy Officer" in kept and "LTN trial" in kept


def test_what_their_email_says_the_user_has_done_is_the_users_story() -> None:
    mail = ("From: Tomasz Wielgosz <t.w@nordhaul.example>\nTo: Samir Haddad <samir@proton.example>\n"
            "Subject: Re: intro\n\nWe have 8 more depots going live between February and May 2027.\n"
            "Ewa says you've designed training for adults who are sceptical and tired.\n"
            "Would you ever look at our dispatcher training with us?\n")
    kept, removed = about_them(mail, contact_lines(mail, "Tomasz Wielgosz")[0], "Tomasz Wielgosz")
    assert "8 more depots" in kept and "Would you ever look at our dispatcher training" in kept  # theirs
    assert "designed training" not in kept, "the user's own work, told back to them, is not a fact about Tomasz"
    assert any("designed training" in r for r in removed)
