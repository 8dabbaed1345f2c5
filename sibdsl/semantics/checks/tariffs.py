"""Phase 2 check: tiered bands and sliding-scale points are complete and in order;
sub-group tariffs price every sub-group.

Input: `ir.Contract`. Output: SIB405 (gap), SIB406 (overlap), SIB407 (order), SIB409.
"""

from __future__ import annotations

import itertools

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.semantics import ir


def _bands(outcome: ir.Outcome, sink: DiagnosticSink) -> None:
    bands = outcome.tariff.bands
    expected_first = 1
    for index, band in enumerate(bands):
        previous = bands[index - 1] if index else None
        if band.last is not None and band.last < band.first:
            sink.add("SIB407", f"band runs from outcome {band.first} down to {band.last}", band.span,
                     hint="write the lower number first")
            return
        if previous is not None and previous.last is None:
            sink.add("SIB406", f"band {band.first}-{band.last or ''} comes after an open-ended band that "
                     "already covers every later outcome", band.span,
                     labels=[Label(previous.span, "open-ended band")], hint="only the last band may be open-ended")
            return
        if band.first > expected_first:
            sink.add("SIB405", f"outcomes {expected_first} to {band.first - 1} have no price",
                     band.span, labels=[Label(previous.span, "previous band")] if previous else [],
                     hint=f"start this band at {expected_first}" if previous else "the first band starts at 1")
            return
        if band.first < expected_first:
            if previous is not None and band.first < previous.first:
                sink.add("SIB407", f"band starting at {band.first} comes after the band starting at "
                         f"{previous.first}", band.span, labels=[Label(previous.span, "previous band")],
                         hint="list the bands in increasing order")
            else:
                sink.add("SIB406", f"outcomes {band.first} to {expected_first - 1} are priced by two bands",
                         band.span, labels=[Label(previous.span, "previous band")] if previous else [],
                         hint=f"start this band at {expected_first}")
            return
        expected_first = (band.last or 0) + 1


def _points(outcome: ir.Outcome, sink: DiagnosticSink) -> None:
    points = outcome.tariff.points
    for previous, point in itertools.pairwise(points):
        if point.at == previous.at:
            sink.add("SIB406", f"two scale points at the same measured value {point.at}", point.span,
                     labels=[Label(previous.span, "other point")], hint="keep one point per value")
            return
        if point.at < previous.at:
            sink.add("SIB407", f"scale point at {point.at} comes after the point at {previous.at}", point.span,
                     labels=[Label(previous.span, "previous point")],
                     hint="list the points in increasing order of the measured value")
            return
    if len(points) < 2:
        sink.add("SIB407", "a sliding scale needs at least two points", outcome.tariff.span,
                 hint="for example: 0% at 0.5, 100% at 1.4")


def _subgroups(outcome: ir.Outcome, contract: ir.Contract, sink: DiagnosticSink) -> None:
    tariff = outcome.tariff
    cohorts = [c for c in contract.cohorts if not outcome.cohorts or c.name in outcome.cohorts]
    reachable = {s.name for c in cohorts for s in c.subgroups}
    for price in tariff.subgroup_prices:
        if price.subgroup not in reachable:
            owner = next((c.name for c in contract.cohorts for s in c.subgroups if s.name == price.subgroup), "?")
            sink.add("SIB409", f"sub-group '{price.subgroup}' belongs to cohort '{owner}', for which "
                     f"'{outcome.name}' is not payable", price.span,
                     hint="price the sub-groups of the outcome's own cohorts")
    if tariff.otherwise is not None:
        return
    priced = {p.subgroup for p in tariff.subgroup_prices}
    unpriced = [s.name for c in cohorts for s in c.subgroups if s.name not in priced]
    if unpriced and priced:
        sink.add("SIB409", f"outcome '{outcome.name}' gives no price for sub-group(s) {', '.join(unpriced)}",
                 tariff.span, hint="add a price for each, or `otherwise GBP ...` for everyone else")


def check_tariffs(contract: ir.Contract, sink: DiagnosticSink) -> None:
    for outcome in contract.outcomes:
        kind = outcome.tariff.kind
        if kind == "tiered":
            _bands(outcome, sink)
        elif kind == "sliding":
            _points(outcome, sink)
        elif kind == "subgroup":
            _subgroups(outcome, contract, sink)
