"""Search: hypothesis strategies for ledgers of claims that fit a given contract.

Input: a compiled `Contract`. Output: strategies drawing small ledgers that exercise its rules:
a few participants (so caps per participant and repeat limits bind), every outcome, dates
inside and just outside the term and windows, start dates inside and outside referral windows,
sub-groups, measured values, duplicate claim ids, conflicting participant data.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from sibdsl.model.contract import Contract
from sibdsl.settlement.records import Claim


def _dates(start: date, end: date) -> st.SearchStrategy[date]:
    span = max(1, (end - start).days)
    inside = st.integers(0, span).map(lambda n: start + timedelta(days=n))
    edge = st.sampled_from([start - timedelta(days=1), start, end, end + timedelta(days=1)])
    return st.one_of(inside, inside, inside, edge)


def claims_for(contract: Contract, max_claims: int = 24) -> st.SearchStrategy[list[Claim]]:
    header = contract.header
    outcomes = [o.name for o in contract.outcomes if o.tariff.kind != "cohort_level"]
    if not outcomes:
        return st.just([])
    cohorts = [c.name for c in contract.cohorts]
    subgroups = [s.name for c in contract.cohorts for s in c.subgroups]
    participants = st.sampled_from([f"p{i}" for i in range(1, 7)])
    values = st.decimals(min_value=Decimal("-1"), max_value=Decimal("3"), places=2, allow_nan=False,
                         allow_infinity=False)
    dates = _dates(header.term_start, header.term_end)

    @st.composite
    def one(draw: st.DrawFn, number: int) -> Claim:
        participant = draw(participants)
        return Claim(
            claim_id=f"c{draw(st.integers(1, max_claims + 4)) if draw(st.integers(0, 9)) == 0 else number}",
            participant=participant,
            outcome=draw(st.sampled_from(outcomes)),
            achieved=draw(dates),
            evidence="e",
            cohort=draw(st.sampled_from(cohorts)) if bool(cohorts) and draw(st.booleans()) else None,
            start=draw(st.one_of(st.none(), dates)),
            subgroup=draw(st.sampled_from(subgroups)) if bool(subgroups) and draw(st.booleans()) else None,
            value=draw(st.one_of(st.none(), values)),
        )

    @st.composite
    def ledger(draw: st.DrawFn) -> list[Claim]:
        n = draw(st.integers(0, max_claims))
        return [draw(one(i)) for i in range(n)]

    return ledger()
