"""Phase 6, rendering: the document IR that every writer (Markdown, HTML, DOCX) reads.

Input: built by the schedule and easy-read builders from a compiled `Contract`.
Output: a `Document`, a flat sequence of blocks: numbered headings, paragraphs, bullet lists,
tables and definition lists. Text is plain (no markup); a writer escapes it for its format.
Keeping one IR means the three formats cannot drift apart: the tests read the DOCX tables back
and compare them with the same `Table` blocks the Markdown was written from.
"""

from __future__ import annotations

from sibdsl.core.record import Record, field


class Heading(Record):
    """A numbered heading: `number` as printed ("1", "4.2", "Annex A"; None: unnumbered)."""

    text: str
    level: int = 1
    number: str | None = None


class Paragraph(Record):
    text: str
    number: str | None = None  # a numbered clause: "4.2" printed before the text


class Bullets(Record):
    items: tuple[str, ...]


class Table(Record):
    """A table with a caption; every cell is plain text (figures already in words or money)."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str | None = None


class Terms(Record):
    """A definition list: (term, meaning) pairs, in order."""

    items: tuple[tuple[str, str], ...]


Block = Heading | Paragraph | Bullets | Table | Terms


class Document(Record):
    """A whole document: its title, the lines under it (version, parties, date) and its blocks."""

    title: str
    subtitle: tuple[str, ...] = ()
    blocks: tuple[Block, ...] = field(default=())

    def tables(self) -> tuple[Table, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Table))
