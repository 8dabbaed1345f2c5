"""Search: ledgers aimed at share caps measured each period or over the contract (issue 10.5).

Input: a compiled `Contract`. Output: `share_claims_for`, a hypothesis strategy (None for a
contract without such a cap) drawing ledgers that crowd one or two settlement periods with a
mix of what the shares cap and what they do not: participants in and out of each capped
sub-group in a drawn proportion, outcomes in and out of each share's base (with their
prerequisites, so later steps of refused claims are tried too), prices alike and not, dates
bunched on one day or spread over the period, and claim ids in date order, against it or
shuffled (the refusals' tie-break is the claim id), so that the guarantees (every share holds
exactly where it is measured, no cap exceeded, order and prefix checks) and the assertions are
tried where the shares bind.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import strategies as st

from sibdsl.core.calendar import add_months
from sibdsl.model.contract import Contract, Outcome
from sibdsl.settlement.records import Claim

SHARE_CLAIMS = 60  # the most claims in one ledger
SHARE_CROWD = 12  # a crowded period: enough claims for a share to bind past its rounding


def _ladder(by_name: dict[str, Outcome], name: str) -> list[str]:
    """The outcome after its prerequisites (each once), prerequisites first."""
    out: list[str] = []

    def visit(n: str, depth: int) -> None:
        if n in out or depth > 8:
            return
        for p in by_name[n].prerequisites:
            visit(p.outcome, depth + 1)
        out.append(n)

    visit(name, 0)
    return out


def share_claims_for(contract: Contract) -> st.SearchStrategy[list[Claim]] | None:
    shares = [cap for cap in contract.caps if cap.measured_share]
    claimable = [o for o in contract.outcomes if o.tariff.kind != "cohort_level"]
    if not shares or not claimable:
        return None
    header = contract.header
    by_name = {o.name: o for o in contract.outcomes}
    cohorts = [c.name for c in contract.cohorts]
    subgroups = [s.name for c in contract.cohorts for s in c.subgroups]
    capped = [cap.target for cap in shares if cap.scope == "subgroup" and cap.target]
    months = header.settlement_months
    periods = 1
    while add_months(header.term_start, months * periods) <= header.term_end and periods < 40:
        periods += 1
    outcome_names = [o.name for o in claimable]
    # the mixes where a share binds: at, just below and just above each share and asserted share
    marks = [cap.limit for cap in shares] + [a.value for a in contract.assertions
                                             if a.kind == "subgroup_share" and a.value is not None]
    edges = sorted({max(0, min(100, int(m) + d)) for m in marks for d in (-1, 0, 1, 5)} | {0, 100})
    row = st.tuples(
        st.sampled_from(outcome_names),
        st.integers(0, 99),  # < share of the sub-group: in a capped sub-group
        st.one_of(st.just(0), st.integers(0, 1)),  # which of the (at most two) periods drawn, often the first
        st.integers(0, 200),  # day within the period (cut to its length)
    )
    layout = st.tuples(
        st.integers(0, periods - 1),  # the first period
        st.one_of(st.integers(0, 100), st.sampled_from(edges)),  # percent of participants in a capped sub-group
        st.sampled_from(["date", "reverse", "shuffle"]),  # claim ids against the dates
        st.booleans(),  # every claim on one day of its period
        st.randoms(use_true_random=False),
    )

    def build(drawn: tuple[tuple[int, int, str, bool, random.Random], list[tuple[str, int, int, int]]]) -> list[Claim]:
        (first_period, percent, ids, one_day, rnd), rows = drawn
        out: list[tuple[str, str, date, str | None, str | None]] = []  # participant, outcome, day, cohort, sub
        for n, (name, roll, which, day) in enumerate(rows):
            period = min(periods - 1, first_period + which)
            opens = add_months(header.term_start, months * period)
            closes = min(header.term_end, add_months(header.term_start, months * (period + 1)) - timedelta(days=1))
            span = max(0, (closes - opens).days)
            achieved = opens + timedelta(days=0 if one_day else day % (span + 1))
            if roll < percent and capped:
                subgroup: str | None = capped[n % len(capped)]
            else:
                others = [s for s in subgroups if s not in capped]
                subgroup = others[n % len(others)] if others and roll % 2 else None
            cohort = next((c.name for c in contract.cohorts if any(s.name == subgroup for s in c.subgroups)),
                          cohorts[n % len(cohorts)] if cohorts else None)
            for k, step in enumerate(_ladder(by_name, name)):
                out.append((f"s{n}", step, achieved + timedelta(days=k), cohort, subgroup))
                if len(out) >= SHARE_CLAIMS:
                    break
            if len(out) >= SHARE_CLAIMS:
                break
        order = list(range(len(out)))
        order.sort(key=lambda i: (out[i][2], i))
        if ids == "reverse":
            order.reverse()
        elif ids == "shuffle":
            rnd.shuffle(order)
        number = {i: k for k, i in enumerate(order)}
        claims = []
        for i, (who, outcome, achieved, cohort, subgroup) in enumerate(out):
            claims.append(Claim(claim_id=f"h{number[i]:03d}", participant=who, outcome=outcome,
                                achieved=achieved, evidence="e", cohort=cohort,
                                start=header.term_start, subgroup=subgroup))
        return claims

    # hypothesis draws short lists by default; a share rounded up to a whole outcome binds only
    # once a period holds enough claims, so half the ledgers hold at least SHARE_CROWD rows
    rows = st.one_of(st.lists(row, min_size=1, max_size=SHARE_CROWD),
                     st.lists(row, min_size=SHARE_CROWD, max_size=SHARE_CLAIMS))
    return st.tuples(layout, rows).map(build)
