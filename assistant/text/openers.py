"""Is an event opener the user speaking to the attendee? One check, and a plain-code fallback.

Small models asked for "an opening line for meeting Ralph Borland" write it AS
Ralph ("Hi there! I'm Ralph Borland, an artist ...") or as a chatbot ("How can
I assist you today?"). Both read fine and are useless, so they are rejected in
code, as are job asks and lines that name nothing real of the attendee's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text import questions
from assistant.text.names import first_name, parse_name
from assistant.text.sentences import first_sentence
from assistant.text.voice import to_second_person
from assistant.text.words import STOPWORDS, WORD_RE, norm_word, normalize_quotes, stem

_ASSISTANT_RE = re.compile(
    "|".join(
        [
            r"\bhow (?:can|may|could|might) i (?:assist|help|support|serve)\b",
            r"\b(?:assist|help) you (?:today|with anything)\b",
            r"\bas an? (?:ai|a\.i\.|language model|assistant|chatbot|virtual assistant)\b",
            r"\bi(?:'m| am) (?:an? )?(?:ai|a\.i\.|language model|chatbot|(?:virtual |digital )?assistant)\b",
            r"\bi(?:'m| am) here to (?:help|assist)\b",
            r"\b(?:happy|glad) to (?:help|assist)\b",
            r"\bis there anything (?:else )?i can\b",
            r"\bfeel free to ask\b",
            r"\blet me know (?:if|how) (?:you|i can)\b",
        ]
    )
)

# "I'm an artist ...", "I am the CTO ...", "I lead ...", "my research ...": the speaker describing a role.
_SELF_CLAIM_RE = re.compile(
    r"\b(?:i(?:'m| am) (?:an?|the|also an?|currently an?)\b"
    r"|i (?:work|lead|run|build|built|founded|co-founded|cover|study|studied|research|design|write|teach"
    r"|manage|direct|chair|invest|coordinate|curate|organi[sz]e|make|am working|'m working)\b"
    r"|my (?:work|research|company|startup|team|lab|art|studio|practice|book|film|series|installation|reporting)\b)"
    r"(?P<claim>[^.!?;:\u2014]*)",
    re.I,
)
_CLAIM_END_RE = re.compile(r",|\s(?:and|but|so|because|when)\s|\byou(?:r|rs|'re|'ve)?\b", re.I)
_INTRO_RE = r"\b(?:i(?:'m| am)|my name is|this is|it's|call me)\s+"


def _content_stems(text: str) -> set[str]:
    """Stems of the words that carry meaning (4+ letters, not stopwords)."""
    out = set()
    for token in WORD_RE.findall(normalize_quotes(text)):
        w = norm_word(token)
        if len(w) >= 4 and w not in STOPWORDS:
            out.add(stem(w))
    return out


def _without_name(text: str, mentions: Sequence[str]) -> str:
    for form in mentions:
        text = re.sub(rf"(?<!\w){re.escape(form)}(?:['\u2019]s)?(?!\w)", " ", text)
    return text


def opener_problem(text: str, attendee_name: str, support_texts: Sequence[str]) -> str:
    """Why this opener cannot be said by the user to ``attendee_name``, or "" when it can.

    ``support_texts`` are the attendee's facts and notes. The opener is
    rejected when it introduces the user as the attendee (by any form of
    their name, or by a role or claim that comes from the attendee's notes:
    "I'm an artist ..." to an artist), speaks like a chatbot, asks for a job,
    or names nothing of theirs: at least one content word or name from the
    support texts (other than their own name) must appear.
    """
    line = normalize_quotes(" ".join((text or "").split()))
    if not line:
        return "empty"
    mentions = parse_name(attendee_name).mentions
    for form in mentions:
        if re.search(rf"{_INTRO_RE}{re.escape(form)}(?!\w)", line, re.I):
            return f"spoke as {attendee_name} (introduced the user by their name)"
    if _ASSISTANT_RE.search(line.lower()):
        return "spoke as an assistant or chatbot, not as the user"
    if questions.is_job_ask(line):
        return "asked for a job"
    support = [_without_name(normalize_quotes(s), mentions) for s in support_texts if s]
    support_stems = set().union(*(_content_stems(s) for s in support)) if support else set()
    for match in _SELF_CLAIM_RE.finditer(line):
        # The claim ends where the line turns to them ("... and your protest suit ...").
        claim = _CLAIM_END_RE.split(match.group("claim"), maxsplit=1)[0]
        stems = _content_stems(claim)
        claimed = stems & support_stems
        # "I'm an artist" to an artist, or two of their words: their role, not the user's.
        # "I'm a service designer" to a designer shares one word of two: the user's own role.
        if claimed and (claimed == stems or len(claimed) >= 2):
            return f"spoke as {attendee_name} (claimed their {', '.join(sorted(claimed))} as the user's)"
    if not support or not questions.specificity(_without_name(line, mentions), support, []):
        return f"names nothing from the notes about {attendee_name}"
    return ""


def fallback_opener(fact: str, attendee_name: str) -> str:
    """A plain-code opener from one fact: "Hi Maren — I read that you cover ... — how did that come about?"."""
    sentence = first_sentence(fact) or " ".join(fact.split())
    said = to_second_person(sentence, attendee_name).strip().rstrip(".!?;: ")
    words = said.split(" ", 1)
    if words and words[0].lower() in STOPWORDS:  # "You cover ..." -> "you cover ..."; "Pulsewise builds ..." stays
        said = words[0].lower() + (" " + words[1] if len(words) > 1 else "")
    greeting = first_name(attendee_name)
    hello = f"Hi {greeting} — " if greeting else "Hi — "
    return f"{hello}I read that {said} — how did that come about?"


__all__ = ["fallback_opener", "opener_problem"]

