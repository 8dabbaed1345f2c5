"""Phase 2 check: tranches have a release rule, an amount and an investor, and do not add up
to more than the investor's commitment.

Input: `model.Contract` and its spans (the resolver has drawn each tranche of a contract with a
single investor from it). Output: SIB502, SIB504, SIB505, SIB506.
"""

from __future__ import annotations

from decimal import Decimal

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.model.contract import Contract, Tranche
from sibdsl.model.spans import SpanTable
from sibdsl.semantics.values import fmt


def _most(tranche: Tranche) -> Decimal:
    """The most a tranche can release: its amount, else its `up to` limit."""
    return tranche.amount if tranche.amount is not None else (tranche.limit or Decimal(0))


def check_investment(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    investors = {i.name: i for i in contract.investors}
    for index, tranche in enumerate(contract.tranches):
        span = spans.of("tranches", index)
        if tranche.on is None and not tranche.conditions and not tranche.discretionary:
            sink.add("SIB504", f"tranche '{tranche.name}' never says when it is released", span,
                     hint="add `on DATE`, `when payments reach GBP ...` or `at discretion`")
        if tranche.amount is not None and tranche.limit is not None:
            sink.add("SIB506", f"tranche '{tranche.name}' states both an amount and an `up to` limit",
                     span, hint="a fixed tranche states its amount; a discretionary one `up to` a limit")
        elif tranche.amount is None and tranche.limit is None:
            sink.add("SIB506", f"tranche '{tranche.name}' has no amount", span,
                     hint=f"tranche {tranche.name} GBP 300,000 on ... (or: up to GBP ... at discretion)")
        if tranche.investor is None:
            sink.add("SIB505", f"tranche '{tranche.name}' does not say which investor it is drawn from"
                     if investors else f"tranche '{tranche.name}' is drawn, but no investor is declared",
                     span, hint=f"add `from {next(iter(investors))}`" if investors else
                     'declare: investor fund "Social investors" commits GBP 600,000 to GBP 900,000')
    for i, investor in enumerate(contract.investors):
        drawn = [(j, t) for j, t in enumerate(contract.tranches) if t.investor == investor.name]
        total = sum((_most(t) for _, t in drawn), Decimal(0))
        if investor.commitment_max is not None and total > investor.commitment_max:
            sink.add("SIB502", f"tranches from '{investor.name}' add up to {fmt(total)}, more than its maximum "
                     f"commitment of {fmt(investor.commitment_max)}", spans.of("investors", i),
                     labels=[Label(spans.of("tranches", j), f"{t.name}: {fmt(_most(t))}") for j, t in drawn],
                     hint="reduce the tranches or raise the commitment")
