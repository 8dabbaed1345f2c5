"""Phase 2 check: dates fall inside the term; windows are not longer than the term.

Input: `model.Contract` and its spans. Output: SIB303 (outside the term), SIB304 (window longer
than the term).
"""

from __future__ import annotations

from datetime import date

from sibdsl.core.calendar import add_duration
from sibdsl.core.diagnostics import DiagnosticSink
from sibdsl.core.source import Span
from sibdsl.model.contract import Contract
from sibdsl.model.pastterm import last_day_for
from sibdsl.model.spans import SpanTable


def _inside(when: date | None, what: str, span: Span, contract: Contract, sink: DiagnosticSink) -> None:
    header = contract.header
    if when is None or header.term_start <= when <= header.term_end:
        return
    side = "before the term starts" if when < header.term_start else "after the term ends"
    sink.add("SIB303", f"{what} ({when}) is {side} ({header.term_start} to {header.term_end})", span,
             hint="move the date inside the term, or extend the term")


def check_dates(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    header = contract.header
    for i, cohort in enumerate(contract.cohorts):
        span = spans.of("cohorts", i)
        _inside(cohort.referral_start, f"referrals to '{cohort.name}' open", span, contract, sink)
        _inside(cohort.referral_end, f"referrals to '{cohort.name}' close", span, contract, sink)
    for i, tranche in enumerate(contract.tranches):
        span = spans.of("tranches", i)
        _inside(tranche.on, f"tranche '{tranche.name}'", span, contract, sink)
        _inside(tranche.deadline, f"the deadline of tranche '{tranche.name}'", span, contract, sink)
    for i, outcome in enumerate(contract.outcomes):
        if outcome.indexation is not None:
            _inside(outcome.indexation.start, f"indexation of '{outcome.name}' starts",
                    spans.of("outcomes", i, "indexation"), contract, sink)
        window = outcome.window
        last = last_day_for(outcome, header)  # a later ladder step may be achieved in the run-off
        if window is not None and add_duration(header.term_start, window) > last:
            sink.add("SIB304", f"the window of '{outcome.name}' ({window.amount} {window.unit}) is longer than "
                     "the whole term" + (" and its run-off" if last > header.term_end else ""),
                     spans.of("outcomes", i, "window"),
                     hint="outcomes are only paid within the term anyway; shorten the window or remove it")
