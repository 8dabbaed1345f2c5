"""Analysis: what the contract can cost — per participant, per payer and in total — which
limit sets each figure, and whether and when each cap can bind.

Input: the compiled `Contract`. Output: `Exposure`. The per-participant figures are exact
(`participant.py`). The total is the least of the contract's limits: the participants (cohort
size x the most each can be paid, and each outcome's cap), the contract cap, the payer caps,
and the period and year caps over the term. When the least limit is a cap, payments can reach
it (settlement pays claims in part up to a cap), so the figure is exact; when it is the
participants bound it is exact if no outcome cap cuts it, and `exact` says which. When a
participant's maximum is only an upper bound (the solver ran out of time, or the amounts are
too large for it: see `participant.py`), every figure built on it is an upper bound too:
`exact` is False and `notes` says why.

Arithmetic runs in a 400-digit decimal context (`budget.EXACT`), so cohort size x a maximum of
10^27 is not rounded to 28 digits.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from sibdsl.analysis.budget import DEFAULT_TIME_LIMIT, EXACT, Budget
from sibdsl.analysis.participant import ParticipantMax, participant_maxima
from sibdsl.model.contract import Contract
from sibdsl.settlement.money import HUNDRED, ZERO
from sibdsl.settlement.plan import whole_months


@dataclass
class CapFinding:
    index: int
    scope: str
    target: str | None
    binds: bool
    when: str


@dataclass
class Exposure:
    participants: list[ParticipantMax]
    best: ParticipantMax | None
    liability: Decimal | None  # None: no limit at all
    set_by: str
    exact: bool
    bounds: list[tuple[str, Decimal]] = field(default_factory=list)
    payers: dict[str, tuple[Decimal | None, str]] = field(default_factory=dict)
    caps: list[CapFinding] = field(default_factory=list)
    never_paid: list[str] = field(default_factory=list)
    tranches: list[tuple[int, bool, str]] = field(default_factory=list)  # (index, can be released, why)
    notes: list[str] = field(default_factory=list)  # why figures are upper bounds, not exact
    stopped: str | None = None  # "the analysis stopped after 10 s", when a solve hit the time limit


def _money(x: Decimal) -> str:
    return f"{x:,.2f}"


def exposure(contract: Contract, time_limit: float = DEFAULT_TIME_LIMIT) -> Exposure:
    """The figures; the solver may spend at most `time_limit` seconds on this contract."""
    budget = Budget(time_limit)
    reached: dict[str | None, set[str]] = {}
    maxima = participant_maxima(contract, budget, reached)
    with decimal.localcontext(EXACT):
        found = _exposure(contract, maxima, reached)
    found.stopped = budget.words() if budget.stopped else None
    return found


def _exposure(contract: Contract, maxima: list[ParticipantMax], reached: dict[str | None, set[str]]
              ) -> Exposure:
    header = contract.header
    cur = header.currency
    best = max(maxima, key=lambda m: m.amount, default=None)
    of_cohort: dict[str | None, list[ParticipantMax]] = {}
    for m in maxima:
        of_cohort.setdefault(m.cohort, []).append(m)
    bounds: list[tuple[str, Decimal]] = []
    exact_participants = True
    # the participants: each cohort's size times the most one of its participants can be paid
    total = ZERO
    sized = True
    for cohort in contract.cohorts or [None]:  # type: ignore[list-item]
        name = cohort.name if cohort else None
        top = max(of_cohort.get(name, []), key=lambda m: m.amount, default=None)
        if top is None:
            continue
        if cohort is None or cohort.size is None or any(m.unbounded for m in of_cohort[name]):
            sized = False
            break
        total += cohort.size * top.amount
    cohort_level = [o for o in contract.outcomes if o.tariff.kind == "cohort_level"]
    for o in cohort_level:
        cap = next((c for c in contract.caps if c.scope == "outcome" and c.target == o.name and c.measure == "money"),
                   None)
        if cap is None:
            sized = False
        else:
            total += cap.limit
    if sized:
        label = "the participants (cohort size x the most each can be paid)"
        for cap in contract.caps:  # an outcome cap that the participants could exceed makes this a bound
            if cap.scope == "outcome" and cap.measure == "money":
                exact_participants = False
        bounds.append((label, total))
    by_kind = {c.scope: c for c in contract.caps}
    if "contract" in by_kind:
        bounds.append(("the contract cap", by_kind["contract"].limit))
    payer_caps = {p.name: p.cap for p in contract.payers}
    for cap in contract.caps:
        if cap.scope == "payer" and cap.target:
            current = payer_caps.get(cap.target)
            payer_caps[cap.target] = cap.limit if current is None else min(current, cap.limit)
    months = whole_months(header.term_start, header.term_end) + 1
    if "period" in by_kind:
        periods = -(-months // header.settlement_months)
        bounds.append((f"the cap per period x {periods} periods", by_kind["period"].limit * periods))
    if "year" in by_kind:
        years = -(-months // 12)
        bounds.append((f"the cap per year x {years} years", by_kind["year"].limit * years))
    base, base_by = (min(bounds, key=lambda b: b[1])[1], min(bounds, key=lambda b: b[1])[0]) if bounds else \
        (None, "nothing: no cohort size, cap or payer cap limits it")
    exact = bool(bounds) and (not base_by.startswith("the participants") or exact_participants) and \
        not base_by.startswith(("the cap per period", "the cap per year"))
    # Each payer pays its share of every payment up to its own cap; when a payer's cap is
    # reached the others keep paying their shares, so the payers can pay at most
    # sum(min(cap, share x what the participants can earn)).
    # a participant's own cap counts what is paid, so once a payer's cap cuts payments a
    # participant can claim more outcomes: the payers' side uses what participants can claim
    claimable = None
    if sized:
        claimable = total - sum((c.size or 0) * top.amount for c in contract.cohorts
                                for top in [max(of_cohort.get(c.name, []), key=lambda m: m.amount,
                                                default=None)] if top is not None)
        claimable += sum((c.size or 0) * top.uncapped for c in contract.cohorts
                         for top in [max(of_cohort.get(c.name, []), key=lambda m: m.uncapped,
                                         default=None)] if top is not None)
    participant_cap_binds = any(m.uncapped > m.amount for m in maxima)
    participants = claimable
    owed: dict[str, tuple[Decimal | None, str]] = {}
    capped_by: list[str] = []
    payer_side: Decimal | None = ZERO
    for p in contract.payers:
        share_of = base * p.share / HUNDRED if base is not None else None
        own = payer_caps.get(p.name)
        if own is not None and (share_of is None or own < share_of):
            owed[p.name] = (own, f"its own cap of {cur} {_money(own)}")
            capped_by.append(p.name)
        else:
            owed[p.name] = (share_of, f"its {p.share.normalize():f}% share of the maximum liability")
        reach = participants * p.share / HUNDRED if participants is not None else None
        part = own if reach is None else (reach if own is None else min(own, reach))
        payer_side = None if part is None or payer_side is None else payer_side + part
    liability, set_by = base, base_by
    if capped_by:  # a payer's cap cuts payments short of the other limits: they become bounds
        exact = False
    if capped_by and payer_side is not None and (base is None or payer_side < base):
        caps_text = ", ".join(f"{name}'s cap" for name in capped_by)
        others = [value for label, value in bounds if not label.startswith("the participants")]
        liability = payer_side
        set_by = f"the payers' shares, with {caps_text}"
        bounds.append((f"the payers: each its share, up to its own cap ({caps_text})", payer_side))
        # reachable when nothing else cuts payments first; a contract, period or year cap
        # counts payments before the payers' parts are cut, so it can stop them short of this
        exact = not others and not participant_cap_binds
    inexact = [m for m in maxima if not m.exact]
    if inexact:  # every figure built on an upper bound is an upper bound
        exact = False
    found = Exposure(maxima, best, liability, set_by, exact, bounds)
    found.notes = list(dict.fromkeys(f"the most one participant can be paid is an upper bound: {m.note}"
                                     for m in inexact))
    found.payers = owed
    # an outcome no cohort can reach is never paid; said only when every cohort was looked at
    # (the time limit can stop the analysis before the last cohorts)
    names: list[str | None] = [c.name for c in contract.cohorts] or [None]
    if all(name in reached for name in names):
        everyone = set().union(*(reached[name] for name in names))
        found.never_paid = [o.name for o in contract.outcomes
                            if o.tariff.kind != "cohort_level" and o.name not in everyone]
    _caps(contract, found, total if sized else None)
    _tranches(contract, found)
    return found


def _tranches(contract: Contract, found: Exposure) -> None:
    """Can each condition tranche's conditions ever hold within the term?"""
    cur = contract.header.currency
    sizes = [c.size for c in contract.cohorts]
    enrolled = sum(s for s in sizes if s is not None) if sizes and all(s is not None for s in sizes) else None
    for i, t in enumerate(contract.tranches):
        if not t.conditions:
            continue
        why = ""
        for c in t.conditions:
            most: Decimal | None = None
            if c.figure == "payments":
                if c.of is None:
                    most = found.liability
                elif c.of in found.payers:
                    most = found.payers[c.of][0]
            elif c.figure == "participants" and c.of is None:
                most = Decimal(enrolled) if enrolled is not None else None
            elif c.figure == "outcomes" and c.of is not None and c.of in found.never_paid:
                most = ZERO
            if most is not None and (most < c.value or (c.op == ">" and most <= c.value)):
                shown = f"{cur} {_money(most)}" if c.figure == "payments" else f"{most:,f}"
                why = f"{c.figure}{' of ' + c.of if c.of else ''} can reach at most {shown}, not {c.value:,f}"
                break
        found.tranches.append((i, not why, why or "its conditions can hold within the term"))


def _caps(contract: Contract, found: Exposure, participants_total: Decimal | None) -> None:
    cur = contract.header.currency
    best = found.best
    for i, cap in enumerate(contract.caps):
        binds, when = True, ""
        if cap.scope == "participant":
            # `then reject` keeps what is paid within the cap, so the outcomes' worth without it decides
            top = max(((m.worth if cap.behaviour == "reject" and m.worth is not None else m.uncapped)
                       for m in found.participants), default=ZERO)
            binds = top > cap.limit
            when = (f"binds for a participant whose outcomes are worth more than {cur} {_money(cap.limit)} (at most "
                    f"{cur} {_money(top)})" if binds else f"never binds: no participant can earn more than "
                    f"{cur} {_money(top)}")
        elif cap.scope == "contract":
            if participants_total is not None and participants_total <= cap.limit:
                binds, when = False, (f"never binds: the participants can earn at most {cur} "
                                      f"{_money(participants_total)}")
            elif best is not None and best.amount > 0 and not found.notes:
                n = int((cap.limit / best.amount).to_integral_value(ROUND_CEILING))
                when = f"binds once {n:,} participants reach their maximum of {cur} {_money(best.amount)}"
            else:
                when = "binds once payments reach it"
        elif cap.scope == "payer":
            payer = next((p for p in contract.payers if p.name == cap.target), None)
            if payer is not None and found.liability is not None:
                reach = cap.limit * HUNDRED / payer.share
                binds = reach < found.liability
                when = (f"binds when total payments reach {cur} {_money(reach)}" if binds else
                        "never binds before the maximum liability")
        elif cap.scope == "outcome" and cap.target and any(
                o.name == cap.target and o.tariff.kind == "cohort_level" for o in contract.outcomes):
            when = f"binds once cohort-level payments for {cap.target} reach it"
        elif cap.scope == "outcome" and cap.target:
            # an outcome that no participant's maximum uses can still be paid instead of another
            payable = cap.target not in found.never_paid and any(
                o.name == cap.target for o in contract.outcomes)
            when = f"binds once {cap.limit:,f} {'outcomes are' if cap.measure == 'count' else 'is'} paid for " \
                   f"{cap.target}" if payable else f"{cap.target} can never be paid, so it never binds"
            binds = payable
        elif cap.measure == "share":
            when = f"can bind once sub-group {cap.target} has {cap.limit.normalize():f}% of the paid outcomes"
        else:
            when = "can bind when payments in one " + (cap.scope if cap.scope in ("period", "year") else "group") + \
                   " reach it"
        found.caps.append(CapFinding(i, cap.scope, cap.target, binds, when))
