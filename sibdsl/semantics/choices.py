"""Phase 2: an `after` clause with alternatives -> `model.PrerequisiteChoice` (issue 10.2).

Input: an `ast.Prerequisites` whose items are joined by `or`, or that ends `or held at
referral` or `if paid`; the `Scope`, the span table and the choice's model path. Output: the
`PrerequisiteChoice` with its options' delays checked and their spans recorded, or None when a
mistake was reported: `and` and `or` in one clause, or an option named twice (SIB422). An
optional prerequisite without a delay (`after level_1 if paid`) can never refuse a claim: a
warning (SIB423). Plain `after a and b` clauses stay `Outcome.prerequisites` (outcomes.py).
"""

from __future__ import annotations

from sibdsl.core.diagnostics import Label
from sibdsl.model.contract import Prerequisite, PrerequisiteChoice
from sibdsl.model.spans import Path, SpanTable
from sibdsl.semantics.scope import Scope
from sibdsl.syntax import ast


def is_choice(clause: ast.Prerequisites) -> bool:
    """Does the clause need a choice (alternatives, held at referral, if paid)?"""
    return clause.tail is not None or any(j.text == "or" for j in clause.joins)


def build_choice(clause: ast.Prerequisites, scope: Scope, spans: SpanTable, at: Path) -> PrerequisiteChoice | None:
    sink = scope.sink
    words = {j.text for j in clause.joins}
    if len(words) > 1:
        first_and = next(j for j in clause.joins if j.text == "and")
        first_or = next(j for j in clause.joins if j.text == "or")
        later = max(first_and, first_or, key=lambda j: j.span.start)
        sink.add("SIB422", "one `after` clause joins its prerequisites with both `and` and `or`", later.span,
                 labels=[Label(min(first_and, first_or, key=lambda j: j.span.start).span, "the other word")],
                 hint="write one clause per rule: `after a or b` and a second `after c` (every `after` clause "
                      "must hold)")
        return None
    if clause.tail is not None and clause.tail.text == "if paid" and words == {"and"}:
        sink.add("SIB422", "`if paid` ends a clause whose prerequisites are joined by `and`", clause.tail.span,
                 hint="an optional prerequisite is written alone or with `or`: `after level_1 if paid`; write two "
                      "clauses for two optional prerequisites")
        return None
    if clause.tail is not None and clause.tail.text == "or held at referral" and words == {"and"}:
        sink.add("SIB422", "`or held at referral` ends a clause whose prerequisites are joined by `and`",
                 clause.tail.span, hint="write one clause per prerequisite: `after a or held at referral` and "
                                        "`after b or held at referral`")
        return None
    seen: dict[str, ast.Name] = {}
    options: list[Prerequisite] = []
    for item in clause.items:
        if item.outcome.text in seen:
            sink.add("SIB422", f"'{item.outcome.text}' is named twice in one `after` clause", item.outcome.span,
                     labels=[Label(seen[item.outcome.text].span, "first named here")],
                     hint=f"name '{item.outcome.text}' once; give it the delays that apply")
            return None
        seen[item.outcome.text] = item.outcome
        target = scope.refer(item.outcome, "outcome")
        if target is None:
            return None
        where = (*at, "options", len(options))
        spans[where] = item.span
        at_least = scope.duration(item.at_least, "the delay after a prerequisite") if item.at_least else None
        within = scope.duration(item.within, "the time allowed after a prerequisite") if item.within else None
        if (item.at_least is not None and at_least is None) or (item.within is not None and within is None):
            return None
        if item.at_least is not None:
            spans[(*where, "at_least")] = item.at_least.span
        if item.within is not None:
            spans[(*where, "within")] = item.within.span
        options.append(Prerequisite(outcome=target, at_least=at_least, within=within))
    spans[at] = clause.span
    if_paid = clause.tail is not None and clause.tail.text == "if paid"
    if if_paid and all(o.at_least is None and o.within is None for o in options):
        assert clause.tail is not None
        sink.add("SIB423", "an optional prerequisite without a delay never refuses a claim", clause.tail.span,
                 hint="give the delay that applies once it is paid (`after level_1 at least 1 month if paid`), or "
                      "remove the clause: the outcome is payable on its own or after it")
    return PrerequisiteChoice(options=tuple(options), held_at_referral=clause.tail is not None and not if_paid,
                              if_paid=if_paid)
