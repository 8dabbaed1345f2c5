"""Settlement, fast path: a ledger of claims as integer columns, in the order of settlement.

Input: the `FastPlan` and claims (`records.Claim`). Output: `Columns`: the claims sorted by
`engine.in_order` (so the order is the reference engine's, ties and all), each field an integer
(outcome, participant, cohort and sub-group indices; dates as day numbers, 0 for none; the
`held_at_referral` set as an index into the distinct sets), the flags a claim carries by itself
(a duplicate id, submitted after the claims deadline, an unknown outcome), the price of a
value-priced claim, the period and year of its date and its price year (whole years of
indexation); a reset row carries the reset's index and a flag. Or `Declined` for a ledger the
fast path does not settle (an empty participant id, more money than its whole numbers hold).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sibdsl.settlement.engine import in_order
from sibdsl.settlement.fast import kernel as K
from sibdsl.settlement.fast.tables import LIMIT, Declined, FastPlan, with_subgroups
from sibdsl.settlement.records import Claim


@dataclass
class Columns:
    given: list[Claim] | None  # the claims in the order of settlement, or None: made by `make` when asked
    cols: dict[str, Any]  # the loop's claim columns (lists or numpy int64 arrays)
    people: list[str]
    cohorts: list[str | None]
    subgroups: list[str | None]
    tables: dict[str, Any]  # the per-ledger tables: o_cohort_ok, held_has, prices for extra sub-groups, days
    make: Callable[[], list[Claim]] | None = None

    @property
    def claims(self) -> list[Claim]:
        if self.given is None:
            assert self.make is not None
            self.given = self.make()
        return self.given

    def __len__(self) -> int:
        return len(self.cols["c_day"])


def from_claims(fast: FastPlan, claims: Iterable[Claim]) -> Columns | Declined:
    events = [e for e in in_order(claims) if isinstance(e, Claim)]  # claims only: every event is one
    plan = fast.plan
    resets = fast.resets
    if len(events) * max(fast.largest, 1) >= LIMIT:
        return Declined("more money than the fast path's whole numbers hold")
    index = fast.outcome_index
    cohort_at = {c: i for i, c in enumerate(fast.cohorts[:-1])}
    subgroup_at = {s: i for i, s in enumerate(fast.subgroups[:-1])}
    extra_cohorts: list[str] = []
    extra_subgroups: list[str] = []
    people: dict[str, int] = {}
    held_sets: dict[frozenset[str], int] = {}
    seen: set[str] = set()
    deadline = plan.claims_until
    value_priced = fast.value_priced
    c_outcome: list[int] = []
    c_person: list[int] = []
    c_day: list[int] = []
    c_cohort: list[int] = []
    c_start: list[int] = []
    c_subgroup: list[int] = []
    c_referral: list[int] = []
    c_held: list[int] = []
    c_flag: list[int] = []
    c_vprice: list[int] = []
    c_vreason: list[int] = []
    c_pyear: list[int] = []
    lo, hi = date.max.toordinal(), 1
    for c in events:
        if c.participant == "":
            return Declined("a claim has no participant")
        o = index.get(c.outcome, -1)
        flag = 0
        if o < 0 and c.outcome in resets:  # a reset row: its own duplicate rule, no deadline
            o = resets[c.outcome]
            flag = K.F_RESET | (K.F_DUPLICATE if c.claim_id in seen else 0)
            seen.add(c.claim_id)
        elif c.claim_id in seen:
            flag = K.F_DUPLICATE
        else:
            seen.add(c.claim_id)
            if deadline is not None and (c.submitted or c.achieved) > deadline:
                flag = K.F_LATE
            elif o < 0:
                flag = K.F_UNKNOWN
        c_outcome.append(max(o, 0))
        c_flag.append(flag)
        p = people.get(c.participant)
        if p is None:
            p = people[c.participant] = len(people)
        c_person.append(p)
        day = c.achieved.toordinal()
        c_day.append(day)
        lo, hi = min(lo, day), max(hi, day)
        if c.cohort is None:
            c_cohort.append(-1)
        else:
            k = cohort_at.get(c.cohort)
            if k is None:
                k = cohort_at[c.cohort] = len(cohort_at)
                extra_cohorts.append(c.cohort)
            c_cohort.append(k)
        if c.subgroup is None:
            c_subgroup.append(-1)
        else:
            s = subgroup_at.get(c.subgroup)
            if s is None:
                s = subgroup_at[c.subgroup] = len(subgroup_at)
                extra_subgroups.append(c.subgroup)
            c_subgroup.append(s)
        for when, column in ((c.start, c_start), (c.referral, c_referral)):
            if when is None:
                column.append(0)
            else:
                n = when.toordinal()
                column.append(n)
                lo, hi = min(lo, n), max(hi, n)
        if c.held is None:
            c_held.append(-1)
        else:
            h = held_sets.get(c.held)
            if h is None:
                h = held_sets[c.held] = len(held_sets)
            c_held.append(h)
        c_pyear.append(fast.price_year(o, c.achieved) if not flag else 0)
        if o in value_priced and not flag:
            got = fast.value_price(o, c.value, c.achieved)
            c_vprice.append(got[0])
            c_vreason.append(got[1])
        else:
            c_vprice.append(0)
            c_vreason.append(-1)
    if not events:
        lo = hi = plan.term_start.toordinal()
    base, n_days, days = fast.day_tables(lo, hi)
    period = days["period"]
    year = days["year"]
    c_period = [period[d - base] for d in c_day]
    c_year = [year[d - base] for d in c_day]
    cohorts = fast.cohorts[:-1] + extra_cohorts + [None]
    tables: dict[str, Any] = {"shift": days["shift"], "base": base, "n_days": n_days}
    if extra_subgroups:
        subgroups, prices, reasons = with_subgroups(fast, extra_subgroups)
        tables["o_price"], tables["o_price_reason"] = prices, reasons
    else:
        subgroups = fast.subgroups
    contract = plan.contract
    tables["o_cohort_ok"] = [int(k in o.cohorts) for o in contract.outcomes for k in cohorts]
    tables["held_has"] = [0] * max(1, len(held_sets) * len(fast.outcomes))
    for held, h in held_sets.items():
        for name in held:
            at = index.get(name)
            if at is not None:
                tables["held_has"][h * len(fast.outcomes) + at] = 1
    tables["n_people"] = len(people)
    tables["n_cohorts"] = len(cohorts)
    tables["n_subgroups"] = len(subgroups)
    tables["n_periods"] = max(period, default=0) + 1
    tables["n_years"] = max(year, default=0) + 1
    cols = {"c_outcome": c_outcome, "c_person": c_person, "c_day": c_day, "c_cohort": c_cohort, "c_start": c_start,
            "c_subgroup": c_subgroup, "c_referral": c_referral, "c_held": c_held, "c_flag": c_flag,
            "c_vprice": c_vprice, "c_vreason": c_vreason, "c_period": c_period, "c_year": c_year, "c_pyear": c_pyear}
    return Columns(events, cols, list(people), cohorts, subgroups, tables)
