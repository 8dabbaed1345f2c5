"""Phase 2 check: caps and outcomes that cannot work as written.

Input: `model.Contract` and its spans. Output: SIB411 (participant cap below a price), SIB412 (outcome can never
be earned), SIB413 (unlimited outcome without a limit), SIB414 (cap declared twice).
"""

from __future__ import annotations

from decimal import Decimal
from typing import assert_never

from sibdsl.core.calendar import approx_days
from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.model.contract import (
    AnyTariff,
    Cap,
    CohortLevelTariff,
    Contract,
    ExclusiveGroup,
    FixedTariff,
    PerUnitTariff,
    SlidingTariff,
    SubgroupTariff,
    TieredTariff,
)
from sibdsl.model.spans import SpanTable
from sibdsl.semantics.checks.ladders import prerequisite_cycles
from sibdsl.semantics.values import fmt


def highest_price(tariff: AnyTariff) -> Decimal:
    """The most one claim of this tariff can pay before caps (before indexation)."""
    match tariff:
        case FixedTariff() | CohortLevelTariff():
            return tariff.price
        case SubgroupTariff():
            return max([Decimal(0), tariff.otherwise or Decimal(0), *(p.price for p in tariff.subgroup_prices)])
        case TieredTariff():
            return max(Decimal(0), tariff.best_band_price() or Decimal(0))  # a band's cap limits its price
        case SlidingTariff():
            if not tariff.points:
                return tariff.price
            return tariff.price * max(p.percent for p in tariff.points) / 100
        case PerUnitTariff():
            return tariff.price * tariff.limit  # a claim is paid for at most `limit` units
        case _:
            assert_never(tariff)


def _duplicate_caps(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    seen: dict[tuple[str, str | None, str], int] = {}
    for index, cap in enumerate(contract.caps):
        key = (cap.scope, cap.target, cap.measure)
        if key in seen:
            sink.add("SIB414", f"a {cap.scope} cap{' on ' + cap.target if cap.target else ''} is declared twice",
                     spans.of("caps", index), labels=[Label(spans.of("caps", seen[key]), "first declared here")],
                     hint="keep one")
        else:
            seen[key] = index


def _impossible(contract: Contract, in_cycle: set[str]) -> dict[str, str]:
    """Outcome name -> why it can never be paid."""
    order = {o.name: i for i, o in enumerate(contract.outcomes)}  # declaration order, never set order
    why: dict[str, str] = {name: "it is part of a prerequisite cycle"
                           for name in sorted(in_cycle, key=lambda n: (order.get(n, len(order)), n))}
    start = contract.header.term_start
    groups_of: dict[str, list[ExclusiveGroup]] = {}
    for g in contract.exclusive_groups:
        if g.at_most == 1:
            for member in g.members:
                groups_of.setdefault(member, []).append(g)
    for outcome in contract.outcomes:
        for prereq in outcome.prerequisites:
            for group in groups_of.get(outcome.name, ()):
                if prereq.outcome in group.members:
                    why[outcome.name] = (f"it requires '{prereq.outcome}', but only one of "
                                         f"{', '.join(group.members)} can be paid")
            if prereq.at_least and prereq.within and approx_days(prereq.within, start) < approx_days(prereq.at_least, start):
                why[outcome.name] = f"it must come at least {prereq.at_least.amount} {prereq.at_least.unit} after " \
                                    f"'{prereq.outcome}' but within {prereq.within.amount} {prereq.within.unit}"
            if prereq.at_least and outcome.window and outcome.window_from == "start" and \
                    approx_days(outcome.window, start) < approx_days(prereq.at_least, start):
                why[outcome.name] = (f"its window ({outcome.window.amount} {outcome.window.unit}) is shorter than "
                                     f"the {prereq.at_least.amount} {prereq.at_least.unit} it must wait after "
                                     f"'{prereq.outcome}'")
    for cap in contract.caps:
        if cap.scope == "outcome" and cap.limit == 0 and cap.target:
            why[cap.target] = "its cap is zero"
    # an outcome whose prerequisite can never be paid can never be paid either: one pass over
    # the "required by" edges, outward from the outcomes already known to be impossible
    required_by: dict[str, list[str]] = {}
    for outcome in contract.outcomes:
        for p in outcome.prerequisites:
            required_by.setdefault(p.outcome, []).append(outcome.name)
    queue = list(why)
    while queue:
        blocked = queue.pop()
        for name in required_by.get(blocked, ()):
            if name not in why:
                why[name] = f"its prerequisite '{blocked}' can never be paid"
                queue.append(name)
    return why


def check_reach(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    _duplicate_caps(contract, spans, sink)
    found: tuple[int, Cap] | None = next(((i, c) for i, c in enumerate(contract.caps) if c.scope == "participant"),
                                         None)
    for index, outcome in enumerate(contract.outcomes):
        if found is not None and not isinstance(outcome.tariff, CohortLevelTariff):
            cap_index, participant_cap = found
            price = highest_price(outcome.tariff)
            if price > participant_cap.limit:
                sink.add("SIB411", f"'{outcome.name}' pays up to {fmt(price)}, more than the per-participant cap of "
                         f"{fmt(participant_cap.limit)}", spans.of("outcomes", index, "tariff"),
                         labels=[Label(spans.of("caps", cap_index), "per-participant cap")],
                         hint="the outcome can never be paid in full; raise the cap or lower the price")
        if outcome.repeat == "unlimited":
            capped = any(c.scope == "outcome" and c.target == outcome.name and c.measure != "share"
                         for c in contract.caps) or (  # a share of achievements grows with them: no limit
                isinstance(outcome.tariff, TieredTariff) and outcome.tariff.has_band_caps and all(
                    b.price == 0 or b.cap is not None or b.last is not None for b in outcome.tariff.bands))  # bands bound it
            if not capped:
                sink.add("SIB413", f"'{outcome.name}' can be paid any number of times and has no cap of its own",
                         spans.of("outcomes", index),
                         hint=f"add `up to N times per participant` or `cap outcome {outcome.name} 200 outcomes`")
    in_cycle: set[str] = set()
    for cycle in prerequisite_cycles(contract):
        in_cycle.update(cycle)
    by_name = {o.name: i for i, o in enumerate(contract.outcomes)}
    for name, reason in _impossible(contract, in_cycle).items():
        if name in in_cycle or name not in by_name:
            continue  # already reported as a cycle
        sink.add("SIB412", f"outcome '{name}' can never be paid: {reason}", spans.of("outcomes", by_name[name]),
                 hint="check the rules of this outcome")
