"""Unit tests for assistant.text.links: URLs, e-mails and phone numbers the model made up.

Every case is text a small model could write next to the notes it cites; each
asserts exactly what is flagged and exactly what the cleaned text reads.
"""

from __future__ import annotations

import pytest

from assistant.text.links import find_contacts, invented_contacts, strip_invented

NOTES = [
    "Dana's team page is https://brightwaterheat.ca/team and her e-mail is Dana.Whitfield@Brightwater.ca.",
    "Call her office on (902) 555-0143. She liked the piece on designweekly.com about heat pumps.",
]


# ------------------------------------------------------------- detection ---

@pytest.mark.parametrize("text, kind, item", [
    ("See https://www.designweekly.com/trends/.", "url", "https://www.designweekly.com/trends/"),
    ("See http://x.org/a?b=1#c, then", "url", "http://x.org/a?b=1#c"),
    ("Go to www.Example.com/Path!", "url", "www.Example.com/Path"),
    ("Try example.com/path/to.", "url", "example.com/path/to"),
    ("Her site brightwater.co.uk is new", "url", "brightwater.co.uk"),
    ("Write to dana@fake.io.", "email", "dana@fake.io"),
    ("Call (902) 555-0143.", "phone", "(902) 555-0143"),
    ("Call +1 902 555 0143 today", "phone", "+1 902 555 0143"),
    ("Call 902.555.0143", "phone", "902.555.0143"),
    ("Call 555-0143 now", "phone", "555-0143"),
    ("Her mobile is 9025550143", "phone", "9025550143"),
])
def test_finds_each_kind(text: str, kind: str, item: str) -> None:
    assert [(k, i) for _, _, k, i in find_contacts(text)] == [(kind, item)]


@pytest.mark.parametrize("text", [
    "She uses Node.js and ASP.NET, and keeps notes.md next to main.py.",
    "Met in 2019-2024; on 2024-05-01 and 01/05/2024 she raised 1,200,000 (1 000 000 in 2023).",
    "Pi is 3.14159265, the ticket is 12345678, and the plan is e.g. three steps.",
    "She leads product at Brightwater Heat. It was great.",
])
def test_ordinary_prose_has_no_contacts(text: str) -> None:
    assert find_contacts(text) == []
    assert invented_contacts(text, []) == []
    assert strip_invented(text, []) == (text, [])


def test_an_email_domain_is_not_also_a_url() -> None:
    assert [(k, i) for _, _, k, i in find_contacts("dana@brightwater.ca")] == [("email", "dana@brightwater.ca")]


# ------------------------------------------------------------ invented? ---

def test_the_red_team_example_is_invented() -> None:
    text = "Check out this article on design trends: https://www.designweekly.com/trends/"
    # designweekly.com is in the notes; its /trends/ page is not.
    assert invented_contacts(text, NOTES) == ["https://www.designweekly.com/trends/"]


@pytest.mark.parametrize("text", [
    "Her page: https://brightwaterheat.ca/team.",
    "Her page: HTTP://BrightwaterHeat.ca/team/",  # case, scheme and trailing slash
    "Her page: www.brightwaterheat.ca/team",
    "The company site is brightwaterheat.ca.",  # the domain of a URL in the notes
    "Mail dana.whitfield@brightwater.ca!",  # case
    "Call 902-555-0143 or +1 (902) 555-0143.",  # same digits, other format, country code
    "Send her the designweekly.com piece.",
])
def test_verbatim_contacts_are_kept(text: str) -> None:
    assert invented_contacts(text, NOTES) == []
    assert strip_invented(text, NOTES) == (text, [])


@pytest.mark.parametrize("text, invented", [
    ("Her page: https://brightwaterheat.ca/teams", ["https://brightwaterheat.ca/teams"]),  # longer path segment
    ("Visit notbrightwaterheat.ca", ["notbrightwaterheat.ca"]),  # not a subdomain, another name
    ("Mail whitfield@brightwater.ca", ["whitfield@brightwater.ca"]),
    ("Mail dana.whitfield@brightwater.ca.evil.com", ["dana.whitfield@brightwater.ca.evil.com"]),
    ("Call 902-555-0199", ["902-555-0199"]),
    ("Link: https://x.com and again HTTPS://X.COM.", ["https://x.com"]),  # each item once
])
def test_near_misses_are_invented(text: str, invented: list[str]) -> None:
    assert invented_contacts(text, NOTES) == invented


def test_without_sources_everything_is_invented() -> None:
    text = "Write dana@x.io, call 416-555-1212 and read x.io/blog."
    assert invented_contacts(text, []) == ["dana@x.io", "416-555-1212", "x.io/blog"]


# ---------------------------------------------------------------- strip ---

@pytest.mark.parametrize("text, cleaned", [
    # The red-team follow-up: the sentence was only a lead-in to the link.
    ("Thank her for the chat. Check out this article on design trends: https://www.designweekly.com/trends/",
     "Thank her for the chat."),
    ("Read more at https://x.com/a. Then ask about sailing.", "Then ask about sailing."),
    ("Visit x.com today. Ask about sailing.", "Ask about sailing."),
    ("Send her the article (https://x.com/a) tomorrow.", "Send her the article tomorrow."),
    ("See [the onboarding article](https://x.com/a) before Friday.", "See the onboarding article before Friday."),
    ("Contact: [dana@fake.io](mailto:dana@fake.io)\nAsk about sailing.", "Ask about sailing."),
    ("Reach her at dana@fake.io or dana.whitfield@brightwater.ca.", "Reach her at dana.whitfield@brightwater.ca."),
    ("Reach her at dana.whitfield@brightwater.ca, 416-555-1212, or <https://z.org>.",
     "Reach her at dana.whitfield@brightwater.ca."),
    ("Email dana@gmail.com or call 902.555.0143.", "Call 902.555.0143."),
    ("Sites: x.com, brightwaterheat.ca/team, and y.com.", "Sites: brightwaterheat.ca/team."),
])
def test_strip_tidies_the_sentence(text: str, cleaned: str) -> None:
    out, removed = strip_invented(text, NOTES)
    assert out == cleaned
    assert removed == invented_contacts(text, NOTES)


def test_strip_keeps_lines_and_drops_an_orphaned_heading() -> None:
    text = ("Thank you for your time!\n\nFollow-ups:\n1. Send the deck to dana@fake.io.\n"
            "2. Ask about sailing.\n\nResources:\n- https://x.com/a\n- www.y.io\n\nSee you soon.\n")
    out, removed = strip_invented(text, NOTES)
    assert out == "Thank you for your time!\n\nFollow-ups:\n2. Ask about sailing.\n\nSee you soon.\n"
    assert removed == ["dana@fake.io", "https://x.com/a", "www.y.io"]


def test_strip_keeps_a_heading_that_still_introduces_something() -> None:
    text = "Links:\n- https://x.com/a\n- https://brightwaterheat.ca/team\n"
    assert strip_invented(text, NOTES) == ("Links:\n- https://brightwaterheat.ca/team\n", ["https://x.com/a"])


def test_lead_in_on_its_own_line_goes_with_its_link() -> None:
    text = "Check out this article:\nhttps://www.designweekly.com/trends/\n\nAsk about sailing."
    assert strip_invented(text, NOTES) == ("Ask about sailing.", ["https://www.designweekly.com/trends/"])


def test_untouched_sentences_are_byte_identical() -> None:
    text = "  Dana leads product.   She sails (a lot)!  Read x.com/a.\tBye ."
    out, removed = strip_invented(text, [])
    assert removed == ["x.com/a"]
    assert out == "  Dana leads product.   She sails (a lot)!  Bye ."


def test_everything_invented_leaves_nothing() -> None:
    assert strip_invented("https://x.com/a", []) == ("", ["https://x.com/a"])
    assert strip_invented("Email dana@gmail.com or call +1 416 555 9999.", []) == (
        "", ["dana@gmail.com", "+1 416 555 9999"])


def test_an_email_inside_a_url_stays_part_of_the_url() -> None:
    text = "Unsubscribe at https://x.com/?email=dana@fake.io today."
    assert [(k, i) for _, _, k, i in find_contacts(text)] == [("url", "https://x.com/?email=dana@fake.io")]


def test_tel_and_mailto_links() -> None:
    assert [(k, i) for _, _, k, i in find_contacts("tel:+19025550143 or mailto:dana@fake.io")] == [
        ("phone", "+19025550143"), ("email", "dana@fake.io")]
    assert strip_invented("Call [her](tel:+14165551212) tonight.", NOTES) == ("Call her tonight.", ["+14165551212"])
