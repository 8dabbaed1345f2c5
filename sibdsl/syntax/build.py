"""Phase 1: build AST nodes while the LALR parser reduces (an inline lark transformer).

Input: the children of each grammar rule (tokens and already built nodes).
Output: `sibdsl.syntax.ast` nodes with spans. Nothing here raises for bad input: values are
kept as written and judged by the semantics phase.

How a rule handler is called: like lark's `v_args(inline=True, meta=True)`, as
`handler(span, *children)`, where
- `span` is the rule's meta: it runs from the first to the last token of the whole rule,
  keywords included, by lark's own `propagate_positions` rule (a node starts at its first
  positioned child and ends at its last). Lark refuses `meta=True` for a transformer that
  runs inside the parser (`Lark(transformer=...)`), and building a parse tree first and
  transforming it after costs about twice the parse time, so `_spanned` below computes the
  same meta from the children; `tests/test_ast_build.py` checks it against lark's
  `propagate_positions` on every contract of the repository. Given a parse tree instead, the
  same handlers take lark's meta as it is (`AstBuilder().transform(tree)`).
- `children` are the rule's values, names and built nodes, and the few keywords that decide
  something (`KEPT_TOKENS`); every other keyword is dropped (also those lark would pass
  because they are named terminals, such as AT_MOST), so each handler has typed parameters.

Every handler result carries its position, so that the span of the rule above covers it:
keyword-only rules (units, period words, `then reject`, ...) give a `WORD` token over their
words, scopes and delays give small positioned records. So `2.5 participants` spans both
words, and every declaration runs from its first word to its last (a party declaration from
its name: see `party_decl`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lark import Token, Transformer, v_args
from lark.tree import Meta

from sibdsl.core.source import NO_SPAN, Span
from sibdsl.syntax import ast

#: Token types that carry a value; every other token is a keyword. (The comma post-lexer in
#: `grammar.py` keeps a comma before these.)
VALUE_TOKENS = frozenset(
    {"NAME", "STRING", "LONG_STRING", "NUMBER", "CURRENCY", "MONEY_SYMBOL", "SCALE", "DATE",
     "ADD_OP", "MUL_OP", "ONE"}
)
#: The type of the token a keyword-only rule gives (no terminal of the grammar has this name).
WORD = "WORD"
#: Tokens a handler receives: values, the words of keyword-only rules, and the keywords that
#: decide something (the rounding mode, the settlement timing, "the board's discretion").
KEPT_TOKENS = VALUE_TOKENS | {WORD, "ROUND_MODE", "IN_ARREARS", "IN_ADVANCE", "POSSESSIVE", "OF_PRINCIPAL",
                              "PAYERS"}

#: What a rule's children can be: tokens, built nodes, or a list of names.
Child = Token | ast.Node | tuple[ast.Name, ...]
_EXPR_TYPES = (ast.MoneyLit, ast.PercentLit, ast.QuantityLit, ast.NumberLit, ast.Product, ast.Sum)


def span_of(tok: Token) -> Span:
    return Span(tok.line or 1, tok.column or 1, tok.end_line or 1, tok.end_column or 1,
                tok.start_pos or 0, tok.end_pos or 0)


def _positioned(children: Sequence[Child], last: bool) -> Token | ast.Node | None:
    """The first (or last) child with a position; a list of names gives its first (last) name."""
    for child in reversed(children) if last else children:
        if not isinstance(child, tuple):
            return child
        if child:
            return child[-1] if last else child[0]
    return None


def _span(children: Sequence[Child]) -> Span:
    """The span from the first to the last positioned child (lark's propagate_positions)."""
    head = _positioned(children, False)
    tail = _positioned(children, True)
    if head is None or tail is None:
        return NO_SPAN
    if isinstance(head, Token):
        line, column, start = head.line or 1, head.column or 1, head.start_pos or 0
    else:
        line, column, start = head.span.line, head.span.column, head.span.start
    if isinstance(tail, Token):
        return Span(line, column, tail.end_line or 1, tail.end_column or 1, start, tail.end_pos or 0)
    return Span(line, column, tail.span.end_line, tail.span.end_column, start, tail.span.end)


def _spanned(handler: Callable[..., object], _rule: str, children: list[Child], meta: Meta | None) -> object:
    """lark visit wrapper: call `handler(span, *children)` with the keywords dropped."""
    if meta is not None and not meta.empty:  # a parse tree built with propagate_positions
        span = Span(meta.line, meta.column, meta.end_line, meta.end_column, meta.start_pos, meta.end_pos)
    else:  # inside the parser, where lark gives no meta
        span = _span(children)
    return handler(span, *[c for c in children if not isinstance(c, Token) or c.type in KEPT_TOKENS])


#: For keyword-only rules: the tokens as they are, keywords included.
_words = v_args(inline=True)


def _word(first: Token, *more: Token, text: str | None = None) -> Token:
    """A WORD token over the given tokens; its text is theirs joined by spaces unless given."""
    last = more[-1] if more else first
    value = text if text is not None else " ".join(str(t) for t in (first, *more))
    return Token(WORD, value, first.start_pos, first.line, first.column, last.end_line, last.end_column,
                 last.end_pos)


def _word_at(span: Span, text: str) -> Token:
    """A WORD token with the given text over a span (a rule of keywords only)."""
    return Token(WORD, text, span.start, span.line, span.column, span.end_line, span.end_column, span.end)


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


def _name(tok: Token) -> ast.Name:
    return ast.Name(str(tok), span=span_of(tok))


def _text(tok: Token) -> ast.Text:
    return ast.Text(unquote(str(tok)), span=span_of(tok))


def _date(tok: Token) -> ast.DateLit:
    return ast.DateLit(str(tok), span=span_of(tok))


def _version(tok: Token) -> str:
    """A version as written: `1.0` or `"2.1-draft"` (the quotes dropped)."""
    return unquote(str(tok)) if tok.type == "STRING" else str(tok)


# ------------------------------------------------------------------ parts of a declaration
# Built while parsing and taken apart by the declaration above them; never in the AST.
class Scope(ast.Node):
    """`cap per participant`, `cap outcome x`, ...: what a cap applies to."""

    kind: str  # participant, outcome, subgroup, cohort, period, year, payer, contract
    target: ast.Name | None = None


class Delay(ast.Node):
    """`at least 6 months` (min) or `by 12 months` (max) after a prerequisite."""

    kind: str  # min | max
    value: ast.Expr


class Remainder(ast.Node):
    """`remainder to NAME` (or to the largest share: no name)."""

    to: ast.Name | None = None


class SplitRule(ast.Node):
    """`per invoice` or `per claim` after the rounding rule."""

    per: str


class Dated(ast.Node):
    """`from DATE` or `until DATE` after a need."""

    kind: str  # from | until
    day: ast.DateLit


@v_args(wrapper=_spanned)
class AstBuilder(Transformer[Token, ast.ContractFile]):
    """One method per grammar rule or alias; each returns an AST node (or a part of one)."""

    # ---------------------------------------------------------- file
    def start(self, span: Span, *declarations: ast.Declaration) -> ast.ContractFile:
        return ast.ContractFile(declarations, span=span)

    # ---------------------------------------------------------- values
    def expr(self, span: Span, first: ast.Expr, *rest: ast.Expr | Token) -> ast.Expr:
        if not rest:
            return first
        terms = (first, *(t for t in rest if not isinstance(t, Token)))
        return ast.Sum(terms, tuple(str(t) for t in rest if isinstance(t, Token)), span=span)

    def product(self, span: Span, first: ast.Expr, *rest: ast.Expr | Token) -> ast.Expr:
        if not rest:
            return first
        factors = (first, *(f for f in rest if not isinstance(f, Token)))
        ops = tuple("/" if str(t) == "/" else "*" for t in rest if isinstance(t, Token))
        return ast.Product(factors, ops, span=span)

    def money(self, span: Span, currency: Token, amount: Token, scale: Token | None = None) -> ast.MoneyLit:
        return ast.MoneyLit(str(currency), str(amount), str(scale) if scale is not None else None, span=span)

    def percent(self, span: Span, amount: Token) -> ast.PercentLit:
        return ast.PercentLit(str(amount), span=span)

    def quantity(self, span: Span, amount: Token, unit: Token) -> ast.QuantityLit:
        return ast.QuantityLit(str(amount), str(unit), span=span)

    def number(self, span: Span, amount: Token) -> ast.NumberLit:
        return ast.NumberLit(str(amount), span=span)

    @_words
    def unit(self, word: Token) -> Token:
        return _word(word)

    def clause_ref(self, span: Span, text: Token) -> ast.ClauseRef:
        return ast.ClauseRef(_text(text), span=span)

    def name_list(self, span: Span, *names: Token) -> tuple[ast.Name, ...]:
        return tuple(_name(t) for t in names)

    # ---------------------------------------------------------- header
    def contract_decl(self, span: Span, title: Token, version: Token | None = None) -> ast.ContractDecl:
        written = None if version is None else _version(version)
        return ast.ContractDecl(_text(title), written, span=span)

    def supersedes_decl(self, span: Span, version: Token) -> ast.SupersedesDecl:
        return ast.SupersedesDecl(_version(version), span=span)

    def amendment_decl(self, span: Span, version: Token, day: Token, summary: Token,
                       clause: ast.ClauseRef | None = None) -> ast.AmendmentDecl:
        return ast.AmendmentDecl(_version(version), _date(day), _text(summary), clause, span=span)

    def currency_decl(self, span: Span, code: Token) -> ast.CurrencyDecl:
        return ast.CurrencyDecl(_name(code), span=span)

    def term_decl(self, span: Span, start: Token, end: Token) -> ast.TermDecl:
        return ast.TermDecl(_date(start), _date(end), span=span)

    def claims_deadline_decl(self, span: Span, day: Token) -> ast.ClaimsDeadlineDecl:
        return ast.ClaimsDeadlineDecl(_date(day), span=span)

    def run_off_decl(self, span: Span, duration: ast.Expr) -> ast.RunOffDecl:
        return ast.RunOffDecl(duration, span=span)

    def remainder(self, span: Span, to: Token | None = None) -> Remainder:
        return Remainder(_name(to) if to is not None else None, span=span)

    def rounding_decl(self, span: Span, *parts: Token | ast.Expr | Remainder | SplitRule) -> ast.RoundingDecl:
        mode = "up"  # `rounding up to GBP 0.01`
        unit: ast.Expr | None = None
        remainder: ast.Name | None = None
        split = "claim"
        for part in parts:
            if isinstance(part, SplitRule):
                split = part.per
            elif isinstance(part, Token):  # ROUND_MODE
                mode = " ".join(str(part).replace("-", " ").split())
            elif isinstance(part, Remainder):
                remainder = part.to
            else:
                unit = part
        return ast.RoundingDecl(mode, unit, remainder, split, span=span)

    def split_per_invoice(self, span: Span) -> SplitRule:
        return SplitRule("invoice", span=span)

    def split_per_claim(self, span: Span) -> SplitRule:
        return SplitRule("claim", span=span)

    @_words
    def period_word(self, word: Token) -> Token:
        return _word(word)

    def settlement_decl(self, span: Span, period: Token, timing: Token | None = None) -> ast.SettlementDecl:
        advance = timing is not None and timing.type == "IN_ADVANCE"
        return ast.SettlementDecl(str(period), "advance" if advance else "arrears", span=span)

    def clauses_decl(self, span: Span, scheme: Token) -> ast.ClausesDecl:
        return ast.ClausesDecl(_text(scheme), span=span)

    def define_decl(self, span: Span, term: Token, meaning: Token) -> ast.DefineDecl:
        return ast.DefineDecl(_text(term), _text(meaning), span=span)

    # ---------------------------------------------------------- parties
    @_words
    def party_role(self, word: Token) -> Token:
        return _word(word)

    def party_decl(self, span: Span, role: Token, name: Token, title: Token, *clauses: ast.Node) -> ast.PartyDecl:
        # The one span that does not start at its rule's first word: a party declaration has
        # always been reported from its name (`payer >council<`), and the SIB104 golden
        # output (a missing header, reported at the first declaration) depends on it.
        party = _name(name)
        return ast.PartyDecl(str(role), party, _text(title), clauses, span=party.span.to(span))

    def payer_share(self, span: Span, value: ast.Expr, *phases: ast.SharePhase) -> ast.PayerShare:
        return ast.PayerShare(value, phases, span=span)

    def payer_outcome_share(self, span: Span, value: ast.Expr, names: tuple[ast.Name, ...],
                            *phases: ast.SharePhase) -> ast.PayerShare:
        return ast.PayerShare(value, phases, names, span=span)

    def share_phase(self, span: Span, until: Token, value: ast.Expr) -> ast.SharePhase:
        return ast.SharePhase(_date(until), value, span=span)

    def top_up(self, span: Span, amount: ast.Expr, payer: Token) -> ast.TopUp:
        return ast.TopUp(amount, _name(payer), span=span)

    def payer_proportional(self, span: Span) -> ast.PayerProportional:
        return ast.PayerProportional(span=span)

    def payer_cap(self, span: Span, value: ast.Expr) -> ast.PayerCap:
        return ast.PayerCap(value, span=span)

    def investor_decl(self, span: Span, name: Token, title: Token, *clauses: ast.Node) -> ast.InvestorDecl:
        return ast.InvestorDecl(_name(name), _text(title), clauses, span=span)

    def commitment(self, span: Span, low: ast.Expr, high: ast.Expr | None = None) -> ast.Commitment:
        return ast.Commitment(low, high, span=span)

    # ---------------------------------------------------------- investment terms and the waterfall
    def rank(self, span: Span, value: Token) -> ast.Rank:
        return ast.Rank(str(value), span=span)

    def interest(self, span: Span, rate: ast.Expr, *rest: Token) -> ast.InterestClause:
        until = next((_date(t) for t in rest if t.type == "DATE"), None)
        guarantor = next((_name(t) for t in rest if t.type == "NAME"), None)
        return ast.InterestClause(rate, until, guarantor, span=span)

    def return_cap(self, span: Span, rate: ast.Expr) -> ast.ReturnCap:
        return ast.ReturnCap(rate, span=span)

    def protection_floor(self, span: Span, limit: ast.Expr, *rest: Token) -> ast.ProtectionClause:
        return self._protection("floor", span, limit, rest)

    def protection_first_loss(self, span: Span, limit: ast.Expr, *rest: Token) -> ast.ProtectionClause:
        return self._protection("first_loss", span, limit, rest)

    @staticmethod
    def _protection(kind: str, span: Span, limit: ast.Expr, rest: tuple[Token, ...]) -> ast.ProtectionClause:
        of_principal = any(t.type == "OF_PRINCIPAL" for t in rest)
        by = next(t for t in rest if t.type == "NAME")  # the grammar requires `by NAME`
        return ast.ProtectionClause(kind, limit, _name(by), of_principal, span=span)

    def waterfall_decl(self, span: Span, *parts: Token | ast.Node) -> ast.WaterfallDecl:
        title = next((_text(p) for p in parts if isinstance(p, Token)), None)
        clauses = tuple(p for p in parts if isinstance(p, ast.Node))
        return ast.WaterfallDecl(title, clauses, span=span)

    def distributes_period(self, span: Span) -> ast.Distributes:
        return ast.Distributes("period", span=span)

    def distributes_maturity(self, span: Span) -> ast.Distributes:
        return ast.Distributes("maturity", span=span)

    def distributes_from(self, span: Span, start: Token) -> ast.Distributes:
        return ast.Distributes("from", _date(start), span=span)

    def need_from(self, span: Span, day: Token) -> Dated:
        return Dated("from", _date(day), span=span)

    def need_until(self, span: Span, day: Token) -> Dated:
        return Dated("until", _date(day), span=span)

    def need(self, span: Span, amount: ast.Expr, *dates: Dated) -> ast.NeedClause:
        start = next((d.day for d in dates if d.kind == "from"), None)
        until = next((d.day for d in dates if d.kind == "until"), None)
        return ast.NeedClause(amount, start, until, span=span)

    def recycles(self, span: Span, limit: ast.Expr | None = None) -> ast.Recycles:
        return ast.Recycles(limit, span=span)

    def surplus_share(self, span: Span, *parts: Token | ast.Expr) -> ast.SurplusPart:
        share = next((p for p in parts if not isinstance(p, Token)), None)
        name = next((p for p in parts if isinstance(p, Token) and p.type == "NAME"), None)
        return ast.SurplusPart(share, _name(name) if name is not None else None, span=span)

    def surplus(self, span: Span, *parts: ast.SurplusPart) -> ast.SurplusClause:
        return ast.SurplusClause(parts, span=span)

    # ---------------------------------------------------------- cohorts
    def cohort_decl(self, span: Span, name: Token, title: Token, *clauses: ast.Node) -> ast.CohortDecl:
        return ast.CohortDecl(_name(name), _text(title), clauses, span=span)

    def cohort_size(self, span: Span, value: ast.Expr) -> ast.CohortSize:
        return ast.CohortSize(value, span=span)

    def referral_window(self, span: Span, start: Token, end: Token) -> ast.ReferralWindow:
        return ast.ReferralWindow(_date(start), _date(end), span=span)

    def eligibility(self, span: Span, text: Token) -> ast.Eligibility:
        return ast.Eligibility(_text(text), span=span)

    def subgroup(self, span: Span, name: Token, title: Token | None = None) -> ast.SubgroupDecl:
        return ast.SubgroupDecl(_name(name), _text(title) if title is not None else None, span=span)

    # ---------------------------------------------------------- outcomes
    def outcome_decl(self, span: Span, name: Token, title: Token, *clauses: ast.Node) -> ast.OutcomeDecl:
        return ast.OutcomeDecl(_name(name), _text(title), clauses, span=span)

    def fixed_tariff(self, span: Span, price: ast.Expr) -> ast.FixedTariff:
        return ast.FixedTariff(price, span=span)

    def subgroup_price(self, span: Span, price: ast.Expr, subgroup: Token) -> ast.SubgroupPrice:
        return ast.SubgroupPrice(price, _name(subgroup), span=span)

    def subgroup_tariff(self, span: Span, *parts: ast.SubgroupPrice | ast.Expr) -> ast.SubgroupTariff:
        prices = tuple(p for p in parts if isinstance(p, ast.SubgroupPrice))
        otherwise = next((p for p in parts if not isinstance(p, ast.SubgroupPrice)), None)
        return ast.SubgroupTariff(prices, otherwise, span=span)

    def band_range(self, span: Span, price: ast.Expr, first: Token, last: Token,
                   cap: ast.BandCap | None = None) -> ast.Band:
        return ast.Band(price, str(first), str(last), cap, span=span)

    def band_open(self, span: Span, price: ast.Expr, first: Token, cap: ast.BandCap | None = None) -> ast.Band:
        return ast.Band(price, str(first), None, cap, span=span)

    def band_cap(self, span: Span, limit: ast.Expr) -> ast.BandCap:
        return ast.BandCap(limit, span=span)

    def counted_within(self, span: Span, subgroup: Token) -> ast.CountedWithin:
        return ast.CountedWithin(_name(subgroup), span=span)

    def tiered_tariff(self, span: Span, *parts: ast.Band | ast.CountedWithin) -> ast.TieredTariff:
        bands = tuple(p for p in parts if isinstance(p, ast.Band))
        within = next((p for p in parts if isinstance(p, ast.CountedWithin)), None)
        return ast.TieredTariff(bands, within, span=span)

    def scale_point(self, span: Span, percent: ast.Expr, at: ast.Expr) -> ast.ScalePoint:
        return ast.ScalePoint(percent, at, span=span)

    def sliding_tariff(self, span: Span, price: ast.Expr, measure: Token, *points: ast.ScalePoint) -> ast.SlidingTariff:
        return ast.SlidingTariff(price, _text(measure), points, span=span)

    def per_unit_tariff(self, span: Span, price: ast.Expr, unit: Token) -> ast.PerUnitTariff:
        return ast.PerUnitTariff(price, _name(unit), span=span)

    @_words
    def direction(self, word: Token) -> Token:
        return _word(word)

    @_words
    def baseline(self, first: Token, *more: Token) -> Token:
        return _word(first, *more)

    def cohort_tariff(self, span: Span, price: ast.Expr, per: ast.Expr, direction: Token, metric: Token,
                      baseline: Token, threshold: ast.Expr | None = None) -> ast.CohortTariff:
        return ast.CohortTariff(price, per, str(direction), _text(metric), str(baseline), threshold, span=span)

    def min_delay(self, span: Span, value: ast.Expr) -> Delay:
        return Delay("min", value, span=span)

    def max_delay(self, span: Span, value: ast.Expr) -> Delay:
        return Delay("max", value, span=span)

    def prerequisite(self, span: Span, outcome: Token, *delays: Delay) -> ast.Prerequisite:
        at_least = next((d.value for d in delays if d.kind == "min"), None)
        within = next((d.value for d in delays if d.kind == "max"), None)
        return ast.Prerequisite(_name(outcome), at_least, within, span=span)

    @_words
    def join(self, word: Token) -> Token:
        return _word(word)

    @_words
    def prerequisite_tail(self, first: Token, *more: Token) -> Token:
        held = any(t.type == "HELD_AT_REFERRAL" for t in (first, *more))
        return _word(first, *more, text="or held at referral" if held else "if paid")

    def prerequisites(self, span: Span, *parts: ast.Prerequisite | Token) -> ast.Prerequisites:
        items = tuple(p for p in parts if isinstance(p, ast.Prerequisite))
        words = [p for p in parts if isinstance(p, Token)]
        tail = words[-1] if words and str(words[-1]) in ("or held at referral", "if paid") else None
        joins = tuple(ast.Name(" ".join(str(w).split()), span=span_of(w)) for w in words if w is not tail)
        return ast.Prerequisites(items, joins, ast.Name(str(tail), span=span_of(tail)) if tail is not None else None,
                                 span=span)

    @_words
    def not_if_held(self, word: Token) -> ast.NotIfHeld:
        return ast.NotIfHeld(span=span_of(word))

    def reset_decl(self, span: Span, name: Token, title: Token, restarts: tuple[ast.Name, ...],
                   clause: ast.ClauseRef | None = None) -> ast.ResetDecl:
        return ast.ResetDecl(_name(name), _text(title), restarts, clause, span=span)

    @_words
    def start_event(self, word: Token) -> Token:
        return _word(word)

    def window(self, span: Span, duration: ast.Expr, start_event: Token | None = None) -> ast.Window:
        return ast.Window(duration, str(start_event) if start_event is not None else "start", span=span)

    def repeat_once(self, span: Span) -> ast.Repeat:
        return ast.Repeat("once", None, span=span)

    def repeat_up_to(self, span: Span, limit: ast.Expr) -> ast.Repeat:
        return ast.Repeat("up_to", limit, span=span)

    def repeat_unlimited(self, span: Span) -> ast.Repeat:
        return ast.Repeat("unlimited", None, span=span)

    def trigger(self, span: Span, event: Token) -> ast.Trigger:
        return ast.Trigger(unquote(str(event)) if event.type == "STRING" else str(event), span=span)

    def evidence(self, span: Span, text: Token) -> ast.Evidence:
        return ast.Evidence(_text(text), span=span)

    def definition(self, span: Span, term: Token, meaning: Token) -> ast.Definition:
        return ast.Definition(_text(term), _text(meaning), span=span)

    def in_addition_to(self, span: Span, outcomes: tuple[ast.Name, ...]) -> ast.InAdditionTo:
        return ast.InAdditionTo(outcomes, span=span)

    def includes(self, span: Span, outcomes: tuple[ast.Name, ...]) -> ast.Includes:
        return ast.Includes(outcomes, span=span)

    def separate_from(self, span: Span, cohorts: tuple[ast.Name, ...]) -> ast.SeparateFrom:
        return ast.SeparateFrom(cohorts, span=span)

    def for_cohorts(self, span: Span, cohorts: tuple[ast.Name, ...]) -> ast.ForCohorts:
        return ast.ForCohorts(cohorts, span=span)

    def pooled_over(self, span: Span, cohorts: tuple[ast.Name, ...]) -> ast.PooledOver:
        return ast.PooledOver(cohorts, span=span)

    def net_of(self, span: Span, outcomes: tuple[ast.Name, ...]) -> ast.NetOf:
        return ast.NetOf(outcomes, span=span)

    def indexation(self, span: Span, rate: ast.Expr, start: Token | None = None) -> ast.Indexation:
        return ast.Indexation(rate, _date(start) if start is not None else None, span=span)

    # ---------------------------------------------------------- caps and groups
    def scope_participant(self, span: Span) -> Scope:
        return Scope("participant", span=span)

    def scope_outcome(self, span: Span, name: Token) -> Scope:
        return Scope("outcome", _name(name), span=span)

    def scope_subgroup(self, span: Span, name: Token) -> Scope:
        return Scope("subgroup", _name(name), span=span)

    def scope_cohort(self, span: Span, name: Token) -> Scope:
        return Scope("cohort", _name(name), span=span)

    def scope_period(self, span: Span) -> Scope:
        return Scope("period", span=span)

    def scope_year(self, span: Span) -> Scope:
        return Scope("year", span=span)

    def scope_payer(self, span: Span, name: Token) -> Scope:
        return Scope("payer", _name(name), span=span)

    def scope_contract(self, span: Span) -> Scope:
        return Scope("contract", span=span)

    def share_base(self, span: Span, kind: Token, *rest: tuple[ast.Name, ...] | Token) -> ast.ShareBase:
        outcomes = next((r for r in rest if isinstance(r, tuple)), ())
        timing = next((str(r) for r in rest if isinstance(r, Token)), None)
        return ast.ShareBase(str(kind), outcomes, timing, span=span)

    @_words
    def share_kind(self, first: Token, *more: Token) -> Token:
        return _word(first, *more, text="achievements" if str(first) == "achievements" else "paid")

    def share_of(self, span: Span, names: tuple[ast.Name, ...]) -> tuple[ast.Name, ...]:
        return names

    @_words
    def share_timing(self, word: Token) -> Token:
        return _word(word, text="period" if "period" in str(word) else "contract")

    @_words
    def cap_behaviour(self, first: Token, *more: Token) -> Token:
        reject = any(str(t) == "reject" for t in (first, *more))
        return _word(first, *more, text="reject" if reject else "pay in part")

    def cap_decl(self, span: Span, scope: Scope, limit: ast.Expr,
                 *rest: Token | ast.ClauseRef | ast.ShareBase) -> ast.CapDecl:
        words = [str(r) for r in rest if isinstance(r, Token)]
        behaviour = next((w for w in words if w in ("reject", "pay in part")), None)
        clause = next((r for r in rest if isinstance(r, ast.ClauseRef)), None)
        share = next((r for r in rest if isinstance(r, ast.ShareBase)), None)
        return ast.CapDecl(scope.kind, scope.target, limit, share is not None, behaviour, clause, span=span,
                           share=share)

    def exclusive_decl(self, span: Span, k: Token, members: tuple[ast.Name, ...],
                       clause: ast.ClauseRef | None = None) -> ast.ExclusiveDecl:
        return ast.ExclusiveDecl(str(k), members, clause, span=span)

    # ---------------------------------------------------------- tranches
    def tranche_amount(self, span: Span, amount: ast.Expr) -> ast.Expr:
        return amount

    def tranche_decl(self, span: Span, name: Token, *rest: ast.Node) -> ast.TrancheDecl:
        amount: ast.Expr | None = None
        clauses = rest
        if rest and isinstance(rest[0], _EXPR_TYPES):  # the tranche_amount: no clause is a value
            amount, clauses = rest[0], rest[1:]
        return ast.TrancheDecl(_name(name), amount, clauses, span=span)

    def on_date(self, span: Span, date: Token) -> ast.OnDate:
        return ast.OnDate(_date(date), span=span)

    def deadline(self, span: Span, date: Token) -> ast.Deadline:
        return ast.Deadline(_date(date), span=span)

    def discretion(self, span: Span, who: Token | None = None) -> ast.Discretion:
        if who is not None and who.type == "POSSESSIVE":  # "at the board's discretion"
            owner = str(who)[:-2].replace("_", " ")
            return ast.Discretion(ast.Text(f"the {owner}", span=span_of(who)), span=span)
        return ast.Discretion(_text(who) if who is not None else None, span=span)

    def limit(self, span: Span, value: ast.Expr) -> ast.Limit:
        return ast.Limit(value, span=span)

    def purpose(self, span: Span, text: Token) -> ast.Purpose:
        return ast.Purpose(_text(text), span=span)

    def from_investor(self, span: Span, investor: Token) -> ast.FromInvestor:
        return ast.FromInvestor(_name(investor), span=span)

    @_words
    def figure_word(self, word: Token) -> Token:
        return _word(word)

    def figure_of(self, span: Span, name: Token) -> ast.Name:
        return _name(name)

    def figure(self, span: Span, *parts: Token | ast.Name) -> ast.Figure:
        words = tuple(str(p) for p in parts if isinstance(p, Token))
        of = next((p for p in parts if isinstance(p, ast.Name)), None)
        return ast.Figure(words, of, span=span)

    @_words
    def comparator(self, word: Token) -> Token:
        exceeds = " ".join(str(word).split()).startswith("exceed")
        return _word(word, text=">" if exceeds else ">=")  # reach(es), at least: ">="

    def condition(self, span: Span, figure: ast.Figure, comparator: Token, value: ast.Expr) -> ast.Condition:
        return ast.Condition(figure, str(comparator), value, span=span)

    def when(self, span: Span, *conditions: ast.Condition) -> ast.When:
        return ast.When(conditions, span=span)

    # ---------------------------------------------------------- assertions
    def assert_decl(self, span: Span, node: ast.AssertDecl, clause: ast.ClauseRef | None = None) -> ast.AssertDecl:
        return ast.AssertDecl(node.kind, node.subject, node.other, node.value, clause, span=span,
                              of_principal=node.of_principal)

    def assert_participant_max(self, span: Span, value: ast.Expr) -> ast.AssertDecl:
        return ast.AssertDecl("participant_max", value=value, span=span)

    def assert_payer_max(self, span: Span, payer: Token, value: ast.Expr) -> ast.AssertDecl:
        return ast.AssertDecl("payer_max", _name(payer), value=value, span=span)

    def assert_period_max(self, span: Span, value: ast.Expr) -> ast.AssertDecl:
        return ast.AssertDecl("period_max", value=value, span=span)

    def assert_total_max(self, span: Span, value: ast.Expr) -> ast.AssertDecl:
        return ast.AssertDecl("total_max", value=value, span=span)

    def assert_never_twice(self, span: Span, outcome: Token) -> ast.AssertDecl:
        return ast.AssertDecl("never_twice", _name(outcome), span=span)

    def assert_subgroup_share(self, span: Span, subgroup: Token, value: ast.Expr) -> ast.AssertDecl:
        return ast.AssertDecl("subgroup_share", _name(subgroup), value=value, span=span)

    def assert_tranche_order(self, span: Span, first: Token, second: Token) -> ast.AssertDecl:
        return ast.AssertDecl("tranche_order", _name(first), _name(second), span=span)

    def assert_investor_loss(self, span: Span, investor: Token, value: ast.Expr,
                             of_principal: Token | None = None) -> ast.AssertDecl:
        return ast.AssertDecl("investor_loss", _name(investor), value=value, span=span,
                              of_principal=of_principal is not None)

    def assert_investor_no_loss(self, span: Span, investor: Token) -> ast.AssertDecl:
        return ast.AssertDecl("investor_loss", _name(investor), span=span)

    def assert_investor_return(self, span: Span, investor: Token, value: ast.Expr) -> ast.AssertDecl:
        return ast.AssertDecl("investor_return", _name(investor), value=value, span=span)
