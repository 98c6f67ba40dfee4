"""Questions to ask: one open question per fact, asked to the contact, checked in code.

The user's profile is not in this prompt at all, so questions stay about the
contact. Each call is bounded (a small model asked again often repeats
itself), and a rejection's reason is fed back into the next attempt.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Sequence

import jsonschema

from assistant.brief import sense
from assistant.brief.context import BriefContext, foreign_script, note_sentences
from assistant.text.hooks import finished
from assistant.brief.narrative import their_topics
from assistant.brief.record import Cited
from assistant.generation import answer_prefix, prompts
from assistant.generation.batch import complete_many
from assistant.generation.structured import generate_json, messages_for, seed_for, token_bound
from assistant.text import forms, questions, similarity, voice
from assistant.text.guard import INJECTION, neutralize
from assistant.text.names import parse_name
from assistant.text.personal import home_life
from assistant.text.sensitive import raises_sensitive
from assistant.text.sentences import complete_sentence, first_sentence

log = logging.getLogger("rapport.brief")

# Not a bare "What": the first fact (usually their role) came back as "What challenges do you face in
# your role as ...?" in 15 of 19 eval briefs.
_STARTERS = ("What's the story behind", "How", "Tell me about", "Why", "What led you to", "How do you decide", "What surprised you",
             "Looking back, what")
_SIDE_STARTERS = ("What's next for", "What have you learned from", "What would you change about", "How do you work with others on")
# "Why" fits a view they hold ("Why do you think points aren't a game?"); asked of a role it sounds like a
# challenge ("Why do you chair the Northern Region Chief Nurses' Digital Forum?").
_A_VIEW = re.compile(r"\b(?:thinks?|believes?|argues?|against|sceptical|skeptical|prefers?|opinions?|views?|worried|"
                     r"says|said|convinced|favou?rs?|critical|wary|doubts?|cool on|keen on)\b", re.I)
# A problem they live with is not something they chose: "What led you to re-type plate metadata by hand ...?",
# "What led you to want a beginner tutorial track and not know how to write for non-programmers?", "What led you
# to believe attendance was great in the first month of term and then fell off a cliff?" (eval briefs).
_PROBLEM = re.compile(r"\b(?:doesn'?t|don'?t|can'?t|cannot|won'?t|isn'?t|aren'?t|never|nobody|no one|no budget|"
                      r"by hand|problems?|headaches?|struggl\w*|drowning|lags?|lagging|stuck|swamped|short of|shortage|"
                      r"out of space|falls? off|terrible|failing|fails|waiting list|backlog|bottleneck|too (?:slow|long|many))\b",
                      re.I)
_MOTIVE = ("What drew you to", "What led you to")


def starter_for(fact: str, turn: int, who: Sequence[str] = ()) -> str:
    """The opening words the model is told to use: the next in turn, with "Why" kept for a view they hold.

    Why: a starter that asks for a motive presumes a choice. Of a problem they live with it asks why they
    chose the problem, so that turn becomes "How are you tackling"; of something their notes do not say
    they did ("The hospital is switching to a new e-rostering system"), "What's the story behind".
    ``who``: the forms of their name (``PersonName.mentions``), for telling whose doing a fact is.
    """
    starter = _STARTERS[turn % len(_STARTERS)]
    view = bool(_A_VIEW.search(fact))
    if starter == "Why":
        starter = "Why" if view else "What drew you to"
    if starter in _MOTIVE and not view:
        names = "|".join(re.escape(w) for w in who if w)
        theirs = re.match(rf"^\W*(?:{names + '|' if names else ''}she|he|they|her|his|their)\b", fact, re.I)
        if _PROBLEM.search(fact):
            return "How are you tackling"
        if not theirs:
            return "What's the story behind"
    return starter


_REPEATED = "That repeated an earlier question."
# Stricter than the eval's 0.85: "How did you lead the RouteDesk rebuild and rollout to 19 depots?" and
# "Tell me about your experience leading planning engine rebuilds and rolling out to 19 depots." scored 0.81.
DUPLICATE_QUESTIONS = 0.80
_ANOTHER_SIDE = "Ask about another side of this fact than the questions already asked (how, why, what next, who with)."
_PARROTED = re.compile(r"yes[ /-]*(or[ -]+)?no|not answerable|referral|favou?r\b|introduction|\bjob\b|"
                       r"not a question|own work, choices|in the third person", re.I)


def plain_why(why: str, fact: str) -> str:
    """One short reason; a "why" that recites the prompt's rules back is replaced by the fact it grows from.

    Why: small models answer "why ask this?" with "because it is not answerable
    with yes or no and does not ask for a job", which tells the user nothing.
    """
    first = first_sentence(why) if why.strip() else ""
    first = re.sub(r"^this question is worth asking because\s+(it\s+)?", "", first, flags=re.I)
    if not first or _PARROTED.search(first) or len(first.split()) > 25:
        return complete_sentence(f"It grows from your notes: {fact}", 220)
    return complete_sentence(first[0].upper() + first[1:], 220)


# "What led you to interest in electrification ...?": the starter the prompt gives, finished with a noun.
_LED_TO_NOUN = re.compile(r"\bled you to (interest|passion|career|involvement) (in|on|into|with)\b", re.I)


# "What led you to Senior Product Manager at Monzo (2016-2022)?": a job title where a verb belongs.
_LED_TO_TITLE = re.compile(r"\b(led|drew) you to (?=(?:[A-Z][\w&'-]*\s+){0,3}(?:Manager|Director|Head|Lead|Engineer|"
                           r"Officer|Scientist|Researcher|Designer|Analyst|Consultant|Professor|Fellow|Nurse|President|"
                           r"Partner|Principal|Executive|Chair|Editor|Founder|Maintainer|Developer|Architect|Pharmacist|"
                           r"Adviser|Advisor|Trustee|Librarian)\b)")


# "What drew you to become Principal Engineer at Ordnance Survey from March 2017 to December 2022?": a CV's dates,
# copied into a question nobody would say aloud
_DATES = re.compile(r"\s+(?:from|between)\s+(?:[A-Z][a-z]+\s+)?(?:19|20)\d\d\s+(?:to|and|until)\s+(?:(?:[A-Z][a-z]+\s+)?"
                    r"(?:19|20)\d\d|present|now|today)\b|\s*\((?:19|20)\d\d\s*[-\u2013]\s*(?:(?:19|20)\d\d|present|now)\)")


def _as_question(raw: str, name: str) -> str:
    """The model's question, whole, spoken to them, with one question mark ("Active Travel??" was rejected as two)."""
    raw = _DATES.sub("", re.sub(r"\?(\s*\?)+", "?", raw))
    asked = voice.to_second_person(complete_sentence(raw, 260), name)
    asked = _LED_TO_TITLE.sub(lambda m: f"{m.group(1)} you to become ", asked)
    asked = questions.without_stock_tail(_LED_TO_NOUN.sub(lambda m: f"led to your {m.group(1)} {m.group(2)}", asked))
    return questions.tell_me_shorter(asked)


def question_problem(ctx: BriefContext, text: str, accepted: Sequence[str], fact: str = "", about: str = "") -> str:
    """Why this question cannot go in the brief, or "" when it can.

    ``about`` is the fact its "why" will cite: a question must name something of it. Asked from "Recruitment
    and onboarding for care staff", the model wrote about "redesigning the leave framework" (in the notes
    beside it, in no fact), and the "why" cited a fact the question was not about.
    """
    if fact and not questions.specificity(text, [fact, *ctx.texts(ctx.fact_sources.get(fact, []))], []):
        return "That question was generic; ask about the fact itself."
    if about and not questions.specificity(text, [about], []):
        return "That question was about something the fact does not say; ask about the fact itself."
    if questions.stock_question(text):
        return ("That was the stock \"what challenges do you face in your role\" question; ask about something "
                "specific the fact says.")
    if not questions.is_open_question(text):
        return "That was not one open question (it could be answered yes/no, or was not a question)."
    if questions.garbled_question(text):
        return "That did not read as one plain sentence; ask it the way you would say it aloud."
    if questions.is_job_ask(text):
        return "That asked for a job, a referral or an introduction."
    if voice.is_about_user(text):
        return "That was about the user, not about them."
    first = ctx.first.lower()
    if re.search(rf"\b({re.escape(first)}|she|he|her|his|they)\b", text, re.I) and not re.search(r"\byou\b", text, re.I):
        return f"Ask {ctx.first} directly, using \"you\", not about them in the third person."
    if INJECTION.search(text):
        return "That repeated an instruction from the notes."
    if raises_sensitive(text, ctx.flagged):
        return "That raised a personal, sensitive topic; ask about their work instead."
    if foreign_script(text, [c.text for c in ctx.notes]):
        return "Write in English only."
    if accepted:
        pairs = similarity.near_duplicates([*accepted, text], ctx.vectors, threshold=DUPLICATE_QUESTIONS)
        if any(j == len(accepted) for _, j, _ in pairs):
            return _REPEATED
    return ""


def closest_fact(ctx: BriefContext, question: str, asked_from: Cited) -> Cited:
    """The fact a question really grows from, by embedding similarity (the model may drift to another fact).

    The fact it was asked from wins ties and near-ties, so a citation moves only when the
    question is clearly about a different fact.
    """
    # what they hope to get from an event is no question's root, so no question's "why" either
    facts = [f for f in ctx.brief.facts if f is asked_from or not forms.is_hope(f.text)]
    if len(facts) < 2:
        return asked_from
    vecs = ctx.embed([question, *(f.text for f in facts)])
    scores = vecs[1:] @ vecs[0]
    best = max(range(len(facts)), key=lambda i: float(scores[i]))
    own = next((i for i, f in enumerate(facts) if f is asked_from), best)
    return facts[best] if float(scores[best]) > float(scores[own]) + 0.08 else asked_from


# A field note's change, said short: its first clause, when that is a sentence with a verb in ~22 words.
# A label before it goes: "Market notes (2026): ...", "NHS and hospitals. Training is constant ...".
_LABEL = re.compile(r"^(?:[^.:;]{1,40}:\s+|(?:\S+\s+){0,3}\S+\.\s+(?=[A-Z]))")
_CLAUSE_END = re.compile(r";|\s[-\u2013\u2014]\s|,\s+(?:and|but|so|while|which|although|though)\s|\.\s|\.$|:\s")
_A_CHANGE = re.compile(r"\b(?:are|is|have|has|want|wants|need|needs|face|faces|struggle|struggles|use|uses|buy|buys|"
                       r"expect|expects|keep|keeps|run|runs|fail|fails|spend|spends|move|moves|shift|shifts|were|was|will|can|could|must|"
                       r"doubled|tripled|halved|rose|fell|grew|dropped|increased|decreased|changed|became)\b", re.I)
# "Officers want cheap ways to reach them": said alone, "them" points at nothing
_POINTS_BACK = re.compile(r"\b(?:them|it|this|these|those|they|there)\b", re.I)


def field_change(development: str, support: Sequence[str]) -> str:
    """The change a field note states, as words to say after "Now that", or "" when it is not one plain clause.

    "Community and district nursing teams are replacing scheduling and documentation systems; most
    products were designed for hospital wards first." -> "community and district nursing teams are
    replacing scheduling and documentation systems". The first word keeps its capital when the notes
    write it capitalised in the middle of a sentence and never in lower case (a name), or it is "NHS".
    """
    text = _LABEL.sub("", " ".join(development.split()), count=1)
    clause = re.sub(r"\s*\([^)]*\)", "", _CLAUSE_END.split(text, maxsplit=1)[0]).strip(" ,.")
    words = clause.split()
    if not 4 <= len(words) <= 22 or not _A_CHANGE.search(" ".join(words[1:])) or "?" in clause \
            or _POINTS_BACK.search(clause):
        return ""
    head, said = words[0], " ".join(support)
    named = re.search(rf"[\w,;] {re.escape(head)}\b", said) and not re.search(rf"\b{re.escape(head.lower())}\b", said)
    if not head.isupper() and not named:
        head = head[:1].lower() + head[1:]
    return " ".join([head, *words[1:]])


def code_field_question(development: str, facts: Sequence[str], first: str, support: Sequence[str]) -> str:
    """ "Now that <their field's change>, how does that show up in <their work>?", or "" when either is not there.

    Why in code: the model restated the whole field note and ran past the length limit (9 rejected field
    questions in 22 eval briefs, both tries lost in three), at ~2.5 s a call; what it wrote when it
    worked was this sentence.
    """
    change = field_change(development, support)
    topics = [(kind, thing) for kind, thing, _ in their_topics(facts, first) if kind != "drawn"]
    if not change or not topics:
        return ""
    kind, thing = sorted(topics, key=lambda t: t[0] != "org")[0]
    return f"Now that {change}, how does that show up in {'your work at ' + thing if kind == 'org' else thing}?"


def _field_question(ctx: BriefContext, schema: dict, attempt_seed: int) -> int:
    """One question that ties a development in their field to their own work; returns the calls used."""
    b = ctx.brief
    point, fact = b.field_now[0], b.facts[0]
    why = complete_sentence(f"It ties what your field notes say ({point.text}) to their work.", 220)
    text = code_field_question(point.text, [f.text for f in b.facts], ctx.first,
                               [c.text for c in ctx.notes] + [c.text for c in ctx.field_by_text.values()])
    for f in b.facts:
        ctx.fact_sources[f.text] = f.sources
    grows = closest_fact(ctx, text, fact) if text else fact
    if text and not question_problem(ctx, text, [q.text for q in b.questions], grows.text):
        b.questions.append(Cited(text, list(dict.fromkeys([*grows.sources, *point.sources])), why))
        return 0
    if text:
        log.info("field question written in code rejected: %r", text)
    calls, avoid = 0, ""
    for attempt in range(2):
        calls += 1
        # The retry is told why (greedy decoding of the same prompt gives the same rejected answer).
        user = prompts.render("field_question", notes=ctx.notes_block, name=ctx.name, development=point.text,
                              fact=fact.text, avoid=avoid)
        got = generate_json(ctx.gen, user, schema, max_tokens=100,
                            seed=seed_for(ctx.seed + attempt_seed, question_round=7, question_try=attempt), retries=0)
        if got.data is None:
            avoid = "\nYour previous answer was rejected: it was not one JSON object with a question."
            continue
        text = _as_question(got.data["question"], ctx.name)
        ctx.fact_sources[fact.text] = fact.sources
        reason = question_problem(ctx, text, [q.text for q in b.questions], fact.text) or (
            sense.NONSENSE if sense.received_shape(text) else "") or (
            # "Now that you are facing burnout, ...": a field's trend ("maintainers face burnout") said of them
            _FIELD_AS_THEIRS if re.match(r"^\W*now that you(?:['\u2019]re| are| have| were)\b", text, re.I) else "")
        if reason:
            log.info("field question rejected (%s): %r", reason, text)
            avoid = f"\nYour previous answer was rejected: {reason} Keep it short (under 25 words), ending with \"?\"."
            continue
        b.questions.append(Cited(text, list(dict.fromkeys([*fact.sources, *point.sources])), why))
        break
    return calls


_FIELD_AS_THEIRS = "That said the field's development about them; say what is changing in their field, not in them."


# Open questions on what a checked fact says is theirs, when the model's fall short of the brief's aim.
_IN_CODE = {"work": ("What's next for {}?", "What have you learned so far from {}?"),  # "what draws you to" is left out: "interested in the legal team"
            "org": ("What are you most focused on at {} this year?", "What does a typical week look like for you at {}?")}


def _written_in_code(ctx: BriefContext, want: int) -> None:
    """Top the questions up to ``want`` from templates over the facts (same checks, cited to the fact).

    Why: with three facts, a 1.5B model's second questions on the same fact come back as
    repeats, and briefs ended with three questions (Noor, Tomasz in the eval); a plain
    question about their own work is better than none, and costs no model call.
    """
    b = ctx.brief
    by_text = {f.text: f for f in b.facts}
    for kind, thing, fact in their_topics(list(by_text), ctx.first):
        for template in _IN_CODE.get(kind, ()):
            if len(b.questions) >= want:
                return
            text = template.format(thing)
            ctx.fact_sources[fact] = by_text[fact].sources
            reason = question_problem(ctx, text, [q.text for q in b.questions], fact)
            if reason:
                log.info("question written in code left out (%s): %r", reason, text)
                continue
            b.questions.append(Cited(text, list(by_text[fact].sources), plain_why("", fact)))


def _drop_nonsense(ctx: BriefContext, start: int, asked_from: dict[str, Cited], todo: list[tuple[Cited, str]],
                   seed: int) -> None:
    """Take out this round's questions whose verb does not fit their object; their facts are asked again.

    One short call after the cached notes prefix judges the whole round (assistant/brief/sense.py).
    """
    fresh = ctx.brief.questions[start:]
    if not fresh:
        return
    flags = sense.nonsense(ctx.gen, [q.text for q in fresh], notes=ctx.notes_block, name=ctx.name, seed=seed)
    for q, bad in zip(fresh, flags):
        if bad:
            log.info("question rejected (%s): %r", sense.NONSENSE, q.text)
            ctx.brief.questions.remove(q)
            todo.append((asked_from[q.text], f"Your previous answer was rejected: {sense.NONSENSE}"))


def _answer(text: str, schema: dict) -> dict | None:
    try:
        data = json.loads(text)
        jsonschema.validate(data, schema)
    except (json.JSONDecodeError, jsonschema.ValidationError):
        return None
    return data


def asked_by_the_user(ctx: BriefContext) -> list[Cited]:
    """The questions the notes tell the user to ask ("Ask about her benchmarks."), first and cited to their note."""
    out: list[Cited] = []
    for chunk in ctx.notes:
        for line in note_sentences(neutralize(chunk.text)):  # notes are data: the guarded text, as every reader
            asked = questions.asked_in_notes(line)
            text = voice.to_second_person(asked, ctx.name) if asked else ""
            if text and not question_problem(ctx, text, [q.text for q in out]):
                out.append(Cited(text, [chunk.id], f"Your notes say: {' '.join(line.split())}"))
    return out[:2]


def question_seeds(facts: Sequence[Cited]) -> list[Cited]:
    """The facts questions grow from: what they do, not their home life (that stays a fact to know); a fact
    only about their past comes after every fact about their work now.

    Why: a brief of eight facts has questions for the first five or six, and the sixth came from "Tom was
    Senior Product Manager at Monzo (2016-2022)" as "How do you decide what features to include in your
    product?", which fits anyone (docs/QUALITY.md, eleventh session).
    """
    work = [f for f in facts if not home_life(f.text) and not forms.is_hope(f.text)]
    return sorted(work, key=lambda f: finished(f.text))


def write_questions(ctx: BriefContext, attempt_seed: int = 0) -> None:
    """One question per fact, all asked in one batch; the rejected ones asked again together, with the reason.

    The calls share the notes prefix (cached once); with ``Settings.batch_decode`` they are
    decoded together (assistant/generation/batch.py), and a model server gets them as
    concurrent requests. The checks still run one by one in fact order, so "repeated" means
    repeated of an accepted question.
    """
    b = ctx.brief
    b.questions = asked_by_the_user(ctx)
    if not b.facts:
        if not b.questions:
            b.failed["questions"] = "Questions grow from facts, and there are none."
        return
    schema = prompts.schema("question")
    want_max, want_min = ctx.size["q_max"], ctx.size["q_min"]
    # Each answer is ~6 s of decode with the default model on 2 cores: bound the section's cost.
    budget = want_max + 4
    field_slot = 1 if b.field_now and want_max > want_min else 0  # the last slot is the field question's
    seeds = question_seeds(b.facts) or list(b.facts)
    # a fact only about their past is asked first only when their work now gives too few questions; else it is
    # a reserve, asked when the others' questions fail (below)
    now = [f for f in seeds if not finished(f.text)]
    first = now if len(now) >= want_min else seeds
    todo: list[tuple[Cited, str]] = [(fact, "") for fact in first[:want_max - field_slot]]
    asked: set[str] = set()
    asked_from: dict[str, Cited] = {}
    for rnd in range(1 + ctx.settings.retries):
        if not todo or budget <= 0 or len(b.questions) >= want_max - field_slot or (rnd and len(b.questions) >= want_min
                                                                        and not any(r for _, r in todo)):
            break
        batch, todo = todo[:budget], []
        budget -= len(batch)
        accepted = [q.text for q in b.questions]
        users, starters = [], []
        for i, (fact, rejected) in enumerate(batch):
            avoid = f"\n{rejected}" if rejected else ""
            # Earlier questions are shown only after a rejection or in a later round: shown up front,
            # a 1.5B model copies them (measured on the demo contact: 7 of 10 calls repeated).
            if accepted and (rejected or rnd):
                avoid += "\nAsk from a different angle than these questions:\n" + "\n".join(f"- {q}" for q in accepted[-4:])
            # A second question on the same fact needs a different opening, or it comes back as a repeat
            # of the first (two briefs ended with 3 questions that way).
            starter = _SIDE_STARTERS[(i + rnd) % len(_SIDE_STARTERS)] if rejected == _ANOTHER_SIDE \
                else starter_for(fact.text, i + rnd * 3, (*parse_name(ctx.name).mentions, ctx.first))
            users.append(prompts.render("question", notes=ctx.notes_block, name=ctx.name, fact=fact.text,
                                        avoid=avoid, starter=starter))
            starters.append(starter)
            asked.add(fact.text)
        round_start = len(b.questions)
        if answer_prefix.supports(ctx.gen) and not ctx.settings.batch_decode:
            # The starter and the JSON around it are prompt, not decoded (generation/answer_prefix.py). Not a
            # second side's starter: held to "How do you work with others on", the model finished it with the
            # first question's words (a repeat); left free it says "How do you collaborate with ...".
            answers = [answer_prefix.complete_prefixed(ctx.gen, messages_for(u), "question", st,
                                                       max_length=schema["properties"]["question"]["maxLength"],
                                                       max_tokens=token_bound(schema)) if st not in _SIDE_STARTERS
                       else ctx.gen.complete(messages_for(u), schema=schema, max_tokens=token_bound(schema),
                                             temperature=0.0) for u, st in zip(users, starters)]
        else:
            answers = complete_many(ctx.gen, [messages_for(u) for u in users], schema=schema,
                                    max_tokens=token_bound(schema), batched=ctx.settings.batch_decode)
        for (fact, _), answer in zip(batch, answers):
            if len(b.questions) >= want_max - field_slot:
                break
            data = _answer(answer.text, schema)
            if data is None:
                todo.append((fact, "Your previous answer was rejected: it was not one JSON object with a question."))
                continue
            text = _as_question(data["question"], ctx.name)
            grows_from = closest_fact(ctx, text, fact)
            # The "why" is the fact it grows from, written here: ~22 fewer tokens per call than
            # asking the model, whose "why" was mostly the prompt's rules recited back.
            why = plain_why(str(data.get("why", "")), grows_from.text)
            ctx.fact_sources[fact.text] = fact.sources
            reason = question_problem(ctx, text, [q.text for q in b.questions], fact.text, grows_from.text) or (
                "Write in English only." if foreign_script(why, [c.text for c in ctx.notes]) else "")
            if reason:
                log.info("question rejected (%s): %r", reason, text)
                if reason != _REPEATED:  # a small model asked again repeats itself: leave that fact
                    todo.append((fact, f"Your previous answer was rejected: {reason}"))
                continue
            b.questions.append(Cited(text, list(grows_from.sources), why))
            asked_from[text] = fact
        _drop_nonsense(ctx, round_start, asked_from, todo, seed=seed_for(ctx.seed + attempt_seed, question_round=rnd))
        if len(b.questions) < want_min:  # short: the facts not asked yet get their turn
            todo += [(f, "") for f in seeds if f.text not in asked and all(f is not t for t, _ in todo)]
        if len(b.questions) + len(todo) < want_min:
            # Three or four facts cannot give five questions one each: a second question on the
            # facts with the fewest so far, from another side (the accepted ones are shown to it).
            per_fact = {f.text: sum(q.sources == f.sources for q in b.questions) for f in seeds}
            again = sorted((f for f in seeds if all(f is not t for t, _ in todo)), key=lambda f: per_fact[f.text])
            todo += [(f, _ANOTHER_SIDE) for f in again[:want_min - len(b.questions) - len(todo)]]
    if b.field_now and b.facts and len(b.questions) < want_max and want_max > want_min:
        _field_question(ctx, schema, attempt_seed)
    if len(b.questions) < want_min:
        _written_in_code(ctx, want_min)
    if len(b.questions) < min(want_min, 1):
        b.failed["questions"] = "The model's questions kept failing the checks (closed, repeated or off-topic)."
    elif len(b.questions) < want_min:
        b.warnings.append(f"Only {len(b.questions)} questions passed the checks (aim: {want_min}).")


__all__ = ["plain_why", "question_problem", "question_seeds", "starter_for", "write_questions"]
