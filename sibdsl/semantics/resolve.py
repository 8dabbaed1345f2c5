"""Phase 2: AST -> resolved contract (`ir.Contract`), declarations and header.

Input: `ast.ContractFile`, a `DiagnosticSink`.
Output: `ir.Contract` (or None when the header is too broken to go on). Declares every name
first, so declarations may refer to names declared further down; then builds each
declaration with its values checked. Outcomes and tariffs are built in `outcomes.py`,
tranches and assertions in `promises.py`.
"""

from __future__ import annotations

from decimal import Decimal

from sibdsl.core.currency import MINOR_UNITS
from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.core.source import Span
from sibdsl.semantics import ir
from sibdsl.semantics.clauses import clause_text, once
from sibdsl.semantics.outcomes import build_outcome
from sibdsl.semantics.promises import build_assertion, build_tranche
from sibdsl.semantics.scope import Scope
from sibdsl.semantics.values import COUNT, MONEY, fmt, parse_number
from sibdsl.syntax import ast

_PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "half-yearly": 6, "yearly": 12, "annually": 12}
_ROLE_KIND = {"payer": "payer", "provider": "provider", "intermediary": "intermediary", "validator": "validator"}


def resolve(tree: ast.ContractFile, sink: DiagnosticSink) -> ir.Contract | None:
    scope = Scope(sink)
    header = _header(tree, scope)
    _declare(tree, scope)
    if header is None:
        return None
    scope.evaluate.currency = header.currency
    _check_clause_refs(tree.declarations, sink)
    _check_defines(tree.declarations, sink)
    contract = ir.Contract(header=header, span=tree.span)
    for decl in tree.declarations:
        if isinstance(decl, ast.PartyDecl):
            _party(decl, scope, contract)
        elif isinstance(decl, ast.InvestorDecl):
            contract.investors.append(_investor(decl, scope))
        elif isinstance(decl, ast.CohortDecl):
            contract.cohorts.append(_cohort(decl, scope))
        elif isinstance(decl, ast.OutcomeDecl):
            outcome = build_outcome(decl, scope, header)
            if outcome is not None:
                contract.outcomes.append(outcome)
        elif isinstance(decl, ast.CapDecl):
            cap = _cap(decl, scope)
            if cap is not None:
                contract.caps.append(cap)
        elif isinstance(decl, ast.ExclusiveDecl):
            group = _exclusive(decl, scope, len(contract.exclusive_groups) + 1)
            if group is not None:
                contract.exclusive_groups.append(group)
        elif isinstance(decl, ast.TrancheDecl):
            tranche = build_tranche(decl, scope)
            if tranche is not None:
                contract.tranches.append(tranche)
        elif isinstance(decl, ast.AssertDecl):
            assertion = build_assertion(decl, scope)
            if assertion is not None:
                contract.assertions.append(assertion)
        elif isinstance(decl, ast.DefineDecl):
            contract.definitions.append(ir.Definition(term=decl.term.value, meaning=decl.meaning.value,
                                                      span=decl.span))
    if header.remainder_to is not None and header.remainder_to not in {p.name for p in contract.payers}:
        scope.refer(ast.Name(header.remainder_to, span=_remainder_span(tree)), "payer")
        header.remainder_to = None
    if not contract.payers:
        sink.add("SIB105", "the contract has no outcomes payer", header.span,
                 hint='declare one: payer council "The Council" pays 100%')
    if not contract.outcomes and not any(isinstance(d, ast.OutcomeDecl) for d in tree.declarations):
        sink.add("SIB105", "the contract has no outcomes", header.span,
                 hint='declare the rate card: outcome move_in "Move into accommodation" pays GBP 500')
    return contract


def _remainder_span(tree: ast.ContractFile) -> Span:
    for decl in tree.declarations:
        if isinstance(decl, ast.RoundingDecl) and decl.remainder_to is not None:
            return decl.remainder_to.span
    return tree.span


# ---------------------------------------------------------------- header
def _single(tree: ast.ContractFile, cls: type, what: str, sink: DiagnosticSink, required: bool) -> ast.Node | None:
    found = [d for d in tree.declarations if isinstance(d, cls)]
    for extra in found[1:]:
        sink.add("SIB104", f"the contract says {what} more than once", extra.span,
                 labels=[Label(found[0].span, "first said here")], hint="keep one")
    if not found and required:
        start = tree.declarations[0].span if tree.declarations else Span(1, 1, 1, 1)
        examples = {"contract": 'contract "Fair Chance Fund: Fusion Housing" version 1.0',
                    "currency": "currency GBP", "term": "term 2015-01-01 to 2017-12-31"}
        sink.add("SIB104", f"the contract has no `{what}` line" if what != "contract" else
                 "the contract has no `contract` line giving its title",
                 Span(start.line, start.column, start.line, start.column),
                 hint=f"add a line: {examples.get(what, what)}")
    return found[0] if found else None


def _header(tree: ast.ContractFile, scope: Scope) -> ir.Header | None:
    sink = scope.sink
    if not tree.declarations:
        sink.add("SIB104", "the file declares nothing: a contract starts with its title, currency and term",
                 Span(1, 1, 1, 1), hint='begin with three lines: contract "Title" version 1.0 / currency GBP / '
                                        "term 2015-01-01 to 2017-12-31")
        return None
    title = _single(tree, ast.ContractDecl, "contract", sink, True)
    currency = _single(tree, ast.CurrencyDecl, "currency", sink, True)
    term = _single(tree, ast.TermDecl, "term", sink, True)
    rounding = _single(tree, ast.RoundingDecl, "rounding", sink, False)
    settled = _single(tree, ast.SettlementDecl, "settlement period", sink, False)
    clauses = _single(tree, ast.ClausesDecl, "clause scheme", sink, False)
    code: str | None = None
    if isinstance(currency, ast.CurrencyDecl):
        code = currency.code.text
        if code not in MINOR_UNITS:
            scope.evaluate._money(ast.MoneyLit(code, "0", span=currency.code.span))
            code = None
    start = end = None
    if isinstance(term, ast.TermDecl):
        start, end = scope.date(term.start), scope.date(term.end)
        if start and end and end < start:
            sink.add("SIB302", f"the term ends ({end}) before it starts ({start})", term.span,
                     hint="swap the two dates")
            end = None
    if not (isinstance(title, ast.ContractDecl) and code and start and end):
        return None
    scope.evaluate.currency = code
    header = ir.Header(title=title.title.value, version=title.version, currency=code,
                       term_start=start, term_end=end, span=title.span,
                       rounding_unit=Decimal(1).scaleb(-MINOR_UNITS[code]))
    if isinstance(rounding, ast.RoundingDecl):
        header.rounding = rounding.mode
        if rounding.unit is not None:
            unit = scope.money(rounding.unit, "the rounding unit")
            if unit is not None:
                header.rounding_unit = unit
        if rounding.remainder_to is not None:
            header.remainder_to = rounding.remainder_to.text
    if isinstance(settled, ast.SettlementDecl):
        header.settlement_months = _PERIOD_MONTHS[settled.period]
        header.settlement_timing = settled.timing
    if isinstance(clauses, ast.ClausesDecl):
        header.clause_scheme = clauses.scheme.value
    return header


def _declare(tree: ast.ContractFile, scope: Scope) -> None:
    for decl in tree.declarations:
        if isinstance(decl, ast.PartyDecl):
            scope.declare(decl.name, _ROLE_KIND[decl.role])
        elif isinstance(decl, ast.InvestorDecl):
            scope.declare(decl.name, "investor")
        elif isinstance(decl, ast.CohortDecl):
            scope.declare(decl.name, "cohort")
            for clause in decl.clauses:
                if isinstance(clause, ast.SubgroupDecl):
                    scope.declare(clause.name, "subgroup")
        elif isinstance(decl, ast.OutcomeDecl):
            scope.declare(decl.name, "outcome")
        elif isinstance(decl, ast.TrancheDecl):
            scope.declare(decl.name, "tranche")


def _check_clause_refs(decls: tuple[ast.Node, ...], sink: DiagnosticSink) -> None:
    for decl in decls:
        clauses = getattr(decl, "clauses", None)
        if clauses and not isinstance(decl, ast.OutcomeDecl | ast.TrancheDecl):
            once(clauses, ast.ClauseRef, "the clause reference", sink)


def _check_defines(decls: tuple[ast.Node, ...], sink: DiagnosticSink) -> None:
    seen: dict[str, ast.DefineDecl] = {}
    for decl in decls:
        if isinstance(decl, ast.DefineDecl):
            key = decl.term.value.strip().lower()
            if key in seen:
                sink.add("SIB102", f"the term {decl.term.value!r} is defined twice", decl.term.span,
                         labels=[Label(seen[key].term.span, "first defined here")], hint="keep one definition")
            else:
                seen[key] = decl


# ---------------------------------------------------------------- parties and cohorts
def _party(decl: ast.PartyDecl, scope: Scope, contract: ir.Contract) -> None:
    if decl.role != "payer":
        for c in decl.clauses:
            if isinstance(c, ast.PayerShare | ast.PayerCap):
                scope.sink.add("SIB201", f"a {decl.role} does not pay outcomes; only a payer has a share "
                               "or a cap", c.span, hint=f"declare it as: payer {decl.name.text} ...")
        contract.parties.append(ir.Party(name=decl.name.text, role=decl.role, title=decl.title.value,
                                         clause=clause_text(decl.clauses), span=decl.name.span))
        return
    share: Decimal | None = None
    cap: Decimal | None = None
    for c in once(decl.clauses, ast.PayerShare, "the payer's share", scope.sink):
        assert isinstance(c, ast.PayerShare)
        share = scope.percent(c.value, "a payer's share")
        if share is not None and share == 0:
            scope.sink.add("SIB206", "a payer's share must be more than 0%", c.value.span,
                           hint="remove the payer, or give it a share")
            share = None
    for c in once(decl.clauses, ast.PayerCap, "the payer's cap", scope.sink):
        assert isinstance(c, ast.PayerCap)
        cap = scope.money(c.value, "a payer's cap")
    has_share = any(isinstance(c, ast.PayerShare) for c in decl.clauses)
    contract.payers.append(ir.Payer(name=decl.name.text, title=decl.title.value,
                                    share=share if share is not None else Decimal(-1 if has_share else 0),
                                    cap=cap, clause=clause_text(decl.clauses), span=decl.name.span))


def _investor(decl: ast.InvestorDecl, scope: Scope) -> ir.Investor:
    investor = ir.Investor(name=decl.name.text, title=decl.title.value, clause=clause_text(decl.clauses),
                           span=decl.name.span)
    for c in once(decl.clauses, ast.Commitment, "the commitment", scope.sink):
        assert isinstance(c, ast.Commitment)
        low = scope.money(c.low, "a commitment")
        high = scope.money(c.high, "a commitment") if c.high is not None else low
        if low is not None and high is not None and high < low:
            scope.sink.add("SIB503", f"the commitment range runs from {fmt(low)} down to {fmt(high)}", c.span,
                           hint="write the smaller amount first: commits GBP 600,000 to GBP 900,000")
        else:
            investor.commitment_min, investor.commitment_max = low, high
    return investor


def _cohort(decl: ast.CohortDecl, scope: Scope) -> ir.Cohort:
    cohort = ir.Cohort(name=decl.name.text, title=decl.title.value, clause=clause_text(decl.clauses), span=decl.name.span)
    for c in once(decl.clauses, ast.CohortSize, "the cohort size", scope.sink):
        assert isinstance(c, ast.CohortSize)
        cohort.size = scope.whole(c.value, "the cohort size", "participants")
    for c in once(decl.clauses, ast.ReferralWindow, "the referral window", scope.sink):
        assert isinstance(c, ast.ReferralWindow)
        start, end = scope.date(c.start), scope.date(c.end)
        if start and end and end < start:
            scope.sink.add("SIB302", f"referrals end ({end}) before they start ({start})", c.span,
                           hint="swap the two dates")
        else:
            cohort.referral_start, cohort.referral_end = start, end
    for c in once(decl.clauses, ast.Eligibility, "eligibility", scope.sink):
        assert isinstance(c, ast.Eligibility)
        cohort.eligibility = c.text.value
    for c in decl.clauses:
        if isinstance(c, ast.SeparateFrom):
            cohort.separate_from += [n for n in (scope.refer(x, "cohort") for x in c.cohorts) if n]
        if isinstance(c, ast.SubgroupDecl):
            cohort.subgroups.append(ir.Subgroup(name=c.name.text, title=c.title.value if c.title else None,
                                                span=c.span))
    return cohort


# ---------------------------------------------------------------- caps and groups
_SCOPE_TARGET = {"outcome": ("outcome",), "subgroup": ("subgroup",), "cohort": ("cohort",), "payer": ("payer",)}


def _cap(decl: ast.CapDecl, scope: Scope) -> ir.Cap | None:
    target = None
    if decl.target is not None:
        target = scope.refer(decl.target, *_SCOPE_TARGET[decl.scope])
        if target is None:
            return None
    what = f"the {decl.scope} cap" if decl.scope not in ("period", "year") else f"the cap per {decl.scope}"
    if decl.scope == "subgroup" and decl.of_paid_outcomes:
        value = scope.percent(decl.limit, "a sub-group share cap", Decimal(0), Decimal(100))
        measure = "share"
    elif decl.of_paid_outcomes:
        scope.sink.add("SIB416", f"'of paid outcomes' applies only to a sub-group cap, not {what}",
                       decl.span, hint="cap subgroup NAME 70% of paid outcomes")
        return None
    elif decl.scope in ("outcome", "cohort", "subgroup"):
        val = scope.value(decl.limit, (MONEY, COUNT), what)
        if val is None:
            return None
        if val.kind == MONEY:
            value, measure = scope.money(decl.limit, what), "money"
        else:
            allowed = ("outcomes", "participants") if decl.scope == "outcome" else ("outcomes",)
            if val.unit not in allowed:
                scope.sink.add("SIB201", f"{what} counts paid outcomes, not {val.unit} ({val.describe()})",
                               decl.limit.span, hint=f"write it as {val.amount} outcomes")
                return None
            count = scope.whole_amount(val.amount, decl.limit.span, what, minimum=0)
            value, measure = (Decimal(count) if count is not None else None), "count"
    else:
        value, measure = scope.money(decl.limit, what), "money"
        if decl.scope == "subgroup":
            measure = "money"
    if value is None:
        return None
    if measure == "share" and scope.evaluate(decl.limit) is None:
        return None
    return ir.Cap(scope=decl.scope, target=target, measure=measure, limit=value,
                  behaviour=decl.behaviour or "pay in part",
                  clause=decl.clause.text.value if decl.clause else None, span=decl.span)


def _exclusive(decl: ast.ExclusiveDecl, scope: Scope, number: int) -> ir.ExclusiveGroup | None:
    members = [scope.refer(m, "outcome") for m in decl.members]
    if any(m is None for m in members):
        return None
    k: int | None = 1
    if decl.k != "one":
        amount = parse_number(decl.k, decl.span, scope.sink)
        k = None if amount is None else scope.whole_amount(amount, decl.span, "the number in an exclusive group")
    if k is None:
        return None
    names = [m for m in members if m is not None]
    seen: dict[str, ast.Name] = {}
    for member in decl.members:
        if member.text in seen:
            scope.sink.add("SIB410", f"'{member.text}' is listed twice in this group", member.span,
                           labels=[Label(seen[member.text].span, "first listed here")],
                           hint=f"list '{member.text}' once")
            return None
        seen[member.text] = member
    if len(names) <= k:
        scope.sink.add("SIB410", f"a group of {len(names)} outcome(s) with at most {k} paid excludes nothing",
                       decl.span, hint="list more outcomes, or remove the group")
        return None
    return ir.ExclusiveGroup(name=f"group_{number}", at_most=k, members=names,
                             clause=decl.clause.text.value if decl.clause else None, span=decl.span)
