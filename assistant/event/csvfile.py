"""Reading a CSV file as people export them: any encoding, any delimiter, a "sep=" line, stray quotes.

The low-level half of attendee import: bytes to text to records. Which
column is the name, title or company is decided in :mod:`assistant.event.attendees`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from os import PathLike
from pathlib import Path

from assistant.errors import InputError
from assistant.notes.decoding import decode_bytes

DELIMITERS = (",", ";", "\t")
_SNIFF_BYTES = 8192


def load_bytes(source: Path | str | bytes) -> bytes:
    """Read the file, turning OS errors into a message the user can act on."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if not isinstance(source, (str, PathLike)):
        raise TypeError(f"expected a path or bytes, got {type(source).__name__}")
    path = Path(source)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"Attendee file not found: {path}", "Check the path and try again."
        ) from None
    except IsADirectoryError:
        raise InputError(
            f"{path} is a folder, not an attendee file.", "Pick the CSV file itself."
        ) from None
    except OSError as exc:
        raise InputError(
            f"Cannot read attendee file {path}: {exc.strerror or exc}",
            "Check the file permissions.",
        ) from None


def decode(data: bytes) -> tuple[str, str]:
    """Decode an attendee file (an Excel workbook is named as such, not decoded as junk)."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise InputError(
            "This looks like an Excel workbook, not a CSV file.",
            "In Excel or Sheets use File → Save As / Download → CSV, then load that.",
        )
    return decode_bytes(data)


def strip_sep_line(text: str) -> tuple[str | None, str]:
    """Honour Excel's ``sep=;`` first line, which states the delimiter outright."""
    match = re.match(r"\A\ufeff?sep=(.)[ \t]*(?:\r\n|\n|\r)", text, re.IGNORECASE)
    if match and match.group(1) in DELIMITERS:
        return match.group(1), text[match.end() :]
    return None, text


def header_line(text: str) -> str:
    for line in text[:65536].splitlines():
        if line.strip(" \t\ufeff"):
            return line
    return ""


def detect_delimiter(text: str) -> str:
    """Choose between comma, semicolon and tab.

    csv.Sniffer looks at several rows, which copes with quoted headers, but it
    is a heuristic over cell contents: commas inside bios can win over the real
    delimiter, and it gives up on some files altogether. The header line is
    what defines the columns, so the Sniffer's answer is accepted only if the
    header agrees (that delimiter is at least as common there as the others);
    otherwise the header's most common candidate wins. A single-column file
    has none and defaults to comma.
    """
    header = header_line(text)
    counts = {d: header.count(d) for d in DELIMITERS}
    best_count = max(counts.values())
    try:
        sniffed = csv.Sniffer().sniff(text[:_SNIFF_BYTES], delimiters="".join(DELIMITERS))
        candidate = sniffed.delimiter
    except csv.Error:
        candidate = None
    if candidate in counts and counts[candidate] > 0 and counts[candidate] == best_count:
        return candidate
    if best_count > 0:
        return next(d for d in DELIMITERS if counts[d] == best_count)
    return ","


def parse_records(text: str, delimiter: str) -> list[list[str]]:
    """Split text into records with the csv module (quoted line breaks kept).

    ``newline=""`` keeps ``\\r\\n`` inside quoted cells intact for the csv
    module, which is what makes multi-line bios parse as one cell.
    """
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=True,
        strict=False,
    )
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        raise InputError(
            f"The attendee file is not valid CSV near data row {max(len(records), 1)}: {exc}",
            "Open it in a spreadsheet, check that row, and save it again as CSV.",
        ) from None
    if not any(clean_cell(c) for record in records for c in record):
        raise InputError(
            "The attendee file is empty.",
            "Export the attendee list again; it should have a header row and one row per person.",
        )
    return records


def clean_cell(value: str) -> str:
    """Strip, unify line endings and compose accents (so "José" is one key)."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.strip().lstrip("\ufeff").strip()


__all__ = ["DELIMITERS", "clean_cell", "decode", "detect_delimiter", "load_bytes", "parse_records", "strip_sep_line"]
