"""Phase 6, `sibc diff`: the comparison written as text, Markdown or JSON.

Input: a `Diff` (the clause changes, the impact on the figures and verdicts, and the claims
comparison when a ledger was given). Output: text for a terminal, Markdown for a pull request
or a variation note, and JSON of a documented, stable shape (docs/diff.md, `"schema":
"sibc-diff/1"`), money as strings of exact decimals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sibdsl.compare.changes import Change
from sibdsl.compare.claims import ClaimsImpact, Total
from sibdsl.compare.impact import FigureChange, Impact, Value, VerdictChange
from sibdsl.model.contract import Amendment, Header

SCHEMA = "sibc-diff/1"
SHOWN_CLAIMS = 50  # changed claims listed in text and Markdown (JSON lists every one)


@dataclass
class Diff:
    old_name: str
    new_name: str
    old_header: Header
    new_header: Header
    changes: list[Change]
    impact: Impact
    claims: ClaimsImpact | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def amendments(self) -> list[Amendment]:
        """The amendment records of the new version that the old one does not have."""
        return [a for a in self.new_header.amendments if a not in self.old_header.amendments]

    @property
    def verdict_changed(self) -> bool:
        return bool(self.impact.changed_verdicts)

    @property
    def nothing(self) -> bool:
        return not (self.changes or self.impact.changed_figures or self.amendments or
                    self.old_header.version != self.new_header.version or
                    any(v.old != v.new for v in self.impact.verdicts) or
                    (self.claims is not None and (self.claims.changed or self.claims.resplit)))


def warnings_for(old: Header, new: Header, same_text: bool = False) -> list[str]:
    """`supersedes version X` where X is not the old text's version; two different texts with
    one version. (A text compared with itself gets no warning.)"""
    if same_text:
        return []
    if old.currency != new.currency:
        return [f"the currency changes from {old.currency} to {new.currency}: the differences between amounts "
                "are not meaningful"]
    if old.version is not None and new.version == old.version:
        return [f"both texts are version {old.version}: should the amended text have a version of its own?"]
    if new.supersedes is not None and new.supersedes != old.version:
        return [f"the new text supersedes version {new.supersedes}, but the old text is version "
                f"{old.version or '(none stated)'}: is OLD the version this amends?"]
    return []


def _signed(cur: str, x: Decimal) -> str:
    sign = "+" if x > 0 else "-" if x < 0 else "±"
    return f"{sign}{cur} {abs(x):,.2f}"


def _m(cur: str, x: Decimal | None) -> str:
    return "-" if x is None else f"{cur} {x:,.2f}"


def _version(h: Header) -> str:
    return h.version or "(no version)"


def _figure_line(f: FigureChange, cur: str) -> str:
    old = f.old.text if f.old else "(not in the old version)"
    new = f.new.text if f.new else "(not in the new version)"
    delta = f.delta
    tail = f"  [{_signed(cur, delta)}]" if delta is not None and delta != 0 else ""
    return f"{f.label}: {old} -> {new}{tail}"


def _verdict_line(v: VerdictChange) -> str:
    if v.old is None:
        return f"new assertion '{v.new_text}': {v.new} ({v.new_reason})"
    if v.new is None:
        return f"assertion '{v.old_text}' removed (it was {v.old})"
    text = f"'{v.old_text}'" if v.old_text == v.new_text else f"'{v.old_text}' -> '{v.new_text}'"
    return f"assertion {text}: {v.old} -> {v.new}" + (f" ({v.new_reason})" if v.old != v.new else "")


def _claim_line(c: Any, cur: str) -> str:
    return (f"{c.claim_id} ({c.participant}, {c.outcome}, row {c.row}): {c.old_status} {_m(cur, c.old_amount)} -> "
            f"{c.new_status} {_m(cur, c.new_amount)} [{_signed(cur, c.delta)}]: {c.why}")


def _total_line(t: Total, cur: str) -> str:
    return f"{t.name}: {_m(cur, t.old)} -> {_m(cur, t.new)}" + (f" [{_signed(cur, t.delta)}]" if t.delta else "")


def lines(d: Diff, markdown: bool = False) -> list[str]:
    """The diff as lines; Markdown adds headings and bullets."""
    cur = d.new_header.currency
    h = "## " if markdown else ""
    b = "- " if markdown else "  "
    out = [f"{'# ' if markdown else ''}sibc diff {d.old_name} -> {d.new_name}", "",
           f"{d.new_header.title}: version {_version(d.old_header)} -> {_version(d.new_header)}"
           if d.old_header.version != d.new_header.version else
           f"{d.new_header.title}: version {_version(d.new_header)} (the same in both texts)"]
    out += [f"{'**warning**' if markdown else 'warning'}: {w}" for w in d.warnings]
    if d.verdict_changed:
        out += ["", f"{'**' if markdown else ''}ASSERTION VERDICTS CHANGED ({len(d.impact.changed_verdicts)}): "
                + "; ".join(f"'{v.new_text or v.old_text}' {v.old or 'new'} -> {v.new}" for v in d.impact.changed_verdicts)
                + ("**" if markdown else "")]
    if d.nothing:
        out += ["", "no changes: the two versions say the same and every figure is the same"]
        if d.claims is not None and d.claims.error:
            out += claims_lines(d.claims, cur, h, b)
        return out
    if d.amendments:
        out += ["", f"{h}Amendments recorded in the new version"]
        out += [f"{b}{a.version} on {a.day}: {a.summary}" + (f" (clause {a.clause})" if a.clause else "")
                for a in d.amendments]
    out += ["", f"{h}Clauses changed ({len(d.changes)})"]
    if not d.changes:
        out.append(f"{b}none: the rate card, payers, caps and terms are the same")
    for c in d.changes:
        where = ", ".join(x for x in (f"old line {c.old_line}" if c.old_line else "",
                                      f"new line {c.new_line}" if c.new_line else "") if x)
        out.append(f"{b}{c.text}" + (f"  [{where}]" if where else ""))
        if c.quote:
            if markdown:
                out += ["", "  ```diff", *(f"  {q}" for q in c.quote), "  ```", ""]
            else:
                out += [f"      {q}" for q in c.quote]
    changed = d.impact.changed_figures
    out += ["", f"{h}Figures changed ({len(changed)} of {len(d.impact.figures)}; a figure that is only an upper "
            "bound says so)"]
    out += [f"{b}{_figure_line(f, cur)}" for f in changed] or [f"{b}none: every figure of the analysis is the same"]
    out += [f"{b}note: {s}" for s in d.impact.stopped]
    if d.impact.verdicts:
        moved = [v for v in d.impact.verdicts if v.old != v.new or v.old_text != v.new_text]
        kept = [v for v in d.impact.verdicts if v not in moved]
        out += ["", f"{h}Assertion verdicts ({len(d.impact.changed_verdicts)} changed)"]
        out += [f"{b}{'CHANGED ' if v.changed else ''}{_verdict_line(v)}" for v in moved]
        out += [f"{b}assertion '{v.new_text}': {v.new} (unchanged)" for v in kept]
    if d.claims is not None:
        out += claims_lines(d.claims, cur, h, b)
    return out


def claims_lines(c: ClaimsImpact, cur: str, h: str, b: str) -> list[str]:
    out = ["", f"{h}Claims of {c.ledger}"]
    if c.error:
        return [*out, f"{b}{c.error}"]
    out.append(f"{b}{len(c.changed)} of {c.claims} claims change decision or amount")
    out += [f"{b}{_claim_line(x, cur)}" for x in c.changed[:SHOWN_CLAIMS]]
    if len(c.changed) > SHOWN_CLAIMS:
        out.append(f"{b}... and {len(c.changed) - SHOWN_CLAIMS:,} more (every one in --format json)")
    if c.resplit:
        out.append(f"{b}{c.resplit} claims are paid the same amount, split differently between the payers")
    out += ["", f"{h}Paid per payer"] + [f"{b}{_total_line(t, cur)}" for t in c.payers]
    if c.total is not None:
        out.append(f"{b}{_total_line(c.total, cur)}")
    moved = [t for t in c.periods if t.delta]
    out += ["", f"{h}Paid per settlement period ({len(moved)} of {len(c.periods)} change)"]
    out += [f"{b}{_total_line(t, cur)}" for t in moved] or [f"{b}no period's total changes"]
    if c.tranches:
        out += ["", f"{h}Tranches"] + [f"{b}{name}: {a} -> {n}" for name, a, n in c.tranches]
    return out


def text(d: Diff) -> str:
    return "\n".join(lines(d)) + "\n"


def markdown(d: Diff) -> str:
    out: list[str] = []
    for line in lines(d, markdown=True):
        out.append(line)
        if line.startswith("## "):
            out.append("")  # a blank line after each heading
    return "\n".join(out) + "\n"


def _s(x: Decimal | None) -> str | None:
    return None if x is None else str(x)


def _value_json(v: Value | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {"amount": _s(v.amount), "exact": v.exact, "bound": v.bound, "text": v.text}


def to_json(d: Diff) -> dict[str, Any]:
    """The stable JSON shape (docs/diff.md): every money amount a string of an exact decimal."""
    cur = d.new_header.currency
    claims = None
    if d.claims is not None:
        c = d.claims
        claims = {
            "ledger": c.ledger, "error": c.error, "claims": c.claims, "resplit": c.resplit,
            "changed": [{"claim_id": x.claim_id, "participant": x.participant, "outcome": x.outcome, "row": x.row,
                         "old": {"status": x.old_status, "amount": str(x.old_amount), "price": _s(x.old_price)},
                         "new": {"status": x.new_status, "amount": str(x.new_amount), "price": _s(x.new_price)},
                         "delta": str(x.delta), "why": x.why} for x in c.changed],
            "payers": [{"payer": t.name, "old": str(t.old), "new": str(t.new), "delta": str(t.delta)} for t in c.payers],
            "periods": [{"period": t.name, "old": str(t.old), "new": str(t.new), "delta": str(t.delta)}
                        for t in c.periods],
            "total": None if c.total is None else {"old": str(c.total.old), "new": str(c.total.new),
                                                   "delta": str(c.total.delta)},
            "tranches": [{"tranche": name, "old": a, "new": n} for name, a, n in c.tranches],
        }
    return {
        "schema": SCHEMA,
        "old": {"file": d.old_name, "title": d.old_header.title, "version": d.old_header.version},
        "new": {"file": d.new_name, "title": d.new_header.title, "version": d.new_header.version,
                "supersedes": d.new_header.supersedes},
        "currency": cur,
        "warnings": d.warnings,
        "no_changes": d.nothing,
        "verdict_changed": d.verdict_changed,
        "amendments": [{"version": a.version, "day": a.day.isoformat(), "summary": a.summary, "clause": a.clause}
                       for a in d.amendments],
        "changes": [{"section": c.section, "key": c.key, "status": c.status, "text": c.text, "clause": c.clause,
                     "fields": [{"field": f.field, "label": f.label, "old": f.old, "new": f.new} for f in c.fields],
                     "old_line": c.old_line, "new_line": c.new_line, "quote": c.quote} for c in d.changes],
        "figures": [{"key": f.key, "label": f.label, "changed": f.changed, "old": _value_json(f.old),
                     "new": _value_json(f.new), "delta": _s(f.delta)} for f in d.impact.figures],
        "assertions": [{"key": v.key, "old_text": v.old_text, "new_text": v.new_text, "old": v.old, "new": v.new,
                        "changed": v.changed, "old_reason": v.old_reason, "new_reason": v.new_reason}
                       for v in d.impact.verdicts],
        "analysis_stopped": d.impact.stopped,
        "claims": claims,
    }
