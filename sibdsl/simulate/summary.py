"""Simulation (phase 6): the settled scenarios -> their distribution, exactly.

Input: the compiled contract and the `Scenario`s of `run.simulate`. Output: `Summary`: mean
and percentiles (p5, p25, p50, p75, p95) of the payments per payer per period, the cumulative
liability, the total, each cap's chance of binding and the period it first binds, the tranches
released and each investor class's returns; and its text, CSV and JSON forms. Money stays
Decimal: a percentile is the nearest-rank value (one of the scenarios' own figures, so exact);
a mean is the exact sum divided by the count, rounded half even to the currency's minor unit
only when it is shown. IRRs (not money) are floats, as `returns.irr` gives them.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from sibdsl.core.currency import MINOR_UNITS
from sibdsl.core.money import ZERO
from sibdsl.core.moneytext import money_text
from sibdsl.model.contract import Contract
from sibdsl.model.pastterm import last_day
from sibdsl.settlement.output import period_bounds
from sibdsl.settlement.plan import make_plan
from sibdsl.simulate.run import Scenario

PERCENTILES = (5, 25, 50, 75, 95)


def percentile(values: list[Decimal], p: int) -> Decimal:
    """The nearest-rank p-th percentile: the smallest value with at least p% of the values at or
    below it. Exact: it is one of the values. `values` need not be sorted."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(Fraction(p, 100) * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Stat:
    mean: Fraction  # exact; `shown_mean` rounds it
    p5: Decimal
    p25: Decimal
    p50: Decimal
    p75: Decimal
    p95: Decimal
    n: int

    def shown_mean(self, places: int) -> Decimal:
        q = Decimal(1).scaleb(-places)
        return (Decimal(self.mean.numerator) / Decimal(self.mean.denominator)).quantize(q, ROUND_HALF_EVEN)


def stat(values: list[Decimal]) -> Stat:
    mean = sum((Fraction(v) for v in values), Fraction(0)) / len(values)
    p5, p25, p50, p75, p95 = (percentile(values, p) for p in PERCENTILES)
    return Stat(mean, p5, p25, p50, p75, p95, len(values))


@dataclass
class CapSummary:
    key: str
    label: str
    scope: str
    limit: Decimal | None
    money: bool
    binds: int  # scenarios in which it binds
    first: Stat | None  # the period (1-based) it first binds, over the scenarios where it does


@dataclass
class TrancheSummary:
    name: str
    released: int
    amount: Stat
    period: Stat | None


@dataclass
class InvestorSummary:
    name: str
    drawn: Stat
    received: Stat
    loss: Stat
    losing: int  # scenarios with a loss
    multiple: Stat | None
    irr: tuple[float, float, float] | None  # p5, p50, p95
    flows: list[Stat]


@dataclass
class Summary:
    scenarios: int
    seed: int
    currency: str
    places: int
    periods: list[str]
    payers: list[str]
    payer_period: dict[str, list[Stat]]
    payer_total: dict[str, Stat]
    payer_cumulative: dict[str, list[Stat]]
    period_total: list[Stat]
    cumulative: list[Stat]
    total: Stat
    caps: list[CapSummary]
    tranches: list[TrancheSummary]
    released_cumulative: list[Stat]
    investors: list[InvestorSummary]
    claims: Stat
    notes: list[str] = field(default_factory=list)

    def chance(self, count: int) -> Fraction:
        return Fraction(count, self.scenarios)


def _cap_label(contract: Contract, key: str) -> tuple[str, str, Decimal | None, bool]:
    kind, _, number = key.partition(".")
    i = int(number)
    places = MINOR_UNITS.get(contract.header.currency, 2)
    cur = contract.header.currency
    if kind == "payers":
        p = contract.payers[i]
        return f"payer {p.name} at most {cur} {money_text(p.cap or ZERO, places, True)}", "payer", p.cap, True
    cap = contract.caps[i]
    name = f"cap per {cap.scope}" if cap.scope in ("period", "year", "participant") else \
        f"cap {cap.scope}" + (f" {cap.target}" if cap.target else "")
    if cap.measure == "money":
        return f"{name} {cur} {money_text(cap.limit, places, True)}", cap.scope, cap.limit, True
    if cap.measure == "share":
        return f"{name} {cap.limit}%", cap.scope, cap.limit, False
    return f"{name} {cap.limit} outcomes", cap.scope, cap.limit, False


def summarise(contract: Contract, scenarios: list[Scenario], seed: int, notes: list[str] | None = None) -> Summary:
    plan = make_plan(contract)
    count = plan.period_of(last_day(contract.header)) + 1
    count = max([count] + [p + 1 for s in scenarios for (_, p) in s.invoices])
    periods = []
    for i in range(count):
        start, end = period_bounds(plan, i)
        periods.append(f"P{i + 1} {start}..{end}")
    payers = [p.name for p in contract.payers]
    payer_period = {p: [stat([s.invoices.get((p, i), ZERO) for s in scenarios]) for i in range(count)] for p in payers}
    payer_cumulative: dict[str, list[Stat]] = {}
    for p in payers:
        runs = [_running([s.invoices.get((p, i), ZERO) for i in range(count)]) for s in scenarios]
        payer_cumulative[p] = [stat([r[i] for r in runs]) for i in range(count)]
    totals_by_period = [[sum((s.invoices.get((p, i), ZERO) for p in payers), ZERO) for i in range(count)]
                        for s in scenarios]
    cumulative_runs = [_running(t) for t in totals_by_period]
    caps = []
    keys = [f"caps.{i}" for i in range(len(contract.caps))]
    keys += [f"payers.{i}" for i, p in enumerate(contract.payers) if p.cap is not None]
    for key in keys:
        label, scope, limit, money = _cap_label(contract, key)
        firsts = [Decimal(s.binding[key] + 1) for s in scenarios if key in s.binding]
        caps.append(CapSummary(key, label, scope, limit, money, len(firsts), stat(firsts) if firsts else None))
    tranches = []
    for t in contract.tranches:
        got = [s.releases[t.name] for s in scenarios if t.name in s.releases]
        tranches.append(TrancheSummary(t.name, len(got), stat([s.releases[t.name][1] if t.name in s.releases else ZERO
                                                                for s in scenarios]),
                                       stat([Decimal(p + 1) for p, _ in got]) if got else None))
    released_runs: list[list[Decimal]] = []
    for s in scenarios:
        per = [ZERO] * count
        for period, amount in s.releases.values():
            per[min(max(period, 0), count - 1)] += amount
        released_runs.append(_running(per))
    investors = []
    names = list(scenarios[0].investors) if scenarios else []
    for name in names:
        accounts = [s.investors[name] for s in scenarios]
        multiples = [r.multiple for r in accounts if r.multiple is not None]
        irrs = sorted(r.irr for r in accounts if r.irr is not None)
        width = max(len(r.flows) for r in accounts)
        investors.append(InvestorSummary(
            name, stat([r.drawn for r in accounts]), stat([r.received for r in accounts]),
            stat([r.loss for r in accounts]), sum(r.loss > 0 for r in accounts), stat(multiples) if multiples else None,
            (_pick(irrs, 5), _pick(irrs, 50), _pick(irrs, 95)) if irrs else None,
            [stat([r.flows[i] if i < len(r.flows) else ZERO for r in accounts]) for i in range(width)]))
    return Summary(len(scenarios), seed, contract.header.currency, MINOR_UNITS.get(contract.header.currency, 2),
                   periods, payers, payer_period,
                   {p: stat([sum((s.invoices.get((p, i), ZERO) for i in range(count)), ZERO) for s in scenarios])
                    for p in payers},
                   payer_cumulative, [stat([t[i] for t in totals_by_period]) for i in range(count)],
                   [stat([r[i] for r in cumulative_runs]) for i in range(count)], stat([s.total for s in scenarios]),
                   caps, tranches, [stat([r[i] for r in released_runs]) for i in range(count)], investors,
                   stat([Decimal(s.claims) for s in scenarios]), list(notes or []))


def _pick(ordered: list[float], p: int) -> float:
    return ordered[max(1, math.ceil(len(ordered) * p / 100)) - 1]


def _running(values: list[Decimal]) -> list[Decimal]:
    out, acc = [], ZERO
    for v in values:
        acc += v
        out.append(acc)
    return out


def _percent(x: Fraction) -> str:
    return f"{float(x) * 100:.1f}%"


# ---------------------------------------------------------------- text, CSV, JSON

def text(summary: Summary, title: str) -> str:
    cur, places = summary.currency, summary.places

    def m(x: Decimal) -> str:
        return f"{cur} {money_text(x, places, True)}"

    def line(label: str, s: Stat) -> str:
        return (f"  {label:<28} mean {m(s.shown_mean(places))}, p5 {m(s.p5)}, p50 {m(s.p50)}, p95 {m(s.p95)}")

    out = [f"{title}: {summary.scenarios} scenarios, seed {summary.seed}",
           f"  claims per scenario: mean {summary.claims.shown_mean(0)}, p5 {summary.claims.p5}, "
           f"p95 {summary.claims.p95}", *[f"  note: {n}" for n in summary.notes], "", "Total liability"]
    out.append(line("all payers", summary.total))
    for p in summary.payers:
        out.append(line(p, summary.payer_total[p]))
    out += ["", "Payments per period (all payers; per payer in payments.csv)"]
    for i, label in enumerate(summary.periods):
        s = summary.period_total[i]
        if s.p95 > 0 or s.mean > 0:
            out.append(line(label, s))
    out += ["", "Caps"]
    for c in summary.caps:
        when = "" if c.first is None else (f"; first binds in period P{c.first.p50} (median; "
                                           f"P{c.first.p5}-P{c.first.p95} in 90% of those)")
        out.append(f"  {c.label}: binds in {_percent(summary.chance(c.binds))} of scenarios{when}")
    if not summary.caps:
        out.append("  (none)")
    if summary.tranches:
        out += ["", "Tranches"]
        for t in summary.tranches:
            when = "" if t.period is None else f", median in P{t.period.p50}"
            out.append(f"  {t.name}: released in {_percent(summary.chance(t.released))} of scenarios{when}; "
                       f"amount mean {m(t.amount.shown_mean(places))}, p5 {m(t.amount.p5)}, p95 {m(t.amount.p95)}")
    if summary.investors:
        out += ["", "Investors (the waterfall run to maturity on each scenario)"]
        for inv in summary.investors:
            mult = "" if inv.multiple is None else f", money multiple p5 {inv.multiple.p5:.2f} p50 {inv.multiple.p50:.2f} " \
                                                   f"p95 {inv.multiple.p95:.2f}"
            irr = "" if inv.irr is None else f", IRR p5 {inv.irr[0]:.1%} p50 {inv.irr[1]:.1%} p95 {inv.irr[2]:.1%}"
            out.append(f"  {inv.name}: drawn p50 {m(inv.drawn.p50)}, received p5 {m(inv.received.p5)} p50 "
                       f"{m(inv.received.p50)} p95 {m(inv.received.p95)}; loses money in "
                       f"{_percent(summary.chance(inv.losing))} of scenarios (loss p95 {m(inv.loss.p95)}){mult}{irr}")
    out.append("")
    out.append("Percentiles are nearest-rank (figures of actual scenarios); means are rounded to the minor unit.")
    return "\n".join(out) + "\n"


def _rows(writer: Any, header: list[str], rows: list[list[Any]]) -> None:
    writer.writerow(header)
    writer.writerows(rows)


def _stat_cells(s: Stat, places: int) -> list[str]:
    return [str(s.shown_mean(places)), str(s.p5), str(s.p25), str(s.p50), str(s.p75), str(s.p95)]


STAT_HEADER = ["mean", "p5", "p25", "p50", "p75", "p95"]


def csv_files(summary: Summary, scenarios: list[Scenario]) -> dict[str, str]:
    """File name -> CSV text."""
    places = summary.places
    files: dict[str, str] = {}

    def table(header: list[str], rows: list[list[Any]]) -> str:
        buf = io.StringIO()
        _rows(csv.writer(buf, lineterminator="\n"), header, rows)
        return buf.getvalue()

    files["payments.csv"] = table(["payer", "period", "label", *STAT_HEADER], [
        [p, i + 1, summary.periods[i], *_stat_cells(s, places)]
        for p in summary.payers for i, s in enumerate(summary.payer_period[p])]
        + [["all", i + 1, summary.periods[i], *_stat_cells(s, places)] for i, s in enumerate(summary.period_total)])
    files["liability.csv"] = table(["period", "label", *[f"cumulative_{h}" for h in STAT_HEADER]], [
        [i + 1, summary.periods[i], *_stat_cells(s, places)] for i, s in enumerate(summary.cumulative)])
    files["caps.csv"] = table(["cap", "label", "chance_binds", "first_period_p5", "first_period_p50",
                               "first_period_p95"],
                              [[c.key, c.label, str(Fraction(c.binds, summary.scenarios)),
                                *([str(c.first.p5), str(c.first.p50), str(c.first.p95)] if c.first else ["", "", ""])]
                               for c in summary.caps])
    if summary.tranches:
        files["tranches.csv"] = table(["tranche", "chance_released", *[f"amount_{h}" for h in STAT_HEADER],
                                       "period_p50"],
                                      [[t.name, str(Fraction(t.released, summary.scenarios)),
                                        *_stat_cells(t.amount, places), str(t.period.p50) if t.period else ""]
                                       for t in summary.tranches])
    if summary.investors:
        files["investors.csv"] = table(
            ["investor", "measure", *STAT_HEADER],
            [[inv.name, what, *_stat_cells(s, places if what != "multiple" else 4)]
             for inv in summary.investors
             for what, s in (("drawn", inv.drawn), ("received", inv.received), ("loss", inv.loss),
                             ("multiple", inv.multiple)) if s is not None])
    keys = [c.key for c in summary.caps]
    files["scenarios.csv"] = table(
        ["scenario", "claims", "paid", "total", *[f"paid_{p}" for p in summary.payers],
         *[f"binds_{k}" for k in keys], *[f"received_{n}" for n in (scenarios[0].investors if scenarios else {})]],
        [[s.index, s.claims, s.paid, str(s.total),
          *[str(sum((v for (p, _), v in s.invoices.items() if p == payer), ZERO)) for payer in summary.payers],
          *[str(s.binding[k] + 1) if k in s.binding else "" for k in keys],
          *[str(r.received) for r in s.investors.values()]] for s in scenarios])
    return files


def _stat_json(s: Stat | None, places: int) -> dict[str, str] | None:
    if s is None:
        return None
    return dict(zip(STAT_HEADER, _stat_cells(s, places), strict=True))


def to_json(summary: Summary) -> str:
    places = summary.places
    doc = {
        "scenarios": summary.scenarios, "seed": summary.seed, "currency": summary.currency,
        "periods": summary.periods, "notes": summary.notes,
        "total": _stat_json(summary.total, places),
        "payers": {p: {"total": _stat_json(summary.payer_total[p], places),
                       "per_period": [_stat_json(s, places) for s in summary.payer_period[p]]}
                   for p in summary.payers},
        "cumulative_liability": [_stat_json(s, places) for s in summary.cumulative],
        "caps": [{"cap": c.key, "label": c.label, "chance_binds": str(Fraction(c.binds, summary.scenarios)),
                  "first_period": _stat_json(c.first, 0)} for c in summary.caps],
        "tranches": [{"tranche": t.name, "chance_released": str(Fraction(t.released, summary.scenarios)),
                      "amount": _stat_json(t.amount, places), "period": _stat_json(t.period, 0)}
                     for t in summary.tranches],
        "investors": [{"investor": inv.name, "drawn": _stat_json(inv.drawn, places),
                       "received": _stat_json(inv.received, places), "loss": _stat_json(inv.loss, places),
                       "chance_of_loss": str(Fraction(inv.losing, summary.scenarios)),
                       "multiple": _stat_json(inv.multiple, 4),
                       "irr": None if inv.irr is None else dict(zip(("p5", "p50", "p95"), inv.irr, strict=True))}
                      for inv in summary.investors],
    }
    return json.dumps(doc, indent=2) + "\n"
