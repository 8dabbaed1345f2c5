"""Simulation (phase 6): one scenario's assumptions draw -> its claims as columns.

Input: the compiled contract, checked `Assumptions`, and a numpy `Generator` seeded for this
scenario. Output: `Ledger`: per claim (in the order drawn) its participant, outcome, date,
repeat number and measured value, with each participant's cohort, sub-group and start date,
all as integers (dates as day numbers); `Ledger.claims()` writes them as `records.Claim`s for
the reference engine, and `Ledger.settlement_order()` gives the order `engine.in_order` puts them
in, computed from integers (claim ids are built so that their text order is that order).

The rules are those of docs/simulate.md: referrals fall uniformly in each settlement period of
the cohort's referral window, up to the cohort's size; an outcome is reached with its chance once
all its prerequisites are reached (for `after a or b`, the earliest of them), its date is the
latest prerequisite's date (the start without one) plus the delay, moved to the contract's
minimum delay where it is shorter; an outcome that would fall after a drop-out, past a `within`
or a window, or after the contract's last day is not reached. Each rule is applied to every
participant of a cohort at once (numpy arrays), outcome by outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from sibdsl.core.calendar import add_duration
from sibdsl.model.contract import CohortLevelTariff, Contract, Duration, Outcome
from sibdsl.model.pastterm import last_day
from sibdsl.settlement.output import period_bounds
from sibdsl.settlement.plan import Plan, make_plan
from sibdsl.settlement.records import Claim
from sibdsl.simulate.assumptions import NO_COHORT, Assumptions, Delay, Dist, value_decimal

MAX_REPEATS = 200  # an outcome paid any number of times: the most achievements drawn per participant
NEVER = date.max.toordinal()
I64 = np.int64


@dataclass
class Ledger:
    """One scenario's claims as columns (numpy int64 arrays of one length), and its people."""

    person: Any
    outcome: Any  # index into the contract's outcomes
    day: Any
    repeat: Any  # 1 for the first achievement, 2 for the next, ...
    value: list[Decimal | None]  # the measured value, per claim (None where the outcome takes none)
    people: list[str]  # participant id per person index
    p_cohort: Any  # per person: cohort index into `cohorts` (-1: no cohort)
    p_subgroup: Any  # per person: sub-group index into `subgroups` (-1: none)
    p_start: Any
    p_number: Any  # per person: its number within its cohort (1, 2, ...)
    cohorts: list[str]
    subgroups: list[str]
    outcomes: list[str]
    _claims: list[Claim] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.day)

    def claim_id(self, i: int) -> str:
        return f"{self.people[self.person[i]]}-{self.outcomes[self.outcome[i]]}-{self.repeat[i]:03d}"

    def claims(self) -> list[Claim]:
        """The claims as the reference engine reads them (in the order drawn)."""
        if self._claims is None:
            out = []
            for i in range(len(self.day)):
                p = int(self.person[i])
                k, s = int(self.p_cohort[p]), int(self.p_subgroup[p])
                start = date.fromordinal(int(self.p_start[p]))
                out.append(Claim(claim_id=self.claim_id(i), participant=self.people[p],
                                 outcome=self.outcomes[self.outcome[i]], achieved=date.fromordinal(int(self.day[i])),
                                 evidence="simulated", cohort=self.cohorts[k] if k >= 0 else None, start=start,
                                 subgroup=self.subgroups[s] if s >= 0 else None, value=self.value[i], referral=start))
            self._claims = out
        return self._claims

    def settlement_order(self) -> Any:
        """The indices of the claims in the order of settlement: date, then claim id (the id is
        participant, outcome name, zero-padded repeat; a participant id is its cohort's name, a
        hyphen and its zero-padded number, and '-' sorts before every letter, digit and '_'
        that a name can hold, so text order is the order of these integers)."""
        cohort_rank = _ranks(self.cohorts)
        outcome_rank = _ranks(self.outcomes)
        p_rank = np.asarray([cohort_rank[k] if k >= 0 else 0 for k in self.p_cohort.tolist()], dtype=I64) \
            if len(self.p_cohort) else np.zeros(0, I64)
        person = self.person
        keys = (self.repeat, outcome_rank[self.outcome] if len(self.outcome) else self.outcome,
                self.p_number[person] if len(person) else person, p_rank[person] if len(person) else person, self.day)
        return np.lexsort(keys)


def _ranks(names: list[str]) -> Any:
    order = sorted(range(len(names)), key=lambda i: names[i])
    ranks = np.zeros(len(names), I64)
    for r, i in enumerate(order):
        ranks[i] = r
    return ranks


class Days:
    """Calendar arithmetic on day numbers, by table: `shift(days, duration)` is
    `add_duration` applied to each, for days in [first, last] (the contract's month rule)."""

    def __init__(self, first: int, last: int) -> None:
        self.first, self.last = first, last
        self._tables: dict[tuple[int, str], Any] = {}

    def shift(self, days: Any, d: Duration | tuple[int, str]) -> Any:
        amount, unit = (d.amount, d.unit) if isinstance(d, Duration) else d
        if unit == "days":
            return np.minimum(days + amount, NEVER)
        if unit == "weeks":
            return np.minimum(days + 7 * amount, NEVER)
        key = (amount, unit)
        table = self._tables.get(key)
        if table is None:
            dur = _Dur(amount, unit)
            table = self._tables[key] = np.asarray(
                [add_duration(date.fromordinal(n), dur).toordinal() for n in range(self.first, self.last + 1)], I64)
        inside = np.clip(days, self.first, self.last) - self.first
        return np.where((days >= self.first) & (days <= self.last), table[inside], NEVER)


@dataclass(frozen=True)
class _Dur:
    amount: int
    unit: str


def _after(rng: np.random.Generator, delay: Delay, days: Any, calendar: Days) -> Any:
    """Each day plus the delay (fixed: by the calendar; drawn: whole days, never below 0)."""
    if delay.fixed is not None:
        return calendar.shift(days, delay.fixed)
    assert delay.days is not None
    drawn = draw_values(rng, delay.days, len(days))
    return np.minimum(days + np.maximum(0, np.rint(drawn)).astype(I64), NEVER)


def draw_values(rng: np.random.Generator, dist: Dist, n: int) -> Any:
    if dist.kind == "fixed":
        return np.full(n, dist.a)
    if dist.kind == "uniform":
        return rng.uniform(dist.a, dist.b, n)
    return rng.normal(dist.a, dist.b, n)


def referral_days(contract: Contract, cname: str, referrals: tuple[float, ...], every_period: bool, vary: str,
                  rng: np.random.Generator, plan: Plan) -> Any:
    """The referral dates of one cohort in one scenario (day numbers, in date order)."""
    header = contract.header
    declared = next((k for k in contract.cohorts if k.name == cname), None)
    start = (declared.referral_start if declared else None) or header.term_start
    end = (declared.referral_end if declared else None) or header.term_end
    first = plan.period_of(max(start, header.term_start))
    parts: list[Any] = []
    i = 0
    while True:
        p_start, p_end = period_bounds(plan, first + i)
        lo, hi = max(p_start, start), min(p_end, end)
        if lo > end or p_start > (plan.last_day or header.term_end):
            break
        if every_period:
            mean = referrals[0]
        elif i < len(referrals):
            mean = referrals[i]
        else:
            break
        n = int(rng.poisson(mean)) if vary == "poisson" else int(mean) + int(rng.random() < mean - int(mean))
        span = (hi - lo).days
        if span >= 0 and n > 0:
            parts.append(np.sort(lo.toordinal() + rng.integers(0, span + 1, n)))
        i += 1
    days = np.concatenate(parts) if parts else np.zeros(0, I64)
    if declared is not None and declared.size is not None:
        days = days[:declared.size]  # referrals stop when the cohort is full
    return days.astype(I64)


def draw_ledger(contract: Contract, assumptions: Assumptions, rng: np.random.Generator,
                calendar: Days | None = None, plan: Plan | None = None) -> Ledger:
    """One scenario's claims (its measurements and requests are drawn after, from the same generator)."""
    plan = plan or make_plan(contract)
    end = last_day(contract.header).toordinal()
    calendar = calendar or calendar_for(contract, plan)
    outcomes = [o.name for o in contract.outcomes]
    o_index = {name: i for i, name in enumerate(outcomes)}
    order = [(o, assumptions.outcomes[o.name]) for o in outcome_order(contract)
             if o.name in assumptions.outcomes and assumptions.outcomes[o.name].highest > 0]
    cohorts = [c for c in assumptions.cohorts if not (c == NO_COHORT and not contract.cohorts)]
    subgroups = list(dict.fromkeys(s for c in assumptions.cohorts.values() for s, _w in c.subgroups))
    people: list[str] = []
    p_cohort: list[Any] = []
    p_subgroup: list[Any] = []
    p_start: list[Any] = []
    p_number: list[Any] = []
    c_person: list[Any] = []
    c_outcome: list[Any] = []
    c_day: list[Any] = []
    c_repeat: list[Any] = []
    values: list[Decimal | None] = []
    for cname, cohort in assumptions.cohorts.items():
        cohort_name = None if cname == NO_COHORT and not contract.cohorts else cname
        starts = referral_days(contract, cname, cohort.referrals, cohort.every_period, cohort.vary, rng, plan)
        n = len(starts)
        offset = len(people)
        width = max(5, len(str(n)))
        people += [f"{cname}-{k + 1:0{width}d}" for k in range(n)]
        p_number.append(np.arange(1, n + 1, dtype=I64))
        p_cohort.append(np.full(n, cohorts.index(cohort_name) if cohort_name is not None else -1, I64))
        p_start.append(starts)
        if cohort.subgroups:
            weights = np.asarray([w for _s, w in cohort.subgroups], dtype=float)
            cumulative = np.cumsum(weights)
            picked = np.searchsorted(cumulative, rng.random(n) * cumulative[-1], side="right")
            picked = np.minimum(picked, len(weights) - 1)
            index_of = np.asarray([subgroups.index(s) for s, _w in cohort.subgroups], I64)
            sub = index_of[picked]
        else:
            sub = np.full(n, -1, I64)
        p_subgroup.append(sub)
        stop = np.full(n, end, I64)
        if cohort.dropout:
            leaves = rng.random(n) < cohort.dropout
            stop = np.where(leaves, np.minimum(stop, _after(rng, cohort.dropout_after, starts, calendar)), stop)
        reached: dict[str, Any] = {}
        zero = np.zeros(n, I64)
        for o, a in order:
            if o.cohorts and cohort_name not in o.cohorts:
                continue
            ok = np.ones(n, bool)
            base = starts.copy()
            minimum = np.zeros(n, I64)
            latest = np.full(n, NEVER, I64)
            for p in o.prerequisites:
                got = reached.get(p.outcome, zero)
                ok &= got > 0
                base = np.maximum(base, got)
                if p.at_least is not None:
                    minimum = np.maximum(minimum, np.where(got > 0, calendar.shift(got, p.at_least), 0))
                if p.within is not None:
                    latest = np.minimum(latest, np.where(got > 0, calendar.shift(got, p.within), NEVER))
            for choice in o.choices:
                best = np.full(n, NEVER, I64)
                low = np.zeros(n, I64)
                high = np.full(n, NEVER, I64)
                for op in choice.options:  # the earliest option reached (the first of equals)
                    got = reached.get(op.outcome, zero)
                    better = (got > 0) & (got < best)
                    best = np.where(better, got, best)
                    if op.at_least is not None:
                        low = np.where(better, calendar.shift(got, op.at_least), low)
                    else:
                        low = np.where(better, 0, low)
                    if op.within is not None:
                        high = np.where(better, calendar.shift(got, op.within), high)
                    else:
                        high = np.where(better, NEVER, high)
                found = best < NEVER
                ok &= found
                base = np.where(found, np.maximum(base, best), base)
                minimum = np.where(found, np.maximum(minimum, low), minimum)
                latest = np.where(found, np.minimum(latest, high), latest)
            chance = np.full(n, a.chance)
            for s, value in a.by_subgroup:
                if s in subgroups:
                    chance = np.where(sub == subgroups.index(s), value, chance)
            ok &= rng.random(n) < chance
            if o.window is not None:
                latest = np.minimum(latest, calendar.shift(starts, o.window))
            day = np.maximum(_after(rng, a.delay, base, calendar), minimum)
            limit = np.minimum(latest, stop)
            times = o.times_limit
            active = ok
            first_day = np.zeros(n, I64)
            k = 0
            while True:
                active = active & (day <= limit)
                who = np.nonzero(active)[0]
                if len(who) == 0:
                    break
                k += 1
                c_person.append(who + offset)
                c_outcome.append(np.full(len(who), o_index[o.name], I64))
                c_day.append(day[who])
                c_repeat.append(np.full(len(who), k, I64))
                if a.value is not None:
                    values += [value_decimal(float(v), assumptions.places) for v in draw_values(rng, a.value, len(who))]
                else:
                    values += [None] * len(who)
                first_day = np.where(active & (first_day == 0), day, first_day)
                if (times is not None and k >= times) or k >= MAX_REPEATS:
                    break
                active = active & (rng.random(n) < a.again)
                if not active.any():
                    break
                nxt = _after(rng, a.again_delay, day, calendar)
                if a.again_delay.fixed == (0, "days"):
                    nxt = np.where(nxt == first_day, nxt + 1, nxt)  # never twice on the first day
                day = nxt
            reached[o.name] = np.where(first_day > 0, first_day, reached.get(o.name, zero))

    def cat(parts: list[Any]) -> Any:
        return np.concatenate(parts).astype(I64) if parts else np.zeros(0, I64)

    return Ledger(cat(c_person), cat(c_outcome), cat(c_day), cat(c_repeat), values, people, cat(p_cohort),
                  cat(p_subgroup), cat(p_start), cat(p_number), [c for c in cohorts if c is not None], subgroups,
                  outcomes)


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


def calendar_for(contract: Contract, plan: Plan | None = None) -> Days:
    """The day tables a scenario's dates can need: from the earliest referral to the last day."""
    header = contract.header
    first = min([header.term_start, *(c.referral_start for c in contract.cohorts if c.referral_start is not None)])
    return Days(first.toordinal() - 1, last_day(header).toordinal() + 1)
