"""Settlement: what one claim is worth before caps, by its outcome's tariff.

Input: the outcome, the claim (sub-group, measured value, date), how many of this outcome
were paid before it and what each band has paid (for tiered bands). Output: the price rounded
by the contract's rule (a band's cap may lower it), or a reason why there is none, or
`band_pays_nothing` (a band of zero, or a band whose cap is used up). Cohort-level tariffs are priced in `cohort_level.py`.

The price is exact until it is rounded, once, by the contract's rule: indexation is computed
in a decimal context as wide as its result (price digits + years x digits of the yearly
factor), not the default 28 digits, and never changes the global context.
"""

from __future__ import annotations

import decimal
import itertools
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import assert_never

from sibdsl.core.money import HUNDRED, ONE, ZERO, digits, exact, round_money
from sibdsl.model.contract import (
    Band,
    CohortLevelTariff,
    FixedTariff,
    Indexation,
    Outcome,
    PerUnitTariff,
    SlidingTariff,
    SubgroupTariff,
    TieredTariff,
)
from sibdsl.settlement.plan import whole_months
from sibdsl.settlement.records import Reason


def scale_percent(tariff: SlidingTariff, value: Decimal) -> Decimal:
    """Linear between points; below the first point its percentage, above the last the last's."""
    points = tariff.points
    if value <= points[0].at:
        return points[0].percent
    for low, high in itertools.pairwise(points):
        if value <= high.at:
            return low.percent + (high.percent - low.percent) * (value - low.at) / (high.at - low.at)
    return points[-1].percent


def full_years(start: date, day: date) -> int:
    """Anniversaries passed, by the month rule (29 February + 1 year = 28 February)."""
    if day < start:
        return 0
    return whole_months(start, day) // 12


def price(outcome: Outcome, subgroup: str | None, value: Decimal | None, achieved: date, paid_before: int,
          unit: Decimal, rule: str, band_paid: Callable[[int], Decimal] = lambda _band: ZERO,
          words: Callable[[Decimal], str] = lambda amount: f"{amount:,f}") -> tuple[Decimal, Reason | None, str]:
    """(price, None, detail) or (0, reason, detail). `paid_before`: the claims of this outcome
    paid before (in full, in part, or nothing in a band that pays nothing), counted within the
    tariff's sub-group where it says so; `band_paid(i)`: what band i of a tiered tariff has paid
    so far (for its cap). Reason `band_pays_nothing` is not a rejection: the claim is paid zero
    and counts (docs/settlement.md); the detail of a price a band's cap lowered says so."""
    tariff = outcome.tariff
    match tariff:
        case FixedTariff():
            amount = tariff.price
        case SubgroupTariff():
            found = next((p.price for p in tariff.subgroup_prices if p.subgroup == subgroup), None)
            if found is None:
                found = tariff.otherwise
            if found is None:
                return ZERO, Reason.NO_PRICE, f"no price for sub-group {subgroup or '(none given)'}"
            amount = found
        case TieredTariff():
            within = tariff.counted_within
            if within is not None and subgroup != within:
                return ZERO, Reason.NO_PRICE, (f"the tiered price counts only sub-group {within}'s outcomes; this "
                                               f"participant is in {'sub-group ' + subgroup if subgroup else 'no sub-group'}")
            n = paid_before + 1
            index = tariff.band_index(n)
            if index is None:
                return ZERO, Reason.NO_PRICE, f"no band prices outcome number {n}"
            band = tariff.bands[index]
            if band.price == 0:
                return ZERO, Reason.BAND_PAYS_NOTHING, f"outcome number {n}{_counted(tariff)} is in the band " \
                    f"{band_words(band)}, which pays nothing"
            amount = band.price
        case SlidingTariff():
            if value is None:
                return ZERO, Reason.VALUE_MISSING, f"the tariff needs the measured value of {tariff.measure!r}"
            percent = scale_percent(tariff, value)
            with decimal.localcontext(exact(digits(tariff.price) + digits(percent) + 2)):  # / 100 shifts the point
                amount = tariff.price * percent / HUNDRED
            if amount <= 0:
                return ZERO, Reason.BELOW_THRESHOLD, f"{tariff.measure} of {value} pays 0% on the scale"
        case PerUnitTariff():
            if value is None:
                return ZERO, Reason.VALUE_MISSING, f"the tariff needs the number of {tariff.unit} the claim is for"
            if value <= 0:
                return ZERO, Reason.BELOW_THRESHOLD, f"{value} {tariff.unit} pays nothing"
            units = min(value, tariff.limit)
            with decimal.localcontext(exact(digits(tariff.price) + digits(units) + 1)):
                amount = tariff.price * units
        case CohortLevelTariff():
            return ZERO, Reason.COHORT_LEVEL_OUTCOME, "a cohort-level outcome is paid from measurements"
        case _:
            assert_never(tariff)
    if outcome.indexation is not None:
        amount = indexed(amount, outcome.indexation, full_years(outcome.indexation.start, achieved))
    rounded = round_money(amount, unit, rule)
    if rounded <= 0:
        return ZERO, Reason.BELOW_THRESHOLD, f"the price {amount} rounds to {rounded}"
    if isinstance(tariff, TieredTariff):
        return _band_cap(tariff, rounded, paid_before + 1, band_paid, words)
    return rounded, None, ""


def indexed(amount: Decimal, indexation: Indexation, years: int) -> Decimal:
    """The price after `years` whole years of indexation, exact (not yet rounded)."""
    if not years:
        return amount
    rate = indexation.rate
    with decimal.localcontext(exact(digits(rate) + 3)):
        factor = ONE + rate / HUNDRED
    with decimal.localcontext(exact(digits(amount) + years * digits(factor) + 2)):
        return amount * factor ** years


def band_words(band: Band) -> str:
    """`for outcomes 1 to 92`, `from outcome 93 onwards`."""
    return f"for outcomes {band.first} to {band.last}" if band.last is not None else \
        f"from outcome {band.first} onwards"


def _counted(tariff: TieredTariff) -> str:
    return f" of sub-group {tariff.counted_within}" if tariff.counted_within is not None else ""


def _band_cap(tariff: TieredTariff, price: Decimal, n: int, band_paid: Callable[[int], Decimal],
              words: Callable[[Decimal], str]) -> tuple[Decimal, Reason | None, str]:
    """A band's cap limits the price to what is left of it: the band pays in part, then nothing."""
    index = tariff.band_index(n)
    assert index is not None  # priced above
    band = tariff.bands[index]
    if band.cap is None:
        return price, None, ""
    left = band.cap - band_paid(index)
    if left >= price:
        return price, None, ""
    if left <= 0:
        return ZERO, Reason.BAND_PAYS_NOTHING, (f"outcome number {n}{_counted(tariff)} is in the band "
                                                f"{band_words(band)}, whose cap of {words(band.cap)} is used up")
    return left, None, (f"priced {words(left)}, not {words(price)}: the band {band_words(band)} has {words(left)} "
                        f"left of its cap of {words(band.cap)}")
