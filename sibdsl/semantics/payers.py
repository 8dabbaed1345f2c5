"""Phase 2: the payers, once every declaration is read: shares settled, caps lowered.

Input: a `PayerDraft` per `payer` declaration (in order), the contract's caps, the span table
and the sink. Output: SIB408 (a share not stated) and SIB401 (shares that do not add up to
100%), a lone payer without a stated share paying 100%; then the model's `Payer`s, each capped
at the lower of its own `at most` and its `cap payer` lines (the model is frozen, so this is
settled before it is built).
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

from pydantic import ValidationError

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.core.source import Span
from sibdsl.model.contract import Cap, Payer
from sibdsl.model.spans import Path, SpanTable
from sibdsl.semantics.rejected import rejected

HUNDRED = Decimal(100)


@dataclass
class PayerDraft:
    """A payer before its share is settled: `share` is None when not stated (or stated wrongly,
    which was reported); its cap is lowered by `cap payer` lines."""

    name: str
    title: str
    share: Decimal | None
    cap: Decimal | None
    clause: str | None
    span: Span



def shares_add_up(drafts: list[PayerDraft], sink: DiagnosticSink) -> bool:
    """Settle the payers' shares: a lone payer without a stated share pays 100%; SIB408 for a
    share not stated, SIB401 for shares that do not add up to 100%."""
    if not drafts:
        return True
    with decimal.localcontext(decimal.Context(prec=80)):
        if len(drafts) == 1 and drafts[0].share is None:
            drafts[0].share = HUNDRED
        missing = [p for p in drafts if p.share is None]
        for payer in missing:
            sink.add("SIB408", f"payer '{payer.name}' does not say its share of each payment", payer.span,
                     hint=f"add: pays NN% of each outcome payment (the shares of all {len(drafts)} payers add "
                          "to 100%)")
        if missing:
            return False
        shares = [p.share for p in drafts if p.share is not None]
        total = sum(shares, Decimal(0))
        if total != HUNDRED:
            sink.add("SIB401", f"payer shares add up to {total.normalize():f}%, not 100%", drafts[0].span,
                     labels=[Label(p.span, f"{p.name}: {s.normalize():f}%") for p, s in zip(drafts[1:], shares[1:],
                                                                                           strict=True)],
                     hint=f"adjust the shares by {(HUNDRED - total).normalize():f} percentage points")
            return False
    return True


def build_payers(drafts: list[PayerDraft], caps: list[Cap], spans: SpanTable, sink: DiagnosticSink) -> list[Payer] | None:
    """The payers, each capped at the lower of its own `at most` and its `cap payer` lines; None
    when the model rejects one (SIB900)."""
    payers = []
    for index, draft in enumerate(drafts):
        cap = draft.cap
        for extra in caps:  # `cap payer NAME ...` counts as that payer's cap
            if extra.scope == "payer" and extra.target == draft.name and (cap is None or extra.limit < cap):
                cap = extra.limit
        at: Path = ("payers", index)
        spans[at] = draft.span
        assert draft.share is not None
        try:
            payers.append(Payer(name=draft.name, title=draft.title, share=draft.share, cap=cap, clause=draft.clause))
        except ValidationError as exc:
            rejected(exc, at, spans, sink)
    return payers if len(payers) == len(drafts) else None
