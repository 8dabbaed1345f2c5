"""Phase 2: tranche and assertion declarations -> `model.Tranche`, `model.Assertion`.

Input: `ast.TrancheDecl` / `ast.AssertDecl` and the `Scope` (a tranche also the span table, its
model path and the contract's only investor, if it has one). Output: the tranche with its
checked conditions (figures by name, with aliases), drawn from the only investor when it names
none, and the assertion with its text; problems are reported (SIB501, SIB601, SIB106, unknown
names).
"""

from __future__ import annotations

import difflib
from datetime import date
from decimal import Decimal
from typing import cast

from sibdsl.core.diagnostics import DiagnosticSink
from sibdsl.model.contract import Assertion, AssertionKind, Comparator, Condition, Figure, Tranche
from sibdsl.model.spans import Path, SpanTable
from sibdsl.semantics.clauses import clause_text, once
from sibdsl.semantics.investment import investor_assertion
from sibdsl.semantics.scope import Scope
from sibdsl.semantics.values import COUNT, MONEY, kind_words
from sibdsl.syntax import ast

FIGURES = {"payments": MONEY, "outcomes": COUNT, "participants": COUNT}
# Other ways people write the figures; "paid outcomes" means money or a count by what it is compared with.
_FIGURE_ALIASES = {"payments made": "payments", "outcomes paid": "outcomes",
                   "participants enrolled": "participants", "enrolled participants": "participants",
                   "referrals": "participants"}


_TRANCHE_ONCE = {ast.OnDate: "the release date", ast.Deadline: "the deadline", ast.Discretion: "the discretion",
                 ast.Limit: "the `up to` limit", ast.Purpose: "the purpose", ast.FromInvestor: "the investor",
                 ast.When: "the condition (join conditions with `and`)", ast.ClauseRef: "the clause"}


def build_tranche(decl: ast.TrancheDecl, scope: Scope, spans: SpanTable, at: Path,
                  lone_investor: str | None) -> Tranche:
    for kind, what in _TRANCHE_ONCE.items():
        once(decl.clauses, kind, what, scope.sink)
    spans[at] = decl.name.span
    amount = scope.money(decl.amount, "a tranche") if decl.amount is not None else None
    on: date | None = None
    deadline: date | None = None
    discretionary = False
    discretion_of: str | None = None
    limit: Decimal | None = None
    purpose: str | None = None
    investor: str | None = None
    conditions: list[Condition] = []
    for c in decl.clauses:
        if isinstance(c, ast.OnDate):
            on = scope.date(c.date)
        elif isinstance(c, ast.Deadline):
            deadline = scope.date(c.date)
        elif isinstance(c, ast.Discretion):
            discretionary = True
            discretion_of = c.of.value if c.of else None
        elif isinstance(c, ast.Limit):
            limit = scope.money(c.value, "a tranche limit")
        elif isinstance(c, ast.Purpose):
            purpose = c.text.value
        elif isinstance(c, ast.FromInvestor):
            investor = scope.refer(c.investor, "investor")
        elif isinstance(c, ast.When):
            for cond in c.conditions:
                built = _condition(cond, scope)
                if built is not None:
                    spans[(*at, "conditions", len(conditions))] = cond.span
                    conditions.append(built)
    if investor is None:
        investor = lone_investor  # a contract with one investor draws every tranche from it
    return Tranche(name=decl.name.text, investor=investor, amount=amount, limit=limit, on=on,
                   conditions=tuple(conditions), deadline=deadline, discretionary=discretionary,
                   discretion_of=discretion_of, purpose=purpose, clause=clause_text(decl.clauses))


def _condition(cond: ast.Condition, scope: Scope) -> Condition | None:
    words = " ".join(cond.figure.words)
    words = _FIGURE_ALIASES.get(words, words)
    if words == "paid outcomes":  # money or a count, by what it is compared with
        probe = Scope(DiagnosticSink(scope.sink.file))  # look without reporting: scope.value reports below
        probe.evaluate.currency = scope.evaluate.currency
        compared = probe.evaluate(cond.value)
        words = "payments" if compared is not None and compared.kind == MONEY else "outcomes"
    if words not in FIGURES:
        close = difflib.get_close_matches(words, list(FIGURES), n=1, cutoff=0.3)
        scope.sink.add("SIB501", f"the contract has no figure called '{words}'", cond.figure.span,
                       hint=(f"did you mean '{close[0]}'? " if close else "") +
                            "figures: payments (money paid), outcomes (outcomes paid), participants "
                            "(participants enrolled), each optionally 'of' an outcome, cohort or payer")
        return None
    of = None
    if cond.figure.of is not None:
        kinds = ("outcome", "cohort", "payer", "subgroup") if words != "participants" else ("cohort", "subgroup")
        of = scope.refer(cond.figure.of, *kinds)
        if of is None:
            return None
    kind = FIGURES[words]
    value = scope.value(cond.value, (kind,), f"'{words}'",
                        "participants" if words == "participants" else "outcomes" if kind == COUNT else None)
    if value is None:
        return None
    return Condition(figure=cast(Figure, words), of=of, op=cast(Comparator, cond.comparator), value=value.amount)


_ASSERT_TEXT = {
    "participant_max": "each participant is paid at most {v}",
    "payer_max": "payer {s} pays at most {v}",
    "period_max": "each period pays at most {v}",
    "total_max": "total payments are at most {v}",
    "never_twice": "{s} is never paid twice",
    "subgroup_share": "sub-group {s} is at most {v} of paid outcomes",
    "tranche_order": "tranche {s} is released before {o}",
}
_ASSERT_KINDS = {"payer_max": ("payer",), "never_twice": ("outcome",), "subgroup_share": ("subgroup",),
                 "tranche_order": ("tranche",)}


def build_assertion(decl: ast.AssertDecl, scope: Scope) -> Assertion | None:
    if decl.kind in ("investor_loss", "investor_return"):
        return investor_assertion(decl, scope)  # sibdsl/semantics/investment.py
    kinds = _ASSERT_KINDS.get(decl.kind, ())
    subject = scope.refer(decl.subject, *kinds) if decl.subject is not None else None
    other = scope.refer(decl.other, *kinds) if decl.other is not None else None
    if (decl.subject is not None and subject is None) or (decl.other is not None and other is None):
        return None
    value: Decimal | None = None
    shown = ""
    if decl.value is not None:
        if decl.kind == "subgroup_share":
            value = scope.percent(decl.value, "a sub-group share")
            shown = f"{value}%"
        else:
            val = scope.evaluate(decl.value)
            if val is None:
                return None
            if val.kind != MONEY:
                scope.sink.add("SIB601", f"this assertion compares payments with {kind_words(val.kind, val.unit)} "
                               f"({val.describe()})", decl.value.span,
                               hint=f"state the limit as money: {scope.evaluate.currency} 15,000")
                return None
            value, shown = val.amount, val.describe()
        if value is None:
            return None
    text = _ASSERT_TEXT[decl.kind].format(s=subject, o=other, v=shown)
    return Assertion(kind=cast(AssertionKind, decl.kind), subject=subject, other=other, value=value,
                     clause=decl.clause.text.value if decl.clause else None, text=text)

