"""Settlement (phase 3): participant statements (issue 14, item 3; docs/settlement.md
"Participant statements").

Input: a compiled `Contract`, its claims and measurements, the `Settlement` of them, and an
as-of date (None: the latest date in the ledger). Output: `Statement`s, one per participant,
each with one `Line` per outcome the participant could be paid: what was paid, what was
refused and why, what the outcome would pay if claimed on the as-of date, the headroom to
every cap that applies, and the deadlines coming up.

"Would pay now" is not priced here: it is the decision the engine itself makes on a trial
claim dated the as-of date, decided on a copy (`_Engine.fork`) of the engine's state after
every event up to that date, so tier positions, indexation, sub-group prices, caps and payer
caps are the engine's own. The trial claim's id sorts after every other id, so adding the
trial claim to the ledger and settling gives the same decision (tests/test_statements.py).
Contracts with a share cap measured each period or over the contract settle the whole
ledger again with the trial claim added (slower, the same answer).
"""

from __future__ import annotations

import copy
import decimal
import gc
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, assert_never

from sibdsl.core.calendar import add_duration
from sibdsl.core.codes import REASONS
from sibdsl.core.currency import MINOR_UNITS
from sibdsl.core.money import wide
from sibdsl.core.moneytext import money_text
from sibdsl.core.source import Span
from sibdsl.model.contract import Cap, Contract, Outcome, SubgroupTariff, best_value
from sibdsl.settlement.engine import Settlement, _Engine, in_order, settle
from sibdsl.settlement.plan import make_plan
from sibdsl.settlement.records import Claim, Decision, Measurement, Reason, Status
from sibdsl.settlement.state import Participant

TRIAL_ID = "\U0010ffff statement trial"  # sorts after every claim id of the same date

# reasons a later date cannot change: the outcome can no longer be paid to this participant
_FINAL = frozenset({
    Reason.PREREQUISITE_TOO_LATE, Reason.CLAIM_LATE, Reason.REPEAT_LIMIT, Reason.EXCLUSIVE_SIBLING_PAID,
    Reason.HELD_AT_REFERRAL, Reason.NOT_IN_COHORT, Reason.REFERRAL_OUTSIDE_WINDOW, Reason.COHORT_FULL,
    Reason.NO_PRICE, Reason.PARTICIPANT_CONFLICT, Reason.PAYER_CAP_REACHED,
})

PAID, REFUSED, OPEN, CLOSED = "paid", "refused", "not yet claimed", "can no longer be paid"


@dataclass
class Headroom:
    """One limit that applies to a participant's outcome: what is left of it (money, or a
    count of outcomes for a cap on numbers; None for a share cap, given in `words`)."""

    label: str
    limit: Decimal
    used: Decimal
    left: Decimal | None
    count: bool = False
    words: str = ""


@dataclass
class Deadline:
    label: str
    day: date
    passed: bool


@dataclass
class Line:
    outcome: str
    title: str
    status: str  # PAID, REFUSED, OPEN or CLOSED
    why: str  # words for the status (the settlement reason and its detail), "" for paid
    paid: Decimal
    times_paid: int
    decisions: list[Decision]
    now: Decimal  # what a claim dated the as-of date would be paid (zero where it would be refused)
    now_price: Decimal  # its price before caps (the engine's: tier position, sub-group, indexation)
    now_reason: Reason  # the engine's reason for that trial claim
    now_detail: str
    now_value: Decimal | None  # the measured value the trial assumed (a scale's or a per-unit price's best)
    headroom: list[Headroom]
    deadlines: list[Deadline]
    opens: date | None = None  # the earliest day its `at least` delays allow, where that is after the as-of date

    @property
    def payable_now(self) -> bool:
        """Would the trial claim be paid (in full, in part, or zero in a band that pays nothing)?"""
        return self.now_reason in (Reason.PAID, Reason.CAP_PARTIAL, Reason.BAND_PAYS_NOTHING)


@dataclass
class Statement:
    participant: str
    cohort: str | None
    subgroup: str | None
    start: date | None
    referral: date | None
    paid: Decimal
    lines: list[Line]
    other: list[Decision] = field(default_factory=list)  # decisions on outcomes not in `lines`


@dataclass
class Statements:
    as_of: date
    currency: str
    places: int
    statements: list[Statement]
    titles: dict[str, str] = field(default_factory=dict)  # outcome, cohort, sub-group, payer name -> title

    def money(self, amount: Decimal) -> str:
        return f"{self.currency} {money_text(amount, self.places, grouping=True)}"


def reason_words(reason: Reason) -> str:
    """A settlement reason's title (`sibc explain REASON`)."""
    entry = REASONS.get(reason.value)
    return entry.title if entry is not None else reason.value.replace("_", " ")


def latest_date(claims: Iterable[Claim], measurements: Iterable[Measurement] = ()) -> date | None:
    days = [c.achieved for c in claims] + [m.measured for m in measurements]
    return max(days) if days else None


def trial_claim(participant: str, outcome: Outcome, day: date) -> Claim:
    """The claim a statement prices: `outcome` for `participant` achieved (and submitted) on `day`,
    at the best measured value where the price reads one."""
    return Claim(TRIAL_ID, participant, outcome.name, day, "participant statement trial",
                 value=best_value(outcome.tariff))


def build_statements(contract: Contract, claims: list[Claim], measurements: list[Measurement],
                     result: Settlement, as_of: date | None = None,
                     spans: Mapping[tuple[Any, ...], Span] | None = None, file: str = "") -> Statements:
    """The statements of every participant of the ledger, as of `as_of` (None: the latest date
    in the ledger; the term start for an empty ledger). Only events dated on or before it count."""
    with decimal.localcontext(wide()):
        return _build(contract, claims, measurements, result, as_of, spans or {}, file)


def _build(contract: Contract, claims: list[Claim], measurements: list[Measurement], result: Settlement,
           as_of: date | None, spans: Mapping[tuple[Any, ...], Span], file: str) -> Statements:
    day = as_of or latest_date(claims, measurements) or contract.header.term_start
    before = [c for c in claims if c.achieved <= day]
    measured = [m for m in measurements if m.measured <= day]
    plan = make_plan(contract)
    engine = _Engine(plan, spans, file)
    refit = bool(engine.measured)  # measured share caps: each trial settles the ledger again
    if refit:
        engine.figures = settle(contract, before, measured).figures  # what the headroom is read from
    else:
        for event in in_order(before, measured):
            if isinstance(event, Claim):
                engine.decide(event)
            else:
                engine.measure(event)
    decisions: dict[str, list[Decision]] = {}
    for d in result.decisions:
        if not d.cohort_level and d.achieved <= day:
            decisions.setdefault(d.participant, []).append(d)
    out: list[Statement] = []
    collecting = gc.isenabled()
    gc.disable()  # as the engine does: many small acyclic records
    try:
        for name in sorted(engine.figures.participants):
            base = engine if refit else _alone(engine, name)
            out.append(_statement(name, base, contract, decisions.get(name, []), day, refit, before, measured))
    finally:
        if collecting:
            gc.enable()
    return Statements(day, contract.header.currency, MINOR_UNITS.get(contract.header.currency, 2), out,
                      titles_of(contract))


def titles_of(contract: Contract) -> dict[str, str]:
    """Each name a statement may show, with the title the contract gives it."""
    titles: dict[str, str] = {}
    for cohort in contract.cohorts:
        titles[cohort.name] = cohort.title
        for sub in cohort.subgroups:
            if sub.title:
                titles[sub.name] = sub.title
    titles.update({p.name: p.title for p in contract.payers})
    titles.update({o.name: o.title for o in contract.outcomes})
    return titles


def cap_label(cap: Cap, titles: Mapping[str, str]) -> str:
    """A cap in words, with titles for the names it limits."""
    target = titles.get(cap.target or "", cap.target or "")
    match cap.scope:
        case "participant":
            return "the cap per participant"
        case "period":
            return "the cap per settlement period"
        case "year":
            return "the cap per year"
        case "contract":
            return "the contract cap"
        case "outcome":
            return f"the cap on {target}"
        case "subgroup":
            return f"the cap on sub-group {target}"
        case "cohort":
            return f"the cap on cohort {target}"
        case "payer":
            return f"the cap of {target}"
        case _:
            assert_never(cap.scope)


def _alone(engine: _Engine, name: str) -> _Engine:
    """The engine's state as one participant's trial claims see it: the same counters (shared,
    never changed: each trial decides on a fork), but only this participant's record and no
    claim ids but the trial's own if the ledger used it, so a fork copies a few small tables
    instead of every participant and claim id. A claim reads only its own participant's
    record and whether its own id was seen, so the trial's decision is the same."""
    full = engine.figures
    slim = copy.copy(full)
    slim.participants = {name: full.participants[name]}
    slim.seen_ids = {TRIAL_ID} if TRIAL_ID in full.seen_ids else set()
    slim.seen_measurements = set()
    alone = copy.copy(engine)
    alone.figures = slim
    return alone


def _trial(engine: _Engine, contract: Contract, claim: Claim, refit: bool, claims: list[Claim],
           measurements: list[Measurement]) -> tuple[Decision, _Engine]:
    """The engine's decision on the trial claim, and the engine in the state before it (the
    trial is decided on a fork, so `engine` itself is never changed)."""
    if refit:
        settled = settle(contract, [*claims, claim], measurements)
        found = next(d for d in settled.decisions if d.claim_id == TRIAL_ID)
        return found, engine
    return engine.fork([claim.participant]).decide(claim), engine


def _payable(outcome: Outcome, cohort: str | None, subgroup: str | None) -> bool:
    """Could this participant ever be paid the outcome (its cohort, its sub-group's price)?"""
    if outcome.tariff.kind == "cohort_level":
        return False
    if outcome.cohorts and cohort not in outcome.cohorts:
        return False
    tariff = outcome.tariff
    if isinstance(tariff, SubgroupTariff) and tariff.otherwise is None:
        return any(p.subgroup == subgroup for p in tariff.subgroup_prices)
    return True


def _statement(name: str, engine: _Engine, contract: Contract, mine: list[Decision], day: date, refit: bool,
               claims: list[Claim], measurements: list[Measurement]) -> Statement:
    who = engine.figures.participants[name]
    lines: list[Line] = []
    shown: set[str] = set()
    for outcome in contract.outcomes:
        if not _payable(outcome, who.cohort, who.subgroup):
            continue
        shown.add(outcome.name)
        claim = trial_claim(name, outcome, day)
        trial, state = _trial(engine, contract, claim, refit, claims, measurements)
        lines.append(_line(outcome, [d for d in mine if d.outcome == outcome.name], trial, claim, state, day))
    _close_ladders(lines, contract)
    paid = sum((d.amount for d in mine), Decimal(0))
    return Statement(name, who.cohort, who.subgroup, who.start, who.referral, paid, lines,
                     [d for d in mine if d.outcome not in shown])


def _line(outcome: Outcome, mine: list[Decision], trial: Decision, claim: Claim, state: _Engine,
          day: date) -> Line:
    paid_ones = [d for d in mine if d.status in (Status.PAID, Status.PARTIAL)]
    refused = [d for d in mine if d.status is Status.REJECTED]
    paid = sum((d.amount for d in paid_ones), Decimal(0))
    trial_paid = trial.status in (Status.PAID, Status.PARTIAL)
    final = not trial_paid and _is_final(trial, state, outcome, claim, day)
    if paid_ones:
        status, why = PAID, ("paid in part: " + paid_ones[-1].detail
                             if any(d.status is Status.PARTIAL for d in paid_ones) else "")
    elif final:
        status, why = CLOSED, f"{reason_words(trial.reason)}: {trial.detail}"
    elif refused:
        last = refused[-1]
        status, why = REFUSED, f"{reason_words(last.reason)}: {last.detail}"
    else:
        status, why = OPEN, ""
    return Line(outcome.name, outcome.title, status, why, paid, len(paid_ones), mine,
                trial.amount, trial.price, trial.reason, trial.detail, claim.value,
                _headroom(state, claim), _deadlines(state, outcome, claim, day), _opens(state, outcome, claim, day))


def _is_final(trial: Decision, state: _Engine, outcome: Outcome, claim: Claim, day: date) -> bool:
    """Would a later claim be refused too? (A share cap, a cap per period or year, a window not
    yet open, a prerequisite not yet paid or too recent, a missing value: not final.)"""
    reason = trial.reason
    if reason in _FINAL:
        return True
    if reason is Reason.OUTSIDE_TERM:
        return day > (state.last_day or state.plan.term_end) or (day > state.plan.term_end
                                                                 and not outcome.prerequisites)
    if reason is Reason.OUTSIDE_WINDOW:
        return "window closed" in trial.detail
    if reason is Reason.CAP_REACHED:
        rule = trial.rule
        if len(rule) >= 2 and rule[0] == "caps" and isinstance(rule[1], int):
            cap = state.plan.contract.caps[rule[1]]  # a share, or a cap per period or year, can make room
            return cap.scope not in ("period", "year") and cap.measure != "share"
        return True
    return False


def _close_ladders(lines: list[Line], contract: Contract) -> None:
    """A step whose prerequisite was never paid and can no longer be paid can no longer be paid."""
    by_name = {line.outcome: line for line in lines}
    outcomes = {o.name: o for o in contract.outcomes}
    changed = True
    while changed:
        changed = False
        for line in lines:
            if line.status not in (OPEN, REFUSED) or line.now_reason is not Reason.PREREQUISITE_NOT_PAID:
                continue
            for prereq in outcomes[line.outcome].prerequisites:
                step = by_name.get(prereq.outcome)
                if step is not None and step.status == CLOSED and step.times_paid == 0:
                    line.status, line.why = CLOSED, f"its prerequisite {step.title} can no longer be paid"
                    changed = True
                    break


def _headroom(state: _Engine, claim: Claim) -> list[Headroom]:
    """Every cap the trial claim would be checked against, and each payer's cap, with what is left."""
    figures, plan = state.figures, state.plan
    who = figures.participants.get(claim.participant)
    out: list[Headroom] = []
    if who is None:
        return out
    titles = titles_of(plan.contract)
    period = plan.period_of(claim.achieved) if plan.term_start <= claim.achieved <= state.last_day else -1
    for _ci, cap, _words in state.caps:
        if cap.scope in ("period", "year") and period < 0:
            continue
        used = state._cap_use(cap, claim, who, period)
        if used is None:
            continue
        label = cap_label(cap, titles) + (f" ({cap.limit:,f} outcomes)" if cap.measure == "count" else "")
        if cap.measure == "share":
            sub = figures.subgroup_count[cap.target]
            out.append(Headroom(label, cap.limit, Decimal(sub), None, True,
                                f"sub-group {cap.target} has {sub} of {figures.total_count} paid outcomes; "
                                f"at most {cap.limit}%"))
            continue
        out.append(Headroom(label, cap.limit, Decimal(used), cap.limit - used, cap.measure == "count"))
    for _ci, cap in state.measured:
        if not _applies(cap, claim, who):
            continue
        out.append(Headroom(cap_label(cap, titles), cap.limit, Decimal(0), None, True,
                            f"at most {cap.limit}% of paid outcomes, measured "
                            f"{'each settlement period' if cap.measured == 'period' else 'over the whole contract'}: "
                            "decided when the period (the ledger) is settled, not claim by claim"))
    for payer in plan.payers:
        if payer.cap is not None:
            used_money = figures.payer_money[payer.name]
            out.append(Headroom(f"the cap of {titles.get(payer.name, payer.name)}", payer.cap, used_money, payer.cap - used_money))
    return out


def _opens(state: _Engine, outcome: Outcome, claim: Claim, day: date) -> date | None:
    """The first day every paid prerequisite's `at least` delay has run, if after `day`."""
    who = state.figures.participants.get(claim.participant)
    if who is None:
        return None
    days = [add_duration(dates[0], p.at_least) for p in outcome.prerequisites
            if p.at_least is not None and (dates := who.paid_dates.get(p.outcome))]
    first = max(days, default=None)
    return first if first is not None and first > day else None


def _applies(cap: Cap, claim: Claim, who: Participant) -> bool:
    """Does a cap limit this participant's claim of this outcome (by its scope and target)?"""
    match cap.scope:
        case "outcome":
            return cap.target == claim.outcome
        case "subgroup":
            return cap.target == who.subgroup
        case "cohort":
            return cap.target == who.cohort
        case _:
            return True


def _deadlines(state: _Engine, outcome: Outcome, claim: Claim, day: date) -> list[Deadline]:
    """Window ends, prerequisite `within` delays, the claims deadline, and the last day the
    outcome can be achieved (the term end, or the run-off's end for a later step of a ladder)."""
    plan = state.plan
    who = state.figures.participants.get(claim.participant)
    out: list[Deadline] = []
    if who is not None and outcome.window is not None:
        anchor = who.referral if outcome.window_from == "referral" and who.referral is not None else who.start
        if anchor is not None:
            word = "referral" if outcome.window_from == "referral" and who.referral is not None else "start"
            end = add_duration(anchor, outcome.window)
            out.append(Deadline(f"window closes ({outcome.window.amount} {outcome.window.unit} from {word} "
                                f"{anchor})", end, end < day))
    if who is not None:
        titles = {o.name: o.title for o in plan.contract.outcomes}
        for prereq in outcome.prerequisites:
            dates = who.paid_dates.get(prereq.outcome)
            if prereq.within is not None and dates:
                end = add_duration(dates[0], prereq.within)
                out.append(Deadline(f"by {prereq.within.amount} {prereq.within.unit} after "
                                    f"{titles.get(prereq.outcome, prereq.outcome)} ({dates[0]})", end, end < day))
    if plan.claims_until is not None:
        out.append(Deadline("claims deadline", plan.claims_until, plan.claims_until < day))
    last = state.last_day if outcome.prerequisites else plan.term_end
    out.append(Deadline("end of the run-off" if last > plan.term_end else "end of the term", last, last < day))
    out.sort(key=lambda d: d.day)
    return out
