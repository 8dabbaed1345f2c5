"""Phase 2: the header lines for payments past the term (`claims until`, `run-off`).

Input: the contract's AST, the `Scope`, the term (start and end, already checked) and the span
table. Output: (the claims deadline, the run-off duration), each None when not written or
unusable; diagnostics SIB104 (said twice), SIB305 (a deadline before the last day an outcome
can be achieved) and SIB306 (a run-off that is not a duration of more than zero), each at its
line with a hint. The rules they feed are docs/settlement.md "Payments past the term".
"""

from __future__ import annotations

from datetime import date

from sibdsl.core.calendar import add_duration
from sibdsl.core.diagnostics import Label
from sibdsl.model.contract import Duration, TimeUnit
from sibdsl.model.spans import SpanTable
from sibdsl.semantics.scope import Scope
from sibdsl.semantics.values import DURATION, kind_words
from sibdsl.syntax import ast

_UNIT: dict[str, TimeUnit] = {"days": "days", "weeks": "weeks", "months": "months", "years": "years"}


def single_declaration(tree: ast.ContractFile, cls: type, what: str, scope: Scope) -> ast.Node | None:
    found = [d for d in tree.declarations if isinstance(d, cls)]
    for extra in found[1:]:
        scope.sink.add("SIB104", f"the contract says {what} more than once", extra.span,
                       labels=[Label(found[0].span, "first said here")], hint="keep one")
    return found[0] if found else None


def past_term(tree: ast.ContractFile, scope: Scope, end: date, spans: SpanTable
              ) -> tuple[date | None, Duration | None]:
    """The claims deadline and the run-off, checked against the term end."""
    deadline_decl = single_declaration(tree, ast.ClaimsDeadlineDecl, "its claims deadline", scope)
    run_off_decl = single_declaration(tree, ast.RunOffDecl, "its run-off", scope)
    run_off: Duration | None = None
    if isinstance(run_off_decl, ast.RunOffDecl):
        run_off = _run_off(run_off_decl, scope)
        if run_off is not None:
            spans[("header", "run_off")] = run_off_decl.span
    deadline: date | None = None
    if isinstance(deadline_decl, ast.ClaimsDeadlineDecl):
        day = scope.date(deadline_decl.day)
        if day is not None:
            last = add_duration(end, run_off) if run_off is not None else end
            if day < last:
                what = f"the end of the run-off ({last}, {run_off.amount} {run_off.unit} after the term end {end})" \
                    if run_off is not None else f"the term end ({end})"
                scope.sink.add("SIB305", f"the claims deadline {day} is before {what}: an outcome achieved on "
                               "its last day could never be claimed", deadline_decl.day.span,
                               hint=f"write a deadline on or after {last}, as in `claims until {last}`, "
                                    "or remove the line (then there is no deadline)")
            else:
                deadline = day
                spans[("header", "claims_until")] = deadline_decl.span
    return deadline, run_off


def _run_off(decl: ast.RunOffDecl, scope: Scope) -> Duration | None:
    hint = "write how long after the term end later steps may be achieved, as in `run-off 12 months`"
    value = scope.evaluate(decl.duration)
    if value is None:
        return None
    if value.kind != DURATION or value.unit not in _UNIT:
        scope.sink.add("SIB306", f"the run-off must be a duration (days, weeks, months or years), not "
                       f"{kind_words(value.kind, value.unit)}", decl.duration.span, hint=hint)
        return None
    if value.amount <= 0 or value.amount != value.amount.to_integral_value():
        scope.sink.add("SIB306", f"the run-off must be a whole number of {value.unit} more than zero",
                       decl.duration.span, hint=hint + "; without a run-off, remove the line")
        return None
    return Duration(amount=int(value.amount), unit=_UNIT[value.unit])
