"""Phase 2: investment terms and the waterfall -> the model's `Investor` terms, `Waterfall`
and investor assertions; then the checks that need the whole contract.

Input: the AST of an investor's clauses (`ranks`, `interest`, `returns at most`, `principal
protected`, `first loss`), the `waterfall` declarations, `assert investor ...` declarations, the
`Scope`, the header and the span table. Output: `InvestorTerms` (the fields of `model.Investor`),
the `model.Waterfall` (a default one when investors state terms and no `waterfall` is written),
`model.Assertion`s of kind investor_loss / investor_return, and, once the model is built,
`check_investment_terms` (a pass of `semantics.checks`). Every mistake is a located diagnostic
with a hint: SIB507-SIB519, and the generic SIB101/SIB103 (names), SIB106 (a clause twice),
SIB201 (units), SIB206 (ranges), SIB302 (reversed dates), SIB303 (dates outside the term),
SIB601 (an assertion of the wrong kind). The rules these terms feed are docs/settlement.md,
"The investment waterfall"; the language is docs/language.md 3.3, 3.9 and 3.10.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import cast

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.core.source import Span
from sibdsl.model.contract import (
    Assertion,
    AssertionKind,
    Contract,
    Distribution,
    Interest,
    Need,
    Protection,
    ProtectionKind,
    SurplusShare,
    Waterfall,
)
from sibdsl.model.pastterm import last_day
from sibdsl.model.spans import Path, SpanTable
from sibdsl.semantics.clauses import once
from sibdsl.semantics.scope import Scope
from sibdsl.semantics.values import MONEY, NUMBER, PERCENT, Value, fmt, kind_words, parse_number
from sibdsl.syntax import ast

#: Who may give a guarantee or receive a share of the surplus: any declared party or investor.
PARTY_KINDS = ("payer", "provider", "intermediary", "validator", "investor")
#: The most a `returns at most` rate may be (the model's bound): 1000% a year.
MAX_RETURN = Decimal(1000)
PAYERS = "*payers"  # `SurplusShare.to` for the word `payers`


@dataclass
class InvestorTerms:
    """The investment terms of one investor, as the model's `Investor` fields."""

    rank: int | None = None
    interest: Interest | None = None
    return_cap: Decimal | None = None
    protections: tuple[Protection, ...] = ()


# ---------------------------------------------------------------- values
def _rate(expr: ast.Expr, what: str, example: str, scope: Scope, high: Decimal) -> Decimal | None:
    """A rate a year: a percentage from 0% to `high`; money, counts and plain numbers are SIB201
    with a hint in the words of the clause."""
    value = scope.evaluate(expr)
    if value is None:
        return None
    if value.kind != PERCENT:
        shown = f"{fmt(value.amount)}%" if value.kind in (MONEY, NUMBER) else "5%"
        scope.sink.add("SIB201", f"{what} is a percentage a year, not {kind_words(value.kind, value.unit)} "
                       f"({value.describe()})", expr.span,
                       hint=f"write the rate as a percentage: {example.format(shown)}")
        return None
    if not Decimal(0) <= value.amount <= high:
        scope.sink.add("SIB206", f"{what} must be between 0% and {high}% a year, not {value.describe()}",
                       expr.span, hint=f"write a rate from 0% to {high}%: {example.format('5%')}")
        return None
    return value.amount


def _protection_limit(clause: ast.ProtectionClause, scope: Scope) -> tuple[Decimal | None, Decimal | None] | None:
    """(share, amount) of a guarantee: a percentage of principal (at most 100%: SIB509), or money
    (more than zero; `of principal` after money is SIB201)."""
    words = "principal protected" if clause.kind == "floor" else "first loss"
    value = scope.evaluate(clause.limit)
    if value is None:
        return None
    if value.kind == PERCENT:
        if value.amount < 0:
            scope.sink.add("SIB206", f"the limit of `{words}` must be 0% or more, not {value.describe()}",
                           clause.limit.span, hint=f"{words} 50% by NAME")
            return None
        if value.amount > 100:
            scope.sink.add("SIB509", f"`{words} {value.describe()}` protects more than the whole principal",
                           clause.limit.span,
                           hint=f"a guarantee covers at most 100% of the principal drawn: {words} 100% by "
                                f"{clause.by.text}")
            return None
        return value.amount, None
    if value.kind == MONEY:
        if clause.of_principal:
            scope.sink.add("SIB201", f"`of principal` follows a percentage, not an amount of money "
                           f"({value.describe()})", clause.span,
                           hint=f"write {words} {value.describe()} by {clause.by.text}, or a percentage: "
                                f"{words} 50% of principal by {clause.by.text}")
            return None
        amount = scope.money(clause.limit, f"the limit of `{words}`")
        return (None, amount) if amount is not None else None
    scope.sink.add("SIB201", f"the limit of `{words}` is a percentage of principal or an amount of money, not "
                   f"{kind_words(value.kind, value.unit)} ({value.describe()})", clause.limit.span,
                   hint=f"{words} 50% by {clause.by.text}, or {words} {scope.evaluate.currency or 'GBP'} "
                        f"500,000 by {clause.by.text}")
    return None


def _guarantor(name: ast.Name, investor: ast.Name, scope: Scope, words: str) -> str | None:
    """A declared party or investor, not the guaranteed investor itself (SIB510)."""
    if name.text == investor.text:
        scope.sink.add("SIB510", f"'{investor.text}' guarantees its own {words}", name.span,
                       labels=[Label(investor.span, "the investor")],
                       hint="name who gives the guarantee: a payer, a provider or another investor (a "
                            "foundation, the government)")
        return None
    return scope.refer(name, *PARTY_KINDS)


# ---------------------------------------------------------------- investors
def investor_terms(decl: ast.InvestorDecl, scope: Scope, spans: SpanTable, at: Path) -> InvestorTerms:
    """The terms of one investor declaration (problems reported; a bad clause is left out)."""
    sink = scope.sink
    terms = InvestorTerms()
    for c in once(decl.clauses, ast.Rank, "the rank", sink):
        assert isinstance(c, ast.Rank)
        spans[(*at, "rank")] = c.span
        amount = parse_number(c.value, c.span, sink)
        if amount is not None:
            terms.rank = scope.whole_amount(amount, c.span, "the rank (1 is the most senior)", minimum=1)
    for c in once(decl.clauses, ast.InterestClause, "the interest", sink):
        assert isinstance(c, ast.InterestClause)
        spans[(*at, "interest")] = c.span
        rate = _rate(c.rate, "an interest rate", "interest {} a year", scope, Decimal(100))
        until = scope.date(c.until) if c.until is not None else None
        guarantor = _guarantor(c.guarantor, decl.name, scope, "interest") if c.guarantor is not None else None
        if rate is not None and (c.until is None or until is not None) and \
                (c.guarantor is None or guarantor is not None):
            terms.interest = Interest(rate=rate, until=until, guaranteed_by=guarantor)
    for c in once(decl.clauses, ast.ReturnCap, "the return cap (`returns at most`)", sink):
        assert isinstance(c, ast.ReturnCap)
        spans[(*at, "return_cap")] = c.span
        terms.return_cap = _rate(c.rate, "a return cap", "returns at most {} a year", scope, MAX_RETURN)
    protections: list[Protection] = []
    for kind, words in (("floor", "the principal protection"), ("first_loss", "the first-loss guarantee")):
        written = [c for c in decl.clauses if isinstance(c, ast.ProtectionClause) and c.kind == kind]
        for c in once(tuple(written), ast.ProtectionClause, words, sink):
            assert isinstance(c, ast.ProtectionClause)
            limit = _protection_limit(c, scope)
            by = _guarantor(c.by, decl.name, scope, "principal")
            if limit is not None and by is not None:
                spans[(*at, "protections", len(protections))] = c.span
                protections.append(Protection(kind=cast(ProtectionKind, kind), share=limit[0], amount=limit[1],
                                              by=by))
    terms.protections = tuple(protections)
    return terms


# ---------------------------------------------------------------- the waterfall
@dataclass
class _Drafted:
    distributes: str = "period"
    distributes_from: date | None = None
    recycles: bool = False
    recycle_limit: Decimal | None = None
    needs: list[Need] = field(default_factory=list)
    surplus: list[SurplusShare] = field(default_factory=list)
    ok: bool = True


_WATERFALL_ONCE = {ast.Distributes: "the distribution rule (`distributes ...`)",
                   ast.Recycles: "the recycling rule", ast.SurplusClause: "the surplus rule"}
# (a second `clause "..."` is reported with every declaration's: resolve._check_clause_refs)


def build_waterfall(tree: ast.ContractFile, scope: Scope, spans: SpanTable) -> Waterfall | None:
    """The contract's `waterfall` declaration (None when there is none or it is wrong; a second
    one is SIB515). The resolver supplies the default `Waterfall()` when investors state terms
    and none is written (`default_waterfall`)."""
    found = [d for d in tree.declarations if isinstance(d, ast.WaterfallDecl)]
    for extra in found[1:]:
        scope.sink.add("SIB515", "the contract declares a second waterfall", extra.span,
                       labels=[Label(found[0].span, "the first waterfall")],
                       hint="a contract has one order of distribution: put every clause in one `waterfall` "
                            "declaration")
    if not found:
        return None
    decl = found[0]
    spans[("waterfall",)] = decl.span
    sink = scope.sink
    for kind, what in _WATERFALL_ONCE.items():
        once(decl.clauses, kind, what, sink)
    draft = _Drafted()
    clause_ref: str | None = None
    recycles_span: Span | None = None
    for c in decl.clauses:
        if isinstance(c, ast.ClauseRef) and clause_ref is None:
            clause_ref = c.text.value
        elif isinstance(c, ast.Distributes) and ("waterfall", "distributes") not in spans:
            spans[("waterfall", "distributes")] = c.span
            draft.distributes = c.kind
            if c.start is not None:
                draft.distributes_from = scope.date(c.start)
                draft.ok &= draft.distributes_from is not None
        elif isinstance(c, ast.NeedClause):
            need = _need(c, scope)
            if need is None:
                draft.ok = False
            else:
                spans[("waterfall", "needs", len(draft.needs))] = c.span
                draft.needs.append(need)
        elif isinstance(c, ast.Recycles) and recycles_span is None:
            recycles_span = c.span
            spans[("waterfall", "recycles")] = c.span
            draft.recycles = True
            if c.limit is not None:
                draft.recycle_limit = scope.money(c.limit, "the recycling limit")
                draft.ok &= draft.recycle_limit is not None
        elif isinstance(c, ast.SurplusClause) and ("waterfall", "surplus") not in spans:
            spans[("waterfall", "surplus")] = c.span
            shares = _surplus(c, scope)
            if shares is None:
                draft.ok = False
            else:
                draft.surplus = shares
    if recycles_span is not None and not any(isinstance(c, ast.NeedClause) for c in decl.clauses):
        sink.add("SIB512", "the waterfall recycles outcome payments, but states no needs to fund", recycles_span,
                 hint=f"say what the service spends: needs {scope.evaluate.currency or 'GBP'} 50,000 each "
                      "period (recycled payments meet the needs first); or remove the recycling")
        draft.ok = False
    if not draft.ok:
        return None
    return Waterfall(title=decl.title.value if decl.title is not None else None,
                     distributes=cast(Distribution, draft.distributes), distributes_from=draft.distributes_from,
                     recycles=draft.recycles, recycle_limit=draft.recycle_limit, needs=tuple(draft.needs),
                     surplus=tuple(draft.surplus), clause=clause_ref)


def _need(c: ast.NeedClause, scope: Scope) -> Need | None:
    amount = scope.money(c.amount, "a need")
    start = scope.date(c.start) if c.start is not None else None
    until = scope.date(c.until) if c.until is not None else None
    if amount is None or (c.start is not None and start is None) or (c.until is not None and until is None):
        return None
    if start is not None and until is not None and until < start:
        scope.sink.add("SIB302", f"the need runs from {start} until {until}, which is before it starts", c.span,
                       hint="swap the two dates")
        return None
    return Need(amount=amount, start=start, until=until)


def _surplus(c: ast.SurplusClause, scope: Scope) -> list[SurplusShare] | None:
    sink = scope.sink
    shares: list[SurplusShare] = []
    seen: dict[str, ast.SurplusPart] = {}
    ok = True
    for part in c.parts:
        to = PAYERS if part.to is None else scope.refer(part.to, *PARTY_KINDS)
        if to is None:
            ok = False
            continue
        if to in seen:
            sink.add("SIB518", f"the surplus names {_recipient(to)} twice", part.span,
                     labels=[Label(seen[to].span, "first named here")],
                     hint="give each recipient one share: add the two percentages together")
            ok = False
            continue
        seen[to] = part
        if part.share is None:
            if len(c.parts) > 1:
                sink.add("SIB519", f"the share of the surplus going to {_recipient(to)} is not stated", part.span,
                         hint=f"with several recipients, each states its percentage: 50% to "
                              f"{part.to.text if part.to is not None else 'payers'}")
                ok = False
                continue
            share: Decimal | None = Decimal(100)
        else:
            share = scope.percent(part.share, "a share of the surplus")
            if share is not None and share == 0:
                sink.add("SIB206", "a share of the surplus must be more than 0%", part.share.span,
                         hint="remove the recipient, or give it a share above 0%")
                share = None
        if share is None:
            ok = False
            continue
        shares.append(SurplusShare(to=to, share=share))
    if not ok:
        return None
    total = sum((s.share for s in shares), Decimal(0))
    if total != 100:
        gap = 100 - total
        sink.add("SIB511", f"the shares of the surplus add up to {fmt(total)}%, not 100%", c.span,
                 hint=(f"{fmt(gap)}% of the surplus has no recipient: add it to a share" if gap > 0 else
                       f"the shares give away {fmt(-gap)}% more than the surplus: reduce them") +
                      " (`surplus to payers` gives it all to the payers)")
        return None
    return shares


def _recipient(to: str) -> str:
    return "the payers" if to == PAYERS else f"'{to}'"


def default_waterfall(tree: ast.ContractFile, declared: Waterfall | None, terms_written: bool) -> Waterfall | None:
    """The waterfall of the model: the declared one; the default (distributed each period, no
    needs, no surplus rule) when investors state terms and no `waterfall` is written; else None."""
    if declared is not None:
        return declared
    if any(isinstance(d, ast.WaterfallDecl) for d in tree.declarations):
        return None  # written but wrong: reported
    return Waterfall() if terms_written else None


# ---------------------------------------------------------------- investor assertions
def investor_assertion(decl: ast.AssertDecl, scope: Scope) -> Assertion | None:
    """`assert investor X loses at most ...` / `loses nothing` / `returns at most R a year`."""
    assert decl.subject is not None  # the grammar names the investor
    subject = scope.refer(decl.subject, "investor")
    if subject is None:
        return None
    clause = decl.clause.text.value if decl.clause else None
    kind = cast(AssertionKind, decl.kind)
    if decl.value is None:  # `loses nothing`
        return Assertion(kind=kind, subject=subject, value=Decimal(0), clause=clause,
                         text=f"investor {subject} loses nothing")
    value = scope.evaluate(decl.value)
    if value is None:
        return None
    currency = scope.evaluate.currency or "GBP"
    if decl.kind == "investor_return":
        if value.kind != PERCENT:
            _wrong_kind(decl, value, "a rate of return is a percentage a year",
                        f"assert investor {subject} returns at most 9% a year", scope)
            return None
        rate = _rate(decl.value, "the rate of return", f"assert investor {subject} returns at most {{}} a year",
                     scope, MAX_RETURN)
        if rate is None:
            return None
        return Assertion(kind=kind, subject=subject, value=rate, clause=clause,
                         text=f"investor {subject} returns at most {rate}% a year")
    if value.kind == PERCENT:
        if not Decimal(0) <= value.amount <= 100:
            scope.sink.add("SIB206", f"an investor can lose from 0% to 100% of its principal, not {value.describe()}",
                           decl.value.span, hint=f"assert investor {subject} loses at most 50% of principal")
            return None
        return Assertion(kind=kind, subject=subject, value=value.amount, of_principal=True, clause=clause,
                         text=f"investor {subject} loses at most {value.amount}% of principal")
    if value.kind == MONEY and not decl.of_principal:
        amount = scope.money(decl.value, "the loss", positive=False)
        if amount is None:
            return None
        if amount < 0:
            scope.sink.add("SIB206", f"a loss is zero or more, not {value.describe()}", decl.value.span,
                           hint=f"assert investor {subject} loses nothing")
            return None
        return Assertion(kind=kind, subject=subject, value=amount, clause=clause,
                         text=f"investor {subject} loses at most {value.describe()}")
    why = ("`of principal` follows a percentage" if value.kind == MONEY else
           "a loss is money, or a percentage of principal")
    _wrong_kind(decl, value, why, f"assert investor {subject} loses at most 50% of principal (or {currency} "
                "500,000)", scope)
    return None


def _wrong_kind(decl: ast.AssertDecl, value: Value, why: str, example: str, scope: Scope) -> None:
    assert decl.value is not None
    scope.sink.add("SIB601", f"{why}, not {kind_words(value.kind, value.unit)} ({value.describe()})",
                   decl.value.span if value.kind != MONEY or not decl.of_principal else decl.span,
                   hint=f"write: {example}")


# ---------------------------------------------------------------- checks of the whole contract
def check_investment_terms(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    """The checks that need the whole model (a pass of `semantics.checks`): SIB303, SIB507,
    SIB508, SIB509, SIB513, SIB514, SIB516, SIB517."""
    investor_assertions = [(i, a) for i, a in enumerate(contract.assertions)
                           if a.kind in ("investor_loss", "investor_return")]
    if not contract.invests:
        for i, a in investor_assertions:
            sink.add("SIB516", f"the assertion is about investor '{a.subject}', but the contract states no "
                     "investment terms: nothing says what an investor is paid", spans.of("assertions", i),
                     hint=f"state the terms of '{a.subject}' (ranks 1, interest 5% a year, returns at most 9% a "
                          "year) or declare a `waterfall`")
        return
    _dates(contract, spans, sink)
    why = _why_invests(contract, spans)
    drawn_from = {t.investor for t in contract.tranches}
    for i, inv in enumerate(contract.investors):
        at = spans.of("investors", i)
        if inv.rank is None:
            sink.add("SIB507", f"investor '{inv.name}' does not say where it ranks in the waterfall", at,
                     labels=[why] if why is not None and why.span != at else [],
                     hint="add `ranks 1` (1 is the most senior; investors of equal rank are paid pro rata)")
        if inv.has_terms and inv.commitment_max is None and inv.name not in drawn_from:
            sink.add("SIB517", f"investor '{inv.name}' states investment terms but commits nothing and has no "
                     "tranche: nothing is ever drawn from it", at,
                     hint=f"add its commitment: commits {contract.header.currency} 1m (or a tranche "
                          f"`from {inv.name}`)")
        if inv.interest is not None and inv.return_cap is not None and inv.interest.rate > inv.return_cap:
            sink.add("SIB508", f"investor '{inv.name}' is owed interest of {inv.interest.rate}% a year, above its "
                     f"return cap of {inv.return_cap}% a year", spans.of("investors", i, "interest"),
                     labels=[Label(spans.of("investors", i, "return_cap"), "the cap")],
                     hint="a coupon floor cannot be above the ceiling: lower the interest or raise the cap")
        for k, p in enumerate(inv.protections):
            if p.amount is not None and inv.commitment_max is not None and p.amount > inv.commitment_max:
                words = "principal protected" if p.kind == "floor" else "first loss"
                sink.add("SIB509", f"`{words} {contract.header.currency} {fmt(p.amount)}` is more than the most "
                         f"'{inv.name}' can invest ({contract.header.currency} {fmt(inv.commitment_max)})",
                         spans.of("investors", i, "protections", k),
                         labels=[Label(at, "the investor")],
                         hint=f"a guarantee covers at most the principal drawn: {words} 100% by {p.by}")
    _surplus_place(contract, spans, sink)


def _why_invests(contract: Contract, spans: SpanTable) -> Label | None:
    if ("waterfall",) in spans:
        return Label(spans[("waterfall",)], "the contract invests: it declares a waterfall")
    for i, inv in enumerate(contract.investors):
        if inv.has_terms:
            return Label(spans.of("investors", i), f"the contract invests: '{inv.name}' states investment terms")
    return None


def _surplus_place(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    waterfall = contract.waterfall
    if waterfall is None:
        return
    uncapped = [(i, inv) for i, inv in enumerate(contract.investors) if inv.return_cap is None]
    where = spans[("waterfall",)] if ("waterfall",) in spans else _first_with_terms(contract, spans)
    if not waterfall.surplus and not uncapped:
        every = ("every investor's return is capped, but the waterfall has" if contract.investors
                 else "the waterfall has no investor and")
        sink.add("SIB513", f"{every} no `surplus` rule: what is left over has no place",
                 where, labels=[Label(spans.of("investors", i, "return_cap"), f"'{inv.name}' capped")
                               for i, inv in enumerate(contract.investors)][:4],
                 hint="say where the surplus goes: surplus to payers (or: surplus 50% to PROVIDER, 50% to payers)"
                      + ("" if ("waterfall",) in spans else "; declare it in a `waterfall`"))
    elif waterfall.surplus and uncapped:
        i, inv = uncapped[0]
        sink.add("SIB514", f"the surplus rule is never used: investor '{inv.name}' has no return cap, so it takes "
                 "everything left after interest and principal", spans.of("waterfall", "surplus"),
                 labels=[Label(spans.of("investors", i), "uncapped")],
                 hint="cap its return (returns at most 9% a year), or remove the surplus rule")


def _first_with_terms(contract: Contract, spans: SpanTable) -> Span:
    for i, inv in enumerate(contract.investors):
        if inv.has_terms:
            return spans.of("investors", i)
    return spans.of()


def _dates(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    """SIB303: the dates of the terms fall between the term start and maturity (the end of the
    run-off, else the term end)."""
    header = contract.header
    end = last_day(header)

    def inside(when: date | None, what: str, span: Span) -> None:
        if when is None or header.term_start <= when <= end:
            return
        side = "before the term starts" if when < header.term_start else (
            "after the run-off ends" if header.run_off is not None else "after the term ends")
        sink.add("SIB303", f"{what} ({when}) is {side} ({header.term_start} to {end})", span,
                 hint="move the date inside the term, or extend the term")

    for i, inv in enumerate(contract.investors):
        if inv.interest is not None:
            inside(inv.interest.until, f"the end of the interest of '{inv.name}'", spans.of("investors", i, "interest"))
    waterfall = contract.waterfall
    if waterfall is not None:
        inside(waterfall.distributes_from, "the start of distributions", spans.of("waterfall", "distributes"))
        for k, need in enumerate(waterfall.needs):
            inside(need.start, "the start of the need", spans.of("waterfall", "needs", k))
            inside(need.until, "the end of the need", spans.of("waterfall", "needs", k))

