"""Your 30-second narrative: the user's own story, then one sentence tailoring it to this contact.

The story is written once per profile and kept (``story.py``); each brief adds
one sentence spoken to the contact that names something real of theirs,
written in code from a checked fact (``closing_line``), or by the model in one
short call after their notes prefix when code finds nothing to name (or with
``Settings.model_narrative``). A model sentence that retells the contact's
work as the user's ("..., and I work at Brightwater") is rejected.
"""

from __future__ import annotations

import re
from typing import Sequence

from assistant.brief import metrics
from assistant.brief.context import BriefContext
from assistant.brief.story import repeats_a_sentence, user_story
from assistant.generation import prompts
from assistant.generation.structured import generate_json
from assistant.text import grounding, voice
from assistant.text.sensitive import raises_sensitive
from assistant.text.sentences import split_sentences


_WORK = re.compile(r"\b(working on|works on|worked on|leading|leads|led|building|builds|built|running|runs|ran|"
                   r"developing|develops|started|starting|launching|launched|researching|researches|writing|"
                   r"writes|wrote|rebuilding|redesigning|piloting|focus(?:es|ed|ing)? on|"
                   # "where he also presents 'Switched On'", "founded ByteBridge in 2018": a bio's work without "works on"
                   r"presents|hosts|chairs|edits|teaches|(?:co-)?founded|(?:co-)?organi[sz]es|"
                   # "is a lead maintainer of the quillmark Python library": a role that is a piece of work
                   r"maintains|(?:lead\s+)?maintainer of|author of|creator of|(?:co-)?founder of)\s+(.+)$", re.I)
# "Her big project: automated organoid screening - ..." names their work without a verb.
_PROJECT = re.compile(r"^(?:Her|His|Their)\s+(?:(?:big|biggest|main|current|latest|new|flagship)\s+)?project"
                      r"(?:\s+is|:)\s+(.+)$", re.I)
# "leads Screening Platforms, 9 people" is a team; "focusing on Active Travel" is a field of work. Both say
# less of what they are doing now than "is working on School Streets Phase 2", so they come after it.
_LEADS = re.compile(r"^(?:leading|leads|led)$", re.I)
_DONE = re.compile(r"^(?:led|built|ran|wrote|started|launched|(?:co-)?founded|worked on)$", re.I)
_NOT_THEIRS = re.compile(r"^(?:presents|hosts|chairs|edits|(?:co-)?organi[sz]es)$", re.I)
_FOCUS = re.compile(r"^focus", re.I)
_TEAM_SIZE = re.compile(r"^[^,;(\u2014\u2013]+?\s*(?:,|\(|\s-|\u2014|\u2013)\s*(?:a team of\s+)?\d+\s+"
                        r"(?:people|staff|engineers|scientists|researchers|nurses)\b", re.I)
_DRAWN = re.compile(r"\b(?:interested in|passionate about|curious about|keen on|cares? about)\s+(.+)$", re.I)
# "is a VP Product, Clinical Workflows at Scribewell Health" (a title with a comma) is where they work; "is
# speaking at the Nursing Informatics Network conference" is not.
# "He runs flexibility trading at Octant Energy", "He has led product at Kilowattly": where they work too.
_AT = re.compile(r"\b(?:is|was|works as|works|worked|runs|ran|leads|led|heads|headed|manages|managed|directs|directed)\s+"
                 r"(?:(?:a|an|the)\s+)?(?:(?!speak|present|talk|attend|keynot|visit)[^.;]){0,60}?"
                 r"\bat\s+((?:the\s+)?(?:[A-Z][\w'&-]*)(?:\s+(?:of\s+|for\s+|&\s+|and\s+)?[A-Z][\w'&-]*)*)")
_THEIR = re.compile(r"\b(?:his|her|their)\b", re.I)


# "41,000 parcel stops" and "3.5 hours" are one number: a comma or point between digits is no break
# ... and "founded ByteBridge in 2018 after a decade as ...": the thing, not when or after what
_BREAK = re.compile(r"(?<!\d)[,.]|[,.](?!\d)|[;:(]|\s[\u2014\u2013-]\s|\s(?:and|while|which|who|because|since|after|when|where)\s"
                    r"|\s(?:in|from) (?:19|20)\d\d\b")


# Where a phrase cut at its word limit can end whole: before its last joining word.
_JOINS = frozenset("without with for to in on at by from of across through into over under after before between "
                   "about than".split())


def _phrase(rest: str) -> str:
    """The object of a fact's verb, up to the first clause break, in at most 12 words, said to them.

    A phrase longer than that ends before its last joining word, never mid-phrase: "how to onboard 50 new
    community groups next year without hiring a" (cut at twelve words) was said in a thank-you and a narrative.
    """
    rest = _BREAK.split(rest, maxsplit=1)[0]
    words = rest.split()
    if len(words) > 12:
        words = words[:12]
        cut = next((k for k in range(len(words) - 1, 2, -1) if words[k].lower() in _JOINS), len(words))
        words = words[:cut]
    return _THEIR.sub("your", " ".join(words)).strip()


# "He has spent six years at Ordnance Survey building the OS Data Hub APIs", "... from March 2017 to December 2022",
# "(2016-2022)": a job that ended is no topic for "what's next for" or "what are you focused on at ... this year"
_ENDED_SPAN = re.compile(r"\b(?:has|had) spent\b|\bfrom (?:[A-Z][a-z]+ )?(?:19|20)\d\d to (?:[A-Z][a-z]+ )?(?:19|20)\d\d\b"
                         r"|\b(?:19|20)\d\d\s*[-\u2013]\s*(?:19|20)\d\d\b|\buntil (?:[A-Z][a-z]+ )?(?:19|20)\d\d\b"
                         r"|\bformer(?:ly)?\b|\bpreviously\b")


def their_topics(facts: Sequence[str], first: str) -> list[tuple[str, str, str]]:
    """What checked facts say is theirs, best first: ("drawn" | "work" | "org", the phrase said to them, the fact).

    One reading for every sentence code writes to or about the contact (the
    narrative's closing line, the questions written when the model's fall short).
    """
    found: list[tuple[int, str, str, str]] = []  # (how little it says of their work now, kind, thing, fact)
    subject = re.compile(rf"^(?:{re.escape(first)}\b|(?:She|He|They)\b(?!\s+team))")
    facts = [f for f in facts if not _ENDED_SPAN.search(f)]
    for fact in facts:  # "Her team has built ..." is not theirs to be asked about
        project = _PROJECT.match(fact)
        if project:
            thing = _phrase(project.group(1))
            if len(thing.split()) >= 2:
                found.append((0, "work", thing if thing[0].isupper() else f"your {thing}", fact))
            continue
        if not subject.match(fact):
            continue
        work, drawn = _WORK.search(fact), _DRAWN.search(fact)
        if work and re.match(r"(?:one|some|many|a lot|most) of\b", work.group(2), re.I):
            work = None
        if drawn and (not work or drawn.start() < work.start()):
            found.append((0, "drawn", _phrase(drawn.group(1)), fact))
        elif work:
            thing = _phrase(work.group(2))
            if not _NOT_THEIRS.match(work.group(1)):  # "chairs the Northern Region ... Forum": not theirs alone
                thing = re.sub(r"^(?:a|an|the)\s+", "your ", thing, flags=re.I)
            # something specific: a name, a number or a compound ("the last stretch" is not)
            # ... or a name on its own ("He is building Rivermouth, a sound installation ...")
            if (len(thing.split()) >= 2 and re.search(r"\s[A-Z]|\d|\w-\w", thing)) \
                    or re.fullmatch(r"[A-Z][\w'-]*[a-z][\w'-]*", thing):
                rank = 0
                if _FOCUS.match(work.group(1)) and not thing.startswith("your "):
                    thing, rank = f"your work on {thing}", 1
                elif _LEADS.match(work.group(1)) and _TEAM_SIZE.match(work.group(2)):
                    thing, rank = f"your {thing} team", 1
                elif _DONE.match(work.group(1)):  # "Tomás led the OS Data Hub API platform": where they work now first
                    rank = 3
                found.append((rank, "work", thing, fact))
    for fact in facts:
        org = _AT.search(fact)
        if org:
            found.append((2, "org", org.group(1), fact))
    return [(kind, thing, fact) for _, kind, thing, fact in sorted(found, key=lambda t: t[0])]


def closing_line(facts: Sequence[str], first: str) -> str:
    """A sentence to the contact about something of theirs, written in code from a fact.

    Why: the untailored fallback narrative is the same story for everyone; one
    plain line from a checked fact ("I'd love to hear how your falls-prevention
    pilot on 7B is going.") makes it about this person without letting the
    model retell their story as the user's.
    """
    for kind, thing, _ in their_topics(facts, first)[:1]:
        if kind == "drawn":
            return f"I'd love to hear what draws you to {thing}, {first}."
        return f"I'd love to hear about {'your work at ' if kind == 'org' else ''}{thing}, {first}."
    return ""


_MINE = re.compile(r"\b(?:I|I'm|I've|I'd|my|me)\b")
# "I'm curious about the pilot on 7B" asks about their thing; it does not claim it.
_ASKING = re.compile(r"\bI(?:'d| would)? (?:love|like) to (?:hear|know|learn)\b|\bI'?m (?:curious|interested|keen)\b"
                     r"|\bI wonder\b|\binterests me\b", re.I)
# One per attempt, so a retry is a different sentence, not the same one re-sampled.
STARTERS = ("I'd love to hear", "I'm curious", "Given my")
_CLAUSE = re.compile(r",\s*|;\s*|\s+(?:and|but|so|because|since|while)\s+")
# "how your pilot aligns with my background" asserts a likeness nothing in either side's notes shows;
# seen in most default-model closings, and it reads as flattery, not interest.
_LIKENESS = re.compile(r"\b(?:align(?:s|ed)?|resonat(?:es?|ed)|mirrors?|overlaps?|fits?|connects?|relates?|ties? in)"
                       r"\s+(?:\w+\s+){0,2}(?:with|to)\s+(?:my|mine|what I)\b"
                       r"|\b(?:similar to|just like|much like)\s+(?:my|mine|what I)\b", re.I)
# "how it relates to your background in clinical nursing and UX research" (said to a sourcing head):
# the user's own past handed to the contact.
_YOUR_PAST = re.compile(r"\byour (?:own )?(?:background|experience|career|training|expertise|years|time)\s+"
                        r"(?:in|as|with|at|on|of)\s+([^,.;?!]+)", re.I)


def gives_them_the_users_past(sentence: str, story: Sequence[str], contact_side: Sequence[str]) -> bool:
    """True when "your background in X" names an X only the user's story has."""
    theirs = metrics.content_words(" ".join(contact_side))
    mine = metrics.content_words(" ".join(story))
    return any(w in mine and w not in theirs
               for m in _YOUR_PAST.finditer(sentence) for w in metrics.content_words(m.group(1)) if len(w) >= 4)


def link_problem(ctx: BriefContext, sentence: str, story: str, me_text: Sequence[str],
                 contact_side: Sequence[str]) -> str:
    """Why the tailoring sentence cannot follow the story ("" when it can).

    It must speak to the contact about something real of theirs, keep every
    name and number backed by the profile or the contact's notes, ask for
    nothing, and never claim their work as the user's: a clause about the user
    ("..., and I built quillmark") must stand on the profile alone.
    """
    if raises_sensitive(sentence, getattr(ctx, "flagged", [])):
        return "it raised what the notes say not to raise"
    if not voice.names_them(sentence, contact_side, mine=[story, *me_text]):
        return f"it did not name anything of {ctx.first}'s, spoken to them"
    if metrics.repeats_user_line(sentence, split_sentences(story, lines=False)):
        return "it repeated the user's story instead of connecting it to them"
    if _LIKENESS.search(sentence):
        return "it claimed their work is like the user's"
    if gives_them_the_users_past(sentence, [story, *me_text], contact_side):
        return "it gave the user's own background to them"
    for clause in _CLAUSE.split(sentence):
        if _MINE.search(clause) and not re.search(r"\byou", clause, re.I) and not _ASKING.search(clause):
            claimed = grounding.unsupported_terms(clause, list(me_text))
            if claimed:
                return f"it told the contact's story as the user's own ({', '.join(claimed)})"
    problem = voice.narrative_problem(f"{story} {sentence}", [*me_text, *contact_side, ctx.name], max_words=130)
    if problem:
        return problem
    return "repetitive" if repeats_a_sentence(f"{story} {sentence}") else ""


def write_narrative(ctx: BriefContext, attempt_seed: int = 0) -> None:
    """The user's kept story (``story.py``) and one sentence to this contact connecting it to them.

    The sentence is written in code from a checked fact of theirs (``closing_line``) unless
    ``Settings.model_narrative``; the model writes it (one or two short calls after the contact's
    notes prefix, checked by ``link_problem``) when code finds nothing of theirs to name.
    """
    b = ctx.brief
    b.narrative = ""
    story = user_story(ctx.kb, ctx.me_chunks, ctx.settings, ctx.gen, seed=attempt_seed, fresh=bool(attempt_seed))
    if not story.text:
        b.failed["narrative"] = story.error
        return
    b.narrative = story.text
    contact_side = [f.text for f in b.facts] + [f.text for f in b.field_now]
    if not contact_side:
        return
    me_text = story.quoted
    closing = closing_line([f.text for f in b.facts], ctx.first)
    fits = bool(closing) and not voice.narrative_problem(f"{story.text} {closing}",
                                                         [*me_text, *contact_side, ctx.name], max_words=130)
    if fits and not ctx.settings.model_narrative:  # written in code from a checked fact: no call (Settings)
        b.narrative = f"{story.text} {closing}"
        return
    if not story.cached:  # writing the story pushed the notes out of the model: bring them back
        ctx.use_prefix()

    def accept(d: dict) -> str:
        # "your work on the **digital inclusion** laptop-loan scheme": the notes' bold, copied; said plainly
        said = split_sentences(voice.plain_words(" ".join(re.sub(r"\*\*|__", "", d["sentence"]).split())), lines=False)
        d["sentence"] = text = said[0].strip() if said else ""  # one sentence was asked for
        if not text.endswith((".", "!", "?")):
            return "the sentence was cut off"
        return link_problem(ctx, text, story.text, me_text, contact_side)

    # Only the story's first sentence as context: given all of it, a small model carries on telling it.
    gist = (split_sentences(story.text, lines=False) or [story.text])[0].replace('"', "'")
    # Two tries, then the sentence written in code: a third model try passed rarely and cost ~5 s.
    for n, starter in enumerate(STARTERS[: min(2, 1 + max(0, ctx.settings.retries))]):
        got = generate_json(ctx.gen, prompts.render("narrative_ask", notes=ctx.notes_block, name=ctx.name,
                                                    first=ctx.first, gist=gist, starter=starter),
                            prompts.schema("narrative_ask"), max_tokens=70, seed=ctx.seed + attempt_seed + n,
                            retries=0, accept=accept)
        if got.data is not None:
            b.narrative = f"{story.text} {got.data['sentence']}"
            return
    if fits:
        b.narrative = f"{story.text} {closing}"


__all__ = ["closing_line", "link_problem", "write_narrative"]
