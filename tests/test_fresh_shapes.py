"""Shapes of notes and profiles first met outside the eval set (read in briefs made with the default model).

A two-line note from a meetup, a professor's bio with initials, titles and a "Career Highlights"
list, a LinkedIn "About" with its experience lines, and a CV pasted as the user's profile with
its lines hard-wrapped. Each test is a failure seen in one of those briefs.
"""

from __future__ import annotations

import json
import re

from assistant.text.attribution import as_current, ended_roles
from assistant.brief.narrative import closing_line, their_topics
from assistant.brief.questions import question_seeds
from assistant.brief.record import Cited
from assistant.notes.offers import prose_offers
from assistant.text.grounding import unbacked_words
from assistant.text.sentences import split_sentences, unwrap
from assistant.text.voice import as_spoken, plain_words
from assistant.types import Chunk

RAUL = ("Met Raúl at the Grid Edge meetup (Edinburgh, 20 Nov). Runs flexibility trading at Octant Energy; said his "
        "team is drowning in half-hourly meter data and their forecasts lag a day behind.")

CV = """PRIYA NAIR-HOLM
Senior Data Engineer | Energy & Climate Data | Glasgow

EXPERIENCE
2022 - present   Senior Data Engineer, Windrose Analytics (Glasgow)
2018 - 2022      Data Engineer, Caledonian Power Networks

VOLUNTEERING & OTHER
Mentor with Code First Girls (2020 - present). I run a monthly "data clinic" for small community
energy groups and can help them clean up their generation data. Co-organiser of PyData Glasgow -
always looking for speakers. Happy to review anyone's data pipeline or share our data-quality test suite.
"""


def _one_note(kb, settings, name: str, text: str):
    """A contact with one note, and the brief context a facts call reads (its one label)."""
    from assistant.brief.context import BriefContext
    from assistant.notes import db
    from assistant.notes.ingest import ingest_text
    from assistant.types import Target
    from tests.fakes import QueueGenerator

    db.upsert_contact(settings, name, [])
    ingest_text(text, Target.contact(name), kb, settings, title="note")
    ctx = BriefContext(name, kb, settings, QueueGenerator())
    (label,) = ctx.labels
    return ctx, label


def _facts(ctx, *texts: str) -> None:
    """Run the facts section with a model that answers ``texts``, each citing the one note."""
    from assistant.brief.facts import write_facts
    from tests.fakes import QueueGenerator

    (label,) = ctx.labels
    reply = {"facts": [{"text": t, "sources": [label]} for t in texts]}
    ctx.gen = QueueGenerator(queues={"short facts about": [json.dumps(reply)]})
    write_facts(ctx)


def test_words_no_note_uses_are_an_invention_even_when_every_name_is_there() -> None:
    """ "Octant Energy is a renewable energy company": the names check passed it; "renewable" is nowhere."""
    assert unbacked_words("Octant Energy is a renewable energy company.", [RAUL], "Raúl Ortega") == ["renewable"]
    assert unbacked_words("Raúl Ortega is working on renewable energy.", [RAUL], "Raúl Ortega") == ["renewable"]
    # what the note says, in its words or with the words a paraphrase adds, passes
    assert unbacked_words("He runs flexibility trading at Octant Energy.", [RAUL], "Raúl Ortega") == []
    assert unbacked_words("His team is currently drowning in half-hourly meter data.", [RAUL], "Raúl Ortega") == []
    assert unbacked_words("He has been working at Nordhaul since March 2022.",
                          ["Head of Route Optimisation at Nordhaul, Mar 2022 - Present, in Gdansk and Gdynia."],
                          "Tomasz Wielgosz") == []
    # notes in another language are translated by the facts, and two words are too few to judge
    assert unbacked_words("She leads the network team in Munich.",
                          ["Sie leitet seit 2019 das Netzwerkteam der Stadtwerke München und wohnt in Pasing."],
                          "Anna Weber") == []
    assert unbacked_words("She is a renewable energy expert.", ["Energy expert."], "Anna Weber") == []


def test_a_cv_pasted_as_the_profile_gives_its_offers_with_whom_they_are_for() -> None:
    offers = [o.text for o in prose_offers([Chunk("m1", CV, "me", "me", "s1")])]
    assert any(o.startswith("I run a monthly") and "clean up their generation data" in o for o in offers), offers
    assert any("PyData Glasgow" in o and "speakers" in o for o in offers), offers
    assert any(o.startswith("review anyone's data pipeline") for o in offers), offers
    assert "energy groups and can help" in unwrap(CV) and "Glasgow - always" in unwrap(CV)


def test_a_cvs_heading_and_subjectless_lines_are_said_as_a_person_says_them() -> None:
    story = ("I am PRIYA NAIR-HOLM, a Senior Data Engineer. I have a strong passion for turning messy meter data into "
             "something an analyst can trust. Currently looking to move closer to policy work. I worked at the NHS UX lab.")
    said = as_spoken(plain_words(story))
    assert said.startswith("I am Priya Nair-Holm, a Senior Data Engineer.")
    assert "I'm currently looking to move closer to policy work." in said
    assert "passion" not in said and "NHS UX lab" in said


def test_a_question_mark_inside_a_quoted_title_does_not_end_the_sentence() -> None:
    """ "She led the "Queue Jumpers?"" and "Study of 1,200 grid connection applications." became two facts."""
    assert split_sentences('She led the "Queue Jumpers?" study of 1,200 applications. It was cited.') == \
        ['She led the "Queue Jumpers?" study of 1,200 applications.', "It was cited."]
    # Kit's Avoid quoted "careful: co-founder (Sam?)" and the rest of the warning as two topics
    assert split_sentences("careful: co-founder (Sam?) left in early 2026. DON'T ask") == \
        ["careful: co-founder (Sam?) left in early 2026.", "DON'T ask"]
    assert split_sentences('He asked "why?" Then he left.') == ['He asked "why?"', "Then he left."]


def test_a_job_a_cv_line_dates_as_over_is_never_said_as_current() -> None:
    """Tom's LinkedIn: "Senior Product Manager - Monzo - 2016-2022"; the brief said he is one, and asked about Monzo."""
    about = "About\nI lead product at Kilowattly.\n\nExperience\nHead of Product - Kilowattly - 2022-present\n" \
            "Senior Product Manager - Monzo - 2016-2022\n"
    ended = ended_roles([about])
    assert ended == {"senior product manager"}
    assert as_current("Tom Kessler is a Senior Product Manager at Monzo, a fintech company.", ended)
    assert not as_current("Tom Kessler is the Head of Product at Kilowattly.", ended)
    assert ended_roles([CV]) == {"data engineer"}  # dates first; the current job has none that end
    assert not as_current("Priya is a Senior Data Engineer at Windrose Analytics.", ended_roles([CV]))
    # Rhiannon's LinkedIn: a bullet of a job that ended, copied by the fill as a fact, read as her work now
    linkedin = ("People Partner\nHarbour & Lyle Insurance \u00b7 Full-time\nJun 2018 - Feb 2023 \u00b7 4 yrs 9 mos\n"
                "- People partner to claims operations (1,100 staff); absence management, return-to-work plans\n")
    assert as_current("People partner to claims operations (1,100 staff); absence management.", ended_roles([linkedin]))
    assert not as_current("Senior Product Manager - Monzo - 2016-2022", ended), "dated: said as past"
    # today's LinkedIn copy: "Title · Company" on one line, its dates under it (a fresh profile's brief said he
    # "is a Principal Engineer at Ordnance Survey", a job that ended in 2022)
    today = ("Experience\nHead of Data Platforms \u00b7 Gridwise\nJan 2023 - Present \u00b7 4 yrs\nTeam of 14 across "
             "ingestion and the API.\nPrincipal Engineer \u00b7 Ordnance Survey\nMar 2017 - Dec 2022 \u00b7 5 yrs 10 mos\n")
    assert ended_roles([today]) == {"principal engineer", "@ordnance survey"}
    assert as_current("Tom\u00e1s is a Principal Engineer at Ordnance Survey, where he led the OS Data Hub.",
                      ended_roles([today]))
    assert as_current("He has been working at Ordnance Survey for 5 years and 10 months.", ended_roles([today]))
    assert not as_current("He has been working at Gridwise for 4 years.", ended_roles([today]))
    promoted = ("Staff Engineer \u00b7 Acme\nJan 2023 - Present \u00b7 2 yrs\nSenior Engineer \u00b7 Acme\n"
                "Jan 2020 - Dec 2022 \u00b7 3 yrs\n")
    assert not as_current("She is working at Acme.", ended_roles([promoted])), "a promotion: she still works there"


def test_a_fact_that_ends_in_filler_keeps_its_faithful_head() -> None:
    """Eval: "Marguerite Solberg is a branch manager at Eastmoor Library, Brackenford Libraries, specializing in
    providing resources and services to teenagers and families." was dropped whole (the last five words are in no
    note), and her brief never said who she is."""
    from assistant.brief.fact_checks import without_tail

    assert without_tail("Marguerite Solberg is a branch manager at Eastmoor Library, Brackenford Libraries, specializing "
                        "in providing resources and services to teenagers and families.",
                        ["specializing", "providing", "resources", "services"]) == \
        "Marguerite Solberg is a branch manager at Eastmoor Library, Brackenford Libraries."
    assert without_tail("Raúl runs flexibility trading at Octant Energy and is working on renewable energy.",
                        ["renewable"]) == "Raúl runs flexibility trading at Octant Energy."
    assert without_tail("Octant Energy is a renewable energy company.", ["renewable"]) == "", "nothing whole before it"
    assert without_tail("She works at the Centre (for renewable energy, mostly).", ["renewable"]) == "", "a cut bracket"


def test_the_facts_keep_the_head_of_a_fact_the_model_padded(kb, settings) -> None:
    ctx, _ = _one_note(kb, settings, "Marguerite Solberg",
                       "Branch manager, Eastmoor Library (part of Brackenford Libraries). Librarian for 22 years; "
                       "Eastmoor branch since 2017. Team of five, plus volunteers. Runs a laptop-loan scheme and a teen "
                       "makerspace on Thursday evenings.")
    _facts(ctx, "Marguerite Solberg is a branch manager at Eastmoor Library, Brackenford Libraries, specializing in "
                "providing resources and services to teenagers and families.")
    facts = [f.text for f in ctx.brief.facts]
    assert "Marguerite Solberg is a branch manager at Eastmoor Library, Brackenford Libraries." in facts, facts
    assert not any("specializing" in f for f in facts)


def test_a_phrase_cut_at_its_word_limit_ends_whole() -> None:
    """Eval (Tom Kessler): "I'd love to hear about how to onboard 50 new community groups next year without hiring
    a, Tom." in the narrative and the same cut in the thank-you written from his facts."""
    from assistant.brief.followup import specific_thanks

    tom = ["He is currently working on how to onboard 50 new community groups next year without hiring a data team - "
           "our biggest headache is cleaning up generation data from old inverters."]
    assert closing_line(tom, "Tom") == "I'd love to hear about how to onboard 50 new community groups next year, Tom."
    assert specific_thanks(tom, "Tom").endswith("hearing about how to onboard 50 new community groups next year.")


def test_the_sentence_to_them_names_their_project_before_a_field_or_a_team() -> None:
    harriet = ["Harriet Oyelaran-Booth is a Senior Policy Officer at Brackenford City Council, focusing on Active Travel.",
               "She is working on School Streets Phase 2, which adds 14 timed road closures from September 2027."]
    assert closing_line(harriet, "Harriet") == "I'd love to hear about School Streets Phase 2, Harriet."
    assert closing_line(harriet[:1], "Harriet") == "I'd love to hear about your work on Active Travel, Harriet."
    ilse = ["Dr Ilse Vandermeer is a Principal Scientist at Corvane Therapeutics, a biotech in Leeds.",
            "She leads Screening Platforms, 9 people.",
            "Her big project: automated organoid screening - about ten thousand organoids a week now."]
    assert closing_line(ilse, "Ilse") == "I'd love to hear about your automated organoid screening, Ilse."
    assert closing_line(ilse[:2], "Ilse") == "I'd love to hear about your Screening Platforms team, Ilse."
    assert [kind for kind, _, _ in their_topics(ilse, "Ilse")] == ["work", "work", "org"]


def test_a_bios_life_outside_work_is_no_seed_for_a_question() -> None:
    """ "Why do you enjoy hiking and playing the cello?" asked a professor of energy systems."""
    facts = [Cited("She directs the Centre for Fair Energy Transitions.", ["n1"]),
             Cited("She is a keen hill walker and plays cello in an amateur orchestra.", ["n1"])]
    assert [f.text for f in question_seeds(facts)] == ["She directs the Centre for Fair Energy Transitions."]


def test_a_two_line_note_keeps_the_need_the_model_never_listed(kb, settings) -> None:
    """Asked twice, the model gave the role and inventions; the note's one need is kept in its own words."""
    ctx, label = _one_note(kb, settings, "Raúl Ortega", RAUL)
    streamed: list[str] = []
    ctx.on_fact = lambda fact: streamed.append(fact.text)
    _facts(ctx, "He runs flexibility trading at Octant Energy.", "Raúl Ortega is curious about the energy market.")
    facts = [f.text for f in ctx.brief.facts]
    assert facts == ["He runs flexibility trading at Octant Energy.",
                     "His team is drowning in half-hourly meter data and their forecasts lag a day behind."]
    assert streamed == facts and all(f.sources == [ctx.labels[label].id] for f in ctx.brief.facts)
    assert not any("Met Raúl" in f or "curious" in f for f in facts)


def test_a_two_line_notes_header_is_no_fact_and_a_clause_saying_more_replaces_the_models(kb, settings) -> None:
    """A fresh note, "Ama Boateng - met at PyCon UK. Works on flood models at the Environment Agency, porting a
    hydraulics solver to Rust.": the brief said "Ama Boateng - met at PyCon UK." as a fact (and asked "How did you
    meet you at PyCon UK?") and kept the model's "She is working on porting the solver to Rust." beside the clause
    that says it and more."""
    ctx, label = _one_note(kb, settings, "Ama Boateng", "Ama Boateng - met at PyCon UK. Works on flood models at the "
                           "Environment Agency, porting a hydraulics solver to Rust. Ask about her benchmarks.")
    _facts(ctx, "She is working on porting the solver to Rust.")
    facts = [f.text for f in ctx.brief.facts]
    assert not any("PyCon" in f for f in facts), facts
    assert facts == ["Ama works on flood models at the Environment Agency, porting a hydraulics solver to Rust."], facts


def test_the_founder_is_not_his_charity_nor_still_in_the_job_he_left(kb, settings) -> None:
    """Two runs of the fresh founder's bio: "Segun is a charity that runs free eight-week digital skills courses"
    and "Segun is a IT technician in Bradford schools" (his job for a decade before he founded the charity)."""
    ctx, _ = _one_note(kb, settings, 'Olusegun "Segun" Adeyemi', SEGUN)
    _facts(ctx, "Segun is a charity that runs free eight-week digital skills courses for adults in Bradford.",
           "Segun is a IT technician in Bradford schools.",
           "ByteBridge is a charity that runs free eight-week digital skills courses for adults in Bradford and Keighley.")
    facts = [f.text for f in ctx.brief.facts]
    assert not any(f.startswith(("Segun is a charity", "Segun is a IT")) for f in facts), facts
    assert "ByteBridge is a charity that runs free eight-week digital skills courses for adults in Bradford and " \
           "Keighley." in facts, "the charity's own sentence stays"


def test_what_the_notes_say_to_ask_is_asked_first(kb, settings) -> None:
    """ "Ask about her benchmarks." ended a fresh two-line note; none of the brief's questions asked it."""
    from assistant.brief.questions import asked_by_the_user
    from assistant.text.questions import asked_in_notes

    ctx, _ = _one_note(kb, settings, "Ama Boateng", "Ama Boateng - met at PyCon UK. Works on flood models at the "
                       "Environment Agency, porting a hydraulics solver to Rust. Ask about her benchmarks. Ask her "
                       "what she thinks of the new solver. Ask whether she is hiring.")
    asked = asked_by_the_user(ctx)
    assert [q.text for q in asked] == ["Tell me about your benchmarks.", "Tell me what you think of the new solver."]
    assert all(q.sources == [ctx.notes[0].id] and q.why.startswith("Your notes say: Ask") for q in asked)
    assert asked_in_notes("She asked about my work.") == "" and asked_in_notes("I asked about her team.") == ""


def test_a_long_note_is_filled_only_with_what_names_something_no_fact_does(kb, settings) -> None:
    """Past a few lines a bare code pick is furniture (the fifth session's trial picked headers and "posted
    this"): what fills a long note up to its floor is a sentence about them, with a verb, naming a number or a
    name no kept fact names; never a header, a page's furniture, their life outside work or a subjectless line."""
    ctx, label = _one_note(kb, settings, "Raúl Ortega", RAUL + "\nRaúl Ortega - Grid Edge meetup, 20 Nov, ~10 min.\n"
                           "Raúl posted this \u2022 3w.\nOctant Energy trades flexibility from 4,000 home batteries "
                           "across Scotland. He is a keen hill walker in the Pentlands every weekend. He set up "
                           "Octant's trading desk in 2021 with six analysts.")
    assert 400 < len(ctx.notes_block) < 800  # past the short-note fill; a floor of three facts
    _facts(ctx, "He runs flexibility trading at Octant Energy.")
    facts = [f.text for f in ctx.brief.facts]
    assert facts == ["He runs flexibility trading at Octant Energy.",
                     "He set up Octant's trading desk in 2021 with six analysts."], facts
    assert all(f.sources == [ctx.labels[label].id] for f in ctx.brief.facts)


def test_their_own_first_person_lines_fill_a_long_note_said_about_them(kb, settings) -> None:
    """Their e-mail is where they say what they are doing ("we rolled out RouteDesk to 11 of 19 depots"), in the
    first person: the fill read only sentences about them in the third person, so none of it reached a brief the
    model left short. Their "I"/"we" is said about them; the user's own "I" in the same note stays out."""
    mail = ("From: Tomasz Wielgosz <t.wielgosz@nordhaul.example>\nTo: Samir Haddad <samir@proton.example>\n"
            "Subject: Re: training for dispatchers\n\nHi Samir,\n\nShort version of my problem: we rolled out the new "
            "planning tool,\nRouteDesk, to 11 of 19 depots this year. The algorithm is fine.\n\nWe have 8 more depots "
            "going live between February and May 2027, and I'd\nlike the training for those to be something people "
            "actually learn from.\n\nCould we do a 30-min call next week?\n\nBest regards,\nTomasz\n")
    ctx, label = _one_note(kb, settings, "Tomasz Wielgosz", mail + "\n" + "My background: I ran the Kraków "
                           "logistics meetup for 3 years and I know Ewa from it.")
    assert 400 < len(ctx.notes_block) < 1200
    _facts(ctx, "Tomasz Wielgosz is the Head of Route Optimisation at Nordhaul.")
    facts = [f.text for f in ctx.brief.facts]
    assert len(facts) >= 2, facts
    added = " ".join(facts[1:])
    assert "Tomasz's team" in added and ("RouteDesk" in added or "February" in added), facts
    assert not re.search(r"\b(?:I|we|my|our)\b", added), "their first person is said about them"
    assert "Kraków" not in added, "the user's own first-person line is never theirs"


def test_the_fill_takes_no_diary_entry_and_no_sentence_pointing_at_them_or_those(kb, settings) -> None:
    """Offline on the eval briefs the fill added "Julian is in Leeds on 2 December for a portfolio board meeting."
    (a diary entry) and "Marguerite will put them on cards by the 3D printer." ("them": nothing, out of its note);
    a sentence whose later clause points at "those" keeps its first clause."""
    ctx, label = _one_note(kb, settings, "Raúl Ortega", RAUL + "\nRaúl is in Leeds on 2 December for a Grid Edge "
                           "board meeting with Octant.\nRaúl will put them on the Octant Energy wiki for 40 Glasgow "
                           "traders. Raúl's team has 8 more Octant sites going live between February and May 2027, and "
                           "he would like the training for those to be better.")
    _facts(ctx, "He runs flexibility trading at Octant Energy.")
    facts = [f.text for f in ctx.brief.facts]
    assert not any("Leeds" in f or "wiki" in f for f in facts), facts
    assert "Raúl's team has 8 more Octant sites going live between February and May 2027." in facts, facts


SEGUN = ("About our founder\n\nOlusegun \"Segun\" Adeyemi founded ByteBridge in 2018 after a decade as an IT "
         "technician in Bradford schools. ByteBridge is a charity that runs free eight-week digital skills courses for "
         "adults in Bradford and Keighley.\n\nSegun is a trustee of Bradford Community Broadcasting.\n\nIn 2026 ByteBridge "
         "began a partnership with West Yorkshire Combined Authority to take the courses into job centres. Bradford "
         "Council runs 14 libraries. Segun is now looking for volunteers who can teach online safety sessions.")


def test_a_founders_bio_on_their_organisations_site_fills_with_what_it_does(kb, settings) -> None:
    """A fresh web bio gave three facts of seven: its founding line was read as pointing at "it" ("an IT
    technician") and the lines about his charity ("In 2026 ByteBridge began a partnership with ...") had him as
    no subject. What the organisation they founded or run does is theirs; another body's is not."""
    ctx, label = _one_note(kb, settings, 'Olusegun "Segun" Adeyemi', SEGUN)
    assert ctx.first == "Segun"
    _facts(ctx, "Segun is a trustee of Bradford Community Broadcasting.",
           "Segun is now looking for volunteers who can teach online safety sessions.")
    facts = [f.text for f in ctx.brief.facts]
    assert any("founded ByteBridge in 2018" in f for f in facts), facts
    assert any(f.startswith("In 2026 ByteBridge began a partnership") for f in facts), facts
    assert not any("14 libraries" in f for f in facts), "a council's libraries are not his charity's"


def test_first_person_lines_of_theirs_read_in_the_third_person() -> None:
    from assistant.brief.fact_text import in_their_name

    assert in_their_name("I lead the route team at Nordhaul, where we plan 41,000 stops a day.", "Tomasz") == \
        "Tomasz leads the route team at Nordhaul, where they plan 41,000 stops a day."
    assert in_their_name("I still teach two evenings a week.", "Ama") == "Ama still teaches two evenings a week."
    # a second verb of theirs agrees too (sign-up list: "... tests with residents every sprint but keep reaching")
    assert in_their_name("We test with residents every sprint but keep reaching the same confident people.", "Aisha") \
        == "Aisha's team tests with residents every sprint but keeps reaching the same confident people."
    assert in_their_name("We can test with residents and keep notes.", "Aisha") == \
        "Aisha's team can test with residents and keep notes."
    assert in_their_name("We need volunteers and use Python and R.", "Ama") == \
        "Ama's team needs volunteers and uses Python and R."
    assert in_their_name("I'm moving the lab to Leeds in March.", "Ama") == "Ama is moving the lab to Leeds in March."
    assert in_their_name("My team of 7 builds the planning engine.", "Tomasz") == "Tomasz's team of 7 builds the planning engine."
    assert in_their_name("We have 8 more depots going live in 2027.", "Tomasz") == \
        "Tomasz's team has 8 more depots going live in 2027."
    assert in_their_name("I spent 6 years in academic research.", "Tomasz") == "Tomasz spent 6 years in academic research."
    for not_theirs in ("Could we do a call next week?", "The algorithm is fine.", "Before that I was a nurse."):
        assert in_their_name(not_theirs, "Tomasz") == "", not_theirs
    # a fresh e-mail: its best lines had a second clause in the first person, and were left out whole
    assert in_their_name("Our lab is building an open dataset of flood photos for model validation; we have 40,000 "
                         "labelled images so far.", "Mai") == ("Mai's lab is building an open dataset of flood photos "
                                                               "for model validation; Mai's team has 40,000 labelled "
                                                               "images so far.")
    assert in_their_name("I'd love to give a talk at PyData Manchester, but not before February - the review is in "
                         "January and I know the chair.", "Mai") == \
        "Mai would love to give a talk at PyData Manchester, but not before February."


def test_a_bios_career_highlight_fills_the_facts_the_model_passed_over(kb, settings) -> None:
    """The professor's bio gave three facts that held (her chair, her articles, hill walking) and none of its Career
    Highlights; the highlight naming the most the facts do not is added, as a sentence, up to the floor of four,
    and past it, up to eight, those naming two or more things no fact names."""
    from assistant.brief.context import BriefContext
    from assistant.brief.facts import write_facts
    from assistant.notes import db
    from assistant.notes.ingest import ingest_text
    from assistant.types import Target
    from tests.fakes import QueueGenerator

    name = "Prof. M. A. Okafor-Lindqvist, PhD, FRSE"
    db.upsert_contact(settings, name, [])
    ingest_text(MAO, Target.contact(name), kb, settings, title="bio")
    ctx = BriefContext(name, kb, settings, QueueGenerator())
    items = ["Professor Mei-Ann Okafor-Lindqvist holds the Chair in Energy Systems at the University of Dunmore.",
             "She has written for The Guardian and Carbon Brief.", "She is a keen hill walker.",
             "She is a member of the Royal Academy of Engineering."]  # never in the notes: dropped
    reply = {"facts": [{"text": t, "sources": list(ctx.labels)} for t in items]}
    ctx.gen = QueueGenerator(queues={"short facts about": [json.dumps(reply)] * 2})
    write_facts(ctx)
    facts = [f.text for f in ctx.brief.facts]
    assert len(facts) == 7, facts
    # to the floor of four: the highlight naming the most the facts do not
    assert facts[3] == "In 2025, Mei-Ann was appointed specialist adviser to the Scottish Parliament's Net Zero Committee."
    # past the floor, highlights naming two or more things no fact names (a span of years said as one)
    assert "From 2019 to 2022, Mei-Ann was Non-executive director at Community Energy Scotland." in facts
    assert 'In 2023, Mei-Ann led the "Queue Jumpers?" study of 1,200 grid connection applications.' in facts
    assert "In 2021, Mei-Ann became Fellow of the Royal Society of Edinburgh." in facts
    # her life outside work names nothing new: not a fact the fill adds
    assert not any("cello" in f for f in facts)


def test_an_experience_line_reads_as_a_sentence_about_them() -> None:
    from assistant.brief.fact_text import item_facts, role_line

    assert item_facts("Senior Product Manager - Monzo - 2016-2022", "Tom") == [
        "Tom was Senior Product Manager at Monzo (2016-2022)."]
    assert role_line("Head of Product | Kilowattly | 2022-present", "Tom") == "Tom is Head of Product at Kilowattly (since 2022)."
    assert role_line("Head of Product at Kilowattly since 2022", "Tom") == ""


def test_a_follow_up_of_words_no_note_uses_is_filler_not_a_to_do() -> None:
    """From Raúl's two lines: "Discuss the challenges you are facing with your team and how you are addressing them"."""
    from assistant.brief.followup import _TODO_WORDS

    check = lambda item: unbacked_words(item, [RAUL], "Raúl Ortega", also=_TODO_WORDS)  # noqa: E731
    assert check("Discuss the challenges you are facing with your team and how you are addressing them")
    assert check("Discuss the importance of flexibility trading in the energy industry, please.")
    assert check("Send Raúl the forecasts for the half-hourly meter data.") == []  # a to-do's words and the note's
    assert check("Follow up on the half-hourly meter data forecasts.") == []


def test_what_they_told_the_user_is_kept_as_a_sentence_about_them(kb, settings) -> None:
    """ "She told me she is struggling to find ..." was dropped as the user's own line; her need with it."""
    ctx, _ = _one_note(kb, settings, "Priya Raman", "Priya Raman is Head of Growth at Tidewater Kelp.\nShe told me "
                       "she is struggling to find reliable data on restaurant demand for kelp.")
    _facts(ctx, "Priya Raman is Head of Growth at Tidewater Kelp.")
    assert [f.text for f in ctx.brief.facts][1:] == \
        ["She is struggling to find reliable data on restaurant demand for kelp."]


MARGUERITE = {
    "profile": ("Branch manager, Eastmoor Library (part of Brackenford Libraries). Librarian for 22 years; Eastmoor "
                "branch since 2017. Team of five, plus volunteers. Harriet from the council suggested I meet her, "
                "she does more for teenagers in Eastmoor than the rest of us put together. She is cool on big tech "
                "donations: they give you 20 tablets and no plan for year two. Prefers refurbished kit and local "
                "partners. Libraries are the last warm room in town where nobody asks you to buy anything. Met at the "
                "library on a Saturday morning; she gave me the tour, from the local history room to the "
                "children's corner she had repainted with a group of teenagers over the summer holidays."),
    "working on": ("Working on:\n- Digital inclusion: a laptop-loan scheme (40 refurbished laptops lent for a term at "
                   "a time) for families without a computer at home. Demand is three times supply.\n- A teen "
                   "makerspace on Thursday evenings: 3D printer, Raspberry Pi kits, a sewing machine. Attendance "
                   "falls off a cliff after the first month of term.\n- The homework club (Mon-Wed): she badly "
                   "needs volunteers who can help with GCSE maths and science. Two of her volunteers moved away "
                   "this autumn.\n- The makerspace drop-off is her puzzle: she thinks the kids run out of ideas once "
                   "the first project is done, and wants a series of short starter projects that get harder.\n"),
    "personal": ("Personal: Norwegian-born, moved to Yorkshire in the 1990s. Knits in every meeting. Reads crime "
                 "fiction exclusively. Sings alto in a community choir on Tuesday nights, and her allotment by the "
                 "canal is where she says she plans the library's term programme, whatever the weather."),
}


def _marguerite(kb, settings, *facts: tuple[str, str]):
    """Marguerite's brief context (rich notes in three notes), its facts section run on ``facts``
    ((text, note title) pairs) as the model's one answer."""
    from assistant.brief.context import BriefContext
    from assistant.brief.facts import write_facts
    from assistant.notes import db
    from assistant.notes.ingest import ingest_text
    from assistant.types import Target
    from tests.fakes import QueueGenerator

    name = "Marguerite Solberg"
    db.upsert_contact(settings, name, [])
    for title, text in MARGUERITE.items():
        ingest_text(text, Target.contact(name), kb, settings, title=title)
    ctx = BriefContext(name, kb, settings, QueueGenerator())
    label = {c.title: lab for lab, c in ctx.labels.items()}
    reply = {"facts": [{"text": text, "sources": [label[title]]} for text, title in facts]}
    ctx.gen = QueueGenerator(queues={"short facts about": [json.dumps(reply)]})
    write_facts(ctx)
    return [f.text for f in ctx.brief.facts]


def test_a_second_home_life_fact_gives_way_to_their_work_when_there_are_more_than_six(kb, settings) -> None:
    """Marguerite's six facts were her role, her opinions and three from her "Personal:" line
    (Norwegian-born, knits, crime fiction); the homework club that needs volunteers was cut."""
    facts = _marguerite(kb, settings,
                        ("Marguerite Solberg is the branch manager of Eastmoor Library.", "profile"),
                        ("She is cool on big tech donations and prefers refurbished kit.", "profile"),
                        ("She is Norwegian-born and moved to Yorkshire in the 1990s. She knits in every meeting. "
                         "She reads crime fiction exclusively.", "personal"),
                        ("She runs a laptop-loan scheme for families without a computer; demand is three times "
                         "supply.", "working on"),
                        ("Her homework club badly needs volunteers who can help with GCSE maths and science.",
                         "working on"))
    assert len(facts) == 6, facts
    assert any("laptop-loan" in f for f in facts) and any("homework club" in f for f in facts), facts
    assert any("Norwegian-born" in f for f in facts), "the first home-life fact stays: good to know"
    assert not any("crime fiction" in f for f in facts), facts


def test_home_life_facts_stay_when_there_is_room(kb, settings) -> None:
    """Nothing is left out for nothing: with six facts, both about her life outside work stay."""
    facts = _marguerite(kb, settings,
                        ("Marguerite Solberg is the branch manager of Eastmoor Library.", "profile"),
                        ("She is cool on big tech donations and prefers refurbished kit.", "profile"),
                        ("She is Norwegian-born and moved to Yorkshire in the 1990s. She knits in every meeting.",
                         "personal"),
                        ("Her homework club badly needs volunteers who can help with GCSE maths and science.",
                         "working on"),
                        ("She has been a librarian for 22 years.", "profile"))
    assert len(facts) == 6 and any("knits" in f for f in facts), facts


def test_a_tie_to_an_organisation_the_notes_never_state_is_unbacked_on_its_own() -> None:
    """ "Julian is a member of The Second Curve" (the notes: his own newsletter) passed: one word in
    seventeen was new. A membership, a founding or a board seat is one word that must be in the notes."""
    notes = ["Julian writes The Second Curve, a fortnightly newsletter on the economics of career change. He is a "
             "Principal at Northfold Ventures and a trustee of the Lifelong Learning Trust."]
    claim = "Julian is a member of The Second Curve, a fortnightly newsletter on the economics of career change."
    assert unbacked_words(claim, notes, "Julian Achebe-Ross") == ["member"]
    assert unbacked_words("Julian co-founded Northfold Ventures.", notes, "Julian Achebe-Ross") == ["cofounded"]
    assert unbacked_words("Julian is a trustee of the Lifelong Learning Trust.", notes, "Julian Achebe-Ross") == []
    assert unbacked_words("Julian writes The Second Curve, a newsletter on career change.", notes,
                          "Julian Achebe-Ross") == []


def test_where_they_work_is_read_from_any_work_verb() -> None:
    """Raúl "runs flexibility trading at Octant Energy" and Tom "has led product at Kilowattly": neither
    was read as where they work (only "is ... at"), so the questions written in code had one topic, its
    one template was a repeat, and the briefs ended with two and three questions."""
    from assistant.brief.narrative import their_topics

    orgs = lambda fact, first: [t for k, t, _ in their_topics([fact], first) if k == "org"]  # noqa: E731
    assert orgs("He runs flexibility trading at Octant Energy.", "Raúl") == ["Octant Energy"]
    assert orgs("He has led product at Kilowattly, a small start-up.", "Tom") == ["Kilowattly"]
    assert orgs("She is speaking at the Nursing Informatics Network conference in Cardiff.", "Beatrix") == []
    assert orgs("She led the keynote at Baltic Freight Forum.", "Ewa") == []


def test_a_two_fact_brief_is_topped_up_with_questions_about_where_they_work(kb, settings) -> None:
    """With two facts and a model that keeps asking the same thing, the code-written questions reach four."""
    from assistant.brief.questions import write_questions
    from tests.fakes import QueueGenerator

    ctx, label = _one_note(kb, settings, "Raúl Ortega", RAUL)
    ids = ctx.cite([label])
    ctx.brief.facts = [Cited("He runs flexibility trading at Octant Energy.", ids),
                       Cited("His team is drowning in half-hourly meter data and their forecasts lag a day behind.", ids)]
    same = json.dumps({"question": "What's the story behind running flexibility trading at Octant Energy?"})
    ctx.gen = QueueGenerator(default=same)
    write_questions(ctx)
    asked = [q.text for q in ctx.brief.questions]
    assert "What are you most focused on at Octant Energy this year?" in asked, asked
    assert len(asked) >= 3 and len(set(asked)) == len(asked), asked


CV_EXPERIENCE = CV.replace(
    "2022 - present   Senior Data Engineer, Windrose Analytics (Glasgow)\n",
    "2022 - present   Senior Data Engineer, Windrose Analytics (Glasgow)\n"
    "                 Built the half-hourly smart-meter pipeline (40m readings/day) used by three suppliers.\n"
    "                 Led the migration from cron jobs to Airflow and dbt; cut failed loads by 80%.\n")


def test_what_a_cv_says_they_built_is_know_how_to_share_with_someone_facing_it(kb, settings) -> None:
    """Raúl's team is "drowning in half-hourly meter data"; the CV's owner built a half-hourly smart-meter
    pipeline, yet the brief said nothing in the profile matched (only its stated offers were read)."""
    from assistant.brief.context import BriefContext
    from assistant.brief.giveback import write_give_back
    from assistant.notes.ingest import ingest_text
    from assistant.notes.offers import know_how
    from assistant.types import Target
    from tests.fakes import QueueGenerator

    assert [o.text for o in know_how([Chunk("m1", CV_EXPERIENCE, "me", "me", "s1")])] == [
        "share lessons from building the half-hourly smart-meter pipeline (40m readings/day) used by three suppliers",
        "share lessons from leading the migration from cron jobs to Airflow and dbt"]
    assert know_how([Chunk("m1", CV, "me", "me", "s1")]) == [], "a dated job title is no know-how"
    ingest_text(CV_EXPERIENCE, Target.me(), kb, settings, title="CV")
    ctx, _ = _one_note(kb, settings, "Raúl Ortega", RAUL)
    ctx = BriefContext("Raúl Ortega", kb, settings, QueueGenerator())
    write_give_back(ctx)
    ideas = [g.text for g in ctx.brief.give_back]
    assert any("half-hourly smart-meter pipeline" in i for i in ideas), (ideas, ctx.brief.give_back_note)
    assert not any("cron jobs" in i for i in ideas), "the migration has nothing to do with his need"


MAO = """Prof. M. A. Okafor-Lindqvist, PhD, FRSE

Professor Mei-Ann Okafor-Lindqvist holds the Chair in Energy Systems at the University of Dunmore, where she directs
the Centre for Fair Energy Transitions. Her research examines who benefits from grid investment and how connection
queues shape which communities can build local renewables.

Career Highlights
- 2025: Appointed specialist adviser to the Scottish Parliament's Net Zero Committee
- 2023: Led the "Queue Jumpers?" study of 1,200 grid connection applications
- 2021: Fellow of the Royal Society of Edinburgh
- 2019-2022: Non-executive director, Community Energy Scotland

Prof. Okafor-Lindqvist is a frequent speaker on energy justice and has written for The Guardian and Carbon Brief.
Outside work she is a keen hill walker and plays cello in an amateur orchestra.
"""


def test_a_speaker_bio_of_medium_length_is_asked_for_four_facts_at_least(kb, settings) -> None:
    """Asked for "3 to 6", the model gave her bio three facts (her chair, an article, hill walking) and none of
    its Career Highlights; a note this long holds eight. Two lines keep the floor of three."""
    from assistant.brief.facts import write_facts
    from tests.fakes import QueueGenerator

    class Spy(QueueGenerator):
        def complete(self, messages, *, schema=None, **kw):
            self.schemas = [*getattr(self, "schemas", []), schema]
            return super().complete(messages, schema=schema, **kw)

    from assistant.brief.context import BriefContext
    from assistant.notes import db
    from assistant.notes.ingest import ingest_text
    from assistant.types import Target

    floors = []
    for name, note in (("Prof. M. A. Okafor-Lindqvist, PhD, FRSE", MAO), ("Raúl Ortega", RAUL)):
        db.upsert_contact(settings, name, [])
        ingest_text(note, Target.contact(name), kb, settings, title="bio")
        ctx = BriefContext(name, kb, settings, QueueGenerator())
        assert (len(ctx.notes_block) >= 800) == (note is MAO)
        ctx.gen = Spy(default=json.dumps({"facts": [{"text": "She directs the Centre for Fair Energy Transitions.",
                                                     "sources": [next(iter(ctx.labels))]}]}))
        write_facts(ctx)
        floors.append(ctx.gen.schemas[0]["properties"]["facts"].get("minItems"))
    assert floors == [4, 1], floors


def test_a_fact_without_its_subject_is_theirs_unless_cut_from_the_middle_of_a_sentence(kb, settings) -> None:
    """From "Her research examines who benefits from grid investment ..." the model copied "Benefits from grid
    investment and how connection queues shape ..." as a fact; a note's own "Prefers refurbished kit" is hers."""
    from assistant.brief.facts import write_facts

    note = MAO + "\nPrefers email to calls. Thomas leads her data team and Agnes runs the lab.\n"
    from assistant.brief.context import BriefContext
    from assistant.notes import db
    from assistant.notes.ingest import ingest_text
    from assistant.types import Target
    from tests.fakes import QueueGenerator

    name = "Prof. M. A. Okafor-Lindqvist, PhD, FRSE"
    db.upsert_contact(settings, name, [])
    ingest_text(note, Target.contact(name), kb, settings, title="bio")
    ctx = BriefContext(name, kb, settings, QueueGenerator())
    labels = list(ctx.labels)
    items = ["Benefits from grid investment and how connection queues shape which communities can build local renewables.",
             "Prefers email to calls.", "Thomas leads her data team.",
             "She directs the Centre for Fair Energy Transitions."]
    ctx.gen = QueueGenerator(default=json.dumps({"facts": [{"text": t, "sources": labels} for t in items]}))
    write_facts(ctx)
    facts = [f.text for f in ctx.brief.facts]
    assert not any("enefits from grid" in f for f in facts), facts
    assert "Mei-Ann prefers email to calls." in facts, facts
    assert "Thomas leads her data team." in facts, "a name is no verb"


def test_a_job_they_held_is_a_reserve_seed_when_their_work_now_gives_enough_questions(kb, settings) -> None:
    """Six facts, six questions: the sixth came from "Tom was Senior Product Manager at Monzo (2016-2022)" as "How do
    you decide what features to include in your product?", which fits anyone. With five facts about their work now
    the past is not asked; with too few, it is (a brief with three or more facts keeps five questions)."""
    from assistant.brief.questions import write_questions
    from tests.fakes import QueueGenerator

    ctx, label = _one_note(kb, settings, "Raúl Ortega", RAUL)
    ids = ctx.cite([label])
    now = {"He runs flexibility trading at Octant Energy.": "How did flexibility trading at Octant Energy start?",
           "His team is drowning in half-hourly meter data.": "How does your team handle half-hourly meter data?",
           "He is building a forecasting desk in Glasgow.": "Tell me about the forecasting desk in Glasgow?",
           "He writes a monthly column on grid flexibility.": "What led you to write a column on grid flexibility?",
           "He is hiring two analysts for the Octant desk.": "What are you looking for in analysts for the Octant desk?"}
    past = "Raúl was a trader at Vattenfall (2012-2019)."
    ctx.brief.facts = [Cited(t, ids) for t in [*now, past]]
    ctx.gen = QueueGenerator(queues={fact: [json.dumps({"question": q})] for fact, q in
                                     [*now.items(), (past, "How do you decide what to trade at Vattenfall?")]})
    write_questions(ctx)
    assert len(ctx.brief.questions) >= 5, [q.text for q in ctx.brief.questions]
    assert not ctx.gen.prompts_with("Vattenfall"), "a fact of their past is not asked while their work now gives five"
    ctx.brief.facts = [Cited(t, ids) for t in [*list(now)[:3], past]]
    ctx.gen.calls.clear()
    write_questions(ctx)
    assert ctx.gen.prompts_with("Vattenfall"), "with too few facts about now, their past is asked too"


def test_their_own_our_inside_a_sentence_about_them_is_their_teams(kb, settings) -> None:
    """Eval brief (Tom, from his LinkedIn "About"): "He is currently working on how to onboard 50 new community groups
    next year without hiring a data team - our biggest headache is cleaning up generation data." Whose "our" is that,
    in a sentence about him? His team's, since he wrote it; a "we" whose verb would change person ends the sentence;
    a quote keeps its words."""
    ctx, _ = _one_note(kb, settings, "Tom Kessler", "About\nI'm a product manager who fell into energy by accident. "
                       "For the last four years I've led product at Kilowattly. Right now we're trying to work out how "
                       "to onboard 50 new community groups next year without hiring a data team - our biggest headache "
                       "is cleaning up generation data from old inverters. I like to say \"we ship weekly\".")
    _facts(ctx, "He is working on how to onboard 50 new community groups next year without hiring a data team - our "
                "biggest headache is cleaning up generation data from old inverters.",
           "He likes to say \"we ship weekly\".", "Tom led product at Kilowattly for four years; we met at PyData.")
    facts = [f.text for f in ctx.brief.facts]
    assert ("He is working on how to onboard 50 new community groups next year without hiring a data team - his "
            "team's biggest headache is cleaning up generation data from old inverters.") in facts, facts
    assert "Tom led product at Kilowattly for four years." in facts, facts
    assert not any(re.search(r"\b(?:our|we)\b", f) for f in facts if "ship weekly" not in f), facts
    assert any("we ship weekly" in f for f in facts), facts
