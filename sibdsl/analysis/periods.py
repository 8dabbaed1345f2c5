"""Analysis: the most paid in one settlement period.

Input: a compiled `Contract` and its `Exposure` (the maximum liability and the participant
maxima). Output: `PeriodMax` — an upper bound on what settlement can pay in any one period
(the least of the cap per period and the maximum liability), exact only when a witness
ledger, settled by the engine, pays that much in one period. The witness: participants who
all start on the first day of their cohort's referral window and claim their best selection
(each step on its earliest day, so every participant's claims of a step fall on the same
day, and the period holding the most-paid steps collects them all); grown, a few times,
until one period is paid the bound. `witness_claims` 0: no witness is settled (the figure is a bound).
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from sibdsl.analysis.budget import EXACT, WITNESS_PARTICIPANTS
from sibdsl.analysis.participant import ParticipantMax
from sibdsl.analysis.witness import mixed_cohort_claims, settled_within
from sibdsl.core.money import ZERO
from sibdsl.model.contract import Contract, listed_prices
from sibdsl.settlement.engine import Settlement
from sibdsl.settlement.records import Claim, Status


@dataclass
class PeriodMax:
    most: Decimal | None  # None: no limit
    set_by: str  # "the cap per period", "the maximum liability", or why there is no limit
    exact: bool = False
    bound: str = ""  # why `most` is only an upper bound ("" when exact)
    witness: list[Claim] = field(default_factory=list)  # the ledger tried (exact: it reaches `most`)
    reached: Decimal = ZERO  # the most the witness paid in one period


def most_in_a_period(s: Settlement) -> Decimal:
    """The most a settlement paid in any one period."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for d in s.decisions:
        if d.status is not Status.REJECTED:
            totals[d.period] += d.amount
    return max(totals.values(), default=ZERO)


def period_maximum(contract: Contract, liability: Decimal | None, liability_why: str, set_by: str,
                   participants: list[ParticipantMax], witness_claims: int) -> PeriodMax:
    limits = [("the cap per period", c.limit) for c in contract.caps if c.scope == "period" and c.measure == "money"]
    if liability is not None:
        limits.append(("the maximum liability", liability))
    if not limits:
        return PeriodMax(None, f"no limit: {set_by}", bound="no limit")
    name, most = min(limits, key=lambda x: x[1])
    found = PeriodMax(most, name)
    if most == 0:
        found.exact = True
        return found
    if witness_claims > 0:
        try_witness(contract, found, participants, witness_claims)
    if not found.exact:
        found.bound = (f"a witness of participants who all start on one day, settled by the "
                       f"engine, is paid {contract.header.currency} {found.reached:,.2f} in one period"
                       if found.witness else "no witness ledger reaches it within the analysis's limits"
                       if witness_claims > 0 else "no witness ledger was settled for it")
        if name == "the maximum liability" and liability_why:
            found.bound += f"; and the maximum liability is itself a bound ({liability_why})"
    return found


def try_witness(contract: Contract, found: PeriodMax, participants: list[ParticipantMax], witness_claims: int) -> None:
    by_name = {o.name: o for o in contract.outcomes}
    sizes = {c.name: c.size for c in contract.cohorts}
    groups = []
    for m in sorted(participants, key=lambda m: -(m.reached or m.amount)):
        if m.selection and not m.unbounded:
            groups.append((m.cohort, m.subgroup, sizes.get(m.cohort) if m.cohort is not None else None,
                           m.selection))
    if not groups or found.most is None:
        return
    with decimal.localcontext(EXACT):
        prices = [max((max(listed_prices(by_name[n].tariff), default=ZERO) for n, _ in g[3]), default=ZERO)
                  for g in groups]
        per = max(sum(prices, ZERO) / len(prices), Decimal("0.01"))
        people = max(1, int((found.most / per).to_integral_value(ROUND_CEILING)))
    cohort_sizes = {g[0]: g[2] for g in groups}
    room = WITNESS_PARTICIPANTS
    if all(n is not None for n in cohort_sizes.values()):
        room = min(room, sum(n for n in cohort_sizes.values() if n is not None))
    for _ in range(4):
        last_try = people >= room
        people = min(people, room)
        claims = mixed_cohort_claims(contract, groups, people, witness_claims)
        if claims is None:
            return
        result = settled_within(contract, claims)
        if result is None:  # too long to settle under its measured shares: the figure stays a bound
            return
        reached = most_in_a_period(result)
        if reached > found.reached or not found.witness:
            found.witness, found.reached = claims, reached
        if reached >= found.most:
            found.exact = reached == found.most
            return
        if reached <= 0 or last_try:
            return
        with decimal.localcontext(EXACT):
            people = max(people + 16,  # (as the liability's witness: the last cents of a cap paid in part)
                         int((people * found.most / reached * Decimal("1.1")).to_integral_value(ROUND_CEILING)))
