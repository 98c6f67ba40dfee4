"""Whose words a note line is: the contact's own (their e-mail, their profile, their quoted answer) or not.

Notes are mostly the user's, and the user writes "I" ("I told her about my
agency work"): those lines are the user's story and never become facts about
the contact (``voice.about_them``). But people also paste what the contact
wrote: their reply to an e-mail, their LinkedIn "About", their blog post, a
transcript line. There "I" is the contact: "I lead people operations for a
650-person company" is the best fact in the note, and treating it as the
user's loses it (measured: the HR lead's role and every LinkedIn line gone).

The signals are the ones a person reading the note would use, in order:

- an e-mail header ``From: <their name>`` starts their words; ``From:`` anyone
  else, an "On ... wrote:" line or a markdown heading ends them; quoted lines
  (``> ...``) inside their e-mail are someone else's;
  after their sign-off ("Best regards,") only the short lines of a
  signature stay theirs: the first sentence below it is the user's again;
- a line that is just their name followed within a few lines by a profile's
  marks ("followers", "connections", "About", "Experience") starts a pasted
  profile, theirs until the next heading; so does a note whose first line is
  a profile's own section title ("About", "Summary"), the way a LinkedIn
  "About" copied on its own starts;
- a heading that says the text is theirs ("blog post by her", "Kit's talk");
- a transcript line labelled with their name ("Beatrix Holloway: ...").

State carries from one chunk of a note to the next (a long e-mail is split),
so :func:`contact_lines` takes and returns it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.utils import getaddresses
from functools import lru_cache

from assistant.text.forms import HOPING, WORKING_ON
from assistant.text.names import parse_name

_FROM = re.compile(r"^\s*From:\s*(.+)$", re.I)
_HEADER = re.compile(r"^\s*(?:To|Cc|Bcc|Date|Sent|Subject|Reply-To|Message-ID|In-Reply-To|References|MIME-Version"
                     r"|Content-[\w-]+|X-[\w-]+)\s*:", re.I)
_WROTE = re.compile(r"^\s*(?:On\b.{4,200}\bwrote|-{2,}\s*(?:Original|Forwarded) Message\s*-{2,})", re.I)
_QUOTED = re.compile(r"^\s*>")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$")
_FORM_ANSWER = re.compile(rf"^(?:{WORKING_ON}|{HOPING}):\s")
_LABEL = re.compile(r"^\s*(?:[-*\u2022]\s*)?([^\W\d][\w.'\u2019\- ]{1,60}?)\s*:\s+\S")
_PROFILE_MARK = re.compile(r"\b(?:followers|connections)\b|^\s*(?:About|Experience|Summary)\s*:?\s*$|^\s*About\s*:", re.I)
_SECTION_FIRST = re.compile(r"^\s*(?:About|Summary|About me)\s*:?\s*$", re.I)  # a note that opens a profile's section
# "Best regards," closes their e-mail: what follows is their signature (short lines), then the user's own words again
SIGN_OFF_WORDS = (r"best(?:\s+(?:regards|wishes))?|kind(?:est)?\s+regards|(?:warm\s+|many\s+)?regards|many\s+thanks|"
                  r"thanks(?:\s+again)?|thank\s+you|cheers|all\s+the\s+best|sincerely|yours(?:\s+(?:sincerely|truly))?")
"""The closings of an e-mail, as a regex alternation (also page furniture for ``text/substance.py``)."""
_SIGN_OFF = re.compile(rf"^\s*(?:{SIGN_OFF_WORDS})\s*[,!.]?\s*$", re.I)
_BY_THEM = re.compile(r"\bby (?:her|him|them)\b|\b(?:her|his|their) own (?:words|post|blog|email|e-mail|bio)\b", re.I)


@lru_cache(maxsize=64)
def _name_pattern(name: str) -> tuple[re.Pattern[str], int]:
    """Any of the name's forms as whole words, any case; and how many words the full name has."""
    parsed = parse_name(name)
    forms = [re.escape(f.casefold()) for f in parsed.mentions if len(f) >= 2] or [re.escape(name.casefold())]
    return re.compile(rf"(?<!\w)(?:{'|'.join(forms)})(?!\w)"), len(parsed.full.split())


def _mentions(text: str, name: str) -> bool:
    """``text`` names the person (any of their name's forms, whole words, any case)."""
    return bool(_name_pattern(name)[0].search(text.casefold()))


def _just_the_name(line: str, name: str) -> bool:
    """A line that is only the person's name (credentials after a comma allowed): a profile's first line."""
    core = line.strip().strip("#*_ ").split(",")[0].strip()
    return bool(core) and len(core.split()) <= 6 and _mentions(core, name) and \
        len(re.sub(r"[\W_]+", " ", core).split()) <= _name_pattern(name)[1] + 2


def contact_lines(text: str, name: str, state: bool = False, opens_note: bool = True) -> tuple[list[bool], bool]:
    """For each line of ``text``: did ``name`` write it? Plus the state at the end (for the next chunk).

    ``opens_note``: ``text`` is the start of its note (not a later chunk of it).
    """
    lines = text.split("\n")
    out: list[bool] = []
    first = next((k for k, line in enumerate(lines) if line.strip()), -1) if opens_note else -1
    signed = False  # past their sign-off: only the short lines of a signature are still theirs
    for k, line in enumerate(lines):
        if state and signed and len(line.split()) >= 7:
            state = signed = False  # "My background: I ran the Kraków meetup ..." after their signature is the user's
        signed = signed or bool(state and _SIGN_OFF.match(line))
        heading = _HEADING.match(line)
        sender = _FROM.match(line)
        if sender:
            state = _mentions(sender.group(1), name)
            out.append(False)  # the header itself is not anyone's words
        elif heading:
            state = bool(_BY_THEM.search(heading.group(1)) or
                         re.search(r"\b(?:by|from)\b", heading.group(1), re.I) and _mentions(heading.group(1), name))
            out.append(False)
        elif _FORM_ANSWER.match(line):
            out.append(True)  # a sign-up form's answer on an attendee row: "Working on: we lost our funding ..."
        elif _WROTE.match(line):
            state = False
            out.append(False)
        elif _HEADER.match(line) or _QUOTED.match(line) or not line.strip():
            out.append(False)
        elif not state and _just_the_name(line, name) and any(
                _PROFILE_MARK.search(nxt) for nxt in [n for n in lines[k + 1:k + 6] if n.strip()][:4]):
            state = True  # a pasted profile: their name, then "... followers", "About", "Experience"
            out.append(False)
        elif k == first and _SECTION_FIRST.match(line):
            # Tom's LinkedIn "About" pasted from its title on: "I write a fortnightly Substack" is his
            # line, and read as the user's it was taken out (his newsletter never reached the brief).
            state = True
            out.append(False)
        else:
            label = _LABEL.match(line)
            if label and not state and _mentions(label.group(1), name) and 2 <= len(label.group(1).split()) <= 5:
                out.append(True)  # "Beatrix Holloway: Minutes saved matters ..." (a transcript line)
            else:
                out.append(state)
    return out, state


def contact_lines_of_note(chunks: Sequence[tuple[str, str]], name: str) -> list[list[bool]]:
    """:func:`contact_lines` for each (source, text) chunk, in note order, carrying state within a source."""
    states: dict[str, bool] = {}
    out = []
    for source, text in chunks:
        marks, states[source] = contact_lines(text, name, states.get(source, False), source not in states)
        out.append(marks)
    return out


_TO = re.compile(r"^\s*To:\s*(.+)$", re.I)


def mail_recipient(text: str, name: str) -> str:
    """Whom an e-mail in ``text`` was sent to ("To: Samir Haddad <...>"), unless that is ``name``; "" if none."""
    for line in text.split("\n"):
        to = _TO.match(line)
        if to:
            shown, address = (getaddresses([to.group(1)]) or [("", "")])[0]
            who = (shown or address).strip()
            return who if who and not _mentions(who, name) else ""
    return ""


def mail_recipients_of_note(chunks: Sequence[tuple[str, str]], name: str) -> dict[str, str]:
    """:func:`mail_recipient` per source, read from its chunks in note order: the "To:" is in the first."""
    out: dict[str, str] = {}
    for source, text in chunks:
        if not out.get(source):
            out[source] = mail_recipient(text, name)
    return out


def quoted_reply_to_reader(text: str, name: str, reader: str = "") -> list[bool]:
    """For each line: is it quoted from the earlier mail of the person this one was sent to (not ``name``)?

    Why: Kit's reply quoted the user's "> Happy to introduce you to Rachel Obi at Wharfedale if useful."
    under "On Sun, 8 Nov 2026 at 19:20, Samir Haddad <...> wrote:"; read as Kit's, the brief said "Kit is
    interested in introducing Rachel Obi". Quoted lines of anyone else (an introducer's "Tomasz, meet
    Samir ...") are left alone: they may well describe the contact.
    """
    flags: list[bool] = []
    quoting = False  # ``reader``: the recipient from an earlier chunk of the same mail, when this one has no header
    for line in text.split("\n"):
        if _TO.match(line):
            reader = mail_recipient(line, name)
        if _WROTE.match(line):
            quoting = bool(reader) and _mentions(line, reader)
            flags.append(False)
            continue
        if line.strip() and not _QUOTED.match(line):
            quoting = False
        flags.append(quoting and bool(_QUOTED.match(line)))
    return flags


def mail_apparatus(line: str) -> bool:
    """An e-mail header, an "On ... wrote:" / "Original Message" line, or a quoted line: the mail around the words."""
    return bool(_FROM.match(line) or _HEADER.match(line) or _WROTE.match(line) or _QUOTED.match(line))


__all__ = ["SIGN_OFF_WORDS", "contact_lines", "contact_lines_of_note", "mail_apparatus", "mail_recipient", "mail_recipients_of_note",
           "quoted_reply_to_reader"]
