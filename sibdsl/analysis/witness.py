"""Analysis: witness ledgers — claims that realise a chosen set of outcomes for participants,
dated so that every ladder delay and window is met, for the settlement engine to confirm.

Input: the contract, a cohort / sub-group, the outcomes with how many times each. Output:
`Claim` records (a scaled outcome measured at its best point): each outcome first on its
earliest feasible date, repeats one day apart
but never after the outcome's last payable day (the term's end, its window's end, the `by`
limit after a prerequisite): later repeats share that day (claim ids keep them in order),
so a long run of repeats neither leaves the term nor overflows the calendar. The callers
keep witnesses small (`budget.WITNESS_CLAIMS`).

`cohort_claims` builds a ledger for many participants (each claiming its cohort's best
selection, up to the cohort sizes) that `exposure.py` settles to confirm that the maximum
liability is reached, before calling it exact.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from sibdsl.model.contract import Contract
from sibdsl.semantics import ir
from sibdsl.semantics.calendar import add_duration
from sibdsl.settlement.records import Claim


def participant_claims(contract: Contract, participant: str, cohort: str | None, subgroup: str | None,
                       selection: list[tuple[str, int]], first_id: int = 0) -> list[Claim]:
    header = contract.header
    spec = next((c for c in contract.cohorts if c.name == cohort), None)
    start = spec.referral_start if spec and spec.referral_start else header.term_start
    by_name = {o.name: o for o in contract.outcomes}
    times = dict(selection)
    when: dict[str, date] = {}

    def first(name: str) -> date:
        if name in when:
            return when[name]
        day = start
        for p in by_name[name].prerequisites:
            before = first(p.outcome)
            if p.at_least is not None:
                before = add_duration(before, ir.Duration(amount=p.at_least.amount, unit=p.at_least.unit))
            day = max(day, before)
        when[name] = day
        return day

    depth: dict[str, int] = {}

    def level(name: str) -> int:  # prerequisites before their steps on the same day
        if name not in depth:
            depth[name] = 0
            depth[name] = 1 + max((level(p.outcome) for p in by_name[name].prerequisites), default=-1)
        return depth[name]

    def last(name: str) -> date:  # the last day a claim of this outcome can be paid
        day = header.term_end
        outcome = by_name[name]
        if outcome.window is not None:
            day = min(day, add_duration(start, ir.Duration(amount=outcome.window.amount, unit=outcome.window.unit)))
        for p in outcome.prerequisites:
            if p.within is not None:
                day = min(day, add_duration(first(p.outcome), ir.Duration(amount=p.within.amount,
                                                                         unit=p.within.unit)))
        return max(day, first(name))

    def value(name: str) -> Decimal | None:  # a scaled outcome's measured value: its best point
        tariff = by_name[name].tariff
        if tariff.kind != "sliding" or not tariff.points:
            return None
        return max(tariff.points, key=lambda p: (p.percent, -p.at)).at

    claims = []
    n = first_id
    for name in sorted(times, key=lambda k: (first(k), level(k), k)):
        day, end = first(name), last(name)
        spread = (end - day).days
        for k in range(times[name]):
            n += 1  # zero-padded ids: settlement orders same-day claims by id
            claims.append(Claim(claim_id=f"w{n:07d}", participant=participant, outcome=name,
                                achieved=day + timedelta(days=min(k, spread)), evidence="witness", cohort=cohort,
                                start=start, subgroup=subgroup, value=value(name)))
    return claims


Best = tuple[str | None, str | None, int | None, list[tuple[str, int]], Decimal]


def cohort_claims(contract: Contract, best_of: list[Best], target: Decimal | None, max_claims: int,
                  max_participants: int) -> tuple[list[Claim], int] | None:
    """A ledger for the whole cohort: participants who each claim their cohort's best selection,
    the best-paid cohorts first, each up to its size, until their maxima add up to `target`
    (every participant of every cohort when `target` is None). `best_of` holds, per cohort,
    (cohort, sub-group, size or None, selection, amount one participant is paid), best first.
    Returns (claims, participants), or None when it would take more than `max_claims` claims
    or `max_participants` participants, or the cohorts cannot hold enough participants."""
    plan: list[tuple[str | None, str | None, list[tuple[str, int]], int]] = []  # (.., participants)
    enrolled, claimed, total = 0, 0, Decimal(0)
    for cohort, subgroup, size, selection, amount in best_of:
        if target is not None and total >= target:
            break
        if size is None and target is None:
            return None
        room = size if size is not None else max_participants
        take = room
        if target is not None and amount > 0:  # as few as reach the target
            take = min(room, int(((target - total) / amount).to_integral_value(ROUND_CEILING)))
        per = sum(times for _, times in selection)
        enrolled += take
        claimed += take * per
        if enrolled > max_participants or claimed > max_claims:
            return None
        total += take * amount
        plan.append((cohort, subgroup, selection, int(take)))
    if target is not None and total < target:
        return None
    claims: list[Claim] = []
    n = 0
    for cohort, subgroup, selection, take in plan:
        for _ in range(take):
            n += 1
            claims += participant_claims(contract, f"w{n}", cohort, subgroup, selection, len(claims))
    return claims, n
