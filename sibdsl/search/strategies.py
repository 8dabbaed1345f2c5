"""Search: hypothesis strategies for ledgers of claims that fit a given contract.

Input: a compiled `Contract`. Output: strategies drawing small ledgers that exercise its rules.
A ledger is a handful of participants (each with a cohort, start date and sub-group, so that
per-participant caps, repeat limits, ladders and exclusive groups bind) and claims for them,
mostly consistent and dated after the participant's start, sometimes not: dates outside the
term or window, starts outside the referral window, resubmitted claim ids, conflicting
participant data, missing or extreme measured values.
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


Person = tuple[str | None, date | None, str | None]


def claims_for(contract: Contract, max_claims: int = 24) -> st.SearchStrategy[list[Claim]]:
    header = contract.header
    outcomes = [o.name for o in contract.outcomes if o.tariff.kind != "cohort_level"]
    if not outcomes:
        return st.just([])
    cohorts = [c.name for c in contract.cohorts]
    subgroups = [s.name for c in contract.cohorts for s in c.subgroups]
    referral_start = min((c.referral_start for c in contract.cohorts if c.referral_start), default=header.term_start)
    referral_end = max((c.referral_end for c in contract.cohorts if c.referral_end), default=header.term_end)
    values = st.one_of(st.none(), st.decimals(min_value=Decimal("-1"), max_value=Decimal("3"), places=2,
                                               allow_nan=False, allow_infinity=False))
    people: st.SearchStrategy[list[Person]] = st.lists(st.tuples(
        st.sampled_from(cohorts) if cohorts else st.none(),
        st.one_of(_dates(referral_start, referral_end), _dates(referral_start, referral_end),
                  _dates(header.term_start, header.term_end), st.none()),
        st.one_of(st.none(), st.sampled_from(subgroups)) if subgroups else st.none(),
    ), min_size=1, max_size=6)
    claim = st.tuples(
        st.one_of(st.none(), st.none(), st.none(), st.none(), st.integers(0, max_claims)),  # resubmit an id
        st.integers(0, 5),  # which participant
        st.sampled_from(outcomes),
        st.one_of(st.integers(0, 400), st.integers(0, 400), _dates(header.term_start, header.term_end)),
        st.integers(0, 19),  # 0: conflicting cohort/start/sub-group; 1-3: omit them; else as recorded
        values,
    )

    def build(drawn: tuple[list[Person], list[tuple[int | None, int, str, int | date, int, Decimal | None]]]
              ) -> list[Claim]:
        persons, rows = drawn
        out = []
        seen: set[int] = set()
        for n, (reuse, who, outcome, when, quirk, value) in enumerate(rows):
            index = who % len(persons)
            cohort, start, subgroup = persons[index]
            base = start or header.term_start
            achieved = base + timedelta(days=when) if isinstance(when, int) else when
            first = index not in seen
            seen.add(index)
            if quirk == 0:
                start = (start or header.term_start) + timedelta(days=1)
                subgroup = subgroups[0] if subgroups and subgroup != subgroups[0] else None
            elif quirk <= 3 and not first:
                cohort = start = subgroup = None
            out.append(Claim(claim_id=f"c{n if reuse is None else reuse}", participant=f"p{index + 1}",
                             outcome=outcome, achieved=achieved, evidence="e", cohort=cohort, start=start,
                             subgroup=subgroup, value=value))
        return out

    return st.tuples(people, st.lists(claim, max_size=max_claims)).map(build)
