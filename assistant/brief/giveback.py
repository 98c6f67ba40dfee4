"""What you could give: offers from the user's profile matched to what the contact's notes show.

Matching is embeddings in plain code (offer x note sentence), the model only
phrases a chosen pair, and both ends are cited; when nothing plausibly
matches the brief says so honestly instead of inventing a favour.
"""

from __future__ import annotations

import re

import numpy as np

from assistant.brief.avoid import note_sentences
from assistant.brief.context import BriefContext, foreign_script
from assistant.brief.record import Cited
from assistant.generation import prompts
from assistant.generation.structured import generate_json, seed_for
from assistant.text import grounding, questions
from assistant.text.guard import INJECTION, neutralize

_NEED = re.compile(r"\b(need|needs|needed|looking for|struggl\w*|wish\w*|want\w*|hiring|trying|interested|"
                   r"challenge\w*|hard|help|stuck|short on|can'?t find|hoping|curious|asked)\b", re.I)


def offers(ctx: BriefContext) -> list[tuple[str, str]]:
    """(offer, me-chunk id) from the profile's "What I can offer" list."""
    out: list[tuple[str, str]] = []
    for c in ctx.me_chunks:
        in_offers = False
        for line in c.text.splitlines():
            if re.match(r"^#+\s", line):
                in_offers = bool(re.search(r"offer|give|help with|can share", line, re.I))
                continue
            item = re.match(r"^\s*[-*•]\s+(.+)", line)
            if item and (in_offers or re.search(r"\b(happy to|can offer|I can|offer)\b", line, re.I)):
                text = item.group(1).strip()
                if len(text.split()) >= 3 and text not in [o for o, _ in out]:
                    out.append((text, c.id))
    return out


def write_give_back(ctx: BriefContext, attempt_seed: int = 0) -> None:
    b = ctx.brief
    b.give_back, b.give_back_note = [], ""
    offered = offers(ctx)
    needs = [(s, c.id) for c in ctx.notes for s in note_sentences(neutralize(c.text)) if not INJECTION.search(s)]
    first = ctx.first
    honest = (f"Nothing in your profile clearly matches what your notes say {first} needs or cares about. "
              f"Find out in the meeting: ask \"What are you working on where an extra pair of hands, "
              f"a contact or a resource would help?\", then log the answer with `rapport log`.")
    if not offered or not needs:
        b.give_back_note = honest if offered else (
            "Your profile lists no offers yet. Add a \"What I can offer\" list on the Me page; meanwhile, "
            f"ask {first} what would help them right now.")
        return
    ov = ctx.embed([o for o, _ in offered])
    nv = ctx.embed([n for n, _ in needs])
    sims = ov @ nv.T
    bonus = np.array([0.08 if _NEED.search(n) else 0.0 for n, _ in needs])
    scores = sims + bonus[None, :]
    pairs = sorted(((scores[i, j], i, j) for i in range(len(offered)) for j in range(len(needs))), reverse=True)
    chosen: list[tuple[int, int]] = []
    for score, i, j in pairs:
        if score < 0.38 or len(chosen) >= ctx.size["gb_max"]:
            break
        if any(i == a or needs[j][1] == needs[bb][1] and needs[j][0] == needs[bb][0] for a, bb in chosen):
            continue
        if any(i == a for a, _ in chosen) or any(j == bb for _, bb in chosen):
            continue
        chosen.append((i, j))
    if not chosen:
        b.give_back_note = honest
        return
    schema = prompts.schema("giveback")
    for i, j in chosen:
        offer, offer_id = offered[i]
        need, need_id = needs[j]
        support = [offer, need, ctx.name]

        def accept(d: dict, support=support) -> str:
            if questions.is_job_ask(d["text"]):
                return "job ask"
            if foreign_script(d["text"] + d["why"], support):
                return "not in English"
            missing = grounding.unsupported_terms(d["text"], support)
            return f"unsupported: {', '.join(missing)}" if missing else ""

        got = generate_json(ctx.gen, prompts.render("giveback", name=ctx.name, offer=offer, need=need),
                            schema, max_tokens=120, seed=seed_for(ctx.seed + attempt_seed, item=i),
                            retries=ctx.settings.retries, accept=accept)
        if got.data is not None:
            text, why = " ".join(got.data["text"].split()), " ".join(got.data["why"].split())
        else:  # the pairing is grounded; say it plainly rather than drop it
            text, why = f"Offer this: {offer}", f"{first}'s notes say: \u201c{need}\u201d"
        b.sources[offer_id] = next(c for c in ctx.me_chunks if c.id == offer_id)
        b.sources[need_id] = next(c for c in ctx.notes if c.id == need_id)
        b.give_back.append(Cited(text, [offer_id, need_id], why))


__all__ = ["offers", "write_give_back"]
