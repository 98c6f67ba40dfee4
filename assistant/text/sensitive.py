"""What not to bring up: what the notes say is sensitive to this person, never a profession's vocabulary.

Why: a word list flagged "Career Highlights: named chief nursing executive ..."
and "Academic medical centers face unique pressures ..." as topics to avoid,
because "health" was on it; for a nurse, a doctor, an HR lead or a crisis
counsellor every sentence would be flagged. A note is flagged only when it
says (a) that the person does not want something raised ("asked me not to
bring up the merger", "a sore point"), or (b) that something painful happened
*to them* ("her team was cut in March", "his father passed away", "she was
laid off"). "Leads layoff planning", "burnout prevention programme" and
"mental health benefits" are work, and stay work.
"""

from __future__ import annotations

import re
from typing import Sequence

from assistant.text.words import STOPWORDS, stem

_ASKED_NOT = re.compile(
    r"\b(?:don'?t|do not|never|shouldn'?t|should not|better not|avoid(?:ing)?|careful (?:about|not to))\s+"
    r"(?:bring(?:ing)? (?:it |this |that )?up|mention(?:ing)?|ask(?:ing)? (?:about|her|him|them)|rais(?:e|ing)|"
    r"talk(?:ing)? about|discuss(?:ing)?|joke|joking)\b"
    r"|\basked (?:me |us )?not to\b|\bprefers? not to (?:talk|discuss|mention|be asked)\b"
    r"|\b(?:sore|touchy|sensitive|painful|raw) (?:spot|point|subject|topic|issue|area)\b|\boff[- ]limits\b"
    r"|\b(?:doesn'?t|does not|didn'?t|did not|won'?t) (?:like|want|enjoy) (?:to )?(?:talk|discuss|being asked|mention)"
    r"|\bis (?:sensitive|touchy|private) about\b|\bhates? (?:talking|being asked)\b|\bnot a fan of (?:talking|discussing)\b"
    r"|\bkeep (?:it|this) (?:confidential|private|between us)\b|\bin confidence\b",
    re.I)
# What they dislike ("she hates slide decks"): worth knowing, and an Avoid line of its own, but a
# preference, not a sensitive topic: a question may still mention decks.
_DISLIKES = re.compile(
    r"(?:\b(?:she|he|they)\b[^.;]{0,40}?|\b(?-i:[A-Z])[\w'\u2019-]+ (?:really |strongly )?)"
    r"\b(?:dislikes?|hates?|can'?t stand|is not a fan of|isn'?t a fan of|is allergic to)\b",
    re.I)
_PERSON = r"(?:she|he|they|her|him|them|(?-i:[A-Z])[\w'\u2019-]+)"
_HAPPENED_TO_THEM = re.compile(
    rf"\b{_PERSON}\s+(?:\w+ly\s+)?(?:was|were|got|has been|have been|had been|is being|just been)\s+(?:\w+ly\s+)?"
    r"(?:laid off|let go|fired|made redundant|diagnosed|hospitali[sz]ed|divorced|passed over|demoted|pushed out)\b"
    r"|\b(?:her|his|their)\s+(?:mother|father|mum|mom|dad|parent|partner|husband|wife|spouse|son|daughter|child|"
    r"baby|brother|sister|friend|dog|cat)\b[^.;]{0,30}?\b(?:passed away|died|is ill|is sick|was diagnosed)\b"
    r"|\b(?:passed away|bereavement leave|miscarriage|recently widowed)\b"
    r"|\b(?:is|was|has been) on (?:medical|sick|bereavement|compassionate|stress) leave\b"
    r"|\b(?:her|his|their)\s+(?:team|role|position|department|job|unit|startup|company)\s+(?:was|were|got)\s+"
    r"(?:cut|eliminated|axed|shut down|closed|dissolved)\b"
    r"|\b(?:she|he|they)\s+(?:burned|burnt) out\b|\b(?:she|he|they) (?:is|are|was|were) (?:grieving|going through a divorce)\b"
    r"|\b(?:her|his|their) (?:divorce|illness|diagnosis|cancer|layoff|redundancy|breakdown)\b",
    re.I)
# In a question to the person: their own painful events, asked about to their face.
_PERSONAL_IN_QUESTION = re.compile(
    r"\byour (?:divorce|illness|diagnosis|cancer|health|loss|grief|layoff|redundancy|breakdown|burnout|"
    r"late (?:mother|father|husband|wife|partner))\b"
    r"|\bwhen you (?:were|got) (?:laid off|let go|fired|sick|ill|diagnosed)\b|\bwhen you lost (?:your )?(?:job|role)\b"
    r"|\b(?:your|you) (?:passed away|died)\b|\bhow did you cope with (?:the|your) (?:loss|layoff|illness)\b",
    re.I)
_CONTENT = re.compile(r"[^\W\d_]{5,}")
_NOT_TOPIC = frozenset("the that this those these them it its anyone anybody everyone with about again "
                       "ever please here there one bring raise raising mention mentioning talk talking discuss "
                       "discussing asking about time times work thing things stuff days year years period".split())


def topic_words(sentence: str) -> set[str]:
    """What a "don't mention ..." note names: the words right after the verb, up to the clause's end.

    "don't mention the override %s to anyone" -> {"overrid"}: a question about
    dispatchers overriding routes steps on it though it shares only that word.
    """
    found: set[str] = set()
    for m in _ASKED_NOT.finditer(sentence):
        rest = re.split(r"[;,.()\u2014\u2013\"\u201c\u201d]|\s-\s|\sw/\s|\s(?:to|with|in front of|unless|because)\s", sentence[m.end():], maxsplit=1)[0]
        words = [w for w in re.findall(r"[^\W\d_]{4,}|\b[A-Z]{2,3}\b", rest) if w.casefold() not in _NOT_TOPIC and w.casefold() not in STOPWORDS]
        found |= {stem(w.casefold()) for w in words[:3]}
    return found


# The user's own label on a line: "Sensitive: Eastmoor is on the closure shortlist", "**Careful:** ..."
_LABELLED = re.compile(r"^[\W_]*(?:sensitive|careful|private|confidential|off[- ]limits|touchy|do not raise|"
                       r"don'?t raise|avoid(?: topics?)?)[\s*_]*:", re.I)


def sensitive_to_them(sentence: str) -> bool:
    """The note says this is not to be raised (in words or with a "Sensitive:" label), or that
    something painful happened to the person."""
    return bool(_LABELLED.match(sentence) or _ASKED_NOT.search(sentence) or _HAPPENED_TO_THEM.search(sentence))


def dislikes(sentence: str) -> bool:
    """The note says what this person dislikes ("She hates slide decks, so bring something concrete")."""
    return bool(_DISLIKES.search(sentence)) and not sensitive_to_them(sentence)


def raises_sensitive(question: str, flagged: Sequence[str] = ()) -> bool:
    """A question that asks about the person's own painful events, or about what a flagged note names.

    ``flagged`` are the note sentences :func:`sensitive_to_them` found for this person: a question
    sharing two or more of their longer words ("merger", "March") steps on it.
    """
    if _PERSONAL_IN_QUESTION.search(question):
        return True
    asked = {w.casefold() for w in _CONTENT.findall(question)}
    asked_stems = {stem(w) for w in re.findall(r"[^\W\d_]{4,}", question.casefold())}
    asked_stems |= {w.casefold() for w in re.findall(r"\b[A-Z]{2,3}\b", question)}
    for sentence in flagged:
        topic = topic_words(sentence)
        if topic:  # the note names what not to raise: only that counts ("fine talking about School
            if topic & asked_stems:  # Streets; don't bring up the LTN backlash" does not flag School Streets)
                return True
            continue
        shared = asked & {w.casefold() for w in _CONTENT.findall(sentence)}
        if len(shared) >= 2 or any(w in shared for w in ("merger", "layoff", "layoffs", "divorce", "funeral")):
            return True
    return False


__all__ = ["dislikes", "raises_sensitive", "sensitive_to_them", "topic_words"]
