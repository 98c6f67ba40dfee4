"""After a meeting: what to keep from a debrief or a transcript, proposed by the model, checked, saved on accept.

The user pastes what they remember (or a .vtt/.srt/.txt transcript). Each
line is labelled D1, D2, ... and quoted to the model as data, with lines
that address a model left out; the schema lets it cite only those labels.
Code then drops every proposal its cited lines do not support: names or
numbers they lack, no shared content words, a repeated instruction, an
offer loop whose line has no offer in it ("I'll send ..."), an ask loop
whose line has no ask in it, a circle-back with no time in it.

Nothing is written by :func:`propose_debrief`. :func:`save_debrief` writes
only what the user accepted (possibly edited), through the existing
helpers: the log and loops of :mod:`assistant.conversation.relationship`,
pasted-text ingest for facts (the contact) and insights (their field), the
cadence for the circle-back. :func:`debrief_thank_you` hands the accepted points to
the thank-you draft of :mod:`assistant.conversation.drafts`.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Sequence

from assistant.config import Settings
from assistant.conversation import relationship
from assistant.conversation.drafts import Draft, draft
from assistant.conversation.history import keywords
from assistant.errors import GenerationError, InputError
from assistant.generation import prompts
from assistant.generation.llm import Generator
from assistant.generation.structured import generate_json
from assistant.notes.contacts import resolve_contact
from assistant.notes.ingest import ingest_text
from assistant.notes.loaders import decode_text
from assistant.notes.store import KnowledgeBase
from assistant.text import grounding, questions, voice
from assistant.text.guard import injected_sentences, looks_like_instructions, neutralize, steered
from assistant.text.sentences import split_sentences
from assistant.text.words import stem
from assistant.types import Progress, Target

KINDS = ("log", "offer", "ask", "fact", "insight", "thanks", "circle_back")
TITLES = {"log": "What happened", "offer": "You offered", "ask": "They asked", "fact": "About them",
          "insight": "About their field", "thanks": "Mention in the thank-you", "circle_back": "Circle back"}
DEBRIEF_FILE_TYPES = (".txt", ".text", ".md", ".vtt", ".srt")
MAX_LINE_CHARS = 400
OUTPUT_TOKENS = 900

# ------------------------------------------------------------ transcripts --
_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)*\s+([^>]+)>", re.I)
_TAG = re.compile(r"</?[a-z]+(?:\.[\w.-]+)*(?:\s[^>]*)?>|<\d{1,2}:\d{2}[^>]*>", re.I)
_SPEAKER = re.compile(r"^((?:>>\s*)?[^\W\d_][\w .'\-]{0,40}):\s+(?=\S)")
_ENDS = re.compile(r"[.!?…\"'”)]\s*$")


def _cue_text(lines: list[str]) -> str:
    text = " ".join(line.strip() for line in lines if line.strip())
    text = _VOICE.sub(lambda m: m.group(1).strip() + ": ", text)
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def parse_transcript(text: str) -> str:
    """Plain lines from a WebVTT or SubRip transcript (any other text comes back as it is).

    Drops the ``WEBVTT`` header, NOTE/STYLE/REGION blocks, cue numbers and
    identifiers, timing lines and styling tags; keeps speaker labels
    (``<v Dana>`` becomes ``Dana:``). A cue without a speaker that continues an
    unfinished sentence joins the line before; a caption repeated in the next
    cue is kept once.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    is_vtt = text.lstrip().startswith("WEBVTT")
    if not is_vtt and not any(_TIMING.match(line) for line in text.splitlines()):
        return text.strip()
    out: list[str] = []
    for n, block in enumerate(re.split(r"\n\s*\n", text.strip())):
        lines = block.split("\n")
        if (n == 0 and is_vtt) or re.match(r"^(?:NOTE|STYLE|REGION)\b", lines[0].strip()):
            continue
        timing = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        cue = _cue_text(lines[timing + 1:] if timing is not None else lines)
        if not cue or (out and cue == out[-1]):
            continue
        if out and not _SPEAKER.match(cue) and not _ENDS.search(out[-1]):
            out[-1] = f"{out[-1]} {cue}"
        else:
            out.append(cue)
    return "\n".join(out)


def debrief_text(name: str, data: bytes, settings: Settings) -> str:
    """The text of an uploaded debrief (.txt, .md, .vtt, .srt), transcript timing removed."""
    suffix = Path(name).suffix.lower()
    if suffix not in DEBRIEF_FILE_TYPES:
        raise InputError(f"{name}: a debrief is a text file or a transcript, not {suffix or 'this'}.",
                         f"Use one of: {', '.join(DEBRIEF_FILE_TYPES)}.")
    if len(data) > settings.max_file_bytes:
        raise InputError(f"{name} is over the {settings.max_file_mb:.0f} MB limit.", "Split it first.")
    return parse_transcript(decode_text(data, name))


def read_debrief(path: Path, settings: Settings) -> str:
    """:func:`debrief_text` of a file on disk."""
    if not path.is_file():
        raise InputError(f"{path}: no such file.", "Check the path, or paste the text with `-`.")
    if path.stat().st_size > settings.max_file_bytes:
        raise InputError(f"{path.name} is over the {settings.max_file_mb:.0f} MB limit.", "Split it first.")
    return debrief_text(path.name, path.read_bytes(), settings)


# ---------------------------------------------------------------- records --
@dataclass
class Proposal:
    """One thing to keep; ``sources`` are debrief line labels, ``quotes`` their text."""

    kind: str
    text: str
    sources: list[str]
    quotes: list[str] = field(default_factory=list)
    days: int | None = None      # circle_back: days after the meeting
    field: str = ""              # insight: the field to file it under

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Debrief:
    """What the model proposed for one meeting, after the checks; nothing of it is stored yet."""

    contact: str
    day: str
    lines: list[tuple[str, str]]
    proposals: list[Proposal]
    dropped: list[dict] = field(default_factory=list)   # {"kind", "text", "reason"}
    ignored: list[str] = field(default_factory=list)    # lines addressed to a model, never shown to it
    truncated: bool = False
    fields: list[str] = field(default_factory=list)
    attempts: int = 1

    def quote(self, label: str) -> str:
        return dict(self.lines).get(label, "")

    def to_dict(self) -> dict:
        return {"contact": self.contact, "day": self.day, "lines": [{"id": a, "text": b} for a, b in self.lines],
                "proposals": [p.to_dict() for p in self.proposals], "dropped": list(self.dropped),
                "ignored": list(self.ignored), "truncated": self.truncated, "fields": list(self.fields),
                "attempts": self.attempts}


@dataclass
class Saved:
    """What :func:`save_debrief` wrote."""

    contact: str
    day: str
    logged: str = ""
    loops: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)      # "contact" or "field NAME"
    cadence_days: int | None = None
    next_on: str = ""
    thanks: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        lines = [f"Logged for {self.contact} on {self.day}: {self.logged}"] if self.logged else []
        lines += [f"Open loop {lp['id']}: {'you offered' if lp['kind'] == 'offer' else 'they asked'}: {lp['text']}"
                  for lp in self.loops]
        lines += [f"Saved a note for {where}." for where in self.notes]
        if self.cadence_days:
            lines.append(f"Circle back every {self.cadence_days} days; next around {self.next_on}.")
        return lines + [f"Not saved: {why}" for why in self.skipped]

    def to_dict(self) -> dict:
        return asdict(self)


# ----------------------------------------------------------------- checks --
_ACT = (r"(?:send|share|introduc|intro|connect|forward|e-?mail|pass|put|writ|review|look|help|dig|check|find|"
        r"follow|make|get|bring|show|giv|lend|walk|set|loop|ping|call|read|draft|mail)\w*")
_OFFER = re.compile(
    rf"\b(?:I|we)(?:'ll|’ll|'d|’d| will| can| could| would| shall| am going to|'m going to|’m going to)\b"
    rf"[^.?!]{{0,50}}?\b{_ACT}"
    r"|\b(?:I|we) (?:offered|promised|volunteered|agreed)\b|\b(?:I'm|I am|we're|we are) happy to\b"
    rf"|\blet me\b[^.?!]{{0,30}}?\b{_ACT}"
    r"|^(?:[\w .'\-]{1,40}:\s*)?(?:promised|offered|volunteered|agreed) to\b"
    rf"|^(?:[\w .'\-]{{1,40}}:\s*)?(?:will|to do:?|todo:?) {_ACT}", re.I | re.M)
_ASK = re.compile(
    r"\b(?:asked|asks|requested)\b(?! (?:her|him|them|about)\b)|\b(?:could|can|would|will) you\b|\bplease\b"
    r"|\bif you (?:could|can|have|know)\b|\bsend (?:me|us|her|him|them)\b|\blet (?:me|her|him|them) know\b"
    r"|\bwould (?:really )?(?:appreciate|love|like)\b|\b(?:wants?|wanted|needs?|needed) (?:me|us|you) to\b"
    r"|\bdo you (?:know|have) (?:anyone|someone|any)\b|\bkeep (?:me|her|him|them) posted\b", re.I)
_MINE = re.compile(r"\bI\s+$")
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "couple": 2,
                 "few": 3, "several": 3}
_SPAN = re.compile(r"\b(\d{1,3}|an?|one|two|three|four|five|six|couple|few|several)(?: of)?\s+(days?|weeks?|months?)\b",
                   re.I)
_NEXT = re.compile(r"\bnext (week|month|quarter|year)\b|\bend of (?:the )?(week|month|quarter|year)\b", re.I)
_WHEN = re.compile(r"\b(?:follow(?:ing)? up|circle back|check in|catch up|touch base|reconnect|get back in touch|"
                   r"talk again|speak again|meet again|tomorrow|after (?:the|her|his|their|our)|once (?:the|her|his|"
                   r"their)|when (?:the|her|his|their)|january|february|march|april|may|june|july|august|"
                   r"september|october|november|december|spring|summer|autumn|fall|winter)\b", re.I)
_UNIT = {"day": 1, "week": 7, "month": 30, "quarter": 90, "year": 365}
# Words a proposal may add around what the lines say ("She mentioned that ..."); not evidence of support.
_FRAME = set("""user contact meeting meet met talked talk discussed discuss said says mentioned mention told asked ask
asks offered offer promised promise wants want would could should like love also about send sent share thank thanks
thanking specific follow circle back touch base conversation chat coffee call""".split())


def is_offer(line: str) -> bool:
    """The line says the user offered or promised something ("I'll send her the deck")."""
    return bool(_OFFER.search(line))


def is_ask(line: str) -> bool:
    """The line says the contact asked something of the user ("Could you send me ...", "she asked for ...")."""
    return any(not _MINE.search(line[:m.start()]) for m in _ASK.finditer(line))


def circle_back_days(line: str) -> int | None:
    """Days named in a line ("in two weeks" = 14, "next month" = 30); None when it names none."""
    span = _SPAN.search(line)
    if span:
        count = span.group(1).lower()
        n = int(count) if count.isdigit() else _NUMBER_WORDS[count]
        return max(1, min(365, n * _UNIT[span.group(2).lower().rstrip("s")]))
    nxt = _NEXT.search(line)
    if nxt:
        return _UNIT[(nxt.group(1) or nxt.group(2)).lower()]
    return None


_IMPERATIVE = re.compile(r"^(?:Send|Share|Help|Introduce|Intro|Connect|Forward|E-?mail|Follow|Check|Review|Read|Write|"
                         r"Draft|Look|Find|Ask|Mention|Thank|Call|Reconnect|Circle|Schedule|Book|Set|Put|Pass|Give|"
                         r"Make|Get|Bring|Show|Invite|Recommend|Suggest)\b")


def _unsupported(text: str, sources: Sequence[str]) -> list[str]:
    """Names and numbers the sources lack; "Send Dana ..." starts with a verb, not a name (loops are imperatives)."""
    return grounding.unsupported_terms(_IMPERATIVE.sub(lambda m: m.group(0).lower(), text), sources)


def _stems(text: str, drop: set[str]) -> set[str]:
    return {stem(w) for w in keywords(text) if w not in drop and stem(w) not in drop}


def check(kind: str, text: str, quotes: Sequence[str], name: str, injections: Sequence[str] = ()) -> str:
    """"" when the cited ``quotes`` support the proposal, else why it is dropped."""
    if not quotes:
        return "it cites no line of the debrief"
    if steered(text, injections, question=text):
        return "it repeats an instruction found in the debrief"
    if looks_like_instructions(text):
        return "it reads as instructions to a model or encoded data, not as notes"
    missing = _unsupported(text, [*quotes, name])
    if missing:
        return f"the cited lines do not mention {', '.join(missing[:4])}"
    frame = _FRAME | {w.lower() for w in name.split()}
    said = _stems(text, frame)
    if said and not said & _stems(" ".join(quotes), set()):
        return "it shares no words with the lines it cites"
    if kind == "offer" and not any(is_offer(q) for q in quotes):
        return "the cited lines contain no offer or promise by you"
    if kind == "ask" and not any(is_ask(q) for q in quotes):
        return f"the cited lines contain no request from {name}"
    if kind == "fact" and voice.speaks_as_user(text):
        return "it is in the first person (your story, not theirs)"
    if kind in ("thanks", "fact", "insight") and questions.is_job_ask(text):
        return "it asks for a job, a referral or an introduction"
    if kind == "circle_back" and not any(_WHEN.search(q) or circle_back_days(q) for q in quotes):
        return "the cited lines say nothing about when to get back in touch"
    return ""


# --------------------------------------------------------------- proposing --
def debrief_lines(text: str, generator: Generator, budget: int) -> tuple[list[tuple[str, str]], list[str], bool]:
    """(labelled lines, ignored instruction-like sentences, truncated) for a debrief.

    One label per sentence; a sentence of a speaker's line keeps the speaker
    ("Dana: ..."), so who said what survives the split.
    """
    clean = parse_transcript(text)
    ignored = [s for s in split_sentences(clean) if looks_like_instructions(s)]
    labelled: list[tuple[str, str]] = []
    used, truncated = 0, False
    for raw in neutralize(clean).splitlines():
        speaker = _SPEAKER.match(raw.strip())
        body = raw.strip()[speaker.end():] if speaker else raw.strip()
        for sentence in split_sentences(body, lines=False):
            if looks_like_instructions(sentence):
                continue
            line = (f"{speaker.group(1)}: " if speaker else "") + sentence[:MAX_LINE_CHARS]
            cost = generator.count_tokens(line) + 12
            if used + cost > budget and labelled:
                truncated = True
                break
            labelled.append((f"D{len(labelled) + 1}", line))
            used += cost
        if truncated:
            break
    return labelled, ignored, truncated


def _candidates(data: dict) -> list[tuple[str, dict]]:
    out = [("log", data.get("log") or {})]
    for key, kind in (("offers", "offer"), ("asks", "ask"), ("facts", "fact"), ("insights", "insight")):
        out += [(kind, item) for item in data.get(key) or []]
    return out + [("thanks", data.get("thanks") or {}), ("circle_back", data.get("circle_back") or {})]


def propose_debrief(name: str, text: str, kb: KnowledgeBase, settings: Settings, generator: Generator,
                    day: date | None = None, progress: Progress | None = None) -> Debrief:
    """Proposals for what to keep from a meeting with ``name``, each cited and checked. Writes nothing."""
    tick = progress or (lambda done, total, what: None)
    tick(0, 3, "Reading the debrief")
    contact = resolve_contact(kb, settings, name)
    when = (day or date.today()).isoformat()
    budget = max(300, getattr(generator, "n_ctx", 4096) - OUTPUT_TOKENS - 700)
    lines, ignored, truncated = debrief_lines(text or "", generator, budget)
    if not lines:
        raise InputError("There is nothing in the debrief to read.",
                         "Paste what you remember of the meeting, or a .txt, .vtt or .srt transcript.")
    labels = [label for label, _ in lines]
    quoted = dict(lines)
    fields = f" ({', '.join(contact.fields)})" if contact.fields else ""
    user = prompts.render("debrief", debrief=prompts.quote_notes([(a, "debrief", b) for a, b in lines]),
                          name=contact.name, day=when, fields=fields)
    tick(1, 3, "Asking the model")
    got = generate_json(generator, user, prompts.schema("debrief", labels), max_tokens=OUTPUT_TOKENS,
                        seed=settings.seed, retries=settings.retries)
    if got.data is None:
        raise GenerationError(f"The model gave no usable proposals for this debrief ({got.error}).",
                              "Try again, shorten the debrief, or use a larger model (--model default).")
    tick(2, 3, "Checking each proposal against the debrief")
    injections = injected_sentences([text or ""])
    kept: list[Proposal] = []
    dropped: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for kind, item in _candidates(got.data):
        body = " ".join(str(item.get("text") or "").split())
        if not body:
            continue
        sources = [s for s in dict.fromkeys(item.get("sources") or []) if s in quoted]
        quotes = [quoted[s] for s in sources]
        reason = check(kind, body, quotes, contact.name, injections)
        if not reason and (kind, body.casefold()) in seen:
            reason = "it repeats another proposal"
        if reason:
            dropped.append({"kind": kind, "text": body, "sources": sources, "reason": reason})
            continue
        seen.add((kind, body.casefold()))
        proposal = Proposal(kind, body, sources, quotes)
        if kind == "circle_back":
            named = next((d for d in map(circle_back_days, quotes) if d), None)
            proposal.days = named or max(1, min(365, int(item.get("days") or settings.cadence_days)))
        if kind == "insight":
            proposal.field = contact.fields[0] if contact.fields else ""
        kept.append(proposal)
    tick(3, 3, "")
    return Debrief(contact.name, when, lines, kept, dropped, ignored, truncated, list(contact.fields), got.attempts)


# ----------------------------------------------------------------- saving --
def save_debrief(result: Debrief, accepted: Sequence[Proposal], kb: KnowledgeBase, settings: Settings,
                 field_name: str | None = None) -> Saved:
    """Write what the user accepted (texts as edited): log, loops, notes, cadence. Nothing else is written.

    ``field_name`` files insights that name no field of their own.
    """
    if any(p.kind not in KINDS for p in accepted):
        raise InputError("A debrief item of an unknown kind cannot be saved.", f"Kinds: {', '.join(KINDS)}.")
    items = [p for p in accepted if " ".join(p.text.split())]
    saved = Saved(result.contact, result.day)
    by_kind = {k: [" ".join(p.text.split()) for p in items if p.kind == k] for k in KINDS}
    if by_kind["log"]:
        entry = relationship.log_interaction(result.contact, " ".join(by_kind["log"]), kb, settings,
                                             when=date.fromisoformat(result.day))
        saved.logged = entry.text
    for p in items:
        if p.kind in relationship.LOOP_KINDS:
            loop = relationship.add_loop(result.contact, p.kind, p.text, kb, settings)
            saved.loops.append({"id": loop.id, "kind": loop.kind, "text": loop.text})
    if by_kind["fact"]:
        ingest_text("\n".join(f"- {t}" for t in by_kind["fact"]), Target.contact(result.contact), kb, settings,
                    title=f"Debrief {result.day}: about {result.contact}")
        saved.notes.append(result.contact)
    insights: dict[str, list[str]] = {}
    for p in items:
        if p.kind == "insight":
            where = " ".join((p.field or field_name or "").split())
            if where:
                insights.setdefault(where, []).append(" ".join(p.text.split()))
            else:
                saved.skipped.append(f"insight with no field to file it under: {p.text}")
    for where, texts in insights.items():
        ingest_text("\n".join(f"- {t}" for t in texts), Target.field(where), kb, settings,
                    title=f"From {result.contact}, {result.day}")
        saved.notes.append(f"field {where}")
    backs = [p for p in items if p.kind == "circle_back" and p.days]
    if backs:
        saved.cadence_days = relationship.set_cadence(result.contact, int(backs[0].days or 0), kb, settings)
        saved.next_on = (date.fromisoformat(result.day) + timedelta(days=saved.cadence_days)).isoformat()
    saved.thanks = by_kind["thanks"]
    return saved


def debrief_thank_you(saved: Saved, kb: KnowledgeBase, settings: Settings, generator: Generator) -> Draft:
    """The thank-you draft (``drafts.draft``), steered by the accepted points: what to mention, what you promised."""
    points = [f"mention {t}" for t in saved.thanks]
    points += [f"say that {lp['text']} is coming" for lp in saved.loops if lp["kind"] == "offer"]
    goal = "; ".join(points)[:400] or None
    return draft(saved.contact, "thanks", kb, settings, generator, goal=goal)


# ---------------------------------------------------------------- quality --
def debrief_quality(result: Debrief, thanks: Draft | None = None) -> dict:
    """Metrics for one debrief, recomputed from the records (for ``rapport eval``).

    ``cited``: share of proposals whose every source is a debrief line (and
    that cite one); ``supported``: share whose names and numbers are in their
    cited lines; ``invented_loops``: offer/ask loops whose lines hold no
    offer/ask; ``thanks_specific``: the draft shares a content word with the
    debrief (None without a draft).
    """
    quoted = dict(result.lines)
    props = result.proposals
    cited = [p for p in props if p.sources and all(s in quoted for s in p.sources)]
    supported = [p for p in cited
                 if not _unsupported(p.text, [*(quoted[s] for s in p.sources), result.contact])]
    invented = [p for p in props if (p.kind == "offer" and not any(is_offer(quoted.get(s, "")) for s in p.sources))
                or (p.kind == "ask" and not any(is_ask(quoted.get(s, "")) for s in p.sources))]
    specific = None
    if thanks is not None:
        said = {stem(w) for w in keywords(" ".join(quoted.values()))} - {stem(w) for w in _FRAME}
        specific = bool(said & {stem(w) for w in keywords(thanks.body)})
    share = (lambda part: round(len(part) / len(props), 3) if props else 1.0)
    return {"proposals": len(props), "dropped": len(result.dropped), "cited": share(cited),
            "supported": share(supported), "invented_loops": len(invented), "thanks_specific": specific,
            "ignored_instructions": len(result.ignored)}


__all__ = ["DEBRIEF_FILE_TYPES", "Debrief", "KINDS", "Proposal", "Saved", "TITLES", "check", "circle_back_days",
           "debrief_lines", "debrief_quality", "debrief_text", "debrief_thank_you", "is_ask", "is_offer",
           "parse_transcript", "propose_debrief", "read_debrief", "save_debrief"]
