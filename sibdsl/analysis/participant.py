"""Analysis: the most one participant can be paid, exactly, and one set of outcomes that
reaches it.

Input: the compiled `Contract`. Output: `ParticipantMax` per cohort and sub-group: the
amount (after the per-participant cap), the amount before it, and the outcomes (with how
many times each) that reach it. The rules respected: repeat limits, exclusive groups, ladders
(a step needs its prerequisites), timing (a ladder step's minimum delays must fit in its
window and the term), cohort restrictions, sub-group prices, tiered bands (the best band),
sliding scales (the best point), indexation (the last anniversary in the term), outcome caps
and the per-participant cap (`then reject` makes it a knapsack).

A MILP solver chooses the outcomes; prices enter it as whole minor units (integers, exact in
floating point below 2^53) and the optimality gap is zero. The amount itself is then
recomputed in Decimal from the chosen outcomes, so money never passes through a float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sibdsl.model.contract import Contract, Outcome
from sibdsl.semantics import ir
from sibdsl.semantics.calendar import add_duration
from sibdsl.settlement.money import HUNDRED, ONE, ZERO, round_money
from sibdsl.settlement.plan import whole_months


@dataclass
class ParticipantMax:
    cohort: str | None
    subgroup: str | None
    amount: Decimal  # after the per-participant cap
    uncapped: Decimal
    selection: list[tuple[str, int]] = field(default_factory=list)  # (outcome, times)
    unbounded: bool = False  # an unlimited outcome with no cap of any kind


def best_price(outcome: Outcome, subgroup: str | None, contract: Contract) -> Decimal | None:
    """The highest price one claim of this outcome can have for this sub-group, or None."""
    tariff = outcome.tariff
    header = contract.header
    if tariff.kind == "fixed":
        price = tariff.price
    elif tariff.kind == "subgroup":
        price = next((p.price for p in tariff.subgroup_prices if p.subgroup == subgroup), tariff.otherwise)
    elif tariff.kind == "tiered":
        price = max((b.price for b in tariff.bands), default=None)
    elif tariff.kind == "sliding":
        price = (tariff.price or ZERO) * max((p.percent for p in tariff.points), default=ZERO) / HUNDRED
    else:
        return None  # cohort-level: not paid per participant
    if price is None:
        return None
    if outcome.indexation is not None and outcome.indexation.rate > 0:
        years = whole_months(outcome.indexation.start, header.term_end) // 12 if \
            outcome.indexation.start <= header.term_end else 0
        price = price * (ONE + outcome.indexation.rate / HUNDRED) ** max(years, 0)
    price = round_money(price, header.rounding_unit, header.rounding)
    return price if price > 0 else None


def _duration(d: object) -> ir.Duration:
    return ir.Duration(amount=d.amount, unit=d.unit)  # type: ignore[attr-defined]


def reachable(contract: Contract, cohort: str | None) -> set[str]:
    """Outcomes one participant of this cohort can be paid, judged by timing and ladders."""
    header = contract.header
    spec = next((c for c in contract.cohorts if c.name == cohort), None)
    start = (spec.referral_start if spec and spec.referral_start else header.term_start)
    by_name = {o.name: o for o in contract.outcomes}
    earliest: dict[str, object] = {}

    def first_date(name: str, trail: frozenset[str]):  # type: ignore[no-untyped-def]
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
            after = add_duration(before, _duration(p.at_least)) if p.at_least else before  # type: ignore[arg-type]
            day = max(day, after)
        last = header.term_end
        if o.window is not None:
            last = min(last, add_duration(start, _duration(o.window)))
        earliest[name] = day if day <= last else None
        return earliest[name]

    return {name for name in by_name if first_date(name, frozenset()) is not None}


def participant_max(contract: Contract, cohort: str | None, subgroup: str | None) -> ParticipantMax:
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    header = contract.header
    unit = header.rounding_unit
    ok = reachable(contract, cohort)
    outcomes = [o for o in contract.outcomes if o.name in ok]
    prices = {o.name: best_price(o, subgroup, contract) for o in outcomes}
    outcomes = [o for o in outcomes if prices[o.name] is not None]
    participant_cap = next((c for c in contract.caps if c.scope == "participant"), None)
    limits: list[int] = []
    unbounded = False
    for o in outcomes:
        limit = o.repeat_limit if o.repeat != "unlimited" else 0
        for cap in contract.caps:
            if cap.scope == "outcome" and cap.target == o.name:
                per = cap.limit if cap.measure == "count" else (cap.limit / prices[o.name]).to_integral_value("ROUND_CEILING")  # type: ignore[operator]
                limit = int(per) if not limit else min(limit, int(per))
        if not limit:
            if participant_cap is None:
                unbounded = True
                limit = 1
            else:
                limit = int((participant_cap.limit / prices[o.name]).to_integral_value("ROUND_CEILING")) + 1  # type: ignore[operator]
        limits.append(max(limit, 0))
    n = len(outcomes)
    if n == 0:
        return ParticipantMax(cohort, subgroup, ZERO, ZERO, [], unbounded)
    index = {o.name: i for i, o in enumerate(outcomes)}
    # variables: x_0..x_{n-1} (times paid), y_0..y_{n-1} (paid at least once)
    cents = [int(prices[o.name] / unit) for o in outcomes]  # type: ignore[operator]
    c = np.array([-v for v in cents] + [0] * n, dtype=float)
    data: list[float] = []
    row_ids: list[int] = []
    col_ids: list[int] = []
    lower: list[float] = []
    upper: list[float] = []

    def row(coeffs: dict[int, float], lo: float, hi: float) -> None:  # one sparse constraint
        r = len(lower)
        for k, v in coeffs.items():
            data.append(v)
            row_ids.append(r)
            col_ids.append(k)
        lower.append(lo)
        upper.append(hi)

    for i, limit in enumerate(limits):
        row({i: 1, n + i: -limit}, -np.inf, 0)  # x <= limit * y
        row({i: 1, n + i: -1}, 0, np.inf)  # x >= y
    for o in outcomes:
        for p in o.prerequisites:
            if p.outcome in index:
                row({n + index[o.name]: 1, n + index[p.outcome]: -1}, -np.inf, 0)  # y_o <= y_p
            else:
                row({n + index[o.name]: 1}, 0, 0)  # prerequisite unreachable
    for g in contract.exclusive_groups:
        members = [index[m] for m in g.members if m in index]
        if len(members) > g.at_most:
            row({n + i: 1 for i in members}, -np.inf, g.at_most)
    for cap in contract.caps:  # outcome money caps bound one participant's total for that outcome
        if cap.scope == "outcome" and cap.measure == "money" and cap.target in index and cap.behaviour == "reject":
            row({index[cap.target]: cents[index[cap.target]]}, -np.inf, float(cap.limit / unit))
    if participant_cap is not None and participant_cap.behaviour == "reject":
        row({i: cents[i] for i in range(n)}, -np.inf, float(participant_cap.limit / unit))
    matrix = coo_array((data, (row_ids, col_ids)), shape=(len(lower), 2 * n)).tocsr()
    constraints = [LinearConstraint(matrix, np.array(lower), np.array(upper))] if lower else []
    bounds = Bounds(np.zeros(2 * n), np.array([float(limit) for limit in limits] + [1.0] * n))
    res = milp(c, constraints=constraints, integrality=np.ones(2 * n), bounds=bounds,
               options={"mip_rel_gap": 0, "presolve": True})
    if res.x is None:
        return ParticipantMax(cohort, subgroup, ZERO, ZERO, [], unbounded)
    counts = [round(float(v)) for v in res.x[:n]]  # integral solutions, as floats from the solver
    selection = [(o.name, counts[i]) for i, o in enumerate(outcomes) if counts[i] > 0]
    total = ZERO
    for name, times in selection:  # exact money, from the chosen outcomes
        o = outcomes[index[name]]
        paid = prices[name] * times  # type: ignore[operator]
        for cap in contract.caps:
            if cap.scope == "outcome" and cap.target == name and cap.measure == "money" and cap.behaviour != "reject":
                paid = min(paid, cap.limit)
        total += paid
        _ = o
    capped = min(total, participant_cap.limit) if participant_cap is not None else total
    return ParticipantMax(cohort, subgroup, capped, total, selection, unbounded)


def participant_maxima(contract: Contract) -> list[ParticipantMax]:
    """The most for each cohort and each of its sub-groups (None: no sub-group given)."""
    cohorts: list[tuple[str | None, list[str | None]]] = [
        (c.name, [None, *(s.name for s in c.subgroups)]) for c in contract.cohorts] or [(None, [None])]
    return [participant_max(contract, cohort, sub) for cohort, subs in cohorts for sub in subs]
