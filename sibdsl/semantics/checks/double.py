"""Phase 2 check: two outcomes that can be paid for the same event for one participant.

Input: `model.Contract` and its spans. Output: SIB417 (warning) for each pair of outcomes with the same trigger
(`triggered by`) that could both be paid for one participant at the same time: their windows
overlap, and they are not in an exclusive group together, not on one ladder (one a
prerequisite of the other), not declared `in addition to` each other, and not restricted to
different cohorts. SIB418 (warning) for a step whose price `includes` another that can be paid
beside it; SIB419 (warning) for two cohorts open to referrals at the same time and paid for
the same outcome.

Cost: near-linear in the contract plus the diagnostics written. No pass builds every pair of
group members, outcomes or cohorts: a pair is only looked at when it yields a diagnostic
(sets of candidates are Python integers used as bit sets, one bit per outcome or cohort, so a
group of 10,000 outcomes is one 10,000-bit mask, not 50 million pairs). Diagnostics come out
in the order of the pairwise definition (first member by declaration, then second).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from datetime import date
from typing import TypeVar

from sibdsl.core.calendar import approx_days
from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.model.contract import CohortLevelTariff, Contract, Outcome, Prerequisite
from sibdsl.model.spans import SpanTable

_T = TypeVar("_T", int, date)


class _Exclusive:
    """Whether two outcome names are together in an `only one of` group (`at most 1`)."""

    def __init__(self, contract: Contract) -> None:
        self.groups_of: dict[str, set[int]] = {}
        self.twice: set[str] = set()  # a name listed twice in one group is exclusive with itself
        self.members: dict[int, list[str]] = {}
        for index, group in enumerate(contract.exclusive_groups):
            if group.at_most != 1:
                continue
            seen: set[str] = set()
            for name in group.members:
                if name in seen:
                    self.twice.add(name)
                seen.add(name)
                self.groups_of.setdefault(name, set()).add(index)
            self.members[index] = list(group.members)

    def together(self, a: str, b: str) -> bool:
        if a == b:
            return a in self.twice
        groups_a, groups_b = self.groups_of.get(a), self.groups_of.get(b)
        return bool(groups_a and groups_b and not groups_a.isdisjoint(groups_b))


def _bits(mask: int) -> Iterator[int]:
    """The indices of the set bits of `mask`, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _strongly_connected(nodes: Sequence[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's components, iteratively; a component comes after every component it reaches."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            successors = edges.get(node, [])
            if i < len(successors):
                work.append((node, i + 1))
                nxt = successors[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def _reach_masks(edges: dict[str, list[str]], nodes: Sequence[str], bits_of: dict[str, int]) -> dict[str, int]:
    """For each node, the union of `bits_of` over every node reachable by one edge or more."""
    reach: dict[str, int] = {}
    for component in _strongly_connected(nodes, edges):
        members = set(component)
        below = 0
        cyclic = len(component) > 1
        for node in component:
            for nxt in edges.get(node, []):
                if nxt in members:
                    cyclic = True
                else:
                    below |= bits_of.get(nxt, 0) | reach[nxt]
        if cyclic:
            for node in component:
                below |= bits_of.get(node, 0)
        for node in component:
            reach[node] = below
    return reach


def _earliest(contract: Contract) -> dict[str, int]:
    """Fewest days after the participant's start at which each outcome can be paid. A
    prerequisite met again on the path (a cycle) counts 0 days there."""
    start = contract.header.term_start
    by_name = {o.name: o for o in contract.outcomes}
    memo: dict[str, int] = {}

    def delay(p: Prerequisite) -> int:
        return approx_days(p.at_least, start) if p.at_least else 0

    for root in by_name:
        if root in memo:
            continue
        # the recursion made a loop: a frame is (name, next prerequisite, days so far); `path`
        # holds the names on the frames (the recursion's trail)
        frames: list[tuple[str, int, int]] = [(root, 0, 0)]
        path = {root}
        while frames:
            name, i, days = frames[-1]
            prerequisites = by_name[name].prerequisites
            if i < len(prerequisites):
                p = prerequisites[i]
                if p.outcome in memo:
                    value = memo[p.outcome]
                elif p.outcome not in by_name or p.outcome in path:
                    value = 0
                else:
                    frames.append((p.outcome, 0, 0))
                    path.add(p.outcome)
                    continue
                frames[-1] = (name, i + 1, max(days, value + delay(p)))
                continue
            memo[name] = days
            path.discard(name)
            frames.pop()
            if frames:
                parent, pi, pdays = frames[-1]
                frames[-1] = (parent, pi + 1, max(pdays, days + delay(by_name[parent].prerequisites[pi])))
    return memo


def check_double_counting(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    exclusive = _Exclusive(contract)
    _cumulative_steps(contract, exclusive, spans, sink)
    _two_cohorts(contract, spans, sink)
    _same_trigger(contract, exclusive, spans, sink)


def _cumulative_steps(contract: Contract, exclusive: _Exclusive, spans: SpanTable, sink: DiagnosticSink) -> None:
    """A step whose price `includes` an earlier one, and both can be paid: paid twice."""
    by_name = {o.name: i for i, o in enumerate(contract.outcomes)}
    for index, outcome in enumerate(contract.outcomes):
        for included in outcome.includes:
            other = by_name.get(included)
            if other is None or exclusive.together(outcome.name, included):
                continue
            sink.add("SIB418", f"'{outcome.name}' includes '{included}', and both can be paid for one participant",
                     spans.of("outcomes", index), labels=[Label(spans.of("outcomes", other), f"'{included}' here")],
                     hint=f"pay only one: only one of {included}, {outcome.name}; or price '{outcome.name}' as the "
                          f"increment over '{included}' and drop `includes`")


def _overlapping(windows: Sequence[tuple[_T, _T]]) -> tuple[list[int], list[int]]:
    """Sort intervals (open, close) by opening; return (order, reach): the intervals after sorted
    position k that open before the one at k closes are sorted positions k+1 .. reach[k]-1. Each
    of them overlaps it unless it is empty (closes before it opens): the caller checks that."""
    order = sorted(range(len(windows)), key=lambda i: windows[i][0])
    opens = [windows[i][0] for i in order]
    reach = [max(k + 1, bisect_right(opens, windows[i][1])) for k, i in enumerate(order)]
    return order, reach


def _two_cohorts(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    """Two cohorts open to referrals at the same time, both paid for an outcome: one person
    referred to both would be two participants and could be paid twice."""
    cohorts = contract.cohorts
    if len(cohorts) < 2:
        return
    term = (contract.header.term_start, contract.header.term_end)
    windows = [(c.referral_start or term[0], c.referral_end or term[1]) for c in cohorts]
    order, reach = _overlapping(windows)
    at_name: dict[str, int] = {}  # cohort name -> bits (sorted positions) of the cohorts so named
    for k, i in enumerate(order):
        at_name[cohorts[i].name] = at_name.get(cohorts[i].name, 0) | 1 << k
    # the outcomes each cohort is paid for, as bits over contract.outcomes
    paid = [o for o in contract.outcomes if not isinstance(o.tariff, CohortLevelTariff)]
    every = 0
    for_cohort: dict[str, int] = {}
    shares_cohorts: dict[str, int] = {}  # cohort name -> cohorts sharing a restricted outcome with it
    for j, o in enumerate(paid):
        if not o.cohorts:
            every |= 1 << j
            continue
        named = set(o.cohorts)
        together = 0
        for name in named:
            for_cohort[name] = for_cohort.get(name, 0) | 1 << j
            together |= at_name.get(name, 0)
        for name in named:
            shares_cohorts[name] = shares_cohorts.get(name, 0) | together
    apart_from: dict[str, int] = {}  # name -> cohorts that declare themselves separate from it
    for k, i in enumerate(order):
        for name in cohorts[i].separate_from:
            apart_from[name] = apart_from.get(name, 0) | 1 << k
    pairs: list[tuple[int, int]] = []
    for k, i in enumerate(order):
        x = cohorts[i]
        candidates = ((1 << reach[k]) - 1) & ~((1 << (k + 1)) - 1)
        if not candidates:
            continue
        if not every:
            candidates &= shares_cohorts.get(x.name, 0)
        apart = apart_from.get(x.name, 0)
        for name in x.separate_from:
            apart |= at_name.get(name, 0)
        for m in _bits(candidates & ~apart):
            j = order[m]
            if windows[i][0] <= windows[j][1]:  # an empty window may close before the other opens
                pairs.append((min(i, j), max(i, j)))
    pairs.sort()
    for i, j in pairs:
        a, b = cohorts[i], cohorts[j]
        shared_bits = (every | for_cohort.get(a.name, 0)) & (every | for_cohort.get(b.name, 0))
        if not shared_bits:
            continue
        first: list[str] = []
        for bit in _bits(shared_bits):
            first.append(paid[bit].name)
            if len(first) == 4:
                break
        sink.add("SIB419", f"cohorts '{a.name}' and '{b.name}' take referrals at the same time and both are "
                 f"paid for {', '.join(first[:3])}{'...' if len(first) > 3 else ''}", spans.of("cohorts", j),
                 labels=[Label(spans.of("cohorts", i), f"'{a.name}' here")],
                 hint=f"if one person cannot be in both, say so: cohort {b.name} ... separate from {a.name}")


def _same_trigger(contract: Contract, exclusive: _Exclusive, spans: SpanTable, sink: DiagnosticSink) -> None:
    by_trigger: dict[str, list[Outcome]] = {}
    for outcome in contract.outcomes:
        if outcome.trigger and not isinstance(outcome.tariff, CohortLevelTariff):
            by_trigger.setdefault(outcome.trigger, []).append(outcome)
    shared = {t: os for t, os in by_trigger.items() if len(os) > 1}
    if not shared:
        return
    earliest = _earliest(contract)
    term_days = (contract.header.term_end - contract.header.term_start).days
    start = contract.header.term_start

    def latest(o: Outcome) -> int:
        return approx_days(o.window, start) if o.window is not None else term_days

    # each outcome of a shared trigger gets a global bit: its bucket's offset + its sorted position
    buckets: list[tuple[str, list[Outcome], list[tuple[int, int]], list[int], list[int], int]] = []
    bits_of_name: dict[str, int] = {}
    offset = 0
    for trigger, outcomes in shared.items():
        windows = [(earliest[o.name], latest(o)) for o in outcomes]
        order, reach = _overlapping(windows)
        for k, i in enumerate(order):
            name = outcomes[i].name
            bits_of_name[name] = bits_of_name.get(name, 0) | 1 << (offset + k)
        buckets.append((trigger, outcomes, windows, order, reach, offset))
        offset += len(outcomes)
    # ladders: ancestors (prerequisites, transitively) and descendants, as global bits
    direct = {o.name: [p.outcome for p in o.prerequisites] for o in contract.outcomes}
    names = list(direct)
    reverse: dict[str, list[str]] = {}
    for name, prerequisites in direct.items():
        for p in prerequisites:
            reverse.setdefault(p, []).append(name)
    ancestors = _reach_masks(direct, names, bits_of_name)
    descendants = _reach_masks(reverse, names + [p for p in reverse if p not in direct], bits_of_name)

    index_of: dict[str, int] | None = None  # outcome name -> its index, made when first needed
    for trigger, outcomes, windows, order, reach, offset in buckets:
        n = len(outcomes)
        full = (1 << n) - 1
        at: dict[str, int] = {}  # local bits (sorted positions) by outcome name, by cohort, by `in addition to`
        in_cohort: dict[str, int] = {}
        everywhere = 0
        added_to: dict[str, int] = {}
        group_bits: dict[int, int] = {}
        for k, i in enumerate(order):
            o = outcomes[i]
            at[o.name] = at.get(o.name, 0) | 1 << k
            if o.cohorts:
                for cohort in set(o.cohorts):
                    in_cohort[cohort] = in_cohort.get(cohort, 0) | 1 << k
            else:
                everywhere |= 1 << k
            for other in o.in_addition_to:
                added_to[other] = added_to.get(other, 0) | 1 << k
            for g in exclusive.groups_of.get(o.name, ()):
                group_bits[g] = group_bits.get(g, 0) | 1 << k
        pairs: list[tuple[int, int]] = []
        for k, i in enumerate(order):
            a = outcomes[i]
            candidates = ((1 << reach[k]) - 1) & ~((1 << (k + 1)) - 1)
            if not candidates:
                continue
            skip = 0
            for g in exclusive.groups_of.get(a.name, ()):
                skip |= group_bits[g]
            if a.name not in exclusive.twice:
                skip &= ~at[a.name]
            skip |= ((ancestors.get(a.name, 0) | descendants.get(a.name, 0)) >> offset) & full
            skip |= added_to.get(a.name, 0)
            for other in a.in_addition_to:
                skip |= at.get(other, 0)
            if a.cohorts:
                allowed = everywhere
                for cohort in set(a.cohorts):
                    allowed |= in_cohort.get(cohort, 0)
                skip |= full & ~allowed
            for m in _bits(candidates & ~skip):
                j = order[m]
                if windows[i][0] <= windows[j][1]:  # an empty window may close before the other opens
                    pairs.append((min(i, j), max(i, j)))
        pairs.sort()
        for i, j in pairs:
            a, b = outcomes[i], outcomes[j]
            if index_of is None:
                index_of = {o.name: k for k, o in enumerate(contract.outcomes)}
            sink.add("SIB417", f"'{a.name}' and '{b.name}' are both paid for the event '{trigger}': one "
                     "participant could be paid twice for it", spans.of("outcomes", index_of[b.name]),
                     labels=[Label(spans.of("outcomes", index_of[a.name]), f"'{a.name}' here")],
                     hint=f"if only one may be paid: only one of {a.name}, {b.name}; if one follows the other: "
                          f"after {a.name}; if both are meant: in addition to {a.name}")
