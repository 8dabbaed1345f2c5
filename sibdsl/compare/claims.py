"""Phase 6, `sibc diff --claims`: the same ledger settled under both versions of a contract.

Input: two compiled contracts and the paths of a claims ledger (and, optionally, cohort-level
measurements and tranche requests, as `sibc settle` takes them). Output: `ClaimsImpact`: the
claims whose decision or amount changes (claim id, participant, outcome, old -> new, why), the
change in each payer's total and in each settlement period's total, and the ledger diagnostics,
which are those `sibc settle` gives. Each ledger is read under each version (a row naming an
outcome the new version removed is not a claim of the new version: it is listed as no longer
payable). Settled by the real engine, in the wide decimal context settle uses.
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sibdsl.compiler import CompileResult
from sibdsl.core.diagnostics import Diagnostic
from sibdsl.core.money import wide
from sibdsl.core.source import SourceFile
from sibdsl.settlement.engine import Settlement, settle
from sibdsl.settlement.ledger import Ledger, read_ledger
from sibdsl.settlement.output import REASON_WORDS, period_label, rule_text
from sibdsl.settlement.records import Claim, Decision, Measurement, Request
from sibdsl.settlement.tranches import Release, participant_groups, release_tranches

GONE = "not a claim of the new version"  # the status of a row whose outcome the new version removed


@dataclass
class ClaimChange:
    claim_id: str
    participant: str
    outcome: str
    row: int
    old_status: str
    new_status: str
    old_amount: Decimal
    new_amount: Decimal
    old_price: Decimal | None
    new_price: Decimal | None
    why: str

    @property
    def delta(self) -> Decimal:
        return self.new_amount - self.old_amount


@dataclass
class Total:
    name: str  # a payer, a period label, "total"
    old: Decimal
    new: Decimal

    @property
    def delta(self) -> Decimal:
        return self.new - self.old


@dataclass
class ClaimsImpact:
    ledger: str
    claims: int = 0  # rows settled under the old version
    changed: list[ClaimChange] = field(default_factory=list)
    resplit: int = 0  # claims paid the same amount, split differently between the payers
    payers: list[Total] = field(default_factory=list)
    periods: list[Total] = field(default_factory=list)
    total: Total | None = None
    tranches: list[tuple[str, str, str]] = field(default_factory=list)  # (tranche, old, new) that differ
    diagnostics: list[tuple[str, list[Diagnostic], SourceFile | None]] = field(default_factory=list)
    error: str | None = None  # why nothing was compared (a ledger could not be read, invalid rows)


def _read(path: str, kind: str, result: CompileResult) -> Ledger:
    assert result.model is not None
    return read_ledger(path, kind, result.model)


def _only_unknown_names(ledger: Ledger) -> bool:
    """Every error of the ledger is SIB704 (a name the contract does not have)."""
    return all(d.code == "SIB704" for d in ledger.sink.items if d.severity.value == "error")


def _settled(result: CompileResult, ledgers: list[Ledger], name: str) -> tuple[Settlement, list[Release]]:
    assert result.model is not None
    claims: list[Claim] = ledgers[0].records
    measurements: list[Measurement] = next((lg.records for lg in ledgers if lg.kind == "measurements"), [])
    requests: list[Request] = next((lg.records for lg in ledgers if lg.kind == "requests"), [])
    done = settle(result.model, claims, measurements, spans=result.spans, file=name)
    releases = release_tranches(result.model, done.decisions, requests, None,
                                participant_groups(done.figures.participants))
    return done, releases


def _key(d: Decision) -> tuple[bool, int, str]:
    return d.cohort_level, d.row, d.claim_id


def _why(old: Decision | None, new: Decision, done: Settlement, result: CompileResult, cur: str) -> str:
    reason = REASON_WORDS.get(new.reason, new.reason.value)
    rule = rule_text(new.rule, done, result.spans, "")
    parts = []
    if old is not None and old.price != new.price:
        parts.append(f"price {cur} {old.price:,.2f} -> {cur} {new.price:,.2f}")
    if old is None or old.reason != new.reason or old.rule != new.rule or not parts:
        parts.append(reason + (f": {rule}" if rule and new.reason.value != "paid" else ""))
    if new.detail and new.detail not in parts[-1]:
        parts.append(new.detail)
    return "; ".join(parts)


def compare_claims(old: CompileResult, new: CompileResult, claims_path: str, measurements_path: str | None = None,
                   requests_path: str | None = None) -> ClaimsImpact:
    with decimal.localcontext(wide()):
        return _compare(old, new, claims_path, measurements_path, requests_path)


def _compare(old: CompileResult, new: CompileResult, claims_path: str, measurements_path: str | None,
             requests_path: str | None) -> ClaimsImpact:
    assert old.model is not None and new.model is not None
    out = ClaimsImpact(claims_path)
    paths = [(claims_path, "claims")] + ([(measurements_path, "measurements")] if measurements_path else []) + (
        [(requests_path, "requests")] if requests_path else [])
    before = [_read(p, kind, old) for p, kind in paths]
    after = [_read(p, kind, new) for p, kind in paths]
    for ledger in before:
        out.diagnostics.append((ledger.sink.file, ledger.sink.sorted(), ledger.source))
    if any(not lg.readable for lg in before):
        out.error = "nothing settled: a ledger file could not be read (see above)"
        return out
    invalid = sum(len(lg.invalid_rows) for lg in before)
    if invalid:
        out.error = f"{invalid} invalid row(s) under the old version; nothing compared. Fix them first."
        return out
    # under the new version, a row may name an outcome (cohort, sub-group) that it removed: such
    # a row is not a claim of the new version; any other problem is reported as settle does
    dropped: dict[int, str] = {}  # row -> why the new version has no such claim
    for ledger in after:
        if ledger.invalid_rows and not _only_unknown_names(ledger):
            out.diagnostics.append((f"{ledger.sink.file} (read under the new version)", ledger.sink.sorted(),
                                    ledger.source))
            out.error = "the ledger has invalid rows under the new version (see above); nothing compared"
            return out
        if ledger.kind == "claims":
            dropped = {line: f"under the new version, {d.message}" for d in ledger.sink.items
                       if d.code == "SIB704" for line in [d.span.line] if line in set(ledger.invalid_rows)}
            dropped.update({line: "the new version does not know a name of this row" for line in ledger.invalid_rows
                            if line not in dropped})
    out.claims = len(before[0].records)
    done_old, releases_old = _settled(old, before, str(old.name))
    done_new, releases_new = _settled(new, after, str(new.name))
    cur = new.model.header.currency
    new_by = {_key(d): d for d in done_new.decisions}
    seen: set[tuple[bool, int, str]] = set()
    for d in done_old.decisions:
        k = _key(d)
        seen.add(k)
        n = new_by.get(k)
        if n is None:
            if d.row in dropped or d.amount:
                why = dropped.get(d.row, "not decided under the new version")
                out.changed.append(ClaimChange(d.claim_id, d.participant, d.outcome, d.row, d.status.value, GONE,
                                               d.amount, Decimal(0), d.price, None, why))
            continue
        if n.status != d.status or n.amount != d.amount:
            out.changed.append(ClaimChange(d.claim_id, d.participant, d.outcome, d.row, d.status.value,
                                           n.status.value, d.amount, n.amount, d.price, n.price,
                                           _why(d, n, done_new, new, cur)))
        elif dict(n.shares) != dict(d.shares):
            out.resplit += 1
    for n in done_new.decisions:
        if _key(n) not in seen:
            out.changed.append(ClaimChange(n.claim_id, n.participant, n.outcome, n.row, "not decided",
                                           n.status.value, Decimal(0), n.amount, None, n.price,
                                           _why(None, n, done_new, new, cur)))
    payers_old: dict[str, Decimal] = defaultdict(Decimal)
    payers_new: dict[str, Decimal] = defaultdict(Decimal)
    periods_old: dict[str, Decimal] = defaultdict(Decimal)
    periods_new: dict[str, Decimal] = defaultdict(Decimal)
    for (payer, period), amount in done_old.invoices.items():
        payers_old[payer] += amount
        periods_old[period_label(done_old.plan, period)] += amount
    for (payer, period), amount in done_new.invoices.items():
        payers_new[payer] += amount
        periods_new[period_label(done_new.plan, period)] += amount
    names = [p.name for p in old.model.payers] + [p.name for p in new.model.payers
                                                  if p.name not in {q.name for q in old.model.payers}]
    out.payers = [Total(p, payers_old.get(p, Decimal(0)), payers_new.get(p, Decimal(0))) for p in names]
    labels = sorted(set(periods_old) | set(periods_new), key=_period_order)
    out.periods = [Total(p, periods_old.get(p, Decimal(0)), periods_new.get(p, Decimal(0))) for p in labels]
    out.total = Total("total", sum(payers_old.values(), Decimal(0)), sum(payers_new.values(), Decimal(0)))
    old_tranches = {r.tranche: _release_words(r, cur) for r in releases_old}
    new_tranches = {r.tranche: _release_words(r, cur) for r in releases_new}
    for name in [*old_tranches, *(t for t in new_tranches if t not in old_tranches)]:
        a, b = old_tranches.get(name, "not in this version"), new_tranches.get(name, "not in this version")
        if a != b:
            out.tranches.append((name, a, b))
    return out


def _period_order(label: str) -> tuple[int, str]:
    """P1 ... P12 in number order; `outside term` last."""
    head = label.split(" ", 1)[0]
    return (int(head[1:]), label) if head[1:].isdigit() else (10**9, label)


def _release_words(r: Release, cur: str) -> str:
    return f"{r.status}" + (f" {cur} {r.amount:,.2f}" if r.amount else "") + (f" on {r.day}" if r.day else "")
