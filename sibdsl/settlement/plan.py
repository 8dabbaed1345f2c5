"""Settlement: the compiled contract arranged for fast look-ups while settling.

Input: the pydantic `Contract`. Output: `Plan` — outcomes by name, exclusive groups by
member, caps by scope, payer shares and caps, period arithmetic — so that deciding a claim
touches only what applies to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sibdsl.core.calendar import add_duration, add_months
from sibdsl.model.contract import Cap, Contract, Outcome


@dataclass
class PayerPlan:
    name: str
    index: int
    share: Decimal
    cap: Decimal | None  # the smaller of `at most` and `cap payer NAME`
    cap_rule: tuple[str | int, ...]  # where that limit is written: ("payers", i) or ("caps", ci)
    reject_at_cap: bool = False  # that limit says `then reject`
    fraction: Fraction = Fraction(0)  # the exact share of each payment (the share / 100, or its ratio)
    largest: Fraction = Fraction(0)  # its largest share of any payment (shares per outcome or phase)


@dataclass
class Plan:
    contract: Contract
    outcomes: dict[str, tuple[int, Outcome]]
    groups_of: dict[str, list[tuple[int, int, tuple[str, ...]]]]  # outcome -> (group index, k, members)
    caps: list[tuple[int, Cap]]  # claim-level caps, in declaration order (payer caps excluded)
    payers: list[PayerPlan]
    remainder_to: str
    cohorts: dict[str, int]
    subgroups: dict[str, str]  # sub-group -> its cohort
    single_cohort: str | None
    months_per_period: int
    term_start: date
    term_end: date
    unit: Decimal
    rounding: str
    per_invoice: bool = False  # `rounding ... per invoice` (and a rounding unit): docs/settlement.md
    needs_start: bool = False
    notes: list[str] = field(default_factory=list)
    # payments past the term (docs/settlement.md "Payments past the term"): the last day an
    # outcome can be achieved (the term end, or the end of the run-off) and the claims deadline
    last_day: date | None = None
    claims_until: date | None = None

    _months: dict[date, int] = field(default_factory=dict)

    def period_of(self, day: date) -> int:
        months = self._months.get(day)
        if months is None:
            months = self._months[day] = whole_months(self.term_start, day)
        return months // self.months_per_period

    def year_of(self, day: date) -> int:
        months = self._months.get(day)
        if months is None:
            months = self._months[day] = whole_months(self.term_start, day)
        return months // 12


def whole_months(start: date, day: date) -> int:
    """Whole calendar months from start to day, by the contract's month rule (31 January +
    1 month = 28/29 February), so periods, years and anniversaries agree with windows."""
    months = (day.year - start.year) * 12 + day.month - start.month
    if add_months(start, months) > day:
        months -= 1
    return months


def make_plan(contract: Contract) -> Plan:
    header = contract.header
    groups_of: dict[str, list[tuple[int, int, tuple[str, ...]]]] = {}
    for gi, group in enumerate(contract.exclusive_groups):
        for member in group.members:
            groups_of.setdefault(member, []).append((gi, group.at_most, group.members))
    payers = []
    for i, payer in enumerate(contract.payers):
        payers.append(PayerPlan(payer.name, i, payer.share, payer.cap, ("payers", i), fraction=payer.fraction(),
                                largest=payer.max_fraction()))
    by_name = {p.name: p for p in payers}
    caps = []
    for ci, cap in enumerate(contract.caps):
        if cap.scope == "payer" and cap.target in by_name:
            # a payer with both `at most` and `cap payer`: the smaller limit is its cap, with
            # that limit's own behaviour. The compiled payer's cap is already the smaller of the
            # two, so a cap line equal to it is the limit (the `at most` is larger, equal or
            # absent: on equal limits the cap line decides, and its `then reject`)
            pp = by_name[cap.target]
            if pp.cap is None or cap.limit <= pp.cap:
                pp.cap, pp.cap_rule, pp.reject_at_cap = cap.limit, ("caps", ci), cap.behaviour == "reject"
        else:
            caps.append((ci, cap))
    remainder = header.remainder_to
    if remainder is None and payers:
        remainder = max(payers, key=lambda p: (p.largest, -p.index)).name  # shares per outcome: the largest of any
    cohorts = {c.name: i for i, c in enumerate(contract.cohorts)}
    subgroups = {s.name: c.name for c in contract.cohorts for s in c.subgroups}
    needs_start = any(o.window is not None for o in contract.outcomes) or any(
        c.referral_start is not None for c in contract.cohorts)
    plan = Plan(
        contract=contract,
        outcomes={o.name: (i, o) for i, o in enumerate(contract.outcomes)},
        groups_of=groups_of,
        caps=caps,
        payers=payers,
        remainder_to=remainder or "",
        cohorts=cohorts,
        subgroups=subgroups,
        single_cohort=contract.cohorts[0].name if len(contract.cohorts) == 1 else None,
        months_per_period=header.settlement_months,
        term_start=header.term_start,
        term_end=header.term_end,
        unit=header.rounding_unit,
        rounding=header.rounding,
        needs_start=needs_start,
        last_day=add_duration(header.term_end, header.run_off) if header.run_off is not None else header.term_end,
        claims_until=header.claims_until,
        per_invoice=header.split == "invoice" and header.rounding_unit > 0 and len(payers) > 1,
    )
    return plan
