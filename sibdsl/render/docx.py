"""Phase 6, rendering: the Word (DOCX) writer, with python-docx.

Input: a `Document`. Output: a .docx file (or its bytes) that Word opens and edits as an
ordinary document: the title and subtitle lines on a first page, headings in Word's Heading
styles (so the navigation pane and a table of contents work), numbered paragraphs with their
numbers typed in, real Word tables (style "Table Grid", the first row a header row repeated on
every page), A4 pages with the page number in the footer. python-docx is imported only here,
when a DOCX is written.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from sibdsl.render.document import Bullets, Document, Heading, Paragraph, Table, Terms


def docx_bytes(doc: Document) -> bytes:
    buffer = io.BytesIO()
    _build(doc).save(buffer)
    return buffer.getvalue()


def write_docx(doc: Document, path: str | Path) -> None:
    Path(path).write_bytes(docx_bytes(doc))


def _build(doc: Document) -> Any:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Mm, Pt

    word = docx.Document()
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(18))
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    normal = word.styles["Normal"]
    normal.font.name = "Georgia"
    normal.font.size = Pt(10.5)
    _page_numbers(section)
    word.core_properties.title = doc.title
    title = word.add_paragraph(doc.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for i, line in enumerate(doc.subtitle):
        p = word.add_paragraph(style="Subtitle" if i == 0 else "Normal")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(line)
        run.bold = i == 0
    word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for block in doc.blocks:
        match block:
            case Heading():
                text = f"{block.number} {block.text}" if block.number else block.text
                word.add_heading(text, level=min(9, block.level))
            case Paragraph():
                p = word.add_paragraph()
                if block.number:
                    p.add_run(f"{block.number}\t").bold = True
                    p.paragraph_format.left_indent = Mm(13)
                    p.paragraph_format.first_line_indent = Mm(-13)
                    p.paragraph_format.tab_stops.add_tab_stop(Mm(13))
                p.add_run(block.text)
            case Bullets():
                for item in block.items:
                    word.add_paragraph(item, style="List Bullet")
            case Terms():
                for term, meaning in block.items:
                    p = word.add_paragraph(style="List Bullet")
                    p.add_run(f"\u201c{term}\u201d").bold = True
                    p.add_run(f" means {meaning}")
            case Table():
                _table(word, block)
            case _:
                raise AssertionError(f"unknown block {block!r}")
    return word


def _table(word: Any, block: Table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    caption = word.add_paragraph(style="Caption")
    caption.add_run(block.caption)
    table = word.add_table(rows=1, cols=len(block.header))
    table.style = "Table Grid"
    header = table.rows[0]
    properties = header._tr.get_or_add_trPr()  # a header row: Word repeats it on each page
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)
    for cell, text in zip(header.cells, block.header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        _shade(cell)
    for row in block.rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(8.5)
    if block.note:
        word.add_paragraph().add_run(block.note).italic = True


def _shade(cell: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), "E8E8E8")
    cell._tc.get_or_add_tcPr().append(shading)


def _page_numbers(section: Any) -> None:
    """"Page N of M" in the footer, as Word fields (Word fills them in)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def field(code: str) -> None:
        run = p.add_run()
        for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
            if kind is not None:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), kind)
            elif text == code:
                element = OxmlElement("w:instrText")
                element.set(qn("xml:space"), "preserve")
                element.text = f" {code} "
            else:
                element = OxmlElement("w:t")
                element.text = text or ""
            run._r.append(element)

    p.add_run("Page ")
    field("PAGE")
    p.add_run(" of ")
    field("NUMPAGES")
