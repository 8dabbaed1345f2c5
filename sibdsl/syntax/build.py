"""Phase 1: build AST nodes while the LALR parser reduces (an inline lark transformer).

Input: the children of each grammar rule (tokens and already built nodes) with their meta.
Output: `sibdsl.syntax.ast` nodes with spans. Nothing here raises for bad input: values are
kept as written and judged by the semantics phase.
"""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer

from sibdsl.core.source import Span
from sibdsl.syntax import ast

#: Token types that carry a value; every other token is a keyword and is dropped.
VALUE_TOKENS = frozenset(
    {"NAME", "STRING", "LONG_STRING", "NUMBER", "CURRENCY", "MONEY_SYMBOL", "SCALE", "DATE",
     "ADD_OP", "MUL_OP", "ONE"}
)


def span_of(item: Any) -> Span:
    if isinstance(item, Token):
        return Span(item.line or 1, item.column or 1, item.end_line or 1, item.end_column or 1,
                    item.start_pos or 0, item.end_pos or 0)
    return Span(item.line, item.column, item.end_line, item.end_column, item.start_pos, item.end_pos)


def _edge(item: Any, last: bool) -> Span | None:
    if isinstance(item, ast.Node):
        return item.span
    if isinstance(item, Token):
        return span_of(item)
    if isinstance(item, tuple | list):
        for sub in reversed(item) if last else item:
            found = _edge(sub, last)
            if found is not None:
                return found
    return None


def _span(children: list[Any]) -> Span:
    """The span from the first to the last positioned child."""
    first = _edge(children, False)
    last = _edge(children, True)
    if first is None or last is None:
        return Span(1, 1, 1, 1)
    return first.to(last)


def unquote(raw: str) -> str:
    if raw.startswith('"""'):  # long legal text: drop the layout's common indentation
        first, *rest = raw[3:-3].split("\n")
        indents = [len(line) - len(line.lstrip()) for line in rest if line.strip()]
        cut = min(indents, default=0)
        return "\n".join([first.strip()] + [line[cut:].rstrip() for line in rest]).strip()
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    it = iter(body)
    for ch in it:
        if ch == "\\":
            nxt = next(it, "")
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
        else:
            out.append(ch)
    return "".join(out)


def _values(children: list[Any]) -> list[Any]:
    return [c for c in children if not isinstance(c, Token) or c.type in VALUE_TOKENS]


def _name(tok: Token) -> ast.Name:
    return ast.Name(str(tok), span=span_of(tok))


def _text(tok: Token) -> ast.Text:
    return ast.Text(unquote(str(tok)), span=span_of(tok))


def _t(item: Any) -> ast.Text:
    return item if isinstance(item, ast.Text) else _text(item)


def _date(tok: Token) -> ast.DateLit:
    return ast.DateLit(str(tok), span=span_of(tok))


def _maybe_clause(vals: list[Any]) -> ast.ClauseRef | None:
    if vals and isinstance(vals[-1], ast.ClauseRef):
        return vals.pop()  # type: ignore[no-any-return]
    return None


class AstBuilder(Transformer[Token, Any]):
    """One method per grammar rule or alias; each returns an AST node."""

    # ---------------------------------------------------------- file
    def start(self, children: list[Any]) -> ast.ContractFile:
        span = _span(children) if children else Span(1, 1, 1, 1)
        return ast.ContractFile(tuple(children), span=span)

    # ---------------------------------------------------------- values
    def expr(self, children: list[Any]) -> ast.Expr:
        if len(children) == 1:
            return children[0]  # type: ignore[no-any-return]
        return ast.Sum(tuple(children[0::2]), tuple(str(t) for t in children[1::2]), span=_span(children))

    def product(self, children: list[Any]) -> ast.Expr:
        children = [c for c in children if not (isinstance(c, Token) and c.type in ("LPAR", "RPAR"))]
        if len(children) == 1:
            return children[0]  # type: ignore[no-any-return]
        ops = tuple("/" if str(t) == "/" else "*" for t in children[1::2])
        return ast.Product(tuple(children[0::2]), ops, span=_span(children))

    def money(self, children: list[Any]) -> ast.MoneyLit:
        scale = str(children[2]) if len(children) > 2 else None
        return ast.MoneyLit(str(children[0]), str(children[1]), scale, span=_span(children))

    def percent(self, children: list[Any]) -> ast.PercentLit:
        return ast.PercentLit(str(children[0]), span=_span(children))

    def quantity(self, children: list[Any]) -> ast.QuantityLit:
        return ast.QuantityLit(str(children[0]), children[1], span=_span(children))

    def number(self, children: list[Any]) -> ast.NumberLit:
        return ast.NumberLit(str(children[0]), span=_span(children))

    def unit(self, children: list[Any]) -> str:
        return str(children[0])

    def clause_ref(self, children: list[Any]) -> ast.ClauseRef:
        return ast.ClauseRef(_text(children[-1]), span=_span(children))

    def name_list(self, children: list[Any]) -> tuple[ast.Name, ...]:
        return tuple(_name(t) for t in children if isinstance(t, Token) and t.type == "NAME")

    # ---------------------------------------------------------- header
    def contract_decl(self, children: list[Any]) -> ast.ContractDecl:
        vals = _values(children)
        version = None
        if len(vals) > 1:
            raw = vals[1]
            version = unquote(str(raw)) if raw.type == "STRING" else str(raw)
        return ast.ContractDecl(_text(vals[0]), version, span=_span(children))

    def currency_decl(self, children: list[Any]) -> ast.CurrencyDecl:
        return ast.CurrencyDecl(_name(_values(children)[0]), span=_span(children))

    def term_decl(self, children: list[Any]) -> ast.TermDecl:
        a, b = _values(children)
        return ast.TermDecl(_date(a), _date(b), span=_span(children))

    def remainder(self, children: list[Any]) -> ast.Name | None:
        vals = _values(children)
        return _name(vals[0]) if vals else None

    def rounding_decl(self, children: list[Any]) -> ast.RoundingDecl:
        mode = "up"
        for c in children:
            if isinstance(c, Token) and c.type == "ROUND_MODE":
                mode = " ".join(str(c).replace("-", " ").split())
        unit: ast.Expr | None = None
        remainder: ast.Name | None = None
        for child in children[1:]:
            if isinstance(child, Token):
                continue
            if isinstance(child, ast.Name):
                remainder = child
            elif isinstance(child, ast.Node):
                unit = child  # type: ignore[assignment]
        return ast.RoundingDecl(mode, unit, remainder, span=_span(children))

    def period_word(self, children: list[Any]) -> str:
        return str(children[0])

    def settlement_decl(self, children: list[Any]) -> ast.SettlementDecl:
        timing = "arrears"
        for c in children:
            if isinstance(c, Token) and c.type == "IN_ADVANCE":
                timing = "advance"
        period = next(c for c in children if isinstance(c, str) and not isinstance(c, Token))
        return ast.SettlementDecl(period, timing, span=_span(children))

    def clauses_decl(self, children: list[Any]) -> ast.ClausesDecl:
        return ast.ClausesDecl(_text(_values(children)[0]), span=_span(children))

    def define_decl(self, children: list[Any]) -> ast.DefineDecl:
        a, b = _values(children)
        return ast.DefineDecl(_text(a), _t(b), span=_span(children))

    def text(self, children: list[Any]) -> ast.Text:
        return _text(children[0])

    # ---------------------------------------------------------- parties
    def party_role(self, children: list[Any]) -> str:
        return str(children[0])

    def party_decl(self, children: list[Any]) -> ast.PartyDecl:
        role, name, title, *clauses = _values(children)
        return ast.PartyDecl(role, _name(name), _text(title), tuple(clauses), span=_span(children))

    def payer_share(self, children: list[Any]) -> ast.PayerShare:
        return ast.PayerShare(_values(children)[0], span=_span(children))

    def payer_cap(self, children: list[Any]) -> ast.PayerCap:
        return ast.PayerCap(_values(children)[0], span=_span(children))

    def investor_decl(self, children: list[Any]) -> ast.InvestorDecl:
        vals = _values(children)
        return ast.InvestorDecl(_name(vals[0]), _text(vals[1]), tuple(vals[2:]), span=_span(children))

    def commitment(self, children: list[Any]) -> ast.Commitment:
        vals = _values(children)
        return ast.Commitment(vals[0], vals[1] if len(vals) > 1 else None, span=_span(children))

    # ---------------------------------------------------------- cohorts
    def cohort_decl(self, children: list[Any]) -> ast.CohortDecl:
        vals = _values(children)
        return ast.CohortDecl(_name(vals[0]), _text(vals[1]), tuple(vals[2:]), span=_span(children))

    def cohort_size(self, children: list[Any]) -> ast.CohortSize:
        return ast.CohortSize(_values(children)[0], span=_span(children))

    def referral_window(self, children: list[Any]) -> ast.ReferralWindow:
        a, b = _values(children)
        return ast.ReferralWindow(_date(a), _date(b), span=_span(children))

    def eligibility(self, children: list[Any]) -> ast.Eligibility:
        return ast.Eligibility(_t(_values(children)[0]), span=_span(children))

    def subgroup(self, children: list[Any]) -> ast.SubgroupDecl:
        vals = _values(children)
        return ast.SubgroupDecl(_name(vals[0]), _text(vals[1]) if len(vals) > 1 else None, span=_span(children))

    # ---------------------------------------------------------- outcomes
    def outcome_decl(self, children: list[Any]) -> ast.OutcomeDecl:
        vals = _values(children)
        return ast.OutcomeDecl(_name(vals[0]), _text(vals[1]), tuple(vals[2:]), span=_span(children))

    def fixed_tariff(self, children: list[Any]) -> ast.FixedTariff:
        return ast.FixedTariff(_values(children)[0], span=_span(children))

    def subgroup_price(self, children: list[Any]) -> ast.SubgroupPrice:
        vals = _values(children)
        return ast.SubgroupPrice(vals[0], _name(vals[1]), span=_span(children))

    def subgroup_tariff(self, children: list[Any]) -> ast.SubgroupTariff:
        vals = _values(children)
        prices = tuple(v for v in vals if isinstance(v, ast.SubgroupPrice))
        rest = [v for v in vals if not isinstance(v, ast.SubgroupPrice)]
        return ast.SubgroupTariff(prices, rest[0] if rest else None, span=_span(children))

    def band_range(self, children: list[Any]) -> ast.Band:
        vals = _values(children)
        return ast.Band(vals[0], str(vals[1]), str(vals[2]), span=_span(children))

    def band_open(self, children: list[Any]) -> ast.Band:
        vals = _values(children)
        return ast.Band(vals[0], str(vals[1]), None, span=_span(children))

    def tiered_tariff(self, children: list[Any]) -> ast.TieredTariff:
        return ast.TieredTariff(tuple(_values(children)), span=_span(children))

    def scale_point(self, children: list[Any]) -> ast.ScalePoint:
        a, b = _values(children)
        return ast.ScalePoint(a, b, span=_span(children))

    def sliding_tariff(self, children: list[Any]) -> ast.SlidingTariff:
        vals = _values(children)
        return ast.SlidingTariff(vals[0], _text(vals[1]), tuple(vals[2:]), span=_span(children))

    def direction(self, children: list[Any]) -> str:
        return str(children[0])

    def baseline(self, children: list[Any]) -> str:
        return " ".join(str(c) for c in children)

    def cohort_tariff(self, children: list[Any]) -> ast.CohortTariff:
        vals = _values(children)
        price, per, direction, metric, baseline = vals[:5]
        threshold = vals[5] if len(vals) > 5 else None
        return ast.CohortTariff(price, per, direction, _text(metric), baseline, threshold, span=_span(children))

    def min_delay(self, children: list[Any]) -> tuple[str, Any]:
        return ("min", _values(children)[0])

    def max_delay(self, children: list[Any]) -> tuple[str, Any]:
        return ("max", _values(children)[0])

    def prerequisite(self, children: list[Any]) -> ast.Prerequisite:
        delays: dict[str, Any] = dict(c for c in children[1:] if isinstance(c, tuple))
        return ast.Prerequisite(_name(children[0]), delays.get("min"), delays.get("max"), span=_span(children))

    def prerequisites(self, children: list[Any]) -> ast.Prerequisites:
        items = tuple(c for c in children if isinstance(c, ast.Prerequisite))
        return ast.Prerequisites(items, span=_span(children))

    def start_event(self, children: list[Any]) -> str:
        return str(children[0])

    def window(self, children: list[Any]) -> ast.Window:
        vals = _values(children)
        return ast.Window(vals[0], vals[1] if len(vals) > 1 else "start", span=_span(children))

    def repeat_once(self, children: list[Any]) -> ast.Repeat:
        return ast.Repeat("once", None, span=_span(children))

    def repeat_up_to(self, children: list[Any]) -> ast.Repeat:
        return ast.Repeat("up_to", _values(children)[0], span=_span(children))

    def repeat_unlimited(self, children: list[Any]) -> ast.Repeat:
        return ast.Repeat("unlimited", None, span=_span(children))

    def trigger(self, children: list[Any]) -> ast.Trigger:
        tok = _values(children)[0]
        event = unquote(str(tok)) if tok.type == "STRING" else str(tok)
        return ast.Trigger(event, span=_span(children))

    def evidence(self, children: list[Any]) -> ast.Evidence:
        return ast.Evidence(_t(_values(children)[0]), span=_span(children))

    def definition(self, children: list[Any]) -> ast.Definition:
        a, b = _values(children)
        return ast.Definition(_text(a), _t(b), span=_span(children))

    def in_addition_to(self, children: list[Any]) -> ast.InAdditionTo:
        return ast.InAdditionTo(_values(children)[0], span=_span(children))

    def includes(self, children: list[Any]) -> ast.Includes:
        return ast.Includes(_values(children)[0], span=_span(children))

    def separate_from(self, children: list[Any]) -> ast.SeparateFrom:
        return ast.SeparateFrom(_values(children)[0], span=_span(children))

    def for_cohorts(self, children: list[Any]) -> ast.ForCohorts:
        return ast.ForCohorts(_values(children)[0], span=_span(children))

    def indexation(self, children: list[Any]) -> ast.Indexation:
        vals = _values(children)
        start = _date(vals[1]) if len(vals) > 1 else None
        return ast.Indexation(vals[0], start, span=_span(children))

    # ---------------------------------------------------------- caps and groups
    def scope_participant(self, children: list[Any]) -> tuple[str, None]:
        return ("participant", None)

    def _scope(name: str) -> Any:  # type: ignore[misc]
        def method(self: AstBuilder, children: list[Any]) -> tuple[str, ast.Name | None]:
            vals = _values(children)
            return (name, _name(vals[0]) if vals else None)

        return method

    scope_outcome = _scope("outcome")
    scope_subgroup = _scope("subgroup")
    scope_cohort = _scope("cohort")
    scope_period = _scope("period")
    scope_year = _scope("year")
    scope_payer = _scope("payer")
    scope_contract = _scope("contract")

    def share_base(self, children: list[Any]) -> str:
        return "of paid outcomes"

    def cap_behaviour(self, children: list[Any]) -> str:
        return "reject" if "reject" in [str(c) for c in children] else "pay in part"

    def cap_decl(self, children: list[Any]) -> ast.CapDecl:
        (scope, target), limit, *rest = _values(children)
        of_paid = "of paid outcomes" in rest
        behaviour = next((r for r in rest if r in ("reject", "pay in part")), None)
        clause = next((r for r in rest if isinstance(r, ast.ClauseRef)), None)
        return ast.CapDecl(scope, target, limit, of_paid, behaviour, clause, span=_span(children))

    def exclusive_decl(self, children: list[Any]) -> ast.ExclusiveDecl:
        vals = _values(children)
        clause = _maybe_clause(vals)
        k = str(vals[0])
        members = next(v for v in vals if isinstance(v, tuple))
        return ast.ExclusiveDecl(k, members, clause, span=_span(children))

    # ---------------------------------------------------------- tranches
    def tranche_amount(self, children: list[Any]) -> tuple[str, Any]:
        return ("amount", children[0])

    def tranche_decl(self, children: list[Any]) -> ast.TrancheDecl:
        vals = _values(children)
        amount = None
        clauses = vals[1:]
        if clauses and isinstance(clauses[0], tuple):
            amount = clauses[0][1]
            clauses = clauses[1:]
        return ast.TrancheDecl(_name(vals[0]), amount, tuple(clauses), span=_span(children))

    def on_date(self, children: list[Any]) -> ast.OnDate:
        return ast.OnDate(_date(_values(children)[0]), span=_span(children))

    def deadline(self, children: list[Any]) -> ast.Deadline:
        return ast.Deadline(_date(_values(children)[0]), span=_span(children))

    def discretion(self, children: list[Any]) -> ast.Discretion:
        owner = next((c for c in children if isinstance(c, Token) and c.type == "POSSESSIVE"), None)
        if owner is not None:  # "at the board's discretion"
            who = str(owner)[:-2].replace("_", " ")
            return ast.Discretion(ast.Text(f"the {who}", span=span_of(owner)), span=_span(children))
        vals = _values(children)
        return ast.Discretion(_t(vals[0]) if vals else None, span=_span(children))

    def limit(self, children: list[Any]) -> ast.Limit:
        return ast.Limit(_values(children)[0], span=_span(children))

    def purpose(self, children: list[Any]) -> ast.Purpose:
        return ast.Purpose(_t(_values(children)[0]), span=_span(children))

    def from_investor(self, children: list[Any]) -> ast.FromInvestor:
        return ast.FromInvestor(_name(_values(children)[0]), span=_span(children))

    def figure_word(self, children: list[Any]) -> Token:
        return children[0]  # type: ignore[no-any-return]

    def figure_of(self, children: list[Any]) -> ast.Name:
        return _name(_values(children)[0])

    def figure(self, children: list[Any]) -> ast.Figure:
        words = tuple(str(c) for c in children if isinstance(c, Token))
        of = next((c for c in children if isinstance(c, ast.Name)), None)
        return ast.Figure(words, of, span=_span(children))

    def comparator(self, children: list[Any]) -> str:
        word = " ".join(str(children[0]).split())
        return ">" if word.startswith("exceed") else ">="  # reach(es), at least

    def condition(self, children: list[Any]) -> ast.Condition:
        figure, comparator, value = children
        return ast.Condition(figure, comparator, value, span=_span(children))

    def when(self, children: list[Any]) -> ast.When:
        return ast.When(tuple(c for c in children if isinstance(c, ast.Condition)), span=_span(children))

    # ---------------------------------------------------------- assertions
    def assert_decl(self, children: list[Any]) -> ast.AssertDecl:
        vals = _values(children)
        node: ast.AssertDecl = vals[0]
        clause = vals[1] if len(vals) > 1 else None
        return ast.AssertDecl(node.kind, node.subject, node.other, node.value, clause, span=_span(children))

    def _assertion(kind: str, names: int, has_value: bool) -> Any:  # type: ignore[misc]
        def method(self: AstBuilder, children: list[Any]) -> ast.AssertDecl:
            vals = _values(children)
            toks = [_name(v) for v in vals if isinstance(v, Token) and v.type == "NAME"][:names]
            value: Any = next((v for v in vals if isinstance(v, ast.Node)), None) if has_value else None
            subject = toks[0] if toks else None
            other = toks[1] if len(toks) > 1 else None
            return ast.AssertDecl(kind, subject, other, value, span=_span(children))

        return method

    assert_participant_max = _assertion("participant_max", 0, True)
    assert_payer_max = _assertion("payer_max", 1, True)
    assert_period_max = _assertion("period_max", 0, True)
    assert_total_max = _assertion("total_max", 0, True)
    assert_never_twice = _assertion("never_twice", 1, False)
    assert_subgroup_share = _assertion("subgroup_share", 1, True)
    assert_tranche_order = _assertion("tranche_order", 2, False)
