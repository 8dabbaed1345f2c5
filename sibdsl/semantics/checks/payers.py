"""Phase 2 check: payer caps agree with the contract cap.

Input: `model.Contract` and its spans (the resolver has settled the shares, SIB401 and SIB408,
and lowered each payer's cap to its `cap payer` lines). Output: SIB402, SIB403.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.model.contract import Cap, Contract
from sibdsl.model.spans import SpanTable
from sibdsl.semantics.values import fmt

HUNDRED = Decimal(100)


def contract_cap(contract: Contract) -> tuple[int, Cap] | None:
    """The contract cap and its index among the caps."""
    return next(((i, c) for i, c in enumerate(contract.caps) if c.scope == "contract"), None)


def check_payers(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    with decimal.localcontext(decimal.Context(prec=80)):
        _check_payers(contract, spans, sink)


def _check_payers(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    payers = contract.payers
    found = contract_cap(contract)
    if not payers or found is None:
        return
    index, cap = found
    cap_span = spans.of("caps", index)
    for i, payer in enumerate(payers):
        if payer.cap is not None and payer.cap > cap.limit:
            sink.add("SIB402", f"payer '{payer.name}' is capped at {fmt(payer.cap)}, above the contract cap of "
                     f"{fmt(cap.limit)}", spans.of("payers", i), labels=[Label(cap_span, "contract cap")],
                     hint="a payer can never pay more than the whole contract; lower the payer cap")
            return
    if all(p.cap is not None for p in payers):
        caps_total = sum((p.cap for p in payers if p.cap is not None), Decimal(0))
        if caps_total != cap.limit:
            sink.add("SIB402", f"payer caps add up to {fmt(caps_total)} but the contract cap is {fmt(cap.limit)}",
                     cap_span, labels=[Label(spans.of("payers", i), f"{p.name}: {fmt(p.cap)}")
                                       for i, p in enumerate(payers) if p.cap is not None],
                     hint="make the payer caps add up to the contract cap, or drop the caps that should "
                          "not bind")
            return
    for i, payer in enumerate(payers):
        if payer.cap is None or payer.clauses:  # shares per outcome or phase: no one share of the cap
            continue
        exact_share = payer.fraction()
        if Fraction(payer.cap) < Fraction(cap.limit) * exact_share:
            share_of_cap = cap.limit * payer.share / HUNDRED
            if payer.ratio is not None:  # a share such as 100% / 3: "about", to the penny
                share_of_cap = share_of_cap.quantize(Decimal("0.01"))
            reached = Decimal(round(Fraction(payer.cap) / exact_share))
            sink.add("SIB403", f"payer '{payer.name}' reaches its cap of {fmt(payer.cap)} when total payments reach "
                     f"about {fmt(reached)}, before the contract cap of {fmt(cap.limit)}", spans.of("payers", i),
                     labels=[Label(cap_span, "contract cap")],
                     hint=f"its {payer.share.normalize():f}{'...' if payer.ratio else ''}% share of the contract cap is {fmt(share_of_cap)}; "
                          "after that, claims are paid only in part")
