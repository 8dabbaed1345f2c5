"""Language server: spans (1-based lines, columns in code points) <-> LSP positions.

Input: a document's text and a `Span` or an LSP (line, character) pair. Output: the other.
LSP counts characters in UTF-16 code units (the protocol's default encoding), so a `£` is one
unit and an emoji two; columns past the end of a line are clamped to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sibdsl.core.source import Span


def _units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


@dataclass
class Lines:
    """A document's lines, for converting positions."""

    text: str

    def __post_init__(self) -> None:
        self.lines = self.text.split("\n")

    def line(self, index: int) -> str:
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def to_lsp(self, line: int, column: int) -> tuple[int, int]:
        """A 1-based (line, column) of the compiler -> a 0-based (line, UTF-16 character)."""
        index = max(line - 1, 0)
        if index >= len(self.lines):
            index = max(len(self.lines) - 1, 0)
            return index, sum(_units(c) for c in self.line(index))
        text = self.line(index)
        return index, sum(_units(c) for c in text[: max(column - 1, 0)])

    def span_to_lsp(self, span: Span) -> tuple[tuple[int, int], tuple[int, int]]:
        start = self.to_lsp(span.line, span.column)
        end = self.to_lsp(span.end_line, span.end_column)
        if end < start:
            end = start
        return start, end

    def to_offset(self, line: int, character: int) -> int:
        """A 0-based LSP position -> an offset in the text (clamped to the document)."""
        if line >= len(self.lines):
            return len(self.text)
        offset = sum(len(x) + 1 for x in self.lines[:line])
        units = 0
        for i, ch in enumerate(self.line(line)):
            if units >= character:
                return offset + i
            units += _units(ch)
        return offset + len(self.line(line))

    def to_column(self, line: int, character: int) -> int:
        """A 0-based LSP position -> the compiler's 1-based column on that line."""
        return self.to_offset(line, character) - self.to_offset(line, 0) + 1
