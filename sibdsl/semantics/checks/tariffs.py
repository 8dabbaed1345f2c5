"""Phase 2 check: tiered bands and sliding-scale points are complete and in order;
sub-group tariffs price every sub-group.

Input: `model.Contract` and its spans. Output: SIB405 (gap), SIB406 (overlap), SIB407 (order), SIB409,
SIB427 (a band's cap below its price), SIB428 (`counted within` a sub-group the outcome is not
payable for).
"""

from __future__ import annotations

import itertools
from typing import assert_never

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.model.contract import (
    CohortLevelTariff,
    Contract,
    FixedTariff,
    Outcome,
    PerUnitTariff,
    SlidingTariff,
    SubgroupTariff,
    TieredTariff,
)
from sibdsl.model.spans import Path, SpanTable


def _bands(tariff: TieredTariff, at: Path, spans: SpanTable, sink: DiagnosticSink) -> None:
    bands = tariff.bands
    expected_first = 1
    for index, band in enumerate(bands):
        previous = bands[index - 1] if index else None
        span = spans.of(*at, "bands", index)
        previous_span = spans.of(*at, "bands", index - 1)
        if band.last is not None and band.last < band.first:
            sink.add("SIB407", f"band runs from outcome {band.first} down to {band.last}", span,
                     hint="write the lower number first")
            return
        if previous is not None and previous.last is None:
            sink.add("SIB406", f"band {band.first}-{band.last or ''} comes after an open-ended band that "
                     "already covers every later outcome", span,
                     labels=[Label(previous_span, "open-ended band")], hint="only the last band may be open-ended")
            return
        if band.first > expected_first:
            sink.add("SIB405", f"outcomes {expected_first} to {band.first - 1} have no price",
                     span, labels=[Label(previous_span, "previous band")] if previous else [],
                     hint=f"start this band at {expected_first}" if previous else "the first band starts at 1")
            return
        if band.first < expected_first:
            if previous is not None and band.first < previous.first:
                sink.add("SIB407", f"band starting at {band.first} comes after the band starting at "
                         f"{previous.first}", span, labels=[Label(previous_span, "previous band")],
                         hint="list the bands in increasing order")
            else:
                sink.add("SIB406", f"outcomes {band.first} to {expected_first - 1} are priced by two bands",
                         span, labels=[Label(previous_span, "previous band")] if previous else [],
                         hint=f"start this band at {expected_first}")
            return
        expected_first = (band.last or 0) + 1


def _points(tariff: SlidingTariff, at: Path, spans: SpanTable, sink: DiagnosticSink) -> None:
    points = tariff.points
    for index, (previous, point) in enumerate(itertools.pairwise(points), start=1):
        span, previous_span = spans.of(*at, "points", index), spans.of(*at, "points", index - 1)
        if point.at == previous.at:
            sink.add("SIB406", f"two scale points at the same measured value {point.at}", span,
                     labels=[Label(previous_span, "other point")], hint="keep one point per value")
            return
        if point.at < previous.at:
            sink.add("SIB407", f"scale point at {point.at} comes after the point at {previous.at}", span,
                     labels=[Label(previous_span, "previous point")],
                     hint="list the points in increasing order of the measured value")
            return
    if len(points) < 2:
        sink.add("SIB407", "a sliding scale needs at least two points", spans.of(*at),
                 hint="for example: 0% at 0.5, 100% at 1.4")


def _subgroups(outcome: Outcome, tariff: SubgroupTariff, at: Path, contract: Contract, spans: SpanTable,
               sink: DiagnosticSink) -> None:
    cohorts = [c for c in contract.cohorts if not outcome.cohorts or c.name in outcome.cohorts]
    reachable = {s.name for c in cohorts for s in c.subgroups}
    for index, price in enumerate(tariff.subgroup_prices):
        if price.subgroup not in reachable:
            owner = next((c.name for c in contract.cohorts for s in c.subgroups if s.name == price.subgroup), "?")
            sink.add("SIB409", f"sub-group '{price.subgroup}' belongs to cohort '{owner}', for which "
                     f"'{outcome.name}' is not payable", spans.of(*at, "subgroup_prices", index),
                     hint="price the sub-groups of the outcome's own cohorts")
    if tariff.otherwise is not None:
        return
    priced = {p.subgroup for p in tariff.subgroup_prices}
    unpriced = [s.name for c in cohorts for s in c.subgroups if s.name not in priced]
    if unpriced and priced:
        sink.add("SIB409", f"outcome '{outcome.name}' gives no price for sub-group(s) {', '.join(unpriced)}",
                 spans.of(*at), hint="add a price for each, or `otherwise GBP ...` for everyone else")


def _band_limits(outcome: Outcome, tariff: TieredTariff, at: Path, contract: Contract, spans: SpanTable,
                 sink: DiagnosticSink) -> None:
    """A band's cap below the band's price pays one claim in part and then nothing (SIB427); a
    tariff counted within a sub-group of a cohort the outcome is not for prices nothing (SIB428)."""
    currency = contract.header.currency
    for index, band in enumerate(tariff.bands):
        if band.cap is not None and band.cap < band.price:
            sink.add("SIB427", f"the band's cap of {currency} {band.cap:,f} is less than its price of "
                     f"{currency} {band.price:,f}: one claim is paid in part, then the band pays nothing",
                     spans.of(*at, "bands", index, "cap"), labels=[Label(spans.of(*at, "bands", index), "the band")],
                     hint=f"a cap on a band is the most its claims are paid together, as in `{currency} 500 from 93 "
                          f"onwards, at most {currency} 25,000`")
    within = tariff.counted_within
    if within is None:
        return
    owner = next((c.name for c in contract.cohorts for s in c.subgroups if s.name == within), None)
    if outcome.cohorts and owner is not None and owner not in outcome.cohorts:
        sink.add("SIB428", f"'{outcome.name}' is counted within sub-group '{within}' of cohort '{owner}', but is "
                 f"payable only for {', '.join(outcome.cohorts)}: no claim can be priced",
                 spans.of(*at, "counted_within"), hint="count within a sub-group of the outcome's own cohorts")


def check_tariffs(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    for i, outcome in enumerate(contract.outcomes):
        tariff = outcome.tariff
        at: Path = ("outcomes", i, "tariff")
        match tariff:
            case TieredTariff():
                _bands(tariff, at, spans, sink)
                _band_limits(outcome, tariff, at, contract, spans, sink)
            case SlidingTariff():
                _points(tariff, at, spans, sink)
            case SubgroupTariff():
                _subgroups(outcome, tariff, at, contract, spans, sink)
            case FixedTariff() | PerUnitTariff() | CohortLevelTariff():
                pass
            case _:
                assert_never(tariff)
