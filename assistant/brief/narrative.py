"""Your 30-second narrative: the user's own story, tailored to this contact, checked to stay the user's.

The profile is ordered by relevance to the contact's facts; a narrative that
retells the contact's story as the user's ("Like Dana, I work at
Brightwater") is rejected and the prompt falls back to one without the
contact's facts.
"""

from __future__ import annotations

import re
from typing import Sequence

from assistant.generation.budget import fit_to_budget
from assistant.brief.context import BriefContext, foreign_script, repetitive
from assistant.generation import prompts
from assistant.generation.structured import generate_json, seed_for
from assistant.text import grounding, voice
from assistant.text.sentences import split_sentences, whole_sentences
from assistant.types import Chunk


def me_by_relevance(ctx: BriefContext) -> list[Chunk]:
    """The user's profile chunks, those closest to the contact's facts first (profile order on ties)."""
    if len(ctx.me_chunks) < 2 or not ctx.brief.facts:
        return list(ctx.me_chunks)
    vecs = ctx.embed([" ".join(f.text for f in ctx.brief.facts)] + [c.text for c in ctx.me_chunks])
    scores = vecs[1:] @ vecs[0]
    order = sorted(range(len(ctx.me_chunks)), key=lambda i: (-float(scores[i]), i))
    return [ctx.me_chunks[i] for i in order]


def claimed_from_contact(ctx: BriefContext, narrative: str, me_text: Sequence[str]) -> list[str]:
    """Names in the user's "I ..." sentences that only the contact's notes contain.

    Why: given the contact's facts to tailor to, a small model writes "I'm
    working on quillmark 3.0" about a project that is the contact's. A
    sentence about the user that does not address the contact must stand
    on the user's own profile alone.
    """
    first = re.escape(ctx.first)
    claimed: list[str] = []
    if re.search(rf"\b(I am|I'm|my name is|this is)\s+({re.escape(ctx.name)}|{first})\b", narrative, re.I):
        claimed.append(f"introduced the user as {ctx.name}")
    for sent in split_sentences(narrative, lines=False):
        about_me = re.search(r"\b(I|I'm|I've|I'd|my|me)\b", sent)
        # Only a sentence spoken to the contact ("I'd love to hear how you ...") may name their
        # things; "Like Dana, I work at Brightwater" is still the user claiming Dana's employer.
        about_them = re.search(r"\b(you|your|you're|you've)\b", sent, re.I)
        if about_me and not about_them:
            claimed += grounding.unsupported_terms(sent, list(me_text))
    return claimed


_WORK = re.compile(r"\b(?:working on|works on|worked on|leading|leads|led|building|builds|built|running|runs|ran|"
                   r"developing|develops|started|starting|launching|launched|researching|researches|writing|"
                   r"writes|wrote|rebuilding|redesigning|piloting|focus(?:es|ed|ing)? on)\s+(.+)$", re.I)
_DRAWN = re.compile(r"\b(?:interested in|passionate about|curious about|keen on|cares? about)\s+(.+)$", re.I)
_AT = re.compile(r"\b(?:is|was|works as)\s+(?:a|an|the)\s+[^,.;]*?\bat\s+((?:[A-Z][\w'&-]*)(?:\s+(?:of\s+|&\s+|and\s+)?[A-Z][\w'&-]*)*)")
_THEIR = re.compile(r"\b(?:his|her|their)\b", re.I)


def _phrase(rest: str) -> str:
    """The object of a fact's verb, up to the first clause break, in at most 12 words, said to them."""
    rest = re.split(r"[,;:.(]|\s[\u2014\u2013-]\s|\s(?:and|while|which|who|because|since)\s", rest, maxsplit=1)[0]
    words = rest.split()[:12]
    return _THEIR.sub("your", " ".join(words)).strip()


def closing_line(facts: Sequence[str], first: str) -> str:
    """A sentence to the contact about something of theirs, written in code from a fact.

    Why: the untailored fallback narrative is the same story for everyone; one
    plain line from a checked fact ("I'd love to hear how your falls-prevention
    pilot on 7B is going.") makes it about this person without letting the
    model retell their story as the user's.
    """
    subject = re.compile(rf"^(?:{re.escape(first)}\b|(?:She|He|They)\b(?!\s+team))")
    for fact in (f for f in facts if subject.match(f)):  # "Her team has built ..." is not theirs to be asked about
        work, drawn = _WORK.search(fact), _DRAWN.search(fact)
        if work and re.match(r"(?:one|some|many|a lot|most) of\b", work.group(1), re.I):
            work = None
        if drawn and (not work or drawn.start() < work.start()):
            return f"I'd love to hear what draws you to {_phrase(drawn.group(1))}, {first}."
        if work:
            thing = re.sub(r"^(?:a|an|the)\s+", "your ", _phrase(work.group(1)), flags=re.I)
            # something specific: a name, a number or a compound ("the last stretch" is not)
            if len(thing.split()) >= 2 and re.search(r"\s[A-Z]|\d|\w-\w", thing):
                return f"I'd love to hear about {thing}, {first}."
    for fact in facts:
        org = _AT.search(fact)
        if org:
            return f"I'd love to hear about your work at {org.group(1)}, {first}."
    return ""


def write_narrative(ctx: BriefContext, attempt_seed: int = 0) -> None:
    b = ctx.brief
    b.narrative = ""
    if not ctx.me_chunks:
        b.failed["narrative"] = ("Your own profile is empty, so there is no story to tailor. Add it with "
                                 "`rapport ingest FILE --me` or on the Me page.")
        return
    me_text = [c.text.replace("<", "‹").replace(">", "›")
               for c in fit_to_budget(ctx.gen, me_by_relevance(ctx), 900, overhead=0, stop_at_overflow=True)]
    interests = "; ".join(f.text for f in b.facts[:3]) or f"their work as described in your notes about {ctx.name}"
    support = me_text + [f.text for f in b.facts] + [ctx.name]

    contact_side = [f.text for f in b.facts] + [f.text for f in b.field_now]

    def accept(d: dict, tailored: bool = False) -> str:
        d["narrative"] = text = whole_sentences(voice.plain_words(" ".join(d["narrative"].split())), 100)
        problem = voice.narrative_problem(text, support)
        if problem and not problem.startswith("unsupported"):
            return problem
        if foreign_script(text, support):
            return "not in English"
        if repetitive(text):
            return "repetitive"
        if problem:
            return problem
        claimed = claimed_from_contact(ctx, text, me_text)
        if claimed:
            return f"it told the contact's story as the user's own ({', '.join(claimed)})"
        if tailored and contact_side and not voice.names_them(text, contact_side):
            return f"it did not connect your story to anything of {ctx.first}'s (end with one sentence to them about their work)"
        return ""

    # First with the contact's facts to tailor to; a small model sometimes retells them as the
    # user's own, so the fallback leaves them out and relies on the profile being ordered by
    # relevance to the contact (the most relevant parts of the user's story come first).
    variants = [
        (f"Make it relevant to what {ctx.name} cares about. These facts are about {ctx.name}, NOT about "
         f"the user, so never present them as the user's own: {interests}. End with one sentence spoken to "
         f"{ctx.first} (\"you\") that connects the user's story to one of these facts.",
         max(0, ctx.settings.retries - 1), True),
        ("Lead with the parts of the user's story that come first in the notes.", 1, False),
    ]
    got = None
    for n, (tailoring, retries, tailored) in enumerate(variants):
        got = generate_json(ctx.gen, prompts.render("narrative", me_notes="\n\n".join(me_text), name=ctx.name,
                                                    tailoring=tailoring, min_words=45, max_words=80),
                            prompts.schema("narrative"), max_tokens=220,
                            seed=seed_for(ctx.seed + attempt_seed, narrative_variant=n), retries=retries,
                            accept=lambda d, tailored=tailored: accept(d, tailored))
        if got.data is not None:
            break
    if got is None or got.data is None:
        b.failed["narrative"] = f"The narrative did not pass the checks ({got.error if got else 'no attempt'})."
        return
    b.narrative = got.data["narrative"]  # accept() normalised and trimmed it
    if contact_side and not voice.names_them(b.narrative, contact_side):
        closing = closing_line([f.text for f in b.facts], ctx.first)
        if closing and not voice.narrative_problem(f"{b.narrative} {closing}", support, max_words=120):
            b.narrative = f"{b.narrative} {closing}"


__all__ = ["claimed_from_contact", "closing_line", "me_by_relevance", "write_narrative"]
