"""Phase 2: the symbol table and typed value helpers shared by the resolvers.

Input: AST declarations and the contract's sink.
Output: `Scope`, which records every declared name with its kind and span, reports
duplicates, resolves references (with "did you mean"), and turns AST values into checked
Decimals, whole numbers, durations and dates.
"""

from __future__ import annotations

import calendar
import difflib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import cast

from sibdsl.core.currency import MINOR_UNITS
from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.core.source import Span
from sibdsl.model.contract import Duration, TimeUnit
from sibdsl.semantics.values import COUNT, DURATION, MONEY, NUMBER, PERCENT, Evaluator, Value, fmt, kind_words
from sibdsl.syntax import ast

KIND_WORDS = {
    "payer": "a payer", "provider": "a provider", "intermediary": "an intermediary",
    "validator": "a validator", "investor": "an investor", "cohort": "a cohort",
    "subgroup": "a sub-group", "outcome": "an outcome", "tranche": "a tranche", "reset": "a reset",
}
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass
class Symbol:
    name: str
    kind: str
    span: Span


class Scope:
    def __init__(self, sink: DiagnosticSink) -> None:
        self.sink = sink
        self.symbols: dict[str, Symbol] = {}
        self.unknown = 0  # unknown names reported so far
        self.evaluate = Evaluator(sink, None)

    # ------------------------------------------------------------ names
    def declare(self, name: ast.Name, kind: str) -> bool:
        first = self.symbols.get(name.text)
        if first is not None:
            self.sink.add("SIB102", f"'{name.text}' is already declared as {KIND_WORDS[first.kind]}",
                          name.span, labels=[Label(first.span, "first declared here")],
                          hint="give each declaration its own name")
            return False
        self.symbols[name.text] = Symbol(name.text, kind, name.span)
        return True

    def names_of(self, *kinds: str) -> list[str]:
        return [s.name for s in self.symbols.values() if s.kind in kinds]

    def refer(self, name: ast.Name, *kinds: str) -> str | None:
        """Resolve a reference to a name of one of `kinds`; report and return None if not."""
        symbol = self.symbols.get(name.text)
        wanted = " or ".join(KIND_WORDS[k] for k in kinds)
        if symbol is None:
            self.unknown += 1
            candidates = self.names_of(*kinds) if self.unknown <= 50 else []  # suggestions cost O(names) each
            close = difflib.get_close_matches(name.text, candidates, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else (
                f"declared names of that kind: {', '.join(candidates[:8])}" if candidates
                else f"declare {wanted} named '{name.text}' first")
            self.sink.add("SIB101", f"unknown name '{name.text}': no {wanted.replace('a ', '').replace('an ', '')} "
                          "has this name", name.span, hint=hint)
            return None
        if symbol.kind not in kinds:
            self.sink.add("SIB103", f"'{name.text}' is {KIND_WORDS[symbol.kind]}, but {wanted} is needed here",
                          name.span, labels=[Label(symbol.span, f"'{name.text}' declared here")],
                          hint="check the name")
            return None
        return symbol.name

    # ------------------------------------------------------------ values
    def value(self, expr: ast.Expr, kinds: tuple[str, ...], what: str, unit: str | None = None) -> Value | None:
        value = self.evaluate(expr)
        if value is None:
            return None
        if value.kind not in kinds or (unit is not None and value.kind == COUNT and value.unit != unit):
            wanted = " or ".join(kind_words(k, unit if k == COUNT else None) for k in kinds)
            hint = _unit_hint(value, kinds, unit, self.evaluate.currency, expr)
            self.sink.add("SIB201", f"{what} must be {wanted}, not {kind_words(value.kind, value.unit)} "
                          f"({value.describe()})", expr.span, hint=hint)
            return None
        return value

    def money(self, expr: ast.Expr, what: str, positive: bool = True) -> Decimal | None:
        value = self.value(expr, (MONEY,), what)
        if value is None:
            return None
        if positive and value.amount <= 0:
            worked_out = not isinstance(expr, ast.MoneyLit)
            self.sink.add("SIB206", f"{what} must be more than zero, not {value.describe()}", expr.span,
                          hint=(f"this works out at {value.describe()}: check the arithmetic" if worked_out else
                                f"write the amount the contract means, above zero (as in {value.unit} 1,500)"))
            return None
        places = MINOR_UNITS.get(value.unit or "", 2)
        exponent = value.amount.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            shown = f"{value.amount:.{places + 4}f}".rstrip("0") + ("..." if -exponent > places + 4 else "")
            self.sink.add("SIB208", f"{what} of {value.unit} {shown} has more decimal places than {value.unit} "
                          f"allows ({places})", expr.span,
                          hint=f"round it to {places} decimal places; settlement rounds each payment by the "
                               "contract's rounding rule")
        return value.amount

    def percent(self, expr: ast.Expr, what: str, low: Decimal = Decimal(0), high: Decimal = Decimal(100)) -> Decimal | None:
        value = self.value(expr, (PERCENT,), what)
        if value is None:
            return None
        if not low <= value.amount <= high:
            self.sink.add("SIB206", f"{what} must be between {low}% and {high}%, not {value.describe()}", expr.span,
                          hint=f"write a percentage from {low}% to {high}%")
            return None
        return value.amount

    def whole(self, expr: ast.Expr, what: str, unit: str, minimum: int = 1) -> int | None:
        value = self.value(expr, (COUNT,), what, unit)
        if value is None:
            return None
        return self.whole_amount(value.amount, expr.span, what, minimum)

    def whole_amount(self, amount: Decimal, span: Span, what: str, minimum: int = 1) -> int | None:
        if amount != amount.to_integral_value():
            low, high = int(amount.to_integral_value(rounding="ROUND_FLOOR")), int(amount.to_integral_value(
                rounding="ROUND_CEILING"))
            choice = f"{low} or {high}" if low >= minimum else f"{max(high, minimum)}"
            self.sink.add("SIB205", f"{what} must be a whole number, not {amount}", span,
                          hint=f"write a whole number, such as {choice}")
            return None
        if amount < minimum:
            self.sink.add("SIB206", f"{what} must be at least {minimum}, not {amount}", span,
                          hint=f"write a whole number of {minimum} or more")
            return None
        return int(amount)

    def duration(self, expr: ast.Expr, what: str) -> Duration | None:
        value = self.value(expr, (DURATION,), what)
        if value is None:
            return None
        amount = self.whole_amount(value.amount, expr.span, what, minimum=0)
        if amount is None:
            return None
        return Duration(amount=amount, unit=cast(TimeUnit, value.unit or "days"))

    def date(self, lit: ast.DateLit) -> date | None:
        match = _DATE.match(lit.text)
        if match is None:  # the grammar only admits this shape
            return None
        year, month, day = (int(g) for g in match.groups())
        if not 1 <= month <= 12:
            self.sink.add("SIB301", f"{lit.text} is not a date: there is no month {month}", lit.span,
                          hint="dates are written YYYY-MM-DD")
            return None
        if year < 1900 or year > 2200:
            self.sink.add("SIB301", f"{lit.text} is not a plausible contract date", lit.span,
                          hint="dates are written YYYY-MM-DD")
            return None
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            self.sink.add("SIB301", f"{lit.text} is not a date: {calendar.month_name[month]} {year} has "
                          f"{last} days", lit.span, hint=f"did you mean {year:04d}-{month:02d}-{last:02d}?")
            return None
        return date(year, month, day)


def _has_percent(expr: ast.Expr) -> bool:
    if isinstance(expr, ast.PercentLit):
        return True
    if isinstance(expr, ast.Product):
        return any(_has_percent(f) for f in expr.factors)
    if isinstance(expr, ast.Sum):
        return any(_has_percent(t) for t in expr.terms)
    return False


def _unit_hint(value: Value, kinds: tuple[str, ...], unit: str | None, currency: str | None,
               expr: ast.Expr) -> str:
    if value.kind == NUMBER and not isinstance(expr, ast.NumberLit):
        # a computed plain number: say what it works out at before suggesting a form
        worked = f"this works out at the plain number {fmt(value.amount)}"
        if _has_percent(expr):
            worked += " (a percentage divided by a percentage is a plain number)"
            if PERCENT in kinds:
                return f"{worked}; as a percentage that is {fmt(value.amount * 100)}%"
        if MONEY in kinds:
            return f"{worked}; write the amount with its currency, as in {currency or 'GBP'} {fmt(value.amount)}"
        if PERCENT in kinds:
            return f"{worked}; write the percentage itself, as in {fmt(value.amount)}%"
        if COUNT in kinds:
            return f"{worked}; write the number with its unit, as in {fmt(value.amount)} {unit or 'participants'}"
        if DURATION in kinds:
            return f"{worked}; write the duration with its unit, as in {fmt(value.amount)} months"
    if value.kind == PERCENT and MONEY in kinds and _has_percent(expr) and not isinstance(expr, ast.PercentLit):
        return ("a percentage times a plain number is a percentage; for a share of an amount, multiply the "
                f"amount: {currency or 'GBP'} 1,000 * 50%")
    if value.kind == NUMBER:
        if MONEY in kinds:
            return f"write the amount with its currency: {currency or 'GBP'} {value.amount:,}"
        if COUNT in kinds:
            return f"write the unit: {value.amount} {unit or 'participants'}"
        if PERCENT in kinds:
            return f"write it as a percentage: {value.amount}%"
        if DURATION in kinds:
            return f"write the unit: {value.amount} months (or days, weeks, years)"
    return "every number carries its unit; see `sibc explain SIB201`"
