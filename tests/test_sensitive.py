"""Avoid is right: only what the notes say is sensitive to this person, never a profession's vocabulary."""

from __future__ import annotations

import pytest

from assistant.text.sensitive import raises_sensitive, sensitive_to_them

SENSITIVE_TO_THEM = [
    "She asked me not to bring up the merger; her team was cut in March.",
    "Don't mention the Series B, it's a sore point.",
    "His father passed away last spring.",
    "She was laid off from Acme in 2023.",
    "He is on medical leave until May.",
    "Dana prefers not to discuss the acquisition.",
    "Their startup was shut down last year.",
    "Careful not to joke about the reorg: she is touchy about it.",
]
# Real career text from nurses, doctors, HR and mental-health services: work, not a warning.
ORDINARY_WORK = [
    "Career Highlights: 2025: named chief nursing executive of Mercy Health.",
    "Academic medical centers face unique pressures on nurse staffing and health equity.",
    "She leads layoff planning and workforce transitions for a 4,000-person company.",
    "He runs a burnout prevention programme for crisis counsellors.",
    "Designed mental health benefits and parental leave policy.",
    "Supports families through grief and bereavement counselling as director of services.",
    "Avoid jargon when presenting to boards, she advises new managers.",
    "She speaks about illness prevention in rural clinics.",
    "Her research covers cancer screening uptake among shift workers.",
    "He chairs the hospital's death and dying ethics committee.",
]


@pytest.mark.parametrize("sentence", SENSITIVE_TO_THEM)
def test_flags_what_is_sensitive_to_the_person(sentence: str) -> None:
    assert sensitive_to_them(sentence)


@pytest.mark.parametrize("sentence", ORDINARY_WORK)
def test_never_flags_a_professions_vocabulary(sentence: str) -> None:
    assert not sensitive_to_them(sentence)


def test_questions_that_step_on_a_flagged_note_or_a_personal_loss() -> None:
    flagged = ["She asked me not to bring up the merger; her team was cut in March."]
    assert raises_sensitive("How did the merger change your team's plans?", flagged)
    assert raises_sensitive("How did you cope with your illness last year?", [])
    assert not raises_sensitive("How does your team prevent burnout among crisis counsellors?", [])
    assert not raises_sensitive("What did the March launch teach you about onboarding?", [])


def test_what_they_dislike_is_theirs_but_other_peoples_dislikes_are_work() -> None:
    from assistant.text.sensitive import dislikes

    assert dislikes("She dislikes long decks.") and not sensitive_to_them("She dislikes long decks.")
    assert dislikes("She can be blunt in meetings and she hates slide decks, so bring something concrete.")
    assert not dislikes("He hates talking about his time at Google."), "that one is a topic he asked to avoid"
    assert sensitive_to_them("He hates talking about his time at Google.")
    assert not dislikes("Mentors nurses who hate charting at the end of a shift.")
    assert not sensitive_to_them("Mentors nurses who hate charting at the end of a shift.")
    assert not sensitive_to_them("Led a reorg in which 40 staff were laid off, and rebuilt the team's morale.")


def test_a_question_on_what_they_asked_not_to_mention_is_refused_on_one_shared_word() -> None:
    """Seen in a default-model brief: the Avoid line said "don't mention the override %s" and a
    question asked why dispatchers override 30-40% of routes (one shared word, "override")."""
    from assistant.text.sensitive import raises_sensitive, topic_words

    flagged = "don't mention the override %s to anyone (Ewa included) - he asked explicitly"
    assert topic_words(flagged) == {"overrid"}
    assert raises_sensitive("Why do dispatchers at the older depots override 30-40% of planned routes?", [flagged])
    assert not raises_sensitive("How is the RouteDesk rebuild going?", [flagged])
    assert topic_words("She asked me not to bring up the merger; her team was cut in March.") == {"merger"}
    assert topic_words('Kit said "we don\'t talk about that one" w/ a laugh') == set()
    assert topic_words("He hates talking about his time at Google.") == {"googl"}


def test_what_the_note_says_is_fine_to_talk_about_is_not_flagged() -> None:
    from assistant.text.sensitive import raises_sensitive

    note = "She's fine talking about School Streets; don't bring up the LTN backlash or social media."
    assert not raises_sensitive("What are the main objectives of School Streets Phase 2?", [note])
    assert raises_sensitive("How did the LTN trial change your view of consultations?", [note])
    assert raises_sensitive("What did the backlash teach you?", [note])


def test_a_line_the_user_labelled_sensitive_is_flagged_and_kept_out_of_facts() -> None:
    from assistant.text.sensitive import raises_sensitive, sensitive_to_them

    note = ("Sensitive: Eastmoor is on the shortlist of branches that could close or become volunteer-run "
            "under the council's 2027-28 budget consultation.")
    assert sensitive_to_them(note) and sensitive_to_them("**Careful:** The LTN trial brought online abuse.")
    assert not sensitive_to_them("Sensitivity analysis: she reruns it every week.")
    # seen in a default-model brief: the labelled line came back as a fact about her
    assert raises_sensitive("She is sensitive to the shortlist of branches that could close under the budget "
                            "consultation.", [note])
    assert not raises_sensitive("How is the laptop-loan scheme going?", [note])
