"""Shared plumbing: money as text, with the currency's minor unit and never rounded.

Input: an exact Decimal amount and the currency's number of decimal places (2 for GBP, 0 for
JPY, 3 for KWD; see `sibdsl.core.currency.MINOR_UNITS`). Output: the amount written with
exactly that many places (`25000` -> `25000.00`, `0` -> `0.00`), or with more where the amount
itself has more (a request of GBP 100.005 is written `100.005`: output never rounds money).
`grouping=True` adds thousands separators (`25,000.00`) for text a person reads; files get
plain numbers.
"""

from __future__ import annotations

import decimal
from decimal import Decimal


def money_text(amount: Decimal | int, places: int, grouping: bool = False) -> str:
    value = amount if isinstance(amount, Decimal) else Decimal(amount)
    if not value.is_finite():
        return str(value)
    if not value:
        value = Decimal(0)  # no "-0.00"
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    context = decimal.Context(prec=len(digits) + abs(exponent) + places + 2)
    own = value.normalize(context).as_tuple().exponent
    assert isinstance(own, int)
    shown = max(places, -own, 0)
    fixed = value.quantize(Decimal(1).scaleb(-shown), context=context)  # adds zeros only: exact
    return f"{fixed:,f}" if grouping else f"{fixed:f}"
