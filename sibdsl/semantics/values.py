"""Phase 2: values with units, and the checked evaluation of value expressions.

Input: `ast.Expr` nodes (numbers as written) and the contract currency.
Output: `Value` (kind, exact Decimal amount, unit or currency), or None with a diagnostic
(wrong currency, incompatible units, numbers too long, division by zero). No float anywhere.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sibdsl.core.currency import MINOR_UNITS, SYMBOLS
from sibdsl.core.diagnostics import DiagnosticSink
from sibdsl.core.source import Span
from sibdsl.syntax import ast

MONEY, PERCENT, DURATION, COUNT, NUMBER = "money", "percentage", "duration", "count", "number"

_CONTEXT = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN,
                           traps=[decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero])

_UNITS = {
    "day": ("duration", "days"), "days": ("duration", "days"),
    "week": ("duration", "weeks"), "weeks": ("duration", "weeks"),
    "month": ("duration", "months"), "months": ("duration", "months"),
    "year": ("duration", "years"), "years": ("duration", "years"),
    "participant": ("count", "participants"), "participants": ("count", "participants"),
    "outcomes": ("count", "outcomes"),
    "time": ("count", "times"), "times": ("count", "times"),
}
_SCALES = {"k": 3, "thousand": 3, "m": 6, "million": 6, "bn": 9, "billion": 9}
MAX_INT_DIGITS = 18
MAX_FRACTION_DIGITS = 10


@dataclass(frozen=True, slots=True)
class Value:
    kind: str
    amount: Decimal
    unit: str | None = None  # currency code for money; days/weeks/... or participants/... otherwise
    exact: Fraction | None = None  # the exact value where `amount` is not (100% / 3): `amount` is it to 60 digits

    def fraction(self) -> Fraction:
        """The exact value: `exact`, or `amount` where that is exact."""
        return self.exact if self.exact is not None else Fraction(self.amount)

    def describe(self) -> str:
        if self.kind == MONEY:
            return f"{self.unit} {fmt(self.amount)}"
        if self.kind == PERCENT:
            return f"{self.amount}%"
        if self.unit:
            return f"{self.amount} {self.unit}"
        return str(self.amount)


def fmt(amount: Decimal) -> str:
    """An amount as a lawyer writes it: 2,513,800 or 1,500.50 (never 2.5E+6)."""
    if amount == amount.to_integral_value():
        return f"{amount:,.0f}"
    return f"{amount.normalize():,f}"


def kind_words(kind: str, unit: str | None = None) -> str:
    if kind == MONEY:
        return "an amount of money"
    if kind == DURATION:
        return "a duration"
    if kind == COUNT:
        return f"a number of {unit}" if unit else "a count"
    if kind == PERCENT:
        return "a percentage"
    return "a plain number"


def parse_number(text: str, span: Span, sink: DiagnosticSink) -> Decimal | None:
    digits = text.replace(",", "")
    whole, _, fraction = digits.partition(".")
    if len(whole.lstrip("0")) > MAX_INT_DIGITS or len(fraction) > MAX_FRACTION_DIGITS:
        shown = text if len(text) <= 24 else text[:20] + "..."
        size = (f"{len(whole)} digits before the point" if len(whole.lstrip("0")) > MAX_INT_DIGITS
                else f"{len(fraction)} decimal places")
        sink.add("SIB016", f"the number {shown} has {size}", span,
                 hint=f"numbers have at most {MAX_INT_DIGITS} digits before the point and "
                      f"{MAX_FRACTION_DIGITS} after")
        return None
    return Decimal(digits)


class Evaluator:
    """Evaluates value expressions for one contract, reporting into its sink."""

    def __init__(self, sink: DiagnosticSink, currency: str | None) -> None:
        self.sink = sink
        self.currency = currency

    def __call__(self, expr: ast.Expr) -> Value | None:
        with decimal.localcontext(_CONTEXT):
            try:
                value = self._eval(expr)
                if value is not None and (not value.amount.is_finite() or value.amount.adjusted() > 40):
                    self.sink.add("SIB206", "this value is far too large for a contract", expr.span,
                                  hint="check the amount and its multipliers")
                    return None
                if value is not None and value.amount.as_tuple().exponent != 0:
                    value = Value(value.kind, Decimal(format(value.amount, "f")), value.unit, value.exact)
                return value
            except (decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero):
                self.sink.add("SIB206", "this value is out of range", expr.span,
                              hint="check the amount and its multipliers")
                return None

    def _eval(self, expr: ast.Expr) -> Value | None:
        if isinstance(expr, ast.MoneyLit):
            return self._money(expr)
        if isinstance(expr, ast.PercentLit):
            amount = parse_number(expr.amount, expr.span, self.sink)
            return None if amount is None else Value(PERCENT, amount)
        if isinstance(expr, ast.QuantityLit):
            amount = parse_number(expr.amount, expr.span, self.sink)
            kind, unit = _UNITS[expr.unit]
            return None if amount is None else Value(kind, amount, unit)
        if isinstance(expr, ast.NumberLit):
            amount = parse_number(expr.amount, expr.span, self.sink)
            return None if amount is None else Value(NUMBER, amount)
        if isinstance(expr, ast.Sum):
            return self._sum(expr)
        if isinstance(expr, ast.Product):
            return self._product(expr)
        raise TypeError(f"not a value: {expr!r}")

    def _money(self, expr: ast.MoneyLit) -> Value | None:
        code = SYMBOLS.get(expr.currency, expr.currency)
        amount = parse_number(expr.amount, expr.span, self.sink)
        if amount is None:
            return None
        if expr.scale:
            amount = amount.scaleb(_SCALES[expr.scale])
        if code not in MINOR_UNITS:
            self.sink.add("SIB204", f"{code} is not an ISO 4217 currency code", expr.span,
                          hint=_currency_hint(code))
            return None
        if self.currency and code != self.currency:
            self.sink.add("SIB203", f"amount in {code}, but the contract is in {self.currency}",
                          expr.span, hint=f"write the amount in {self.currency}, converted at the rate the "
                                          "contract fixes")
            return None
        return Value(MONEY, amount, code)

    def _sum(self, expr: ast.Sum) -> Value | None:
        values = [self._eval(t) for t in expr.terms]
        if any(v is None for v in values):
            return None
        result = values[0]
        assert result is not None
        for op, term, value in zip(expr.ops, expr.terms[1:], values[1:], strict=True):
            assert value is not None
            if result.kind != value.kind or result.unit != value.unit:
                self.sink.add("SIB202", f"cannot {'add' if op == '+' else 'subtract'} "
                              f"{kind_words(value.kind, value.unit)} ({value.describe()}) "
                              f"{'to' if op == '+' else 'from'} {kind_words(result.kind, result.unit)} "
                              f"({result.describe()})", term.span,
                              hint="only values of the same unit add up" +
                                   ("; months and weeks do not convert exactly"
                                    if result.kind == value.kind == DURATION else ""))
                return None
            amount = result.amount + value.amount if op == "+" else result.amount - value.amount
            if result.exact is None and value.exact is None:  # decimals add exactly: nothing to keep
                result = Value(result.kind, amount, result.unit)
                continue
            exact = result.fraction() + value.fraction() if op == "+" else result.fraction() - value.fraction()
            result = _exactly(Value(result.kind, amount, result.unit), exact)
        return result

    def _product(self, expr: ast.Product) -> Value | None:
        values = [self._eval(f) for f in expr.factors]
        if any(v is None for v in values):
            return None
        share = self._percent_of_ratio(expr, values)
        if share is not None:
            return share
        result = values[0]
        assert result is not None
        for op, factor, value in zip(expr.ops, expr.factors[1:], values[1:], strict=True):
            assert value is not None
            combined = self._combine(result, op, value, factor)
            if combined is None:
                return None
            if (op != "/" and result.exact is None and value.exact is None) or not _small(combined.amount):
                result = combined  # only a quotient is inexact in decimals (and an absurd value is refused)
                continue
            exact = result.fraction() / value.fraction() if op == "/" else result.fraction() * value.fraction()
            if PERCENT in (result.kind, value.kind) and combined.kind != PERCENT and op != "/":
                exact /= 100  # GBP 10 * 50%: the percentage as a fraction
            result = _exactly(combined, exact)
        return result

    def _percent_of_ratio(self, expr: ast.Product, values: list[Value | None]) -> Value | None:
        """`100% * GBP 1.2m / GBP 3.6m`: one percentage multiplied by factors whose units cancel
        (a ratio of two amounts, counts or durations) is a percentage, exactly (docs/language.md
        2.7); None where the product is not of that shape (the pairwise rules then apply)."""
        found = [i for i, v in enumerate(values) if v is not None and v.kind == PERCENT]
        if len(found) != 1 or (found[0] > 0 and expr.ops[found[0] - 1] != "*"):
            return None
        k = found[0]
        rest = [(("*" if i == 0 else expr.ops[i - 1]), v) for i, v in enumerate(values) if i != k]
        if all(v is not None and v.kind == NUMBER for _, v in rest):
            return None  # a percentage times plain numbers: the pairwise rules give a percentage
        units: dict[tuple[str, str | None], int] = {}
        for op, v in rest:
            assert v is not None
            if v.kind != NUMBER:
                key = (v.kind, v.unit)
                units[key] = units.get(key, 0) + (1 if op == "*" else -1)
            if (op == "/" and v.amount == 0) or not _small(v.amount):
                return None  # the pairwise rules report the division by zero, or the value out of range
        if any(units.values()) or len(rest) > 8:
            return None
        exact = values[k].fraction() if values[k] is not None else Fraction(0)  # type: ignore[union-attr]
        for op, v in rest:
            assert v is not None
            exact = exact * v.fraction() if op == "*" else exact / v.fraction()
        amount = Decimal(exact.numerator) / Decimal(exact.denominator)
        return _exactly(Value(PERCENT, amount), exact)

    def _combine(self, left: Value, op: str, right: Value, factor: ast.Expr) -> Value | None:
        span = factor.span
        if op == "/":
            if right.amount == 0:
                self.sink.add("SIB207", "division by zero", span,
                              hint="the value after '/' is zero: divide by the number the contract means"
                                   if isinstance(factor, ast.Atom) else
                                   "the value after '/' works out at zero: check the arithmetic")
                return None
            if left.kind == right.kind and left.unit == right.unit:
                return Value(NUMBER, left.amount / right.amount)  # a ratio: GBP 10 / GBP 5 = 2
            if right.kind == NUMBER:
                return Value(left.kind, left.amount / right.amount, left.unit)
            if left.kind == MONEY and right.kind == COUNT:  # GBP 1m / 100 participants: money each
                return Value(MONEY, left.amount / right.amount, left.unit)
        else:
            # a percentage times a plain number is a percentage (100% * 2 / 3); times money, a
            # count or a duration it is that quantity (GBP 10 * 50% = GBP 5)
            if PERCENT in (left.kind, right.kind) and NUMBER in (left.kind, right.kind):
                return Value(PERCENT, left.amount * right.amount)
            if right.kind == PERCENT and left.kind != PERCENT:
                return Value(left.kind, left.amount * right.amount / 100, left.unit)
            if left.kind == PERCENT and right.kind != PERCENT:
                return Value(right.kind, right.amount * left.amount / 100, right.unit)
            if right.kind == NUMBER:
                return Value(left.kind, left.amount * right.amount, left.unit)
            if left.kind == NUMBER:
                return Value(right.kind, left.amount * right.amount, right.unit)
            if {left.kind, right.kind} == {MONEY, COUNT}:  # 150 participants * GBP 15,000
                unit = left.unit if left.kind == MONEY else right.unit
                return Value(MONEY, left.amount * right.amount, unit)
        word = "divide" if op == "/" else "multiply"
        self.sink.add("SIB202", f"cannot {word} {kind_words(left.kind, left.unit)} ({left.describe()}) "
                      f"by {kind_words(right.kind, right.unit)} ({right.describe()})",
                      span, hint="money can be multiplied by a number, a count or a percentage, not by money "
                                 "or a duration")
        return None


def _small(amount: Decimal) -> bool:
    """A value a contract can write (the evaluator refuses larger ones, SIB206): worth keeping exactly."""
    return amount.is_finite() and (not amount or amount.adjusted() <= 40)


def _exactly(value: Value, exact: Fraction) -> Value:
    """`value` with its exact value kept where its Decimal amount is not it."""
    return value if Fraction(value.amount) == exact else Value(value.kind, value.amount, value.unit, exact)


def _currency_hint(code: str) -> str:
    import difflib

    common = ["GBP", "USD", "EUR", "CAD", "AUD", "NZD", "CHF", "JPY", "INR", "ZAR", "KES", "NGN", "COP"]
    anagram = next((c for c in common if sorted(c) == sorted(code.upper())), None)
    if anagram:
        return f"did you mean {anagram}?"
    close = difflib.get_close_matches(code.upper(), common, n=1, cutoff=0.6) or \
        difflib.get_close_matches(code.upper(), list(MINOR_UNITS), n=1, cutoff=0.6)
    return f"did you mean {close[0]}?" if close else "use the three-letter ISO 4217 code (GBP, USD, EUR)"
