"""What a sentence says someone does, is after or did: the hooks a give-back attaches to.

Why one home: the give-backs (brief/giveback.py) pair offers with these sentences, and the
questions (brief/questions.py) leave a finished past to the facts; both must read a sentence the
same way.
"""

from __future__ import annotations

import re

# What someone does, makes or is after: the hooks a give-back can attach to.
ACTIVITY = re.compile(
    r"\b(speaks|spoke|speaking|talks at|keynot\w*|presents|presented|presenting|writes|wrote|writing|blogs|"
    r"publish(?:es|ed|ing)|podcast\w*|builds|building|built|launch(?:es|ed|ing)|starts|started|starting|"
    r"found(?:ed|ing)|leads|leading|led|runs|running|research(?:es|ed|ing)|host(?:s|ed|ing)|organi[sz](?:es|ed|ing)|"
    r"teach(?:es|ing)|taught|mentor(?:s|ed|ing)|hiring|needs?|needed|looking for|struggl\w*|working on|trying to|"
    r"curious|interested in|wants?|hoping|plans to|planning|stuck|short on|can'?t find|asked)\b", re.I)


# What someone is after: a stated need is the best hook of all ("wants a short survey that isn't another
# 60-question engagement survey", "has no researcher and no budget"). "I'll need you to do the paperwork"
# asks the user for something; it is not a need a give-back answers.
NEED = re.compile(
    r"\b(?:needs?|(?<!no help )(?<!not )needed|looking for|struggl\w*|wants?|would like|I'?d like|hoping|trying to|"
    r"can'?t (?:find|tell)|short on|no (?:budget|researcher|one)\b|(?:doesn'?t|does not|don'?t) know how|"
    r"asked (?:if|whether|for)|stuck|drowning in|swamped|overwhelmed|headache|pain point|bottleneck|backlog|"
    r"lag(?:s|ging)?(?: \w+){0,3} behind|can'?t keep up|bugbear|frustrat\w*|pet peeve)\b(?! you\b)", re.I)
# A slot the user can give (a talk at their meetup, a guest spot) fits someone who speaks, whatever the
# topic: "is a frequent speaker on energy justice", not "Fellow of the Royal Society of Edinburgh" (the
# sentence the cosine put first for "Co-organiser of PyData Glasgow - always looking for speakers").
SPEAKS = re.compile(r"\b(?:speakers?|(?:speaks|spoke|speaking|speak) (?:at|about|on|regularly|widely|often|publicly)|keynot\w*|talks? (?:at|on|about)|gave (?:a|the) talk|"
                    r"panell?ists?|presents|presented|presenting|podcasts?|webinars?|lectures?|lectured)\b", re.I)
WRITES = re.compile(r"\b(?:writes|wrote|writing|written for|blogs?|newsletter|column\w*|author\w*|essays?)\b", re.I)
# Hiring is a need that people answer: "hiring a people partner; said ex-clinicians make good ones" is a
# need for an introduction to nurses, not for a data clinic ("IFHP is recruiting two senior analysts").
HIRES = re.compile(r"\b(?:hiring|recruiting|seeking (?:\w+ )?(?:partners|partnerships|candidates)|headcount)\b", re.I)
PEOPLE_OFFER = re.compile(r"\b(?:introduc\w*|intros?|connect (?:you|people|them)|recruit\w*|put (?:you|people) in touch)\b",
                          re.I)


# A finished thing is not something to give to: "Before the Office for Health Statistics she was a research
# fellow in health economics" got Amara an offer of introductions, "Built the company's first stress-risk
# assessment" got Rhiannon one. What they do, make or are after now is the hook; their past stays a fact.
_PAST = re.compile(
    r"^\W*(?:before|previously|formerly|earlier|prior to|in (?:19|20)\d\d)\b"
    r"|\b(?:she|he|they|(?-i:[A-Z][\w'-]+)) (?:(?:was|were)(?! (?:named|appointed|promoted|elected)\b)|moved|became)\b"
    r"|(?<![\w-])former\b|\bbegan (?:her|his|their) career\b"
    r"|^\W*(?:(?:she|he|they|(?-i:[A-Z][\w'-]+))\s+)?(?:built|led|founded|started|launched|wrote|taught|ran|managed|"
    r"created|designed|won|received|spent|worked|joined|co-founded|set up|began)\b", re.I)
_NOW = re.compile(r"\b(?:is|are|am|now|currently|today|this year|still|runs|leads|works|working|building|builds|"
                  r"writes|speaks|teaches|hosts|plans?|planning|starting|putting together)\b|'re\b|\u2019re\b", re.I)


def finished(sentence: str) -> bool:
    """Said of their past only (no need, nothing they do now): for the facts, not for a give-back."""
    return bool(_PAST.search(sentence)) and not NEED.search(sentence) and not _NOW.search(sentence)


__all__ = ["ACTIVITY", "HIRES", "NEED", "PEOPLE_OFFER", "SPEAKS", "WRITES", "finished"]
