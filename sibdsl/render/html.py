"""Phase 6, rendering: the HTML writer, self-contained and ready to print.

Input: a `Document`. Output: one HTML5 page with its CSS inline and no external resource (no
font, script or image is fetched): A4 pages with margins, "Page N of M" in the footer and the
title in the header of each printed page (CSS paged media: `@page` margin boxes, honoured by Chromium's print to PDF),
tables with borders whose header row repeats on each printed page, headings kept with what
follows, and a title page. Every text is escaped.
"""

from __future__ import annotations

import re
from html import escape

from sibdsl.render.document import Block, Bullets, Document, Heading, Paragraph, Table, Terms

CSS = """
@page { size: A4; margin: 20mm 16mm 22mm 16mm;
  @bottom-center { content: "Page " counter(page) " of " counter(pages); font: 9pt Georgia, serif; color: #444; }
  @top-center { content: TITLE; font: 8pt Georgia, serif; color: #666; } }
html { font: 10.5pt/1.4 Georgia, "Times New Roman", serif; color: #111; }
body { max-width: 178mm; margin: 0 auto; padding: 8mm 0; }
header.title { text-align: center; padding: 30mm 0 16mm; break-after: page; }
header.title h1 { font-size: 20pt; margin: 0 0 10mm; }
header.title p { margin: 2mm 0; font-size: 12pt; }
header.title p.schedule { font-size: 15pt; font-weight: bold; }
h2 { font-size: 13pt; margin: 8mm 0 3mm; break-after: avoid; border-bottom: 0.6pt solid #444; }
h3 { font-size: 11.5pt; margin: 6mm 0 2mm; break-after: avoid; }
h2 .no, h3 .no, p .no { display: inline-block; min-width: 11mm; font-weight: bold; text-indent: 0; }
p { margin: 2mm 0; text-align: left; }
p.numbered { padding-left: 13mm; text-indent: -13mm; }
ul { margin: 1mm 0 2mm 13mm; padding-left: 5mm; }
dl { margin: 1mm 0 2mm 13mm; }
dt { font-weight: bold; } dd { margin: 0 0 1.5mm 6mm; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 8.5pt; line-height: 1.3; }
caption { caption-side: top; text-align: left; font-weight: bold; font-size: 10pt; padding: 1mm 0; }
th, td { border: 0.6pt solid #333; padding: 1.2mm 1.5mm; vertical-align: top; text-align: left; }
th { background: #e8e8e8; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.ref { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; color: #333; }
p.note { font-size: 8.5pt; font-style: italic; margin-top: -2mm; }
@media screen { body { padding: 10mm; } header.title { border-bottom: 1px solid #999; } }
"""


def write_html(doc: Document) -> str:
    title = escape(doc.title)
    out = ["<!DOCTYPE html>", '<html lang="en-GB">', "<head>", '<meta charset="utf-8">',
           f"<title>{title}</title>", "<style>",
           CSS.strip().replace("TITLE", _css_string(doc.title)), "</style>", "</head>", "<body>", '<header class="title">', f"<h1>{title}</h1>"]
    for i, line in enumerate(doc.subtitle):
        out.append(f'<p class="schedule">{escape(line)}</p>' if i == 0 else f"<p>{escape(line)}</p>")
    out.append("</header>")
    out.append("<main>")
    for block in doc.blocks:
        out.append(_block(block))
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _css_string(text: str) -> str:
    """`text` as a CSS string: every character but letters, digits and spaces escaped as a code
    point (so no quote, backslash or `</style>` can end it)."""
    return '"' + "".join(ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):x} "
                         for ch in " ".join(text.split())) + '"'


MONEY = re.compile(r"\b([A-Z]{3}) (?=[0-9])")


def _text(text: str) -> str:
    """Escaped text, with a no-break space between a currency code and its amount."""
    return MONEY.sub("\\1\u00a0", escape(text))


def _no(number: str | None) -> str:
    return f'<span class="no">{escape(number)}</span> ' if number else ""


def _block(block: Block) -> str:
    match block:
        case Heading():
            tag = f"h{min(6, block.level + 1)}"
            return f"<{tag}>{_no(block.number)}{_text(block.text)}</{tag}>"
        case Paragraph():
            cls = ' class="numbered"' if block.number else ""
            return f"<p{cls}>{_no(block.number)}{_text(block.text)}</p>"
        case Bullets():
            return "<ul>" + "".join(f"<li>{_text(item)}</li>" for item in block.items) + "</ul>"
        case Terms():
            return "<dl>" + "".join(f"<dt>{escape(t)}</dt><dd>{_text(m)}</dd>" for t, m in block.items) + "</dl>"
        case Table():
            ref = block.header[0] == "Ref." if block.header else False
            head = "".join(f'<th scope="col">{escape(h)}</th>' for h in block.header)
            rows = []
            for row in block.rows:
                cells = "".join(f'<td class="ref">{escape(c)}</td>' if ref and j == 0 else f"<td>{_text(c)}</td>"
                                for j, c in enumerate(row))
                rows.append(f"<tr>{cells}</tr>")
            note = f'<p class="note">{_text(block.note)}</p>' if block.note else ""
            return (f"<table><caption>{escape(block.caption)}</caption><thead><tr>{head}</tr></thead>"
                    f"<tbody>{''.join(rows)}</tbody></table>{note}")
    raise AssertionError(f"unknown block {block!r}")
