"""Phase 2 check: payer shares add to 100%, payer caps agree with the contract cap.

Input: `ir.Contract`. Output: SIB401, SIB402, SIB403, SIB408 diagnostics; a lone payer
without a stated share is given 100%.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.semantics import ir
from sibdsl.semantics.values import fmt

HUNDRED = Decimal(100)


def contract_cap(contract: ir.Contract) -> ir.Cap | None:
    return next((c for c in contract.caps if c.scope == "contract"), None)


def check_payers(contract: ir.Contract, sink: DiagnosticSink) -> None:
    with decimal.localcontext(decimal.Context(prec=80)):
        _check_payers(contract, sink)


def _check_payers(contract: ir.Contract, sink: DiagnosticSink) -> None:
    payers = contract.payers
    if not payers:
        return
    if len(payers) == 1 and payers[0].share == 0:
        payers[0].share = HUNDRED
    missing = [p for p in payers if p.share == 0]
    for payer in missing:
        sink.add("SIB408", f"payer '{payer.name}' does not say its share of each payment", payer.span,
                 hint=f"add: pays NN% of each outcome payment (the shares of all {len(payers)} payers add to 100%)")
    if missing or any(p.share < 0 for p in payers):
        return
    total = sum((p.share for p in payers), Decimal(0))
    if total != HUNDRED:
        sink.add("SIB401", f"payer shares add up to {total.normalize():f}%, not 100%", payers[0].span,
                 labels=[Label(p.span, f"{p.name}: {p.share.normalize():f}%") for p in payers[1:]],
                 hint=f"adjust the shares by {(HUNDRED - total).normalize():f} percentage points")
        return
    for extra in contract.caps:  # `cap payer NAME ...` counts as that payer's cap
        if extra.scope == "payer":
            capped = next((p for p in payers if p.name == extra.target), None)
            if capped is not None and (capped.cap is None or extra.limit < capped.cap):
                capped.cap = extra.limit
    cap = contract_cap(contract)
    if cap is None:
        return
    for payer in payers:
        if payer.cap is not None and payer.cap > cap.limit:
            sink.add("SIB402", f"payer '{payer.name}' is capped at {fmt(payer.cap)}, above the contract cap of "
                     f"{fmt(cap.limit)}", payer.span, labels=[Label(cap.span, "contract cap")],
                     hint="a payer can never pay more than the whole contract; lower the payer cap")
            return
    if all(p.cap is not None for p in payers):
        caps_total = sum((p.cap for p in payers if p.cap is not None), Decimal(0))
        if caps_total != cap.limit:
            sink.add("SIB402", f"payer caps add up to {fmt(caps_total)} but the contract cap is {fmt(cap.limit)}",
                     cap.span, labels=[Label(p.span, f"{p.name}: {fmt(p.cap)}") for p in payers if p.cap is not None],
                     hint="make the payer caps add up to the contract cap, or drop the caps that should "
                          "not bind")
            return
    for payer in payers:
        if payer.cap is None:
            continue
        share_of_cap = cap.limit * payer.share / HUNDRED
        if payer.cap < share_of_cap:
            reached = (payer.cap * HUNDRED / payer.share).quantize(Decimal("1"))
            sink.add("SIB403", f"payer '{payer.name}' reaches its cap of {fmt(payer.cap)} when total payments reach "
                     f"about {fmt(reached)}, before the contract cap of {fmt(cap.limit)}", payer.span,
                     labels=[Label(cap.span, "contract cap")],
                     hint=f"its {payer.share.normalize():f}% share of the contract cap is {fmt(share_of_cap)}; "
                          "after that, claims are paid only in part")
