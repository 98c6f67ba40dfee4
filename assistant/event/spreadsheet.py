"""Writing CSV that is safe to open in a spreadsheet: every cell neutralised, the file written atomically.

Attendee lists come from strangers; a cell such as ``=HYPERLINK(...)`` or
``CTO;=1+1`` must never run as a formula in the user's Excel.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Mapping, Sequence

from assistant.errors import InputError
from assistant.files import atomic_write_bytes

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet that splits on ";" (or "," or tab) makes a new cell after it: a formula may start there too.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t])(\s*)(?=[=+\-@])")


def escape_cell(value: object) -> str:
    """Make a value safe to open in Excel/Sheets/LibreOffice (OWASP CSV injection).

    Text starting with ``= + - @`` (or tab / carriage return) is prefixed with
    ``'`` so spreadsheets show it instead of evaluating it; so is such a start
    after ``,`` ``;`` or a tab inside the text (``CTO;=1+1``), which a
    spreadsheet splitting on that character would read as a new cell. Real numbers
    (int/float) are left alone: they cannot carry a formula, and a negative
    score should still sort as a number. ``None`` becomes an empty cell.
    """
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1\2'", str(value))
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def write_ranking_csv(rows: Sequence[Mapping[str, object]], path: Path) -> None:
    """Write ranking rows as CSV with every cell (headers too) escaped.

    Columns are the union of the rows' keys in first-seen order. The file is
    UTF-8 with a BOM because that is the only way Excel reliably shows accented
    names from a double-clicked CSV; Rapport's own reader accepts the BOM. An
    empty ``rows`` writes an empty file.
    """
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    path = Path(path)
    buffer = io.StringIO(newline="")
    if columns:
        writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
        writer.writerow([escape_cell(c) for c in columns])
        for row in rows:
            writer.writerow([escape_cell(row.get(c)) for c in columns])
    try:
        atomic_write_bytes(path, buffer.getvalue().encode("utf-8-sig") if columns else b"")
    except OSError as exc:
        raise InputError(
            f"Cannot write the ranking to {path}: {exc.strerror or exc}",
            "Choose a folder you can write to.",
        ) from None


__all__ = ["escape_cell", "write_ranking_csv"]
