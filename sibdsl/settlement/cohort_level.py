"""Settlement: price a cohort-level result (improvement against a baseline, with a threshold).

Input: a cohort-level outcome and a `Measurement` (baseline, observed). Output: the payment,
or why there is none. Improvement is baseline - observed for a reduction, observed - baseline
for an increase. A percentage unit or threshold is relative to the baseline (a 10% reduction
of 120 reconvictions is 12); a plain number is absolute.
"""

from __future__ import annotations

from decimal import Decimal

from sibdsl.model.contract import Outcome
from sibdsl.settlement.money import HUNDRED, ZERO, round_money
from sibdsl.settlement.records import Measurement, Reason


def price_measurement(outcome: Outcome, m: Measurement, unit: Decimal, rule: str) -> tuple[Decimal, Reason | None, str]:
    tariff = outcome.tariff
    change = m.baseline - m.observed if tariff.direction == "reduction" else m.observed - m.baseline
    relative = change * HUNDRED / m.baseline if m.baseline != 0 else ZERO
    if tariff.threshold is not None:
        measured = relative if tariff.threshold_is_percent else change
        if measured < tariff.threshold:
            shown = f"{relative:.2f}%" if tariff.threshold_is_percent else f"{change}"
            return ZERO, Reason.BELOW_THRESHOLD, f"{tariff.direction} of {shown} is below the threshold"
    if change <= 0:
        return ZERO, Reason.BELOW_THRESHOLD, f"no {tariff.direction} against the {tariff.baseline}"
    per = tariff.per or Decimal(1)
    units = (relative if tariff.per_is_percent else change) / per
    amount = round_money((tariff.price or ZERO) * units, unit, rule)
    if amount <= 0:  # an improvement worth nothing once rounded is not a result to pay (nor to count)
        return ZERO, Reason.BELOW_THRESHOLD, (f"{tariff.direction} of {relative:.2f}% is worth "
                                              f"{amount:f} after rounding to {unit:f}")
    return amount, None, f"{tariff.direction} of {relative:.2f}% ({change} against {m.baseline})"
