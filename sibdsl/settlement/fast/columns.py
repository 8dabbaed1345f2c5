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
from itertools import repeat
from operator import attrgetter
from typing import Any

from sibdsl.settlement.engine import event_key, in_order
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


SORTED_BY_NUMPY_FROM = 5_000  # claims; shorter ledgers are put in order by `engine.in_order` itself


def settlement_order(claims: list[Claim]) -> list[Claim]:
    """The claims in `engine.in_order`'s order (date, claim id, then every field), sorted by
    numpy: by id, then stably by date; a run of equal (date, id) is ordered by `engine.event_key`."""
    n = len(claims)
    ids_list = list(map(attrgetter("claim_id"), claims))
    if n < SORTED_BY_NUMPY_FROM or any("\x00" in i for i in ids_list):  # numpy's text drops trailing NULs
        return [e for e in in_order(claims) if isinstance(e, Claim)]
    import numpy as np

    ids = np.array(ids_list)
    days = np.fromiter(map(date.toordinal, map(attrgetter("achieved"), claims)), np.int64, n)
    by_id = np.argsort(ids, kind="stable")
    order = by_id[np.argsort(days[by_id], kind="stable")]
    ordered = [claims[i] for i in order.tolist()]
    sorted_days, sorted_ids = days[order], ids[order]
    ties = np.nonzero((sorted_days[1:] == sorted_days[:-1]) & (sorted_ids[1:] == sorted_ids[:-1]))[0].tolist()
    i = 0
    for t in ties:  # each run of equal (date, id): by every field, as engine.in_order does
        if t < i:
            continue
        j = t + 1
        while j + 1 < n and sorted_days[j + 1] == sorted_days[t] and sorted_ids[j + 1] == sorted_ids[t]:
            j += 1
        ordered[t:j + 1] = sorted(ordered[t:j + 1], key=event_key)
        i = j + 1
    return ordered


def fits(fast: FastPlan, n: int) -> bool:
    """Do n claims' running totals (and, per invoice, a period's running split times a share's
    numerator) stay below `tables.LIMIT`?"""
    return n * max(fast.largest, 1) * (max(fast.ints["pay_num"]) if fast.ints["per_invoice"] else 1) < LIMIT


def from_claims(fast: FastPlan, claims: Iterable[Claim]) -> Columns | Declined:
    import numpy as np

    events = settlement_order([e for e in claims if isinstance(e, Claim)])
    plan = fast.plan
    resets = fast.resets
    n = len(events)
    if not fits(fast, n):
        return Declined("more money than the fast path's whole numbers hold")
    index = fast.outcome_index

    def column(values: Iterable[int]) -> Any:
        return np.fromiter(values, np.int64, n)

    # each field as a column, read at C speed (attrgetter, dict look-ups); names become indices
    ids = list(map(attrgetter("claim_id"), events))
    names = list(map(attrgetter("outcome"), events))
    c_outcome = column(map(index.get, names, repeat(-1, n)))
    c_flag = np.zeros(n, np.int64)
    if (c_outcome < 0).any() or len(set(ids)) < n or plan.claims_until is not None:
        seen: set[str] = set()
        deadline = plan.claims_until
        for i, c in enumerate(events):
            o = int(c_outcome[i])
            if o < 0 and c.outcome in resets:  # a reset row: its own duplicate rule, no deadline
                c_outcome[i] = resets[c.outcome]
                c_flag[i] = K.F_RESET | (K.F_DUPLICATE if c.claim_id in seen else 0)
            elif c.claim_id in seen:
                c_flag[i] = K.F_DUPLICATE
            elif deadline is not None and (c.submitted or c.achieved) > deadline:
                c_flag[i] = K.F_LATE
            elif o < 0:
                c_flag[i] = K.F_UNKNOWN
            seen.add(c.claim_id)
        c_outcome = np.maximum(c_outcome, 0)
    participants = list(map(attrgetter("participant"), events))
    people = {name: i for i, name in enumerate(dict.fromkeys(participants))}
    if "" in people:
        return Declined("a claim has no participant")
    c_person = column(map(people.__getitem__, participants))
    c_day = column(map(date.toordinal, map(attrgetter("achieved"), events)))
    cohort_at: dict[str | None, int] = {c: i for i, c in enumerate(fast.cohorts[:-1])}
    subgroup_at: dict[str | None, int] = {sg: i for i, sg in enumerate(fast.subgroups[:-1])}
    given_cohorts = list(map(attrgetter("cohort"), events))
    given_subgroups = list(map(attrgetter("subgroup"), events))
    extra_cohorts = [k for k in dict.fromkeys(given_cohorts) if k is not None and k not in cohort_at]
    extra_subgroups = [sg for sg in dict.fromkeys(given_subgroups) if sg is not None and sg not in subgroup_at]
    for k in extra_cohorts:
        cohort_at[k] = len(cohort_at)
    for sg in extra_subgroups:
        subgroup_at[sg] = len(subgroup_at)
    cohort_at[None] = subgroup_at[None] = -1
    c_cohort = column(map(cohort_at.__getitem__, given_cohorts))
    c_subgroup = column(map(subgroup_at.__getitem__, given_subgroups))
    starts = list(map(attrgetter("start"), events))
    referrals = list(map(attrgetter("referral"), events))
    ordinals: dict[date | None, int] = {d: d.toordinal() for d in {*starts, *referrals} if d is not None}
    ordinals[None] = 0
    c_start = column(map(ordinals.__getitem__, starts))
    c_referral = column(map(ordinals.__getitem__, referrals))
    held_given = list(map(attrgetter("held"), events))
    held_sets: dict[frozenset[str] | None, int] = {h: i for i, h in enumerate(h for h in dict.fromkeys(held_given)
                                                                               if h is not None)}
    held_sets[None] = -1
    c_held = column(map(held_sets.__getitem__, held_given))
    del held_sets[None]
    c_pyear = np.zeros(n, np.int64)
    c_vprice = np.zeros(n, np.int64)
    c_vreason = np.full(n, -1, np.int64)
    if fast.index_starts or fast.value_priced:
        slots = fast.ints["o_islot"]
        for i, c in enumerate(events):
            o = int(c_outcome[i])
            if c_flag[i]:
                continue
            if slots[o] >= 0:
                c_pyear[i] = fast.price_year(o, c.achieved)
            if o in fast.value_priced:
                c_vprice[i], c_vreason[i] = fast.value_price(o, c.value, c.achieved)
    if n:
        known = [x for x in (c_start[c_start > 0], c_referral[c_referral > 0]) if len(x)]
        lo = int(min([c_day.min(), *(x.min() for x in known)]))
        hi = int(max([c_day.max(), *(x.max() for x in known)]))
    else:
        lo = hi = plan.term_start.toordinal()
    base, n_days, days = fast.day_tables(lo, hi)
    c_period = fast.array("period")[c_day - base]
    c_year = fast.array("year")[c_day - base]
    period, year = days["period"], days["year"]
    cohorts = fast.cohorts[:-1] + extra_cohorts + [None]
    tables: dict[str, Any] = {"shift": fast.array("shift"), "base": base, "n_days": n_days}
    if extra_subgroups:
        subgroups, prices, reasons = with_subgroups(fast, extra_subgroups)
        tables["o_price"], tables["o_price_reason"] = prices, reasons
    else:
        subgroups = fast.subgroups
    contract = plan.contract
    tables["o_cohort_ok"] = [int(k in o.cohorts) for o in contract.outcomes for k in cohorts]
    tables["held_has"] = [0] * max(1, len(held_sets) * len(fast.outcomes))
    for held, h in held_sets.items():
        for name in held or ():
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
