"""Phase 2: `reset` declarations -> `model.Reset` (issue 10.1, sustainment clocks that reset).

Input: an `ast.ResetDecl`, the `Scope`, the span table and the reset's model path; then, once
every outcome is built, the resets with the outcomes. Output: the `Reset` with its spans
recorded (or None, reported), and SIB421 for a reset that cannot restart a clock: a step
named twice, a cohort-level outcome, or a step with no delay after a prerequisite (its
payment is not timed, so a reset would change nothing).
"""

from __future__ import annotations

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.model.contract import Outcome, Reset
from sibdsl.model.spans import Path, SpanTable
from sibdsl.semantics.scope import Scope
from sibdsl.syntax import ast


def build_reset(decl: ast.ResetDecl, scope: Scope, spans: SpanTable, at: Path) -> Reset | None:
    names: list[str] = []
    seen: dict[str, ast.Name] = {}
    for i, step in enumerate(decl.restarts):
        if step.text in seen:
            scope.sink.add("SIB421", f"reset '{decl.name.text}' restarts '{step.text}' twice", step.span,
                           labels=[Label(seen[step.text].span, "first named here")], hint=f"name '{step.text}' once")
            return None
        seen[step.text] = step
        target = scope.refer(step, "outcome")
        if target is None:
            return None
        spans[(*at, "restarts", i)] = step.span
        names.append(target)
    spans[at] = decl.span
    return Reset(name=decl.name.text, title=decl.title.value, restarts=tuple(names),
                 clause=decl.clause.text.value if decl.clause else None)


def timed(outcome: Outcome) -> bool:
    """Has the outcome a delay (`at least` or `by`) after some prerequisite or option?"""
    options = [*outcome.prerequisites, *(o for c in outcome.choices for o in c.options)]
    return any(p.at_least is not None or p.within is not None for p in options)


def written_timed(decls: tuple[ast.Node, ...]) -> set[str]:
    """Outcomes whose text gives a delay after a prerequisite (even where that clause was refused
    with an error of its own: then the reset is not blamed for it)."""
    return {d.name.text for d in decls if isinstance(d, ast.OutcomeDecl)
            for c in d.clauses if isinstance(c, ast.Prerequisites)
            for item in c.items if item.at_least is not None or item.within is not None}


def check_resets(resets: list[Reset], outcomes: list[Outcome], spans: SpanTable, sink: DiagnosticSink,
                 written: set[str] | frozenset[str] = frozenset()) -> None:
    """SIB421 for each restarted step whose clock a reset cannot restart (`written`: the
    outcomes whose text gives a delay, see `written_timed`)."""
    by_name = {o.name: o for o in outcomes}
    for ri, reset in enumerate(resets):
        for si, step in enumerate(reset.restarts):
            outcome = by_name.get(step)
            if outcome is None:  # its declaration was refused (reported there)
                continue
            where = spans.get(("resets", ri, "restarts", si)) or spans[("resets", ri)]
            if outcome.tariff.kind == "cohort_level":
                sink.add("SIB421", f"reset '{reset.name}' restarts '{step}', which is paid from a cohort's "
                         "measurements", where, hint="a reset restarts the steps of one participant's ladder; "
                                                     "remove it from the list")
            elif not timed(outcome) and step not in written:
                sink.add("SIB421", f"reset '{reset.name}' restarts '{step}', which has no delay after a prerequisite",
                         where, hint=f"a reset restarts the clock of a timed step: give '{step}' a delay after "
                                     f"its entry step (`after move_in at least 3 months`), or remove it from the list")
