"""Settlement: the investment waterfall, period by period (issue 11).

Phase: settlement, after the claims are decided and the tranches released. Input: the
compiled contract, the `Settlement` (its invoices per payer per period), the tranche releases
(`release_tranches`) and `as_of` (None: run to maturity). Output: a `WaterfallResult`: per
period the outcome payments received, recycled into the service's needs, spent from capital,
distributed at each step (interest, principal, performance return) and as surplus, and held;
per investor its account (drawn, paid, outstanding, guarantees called, dated flows).

The rule book is docs/settlement.md, "The investment waterfall": capital drawn on its release
date; needs met from recycled outcome payments, then from capital (oldest release first);
distribution dates; interest and the return allowance accrued exactly (Fraction, actual/365)
and rounded once when owed by the contract's rounding rule; at each distribution date interest,
then principal, then performance return, by rank (pro rata within a rank, largest remainder),
then the surplus; at maturity unspent capital paid back and the guarantees called. Money is
Decimal throughout; the work is per period and per investor, never per claim.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sibdsl.core.currency import MINOR_UNITS
from sibdsl.core.money import ZERO, round_money, wide
from sibdsl.model.contract import Contract, Investor, Waterfall
from sibdsl.settlement.engine import Settlement
from sibdsl.settlement.output import period_bounds
from sibdsl.settlement.tranches import Release

PAYERS = "*payers"  # a surplus share to the payers, in proportion to what each paid
DRAWN_STATUSES = ("released", "released in part")
_DAYS_A_YEAR = 365
_UNRANKED = 10**9  # an investor without `ranks` (only in a model built in a program) ranks last


@dataclass
class InvestorFlow:
    """One investor in one period: what it drew and was paid, and what it is owed at the end."""

    drawn: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO  # repaid from outcome payments, and unspent capital paid back
    performance: Decimal = ZERO  # the performance return
    surplus: Decimal = ZERO  # a surplus share to this investor
    guarantee: Decimal = ZERO  # paid by its guarantors (at maturity)
    outstanding: Decimal = ZERO  # principal outstanding at the period's end
    interest_unpaid: Decimal = ZERO  # interest accrued (rounded) and not paid, at the period's end
    capital_repaid: Decimal = ZERO  # of `principal`: its unspent capital paid back at maturity
    unspent: Decimal = ZERO  # its capital drawn and not yet spent, at the period's end
    return_room: Decimal | None = None  # what its cap still allows (None: uncapped), at the period's end


@dataclass
class PeriodFlow:
    """One settlement period of the waterfall. Outcome payments: `received` = `recycled` +
    what is added to the cash held; at a distribution date the cash held is `distributed`
    (interest + principal + performance) and paid as `surplus`, the rest is `held_after`.
    Capital: `drawn` in the period, `spent_from_capital` on the needs (or, without needs, all
    capital drawn), `capital_repaid` (unspent capital paid back at maturity)."""

    index: int  # from 0; the period number is index + 1
    start: date
    end: date
    received: Decimal = ZERO
    need: Decimal = ZERO
    recycled: Decimal = ZERO
    drawn: Decimal = ZERO
    spent_from_capital: Decimal = ZERO
    unfunded: Decimal = ZERO
    distribution: bool = False  # the period's last day is a distribution date
    interest: Decimal = ZERO
    principal: Decimal = ZERO
    performance: Decimal = ZERO
    distributed: Decimal = ZERO  # interest + principal + performance paid from outcome payments
    surplus: dict[str, Decimal] = field(default_factory=dict)  # recipient (payers by name) -> amount
    capital_repaid: Decimal = ZERO
    guarantees: dict[str, Decimal] = field(default_factory=dict)  # guarantor -> amount (at maturity)
    held_after: Decimal = ZERO
    investors: dict[str, InvestorFlow] = field(default_factory=dict)


@dataclass
class Account:
    """One investor over the periods run. `received` = interest + principal + performance
    return + surplus + guarantees; `loss` = drawn - principal repaid - principal guaranteed."""

    name: str
    rank: int
    drawn: Decimal = ZERO
    interest_paid: Decimal = ZERO
    principal_repaid: Decimal = ZERO  # from outcome payments and unspent capital paid back
    return_paid: Decimal = ZERO  # performance return
    surplus_paid: Decimal = ZERO  # surplus shares to this investor (not counted towards its cap)
    guarantee_paid: dict[str, Decimal] = field(default_factory=dict)  # guarantor -> amount
    principal_guaranteed: Decimal = ZERO  # of guarantee_paid: first loss and floor
    interest_guaranteed: Decimal = ZERO  # of guarantee_paid: the interest guarantee
    outstanding: Decimal = ZERO
    interest_unpaid: Decimal = ZERO
    flows: list[tuple[date, Decimal]] = field(default_factory=list)  # -draw, +each payment, dated

    @property
    def guaranteed(self) -> Decimal:
        return sum(self.guarantee_paid.values(), ZERO)

    @property
    def received(self) -> Decimal:
        return self.interest_paid + self.principal_repaid + self.return_paid + self.surplus_paid + self.guaranteed

    @property
    def loss(self) -> Decimal:
        return max(self.drawn - self.principal_repaid - self.principal_guaranteed, ZERO)


@dataclass
class WaterfallResult:
    periods: list[PeriodFlow]
    accounts: dict[str, Account]  # in rank, then name order
    guarantors: dict[str, Decimal]  # guarantor -> what it paid
    held: Decimal  # outcome payments held at the end (no distribution date yet, or no place)
    unspent_capital: Decimal  # capital drawn and not spent, still held at the end (0 after maturity)
    maturity: date
    matured: bool  # the run reached maturity (as_of None or on or after it): guarantees called
    capital_drawn: Decimal = ZERO
    capital_spent: Decimal = ZERO
    capital_repaid: Decimal = ZERO  # unspent capital paid back at maturity
    paid_by_payer: dict[str, Decimal] = field(default_factory=dict)  # outcome payments over the periods run

    def loss(self, name: str) -> Decimal:
        return self.accounts[name].loss

    def received(self, name: str) -> Decimal:
        return self.accounts[name].received

    def multiple(self, name: str) -> Decimal | None:
        from sibdsl.settlement.returns import money_multiple

        return money_multiple(self.accounts[name])

    def irr(self, name: str) -> float | None:
        from sibdsl.settlement.returns import irr

        return irr(self.accounts[name])

    @property
    def received_total(self) -> Decimal:
        return sum((p.received for p in self.periods), ZERO)

    @property
    def surplus_total(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for p in self.periods:
            for name, amount in p.surplus.items():
                out[name] = out.get(name, ZERO) + amount
        return out

    def conserved(self) -> bool:
        """Every unit of outcome payment is distributed, recycled, surplus or held, and capital
        drawn = spent + unspent held + paid back."""
        periods = self.periods
        with decimal.localcontext(wide()):  # exact at any size (an amount may have 29 digits or more)
            outcome = sum((p.distributed + p.recycled + sum(p.surplus.values(), ZERO) for p in periods), ZERO)
            return (self.received_total == outcome + self.held
                    and self.capital_drawn == self.capital_spent + self.unspent_capital + self.capital_repaid)


@dataclass
class _Draw:
    day: date
    tranche: str
    investor: str
    left: Decimal  # not yet spent


@dataclass
class _State:
    investor: Investor
    account: Account
    last: date = date.min  # accrued through this day
    acc_interest: Fraction = Fraction(0)
    acc_allowance: Fraction = Fraction(0)
    unspent: Decimal = ZERO  # drawn capital not yet spent on the needs
    flow: InvestorFlow = field(default_factory=InvestorFlow)


def unit_of(contract: Contract) -> Decimal:
    """The unit the waterfall rounds to: the contract's rounding unit, or (a unit of 0) the
    currency's minor unit."""
    unit = contract.header.rounding_unit
    if unit > 0:
        return unit
    return Decimal(1).scaleb(-MINOR_UNITS.get(contract.header.currency, 2))


def period_count(settlement: Settlement) -> int:
    """The settlement periods: the term's, continued through the run-off."""
    plan = settlement.plan
    return plan.period_of(plan.last_day or plan.term_end) + 1


def distributes_on(waterfall: Waterfall | None, end: date, last: bool) -> bool:
    if last or waterfall is None or waterfall.distributes == "period":
        return True
    if waterfall.distributes == "from":
        return waterfall.distributes_from is not None and end >= waterfall.distributes_from
    return False


def need_of(waterfall: Waterfall | None, end: date) -> Decimal:
    """The need of the period ending on `end`: the needs whose dates cover that day, added up."""
    if waterfall is None:
        return ZERO
    return sum((n.amount for n in waterfall.needs
                if (n.start is None or n.start <= end) and (n.until is None or end <= n.until)), ZERO)


def share_out(cash: Decimal, weights: list[tuple[str, Decimal]], unit: Decimal,
              capped: bool) -> dict[str, Decimal]:
    """`cash` shared pro rata to `weights` (listed in name order for the ties): each share
    rounded down to the unit, the units left over one each to the largest fractional parts,
    ties by name. `capped`: each weight is also what that name is owed, never exceeded (and
    cash of at least the total pays every weight in full)."""
    parts = {name: ZERO for name, _ in weights}
    total = sum((w for _, w in weights), ZERO)
    if cash <= 0 or total <= 0:
        return parts
    if capped and cash >= total:
        return {name: w for name, w in weights}
    c, t, u = Fraction(cash), Fraction(total), Fraction(unit)
    rests: list[tuple[Fraction, str, Decimal]] = []
    for name, w in weights:
        exact = c * Fraction(w) / t / u  # in units
        units = exact.numerator // exact.denominator
        parts[name] = Decimal(units) * unit
        rests.append((exact - units, name, w))
    left = cash - sum(parts.values(), ZERO)
    for _, name, w in sorted(rests, key=lambda r: (-r[0], r[1])):
        if left <= 0:
            break
        give = min(unit, left, w - parts[name]) if capped else min(unit, left)
        if give > 0:
            parts[name] += give
            left -= give
    return parts


def run_waterfall(contract: Contract, settlement: Settlement, releases: list[Release],
                  as_of: date | None = None) -> WaterfallResult:
    """Run the waterfall over the settlement periods (docs/settlement.md, "The investment
    waterfall"). With `as_of`, only the periods whose last day is on or before it are run, and
    no guarantee is called unless it is on or after maturity."""
    with decimal.localcontext(wide()):
        return _Run(contract, settlement, releases, as_of).result()


def _draws(contract: Contract, releases: list[Release], last_run: date | None) -> list[_Draw]:
    """The capital drawn, in date order (ties by tranche name), up to the last day run: each
    release of a tranche; an investor with no tranche draws its maximum commitment on the term's
    first day."""
    if last_run is None:
        return []
    names = {i.name for i in contract.investors}
    only = contract.investors[0].name if len(contract.investors) == 1 else None
    out: list[_Draw] = []
    for r in releases:
        investor = r.investor or only
        if r.status in DRAWN_STATUSES and r.day is not None and r.amount > 0 and investor in names \
                and r.day <= last_run:
            out.append(_Draw(r.day, r.tranche, investor, r.amount))
    with_tranche = {t.investor or only for t in contract.tranches}
    for inv in contract.investors:
        amount = inv.commitment_max if inv.commitment_max is not None else inv.commitment_min
        if inv.name not in with_tranche and amount and contract.header.term_start <= last_run:
            out.append(_Draw(contract.header.term_start, "", inv.name, amount))
    rank = {i.name: i.rank if i.rank is not None else _UNRANKED for i in contract.investors}
    # spent in this order too: on one day the most senior capital first, so that a senior class
    # is owed (and repaid) before a junior one whose capital sits unspent
    return sorted(out, key=lambda d: (d.day, rank[d.investor], d.tranche, d.investor))


class _Run:
    """One run of the waterfall: the state of every investor, period by period."""

    def __init__(self, contract: Contract, settlement: Settlement, releases: list[Release],
                 as_of: date | None) -> None:
        self.contract, self.settlement = contract, settlement
        self.wf = contract.waterfall
        self.unit, self.rule = unit_of(contract), contract.header.rounding
        n = period_count(settlement)
        self.n = n
        self.bounds = [period_bounds(settlement.plan, i) for i in range(n)]
        self.maturity = self.bounds[-1][1]
        self.matured = as_of is None or as_of >= self.maturity
        self.run = [i for i in range(n) if as_of is None or self.bounds[i][1] <= as_of]
        ordered = sorted(contract.investors, key=lambda i: (i.rank if i.rank is not None else _UNRANKED, i.name))
        self.states = {i.name: _State(i, Account(i.name, i.rank if i.rank is not None else _UNRANKED))
                       for i in ordered}
        self.ranks: list[list[_State]] = []
        for inv in ordered:
            st = self.states[inv.name]
            if self.ranks and self.ranks[-1][0].account.rank == st.account.rank:
                self.ranks[-1].append(st)
            else:
                self.ranks.append([st])
        self.draws = _draws(contract, releases, self.bounds[self.run[-1]][1] if self.run else None)
        self.payers = sorted(p.name for p in contract.payers)
        self.paid_by_payer = {p: ZERO for p in self.payers}
        for i in self.run:
            for p in self.payers:
                self.paid_by_payer[p] += settlement.invoices.get((p, i), ZERO)
        self.guarantors: dict[str, Decimal] = {}
        self.paid_so_far = {p: ZERO for p in self.payers}  # up to the period being run: the surplus to payers

    # accruals (exact) and what is owed at a date (rounded once)
    def accrue(self, st: _State, day: date) -> None:
        if day <= st.last:
            return
        owed = st.account.outstanding
        if owed > 0:
            inv = st.investor
            if inv.interest is not None and inv.interest.rate > 0:
                until = min(day, inv.interest.until) if inv.interest.until is not None else day
                days = (until - st.last).days if until > st.last else 0
                if days:
                    st.acc_interest += Fraction(owed) * Fraction(inv.interest.rate) * days / (100 * _DAYS_A_YEAR)
            if inv.return_cap is not None:
                end = min(day, self.maturity)
                days = (end - st.last).days if end > st.last else 0
                if days:
                    st.acc_allowance += Fraction(owed) * Fraction(inv.return_cap) * days / (100 * _DAYS_A_YEAR)
        st.last = day

    def interest_owed(self, st: _State) -> Decimal:
        """round(interest accrued) less the interest paid (and guaranteed); for a capped class
        never more than its room: interest and performance return together never pass the cap
        (rounding can otherwise make them pass it by a unit, where a return was paid before)."""
        a = st.account
        owed = max(round_money(st.acc_interest, self.unit, self.rule) - a.interest_paid - a.interest_guaranteed, ZERO)
        return owed if st.investor.return_cap is None else min(owed, self.room(st))

    def room(self, st: _State) -> Decimal:
        """round(allowance accrued) less the interest (paid or guaranteed) and the return paid."""
        a = st.account
        return max(round_money(st.acc_allowance, self.unit, self.rule) - a.interest_paid - a.interest_guaranteed
                   - a.return_paid, ZERO)

    def result(self) -> WaterfallResult:
        wf, settlement, states = self.wf, self.settlement, self.states
        with_needs = wf is not None and bool(wf.needs)
        recycles = wf is not None and wf.recycles
        recycle_left = wf.recycle_limit if wf is not None else None
        periods: list[PeriodFlow] = []
        held = ZERO
        pool: list[_Draw] = []
        at = 0  # the next draw to take
        spent_total = repaid_total = drawn_total = ZERO
        for i in self.run:
            start, end = self.bounds[i]
            last = i == self.n - 1
            flow = PeriodFlow(i, start, end)
            for st in states.values():
                st.flow = InvestorFlow()
            while at < len(self.draws) and self.draws[at].day <= end:  # capital drawn (before the term: in P1)
                d = self.draws[at]
                at += 1
                st = states[d.investor]
                self.accrue(st, d.day)
                st.account.drawn += d.left
                st.account.outstanding += d.left
                st.account.flows.append((d.day, -d.left))
                st.flow.drawn += d.left
                flow.drawn += d.left
                drawn_total += d.left
                if with_needs:
                    pool.append(d)
                    st.unspent += d.left
                else:
                    flow.spent_from_capital += d.left
            received = sum((settlement.invoices.get((p, i), ZERO) for p in self.payers), ZERO)
            for p in self.payers:
                self.paid_so_far[p] += settlement.invoices.get((p, i), ZERO)
            flow.received = received
            if with_needs:
                need = need_of(wf, end)
                flow.need = need
                if recycles:
                    recycled = min(need, received) if recycle_left is None else min(need, received, recycle_left)
                    if recycle_left is not None:
                        recycle_left -= recycled
                    flow.recycled = recycled
                    need -= recycled
                for d in pool:  # oldest release first, ties by tranche name
                    if need <= 0:
                        break
                    take = min(d.left, need)
                    d.left -= take
                    states[d.investor].unspent -= take
                    need -= take
                    flow.spent_from_capital += take
                pool = [d for d in pool if d.left > 0]
                flow.unfunded = need
            spent_total += flow.spent_from_capital
            held += received - flow.recycled
            for st in states.values():
                self.accrue(st, end)
            if last and self.matured:  # unspent capital paid back to its investors, before the distribution
                for d in pool:
                    st = states[d.investor]
                    st.account.principal_repaid += d.left
                    st.account.outstanding -= d.left
                    st.unspent -= d.left
                    st.flow.principal += d.left
                    st.flow.capital_repaid += d.left
                    flow.capital_repaid += d.left
                    self.pay(st, end, d.left)
                repaid_total += flow.capital_repaid
                pool = []
            if distributes_on(wf, end, last):
                flow.distribution = True
                held = self.distribute(held, end, flow)
            if last and self.matured:
                self.call_guarantees(end, flow)
            flow.held_after = held
            for name, st in states.items():
                st.flow.outstanding = st.account.outstanding
                st.flow.interest_unpaid = self.interest_owed(st)
                st.flow.unspent = st.unspent
                st.flow.return_room = self.room(st) if st.investor.return_cap is not None else None
                flow.investors[name] = st.flow
            periods.append(flow)
        for st in states.values():
            st.account.interest_unpaid = self.interest_owed(st)
        unspent = sum((d.left for d in pool), ZERO)
        return WaterfallResult(periods, {name: st.account for name, st in states.items()}, self.guarantors, held,
                               unspent, self.maturity, self.matured, drawn_total, spent_total, repaid_total,
                               self.paid_by_payer)

    @staticmethod
    def pay(st: _State, day: date, amount: Decimal) -> None:
        if amount > 0:
            st.account.flows.append((day, amount))

    def distribute(self, cash: Decimal, day: date, flow: PeriodFlow) -> Decimal:
        """One distribution of the cash held: interest, principal, performance return (each by
        rank, pro rata within a rank), then the surplus. Returns the cash left held."""
        cash = self.step("interest", cash, day, flow)  # 1. interest owed, by rank
        # 2. principal outstanding, by rank (less the investor's capital not yet spent: that is paid back itself)
        cash = self.step("principal", cash, day, flow)
        # capital drawn and not yet spent becomes principal owed once it is spent: no return and no
        # surplus is paid from the cash that may still repay it; that much stays held
        reserve = min(sum((st.unspent for st in self.states.values()), ZERO), cash)
        cash -= reserve
        # 3. performance return, by rank, up to each class's room (uncapped: everything left)
        cash = self.step("performance", cash, day, flow)
        flow.distributed = flow.interest + flow.principal + flow.performance
        # 4. the surplus, by its shares
        wf = self.wf
        # the surplus is paid once, at maturity: until then a later draw (a tranche drawn later,
        # capital spent later) may still be owed, so what is past every class's due stays held
        if cash > 0 and wf is not None and wf.surplus and self.matured and day == self.maturity:
            cash -= self.surplus(cash, wf, day, flow)
        return cash + reserve

    def step(self, kind: str, cash: Decimal, day: date, flow: PeriodFlow) -> Decimal:
        """One step of the distribution (`interest`, `principal` or `performance`), rank by rank,
        pro rata within a rank; returns the cash left."""
        for group in self.ranks:
            if cash <= 0:
                break
            if kind == "performance":
                given = self.returns(cash, group)
            else:
                owed = [(st.account.name, self.interest_owed(st) if kind == "interest"
                         else max(st.account.outstanding - st.unspent, ZERO)) for st in group]
                given = share_out(cash, owed, self.unit, capped=True)
            for st in group:
                x = given[st.account.name]
                if x <= 0:
                    continue
                a = st.account
                if kind == "interest":
                    a.interest_paid += x
                elif kind == "principal":
                    a.principal_repaid += x
                    a.outstanding -= x
                else:
                    a.return_paid += x
                setattr(st.flow, kind, getattr(st.flow, kind) + x)
                setattr(flow, kind, getattr(flow, kind) + x)
                cash -= x
                self.pay(st, day, x)
        return cash

    def surplus(self, cash: Decimal, wf: Waterfall, day: date, flow: PeriodFlow) -> Decimal:
        """The surplus shares of `cash`: each rounded down to the unit, the units left to the
        first recipient listed; `payers` split in proportion to what each paid. Returns what
        was paid (all of `cash`)."""
        unit = self.unit
        parts: dict[str, Decimal] = {}
        for s in wf.surplus:
            units = Fraction(cash) * Fraction(s.share) / 100 / Fraction(unit)
            parts[s.to] = parts.get(s.to, ZERO) + Decimal(units.numerator // units.denominator) * unit
        parts[wf.surplus[0].to] += cash - sum(parts.values(), ZERO)
        paid = ZERO
        for to, amount in parts.items():
            if amount <= 0:
                continue
            if to == PAYERS:
                weights = [(p, w) for p, w in sorted(self.paid_so_far.items()) if w > 0]
                # nothing paid by any payer cannot happen (the cash came from them): the first by name
                split = share_out(amount, weights, unit, capped=False) if weights else {self.payers[0]: amount}
                for p, x in split.items():
                    if x > 0:
                        flow.surplus[p] = flow.surplus.get(p, ZERO) + x
                        paid += x
                continue
            flow.surplus[to] = flow.surplus.get(to, ZERO) + amount
            paid += amount
            st = self.states.get(to)
            if st is not None:  # a surplus share to an investor
                st.account.surplus_paid += amount
                st.flow.surplus += amount
                self.pay(st, day, amount)
        return paid

    def returns(self, cash: Decimal, group: list[_State]) -> dict[str, Decimal]:
        """The performance return of one rank from `cash`. Every class capped: pro rata to each
        one's room. A rank with an uncapped class: pro rata to principal drawn, each capped class
        cut to its room and what it cannot take shared again among the others, so the rank takes
        everything while an uncapped class with capital drawn is in it."""
        if all(st.investor.return_cap is not None for st in group):
            return share_out(cash, [(st.account.name, self.room(st)) for st in group], self.unit, capped=True)
        given = {st.account.name: ZERO for st in group}
        rooms = {st.account.name: self.room(st) for st in group if st.investor.return_cap is not None}
        active = [st for st in group if st.account.drawn > 0 and rooms.get(st.account.name, Decimal(1)) > 0]
        left = cash
        while left > 0 and active:
            parts = share_out(left, [(st.account.name, st.account.drawn) for st in active], self.unit, capped=False)
            excess = ZERO
            full = []
            for st in active:
                name = st.account.name
                x = parts[name]
                if name in rooms and given[name] + x >= rooms[name]:
                    excess += given[name] + x - rooms[name]
                    x = rooms[name] - given[name]
                    full.append(st)
                given[name] += x
            left = excess
            active = [st for st in active if st not in full]
            if not full:
                break
        return given

    def call_guarantees(self, day: date, flow: PeriodFlow) -> None:
        """At maturity, investor by investor in rank then name order: first loss, then the floor,
        then the interest guarantee. A percentage limit is of the principal drawn, rounded down."""
        for group in self.ranks:
            for st in group:
                inv, a = st.investor, st.account
                for pr in inv.protections:
                    if pr.kind == "first_loss":
                        self.called(st, day, flow, pr.by, min(self.limit(st, pr.share, pr.amount), a.outstanding), True)
                for pr in inv.protections:
                    if pr.kind == "floor":
                        back = a.principal_repaid + a.principal_guaranteed
                        floor = max(self.limit(st, pr.share, pr.amount) - back, ZERO)
                        self.called(st, day, flow, pr.by, min(a.outstanding, floor), True)
                if inv.interest is not None and inv.interest.guaranteed_by:
                    self.called(st, day, flow, inv.interest.guaranteed_by, self.interest_owed(st), False)

    def limit(self, st: _State, share: Decimal | None, amount: Decimal | None) -> Decimal:
        if share is not None:
            return round_money(Fraction(st.account.drawn) * Fraction(share) / 100, self.unit, "down")
        return amount or ZERO

    def called(self, st: _State, day: date, flow: PeriodFlow, by: str, amount: Decimal, principal: bool) -> None:
        if amount <= 0:
            return
        a = st.account
        a.guarantee_paid[by] = a.guarantee_paid.get(by, ZERO) + amount
        if principal:
            a.principal_guaranteed += amount
            a.outstanding -= amount
        else:
            a.interest_guaranteed += amount
        st.flow.guarantee += amount
        flow.guarantees[by] = flow.guarantees.get(by, ZERO) + amount
        self.guarantors[by] = self.guarantors.get(by, ZERO) + amount
        self.pay(st, day, amount)
