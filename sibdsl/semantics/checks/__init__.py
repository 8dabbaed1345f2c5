"""Phase 2: structural checks of the contract's model, as a tuple of small passes.

Input: the validated `model.Contract`, its `SpanTable` and the sink. Output: diagnostics only,
each at the span the table gives for the model part it is about; the model is frozen, so
passes change nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from sibdsl.core.diagnostics import DiagnosticSink
from sibdsl.model.contract import Contract
from sibdsl.model.spans import SpanTable
from sibdsl.semantics.checks.dates import check_dates
from sibdsl.semantics.checks.double import check_double_counting
from sibdsl.semantics.checks.investment import check_investment
from sibdsl.semantics.checks.ladders import check_ladders
from sibdsl.semantics.checks.payers import check_payers
from sibdsl.semantics.checks.pooled import check_pooled
from sibdsl.semantics.checks.reach import check_reach
from sibdsl.semantics.checks.share_caps import check_share_caps
from sibdsl.semantics.checks.tariffs import check_tariffs
from sibdsl.semantics.investment import check_investment_terms

Pass = Callable[[Contract, SpanTable, DiagnosticSink], None]

PASSES: tuple[Pass, ...] = (
    check_payers,
    check_tariffs,
    check_ladders,
    check_dates,
    check_investment,
    check_reach,
    check_double_counting,
    check_pooled,
    check_share_caps,
    check_investment_terms,
)


def run_checks(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    for check in PASSES:
        check(contract, spans, sink)
