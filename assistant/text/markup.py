"""Escaping text for Markdown: the one escaper the exports and the browser share.

Notes and model output are data: a note holding ``![x](http://..)`` or
``<script>`` must stay text wherever it is shown. Two character sets, one
function: a Markdown file (``rapport brief --format md``, event packs) escapes
what CommonMark gives a meaning to inline, so the raw file stays readable;
the browser also escapes what Streamlit's extensions use (``:emoji:``,
``$maths$``, colour directives, autolinks) and list markers.
"""

from __future__ import annotations

import re

_FILE_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>])")
_PAGE_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:@&])")


def escape_markdown(text: object, *, keep_lines: bool = False, page: bool = True,
                    keep_spaces: bool = False) -> str:
    """Markdown-inert text: ``![x](http://..)`` stays text, ``<script>`` stays text, no autolinks.

    By default whitespace (newlines included) collapses to single spaces, so
    the text can sit inside a list item or a label; ``keep_lines`` keeps line
    breaks as hard breaks; ``keep_spaces`` keeps the text's whitespace as it is
    (a streamed piece of an answer). ``page=False`` gives the lighter escaping
    for Markdown files.
    """
    special = _PAGE_SPECIAL if page else _FILE_SPECIAL
    raw = "" if text is None else str(text)
    if keep_spaces:
        return special.sub(r"\\\1", raw)
    if keep_lines:
        return "  \n".join(special.sub(r"\\\1", " ".join(line.split())) for line in raw.splitlines())
    return special.sub(r"\\\1", " ".join(raw.split()))


__all__ = ["escape_markdown"]
