"""The span table: where in the .sib text each part of the model came from.

Input: filled by the semantics phase as it builds the model. Output: `SpanTable`, a dict from
model paths (("outcomes", 3, "tariff"), ("caps", 0), ("header",), () for the whole file) to
source spans. The model itself carries no spans; every diagnostic about a model part finds its
line here, with `of(path)` falling back to the nearest recorded ancestor.
"""

from __future__ import annotations

from sibdsl.core.source import Span

Path = tuple[str | int, ...]
FIRST_LINE = Span(1, 1, 1, 1)


class SpanTable(dict[Path, Span]):
    """Model path -> span of the text it came from."""

    def of(self, *path: str | int) -> Span:
        """The span of `path`, else of its nearest recorded ancestor, else the first line."""
        return span_for(path, self)


def span_for(path: Path, spans: dict[Path, Span]) -> Span:
    for cut in range(len(path), -1, -1):
        found = spans.get(path[:cut])
        if found is not None:
            return found
    return FIRST_LINE
