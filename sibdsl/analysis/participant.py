"""Analysis: the most one participant can be paid, exactly where that can be known, and one
set of outcomes that reaches it.

Input: the compiled `Contract` and a `Budget` (the solver's time limit). Output:
`ParticipantMax` per cohort and sub-group: the amount (after the per-participant cap), the
amount before it, the outcomes (with how many times each) that reach it, and whether the
amount is exact or only an upper bound (and why). The rules respected: repeat limits,
exclusive groups, ladders (a step needs its prerequisites), timing (a ladder step's minimum
delays must fit in its window and the term), cohort restrictions, sub-group prices, tiered
bands (the best band, each limited by its own cap; a tier counted within a sub-group pays no
other sub-group), sliding scales (the best point), indexation (the last anniversary in
the term), outcome caps and the per-participant cap (`then reject` makes it a knapsack).

Exactness. Every amount is counted in whole "ticks" (the finest decimal place of any price
or cap), as Python integers, and scaled down by the prices' greatest common divisor. Two
answers are computed first, exactly: an upper bound (every outcome at its limit, at most
`k` of each exclusive group) and a greedy selection that obeys every rule. When they are
equal the amount is exact with no solver at all. Otherwise a MILP solver (HiGHS, in floating
point) chooses the outcomes, within the time left. Its answer is checked exactly in integers
(bounds, rules, the knapsack row) and counted as exact only when: the solver proved it
optimal with a zero gap and its own bound agrees to half a unit; the scaled model's largest
possible objective is below 2^40 (so every integer in it is a double, far inside HiGHS's
tolerances; above 2^53 the solver is not called at all); and the MILP's objective is the
amount paid (no pay-in-part outcome cap overshot) and no `then reject` cap stands beside a
limit that pays in part. (With both, the smallest headroom decides with its own behaviour —
docs/settlement.md, "Which cap decides" — so a reject cap with more headroom rejects nothing
and the knapsack model can fall short; the upper bound then treats every money cap as paying
in part, which no settlement ever exceeds.) In every other case — the time limit reached,
amounts too large, a solver failure — the amount is the exact upper bound and `exact` is
False, with the reason in `note`; `selection` is then the best rule-abiding set found, for a
witness. Money never passes through a float: amounts are recomputed in Decimal.

Time. Cohorts and sub-groups that pose the same problem (the same reachable outcomes at the
same prices) share one answer. Those not reached before the time limit share one coarse
upper bound (every outcome, reachable or not, at its best price for any sub-group).
"""

from __future__ import annotations

import decimal
import heapq
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from math import gcd
from typing import assert_never

from sibdsl.analysis.budget import EXACT, Budget
from sibdsl.analysis.choices import needs, timed_needs
from sibdsl.core.calendar import add_duration
from sibdsl.core.money import HUNDRED, ONE, ZERO, round_money
from sibdsl.model.contract import (
    Cap,
    CohortLevelTariff,
    Contract,
    ExclusiveGroup,
    FixedTariff,
    Outcome,
    PerUnitTariff,
    SlidingTariff,
    SubgroupTariff,
    TieredTariff,
    price_varies,
)
from sibdsl.model.pastterm import last_day_for
from sibdsl.settlement.plan import whole_months
from sibdsl.settlement.records import Claim

TRUSTED = 2**40  # largest objective of the scaled model whose optimum HiGHS is trusted with
FLOAT_EXACT = 2**53  # above this the model's integers are not all doubles: HiGHS is not called
TOO_LARGE = Decimal("Infinity")  # best_price: a price too large to compute (indexation)
MIXED = "caps that reject and caps that pay in part together are not modelled exactly"
Binding = list[tuple[ExclusiveGroup, list[str]]]  # the groups that limit, with their payable members


@dataclass
class ParticipantMax:
    cohort: str | None
    subgroup: str | None
    amount: Decimal  # after the per-participant cap; an upper bound when not `exact`
    uncapped: Decimal
    selection: list[tuple[str, int]] = field(default_factory=list)  # (outcome, times)
    unbounded: bool = False  # an unlimited outcome with no cap of any kind
    exact: bool = True
    reached: Decimal | None = None  # what `selection` is paid (after the participant cap)
    note: str = ""  # why the amount is only an upper bound
    worth: Decimal | None = None  # an upper bound on the outcomes' worth without the participant cap
    repeats: bool = False  # an outcome repeats with no limit of its own: only a cap on a total stops it
    witness: list[Claim] = field(default_factory=list)  # exact: the settled ledger whose WITNESS participant is paid it


def best_price(outcome: Outcome, subgroup: str | None, contract: Contract, any_subgroup: bool = False
               ) -> Decimal | None:
    """The highest price one claim of this outcome can have for this sub-group (for any
    sub-group, with `any_subgroup`), or None; `TOO_LARGE` when indexation takes it beyond what
    decimal arithmetic can round. Computed in the decimal module's default context, as
    settlement computes prices."""
    with decimal.localcontext(decimal.Context()):
        try:
            return _best_price(outcome, subgroup, contract, any_subgroup)
        except (decimal.InvalidOperation, decimal.Overflow):
            return TOO_LARGE


def _best_price(outcome: Outcome, subgroup: str | None, contract: Contract, any_subgroup: bool) -> Decimal | None:
    tariff = outcome.tariff
    header = contract.header
    price: Decimal | None
    band_cap: Decimal | None = None
    match tariff:
        case FixedTariff():
            price = tariff.price
        case SubgroupTariff() if any_subgroup:
            price = max([p.price for p in tariff.subgroup_prices] + ([tariff.otherwise] if tariff.otherwise else []),
                        default=None)
        case SubgroupTariff():
            price = next((p.price for p in tariff.subgroup_prices if p.subgroup == subgroup), tariff.otherwise)
        case TieredTariff() if tariff.counted_within is not None and not any_subgroup \
                and subgroup != tariff.counted_within:
            return None  # counted within another sub-group: this participant's claims have no price
        case TieredTariff():
            price = max((b.price for b in tariff.bands), default=None)
            paying = [b for b in tariff.bands if b.price > 0]
            if paying and all(b.cap is not None for b in paying):  # no claim is priced above its band's cap
                band_cap = max(b.cap for b in paying if b.cap is not None)
        case SlidingTariff():
            price = tariff.price * max((p.percent for p in tariff.points), default=ZERO) / HUNDRED
        case PerUnitTariff():
            price = tariff.price * tariff.limit  # a claim is paid for at most `limit` units
        case CohortLevelTariff():
            return None  # not paid per participant
        case _:
            assert_never(tariff)
    if price is None:
        return None
    if outcome.indexation is not None and outcome.indexation.rate > 0:
        until = last_day_for(outcome, header)  # a later step can be paid in the run-off, indexed further
        years = whole_months(outcome.indexation.start, until) // 12 if \
            outcome.indexation.start <= until else 0
        price = price * (ONE + outcome.indexation.rate / HUNDRED) ** max(years, 0)
    price = round_money(price, header.rounding_unit, header.rounding)
    if band_cap is not None:  # settlement limits the indexed, rounded band price by the band's cap
        price = min(price, band_cap)
    return price if price > 0 else None


def outside_cohorts(contract: Contract) -> bool:
    """Can a participant in no cohort be paid? In a contract of several cohorts, claims that name
    no cohort put the participant in none (docs/settlement.md, step 2): no cohort's size or
    referral window applies, and it can be paid every outcome that is not `for cohort`."""
    return len(contract.cohorts) > 1 and any(not o.cohorts and o.tariff.kind != "cohort_level"
                                             for o in contract.outcomes)


def _band_total(contract: Contract, outcome: Outcome) -> Decimal | None:
    """The most a tiered outcome with band caps pays in all, from its bands alone (a band of
    zero nothing, a capped band its cap, a closed band its numbers times its price); None when
    a band has no bound or no band has a cap."""
    tariff = outcome.tariff
    if not isinstance(tariff, TieredTariff) or not tariff.has_band_caps:
        return None
    from sibdsl.analysis.outcome_totals import tier_total  # (outcome_totals uses best_price from here)

    ceiling = best_price(outcome, None, contract, any_subgroup=True)
    if ceiling is None or not ceiling.is_finite():
        return None
    return tier_total(contract, outcome, tariff, ceiling)


def _by_subgroup(outcome: Outcome) -> bool:
    """Does the outcome's best price depend on the participant's sub-group?"""
    tariff = outcome.tariff
    return isinstance(tariff, SubgroupTariff) or (isinstance(tariff, TieredTariff) and tariff.counted_within is not None)


def reachable(contract: Contract, cohort: str | None) -> set[str]:
    """Outcomes one participant of this cohort can be paid, judged by timing and ladders."""
    header = contract.header
    spec = next((c for c in contract.cohorts if c.name == cohort), None)
    start = (spec.referral_start if spec and spec.referral_start else header.term_start)
    by_name = {o.name: o for o in contract.outcomes}
    if any(o.choices for o in contract.outcomes):
        return _reachable_with_options(contract, cohort, start)
    earliest: dict[str, date | None] = {}

    def first_date(name: str, trail: frozenset[str]) -> date | None:
        if name in earliest:
            return earliest[name]
        o = by_name.get(name)
        if o is None or name in trail or o.tariff.kind == "cohort_level" or (o.cohorts and cohort not in o.cohorts):
            earliest[name] = None
            return None
        day = start
        for p in o.prerequisites:
            before = first_date(p.outcome, trail | {name})
            if before is None:
                earliest[name] = None
                return None
            after = add_duration(before, p.at_least) if p.at_least else before
            day = max(day, after)
        last = last_day_for(o, header)  # the term end, or the end of the run-off for a later step
        if o.window is not None and o.window_from == "start":  # a referral date may be any day: no bound
            last = min(last, add_duration(start, o.window))
        earliest[name] = day if day <= last else None
        return earliest[name]

    return {name for name in by_name if first_date(name, frozenset()) is not None}


def _reachable_with_options(contract: Contract, cohort: str | None, start: date) -> set[str]:
    """`reachable` where some step has prerequisite options: each step's earliest date is the
    least fixed point of "the latest over its requirements of the earliest over their options of
    (the option's earliest date + its minimum delay)", found by repeating until nothing changes
    (dates only ever move earlier, so at most one round per outcome, plus one)."""
    header = contract.header
    eligible = [o for o in contract.outcomes
                if o.tariff.kind != "cohort_level" and (not o.cohorts or cohort in o.cohorts)]
    earliest: dict[str, date] = {}
    for _round in range(len(eligible) + 1):
        changed = False
        for o in eligible:
            day: date | None = start
            for need in timed_needs(o):
                options = [add_duration(earliest[p.outcome], p.at_least) if p.at_least else earliest[p.outcome]
                           for p in need if p.outcome in earliest]
                if not options:
                    day = None
                    break
                day = max(day, min(options)) if day is not None else None
            last = header.term_end
            if o.window is not None and o.window_from == "start":  # a referral date may be any day: no bound
                last = min(last, add_duration(start, o.window))
            if day is not None and day <= last and (o.name not in earliest or day < earliest[o.name]):
                earliest[o.name] = day
                changed = True
        if not changed:
            break
    return set(earliest)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@dataclass
class _Item:
    """One payable outcome in ticks: price, most claims, pay-in-part cap, value at the limit."""

    outcome: Outcome
    price: Decimal
    ticks: int
    limit: int
    part_cap: int | None  # the least pay-in-part money cap on the outcome, in ticks
    value: int = 0  # the most it can pay one participant, in ticks (min(ticks x limit, part cap))

    def paid(self, times: int) -> int:
        return self.ticks * times if self.part_cap is None else min(self.ticks * times, self.part_cap)


def participant_max(contract: Contract, cohort: str | None, subgroup: str | None,
                    budget: Budget | None = None) -> ParticipantMax:
    budget = budget if budget is not None else Budget()
    return _for(contract, cohort, subgroup, reachable(contract, cohort), budget, _Memo())


Problem = tuple[tuple[str, Decimal | None], ...]  # the payable outcomes and their prices: all a maximum depends on


@dataclass
class _Memo:
    solved: dict[Problem, ParticipantMax] = field(default_factory=dict)
    prices: dict[tuple[str, str | None], Decimal | None] = field(default_factory=dict)  # only sub-group tariffs vary


def _for(contract: Contract, cohort: str | None, subgroup: str | None, ok: set[str], budget: Budget,
         memo: _Memo) -> ParticipantMax:
    """One cohort and sub-group; sub-groups and cohorts that pose the same problem share its answer."""
    candidates = [o for o in contract.outcomes if o.name in ok]
    prices: dict[str, Decimal | None] = {}
    for o in candidates:
        at = (o.name, subgroup if _by_subgroup(o) else None)
        if at not in memo.prices:
            memo.prices[at] = best_price(o, subgroup, contract)
        prices[o.name] = memo.prices[at]
    key = tuple((o.name, prices[o.name]) for o in candidates)
    if key not in memo.solved:
        with decimal.localcontext(EXACT):
            memo.solved[key] = _maximum(contract, cohort, subgroup, candidates, prices, budget)
    found = memo.solved[key]
    return replace(found, cohort=cohort, subgroup=subgroup, selection=list(found.selection))


def _coarse(contract: Contract, budget: Budget) -> ParticipantMax:
    """When the time is up before a cohort or sub-group is reached: one bound for all of them,
    every outcome at its best price for any sub-group, reachable or not (exact upper bound)."""
    candidates = [o for o in contract.outcomes if o.tariff.kind != "cohort_level"]
    prices = {o.name: best_price(o, None, contract, any_subgroup=True) for o in candidates}
    spent = Budget(0)  # no solve: the bound is all that is wanted
    with decimal.localcontext(EXACT):
        bound = _maximum(contract, None, None, candidates, prices, spent)
    budget.stopped = True  # exact or not for the wider problem, its figures bound every cohort's
    return ParticipantMax(None, None, bound.amount, bound.uncapped, [], bound.unbounded, False, ZERO, budget.words(),
                          bound.worth)


def _maximum(contract: Contract, cohort: str | None, subgroup: str | None, candidates: list[Outcome],
             prices: dict[str, Decimal | None], budget: Budget) -> ParticipantMax:
    huge = [o.name for o in candidates if prices[o.name] is TOO_LARGE]
    outcomes = [o for o in candidates if prices[o.name] is not None and o.name not in huge]
    participant_cap = next((c for c in contract.caps if c.scope == "participant"), None)
    reject = participant_cap is not None and participant_cap.behaviour == "reject"
    caps_of: dict[str, list[Cap]] = {}
    for cap in contract.caps:
        if cap.scope == "outcome" and cap.target and cap.measure != "share":  # a share only refuses claims
            caps_of.setdefault(cap.target, []).append(cap)
    for o in outcomes:  # a tier whose bands' caps bound its total pays no one more: an outcome cap paying in part
        band_total = _band_total(contract, o)
        if band_total is not None:
            caps_of.setdefault(o.name, []).append(Cap(scope="outcome", target=o.name, measure="money", limit=band_total))
    places = [prices[o.name] for o in outcomes] + [c.limit for o in outcomes for c in caps_of.get(o.name, [])
                                                  if c.measure == "money"]
    if participant_cap is not None:
        places.append(participant_cap.limit)
    k = max([0] + [-int(p.as_tuple().exponent) for p in places if p is not None])

    def ticks(d: Decimal) -> int:
        return int(d.scaleb(k).to_integral_value(decimal.ROUND_FLOOR))

    unbounded = bool(huge) or (participant_cap is None and any(
        o.repeat == "unlimited" and not caps_of.get(o.name) for o in outcomes))
    cap_ticks = ticks(participant_cap.limit) if participant_cap is not None else None
    items = _items(outcomes, prices, caps_of, cap_ticks, ticks, relaxed=False)
    # `then reject` beside a cap that pays in part: the smallest headroom decides with its own
    # behaviour (docs/settlement.md, "Which cap decides"), so a reject cap with more headroom
    # rejects nothing and the knapsack model can fall short; the bound then treats every
    # money cap as paying in part (no cap is ever exceeded), and the solver is not trusted
    # (of any scope: a contract, period or payer limit with less headroom can decide too)
    money = [c for c in contract.caps if c.measure == "money"]
    rejecting = any(c.behaviour == "reject" and c.scope in ("participant", "outcome") for c in money)
    mixed = rejecting and (
        any(c.behaviour != "reject" for c in money) or any(p.cap is not None for p in contract.payers))
    # a price that varies (tiered bands, a sliding scale, indexation) under a `then reject` cap: a
    # cheaper claim fits where the best price is rejected, so a knapsack over best prices can fall
    # short; the same sound bound (every money cap paying in part, each claim at its best price)
    varying = [o.name for o in outcomes if price_varies(o.tariff) or o.indexation is not None]
    why_loose = MIXED if mixed else (f"the price of {', '.join(varying)} varies under a cap that says then reject"
                                     if rejecting and varying else "")
    mixed = mixed or (rejecting and bool(varying))
    loose = _items(outcomes, prices, caps_of, cap_ticks, ticks, relaxed=True) if mixed else items
    note = f"the price of {', '.join(huge)} is too large to compute" if huge else ""
    if not loose:
        return ParticipantMax(cohort, subgroup, ZERO, ZERO, [], unbounded, not huge, ZERO, note, ZERO)
    names = list(items)
    binding = _binding(contract, items)

    def paid(chosen: dict[str, int]) -> int:  # ticks paid for these outcomes, before the participant cap
        return sum(items[n].paid(t) for n, t in chosen.items())

    upper = _upper_bound(loose, _binding(contract, loose))
    worth = Decimal(upper).scaleb(-k)
    if reject and cap_ticks is not None:
        upper = min(upper, cap_ticks)
    greedy = _greedy(items, binding, cap_ticks if reject else None)
    chosen, exact = greedy, paid(greedy) == upper
    if not exact and items:
        solved, why = _solve(items, names, binding, reject, mixed, cap_ticks, budget)
        if solved is not None and paid(solved[0]) > paid(chosen):
            chosen = solved[0]
        if solved is not None and (solved[1] or paid(solved[0]) == upper):
            chosen, exact = solved[0], True
        elif not note:
            note = why
    if huge:
        exact = False
    if not exact and not note:
        note = why_loose if mixed else "the figure could not be confirmed exactly"
    if note == MIXED and why_loose:
        note = why_loose
    selection = [(n, t) for n, t in ((n, chosen.get(n, 0)) for n in names) if t > 0]
    total = ZERO
    for name, times in selection:  # exact money, from the chosen outcomes
        amount = items[name].price * times
        for cap in caps_of.get(name, []):
            if cap.measure == "money" and cap.behaviour != "reject":
                amount = min(amount, cap.limit)
        total += amount
    capped = min(total, participant_cap.limit) if participant_cap is not None else total
    if exact:
        return ParticipantMax(cohort, subgroup, capped, total, selection, unbounded, True, capped, note, worth)
    bound = Decimal(upper).scaleb(-k)
    most = min(bound, participant_cap.limit) if participant_cap is not None else bound
    return ParticipantMax(cohort, subgroup, most, bound, selection, unbounded, False, capped, note, worth)


def _items(outcomes: list[Outcome], prices: dict[str, Decimal | None], caps_of: dict[str, list[Cap]],
           cap_ticks: int | None, ticks: Callable[[Decimal], int], relaxed: bool) -> dict[str, _Item]:
    """The payable outcomes with their limits; `relaxed`: every money cap as paying in part."""
    items: dict[str, _Item] = {}
    for o in outcomes:
        price = prices[o.name]
        assert price is not None
        per_price = ticks(price)
        limit: int | None = o.times_limit
        part_cap: int | None = None
        for cap in caps_of.get(o.name, []):
            if cap.measure == "count":
                per = int(cap.limit)
            elif cap.behaviour == "reject" and not relaxed:
                per = ticks(cap.limit) // per_price
            else:
                per = _ceil_div(ticks(cap.limit), per_price)
                part_cap = ticks(cap.limit) if part_cap is None else min(part_cap, ticks(cap.limit))
            limit = per if limit is None else min(limit, per)
        if limit is None:  # unlimited, no cap of its own: the participant cap (else unbounded, counted once)
            limit = 1 if cap_ticks is None else _ceil_div(cap_ticks, per_price) + 1
        if limit > 0:
            items[o.name] = _Item(o, price, per_price, limit, part_cap)
    changed = True
    while changed:  # a step whose prerequisite cannot be paid cannot be paid either
        changed = False
        for name in list(items):
            if any(not any(option in items for option in need) for need in needs(items[name].outcome)):
                del items[name]
                changed = True
    for item in items.values():
        item.value = item.paid(item.limit)
    return items


def _binding(contract: Contract, items: dict[str, _Item]) -> Binding:
    groups = [[m for m in dict.fromkeys(g.members) if m in items] for g in contract.exclusive_groups]
    return [(g, members) for g, members in zip(contract.exclusive_groups, groups, strict=True)
            if len(members) > g.at_most]


def _upper_bound(items: dict[str, _Item], binding: Binding) -> int:
    """Every outcome at its limit, but at most `k` of each exclusive group: each outcome is
    counted in the first binding group it belongs to only (dropping the other groups'
    limits can only raise the bound)."""
    assigned: set[str] = set()
    total = 0
    for group, members in binding:
        mine = [m for m in members if m not in assigned]
        assigned.update(mine)
        at_most = group.at_most
        total += sum(sorted((items[m].value for m in mine), reverse=True)[:at_most])
    return total + sum(item.value for name, item in items.items() if name not in assigned)


def _greedy(items: dict[str, _Item], binding: Binding, capacity: int | None) -> dict[str, int]:
    """A selection that obeys every rule: the most valuable outcome whose prerequisites are
    chosen, while its groups have room and (with `then reject`) the cap has room."""
    groups_of: dict[str, list[int]] = {}
    room = []
    for gi, (group, members) in enumerate(binding):
        room.append(group.at_most)
        for m in members:
            groups_of.setdefault(m, []).append(gi)
    required = {n: needs(item.outcome) for n, item in items.items()}
    missing = {n: len(reqs) for n, reqs in required.items()}
    dependents: dict[str, list[tuple[str, int]]] = {}  # option -> (step, which of its requirements)
    for n, reqs in required.items():
        for r, need in enumerate(reqs):
            for option in need:
                dependents.setdefault(option, []).append((n, r))
    met: set[tuple[str, int]] = set()
    order = {n: i for i, n in enumerate(items)}
    ready = [(-item.value, order[n], n) for n, item in items.items() if missing[n] == 0]
    heapq.heapify(ready)
    chosen: dict[str, int] = {}
    while ready:
        _, _, name = heapq.heappop(ready)
        item = items[name]
        if any(room[g] <= 0 for g in groups_of.get(name, [])):
            continue
        times = item.limit if capacity is None else min(item.limit, capacity // item.ticks)
        if times < 1:
            continue
        chosen[name] = times
        if capacity is not None:
            capacity -= item.ticks * times
        for g in groups_of.get(name, []):
            room[g] -= 1
        for d, r in dependents.get(name, []):
            if (d, r) in met:  # another option met this requirement already
                continue
            met.add((d, r))
            missing[d] -= 1
            if missing[d] == 0:
                heapq.heappush(ready, (-items[d].value, order[d], d))
    return chosen


def _solve(items: dict[str, _Item], names: list[str], binding: Binding, reject: bool, mixed: bool,
           cap_ticks: int | None, budget: Budget) -> tuple[tuple[dict[str, int], bool] | None, str]:
    """The MILP: ((selection, trusted as the optimum) or None, why it is not exact)."""
    from sibdsl.analysis.solver import Row, solve

    n = len(names)
    index = {name: i for i, name in enumerate(names)}
    scale = 0
    for name in names:
        scale = gcd(scale, items[name].ticks)
    c = [items[name].ticks // scale for name in names]
    upper = [items[name].limit for name in names]
    largest = sum(ci * ui for ci, ui in zip(c, upper, strict=True))
    if largest > FLOAT_EXACT:
        return None, "the amounts are too large for an exact solve in floating point"
    if budget.remaining() <= 0:
        budget.stopped = True
        return None, budget.words()
    rows: list[Row] = []
    related = {option for name in names for need in needs(items[name].outcome) for option in need if option in index}
    related |= {name for name in names if needs(items[name].outcome)}
    related |= {m for _, members in binding for m in members}
    y: dict[int, int] = {}  # outcome -> its 'paid at least once' variable
    for i, name in enumerate(names):
        if upper[i] == 1:
            y[i] = i
        elif name in related:
            y[i] = len(c)
            c.append(0)
            upper.append(1)
            rows.append(({i: 1, y[i]: -upper[i]}, None, 0))  # x <= limit * y
            rows.append(({i: 1, y[i]: -1}, 0, None))  # x >= y
    for i, name in enumerate(names):
        for need in needs(items[name].outcome):  # paid only after its prerequisite (one of its options)
            row = {y[i]: 1}
            for option in need:
                if option in index:  # an option that cannot be paid is not a variable
                    row[y[index[option]]] = row.get(y[index[option]], 0) - 1
            rows.append((row, None, 0))
    for group, members in binding:
        rows.append(({y[index[m]]: 1 for m in members}, None, group.at_most))
    if reject and cap_ticks is not None:
        rows.append(({i: c[i] for i in range(n)}, None, min(cap_ticks // scale, largest)))
    solved = solve(c, upper, rows, budget.remaining())
    why = budget.words() if solved.status == "time_limit" else \
        "the solver did not finish" if solved.status == "failed" else ""
    if solved.status == "time_limit":
        budget.stopped = True
    x = solved.x
    if x is None or len(x) != len(c) or not _feasible(x, upper, rows):
        return None, why or "the solver's answer did not check out exactly"
    chosen = {name: x[i] for i, name in enumerate(names) if x[i] > 0}
    objective = sum(c[i] * x[i] for i in range(n))
    overshoot = any(items[name].paid(t) < items[name].ticks * t for name, t in chosen.items())
    trusted = (solved.status == "optimal" and largest <= TRUSTED and solved.objective is not None
               and abs(solved.objective - objective) <= 0.5
               and (solved.bound is None or solved.bound <= objective + 0.5)
               and not overshoot and not mixed)
    if not why and not trusted:
        why = "the amounts are too large to trust the solver's floating point" if largest > TRUSTED else \
            MIXED if mixed else \
            "the solver's optimum could not be confirmed exactly"
    return (chosen, trusted), why


def _feasible(x: list[int], upper: list[int], rows: list[tuple[dict[int, int], int | None, int | None]]) -> bool:
    """The solver's point, rounded, checked in exact integers."""
    if any(v < 0 or v > u for v, u in zip(x, upper, strict=True)):
        return False
    for coeffs, lo, hi in rows:
        s = sum(v * x[k] for k, v in coeffs.items())
        if (lo is not None and s < lo) or (hi is not None and s > hi):
            return False
    return True


def participant_maxima(contract: Contract, budget: Budget | None = None,
                       reach: dict[str | None, set[str]] | None = None) -> list[ParticipantMax]:
    """The most for each cohort and each of its sub-groups (None: no sub-group given), and, in a
    contract of several cohorts, for a participant whose claims name none (cohort None: no size,
    no referral window, any sub-group; it can be paid every outcome not `for cohort`). Fills
    `reach` with each cohort's reachable outcomes, for the cohorts looked at before the time
    limit; cohorts after it share one coarse upper bound."""
    budget = budget if budget is not None else Budget()
    reach = reach if reach is not None else {}
    priced = {p.subgroup for o in contract.outcomes if isinstance(o.tariff, SubgroupTariff)
              for p in o.tariff.subgroup_prices}  # others pay `otherwise`
    priced |= {o.tariff.counted_within for o in contract.outcomes  # only it is paid a tier counted within it
               if isinstance(o.tariff, TieredTariff) and o.tariff.counted_within is not None}
    every = [s.name for c in contract.cohorts for s in c.subgroups]
    # a claim may give any declared sub-group, whatever the participant's cohort (the ledger and
    # the engine do not tie a sub-group to its cohort): another cohort's sub-group that a price
    # depends on is looked at too (one no price depends on is paid as no sub-group)
    cohorts: list[tuple[str | None, list[str | None]]] = [
        (c.name, [None, *(s.name for s in c.subgroups),
                  *(s for s in every if s in priced and s not in {x.name for x in c.subgroups})])
        for c in contract.cohorts] or [(None, [None])]
    if outside_cohorts(contract):  # claims that name no cohort, in a contract of several: in none (settlement.md, step 2)
        cohorts.append((None, [None, *every]))
    memo = _Memo()
    coarse: ParticipantMax | None = None
    shared: dict[tuple[object, ...], set[str]] = {}
    restricted = [o for o in contract.outcomes if o.cohorts]
    specs = {c.name: c for c in contract.cohorts}
    alike: dict[tuple[object, ...], ParticipantMax] = {}
    out = []
    for cohort, subs in cohorts:
        ok: set[str] = set()
        key: tuple[object, ...] = ()
        if budget.remaining() > 0:  # cohorts alike in start and `for cohort` rules reach the same outcomes
            spec = specs.get(cohort) if cohort is not None else None
            key = (spec.referral_start if spec else None, tuple(o.name for o in restricted if cohort not in o.cohorts))
            if key not in shared:
                shared[key] = reachable(contract, cohort)
            ok = reach[cohort] = shared[key]
        for sub in subs:
            same = (key, sub if sub in priced else None)
            if same in alike:
                out.append(replace(alike[same], cohort=cohort, subgroup=sub, selection=list(alike[same].selection)))
                continue
            if budget.remaining() > 0:
                out.append(_for(contract, cohort, sub, ok, budget, memo))
                alike[same] = out[-1]
                continue
            coarse = coarse or _coarse(contract, budget)
            out.append(replace(coarse, cohort=cohort, subgroup=sub, selection=[]))
    return out
