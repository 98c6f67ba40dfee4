"""Kinds of work: the words different trades use for the same thing, in one small thesaurus.

Why: a give-back pairs the user's offer, in the user's words, with what the contact needs, in
theirs. "write discussion guides" answers "asked if anyone had a good way to interview staff";
"sit in on usability sessions with ward staff" answers "dashboards that clinicians never open";
"review anyone's data pipeline" answers "drowning in half-hourly meter data". The bundled MiniLM
puts those pairs at cosine 0.16-0.29, below unrelated ones ("maths" x "nurses" 0.33, single words
measured the same way), and they share no word. Neither the 1.5B model as a yes/no judge nor as a
writer of glosses separated them (docs/QUALITY.md, fourteenth session). A family here says two
phrasings name the same kind of work; the give-back matcher (brief/giveback.py) then treats them
as a shared word. Families are broad kinds of work any profile or bio may name, not one contact's
words; a term of several words counts only as that phrase (its stems in a row), so "data" alone
joins nothing.
"""

from __future__ import annotations

from functools import cache

from assistant.text.words import content_stems

FAMILIES: dict[str, tuple[str, ...]] = {
    # ways of asking people things
    "research methods": (
        "interview", "interviews", "interviewing", "survey", "surveys", "questionnaire", "discussion guide",
        "topic guide", "focus group", "user research", "research session",
        "diary study", "fieldwork", "ethnography", "ethnographic", "day in the life", "card sort",
        "contextual inquiry", "research participants",
    ),
    # the people and places of hands-on care
    "clinical care": (
        "clinician", "clinicians", "clinical", "nurse", "nurses", "nursing", "doctor", "doctors", "physician",
        "GP", "GPs", "midwife", "midwives", "paramedic", "pharmacist", "health visitor", "allied health",
        "healthcare assistant", "ward", "wards", "bedside", "intensive care", "ICU",
        "A&E", "emergency department",  # not "clinic": a "data clinic" or a legal one is not
    ),
    # things people are meant to use on a screen
    "digital products": (
        "prototype", "prototypes", "dashboard", "dashboards", "app", "apps", "interface", "UX",
        "user experience", "wireframe", "mockup", "website", "online form", "online forms", "digital service",
        "usability",
    ),
    # moving and cleaning data
    "data engineering": (
        "data pipeline", "pipeline", "pipelines", "ETL", "data quality", "data warehouse",
        "dbt", "Airflow", "ingestion", "meter data", "sensor data", "time series",
        "clean up data", "data cleaning", "messy data",
    ),
    # helping people learn
    "teaching and training": (
        "teach", "teaching", "teacher", "teachers", "training", "trainer", "course", "curriculum", "workshop",
        "workshops", "lesson plan", "tutorial", "tutorials", "learners", "coaching", "mentoring",
    ),
    "volunteering": ("volunteer", "volunteers", "volunteering"),
    "funding": ("grant", "grants", "funding", "funder", "funders", "donor", "donors", "fundraising"),
    "digital inclusion": (
        "digital inclusion", "digital exclusion", "digital skills", "digital confidence", "device lending",
        "digital champions", "get online",
    ),
    "accessibility": ("accessibility", "accessible", "screen reader", "WCAG", "assistive technology"),
    "open source": ("open source", "maintainer", "maintainers", "pull request", "contributors"),
}


def _stems(text: str) -> tuple[str, ...]:
    # "ex-clinicians" and "practice-development nurses" name clinicians and nurses
    return tuple(content_stems(text.replace("-", " ")))


@cache
def _terms() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((family, _stems(term)) for family, terms in FAMILIES.items() for term in terms)


def kinds_of_work(text: str) -> frozenset[str]:
    """The families whose terms ``text`` names ("interview staff" -> {"research methods"})."""
    words = _stems(text)
    found = set()
    for family, term in _terms():
        if family in found or not term:
            continue
        n = len(term)
        if any(words[k:k + n] == term for k in range(len(words) - n + 1)):
            found.add(family)
    return frozenset(found)


__all__ = ["FAMILIES", "kinds_of_work"]
