"""What you could give: the user's offers matched to what the contact works on, cares about or needs.

Offers come from the profile (its list, else its prose: ``notes/offers.py``).
Candidates on the contact's side are every fact-like sentence of their notes
(plus the closest sentences of their fields' notes): real bios describe work,
talks, projects and interests, rarely needs. Code scores offer x sentence
(embedding cosine, a bonus for a need or an activity, a little for shared words and for
the kinds of work both name: text/concepts.py), chooses as many pairs as fit with each
need its own offer, and phrases them in code from the offer's own words. With
``Settings.giveback_model`` the model first proposes pairs in one call whose
ids are O/S labels fixed by the schema, and code checks both ends (score
floor, names and numbers backed by offer + sentence, no job ask, not
presumptuous); the bundled 1.5B model proposed none, so that is off by default. Each give-back cites [offer me-chunk, sentence chunk];
when nothing clears the floor the brief says so honestly.
"""

from __future__ import annotations

import logging
import re
from itertools import combinations

import numpy as np

from assistant.brief.context import note_sentences
from assistant.brief.metrics import repeats_user_line
from assistant.brief.context import BriefContext, foreign_script
from assistant.brief.record import Cited
from assistant.generation import prompts
from assistant.generation.structured import generate_json, seed_for
from assistant.notes.offers import KNOW_HOW, coverage, find_offers
from assistant.text import grounding, questions
from assistant.text.concepts import kinds_of_work
from assistant.text.attribution import without_ended_jobs
from assistant.text.hooks import ACTIVITY, HIRES, NEED, PEOPLE_OFFER, SPEAKS, WRITES, finished
from assistant.text.questions import GENERIC_WORDS
from assistant.text.guard import INJECTION, neutralize
from assistant.text.presumptuous import presumptuous
from assistant.text.sensitive import raises_sensitive
from assistant.text.sentences import clauses
from assistant.text.words import content_stems
from assistant.text.voice import SPEAKER_MARK, about_them, speaks_as_user
from assistant.types import Chunk, Target

log = logging.getLogger("rapport.brief")

FLOOR = 0.38  # offer x sentence score below which a pairing is a stretch
# ... and the meaning alone must get close: the bonuses (an activity verb, shared words) lifted
# "clinical workflow knowledge" x "my team builds the planning engine" (cosine 0.31) over the floor.
# Not higher: at 0.35-0.38 the prose profile's stretched pairs go (a library's "needs volunteers who can
# help with GCSE maths" x "help recruit nurses", 0.35) but so do the teacher profile's best ones (Tomasz's
# "I'd like the training for those to be something people actually learn from" x "writing or reviewing
# training materials"): needs met 6 -> 2 of 22 with that profile (docs/QUALITY.md, fourth session).
MIN_COSINE = 0.33
# How they met and CV headings are not something to give to: "Met through the Nursing Informatics
# Network meetup" matched "introductions to the Nursing Informatics Network" on shared words.
# An e-mail's header lines neither: "Subject: Re: Homework club + makerspace ideas" got a workshop deck on "ideas".
_NOT_A_HOOK = re.compile(r"^\W*(?:(?:met|introduced|intro'?d|we met|education|skills|languages|certifications?)\b|"
                         r"(?:subject|re|fwd?|from|to|cc|sent|date)\s*:)", re.I)
ACTIVITY_BONUS = 0.08
OVERLAP_WEIGHT = 0.15  # times the share of the offer's content words the sentence shares ("UX research")
MAX_FIELD_SENTENCES = 8
MAX_PROMPT_OFFERS, MAX_PROMPT_SENTENCES, MAX_PROMPT_PAIRS = 6, 8, 12

NEED_BONUS = 0.14
KIN_BONUS = 0.1  # per kind of work both sides name (at most two): as much as a shared word, less than a need
# The user's notes on their field are context; what the notes say about this person comes first.
FIELD_PENALTY = 0.05
# A pair must share a word that means something (not "help", "build", "people"), or its meaning alone must be
# close: with the nurse-turned-researcher profile, a librarian got "help recruit nurses for research sessions"
# for "she badly needs volunteers who can help with GCSE maths" (cosine 0.37, "help" shared) and a biotech
# lead "clinical workflow knowledge" for "needs a software engineer who understands lab data" (0.36); the
# one without a shared word that still fits ("Wants ward staff involved in designing how feedback is
# collected" x clinical workflow knowledge is 0.37; "VP Product, Clinical Workflows" shares a word) is rare
# below 0.5, and "Recruitment and onboarding for care staff" x "help recruit nurses for research" is 0.48.
ALONE_COSINE = 0.5
# A sentence of their field's notes is a hook only when it is about what this person does: "Ward managers
# juggle staffing, incidents and rosters" (public sector notes) is nothing to a librarian (0.34 to the
# closest sentence of her notes) and "suppliers ... struggle to recruit nurses" nothing to a head of
# patient experience (0.27); it is to a ward manager (0.59).
FIELD_RELEVANCE = 0.5


_NOTE_VERB = re.compile(r"^\W*(?:asked|told|explained|mentioned|said|offered|pitched|showed|sent)\b", re.I)


_OFFER_VERB = re.compile(
    r"^(?:give|help|sit|introduce|intro|connect|share|send|review|read|mentor|coach|recruit|write|run|host|invite|"
    r"talk|speak|present|teach|show|walk|lend|test|pilot|support|advise|answer|put|point|join|co-?\w+)\b", re.I)
_MINE = {"my": "your", "me": "you", "I": "you", "I'm": "you're", "I've": "you've", "myself": "yourself"}


# "Co-organiser of PyData Glasgow - always looking for speakers": a slot to give, not a thing to hand over.
_SLOT = re.compile(r"\blooking for (?:new |guest )?(speakers|panell?ists|guests|contributors)\b", re.I)
_SLOT_VERB = {"speak": "to speak at", "panel": "onto a panel at", "guest": "as a guest on", "contr": "to contribute to"}


def slot_kind(offer: str) -> str:
    """ "speak", "panel", "guest" or "contr" when the offer is a slot to give, else ""."""
    slot = _SLOT.search(offer)
    return slot.group(1).lower()[:5] if slot else ""
# ... and a CV's line "Organiser, PyData Manchester (2022 - present): monthly talks, always looking for speakers"
_HOSTS = re.compile(r"\b(?i:(?:co-?)?organi[sz]er(?: of|,)|organi[sz]e|run|runs|host|hosts|co-?organi[sz]e)\s+((?:the\s+)?[A-Z][\w&'-]*"
                    r"(?:\s+(?:[A-Z][\w&'-]*|of|for|and))*(?:\s+(?:meetup|meet-up|conference|podcast|series|festival|"
                    r"summit|network|forum|group|club|night|seminar|workshop)s?)?)")


def offer_idea(offer: str, first: str) -> str:
    """An offer as something to do for this person: "Offer to give feedback on prototypes ...".

    Why: the offer is the user's own words from their profile ("give feedback on prototypes",
    "introductions to nurse educators"); only a lead verb and the person's name are added, and
    first-person words become "your", so nothing is claimed that the profile does not say.
    """
    text = " ".join(offer.split()).rstrip(" .;,")
    kind = slot_kind(text)
    if kind:
        where = _HOSTS.search(text)
        return f"Invite {first} {_SLOT_VERB[kind]} {where.group(1)}." if where else f"Offer {first} a slot: {text}."
    text = re.sub(r"\b(my|me|I'm|I've|myself|I)\b", lambda m: _MINE[m.group(1)], text)
    # "review anyone's data pipeline or share our test suite": theirs is this person's, ours the user's
    text = re.sub(r"\b(?:anyone|anybody|someone|people)['\u2019]s\b", f"{first}'s", text)
    text = re.sub(r"\b[Oo]ur\b", lambda m: "Your" if m.group(0)[0] == "O" else "your", text)
    if _OFFER_VERB.match(text):
        return f"Offer to {text[0].lower()}{text[1:]}."
    if re.match(r"you(?:'re|'ve)?\s", text):  # a whole sentence of the profile: "I run a data clinic and can help"
        return f"Tell {first} that {text}."
    return f"Offer {first}: {text}."  # a noun phrase, its case as the profile wrote it


def offers(ctx: BriefContext) -> list[tuple[str, str]]:
    """(offer, me-chunk id): the profile's list, else offers found in its prose (cached per profile)."""
    return [(o.text, o.source) for o in find_offers(ctx.me_chunks, ctx.settings, ctx.gen).offers]


def hook_bonus(cands: list[tuple[str, Chunk]], own_ids: set[str]) -> np.ndarray:
    """What a sentence adds to its pairing score: most for a stated need, some for an activity,
    less for the user's field notes than for the notes about this person."""
    return np.array([(NEED_BONUS if NEED.search(s) else ACTIVITY_BONUS if ACTIVITY.search(s) else 0.0)
                     - (0.0 if c.id in own_ids else FIELD_PENALTY) for s, c in cands])


def candidates(ctx: BriefContext) -> tuple[list[tuple[str, Chunk]], list[str]]:
    """(sentence, chunk) the contact's side of a pair: their notes' fact-like sentences, then their fields';
    and beside each, the whole sentence it was cut from (a packed note line is cut into clauses).

    Why both: a need is scored on its own clause (diluted by the rest of the line, it scored lower), but
    what the line is about spans it: "hiring a people partner in spring; said ex-clinicians make good
    ones" is a hiring need for clinicians, though only the first clause says hiring.
    """
    def sentences(chunks: list[Chunk]) -> list[tuple[str, Chunk]]:
        out: list[tuple[str, Chunk]] = []
        for c in chunks:
            view = ctx.views.get(c.id) or about_them(neutralize(c.text))  # field notes: the user's own
            # packed note lines are split into clauses: a need inside one is diluted by the rest
            for sentence in note_sentences(without_ended_jobs(view[0])):  # their old jobs are their past
                kept = []
                for s in (SPEAKER_MARK.sub("", p) for p in clauses(sentence, min_words=4)):  # not the user's own lines
                    # not what the notes say to steer clear of: "there were redundancies in the clinical
                    # team" got Ilse an offer of clinical workflow knowledge
                    if (not INJECTION.search(s) and not s.rstrip().endswith("?") and not users_line(s)
                            and not _NOT_A_HOOK.match(s) and not finished(s) and not raises_sensitive(s, ctx.flagged)
                            and s not in [t for t, _ in out]):
                        out.append((s, c))
                        kept.append(s)
                for s in kept:  # the line's context is its clauses that are theirs, never the user's own
                    context[s] = "; ".join(t.rstrip(" .;") for t in kept) if len(kept) > 1 else s
        return out

    def users_line(s: str) -> bool:
        """ "asked what I do, explained the teaching move" is the user's (a note with the "I" left out);
        "She told me she needs ..." and a contact's own e-mail ("we're still looking for ...") are theirs."""
        return speaks_as_user(s) and bool(_NOTE_VERB.match(s))

    context: dict[str, str] = {}
    own = sentences(ctx.notes)
    field_chunks = [c for f in ctx.contact.fields for c in ctx.kb.chunks_of(Target.field(f))]
    # the user's own field notes in the first person are about the user, not something to give to
    field = [(s, c) for s, c in sentences(field_chunks) if s not in [t for t, _ in own] and not speaks_as_user(s)]
    if own and len(field) > MAX_FIELD_SENTENCES:
        sims = ctx.embed([s for s, _ in field]) @ ctx.embed([s for s, _ in own]).T
        best = sims.max(axis=1)
        field = [field[k] for k in sorted(np.argsort(-best, kind="stable")[:MAX_FIELD_SENTENCES])]
    return own + field, [context[s] for s, _ in own + field]


def fitting(offered: list[tuple[str, str]], cands: list[tuple[str, Chunk]], cosine: np.ndarray,
            vectors: np.ndarray, own_ids: set[str], kin: np.ndarray | None = None) -> np.ndarray:
    """offer x sentence: True where the pair can be a give-back at all.

    Why: the score adds bonuses for a need or an activity to the cosine, so any need at all ("needs
    volunteers who can help with GCSE maths") lifted any offer over the floor. A pair fits when offer and
    sentence share a word that is not everyday (``GENERIC_WORDS``) or their meaning alone is close
    (``ALONE_COSINE``), or they name the same kind of work (``kin``: text/concepts.py, "interview" and
    "discussion guides"); a field sentence, besides, must be close to what this person's own notes say.
    """
    words = [set(content_stems(s)) - GENERIC_WORDS for s, _ in cands]
    # lessons from what the user did are shared on what was done, not where: "eleven years in public
    # libraries in Sheffield and Leeds" x "teaches a short course ... at Leeds Trinity University"
    mine = [set(content_stems(re.sub(r"\b[A-Z][\w'-]*", " ", o) if o.startswith(KNOW_HOW) else o))
            for o, _ in offered]
    shared = np.array([[bool(m & w) for w in words] for m in mine], dtype=bool)
    fits = shared | (cosine >= ALONE_COSINE) | (kin > 0 if kin is not None else False)
    own = [j for j, (_, c) in enumerate(cands) if c.id in own_ids]
    for j, (_, c) in enumerate(cands):
        if c.id not in own_ids and (not own or float((vectors[own] @ vectors[j]).max()) < FIELD_RELEVANCE):
            fits[:, j] = False
    return fits


def kinship(offered: list[tuple[str, str]], sentences: list[str]) -> np.ndarray:
    """offer x sentence: how many kinds of work (text/concepts.py) both name."""
    mine = [kinds_of_work(o) for o, _ in offered]
    theirs = [kinds_of_work(s) for s in sentences]
    return np.array([[len(m & t) for t in theirs] for m in mine], dtype=int).reshape(len(mine), len(theirs))


def _said_by(ctx: BriefContext, chunk: Chunk) -> str:
    if chunk.id in {c.id for c in ctx.notes}:
        return f"{ctx.first}'s notes say"
    return f"Your notes on {chunk.owner or 'their field'} say"


def _pair_problem(ctx: BriefContext, text: str, why: str, offer: str, sentence: str, score: float) -> str:
    """Why a proposed pair is not usable ("" when it is)."""
    if score < FLOOR:
        return "that offer and that sentence do not match"
    if questions.is_job_ask(text) or questions.is_job_ask(why):
        return "it asks for a job, referral or introduction"
    phrase = presumptuous(text) or presumptuous(why)
    if phrase:
        return f"it presumes {ctx.first} needs fixing (\u201c{phrase}\u201d)"
    support = [offer, sentence, ctx.name]
    if foreign_script(text, support):
        return "not in English"
    if re.match(rf"^\W*(?:{re.escape(ctx.first)}|{re.escape(ctx.name)}|she|he|they)\b", text, re.I) \
            or (repeats_user_line(text, [sentence]) and not coverage(offer, text)):
        return "it restates their note instead of giving an idea"
    # the "why" is written in code from the sentence (and who said it): only the idea is checked
    missing = grounding.unsupported_terms(text, support)
    return f"names or numbers the offer and sentence do not mention: {', '.join(dict.fromkeys(missing))}" \
        if missing else ""


def in_play(scores: np.ndarray) -> tuple[list[int], list[int]]:
    """The offers and sentences the model is shown: those of the best pairs that clear the floor.

    Why: a pair below the floor is rejected whatever the model says, so showing its offer and
    sentence only costs prefill (every prompt token is ~12 ms on 2 cores) and gives the model
    decoys. Best pairs first, so the strongest matches are the first labels it reads.
    """
    ranked = sorted(((float(scores[i, j]), int(i), int(j)) for i, j in zip(*np.nonzero(scores >= FLOOR))),
                    key=lambda t: -t[0])[:MAX_PROMPT_PAIRS]
    oi = list(dict.fromkeys(i for _, i, _ in ranked))[:MAX_PROMPT_OFFERS]
    sj = list(dict.fromkeys(j for _, _, j in ranked))[:MAX_PROMPT_SENTENCES]
    return oi, sj


def _model_pairs(ctx: BriefContext, offered: list[tuple[str, str]], cands: list[tuple[str, Chunk]],
                 scores: np.ndarray, attempt_seed: int) -> list[tuple[int, int, str, str]]:
    """(offer index, sentence index, text, why) the model proposed and the checks passed."""
    oi, sj = in_play(scores)
    o_labels = {f"O{k}": i for k, i in enumerate(oi, 1)}
    s_labels = {f"S{k}": j for k, j in enumerate(sj, 1)}
    offers_block = prompts.quote_notes([(label, "your profile", offered[i][0]) for label, i in o_labels.items()])
    sentences_block = prompts.quote_notes([(label, cands[j][1].title or "notes", cands[j][0])
                                           for label, j in s_labels.items()])
    schema = prompts.schema("givepairs", list(s_labels))
    pairs = schema["properties"]["pairs"]
    pairs["maxItems"] = ctx.size["gb_max"]
    pairs["items"]["properties"]["offer"]["enum"] = list(o_labels)

    def checked(d: dict) -> list[tuple[int, int, str, str, str]]:
        out = []
        for p in d["pairs"]:
            i, j = o_labels[p["offer"]], s_labels[p["sentence"]]
            # The "why" is the sentence the pair grows from, written in code: ~25 fewer tokens a pair.
            text, why = " ".join(p["text"].split()), f"{_said_by(ctx, cands[j][1])}: \u201c{cands[j][0]}\u201d"
            out.append((i, j, text, why, _pair_problem(ctx, text, why, offered[i][0], cands[j][0], scores[i, j])))
        return out

    def accept(d: dict) -> str:
        found = checked(d)
        for p, (*_, problem) in zip(d["pairs"], found):
            if problem:
                log.info("give-back pair rejected (%s): %r", problem, p["text"])
        if found and all(problem for *_, problem in found):
            return "; ".join(f"{p['offer']}+{p['sentence']}: {problem}" for p, (*_, problem) in zip(d["pairs"], found))
        return ""

    user = prompts.render("givepairs", name=ctx.name, offers=offers_block, sentences=sentences_block,
                          max_items=ctx.size["gb_max"])
    got = generate_json(ctx.gen, user, schema, max_tokens=80 * ctx.size["gb_max"] + 20,
                        seed=seed_for(ctx.seed + attempt_seed), retries=ctx.settings.retries, accept=accept,
                        feedback=True)
    if got.data is None:
        return []
    kept: list[tuple[int, int, str, str]] = []
    for i, j, text, why, problem in checked(got.data):
        if not problem and all(i != a and j != b for a, b, *_ in kept):
            kept.append((i, j, text, why))
    return kept


def one_each(pairs: list[tuple[float, int, int]], limit: int, pool: int = 24) -> list[tuple[float, int, int]]:
    """The most (score, offer, sentence) pairs, up to ``limit``, with no offer or sentence twice; of
    those, the one whose best pair is best (then its second...): the best match is never traded for a
    higher total ("help recruit nurses" x "a day-in-the-life study with district nurses" stays).
    ``pairs`` best first; only the best ``pool`` are searched (a few thousand sets at most)."""
    pairs = pairs[:pool]
    for k in range(min(limit, len(pairs)), 0, -1):
        sets = [c for c in combinations(pairs, k)
                if len({i for _, i, _ in c}) == k and len({j for _, _, j in c}) == k]
        if sets:
            return list(max(sets))  # each set is best-first, so sets compare best pair first
    return []


def score_pairs(ctx: BriefContext, offered: list[tuple[str, str]], cands: list[tuple[str, Chunk]], whole: list[str],
                own_ids: set[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """offer x sentence: (score, kinds of work shared, paired on the kind of work alone, a need the offer
    could answer).

    Why: the score is the meaning (cosine) plus what the sentence is (a need, an activity) and what both
    name (a word, a kind of work); a stretch is held below ``FLOOR`` whatever it adds up to. A stated need
    in the same kind of work as the offer is a pair whatever the cosine says: the two sides are written
    in different trades' words (text/concepts.py). Only a need: to the nurse's profile nearly every
    sentence of a health bio names "clinical care".
    """
    bonus = hook_bonus(cands, own_ids)
    overlap = np.array([[coverage(o, s) for s, _ in cands] for o, _ in offered])
    vectors, mine = ctx.embed([s for s, _ in cands]), ctx.embed([o for o, _ in offered])
    cosine = mine @ vectors.T
    needs = np.array([bool(NEED.search(s)) for s, _ in cands])[None, :]
    hires = np.array([[bool(PEOPLE_OFFER.search(o))] for o, _ in offered]) \
        & np.array([bool(HIRES.search(s)) for s, _ in cands])[None, :] & ~needs
    needs = needs | hires
    # ... and only what their own notes say: a field's "Multi-academy trusts want teacher-led reality checks"
    # took the reality-check offer from Julian's own "we're putting together a panel ... to do reality checks"
    kin = kinship(offered, whole) * needs * np.array([c.id in own_ids for _, c in cands])[None, :]
    as_need = NEED_BONUS - np.array([0.0 if c.id in own_ids else FIELD_PENALTY for _, c in cands])[None, :]
    # where the kind of work comes from the rest of a cut line, so may the meaning
    cut = [k for k, (s, _) in enumerate(cands) if whole[k] != s and kin[:, k].any()]
    meaning = cosine.copy()
    if cut:
        meaning[:, cut] = np.maximum(cosine[:, cut], mine @ ctx.embed([whole[k] for k in cut]).T)
    meaning = np.where(kin > 0, meaning, cosine)
    scores = meaning + np.where(hires, as_need, bonus[None, :]) + OVERLAP_WEIGHT * overlap + KIN_BONUS * np.minimum(kin, 2)
    kin_only = (cosine < MIN_COSINE) & (kin > 0)  # below the cosine a stretch, but for the kind of work
    stretch = ((cosine < MIN_COSINE) & ~kin_only) | ~fitting(offered, cands, cosine, vectors, own_ids, kin)
    scores[stretch] = np.minimum(scores[stretch], FLOOR - 0.01)  # a stretch stays below
    hooks = needs | np.array([bool(ACTIVITY.search(sent)) for sent, _ in cands])[None, :]
    for i, (o, _) in enumerate(offered):
        if o.startswith(KNOW_HOW):  # something they did: for someone doing or needing that now, not a job title
            # ("eight years on acute medical wards" x "Glamorgan Care Group · Full-time" shared "care")
            scores[i] = np.where(hooks[i], scores[i], np.minimum(scores[i], FLOOR - 0.01))
        kind = slot_kind(o)
        if kind:  # a slot goes to someone who speaks (or writes, for contributors), best topic first
            hook = WRITES if kind == "contr" else SPEAKS
            fits = np.array([bool(hook.search(sent)) for sent, _ in cands])
            scores[i] = np.where(fits, np.maximum(scores[i], FLOOR + 0.02 + 0.1 * cosine[i]), FLOOR - 0.01)
    return scores, kin, kin_only, needs


def write_give_back(ctx: BriefContext, attempt_seed: int = 0) -> None:
    b = ctx.brief
    b.give_back, b.give_back_note = [], ""
    offered = offers(ctx)
    first = ctx.first
    if not offered:
        b.give_back_note = ("Your profile lists no offers yet. Add a \"What I can offer\" list on the Me page; "
                            f"meanwhile, ask {first} what would help them right now.")
        return
    honest = (f"Nothing in your profile clearly matches what your notes say {first} works on, needs or cares "
              f"about. Find out in the meeting: ask \"What are you working on where an extra pair of hands, "
              f"a contact or a resource would help?\", then log the answer with `rapport log`.")
    cands, whole = candidates(ctx)
    if not cands:
        b.give_back_note = honest
        return
    own_ids = {c.id for c in ctx.notes}
    scores, kin, kin_only, needs = score_pairs(ctx, offered, cands, whole, own_ids)
    if float(scores.max()) < FLOOR:
        b.give_back_note = honest
        return

    def why(i: int, j: int) -> str:
        """The sentence the idea grows from, and who said it: the whole line where the kind of work
        that paired them is in the rest of it ("hiring a people partner in spring; said ex-clinicians
        make good ones")."""
        said = whole[j] if kin[i, j] and not kinds_of_work(cands[j][0]) & kinds_of_work(offered[i][0]) else cands[j][0]
        return f"{_said_by(ctx, cands[j][1])}: \u201c{said}\u201d"

    chosen = _model_pairs(ctx, offered, cands, scores, attempt_seed) if ctx.settings.giveback_model else []
    if not chosen:  # the best scored pairs, phrased in code (no model call: see Settings.giveback_model)
        ranked = sorted(((scores[i, j], i, j) for i in range(len(offered)) for j in range(len(cands))), reverse=True)
        # Each need their notes state its own offer first, as many as fit (the best set, not the best pair first:
        # greedily, "help recruit nurses" took "hiring a people partner; ex-clinicians make good ones"
        # and left "a good way to interview staff", the discussion guides' own need, unmet). Then, short of
        # the brief's room, a sentence may hold a second offer: a two-line note ("Wants to talk to nurses
        # about alarm fatigue on the wards") has one need and room for more than one way to help with it.
        # What the profile offers first; lessons from what the user did only where room is left (they
        # displaced an introduction Segun's notes asked for).
        chosen = [(i, j, offer_idea(offered[i][0], first), why(i, j))
                  for _, i, j in one_each([t for t in ranked if t[0] >= FLOOR and needs[t[1], t[2]] and cands[t[2]][1].id in own_ids
                                           and not offered[t[1]][0].startswith(KNOW_HOW)], ctx.size["gb_max"])]
        # then the rest, best first: a job title's line ("VP Product, Clinical Workflows"), a second offer for
        # one sentence (never on the kind of work alone: "clinical workflow knowledge" is no answer to
        # "hiring a people partner; said ex-clinicians make good ones"), and lessons from what the user did
        for know, per_sentence in ((False, 1), (False, 2), (True, 1), (True, 2)):
            for score, i, j in ranked:
                if score < FLOOR or len(chosen) >= ctx.size["gb_max"]:
                    break
                if offered[i][0].startswith(KNOW_HOW) == know and all(i != a for a, *_ in chosen) \
                        and sum(j == bb for _, bb, *_ in chosen) < per_sentence \
                        and not (kin_only[i, j] and any(j == bb for _, bb, *_ in chosen)):
                    chosen.append((i, j, offer_idea(offered[i][0], first), why(i, j)))
    chosen.sort(key=lambda t: cands[t[1]][1].id not in own_ids)  # what their notes say first, then their field's
    for i, j, text, reason in chosen:
        offer_id, chunk = offered[i][1], cands[j][1]
        b.sources[offer_id] = next(c for c in ctx.me_chunks if c.id == offer_id)
        b.sources[chunk.id] = chunk
        b.give_back.append(Cited(text, [offer_id, chunk.id], reason))


__all__ = ["ACTIVITY", "FLOOR", "fitting", "MIN_COSINE", "NEED", "candidates", "finished", "hook_bonus", "in_play",
           "kinship", "offer_idea", "offers", "one_each", "score_pairs", "slot_kind", "write_give_back"]
