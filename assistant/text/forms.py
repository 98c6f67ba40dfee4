"""A sign-up form's questions and answers: what each question asks, and the answers as sentences about them.

Why one home: meetups register people with Google Forms, Luma or Eventbrite questions, so an attendee
list arrives as "What are you working on at the moment?" and "What would you like to get out of the
evening?" columns with answers such as "Predicting missed appointments" and "Find volunteers for code
club". The attendee reader (``event/attendees.py``) labels each answer by what its question asks; the
brief (``brief/fact_fill.py``) turns the labelled lines into facts in code, because the model read "Learn
what civic tech people are building" as "Wang Ming has shared that civic tech people are building
projects". Both sides use the labels below, so they cannot drift apart.
"""

from __future__ import annotations

import re

WORKING_ON = "Working on"
HOPING = "Hoping to get from the event"

# What a question asks, by its words (the header normalised: lower case, punctuation as spaces).
_ASKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (HOPING, re.compile(r"\b(?:get out of|hop(?:e|ing)|why are you (?:coming|attending|here)|what brings you|"
                        r"looking for|want to get|would you like to (?:get|meet|learn|see)|goals? for)\b")),
    (WORKING_ON, re.compile(r"\b(?:working on|what do you do|about (?:yourself|you|your work)|your (?:work|project)s?|"
                            r"current(?:ly)? (?:work|project)s?)\b")),
)
# "Find volunteers for code club": an answer that opens with a verb in its plain form says what they hope to do.
_PLAIN_VERB = re.compile(r"^(?:find|meet|recruit|learn|hire|talk|speak|share|connect|hear|explore|understand|"
                         r"discuss|see|get|make|build|pitch|promote|present|discover|chat|catch up|network|"
                         r"collaborate|partner|volunteer|help|support|sell|raise|start|join)\b", re.I)
_MY_OR_OURS = re.compile(r"^(?:I|I'm|I've|we|we're|we've|my|our)\b", re.I)
# (Their answers are their own words: text/speakers.py reads a line under either label as theirs.)
# A cell that answers nothing ("n/a", a consent "Yes"): the attendee reader keeps no such answer.
NO_ANSWER = {"", "-", "n/a", "na", "none", "no", "nothing", ".", "tbc", "tbd", "yes", "y", "n"}
# ... and an answer that says nothing about them, though it is one: "Networking", "not sure".
_SAYS_NOTHING = re.compile(r"^(?:networking|not sure|idk)\W*$", re.I)


def no_answer(cell: str) -> bool:
    """A form's cell that answers nothing ("N/A", "-", "Yes" to a consent question)."""
    return cell.strip().casefold() in NO_ANSWER


_HOPE_FACT = re.compile(rf"^(?:At the event, .{{1,60}}? hopes to |{HOPING}, )")


def is_hope(fact: str) -> bool:
    """A fact written from a "Hoping to get from the event" answer: worth knowing, no root for a question
    ("What's the story behind your hope to meet people ...?") or an opener, and shown after who they are."""
    return bool(_HOPE_FACT.match(fact))


def label_for(question: str) -> str:
    """The label a sign-up question's answers go under ("" when the question is kept as it is)."""
    norm = " ".join(re.sub(r"[\W_]+", " ", question.casefold()).split())
    return next((label for label, pattern in _ASKS if pattern.search(norm)), "")


def _lower_first(text: str) -> str:
    """ "Moving council tax ..." -> "moving council tax ..."; a name keeps its capital ("Annual Digital
    Nation report", "GOV.UK One Login")."""
    words = text.split(maxsplit=2)
    if not words or not words[0][:1].isupper() or re.search(r"[A-Z0-9.]", words[0][1:]) or \
            (len(words) > 1 and words[1][:1].isupper() and not re.search(r"(?:ly|ing)$", words[0])):
        return text
    return text[:1].lower() + text[1:]


def answer_sentence(label: str, answer: str, first: str) -> str:
    """One labelled answer as a sentence about them, or "" (a first-person line, an empty answer, another label).

    "Predicting missed appointments" under "Working on" -> "Wang Ming is working on predicting missed
    appointments."; "Find volunteers for code club" under "Hoping to get from the event" -> "At the event,
    Kavita hopes to find volunteers for code club."; an answer that is not a plain verb phrase is quoted
    ("Hoping to get from the event, Hasina wrote: “Ideas for keeping the scheme going ...”").
    First-person answers are left to the reader of their own words (``fact_text.in_their_name``).
    """
    text = " ".join(answer.split()).strip(" .;,")
    if no_answer(re.sub(r"\W+$", "", text)) or _SAYS_NOTHING.match(text) or _MY_OR_OURS.match(text):
        return ""
    if label == WORKING_ON:
        if re.match(r"^[A-Z]?[a-z]+ing\b", text) and not re.match(r"^(?:nothing|something|everything)\b", text, re.I):
            return f"{first} is {_lower_first(text)}." if re.match(r"^(?i:trying|hoping|planning|looking)\b", text) \
                else f"{first} is working on {_lower_first(text)}."
        return f"{first} is working on {_lower_first(text)}."
    if label == HOPING:
        if _PLAIN_VERB.match(text):
            return f"At the event, {first} hopes to {_lower_first(text)}."
        return f"Hoping to get from the event, {first} wrote: \u201c{text}\u201d."
    return ""


__all__ = ["HOPING", "NO_ANSWER", "WORKING_ON", "answer_sentence", "is_hope", "label_for", "no_answer"]
