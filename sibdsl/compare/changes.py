"""Phase 6, `sibc diff`: the clauses an amendment changes, in the contract's own words.

Input: two compiled contracts (`CompileResult` with model, span table and source). Output:
`Change`s, one per outcome, payer, party, investor, cohort, cap, exclusive group, reset,
tranche, assertion, definition, header setting or waterfall that was added, removed or
changed. Parts are matched by name (caps by scope, target and measure; assertions by kind and
target; exclusive groups by their members); each change says what changed in the words of
the contract ("price GBP 1,500 -> GBP 1,750") and quotes the lines of the source that differ.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from sibdsl.compiler import CompileResult
from sibdsl.model.contract import (
    AnyTariff,
    Assertion,
    Cap,
    CohortLevelTariff,
    Duration,
    ExclusiveGroup,
    FixedTariff,
    Header,
    Investor,
    Outcome,
    Payer,
    PerUnitTariff,
    SlidingTariff,
    SubgroupTariff,
    TieredTariff,
    Tranche,
)


@dataclass(frozen=True)
class FieldChange:
    """One field of a matched part: `label: old -> new`, both in the contract's words."""

    field: str
    label: str
    old: str
    new: str

    @property
    def text(self) -> str:
        return f"{self.label} {self.old} -> {self.new}" if self.label else f"{self.old} -> {self.new}"


@dataclass
class Change:
    section: str  # outcome, payer, party, investor, cohort, cap, exclusive group, reset, tranche, ...
    key: str  # the name it was matched by
    status: str  # added | removed | changed
    text: str  # one line in the contract's words
    fields: list[FieldChange] = field(default_factory=list)
    clause: str | None = None
    old_line: int | None = None
    new_line: int | None = None
    quote: list[str] = field(default_factory=list)  # source lines: "- old", "+ new" (or the block added/removed)


# ------------------------------------------------------------------ words


def money(currency: str, x: Decimal | None) -> str:
    """GBP 1,500 / GBP 1,675,950.46: as a contract writes it (no zeros added)."""
    if x is None:
        return "no limit"
    return f"{currency} {number(x, grouping=True)}"


def number(x: Decimal, grouping: bool = False) -> str:
    value = x.normalize() if x == x.to_integral_value() else x
    return format(value, ",f" if grouping else "f")


def percent(x: Decimal) -> str:
    return f"{number(x)}%"


def _duration(d: Duration | None) -> str:
    if d is None:
        return "none"
    unit = d.unit[:-1] if d.amount == 1 else d.unit
    return f"{d.amount} {unit}"


def tariff_words(t: AnyTariff, cur: str) -> str:
    """A tariff as the contract states it: `GBP 1,500`, `tiered GBP 1,100 for outcomes 1 to 370, ...`."""
    if isinstance(t, FixedTariff):
        return money(cur, t.price)
    if isinstance(t, SubgroupTariff):
        parts = [f"{money(cur, p.price)} for {p.subgroup}" for p in t.subgroup_prices]
        if t.otherwise is not None:
            parts.append(f"otherwise {money(cur, t.otherwise)}")
        return ", ".join(parts)
    if isinstance(t, TieredTariff):
        bands = []
        for b in t.bands:
            span = f"outcomes {b.first} to {b.last}" if b.last is not None else f"outcomes {b.first} onwards"
            bands.append(f"{money(cur, b.price)} for {span}" + (f" at most {money(cur, b.cap)}" if b.cap else ""))
        within = f" counted within {t.counted_within}" if t.counted_within else ""
        return "tiered " + ", ".join(bands) + within
    if isinstance(t, SlidingTariff):
        unit = "%" if t.percent_scale else ""
        points = ", ".join(f"{percent(p.percent)} at {number(p.at)}{unit}" for p in t.points)
        return f'{money(cur, t.price)} scaled by "{t.measure}": {points}'
    if isinstance(t, PerUnitTariff):
        return f"{money(cur, t.price)} per {t.unit[:-1]}, up to {number(t.limit)} {t.unit}"
    if isinstance(t, CohortLevelTariff):
        per = f"{number(t.per)}{'%' if t.per_is_percent else ''}"
        threshold = "" if t.threshold is None else \
            f", from {number(t.threshold)}{'%' if t.threshold_is_percent else ''}"
        return f'{money(cur, t.price)} per {per} {t.direction} in "{t.measure}" against {t.baseline}{threshold}'
    return str(t)


def _share_words(p: Payer) -> str:
    if not p.clauses:
        if p.by_maximum:
            return f"{percent(p.share)} (in proportion to its maximum)"
        if p.ratio is not None:
            return f"{p.ratio[0]}/{p.ratio[1]} ({number(p.share)}...%)"
        return percent(p.share)
    parts = []
    for c in p.clauses:
        phases = ", then ".join(
            (f"{percent(ph.share)}" if ph.ratio is None else f"{ph.ratio[0]}/{ph.ratio[1]}")
            + (f" until {ph.until}" if ph.until else "") for ph in c.phases)
        if c.outcomes:
            parts.append(f"{phases} of {', '.join(c.outcomes)} payments")
        else:
            parts.append(f"{phases} of other payments" if len(p.clauses) > 1 else phases)
    return "; ".join(parts)


def cap_name(cap: Cap) -> str:
    """`Cap per participant`, `Cap contract`, `Cap outcome housed_3m`."""
    scope = f"per {cap.scope}" if cap.scope in ("participant", "period", "year") else cap.scope
    return f"Cap {scope}" + (f" {cap.target}" if cap.target else "") + (
        " (number of outcomes)" if cap.measure == "count" else " (share)" if cap.measure == "share" else "")


def cap_limit(cap: Cap, cur: str) -> str:
    if cap.measure == "money":
        return money(cur, cap.limit)
    if cap.measure == "share":
        return f"{percent(cap.limit)} of {cap.share_words}"
    return f"{number(cap.limit, grouping=True)} outcomes"


def _value(x: Any, cur: str) -> str:
    """A generic field value in plain words."""
    if x is None:
        return "none"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, Decimal):
        return number(x, grouping=True)
    if isinstance(x, date):
        return x.isoformat()
    if isinstance(x, Duration):
        return _duration(x)
    if isinstance(x, str):
        x = " ".join(x.split())  # a long text of several lines on one line
        return f'"{x}"' if " " in x else x
    if isinstance(x, tuple):
        return ", ".join(_value(v, cur) for v in x) if x else "none"
    if isinstance(x, BaseModel):
        shown = []
        for name, info in type(x).model_fields.items():
            v = getattr(x, name)
            if v != info.default and v not in ((), None, False):
                shown.append(f"{name.replace('_', ' ')} {_value(v, cur)}")
        return ", ".join(shown) or "default"
    return str(x)


def _prerequisites(o: Outcome) -> str:
    parts = []
    for p in o.prerequisites:
        parts.append(p.outcome + (f" at least {_duration(p.at_least)}" if p.at_least else "")
                     + (f" within {_duration(p.within)}" if p.within else ""))
    for c in o.choices:
        options = " or ".join(p.outcome + (f" at least {_duration(p.at_least)}" if p.at_least else "")
                              + (f" within {_duration(p.within)}" if p.within else "") for p in c.options)
        parts.append(options + (", or held at referral" if c.held_at_referral else "")
                     + (" if paid" if c.if_paid else ""))
    return "after " + "; after ".join(parts) if parts else "none"


def _repeat(o: Outcome) -> str:
    return {"once": "once", "unlimited": "any number of times"}.get(o.repeat, f"up to {o.repeat_limit} times")


# Per part: the fields worth naming, each with its label and how to word it. Fields not listed
# are compared too and worded generically.
Words = Callable[[Any, str], str]
_OUTCOME: dict[str, tuple[str, Words]] = {
    "title": ("title", lambda o, c: f"'{o.title}'"),
    "tariff": ("price", lambda o, c: tariff_words(o.tariff, c)),
    "prerequisites": ("prerequisites", lambda o, c: _prerequisites(o)),
    "choices": ("prerequisites", lambda o, c: _prerequisites(o)),
    "window": ("window", lambda o, c: f"within {_duration(o.window)} of {o.window_from}" if o.window else "none"),
    "window_from": ("window", lambda o, c: f"within {_duration(o.window)} of {o.window_from}" if o.window else "none"),
    "repeat": ("paid", lambda o, c: _repeat(o)),
    "repeat_limit": ("paid", lambda o, c: _repeat(o)),
    "top_ups": ("top-ups", lambda o, c: ", ".join(f"plus {money(c, t.amount)} from {t.payer}" for t in o.top_ups)
                or "none"),
    "indexation": ("indexation", lambda o, c: f"{percent(o.indexation.rate)} a year from {o.indexation.start}"
                   if o.indexation else "none"),
}
_PAYER: dict[str, tuple[str, Words]] = {
    "share": ("share", lambda p, c: _share_words(p)),
    "ratio": ("share", lambda p, c: _share_words(p)),
    "clauses": ("share", lambda p, c: _share_words(p)),
    "by_maximum": ("share", lambda p, c: _share_words(p)),
    "cap": ("maximum", lambda p, c: money(c, p.cap)),
    "title": ("title", lambda p, c: f"'{p.title}'"),
}
_CAP: dict[str, tuple[str, Words]] = {
    "limit": ("", lambda k, c: cap_limit(k, c)),
    "share_base": ("", lambda k, c: cap_limit(k, c)),
    "share_of": ("", lambda k, c: cap_limit(k, c)),
    "measured": ("", lambda k, c: cap_limit(k, c)),
    "behaviour": ("then", lambda k, c: k.behaviour),
}
_COHORT: dict[str, tuple[str, Words]] = {
    "size": ("size", lambda k, c: f"at most {k.size:,} participants" if k.size else "no limit"),
    "referral_start": ("referred", lambda k, c: f"{k.referral_start or '...'} to {k.referral_end or '...'}"),
    "referral_end": ("referred", lambda k, c: f"{k.referral_start or '...'} to {k.referral_end or '...'}"),
    "title": ("title", lambda k, c: f"'{k.title}'"),
}
_TRANCHE: dict[str, tuple[str, Words]] = {
    "amount": ("amount", lambda t, c: money(c, t.amount) if t.amount is not None else "none"),
    "limit": ("up to", lambda t, c: money(c, t.limit) if t.limit is not None else "none"),
    "conditions": ("when", lambda t, c: _conditions(t, c)),
    "investor": ("from", lambda t, c: t.investor or "none"),
    "deadline": ("by", lambda t, c: str(t.deadline) if t.deadline else "none"),
}
_INVESTOR: dict[str, tuple[str, Words]] = {
    "commitment_min": ("commits", lambda i, c: _commitment(i, c)),
    "commitment_max": ("commits", lambda i, c: _commitment(i, c)),
    "return_cap": ("returns at most", lambda i, c: f"{percent(i.return_cap)} a year" if i.return_cap is not None
                   else "no cap"),
    "title": ("title", lambda i, c: f"'{i.title}'"),
    "interest": ("interest", lambda i, c: _interest(i)),
    "protections": ("guarantees", lambda i, c: _protections(i, c)),
    "rank": ("rank", lambda i, c: str(i.rank) if i.rank is not None else "none"),
}
_HEADER: dict[str, tuple[str, Words]] = {
    "term_start": ("term", lambda h, c: f"{h.term_start} to {h.term_end}"),
    "term_end": ("term", lambda h, c: f"{h.term_start} to {h.term_end}"),
    "rounding": ("rounding", lambda h, c: f"{h.rounding} to {money(c, h.rounding_unit)}"),
    "rounding_unit": ("rounding", lambda h, c: f"{h.rounding} to {money(c, h.rounding_unit)}"),
    "settlement_months": ("settled", lambda h, c: _settled(h)),
    "settlement_timing": ("settled", lambda h, c: _settled(h)),
    "title": ("title", lambda h, c: f'"{h.title}"'),
}
_SKIP_HEADER = {"version", "supersedes", "amendments"}  # shown as the version history


def _commitment(i: Investor, cur: str) -> str:
    if i.commitment_min is not None and i.commitment_max is not None and i.commitment_min != i.commitment_max:
        return f"{money(cur, i.commitment_min)} to {money(cur, i.commitment_max)}"
    return money(cur, i.commitment_max if i.commitment_max is not None else i.commitment_min) \
        if (i.commitment_max is not None or i.commitment_min is not None) else "nothing stated"


def _interest(i: Investor) -> str:
    if i.interest is None:
        return "none"
    t = i.interest
    return f"{percent(t.rate)} a year" + (f" until {t.until}" if t.until else "") + (
        f", guaranteed by {t.guaranteed_by}" if t.guaranteed_by else "")


def _protections(i: Investor, cur: str) -> str:
    parts = []
    for p in i.protections:
        limit = percent(p.share) if p.share is not None else money(cur, p.amount)
        parts.append(f"principal protected {limit} by {p.by}" if p.kind == "floor" else f"first loss {limit} by {p.by}")
    return "; ".join(parts) or "none"


def _settled(h: Header) -> str:
    every = {1: "monthly", 3: "quarterly", 6: "half-yearly", 12: "yearly"}[h.settlement_months]
    return f"{every} in {h.settlement_timing}"


def field_changes(old: BaseModel, new: BaseModel, cur_old: str, cur_new: str,
                  words: dict[str, tuple[str, Words]], skip: Iterable[str] = ()) -> list[FieldChange]:
    """Each field that differs, in words; fields that share a wording (a term's start and
    end) give one change."""
    out: list[FieldChange] = []
    seen: set[tuple[str, str, str]] = set()
    skipped = set(skip)
    for name in type(new).model_fields:
        if name in skipped or getattr(old, name) == getattr(new, name):
            continue
        if name in words:
            label, word = words[name]
            before, after = word(old, cur_old), word(new, cur_new)
        if name not in words or before == after:
            label = name.replace("_", " ")
            before, after = _value(getattr(old, name), cur_old), _value(getattr(new, name), cur_new)
        if (label, before, after) in seen:
            continue
        seen.add((label, before, after))
        out.append(FieldChange(name, label, before, after))
    return out


# ------------------------------------------------------------------ source text


def block(result: CompileResult, path: tuple[str | int, ...]) -> tuple[int | None, list[str]]:
    """The first line and the source lines of the declaration at `path`: from its line to the
    line before the next declaration (the next line written at the margin), without trailing
    blank lines or comments."""
    span = result.spans.get(path)
    source = result.source
    if span is None or source is None:
        return None, []
    lines = [source.line_text(span.line)]
    n = max(span.end_line, span.line)
    lines += [source.line_text(i) for i in range(span.line + 1, n + 1)]
    i = n + 1
    while i <= source.line_count:
        text = source.line_text(i)
        if text and not text[0].isspace():
            break
        lines.append(text)
        i += 1
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    return span.line, lines


def _quote(old_lines: list[str], new_lines: list[str]) -> list[str]:
    """The lines of a declaration that differ: `- old`, `+ new`."""
    out = []
    for line in difflib.ndiff(old_lines, new_lines):
        if line.startswith(("- ", "+ ")):
            out.append(line[0] + " " + line[2:].strip())
    return out


# ------------------------------------------------------------------ matching


def assertion_key(a: Assertion) -> str:
    return ":".join(str(x) for x in (a.kind, a.subject or "", a.other or ""))


def cap_key(c: Cap) -> str:
    return ":".join(str(x) for x in (c.scope, c.target or "", c.measure))


def group_key(g: ExclusiveGroup) -> str:
    return ",".join(sorted(g.members))


def keyed(items: Sequence[Any], key: Callable[[Any], str]) -> dict[str, tuple[int, Any]]:
    """key -> (index, item); a key that repeats gets `#2`, `#3` (in order)."""
    out: dict[str, tuple[int, Any]] = {}
    count: Counter[str] = Counter()
    for i, item in enumerate(items):
        k = key(item)
        count[k] += 1
        out[k if count[k] == 1 else f"{k}#{count[k]}"] = (i, item)
    return out


@dataclass
class _Section:
    attr: str  # Contract attribute
    section: str  # words
    key: Callable[[Any], str]
    name: Callable[[Any, str], str]  # how the part is named: "Outcome 'Move in' (move_in)"
    summary: Callable[[Any, str], str]  # what a new or removed part is: "pays GBP 500"
    words: dict[str, tuple[str, Words]]


def _named(kind: str) -> Callable[[Any, str], str]:
    def name(x: Any, cur: str) -> str:
        title = getattr(x, "title", None)
        ref = ", ".join(v for v in (getattr(x, "name", None), f"clause {x.clause}" if getattr(x, "clause", None)
                                    else None) if v)
        return f"{kind} '{title}' ({ref})" if title else f"{kind} {ref}"
    return name


def _conditions(t: Tranche, cur: str) -> str:
    """`payments reach GBP 1,000,000 and participants reach 1,000`, as a tranche's `when` says it."""
    parts = []
    for c in t.conditions:
        verb = "reach" if c.op == ">=" else "exceed"
        value = money(cur, c.value) if c.figure == "payments" else number(c.value, grouping=True)
        parts.append(f"{c.figure}{' of ' + c.of if c.of else ''} {verb} {value}")
    return " and ".join(parts) or "none"


def _tranche_summary(t: Tranche, cur: str) -> str:
    parts = []
    if t.amount is not None:
        parts.append(money(cur, t.amount))
    if t.limit is not None:
        parts.append(f"up to {money(cur, t.limit)}")
    if t.investor:
        parts.append(f"from {t.investor}")
    if t.on:
        parts.append(f"on {t.on}")
    if t.conditions:
        parts.append("when " + _conditions(t, cur))
    if t.discretionary:
        parts.append("at the discretion of " + (t.discretion_of or "the investor"))
    return ", ".join(parts)


SECTIONS = [
    _Section("payers", "payer", lambda p: p.name, _named("Payer"),
             lambda p, c: f"pays {_share_words(p)}" + (f", at most {money(c, p.cap)}" if p.cap is not None else ""),
             _PAYER),
    _Section("parties", "party", lambda p: p.name, _named("Party"), lambda p, c: p.role, {}),
    _Section("investors", "investor", lambda i: i.name, _named("Investor"),
             lambda i, c: f"commits {_commitment(i, c)}", _INVESTOR),
    _Section("definitions", "definition", lambda d: d.term, lambda d, c: f"Definition \"{d.term}\"",
             lambda d, c: f"means \"{d.meaning}\"", {}),
    _Section("cohorts", "cohort", lambda k: k.name, _named("Cohort"),
             lambda k, c: f"at most {k.size:,} participants" if k.size else "no size limit", _COHORT),
    _Section("outcomes", "outcome", lambda o: o.name, _named("Outcome"),
             lambda o, c: f"pays {tariff_words(o.tariff, c)}", _OUTCOME),
    _Section("resets", "reset", lambda r: r.name, _named("Reset"),
             lambda r, c: "restarts " + ", ".join(r.restarts), {}),
    _Section("exclusive_groups", "exclusive group", group_key,
             lambda g, c: f"Only {'one' if g.at_most == 1 else g.at_most} of {', '.join(g.members)}"
             + (f" (clause {g.clause})" if g.clause else ""), lambda g, c: "per participant", {}),
    _Section("caps", "cap", cap_key,
             lambda k, c: cap_name(k) + (f" (clause {k.clause})" if k.clause else ""),
             lambda k, c: f"{cap_limit(k, c)}, then {k.behaviour}", _CAP),
    _Section("tranches", "tranche", lambda t: t.name, _named("Tranche"), _tranche_summary, _TRANCHE),
    _Section("assertions", "assertion", assertion_key,
             lambda a, c: f"Assertion '{a.text}'" + (f" (clause {a.clause})" if a.clause else ""),
             lambda a, c: "", {}),
]


def _section_changes(old: CompileResult, new: CompileResult, s: _Section) -> list[Change]:
    assert old.model is not None and new.model is not None
    cur_old, cur_new = old.model.header.currency, new.model.header.currency
    before = keyed(getattr(old.model, s.attr), s.key)
    after = keyed(getattr(new.model, s.attr), s.key)
    out: list[Change] = []
    for k, (i, item) in before.items():
        if k not in after:
            line, lines = block(old, (s.attr, i))
            what = s.summary(item, cur_old)
            out.append(Change(s.section, k, "removed", f"{s.name(item, cur_old)} removed" +
                              (f" (it {what})" if what and s.section == "outcome" else f" ({what})" if what else ""),
                              clause=getattr(item, "clause", None), old_line=line, quote=[f"- {x.strip()}" for x in lines]))
    for k, (j, item) in after.items():
        line, lines = block(new, (s.attr, j))
        if k not in before:
            what = s.summary(item, cur_new)
            label = s.name(item, cur_new)
            out.append(Change(s.section, k, "added", f"New {label[0].lower()}{label[1:]}" + (f", {what}" if what else ""),
                              clause=getattr(item, "clause", None), new_line=line,
                              quote=[f"+ {x.strip()}" for x in lines]))
            continue
        i, was = before[k]
        if was == item:
            continue
        if s.section == "assertion":
            fields = [FieldChange("text", "", f"'{was.text}'", f"'{item.text}'")] if was.text != item.text else \
                field_changes(was, item, cur_old, cur_new, s.words)
        else:
            fields = field_changes(was, item, cur_old, cur_new, s.words)
        if not fields:
            continue
        old_line, old_lines = block(old, (s.attr, i))
        name = s.name(item, cur_new)
        if s.section == "assertion" and was.text != item.text:
            text = f"Assertion '{was.text}' -> '{item.text}'"
        else:
            text = f"{name}: " + "; ".join(f.text for f in fields)
        out.append(Change(s.section, k, "changed", text, fields, getattr(item, "clause", None), old_line, line,
                          _quote(old_lines, lines)))
    return out


def _header_changes(old: CompileResult, new: CompileResult) -> list[Change]:
    assert old.model is not None and new.model is not None
    h0, h1 = old.model.header, new.model.header
    fields = field_changes(h0, h1, h0.currency, h1.currency, _HEADER, skip=_SKIP_HEADER)
    if not fields:
        return []
    old_line, _ = block(old, ("header",))
    new_line, _ = block(new, ("header",))
    return [Change("header", "header", "changed", "Contract: " + "; ".join(f.text for f in fields), fields,
                   old_line=old_line, new_line=new_line, quote=_quote(_header_lines(old), _header_lines(new)))]


_HEADER_WORDS = ("currency", "term", "settled", "rounding", "clauses", "claims", "run-off")


def _header_lines(result: CompileResult) -> list[str]:
    """The lines of the header settings (each written at the margin, with its own keyword)."""
    if result.source is None:
        return []
    found = []
    for i in range(1, result.source.line_count + 1):
        text = result.source.line_text(i)
        if text.split(" ", 1)[0] in _HEADER_WORDS:
            found.append(text)
    return found


def _waterfall_changes(old: CompileResult, new: CompileResult) -> list[Change]:
    assert old.model is not None and new.model is not None
    w0, w1 = old.model.waterfall, new.model.waterfall
    if w0 == w1:
        return []
    cur = new.model.header.currency
    if w0 is None or w1 is None:
        status = "added" if w0 is None else "removed"
        shown = w1 or w0
        assert shown is not None
        return [Change("waterfall", "waterfall", status, ("New waterfall: " if w0 is None else "Waterfall removed: ")
                       + _value(shown, cur))]
    fields = field_changes(w0, w1, old.model.header.currency, cur, {})
    return [Change("waterfall", "waterfall", "changed", "Waterfall: " + "; ".join(f.text for f in fields), fields,
                   clause=w1.clause)]


def clause_changes(old: CompileResult, new: CompileResult) -> list[Change]:
    """Every part added, removed or changed from `old` to `new`, header first, then in the
    order of the contract's sections."""
    out = _header_changes(old, new)
    for s in SECTIONS:
        out += _section_changes(old, new, s)
    out += _waterfall_changes(old, new)
    return out
