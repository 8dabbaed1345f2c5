"""Shared (settlement, the analysis, the search): rounding money by the contract's rule, and splitting a payment between payers.

Input: amounts, the contract's rounding rule and unit, payer shares. Output: exact Decimals.
The shares of a payment always add up to it: each share is rounded by the rule and the
difference goes to the remainder payer (the one the contract names, else the largest share,
first declared on a tie). A share is a percentage (a Decimal) or, where it is not a whole
decimal (100% / 3), an exact Fraction of the payment (`split_exact`); `split_running` is the
per-invoice rule (docs/settlement.md, "Splitting per invoice").

Exactness: every operation runs in a local decimal context wide enough for its operands
(`exact`), never in the default 28 digits (a GBP 10^18 price indexed for a century has 60
digits), and never changes the global context. Rounding happens only in `round_money`, by the
contract's rule, from the exact value (a Decimal or a Fraction).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

_MODES = {
    "half up": decimal.ROUND_HALF_UP,
    "half even": decimal.ROUND_HALF_EVEN,
    "half down": decimal.ROUND_HALF_DOWN,
    "down": decimal.ROUND_DOWN,
    "up": decimal.ROUND_UP,
}
ZERO = Decimal(0)
HUNDRED = Decimal(100)
ONE = Decimal(1)
_DEFAULT_DIGITS = 28


SETTLEMENT_DIGITS = 200  # every sum and product settlement makes of amounts a contract can write is exact
# within this many digits (the largest price, 10^18, indexed 100% a year to 2200, is under 10^80;
# a billion such payments under 10^90): settlement and its outputs run in `wide()`


def wide() -> decimal.Context:
    """The context settlement runs in: sums and products exact at any size a contract can reach;
    rounding only where the contract says, by its rule (quantize), never by the context."""
    return exact(SETTLEMENT_DIGITS, rounds=True)


def digits(value: Decimal) -> int:
    """Significant digits plus the places between them and the point: what an exact sum or
    product of `value` may need (a finite Decimal; 0 for anything else)."""
    if not value.is_finite() or not value:
        return 1
    exponent = int(value.as_tuple().exponent)
    return max(value.adjusted() + 1, 1) + max(-exponent, 0)


def exact(precision: int, *, rounds: bool = False) -> decimal.Context:
    """A context for `decimal.localcontext` in which a result of at most `precision` digits is
    exact. Unless the caller `rounds` on purpose (a quantize by the contract's rule), a result
    that would be rounded raises (decimal.Inexact) instead of being silently wrong."""
    traps = [decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow]
    return decimal.Context(prec=max(precision, _DEFAULT_DIGITS), rounding=decimal.ROUND_HALF_EVEN,
                           Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
                           traps=traps if rounds else [*traps, decimal.Inexact])


def _round_fraction(value: Fraction, rule: str) -> int:
    """`value` rounded to a whole number by the contract's rule (names as in `_MODES`)."""
    floor = value.numerator // value.denominator
    rest = value - floor  # in [0, 1)
    if rest == 0:
        return floor
    positive = value > 0
    if rule == "down":  # toward zero
        return floor if positive else floor + 1
    if rule == "up":  # away from zero
        return floor + 1 if positive else floor
    if rest != Fraction(1, 2):
        return floor + 1 if rest > Fraction(1, 2) else floor
    if rule == "half up":  # a tie away from zero
        return floor + 1 if positive else floor
    if rule == "half down":  # a tie toward zero
        return floor if positive else floor + 1
    return floor if floor % 2 == 0 else floor + 1  # half even


def round_money(amount: Decimal | Fraction, unit: Decimal, rule: str) -> Decimal:
    """Round to a whole number of `unit`s (0.01 = pennies) by the contract's rule, exactly,
    whatever the size of `amount` (a Fraction is an exact quotient such as a third of a price)."""
    if isinstance(amount, Fraction):
        if unit == 0:
            raise ValueError("an exact quotient needs a rounding unit")
        units = _round_fraction(amount / Fraction(unit), rule)
        # decimal digits of |units| (bit_length * log10(2), rounded up), and the unit's
        with decimal.localcontext(exact(units.bit_length() * 30103 // 100000 + 2 + digits(unit))):
            result = Decimal(units) * unit
            exponent = unit.as_tuple().exponent
            return result.quantize(unit) if isinstance(exponent, int) and exponent < 0 else result
    if unit == 0:
        return amount
    if unit.as_tuple().digits == (1,):  # 0.01, 1, 100: a power of ten quantizes directly
        # the rounded value has at most the amount's digits above the point, the unit's below, and a carry
        places = max(-int(unit.as_tuple().exponent), 0)
        with decimal.localcontext(exact(max(amount.adjusted(), 0) + 2 + places, rounds=True)):
            return amount.quantize(unit, rounding=_MODES[rule])
    return round_money(Fraction(amount), unit, rule)


def total(amounts: Iterable[Decimal]) -> Decimal:
    """The exact sum of `amounts`, whatever their size (`sum` rounds to 28 digits)."""
    values = list(amounts)
    if not values:
        return ZERO
    with decimal.localcontext(exact(max(digits(v) for v in values) + len(str(len(values))) + 1)):
        return sum(values, ZERO)


def round_down(amount: Decimal, unit: Decimal) -> Decimal:
    return round_money(amount, unit, "down")


def split(amount: Decimal, shares: list[tuple[str, Decimal]], remainder_to: str, unit: Decimal,
          rule: str) -> dict[str, Decimal]:
    """Split `amount` by percentage shares; the parts add up to `amount` exactly."""
    if len(shares) == 1:
        return {shares[0][0]: amount}
    # each part is amount * share / 100 (exact: dividing by 100 shifts the point) and each sum
    # of parts is at most a few times the amount: all fit in these digits, plus a carry per part
    widest = max(digits(share) for _, share in shares) + 2
    precision = digits(amount) + widest + digits(unit) + len(shares)
    with decimal.localcontext(exact(precision)):
        wanted = {name: amount * share / HUNDRED for name, share in shares}
        parts = {name: round_money(value, unit, rule) for name, value in wanted.items()}
        parts[remainder_to] += amount - sum(parts.values(), ZERO)
        if parts[remainder_to] < 0:  # tiny amounts: fall back to rounding down, remainder to one payer
            parts = {name: round_down(value, unit) for name, value in wanted.items()}
            parts[remainder_to] += amount - sum(parts.values(), ZERO)
    return parts


def split_exact(amount: Decimal, shares: list[tuple[str, Fraction]], remainder_to: str, unit: Decimal,
                rule: str) -> dict[str, Decimal]:
    """`split` with each share an exact Fraction of the payment (1/3, 6/17): the same rule
    (each part rounded, the difference to the remainder payer, all rounded down where the
    remainder part would be negative); the parts add up to `amount` exactly."""
    if len(shares) == 1:
        return {shares[0][0]: amount}
    exact_amount = Fraction(amount)
    wanted = {name: exact_amount * share for name, share in shares}
    parts = {name: round_money(value, unit, rule) for name, value in wanted.items()}
    with decimal.localcontext(exact(digits(amount) + digits(unit) + 2 * len(shares) + 2)):
        parts[remainder_to] += amount - sum(parts.values(), ZERO)
        if parts[remainder_to] < 0:
            parts = {name: round_money(value, unit, "down") for name, value in wanted.items()}
            parts[remainder_to] += amount - sum(parts.values(), ZERO)
    return parts


def split_running(amount: Decimal, before: Decimal, given: dict[str, Decimal], shares: list[tuple[str, Fraction]],
                  remainder_to: str, unit: Decimal, rule: str) -> dict[str, Decimal]:
    """The per-invoice split of one payment of `amount` (docs/settlement.md, "Splitting per
    invoice"): `before` is the total already split in this settlement period and `given[p]`
    what payer p was given of it. Each payer but the remainder payer, in declaration order, is
    owed its share of the new running total (`before + amount`) rounded by the rule, less what
    it was given (never below zero), and is given that as far as the payment goes; the
    remainder payer is given the rest. Every part is at least zero and the parts add up to
    `amount`; where every payment was given in full, each payer's total for the period is its
    share of the period's total, rounded once."""
    owed = {name: Fraction(before) * share for name, share in shares}
    return split_owed(amount, owed, given, shares, remainder_to, unit, rule)


def split_owed(amount: Decimal, owed: dict[str, Fraction], given: dict[str, Decimal],
               shares: list[tuple[str, Fraction]], remainder_to: str, unit: Decimal, rule: str) -> dict[str, Decimal]:
    """`split_running` where the shares may differ from payment to payment (shares per outcome
    or per phase): `owed[p]` is payer p's exact share of the payments split so far in the
    period (the sum of each payment times p's share of it), `shares` this payment's shares."""
    left = amount
    parts: dict[str, Decimal] = {}
    with decimal.localcontext(exact(digits(amount) + max((digits(g) for g in given.values()), default=1)
                                    + digits(unit) + 2 * len(shares) + 2)):
        for name, share in shares:
            if name == remainder_to:
                continue
            target = round_money(owed.get(name, Fraction(0)) + Fraction(amount) * share, unit, rule)
            part = min(max(target - given.get(name, ZERO), ZERO), left)
            parts[name] = part
            left -= part
        parts[remainder_to] = left
    return {name: parts[name] for name, _share in shares}
