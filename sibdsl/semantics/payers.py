"""Phase 2: the payers, once every declaration is read: shares settled, caps lowered.

Input: a `PayerDraft` per `payer` declaration (in order), the contract's caps, the span table
and the sink. Output: SIB408 (a share not stated) and SIB401 (shares that do not add up to
100%), a lone payer without a stated share paying 100%; the shares of payers that pay `in
proportion to its maximum` (SIB433 without a maximum, SIB434 where the stated shares leave
nothing); then the model's `Payer`s, each capped at the lower of its own `at most` and its `cap
payer` lines (the model is frozen, so this is settled before it is built). Shares are exact
fractions of each payment throughout (100% / 3 is 1/3, not 33.33...%).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from pydantic import ValidationError

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.core.source import Span
from sibdsl.model.contract import Cap, Payer, ShareClause, exact_ratio, shown_share
from sibdsl.model.spans import Path, SpanTable
from sibdsl.semantics.cofunding import DraftClause, clauses_add_up, model_phases
from sibdsl.semantics.rejected import rejected

HUNDRED = Decimal(100)


def _points(gap: Fraction) -> str:
    """A difference of percentage points in words (exact where it is a decimal)."""
    shown = shown_share(abs(gap) / 100)
    text = f"{shown:f}" + ("..." if exact_ratio(abs(gap) / 100) is not None else "")
    return text if gap > 0 else "-" + text


@dataclass
class PayerDraft:
    """A payer before its share is settled: `share` (an exact fraction of each payment) is None
    when not stated (or stated wrongly, which was reported); `proportional` where it pays in
    proportion to its maximum (`share_span`: where that is said); its cap is lowered by `cap
    payer` lines."""

    name: str
    title: str
    share: Fraction | None
    cap: Decimal | None
    clause: str | None
    span: Span
    proportional: bool = False
    share_span: Span | None = None
    clauses: list[DraftClause] = field(default_factory=list)  # shares per outcome or per phase
    ok: bool = True  # False: a share clause was wrong (reported where it is written)


def percent_text(share: Fraction) -> str:
    """A share of each payment as a percentage in words: 67%, 33.3333333333...% (100% / 3)."""
    shown = shown_share(share)
    return f"{shown:f}%" if exact_ratio(share) is None else f"{shown:f}...%"


def _proportional(drafts: list[PayerDraft], sink: DiagnosticSink) -> bool:
    """The shares of the payers that pay in proportion to their maxima: what the stated shares
    leave, each by its `at most` over theirs together (SIB433, SIB434)."""
    pro = [p for p in drafts if p.proportional]
    if not pro:
        return True
    ok = True
    for payer in pro:
        if payer.cap is None:
            sink.add("SIB433", f"payer '{payer.name}' pays in proportion to its maximum, but states no maximum",
                     payer.share_span or payer.span,
                     hint="add its maximum on the same line: pays in proportion to its maximum, at most GBP 1.2m")
            ok = False
    stated = [p for p in drafts if not p.proportional]
    left = 1 - sum((p.share for p in stated if p.share is not None), Fraction(0))
    if left <= 0:
        sink.add("SIB434", f"the stated shares add up to {percent_text(1 - left)}, leaving nothing for the payers "
                 "that pay in proportion to their maxima", pro[0].share_span or pro[0].span,
                 labels=[Label(p.span, f"{p.name}: {percent_text(p.share)}") for p in stated if p.share is not None],
                 hint="lower the stated shares, or let every payer pay in proportion to its maximum")
        return False
    if not ok:
        return False
    maxima = sum((Fraction(p.cap) for p in pro if p.cap is not None), Fraction(0))
    for payer in pro:
        assert payer.cap is not None
        payer.share = left * Fraction(payer.cap) / maxima
    return True



def outcome_shares_add_up(drafts: list[PayerDraft], sink: DiagnosticSink, outcomes: list[str], start: date) -> bool:
    """With shares per outcome or per phase (after `shares_add_up`), SIB435 for an outcome or
    phase whose shares do not add up to 100%, SIB437 beside shares in proportion to the maxima
    (`outcomes`, `start`: the contract's outcomes and the start of its term)."""
    if not any(p.clauses for p in drafts):
        return True
    return clauses_add_up([(p.name, p.span, p.share, p.clauses, p.proportional) for p in drafts], outcomes,
                          start, sink)


def shares_add_up(drafts: list[PayerDraft], sink: DiagnosticSink) -> bool:
    """Settle the payers' shares: a lone payer without a stated share pays 100%; SIB408 for a
    share not stated, the shares in proportion to the maxima (SIB433, SIB434), SIB401 for shares
    that do not add up to 100% (with shares per outcome or per phase, `outcome_shares_add_up`
    checks them instead)."""
    if not drafts:
        return True
    if not all(p.ok for p in drafts):
        return False  # reported where written
    if any(p.clauses for p in drafts):
        missing = [p for p in drafts if p.share is None and not p.clauses and not p.proportional]
        for payer in missing:
            sink.add("SIB408", f"payer '{payer.name}' does not say its share of each payment", payer.span,
                     hint="add: pays NN% of each outcome payment, or pays NN% of OUTCOME payments")
        return not missing
    if len(drafts) == 1 and drafts[0].share is None and not drafts[0].proportional:
        drafts[0].share = Fraction(1)
    missing = [p for p in drafts if p.share is None and not p.proportional]
    for payer in missing:
        sink.add("SIB408", f"payer '{payer.name}' does not say its share of each payment", payer.span,
                 hint=f"add: pays NN% of each outcome payment (the shares of all {len(drafts)} payers add "
                      "to 100%)")
    if missing or not _proportional(drafts, sink):
        return False
    shares = [p.share for p in drafts if p.share is not None]
    total = sum(shares, Fraction(0))
    if total != 1:
        gap = (1 - total) * 100
        close = abs(gap) < Fraction(1, 10**6)  # a fraction written as a rounded decimal
        n = len(drafts) if len(set(shares)) == 1 else 3
        sink.add("SIB401", f"payer shares add up to {percent_text(total)}, not 100%", drafts[0].span,
                 labels=[Label(p.span, f"{p.name}: {percent_text(s)}") for p, s in zip(drafts[1:], shares[1:],
                                                                                     strict=True)],
                 hint=(f"the shares are {'short' if gap > 0 else 'over'} by {_points(abs(gap))} percentage points: write an "
                       f"exact share, as in pays 100% / {n} of each outcome payment" if close else
                       f"adjust the shares by {_points(gap)} percentage points"))
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
        clauses = tuple(ShareClause(outcomes=c.outcomes, phases=model_phases(c.phases)) for c in draft.clauses)
        share = draft.share
        if share is None:  # shares per outcome or phase: `share` is the first phase's for every outcome
            share = next((c.phases[0][1] for c in draft.clauses if not c.outcomes), Fraction(0))
        try:
            payers.append(Payer(name=draft.name, title=draft.title, share=shown_share(share), cap=cap,
                                clause=draft.clause, ratio=exact_ratio(share), by_maximum=draft.proportional,
                                clauses=clauses))
        except ValidationError as exc:
            rejected(exc, at, spans, sink)
    return payers if len(payers) == len(drafts) else None
