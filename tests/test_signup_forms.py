"""Attendee lists exported from a sign-up form: questions as column headers, answers in the person's words.

Meetups register people with Google Forms, Luma or Eventbrite questions. Before this, a Google Forms
export ("What's your job title?", "Which organisation are you with?") ranked every attendee at 0.00
with "No details given", and the answers that were read became facts the model bent ("Wang Ming has
shared that civic tech people are building projects" from "Learn what civic tech people are building").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.event.attendees import Attendee, read_attendees
from assistant.text import forms

GOOGLE_FORMS = (
    "Timestamp,Email address,Full name,What's your job title?,Which organisation are you with?,"
    "What are you working on at the moment?,What would you like to get out of the evening?,Dietary requirements\n"
    "2026/11/18 9:14:02 PM GMT,a.khan@example.org,Aisha Khan,Head of Digital,Bradford Council,"
    "\"Moving council tax, bins and blue badge applications onto one account. We test with residents every "
    "sprint but keep reaching the same confident people.\",Meet people who've done research with digitally "
    "excluded residents,Vegetarian\n"
    "2026/11/19 10:22:45 AM GMT,ming@example.org,王明 (Wang Ming),Data Scientist,NHS West Yorkshire ICB,"
    "Predicting missed appointments,Learn what civic tech people are building,\n"
    "2026/11/22 10:00:00 AM GMT,l.nowak@example.org,Łukasz Nowak,Software Engineer,Sky Betting & Gaming,"
    "Backend payments,n/a,\n"
)


def test_a_google_forms_export_reads_its_questions_as_fields_and_answers(tmp_path: Path) -> None:
    path = tmp_path / "signups.csv"
    path.write_text(GOOGLE_FORMS, encoding="utf-8")
    got = read_attendees(path)
    assert got.mapping == {"name": "Full name", "title": "What's your job title?",
                           "company": "Which organisation are you with?"}
    aisha, ming, lukasz = got.attendees
    assert (aisha.title, aisha.company) == ("Head of Digital", "Bradford Council")
    assert [q for q, _ in aisha.answers] == ["What are you working on at the moment?",
                                             "What would you like to get out of the evening?"]
    # the e-mail, the timestamp and what they eat are not about their work
    assert "Vegetarian" not in aisha.as_note_text() and "example.org" not in aisha.as_note_text()
    assert ming.as_note_text().splitlines()[-2:] == [
        "Working on: Predicting missed appointments",
        "Hoping to get from the event: Learn what civic tech people are building"]
    assert lukasz.answers == (("What are you working on at the moment?", "Backend payments"),)  # "n/a" is no answer
    # the ranking reads the answers (a row of only a name and a role ranked on the role alone)
    assert "Predicting missed appointments" in ming.own_words


def test_a_header_about_something_else_is_not_taken_for_a_field(tmp_path: Path) -> None:
    path = tmp_path / "luma.csv"
    path.write_text("api_id,name,email,ticket_name,Company size,Company / Organisation,What is your role?,"
                    "How did you hear about us?,Anything you'd like the host to know?\n"
                    "gst-1,Ama Boateng,ama@example.org,General,50-200,Environment Agency,Flood modeller,"
                    "Twitter,Porting our hydraulics solver to Rust\n", encoding="utf-8")
    got = read_attendees(path)
    assert got.mapping == {"name": "name", "title": "What is your role?", "company": "Company / Organisation"}
    ama = got.attendees[0]
    assert (ama.title, ama.company) == ("Flood modeller", "Environment Agency")
    # an open question is kept under its own words; how they heard of the event is not about them
    assert ama.answers == (("Anything you'd like the host to know?", "Porting our hydraulics solver to Rust"),)
    assert "Anything you'd like the host to know? Porting our hydraulics solver to Rust" in ama.as_note_text()


def test_a_question_may_name_the_event_but_a_field_header_about_the_event_is_not_theirs(tmp_path: Path) -> None:
    path = tmp_path / "eventbrite.csv"
    path.write_text("Order #,First Name,Last Name,Event name,Job Title,Company,"
                    "What would you like to get out of this event?,Are you happy to be contacted after the event?\n"
                    "1001,Ama,Boateng,Rust Meetup,Flood modeller,Environment Agency,Meet people porting solvers,Yes\n",
                    encoding="utf-8")
    got = read_attendees(path)
    assert got.mapping == {"first_name": "First Name", "last_name": "Last Name", "title": "Job Title",
                           "company": "Company"}
    ama = got.attendees[0]
    assert ama.name == "Ama Boateng"
    assert ama.answers == (("What would you like to get out of this event?", "Meet people porting solvers"),)


def test_an_explicit_notes_mapping_keeps_the_questions_out(tmp_path: Path) -> None:
    path = tmp_path / "signups.csv"
    path.write_text(GOOGLE_FORMS, encoding="utf-8")
    got = read_attendees(path, {"notes": "Dietary requirements"})
    assert got.attendees[0].notes == "Vegetarian" and got.attendees[0].answers == ()


def test_a_row_stored_with_an_event_job_comes_back_whole() -> None:
    import json
    from dataclasses import asdict

    row = Attendee("Ama Boateng", title="Flood modeller", answers=(("What are you working on?", "Flood models"),))
    assert Attendee.from_dict(json.loads(json.dumps(asdict(row)))) == row  # lists from JSON, tuples again
    # a job stored before answers were read, and one from a later version with a key this one lacks
    assert Attendee.from_dict({"name": "Ama Boateng", "title": "Flood modeller", "row": 3, "pronouns": "she"}) == \
        Attendee("Ama Boateng", title="Flood modeller", row=3)


def test_a_repeated_row_keeps_both_rows_answers() -> None:
    from assistant.event.attendees import _merge

    first = Attendee("Ama Boateng", answers=(("What are you working on?", "Flood models"),))
    later = Attendee("Ama Boateng", answers=(("What are you working on?", "Flood models"),
                                            ("Why are you coming?", "Meet Rust people")))
    assert _merge(first, later).answers == (("What are you working on?", "Flood models"),
                                            ("Why are you coming?", "Meet Rust people"))


@pytest.mark.parametrize("question, label", [
    ("What are you working on at the moment?", forms.WORKING_ON),
    ("Tell us a bit about yourself", forms.WORKING_ON),
    ("What would you like to get out of the evening?", forms.HOPING),
    ("Why are you attending?", forms.HOPING),
    ("What brings you to PyData?", forms.HOPING),
    ("Anything you'd like the host to know?", ""),
])
def test_a_question_is_labelled_by_what_it_asks(question: str, label: str) -> None:
    assert forms.label_for(question) == label


@pytest.mark.parametrize("label, answer, sentence", [
    (forms.WORKING_ON, "Predicting missed appointments", "Wang Ming is working on predicting missed appointments."),
    (forms.WORKING_ON, "Code clubs for kids in three branch libraries",
     "Kavita is working on code clubs for kids in three branch libraries."),
    (forms.WORKING_ON, "Annual Digital Nation report", "Fatima is working on Annual Digital Nation report."),
    (forms.WORKING_ON, "GOV.UK One Login research", "Emma is working on GOV.UK One Login research."),
    (forms.WORKING_ON, "Mostly WordPress sites for charities", "tom is working on mostly WordPress sites for charities."),
    (forms.WORKING_ON, "Trying to write guidance volunteers read", "Sarah is trying to write guidance volunteers read."),
    (forms.HOPING, "Find volunteers for code club", "At the event, Kavita hopes to find volunteers for code club."),
    (forms.HOPING, "Ideas for keeping the scheme going",
     "Hoping to get from the event, Hasina wrote: \u201cIdeas for keeping the scheme going\u201d."),
    (forms.HOPING, "Networking", ""),
    (forms.WORKING_ON, "We're redesigning web chat triage", ""),  # their "we": read as theirs elsewhere
])
def test_an_answer_becomes_a_sentence_about_them(label: str, answer: str, sentence: str) -> None:
    first = sentence.split(" is ")[0].split(", ")[-1].split(" hopes")[0] if sentence else "Sarah"
    if "wrote" in sentence:
        first = "Hasina"
    assert forms.answer_sentence(label, answer, first) == sentence
    assert forms.is_hope(sentence) == (label == forms.HOPING and bool(sentence))


def test_an_attendee_rows_facts_are_its_role_and_answers_and_the_models_bent_reading_goes(kb, settings) -> None:
    from assistant.brief.context import BriefContext
    from assistant.brief.facts import write_facts
    from assistant.brief.followup import write_opener
    from assistant.brief.questions import question_seeds
    from assistant.notes import db
    from assistant.notes.ingest import ingest_text
    from assistant.types import Target
    from tests.fakes import QueueGenerator

    row = Attendee("Hasina Begum", title="Digital Inclusion Officer", company="Kirklees Council",
                   answers=(("What are you working on at the moment?",
                             "Running the council's device-lending scheme and training digital champions in "
                             "libraries; we lost our funding for the SIM cards in October"),
                            ("What would you like to get out of the evening?",
                             "Ideas for keeping the scheme going; maybe speak about it")))
    db.upsert_contact(settings, row.name, [])
    ingest_text(row.as_note_text(), Target.contact(row.name), kb, settings, title="Civic Tech Leeds attendee row")
    ctx = BriefContext(row.name, kb, settings, QueueGenerator(), size="event")
    bent = ["Hasina Begum is interested in keeping the scheme going and would like ideas.",
            "Hasina Begum is a digital inclusion officer."]
    reply = {"facts": [{"text": t, "sources": list(ctx.labels)} for t in bent]}
    ctx.gen = QueueGenerator(queues={"short facts about": [json.dumps(reply)] * 2})
    write_facts(ctx)
    facts = [f.text for f in ctx.brief.facts]
    assert "Hasina Begum is Digital Inclusion Officer at Kirklees Council." in facts, facts
    assert "Hasina is working on running the council's device-lending scheme and training digital champions " \
           "in libraries." in facts, facts
    assert "Hasina's team lost their funding for the SIM cards in October." in facts, facts  # her "we", hers
    # what she hopes from the evening is said in her words, last, and no question grows from it
    assert facts[-1] == ("Hoping to get from the event, Hasina wrote: "
                         "\u201cIdeas for keeping the scheme going; maybe speak about it\u201d."), facts
    assert not any("would like ideas" in f for f in facts), facts
    assert len(facts) <= ctx.size["facts"]
    assert all(f.sources for f in ctx.brief.facts)
    assert not any(forms.is_hope(f.text) for f in question_seeds(ctx.brief.facts))
    # ... nor the "why" of one that reads like it (the why follows the closest fact by meaning)
    from assistant.brief.questions import closest_fact
    role = ctx.brief.facts[0]
    assert not forms.is_hope(closest_fact(ctx, "What ideas would help keep the scheme going?", role).text)
    write_opener(ctx)
    assert "device-lending scheme" in ctx.brief.opener and "hop" not in ctx.brief.opener.casefold()


def test_the_terminal_says_which_questions_it_read_as_answers(kb, settings, tmp_path: Path) -> None:
    """`rapport event --rank-only` on a Google Forms export: the questions read as answers are named, the
    dietary column is not (the Events page says the same)."""
    from typer.testing import CliRunner

    from assistant.cli import app

    path = tmp_path / "signups.csv"
    path.write_text(GOOGLE_FORMS, encoding="utf-8")
    result = CliRunner().invoke(app, ["event", str(path), "--goal", "meet people in civic tech", "--rank-only"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # the terminal wraps long lines
    said = text[text.index("Read as their answers:"):]
    assert said.startswith("Read as their answers: “What are you working on at the moment?”; “What would you like "
                           "to get out of the evening?”"), said
    assert "Dietary" not in said


def test_an_imported_event_job_knows_the_questions_it_read(kb, settings, tmp_path: Path) -> None:
    from assistant.event.run import import_event

    path = tmp_path / "signups.csv"
    path.write_text(GOOGLE_FORMS, encoding="utf-8")
    job = import_event(path, kb, settings, goal="meet people in civic tech", out_dir=tmp_path / "pack", ingest=False)
    assert job.questions == ["What are you working on at the moment?",
                             "What would you like to get out of the evening?"]
    assert [i.name for i in job.items(with_briefs=False)][0]  # ranked and stored as before
