"""The eval's scoring functions (assistant/brief/metrics.py), score_brief on a hand-made brief, and the eval set itself."""

from __future__ import annotations

from dataclasses import replace

import hashlib

import numpy as np
import pytest
import yaml

from assistant.brief import metrics
from assistant.brief.evaluate import BriefScore, Case, format_table, manifest_extras, pick_profiles, score_brief, EvalReport
from assistant.errors import InputError
from assistant.notes.demo import EVAL_MANIFEST, read_manifest
from assistant.types import Chunk


# --------------------------------------------------------------------------
# Name errors
# --------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Asking E. for a job, a referral or an introduction",
    "What first drew E. to critical care?",
    "Why it matters: E. is leading the pilot.",
    "Thank you, E.",
    "Dr. You mentioned the pilot; how is it going?",
    "How would you describe your work, Dr.?",
    "Ask Dr. about the Waiting Fairly data.",
    "How does Zhou you approach the development of workarounds?",  # half of "Zhou Lanying" turned to "you"
])
def test_name_errors_flag_initials_and_titles_used_as_names(text):
    assert metrics.name_errors(text), text


@pytest.mark.parametrize("text", [
    "What drew E. Kate Valcin to nursing?",
    "Dr. Okonkwo-Hale, how do trusts decide to share data?",
    "How did Dr Sunil Varma start the podcast?",
    "Ask J. R. Ellison about the rota.",
    "How does the U.S. market differ?",
    "Which tools, e.g. scribes, work at night?",
    "Is there a Plan B.",
    "Asking Marisol for a job, a referral or an introduction",
    "What would ZHOU Lanying change in the workflow?",
    "I told Kate you would call.",
    "Thank you, Kate. What did you find?",
    "",
])
def test_name_errors_leave_real_names_and_abbreviations_alone(text):
    assert metrics.name_errors(text) == [], text


# --------------------------------------------------------------------------
# The user's own lines
# --------------------------------------------------------------------------

NOTE = """Aoife is Clinical Lead for Digital Nursing at North Somerset Community Health.
I told her about my agency work; she said let's get a proper coffee in September.
I mentioned I'm trying to move into a research role in a product team.
She said "I hate dashboards that nobody opens" at the meetup.
I met her."""


def test_first_person_sentences_are_the_users_clauses_only():
    lines = metrics.first_person_sentences([NOTE])
    assert "I told her about my agency work" in lines
    assert any(line.startswith("I mentioned") for line in lines)
    assert not any("coffee" in line for line in lines)      # the contact's half of the sentence
    assert not any("dashboards" in line for line in lines)  # "I" inside her quotation is hers
    assert not any(line == "I met her." for line in lines)  # too short to be repeated


def test_a_packed_note_line_is_split_before_deciding_whose_it_is():
    """Kit's meetup notes: their idea, then the user's "asked me 100 questions", in one line the sentence
    splitter keeps whole (a full stop before a lower-case word). The whole line counted as the user's, so
    a fact about Kit's classroom edition was scored as built on the user's own lines."""
    line = ('- big idea: a "Tidewrack for classrooms" edition - ocean plastics, materials, recycling, KS3 science '
            '+ geography links. they have NO idea how schools buy things or what teachers need. asked me 100 questions')
    lines = metrics.first_person_sentences([line])
    assert lines == ["asked me 100 questions"]
    assert not metrics.repeats_user_line("Kit is working on a Tidewrack for classrooms edition about ocean plastics, "
                                         "materials, recycling and KS3 science.", lines)


def test_repeats_user_line_at_sixty_percent_of_content_words():
    lines = metrics.first_person_sentences([NOTE])
    assert metrics.repeats_user_line("Aoife has done agency work.", lines)        # told? no; agency, work: 2 of 3
    assert metrics.repeats_user_line("Is trying to move into a research role in a product team.", lines)
    assert not metrics.repeats_user_line("Clinical Lead for Digital Nursing at North Somerset.", lines)
    assert not metrics.repeats_user_line("What made you choose agency shifts?", lines)  # 1 of 3 words
    assert not metrics.repeats_user_line("anything", [])


def test_content_words_drop_stopwords_and_stem():
    assert metrics.content_words("I told her about my agency work") == {"told", "agency", "work"}
    assert metrics.content_words("Working on agencies") == metrics.content_words("worked agency")


# --------------------------------------------------------------------------
# Citations, avoid flags, needs, thin questions
# --------------------------------------------------------------------------

def test_linked_and_field_citations_use_chunk_kinds():
    kinds = {"m1": "me", "c1": "contact", "f1": "field"}
    assert metrics.is_linked(["m1", "c1"], kinds)
    assert metrics.is_linked(["f1", "m1"], kinds)
    assert not metrics.is_linked(["m1"], kinds)
    assert not metrics.is_linked(["c1", "f1", "unknown"], kinds)
    assert metrics.cites_kind(["c1", "f1"], kinds, "field")
    assert not metrics.cites_kind(["c1"], kinds, "field")


def test_avoid_flag_need_met_and_thin_questions():
    assert metrics.is_avoid_flag("A topic your notes flag: \u201cAsked me not to bring up the merger.\u201d")
    assert not metrics.is_avoid_flag("Talking about yourself for long: keep your story to 30 seconds.")
    gbs = ["Offer to recruit bank and agency nurses for her handover interviews"]
    assert metrics.need_met("recruit bank and agency nurses for interviews", gbs)
    assert not metrics.need_met("review of the handover discussion guide", gbs)
    assert metrics.thin_questions(3, 4) and not metrics.thin_questions(3, 5) and not metrics.thin_questions(2, 0)


# --------------------------------------------------------------------------
# score_brief on a hand-made brief and a fake store
# --------------------------------------------------------------------------

class FakeKB:
    def __init__(self, chunks):
        self.chunks = {c.id: c for c in chunks}

    def get(self, ids):
        return [self.chunks[i] for i in dict.fromkeys(ids) if i in self.chunks]

    def embed(self, texts):
        out = []
        for t in texts:
            v = np.zeros(64)
            for w in t.lower().split():
                v[int(hashlib.sha1(w.encode()).hexdigest(), 16) % 64] += 1
            out.append(v)
        return out


def test_score_brief_counts_the_new_metrics():
    kb = FakeKB([Chunk("c1", NOTE, "contact", "Aoife Brennan", "note.txt"),
                 Chunk("f1", "Community trusts rarely have research budgets.", "field", "Healthcare", "f.md"),
                 Chunk("m1", "I can help recruit nurses for research sessions.", "me", "me", "me.md")])
    brief = {
        "contact": "Aoife Brennan", "facts": [
            {"text": "Clinical Lead for Digital Nursing at North Somerset Community Health", "sources": ["c1"]},
            {"text": "Clinical Lead for Digital Nursing at North Somerset Community Health.", "sources": ["c1"]},
            {"text": "Has done agency work.", "sources": ["c1"]}],
        "questions": [{"text": "What would a day in the life study show, E.?", "why": "E. wants it", "sources": ["f1"]}],
        "give_back": [{"text": "Help recruit district nurses for a day in the life study", "why": "", "sources": ["m1", "c1"]}],
        "avoid": ["A topic your notes flag: \u201cthe merger\u201d", "Talking about yourself for long."],
    }
    case = Case("Aoife Brennan", [{"fact": "x", "keywords": ["North Somerset"]}], False,
                ["a day in the life study with district nurses"], [NOTE], [],
                metrics.first_person_sentences([NOTE]))
    s = score_brief(brief, kb, case, ["Nadia Rahimi"], 1.0, profile="prose")
    assert (s.facts, s.covered, s.give_backs, s.linked) == (3, 1, 1, 1)
    assert s.gb_aim is None, "no profile is labelled as able to meet her need"
    fits = replace(case, fits=frozenset({"prose"}))
    assert score_brief(brief, kb, fits, ["Nadia Rahimi"], 1.0, profile="prose").gb_aim is False  # one of two
    two = dict(brief, give_back=brief["give_back"] * 2)
    assert score_brief(two, kb, fits, ["Nadia Rahimi"], 1.0, profile="prose").gb_aim is True
    assert score_brief(two, kb, fits, ["Nadia Rahimi"], 1.0, profile="cv").gb_aim is None
    assert format_table([EvalReport("fake", "pipeline", [score_brief(b, kb, fits, [], 1.0, profile="prose")
                                                         for b in (brief, two)], profile="prose")]
                        ).splitlines()[-1].endswith("| 1/2 |")
    assert (s.fact_pairs, s.dup_facts) == (3, 1)
    assert (s.avoid_flags, s.avoid_false, s.avoid_scored) == (1, 1, True)
    assert (s.items, s.field_items) == (5, 1)
    assert s.name_errors == 2
    assert s.user_line_items == 1
    assert s.thin and (s.needs, s.needs_met) == (1, 1)
    assert s.field_brief is None, "the case says the contact's fields have no notes"
    table = format_table([EvalReport("fake", "pipeline", [s], profile="prose")])
    assert "| prose | pipeline | Aoife Brennan |" in table
    assert "avoid precision" in table and "0%" in table


def test_a_brief_is_field_grounded_by_a_field_point_or_an_item_citing_a_field():
    kb = FakeKB([Chunk("c1", NOTE, "contact", "Aoife Brennan", "note.txt"),
                 Chunk("f1", "Community trusts rarely have research budgets.", "field", "Healthcare", "f.md")])
    case = Case("Aoife Brennan", [], None, [], [NOTE], [], [], has_field_notes=True)
    plain = {"contact": "Aoife Brennan", "facts": [{"text": "Works in North Somerset.", "sources": ["c1"]}],
             "questions": [], "give_back": []}
    pointed = dict(plain, field=[{"text": "Community trusts rarely have research budgets.", "sources": ["f1"]}])
    asked = dict(plain, questions=[{"text": "How do budgets shape your research?", "why": "", "sources": ["f1", "c1"]}])
    scores = [score_brief(d, kb, case, [], 1.0) for d in (plain, pointed, asked)]
    assert [s.field_brief for s in scores] == [False, True, True]
    assert "| 2/3 |" in format_table([EvalReport("fake", "pipeline", scores, profile="prose")]).splitlines()[-1]


def test_format_table_keeps_the_old_columns():
    head = format_table([EvalReport("m", "pipeline", [], "bullets")]).splitlines()[0]
    for col in ("schema-valid", "s/brief", "open Qs", "job asks", "dup pairs", "specific Qs", "Qs about user",
                "linked give-backs", "cited", "unsupported facts", "expected facts"):
        assert f"| {col} |" in head
    assert BriefScore.__dataclass_fields__["thin"].default is False


# --------------------------------------------------------------------------
# The eval set
# --------------------------------------------------------------------------

def test_eval_manifest_profiles_fields_and_expectations():
    manifest = read_manifest(EVAL_MANIFEST)
    profiles, extras = manifest_extras(EVAL_MANIFEST)
    assert set(profiles) == {"bullets", "prose", "cv"}
    assert all(p.exists() for files in profiles.values() for p in files)
    assert pick_profiles(profiles, "prose") == {"prose": profiles["prose"]}
    with pytest.raises(InputError):
        pick_profiles(profiles, "nobody")
    assert all(p.exists() for c in manifest.contacts for p in c.files)
    used = {f for c in manifest.contacts for f in c.fields}
    assert used <= set(manifest.fields)
    for name in used:
        notes = manifest.fields[name]
        assert all(p.exists() for p in notes) and len(notes) >= 2, name
    for c in manifest.contacts:
        assert c.expected_facts, c.name
        assert isinstance(extras[c.name].get("expect_avoid"), bool), c.name
    data = yaml.safe_load(EVAL_MANIFEST.read_text(encoding="utf-8"))
    assert data["me"] == ["me.md"]  # load-demo --manifest still reads one profile


def test_the_fresh_eval_set_loads_with_its_two_profiles_and_every_file() -> None:
    """knowledge/eval-fresh: shapes first met on real-looking input after the main set was tuned on."""
    fresh = EVAL_MANIFEST.parent.parent / "eval-fresh" / "manifest.yaml"
    manifest = read_manifest(fresh)
    profiles, extras = manifest_extras(fresh)
    assert set(profiles) == {"library", "engineer"} and all(p.exists() for f in profiles.values() for p in f)
    assert len(manifest.contacts) == 8 and all(p.exists() for c in manifest.contacts for p in c.files)
    assert all(c.expected_facts and isinstance(extras[c.name].get("expect_avoid"), bool) for c in manifest.contacts)


def test_a_mixed_voice_note_loses_only_the_contacts_labelled_paragraphs() -> None:
    """A dossier holds the contact's LinkedIn "About" and e-mail next to the user's notes: only the
    user's "I" counts as the user's own lines."""
    from assistant.brief.evaluate import users_part

    dossier = ("## 1. LinkedIn\nAbout: Product leader. I spent six years at a vendor.\n\n"
               "## 4. Emails\nFrom: Owen\nI think you two should talk.\n\nFrom: Beatrix\n"
               "Thanks Owen! I'd like to hear about the night-shift work.\n\n## 5. Call\nI said yes to the guide review.")
    mine = users_part(dossier, ["About: Product leader", "Thanks Owen!"])
    assert "six years" not in mine and "night-shift work" not in mine
    assert "I think you two should talk." in mine and "I said yes to the guide review." in mine
    lines = metrics.first_person_sentences([mine])
    assert any("guide review" in s for s in lines) and not any("six years" in s for s in lines)


def test_words_the_contact_also_says_do_not_make_an_item_the_users_line():
    notes = ["She is speaking at the Nursing Informatics Network conference in Cardiff in March. "
             "I thought of Marta from the Nursing Informatics Network."]
    lines = metrics.first_person_sentences(notes)
    theirs = metrics.their_words(notes)
    fact = "She is speaking at the Nursing Informatics Network conference in Cardiff."
    assert metrics.repeats_user_line(fact, lines)                   # counted on shared words alone
    assert not metrics.repeats_user_line(fact, lines, theirs=theirs)  # ... which are hers too
    # what is only the user's still counts
    assert metrics.repeats_user_line("She thought of Marta from the network.", lines, theirs=theirs)


def test_the_users_name_is_read_from_each_profile_shape(tmp_path) -> None:
    """The about-the-user check needs the user's name: a heading's name ran on into the next paragraph
    ("Nadia Rahimi\n\nI'm"), and a CV's first line in capitals was not read at all."""
    from assistant.brief.evaluate import user_names

    prose, cv = tmp_path / "prose.md", tmp_path / "cv.txt"
    prose.write_text("# Nadia Rahimi\n\nI'm a nurse moving into UX research.\n", encoding="utf-8")
    cv.write_text("PRIYA NAIR-HOLM\nSenior Data Engineer | Energy & Climate Data | Glasgow\n", encoding="utf-8")
    assert user_names([prose, cv]) == ["Nadia Rahimi", "Priya Nair-Holm"]
