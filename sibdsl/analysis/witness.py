"""Analysis: witness ledgers — claims that realise a chosen set of outcomes for participants,
dated so that every ladder delay and window is met, for the settlement engine to confirm.

Input: the contract, a cohort / sub-group, the outcomes with how many times each. Output:
`Claim` records (a scaled outcome measured at its best point): each outcome first on its
earliest feasible date, repeats one day apart
but never after the outcome's last payable day (the term's end, its window's end, the `by`
limit after a prerequisite): later repeats share that day (claim ids keep them in order),
so a long run of repeats neither leaves the term nor overflows the calendar. The callers
keep witnesses small (`budget.WITNESS_CLAIMS`).

`filler_claims` builds the other participants' claims that must come first for a witness to
reach its best: earlier claims of a tiered outcome up to its best-priced band, paid outcomes
outside a sub-group whose share is capped.

`cohort_claims` builds a ledger for many participants (each claiming its cohort's best
selection, up to the cohort sizes) that `exposure.py` settles to confirm that the maximum
liability is reached, before calling it exact.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING

from sibdsl.analysis import budget
from sibdsl.analysis.choices import needs
from sibdsl.core.calendar import add_duration
from sibdsl.model.contract import CohortLevelTariff, Contract, Prerequisite, TieredTariff, best_value, listed_prices
from sibdsl.model.pastterm import last_day_for
from sibdsl.settlement.records import Claim

if TYPE_CHECKING:
    from sibdsl.settlement.engine import Settlement


def participant_claims(contract: Contract, participant: str, cohort: str | None, subgroup: str | None,
                       selection: list[tuple[str, int]], first_id: int = 0, late: bool = False) -> list[Claim]:
    """`late`: an indexed outcome that no other outcome of the selection follows is claimed on
    its last payable day (where indexation has risen most), not its first."""
    header = contract.header
    spec = next((c for c in contract.cohorts if c.name == cohort), None)
    start = spec.referral_start if spec and spec.referral_start else header.term_start
    by_name = {o.name: o for o in contract.outcomes}
    times = dict(selection)
    when: dict[str, date] = {}
    active: set[str] = set()
    held: set[str] = set()  # statuses the witness held at referral (an `or held at referral` option)
    used: dict[str, list[Prerequisite]] = {}  # step -> the options its choices are met by

    def first(name: str) -> date:
        if name in when:
            return when[name]
        outcome = by_name[name]
        when[name] = start  # provisional, against a loop through options
        active.add(name)
        day = start
        for p in outcome.prerequisites:
            before = first(p.outcome)
            if p.at_least is not None:
                before = add_duration(before, p.at_least)
            day = max(day, before)
        for choice in outcome.choices:  # options: the earliest one of the selection
            chosen = [o for o in choice.options if o.outcome in times and o.outcome not in active]
            if chosen:
                dates = [(add_duration(first(o.outcome), o.at_least) if o.at_least else first(o.outcome), i)
                         for i, o in enumerate(chosen)]
                best, i = min(dates)
                used.setdefault(name, []).append(chosen[i])
                day = max(day, best)
            elif choice.held_at_referral:  # held at referral, counted from the start (no referral date)
                option = min(choice.options, key=lambda o: add_duration(start, o.at_least) if o.at_least else start)
                held.add(option.outcome)
                day = max(day, add_duration(start, option.at_least) if option.at_least else start)
        active.discard(name)
        when[name] = day
        return day

    def after(name: str) -> list[str]:  # what the step comes after, in this witness
        return [p.outcome for p in by_name[name].prerequisites] + [o.outcome for o in used.get(name, [])]

    depth: dict[str, int] = {}

    def level(name: str) -> int:  # prerequisites before their steps on the same day
        if name not in depth:
            depth[name] = 0
            depth[name] = 1 + max((level(p) for p in after(name)), default=-1)
        return depth[name]

    def last(name: str) -> date:  # the last day a claim of this outcome can be paid
        outcome = by_name[name]
        day = last_day_for(outcome, header)  # a later ladder step can be paid in the run-off
        if outcome.window is not None:
            day = min(day, add_duration(start, outcome.window))
        for p in [*outcome.prerequisites, *used.get(name, [])]:
            if p.within is not None:
                day = min(day, add_duration(first(p.outcome), p.within))
        for choice in outcome.choices:
            if not any(o.outcome in times for o in choice.options) and choice.held_at_referral:
                option = min(choice.options, key=lambda o: add_duration(start, o.at_least) if o.at_least else start)
                if option.within is not None:
                    day = min(day, add_duration(start, option.within))
        return max(day, first(name))

    def value(name: str) -> Decimal | None:  # the measured value that pays most (a scale's best point)
        return best_value(by_name[name].tariff)

    for name in times:
        first(name)
    followed = {p for name in times for p in after(name)}
    status = frozenset(held - set(times)) or None  # never hold an outcome the witness claims
    claims = []
    n = first_id
    for name in sorted(times, key=lambda k: (first(k), level(k), k)):
        day, end = first(name), last(name)
        if late and by_name[name].indexation is not None and name not in followed:
            day = max(day, end - timedelta(days=times[name] - 1))
        spread = (end - day).days
        for k in range(times[name]):
            n += 1  # zero-padded ids: settlement orders same-day claims by id
            claims.append(Claim(claim_id=f"w{n:07d}", participant=participant, outcome=name,
                                achieved=day + timedelta(days=min(k, spread)), evidence="witness", cohort=cohort,
                                start=start, subgroup=subgroup, value=value(name), held=status))
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


def filler_claims(contract: Contract, cohort: str | None, subgroup: str | None, selection: list[tuple[str, int]],
                  size: int | None, max_participants: int) -> list[Claim]:
    """Claims of other participants, settled before a witness's own, that put the witness where
    its best selection is paid in full: enough earlier claims of each tiered outcome in the
    selection to reach its best-priced band, and, under a share cap on the witness's sub-group,
    enough paid outcomes outside it to keep the share. The fillers are in the witness's cohort,
    in no sub-group, each claiming a tiered outcome (with its prerequisites) or the cheapest
    outcome that needs none; for a tier `counted within` a sub-group, in that sub-group (so the
    fillers a share cap needs are in it too, and the witness may fall short: its figure is then a
    bound). Empty when no filler is needed, the tiers are counted within different sub-groups, or
    the cohort has no room for them."""
    by_name = {o.name: o for o in contract.outcomes}
    fills: dict[str, int] = {}  # tiered outcome -> claims needed before the witness's first
    counted: dict[str, str | None] = {}  # tiered outcome -> the sub-group its fillers must be in
    for name, _ in selection:
        tariff = by_name[name].tariff
        if isinstance(tariff, TieredTariff) and tariff.bands:
            best = max(tariff.bands, key=lambda b: (b.price if b.cap is None else min(b.price, b.cap), -b.first))
            if best.first > 1:
                fills[name] = best.first - 1
                counted[name] = tariff.counted_within  # a tier counted within a sub-group counts only its claims
    claimed = sum(times for _, times in selection)
    share = min((c.limit for c in contract.caps if c.scope == "subgroup" and c.measure == "share"
                 and subgroup is not None and c.target == subgroup and c.limit > 0), default=None)
    others = 0  # paid outcomes outside the sub-group the share needs
    if share is not None and share < 100:
        others = int((claimed * 100 / share).to_integral_value(ROUND_CEILING))
    people = max([others, *fills.values()], default=0)
    room = (size - 1) if size is not None else max_participants - 1
    if people == 0 or people > min(room, max_participants - 1):
        return []
    plain = min((o for o in contract.outcomes if not o.prerequisites and not needs(o)
                 and not isinstance(o.tariff, CohortLevelTariff)),
                key=lambda o: (min(listed_prices(o.tariff), default=Decimal(0)), o.name), default=None)
    # fillers of tiers counted within different sub-groups are different participants
    kinds = {counted[name] for name in fills}
    if len(kinds) > 1:
        return []  # not attempted: the witness stays unconfirmed (a bound)
    filler_group = next(iter(kinds), None)
    claims: list[Claim] = []
    for k in range(people):
        chosen: dict[str, int] = {}
        for name, needed in fills.items():
            if k < needed:
                for step in _ladder(contract, name):
                    chosen[step] = 1
        if not chosen and plain is not None:
            chosen[plain.name] = 1
        claims += participant_claims(contract, f"filler{k + 1}", cohort, filler_group, list(chosen.items()),
                                     len(claims))
    return claims


def _ladder(contract: Contract, name: str) -> list[str]:
    """The outcome and every prerequisite it needs, prerequisites first."""
    by_name = {o.name: o for o in contract.outcomes}
    out: list[str] = []
    stack = [name]
    while stack:
        current = stack.pop()
        if current in out:
            continue
        out.insert(0, current)
        stack += [need[0] for need in needs(by_name[current])]  # a choice: its first option
    return out


Group = tuple[str | None, str | None, int | None, list[tuple[str, int]]]  # cohort, sub-group, size, selection


def mixed_cohort_claims(contract: Contract, groups: list[Group], people: int, max_claims: int) -> list[Claim] | None:
    """A ledger of `people` participants spread over `groups`: each cohort filled up to its size
    in the order given, its participants taking its sub-groups' best selections in turn (so no
    one sub-group's share of the paid outcomes runs far ahead, and later participants pass the
    tier bands the earlier ones fill). None when it would take more than `max_claims` claims or
    the cohorts cannot hold `people` participants."""
    by_cohort: dict[str | None, list[Group]] = {}
    for g in groups:
        by_cohort.setdefault(g[0], []).append(g)
    sizes = [members[0][2] for members in by_cohort.values()]
    if all(n is not None for n in sizes) and sum(n for n in sizes if n is not None) < people:
        return None  # the cohorts cannot hold them
    claims: list[Claim] = []
    left, n = people, 0
    for cohort, members in by_cohort.items():
        size = members[0][2]
        take = left if size is None else min(left, size)
        for k in range(take):
            _, subgroup, _, selection = members[k % len(members)]
            if len(claims) + sum(t for _, t in selection) > max_claims:
                return None
            n += 1
            claims += participant_claims(contract, f"w{n}", cohort, subgroup, selection, len(claims))
        left -= take
        if left == 0:
            return claims
    return None


def settled_within(contract: Contract, claims: list[Claim]) -> Settlement | None:
    """A witness ledger the analysis built, settled by the engine; None where its share caps
    measured each period or over the contract would take more than `WITNESS_WORK` decisions
    (each refusal settles the measurement again): the figure it was for stays a bound."""
    from sibdsl.settlement.engine import settle
    from sibdsl.settlement.share_caps import TooLong

    try:
        return settle(contract, claims, work_limit=budget.WITNESS_WORK)
    except TooLong:
        return None
