"""Settlement: rounding money by the contract's rule, and splitting a payment between payers.

Input: amounts, the contract's rounding rule and unit, payer shares. Output: exact Decimals.
The shares of a payment always add up to it: each share is rounded by the rule and the
difference goes to the remainder payer (the one the contract names, else the largest share,
first declared on a tie).
"""

from __future__ import annotations

import decimal
from decimal import Decimal

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


def round_money(amount: Decimal, unit: Decimal, rule: str) -> Decimal:
    """Round to a whole number of `unit`s (0.01 = pennies) by the contract's rule."""
    if unit == 0:
        return amount
    if unit.as_tuple().digits == (1,):  # 0.01, 1, 100: a power of ten quantizes directly
        return amount.quantize(unit, rounding=_MODES[rule])
    units = (amount / unit).quantize(ONE, rounding=_MODES[rule])
    return (units * unit).quantize(unit) if unit.as_tuple().exponent < 0 else units * unit  # type: ignore[operator]


def round_down(amount: Decimal, unit: Decimal) -> Decimal:
    return round_money(amount, unit, "down")


def split(amount: Decimal, shares: list[tuple[str, Decimal]], remainder_to: str, unit: Decimal,
          rule: str) -> dict[str, Decimal]:
    """Split `amount` by percentage shares; the parts add up to `amount` exactly."""
    if len(shares) == 1:
        return {shares[0][0]: amount}
    if unit.as_tuple().digits == (1,):  # the usual case: a power of ten (0.01)
        mode = _MODES[rule]
        parts = {name: (amount * share / HUNDRED).quantize(unit, rounding=mode) for name, share in shares}
    else:
        parts = {name: round_money(amount * share / HUNDRED, unit, rule) for name, share in shares}
    parts[remainder_to] += amount - sum(parts.values(), ZERO)
    if parts[remainder_to] < 0:  # tiny amounts: fall back to rounding down, remainder to one payer
        parts = {name: round_down(amount * share / HUNDRED, unit) for name, share in shares}
        parts[remainder_to] += amount - sum(parts.values(), ZERO)
    return parts
