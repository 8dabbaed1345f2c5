"""Phase 2: AST -> the validated model (`model.Contract`) and its span table; header and
declarations.

Input: `ast.ContractFile`, a `DiagnosticSink`.
Output: the pydantic `Contract` and a `SpanTable` (model path -> span), or None when there were
errors. Declares every name first, so declarations may refer to names declared further down;
then builds each declaration's part of the model with its values checked, recording where it
came from. Outcomes and tariffs are built in `outcomes.py`, tranches and assertions in
`promises.py`, the payers (their shares settled) in `payers.py`. Every value the user can get
wrong is reported here with its own code before the model sees it; the model's validators are
a second line of defence (SIB900, `rejected.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import cast

from pydantic import ValidationError

from sibdsl.core.currency import MINOR_UNITS
from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.core.source import Span
from sibdsl.model.contract import (
    Assertion,
    Cap,
    CapBehaviour,
    CapMeasure,
    CapScope,
    Cohort,
    Contract,
    Definition,
    ExclusiveGroup,
    Header,
    Investor,
    Outcome,
    Party,
    Reset,
    Role,
    Rounding,
    SettlementMonths,
    ShareBaseKind,
    ShareTiming,
    Split,
    Subgroup,
    Timing,
    Tranche,
)
from sibdsl.model.spans import Path, SpanTable
from sibdsl.semantics.clauses import clause_text, once
from sibdsl.semantics.cofunding import apply_top_ups, collect_top_ups, payer_shares, top_up_only
from sibdsl.semantics.investment import build_waterfall, default_waterfall, investor_terms
from sibdsl.semantics.outcomes import build_outcome
from sibdsl.semantics.payers import PayerDraft, build_payers, outcome_shares_add_up, shares_add_up
from sibdsl.semantics.promises import build_assertion, build_tranche
from sibdsl.semantics.rejected import rejected
from sibdsl.semantics.resets import build_reset, check_resets, written_timed
from sibdsl.semantics.runoff import past_term
from sibdsl.semantics.scope import Scope
from sibdsl.semantics.values import COUNT, MONEY, fmt, parse_number
from sibdsl.semantics.versions import history
from sibdsl.syntax import ast

_PERIOD_MONTHS: dict[str, SettlementMonths] = {"monthly": 1, "quarterly": 3, "half-yearly": 6, "yearly": 12, "annually": 12}
_ROLE_KIND = {"payer": "payer", "provider": "provider", "intermediary": "intermediary", "validator": "validator"}


@dataclass
class _Parts:
    payers: list[PayerDraft] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)
    investors: list[Investor] = field(default_factory=list)
    cohorts: list[Cohort] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    caps: list[Cap] = field(default_factory=list)
    exclusive_groups: list[ExclusiveGroup] = field(default_factory=list)
    tranches: list[Tranche] = field(default_factory=list)
    assertions: list[Assertion] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    resets: list[Reset] = field(default_factory=list)


def resolve(tree: ast.ContractFile, sink: DiagnosticSink) -> tuple[Contract, SpanTable] | None:
    """The model of the contract and its span table; None when there were errors (the model
    cannot be built), except for wrong payer shares (SIB401, SIB408): then the contract comes
    without its payers, so that the structural checks, which do not read them, still run."""
    scope = Scope(sink)
    spans = SpanTable()
    header = _header(tree, scope, spans)
    _declare(tree, scope)
    if header is None:
        return None
    scope.evaluate.currency = header.currency
    _check_clause_refs(tree.declarations, sink)
    _check_defines(tree.declarations, sink)
    spans[()] = tree.span
    parts = _Parts()
    investors = scope.names_of("investor")
    lone_investor = investors[0] if len(investors) == 1 else None
    for decl in tree.declarations:
        at = _path_of(decl, parts)
        try:
            _declaration(decl, at, scope, header, parts, spans, lone_investor)
        except ValidationError as exc:
            rejected(exc, at, spans, sink)
    parts.outcomes, top_ups = collect_top_ups(tree, parts.outcomes, scope)  # `plus GBP 200 from council`
    if header.remainder_to is not None and header.remainder_to not in {p.name for p in parts.payers}:
        scope.refer(ast.Name(header.remainder_to, span=_remainder_span(tree)), "payer")  # an error: no model
    if not parts.payers:
        sink.add("SIB105", "the contract has no outcomes payer", spans[("header",)],
                 hint='declare one: payer council "The Council" pays 100%')
    if not parts.outcomes and not any(isinstance(d, ast.OutcomeDecl) for d in tree.declarations):
        sink.add("SIB105", "the contract has no outcomes", spans[("header",)],
                 hint='declare the rate card: outcome move_in "Move into accommodation" pays GBP 500')
    if parts.resets:
        check_resets(parts.resets, parts.outcomes, spans, sink, written_timed(tree.declarations))
    waterfall = build_waterfall(tree, scope, spans)  # investment.py (issue 11)
    if sink.has_errors:
        return None
    top_up_only(parts.payers, top_ups)
    added_up = shares_add_up(parts.payers, sink)
    if added_up:
        apply_top_ups(parts.payers, top_ups)
        added_up = outcome_shares_add_up(parts.payers, sink, [o.name for o in parts.outcomes], header.term_start)
    payers = build_payers(parts.payers, parts.caps, spans, sink) if added_up else []
    if payers is None:
        return None
    try:
        contract = Contract(header=header, payers=tuple(payers), parties=tuple(parts.parties),
                            investors=tuple(parts.investors), cohorts=tuple(parts.cohorts),
                            outcomes=tuple(parts.outcomes), caps=tuple(parts.caps),
                            exclusive_groups=tuple(parts.exclusive_groups), tranches=tuple(parts.tranches),
                            assertions=tuple(parts.assertions), definitions=tuple(parts.definitions),
                            resets=tuple(parts.resets),
                            waterfall=default_waterfall(tree, waterfall, any(i.has_terms for i in parts.investors)))
    except ValidationError as exc:
        rejected(exc, (), spans, sink)
        return None
    return contract, spans


_COLLECTION: dict[type, str] = {
    ast.InvestorDecl: "investors", ast.CohortDecl: "cohorts", ast.OutcomeDecl: "outcomes", ast.CapDecl: "caps",
    ast.ExclusiveDecl: "exclusive_groups", ast.TrancheDecl: "tranches", ast.AssertDecl: "assertions",
    ast.DefineDecl: "definitions", ast.ResetDecl: "resets",
}


def _path_of(decl: ast.Node, parts: _Parts) -> Path:
    """The model path a declaration's part takes if it is accepted."""
    if isinstance(decl, ast.PartyDecl):
        return ("payers", len(parts.payers)) if decl.role == "payer" else ("parties", len(parts.parties))
    collection = _COLLECTION.get(type(decl))
    if collection is None:
        return ()
    return (collection, len(getattr(parts, collection)))


def _declaration(decl: ast.Node, at: Path, scope: Scope, header: Header, parts: _Parts, spans: SpanTable,
                 lone_investor: str | None) -> None:
    """Build one declaration's part of the model at path `at`, recording its spans. A builder
    that returns None has reported an error, so its spans are never read."""
    if isinstance(decl, ast.PartyDecl):
        _party(decl, at, scope, parts, spans)
    elif isinstance(decl, ast.InvestorDecl):
        parts.investors.append(_investor(decl, at, scope, spans))
    elif isinstance(decl, ast.CohortDecl):
        parts.cohorts.append(_cohort(decl, at, scope, spans))
    elif isinstance(decl, ast.OutcomeDecl):
        outcome = build_outcome(decl, scope, header, spans, at)
        if outcome is not None:
            parts.outcomes.append(outcome)
    elif isinstance(decl, ast.CapDecl):
        cap = _cap(decl, scope)
        if cap is not None:
            spans[at] = decl.span
            if decl.share is not None:  # where the base and its outcomes are written (share_caps checks)
                spans[(*at, "share")] = decl.share.span
                for k, name in enumerate(decl.share.outcomes):
                    spans[(*at, "share_of", k)] = name.span
            parts.caps.append(cap)
    elif isinstance(decl, ast.ExclusiveDecl):
        group = _exclusive(decl, scope, len(parts.exclusive_groups) + 1)
        if group is not None:
            spans[at] = decl.span
            parts.exclusive_groups.append(group)
    elif isinstance(decl, ast.TrancheDecl):
        parts.tranches.append(build_tranche(decl, scope, spans, at, lone_investor))
    elif isinstance(decl, ast.AssertDecl):
        assertion = build_assertion(decl, scope)
        if assertion is not None:
            spans[at] = decl.span
            parts.assertions.append(assertion)
    elif isinstance(decl, ast.DefineDecl):
        spans[at] = decl.span
        parts.definitions.append(Definition(term=decl.term.value, meaning=decl.meaning.value))
    elif isinstance(decl, ast.ResetDecl):
        reset = build_reset(decl, scope, spans, at)
        if reset is not None:
            parts.resets.append(reset)


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


def _header(tree: ast.ContractFile, scope: Scope, spans: SpanTable) -> Header | None:
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
    spans[("header",)] = title.span
    mode: Rounding = "half up"
    rounding_unit = Decimal(1).scaleb(-MINOR_UNITS[code])
    remainder_to: str | None = None
    split: Split = "claim"
    months: SettlementMonths = 3
    timing: Timing = "arrears"
    if isinstance(rounding, ast.RoundingDecl):
        mode = cast(Rounding, rounding.mode)
        if rounding.unit is not None:
            unit = scope.money(rounding.unit, "the rounding unit")
            if unit is not None:
                rounding_unit = unit
        if rounding.remainder_to is not None:
            remainder_to = rounding.remainder_to.text
        split = cast(Split, rounding.split)
    if isinstance(settled, ast.SettlementDecl):
        months = _PERIOD_MONTHS[settled.period]
        timing = cast(Timing, settled.timing)
    claims_until, run_off = past_term(tree, scope, end, spans)
    supersedes, amendments = history(tree, scope, title.version, spans)
    try:
        return Header(title=title.title.value, version=title.version, currency=code, term_start=start,
                      term_end=end, rounding=mode, rounding_unit=rounding_unit, remainder_to=remainder_to,
                      split=split,
                      settlement_months=months, settlement_timing=timing,
                      clause_scheme=clauses.scheme.value if isinstance(clauses, ast.ClausesDecl) else None,
                      claims_until=claims_until, run_off=run_off, supersedes=supersedes,
                      amendments=amendments)
    except ValidationError as exc:
        rejected(exc, ("header",), spans, sink)
        return None


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
        elif isinstance(decl, ast.ResetDecl):
            scope.declare(decl.name, "reset")


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
def _party(decl: ast.PartyDecl, at: Path, scope: Scope, parts: _Parts, spans: SpanTable) -> None:
    if decl.role != "payer":
        for c in decl.clauses:
            if isinstance(c, ast.PayerShare | ast.PayerProportional | ast.PayerCap):
                scope.sink.add("SIB201", f"a {decl.role} does not pay outcomes; only a payer has a share "
                               "or a cap", c.span, hint=f"declare it as: payer {decl.name.text} ...")
        spans[at] = decl.name.span
        parts.parties.append(Party(name=decl.name.text, role=cast(Role, decl.role), title=decl.title.value,
                                   clause=clause_text(decl.clauses)))
        return
    cap: Decimal | None = None
    shares = payer_shares(decl, scope)  # sibdsl/semantics/cofunding.py
    for c in once(decl.clauses, ast.PayerCap, "the payer's cap", scope.sink):
        assert isinstance(c, ast.PayerCap)
        cap = scope.money(c.value, "a payer's cap")
    parts.payers.append(PayerDraft(decl.name.text, decl.title.value, shares.share, cap, clause_text(decl.clauses),
                                    decl.name.span, shares.proportional is not None, shares.proportional,
                                    shares.clauses, shares.ok))


def _investor(decl: ast.InvestorDecl, at: Path, scope: Scope, spans: SpanTable) -> Investor:
    spans[at] = decl.name.span
    commitment_min = commitment_max = None
    for c in once(decl.clauses, ast.Commitment, "the commitment", scope.sink):
        assert isinstance(c, ast.Commitment)
        low = scope.money(c.low, "a commitment")
        high = scope.money(c.high, "a commitment") if c.high is not None else low
        if low is not None and high is not None and high < low:
            scope.sink.add("SIB503", f"the commitment range runs from {fmt(low)} down to {fmt(high)}", c.span,
                           hint="write the smaller amount first: commits GBP 600,000 to GBP 900,000")
        else:
            commitment_min, commitment_max = low, high
    terms = investor_terms(decl, scope, spans, at)  # ranks, interest, caps, guarantees: investment.py
    return Investor(name=decl.name.text, title=decl.title.value, commitment_min=commitment_min,
                    commitment_max=commitment_max, clause=clause_text(decl.clauses), rank=terms.rank,
                    interest=terms.interest, return_cap=terms.return_cap, protections=terms.protections)


def _cohort(decl: ast.CohortDecl, at: Path, scope: Scope, spans: SpanTable) -> Cohort:
    spans[at] = decl.name.span
    size: int | None = None
    referral_start: date | None = None
    referral_end: date | None = None
    eligibility: str | None = None
    separate_from: list[str] = []
    subgroups: list[Subgroup] = []
    for c in once(decl.clauses, ast.CohortSize, "the cohort size", scope.sink):
        assert isinstance(c, ast.CohortSize)
        size = scope.whole(c.value, "the cohort size", "participants")
    for c in once(decl.clauses, ast.ReferralWindow, "the referral window", scope.sink):
        assert isinstance(c, ast.ReferralWindow)
        start, end = scope.date(c.start), scope.date(c.end)
        if start and end and end < start:
            scope.sink.add("SIB302", f"referrals end ({end}) before they start ({start})", c.span,
                           hint="swap the two dates")
        else:
            referral_start, referral_end = start, end
    for c in once(decl.clauses, ast.Eligibility, "eligibility", scope.sink):
        assert isinstance(c, ast.Eligibility)
        eligibility = c.text.value
    for c in decl.clauses:
        if isinstance(c, ast.SeparateFrom):
            separate_from += [n for n in (scope.refer(x, "cohort") for x in c.cohorts) if n]
        if isinstance(c, ast.SubgroupDecl):
            spans[(*at, "subgroups", len(subgroups))] = c.span
            subgroups.append(Subgroup(name=c.name.text, title=c.title.value if c.title else None))
    return Cohort(name=decl.name.text, title=decl.title.value, size=size, referral_start=referral_start,
                  referral_end=referral_end, eligibility=eligibility, subgroups=tuple(subgroups),
                  separate_from=tuple(separate_from), clause=clause_text(decl.clauses))


# ---------------------------------------------------------------- caps and groups
_SCOPE_TARGET = {"outcome": ("outcome",), "subgroup": ("subgroup",), "cohort": ("cohort",), "payer": ("payer",)}


def _cap(decl: ast.CapDecl, scope: Scope) -> Cap | None:
    target = None
    if decl.target is not None:
        target = scope.refer(decl.target, *_SCOPE_TARGET[decl.scope])
        if target is None:
            return None
    what = f"the {decl.scope} cap" if decl.scope not in ("period", "year") else f"the cap per {decl.scope}"
    share = decl.share
    if share is not None and (decl.scope == "subgroup" or (decl.scope == "outcome" and share.timing is not None)):
        return _share_cap(decl, share, target, scope)
    elif share is not None and decl.scope == "outcome":
        scope.sink.add("SIB430", "an outcome's share cap must say when it is measured", share.span,
                       hint="add ', measured each period' (each settlement period's claims decided together) or "
                            "', measured over the contract'")
        return None
    elif decl.of_paid_outcomes:
        base = "of achievements" if share is not None and share.kind == "achievements" else "of paid outcomes"
        scope.sink.add("SIB416", f"'{base}' applies only to a sub-group or outcome cap, not {what}",
                       decl.span, hint="cap subgroup NAME 70% of paid outcomes, or cap outcome NAME 40% of "
                                       "achievements of NAME, measured each period")
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
    return Cap(scope=cast(CapScope, decl.scope), target=target, measure=cast(CapMeasure, measure), limit=value,
               behaviour=cast(CapBehaviour, decl.behaviour or "pay in part"), clause=decl.clause.text.value if decl.clause else None)


def _share_cap(decl: ast.CapDecl, share: ast.ShareBase, target: str | None, scope: Scope) -> Cap | None:
    """A share cap (issue 10.5): a sub-group's or an outcome's share of paid outcomes or of
    achievements, of every outcome or of some, measured as claims are paid (the running form:
    a sub-group's share of all paid outcomes only), each period, or over the contract."""
    who = "a sub-group share cap" if decl.scope == "subgroup" else "an outcome share cap"
    value = scope.percent(decl.limit, who, Decimal(0), Decimal(100))
    names = [scope.refer(n, "outcome") for n in share.outcomes]
    if value is None or any(n is None for n in names) or scope.evaluate(decl.limit) is None:
        return None
    if share.timing is None and (share.kind == "achievements" or share.outcomes):
        base = "achievements" if share.kind == "achievements" else "paid outcomes of " + ", ".join(
            n.text for n in share.outcomes)
        scope.sink.add("SIB430", f"a share of {base} must say when it is measured", share.span,
                       hint="add ', measured each period' (each settlement period's claims decided together) or "
                            "', measured over the contract'; only a share of all paid outcomes may be measured as "
                            "claims are paid")
        return None
    base_of = tuple(dict.fromkeys(n for n in names if n is not None))  # listed twice: counted once
    timing = cast(ShareTiming, share.timing or "running")
    return Cap(scope=cast(CapScope, decl.scope), target=target, measure="share", limit=value,
               behaviour=cast(CapBehaviour, decl.behaviour or "pay in part"),
               clause=decl.clause.text.value if decl.clause else None,
               share_base=cast(ShareBaseKind, share.kind), share_of=base_of, measured=timing)


def _exclusive(decl: ast.ExclusiveDecl, scope: Scope, number: int) -> ExclusiveGroup | None:
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
    return ExclusiveGroup(name=f"group_{number}", at_most=k, members=tuple(names),
                          clause=decl.clause.text.value if decl.clause else None)
