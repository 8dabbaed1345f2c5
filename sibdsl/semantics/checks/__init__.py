"""Phase 2: structural checks of a resolved contract, as a tuple of small passes.

Input: `ir.Contract` and the sink. Output: diagnostics only; passes never change the contract
except to fill in defaults they establish (a single payer's 100% share).
"""

from __future__ import annotations

from collections.abc import Callable

from sibdsl.core.diagnostics import DiagnosticSink
from sibdsl.semantics import ir
from sibdsl.semantics.checks.dates import check_dates
from sibdsl.semantics.checks.double import check_double_counting
from sibdsl.semantics.checks.investment import check_investment
from sibdsl.semantics.checks.ladders import check_ladders
from sibdsl.semantics.checks.payers import check_payers
from sibdsl.semantics.checks.reach import check_reach
from sibdsl.semantics.checks.tariffs import check_tariffs

Pass = Callable[[ir.Contract, DiagnosticSink], None]

PASSES: tuple[Pass, ...] = (
    check_payers,
    check_tariffs,
    check_ladders,
    check_dates,
    check_investment,
    check_reach,
    check_double_counting,
)


def run_checks(contract: ir.Contract, sink: DiagnosticSink) -> None:
    for check in PASSES:
        check(contract, sink)
