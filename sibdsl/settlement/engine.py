"""Settlement: decide every claim, in a total order that does not depend on input order.

Input: a compiled `Contract`, claims, cohort-level measurements. Output: `Settlement` with
one `Decision` per claim and per measurement, invoices per payer per period, and the
figures every cap was checked against. Pure: the same inputs give the same result; a claim is
decided only from the claims before it in the order (date achieved, then claim id), so a
longer ledger never changes an earlier decision.
"""

from __future__ import annotations

import decimal
import gc
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import itemgetter

from sibdsl.model.contract import Cap, Contract, Outcome
from sibdsl.semantics import ir
from sibdsl.semantics.calendar import add_duration
from sibdsl.settlement.cohort_level import price_measurement
from sibdsl.settlement.money import ZERO, round_money, split
from sibdsl.settlement.plan import Plan, make_plan
from sibdsl.settlement.pricing import price
from sibdsl.settlement.records import NO_SHARES, Claim, Decision, Measurement, Reason, Status
from sibdsl.settlement.state import Figures, Participant

Rule = tuple[str | int, ...]


@dataclass
class Settlement:
    plan: Plan
    decisions: list[Decision]
    figures: Figures
    invoices: dict[tuple[str, int], Decimal] = field(default_factory=dict)  # (payer, period) -> amount

    def by_claim(self) -> dict[str, Decision]:
        return {d.claim_id: d for d in self.decisions if d.reason is not Reason.DUPLICATE_CLAIM}


def _duration(d: object) -> ir.Duration:
    return ir.Duration(amount=d.amount, unit=d.unit)  # type: ignore[attr-defined]


class _Rejected:
    """Why a claim is rejected; returned (not raised: exceptions are slow on a hot path)."""

    __slots__ = ("detail", "reason", "rule")

    def __init__(self, reason: Reason, detail: str, rule: Rule = ()) -> None:
        self.reason, self.detail, self.rule = reason, detail, rule


def _event_key(event: Claim | Measurement) -> tuple[object, ...]:
    if isinstance(event, Claim):
        return event.order_key()
    return (event.measured, event.measurement_id, "", event.outcome, "", event.cohort or "", date.min, "",
            event.baseline, event.observed)


def in_order(claims: Iterable[Claim], measurements: Iterable[Measurement] = ()) -> list[Claim | Measurement]:
    """The total order of settlement: (date, id), ties broken by every other field."""
    events: list[Claim | Measurement] = list(claims)
    events += measurements
    keyed = [(_short_key(e), e) for e in events]
    keyed.sort(key=itemgetter(0))
    ordered = [e for _, e in keyed]
    i, n = 0, len(keyed)
    while i < n - 1:  # equal (date, id) pairs are rare: order them by all their fields
        j = i
        while j + 1 < n and keyed[j + 1][0] == keyed[i][0]:
            j += 1
        if j > i:
            ordered[i:j + 1] = sorted(ordered[i:j + 1], key=_event_key)
        i = j + 1
    return ordered


def _short_key(e: Claim | Measurement) -> tuple[date, str]:
    return (e.achieved, e.claim_id) if isinstance(e, Claim) else (e.measured, e.measurement_id)


def settle(contract: Contract, claims: Iterable[Claim], measurements: Iterable[Measurement] = (),
           progress: Callable[[int], None] | None = None) -> Settlement:
    plan = make_plan(contract)
    engine = _Engine(plan)
    collecting = gc.isenabled()
    gc.disable()  # millions of small, acyclic records: the cycle collector only costs time here
    try:
        events = in_order(claims, measurements)
        decide, measure = engine.decide, engine.measure
        if progress is None and not any(isinstance(e, Measurement) for e in events):
            decisions = [decide(event) for event in events]  # type: ignore[arg-type]
        else:
            decisions = []
            for n, event in enumerate(events):
                decisions.append(decide(event) if isinstance(event, Claim) else measure(event))
                if progress is not None and n % 10000 == 9999:
                    progress(n + 1)
    finally:
        if collecting:
            gc.enable()
    return Settlement(plan, decisions, engine.figures, dict(engine.invoices))


class _Engine:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.figures = Figures()
        self.shares = [(p.name, p.share) for p in plan.payers]
        self.caps = [(ci, cap, _cap_words(cap)) for ci, cap in plan.caps]
        self._rules: dict[Rule, Rule] = {}
        self._paid_rules = [("outcomes", i) for i in range(len(plan.contract.outcomes))]
        self._splits: dict[Decimal, dict[str, Decimal]] = {}  # payment -> its parts (before payer caps)
        self._fixed: dict[str, Decimal] = {  # fixed prices, rounded once
            o.name: round_money(o.tariff.price, plan.unit, plan.rounding) for o in plan.contract.outcomes
            if o.tariff.kind == "fixed" and o.tariff.price is not None and o.indexation is None}
        self.windows = {o.name: _duration(o.window) for o in plan.contract.outcomes if o.window is not None}
        self.invoices: dict[tuple[str, int], Decimal] = defaultdict(Decimal)  # (payer, period) -> amount

    # ------------------------------------------------------------------ one claim
    def decide(self, claim: Claim) -> Decision:
        plan, figures = self.plan, self.figures
        found = plan.outcomes.get(claim.outcome)
        period = plan.period_of(claim.achieved) if plan.term_start <= claim.achieved <= plan.term_end else -1
        if claim.claim_id in figures.seen_ids:
            return self._no(claim, period, _Rejected(Reason.DUPLICATE_CLAIM,
                                                      f"claim id {claim.claim_id} was already decided"))
        figures.seen_ids.add(claim.claim_id)
        if found is None:  # the ledger reader rejects unknown outcomes; callers may not have
            return self._no(claim, period, _Rejected(Reason.NOT_IN_COHORT,
                                                      f"the contract has no outcome {claim.outcome!r}"))
        index, outcome = found
        who = self._participant(claim)
        if isinstance(who, _Rejected):
            return self._no(claim, period, who)
        why = self._eligible(claim, index, outcome, who, period)
        if why is not None:
            return self._no(claim, period, why)
        price_ = self._price(claim, index, outcome, who)
        if isinstance(price_, _Rejected):
            return self._no(claim, period, price_)
        capped = self._caps(claim, outcome, who, period, price_, ("outcomes", index))
        if isinstance(capped, _Rejected):
            return self._no(claim, period, capped, price_)
        amount, rule, binding = capped
        shares, amount, payer_rule = self._split(amount, price_)
        if amount <= 0:
            return self._no(claim, period, _Rejected(Reason.PAYER_CAP_REACHED, "every payer has reached its cap",
                                                     payer_rule), price_)
        if payer_rule and not binding:
            rule, binding = payer_rule, "a payer's cap"
        self._commit(claim, outcome, who, period, amount, shares)
        if amount < price_:
            return Decision(claim.claim_id, claim.participant, claim.outcome, claim.achieved, Status.PARTIAL,
                            Reason.CAP_PARTIAL, price_, amount, period, self._rules.setdefault(rule, rule),
                            f"paid {amount} of {price_}: {binding} left no more", shares, claim.row)
        return Decision(claim.claim_id, claim.participant, claim.outcome, claim.achieved, Status.PAID, Reason.PAID,
                        price_, amount, period, self._paid_rules[index], "", shares, claim.row)

    def _no(self, claim: Claim, period: int, why: _Rejected, price_: Decimal = ZERO) -> Decision:
        """A rejection; each rule tuple is stored once and shared by its decisions."""
        rule = self._rules.setdefault(why.rule, why.rule)
        return Decision(claim.claim_id, claim.participant, claim.outcome, claim.achieved, Status.REJECTED, why.reason,
                        price_, ZERO, period, rule, why.detail, NO_SHARES, claim.row)

    def _reject(self, decision: Decision, reason: Reason, detail: str, rule: Rule = ()) -> Decision:
        rule = self._rules.setdefault(rule, rule)  # one tuple per rule, shared by its decisions
        decision.status, decision.reason, decision.detail, decision.rule = Status.REJECTED, reason, detail, rule
        decision.amount = ZERO
        return decision

    def _participant(self, claim: Claim) -> Participant | _Rejected:
        plan, figures = self.plan, self.figures
        who = figures.participants.get(claim.participant)
        cohort = claim.cohort or (who.cohort if who else None) or plan.single_cohort
        if who is not None:  # the participant's first claim fixed its cohort, start and sub-group
            for name, given, known in (("cohort", claim.cohort, who.cohort), ("start", claim.start, who.start),
                                       ("sub-group", claim.subgroup, who.subgroup)):
                if given is not None and given != known:
                    return _Rejected(Reason.PARTICIPANT_CONFLICT,
                                    f"{name} {given} differs from {known or '(none)'} on this participant's first "
                                    "claim")
            if who.enrolled:
                return who
        else:
            who = Participant(cohort, claim.start, claim.subgroup, False, referral=claim.referral)
            figures.participants[claim.participant] = who
        # enrolment: the first claim that finds room in an eligible cohort enrols the participant
        if cohort is not None and cohort in plan.cohorts:
            ci = plan.cohorts[cohort]
            spec = plan.contract.cohorts[ci]
            opens, closes = spec.referral_start or plan.term_start, spec.referral_end or plan.term_end
            if who.start is not None and not opens <= who.start <= closes:
                return _Rejected(Reason.REFERRAL_OUTSIDE_WINDOW,
                                f"started {who.start}, outside referrals {opens} to {closes}", ("cohorts", ci))
            if spec.size is not None and figures.enrolled[cohort] >= spec.size:
                return _Rejected(Reason.COHORT_FULL, f"cohort {cohort} already has {spec.size} participants",
                                ("cohorts", ci))
        who.enrolled = True
        figures.enrolled[cohort] += 1
        return who

    def _eligible(self, claim: Claim, index: int, outcome: Outcome, who: Participant, period: int) -> _Rejected | None:
        plan = self.plan
        if outcome.tariff.kind == "cohort_level":
            return _Rejected(Reason.COHORT_LEVEL_OUTCOME, "this outcome is paid from cohort measurements",
                            ("outcomes", index, "tariff"))
        if outcome.cohorts and who.cohort not in outcome.cohorts:
            return _Rejected(Reason.NOT_IN_COHORT, f"{claim.outcome} is payable only for {', '.join(outcome.cohorts)}",
                            ("outcomes", index, "cohorts"))
        if period < 0:
            return _Rejected(Reason.OUTSIDE_TERM, f"achieved {claim.achieved}, outside the term "
                            f"{plan.term_start} to {plan.term_end}", ("header",))
        if who.start is not None and claim.achieved < who.start:
            return _Rejected(Reason.BEFORE_START, f"achieved {claim.achieved}, before the participant started "
                            f"{who.start}", ("outcomes", index))
        if outcome.window is not None:
            if who.start is None:
                return _Rejected(Reason.VALUE_MISSING, "the window needs the participant's start date",
                                ("outcomes", index, "window"))
            anchor = who.referral if outcome.window_from == "referral" and who.referral else who.start
            deadline = add_duration(anchor, self.windows[claim.outcome])
            if claim.achieved > deadline:
                return _Rejected(Reason.OUTSIDE_WINDOW, f"achieved {claim.achieved}, after the window closed "
                                f"{deadline}", ("outcomes", index, "window"))
        done = who.paid_dates.get(claim.outcome, ())
        limit = outcome.repeat_limit if outcome.repeat != "unlimited" else 0
        if limit and len(done) >= limit:
            return _Rejected(Reason.REPEAT_LIMIT, f"already paid {len(done)} time(s) for this participant",
                            ("outcomes", index, "repeat"))
        for pi, prereq in enumerate(outcome.prerequisites):
            rule = ("outcomes", index, "prerequisites", pi)
            dates = who.paid_dates.get(prereq.outcome)
            if not dates:
                return _Rejected(Reason.PREREQUISITE_NOT_PAID, f"{prereq.outcome} has not been paid for this "
                                "participant", rule)
            first = dates[0]
            if prereq.at_least is not None and claim.achieved < add_duration(first, _duration(prereq.at_least)):
                return _Rejected(Reason.PREREQUISITE_TOO_SOON, f"{prereq.outcome} was achieved {first}; this must "
                                f"come at least {prereq.at_least.amount} {prereq.at_least.unit} later", rule)
            if prereq.within is not None and claim.achieved > add_duration(first, _duration(prereq.within)):
                return _Rejected(Reason.PREREQUISITE_TOO_LATE, f"{prereq.outcome} was achieved {first}; this had "
                                f"to come within {prereq.within.amount} {prereq.within.unit}", rule)
        for gi, k, _members in plan.groups_of.get(claim.outcome, ()):
            used = who.groups.get(gi, set())
            if claim.outcome not in used and len(used) >= k:
                return _Rejected(Reason.EXCLUSIVE_SIBLING_PAID, f"{', '.join(sorted(used))} already paid; at most "
                                 f"{k} of this group per participant", ("exclusive_groups", gi))
        return None

    def _price(self, claim: Claim, index: int, outcome: Outcome, who: Participant) -> Decimal | _Rejected:
        fixed = self._fixed.get(claim.outcome)
        if fixed is not None and fixed > 0:
            return fixed
        plan = self.plan
        amount, why, detail = price(outcome, who.subgroup, claim.value, claim.achieved,
                                    self.figures.outcome_count[claim.outcome], plan.unit, plan.rounding)
        if why is not None:
            return _Rejected(why, detail, ("outcomes", index, "tariff"))
        return amount

    def _caps(self, claim: Claim, outcome: Outcome, who: Participant, period: int, amount: Decimal,
              rule: Rule) -> tuple[Decimal, Rule, str] | _Rejected:
        figures = self.figures
        binding = ""
        for ci, cap, what in self.caps:
            used = self._cap_use(cap, claim, who, period)
            if used is None:
                continue
            rule_here: Rule = ("caps", ci)
            if cap.measure == "count":
                if used + 1 > cap.limit:
                    return _Rejected(Reason.CAP_REACHED, f"{what} ({cap.limit:f}) reached", rule_here)
                continue
            if cap.measure == "share":
                sub_after = figures.subgroup_count[cap.target] + 1
                if sub_after > share_allowance(cap.limit, figures.total_count + 1):
                    return _Rejected(Reason.CAP_REACHED, f"{what}: sub-group {cap.target} would be "
                                    f"{sub_after} of {figures.total_count + 1} paid outcomes", rule_here)
                continue
            headroom = cap.limit - used
            if headroom <= 0:
                return _Rejected(Reason.CAP_REACHED, f"{what} ({cap.limit:,f}) reached", rule_here)
            if amount > headroom:
                if cap.behaviour == "reject":
                    return _Rejected(Reason.CAP_REACHED, f"{what}: {headroom:,f} left, the claim is "
                                    f"{amount:,f} and the contract rejects claims over the cap", rule_here)
                amount, rule, binding = headroom, rule_here, what
                figures.cap_bound[ci] += 1
        return amount, rule, binding

    def _cap_use(self, cap: Cap, claim: Claim, who: Participant, period: int) -> Decimal | int | None:
        f = self.figures
        scope, target, money = cap.scope, cap.target, cap.measure == "money"
        if scope == "contract":
            return f.total_money
        if scope == "participant":
            return None if claim.participant == "" else who.paid  # cohort-level results have no participant
        if scope == "outcome":
            if claim.outcome != target:
                return None
            return f.outcome_money[claim.outcome] if money else f.outcome_count[claim.outcome]
        if scope == "subgroup":
            if who.subgroup != target:
                return None
            return f.subgroup_money[target] if money else f.subgroup_count[target]
        if scope == "cohort":
            if who.cohort != target:
                return None
            return f.cohort_money[target] if money else f.cohort_count[target]
        if scope == "period":
            return f.period_money[period]
        if scope == "year":
            return f.year_money[self.plan.year_of(claim.achieved)]
        return None

    def _split(self, amount: Decimal, price_: Decimal) -> tuple[dict[str, Decimal], Decimal, Rule]:
        plan, f = self.plan, self.figures
        shares = self._splits.get(amount)
        if shares is None:
            shares = split(amount, self.shares, plan.remainder_to, plan.unit, plan.rounding)
            if len(self._splits) < 10_000:
                self._splits[amount] = shares
        rule: Rule = ()
        for payer in plan.payers:
            if payer.cap is None:
                continue
            headroom = payer.cap - f.payer_money[payer.name]
            if shares[payer.name] > headroom:
                if payer.reject_at_cap:
                    return {}, ZERO, payer.cap_rule
                shares = dict(shares)  # the cached split is shared: change a copy
                shares[payer.name] = max(headroom, ZERO)
                rule = payer.cap_rule
        return shares, sum(shares.values(), ZERO), rule

    def _commit(self, claim: Claim, outcome: Outcome, who: Participant, period: int, amount: Decimal,
                shares: dict[str, Decimal]) -> None:
        f = self.figures
        who.paid += amount
        who.paid_dates.setdefault(claim.outcome, []).append(claim.achieved)
        for gi, _k, _members in self.plan.groups_of.get(claim.outcome, ()):
            who.groups.setdefault(gi, set()).add(claim.outcome)
        f.outcome_count[claim.outcome] += 1
        f.outcome_money[claim.outcome] += amount
        f.subgroup_count[who.subgroup] += 1
        f.subgroup_money[who.subgroup] += amount
        f.cohort_count[who.cohort] += 1
        f.cohort_money[who.cohort] += amount
        self._commit_money(claim.achieved, period, amount, shares)

    def _commit_money(self, day: date, period: int, amount: Decimal, shares: dict[str, Decimal]) -> None:
        f = self.figures
        f.period_money[period] += amount
        f.year_money[self.plan.year_of(day)] += amount
        invoices = self.invoices
        for payer, part in shares.items():
            f.payer_money[payer] += part
            invoices[(payer, period)] += part
        f.total_money += amount
        f.total_count += 1

    # ------------------------------------------------------------------ cohort-level results
    def measure(self, m: Measurement) -> Decision:
        plan, figures = self.plan, self.figures
        found = plan.outcomes.get(m.outcome)
        period = plan.period_of(m.measured) if plan.term_start <= m.measured <= plan.term_end else -1
        decision = Decision(m.measurement_id, m.cohort or "(all cohorts)", m.outcome, m.measured, Status.REJECTED,
                            Reason.PAID, ZERO, ZERO, period, row=m.row, cohort_level=True)
        if m.measurement_id in figures.seen_ids:
            return self._reject(decision, Reason.DUPLICATE_CLAIM, f"id {m.measurement_id} was already decided")
        figures.seen_ids.add(m.measurement_id)
        if found is None or found[1].tariff.kind != "cohort_level":
            return self._reject(decision, Reason.NOT_IN_COHORT, f"{m.outcome} is not a cohort-level outcome")
        index, outcome = found
        if period < 0:
            return self._reject(decision, Reason.OUTSIDE_TERM, "measured outside the term", ("header",))
        amount, why, detail = price_measurement(outcome, m, plan.unit, plan.rounding)
        if why is not None:
            return self._reject(decision, why, detail, ("outcomes", index, "tariff"))
        decision.price = amount
        who = Participant(m.cohort, None, None, True)
        fake = Claim(m.measurement_id, "", m.outcome, m.measured, cohort=m.cohort)
        capped = self._caps(fake, outcome, who, period, amount, ("outcomes", index))
        if isinstance(capped, _Rejected):
            return self._reject(decision, capped.reason, capped.detail, capped.rule)
        amount, rule, binding = capped
        shares, amount, payer_rule = self._split(amount, decision.price)
        if amount <= 0:
            return self._reject(decision, Reason.PAYER_CAP_REACHED, "every payer has reached its cap", payer_rule)
        figures.outcome_count[m.outcome] += 1
        figures.outcome_money[m.outcome] += amount
        figures.cohort_money[m.cohort] += amount
        self._commit_money(m.measured, period, amount, shares)
        decision.amount, decision.shares = amount, shares
        if amount < decision.price:
            decision.status, decision.reason = Status.PARTIAL, Reason.CAP_PARTIAL
            decision.rule = rule if binding else payer_rule
            decision.detail = f"paid {amount} of {decision.price}: {binding or 'a payer cap'} left no more"
        else:
            decision.status, decision.reason, decision.rule = Status.PAID, Reason.PAID, ("outcomes", index)
            decision.detail = detail
        return decision


def share_allowance(percent: Decimal, total: int) -> int:
    """How many of `total` paid outcomes a sub-group may have under a share cap: the share,
    rounded up to a whole outcome (so a first outcome can always be paid)."""
    return int((percent * total / 100).to_integral_value(rounding=decimal.ROUND_CEILING))


def _cap_words(cap: Cap) -> str:
    if cap.scope in ("period", "year"):
        return f"the cap per {cap.scope}"
    if cap.scope == "participant":
        return "the cap per participant"
    if cap.target:
        return f"the {cap.scope} cap on {cap.target}"
    return f"the {cap.scope} cap"


def settle_contract(contract: Contract, claims: Iterable[Claim]) -> Settlement:
    """Convenience for tests: settle claims only."""
    return settle(contract, claims)
