"""Phase 2 check: tranches have a release rule, an amount and an investor, and do not add up
to more than the investor's commitment.

Input: `ir.Contract`. Output: SIB502, SIB504, SIB505, SIB506; a tranche of a contract with a
single investor is assigned to it.
"""

from __future__ import annotations

from decimal import Decimal

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.semantics import ir
from sibdsl.semantics.values import fmt


def check_investment(contract: ir.Contract, sink: DiagnosticSink) -> None:
    investors = {i.name: i for i in contract.investors}
    for tranche in contract.tranches:
        if tranche.on is None and not tranche.conditions and not tranche.discretionary:
            sink.add("SIB504", f"tranche '{tranche.name}' never says when it is released", tranche.span,
                     hint="add `on DATE`, `when payments reach GBP ...` or `at discretion`")
        if tranche.amount is not None and tranche.limit is not None:
            sink.add("SIB506", f"tranche '{tranche.name}' states both an amount and an `up to` limit",
                     tranche.span, hint="a fixed tranche states its amount; a discretionary one `up to` a limit")
        elif tranche.amount is None and tranche.limit is None:
            sink.add("SIB506", f"tranche '{tranche.name}' has no amount", tranche.span,
                     hint=f"tranche {tranche.name} GBP 300,000 on ... (or: up to GBP ... at discretion)")
        if tranche.investor is None:
            if len(investors) == 1:
                tranche.investor = next(iter(investors))
            else:
                sink.add("SIB505", f"tranche '{tranche.name}' does not say which investor it is drawn from"
                         if investors else f"tranche '{tranche.name}' is drawn, but no investor is declared",
                         tranche.span, hint=f"add `from {next(iter(investors))}`" if investors else
                         'declare: investor fund "Social investors" commits GBP 600,000 to GBP 900,000')
    for investor in contract.investors:
        drawn = [t for t in contract.tranches if t.investor == investor.name]
        total = sum((t.most for t in drawn), Decimal(0))
        if investor.commitment_max is not None and total > investor.commitment_max:
            sink.add("SIB502", f"tranches from '{investor.name}' add up to {fmt(total)}, more than its maximum "
                     f"commitment of {fmt(investor.commitment_max)}", investor.span,
                     labels=[Label(t.span, f"{t.name}: {fmt(t.most)}") for t in drawn],
                     hint="reduce the tranches or raise the commitment")
