"""Settlement, fast path: the compiled contract as integer tables, or the rule that keeps it out.

Input: a compiled `Contract`. Output: `FastPlan` (names as indices, durations as indices,
money as whole quanta: multiples of 10^-places, prices and band prices rounded by the contract's
rule through `pricing.price` itself), or `Declined` naming the first construct the fast path
does not decide (docs/settlement.md, "The fast path"); the caller then uses `engine.settle`.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sibdsl.core.calendar import add_duration, add_months
from sibdsl.core.currency import MINOR_UNITS
from sibdsl.core.money import round_money, wide
from sibdsl.model.contract import Contract, Duration, Prerequisite, TieredTariff
from sibdsl.settlement.fast import kernel as K
from sibdsl.settlement.plan import Plan, make_plan
from sibdsl.settlement.pricing import full_years, indexed, price
from sibdsl.settlement.records import Reason

REASON_INDEX = {r: i for i, r in enumerate(Reason)}
_SCOPES = {"contract": K.SC_CONTRACT, "participant": K.SC_PARTICIPANT, "outcome": K.SC_OUTCOME,
           "subgroup": K.SC_SUBGROUP, "cohort": K.SC_COHORT, "period": K.SC_PERIOD, "year": K.SC_YEAR}
_COUNT_SCOPES = {"outcome", "subgroup", "cohort"}
_MODES = {"half up": K.RD_HALF_UP, "half even": K.RD_HALF_EVEN, "half down": K.RD_HALF_DOWN, "down": K.RD_DOWN,
          "up": K.RD_UP}
LIMIT = 2 ** 62  # every product and sum of quanta the loop makes stays below this (int64 in the compiled loop)


@dataclass(frozen=True)
class Declined:
    """The contract or ledger uses a rule the fast path does not decide: `why` names it."""

    why: str


@dataclass
class FastPlan:
    """The contract as the loop reads it. Name spaces: outcomes in declaration order; cohorts
    (the contract's, then names only ledgers gave, then "none"); sub-groups likewise."""

    plan: Plan
    places: int
    quantum: Decimal
    outcomes: list[str]
    outcome_index: dict[str, int]
    cohorts: list[str | None]  # the last is None ("none given")
    subgroups: list[str | None]  # the last is None
    durations: list[Duration]
    root_keys: list[str]  # cap index -> rule key ("caps.2", then the payer limits "payers.0" / "caps.5")
    payers: tuple[str, ...]
    ints: dict[str, Any]  # the loop's tables by parameter name (lists of int)
    value_priced: set[int]  # outcomes priced from the claim's value (sliding, per unit)
    largest: int  # the largest price any claim can have, in quanta (for the int64 bound)
    resets: dict[str, int]  # reset name -> index
    index_starts: list[date] = field(default_factory=list)  # per indexed outcome (its slot): the indexation's start
    n_py: int = 1  # price years: 1 + the most whole years of indexation a claim in the term can have
    _days: tuple[int, int] | None = None  # the range of day numbers the day tables cover
    _day_tables: dict[str, list[int]] = field(default_factory=dict)
    value_prices: dict[tuple[int, Decimal | None, int], tuple[int, int]] = field(default_factory=dict)

    _arrays: dict[str, Any] = field(default_factory=dict)

    def array(self, name: str) -> Any:
        """A table (of `ints` or the day tables) as a numpy int64 array, made once."""
        found = self._arrays.get(name)
        if found is None:
            import numpy as np

            source = self._day_tables[name] if name in ("shift", "period", "year", "pyear") else self.ints[name]
            found = self._arrays[name] = np.asarray(source, dtype=np.int64)
        return found

    def quanta(self, amount: Decimal) -> int:
        return int(amount / self.quantum)

    def day_tables(self, lo: int, hi: int) -> tuple[int, int, dict[str, list[int]]]:
        """`shift` (day + each duration), `period` and `year` of every day number in [lo, hi]
        (or a wider range already built), with the base day number and the count of days."""
        if self._days is None or lo < self._days[0] or hi > self._days[1]:
            if self._days is not None:
                lo, hi = min(lo, self._days[0]), max(hi, self._days[1])
            plan = self.plan
            first, last = plan.term_start.toordinal(), (plan.last_day or plan.term_end).toordinal()
            days = [date.fromordinal(n) for n in range(lo, hi + 1)]
            shift: list[int] = []
            for d in self.durations:
                shift += [add_duration(day, d).toordinal() for day in days]
            period = [plan.period_of(day) if first <= day.toordinal() <= last else -1 for day in days]
            year = [plan.year_of(day) if first <= day.toordinal() <= last else 0 for day in days]
            top = self.n_py - 1
            pyear: list[int] = []
            for start in self.index_starts:  # whole years of indexation, as `pricing.full_years` counts them
                pyear += [min(full_years(start, day), top) for day in days]
            self._days = (lo, hi)
            self._day_tables = {"shift": shift, "period": period, "year": year, "pyear": pyear or [0]}
            for name in self._day_tables:
                self._arrays.pop(name, None)
        assert self._days is not None
        return self._days[0], self._days[1] - self._days[0] + 1, self._day_tables

    def price_year(self, o: int, day: date) -> int:
        """The row of the price tables for a claim of outcome `o` on `day`: its whole years of indexation."""
        slot = self.ints["o_islot"][o]
        if slot < 0:
            return 0
        return min(full_years(self.index_starts[slot], day), self.n_py - 1)

    def value_price(self, o: int, value: Decimal | None, day: date) -> tuple[int, int]:
        """The price of a claim of a value-priced outcome (quanta, reason index or -1), by `pricing.price`."""
        slot = self.ints["o_islot"][o]
        key = (o, value, full_years(self.index_starts[slot], day) if slot >= 0 else 0)  # not clipped: exact years
        found = self.value_prices.get(key)
        if found is None:
            plan = self.plan
            outcome = plan.outcomes[self.outcomes[o]][1]
            with decimal.localcontext(wide()):
                amount, why, _detail = price(outcome, None, value, day, 0, plan.unit, plan.rounding)
                found = (self.quanta(amount), -1 if why is None else REASON_INDEX[why])
            if len(self.value_prices) < 100_000:
                self.value_prices[key] = found
        return found


def _places(values: list[Decimal]) -> int:
    most = 0
    for v in values:
        exponent = v.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > most:
            most = -exponent
    return most


def fast_plan(contract: Contract) -> FastPlan | Declined:
    """The contract arranged for the fast path, or the first rule that keeps it out."""
    with decimal.localcontext(wide()):
        return _fast_plan(contract)


def _fast_plan(contract: Contract) -> FastPlan | Declined:
    plan = make_plan(contract)
    header = contract.header
    if header.rounding_unit <= 0:
        return Declined("money is not rounded (rounding to 0)")
    if not plan.payers:
        return Declined("the contract has no payer")
    if any(p.clauses for p in contract.payers):
        return Declined("a payer's share varies by outcome or phase")
    money: list[Decimal] = [header.rounding_unit]
    for o in contract.outcomes:
        if isinstance(o.tariff, TieredTariff):
            money += [b.price for b in o.tariff.bands] + [b.cap for b in o.tariff.bands if b.cap is not None]
    for _ci, cap in plan.caps:
        if cap.scope not in _SCOPES:
            return Declined(f"a cap of scope {cap.scope}")
        if cap.measure == "count" and cap.scope not in _COUNT_SCOPES:
            return Declined(f"a count cap of scope {cap.scope}")
        if cap.measure == "share" and (cap.measured_share or cap.scope != "subgroup"):
            return Declined("a share cap measured over a period or over the contract")
        if cap.measure == "money":
            money.append(cap.limit)
    money += [p.cap for p in plan.payers if p.cap is not None]
    places = max(_places(money), MINOR_UNITS.get(header.currency, 2))
    quantum = Decimal(1).scaleb(-places)

    def q(v: Decimal) -> int:
        return int(v / quantum)

    unit = q(plan.unit)
    if unit <= 0 or plan.unit != unit * quantum:
        return Declined("the rounding unit is finer than the money it rounds")
    outcomes = [o.name for o in contract.outcomes]
    index = {name: i for i, name in enumerate(outcomes)}
    cohort_names: list[str | None] = [c.name for c in contract.cohorts]
    cohorts = [*cohort_names, None]
    subgroups: list[str | None] = [s.name for c in contract.cohorts for s in c.subgroups]
    subgroups = [*dict.fromkeys(subgroups), None]
    durations: list[Duration] = []

    def dur(d: Duration | None) -> int:
        if d is None:
            return -1
        if d not in durations:
            durations.append(d)
        return durations.index(d)

    ints: dict[str, Any] = {k: [] for k in (
        "o_kind", "o_times", "o_window", "o_window_ref", "o_not_if_held", "o_has_prereq", "o_restricted",
        "o_pre_start", "o_pre_count", "pre_outcome", "pre_at_least", "pre_within", "o_grp_start", "o_grp_count",
        "grp_of", "o_band_start", "o_band_count", "o_within", "o_band_caps", "band_first", "band_last", "band_price",
        "band_reason", "band_cap", "o_islot", "o_ch_start", "o_ch_count", "ch_opt_start", "ch_opt_count", "ch_held",
        "ch_if_paid", "opt_outcome", "opt_at_least", "opt_within")}

    def steps(prefix: str, found: tuple[Prerequisite, ...]) -> bool:
        """A ladder's prerequisites (`pre_*`) or a clause's options (`opt_*`): outcome and delays."""
        if any(p.outcome not in index for p in found):
            return False
        for p in found:
            ints[f"{prefix}_outcome"].append(index[p.outcome])
            ints[f"{prefix}_at_least"].append(dur(p.at_least))
            ints[f"{prefix}_within"].append(dur(p.within))
        return True

    index_starts: list[date] = []
    n_py = 1
    end = plan.last_day or plan.term_end
    for o in contract.outcomes:
        if o.indexation is not None:
            n_py = max(n_py, full_years(o.indexation.start, end) + 1)
    value_priced: set[int] = set()
    largest = 0
    groups_of = plan.groups_of
    for i, o in enumerate(contract.outcomes):
        t = o.tariff
        kind = {"tiered": K.K_TIERED, "sliding": K.K_VALUE, "per_unit": K.K_VALUE,
                "cohort_level": K.K_COHORT_LEVEL}.get(t.kind, K.K_TABLE)
        ints["o_kind"].append(kind)
        ints["o_times"].append(o.times_limit or 0)
        ints["o_window"].append(dur(o.window))
        ints["o_window_ref"].append(int(o.window_from == "referral"))
        ints["o_not_if_held"].append(int(o.not_if_held))
        ints["o_has_prereq"].append(int(bool(o.prerequisites)))
        ints["o_restricted"].append(int(bool(o.cohorts)))
        ints["o_pre_start"].append(len(ints["pre_outcome"]))
        ints["o_pre_count"].append(len(o.prerequisites))
        if not steps("pre", o.prerequisites):
            return Declined(f"outcome {o.name} names an unknown prerequisite")
        if o.indexation is not None:
            ints["o_islot"].append(len(index_starts))
            index_starts.append(o.indexation.start)
        else:
            ints["o_islot"].append(-1)
        ints["o_ch_start"].append(len(ints["ch_opt_start"]))
        ints["o_ch_count"].append(len(o.choices))
        for choice in o.choices:
            ints["ch_opt_start"].append(len(ints["opt_outcome"]))
            ints["ch_opt_count"].append(len(choice.options))
            ints["ch_held"].append(int(choice.held_at_referral))
            ints["ch_if_paid"].append(int(choice.if_paid))
            if not steps("opt", choice.options):
                return Declined(f"outcome {o.name} names an unknown prerequisite")
        ints["o_grp_start"].append(len(ints["grp_of"]))
        ints["o_grp_count"].append(len(groups_of.get(o.name, ())))
        ints["grp_of"] += [gi for gi, _k, _members in groups_of.get(o.name, ())]
        ints["o_band_start"].append(len(ints["band_first"]))
        ints["o_within"].append(-1)
        ints["o_band_caps"].append(0)
        if isinstance(t, TieredTariff):
            ints["o_band_count"].append(len(t.bands))
            if t.counted_within is not None:
                if t.counted_within not in subgroups:
                    return Declined(f"outcome {o.name} counts an unknown sub-group")
                ints["o_within"][-1] = subgroups.index(t.counted_within)
            ints["o_band_caps"][-1] = int(t.has_band_caps)
            for b in t.bands:
                ints["band_first"].append(b.first)
                ints["band_last"].append(-1 if b.last is None else b.last)
                for y in range(n_py):  # the band's price in each year of indexation, rounded
                    amount = indexed(b.price, o.indexation, y) if o.indexation is not None else b.price
                    rounded = round_money(amount, plan.unit, plan.rounding)
                    ints["band_price"].append(q(rounded))
                    largest = max(largest, q(rounded))
                    ints["band_reason"].append(REASON_INDEX[Reason.BAND_PAYS_NOTHING] if b.price == 0 else
                                               REASON_INDEX[Reason.BELOW_THRESHOLD] if rounded <= 0 else -1)
                if b.cap is not None and b.cap != q(b.cap) * quantum:
                    return Declined(f"a band cap of {o.name} is finer than the money unit")
                ints["band_cap"].append(-1 if b.cap is None else q(b.cap))
        else:
            ints["o_band_count"].append(0)
        if kind == K.K_VALUE:
            value_priced.add(i)
            bound = getattr(t, "price", Decimal(0)) * (getattr(t, "limit", Decimal(1)))
            if o.indexation is not None:
                bound = indexed(bound, o.indexation, n_py - 1)
            largest = max(largest, q(round_money(bound, plan.unit, "up")) if bound > 0 else 0)
    ints["grp_k"] = [g.at_most for g in contract.exclusive_groups]
    root_keys: list[str] = []
    cap_cols: dict[str, list[int]] = {k: [] for k in ("cap_scope", "cap_target", "cap_measure", "cap_limit", "cap_num",
                                                      "cap_den", "cap_rejects")}
    for ci, cap in plan.caps:
        root_keys.append(f"caps.{ci}")
        cap_cols["cap_scope"].append(_SCOPES[cap.scope])
        target = -1
        if cap.scope == "outcome":
            target = index.get(cap.target or "", -1)
        elif cap.scope == "subgroup":
            target = subgroups.index(cap.target) if cap.target in subgroups[:-1] else -1
        elif cap.scope == "cohort":
            target = cohorts.index(cap.target) if cap.target in cohorts[:-1] else -1
        cap_cols["cap_target"].append(target)
        measure = {"money": K.M_MONEY, "count": K.M_COUNT, "share": K.M_SHARE}[cap.measure]
        cap_cols["cap_measure"].append(measure)
        share = Fraction(cap.limit) / 100
        cap_cols["cap_num"].append(share.numerator)
        cap_cols["cap_den"].append(share.denominator)
        if measure == K.M_MONEY:
            if cap.limit != q(cap.limit) * quantum:
                return Declined("a cap is finer than the money unit")
            cap_cols["cap_limit"].append(q(cap.limit))
        elif measure == K.M_COUNT:
            cap_cols["cap_limit"].append(int(cap.limit.to_integral_value(rounding=decimal.ROUND_FLOOR)))
        else:
            cap_cols["cap_limit"].append(0)
        cap_cols["cap_rejects"].append(int(cap.behaviour == "reject"))
    ints.update(cap_cols)
    fractions = [p.fraction for p in plan.payers]
    ints["pay_num"] = [f.numerator for f in fractions]
    ints["pay_den"] = [f.denominator for f in fractions]
    names = [p.name for p in plan.payers]
    if plan.remainder_to not in names:
        return Declined("the remainder payer is not a payer")
    pc = [(i, p) for i, p in enumerate(plan.payers) if p.cap is not None]
    for _i, p in pc:
        assert p.cap is not None
        if p.cap != q(p.cap) * quantum:
            return Declined("a payer's limit is finer than the money unit")
    ints["pc_payer"] = [i for i, _p in pc]
    ints["pc_limit"] = [q(p.cap) for _i, p in pc if p.cap is not None]
    ints["pc_rejects"] = [int(p.reject_at_cap) for _i, p in pc]
    root_keys += [".".join(str(x) for x in p.cap_rule) for _i, p in pc]
    ints["remainder"] = names.index(plan.remainder_to)
    ints["unit"] = unit
    ints["mode"] = _MODES[plan.rounding]
    ints["per_invoice"] = int(plan.per_invoice)
    ints["term_end"] = plan.term_end.toordinal()
    ints["single_cohort"] = cohorts.index(plan.single_cohort) if plan.single_cohort is not None else -1
    resets = {r.name: i for i, r in enumerate(contract.resets)}
    ints["rs_start"], ints["rs_count"], ints["rs_step"] = [], [], []
    for r in contract.resets:
        ints["rs_start"].append(len(ints["rs_step"]))
        ints["rs_count"].append(len(r.restarts))
        if any(step not in index for step in r.restarts):
            return Declined(f"reset {r.name} restarts an unknown outcome")
        ints["rs_step"] += [index[step] for step in r.restarts]
    ints["n_py"] = n_py
    fast = FastPlan(plan, places, quantum, outcomes, index, cohorts, subgroups, durations, root_keys, tuple(names),
                    ints, value_priced, largest, resets, index_starts, n_py)
    fast.ints["o_cohort_ok"] = [int(k in o.cohorts) for o in contract.outcomes for k in cohorts]
    prices = _price_table(fast, subgroups)
    fast.ints["o_price"], fast.ints["o_price_reason"] = prices[0], prices[1]
    fast.largest = max([fast.largest, *prices[0]])
    if fast.largest * max(ints["pay_num"]) >= LIMIT or max(ints["pay_den"]) * unit >= LIMIT:
        return Declined("amounts too large for the fast path's whole numbers")
    return fast


def _price_table(fast: FastPlan, subgroups: list[str | None]) -> tuple[list[int], list[int]]:
    """Each table-priced outcome's price for each sub-group (the last: none) and each price year
    (whole years of indexation), by `pricing.price`: at (o * sub-groups + s) * price years + y."""
    plan = fast.plan
    prices: list[int] = []
    reasons: list[int] = []
    for name in fast.outcomes:
        outcome = plan.outcomes[name][1]
        for s in subgroups:
            for y in range(fast.n_py):
                if outcome.tariff.kind in ("fixed", "subgroup"):
                    ix = outcome.indexation
                    day = add_months(ix.start, 12 * y) if ix is not None else plan.term_start
                    amount, why, _d = price(outcome, s, None, day, 0, plan.unit, plan.rounding)
                    prices.append(0 if why is not None else fast.quanta(amount))
                    reasons.append(-1 if why is None else REASON_INDEX[why])
                else:
                    prices.append(0)
                    reasons.append(-1)
    return prices, reasons


def with_subgroups(fast: FastPlan, extra: list[str]) -> tuple[list[str | None], list[int], list[int]]:
    """The sub-group space with names only a ledger gives (before "none"), and its price table."""
    subgroups = fast.subgroups[:-1] + extra + [None]
    with decimal.localcontext(wide()):
        prices, reasons = _price_table(fast, subgroups)
    return subgroups, prices, reasons
