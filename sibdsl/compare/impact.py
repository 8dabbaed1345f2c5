"""Phase 6, `sibc diff`: what an amendment does to the exact figures of the analysis.

Input: two compiled contracts (`CompileResult`). Output: `Impact`: the analysis of each
version (`sibdsl.analysis.outputs.analyse`, once per version, no property search) turned into
named figures (the most one participant can be paid, per cohort and sub-group; the maximum
liability; the most paid in a period; each payer's maximum; each limit on the total; when each
cap binds; outcomes never paid; tranches; each investor's worst and best case), compared old ->
new with their exact / upper-bound status kept, and every assertion's verdict old -> new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sibdsl.analysis.outputs import analyse, facts_json
from sibdsl.compare.changes import assertion_key, cap_key, cap_limit, cap_name, keyed
from sibdsl.compiler import CompileResult
from sibdsl.model.contract import Contract


@dataclass(frozen=True)
class Value:
    """One figure of one version: an amount (None: no amount, e.g. a cap's binding point, or
    no limit), whether it is exact, why it is only a bound, and the words shown."""

    amount: Decimal | None
    exact: bool
    bound: str | None
    text: str

    def same(self, other: Value) -> bool:
        return (self.amount, self.exact, self.text if self.amount is None else "") == \
            (other.amount, other.exact, other.text if other.amount is None else "")


@dataclass
class FigureChange:
    key: str  # stable: "liability", "payer:dclg", "participant:young_people:", "cap:participant::money"
    label: str
    old: Value | None  # None: the figure does not exist in that version
    new: Value | None

    @property
    def changed(self) -> bool:
        if self.old is None or self.new is None:
            return self.old is not self.new
        return not self.old.same(self.new)

    @property
    def delta(self) -> Decimal | None:
        if self.old is None or self.new is None or self.old.amount is None or self.new.amount is None:
            return None
        return self.new.amount - self.old.amount


@dataclass
class VerdictChange:
    key: str
    old_text: str | None  # the assertion in the old contract (None: added)
    new_text: str | None  # in the new (None: removed)
    old: str | None  # proven | refuted | unknown; None: not in that version
    new: str | None
    old_reason: str = ""
    new_reason: str = ""

    @property
    def changed(self) -> bool:
        """A verdict changed: a kept assertion with another verdict, or a new one refuted."""
        if self.old is None:
            return self.new == "refuted"
        return self.new is not None and self.old != self.new


@dataclass
class Impact:
    figures: list[FigureChange] = field(default_factory=list)
    verdicts: list[VerdictChange] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)  # "old: the analysis stopped after 10 s"

    @property
    def changed_figures(self) -> list[FigureChange]:
        return [f for f in self.figures if f.changed]

    @property
    def changed_verdicts(self) -> list[VerdictChange]:
        return [v for v in self.verdicts if v.changed]


def _value(model: Contract, amount: str | None, exact: bool, bound: str | None, what: str = "") -> Value:
    cur = model.header.currency
    if amount is None:
        return Value(None, False, bound, f"no limit ({bound})" if bound else "no limit")
    x = Decimal(amount)
    shown = f"{cur} {x:,.2f}" if x == x.quantize(Decimal("0.01")) else f"{cur} {x:,f}"
    if exact:
        return Value(x, True, None, shown + what)
    return Value(x, False, bound, f"at most {shown}{what} (an upper bound" + (f": {bound})" if bound else ")"))


def figures(model: Contract, facts: dict[str, Any]) -> dict[str, tuple[str, Value]]:
    """key -> (label, value) for every figure of one version, in the order of `sibc report`."""
    out: dict[str, tuple[str, Value]] = {}
    several = len(facts["participant_max"]) > 1
    for m in facts["participant_max"]:
        who = (m["cohort"] or "any cohort") + (f", sub-group {m['subgroup']}" if m["subgroup"] else "")
        label = "most one participant can be paid" + (f" ({who})" if several else "")
        bound = m["bound"] if not m["exact"] else None
        value = _value(model, None if m["unbounded"] else m["amount"], m["exact"], bound)
        out[f"participant:{m['cohort'] or ''}:{m['subgroup'] or ''}"] = (label, value)
    out["liability"] = ("maximum liability", _value(
        model, facts["liability"], facts["liability_exact"], facts["liability_bound"],
        f", set by {facts['liability_set_by']}" if facts["liability"] is not None else ""))
    period = facts["period_max"]
    if period is not None:
        out["period"] = ("most paid in one settlement period", _value(
            model, period["amount"], period["exact"], period["bound"],
            f", set by {period['set_by']}" if period["amount"] is not None else ""))
    for name, p in facts["payers"].items():
        out[f"payer:{name}"] = (f"most payer {name} can owe", _value(model, p["max"], p["exact"], p["bound"]))
    for limit in facts["limits"]:
        out[f"limit:{limit['limit']}"] = (f"limit on the total: {limit['limit']}",
                                         _value(model, limit["amount"], limit["exact"], limit["bound"]))
    caps = keyed(list(model.caps), cap_key)
    index_key = {i: k for k, (i, _) in caps.items()}
    for c in facts["caps"]:
        cap = model.caps[c["index"]]
        name = cap_name(cap)[4:]
        words = f"{cap_limit(cap, model.header.currency)}: {c['when']}" + ("" if c["binds"] else " [redundant]")
        out[f"cap:{index_key[c['index']]}"] = (f"when the cap {name} binds", Value(None, True, None, words))
    out["never_paid"] = ("outcomes that can never be paid",
                         Value(None, True, None, ", ".join(facts["never_paid"]) or "none"))
    for t in facts["tranches"]:
        out[f"tranche:{t['tranche']}"] = (f"tranche {t['tranche']}", Value(
            None, True, None, ("can be released" if t["can_be_released"] else "never released") + f": {t['why']}"))
    for inv in facts["investors"] or []:
        name = inv["investor"]
        for k, label in (("max_loss", "worst case: loses at most"), ("max_received", "best case: receives at most"),
                         ("max_earned", "best case: earns at most")):
            f = inv[k]
            out[f"investor:{name}:{k}"] = (f"investor {name}, {label}", _value(model, f["amount"], f["exact"],
                                                                                 f["bound"]))
        out[f"investor:{name}:drawable"] = (f"investor {name}, can draw at most",
                                            _value(model, inv["drawable"], True, None))
        if "break_even" in inv:
            words = inv["break_even"]["words"] or "n/a"
            out[f"investor:{name}:break_even"] = (f"investor {name}, break-even", Value(None, True, None, words))
    return out


def analysed(result: CompileResult, time_limit: float) -> tuple[dict[str, tuple[str, Value]], dict[str, Any],
                                                                 list[Any], str | None]:
    """Run the analysis once: (figures, facts JSON, verdicts, why it stopped early or None)."""
    model, found, found_verdicts = analyse(result, time_limit=time_limit, shown=True)
    assert model is not None and found is not None
    facts = facts_json(model, found, found_verdicts)
    return figures(model, facts), facts, found_verdicts, found.stopped


def impact(old: CompileResult, new: CompileResult, time_limit: float) -> Impact:
    assert old.model is not None and new.model is not None
    before, _, old_verdicts, old_stopped = analysed(old, time_limit)
    after, _, new_verdicts, new_stopped = analysed(new, time_limit)
    out = Impact(stopped=[f"{which} version: {why}" for which, why in (("old", old_stopped), ("new", new_stopped))
                          if why])
    for key in [*before, *(k for k in after if k not in before)]:
        label = (after.get(key) or before[key])[0]
        out.figures.append(FigureChange(key, label, before[key][1] if key in before else None,
                                        after[key][1] if key in after else None))
    verdict_old = keyed([v.assertion for v in old_verdicts], assertion_key)
    verdict_new = keyed([v.assertion for v in new_verdicts], assertion_key)
    for key in [*verdict_old, *(k for k in verdict_new if k not in verdict_old)]:
        o = old_verdicts[verdict_old[key][0]] if key in verdict_old else None
        n = new_verdicts[verdict_new[key][0]] if key in verdict_new else None
        out.verdicts.append(VerdictChange(
            key, o.assertion.text if o else None, n.assertion.text if n else None,
            o.status if o else None, n.status if n else None, o.reason if o else "", n.reason if n else ""))
    return out


__all__ = ["FigureChange", "Impact", "Value", "VerdictChange", "impact"]
