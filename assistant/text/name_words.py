"""The word tables the name parser reads (``names.py``): titles, suffixes, particles, family names.

Data, not rules: kept apart so the parser's module holds only what it does with them.
"""

from __future__ import annotations

import re
import unicodedata

# Written before the name. Compared without dots, casefolded. Words that are
# also common given names ("Major", "Justice", "Pastor") are left out on purpose.
TITLES = frozenset(
    "dr doctor prof professor mr mrs ms miss mx mister sir dame lord lady rev revd reverend fr father"
    " rabbi imam sheikh hon honorable honourable capt captain col lt maj sgt adm cmdr cdr sen senator"
    " rep gov pres amb ambassador mme mlle herr frau dott ing dr-ing sra srta dra lic mag".split()
)
# "Sir Tim", never "Sir Berners-Lee": these titles go with the given name.
GIVEN_TITLES = frozenset({"sir", "dame"})
GENERATIONAL = frozenset("jr sr ii iii iv vi vii viii 2nd 3rd".split())
# Written after the name; matched casefolded, with or without dots ("Ph.D.").
SUFFIXES = GENERATIONAL | frozenset(
    "phd md rn mba msn dnp fache cpa esq obe mbe cbe kbe dbe frs dds dmd llb llm lld mph msc bsc bsn"
    " med edd dphil psyd pharmd dvm mpa mfa mpp aprn faan facs facp facc fnp lcsw lpc pmp cfa cfp"
    " cissp qc kc ret retd mbbs frcp frcs mrcp bcba ccrn crnp".split()
)
# Also surnames or words ("Jack Ma", "Anh Do"): suffixes only when written
# "M.A." or "MA" in an otherwise mixed-case name, and not as the last name word.
AMBIGUOUS_SUFFIXES = frozenset("do ma ba ms bs pa pe mp np jd dc od".split())
# Lowercased words that join the following word into the family name.
PARTICLES = frozenset(
    "van von der den de del della di da dos du la le bin binti bint ibn al el ten ter des das do dei"
    " degli delle zu vom zum zur y d' 't \u2019t st st. \u0628\u0646 \u0628\u0646\u062a \u0627\u0628\u0646".split()
)
# Vietnamese names are written family first ("Nguyễn Văn An" is called "An").
# Diacritic-free forms only for surnames that are never given names.
VN_FAMILY = frozenset(
    unicodedata.normalize("NFC", w)
    for w in "nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh trương"
    " nguyen tran pham huynh".split()
)
# NFKD does not decompose these Latin letters; map them so slugs stay readable.
ASCII_FOLD = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L",
     "þ": "th", "Þ": "Th", "œ": "oe", "Œ": "OE", "ı": "i", "ð": "d", "Ð": "D"}
)
# Post-nominals the tables do not list: "FREng", "FMedSci", "FRSE", "DBE" (only ever read from a name's end)
POSTNOMINAL = re.compile(r"F[A-Z][A-Za-z]{1,7}|[A-Z]{2,5}")

__all__ = ["AMBIGUOUS_SUFFIXES", "ASCII_FOLD", "GENERATIONAL", "GIVEN_TITLES", "PARTICLES", "POSTNOMINAL", "SUFFIXES",
           "TITLES", "VN_FAMILY"]
