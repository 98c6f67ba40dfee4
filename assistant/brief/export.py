"""A brief as Markdown (sources as footnotes) and as a printable HTML page.

Everything from notes or the model is escaped: links and images in model
output stay text, and the page loads nothing from the network.
"""

from __future__ import annotations

import html
from typing import Sequence

from assistant.brief.record import TITLES, Brief
from assistant.text.markup import escape_markdown



def _as_dict(brief: Brief | dict) -> dict:
    return brief.to_dict() if isinstance(brief, Brief) else brief


def md_escape(text: str) -> str:
    """Markdown-inert text for a file: ``[x](http://..)`` and ``![img](..)`` cannot become links or images."""
    return escape_markdown(text, page=False)


def _footnotes(ids: Sequence[str], numbers: dict[str, int]) -> str:
    return "".join(f"[^{numbers[i]}]" for i in ids if i in numbers)


def brief_to_markdown(brief: Brief | dict) -> str:
    """Reads well on paper: sections, short lines, sources as numbered footnotes."""
    d = _as_dict(brief)
    numbers = {s["id"]: n for n, s in enumerate(d.get("sources", []), 1)}
    lines = [f"# Briefing: {md_escape(d['contact'])}", ""]
    meta = [f"Prepared {d.get('generated_at', '')[:10]}", f"model: {md_escape(d.get('model', ''))}"]
    if d.get("goal"):
        meta.insert(0, f"Goal: {md_escape(d['goal'])}")
    lines += [" · ".join(meta), ""]
    for w in d.get("warnings", []):
        lines.append(f"> Note: {md_escape(w)}")
    if d.get("warnings"):
        lines.append("")
    if d.get("opener"):
        lines += [f"## {TITLES['opener']}", "", md_escape(d["opener"]), ""]

    def section(title: str, key: str, body: list[str], empty: str) -> None:
        lines.append(f"## {title}")
        lines.append("")
        if key in d.get("failed", {}):
            lines.append(f"*Not available: {md_escape(d['failed'][key])}*")
        elif body:
            lines.extend(body)
        else:
            lines.append(f"*{empty}*")
        lines.append("")

    section(TITLES["facts"], "facts", [f"- {md_escape(f['text'])}{_footnotes(f['sources'], numbers)}"
                                      for f in d.get("facts", [])], "No facts.")
    if d.get("field"):
        section(TITLES["field"], "field", [f"- {md_escape(f['text'])}{_footnotes(f['sources'], numbers)}"
                                          for f in d["field"]], "No field notes.")
    if d.get("size", "full") == "full":
        section(TITLES["narrative"], "narrative", [md_escape(d["narrative"])] if d.get("narrative") else [],
                "No narrative.")
    section(TITLES["questions"], "questions",
            [f"{n}. **{md_escape(q['text'])}**{_footnotes(q['sources'], numbers)}  \n   *Why:* {md_escape(q['why'])}"
             for n, q in enumerate(d.get("questions", []), 1)], "No questions.")
    gb = [f"- **{md_escape(g['text'])}**{_footnotes(g['sources'], numbers)}  \n  *Why:* {md_escape(g['why'])}"
          for g in d.get("give_back", [])]
    section(TITLES["give_back"], "give_back", gb or ([md_escape(d["give_back_note"])] if d.get("give_back_note") else []),
            "No ideas.")
    section(TITLES["avoid"], "avoid", [f"- {md_escape(a)}" for a in d.get("avoid", [])], "Nothing flagged.")
    if d.get("size", "full") == "full":
        section(TITLES["follow_up"], "follow_up", [f"- {md_escape(a)}" for a in d.get("follow_up", [])], "Nothing yet.")
    if numbers:
        lines.append("---")
        lines.append("")
        for s in d["sources"]:
            where = s.get("title") or s["source"].rsplit("/", 1)[-1]
            date = f", {s['date']}" if s.get("date") else ""
            lines.append(f"[^{numbers[s['id']]}]: {md_escape(where)}{date} ({s['id']}): “{md_escape(s['excerpt'])}”")
    return "\n".join(lines).rstrip() + "\n"


PRINT_CSS = """
body{font:11pt/1.35 Georgia,serif;max-width:46em;margin:1.5em auto;color:#111;padding:0 1em}
h1{font-size:16pt;margin:0 0 .2em}h2{font-size:12pt;margin:.9em 0 .3em;border-bottom:1px solid #999}
.meta{color:#555;font-size:9pt}.why{color:#444;font-size:9.5pt}.src{font-size:8pt;color:#555}
sup{font-size:7pt}ol,ul{margin:.2em 0 .2em 1.2em;padding:0}li{margin:.15em 0}.warn{font-size:9pt;color:#8a4b00}
.failed{color:#8a0000;font-style:italic}.brief{page-break-after:always}.brief:last-child{page-break-after:auto}
table{border-collapse:collapse;font-size:9pt}td,th{border:1px solid #bbb;padding:2px 5px;text-align:left}
@media print{body{margin:0;max-width:none;font-size:10pt}a{color:inherit;text-decoration:none}}
@page{size:A4;margin:14mm}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def brief_to_html_fragment(brief: Brief | dict) -> str:
    d = _as_dict(brief)
    numbers = {s["id"]: n for n, s in enumerate(d.get("sources", []), 1)}
    sup = lambda ids: "".join(f"<sup>[{numbers[i]}]</sup>" for i in ids if i in numbers)  # noqa: E731
    failed = d.get("failed", {})
    parts = [f"<section class='brief'><h1>{_e(d['contact'])}</h1>",
             f"<div class='meta'>{_e(d.get('goal') or '')} · prepared {_e(d.get('generated_at', '')[:10])} · {_e(d.get('model', ''))}</div>"]
    parts += [f"<p class='warn'>{_e(w)}</p>" for w in d.get("warnings", [])]

    def block(title: str, key: str, inner: str) -> None:
        body = f"<p class='failed'>Not available: {_e(failed[key])}</p>" if key in failed else inner
        parts.append(f"<h2>{_e(title)}</h2>{body}")

    if d.get("opener"):
        block(TITLES["opener"], "opener", f"<p>{_e(d['opener'])}</p>")
    block(TITLES["facts"], "facts", "<ul>" + "".join(f"<li>{_e(f['text'])}{sup(f['sources'])}</li>" for f in d.get("facts", [])) + "</ul>")
    if d.get("field"):
        block(TITLES["field"], "field", "<ul>" + "".join(f"<li>{_e(f['text'])}{sup(f['sources'])}</li>" for f in d["field"]) + "</ul>")
    if d.get("size", "full") == "full":
        block(TITLES["narrative"], "narrative", f"<p>{_e(d.get('narrative', ''))}</p>")
    block(TITLES["questions"], "questions", "<ol>" + "".join(
        f"<li>{_e(q['text'])}{sup(q['sources'])}<br><span class='why'>{_e(q['why'])}</span></li>" for q in d.get("questions", [])) + "</ol>")
    gb = "".join(f"<li>{_e(g['text'])}{sup(g['sources'])}<br><span class='why'>{_e(g['why'])}</span></li>" for g in d.get("give_back", []))
    block(TITLES["give_back"], "give_back", f"<ul>{gb}</ul>" if gb else f"<p>{_e(d.get('give_back_note', ''))}</p>")
    block(TITLES["avoid"], "avoid", "<ul>" + "".join(f"<li>{_e(a)}</li>" for a in d.get("avoid", [])) + "</ul>")
    if d.get("size", "full") == "full":
        block(TITLES["follow_up"], "follow_up", "<ul>" + "".join(f"<li>{_e(a)}</li>" for a in d.get("follow_up", [])) + "</ul>")
    if numbers:
        parts.append("<div class='src'>" + "<br>".join(
            f"[{numbers[s['id']]}] {_e(s.get('title') or s['source'].rsplit('/', 1)[-1])}"
            f"{(', ' + _e(s['date'])) if s.get('date') else ''}: “{_e(s['excerpt'][:160])}”" for s in d["sources"]) + "</div>")
    parts.append("</section>")
    return "".join(parts)


def _page(title: str, body: str) -> str:
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            f"<title>{_e(title)}</title><style>{PRINT_CSS}</style></head><body>{body}</body></html>")


def brief_to_html(brief: Brief | dict) -> str:
    """A self-contained printable page; a typical brief fits one A4 sheet."""
    d = _as_dict(brief)
    return _page(f"Briefing: {d['contact']}", brief_to_html_fragment(d))


def briefs_pack_html(briefs: Sequence[Brief | dict], title: str, ranking: Sequence[dict] = ()) -> str:
    """Many briefs in one printable pack (event prep), one per page, ranking first."""
    head = f"<section class='brief'><h1>{_e(title)}</h1>"
    if ranking:
        head += "<h2>Who to seek out</h2><table><tr><th>#</th><th>Name</th><th>Title</th><th>Why</th></tr>"
        head += "".join(f"<tr><td>{_e(r.get('rank', ''))}</td><td>{_e(r.get('name', ''))}</td><td>{_e(r.get('title', ''))}"
                        f"{(' · ' + _e(r['company'])) if r.get('company') else ''}</td><td>{_e(r.get('reason', ''))}</td></tr>"
                        for r in ranking)
        head += "</table>"
    head += "</section>"
    return _page(title, head + "".join(brief_to_html_fragment(b) for b in briefs))
