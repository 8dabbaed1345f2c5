"""Settlement: price a cohort-level result (improvement against a baseline, with a threshold).

Input: a cohort-level outcome and a `Measurement` (baseline, observed). Output: the payment,
or why there is none. Improvement is baseline - observed for a reduction, observed - baseline
for an increase. A percentage unit or threshold is relative to the baseline (a 10% reduction
of 120 reconvictions is 12); a plain number is absolute.

Exact: the improvement is a Decimal computed in a context as wide as its operands; the relative
improvement, the units and the payment are Fractions (a third of a baseline is not a decimal),
rounded once, by the contract's rule. Only the text shown (`12.50%`) is a rounded decimal.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction

from sibdsl.core.money import ZERO, digits, exact, round_money
from sibdsl.model.contract import CohortLevelTariff, Outcome
from sibdsl.settlement.records import Measurement, Reason


def price_measurement(outcome: Outcome, m: Measurement, unit: Decimal, rule: str) -> tuple[Decimal, Reason | None, str]:
    tariff = outcome.tariff
    if not isinstance(tariff, CohortLevelTariff):
        return ZERO, Reason.NO_PRICE, "not a cohort-level outcome"
    with decimal.localcontext(exact(max(digits(m.baseline), digits(m.observed)) + 1)):
        change = m.baseline - m.observed if tariff.direction == "reduction" else m.observed - m.baseline
    exact_relative = Fraction(change) * 100 / Fraction(m.baseline) if m.baseline != 0 else Fraction(0)
    relative = _shown(exact_relative)
    if tariff.threshold is not None:
        measured = exact_relative if tariff.threshold_is_percent else Fraction(change)
        if measured < tariff.threshold:
            shown = f"{relative:.2f}%" if tariff.threshold_is_percent else f"{change}"
            return ZERO, Reason.BELOW_THRESHOLD, f"{tariff.direction} of {shown} is below the threshold"
    if change <= 0:
        return ZERO, Reason.BELOW_THRESHOLD, f"no {tariff.direction} against the {tariff.baseline}"
    per = Fraction(tariff.per) if tariff.per else Fraction(1)
    units = (exact_relative if tariff.per_is_percent else Fraction(change)) / per
    amount = round_money(Fraction(tariff.price) * units, unit, rule)
    if amount <= 0:  # an improvement worth nothing once rounded is not a result to pay (nor to count)
        return ZERO, Reason.BELOW_THRESHOLD, (f"{tariff.direction} of {relative:.2f}% is worth "
                                              f"{amount:f} after rounding to {unit:f}")
    return amount, None, f"{tariff.direction} of {relative:.2f}% ({change} against {m.baseline})"


def _shown(value: Fraction) -> Decimal:
    """`value` as a decimal to show (28 significant digits, as before), never to compute with."""
    with decimal.localcontext(decimal.Context(prec=28, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)):
        return Decimal(value.numerator) / Decimal(value.denominator)
