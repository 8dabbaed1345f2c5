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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sibdsl.core.calendar import add_months
from sibdsl.core.csvsafe import RISKY_FIRST, escape_cell, escape_row
from sibdsl.core.currency import MINOR_UNITS
from sibdsl.core.money import ZERO
from sibdsl.core.moneytext import money_text
from sibdsl.core.source import Span
from sibdsl.model.contract import Contract, SlidingTariff
from sibdsl.settlement.engine import Settlement
from sibdsl.settlement.plan import Plan
from sibdsl.settlement.records import Claim, Decision, Measurement, Reason, Status
from sibdsl.settlement.tranches import Release

if TYPE_CHECKING:
    from sibdsl.settlement.waterfall import WaterfallResult

REASON_WORDS = {
    Reason.PAID: "paid in full",
    Reason.CAP_PARTIAL: "paid in part: a cap left less than the price",
    Reason.DUPLICATE_CLAIM: "claim id already decided",
    Reason.NOT_IN_COHORT: "outcome not payable for this cohort",
    Reason.REFERRAL_OUTSIDE_WINDOW: "participant started outside the referral window",
    Reason.COHORT_FULL: "cohort already full",
    Reason.PARTICIPANT_CONFLICT: "cohort, start, sub-group or referral differs from the participant's first claim",
    Reason.OUTSIDE_TERM: "achieved outside the contract term",
    Reason.BEFORE_START: "achieved before the participant started",
    Reason.OUTSIDE_WINDOW: "achieved outside the outcome's window",
    Reason.PREREQUISITE_NOT_PAID: "prerequisite not paid",
    Reason.PREREQUISITE_TOO_SOON: "too soon after the prerequisite",
    Reason.PREREQUISITE_TOO_LATE: "too late after the prerequisite",
    Reason.EXCLUSIVE_SIBLING_PAID: "another outcome of its exclusive group already paid",
    Reason.REPEAT_LIMIT: "repeat limit reached",
    Reason.NO_PRICE: "the tariff gives no price",
    Reason.VALUE_MISSING: "a value the tariff or window needs is missing",
    Reason.COHORT_LEVEL_OUTCOME: "cohort-level outcome: paid from measurements, not claims",
    Reason.BELOW_THRESHOLD: "below the threshold, or a price of zero",
    Reason.BAND_PAYS_NOTHING: "paid nothing: a tier band that pays nothing",
    Reason.CAP_REACHED: "a cap was full, or the claim did not fit a cap that says then reject",
    Reason.PAYER_CAP_REACHED: "a payer's part did not fit a payer cap that says then reject, or nothing was left to pay",
    Reason.HELD_AT_REFERRAL: "held at referral: a status held before referral is not an outcome",
    Reason.RESET: "reset recorded: the restarted steps' delays count from its date",
    Reason.RESET_UNKNOWN_PARTICIPANT: "reset recorded for a participant with no earlier row",
    Reason.RESET_BEFORE_ENTRY: "reset ignored: no clock of the steps it restarts had started",
    Reason.RESET_ALL_PAID: "reset ignored: every step it restarts is already paid its limit",
    Reason.CLAIM_LATE: "submitted after the claims deadline",
    Reason.POOLED_INPUT: "one cohort's figure for a pooled outcome (an input, not paid alone)",
    Reason.POOLED_RESULT_MISSING: "a cohort of the pooled result has no result yet",
    Reason.POOLED_MISMATCH: "the row's figures differ from those pooled from the cohorts' results",
    Reason.NET_NOTHING_DUE: "nothing due net of earlier payments",
}


def period_bounds(plan: Plan, index: int) -> tuple[date, date]:
    start = add_months(plan.term_start, index * plan.months_per_period)
    last = plan.last_day or plan.term_end  # periods go on past the term end through the run-off
    end = min(add_months(plan.term_start, (index + 1) * plan.months_per_period) - timedelta(days=1), last)
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


_ASPECT = {"window": "window", "repeat": "repeat rule", "tariff": "tariff", "cohorts": "for cohort",
           "pooled": "pooled over", "net_of": "net of"}


def _rule_words(rule: tuple[str | int, ...], contract: Any) -> str:
    """A rule path in the contract's words: ("outcomes", 4, "prerequisites", 0) -> "outcome
    housed_3m: after move_in"."""
    kind, index = rule[0], rule[1] if len(rule) > 1 else None
    if kind == "header":
        return {"run_off": "the run-off", "claims_until": "the claims deadline"}.get(str(index), "the term")
    if not isinstance(index, int):
        return ".".join(str(p) for p in rule)
    if kind == "outcomes":
        outcome = contract.outcomes[index]
        text = f"outcome {outcome.name}"
        if len(rule) > 3 and rule[2] == "prerequisites" and isinstance(rule[3], int):
            return f"{text}: after {outcome.prerequisites[rule[3]].outcome}"
        if len(rule) > 3 and rule[2] == "choices" and isinstance(rule[3], int):
            choice = outcome.choices[rule[3]]
            tail = ", or held at referral" if choice.held_at_referral else " if paid" if choice.if_paid else ""
            return f"{text}: after {' or '.join(o.outcome for o in choice.options)}{tail}"
        if len(rule) > 2 and rule[2] == "not_if_held":
            return f"{text}: not if held at referral"
        if len(rule) > 4 and rule[2:4] == ("tariff", "bands") and isinstance(rule[4], int):  # a tier band
            band = outcome.tariff.bands[rule[4]]
            return f"{text}: tariff band " + (f"{band.first} to {band.last}" if band.last is not None else
                                              f"{band.first} onwards")
        if len(rule) > 3 and rule[2:4] == ("tariff", "counted_within"):
            return f"{text}: tariff counted within subgroup {outcome.tariff.counted_within}"
        return f"{text}: {_ASPECT.get(str(rule[2]), rule[2])}" if len(rule) > 2 else text
    if kind == "caps":
        cap = contract.caps[index]
        scope = f"per {cap.scope}" if cap.scope in ("participant", "period", "year") else cap.scope
        return f"cap {scope}" + (f" {cap.target}" if cap.target else "")
    if kind == "payers":
        return f"payer {contract.payers[index].name}'s cap"
    if kind == "cohorts":
        return f"cohort {contract.cohorts[index].name}"
    if kind == "resets":
        return f"reset {contract.resets[index].name}"
    if kind == "exclusive_groups":
        group = contract.exclusive_groups[index]
        k = "one" if group.at_most == 1 else str(group.at_most)
        return f"only {k} of {', '.join(group.members)}"
    return ".".join(str(p) for p in rule)


def places_of(currency: str) -> int:
    """The currency's minor unit: decimal places every amount is written with (GBP 2, JPY 0)."""
    return MINOR_UNITS.get(currency, 2)


class _MoneyCells:
    """Money as it is written in files: the currency's places, no separators, never rounded
    (`25000` -> `25000.00`). Equal amounts are written alike, so each text is made once."""

    def __init__(self, places: int) -> None:
        self.places = places
        self._seen: dict[Decimal, str] = {}

    def __call__(self, amount: Decimal) -> str:
        text = self._seen.get(amount)
        if text is None:
            text = money_text(amount, self.places)
            if len(self._seen) < 100_000:
                self._seen[amount] = text
        return text


FIELDS = ["claim_id", "participant", "outcome", "date", "status", "reason", "price", "amount", "period", "rule",
          "detail", "root_cause"]
MONEY_FIELDS = ("price", "amount")  # and every paid_by_PAYER column


def root_cause(decision: Decision) -> str | None:
    """The limit that stopped or cut a decision, as the engine names it (a rule key: `caps.2`,
    `payers.1`), directly or through a prerequisite it stopped; None where it names none (and
    always, with an engine that does not record root causes)."""
    cause = getattr(decision, "root_cause", None)
    if cause is None or cause == "":
        return None
    return cause if isinstance(cause, str) else ".".join(str(p) for p in cause)


def decision_rows(settlement: Settlement, spans: dict[tuple[Any, ...], Span], file: str) -> list[dict[str, Any]]:
    """One row per decision, for decisions.csv and decisions.jsonl alike: money as text with the
    currency's places (exact; JSON keeps it a string so no reader turns it into a float)."""
    payers = [p.name for p in settlement.plan.payers]
    money = _MoneyCells(places_of(settlement.plan.contract.header.currency))
    rows = []
    for d in settlement.in_file_order():
        row: dict[str, Any] = {
            "claim_id": d.claim_id, "participant": d.participant, "outcome": d.outcome, "date": str(d.achieved),
            "status": d.status.value, "reason": d.reason.value, "price": money(d.price), "amount": money(d.amount),
            "period": period_label(settlement.plan, d.period), "rule": rule_text(d.rule, settlement, spans, file),
            "detail": d.detail, "root_cause": root_cause(d),
        }
        for p in payers:
            row[f"paid_by_{p}"] = money(d.shares.get(p, ZERO))
        rows.append(row)
    return rows


def _is_money_field(name: str) -> bool:
    return name in MONEY_FIELDS or name.startswith("paid_by_")


def decisions_csv(rows: list[dict[str, Any]]) -> str:
    """decisions.csv: text cells escaped against formulas (sibdsl.core.csvsafe), money as numbers."""
    out = io.StringIO()
    fields = list(rows[0]) if rows else FIELDS
    text = [i for i, name in enumerate(fields) if not _is_money_field(name)]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    write, risky = writer.writerow, RISKY_FIRST
    for row in rows:
        cells = list(row.values())
        for i in text:  # escape_cell on every text cell, without a call for the many safe ones
            cell = cells[i]
            if cell and cell[0] in risky:
                cells[i] = escape_cell(cell)
        write(cells)
    return out.getvalue()


def decisions_json(rows: list[dict[str, Any]]) -> str:
    """decisions.jsonl: the same rows, one JSON object a line, nothing escaped (JSON is not a
    spreadsheet); money is a string with the currency's places, root_cause null when none."""
    return "\n".join(json.dumps(r) for r in rows) + ("\n" if rows else "")


INVOICE_FIELDS = ["payer", "period", "period_start", "period_end", "amount", "claims", "measurements"]
_INVOICE_NUMBERS = {1, 4, 5, 6}


def invoices_csv(settlement: Settlement) -> str:
    plan = settlement.plan
    money = _MoneyCells(places_of(plan.contract.header.currency))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(INVOICE_FIELDS)
    claims: Counter[tuple[str, int]] = Counter()
    measurements: Counter[tuple[str, int]] = Counter()
    for d in settlement.decisions:
        counts = measurements if d.cohort_level else claims
        for payer, part in d.shares.items():
            if part:
                counts[(payer, d.period)] += 1
    for (payer, period), amount in sorted(settlement.invoices.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        start, end = period_bounds(plan, period)
        writer.writerow(escape_row([payer, period + 1, start, end, money(amount), claims[(payer, period)],
                                    measurements[(payer, period)]], _INVOICE_NUMBERS))
    return out.getvalue()


TRANCHE_FIELDS = ["tranche", "investor", "status", "date", "amount", "request_id", "detail"]


def tranches_csv(releases: list[Release], currency: str = "") -> str:
    """tranches.csv; `currency` gives the places of the amounts (default 2)."""
    money = _MoneyCells(places_of(currency))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TRANCHE_FIELDS)
    for r in releases:
        writer.writerow(escape_row([r.tranche, r.investor, r.status, r.day, money(r.amount), r.request_id, r.detail],
                                   {4}))
    return out.getvalue()


def summary(settlement: Settlement, releases: list[Release], spans: dict[tuple[Any, ...], Span],
            file: str, skipped: int = 0, waterfall: WaterfallResult | None = None) -> str:
    plan, f = settlement.plan, settlement.figures
    c = plan.contract
    cur = c.header.currency
    places = places_of(cur)

    def money(x: Decimal) -> str:
        return money_text(x, places, grouping=True)

    claims = [d for d in settlement.decisions if not d.cohort_level]
    measured = [d for d in settlement.decisions if d.cohort_level]
    lines = [f"Settlement of {c.header.title!r}", ""]
    lines += _counts("claims decided", claims, cur, money, f"   ({skipped} invalid rows skipped)" if skipped else "")
    if measured:
        lines += _counts("measurements decided", measured, cur, money)
    with_claims = {d.participant for d in claims}
    paid_people = {d.participant for d in claims if d.status is not Status.REJECTED}
    lines += [f"participants paid {len(paid_people):>7,}   of {len(with_claims):,} with claims",
              f"total paid                  {cur} {money(f.total_money)}"]
    if settlement.resets:  # reset rows (issue 10.1): never payments, counted apart
        kinds = Counter(d.reason for _, d in settlement.resets)
        lines += ["", f"resets {len(settlement.resets):>18,}"]
        lines += [f"  {reason.value:<26} {n:>7,}   {REASON_WORDS[reason]}" for reason, n in kinds.most_common()]
    stopped = Counter(d.reason for d in claims
                      if d.status is Status.REJECTED and d.reason not in _CAP_REASONS and root_cause(d))
    for title, group in (("rejected, by reason:", claims), ("measurements rejected, by reason:", measured)):
        rejected = Counter(d.reason for d in group if d.status is Status.REJECTED)
        if rejected:
            lines += ["", title]
            for reason, n in rejected.most_common():
                why = REASON_WORDS[reason] if group is claims else REASON_WORDS[reason].replace("claim id", "id")
                if group is claims and stopped[reason]:
                    why += f" ({stopped[reason]:,} of them because a cap stopped the prerequisite)"
                lines.append(f"  {reason.value:<26} {n:>7,}   {why}")
    lines += ["", "caps:"]
    for ci, cap in enumerate(c.caps):
        where = rule_place(("caps", ci), settlement, spans, file)
        used = _cap_used(settlement, ci, money)
        if cap.measure == "money":
            limit = f"{cur} {money(cap.limit)}"
        else:
            limit = f"{cap.limit:f}%" if cap.measure == "share" else f"{cap.limit:f}"
        lines.append(f"  {_cap_name(cap.scope, cap.target):<34} limit {limit:<18} {used:<32} [{where}]")
    if not c.caps:
        lines.append("  (none)")
    lines += cap_effects(settlement, spans, file)
    lines += ["", "payers:"]
    for p in plan.payers:
        limit = f"of {cur} {money(p.cap)}" if p.cap is not None else "(no cap)"
        lines.append(f"  {p.name:<20} {p.share:f}{'...' if c.payers[p.index].ratio else ''}%{' (varies)' if c.payers[p.index].clauses else ''}   paid {cur} {money(f.payer_money[p.name]):>16} {limit}")
    if releases:
        lines += ["", "tranches:"]
        for r in releases:
            when = str(r.day) if r.day else ""
            req = f" request {r.request_id}" if r.request_id else ""
            lines.append(f"  {r.tranche:<12} {r.status:<17} {when:<10} {cur} {money(r.amount):>14}{req}  {r.detail}")
    if waterfall is not None:
        lines += investor_summary(waterfall, c)
    return "\n".join(lines) + "\n"


def _counts(title: str, decisions: list[Decision], cur: str, money: Any, note: str = "") -> list[str]:
    by_status = Counter(d.status for d in decisions)
    paid = sum((d.amount for d in decisions if d.status is Status.PAID), ZERO)
    part = sum((d.amount for d in decisions if d.status is Status.PARTIAL), ZERO)
    nothing = sum(1 for d in decisions if d.reason is Reason.BAND_PAYS_NOTHING)  # paid, and counted, at zero
    return [f"{title:<16}{len(decisions):>{25 - max(16, len(title))},}{note}",
            f"  paid in full   {by_status[Status.PAID]:>8,}   {cur} {money(paid)}",
            *([f"    of them paid nothing in a tier band {nothing:,} (band_pays_nothing)"] if nothing else []),
            f"  paid in part   {by_status[Status.PARTIAL]:>8,}   {cur} {money(part)}",
            f"  rejected       {by_status[Status.REJECTED]:>8,}"]


_CAP_REASONS = (Reason.CAP_PARTIAL, Reason.CAP_REACHED, Reason.PAYER_CAP_REACHED)


def cap_effects(settlement: Settlement, spans: dict[tuple[Any, ...], Span], file: str) -> list[str]:
    """The summary's "cap effects" table: for each cap (payer `at most` limits included), the
    decisions it cut (paid in part), the decisions it rejected, and the claims rejected because
    it stopped their prerequisite (the engine's root cause). Counted from the decisions, so each
    decision is counted once, under the rule it names."""
    contract = settlement.plan.contract
    keys: list[tuple[str, int]] = [("caps", ci) for ci in range(len(contract.caps))]
    # a payer's `at most`, where it is the payer's limit (not a smaller `cap payer` line, listed above)
    keys += [("payers", pp.index) for pp in settlement.plan.payers
             if pp.cap is not None and tuple(pp.cap_rule) == ("payers", pp.index)]
    if not keys:
        return []
    cut: Counter[Any] = Counter()
    rejected: Counter[Any] = Counter()
    stopped: Counter[Any] = Counter()
    names = _cap_names(settlement, keys)
    for d in settlement.decisions:
        cause = root_cause(d)
        if d.reason in _CAP_REASONS:  # the cap itself: the engine's root cause, else the deciding rule
            key: Any = names.get(_plain(cause), cause) if cause else tuple(d.rule[:2])
            (cut if d.status is not Status.REJECTED else rejected)[key] += 1
        elif cause and d.status is Status.REJECTED:
            stopped[names.get(_plain(cause), cause)] += 1
    lines = ["", f"{'cap effects:':<40} {'cut':>8} {'rejected':>9}  {'stopped a prerequisite':>22}"]
    for key in keys:
        name = _rule_words(key, contract)
        where = rule_place(key, settlement, spans, file)
        lines.append(f"  {name:<38} {cut[key]:>8,} {rejected[key]:>9,}  {stopped[key]:>22,}" +
                     (f"  [{where}]" if where else ""))
    for other in sorted((k for k in set(cut) | set(rejected) | set(stopped) if k not in keys), key=str):
        label = other if isinstance(other, str) else (".".join(str(p) for p in other) or "(no rule)")
        lines.append(f"  {label:<38} {cut[other]:>8,} {rejected[other]:>9,}  {stopped[other]:>22,}")
    return lines


def _plain(text: str) -> str:
    text = " ".join(text.lower().split())
    text = text[4:] if text.startswith("the ") else text
    for stop in (" (", " [", ": ", ", "):
        text = text.split(stop, 1)[0]
    return text


def _cap_names(settlement: Settlement, keys: list[tuple[str, int]]) -> dict[str, tuple[str, int]]:
    """Every way a root cause may name a cap: its rule path (`caps.1`), the summary's words
    (`cap contract`, `payer dclg's cap`) and the engine's (`the contract cap`). A name two caps
    share names neither."""
    contract = settlement.plan.contract
    found: dict[str, set[tuple[str, int]]] = {}
    for key in keys:
        kind, index = key
        words = {f"{kind}.{index}", _rule_words(key, contract)}
        if kind == "caps":
            cap = contract.caps[index]
            words.add(_cap_name(cap.scope, cap.target))
            words.add(_engine_words(cap.scope, cap.target))
        else:
            words.add(f"payer {contract.payers[index].name}")
        for w in words:
            found.setdefault(_plain(w), set()).add(key)
    return {w: next(iter(ks)) for w, ks in found.items() if len(ks) == 1}


def _engine_words(scope: str, target: str | None) -> str:
    if scope in ("period", "year", "participant"):
        return f"the cap per {scope}"
    return f"the {scope} cap on {target}" if target else f"the {scope} cap"


def _cap_name(scope: str, target: str | None) -> str:
    if scope in ("period", "year", "participant"):
        return f"cap per {scope}"
    return f"cap {scope}" + (f" {target}" if target else "")


def _cap_used(settlement: Settlement, ci: int, money: Any) -> str:
    cap = settlement.plan.contract.caps[ci]
    f = settlement.figures
    if cap.scope == "contract":
        return f"used {money(f.total_money)}"
    if cap.scope == "participant":
        top = max(f.participants.items(), key=lambda kv: kv[1].paid, default=None)
        return f"highest {money(top[1].paid)} ({top[0]})" if top else "unused"
    if cap.scope == "period":
        top_p = max(f.period_money.items(), key=lambda kv: kv[1], default=None)
        return f"highest {money(top_p[1])} (P{top_p[0] + 1})" if top_p else "unused"
    if cap.scope == "year":
        top_y = max(f.year_money.items(), key=lambda kv: kv[1], default=None)
        return f"highest {money(top_y[1])} (year {top_y[0] + 1})" if top_y else "unused"
    if cap.scope == "payer":
        return f"used {money(f.payer_money[cap.target or ''])}"
    if cap.measured_share:  # measured each period or over the contract: settlement/share_caps.py
        return f.share_used.get(ci, "unused")
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
    return f"used {money(used) if cap.measure == 'money' else used}"


def decision_table(decisions: list[Decision], currency: str = "") -> str:
    """A compact table of decisions, for counterexamples; amounts with the places of `currency`
    (default 2)."""
    places = places_of(currency)
    lines = [f"{'claim':<10} {'participant':<12} {'outcome':<22} {'date':<10} {'status':<12} {'amount':>12}  reason"]
    for d in decisions:
        lines.append(f"{d.claim_id:<10} {d.participant:<12} {d.outcome:<22} {d.achieved!s:<10} "
                     f"{d.status.value:<12} {money_text(d.amount, places):>12}  {d.reason.value}")
    return "\n".join(lines)


def write_claims(path: Path, claims: list[Claim], contract: Contract | None = None) -> None:
    """A ledger of claims as the CSV `sibc settle` reads (a witness, a counterexample), in
    processing order, text cells escaped against spreadsheet formulas; a measured value of a
    scale in percent is written with its `%` (the reader refuses a bare 0.7 there)."""
    in_percent = {o.name for o in contract.outcomes if isinstance(o.tariff, SlidingTariff)
                  and o.tariff.percent_scale} if contract is not None else set()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        # the referral date and the statuses held at referral only where a claim gives them
        extra = any(c.referral is not None or c.held is not None for c in claims)
        submitted = any(c.submitted is not None for c in claims)  # the column only where a claim has one
        writer.writerow(["claim_id", "participant", "outcome", "date", "evidence", "cohort", "start", "subgroup",
                         "value"] + (["referral", "held_at_referral"] if extra else [])
                        + (["submitted"] if submitted else []))
        for c in sorted(claims, key=lambda c: c.order_key()):  # text cells escaped against spreadsheet formulas
            more: list[object] = [c.referral or "", ";".join(sorted(c.held)) if c.held else ""] if extra else []
            writer.writerow(escape_row([c.claim_id, c.participant, c.outcome, c.achieved, c.evidence, c.cohort or "",
                                        c.start or "", c.subgroup or "",
                                        "" if c.value is None else f"{c.value}%" if c.outcome in in_percent
                                        else c.value, *more, *([c.submitted or ""] if submitted else [])],
                                       numeric=(3, 6, 8, 9)))


def write_measurements(path: Path, measurements: list[Measurement]) -> None:
    """A ledger of cohort-level results as the CSV `sibc settle --measurements` reads (a
    counterexample), in the order given; a pooled row whose figures are left to be pooled is
    written with both cells empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["measurement_id", "outcome", "cohort", "date", "baseline", "observed", "submitted"])
        for m in measurements:
            writer.writerow(escape_row([m.measurement_id, m.outcome, m.cohort or "", m.measured,
                                        m.baseline if m.given else "", m.observed if m.given else "",
                                        m.submitted or ""], numeric=(3, 4, 5, 6)))


INVESTOR_FIELDS = ["period", "start", "end", "investor", "drawn", "interest", "principal", "return", "guarantee",
                   "outstanding", "interest_unpaid", "surplus"]
_INVESTOR_NUMBERS = {0, 4, 5, 6, 7, 8, 9, 10, 11}


def investors_csv(result: WaterfallResult, currency: str = "") -> str:
    """investors.csv: one row per investor per period run (rank, then name order), money with
    the currency's places (docs/settlement.md, "investors.csv")."""
    money = _MoneyCells(places_of(currency))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(INVESTOR_FIELDS)
    for p in result.periods:
        for name in result.accounts:
            f = p.investors[name]
            writer.writerow(escape_row([p.index + 1, p.start, p.end, name, money(f.drawn), money(f.interest),
                                        money(f.principal), money(f.performance), money(f.guarantee),
                                        money(f.outstanding), money(f.interest_unpaid), money(f.surplus)],
                                       _INVESTOR_NUMBERS))
    return out.getvalue()


def surplus_recipients(result: WaterfallResult, contract: Contract) -> list[str]:
    """The surplus columns: the recipients in the order the `surplus` rule lists them, `payers`
    as every payer in name order."""
    names: list[str] = []
    shares = contract.waterfall.surplus if contract.waterfall is not None else ()
    for s in shares:
        for name in (sorted(p.name for p in contract.payers) if s.to == "*payers" else [s.to]):
            if name not in names:
                names.append(name)
    for p in result.periods:
        names += [name for name in p.surplus if name not in names]
    return names


def waterfall_csv(result: WaterfallResult, contract: Contract) -> str:
    """waterfall.csv: one row per period run: the outcome payments received, recycled and held;
    the capital drawn and spent; each step of the distribution; the surplus per recipient; the
    unspent capital paid back and the guarantees called (docs/settlement.md, "waterfall.csv")."""
    money = _MoneyCells(places_of(contract.header.currency))
    recipients = surplus_recipients(result, contract)
    guarantors = sorted(result.guarantors)
    fields = ["period", "start", "end", "distribution", "received", "need", "recycled", "drawn",
              "spent_from_capital", "unfunded", "interest", "principal", "return", "distributed",
              *(f"surplus_{r}" for r in recipients), "held", "capital_repaid", *(f"guaranteed_by_{g}" for g in guarantors)]
    numbers = {i for i, f in enumerate(fields) if f not in ("start", "end", "distribution")}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for p in result.periods:
        writer.writerow(escape_row([p.index + 1, p.start, p.end, "yes" if p.distribution else "no", money(p.received),
                                    money(p.need), money(p.recycled), money(p.drawn), money(p.spent_from_capital),
                                    money(p.unfunded), money(p.interest), money(p.principal), money(p.performance),
                                    money(p.distributed), *(money(p.surplus.get(r, ZERO)) for r in recipients),
                                    money(p.held_after), money(p.capital_repaid),
                                    *(money(p.guarantees.get(g, ZERO)) for g in guarantors)], numbers))
    return out.getvalue()


def investor_summary(result: WaterfallResult, contract: Contract) -> list[str]:
    """The summary's investor section: per investor what it drew, received and lost, its money
    multiple and IRR; the guarantors called; what is held; the conservation line."""
    from sibdsl.settlement.returns import irr_text, multiple_text

    cur = contract.header.currency
    places = places_of(cur)

    def money(x: Decimal) -> str:
        return money_text(x, places, grouping=True)

    wf = contract.waterfall
    how = {"period": "each period", "maturity": "at maturity"}.get(wf.distributes if wf else "period", "")
    if wf is not None and wf.distributes == "from":
        how = f"from {wf.distributes_from}"
    title = f" {wf.title!r}" if wf is not None and wf.title else ""
    state = f"maturity {result.maturity}" if result.matured else \
        f"as of {result.periods[-1].end if result.periods else 'the term start'}, before maturity {result.maturity}: " \
        "no guarantee called"
    lines = ["", f"investors (waterfall{title}, distributes {how}; {state}):",
             f"  {'investor':<20} {'rank':>4} {'drawn':>16} {'received':>16} {'loss':>16} {'multiple':>9} "
             f"{'IRR':>9}"]
    for name, a in result.accounts.items():
        rank = str(a.rank) if a.rank < 10**9 else "-"
        lines.append(f"  {name:<20} {rank:>4} {money(a.drawn):>16} {money(a.received):>16} {money(a.loss):>16} "
                     f"{multiple_text(result.multiple(name)):>9} {irr_text(result.irr(name)):>9}")
        parts = [f"interest {money(a.interest_paid)}", f"principal {money(a.principal_repaid)}",
                 f"return {money(a.return_paid)}"]
        if a.surplus_paid:
            parts.append(f"surplus {money(a.surplus_paid)}")
        if a.guarantee_paid:
            parts.append("guaranteed " + ", ".join(f"{money(x)} by {g}" for g, x in sorted(a.guarantee_paid.items())))
        if a.outstanding or a.interest_unpaid:
            parts.append(f"outstanding {money(a.outstanding)}, interest unpaid {money(a.interest_unpaid)}")
        lines.append("      " + "; ".join(parts))
    if result.guarantors:
        lines.append("  guarantors called: " + ", ".join(f"{g} {cur} {money(x)}"
                                                         for g, x in sorted(result.guarantors.items())))
    elif result.matured:
        lines.append("  guarantors called: none")
    surplus = result.surplus_total
    if surplus:
        lines.append("  surplus: " + ", ".join(f"{cur} {money(x)} to {r}" for r, x in surplus.items()))
    unfunded = sum((p.unfunded for p in result.periods), ZERO)
    if unfunded:
        lines.append(f"  needs unfunded: {cur} {money(unfunded)}")
    lines.append(f"  held at the end: {cur} {money(result.held)} of outcome payments"
                 + (f", {cur} {money(result.unspent_capital)} of unspent capital" if result.unspent_capital else ""))
    received = result.received_total
    distributed = sum((p.distributed for p in result.periods), ZERO)
    recycled = sum((p.recycled for p in result.periods), ZERO)
    surplus_sum = sum(surplus.values(), ZERO)
    ok = "holds" if result.conserved() else "DOES NOT HOLD"
    lines.append(f"  conservation ({ok}): outcome payments {money(received)} = distributed {money(distributed)} + "
                 f"recycled {money(recycled)} + surplus {money(surplus_sum)} + held {money(result.held)}; "
                 f"capital drawn {money(result.capital_drawn)} = spent {money(result.capital_spent)} + unspent "
                 f"{money(result.unspent_capital)} + paid back {money(result.capital_repaid)}")
    return lines
