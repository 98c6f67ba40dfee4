"""Unit tests for assistant.checks: plain-code validation of model output.

Every case here is a concrete sentence a small model could write; each test
asserts a specific verdict, so a regression in any heuristic fails a test.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Sequence

import pytest

from assistant.text.grounding import is_supported, unsupported_terms
from assistant.text.questions import is_job_ask, is_open_question, specificity
from assistant.text.similarity import dedupe, near_duplicates, valid_citations
from assistant.text.voice import is_about_user, to_second_person
from assistant.text.words import talk_balance, word_count

# --------------------------------------------------------------------------
# is_open_question
# --------------------------------------------------------------------------

OPEN_QUESTIONS = [
    "How did you get into fintech?",
    "What drew you to Nordhaul after Acme?",
    "Why did you move from consulting into product?",
    "Which part of the payments rebuild was hardest to get right?",
    "Tell me about your time leading the Berlin office?",
    "Walk me through how you scaled the support team?",
    # An open prompt needs no question mark: it invites a story all the same.
    "Tell me about your time at Acme.",
    "Walk me through how you chose RouteDesk.",
    "What led you to join Stripe?",
    "So, what surprised you most about the move?",
    "Out of curiosity, why did you leave banking?",
    "I'd love to hear \u2014 what made the first launch work?",
    "I\u2019m curious what changed when you became a manager?",
    "I'd love to hear about your move to Berlin?",
    "Looking back, what would you do differently at Acme?",
    "If you could change one thing about the industry, what would it be?",
    "Congrats on the launch! What was the hardest part?",
    "Could you walk me through your hiring process?",
    "How do you balance speed and quality on the team?",
    "\u201cWhat keeps you at Nordhaul after six years?\u201d",
]

CLOSED_OR_INVALID = [
    "Do you like working at Nordhaul?",
    "Did you enjoy your time at Acme?",
    "Are you enjoying Berlin?",
    "Is it hard to manage remote teams?",
    "Was the move to product difficult?",
    "Can you work remotely?",
    "Could you see yourself leaving fintech?",
    "Would you recommend consulting as a first job?",
    "Will the team grow this year?",
    "Should companies hire generalists?",
    "Have you always worked in payments?",
    "Has Nordhaul changed since the acquisition?",
    "Had you planned to become a founder?",
    "May we talk about your book?",
    "Might the market shift next year?",
    "Shall we start with your background?",
    "Don't you miss engineering?",
    # auxiliary start stays closed even with "or"
    "Is it product or engineering that drives the roadmap?",
    # forced choice behind an open starter
    "What do you prefer, startups or big companies?",
    "Which do you prefer: sales or product?",
    "What made you move to tech, or was it always the plan?",
    # two questions / no question mark / too short
    "How did you start? What was hard?",
    "How did you get into fintech",
    "Tell me if you liked Acme.",
    "Tell me whether you liked Acme?",
    "What??",
    "What?",
    "",
    # factual, one-number answers
    "How many people are on your team?",
    "How long have you been at Nordhaul?",
    # statements with a question mark and indirect yes/no
    "You moved to Berlin last year?",
    "I'm curious whether you would do it again?",
    "So, are you still at Acme?",
]


@pytest.mark.parametrize("text", OPEN_QUESTIONS)
def test_open_questions_are_accepted(text: str) -> None:
    assert is_open_question(text) is True


@pytest.mark.parametrize("text", CLOSED_OR_INVALID)
def test_closed_or_invalid_questions_are_rejected(text: str) -> None:
    assert is_open_question(text) is False


# --------------------------------------------------------------------------
# is_job_ask
# --------------------------------------------------------------------------

JOB_ASKS = [
    "Are you hiring?",
    "Is your team hiring right now?",
    "So, is the team hiring?",
    "Is Stripe hiring?",
    "Do you have any openings for someone like me?",
    "Any positions open on your team?",
    "Are there any vacancies at Nordhaul?",
    "Is there room on your team for me?",
    "Could you refer me for the PM role?",
    "Could you give me a referral?",
    "Would I be able to get a referral from you?",
    "Could you introduce me to the hiring manager?",
    "Could you intro me to your VP of Product?",
    "Would you be open to making an intro to your recruiter?",
    "Would you put in a good word for me?",
    "Would you be willing to pass my CV along?",
    "Could you forward my resume to your team?",
    "Can you help me get hired at Nordhaul?",
    "Could you help me land a role in fintech?",
    "Could you help me find a job at Stripe?",
    "Can you help me break into product?",
    "Could you help me get my foot in the door?",
    "Please keep me in mind for any roles on your team.",
    "How could I get a job at Nordhaul?",
    "What would it take for me to join your team?",
    "Should I apply to your team?",
    "Do you know anyone who\u2019s hiring data analysts?",
    "Could you put me in touch with someone in recruiting?",
]

NOT_JOB_ASKS = [
    # "help me find" a place or a paper is not a job (a follow-up lost both its items to this)
    "Send me the map of every school in the city to help me find Kirkgate Park.",
    "Could you help me find the consultation report?",
    # their hiring practice is their work
    "How do you decide what to look for when you hire for your team?",
    "What do you look for when hiring for your team?",
    "How important are referrals in how your team hires?",
    "What makes a referral stand out to you?",
    "Tell me about how you built your hiring process?",
    "Walk me through how you interview candidates?",
    "How do you work with recruiters on your team?",
    "What is your team hiring for this year, and why?",
    "What positions have you hired for this year?",
    # their career
    "What led you to join Nordhaul?",
    "What led you to join X?",
    "How did you land your first job in fintech?",
    "How did you find a job after the bootcamp?",
    "What roles have you held before Nordhaul?",
    "What was your introduction to product management?",
    # "opening"/"opportunity" in a work sense
    "Tell me about the opening of your Berlin office?",
    "What opportunities do you see in climate tech?",
    "Do you see any opportunities in the EU market?",
]


@pytest.mark.parametrize("text", JOB_ASKS)
def test_job_asks_are_detected(text: str) -> None:
    assert is_job_ask(text) is True


@pytest.mark.parametrize("text", NOT_JOB_ASKS)
def test_questions_about_their_work_are_not_job_asks(text: str) -> None:
    assert is_job_ask(text) is False


# --------------------------------------------------------------------------
# is_about_user
# --------------------------------------------------------------------------

USER = ["Jordan Lee"]

ABOUT_USER = [
    "What should I focus on in my career?",
    "How does this relate to my goals?",
    "Given my background in finance, what should I learn?",
    "How would you approach my transition into product?",
    "What would you recommend for me?",
    "Is this a good path for me?",
    "What do you think I should do next?",
    "Should I switch to product?",
    "Can you help me with my job search?",
    "What would you do in my position?",
    "How can someone like me break into fintech?",
    "What are Jordan's career goals?",
    "What are jordan\u2019s strengths?",
    "How can Jordan Lee stand out?",
    "What should JORDAN LEE ask next?",
]

NOT_ABOUT_USER = [
    "What are your career goals for the next year?",
    "How did your background in finance shape your approach?",
    "Tell me about your transition to product?",
    "Walk me through your path to Nordhaul?",
    "Help me understand how your team ships?",
    "What drew you to Nordhaul?",
    "What did Jordana teach you at Acme?",  # first name is a word, not a prefix
    "How did the Lee Foundation grant come about?",  # last name alone is not matched
    "What do you wish you had known in your first year?",
]


@pytest.mark.parametrize("text", ABOUT_USER)
def test_questions_about_the_user_are_detected(text: str) -> None:
    assert is_about_user(text, USER) is True


@pytest.mark.parametrize("text", NOT_ABOUT_USER)
def test_questions_about_the_contact_are_not_about_user(text: str) -> None:
    assert is_about_user(text, USER) is False


def test_user_name_only_matches_when_given() -> None:
    assert is_about_user("What are Jordan's career goals?") is False
    assert is_about_user("What are Jordan's career goals?", ["Jordan Lee"]) is True


def test_blank_user_names_are_ignored() -> None:
    assert is_about_user("What drew you to Nordhaul?", ["", "   "]) is False


# --------------------------------------------------------------------------
# near_duplicates / dedupe
#
# The fake embedding below is a deterministic bag-of-words vector over a
# vocabulary built from the call's texts. It only exercises our cosine and
# Jaccard logic; the real embedding model is covered by integration tests
# elsewhere.
# --------------------------------------------------------------------------


def bow_embed(texts: Sequence[str]) -> list[list[float]]:
    tokenized = [re.findall(r"[a-z0-9]+", t.lower()) for t in texts]
    vocab = sorted({w for tokens in tokenized for w in tokens})
    out = []
    for tokens in tokenized:
        counts = Counter(tokens)
        out.append([float(counts[w]) for w in vocab])
    return out


def table_embed(table: dict[str, list[float]]):
    """An embed function that returns fixed vectors, to pin cosine values."""

    def embed(texts: Sequence[str]) -> list[list[float]]:
        return [table[t] for t in texts]

    return embed


def test_near_duplicates_finds_reworded_pair_by_cosine() -> None:
    texts = [
        "What drew you to payments at Nordhaul?",
        "How do you run design reviews?",
        "What drew you to payments at Nordhaul, originally?",
    ]
    pairs = near_duplicates(texts, bow_embed, threshold=0.85)
    assert [(i, j) for i, j, _ in pairs] == [(0, 2)]
    assert pairs[0][2] >= 0.85


def test_near_duplicates_reports_cosine_value() -> None:
    embed = table_embed({"a": [1.0, 0.0], "b": [1.0, 1.0], "c": [0.0, 1.0]})
    pairs = near_duplicates(["a", "b", "c"], embed, threshold=0.7)
    assert [(i, j) for i, j, _ in pairs] == [(0, 1), (1, 2)]
    assert pairs[0][2] == pytest.approx(1 / math.sqrt(2))


def test_near_duplicates_respects_threshold() -> None:
    embed = table_embed({"a": [1.0, 0.0], "b": [1.0, 1.0]})
    assert near_duplicates(["a", "b"], embed, threshold=0.71) == []
    assert len(near_duplicates(["a", "b"], embed, threshold=0.70)) == 1


def test_jaccard_backstop_catches_near_verbatim_copies() -> None:
    # The embedding claims these are orthogonal; token overlap says otherwise.
    q1 = "What was the hardest part of the Nordhaul payments migration?"
    q2 = "What was the hardest part of the Nordhaul payment migration?"
    q3 = "What was the hardest part of moving to Berlin?"
    embed = table_embed({q1: [1.0, 0.0, 0.0], q2: [0.0, 1.0, 0.0], q3: [0.0, 0.0, 1.0]})
    pairs = near_duplicates([q1, q2, q3], embed)
    assert [(i, j) for i, j, _ in pairs] == [(0, 1)]
    assert pairs[0][2] >= 0.8


def test_jaccard_ignores_case_and_punctuation() -> None:
    embed = table_embed({"How did you START?": [1.0, 0.0], "how did you start": [0.0, 1.0]})
    assert len(near_duplicates(["How did you START?", "how did you start"], embed)) == 1


def test_zero_vectors_have_zero_similarity_not_nan() -> None:
    embed = table_embed({"x one": [0.0, 0.0], "y two": [0.0, 0.0], "X one!": [0.0, 0.0]})
    pairs = near_duplicates(["x one", "y two", "X one!"], embed, threshold=0.0)
    # threshold 0.0: every pair with cosine 0 qualifies, none may carry NaN
    assert [(i, j) for i, j, _ in pairs] == [(0, 1), (0, 2), (1, 2)]
    assert [score for _, _, score in pairs] == [0.0, 1.0, 0.0]


def test_near_duplicates_skips_embed_for_fewer_than_two_texts() -> None:
    def exploding_embed(texts: Sequence[str]) -> list[list[float]]:
        raise AssertionError("embed should not be called")

    assert near_duplicates([], exploding_embed) == []
    assert near_duplicates(["only one"], exploding_embed) == []
    assert dedupe(["only one"], exploding_embed) == [0]


def test_near_duplicates_calls_embed_once_with_all_texts() -> None:
    calls: list[list[str]] = []

    def recording_embed(texts: Sequence[str]) -> list[list[float]]:
        calls.append(list(texts))
        return bow_embed(texts)

    texts = ["alpha beta", "gamma delta", "alpha beta"]
    near_duplicates(texts, recording_embed)
    assert calls == [texts]


def test_near_duplicates_rejects_wrong_embed_shape() -> None:
    with pytest.raises(ValueError):
        near_duplicates(["a", "b"], lambda texts: [[1.0, 0.0]])


def test_dedupe_keeps_first_occurrence() -> None:
    texts = [
        "What drew you to payments at Nordhaul?",
        "How do you run design reviews?",
        "What drew you to payments at Nordhaul, originally?",
        "How do you run your design reviews?",
        "What is next for the Berlin office?",
    ]
    assert dedupe(texts, bow_embed) == [0, 1, 4]


def test_dedupe_chain_keeps_ends_that_differ() -> None:
    # a~b and b~c but a and c are far apart: b goes, c stays.
    embed = table_embed({"a": [1.0, 0.0], "b": [1.0, 1.0], "c": [0.0, 1.0]})
    assert dedupe(["a", "b", "c"], embed, threshold=0.7) == [0, 2]


def test_dedupe_of_distinct_texts_keeps_all() -> None:
    texts = ["alpha beta gamma", "delta epsilon zeta", "eta theta iota"]
    assert dedupe(texts, bow_embed) == [0, 1, 2]


# --------------------------------------------------------------------------
# valid_citations
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["n1"], True),
        (["n1", "n2"], True),
        ([], False),
        (["n1", "n9"], False),
        (["N1"], False),  # ids are exact
        (["n1 "], False),
        ("n1", False),  # a bare string is a model slip, not a list of ids
        ([None], False),
    ],
)
def test_valid_citations(ids, expected: bool) -> None:
    assert valid_citations(ids, {"n1", "n2", "n3"}) is expected


def test_valid_citations_accepts_any_collection() -> None:
    assert valid_citations(("a", "b"), ["a", "b"]) is True
    assert valid_citations(["a"], frozenset()) is False


# --------------------------------------------------------------------------
# unsupported_terms / is_supported
# --------------------------------------------------------------------------

UNSUPPORTED_CASES = [
    ("Leads the payments team at Stripe", ["Works on payments at Nordhaul."], ["Stripe"]),
    ("She joined Acme in 2019", ["joined Acme in 2021"], ["2019"]),
    ("Raised $4M from Sequoia.", ["They raised 4 million dollars from Accel."], ["Sequoia"]),
    ("Raised $5M in 2023.", ["raised $4M in 2023"], ["$5M"]),
    ("Raised $4B in 2023.", ["raised $4M in 2023"], ["$4B"]),
    ("Her team grew 12% last year.", ["the team grew 15% last year"], ["12%"]),
    ("Manages 3,000 merchants in Lisbon.", ["manages 3000 merchants in Porto"], ["Lisbon"]),
    ("Spoke at QCon with Jane Doe.", ["spoke with Jane Smith"], ["QCon", "Jane Doe"]),
    ("Previously VP of Growth at Acme Corp and Globex.", ["worked at Acme"], ["Globex"]),
    ("Nordhaul expanded to Spain in 2022.", ["Nordhaul grew in 2022"], ["Spain"]),
    ("Kiwi raised 4.5 million in 2021.", ["Kiwi raised 4.2 million in 2021"], ["4.5 million"]),
    ("Worked with Stripe's risk team.", ["works at Nordhaul"], ["Stripe"]),
    ("Zentrix hired Maya in 2020.", ["Maya joined in 2020"], ["Zentrix"]),
    ("Built a B2B product for SMEs.", ["built a consumer app"], ["B2B", "SMEs"]),
]


@pytest.mark.parametrize(("claim", "sources", "expected"), UNSUPPORTED_CASES)
def test_unsupported_terms_are_reported(claim: str, sources: list[str], expected: list[str]) -> None:
    assert unsupported_terms(claim, sources) == expected
    assert is_supported(claim, sources) is False


SUPPORTED_CASES = [
    ("Grew revenue 40% in 2024", ["revenue grew by 40 percent in 2024"]),
    ("Grew revenue 40 percent in 2024", ["Revenue grew 40% in 2024."]),
    ("Manages 3,000 merchants", ["manages 3000 merchants"]),
    ("Manages 3000 merchants", ["manages 3,000 merchants"]),
    ("Raised $4M from Sequoia.", ["They raised 4 million dollars from Sequoia."]),
    ("Raised 4 million from Sequoia.", ["raised $4M, led by Sequoia"]),
    ("Raised $4,000,000.", ["raised 4M"]),
    ("Has 3 direct reports.", ["she has three direct reports"]),
    ("Her 2nd startup, Kiwi, raised 4.5 million.", ["second startup Kiwi raised $4.5M"]),
    ("Joined Acme Labs in 2019. Pivoted to climate tech.", ["joined acme labs 2019, pivot to climate"]),
    ("CEO Jane Doe's company Acme Corp employs 3,000 people.", ["Jane Doe runs Acme with 3000 staff"]),
    ("In March, she spoke at the Head of Product summit on Monday.", ["spoke at a summit"]),
    ("Worked at Stripe's Dublin office.", ["Stripe office in Dublin"]),
    ("Led the U.S. launch.", ["led the US launch"]),
    ("Co-founded Nordhaul in 2018.", ["Maya co founded nordhaul (2018)"]),
    ("She loves climbing.", []),
    ("", ["anything"]),
]


@pytest.mark.parametrize(("claim", "sources"), SUPPORTED_CASES)
def test_supported_claims_have_no_unsupported_terms(claim: str, sources: list[str]) -> None:
    assert unsupported_terms(claim, sources) == []
    assert is_supported(claim, sources) is True


def test_sources_are_concatenated() -> None:
    sources = ["Maya joined Nordhaul in 2019.", "She moved to Lisbon."]
    assert unsupported_terms("Maya moved to Lisbon after joining Nordhaul in 2019.", sources) == []


def test_unsupported_terms_are_reported_once_in_claim_order() -> None:
    claim = "Globex hired her in 2017; Globex later sold to Initech."
    assert unsupported_terms(claim, ["hired in 2017"]) == ["Globex", "Initech"]


def test_no_sources_means_every_term_is_unsupported() -> None:
    assert unsupported_terms("Joined Acme in 2019.", []) == ["Acme", "2019"]


# --------------------------------------------------------------------------
# specificity
# --------------------------------------------------------------------------

OWN = ["Maya leads payments compliance at Nordhaul and moved from Lisbon in 2021."]
OTHERS = ["Sam leads growth at Acme and enjoys his work on payments."]


@pytest.mark.parametrize(
    "question",
    [
        "How did the shift into compliance change your week?",
        "What was the hardest part of the move from Lisbon?",
        "What does a normal week at Nordhaul look like?",
        "What surprised you about compliance work?",
        "How has the move since 2021 shaped your approach?",
    ],
)
def test_specific_questions(question: str) -> None:
    assert specificity(question, OWN, OTHERS) is True


@pytest.mark.parametrize(
    "question",
    [
        "What do you enjoy most about your work?",
        "What is the biggest challenge in your role?",
        "What advice would you give someone starting out?",
        "How do you think about payments?",  # in own notes but also in others'
        "What's the best part of leading a team?",
    ],
)
def test_generic_questions(question: str) -> None:
    assert specificity(question, OWN, OTHERS) is False


def test_shared_entity_still_counts_as_specific() -> None:
    own = ["Maya worked at Acme before Nordhaul."]
    others = ["Sam works at Acme."]
    assert specificity("What did Acme teach you?", own, others) is True


def test_specificity_stems_inflections() -> None:
    own = ["She scaled the underwriting team twice."]
    assert specificity("How did you approach scaling underwriters?", own, []) is True


def test_generic_words_in_own_notes_are_not_distinctive() -> None:
    own = ["Maya enjoys her work."]
    assert specificity("What do you enjoy most about your work?", own, []) is False


def test_no_notes_means_not_specific() -> None:
    assert specificity("What drew you to Nordhaul?", [], OTHERS) is False


# --------------------------------------------------------------------------
# word_count / talk_balance
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("   ", 0),
        ("Hello there", 2),
        ("I don't know \u2014 maybe?", 4),
        ("state-of-the-art tooling, 3 teams.", 4),
        ("  spaced   out\nwords ", 3),
    ],
)
def test_word_count(text: str, expected: int) -> None:
    assert word_count(text) == expected


def test_talk_balance_is_user_share_of_words() -> None:
    user = ["one two three"]  # 3 words
    other = ["a b c d e", "f g c d e h i"]  # 12 words
    assert talk_balance(user, other) == pytest.approx(3 / 15)


def test_talk_balance_extremes() -> None:
    assert talk_balance([], []) == 0.0
    assert talk_balance([""], ["  "]) == 0.0
    assert talk_balance(["just me talking"], []) == 1.0
    assert talk_balance([], ["only them"]) == 0.0


# --------------------------------------------------------------------------
# to_second_person
# --------------------------------------------------------------------------

SECOND_PERSON = [
    ("What challenges does Noor Al-Rashidi face in building her traceability programme, and how does she address them?",
     "What challenges do you face in building your traceability programme, and how do you address them?"),
    ("How does Noor Al-Rashidi's team approach tracing cotton?", "How does your team approach tracing cotton?"),
    ("How is Noor preparing her company for the 2027 rules?", "How are you preparing your company for the 2027 rules?"),
    ("Why does Noor believe paying suppliers beats audits?", "Why do you believe paying suppliers beats audits?"),
    ("What did her father teach her about sailing?", "What did your father teach you about sailing?"),
    ("What will Will Ortega build next, and how will he staff it?", "What will you build next, and how will you staff it?"),
    ("How does Al-Rashidi focus the team?", "How do you focus the team?"),
    ("Tell me about the grant Noor received. Why is it important to you?",
     "Tell me about the grant you received. Why is it important to you?"),
]


@pytest.mark.parametrize(("question", "expected"), SECOND_PERSON)
def test_third_person_questions_are_turned_to_the_contact(question: str, expected: str) -> None:
    name = "Will Ortega" if "Will" in question else "Noor Al-Rashidi"
    assert to_second_person(question, name) == expected


@pytest.mark.parametrize("question", [
    "How did you and Noor meet at the fair?",       # already addressed to "you": a third person stays
    "What does the market say about supply chains?",  # no mention of the contact
    "How will the new rules change sourcing?",      # "will" the verb, not a person named Will
])
def test_second_person_leaves_other_questions_alone(question: str) -> None:
    name = "Will Ortega" if "will" in question else "Noor Al-Rashidi"
    assert to_second_person(question, name) == question


@pytest.mark.parametrize("text,expected", [
    ("Dana asked how I ran onboarding for B2B SaaS clients.", True),
    ("She was surprised we segmented by company size; my team did that.", True),
    ("I'm told she leads product.", True),
    ('Dana said "I think installers are the real customers."', False),
    ("Dana leads product at Brightwater Heat, a Halifax startup.", False),
    ("Priya runs the Series I fund at Tidewater.", True),  # accepted false positive: a fact is dropped, never invented
])
def test_speaks_as_user(text: str, expected: bool) -> None:
    from assistant.text.voice import speaks_as_user

    assert speaks_as_user(text) is expected
