"""What not to bring up: topics a note flags as sensitive to this person, and topics no first meeting opens.

Why its own module: the "Avoid" section and the question checks must agree on
what is sensitive, and the list must never catch a profession's ordinary
vocabulary (a nurse's notes say "health" in every sentence).
"""

from __future__ import annotations

import re

SENSITIVE = re.compile(r"don'?t (bring up|mention|ask)|do not (bring up|mention|ask)|avoid|sensitive|touchy|"
                       r"sore (spot|point)|hates? |dislikes?|not a fan|layoffs?|laid off|divorce|illness|"
                       r"health|grief|passed away|burn(ed|t)? ?out|off[- ]limits|allergic to", re.I)
# Topics a first conversation should not open (the notes may mention them; the questions must not).
SENSITIVE_TOPIC = re.compile(r"\b(?:layoffs?|laid off|redundan\w+|divorce\w*|illness|sick\w*|cancer|grief|griev\w+|"
                             r"passed away|died|death|burn(?:ed|t)?[- ]?out|mental health|miscarriage)\b", re.I)

__all__ = ["SENSITIVE", "SENSITIVE_TOPIC"]
