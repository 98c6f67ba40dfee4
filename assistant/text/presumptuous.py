"""Is a give-back presumptuous? Offering help must not tell the contact they do their job badly.

A small model turns "I can share clinical workflow notes" into "I can teach
you how to run your clinic" or "improve your onboarding". Offered to a
near-stranger that reads as criticism, so such a line is rejected in plain
code and regenerated (or replaced by the plain offer).
"""

from __future__ import annotations

import re

from assistant.text.words import normalize_quotes

_PRESUMPTUOUS = re.compile(
    r"\b(?:"
    r"(?:improve|fix|repair|correct|sort out|clean up|rescue|overhaul|rethink|redo|turn around) (?:your|their|his|her)\b"
    r"|teach (?:you|them|him|her) (?:how|what|to)\b"
    r"|show (?:you|them|him|her) how to (?:do|run|manage|lead)\b"
    r"|(?:do|does|doing) (?:your|their|his|her) (?:job|work) (?:better|properly|right)"
    r"|(?:your|their|his|her) (?:mistakes?|weakness(?:es)?|shortcomings?|failings?|problems? with)\b"
    r"|(?:what|where) (?:you|they|he|she) (?:are|is|were|was) doing wrong"
    r"|(?:you|they|he|she) (?:clearly|obviously|really) (?:need|needs|lack|lacks)\b"
    r")",
    re.I,
)


def presumptuous(text: str) -> str:
    """The phrase that makes ``text`` presume the contact needs fixing ("" when there is none)."""
    m = _PRESUMPTUOUS.search(normalize_quotes(text))
    return m.group(0) if m else ""


__all__ = ["presumptuous"]
