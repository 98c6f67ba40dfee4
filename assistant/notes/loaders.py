"""Turn files and pasted text into Notes, refusing bad input with a reason.

Every failure is an :class:`InputError` whose message names the file and
says what is wrong in plain words; the caller reports it and moves on to the
next file.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from assistant.errors import InputError
from assistant.notes.decoding import decode_bytes, guess_bomless_utf16
from assistant.types import Note, Target, checked_name

SUPPORTED = (".md", ".markdown", ".txt", ".text", ".pdf", ".html", ".htm", ".eml", ".vcf")
_DATE_IN_NAME = re.compile(r"(20\d\d|19\d\d)-(\d\d)-(\d\d)")


def decode_text(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16, or legacy Latin-1/cp1252 text.

    Binary junk is refused instead of being stored as mojibake: it would only
    pollute retrieval.
    """
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) \
            and not guess_bomless_utf16(data):
        raise InputError(f"{name}: this is a binary file, not text.", "Export it as text, Markdown or PDF and import that.")
    try:
        text, _ = decode_bytes(data)
    except InputError as exc:
        raise InputError(f"{name}: {exc.message}", exc.hint) from None
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text[:4096])
    sample = min(len(text), 4096)
    if sample and printable / sample < 0.85:
        raise InputError(f"{name}: this does not look like text (mostly unreadable characters).",
                         "Check that it is the right file; export it as text or PDF.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _date_from(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        m = _DATE_IN_NAME.search(value)
        if m:
            return "-".join(m.groups())
    return ""


def _clean(text: str) -> str:
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _markdown(text: str, path: Path) -> tuple[str, str, str, dict]:
    """Front matter (Obsidian style) gives title, date and tags."""
    meta: dict = {}
    body = text.lstrip("\ufeff")
    if body.startswith("---\n"):
        end = body.find("\n---", 4)
        if end != -1:
            import yaml

            try:
                loaded = yaml.safe_load(body[4:end])
                meta = loaded if isinstance(loaded, dict) else {}
            except yaml.YAMLError:
                meta = {}
            body = body[end + 4:].lstrip("-\n")
    body = re.sub(r"\[\[([^\]|]+)\|([^\]]+)\]\]", r"\2", body)  # [[page|alias]]
    body = re.sub(r"\[\[([^\]]+)\]\]", r"\1", body)  # [[page]]
    heading = re.search(r"^#\s+(.+)$", body, re.M)
    title = str(meta.get("title") or (heading.group(1).strip() if heading else path.stem))
    when = _date_from(meta.get("date") or meta.get("created") or path.name)
    return body, title, when, {k: v for k, v in meta.items() if isinstance(v, (str, int, float, list))}


_INLINE_TAGS = ["a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "mark", "q", "s",
                "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var"]


# A saved web page's chrome: the menu, the footer, a cookie banner. A team page's nav bar ("Northfold
# Ventures Portfolio Team Thesis Founders' notes") was quoted to the model as a note about the person,
# and its regulator's footer as something he said.
_CHROME_TAGS = {"nav", "footer"}
_CHROME_ROLES = {"navigation", "contentinfo", "search"}
_CHROME_NAME = re.compile(r"^(?:(?:site|page|main|top|global|primary)[-_])?(?:nav|navbar|navigation|menu|footer|"
                          r"breadcrumbs?|cookies?(?:[-_]\w+)?|skip[-_]link|share|social(?:[-_]\w+)?)$", re.I)


def _chrome(tag: "Tag") -> bool:
    """A page's menu, footer, breadcrumb or cookie banner, by its tag, role, class or id (not its words)."""
    if tag.name in _CHROME_TAGS or (tag.get("role") or "").lower() in _CHROME_ROLES:
        return True
    names = [*(tag.get("class") or []), *((tag.get("id") or "").split())]
    return any(_CHROME_NAME.match(n) for n in names)


def _html(text: str, path: Path) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "svg", "iframe", "head"]):
        if tag.name != "head":
            tag.decompose()
    for tag in [t for t in soup.find_all(True) if _chrome(t)]:
        if not tag.decomposed:
            tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else path.stem
    if soup.head:
        soup.head.decompose()
    return _page_text(soup), title


def _page_text(soup: "BeautifulSoup") -> str:
    """The page's text, a line per block; inline markup stays inside its sentence.

    Why: ``get_text("\\n")`` breaks at every tag, so "He led Northfold's investments in
    <strong>Parable</strong> (AI-assisted ...)" became three lines and the give-back quoted
    "(AI-assisted lesson planning ...)" as a sentence of its own. Iterative (no recursion):
    a page nested thousands of tags deep is still read.
    """
    from bs4 import NavigableString, Tag

    block_of: dict[int, object] = {}

    def block(tag: Tag) -> object:
        path, node = [], tag
        while node is not None and id(node) not in block_of and node.name in _INLINE_TAGS:
            path.append(node)
            node = node.parent
        found = block_of.get(id(node), node) if node is not None else None
        for n in path:
            block_of[id(n)] = found
        return found

    lines: list[str] = []
    current: list[str] = []
    last_block: object = None
    last_parent: object = None
    for el in soup.descendants:
        if isinstance(el, Tag):
            if el.name in ("br", "hr"):
                last_block = None
            continue
        if type(el) is not NavigableString or el.parent is None:
            continue  # comments, doctype, CDATA declarations
        pre = el.find_parent("pre") is not None if "\n" in el else False
        where = block(el.parent)
        if where is not last_block and current:
            lines.append("".join(current))
            current = []
        text = str(el) if pre else re.sub(r"\s+", " ", str(el))
        # <a>Home</a><a>About</a>: two inline tags side by side are two words
        if current and el.parent is not last_parent and el.parent.name in _INLINE_TAGS \
                and not current[-1][-1:].isspace() and not text[:1].isspace() and text[:1].isalnum():
            text = " " + text
        if pre:
            lines.extend(["".join(current), *text.split("\n")])
            current, where = [], None
        else:
            current.append(text)
        last_block, last_parent = where, el.parent
    lines.append("".join(current))
    return "\n".join(line for line in (" ".join(x.split()) for x in lines) if line)


def _pdf(path: Path) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{path.name}: the PDF is password-protected.", "Save an unprotected copy and import that.")
        title = (reader.metadata.title if reader.metadata and reader.metadata.title else "") or path.stem
    except InputError:
        raise
    except (PdfReadError, ValueError, OSError, KeyError) as exc:
        raise InputError(f"{path.name}: not a readable PDF ({exc}).", "Check the file opens in a PDF viewer.") from None
    except Exception as exc:  # pypdf raises assorted errors on encrypted/odd files
        if "crypt" in str(exc).lower():
            raise InputError(f"{path.name}: the PDF is encrypted.", "Save an unprotected copy and import that.") from None
        raise InputError(f"{path.name}: not a readable PDF ({exc}).", "Check the file opens in a PDF viewer.") from None
    try:
        text = "\n\n".join((page.extract_text() or "") for page in reader.pages)
    except Exception as exc:
        raise InputError(f"{path.name}: could not read the PDF's text ({exc}).", "Export it again as PDF or text.") from None
    if len(text.strip()) < 20:
        raise InputError(f"{path.name}: the PDF has no text layer (a scan or images only).",
                         "Run it through OCR, or paste the text with `rapport ingest -`.")
    return text, title


def _eml(data: bytes, path: Path) -> tuple[str, str, str]:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    if not (msg.get("From") or msg.get("Subject")):
        raise InputError(f"{path.name}: not an email (no From or Subject header).", "Save the email as .eml from your mail app.")
    part = msg.get_body(preferencelist=("plain", "html"))
    body = ""
    if part is not None:
        body = part.get_content()
        if part.get_content_type() == "text/html":
            body = _html(body, path)[0]
    when = ""
    if msg.get("Date"):
        try:
            when = parsedate_to_datetime(str(msg["Date"])).date().isoformat()
        except (TypeError, ValueError):
            when = ""
    head = "\n".join(f"{h}: {msg[h]}" for h in ("From", "To", "Date", "Subject") if msg.get(h))
    return f"{head}\n\n{body}", str(msg.get("Subject") or path.stem), when


def _vcards(text: str, path: Path) -> list[Note]:
    import vobject

    notes: list[Note] = []
    try:
        cards = list(vobject.readComponents(text))
    except Exception as exc:
        raise InputError(f"{path.name}: malformed vCard ({exc}).", "Export the contact again from your address book.") from None
    if not cards:
        raise InputError(f"{path.name}: no vCard found in the file.", "A .vcf file starts with BEGIN:VCARD.")
    blocks = _card_blocks(text)
    if len(blocks) != len(cards):
        blocks = []
    for n, card in enumerate(cards):
        fn = getattr(card, "fn", None)
        name = str(fn.value).strip() if fn is not None else ""
        if not Target.contact(name).name:  # empty, or only invisible/control characters
            raise InputError(f"{path.name}: a vCard has no name (FN).", "Add a name to the contact and export again.")
        try:
            name = checked_name(name)
        except InputError as exc:
            raise InputError(f"{path.name}: {exc.message}", exc.hint) from None
        lines = [f"Name: {name}"]
        for attr, label in (("title", "Title"), ("role", "Role"), ("org", "Organisation"), ("email", "Email"),
                            ("tel", "Phone"), ("url", "Website"), ("adr", "Address"), ("note", "Note")):
            for item in card.contents.get(attr, []):
                value = item.value
                if isinstance(value, (list, tuple)):
                    value = ", ".join(str(v) for v in value if v)
                value = str(value).strip()
                if value:
                    lines.append(f"{label}: {value}")
        # The card's own text travels with the note, so the copy kept for this person holds only their card.
        own = blocks[n] if blocks else _serialize(card)
        notes.append(Note(Target.contact(name), "\n".join(lines), str(path), title=f"Contact card: {name}",
                          extra={"vcard": own} if own else {}))
    return notes


_CARD = re.compile(r"(?ims)^BEGIN:VCARD\b.*?^END:VCARD[ \t]*$\n?")


def _card_blocks(text: str) -> list[str]:
    """The text of each top-level card in a .vcf, as written (nested AGENT cards make this unreliable)."""
    return [m.group(0) for m in _CARD.finditer(text)]


def _serialize(card) -> str:
    try:
        return str(card.serialize())
    except Exception:
        return ""


def load_file(path: Path, target: Target, max_bytes: int) -> list[Note]:
    """Read one file into Notes for ``target`` (a .vcf names its own contacts)."""
    name = path.name
    if not path.exists():
        raise InputError(f"{path}: no such file or folder.", "Check the path.")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise InputError(f"{name}: {suffix or 'files without an extension'} is not a supported type.",
                         f"Supported: {', '.join(SUPPORTED)}.")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{name}: the file is empty.", "Nothing to import.")
    if size > max_bytes:
        raise InputError(f"{name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit.",
                         "Split it, or raise RAPPORT_MAX_FILE_MB.")
    if suffix == ".pdf":
        text, title = _pdf(path)
        return [Note(target, _clean(text), str(path), title=title, date=_date_from(name))]
    data = path.read_bytes()
    if suffix == ".eml":
        text, title, when = _eml(data, path)
        return [Note(target, _clean(text), str(path), title=title, date=when or _date_from(name))]
    text = decode_text(data, name)
    if suffix == ".vcf":
        return _vcards(text, path)
    if suffix in (".html", ".htm"):
        body, title = _html(text, path)
        notes = [Note(target, _clean(body), str(path), title=title, date=_date_from(name))]
    elif suffix in (".md", ".markdown"):
        body, title, when, meta = _markdown(text, path)
        notes = [Note(target, _clean(body), str(path), title=title, date=when, extra=meta)]
    else:
        notes = [Note(target, _clean(text), str(path), title=path.stem, date=_date_from(name))]
    if not notes[0].text:
        raise InputError(f"{name}: no text left after reading the file.", "Check it is not empty or only markup.")
    return notes


def note_from_text(text: str, target: Target, title: str = "", source: str = "") -> Note:
    """Pasted text (stdin, the UI's text box) becomes a note with a stable source."""
    import hashlib

    text = _clean(text.replace("\r\n", "\n"))
    if not text:
        raise InputError("The pasted text is empty.", "Paste some notes first.")
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    first = text.splitlines()[0][:60]
    return Note(target, text, source or f"pasted:{digest}", title=title or first, date=date.today().isoformat())
