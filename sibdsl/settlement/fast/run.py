"""Settlement, fast path: run the loop over a ledger's columns and read its decisions back.

Input: `FastPlan`, claims, and which form of the loop to run (compiled by numba, or plain
Python). Output: `FastSettlement`: per claim, in the order of settlement, its status, reason,
price, amount, period, root cause and payer parts as integers, with `decisions()` (the
reference engine's `Decision`s, without details and rules) and `invoices` (Decimal, per payer
per period, as `Settlement.invoices`); or `Declined`.
"""

from __future__ import annotations

import decimal
import gc
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from sibdsl.core.money import wide
from sibdsl.settlement.fast import kernel as K
from sibdsl.settlement.fast.columns import Columns, from_claims
from sibdsl.settlement.fast.tables import Declined, FastPlan
from sibdsl.settlement.records import NO_SHARES, Claim, Decision, Reason, Status

REASONS = tuple(Reason)
STATUSES = (Status.PAID, Status.PARTIAL, Status.REJECTED, Status.RECORDED, Status.IGNORED)
Form = Literal["auto", "compiled", "python"]
COMPILED_FROM = 20_000  # "auto" compiles the loop (about a second, once per process) from this many claims

# the loop's parameters, in order, and where each comes from
_PARAMS = K.decide_all.__code__.co_varnames[:K.decide_all.__code__.co_argcount]


@dataclass
class FastSettlement:
    fast: FastPlan
    columns: Columns
    status: list[int]
    reason: list[int]
    price: list[int]
    amount: list[int]
    root: list[int]
    parts: list[int]  # claim i's part for payer p at i * payers + p
    form: str  # "compiled" or "python"

    @property
    def claims(self) -> list[Claim]:
        return self.columns.claims

    @property
    def period(self) -> list[int]:
        found: list[int] = self.columns.cols["c_period"]
        return found

    def money(self, quanta: int) -> Decimal:
        return Decimal(int(quanta)).scaleb(-self.fast.places)

    def root_key(self, i: int) -> str | None:
        r = int(self.root[i])
        return None if r < 0 else self.fast.root_keys[r]

    def invoices_quanta(self) -> dict[tuple[str, int], int]:
        """Per (payer, period), the parts of the claims paid in the period (each payer of each
        period in which a claim was paid, as `Settlement.invoices`). int64 sums are exact:
        `tables.LIMIT` bounds every total."""
        import numpy as np

        payers = self.fast.payers
        status = np.asarray(self.status, np.int64)
        committed = status <= K.S_PARTIAL
        if not committed.any():
            return {}
        parts = np.asarray(self.parts, np.int64).reshape(-1, len(payers))[committed]
        periods = np.asarray(self.period, np.int64)[committed]
        used = np.unique(periods).tolist()
        out: dict[tuple[str, int], int] = {}
        for j, payer in enumerate(payers):
            by_period = np.zeros(int(used[-1]) + 1, np.int64)
            np.add.at(by_period, periods, parts[:, j])
            for p in used:
                out[(payer, p)] = int(by_period[p])
        return out

    @property
    def invoices(self) -> dict[tuple[str, int], Decimal]:
        return {k: self.money(v) for k, v in self.invoices_quanta().items()}

    def participants(self) -> dict[str, tuple[str | None, str | None]]:
        """participant -> (cohort, sub-group), as the first claim of each fixed them (for tranches)."""
        cols, cohorts, subgroups = self.columns.cols, self.columns.cohorts, self.columns.subgroups
        single = self.fast.plan.single_cohort
        out: dict[str, tuple[str | None, str | None]] = {}
        people = self.columns.people
        for i in range(len(self.status)):
            if cols["c_flag"][i]:
                continue
            name = people[cols["c_person"][i]]
            if name not in out:
                k, s = cols["c_cohort"][i], cols["c_subgroup"][i]
                out[name] = (cohorts[k] if k >= 0 else single, subgroups[s] if s >= 0 else None)
        return out

    def decisions(self, only: list[int] | None = None, resets: bool = False) -> list[Decision]:
        """The decisions as `engine.settle` gives them (`Settlement.decisions`: reset rows apart),
        without their details and rules (the words are the reference engine's: `sibc settle`
        runs it); `only`: of these claims; `resets`: the reset rows instead."""
        out = []
        m, payers = self.money, self.fast.payers
        n = len(payers)
        claims = self.claims
        for i in (range(len(claims)) if only is None else only):
            c = claims[i]
            st = int(self.status[i])
            if (st >= K.S_RECORDED) != resets:
                continue
            shares = NO_SHARES if st >= K.S_REJECTED else {p: m(self.parts[i * n + j]) for j, p in enumerate(payers)}
            out.append(Decision(c.claim_id, c.participant, c.outcome, c.achieved, STATUSES[st],
                                REASONS[int(self.reason[i])], m(self.price[i]), m(self.amount[i]), int(self.period[i]),
                                (), "", shares, c.row, False, self.root_key(i)))
        return out


def _day(day: date | None, otherwise: int) -> int:
    return day.toordinal() if day is not None else otherwise


def settle_fast(fast: FastPlan, claims: Iterable[Claim], form: Form = "auto") -> FastSettlement | Declined:
    """Decide every claim as `engine.settle` would (docs/settlement.md, "The fast path")."""
    collecting = gc.isenabled()
    gc.disable()  # a million small acyclic records: the cycle collector only costs time here (as in engine.settle)
    try:
        with decimal.localcontext(wide()):
            columns = from_claims(fast, claims)
        if isinstance(columns, Declined):
            return columns
        return run_columns(fast, columns, form)
    finally:
        if collecting:
            gc.enable()


def run_columns(fast: FastPlan, columns: Columns, form: Form = "auto", keep_arrays: bool = False) -> FastSettlement:
    """Run the loop over the columns: compiled (`form` "compiled", or "auto" on a large
    ledger) or as plain Python; `keep_arrays`: leave the compiled loop's outputs as numpy arrays."""
    n = len(columns)
    kernel: Any = None
    if form == "compiled" or (form == "auto" and n >= COMPILED_FROM):
        kernel = K.compiled()
        if kernel is None and form == "compiled":
            raise RuntimeError("numba is not installed: the compiled loop is not available")
    payers = len(fast.payers)
    values: dict[str, Any] = {**fast.ints, **columns.cols}
    values.update(columns.tables)
    contract = fast.plan.contract
    specs = {c.name: c for c in contract.cohorts}
    term_start, term_end = fast.plan.term_start.toordinal(), fast.plan.term_end.toordinal()
    values["k_spec"] = [int(k in specs) for k in columns.cohorts]
    values["k_open"] = [_day(specs[k].referral_start, term_start) if k in specs else 0 for k in columns.cohorts]
    values["k_close"] = [_day(specs[k].referral_end, term_end) if k in specs else 0 for k in columns.cohorts]
    values["k_size"] = [(specs[k].size if specs[k].size is not None else -1) if k in specs else -1
                        for k in columns.cohorts]
    if kernel is not None:
        import numpy as np

        args = [np.asarray(values[name], dtype=np.int64) if isinstance(values[name], list) else values[name]
                for name in _PARAMS[:-6]]
        outs = [np.zeros(n, np.int64) for _ in range(5)] + [np.zeros(n * payers, np.int64)]
        kernel(*args, *outs)
        lists: list[Any] = outs if keep_arrays else [o.tolist() for o in outs]
        form_used = "compiled"
    else:
        args = [values[name].tolist() if hasattr(values[name], "tolist") else values[name] for name in _PARAMS[:-6]]
        lists = [[0] * n for _ in range(5)] + [[0] * (n * payers)]
        plain: Any = K.decide_all
        plain(*args, *lists)
        form_used = "python"
    status, reason, price, amount, root, parts = lists
    return FastSettlement(fast, columns, status, reason, price, amount, root, parts, form_used)
