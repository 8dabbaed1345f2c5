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

    maybe_cohort = st.one_of(st.none(), st.sampled_from(cohorts)) if cohorts else st.none()
    maybe_subgroup = st.one_of(st.none(), st.sampled_from(subgroups)) if subgroups else st.none()
    # Strategies are built once: a claim is a tuple of simple draws, numbered afterwards.
    fields = st.tuples(
        st.one_of(st.none(), st.none(), st.none(), st.integers(0, max_claims)),  # reuse an earlier id
        participants, st.sampled_from(outcomes), dates, maybe_cohort, st.one_of(st.none(), dates), maybe_subgroup,
        st.one_of(st.none(), values),
    )

    def build(rows: list[tuple[int | None, str, str, date, str | None, date | None, str | None, Decimal | None]]
              ) -> list[Claim]:
        return [Claim(claim_id=f"c{n if reuse is None else reuse}", participant=p, outcome=o, achieved=d, evidence="e",
                      cohort=c, start=s, subgroup=g, value=v)
                for n, (reuse, p, o, d, c, s, g, v) in enumerate(rows)]

    return st.lists(fields, max_size=max_claims).map(build)
