"""Reporting: diagnostics for people.

Input: `Diagnostic` values and the source they point into. Output: text in the form
    file:line:col: error[SIB101]: unknown name 'move_inn'
       |
     7 |   after move_inn
       |         ^^^^^^^^
       = hint: did you mean 'move_in'?
with optional ANSI colour (only on a terminal; NO_COLOR respected by the caller).
"""

from __future__ import annotations

from sibdsl.core.diagnostics import Diagnostic, Severity
from sibdsl.core.source import SourceFile, Span

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.NOTE: "36"}
NO_EXCERPT = frozenset({"SIB999"})  # an internal error is about sibc, not about a line of the contract


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def _excerpt(source: SourceFile | None, span: Span, marker: str, label: str, colour: bool, code: str) -> list[str]:
    if source is None:
        return []
    line_text = source.line_text(span.line)
    if not line_text and span.line > source.line_count:
        return []
    end_col = span.end_column if span.end_line == span.line else len(line_text) + 1
    first = 0  # a long line is shown from a little before the caret, so the caret stays in view
    if len(line_text[: span.column - 1].expandtabs(4)) > 120:
        first = max(0, span.column - 1 - 40)
    prefix = "... " if first else ""
    shown = prefix + line_text[first:].expandtabs(4)
    if len(shown) > 160:
        shown = shown[:160] + " ..."
    width = len(str(span.line))
    start = len(prefix) + len(line_text[first: span.column - 1].expandtabs(4))
    length = max(1, min(len(line_text[span.column - 1: end_col - 1].expandtabs(4)), max(1, 160 - start)))
    underline = " " * start + _paint(marker * length, code, colour)
    if label:
        underline += " " + _paint(label, code, colour)
    gutter = " " * width
    return [f" {gutter} |", f" {span.line} | {shown}", f" {gutter} | {underline}"]


def render(diagnostic: Diagnostic, source: SourceFile | None, colour: bool = False) -> str:
    sev = diagnostic.severity
    code = _COLOURS[sev]
    head = f"{diagnostic.file}:{diagnostic.span.line}:{diagnostic.span.column}: " \
           f"{_paint(f'{sev.value}[{diagnostic.code}]', code + ';1', colour)}: {diagnostic.message}"
    lines = [head]
    if sev is Severity.NOTE and not diagnostic.hint and not diagnostic.detail:
        return head  # a note (an assertion proven) is one line
    if diagnostic.code not in NO_EXCERPT:
        lines += _excerpt(source, diagnostic.span, "^", "", colour, code)
    for label in diagnostic.labels:
        if label.span.line == diagnostic.span.line and label.span.column == diagnostic.span.column:
            continue
        lines.append(f"   = {label.message} at line {label.span.line}:")
        lines += _excerpt(source, label.span, "-", label.message, colour, "34")
    if diagnostic.hint:
        lines.append(f"   = {_paint('hint', '32', colour)}: {diagnostic.hint}")
    if diagnostic.detail:
        lines += [f"     {line}" for line in diagnostic.detail.splitlines()]
    return "\n".join(lines)


def summary(errors: int, warnings: int, files: int, colour: bool = False) -> str:
    if errors == 0 and warnings == 0:
        return _paint(f"{files} contract{'s' if files != 1 else ''} checked: no problems found", "32", colour)
    parts = [f"{errors} error{'s' if errors != 1 else ''}", f"{warnings} warning{'s' if warnings != 1 else ''}"]
    return f"{files} contract{'s' if files != 1 else ''} checked: " + ", ".join(parts)
