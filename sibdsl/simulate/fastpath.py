"""Simulation (phase 6): a drawn ledger -> its settled figures, through settlement's fast path.

Input: the `FastPlan` of the contract and a scenario's `draw.Ledger` (columns). Output:
`FastFigures`: the invoices per payer per period, the total, the count of claims paid, the
period each cap first binds, and (where a tranche has conditions) the paid decisions — the same
figures `run.settle_scenario` reads from the reference engine, which tests check scenario by
scenario. The ledger goes to the loop as numpy columns, without `Claim` objects.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from sibdsl.core.money import wide
from sibdsl.settlement.fast import FastPlan
from sibdsl.settlement.fast import kernel as K
from sibdsl.settlement.fast.columns import Columns
from sibdsl.settlement.fast.run import FastSettlement, run_columns
from sibdsl.settlement.records import Decision, Reason
from sibdsl.simulate.draw import Ledger

_CAP_REASONS = [K._REASONS.index(r) for r in (Reason.CAP_REACHED, Reason.CAP_PARTIAL, Reason.PAYER_CAP_REACHED)]


@dataclass
class FastFigures:
    invoices: dict[tuple[str, int], Decimal]
    total: Decimal
    paid: int
    binding: dict[str, int]
    settled: FastSettlement


def columns_of(fast: FastPlan, ledger: Ledger) -> Columns:
    """The ledger as the loop's columns, in the order of settlement."""
    order = ledger.settlement_order()
    person = ledger.person[order]
    outcome = ledger.outcome[order]
    day = ledger.day[order]
    cohort_map = np.asarray([fast.cohorts.index(c) for c in ledger.cohorts] + [-1], np.int64)
    sub_map = np.asarray([fast.subgroups.index(s) if s in fast.subgroups else -1 for s in ledger.subgroups] + [-1],
                         np.int64)
    p_cohort = cohort_map[ledger.p_cohort]  # -1 (none) indexes the last entry, -1
    p_sub = sub_map[ledger.p_subgroup]
    start = ledger.p_start[person]
    n = len(day)
    lo = int(min(day.min(), ledger.p_start.min())) if n else fast.plan.term_start.toordinal()
    hi = int(max(day.max(), ledger.p_start.max())) if n else lo
    base, n_days, days = fast.day_tables(lo, hi)
    period = fast.array("period")[day - base]
    year = fast.array("year")[day - base]
    pyear = np.zeros(n, np.int64)
    slots = fast.array("o_islot")[outcome] if n else pyear
    if fast.index_starts and n:
        table = fast.array("pyear")
        pyear = np.where(slots >= 0, table[np.maximum(slots, 0) * n_days + day - base], 0)
    flag = np.zeros(n, np.int64)
    deadline = fast.plan.claims_until
    if deadline is not None:
        flag = np.where(day > deadline.toordinal(), K.F_LATE, 0).astype(np.int64)
    vprice = np.zeros(n, np.int64)
    vreason = np.full(n, -1, np.int64)
    if fast.value_priced:
        at = np.nonzero(np.isin(outcome, np.asarray(sorted(fast.value_priced), np.int64)) & (flag == 0))[0]
        for i in at.tolist():
            got = fast.value_price(int(outcome[i]), ledger.value[int(order[i])], date.fromordinal(int(day[i])))
            vprice[i], vreason[i] = got
    cols: dict[str, Any] = {"c_outcome": outcome, "c_person": person, "c_day": day, "c_cohort": p_cohort[person],
                            "c_start": start, "c_subgroup": p_sub[person], "c_referral": start,
                            "c_held": np.full(n, -1, np.int64), "c_flag": flag, "c_vprice": vprice, "c_vreason": vreason,
                            "c_period": period, "c_year": year, "c_pyear": pyear}
    tables: dict[str, Any] = {
        "shift": fast.array("shift"), "base": base, "n_days": n_days,
        "o_cohort_ok": fast.array("o_cohort_ok"), "held_has": np.zeros(1, np.int64),
        "n_people": len(ledger.people), "n_cohorts": len(fast.cohorts), "n_subgroups": len(fast.subgroups),
        "n_periods": int(max(days["period"], default=0)) + 1, "n_years": int(max(days["year"], default=0)) + 1}

    def claims() -> list[Any]:
        every = ledger.claims()
        return [every[i] for i in order.tolist()]

    return Columns(None, cols, ledger.people, fast.cohorts, fast.subgroups, tables, claims)


def settle_ledger(fast: FastPlan, ledger: Ledger, decisions: bool) -> FastFigures:
    """Settle one scenario's ledger (compiled when numba is installed); `decisions`: also the
    paid claims as `Decision`s (for tranches released on conditions)."""
    with decimal.localcontext(wide()):
        columns = columns_of(fast, ledger)
        settled = run_columns(fast, columns, "compiled" if K.compiled() is not None else "python",
                              keep_arrays=True)
        amount = np.asarray(settled.amount)
        period = np.asarray(columns.cols["c_period"])
        invoices = settled.invoices
        total = settled.money(int(amount.sum()))
        binding: dict[str, int] = {}
        reason = np.asarray(settled.reason)
        root = np.asarray(settled.root)
        hit = np.isin(reason, _CAP_REASONS) & (root >= 0)
        for r, p in zip(root[hit].tolist(), period[hit].tolist(), strict=True):
            key = fast.root_keys[r]
            if key not in binding or p < binding[key]:
                binding[key] = p
        return FastFigures(invoices, total, int((amount > 0).sum()), binding, settled)


def paid_decisions(figures: FastFigures) -> list[Decision]:
    """The claims paid (in full, in part, or zero in a band that pays nothing), as `Decision`s."""
    settled = figures.settled
    keep = [i for i, s in enumerate(settled.status) if s <= K.S_PARTIAL]
    return settled.decisions(keep)
