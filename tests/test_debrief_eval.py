"""`rapport eval --debriefs`: the scores catch an invented offer and reward a clean debrief.

A scripted model proposes the same thing for every debrief, including an offer
loop citing the first line; only the debrief that really holds an offer may
keep it. Real eval data (knowledge/eval), real Chroma and embedder.
"""

from __future__ import annotations

import json

from assistant.conversation.debrief_eval import debrief_cases, format_debrief_table, run_debrief_eval
from assistant.generation.llm import ScriptedGenerator
from assistant.notes.demo import EVAL_MANIFEST

PROPOSALS = json.dumps({
    "log": {"text": "Met for coffee and talked about their work.", "sources": ["D1"]},
    "offers": [{"text": "I will send the article on shift-swap apps.", "sources": ["D4"]}],
    "asks": [], "facts": [], "insights": [],
    "thanks": {"text": "how their team re-plans routes", "sources": ["D2"]},
    "circle_back": {"days": 30, "text": "Write again in a month.", "sources": ["D1"]},
})
THANKS = json.dumps({"subject": "Thank you", "body": "Thank you for explaining how your team re-plans routes.",
                     "sources": ["N1"]})


def test_the_debrief_eval_scores_each_debrief(settings) -> None:
    cases = debrief_cases(EVAL_MANIFEST)
    assert len(cases) >= 3 and all(c["path"].is_file() for c in cases)
    assert any(not c["expect_offer"] for c in cases) and any(c["expect_offer"] for c in cases)
    gen = ScriptedGenerator({"Propose what the user should keep": PROPOSALS}, default=THANKS)
    rows = run_debrief_eval(EVAL_MANIFEST, settings, generator=gen)
    by_file = {r["file"]: r for r in rows}
    assert len(rows) == len(cases)
    for r in rows:
        assert r["cited"] == 1.0 and r["invented_loops"] == 0
    # The offer survives only where the debrief holds it ("I said I would send him the article ...").
    offer = next(r for r in rows if "offer" in r["file"] and "no-offer" not in r["file"])
    assert offer["offer_loops"] == 1 and not offer["wrong_offer"]
    assert by_file["debriefs/adaeze-no-offer.vtt"]["offer_loops"] == 0
    assert not by_file["debriefs/kit-injection.txt"]["wrong_offer"]
    table = format_debrief_table(rows, "scripted")
    assert table.count("\n| ") == len(rows) + 2 and "invented loops" in table  # header, rows, total
