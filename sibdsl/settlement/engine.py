"""Settlement: decide every claim, in a total order that does not depend on input order.

Input: a compiled `Contract`, claims, cohort-level measurements (and, optionally, the span
table and file name of the contract, so that a detail can say where a cap is written).
Output: `Settlement` with one `Decision` per claim and per measurement, invoices per payer per
period, and the figures every cap was checked against. Pure: the same inputs give the same
result; a claim is decided only from the claims before it in the order (date achieved, then
claim id), so a longer ledger never changes an earlier decision. The rules are those of
docs/settlement.md.
"""

from __future__ import annotations

import copy
import decimal
import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from operator import attrgetter, eq
from typing import TYPE_CHECKING, Any, assert_never

from sibdsl.core.calendar import add_duration
from sibdsl.core.currency import MINOR_UNITS
from sibdsl.core.money import ZERO, round_money, split, split_exact, split_owed, wide
from sibdsl.core.moneytext import money_text
from sibdsl.core.source import Span
from sibdsl.model.contract import Cap, Contract, Outcome, TieredTariff
from sibdsl.settlement.cohort_level import price_measurement
from sibdsl.settlement.plan import PayerPlan, Plan, make_plan
from sibdsl.settlement.pooled import PoolBook
from sibdsl.settlement.pricing import price
from sibdsl.settlement.records import NO_SHARES, Claim, Decision, Measurement, Reason, Status, rule_key
from sibdsl.settlement.state import Figures, Participant

if TYPE_CHECKING:
    from sibdsl.model.contract import Prerequisite, PrerequisiteChoice

Rule = tuple[str | int, ...]


@dataclass
class Settlement:
    plan: Plan
    decisions: list[Decision]
    figures: Figures
    invoices: dict[tuple[str, int], Decimal] = field(default_factory=dict)  # (payer, period) -> amount
    # reset rows of the claims ledger (status recorded or ignored, never a payment), each with
    # the number of decisions before it in the order of settlement (`in_file_order`)
    resets: list[tuple[int, Decision]] = field(default_factory=list)

    def in_file_order(self) -> list[Decision]:
        """The decisions with the reset rows among them, in the order of settlement
        (decisions.csv)."""
        if not self.resets:
            return self.decisions
        out: list[Decision] = []
        at = 0
        for before, reset in self.resets:
            out += self.decisions[at:before]
            out.append(reset)
            at = before
        return out + self.decisions[at:]

    def by_claim(self) -> dict[str, Decision]:
        """Each claim's decision by claim id (measurements, a separate set of ids, left out)."""
        return {d.claim_id: d for d in self.decisions
                if d.reason is not Reason.DUPLICATE_CLAIM and not d.cohort_level}


class _Rejected:
    """Why a claim is rejected; returned (not raised: exceptions are slow on a hot path).
    `root`: the cap that stopped it, directly or through a prerequisite (None: no cap); then
    `origin` is the (claim id, outcome) the cap rejected (None: this claim)."""

    __slots__ = ("detail", "origin", "reason", "root", "rule")

    def __init__(self, reason: Reason, detail: str, rule: Rule = (), root: Rule | None = None,
                 origin: tuple[str, str] | None = None) -> None:
        self.reason, self.detail, self.rule, self.root, self.origin = reason, detail, rule, root, origin


def event_key(event: Claim | Measurement) -> tuple[object, ...]:
    """Ties of (date, id) are broken by every field; a claim comes before a measurement."""
    if isinstance(event, Claim):
        return (0, *event.order_key())
    return (1, event.measured, event.measurement_id, event.outcome, event.cohort or "", event.baseline,
            event.observed, event.given, event.submitted or date.min)


def in_order(claims: Iterable[Claim], measurements: Iterable[Measurement] = ()) -> list[Claim | Measurement]:
    """The total order of settlement: (date, id), ties broken by every other field."""
    events: list[Claim | Measurement] = list(claims)
    events += measurements
    if all(type(e) is Claim for e in events):  # the common case: keys made at C speed
        keys: list[tuple[date, str]] = list(map(_CLAIM_KEY, events))
    else:
        keys = [_short_key(e) for e in events]
    order = sorted(range(len(events)), key=keys.__getitem__)
    ordered = [events[i] for i in order]
    ranked = [keys[i] for i in order]
    ties = list(map(eq, ranked, ranked[1:]))
    if True in ties:  # equal (date, id) pairs are rare: order each run of them by all their fields
        n, i = len(ordered), ties.index(True)
        while i < n - 1:
            j = i
            while j + 1 < n and ranked[j + 1] == ranked[i]:
                j += 1
            if j > i:
                ordered[i:j + 1] = sorted(ordered[i:j + 1], key=event_key)
            i = j + 1
    return ordered


_CLAIM_KEY = attrgetter("achieved", "claim_id")


def _short_key(e: Claim | Measurement) -> tuple[date, str]:
    return (e.achieved, e.claim_id) if isinstance(e, Claim) else (e.measured, e.measurement_id)


def settle(contract: Contract, claims: Iterable[Claim], measurements: Iterable[Measurement] = (),
           progress: Callable[[int], None] | None = None, spans: Mapping[tuple[Any, ...], Span] | None = None,
           file: str = "", work_limit: int | None = None) -> Settlement:
    """Decide every claim and measurement. `spans` (the compiled contract's span table) and
    `file` let a detail say where the cap it names is written ("file.sib:12"). `work_limit`
    (for the analysis, which settles ledgers it builds itself): the most decisions the trials of
    share caps measured each period or over the contract may make in all; past it
    `share_caps.TooLong` is raised (None: no limit, as `sibc settle` does)."""
    with decimal.localcontext(wide()):
        return _settle(contract, claims, measurements, progress, spans, file, work_limit)


def _settle(contract: Contract, claims: Iterable[Claim], measurements: Iterable[Measurement],
            progress: Callable[[int], None] | None, spans: Mapping[tuple[Any, ...], Span] | None,
            file: str, work_limit: int | None = None) -> Settlement:
    plan = make_plan(contract)
    engine = _Engine(plan, spans or {}, file)
    collecting = gc.isenabled()
    gc.disable()  # millions of small, acyclic records: the cycle collector only costs time here
    try:
        events = in_order(claims, measurements)
        decide, measure = engine.decide, engine.measure
        if engine.measured:  # share caps measured each period or over the contract: share_caps.py
            from sibdsl.settlement.share_caps import settle_measured
            decisions = settle_measured(engine, events, work_limit)
            if progress is not None:
                progress(len(events))
        elif progress is None and not any(isinstance(e, Measurement) for e in events):
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
    resets: list[tuple[int, Decision]] = []
    if engine.resets:  # reset rows are kept apart: no figure or test of payments sees them
        kept: list[Decision] = []
        for d in decisions:
            if d.status is Status.RECORDED or d.status is Status.IGNORED:
                resets.append((len(kept), d))
            else:
                kept.append(d)
        decisions = kept
    return Settlement(plan, decisions, engine.figures, dict(engine.invoices), resets)


class _Engine:
    def __init__(self, plan: Plan, spans: Mapping[tuple[Any, ...], Span], file: str) -> None:
        self.plan = plan
        self.figures = Figures()
        self.shares = [(p.name, p.share) for p in plan.payers]
        self.fractions = [(p.name, p.fraction) for p in plan.payers]
        self._exact_shares = any(p.ratio is not None for p in plan.contract.payers)  # a share such as 100% / 3
        # per invoice (docs/settlement.md, "Splitting per invoice"): per period, the total split so
        # far and what each payer was given of it (before payer caps); the split of the claim being
        # decided waits in `_pending` until it is paid
        self._owed: dict[int, dict[str, Fraction]] = defaultdict(dict)  # period -> payer -> exact share so far
        self._given: dict[int, dict[str, Decimal]] = defaultdict(dict)
        self._pending: tuple[int, Decimal, dict[str, Decimal], list[tuple[str, Fraction]]] | None = None
        # shares per outcome or per phase (docs/language.md 3.2): each payment's own shares
        self._varies = any(p.clauses for p in plan.contract.payers)
        self._vectors: dict[tuple[str, date], tuple[list[tuple[str, Fraction]], str]] = {}
        # the caps checked claim by claim; a share cap measured each period or over the contract
        # is decided over a set of claims instead (`measured`, settlement/share_caps.py), and
        # `refused` holds the claims it refuses (claim id -> (cap index, the detail's words))
        self.caps = [(ci, cap, _cap_words(cap)) for ci, cap in plan.caps if not cap.measured_share]
        self.measured = [(ci, cap) for ci, cap in plan.caps if cap.measured_share]
        self.refused: dict[str, tuple[int, str]] = {}
        self.capped_payers = [p for p in plan.payers if p.cap is not None]
        self.spans, self.file = spans, file
        self._places = MINOR_UNITS.get(plan.contract.header.currency, 2)
        self._money_words: dict[Decimal, str] = {}
        self._rules: dict[Rule, Rule] = {}
        self._keys: dict[Rule, str] = {}  # rule -> its key, for Decision.root_cause
        self._paid_rules = [("outcomes", i) for i in range(len(plan.contract.outcomes))]
        self._splits: dict[Decimal, dict[str, Decimal]] = {}  # payment -> its parts (before payer caps)
        self._fixed: dict[str, Decimal] = {  # fixed prices, rounded once
            o.name: round_money(o.tariff.price, plan.unit, plan.rounding) for o in plan.contract.outcomes
            if o.tariff.kind == "fixed" and o.tariff.price is not None and o.indexation is None}
        self.windows = {o.name: o.window for o in plan.contract.outcomes if o.window is not None}
        self.times = {o.name: o.times_limit or 0 for o in plan.contract.outcomes}  # 0: any number of times
        self.invoices: dict[tuple[str, int], Decimal] = defaultdict(Decimal)  # (payer, period) -> amount
        self.resets = {r.name: (ri, r) for ri, r in enumerate(plan.contract.resets)}
        self.pending: dict[str, dict[str, list[tuple[date, str]]]] = {}  # resets of participants not yet seen
        self.last_day = plan.last_day or plan.term_end  # the term end, or the end of the run-off
        # the decisions the trials of measured shares may still make (settlement/share_caps.py; None: no limit)
        self.work_limit: int | None = None
        self.work_left: int | None = None
        self.pools = PoolBook()  # cohorts' latest results and paid results, for pooled and net outcomes
        self._note = ""  # why a band's cap lowered the price of the claim being decided (its detail)

    def fork(self, touched: Iterable[str]) -> _Engine:
        """An engine in the same state, to settle a trial on (settlement/share_caps.py): the
        figures and invoices copied (the participants in `touched` cloned), the caches shared."""
        other = copy.copy(self)
        other.figures = self.figures.fork(touched)
        other.invoices = defaultdict(Decimal, self.invoices)
        other.refused = {}
        # every other piece of state a trial changes is its own: the running split per invoice,
        # the resets waiting for their participant, and the cohorts' results for pooled outcomes
        other._owed = defaultdict(dict, {k: dict(v) for k, v in self._owed.items()})
        other._given = defaultdict(dict, {k: dict(v) for k, v in self._given.items()})
        other._pending = None
        other.pending = {k: {o: list(v) for o, v in d.items()} for k, d in self.pending.items()}
        other.pools = self.pools.copy()
        return other

    # ------------------------------------------------------------------ words for details
    def _m(self, amount: Decimal) -> str:
        """Money in a decision's detail: the currency's minor unit, thousands grouped, never rounded
        (remembered: most details name the same few limits, claim after claim)."""
        text = self._money_words.get(amount)
        if text is None:
            if len(self._money_words) > 10_000:
                self._money_words.clear()
            text = self._money_words[amount] = money_text(amount, self._places, grouping=True)
        return text

    def _at(self, rule: Rule) -> str:
        """ " (file.sib:12)" where the rule is written, if the span table was given."""
        span = self.spans.get(rule) or self.spans.get(rule[:2])
        if span is None:
            return ""
        return f" ({self.file}:{span.line})" if self.file else f" (line {span.line})"

    def _limit_words(self, rule: Rule) -> str:
        """A cap or payer limit in words, with where it is written: "the contract cap (f.sib:9)",
        "payer fund's cap (f.sib:5)"."""
        contract = self.plan.contract
        if rule[0] == "payers" and isinstance(rule[1], int):
            words = f"payer {contract.payers[rule[1]].name}'s cap"
        elif rule[0] == "caps" and isinstance(rule[1], int):
            cap = contract.caps[rule[1]]
            words = f"payer {cap.target}'s cap" if cap.scope == "payer" else _cap_words(cap)
        else:
            words = rule_key(rule)
        return words + self._at(rule)

    def _key(self, rule: Rule | None) -> str | None:
        if rule is None:
            return None
        key = self._keys.get(rule)
        if key is None:
            key = self._keys[rule] = rule_key(rule)
        return key

    # ------------------------------------------------------------------ one claim
    def decide(self, claim: Claim) -> Decision:
        plan, figures = self.plan, self.figures
        found = plan.outcomes.get(claim.outcome)
        period = plan.period_of(claim.achieved) if plan.term_start <= claim.achieved <= self.last_day else -1
        if found is None and claim.outcome in self.resets:
            return restart_clocks(self, claim, period)
        if claim.claim_id in figures.seen_ids:
            return self._no(claim, period, _Rejected(Reason.DUPLICATE_CLAIM,
                                                      f"claim id {claim.claim_id} was already decided"))
        figures.seen_ids.add(claim.claim_id)
        if plan.claims_until is not None:
            late = self._late(claim.submitted or claim.achieved, claim.submitted is not None)
            if late is not None:
                return self._no(claim, period, late)
        if found is None:  # the ledger reader rejects unknown outcomes; callers may not have
            return self._no(claim, period, _Rejected(Reason.NOT_IN_COHORT,
                                                      f"the contract has no outcome {claim.outcome!r}"))
        index, outcome = found
        who = self._participant(claim)
        if isinstance(who, _Rejected):
            return self._no(claim, period, who)
        why = self._eligible(claim, index, outcome, who, period)
        if why is not None:
            return self._no(claim, period, why, who=who)
        price_ = self._price(claim, index, outcome, who)
        nothing: _Rejected | None = None  # a tier band that pays nothing: paid zero, and counted
        if isinstance(price_, _Rejected):
            if price_.reason is not Reason.BAND_PAYS_NOTHING:
                return self._no(claim, period, price_)
            nothing, price_ = price_, ZERO
        capped = self._caps(claim, outcome, who, period, price_, ())
        if isinstance(capped, _Rejected):
            return self._no(claim, period, capped, price_, who)
        paid = self._pay(capped, price_, period, claim.outcome, claim.achieved)
        if isinstance(paid, _Rejected):
            return self._no(claim, period, paid, price_, who)
        shares, amount, rule, detail, cut = paid
        self._commit(claim, outcome, who, period, amount, shares)
        if nothing is not None:
            rule = self._rules.setdefault(nothing.rule, nothing.rule)
            return Decision(claim.claim_id, claim.participant, claim.outcome, claim.achieved, Status.PAID,
                            Reason.BAND_PAYS_NOTHING, ZERO, ZERO, period, rule, nothing.detail, shares, claim.row)
        if amount < price_:
            self._count_bound(cut)
            rule = self._rules.setdefault(rule, rule)
            return Decision(claim.claim_id, claim.participant, claim.outcome, claim.achieved, Status.PARTIAL,
                            Reason.CAP_PARTIAL, price_, amount, period, rule, detail, shares, claim.row,
                            root_cause=self._key(rule))
        return Decision(claim.claim_id, claim.participant, claim.outcome, claim.achieved, Status.PAID, Reason.PAID,
                        price_, amount, period, self._paid_rules[index], self._note,
                        shares, claim.row)

    def _no(self, claim: Claim, period: int, why: _Rejected, price_: Decimal = ZERO,
            who: Participant | None = None) -> Decision:
        """A rejection; each rule tuple is stored once and shared by its decisions. A claim a
        cap stopped is remembered for its participant, so a later step can name the cap."""
        rule = self._rules.setdefault(why.rule, why.rule)
        root = why.root
        if root is None:
            return Decision(claim.claim_id, claim.participant, claim.outcome, claim.achieved, Status.REJECTED,
                            why.reason, price_, ZERO, period, rule, why.detail, NO_SHARES, claim.row)
        if who is not None:
            if who.stopped is None:
                who.stopped = {}
            if claim.outcome not in who.stopped:
                claim_id, outcome = why.origin or (claim.claim_id, claim.outcome)
                who.stopped[claim.outcome] = (root, claim_id, outcome)
        return Decision(claim.claim_id, claim.participant, claim.outcome, claim.achieved, Status.REJECTED, why.reason,
                        price_, ZERO, period, rule, why.detail, NO_SHARES, claim.row, False, self._key(root))

    def _reject(self, decision: Decision, why: _Rejected) -> Decision:
        rule = self._rules.setdefault(why.rule, why.rule)  # one tuple per rule, shared by its decisions
        decision.status, decision.reason, decision.detail, decision.rule = Status.REJECTED, why.reason, why.detail, rule
        decision.amount, decision.root_cause = ZERO, self._key(why.root)
        return decision

    def _late(self, submitted: date, written: bool) -> _Rejected | None:
        """`claims until DATE`: a claim or result submitted after the deadline is not paid (without a
        `submitted` date it counts as submitted on the date achieved or measured)."""
        deadline = self.plan.claims_until
        if deadline is None or submitted <= deadline:
            return None
        what = "submitted" if written else "achieved (no submitted date given)"
        return _Rejected(Reason.CLAIM_LATE, f"{what} {submitted}, after the claims deadline {deadline}",
                         ("header", "claims_until"))

    def _participant(self, claim: Claim) -> Participant | _Rejected:
        plan, figures = self.plan, self.figures
        who = figures.participants.get(claim.participant)
        cohort = claim.cohort or (who.cohort if who else None) or plan.single_cohort
        if who is not None:  # the participant's first claim fixed its cohort, start, sub-group, referral
            if ((claim.cohort is not None and claim.cohort != who.cohort)
                    or (claim.start is not None and claim.start != who.start)
                    or (claim.subgroup is not None and claim.subgroup != who.subgroup)
                    or (claim.referral is not None and claim.referral != who.referral)
                    or (claim.held is not None and claim.held != who.held)):
                return _conflict(claim, who)
            if who.enrolled:
                return who
        else:
            who = Participant(cohort, claim.start, claim.subgroup, False, referral=claim.referral, held=claim.held)
            figures.participants[claim.participant] = who
            if self.pending:
                who.restart = self.pending.pop(claim.participant, None)
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
                            f"{plan.term_start} to {plan.term_end}" + (f" and its run-off to {self.last_day}"
                                                                       if self.last_day > plan.term_end else ""),
                            ("header",))
        if claim.achieved > plan.term_end and not outcome.prerequisites:
            return _Rejected(Reason.OUTSIDE_TERM, f"achieved {claim.achieved}, after the term end {plan.term_end}: "
                            f"in the run-off (to {self.last_day}) only a later step of a ladder (an outcome with "
                            "`after`) is paid", ("header", "run_off"))
        if who.start is not None and claim.achieved < who.start:
            return _Rejected(Reason.BEFORE_START, f"achieved {claim.achieved}, before the participant started "
                            f"{who.start}", ("outcomes", index))
        if outcome.window is not None:
            why = self._window(claim, index, outcome, who)
            if why is not None:
                return why
        if outcome.not_if_held and who.held is not None and claim.outcome in who.held:
            return _Rejected(Reason.HELD_AT_REFERRAL, f"{claim.outcome} was held at referral (held_at_referral): "
                             "a status held before referral is not an outcome", ("outcomes", index, "not_if_held"))
        done = who.paid_dates.get(claim.outcome, ())
        limit = self.times[outcome.name]
        if limit and len(done) >= limit:
            return _Rejected(Reason.REPEAT_LIMIT, f"already paid {len(done)} time(s) for this participant",
                            ("outcomes", index, "repeat"))
        for pi, prereq in enumerate(outcome.prerequisites):
            rule = ("outcomes", index, "prerequisites", pi)
            dates = who.paid_dates.get(prereq.outcome)
            if not dates:
                stop = who.stopped.get(prereq.outcome) if who.stopped else None
                if stop is not None:  # a cap stopped the prerequisite: name it
                    cap_rule, claim_id, stopped = stop
                    which = f"claim {claim_id}" + (f" for {stopped}" if stopped != prereq.outcome else "")
                    return _Rejected(Reason.PREREQUISITE_NOT_PAID, f"prerequisite {prereq.outcome} was not paid: it "
                                     f"was stopped by {self._limit_words(cap_rule)}, which rejected {which}",
                                     rule, cap_rule, (claim_id, stopped))
                return _Rejected(Reason.PREREQUISITE_NOT_PAID, f"prerequisite {prereq.outcome} has not been paid "
                                "for this participant", rule)
            first = dates[0]
            if who.restart is not None:
                late = timing(prereq, first, f"{prereq.outcome} was achieved {first}", who, claim, rule)
                if late is not None:
                    return late
                continue
            if prereq.at_least is not None and claim.achieved < add_duration(first, prereq.at_least):
                return _Rejected(Reason.PREREQUISITE_TOO_SOON, f"{prereq.outcome} was achieved {first}; this must "
                                f"come at least {prereq.at_least.amount} {prereq.at_least.unit} later", rule)
            if prereq.within is not None and claim.achieved > add_duration(first, prereq.within):
                return _Rejected(Reason.PREREQUISITE_TOO_LATE, f"{prereq.outcome} was achieved {first}; this had "
                                f"to come within {prereq.within.amount} {prereq.within.unit}", rule)
        for ci, choice in enumerate(outcome.choices):
            why = choose(self, choice, who, claim, ("outcomes", index, "choices", ci))
            if why is not None:
                return why
        for gi, k, _members in plan.groups_of.get(claim.outcome, ()):
            used = who.groups.get(gi, set())
            if claim.outcome not in used and len(used) >= k:
                return _Rejected(Reason.EXCLUSIVE_SIBLING_PAID, f"{', '.join(sorted(used))} already paid; at most "
                                 f"{k} of this group per participant", ("exclusive_groups", gi))
        return None

    def _window(self, claim: Claim, index: int, outcome: Outcome, who: Participant) -> _Rejected | None:
        """`within D of start` counts from the start date; `within D of referral` from the
        referral date, or the start date where no referral date was given."""
        rule = ("outcomes", index, "window")
        if outcome.window_from == "referral":
            anchor, word = (who.referral, "referral") if who.referral is not None else (who.start, "start")
            if anchor is None:
                return _Rejected(Reason.VALUE_MISSING, "the window counts from the participant's referral date "
                                 "(or its start date): neither was given", rule)
            if claim.achieved < anchor:
                return _Rejected(Reason.OUTSIDE_WINDOW, f"achieved {claim.achieved}, before the window opened on the "
                                 f"{word} date {anchor}", rule)
        else:
            anchor = who.start
            if anchor is None:
                return _Rejected(Reason.VALUE_MISSING, "the window counts from the participant's start date, which "
                                 "was not given", rule)
        deadline = add_duration(anchor, self.windows[claim.outcome])
        if claim.achieved > deadline:
            return _Rejected(Reason.OUTSIDE_WINDOW, f"achieved {claim.achieved}, after the window closed "
                            f"{deadline}", rule)
        return None

    def _price(self, claim: Claim, index: int, outcome: Outcome, who: Participant) -> Decimal | _Rejected:
        self._note = ""
        fixed = self._fixed.get(claim.outcome)
        if fixed is not None and fixed > 0:
            return fixed
        plan = self.plan
        if outcome.tariff.kind == "tiered":
            return self._tier_price(claim, index, outcome, who)
        amount, why, detail = price(outcome, who.subgroup, claim.value, claim.achieved,
                                    self.figures.outcome_count[claim.outcome], plan.unit, plan.rounding)
        if why is not None:
            return _Rejected(why, detail, ("outcomes", index, "tariff"))
        return amount

    def _tier_price(self, claim: Claim, index: int, outcome: Outcome, who: Participant) -> Decimal | _Rejected:
        """A tiered price: the n-th paid claim of the outcome (only the counted sub-group's claims
        are priced, so the count is within it), limited by what is left of its band's cap. A
        band that pays nothing gives `band_pays_nothing` (the caller pays zero and counts it)."""
        plan, figures = self.plan, self.figures
        name = claim.outcome
        amount, why, detail = price(outcome, who.subgroup, claim.value, claim.achieved, figures.outcome_count[name],
                                    plan.unit, plan.rounding, lambda band: figures.band_money[(name, band)], self._m)
        n = figures.outcome_count[name] + 1
        band = outcome.tariff.band_index(n) if isinstance(outcome.tariff, TieredTariff) else None
        tariff = outcome.tariff
        where: Rule = ("outcomes", index, "tariff") if band is None else ("outcomes", index, "tariff", "bands", band)
        if isinstance(tariff, TieredTariff) and tariff.counted_within is not None \
                and who.subgroup != tariff.counted_within:
            where = ("outcomes", index, "tariff", "counted_within")
        if why is not None:
            return _Rejected(why, detail, where)
        self._note = detail
        return amount

    def _caps(self, claim: Claim, outcome: Outcome, who: Participant, period: int, amount: Decimal,
              rule: Rule) -> tuple[Decimal, Rule, str] | _Rejected:
        """The claim-level caps. A full cap (count, share, or no money left) rejects: the first
        in declaration order. Otherwise the money caps with less headroom than the price bind:
        the smallest headroom decides with its own behaviour, and where several are equal, a
        `then reject` among them rejects. Returns (the amount allowed, the cap that cut it to
        that, or `rule` if none did, that cap in words, or "" if none did)."""
        figures = self.figures
        if self.refused and not rule:  # a claim (not a cohort-level result) a measured share cap refuses
            hit = self.refused.get(claim.claim_id)
            if hit is not None:
                refused_by: Rule = ("caps", hit[0])
                return _Rejected(Reason.CAP_REACHED, hit[1], refused_by, refused_by)
        binding: list[tuple[Decimal, int, Cap, str]] | None = None
        for ci, cap, what in self.caps:
            used = self._cap_use(cap, claim, who, period)
            if used is None:
                continue
            rule_here: Rule = ("caps", ci)
            if cap.measure == "count":
                if used + 1 > cap.limit:
                    return _Rejected(Reason.CAP_REACHED, f"{what} ({cap.limit:,f} outcomes) reached", rule_here,
                                     rule_here)
                continue
            if cap.measure == "share":
                sub_after = figures.subgroup_count[cap.target] + 1
                if sub_after > share_allowance(cap.limit, figures.total_count + 1):
                    return _Rejected(Reason.CAP_REACHED, f"{what}: sub-group {cap.target} would be "
                                    f"{sub_after} of {figures.total_count + 1} paid outcomes", rule_here, rule_here)
                continue
            if amount <= 0:  # nothing to pay (a tier band of zero) exceeds no money cap
                continue
            headroom = cap.limit - used
            if headroom <= 0:
                return _Rejected(Reason.CAP_REACHED, f"{what} ({self._m(cap.limit)}) reached", rule_here, rule_here)
            if amount > headroom:
                if binding is None:
                    binding = []
                binding.append((headroom, ci, cap, what))
        if binding is None:
            return amount, rule, ""
        low = min(b[0] for b in binding)
        tied = [b for b in binding if b[0] == low]
        rejecting = next((b for b in tied if b[2].behaviour == "reject"), None)
        if rejecting is not None:
            _h, ci, _cap, what = rejecting
            rule_here = ("caps", ci)
            others = [b for b in tied if b is not rejecting]
            if others:
                detail = (f"{what}: {self._m(low)} left, the claim is {self._m(amount)}; {others[0][3]}"
                          f"{self._at(('caps', others[0][1]))} leaves the same {self._m(low)}, and where two limits are "
                          "equal the one that says then reject decides: the claim is rejected in full")
            else:
                detail = (f"{what}: {self._m(low)} left, the claim is {self._m(amount)} and the cap says then reject: the "
                          "claim is rejected in full")
            return _Rejected(Reason.CAP_REACHED, detail, rule_here, rule_here)
        return low, ("caps", tied[0][1]), f"{tied[0][3]}{self._at(('caps', tied[0][1]))} left {self._m(low)}"

    def _cap_use(self, cap: Cap, claim: Claim, who: Participant, period: int) -> Decimal | int | None:
        f = self.figures
        scope, target, money = cap.scope, cap.target, cap.measure == "money"
        match scope:
            case "contract":
                return f.total_money
            case "participant":
                return None if claim.participant == "" else who.paid  # cohort-level results have no participant
            case "outcome":
                if claim.outcome != target:
                    return None
                return f.outcome_money[claim.outcome] if money else f.outcome_count[claim.outcome]
            case "subgroup":
                if who.subgroup != target or target is None:
                    return None
                return f.subgroup_money[target] if money else f.subgroup_count[target]
            case "cohort":
                if who.cohort != target or target is None:
                    return None
                return f.cohort_money[target] if money else f.cohort_count[target]
            case "period":
                return f.period_money[period]
            case "year":
                return f.year_money[self.plan.year_of(claim.achieved)]
            case "payer":
                return None  # a payer's cap limits its part (`_pay`), not the claim
            case _:
                assert_never(scope)

    def _vector(self, outcome: str, day: date | None) -> tuple[list[tuple[str, Fraction]], str]:
        """The payers' shares of a payment for `outcome` achieved on `day`, and its remainder
        payer: per invoice, the contract's; per claim, the one `remainder to` names if it has a
        share of this payment, else the largest share of it, the first declared on a tie
        (docs/settlement.md, "Shares per outcome or per phase")."""
        if not self._varies or day is None:
            return self.fractions, self.plan.remainder_to
        key = (outcome, day)
        found = self._vectors.get(key)
        if found is None:
            payers = self.plan.contract.payers
            shares = [(p.name, p.share_of(outcome, day)) for p in payers]
            named = self.plan.contract.header.remainder_to
            if self.plan.per_invoice:  # one remainder payer for every invoice of the contract
                rest = self.plan.remainder_to
            elif named is not None and dict(shares).get(named, 0) > 0:
                rest = named
            else:
                rest = max(enumerate(shares), key=lambda item: (item[1][1], -item[0]))[1][0]
            found = (shares, rest)
            if len(self._vectors) < 10_000:
                self._vectors[key] = found
        return found

    def _parts(self, amount: Decimal, period: int = -1, outcome: str = "", day: date | None = None
               ) -> dict[str, Decimal]:
        """The payers' parts of an amount (shared, cached: never change the dict returned); per
        invoice, its parts in `period` after what that period has split so far; with shares per
        outcome or phase, by the shares of `outcome` on `day`."""
        plan = self.plan
        fractions, remainder = self._vector(outcome, day)
        if plan.per_invoice:
            return split_owed(amount, self._owed[period], self._given[period], fractions, remainder, plan.unit,
                              plan.rounding)
        if self._varies:
            return split_exact(amount, fractions, remainder, plan.unit, plan.rounding)
        shares = self._splits.get(amount)
        if shares is None:
            if self._exact_shares:
                shares = split_exact(amount, self.fractions, plan.remainder_to, plan.unit, plan.rounding)
            else:
                shares = split(amount, self.shares, plan.remainder_to, plan.unit, plan.rounding)
            if len(self._splits) < 10_000:
                self._splits[amount] = shares
        return shares

    def _pay(self, capped: tuple[Decimal, Rule, str], price_: Decimal, period: int = -1, outcome: str = "",
             day: date | None = None) -> tuple[dict[str, Decimal], Decimal, Rule, str, list[Rule]] | _Rejected:
        """Split the amount the claim-level caps allow (`capped`, from `_caps`), then each
        payer's limit on its part: cut (pay in part) or reject the claim (`then reject`), the
        part exactly at the limit counting as over it where a claim-level cap cut that part
        (equal limits: reject). Returns (parts, payment, deciding rule, detail, caps that cut)."""
        f = self.figures
        amount, cap_rule, cut_words = capped
        if self.plan.per_invoice:
            shares = self._parts(amount, period, outcome, day)
            self._pending = (period, amount, shares, self._vector(outcome, day)[0])  # committed with the payment
        elif self._varies:
            shares = self._parts(amount, period, outcome, day)
        else:
            cached = self._splits.get(amount)
            shares = cached if cached is not None else self._parts(amount)
        cuts: list[tuple[PayerPlan, Decimal, Decimal]] | None = None
        for payer in self.capped_payers:
            headroom = payer.cap - f.payer_money[payer.name]  # type: ignore[operator]
            if headroom < 0:
                headroom = ZERO
            part = shares[payer.name]
            if part < headroom:
                continue
            if part == headroom:
                if not (payer.reject_at_cap and cut_words and part < self._parts(price_, period, outcome, day)[payer.name]):
                    continue
                return _Rejected(Reason.PAYER_CAP_REACHED,
                                 f"{cut_words}, which cuts payer {payer.name}'s part to {self._m(part)}, the same as the "
                                 f"{self._m(headroom)} left of its cap of {self._m(payer.cap or ZERO)}{self._at(payer.cap_rule)}; where "
                                 "two limits are equal the one that says then reject decides: the claim is rejected "
                                 "in full", payer.cap_rule, payer.cap_rule)
            if payer.reject_at_cap:
                return _Rejected(Reason.PAYER_CAP_REACHED,
                                 f"payer {payer.name}'s part is {self._m(part)}, more than the {self._m(headroom)} left of its cap "
                                 f"of {self._m(payer.cap or ZERO)}{self._at(payer.cap_rule)}, which says then reject: the claim is "
                                 "rejected in full", payer.cap_rule, payer.cap_rule)
            if cuts is None:
                cuts = []
                shares = dict(shares)  # the cached split is shared: change a copy
            shares[payer.name] = headroom
            cuts.append((payer, part, headroom))
        claim_cut = [cap_rule] if cut_words else []
        if cuts is None:
            return shares, amount, cap_rule, f"paid {self._m(amount)} of {self._m(price_)}: {cut_words}", claim_cut
        total = sum(shares.values(), ZERO)
        first = cuts[0][0].cap_rule
        if total <= 0:
            used_up = "; ".join(f"payer {p.name} has paid all of its cap of {self._m(p.cap or ZERO)}{self._at(p.cap_rule)}"
                                for p, _part, _h in cuts)
            return _Rejected(Reason.PAYER_CAP_REACHED, f"nothing left to pay: {used_up}"
                             + (f" ({cut_words})" if cut_words else ""), first, first)
        words = [cut_words] if cut_words else []
        words += [f"{self._limit_words(p.cap_rule)} left {self._m(h)} of its part {self._m(part)}" for p, part, h in cuts]
        return shares, total, first, f"paid {self._m(total)} of {self._m(price_)}: " + "; ".join(words), \
            [*claim_cut, *(p.cap_rule for p, _part, _h in cuts)]

    def _count_bound(self, rules: list[Rule]) -> None:
        bound = self.figures.cap_bound
        for rule in rules:
            if rule[0] == "caps" and isinstance(rule[1], int):
                bound[rule[1]] += 1

    def _commit(self, claim: Claim, outcome: Outcome, who: Participant, period: int, amount: Decimal,
                shares: dict[str, Decimal]) -> None:
        f = self.figures
        tariff = outcome.tariff
        if isinstance(tariff, TieredTariff) and tariff.has_band_caps:  # what each capped band has paid
            band = tariff.band_index(f.outcome_count[claim.outcome] + 1)
            if band is not None and tariff.bands[band].cap is not None:
                f.band_money[(claim.outcome, band)] += amount
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
        pending = self._pending
        if pending is not None:  # per invoice: the period's running split moves on by the parts before payer caps
            at, split_amount, given, fractions = pending
            owed, so_far = self._owed[at], self._given[at]
            for name, fraction in fractions:
                owed[name] = owed.get(name, Fraction(0)) + Fraction(split_amount) * fraction
            for payer, part in given.items():
                so_far[payer] = so_far.get(payer, ZERO) + part
            self._pending = None

    # ------------------------------------------------------------------ cohort-level results
    def _covered(self, m: Measurement, outcome: Outcome) -> tuple[str | None, ...]:
        """The cohorts a result is for: its own, or (no cohort given: a result for all cohorts)
        the cohorts the outcome is for (`for cohorts`), else every cohort of the contract."""
        if m.cohort is not None:
            return (m.cohort,)
        if outcome.pooled:
            return outcome.pooled
        if outcome.cohorts:
            return outcome.cohorts
        return tuple(c.name for c in self.plan.contract.cohorts) or (None,)

    def _cohort_rules(self, m: Measurement, index: int, outcome: Outcome,
                      covered: tuple[str | None, ...]) -> _Rejected | None:
        """The outcome's repeat rule and `only one of` groups, with each cohort the result
        covers in the participant's place: a pooled result is refused if any cohort refuses it."""
        results = self.figures.cohort_results
        limit = self.times[outcome.name]
        for cohort in covered:
            who = results.get(cohort)
            if who is None:
                continue
            name = cohort or "(the contract's only group)"
            done = who.paid_dates.get(m.outcome, ())
            if limit and len(done) >= limit:
                return _Rejected(Reason.REPEAT_LIMIT, f"{m.outcome} already paid {len(done)} time(s) for cohort {name} "
                                 f"(on {', '.join(str(d) for d in done)})", ("outcomes", index, "repeat"))
            for gi, k, _members in self.plan.groups_of.get(m.outcome, ()):
                used = who.groups.get(gi, set())
                if m.outcome not in used and len(used) >= k:
                    return _Rejected(Reason.EXCLUSIVE_SIBLING_PAID, f"{', '.join(sorted(used))} already paid for "
                                     f"cohort {name}; at most {k} of this group per cohort", ("exclusive_groups", gi))
        return None

    def _pooled(self, m: Measurement, index: int, outcome: Outcome) -> tuple[Measurement, str] | _Rejected:
        """A result for all the cohorts of a pooled outcome: the cohorts' latest results summed
        (docs/settlement.md "Pooled results"), checked against the row's own figures if it gives them."""
        rule = ("outcomes", index, "pooled")
        found = self.pools.pooled(outcome)
        if isinstance(found, list):
            return _Rejected(Reason.POOLED_RESULT_MISSING, f"no result yet for cohort{'s' if len(found) > 1 else ''} "
                             f"{', '.join(found)} of the pool {', '.join(outcome.pooled)}", rule)
        baseline, observed, used = found
        if m.given and (m.baseline != baseline or m.observed != observed):
            return _Rejected(Reason.POOLED_MISMATCH, f"the row gives {m.baseline} against {m.observed}, but the "
                             f"cohorts' results pool to {baseline} against {observed} (from "
                             f"{', '.join(u.measurement_id for u in used)}); leave baseline and observed empty to "
                             "use the pooled figures", rule)
        words = f"; pooled over {', '.join(outcome.pooled)} from {', '.join(u.measurement_id for u in used)}"
        return Measurement(m.measurement_id, m.outcome, None, m.measured, baseline, observed, m.row), words

    def measure(self, m: Measurement) -> Decision:
        plan, figures = self.plan, self.figures
        found = plan.outcomes.get(m.outcome)
        period = plan.period_of(m.measured) if plan.term_start <= m.measured <= self.last_day else -1
        decision = Decision(m.measurement_id, m.cohort or "(all cohorts)", m.outcome, m.measured, Status.REJECTED,
                            Reason.PAID, ZERO, ZERO, period, row=m.row, cohort_level=True)
        if m.measurement_id in figures.seen_measurements:  # claim ids are another set
            return self._reject(decision, _Rejected(Reason.DUPLICATE_CLAIM,
                                                    f"measurement id {m.measurement_id} was already decided"))
        figures.seen_measurements.add(m.measurement_id)
        if found is None or found[1].tariff.kind != "cohort_level":
            return self._reject(decision, _Rejected(Reason.NOT_IN_COHORT, f"{m.outcome} is not a cohort-level outcome"))
        index, outcome = found
        if plan.claims_until is not None:
            late = self._late(m.submitted or m.measured, m.submitted is not None)
            if late is not None:  # a late result counts towards nothing, pooled results included
                return self._reject(decision, late)
        self.pools.record(m, outcome)  # a cohort's latest result, whatever its decision, for pooled outcomes
        if outcome.pooled and m.cohort is not None:
            if m.cohort not in outcome.pooled:
                return self._reject(decision, _Rejected(
                    Reason.NOT_IN_COHORT, f"{m.outcome} is pooled over {', '.join(outcome.pooled)}; this result is for "
                    f"{m.cohort}", ("outcomes", index, "pooled")))
            return self._reject(decision, _Rejected(
                Reason.POOLED_INPUT, f"recorded as cohort {m.cohort}'s result for {m.outcome}, which is paid only on a "
                "result for all its cohorts (a row without a cohort)", ("outcomes", index, "pooled")))
        if m.cohort is not None and outcome.cohorts and m.cohort not in outcome.cohorts:
            return self._reject(decision, _Rejected(
                Reason.NOT_IN_COHORT, f"{m.outcome} is payable only for {', '.join(outcome.cohorts)}; this result is "
                f"for {m.cohort}", ("outcomes", index, "cohorts")))
        if period < 0:
            return self._reject(decision, _Rejected(Reason.OUTSIDE_TERM, f"measured {m.measured}, outside the term "
                                                    f"{plan.term_start} to {plan.term_end}"
                                                    + (f" and its run-off to {self.last_day}"
                                                       if self.last_day > plan.term_end else ""), ("header",)))
        priced, pooled_words = m, ""
        if outcome.pooled:
            pooled = self._pooled(m, index, outcome)
            if isinstance(pooled, _Rejected):
                return self._reject(decision, pooled)
            priced, pooled_words = pooled
        covered = self._covered(m, outcome)
        why = self._cohort_rules(m, index, outcome, covered)
        if why is not None:
            return self._reject(decision, why)
        amount, reason, detail = price_measurement(outcome, priced, plan.unit, plan.rounding)
        if reason is not None:
            return self._reject(decision, _Rejected(reason, detail + pooled_words, ("outcomes", index, "tariff")))
        detail += pooled_words
        if outcome.net_of:
            earlier = self.pools.already_paid(outcome, covered)
            if earlier >= amount:
                return self._reject(decision, _Rejected(
                    Reason.NET_NOTHING_DUE, f"{detail}; worth {self._m(amount)}, less {self._m(earlier)} already paid by "
                    f"{', '.join(outcome.net_of)} for {', '.join(c or 'its group' for c in covered)}: nothing is due (nothing is "
                    "paid back)", ("outcomes", index, "net_of")))
            if earlier > 0:
                detail += f"; {self._m(amount)} less {self._m(earlier)} already paid by {', '.join(outcome.net_of)}"
                amount -= earlier
        decision.price = amount
        who = Participant(m.cohort, None, None, True)
        fake = Claim(m.measurement_id, "", m.outcome, m.measured, cohort=m.cohort)
        capped = self._caps(fake, outcome, who, period, amount, ("outcomes", index))
        if isinstance(capped, _Rejected):
            return self._reject(decision, capped)
        paid = self._pay(capped, amount, period, m.outcome, m.measured)
        if isinstance(paid, _Rejected):
            return self._reject(decision, paid)
        shares, amount, rule, cut_detail, cut = paid
        figures.outcome_count[m.outcome] += 1
        figures.outcome_money[m.outcome] += amount
        figures.cohort_money[m.cohort] += amount
        figures.cohort_count[m.cohort] += 1
        self._commit_money(m.measured, period, amount, shares)
        self.pools.add_paid(m.outcome, covered, amount)
        for cohort in covered:  # the result counts for each cohort it covers
            holder = figures.cohort_results.get(cohort)
            if holder is None:
                holder = figures.cohort_results[cohort] = Participant(cohort, None, None, True)
            holder.paid += amount
            holder.paid_dates.setdefault(m.outcome, []).append(m.measured)
            for gi, _k, _members in plan.groups_of.get(m.outcome, ()):
                holder.groups.setdefault(gi, set()).add(m.outcome)
        decision.amount, decision.shares = amount, shares
        if amount < decision.price:
            self._count_bound(cut)
            decision.status, decision.reason = Status.PARTIAL, Reason.CAP_PARTIAL
            decision.rule, decision.detail, decision.root_cause = rule, cut_detail, self._key(rule)
        else:
            decision.status, decision.reason, decision.rule = Status.PAID, Reason.PAID, ("outcomes", index)
            decision.detail = detail
        return decision


def _conflict(claim: Claim, who: Participant) -> _Rejected:
    """The first detail of the claim that differs from the participant's first claim."""
    for name, given, known in (("cohort", claim.cohort, who.cohort), ("start", claim.start, who.start),
                               ("sub-group", claim.subgroup, who.subgroup), ("referral", claim.referral, who.referral)):
        if given is not None and given != known:
            return _Rejected(Reason.PARTICIPANT_CONFLICT,
                             f"{name} {given} differs from {known or '(none)'} on this participant's first claim")
    if claim.held is not None and claim.held != who.held:
        return _Rejected(Reason.PARTICIPANT_CONFLICT, f"held at referral {';'.join(sorted(claim.held))} differs from "
                         f"{';'.join(sorted(who.held)) if who.held else '(none)'} on this participant's first claim")
    raise AssertionError("no conflict")  # pragma: no cover  (called only when a detail differs)


def share_allowance(percent: Decimal, total: int) -> int:
    """How many of `total` paid outcomes a sub-group may have under a share cap: the share,
    rounded up to a whole outcome (so a first outcome can always be paid)."""
    return int((percent * total / 100).to_integral_value(rounding=decimal.ROUND_CEILING))


def _cap_words(cap: Cap) -> str:
    match cap.scope:
        case "period" | "year":
            return f"the cap per {cap.scope}"
        case "participant":
            return "the cap per participant"
        case "outcome" | "subgroup" | "cohort" | "payer" | "contract":
            return f"the {cap.scope} cap on {cap.target}" if cap.target else f"the {cap.scope} cap"
        case _:
            assert_never(cap.scope)



# ---------------------------------------------------------------------- resets and choices
# (issue 10.1 and 10.2; the rules are docs/settlement.md, "Resets" and "Prerequisites with
# alternatives"). Module functions, so that the hot path of a contract without them is unchanged.
def restart_clocks(engine: _Engine, claim: Claim, period: int) -> Decision:
    """A reset row: recorded (the restarted steps' delays count from its date for the
    participant's claims dated after it) or ignored where it can change no decision."""
    ri, reset = engine.resets[claim.outcome]
    figures = engine.figures

    def row(status: Status, reason: Reason, detail: str) -> Decision:
        return Decision(claim.claim_id, claim.participant, claim.outcome, claim.achieved, status, reason, ZERO, ZERO,
                        period, ("resets", ri), detail, NO_SHARES, claim.row)

    steps = ", ".join(reset.restarts)
    if claim.claim_id in figures.seen_ids:
        return row(Status.IGNORED, Reason.DUPLICATE_CLAIM, f"claim id {claim.claim_id} was already decided")
    figures.seen_ids.add(claim.claim_id)
    who = figures.participants.get(claim.participant)
    event = (claim.achieved, reset.name)
    if who is None:
        kept = engine.pending.setdefault(claim.participant, {})
        for step in reset.restarts:
            kept.setdefault(step, []).append(event)
        return row(Status.RECORDED, Reason.RESET_UNKNOWN_PARTICIPANT,
                   f"no earlier row of participant {claim.participant}: kept for its claims; the delays of {steps} "
                   f"count from {claim.achieved} for claims dated after it")
    open_steps = [s for s in reset.restarts if not engine.times[s] or len(who.paid_dates.get(s, ())) < engine.times[s]]
    if not open_steps:
        return row(Status.IGNORED, Reason.RESET_ALL_PAID, f"every step it restarts ({steps}) is already paid its "
                   "limit of times for this participant: nothing is paid again")
    by_name = engine.plan.outcomes
    if not any(_clock_started(by_name[s][1], who) for s in open_steps):
        return row(Status.IGNORED, Reason.RESET_BEFORE_ENTRY, f"no clock of {steps} has started: none of their "
                   "prerequisites is paid (or held at referral) for this participant, and a clock that starts later "
                   "starts after this date anyway")
    if who.restart is None:
        who.restart = {}
    for step in reset.restarts:
        who.restart.setdefault(step, []).append(event)
    return row(Status.RECORDED, Reason.RESET, f"the delays of {steps} count from {claim.achieved} for claims dated "
               "after it")


def _clock_started(outcome: Outcome, who: Participant) -> bool:
    """Has some prerequisite or option of the step been paid, or held at referral?"""
    if any(who.paid_dates.get(p.outcome) for p in outcome.prerequisites):
        return True
    for choice in outcome.choices:
        for option in choice.options:
            if who.paid_dates.get(option.outcome):
                return True
            if choice.held_at_referral and who.held is not None and option.outcome in who.held:
                return True
    return False


def _restarted(who: Participant, step: str, day: date) -> tuple[date, str] | None:
    """The latest reset of the step recorded for the participant dated before `day`."""
    events = who.restart.get(step) if who.restart is not None else None
    if not events:
        return None
    for event in reversed(events):
        if event[0] < day:
            return event
    return None


def timing(prereq: Prerequisite, anchor: date, words: str, who: Participant, claim: Claim,
           rule: Rule) -> _Rejected | None:
    """The delays of one prerequisite (or option) from `anchor`, or from the latest reset of
    this step dated before the claim where that is later."""
    if prereq.at_least is None and prereq.within is None:
        return None
    event = _restarted(who, claim.outcome, claim.achieved)
    if event is not None and event[0] > anchor:
        anchor = event[0]
        words += f"; the clock of {claim.outcome} restarted on {event[0]} (reset {event[1]})"
    if prereq.at_least is not None and claim.achieved < add_duration(anchor, prereq.at_least):
        return _Rejected(Reason.PREREQUISITE_TOO_SOON, f"{words}; this must come at least {prereq.at_least.amount} "
                         f"{prereq.at_least.unit} after {anchor}", rule)
    if prereq.within is not None and claim.achieved > add_duration(anchor, prereq.within):
        return _Rejected(Reason.PREREQUISITE_TOO_LATE, f"{words}; this had to come within {prereq.within.amount} "
                         f"{prereq.within.unit} of {anchor}", rule)
    return None


def choose(engine: _Engine, choice: PrerequisiteChoice, who: Participant, claim: Claim, rule: Rule) -> _Rejected | None:
    """One `after` clause with options: satisfied when some option, paid (or held at referral,
    where the clause says so), meets its own delays; an `if paid` clause with no option paid is
    satisfied. Otherwise the first option's refusal in the order written."""
    first_refusal: _Rejected | None = None
    for option in choice.options:
        anchors: list[tuple[date | None, str]] = []
        dates = who.paid_dates.get(option.outcome)
        if dates:
            anchors.append((dates[0], f"{option.outcome} was achieved {dates[0]}"))
        if choice.held_at_referral and who.held is not None and option.outcome in who.held:
            anchor, word = (who.referral, "referral") if who.referral is not None else (who.start, "start")
            anchors.append((anchor, f"{option.outcome} was held at referral (counted from the {word} date {anchor})"))
        for anchor, words in anchors:
            if option.at_least is None and option.within is None:
                return None
            if anchor is None:
                refusal = _Rejected(Reason.VALUE_MISSING, f"{option.outcome} was held at referral, and its delay "
                                    "counts from the participant's referral date (or start date): neither was given",
                                    rule)
            else:
                found = timing(option, anchor, words, who, claim, rule)
                if found is None:
                    return None
                refusal = found
            first_refusal = first_refusal or refusal
    if first_refusal is not None:
        return first_refusal
    if choice.if_paid:
        return None
    names = " or ".join(o.outcome for o in choice.options)
    held = ", nor held at referral" if choice.held_at_referral else ""
    for option in choice.options:
        stop = who.stopped.get(option.outcome) if who.stopped else None
        if stop is not None:  # a cap stopped an option: name it
            cap_rule, claim_id, stopped = stop
            which = f"claim {claim_id}" + (f" for {stopped}" if stopped != option.outcome else "")
            return _Rejected(Reason.PREREQUISITE_NOT_PAID, f"none of {names} has been paid{held}: {option.outcome} was "
                             f"stopped by {engine._limit_words(cap_rule)}, which rejected {which}", rule, cap_rule,
                             (claim_id, stopped))
    return _Rejected(Reason.PREREQUISITE_NOT_PAID, f"none of {names} has been paid for this participant{held}", rule)
