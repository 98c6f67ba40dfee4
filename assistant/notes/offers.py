"""What the user can offer: the profile's list first, else offers found in its prose.

People import a CV, a LinkedIn "About" or a paragraph, not Markdown bullets
under "What I can offer". So offers come from, in order:

1. the structured list (bullets under an offers heading): what the Me page
   edits and the user confirmed; used as is;
2. plain code over the prose: sentences and clauses with "I can", "happy to",
   "What I can offer: a; b; c" (lists after a colon or semicolons split);
3. when code finds fewer than two, the model (schema-constrained, each offer
   citing the me chunk it came from), keeping only offers whose content words
   mostly appear in that chunk and that are not job asks.

Every offer keeps the id of the me chunk it came from (the brief cites it).
Extracted offers (2 and 3) are cached per profile content hash in
``<data dir>/offers.json`` so briefs do not extract them again each time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass
from typing import Sequence

from assistant.config import Settings
from assistant.files import atomic_write_text
from assistant.generation import prompts
from assistant.generation.budget import fit_to_budget
from assistant.generation.llm import Generator
from assistant.generation.structured import generate_json
from assistant.notes.store import KnowledgeBase
from assistant.text.guard import INJECTION, neutralize
from assistant.text.questions import is_job_ask
from assistant.text.sentences import split_sentences, unwrap
from assistant.text.words import content_stems
from assistant.types import Chunk, Target

log = logging.getLogger("rapport.offers")

CACHE_VERSION = 5  # 2: wrapped lines joined, "and can help" and "looking for speakers" read; 3: a CV's know-how; 4: "and I co-organise ... looking for speakers" split off; 5: know-how in first-person prose
MIN_COVERAGE = 0.6  # share of an extracted offer's content words found in the chunk it cites
MAX_OFFERS = 8
_MODEL_BUDGET = 900  # profile tokens in the extraction prompt

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)")
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+(.+)")
_OFFER_HEADING = re.compile(r"offer|give|help with|can share", re.I)
_TRIGGER = re.compile(
    r"\b(?:what i can (?:offer|give|bring)|i can (?!['\u2019]t\b|not\b)|i offer\b|can offer\b|happy to\b|glad to\b"
    r"|willing to\b|can introduce\b|can share\b|(?:i'?d|i would) (?:be )?(?:happy|glad|love) to\b|always up for\b"
    r"|and can (?:help|review|mentor|advise|introduce|share|offer)\b"
    r"|(?:always |often |usually )?looking for (?:new |guest )?(?:speakers|panell?ists|contributors|guests)\b)",
    re.I)
# Offers whose clause needs the words before it: "I run a data clinic for community energy groups and can
# help them clean up their data" (who "them" are); "Co-organiser of PyData Glasgow - always looking for
# speakers" (a speaker slot: for whom it is an offer is in the first half).
_WHOLE_CLAUSE = re.compile(r"^(?:and can|(?:always |often |usually )?looking for)\b", re.I)
# The lead-in before the offer itself: "I am happy to", "I can also", "What I can offer:".
_LEAD_IN = re.compile(
    r"^(?:and |also |plus )?(?:what i can (?:offer|give|bring)(?: is| are)?\s*:?\s*"
    r"|(?:i am|i'm|i'd be|i would be|i'm always|i am always|always)?\s*(?:happy|glad|willing) to (?:also )?"
    r"|i (?:can|could) (?:also )?(?:offer )?|i offer |(?:i )?(?:can|could) (?:also )?offer )",
    re.I)

# "I can introduce you to designers, and I'm glad to review plans": two offers.
# ... and "..., and I co-organise Civic Tech Leeds, a monthly meetup that is always looking for speakers": a slot of
# its own, not the end of the offer before it
_AND_NEXT = re.compile(r",?\s+and\s+(?=(?:i am|i'm|i'd|i would|i can|i offer|happy to|glad to)\b"
                       r"|i (?:also )?(?:co-?)?(?:organi[sz]e|run|host|chair)\b[^.;]*\blooking for\b)", re.I)


@dataclass(frozen=True)
class Offer:
    """One thing the user can give, and the me chunk it came from."""

    text: str
    source: str


@dataclass
class FoundOffers:
    offers: list[Offer]
    method: str  # "list" (the profile's own list), "prose" (plain code), "model", or "none"

    @property
    def texts(self) -> list[str]:
        return [o.text for o in self.offers]


# --------------------------------------------------------------------------- plain code


def _clean(text: str) -> str:
    text = " ".join(text.split()).strip(" -\u2022*#\t;,")
    return text.rstrip(".;:, ")


def _keep(text: str, seen: list[Offer]) -> bool:
    return (len(text.split()) >= 3 and not is_job_ask(text) and not INJECTION.search(text)
            and text.casefold() not in {o.text.casefold() for o in seen})


def structured_offers(chunks: Sequence[Chunk]) -> list[Offer]:
    """Bullets under an offers heading ("What I can offer"), with the heading carried across chunks of one note."""
    out: list[Offer] = []
    in_offers, source = False, None
    for c in chunks:
        if c.source != source:
            in_offers, source = False, c.source
        for line in c.text.splitlines():
            heading = _HEADING.match(line)
            if heading:
                in_offers = bool(_OFFER_HEADING.search(heading.group(1)))
                continue
            item = _BULLET.match(line)
            if item and in_offers:
                text = _clean(item.group(1))
                if _keep(text, out):
                    out.append(Offer(text, c.id))
    return out


def _items(sentence: str) -> list[str]:
    """The offers one sentence states: after "...offer:" split at semicolons; else the triggered clauses."""
    head, colon, tail = sentence.partition(":")
    if colon and _TRIGGER.search(head + ":") and tail.strip():
        return [p for p in tail.split(";") if p.strip()]
    parts = [p for p in _AND_NEXT.split(sentence.replace(";", "\0")) for p in p.split("\0") if p.strip()]
    out: list[str] = []
    for i, part in enumerate(parts):
        m = _TRIGGER.search(part)
        if m:
            out.append(part if _WHOLE_CLAUSE.match(m.group(0)) else part[m.start():])
        elif out and i > 0:  # "I can share templates; intros to nurse managers": a continuation
            out.append(part)
    return out


def _strip_lead_in(text: str) -> str:
    text = text.strip()
    for _ in range(2):
        text = _LEAD_IN.sub("", text, count=1).strip()
    return text


KNOW_HOW = "share lessons from "  # how know-how reads as an offer (brief/giveback.py pairs it with needs only)


# A CV's line of something they did ("Built the half-hourly smart-meter pipeline (40m readings/day) ..."):
# what they learned doing it is theirs to share with someone facing the same thing.
_DID = {"built": "building", "led": "leading", "designed": "designing", "ran": "running", "created": "creating",
        "launched": "launching", "migrated": "migrating", "wrote": "writing", "set up": "setting up",
        "introduced": "introducing", "developed": "developing", "delivered": "delivering", "founded": "founding",
        "scaled": "scaling", "automated": "automating", "redesigned": "redesigning", "established": "establishing",
        "implemented": "implementing", "rebuilt": "rebuilding", "organised": "organising", "organized": "organizing",
        "trained": "training", "taught": "teaching", "managed": "managing", "coordinated": "coordinating",
        "sat with": "sitting with", "worked with": "working with", "spent": ""}
_DID_LINE = re.compile(rf"^\s*(?:[-*\u2022]\s+)?({'|'.join(_DID)})\s+(\S.*)$", re.I)
# ... and a profile's prose in the first person: "where I ran the device-lending scheme, trained 40 volunteer
# 'digital champions' and sat with hundreds of people filling in benefit, housing and school-admission forms
# online" (three things done), "I spent eight years on adult intensive care and acute medical wards".
# the verbs a thing done opens with in prose ("I've run ..." too), longest first ("sat with" before "sat")
_DONE = dict(sorted({**_DID, "run": "running"}.items(), key=lambda kv: -len(kv[0])))
_DID_VERB = "|".join(_DONE)
# "I run a data clinic" is an offer of now (read above), "I've run one" a thing done
_I_DID = re.compile(rf"\bI(['\u2019]ve| have)? (?:also |then |later )?(?=(?:{_DID_VERB})\b)")
_NEXT_DID = re.compile(rf"(?:,\s*(?:and\s+)?|\s+and\s+)(?=(?:{_DID_VERB})\b)")
# where a thing done ends: "... wards in Bristol and Cardiff, the last three as a band 6 charge nurse"
_DID_END = re.compile(r";|,\s+(?=(?:the|a|an|which|where|who|when|while|so|but|then|before|after)\b)|\.\s|\.$")


def know_how(chunks: Sequence[Chunk]) -> list[Offer]:
    """What a CV says they did, as lessons to share: "share lessons from building the half-hourly ...".

    Why: a pasted CV states its offers in a line or two ("Happy to review anyone's data pipeline") and
    its know-how in every experience line; a contact "drowning in half-hourly meter data" got no
    give-back from a profile whose owner built exactly that pipeline. Only lines that start with what
    they did (a past-tense verb), cut at the first ";" (one thing each), after every stated offer.
    """
    out: list[Offer] = []

    def add(verb: str, did: str, source: str) -> None:
        did = _DID_END.split(did, maxsplit=1)[0].strip(" ,")
        verb = verb.lower()
        gerund = _DONE[verb]
        if verb == "spent" and not re.match(r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
                                            r"twelve|fifteen|twenty|many|several)\s+(?:years?|months?|decades?)\b",
                                            did, re.I):
            return  # "spent the evening ...": only years of something are know-how
        if did.count(")") > did.count("("):  # "(I ran our school's parent-voice surveys for three years)"
            did = did.rstrip(" )")
        text = _clean(f"{KNOW_HOW}{gerund + ' ' if gerund else ''}{did}")
        if len(did.split()) >= 3 and _keep(text, out):
            out.append(Offer(text, source))

    for c in chunks:
        for line in unwrap(neutralize(c.text)).splitlines():
            m = _DID_LINE.match(line)
            if m:
                add(m.group(1), m.group(2), c.id)  # cut where the thing done ends, as in prose
                continue
            for clause in (c for sentence in split_sentences(line) for c in sentence.split(";")):
                starts = list(_I_DID.finditer(clause))  # each "I <did>" runs to the next one
                for m, end in zip(starts, [n.start() for n in starts[1:]] + [len(clause)]):
                    done = clause[m.end():end]
                    if done.startswith("run ") and not m.group(1):
                        continue  # "I run a data clinic": an offer of now, read as one above
                    for part in _NEXT_DID.split(done):
                        verb = next(v for v in _DONE if part.lower().startswith(v))
                        add(verb, part[len(verb):], c.id)
    return out


def prose_offers(chunks: Sequence[Chunk], *, under_heading: bool = True) -> list[Offer]:
    """Offers stated in sentences ("I can ...", "happy to ...", "What I can offer: a; b; c")."""
    out: list[Offer] = []
    for c in chunks:
        in_offers = False
        for line in unwrap(neutralize(c.text)).splitlines():
            heading = _HEADING.match(line)
            if heading:
                in_offers = under_heading and bool(_OFFER_HEADING.search(heading.group(1)))
                continue
            for sentence in split_sentences(line):
                sentence = sentence.strip(" -\u2022*\t")
                if in_offers and not _TRIGGER.search(sentence):
                    items = [p for p in sentence.split(";") if p.strip()]  # prose under an offers heading
                else:
                    items = _items(sentence)
                for item in items:
                    text = _clean(_strip_lead_in(item))
                    if _keep(text, out):
                        out.append(Offer(text, c.id))
    return out


# --------------------------------------------------------------------------- the model


def coverage(text: str, source: str) -> float:
    """Share of ``text``'s content words (stemmed) that ``source`` contains: 1.0 is a span of it."""
    mine = content_stems(text)
    if not mine:
        return 0.0
    theirs = set(content_stems(source))
    return sum(1 for w in mine if w in theirs) / len(mine)


def offer_problem(text: str, chunk_text: str) -> str:
    """Why an extracted offer is not one ("" when it is): too short, not in its chunk, or a job ask."""
    if len(content_stems(text)) < 2:
        return "too short"
    if is_job_ask(text):
        return "a job ask, not an offer"
    share = coverage(text, chunk_text)
    if share < MIN_COVERAGE:
        return f"not in the cited profile note ({share:.0%} of its words are)"
    return ""


def model_offers(chunks: Sequence[Chunk], generator: Generator, *, seed: int = 42, retries: int = 2) -> list[Offer]:
    """Offers the model finds in the profile, each checked against the chunk it cites."""
    picked = fit_to_budget(generator, list(chunks), _MODEL_BUDGET, overhead=16, stop_at_overflow=True)
    if not picked:
        return []
    labels = {f"M{i}": c for i, c in enumerate(picked, 1)}
    notes = prompts.quote_notes([(label, c.title or "profile", c.text) for label, c in labels.items()])
    schema = prompts.schema("offers", list(labels))
    schema["properties"]["offers"]["maxItems"] = MAX_OFFERS

    def problems(d: dict) -> list[tuple[int, str]]:
        return [(i, offer_problem(o["text"], labels[o["source"]].text)) for i, o in enumerate(d["offers"])]

    def accept(d: dict) -> str:
        found = problems(d)
        if not found or all(p for _, p in found):
            return "; ".join(f"\"{d['offers'][i]['text'][:60]}\": {p}" for i, p in found) or "no offers"
        return ""

    got = generate_json(generator, prompts.render("offers", notes=notes, max_items=MAX_OFFERS), schema,
                        max_tokens=400, seed=seed, retries=retries, accept=accept, feedback=True)
    if got.data is None:
        log.info("no offers from the model: %s", got.error)
        return []
    out: list[Offer] = []
    for i, problem in problems(got.data):
        o = got.data["offers"][i]
        text = _clean(o["text"])
        if not problem and _keep(text, out):
            out.append(Offer(text, labels[o["source"]].id))
    return out


# --------------------------------------------------------------------------- the cache and the entry point


def content_hash(chunks: Sequence[Chunk]) -> str:
    h = hashlib.sha256(f"v{CACHE_VERSION}".encode())
    for c in chunks:
        h.update(b"\0" + c.id.encode() + b"\0" + c.text.encode("utf-8", "replace"))
    return h.hexdigest()


def cache_path(settings: Settings):
    return settings.home / "offers.json"


def _cached(settings: Settings, digest: str) -> FoundOffers | None:
    try:
        data = json.loads(cache_path(settings).read_text(encoding="utf-8"))
        if data.get("hash") != digest:
            return None
        return FoundOffers([Offer(str(o["text"]), str(o["source"])) for o in data["offers"]], str(data["method"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _store(settings: Settings, digest: str, found: FoundOffers) -> None:
    data = {"hash": digest, "method": found.method, "offers": [asdict(o) for o in found.offers]}
    try:
        atomic_write_text(cache_path(settings), json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    except OSError as exc:  # a cache that cannot be written costs time, not correctness
        log.warning("could not cache extracted offers: %s", exc)


def find_offers(chunks: Sequence[Chunk], settings: Settings, generator: Generator | None = None) -> FoundOffers:
    """The user's offers: their own list, else cached or freshly extracted ones (model only with ``generator``)."""
    listed = structured_offers(chunks)
    if listed:
        return FoundOffers(listed, "list")
    if not chunks:
        return FoundOffers([], "none")
    digest = content_hash(chunks)
    cached = _cached(settings, digest)
    if cached is not None:
        return cached
    found = prose_offers(chunks)
    found += [o for o in know_how(chunks) if _keep(o.text, found)][:max(0, MAX_OFFERS - len(found))]
    if len(found) >= 2:
        result = FoundOffers(found, "prose")
    elif generator is None:  # the Me page without a model: show what code found, cache nothing
        return FoundOffers(found, "prose" if found else "none")
    else:
        extra = [o for o in model_offers(chunks, generator, seed=settings.seed, retries=settings.retries)
                 if all(coverage(o.text, f.text) < 0.8 for f in found)]
        found = (found + extra)[:MAX_OFFERS]
        result = FoundOffers(found, "model" if extra else ("prose" if found else "none"))
    _store(settings, digest, result)
    return result


def profile_offers(kb: KnowledgeBase, settings: Settings, generator: Generator | None = None) -> FoundOffers:
    """:func:`find_offers` over every *me* chunk (what the Me page shows for confirming)."""
    return find_offers(kb.chunks_of(Target.me()), settings, generator)


__all__ = ["KNOW_HOW", "FoundOffers", "Offer", "coverage", "find_offers", "know_how", "model_offers",
           "offer_problem", "profile_offers", "prose_offers", "structured_offers"]
