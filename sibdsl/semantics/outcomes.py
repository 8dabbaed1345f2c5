"""Phase 2: one outcome declaration (the rate card line) -> `model.Outcome`.

Input: `ast.OutcomeDecl`, the `Scope`, the resolved header, the span table and the outcome's
model path. Output: `Outcome` with its tariff (one model class per shape), rules and
references checked, its spans recorded; or None when its tariff is missing or unusable
(reported).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import cast

from sibdsl.core.diagnostics import Label
from sibdsl.model.contract import (
    AnyTariff,
    Band,
    Baseline,
    CohortLevelTariff,
    Definition,
    Direction,
    Duration,
    FixedTariff,
    Header,
    Indexation,
    Outcome,
    PerUnitTariff,
    Prerequisite,
    PrerequisiteChoice,
    RepeatRule,
    ScalePoint,
    SlidingTariff,
    SubgroupPrice,
    SubgroupTariff,
    TieredTariff,
    TimeUnit,
    WindowFrom,
)
from sibdsl.model.spans import Path, SpanTable
from sibdsl.semantics.choices import build_choice, is_choice
from sibdsl.semantics.scope import Scope
from sibdsl.semantics.values import NUMBER, PERCENT, parse_number
from sibdsl.syntax import ast

_TARIFFS = (ast.FixedTariff, ast.SubgroupTariff, ast.TieredTariff, ast.SlidingTariff, ast.PerUnitTariff,
            ast.CohortTariff)
_UNITS: dict[str, TimeUnit] = {"day": "days", "days": "days", "week": "weeks", "weeks": "weeks", "month": "months", "months": "months",
          "year": "years", "years": "years"}  # what a price per unit can be per, and its plural
_SINGLE = {
    ast.Window: "the window", ast.Repeat: "the repeat rule", ast.Trigger: "the trigger",
    ast.Evidence: "the evidence", ast.Indexation: "the indexation", ast.ForCohorts: "the cohorts",
    ast.PooledOver: "the pool (`pooled over`)", ast.NetOf: "`net of`",
    ast.ClauseRef: "the clause", ast.NotIfHeld: "`not if held at referral`",
}


def build_outcome(decl: ast.OutcomeDecl, scope: Scope, header: Header, spans: SpanTable, at: Path) -> Outcome | None:
    sink = scope.sink
    tariffs = [c for c in decl.clauses if isinstance(c, _TARIFFS)]
    for extra in tariffs[1:]:
        sink.add("SIB106", f"outcome '{decl.name.text}' has more than one tariff", extra.span,
                 labels=[Label(tariffs[0].span, "first tariff")], hint="keep one `pays` clause")
    # a price per unit takes its limit from `up to N <unit>`; `up to N times` stays the repeat rule
    unit_limits = [c for c in decl.clauses if _is_unit_limit(c)] \
        if tariffs and isinstance(tariffs[0], ast.PerUnitTariff) else []
    clauses = [c for c in decl.clauses if not any(c is u for u in unit_limits)]
    firsts: dict[type, ast.Node] = {}
    for clause in clauses:
        kind = type(clause)
        if kind in _SINGLE:
            if kind in firsts:
                sink.add("SIB106", f"{_SINGLE[kind]} of '{decl.name.text}' is given twice", clause.span,
                         labels=[Label(firsts[kind].span, "first given here")], hint="keep one")
                continue
            firsts[kind] = clause
    if not tariffs:
        sink.add("SIB415", f"outcome '{decl.name.text}' has no tariff", decl.name.span,
                 hint=f"add what it pays: outcome {decl.name.text} \"{decl.title.value}\" pays {header.currency} 500")
        return None
    tariff = _tariff(tariffs[0], scope, spans, (*at, "tariff"), decl, unit_limits)
    if tariff is None:
        return None
    spans[at] = decl.name.span
    prerequisites: list[Prerequisite] = []
    definitions: list[Definition] = []
    in_addition_to: list[str] = []
    includes: list[str] = []
    cohorts: list[str] = []
    window: Duration | None = None
    window_from: WindowFrom = "start"
    repeat: RepeatRule = "once"
    repeat_limit = 1
    trigger: str | None = None
    evidence: str | None = None
    indexation: Indexation | None = None
    clause_ref: str | None = None
    choices: list[PrerequisiteChoice] = []
    not_if_held = False
    pooled: list[str] = []
    net_of: list[str] = []
    for clause in clauses:
        if isinstance(clause, ast.Prerequisites) and is_choice(clause):
            choice = build_choice(clause, scope, spans, (*at, "choices", len(choices)))
            if choice is not None:
                choices.append(choice)
        elif isinstance(clause, ast.Prerequisites):
            for item in clause.items:
                target = scope.refer(item.outcome, "outcome")
                if target is None:
                    continue
                where = (*at, "prerequisites", len(prerequisites))
                spans[where] = item.span
                at_least = _duration(item.at_least, "the delay after a prerequisite", scope, spans,
                                     (*where, "at_least"))
                within = _duration(item.within, "the time allowed after a prerequisite", scope, spans,
                                   (*where, "within"))
                prerequisites.append(Prerequisite(outcome=target, at_least=at_least, within=within))
        elif isinstance(clause, ast.Definition):
            spans[(*at, "definitions", len(definitions))] = clause.span
            definitions.append(Definition(term=clause.term.value, meaning=clause.meaning.value))
        elif isinstance(clause, ast.InAdditionTo):
            in_addition_to += [n for n in (scope.refer(o, "outcome") for o in clause.outcomes) if n]
        elif isinstance(clause, ast.Includes):
            includes += [n for n in (scope.refer(o, "outcome") for o in clause.outcomes) if n]
        elif firsts.get(type(clause)) is not clause:
            continue
        elif isinstance(clause, ast.Window):
            window = _duration(clause.duration, "an outcome window", scope, spans, (*at, "window"))
            window_from = cast(WindowFrom, clause.start_event)
        elif isinstance(clause, ast.Repeat):
            repeat = cast(RepeatRule, clause.kind)
            if clause.kind == "up_to" and clause.limit is not None:
                limit = scope.whole(clause.limit, "the repeat limit", "times")
                repeat_limit = limit if limit is not None else 1
            elif clause.kind == "unlimited":
                repeat_limit = 0
        elif isinstance(clause, ast.Trigger):
            trigger = " ".join(clause.event.lower().split())
        elif isinstance(clause, ast.Evidence):
            evidence = clause.text.value
        elif isinstance(clause, ast.ForCohorts):
            cohorts = [n for n in (scope.refer(c, "cohort") for c in clause.cohorts) if n]
        elif isinstance(clause, ast.PooledOver):
            spans[(*at, "pooled")] = clause.span
            pooled = _distinct(clause.cohorts, "cohort", "pooled over", scope)
        elif isinstance(clause, ast.NetOf):
            spans[(*at, "net_of")] = clause.span
            net_of = _distinct(clause.outcomes, "outcome", "net of", scope)
            for k, resolved in enumerate(net_of):
                spans[(*at, "net_of", k)] = next(n.span for n in clause.outcomes if n.text == resolved)
        elif isinstance(clause, ast.Indexation):
            rate = scope.percent(clause.rate, "an indexation rate", Decimal(-100), Decimal(100))
            start: date | None = scope.date(clause.start) if clause.start else header.term_start
            if rate is not None and start is not None:
                spans[(*at, "indexation")] = clause.span
                indexation = Indexation(rate=rate, start=start)
        elif isinstance(clause, ast.ClauseRef):
            clause_ref = clause.text.value
        elif isinstance(clause, ast.NotIfHeld):
            not_if_held = True
            spans[(*at, "not_if_held")] = clause.span
            if isinstance(tariff, CohortLevelTariff):
                sink.add("SIB424", f"'{decl.name.text}' is paid from a cohort's measurements: no participant holds it "
                         "at referral", clause.span,
                         hint="`not if held at referral` is for outcomes claimed per participant; remove it here")
    return Outcome(name=decl.name.text, title=decl.title.value, tariff=tariff, prerequisites=tuple(prerequisites),
                   window=window, window_from=window_from, repeat=repeat, repeat_limit=repeat_limit,
                   trigger=trigger, evidence=evidence, definitions=tuple(definitions),
                   in_addition_to=tuple(in_addition_to), includes=tuple(includes), cohorts=tuple(cohorts),
                   indexation=indexation, clause=clause_ref, choices=tuple(choices), not_if_held=not_if_held,
                   pooled=tuple(pooled), net_of=tuple(net_of))


def _distinct(names: tuple[ast.Name, ...], kind: str, words: str, scope: Scope) -> list[str]:
    """The names of a `pooled over` or `net of` list, resolved; a name given twice is SIB440."""
    out: list[str] = []
    for name in names:
        found = scope.refer(name, kind)
        if found is None:
            continue
        if found in out:
            scope.sink.add("SIB440", f"`{words}` names {kind} '{found}' twice", name.span,
                           hint=f"name each {kind} once")
            continue
        out.append(found)
    return out


def _duration(expr: ast.Expr | None, what: str, scope: Scope, spans: SpanTable, at: Path) -> Duration | None:
    if expr is None:
        return None
    found = scope.duration(expr, what)
    if found is not None:
        spans[at] = expr.span
    return found


def _is_unit_limit(clause: ast.Node) -> bool:
    """`up to 26 weeks`: an `up to` with a duration, not a number of times."""
    return isinstance(clause, ast.Repeat) and clause.kind == "up_to" and isinstance(clause.limit, ast.QuantityLit) \
        and clause.limit.unit in _UNITS


def _unit_limit(decl: ast.OutcomeDecl, node: ast.Node, limits: list[ast.Node], unit: str,
                scope: Scope) -> Decimal | None:
    """A price per unit's limit from the outcome's `up to N <unit>` clause: SIB420 when there is
    none, SIB201 when its unit is not the price's, SIB206 when it is not above zero."""
    per = unit[:-1]
    if not limits:
        scope.sink.add("SIB420", f"the price per {per} of '{decl.name.text}' has no limit", node.span,
                       hint=f"say how many {unit} one claim is paid for at most, as in `up to 26 {unit}`")
        return None
    for extra in limits[1:]:
        scope.sink.add("SIB106", f"the limit of '{decl.name.text}' is given twice", extra.span,
                       labels=[Label(limits[0].span, "first given here")], hint="keep one")
    first = limits[0]
    assert isinstance(first, ast.Repeat) and isinstance(first.limit, ast.QuantityLit)
    written = _UNITS[first.limit.unit]
    if written != unit:
        scope.sink.add("SIB201", f"the limit of a price per {per} must be in {unit}, not {written}",
                       first.limit.span, hint=f"write the limit in {unit}, as in `up to 26 {unit}`")
        return None
    amount = parse_number(first.limit.amount, first.limit.span, scope.sink)
    if amount is not None and amount <= 0:
        scope.sink.add("SIB206", f"the limit of a price per {per} must be more than 0 {unit}",
                       first.limit.span, hint=f"write how many {unit} one claim is paid for at most")
        return None
    return amount


def _tiered(node: ast.TieredTariff, scope: Scope, spans: SpanTable, at: Path) -> TieredTariff | None:
    """Tiered bands: a band may pay zero (a threshold) but not less, and may have its own cap
    (more than zero); `counted within` names a sub-group. SIB425: every band pays zero; SIB426:
    a cap on a band that pays zero. (Gaps, overlaps and order: `checks/tariffs.py`.)"""
    bands: list[Band] = []
    ok = True
    for band in node.bands:
        price = scope.money(band.price, "a band price", positive=False)
        if price is not None and price < 0:
            scope.sink.add("SIB206", f"a band price cannot be negative, not {_money_words(price, scope)}",
                           band.price.span, hint="write zero for a band that pays nothing, as in "
                                                 "`USD 0 for outcomes 1 to 92`")
            price = None
        cap = scope.money(band.cap.limit, "a band's cap") if band.cap is not None else None
        first_n = parse_number(band.first, band.span, scope.sink)
        last_n = parse_number(band.last, band.span, scope.sink) if band.last is not None else None
        if first_n is None or (band.last is not None and last_n is None):
            return None
        first = scope.whole_amount(first_n, band.span, "a band's first outcome")
        last = scope.whole_amount(last_n, band.span, "a band's last outcome") if last_n is not None else None
        if price is None or first is None or (band.last is not None and last is None) or \
                (band.cap is not None and cap is None):
            return None
        if band.cap is not None and cap is not None and price == 0:
            scope.sink.add("SIB426", f"a cap of {_money_words(cap, scope)} on a band that pays nothing",
                           band.cap.span, labels=[Label(band.price.span, "this band pays zero")],
                           hint="write `at most` after the band it limits, as in "
                                "`USD 500 from 93 onwards, at most USD 25,000`")
            ok = False
        spans[(*at, "bands", len(bands))] = band.span
        if band.cap is not None:
            spans[(*at, "bands", len(bands), "cap")] = band.cap.span
        bands.append(Band(first=first, last=last, price=price, cap=cap))
    if bands and all(b.price == 0 for b in bands):
        scope.sink.add("SIB425", "every band of this tiered tariff pays nothing", node.span,
                       hint="give the bands above the threshold a price, as in "
                            "`pays tiered USD 0 for outcomes 1 to 92, USD 500 from 93 onwards`")
        ok = False
    within: str | None = None
    if node.counted_within is not None:
        within = scope.refer(node.counted_within.subgroup, "subgroup")
        if within is None:
            return None
        spans[(*at, "counted_within")] = node.counted_within.span
    return TieredTariff(bands=tuple(bands), counted_within=within) if ok else None


def _money_words(amount: Decimal, scope: Scope) -> str:
    """Money in a message: the contract's currency and the amount as written."""
    currency = scope.evaluate.currency or ""
    return f"{currency} {amount:,f}".strip()


def _tariff(node: ast.Node, scope: Scope, spans: SpanTable, at: Path, decl: ast.OutcomeDecl,
            unit_limits: list[ast.Node]) -> AnyTariff | None:
    """The tariff of one shape at path `at` (its parts' spans recorded below it); a price per
    unit takes its limit from `unit_limits`, the outcome's `up to N <unit>` clauses."""
    spans[at] = node.span
    if isinstance(node, ast.FixedTariff):
        price = scope.money(node.price, "a price")
        return None if price is None else FixedTariff(price=price)
    if isinstance(node, ast.SubgroupTariff):
        prices: list[SubgroupPrice] = []
        seen: dict[str, ast.SubgroupPrice] = {}
        for item in node.prices:
            name = scope.refer(item.subgroup, "subgroup")
            price = scope.money(item.price, "a sub-group price")
            if name is None or price is None:
                continue
            if name in seen:
                scope.sink.add("SIB406", f"sub-group '{name}' is priced twice", item.span,
                               labels=[Label(seen[name].span, "first priced here")],
                               hint="give each sub-group one price: remove one of the two")
                continue
            seen[name] = item
            spans[(*at, "subgroup_prices", len(prices))] = item.span
            prices.append(SubgroupPrice(subgroup=name, price=price))
        otherwise = scope.money(node.otherwise, "the `otherwise` price") if node.otherwise is not None else None
        return SubgroupTariff(subgroup_prices=tuple(prices), otherwise=otherwise)
    if isinstance(node, ast.TieredTariff):
        return _tiered(node, scope, spans, at)
    if isinstance(node, ast.SlidingTariff):
        full = scope.money(node.price, "the full price on a sliding scale")
        points: list[ScalePoint] = []
        percent_points: list[bool] = []  # is each point's measured value a percentage?
        for point in node.points:
            pct = scope.percent(point.percent, "a point's share of the price")
            where = scope.value(point.at, (NUMBER, PERCENT), "the measured value at a scale point")
            if pct is None or where is None:
                return None
            spans[(*at, "points", len(points))] = point.span
            points.append(ScalePoint(at=where.amount, percent=pct))
            percent_points.append(where.kind == PERCENT)
        return None if full is None else SlidingTariff(price=full, measure=node.measure.value, points=tuple(points),
                                                       percent_scale=bool(points) and all(percent_points))
    if isinstance(node, ast.PerUnitTariff):
        price = scope.money(node.price, "a price per unit")
        unit = _UNITS.get(node.unit.text)
        if unit is None:
            scope.sink.add("SIB201", f"a price can be per day, week, month or year, not per {node.unit.text}",
                           node.unit.span, hint="write the price per day, week, month or year, as in "
                                                "`pays GBP 50 per week, up to 26 weeks`")
            return None
        if price is None:
            return None
        limit = _unit_limit(decl, node, unit_limits, unit, scope)
        return None if limit is None else PerUnitTariff(price=price, unit=unit, limit=limit)
    if isinstance(node, ast.CohortTariff):
        price = scope.money(node.price, "the price per unit of improvement")
        per = scope.value(node.per, (NUMBER, PERCENT), "the unit of improvement")
        threshold = scope.value(node.threshold, (NUMBER, PERCENT), "the threshold") if node.threshold else None
        if price is None or per is None or (node.threshold is not None and threshold is None):
            return None
        if per.amount <= 0:
            scope.sink.add("SIB206", "the unit of improvement must be more than zero", node.per.span,
                           hint="write the improvement that earns the price once, as in `per 1% reduction` or `per 1 increase`")
            return None
        return CohortLevelTariff(price=price, per=per.amount, per_is_percent=per.kind == PERCENT,
                                 direction=cast(Direction, node.direction), measure=node.metric.value,
                                 baseline=cast(Baseline, node.baseline),
                                 threshold=threshold.amount if threshold else None,
                                 threshold_is_percent=bool(threshold and threshold.kind == PERCENT))
    raise TypeError(f"not a tariff: {node!r}")
