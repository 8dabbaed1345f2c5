"""Simulation (phase 6): one scenario's assumptions draw -> a ledger of claims and measurements.

Input: the compiled contract, checked `Assumptions`, and a `random.Random` seeded for this
scenario. Output: `Claim`s (participant ids, cohort, sub-group, start and referral dates,
outcome dates that respect each prerequisite's `at least` and `within` and the outcome's
window) and `Measurement`s (cohort-level results), ready for `sibdsl.settlement.engine.settle`.

Rules (docs/simulate.md): referrals fall uniformly in each settlement period of the cohort's
referral window, up to the cohort's size; an outcome is reached with its chance once all its
prerequisites are reached (for `after a or b`, the first of them), its date is the latest
prerequisite's date (the start without one) plus the delay, moved to the contract's minimum
delay where it is shorter; an outcome that would fall after a drop-out, past a `within` or a
window, or after the contract's last day is not reached.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from random import Random

from sibdsl.core.calendar import add_duration
from sibdsl.core.currency import MINOR_UNITS
from sibdsl.model.contract import CohortLevelTariff, Contract, Outcome
from sibdsl.model.pastterm import last_day
from sibdsl.settlement.output import period_bounds
from sibdsl.settlement.plan import Plan, make_plan
from sibdsl.settlement.records import Claim, Measurement, Request
from sibdsl.simulate.assumptions import NO_COHORT, Assumptions, CohortAssumption, value_decimal

MAX_REPEATS = 200  # an outcome paid any number of times: the most achievements drawn per participant


def unreachable(contract: Contract, assumptions: Assumptions) -> list[str]:
    """Notes on outcomes given a chance that can never be reached: a prerequisite (or every
    option of `after a or b`) is never reached itself."""
    reachable: set[str] = set()
    notes = []
    for o in outcome_order(contract):
        a = assumptions.outcomes.get(o.name)
        if a is None or a.highest <= 0:
            continue
        missing = [p.outcome for p in o.prerequisites if p.outcome not in reachable]
        missing += ["/".join(op.outcome for op in ch.options) for ch in o.choices
                    if not any(op.outcome in reachable for op in ch.options)]
        if missing:
            notes.append(f"{o.name} is never reached: its prerequisite {', '.join(missing)} has no chance "
                         "in the assumptions")
        else:
            reachable.add(o.name)
    return notes


def outcome_order(contract: Contract) -> list[Outcome]:
    """Participant-level outcomes, each after its prerequisites (declaration order otherwise)."""
    todo = [o for o in contract.outcomes if not isinstance(o.tariff, CohortLevelTariff)]
    names = {o.name for o in todo}
    done: list[Outcome] = []
    placed: set[str] = set()
    while todo:
        progressed = False
        for o in list(todo):
            needs = {p.outcome for p in o.prerequisites} | {op.outcome for ch in o.choices for op in ch.options}
            if all(n in placed or n not in names or n == o.name for n in needs):
                done.append(o)
                placed.add(o.name)
                todo.remove(o)
                progressed = True
        if not progressed:  # a cycle (the compiler rejects these): keep declaration order
            done += todo
            break
    return done


def _poisson(rng: Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def referral_days(contract: Contract, cohort: CohortAssumption, rng: Random, plan: Plan | None = None) -> list[date]:
    """The referral dates of one cohort in one scenario, in date order."""
    header = contract.header
    declared = next((k for k in contract.cohorts if k.name == cohort.name), None)
    start = (declared.referral_start if declared else None) or header.term_start
    end = (declared.referral_end if declared else None) or header.term_end
    plan = plan or make_plan(contract)
    first = plan.period_of(max(start, header.term_start))
    days: list[date] = []
    i = 0
    while True:
        index = first + i
        p_start, p_end = period_bounds(plan, index)
        lo, hi = max(p_start, start), min(p_end, end)
        if lo > end or p_start > (plan.last_day or header.term_end):
            break
        if cohort.every_period:
            mean = cohort.referrals[0]
        elif i < len(cohort.referrals):
            mean = cohort.referrals[i]
        else:
            break
        n = _poisson(rng, mean) if cohort.vary == "poisson" else int(mean) + (rng.random() < mean - int(mean))
        span = (hi - lo).days
        days += sorted(lo + timedelta(days=rng.randint(0, span)) for _ in range(n)) if span >= 0 else []
        i += 1
    if declared is not None and declared.size is not None:
        days = days[:declared.size]  # referrals stop when the cohort is full
    return days


def _pick(rng: Random, mix: tuple[tuple[str, float], ...]) -> str | None:
    if not mix:
        return None
    x, acc = rng.random() * sum(w for _, w in mix), 0.0
    for name, w in mix:
        acc += w
        if x < acc:
            return name
    return mix[-1][0]


def requests_for(contract: Contract, assumptions: Assumptions, rng: Random) -> list[Request]:
    """The requests to draw discretionary tranches, each made with its chance (amounts rounded
    down to the currency's minor unit, never below 0)."""
    unit = Decimal(1).scaleb(-MINOR_UNITS.get(contract.header.currency, 2))
    out = []
    for k, r in enumerate(assumptions.requests):
        amount = r.amount.draw(rng)
        if rng.random() < r.chance:
            out.append(Request(f"r{k + 1}-{r.tranche}", r.tranche, r.requested,
                               max(value_decimal(amount, 10).quantize(unit, ROUND_DOWN), Decimal(0)), "simulated"))
    return out


def generate(contract: Contract, assumptions: Assumptions, rng: Random) -> tuple[list[Claim], list[Measurement]]:
    """One scenario: its claims and measurements (its requests: `requests_for`, drawn after)."""
    end = last_day(contract.header)
    order = [(o, assumptions.outcomes[o.name]) for o in outcome_order(contract)
             if o.name in assumptions.outcomes and assumptions.outcomes[o.name].highest > 0]
    steps = [(o, a, [(p.outcome, p.at_least, p.within) for p in o.prerequisites],
              [[(op.outcome, op.at_least, op.within) for op in ch.options] for ch in o.choices]) for o, a in order]
    claims: list[Claim] = []
    plan = make_plan(contract)
    for cname, cohort in assumptions.cohorts.items():
        cohort_name = None if cname == NO_COHORT and not contract.cohorts else cname
        for k, start in enumerate(referral_days(contract, cohort, rng, plan)):
            pid = f"{cname}-{k + 1:05d}"
            subgroup = _pick(rng, cohort.subgroups)
            stop = end
            if cohort.dropout and rng.random() < cohort.dropout:
                stop = min(stop, cohort.dropout_after.after(rng, start))
            reached: dict[str, date] = {}
            for o, a, needs, choices in steps:
                if o.cohorts and cohort_name not in o.cohorts:
                    continue
                base, ok = start, True
                minimum: date = date.min
                latest: date = date.max
                for name, at_least, within in needs:
                    got = reached.get(name)
                    if got is None:
                        ok = False
                        break
                    if got > base:
                        base = got
                    if at_least is not None:
                        minimum = max(minimum, add_duration(got, at_least))
                    if within is not None:
                        latest = min(latest, add_duration(got, within))
                for options in choices:
                    if not ok:
                        break
                    found = [(reached[name], at_least, within) for name, at_least, within in options if name in reached]
                    if not found:
                        ok = False
                        break
                    day0, at_least, within = min(found, key=lambda t: t[0])
                    base = max(base, day0)
                    if at_least is not None:
                        minimum = max(minimum, add_duration(day0, at_least))
                    if within is not None:
                        latest = min(latest, add_duration(day0, within))
                if not ok or rng.random() >= a.chance_for(subgroup):
                    continue
                if o.window is not None:
                    latest = min(latest, add_duration(start, o.window))
                day = max(a.delay.after(rng, base), minimum)
                times = o.times_limit
                n = 0
                while day <= min(latest, stop):
                    value = value_decimal(a.value.draw(rng), assumptions.places) if a.value is not None else None
                    n += 1
                    claims.append(Claim(claim_id=f"{pid}-{o.name}-{n}", participant=pid, outcome=o.name,
                                        achieved=day, evidence="simulated", cohort=cohort_name, start=start,
                                        subgroup=subgroup, value=value, referral=start))
                    reached.setdefault(o.name, day)
                    if (times is not None and n >= times) or n >= MAX_REPEATS or rng.random() >= a.again:
                        break
                    day = a.again_delay.after(rng, day)
                    if day == reached[o.name] and a.again_delay.fixed == (0, "days"):
                        day += timedelta(days=1)  # a repeat is never on the same day as the one before
    measurements: list[Measurement] = []
    for o in contract.outcomes:
        a2 = assumptions.outcomes.get(o.name)
        if not isinstance(o.tariff, CohortLevelTariff) or a2 is None or a2.measured is None:
            continue
        measured_cohort = o.cohorts[0] if len(o.cohorts) == 1 else None
        if o.pooled:
            measurements.append(Measurement(f"m-{o.name}", o.name, measured_cohort, a2.measured, Decimal(0),
                                            Decimal(0), given=False))
            continue
        assert a2.baseline is not None and a2.observed is not None
        measurements.append(Measurement(f"m-{o.name}", o.name, measured_cohort, a2.measured,
                                        value_decimal(a2.baseline.draw(rng), assumptions.places),
                                        value_decimal(a2.observed.draw(rng), assumptions.places)))
    return claims, measurements
