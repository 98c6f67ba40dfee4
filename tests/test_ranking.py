"""Who-to-seek-out ranking: order, goal influence, and reasons that cite only real text.

These tests use a deterministic bag-of-words hashing embedder so they run in
milliseconds with no model files; the real ONNX MiniLM embedder is exercised
in the integration tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.fakes import hashing_embed
from assistant.event.attendees import Attendee, read_attendees
from assistant.event.spreadsheet import write_ranking_csv
from assistant.errors import InputError, ModelError
from assistant.event.ranking import (
    REASON_TEMPLATE_WORDS,
    RankedAttendee,
    rank_attendees,
    ranking_rows,
)

DIMS = 256


def fake_embed(texts: Sequence[str]) -> list[list[float]]:
    """Bag-of-words hashing embedder (words of four letters or more): texts sharing words get similar vectors."""
    return hashing_embed(texts, dims=DIMS, min_len=4)


class CountingEmbedder:
    """Records every call so tests can check the batching contract."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return fake_embed(texts)


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


PROFILE = (
    "I build grid-scale battery storage for solar farms. Interested in climate policy, "
    "energy storage and meeting founders working on battery chemistry."
)


BAKER_BIO = "Bakes sourdough bread. Teaches croissant classes."


def sample_attendees() -> list[Attendee]:
    return [
        Attendee(name="Pat Baker", title="Pastry Chef", company="Crumb & Co", bio=BAKER_BIO, row=1),
        Attendee(
            name="Lee Numbers",
            title="Auditor",
            company="Ledger LLP",
            bio="Audits pension funds and insurance firms.",
            row=2,
        ),
        Attendee(
            name="Ana Volt",
            title="Head of Storage",
            company="Voltaic",
            bio="Builds grid battery storage for solar farms.\nResearches battery chemistry and climate policy.",
            row=3,
        ),
        Attendee(name="Sam Blank", row=4),
    ]


# --------------------------------------------------------------------------
# Ordering
# --------------------------------------------------------------------------


def test_matching_bio_ranks_above_unrelated() -> None:
    ranked = rank_attendees(sample_attendees(), PROFILE, None, fake_embed)
    assert [r.attendee.name for r in ranked][0] == "Ana Volt"
    assert all(isinstance(r, RankedAttendee) for r in ranked)
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    top = ranked[0]
    assert top.score > ranked[1].score + 0.2
    assert "battery" in top.reason and top.shared_terms == ()
    assert 0 < top.score <= 1.0 + 1e-6


def test_ties_keep_file_order() -> None:
    people = [Attendee(name=f"P{i}", title="Accountant", row=i + 1) for i in range(5)]
    ranked = rank_attendees(people, PROFILE, None, fake_embed)
    assert [r.attendee.name for r in ranked] == ["P0", "P1", "P2", "P3", "P4"]


def test_goal_changes_the_order() -> None:
    profile = "Climate tech founder: climate adaptation, climate finance, carbon removal. Also curious about payments."
    people = [
        Attendee(name="Cara Carbon", title="Carbon removal lead", bio="Climate adaptation, carbon removal.", row=1),
        Attendee(name="Pay Fintech", title="Payments investor", bio="Invests in fintech payments.", row=2),
    ]
    without_goal = rank_attendees(people, profile, None, fake_embed)
    with_goal = rank_attendees(people, profile, "Meet fintech payments investors", fake_embed)
    assert [r.attendee.name for r in without_goal] == ["Cara Carbon", "Pay Fintech"]
    assert [r.attendee.name for r in with_goal] == ["Pay Fintech", "Cara Carbon"]


def test_shared_words_earn_no_bonus() -> None:
    """The old ranker added up to 0.2 for shared words; now only meaning counts."""
    many = "alpha bravo charlie delta echoes foxtrot golfing hotels indigo juliet"
    person = Attendee(name="X", bio=many, row=1)
    ranked = rank_attendees([person], many, None, lambda texts: [[1.0, 0.0] for _ in texts])
    assert ranked[0].score == pytest.approx(1.0)
    assert ranked[0].shared_terms == ()


def test_best_bio_sentence_outranks_a_blurred_whole_row() -> None:
    """One relevant sentence in a long bio counts, as does the title; a shared generic word does not."""
    def embed(texts: Sequence[str]) -> list[list[float]]:
        return [[1.0, 0.0] if ("patients" in t and "council" not in t) or t == "health goal" else [0.0, 1.0]
                for t in texts]

    people = [
        Attendee(name="Council", title="Councillor", bio="Chairs the council. Says patients and council both matter.",
                 row=1),
        Attendee(name="Reporter", title="Reporter", bio="Writes about towns. Interviews patients about apps.", row=2),
    ]
    ranked = rank_attendees(people, "", "health goal", embed)
    assert [r.attendee.name for r in ranked] == ["Reporter", "Council"]
    assert ranked[0].reason == 'Reporter — "Interviews patients about apps." (row 2)'


# --------------------------------------------------------------------------
# Reasons
# --------------------------------------------------------------------------


def test_reason_cites_the_right_row_and_only_known_words(tmp_path: Path) -> None:
    csv_path = tmp_path / "event.csv"
    csv_path.write_text(
        "Name,Title,Company,Bio\n"
        "Pat Baker,Pastry Chef,Crumb & Co,Bakes sourdough bread.\n"
        ",Orphan,Nobody,No name here\n"
        "Lee Numbers,Auditor,Ledger LLP,Audits pension funds. Sings in a choir.\n"
        "Ana Volt,Head of Storage,Voltaic,"
        '"Builds grid battery storage for solar farms.\nResearches battery chemistry."\n',
        encoding="utf-8",
    )
    people = read_attendees(csv_path).attendees
    ranked = rank_attendees(people, PROFILE, "Find battery chemistry founders", fake_embed)
    by_name = {r.attendee.name: r for r in ranked}

    ana = by_name["Ana Volt"]
    assert ranked[0] is ana
    assert ana.attendee.row == 4
    assert ana.reason.endswith("(row 4)")
    assert ana.reason == 'Head of Storage at Voltaic — "Researches battery chemistry." (row 4)'
    assert "shares your interest" not in " ".join(r.reason for r in ranked), "no bare list of shared words"

    goal = "Find battery chemistry founders"
    for item in ranked:
        reason = item.reason
        assert "\n" not in reason
        assert reason.endswith(f"(row {item.attendee.row})")
        allowed = (
            words(item.attendee.as_note_text())
            | words(PROFILE)
            | words(goal)
            | REASON_TEMPLATE_WORDS
            | {str(item.attendee.row)}
        )
        assert words(reason) <= allowed, (reason, words(reason) - allowed)


def test_quote_is_chosen_by_embedding_when_no_terms_are_shared() -> None:
    bio = "Audits pension funds for insurers. Plays cello in the city orchestra on Sundays."

    def embed(texts: Sequence[str]) -> list[list[float]]:
        # Query and the cello sentence point the same way; everything else is orthogonal.
        return [[1.0, 0.0] if ("cello" in t or t == "my profile") else [0.0, 1.0] for t in texts]

    person = Attendee(name="Lee", title="Auditor", company="Ledger LLP", bio=bio, row=5)
    reason = rank_attendees([person], "my profile", None, embed)[0].reason
    assert reason == 'Auditor at Ledger LLP — "Plays cello in the city orchestra on Sundays." (row 5)'

    # Beyond the sentence budget the first sentence is quoted instead (no extra embedding).
    reason = rank_attendees([person], "my profile", None, embed, sentence_budget=0)[0].reason
    assert reason == 'Auditor at Ledger LLP — "Audits pension funds for insurers." (row 5)'


def test_long_quotes_are_shortened_and_empty_rows_still_explained() -> None:
    long_bio = "Spends " + " ".join(["considerable"] * 30) + " effort."
    people = [Attendee(name="Long", bio=long_bio, row=1), Attendee(name="Empty", row=2)]
    ranked = rank_attendees(people, "unrelated text here", None, fake_embed)
    reasons = {r.attendee.name: r.reason for r in ranked}
    quote = reasons["Long"].split(" (row")[0]
    assert quote.startswith('"Spends considerable') and quote.endswith('…"')
    assert len(quote) <= 90
    assert reasons["Empty"] == "No details given (row 2)"


# --------------------------------------------------------------------------
# Batching, scale, errors, rows
# --------------------------------------------------------------------------


def test_attendee_texts_are_embedded_in_one_call() -> None:
    embedder = CountingEmbedder()
    twin = Attendee(name="Twin", title="Pastry Chef", company="Crumb & Co", bio=BAKER_BIO, row=5)
    people = [*sample_attendees(), twin]
    rank_attendees(people, PROFILE, "storage", embedder, sentence_budget=0)
    assert len(embedder.calls) == 1
    texts = embedder.calls[0]
    assert texts[:2] == [PROFILE, "storage"]
    assert "" not in texts  # Sam Blank has nothing to embed
    # Three distinct rows and three distinct heads ("Pastry Chef at Crumb & Co"...): the twin's are embedded once.
    assert len(texts) == len(set(texts)) == 2 + 3 + 3
    assert all(len(t) <= 500 for t in texts[2:])


def test_thousand_rows_import_and_rank(tmp_path: Path) -> None:
    topics = ["battery storage", "sourdough baking", "pension audits", "solar farms", "jazz piano", "carbon removal"]
    lines = ["Full Name;Job Title;Company;About"]
    for i in range(1000):
        topic = topics[i % len(topics)]
        lines.append(f"Person {i:04d};Lead {i % 11};Firm {i % 37};Works on {topic}. Long-time member {i}.")
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    people = read_attendees(path).attendees
    assert len(people) == 1000
    embedder = CountingEmbedder()
    ranked = rank_attendees(people, PROFILE, None, embedder)
    assert len(ranked) == 1000
    assert len({r.attendee.key for r in ranked}) == 1000
    assert all(r.reason.endswith(f"(row {r.attendee.row})") for r in ranked)
    assert len(embedder.calls) <= 2
    rows = ranking_rows(ranked)
    assert [row["rank"] for row in rows] == list(range(1, 1001))
    write_ranking_csv(rows, tmp_path / "ranking.csv")


def test_empty_profile_and_goal_is_an_input_error() -> None:
    with pytest.raises(InputError, match="profile"):
        rank_attendees(sample_attendees(), "  ", None, fake_embed)


def test_no_attendees_returns_empty_without_embedding() -> None:
    embedder = CountingEmbedder()
    assert rank_attendees([], PROFILE, None, embedder) == []
    assert embedder.calls == []


def test_wrong_vector_count_is_a_model_error() -> None:
    with pytest.raises(ModelError):
        rank_attendees(sample_attendees(), PROFILE, None, lambda texts: [[1.0, 0.0]])


def test_ranking_rows_shape() -> None:
    people = [
        Attendee(name="Ana", title="CTO", company="Voltaic", profile_url="https://x/ana", bio="battery storage", row=2)
    ]
    rows = ranking_rows(rank_attendees(people, PROFILE, None, fake_embed))
    assert list(rows[0]) == ["rank", "name", "title", "company", "score", "reason", "profile_url"]
    assert rows[0]["rank"] == 1
    assert rows[0]["name"] == "Ana"
    assert rows[0]["profile_url"] == "https://x/ana"
    assert rows[0]["score"] == round(rows[0]["score"], 3)
    assert str(rows[0]["reason"]).endswith("(row 2)")
