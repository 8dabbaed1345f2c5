"""Source files and spans (shared by all phases).

Input: the text of a .sib file and its display name.
Output: `SourceFile` (line lookup) and `Span` (a half-open character range with 1-based
line/column at both ends), the position that every AST node and diagnostic carries.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """A range of source text: 1-based line and column, character offsets end-exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int
    start: int = 0
    end: int = 0

    def to(self, other: Span) -> Span:
        """The span from the start of self to the end of other."""
        return Span(self.line, self.column, other.end_line, other.end_column, self.start, other.end)


NO_SPAN = Span(1, 1, 1, 1)


@dataclass
class SourceFile:
    """The text of one contract with the offsets at which its lines start."""

    name: str
    text: str
    _starts: list[int] | None = field(default=None, repr=False)

    @property
    def _line_starts(self) -> list[int]:
        """Offsets of line starts, computed on first use (a large ledger may never need them)."""
        if self._starts is None:
            starts = [0]
            find = self.text.find
            pos = find("\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = find("\n", pos + 1)
            self._starts = starts
        return self._starts

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        if line < 1 or line > len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] - 1 if line < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r")

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(line, column, end_line, end_column, start, end)

    def offset(self, line: int, column: int) -> int:
        if line < 1:
            return 0
        if line > len(self._line_starts):
            return len(self.text)
        return self._line_starts[line - 1] + column - 1
