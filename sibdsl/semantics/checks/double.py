"""Phase 2 check: two outcomes that can be paid for the same event for one participant.

Input: `ir.Contract`. Output: SIB417 (warning) for each pair of outcomes with the same trigger
(`triggered by`) that could both be paid for one participant at the same time: their windows
overlap, and they are not in an exclusive group together, not on one ladder (one a
prerequisite of the other), not declared `in addition to` each other, and not restricted to
different cohorts.
"""

from __future__ import annotations

from itertools import combinations

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.semantics import ir
from sibdsl.semantics.calendar import approx_days


def _ancestors(contract: ir.Contract) -> dict[str, set[str]]:
    direct = {o.name: [p.outcome for p in o.prerequisites] for o in contract.outcomes}
    found: dict[str, set[str]] = {}
    for root in direct:
        seen: set[str] = set()
        stack = list(direct[root])
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            stack.extend(direct.get(name, ()))
        found[root] = seen
    return found


def _earliest(contract: ir.Contract) -> dict[str, int]:
    """Fewest days after the participant's start at which each outcome can be paid."""
    start = contract.header.term_start
    by_name = {o.name: o for o in contract.outcomes}
    memo: dict[str, int] = {}

    def visit(name: str, trail: frozenset[str]) -> int:
        if name in memo:
            return memo[name]
        outcome = by_name.get(name)
        if outcome is None or name in trail:
            return 0
        days = 0
        for p in outcome.prerequisites:
            delay = approx_days(p.at_least, start) if p.at_least else 0
            days = max(days, visit(p.outcome, trail | {name}) + delay)
        memo[name] = days
        return days

    for name in by_name:
        visit(name, frozenset())
    return memo


def check_double_counting(contract: ir.Contract, sink: DiagnosticSink) -> None:
    _cumulative_steps(contract, sink)
    _two_cohorts(contract, sink)
    _same_trigger(contract, sink)


def _cumulative_steps(contract: ir.Contract, sink: DiagnosticSink) -> None:
    """A step whose price `includes` an earlier one, and both can be paid: paid twice."""
    by_name = {o.name: o for o in contract.outcomes}
    exclusive = {frozenset(pair) for g in contract.exclusive_groups if g.at_most == 1
                 for pair in combinations(g.members, 2)}
    for outcome in contract.outcomes:
        for included in outcome.includes:
            other = by_name.get(included)
            if other is None or frozenset((outcome.name, included)) in exclusive:
                continue
            sink.add("SIB418", f"'{outcome.name}' includes '{included}', and both can be paid for one participant",
                     outcome.span, labels=[Label(other.span, f"'{included}' here")],
                     hint=f"pay only one: only one of {included}, {outcome.name}; or price '{outcome.name}' as the "
                          f"increment over '{included}' and drop `includes`")


def _two_cohorts(contract: ir.Contract, sink: DiagnosticSink) -> None:
    """Two cohorts open to referrals at the same time, both paid for an outcome: one person
    referred to both would be two participants and could be paid twice."""
    term = (contract.header.term_start, contract.header.term_end)
    for a, b in combinations(contract.cohorts, 2):
        if b.name in a.separate_from or a.name in b.separate_from:
            continue
        a_open, a_close = a.referral_start or term[0], a.referral_end or term[1]
        b_open, b_close = b.referral_start or term[0], b.referral_end or term[1]
        if a_open > b_close or b_open > a_close:
            continue
        shared = [o.name for o in contract.outcomes if o.tariff.kind != "cohort_level"
                  and (not o.cohorts or (a.name in o.cohorts and b.name in o.cohorts))]
        if shared:
            sink.add("SIB419", f"cohorts '{a.name}' and '{b.name}' take referrals at the same time and both are "
                     f"paid for {', '.join(shared[:3])}{'...' if len(shared) > 3 else ''}", b.span,
                     labels=[Label(a.span, f"'{a.name}' here")],
                     hint=f"if one person cannot be in both, say so: cohort {b.name} ... separate from {a.name}")


def _same_trigger(contract: ir.Contract, sink: DiagnosticSink) -> None:
    by_trigger: dict[str, list[ir.Outcome]] = {}
    for outcome in contract.outcomes:
        if outcome.trigger and outcome.tariff.kind != "cohort_level":
            by_trigger.setdefault(outcome.trigger, []).append(outcome)
    shared = {t: os for t, os in by_trigger.items() if len(os) > 1}
    if not shared:
        return
    exclusive = {frozenset(pair) for g in contract.exclusive_groups if g.at_most == 1
                 for pair in combinations(g.members, 2)}
    ancestors = _ancestors(contract)
    earliest = _earliest(contract)
    term_days = (contract.header.term_end - contract.header.term_start).days
    start = contract.header.term_start

    def latest(o: ir.Outcome) -> int:
        return approx_days(o.window, start) if o.window is not None else term_days

    for trigger, outcomes in shared.items():
        for a, b in combinations(outcomes, 2):
            if frozenset((a.name, b.name)) in exclusive:
                continue
            if a.name in ancestors[b.name] or b.name in ancestors[a.name]:
                continue
            if a.name in b.in_addition_to or b.name in a.in_addition_to:
                continue
            if a.cohorts and b.cohorts and not set(a.cohorts) & set(b.cohorts):
                continue
            if earliest[a.name] > latest(b) or earliest[b.name] > latest(a):
                continue
            sink.add("SIB417", f"'{a.name}' and '{b.name}' are both paid for the event '{trigger}': one "
                     "participant could be paid twice for it", b.span, labels=[Label(a.span, f"'{a.name}' here")],
                     hint=f"if only one may be paid: only one of {a.name}, {b.name}; if one follows the other: "
                          f"after {a.name}; if both are meant: in addition to {a.name}")
