"""Settlement: pooled cohort-level results and payments net of earlier ones.

Input: each measurement as it is decided (in the order of settlement) and each paid
cohort-level result. Output: for an outcome `pooled over A, B`, the pooled figures (the sums of
the cohorts' latest baselines and observed figures) or why there are none; for an outcome
`net of X, Y`, what X and Y have already paid for the cohorts a result covers. The rules are
docs/settlement.md "Pooled results and payments net of earlier ones"; money is Decimal.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from decimal import Decimal

from sibdsl.core.money import ZERO, digits, exact
from sibdsl.model.contract import CohortLevelTariff, Outcome
from sibdsl.settlement.records import Measurement

# what a result measures: the figure's words, the direction and the baseline's kind
MeasureKey = tuple[str, str, str]


def measure_key(outcome: Outcome) -> MeasureKey | None:
    tariff = outcome.tariff
    if not isinstance(tariff, CohortLevelTariff):
        return None
    return (" ".join(tariff.measure.lower().split()), tariff.direction, tariff.baseline)


@dataclass
class PoolBook:
    """The cohorts' latest results by what they measure, and the paid results, in order."""

    latest: dict[tuple[MeasureKey, str], Measurement] = field(default_factory=dict)
    paid: list[tuple[str, frozenset[str | None], Decimal]] = field(default_factory=list)

    def copy(self) -> PoolBook:
        """The same results, in a book of its own (a trial of settlement/share_caps.py changes it)."""
        return PoolBook(dict(self.latest), list(self.paid))

    def record(self, m: Measurement, outcome: Outcome) -> None:
        """A measurement for one cohort, whatever its decision (not a duplicate, not late): the latest
        result of that cohort for what its outcome measures."""
        key = measure_key(outcome)
        if key is not None and m.cohort is not None and m.given:
            self.latest[(key, m.cohort)] = m

    def pooled(self, outcome: Outcome) -> tuple[Decimal, Decimal, list[Measurement]] | list[str]:
        """(pooled baseline, pooled observed, the results used), or the cohorts without a result."""
        key = measure_key(outcome)
        used: list[Measurement] = []
        missing: list[str] = []
        for cohort in outcome.pooled:
            found = self.latest.get((key, cohort)) if key is not None else None
            if found is None:
                missing.append(cohort)
            else:
                used.append(found)
        if missing:
            return missing
        numbers = [x for m in used for x in (m.baseline, m.observed)]
        with decimal.localcontext(exact(sum(digits(x) for x in numbers) + len(numbers))):
            baseline = sum((m.baseline for m in used), ZERO)
            observed = sum((m.observed for m in used), ZERO)
        return baseline, observed, used

    def already_paid(self, outcome: Outcome, covered: tuple[str | None, ...]) -> Decimal:
        """What the outcomes of `net of` have paid (in full or in part) for any cohort that the
        result covers, each earlier paid result counted once."""
        if not outcome.net_of:
            return ZERO
        mine = frozenset(covered)
        names = frozenset(outcome.net_of)
        return sum((amount for name, cohorts, amount in self.paid if name in names and cohorts & mine), ZERO)

    def add_paid(self, outcome: str, covered: tuple[str | None, ...], amount: Decimal) -> None:
        self.paid.append((outcome, frozenset(covered), amount))
