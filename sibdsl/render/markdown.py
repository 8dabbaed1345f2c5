"""Phase 6, rendering: the Markdown writer.

Input: a `Document` (the IR of `document.py`). Output: CommonMark text with GitHub tables:
the title as `#`, numbered headings and paragraphs with their numbers in bold, each table
with its caption in bold above it and its note below. Cell text is escaped (`|`, line breaks)
so that a table stays one row per line.
"""

from __future__ import annotations

from sibdsl.render.document import Block, Bullets, Document, Heading, Paragraph, Table, Terms


def _escape(text: str) -> str:
    """Text in running Markdown: the characters that would start markup are escaped."""
    out = text.replace("\\", "\\\\")
    for ch in "*_`[]<>#|":
        out = out.replace(ch, "\\" + ch)
    return out


def _cell(text: str) -> str:
    return _escape(" ".join(text.split())) or " "


def write_markdown(doc: Document) -> str:
    lines = [f"# {_escape(doc.title)}", ""]
    for line in doc.subtitle:
        lines += [f"**{_escape(line)}**  "]
    lines.append("")
    for block in doc.blocks:
        lines += _block(block)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _block(block: Block) -> list[str]:
    match block:
        case Heading():
            number = f"{block.number} " if block.number else ""
            return ["#" * min(6, block.level + 1) + f" {_escape(number)}{_escape(block.text)}"]
        case Paragraph():
            number = f"**{_escape(block.number)}** " if block.number else ""
            return [number + _escape(block.text)]
        case Bullets():
            return [f"- {_escape(item)}" for item in block.items]
        case Terms():
            return [f"- **{_escape(term)}**: {_escape(meaning)}" for term, meaning in block.items]
        case Table():
            out = [f"**{_escape(block.caption)}**", "", "| " + " | ".join(_cell(h) for h in block.header) + " |",
                   "|" + "---|" * len(block.header)]
            out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
            if block.note:
                out += ["", f"*{_escape(block.note)}*"]
            return out
    raise AssertionError(f"unknown block {block!r}")
