"""Phase 2: a payer's `pays` clauses, and the check that shares per outcome and per phase add up.

Input: a `payer` declaration's clauses and the scope (values, dates, names). Output: the
payer's single exact share (a Fraction), or `pays in proportion to its maximum` (its span), or
its share clauses per outcome and per phase (`DraftClause`s: `pays 50% of job_entry payments`,
`pays 30% until 2020-03-31, then 70%`), with located diagnostics: SIB106 (two shares for every
outcome), SIB206 (a share out of range), SIB436 (an outcome given two shares by one payer),
SIB438 (phases out of date order), SIB101/SIB103 (not an outcome). `clauses_add_up` then checks
that, for every outcome and every phase, the payers' shares add up to 100% (SIB435), and that
`in proportion to its maximum` is not mixed with shares per outcome or phase (SIB437).
`plus GBP 200 from council` on an outcome (a top-up, a local price on top of a central one)
raises its price and becomes shares of that outcome (`collect_top_ups`, `apply_top_ups`;
SIB209, SIB210). docs/language.md 3.2 gives the meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.core.source import Span
from sibdsl.model.contract import FixedTariff, Outcome, SharePhase, TopUpAmount, exact_ratio, shown_share
from sibdsl.semantics.scope import Scope
from sibdsl.semantics.values import PERCENT
from sibdsl.syntax import ast


@dataclass
class DraftClause:
    """One `pays` clause: the outcomes it is for (none: every other outcome) and its phases,
    each (last day or None, exact share)."""

    outcomes: tuple[str, ...]
    phases: list[tuple[date | None, Fraction]]
    span: Span


class PayerDraftLike(Protocol):
    """What `apply_top_ups` reads and changes of a payer draft (semantics/payers.PayerDraft)."""

    name: str
    share: Fraction | None
    clauses: list[DraftClause]
    span: Span
    proportional: bool


@dataclass
class PayerShares:
    share: Fraction | None = None  # a single share of every payment
    proportional: Span | None = None  # `pays in proportion to its maximum`
    clauses: list[DraftClause] = field(default_factory=list)  # shares per outcome or per phase
    ok: bool = True  # False: a share clause was wrong (reported)


def _share(scope: Scope, expr: ast.Expr, allow_zero: bool) -> Fraction | None:
    value = scope.value(expr, (PERCENT,), "a payer's share")
    if value is None:
        return None
    exact = value.fraction() / 100
    if not 0 <= exact <= 1:
        scope.sink.add("SIB206", f"a payer's share must be between 0% and 100%, not {value.describe()}",
                       expr.span, hint="write a percentage from 0% to 100%")
        return None
    if exact == 0 and not allow_zero:
        scope.sink.add("SIB206", "a payer's share must be more than 0%", expr.span,
                       hint="remove the payer, or give it a share")
        return None
    return exact


def payer_shares(decl: ast.PartyDecl, scope: Scope) -> PayerShares:
    """The `pays` clauses of one payer (see the module docstring)."""
    sink = scope.sink
    out = PayerShares()
    stated = [c for c in decl.clauses if isinstance(c, ast.PayerShare | ast.PayerProportional)]
    general = [c for c in stated if not (isinstance(c, ast.PayerShare) and c.outcomes)]
    for extra in general[1:]:
        sink.add("SIB106", "the payer's share is given twice", extra.span,
                 labels=[Label(general[0].span, "first given here")],
                 hint="keep one; a share of some outcomes only is written: pays 50% of job_entry payments")
    proportional = next((c for c in general[:1] if isinstance(c, ast.PayerProportional)), None)
    if proportional is not None:
        for c in stated:
            if c is not proportional and isinstance(c, ast.PayerShare):
                sink.add("SIB437", "a payer that pays in proportion to its maximum has no other share", c.span,
                         labels=[Label(proportional.span, "in proportion to its maximum")],
                         hint="state every share of this payer, or only: pays in proportion to its maximum")
                out.ok = False
        out.proportional = proportional.span
        return out
    shares = [c for c in general[:1] if isinstance(c, ast.PayerShare)]
    shares += [c for c in stated if isinstance(c, ast.PayerShare) and c.outcomes]
    seen: dict[str, Span] = {}
    for c in shares:
        assert isinstance(c, ast.PayerShare)
        names: list[str] = []
        for name in c.outcomes:
            if scope.refer(name, "outcome") is None:
                out.ok = False
                continue
            if name.text in seen:
                sink.add("SIB436", f"payer '{decl.name.text}' gives outcome '{name.text}' two shares", name.span,
                         labels=[Label(seen[name.text], "its first share")],
                         hint="give each outcome one share per payer: merge the two clauses")
                out.ok = False
                continue
            seen[name.text] = name.span
            names.append(name.text)
        first = _share(scope, c.value, allow_zero=bool(c.outcomes or c.phases))
        phases: list[tuple[date | None, Fraction]] = []
        value = first
        for phase in c.phases:
            until = scope.date(phase.until)
            if until is not None and phases and phases[-1][0] is not None and until <= phases[-1][0]:
                sink.add("SIB438", f"the phases of {decl.name.text}'s share are not in date order: "
                         f"{until} is not after {phases[-1][0]}", phase.until.span,
                         hint="write the phases in the order they begin, each ending after the one before")
                out.ok = False
            if value is None or until is None:
                out.ok = False
            else:
                phases.append((until, value))
            value = _share(scope, phase.value, allow_zero=True)
        if value is None or first is None:
            out.ok = False
            continue
        phases.append((None, value))
        if c.outcomes or len(phases) > 1:
            out.clauses.append(DraftClause(tuple(names), phases, c.span))
        else:
            out.share = value
    if out.clauses and out.share is not None:  # a plain share beside shares per outcome: its clause
        out.clauses.append(DraftClause((), [(None, out.share)], general[0].span))
        out.share = None
    return out


def model_phases(phases: list[tuple[date | None, Fraction]]) -> tuple[SharePhase, ...]:
    return tuple(SharePhase(until=until, share=shown_share(share), ratio=exact_ratio(share)) for until, share in phases)


def _share_on(clauses: list[DraftClause], share: Fraction | None, outcome: str, day: date) -> Fraction:
    if not clauses:
        return share or Fraction(0)
    clause = next((c for c in clauses if outcome in c.outcomes), None) or next(
        (c for c in clauses if not c.outcomes), None)
    if clause is None:
        return Fraction(0)
    return next(s for until, s in clause.phases if until is None or day <= until)


def _percent(share: Fraction) -> str:
    shown = shown_share(share)
    return f"{shown:f}%" if exact_ratio(share) is None else f"{shown:f}...%"


def clauses_add_up(payers: list[tuple[str, Span, Fraction | None, list[DraftClause], bool]], outcomes: list[str],
                   start: date, sink: DiagnosticSink) -> bool:
    """SIB435: for every outcome and every phase the payers' shares add up to 100%; SIB437:
    shares in proportion to the maxima beside shares per outcome or phase. `payers` are (name,
    span, single share, clauses, pays in proportion) in declaration order."""
    with_clauses = [p for p in payers if p[3]]
    if not with_clauses:
        return True
    proportional = [p for p in payers if p[4] and p[2] is None]  # (a top-up's clauses come after its share)
    if proportional:
        sink.add("SIB437", f"payer '{proportional[0][0]}' pays in proportion to its maximum, but "
                 f"'{with_clauses[0][0]}' has shares per outcome or per phase", proportional[0][1],
                 labels=[Label(with_clauses[0][1], "shares per outcome or phase")],
                 hint="state every payer's share of each outcome and phase")
        return False
    days = {start}
    for p in with_clauses:
        for c in p[3]:
            for until, _s in c.phases:
                if until is not None:
                    days.add(until + timedelta(days=1))
    ordered = sorted(days)
    ok = True
    for outcome in outcomes:
        for i, day in enumerate(ordered):
            shares = [_share_on(p[3], p[2], outcome, day) for p in payers]
            total = sum(shares, Fraction(0))
            if total == 1:
                continue
            until = ordered[i + 1] - timedelta(days=1) if i + 1 < len(ordered) else None
            when = (f"achieved from {day}" + (f" to {until}" if until else "")) if len(ordered) > 1 else ""
            each = ", ".join(f"{p[0]} {_percent(s)}" for p, s in zip(payers, shares, strict=True))
            sink.add("SIB435", f"the payers' shares of {outcome} payments{' ' + when if when else ''} add up to "
                     f"{_percent(total)} ({each}), not 100%", with_clauses[0][1],
                     labels=[Label(p[1], f"{p[0]}: {_percent(s)}") for p, s in zip(payers, shares, strict=True)
                             if p is not with_clauses[0]],
                     hint=f"give {outcome} shares that add up to 100% in every phase: a payer without a share "
                          "of an outcome pays none of it")
            ok = False
            break  # one diagnostic per outcome
    return ok


# ---------------------------------------------------------------- amounts on top of a price
@dataclass
class TopUps:
    """The top-ups of one outcome: its own price (`base`) and (payer, amount) pairs."""

    outcome: str
    base: Fraction
    amounts: list[tuple[str, Fraction]]
    span: Span


def collect_top_ups(tree: ast.ContractFile, outcomes: list[Outcome], scope: Scope) -> tuple[list[Outcome], list[TopUps]]:
    """`plus GBP 200 from council` on an outcome: the outcomes with each price raised by its
    top-ups (and the amounts recorded), and the top-ups, for `apply_top_ups`. SIB209: a top-up
    on a price that is not one fixed amount; SIB210: one payer's top-up given twice."""
    by_name = {o.name: i for i, o in enumerate(outcomes)}
    out = list(outcomes)
    found: list[TopUps] = []
    for decl in tree.declarations:
        if not isinstance(decl, ast.OutcomeDecl):
            continue
        clauses = [c for c in decl.clauses if isinstance(c, ast.TopUp)]
        if not clauses or decl.name.text not in by_name:
            continue
        index = by_name[decl.name.text]
        outcome = out[index]
        tariff = outcome.tariff
        if not isinstance(tariff, FixedTariff) or outcome.indexation is not None:
            scope.sink.add("SIB209", f"a top-up on '{outcome.name}' needs one fixed price to go on top of",
                           clauses[0].span, hint="a top-up adds a fixed amount to a fixed price (not indexed); "
                           "for other tariffs give the second payer a share: pays 20% of "
                           f"{outcome.name} payments")
            continue
        amounts: list[tuple[str, Fraction]] = []
        seen: dict[str, Span] = {}
        for c in clauses:
            payer = scope.refer(c.payer, "payer")
            amount = scope.money(c.amount, "a top-up")
            if payer is None or amount is None:
                continue
            if payer in seen:
                scope.sink.add("SIB210", f"payer '{payer}' tops up '{outcome.name}' twice", c.span,
                               labels=[Label(seen[payer], "first top-up")], hint="give one amount: add them up")
                continue
            seen[payer] = c.span
            amounts.append((payer, Fraction(amount)))
        if not amounts:
            continue
        total = tariff.price + sum((Decimal(a.numerator) / Decimal(a.denominator) for _p, a in amounts), Decimal(0))
        out[index] = outcome.model_copy(update={
            "tariff": tariff.model_copy(update={"price": total}),
            "top_ups": tuple(TopUpAmount(payer=p, amount=Decimal(a.numerator) / Decimal(a.denominator))
                             for p, a in amounts)})
        found.append(TopUps(outcome.name, Fraction(tariff.price), amounts, clauses[0].span))
    return out, found


def top_up_only(drafts: Sequence[PayerDraftLike], top_ups: list[TopUps]) -> None:
    """A payer that states no share but tops up an outcome pays 0% of every payment besides
    its top-ups."""
    named = {p for top in top_ups for p, _a in top.amounts}
    for d in drafts:
        if d.name in named and d.share is None and not d.clauses and not d.proportional:
            d.share = Fraction(0)


def apply_top_ups(drafts: Sequence[PayerDraftLike], top_ups: list[TopUps]) -> None:
    """Each topped-up outcome's shares: payer p pays (price x its share of the outcome + its
    top-up) / (price + every top-up), in every phase of the payers' shares (so the shares
    still add up to 100% where the payers' own shares do)."""
    for top in top_ups:
        total = top.base + sum((a for _p, a in top.amounts), Fraction(0))
        extra = dict(top.amounts)
        days = sorted({until for p in drafts for c in p.clauses for until, _s in c.phases if until is not None})
        for p in drafts:
            own = (p.clauses, p.share)
            phases: list[tuple[date | None, Fraction]] = []
            for i in range(len(days) + 1):
                day = days[i] if i < len(days) else (days[-1] + timedelta(days=1) if days else date.min)
                share = _share_on(own[0], own[1], top.outcome, day)
                phases.append((days[i] if i < len(days) else None, (top.base * share + extra.get(p.name, Fraction(0)))
                               / total))
            while len(phases) > 1 and phases[-2][1] == phases[-1][1]:  # merge equal neighbours
                phases[-2:] = [(phases[-1][0], phases[-1][1])]
            kept = []
            for c in p.clauses:  # the outcome leaves its earlier clause
                if top.outcome in c.outcomes:
                    rest = tuple(o for o in c.outcomes if o != top.outcome)
                    if rest:
                        kept.append(DraftClause(rest, c.phases, c.span))
                else:
                    kept.append(c)
            if not kept and p.share is not None:  # its single share stays the share of every other outcome
                kept.append(DraftClause((), [(None, p.share)], p.span))
                p.share = None
            kept.append(DraftClause((top.outcome,), phases, top.span))
            p.clauses = kept
