"""Settlement: each investor's returns from its settled flows (issue 11).

Phase: settlement, after the waterfall. Input: an investor's `Account` (drawn, received,
dated signed flows). Output: the money multiple (received / drawn, an exact Decimal to 28
significant digits) and the IRR (`pyxirr.xirr` on the dated flows: a rate a year, a float;
None where there is no answer: nothing drawn, nothing received, or no rate that solves it).
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sibdsl.core.money import ZERO

if TYPE_CHECKING:
    from sibdsl.settlement.waterfall import Account


def money_multiple(account: Account) -> Decimal | None:
    """received / drawn; None where nothing was drawn."""
    if account.drawn <= 0:
        return None
    with decimal.localcontext(decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)):
        return account.received / account.drawn


def dated_flows(account: Account) -> list[tuple[date, Decimal]]:
    """The account's flows, one net amount per date, in date order."""
    by_day: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for day, amount in account.flows:
        by_day[day] += amount
    return sorted(by_day.items())


def irr(account: Account) -> float | None:
    """The internal rate of return a year of the account's flows (XIRR, actual/365), or None
    where there is none: no draw, no receipt, or pyxirr finds no rate (its errors are caught)."""
    if account.drawn <= 0 or account.received <= 0:
        return None
    flows = dated_flows(account)
    if not any(a < 0 for _, a in flows) or not any(a > 0 for _, a in flows):
        return None
    try:
        import pyxirr

        rate = pyxirr.xirr([d for d, _ in flows], [float(a) for _, a in flows])
    except Exception:  # pyxirr.InvalidPaymentsError, a failure to converge: no answer
        return None
    if rate is None or rate != rate or rate in (float("inf"), float("-inf")):
        return None
    return float(rate)


def multiple_text(value: Decimal | None) -> str:
    """A money multiple as the summary shows it: `1.25x`, or `n/a`."""
    if value is None:
        return "n/a"
    return f"{value.quantize(Decimal('0.01'), rounding=decimal.ROUND_HALF_UP)}x"


def irr_text(value: float | None) -> str:
    """An IRR as a percentage to 2 decimals (`7.25%`), or `n/a`."""
    return "n/a" if value is None else f"{value * 100:.2f}%"
