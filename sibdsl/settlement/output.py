"""Settlement output: decision and invoice files, and the summary a person reads.

Input: a `Settlement`, the releases of tranches, and the span table of the compiled contract
(to name the line and clause of each deciding rule). Output: CSV / JSON text and the summary.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sibdsl.core.source import Span
from sibdsl.semantics.calendar import add_months
from sibdsl.settlement.engine import Settlement
from sibdsl.settlement.money import ZERO
from sibdsl.settlement.plan import Plan
from sibdsl.settlement.records import Decision, Reason, Status
from sibdsl.settlement.tranches import Release

REASON_WORDS = {
    Reason.PAID: "paid in full",
    Reason.CAP_PARTIAL: "paid in part: a cap left less than the price",
    Reason.DUPLICATE_CLAIM: "claim id already decided",
    Reason.NOT_IN_COHORT: "outcome not payable for this participant's cohort",
    Reason.REFERRAL_OUTSIDE_WINDOW: "participant started outside the referral window",
    Reason.COHORT_FULL: "cohort already full",
    Reason.PARTICIPANT_CONFLICT: "cohort, start or sub-group differs from earlier claims",
    Reason.OUTSIDE_TERM: "achieved outside the contract term",
    Reason.BEFORE_START: "achieved before the participant started",
    Reason.OUTSIDE_WINDOW: "achieved after the outcome's window closed",
    Reason.PREREQUISITE_NOT_PAID: "prerequisite not paid",
    Reason.PREREQUISITE_TOO_SOON: "too soon after the prerequisite",
    Reason.PREREQUISITE_TOO_LATE: "too late after the prerequisite",
    Reason.EXCLUSIVE_SIBLING_PAID: "another outcome of its exclusive group already paid",
    Reason.REPEAT_LIMIT: "repeat limit reached",
    Reason.NO_PRICE: "the tariff gives no price",
    Reason.VALUE_MISSING: "a value the tariff or window needs is missing",
    Reason.COHORT_LEVEL_OUTCOME: "cohort-level outcome: paid from measurements, not claims",
    Reason.BELOW_THRESHOLD: "result below the threshold",
    Reason.CAP_REACHED: "a cap was already reached",
    Reason.PAYER_CAP_REACHED: "every payer's cap reached",
}


def period_bounds(plan: Plan, index: int) -> tuple[date, date]:
    start = add_months(plan.term_start, index * plan.months_per_period)
    end = min(add_months(plan.term_start, (index + 1) * plan.months_per_period) - timedelta(days=1), plan.term_end)
    return start, end


def period_label(plan: Plan, index: int) -> str:
    if index < 0:
        return "outside term"
    start, end = period_bounds(plan, index)
    return f"P{index + 1} {start}..{end}"


def rule_text(rule: tuple[str | int, ...], settlement: Settlement, spans: dict[tuple[Any, ...], Span],
              file: str = "") -> str:
    if not rule:
        return ""
    place = rule_place(rule, settlement, spans, file)
    return _rule_words(rule, settlement.plan.contract) + (f" ({place})" if place else "")


def rule_place(rule: tuple[str | int, ...], settlement: Settlement, spans: dict[tuple[Any, ...], Span],
               file: str = "") -> str:
    """Where a rule is written: "contracts/fcf.sib:214, clause 4.2"."""
    contract = settlement.plan.contract
    where = []
    span = spans.get(tuple(rule)) or spans.get(tuple(rule[:2]))
    if span is not None:
        where.append(f"{file}:{span.line}" if file else f"line {span.line}")
    owner: Any = contract
    for part in rule[:2]:
        owner = owner[part] if isinstance(part, int) else getattr(owner, part, None)
        if owner is None:
            break
    clause = getattr(owner, "clause", None)
    if clause:
        where.append(f"clause {clause}")
    return ", ".join(where)


_ASPECT = {"window": "window", "repeat": "repeat rule", "tariff": "tariff", "cohorts": "for cohort"}


def _rule_words(rule: tuple[str | int, ...], contract: Any) -> str:
    """A rule path in the contract's words: ("outcomes", 4, "prerequisites", 0) -> "outcome
    housed_3m: after move_in"."""
    kind, index = rule[0], rule[1] if len(rule) > 1 else None
    if kind == "header":
        return "the term"
    if not isinstance(index, int):
        return ".".join(str(p) for p in rule)
    if kind == "outcomes":
        outcome = contract.outcomes[index]
        text = f"outcome {outcome.name}"
        if len(rule) > 3 and rule[2] == "prerequisites" and isinstance(rule[3], int):
            return f"{text}: after {outcome.prerequisites[rule[3]].outcome}"
        return f"{text}: {_ASPECT.get(str(rule[2]), rule[2])}" if len(rule) > 2 else text
    if kind == "caps":
        cap = contract.caps[index]
        scope = f"per {cap.scope}" if cap.scope in ("participant", "period", "year") else cap.scope
        return f"cap {scope}" + (f" {cap.target}" if cap.target else "")
    if kind == "payers":
        return f"payer {contract.payers[index].name}'s cap"
    if kind == "cohorts":
        return f"cohort {contract.cohorts[index].name}"
    if kind == "exclusive_groups":
        group = contract.exclusive_groups[index]
        k = "one" if group.at_most == 1 else str(group.at_most)
        return f"only {k} of {', '.join(group.members)}"
    return ".".join(str(p) for p in rule)


def _money(x: Decimal) -> str:
    return f"{x:,.2f}"


FIELDS = ["claim_id", "participant", "outcome", "date", "status", "reason", "price", "amount", "period", "rule",
          "detail"]


def decision_rows(settlement: Settlement, spans: dict[tuple[Any, ...], Span], file: str) -> list[dict[str, Any]]:
    payers = [p.name for p in settlement.plan.payers]
    rows = []
    for d in settlement.decisions:
        row: dict[str, Any] = {
            "claim_id": d.claim_id, "participant": d.participant, "outcome": d.outcome, "date": str(d.achieved),
            "status": d.status.value, "reason": d.reason.value, "price": str(d.price), "amount": str(d.amount),
            "period": period_label(settlement.plan, d.period), "rule": rule_text(d.rule, settlement, spans, file),
            "detail": d.detail,
        }
        for p in payers:
            row[f"paid_by_{p}"] = str(d.shares.get(p, ZERO))
        rows.append(row)
    return rows


def decisions_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    fields = list(rows[0]) if rows else FIELDS
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def decisions_json(rows: list[dict[str, Any]]) -> str:
    return "\n".join(json.dumps(r) for r in rows) + ("\n" if rows else "")


def invoices_csv(settlement: Settlement) -> str:
    plan = settlement.plan
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["payer", "period", "period_start", "period_end", "amount", "claims"])
    counts: Counter[tuple[str, int]] = Counter()
    for d in settlement.decisions:
        for payer, part in d.shares.items():
            if part:
                counts[(payer, d.period)] += 1
    for (payer, period), amount in sorted(settlement.invoices.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        start, end = period_bounds(plan, period)
        writer.writerow([payer, period + 1, start, end, str(amount), counts[(payer, period)]])
    return out.getvalue()


def tranches_csv(releases: list[Release]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["tranche", "investor", "status", "date", "amount", "request_id", "detail"])
    for r in releases:
        writer.writerow([r.tranche, r.investor or "", r.status, r.day or "", str(r.amount), r.request_id or "", r.detail])
    return out.getvalue()


def summary(settlement: Settlement, releases: list[Release], spans: dict[tuple[Any, ...], Span],
            file: str, skipped: int = 0) -> str:
    plan, f = settlement.plan, settlement.figures
    c = plan.contract
    cur = c.header.currency
    ds = settlement.decisions
    by_status = Counter(d.status for d in ds)
    paid = sum((d.amount for d in ds if d.status is Status.PAID), ZERO)
    part = sum((d.amount for d in ds if d.status is Status.PARTIAL), ZERO)
    lines = [f"Settlement of {c.header.title!r}", "",
             f"claims decided   {len(ds):>8,}" + (f"   ({skipped} invalid rows skipped)" if skipped else ""),
             f"  paid in full   {by_status[Status.PAID]:>8,}   {cur} {_money(paid)}",
             f"  paid in part   {by_status[Status.PARTIAL]:>8,}   {cur} {_money(part)}",
             f"  rejected       {by_status[Status.REJECTED]:>8,}",
             f"total paid                  {cur} {_money(f.total_money)}"]
    rejected = Counter(d.reason for d in ds if d.status is Status.REJECTED)
    if rejected:
        lines += ["", "rejected, by reason:"]
        for reason, n in rejected.most_common():
            lines.append(f"  {reason.value:<26} {n:>7,}   {REASON_WORDS[reason]}")
    lines += ["", "caps:"]
    for ci, cap in enumerate(c.caps):
        where = rule_place(("caps", ci), settlement, spans, file)
        used = _cap_used(settlement, ci)
        unit = f"{cur} " if cap.measure == "money" else ""
        limit = f"{unit}{_money(cap.limit) if cap.measure == 'money' else f'{cap.limit:f}'}"
        bound = f_count(settlement, ci)
        lines.append(f"  {_cap_name(cap.scope, cap.target):<34} limit {limit:<18} {used:<32} {bound}  [{where}]")
    if not c.caps:
        lines.append("  (none)")
    lines += ["", "payers:"]
    for p in plan.payers:
        limit = f"of {cur} {_money(p.cap)}" if p.cap is not None else "(no cap)"
        lines.append(f"  {p.name:<20} {p.share:f}%   paid {cur} {_money(f.payer_money[p.name]):>16} {limit}")
    if releases:
        lines += ["", "tranches:"]
        for r in releases:
            when = str(r.day) if r.day else ""
            req = f" request {r.request_id}" if r.request_id else ""
            lines.append(f"  {r.tranche:<12} {r.status:<17} {when:<10} {cur} {_money(r.amount):>14}{req}  {r.detail}")
    return "\n".join(lines) + "\n"


def _cap_name(scope: str, target: str | None) -> str:
    if scope in ("period", "year", "participant"):
        return f"cap per {scope}"
    return f"cap {scope}" + (f" {target}" if target else "")


def f_count(settlement: Settlement, ci: int) -> str:
    n = settlement.figures.cap_bound.get(ci, 0)
    return f"bound {n} claim(s)" if n else ""


def _cap_used(settlement: Settlement, ci: int) -> str:
    cap = settlement.plan.contract.caps[ci]
    f = settlement.figures
    if cap.scope == "contract":
        return f"used {_money(f.total_money)}"
    if cap.scope == "participant":
        top = max(f.participants.items(), key=lambda kv: kv[1].paid, default=None)
        return f"highest {_money(top[1].paid)} ({top[0]})" if top else "unused"
    if cap.scope == "period":
        top_p = max(f.period_money.items(), key=lambda kv: kv[1], default=None)
        return f"highest {_money(top_p[1])} (P{top_p[0] + 1})" if top_p else "unused"
    if cap.scope == "year":
        top_y = max(f.year_money.items(), key=lambda kv: kv[1], default=None)
        return f"highest {_money(top_y[1])} (year {top_y[0] + 1})" if top_y else "unused"
    if cap.scope == "payer":
        return f"used {_money(f.payer_money[cap.target or ''])}"
    tables: dict[Any, Any] = {
        ("outcome", "money"): f.outcome_money, ("outcome", "count"): f.outcome_count,
        ("subgroup", "money"): f.subgroup_money, ("subgroup", "count"): f.subgroup_count,
        ("cohort", "money"): f.cohort_money, ("cohort", "count"): f.cohort_count,
        ("subgroup", "share"): f.subgroup_count,
    }
    used = tables[(cap.scope, cap.measure)].get(cap.target, 0)
    if cap.measure == "share":
        share = Decimal(used) * 100 / f.total_count if f.total_count else ZERO
        return f"now {share:.1f}% ({used} of {f.total_count})"
    return f"used {_money(used) if cap.measure == 'money' else used}"


def decision_table(decisions: list[Decision]) -> str:
    """A compact table of decisions, for counterexamples."""
    lines = [f"{'claim':<10} {'participant':<12} {'outcome':<22} {'date':<10} {'status':<12} {'amount':>12}  reason"]
    for d in decisions:
        lines.append(f"{d.claim_id:<10} {d.participant:<12} {d.outcome:<22} {d.achieved!s:<10} "
                     f"{d.status.value:<12} {d.amount:>12}  {d.reason.value}")
    return "\n".join(lines)
