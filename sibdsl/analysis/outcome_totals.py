"""Analysis: the most each outcome can pay over the whole contract, and their sum, a limit on
the maximum liability that tier bands with their own caps make tight (Istanbul Kodluyor: a
bonus of USD 500 above the 92nd woman, at most USD 25,000).

Input: the compiled `Contract`. Output: `outcomes_limit`: the sum over the outcomes of a sound
upper bound on what each pays in total, or None where some outcome has none. Each outcome's
bound is the least of: its money caps (`cap outcome X GBP ...`, of either behaviour: a cap is
never exceeded); its count (the least of its count caps, and the participants who can claim
it, every cohort it is for having a size and the outcome being `for cohort` or the contract
having one cohort, times its repeat limit) times the most one claim can
be priced at (`participant.best_price`, indexation and band caps included); and, for a tiered
tariff, the sum over its bands (a band of zero pays nothing; a band with a cap pays at most the
cap; a closed band at most its outcome numbers times its price, rounded, or the best price
where indexation can raise it; an open band without a cap has no bound). A cohort-level
outcome is bounded by its money cap only. Settlement never pays a claim more than its price,
so no ledger pays an outcome more than this.
"""

from __future__ import annotations

from decimal import Decimal

from sibdsl.analysis.participant import TOO_LARGE, best_price
from sibdsl.core.money import ZERO, round_money
from sibdsl.model.contract import Contract, Outcome, TieredTariff


def tier_total(contract: Contract, o: Outcome, tariff: TieredTariff, ceiling: Decimal) -> Decimal | None:
    header = contract.header
    rising = o.indexation is not None and o.indexation.rate > 0
    total = ZERO
    for band in tariff.bands:
        if band.price == 0:
            continue  # zero, indexed or not
        per = ceiling if rising else min(ceiling, round_money(band.price, header.rounding_unit, header.rounding))
        most = None if band.last is None else per * (band.last - band.first + 1)
        if band.cap is not None:
            most = band.cap if most is None else min(most, band.cap)
        if most is None:
            return None
        total += most
    return total


def outcome_total(contract: Contract, o: Outcome) -> Decimal | None:
    """A sound upper bound on what `o` pays over the whole contract (None: none found)."""
    candidates: list[Decimal] = [c.limit for c in contract.caps
                                 if c.scope == "outcome" and c.target == o.name and c.measure == "money"]
    if o.tariff.kind == "cohort_level":
        return min(candidates, default=None)
    ceiling = best_price(o, None, contract, any_subgroup=True)
    if ceiling is None:
        return ZERO  # no claim of it is ever paid more than zero
    if ceiling is TOO_LARGE or not ceiling.is_finite():
        return min(candidates, default=None)
    counts = [int(c.limit) for c in contract.caps if c.scope == "outcome" and c.target == o.name
              and c.measure == "count"]
    cohorts = [c for c in contract.cohorts if not o.cohorts or c.name in o.cohorts]
    times = o.times_limit
    # a participant whose claims name no cohort, in a contract of several, is in none and is
    # not counted by any size: only `for cohort` (or a single cohort) keeps it out
    closed = bool(o.cohorts) or len(contract.cohorts) == 1
    if closed and cohorts and times is not None and all(c.size is not None for c in cohorts):
        counts.append(sum(c.size or 0 for c in cohorts) * times)
    if counts:
        candidates.append(min(counts) * ceiling)
    if isinstance(o.tariff, TieredTariff):
        tier = tier_total(contract, o, o.tariff, ceiling)
        if tier is not None:
            candidates.append(tier)
    return min(candidates, default=None)


def outcomes_limit(contract: Contract) -> Decimal | None:
    """The sum of every outcome's bound, where each has one, and some tier band has a cap (the
    only case where this limit can be below the others); None otherwise."""
    if not any(isinstance(o.tariff, TieredTariff) and o.tariff.has_band_caps for o in contract.outcomes):
        return None
    total = ZERO
    for o in contract.outcomes:
        most = outcome_total(contract, o)
        if most is None:
            return None
        total += most
    return total
