"""Analysis: the most each payer can owe, as a sound upper bound — no ledger that settlement
accepts makes a payer pay more.

Input: the compiled `Contract`, the least claim-level limit on total payments (`base`: the
participants, the contract, period and year caps; each counts what is actually paid) and the
maximum liability. Output: `PayerMax` per payer: the bound, the words for what sets it, and
whether it is exact.

Settlement (docs/settlement.md, "The payers", "Rounding the payers' parts", "Payer caps")
splits each amount the claim-level caps allow by the shares, rounds each part to the unit and
puts the difference on the remainder payer, then cuts (or rejects) a part at its payer's cap.
So a payer's share of the maximum liability bounds it only when

- no other payer has a cap: a cut part is not counted by the claim-level caps, so once one
  payer's cap stops its part the others keep paying their shares of payments that the
  contract cap no longer stops (its own cap only stops it, at that cap), and
- every part is exact: every amount the caps allow is a multiple of `G` (the greatest common
  divisor of every price and money cap limit, a tier band's own cap included; any amount at all with a sliding scale,
  indexation or a cohort-level outcome) and every share of `G` is a whole number of rounding
  units. Otherwise a non-remainder payer's part can exceed its share of a payment by up to one
  unit, and the remainder payer's by one unit per other payer.

Where it does not, the bound is the least of: the payer's own cap, the maximum liability,
with exact parts the larger of its share of the liability and the liability less the smallest
other payer's cap that pays in part (`after_cuts`: either that payer was cut and paid its cap,
or no part was ever cut), and (where every outcome a participant can claim has a count limit
and every cohort a size) its share of every claim at its best price plus the rounding slack
of every claim. A figure is
exact only where it is its share of an exact liability with exact parts.

Shares are exact fractions (`Payer.fraction()`: 100% / 3 is 1/3, never 33.3333333333%); a share
of an amount that is not a whole number of rounding units is rounded up to one (a bound). Per
invoice (`rounding ... per invoice`, docs/settlement.md "Splitting per invoice"), a payer's
total for a settlement period exceeds its share of what the period split by at most the
rounding slack of one part, so the slack counts once per period that can be paid (never more
than once per claim), not once per claim. With shares per outcome or per phase a payer's
figure is its largest share of any payment (`Payer.max_fraction()`), a bound; per claim any
payer can then take a payment's remainder (rounding slack of one unit per other payer), per
invoice only the contract's remainder payer.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import gcd
from typing import assert_never

from sibdsl.analysis.participant import best_price, outside_cohorts, reachable
from sibdsl.core.calendar import add_months
from sibdsl.core.money import ZERO, round_money
from sibdsl.model.contract import (
    CohortLevelTariff,
    Contract,
    FixedTariff,
    PerUnitTariff,
    SlidingTariff,
    SubgroupTariff,
    TieredTariff,
    band_caps,
)


@dataclass
class PayerMax:
    most: Decimal | None  # None: no limit
    why: str
    exact: bool
    alone: Decimal | None  # the bound without the payer's own cap (None: no limit): does that cap bind?


def payer_limits(contract: Contract) -> dict[str, Decimal]:
    """Each capped payer's cap: the smaller of `at most` and `cap payer` (settlement's rule)."""
    caps = {p.name: p.cap for p in contract.payers if p.cap is not None}
    for cap in contract.caps:
        if cap.scope == "payer" and cap.target and cap.measure == "money":
            caps[cap.target] = min(caps.get(cap.target, cap.limit), cap.limit)
    return caps


def cuts_in_part(contract: Contract, name: str) -> bool:
    """Does `name`'s cap, once used up, cut its part (pay in part) rather than reject the claim?
    The smaller of `at most` (pays in part) and `cap payer` decides, the cap line when equal."""
    payer = next((p for p in contract.payers if p.name == name), None)
    line = min((c for c in contract.caps if c.scope == "payer" and c.target == name and c.measure == "money"),
               key=lambda c: c.limit, default=None)
    if line is None:
        return True
    if payer is not None and payer.cap is not None and payer.cap < line.limit:
        return True
    return line.behaviour != "reject"


def after_cuts(contract: Contract, name: str, base: Decimal, caps: dict[str, Decimal]) -> Decimal | None:
    """A sound bound on what `name` pays when other payers have caps, from two facts about
    settlement: the claim-level caps count what is actually paid, so all payers together pay
    at most `base`; and a payer whose cap pays in part, once it cuts a part, has paid exactly its
    cap. So either some other payer q was cut (it paid cap_q, and `name` at most base - cap_q),
    or no other payer's part was ever cut: then, with exact parts (no rounding, see
    `exact_parts`), every part before `name`'s own cut is exactly its share, and `name` pays at
    most its share of `base` (its own cut part is below its share). The bound is the larger of
    the two; None where parts are not exact (the second case then needs a count of claims)."""
    if not exact_parts(contract):
        return None
    share = next(p.max_fraction() for p in contract.payers if p.name == name)
    cut = [caps[q] for q in caps if q != name and cuts_in_part(contract, q)]
    no_cut = share_of(contract, base, share)
    return max(no_cut, base - min(cut)) if cut else no_cut


def share_of(contract: Contract, amount: Decimal, share: Fraction) -> Decimal:
    """`share` of `amount`, exact where that is a decimal, else rounded up to the rounding unit
    (a bound: never below the exact share)."""
    value = Fraction(amount) * share
    for places in range(41):
        scaled = value * 10**places
        if scaled.denominator == 1:
            return Decimal((0 if scaled >= 0 else 1, tuple(int(d) for d in str(abs(scaled.numerator))), -places))
    unit = contract.header.rounding_unit
    return round_money(value, unit if unit > 0 else Decimal("0.01"), "up")


def shown(share: Fraction) -> str:
    """A share in the words of a figure's reason: 67%, 33.33...% (an exact third)."""
    from sibdsl.model.contract import exact_ratio, shown_share

    return f"{shown_share(share):f}%" if exact_ratio(share) is None else f"{shown_share(share):f}...%"


def periods(contract: Contract) -> int:
    """How many settlement periods can be paid: those the term touches."""
    header = contract.header
    months = (header.term_end.year - header.term_start.year) * 12 + header.term_end.month - header.term_start.month
    if add_months(header.term_start, months) > header.term_end:
        months -= 1
    return months // header.settlement_months + 1


def per_invoice(contract: Contract) -> bool:
    """Are the payers' parts rounded per invoice (per payer per settlement period)?"""
    return contract.header.split == "invoice" and contract.header.rounding_unit > 0 and len(contract.payers) > 1


def remainder_payer(contract: Contract) -> str | None:
    if contract.header.remainder_to is not None:
        return contract.header.remainder_to
    if not contract.payers:
        return None
    order = {p.name: i for i, p in enumerate(contract.payers)}
    return max(contract.payers, key=lambda p: (p.max_fraction(), -order[p.name])).name


def _places(values: list[Decimal]) -> int:
    return max([0] + [-int(v.as_tuple().exponent) for v in values if v.is_finite()])


def amount_step(contract: Contract) -> Decimal | None:
    """`G`: every amount the claim-level caps allow (a price, or what is left of a money cap)
    is a multiple of it while no payer's cap cuts a part; None when amounts can be anything
    (a sliding scale, indexation, a cohort-level outcome)."""
    from sibdsl.core.money import round_money

    unit, rule = contract.header.rounding_unit, contract.header.rounding
    prices: list[Decimal] = []
    for o in contract.outcomes:
        if o.indexation is not None and o.indexation.rate != 0:
            return None
        t = o.tariff
        match t:
            case FixedTariff():
                prices.append(t.price)
            case SubgroupTariff():
                prices += [p.price for p in t.subgroup_prices] + ([t.otherwise] if t.otherwise is not None else [])
            case TieredTariff():
                prices += [b.price for b in t.bands]
            case SlidingTariff() | PerUnitTariff() | CohortLevelTariff():  # any amount at all
                return None
            case _:
                assert_never(t)
    values = [round_money(v, unit, rule) for v in prices]  # settlement rounds each price
    values += [c.limit for c in contract.caps if c.measure == "money" and c.scope != "payer"]
    values += [cap for o in contract.outcomes for cap in band_caps(o.tariff)]  # a band pays what is left of its cap
    values = [v for v in values if v > 0]
    if not values:
        return None
    k = _places(values)
    g = 0
    for v in values:
        g = gcd(g, int(v.scaleb(k)))
    return Decimal(g).scaleb(-k)


def exact_parts(contract: Contract) -> bool:
    """Is every payer's part of every amount exactly its share (no rounding at all)?"""
    if len(contract.payers) <= 1:
        return True
    unit = contract.header.rounding_unit
    if unit == 0:
        return True
    step = amount_step(contract)
    if step is None:
        return False
    return all((Fraction(step) * f / Fraction(unit)).denominator == 1 for p in contract.payers for f in p.fractions())


def rounding_slack(contract: Contract, payer: str) -> Decimal:
    """The most one part of `payer` can exceed its share of one payment (0 when parts are exact);
    per invoice, the most its invoice for one period can exceed its share of the period's total."""
    if exact_parts(contract):
        return ZERO
    unit = contract.header.rounding_unit
    varies = any(p.clauses for p in contract.payers) and not per_invoice(contract)  # a remainder per payment
    if varies or payer == remainder_payer(contract):
        return unit * (len(contract.payers) - 1)
    return unit


def claims_bound(contract: Contract) -> tuple[Decimal, int] | None:
    """(every claim that can be paid at its best price, summed; how many claims) over the whole
    cohort, where each outcome a participant can claim has a count limit (repeat or count cap)
    and every cohort a size; None otherwise. Counts hold whatever is paid, so payer cuts (which
    let money caps pass more claims) cannot raise them."""
    if not contract.cohorts or any(c.size is None for c in contract.cohorts) or outside_cohorts(contract):
        return None  # (participants in no cohort: no size counts them)
    if any(o.tariff.kind == "cohort_level" for o in contract.outcomes):
        return None
    count_caps: dict[str, int] = {}
    for cap in contract.caps:
        if cap.scope == "outcome" and cap.target and cap.measure == "count":
            count_caps[cap.target] = min(count_caps.get(cap.target, int(cap.limit)), int(cap.limit))
    money, claims = ZERO, 0
    for cohort in contract.cohorts:
        ok = reachable(contract, cohort.name)
        for o in contract.outcomes:
            if o.name not in ok:
                continue
            price = best_price(o, None, contract, any_subgroup=True)
            if price is None:
                continue
            if not price.is_finite():
                return None
            limit = o.times_limit
            times = (cohort.size or 0) * limit if limit is not None else None
            if o.name in count_caps:  # a count cap on the outcome counts over every participant
                times = count_caps[o.name] if times is None else min(times, count_caps[o.name])
            if times is None:
                return None
            money += price * times
            claims += times
    return money, claims


def payer_maxima(contract: Contract, base: Decimal | None, base_exact: bool, liability: Decimal | None
                 ) -> dict[str, PayerMax]:
    """Each payer's sound maximum (see the module docstring)."""
    cur = contract.header.currency
    caps = payer_limits(contract)
    exact = exact_parts(contract)
    claimed = claims_bound(contract)
    out: dict[str, PayerMax] = {}
    invoices = periods(contract) if per_invoice(contract) else None
    for p in contract.payers:
        share = p.max_fraction()  # shares per outcome or phase: its largest share of any payment
        pct = shown(share) if not p.clauses else f"largest {shown(share)}"
        constant = not p.clauses
        own = caps.get(p.name)
        others = [q.name for q in contract.payers if q.name != p.name and q.name in caps]
        candidates: list[tuple[Decimal, str, bool]] = []  # (bound, why, exact)
        if not others and exact and base is not None:
            part = share_of(contract, base, share)
            candidates.append((part, f"its {pct} share of the maximum liability",
                               base_exact and constant and Fraction(part) == Fraction(base) * share))
        else:
            if not others and base is not None and invoices is not None:  # per invoice: slack once a period
                slack = invoices * rounding_slack(contract, p.name)
                candidates.append((share_of(contract, base, share) + slack,
                                   f"its {pct} share of the maximum liability, with the rounding of each of its "
                                   f"{invoices} invoices", False))
            if liability is not None:
                why = (f"the maximum liability: {', '.join(others)}'s cap can stop {'its' if len(others) == 1 else 'their'}"
                       f" part while {p.name} keeps paying" if others else
                       "the maximum liability: rounding each part can put it above its share")
                candidates.append((liability, why, False))
            if others and base is not None and (found := after_cuts(contract, p.name, base, caps)) is not None:
                cutting = sorted((q for q in others if cuts_in_part(contract, q)), key=lambda q: caps[q])
                candidates.append((found, (
                    f"the maximum liability less {cutting[0]}'s cap, once that cap cuts its part"
                    if cutting and Fraction(found) > Fraction(base) * share else
                    f"its {pct} share of the maximum liability (no more than the liability "
                    f"less {cutting[0]}'s cap)" if cutting else
                    f"its {pct} share of the maximum liability (the other payers' caps reject, "
                    "never cut a part)"), False))
            if claimed is not None:
                money, n = claimed
                times = min(n, invoices) if invoices is not None else n  # per invoice: once a period
                candidates.append((share_of(contract, money, share) + times * rounding_slack(contract, p.name),
                                   f"its {pct} share of every claim that can be paid, at its best "
                                   "price" + ((", with the rounding of each invoice" if invoices is not None else
                                               ", with the rounding of each part") if not exact else ""), False))
        alone = min(candidates, key=lambda c: c[0]) if candidates else None
        if own is not None and (alone is None or own < alone[0]):
            out[p.name] = PayerMax(own, f"its own cap of {cur} {own:,.2f}", False, alone[0] if alone else None)
        elif alone is not None:
            out[p.name] = PayerMax(alone[0], alone[1], alone[2], alone[0])
        else:
            out[p.name] = PayerMax(None, "nothing limits the total it shares in", False, None)
    return out
