"""Diagnostics as data (shared by all phases).

Input: what a phase found wrong, with where.
Output: `Diagnostic` values (code, severity, message, primary span, labelled secondary spans,
hint) collected in a `DiagnosticSink`; rendering lives in `sibdsl.emit`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sibdsl.core.codes import CATALOGUE, Code
from sibdsl.core.source import Span


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Label:
    """A secondary span with a short label ("first declared here")."""

    span: Span
    message: str
    file: str | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    file: str
    span: Span
    hint: str | None = None
    labels: tuple[Label, ...] = ()
    detail: str | None = None  # further lines shown after the hint (a counterexample's decisions)

    @property
    def title(self) -> str:
        entry = CATALOGUE.get(self.code)
        return entry.title if entry else ""


# Notes that are about problems: `sibc check -q` keeps them. Every other note (an assertion
# proven, an assertion left to the search) reports good news or method, not a problem.
PROBLEM_NOTES = frozenset({"SIB015"})


def is_problem(diagnostic: Diagnostic) -> bool:
    """An error, a warning, or a note that is about problems (what `-q` still prints)."""
    return diagnostic.severity is not Severity.NOTE or diagnostic.code in PROBLEM_NOTES


@dataclass
class DiagnosticSink:
    """Collects the diagnostics of one file; phases add to it and never raise for bad input."""

    file: str
    items: list[Diagnostic] = field(default_factory=list)

    def add(
        self,
        code: Code,
        message: str,
        span: Span,
        *,
        hint: str | None = None,
        labels: tuple[Label, ...] | list[Label] = (),
        severity: Severity | None = None,
        detail: str | None = None,
    ) -> Diagnostic:
        if severity is None:
            entry = CATALOGUE[code]  # a KeyError here is a bug: every code is catalogued
            severity = entry.severity
        diagnostic = Diagnostic(code, severity, message, self.file, span, hint, tuple(labels), detail)
        self.items.append(diagnostic)
        return diagnostic

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.span.line, d.span.column, d.code))
