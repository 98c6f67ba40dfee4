"""Their life outside work: a dog, a marathon, the cello, where they were born.

Why one home: the same sentences are good to know (rapport) but poor to build
a work question on ("Why do you have a dog named Bilge?"), and in a brief with
room for six facts three of them crowded out the work the person came to talk
about (Marguerite's "Knits in every meeting" and "Reads crime fiction
exclusively" over her laptop-loan scheme and the homework club that needs
volunteers). Questions leave them out; facts keep one.
"""

from __future__ import annotations

import re

# the default model asked "Why do you have a dog named Bilge?" and "Tell me about your personal interest in
# cycling and your allotment in Eastmoor" (to a council officer about her School Streets work).
_HOME_LIFE = re.compile(r"\b(?:has|have|had|her|his|their)\s+(?:(?:a|an|two|three|new|young|little|\w+-year-old)\s+)?"
                        r"(?:dogs?|cats?|pets?|puppy|kitten|horses?|kids|children|sons?|daughters?|husband|wife|"
                        r"grandchild(?:ren)?|baby|toddler|wedding|honeymoon|allotment)\b"
                        r"|\b(?:hobby|hobbies|spare time|free time|personal (?:life|interest)|outside (?:of )?work)\b"
                        # what a bio's last line says of their life outside work: "Knits in every meeting", "Reads
                        # crime fiction exclusively", "a keen open-water swimmer", "Norwegian-born, moved to Yorkshire"
                        r"|\b(?:reads|loves|enjoys|a fan of)\s+(?:\w+\s+){0,2}(?:fiction|novels|books)\b"
                        r"|\b(?:knit(?:s|ting)?|crochet\w*|open-water|swimmer|"
                        r"marathons?|ultramarathons?|cyclist|hiker|hill[- ]?walk\w*|sauna\w*|"
                        # "a keen hill walker and plays cello in an amateur orchestra" (a professor's bio)
                        r"cell(?:o|ist)|violin\w*|pian(?:o|ist)|guitar\w*|orchestra|amateur|"
                        r"choir|[\w-]+-born|born in|grew up in)\b", re.I)


def home_life(text: str) -> bool:
    """True when a sentence is about their life outside work (family, pets, hobbies, where they grew up)."""
    return bool(_HOME_LIFE.search(text))


__all__ = ["home_life"]
