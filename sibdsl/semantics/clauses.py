"""Phase 2 helpers: clauses that may be said once per declaration, and clause references.

Input: a declaration's clauses. Output: the first of each kind (reporting repeats, SIB106) and
the text of its `clause "..."` reference.
"""

from __future__ import annotations

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.syntax import ast


def clause_text(clauses: tuple[ast.Node, ...]) -> str | None:
    for c in clauses:
        if isinstance(c, ast.ClauseRef):
            return c.text.value
    return None


def once(clauses: tuple[ast.Node, ...], cls: type, what: str, sink: DiagnosticSink) -> list[ast.Node]:
    found = [c for c in clauses if isinstance(c, cls)]
    for extra in found[1:]:
        sink.add("SIB106", f"{what} is given twice", extra.span,
                 labels=[Label(found[0].span, "first given here")], hint="keep one")
    return found[:1]
