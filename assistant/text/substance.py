"""How much a note chunk says: its words, less the page furniture around them.

Why: a brief's notes budget (~1,400 tokens) is spent most-useful-first, and
retrieval alone ranks an e-mail's signature block ("Head of Route
Optimisation, Nordhaul, M: +48 ...") or a profile page's "Show all 27 skills /
People also viewed" above the e-mail body that says what the person needs,
because those chunks are dense in the name, title and organisation the query
asks about. Counting only lines that say something lets the ranking put
substance first, whatever the source.
"""

from __future__ import annotations

import re

from assistant.text.links import find_contacts
from assistant.text.sentences import split_sentences
from assistant.text.speakers import SIGN_OFF_WORDS, mail_apparatus

SUBSTANTIAL = 0.3
"""A chunk whose content words are under this share of all its words is page furniture."""

# A line that is only a label or a closing ("About", "Best regards,"); "About: Product leader ..." says something.
_LABEL = re.compile(
    r"^\s*(?:show (?:all|more)\b.*|…?\s*see more|message|connect|follow|more|contact info|people (?:also viewed|you may know)|"
    rf"skills|featured|languages|activity|about|experience|education|{SIGN_OFF_WORDS}|--+)\s*[:,.!→…]*\s*$", re.I)
_FURNITURE = re.compile(
    r"^\s*sent from my\b|\b\d[\d,.]*\+?\s+(?:followers|connections|reactions|comments|reposts)\b|^\s*·\s*(?:1st|2nd|3rd)\b"
    r"|^[^·\n]+(?:·[^·\n]+){2,}$", re.I)  # "Python · Team leadership · ...": a skills or tag list
_WORD = re.compile(r"[^\W_]{2,}")


def content_words(text: str) -> int:
    """Words in the lines that say something: not quoted, not a signature or contact detail, not page furniture."""
    total = 0
    for line in text.splitlines():
        if mail_apparatus(line) or _LABEL.match(line) or _FURNITURE.search(line) or find_contacts(line):
            continue
        words = _WORD.findall(line)
        if len(words) >= 3:  # a lone title or name line is a label, not a statement
            total += len(words)
    return total


# What a web page or a newsletter says to every reader, not about the person: "Pitching? Please use the
# form on our Founders page" became the fact "Julian is pitching for the Founders page"; a regulator's
# footer and "Unsubscribe | Manage preferences" are the same kind of line.
_BOILERPLATE = re.compile(
    r"\bplease (?:use|fill in|fill out|complete|submit|visit)\b[^.!?\n]*\b(?:form|page|website|site|portal)\b"
    r"|\bclick here\b|\bunsubscribe\b|\bmanage (?:your )?(?:email )?preferences\b|\bview (?:it |this )?in (?:your )?browser\b"
    r"|\ball rights reserved\b|\bis authori[sz]ed and regulated\b|\bpast performance is not\b|\bwe use cookies\b"
    r"|\byou(?:'re|’re| are) receiving (?:this|these|the|our)?\b"
    r"|\b(?:privacy policy|cookie policy|terms of use|terms and conditions)\s*(?:[|·]|$)", re.I)


def without_boilerplate(text: str) -> str:
    """The note less the sentences a page says to every reader (a form to use, an unsubscribe link, a legal footer).

    Only sentences that match are dropped, and a one-word lead-in left alone beside them ("Pitching?");
    "Please send me your deck" in an e-mail is a request to the user and stays.
    """
    if not _BOILERPLATE.search(text):
        return text
    kept_lines = []
    for line in text.splitlines():
        if not _BOILERPLATE.search(line):
            kept_lines.append(line)
            continue
        parts = split_sentences(line, lines=False)
        left = [p for p in parts if not _BOILERPLATE.search(p)]
        left = [p for p in left if len(_WORD.findall(p)) > 1]
        if left:
            kept_lines.append(" ".join(left))
    return "\n".join(kept_lines)


def is_furniture(text: str) -> bool:
    """Mostly signature, quoted text or page furniture; a short note of its own (two lines of substance) is not."""
    return content_words(text) < SUBSTANTIAL * len(_WORD.findall(text))


__all__ = ["SUBSTANTIAL", "content_words", "is_furniture", "without_boilerplate"]
