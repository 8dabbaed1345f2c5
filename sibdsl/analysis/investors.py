"""Analysis: what each investor class can lose and earn (issue 11, docs/analysis.md "Investors").

Phase: analysis, after `exposure`. Input: the compiled `Contract` and its `Exposure`. Output:
`InvestorFigures` per investor — the most it can draw, its worst case (the maximum loss of
principal at maturity, in money and as a share of the principal drawn), its best case (the
most it can receive, and the most it can earn on top of its principal) — and, for the report,
`Outlook`: its money multiple and IRR at outcome levels 0/25/50/75/100% and its break-even
outcome level.

Every figure is an upper bound from the model alone (`bounds`): the loss is largest with the
most drawn and nothing repaid, less the least the guarantees then pay; what it can earn is the
least of its return allowance (its `returns at most` rate on the most drawable, from its
earliest draw to maturity) and all the outcome payments the contract can make. A figure is
made exact only when a witness ledger (claims and discretionary requests), settled by the
engine, released by `release_tranches` and run through `run_waterfall` to maturity, reaches it
(`confirm`). The waterfall and pyxirr are imported only on the paths that run it, so `sibc
check` of a contract without investor assertions does not load them.

Also here: the measures of the investor assertions on one waterfall run (`loss_excess`,
`return_excess`), shared by the verdicts, the property search and the soundness tests.
"""

from __future__ import annotations

import decimal
import time
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from sibdsl.analysis.budget import EXACT, WITNESS_CLAIMS, WITNESS_PARTICIPANTS
from sibdsl.core.currency import MINOR_UNITS
from sibdsl.core.money import HUNDRED, ZERO, round_money
from sibdsl.model.contract import Assertion, Contract, Investor, Tranche
from sibdsl.model.pastterm import last_day
from sibdsl.settlement.records import Claim, Request

if TYPE_CHECKING:
    from sibdsl.analysis.exposure import Exposure
    from sibdsl.settlement.engine import Settlement
    from sibdsl.settlement.waterfall import WaterfallResult

DAYS_A_YEAR = 365
LEVELS = (0, 25, 50, 75, 100)  # the outcome levels of the table, percent of the witness's participants


@dataclass
class Figure:
    """A money figure: an upper bound (`exact` False, `why` says why it may not be reached) or
    reached by a settled witness (`exact`); `amount` None: no limit."""

    amount: Decimal | None
    exact: bool = False
    why: str = ""
    reached: Decimal | None = None  # what the best witness tried reached


@dataclass
class InvestorFigures:
    name: str
    title: str
    rank: int | None
    drawable: Decimal  # the most it can draw (its commitment, cut by its tranches)
    drawable_why: str
    loss: Figure  # the most principal it can lose at maturity
    loss_share: Decimal | None  # the most it can lose as a percentage of the principal drawn (a bound)
    loss_share_exact: bool
    received: Figure  # the most it can receive (principal, interest, return, surplus, guarantees)
    earned: Figure  # the most it can receive above its principal (interest, return, surplus, guaranteed interest)
    cap: Decimal | None  # its `returns at most` rate, percent a year
    witness_requests: list[Request] = field(default_factory=list)  # the requests of the witnesses


@dataclass
class Level:
    percent: int
    participants: int
    claims: int
    drawn: Decimal
    received: Decimal
    loss: Decimal
    multiple: Decimal | None
    irr: float | None


@dataclass
class Outlook:
    """The table of returns at outcome levels, per investor, from one witness ledger."""

    participants: int  # in the witness ledger
    source: str  # which witness
    levels: dict[str, list[Level]] = field(default_factory=dict)
    break_even: dict[str, str] = field(default_factory=dict)  # the words for each investor
    break_even_level: dict[str, Decimal | None] = field(default_factory=dict)  # percent, None: never at these
    note: str = ""


@dataclass
class InvestorReport:
    figures: dict[str, InvestorFigures]
    outlook: Outlook | None = None


def _m(contract: Contract, x: Decimal) -> str:
    """Money as shown, with every decimal place it has beyond the second (a request may be tiny)."""
    shown = f"{x:,.2f}" if x == x.quantize(Decimal("0.01")) else f"{x:,f}"
    return f"{contract.header.currency} {shown}"


def unit(contract: Contract) -> Decimal:
    """The waterfall's rounding unit (settlement/waterfall.py `unit_of`), without importing it."""
    u = contract.header.rounding_unit
    return u if u > 0 else Decimal(1).scaleb(-MINOR_UNITS.get(contract.header.currency, 2))


def maturity(contract: Contract) -> date:
    """The last day of the last settlement period: the term end, or the end of the run-off."""
    return last_day(contract.header)


def _only(contract: Contract) -> str | None:
    return contract.investors[0].name if len(contract.investors) == 1 else None


def own_tranches(contract: Contract, inv: Investor) -> tuple[list[Tranche], list[Tranche]]:
    """The tranches whose releases this investor draws: those naming it (cut by its maximum
    commitment in `release_tranches`), and, for a contract's only investor, those naming none
    (not cut by any commitment)."""
    only = _only(contract)
    named = [t for t in contract.tranches if t.investor == inv.name]
    unnamed = [t for t in contract.tranches if t.investor is None and only == inv.name]
    return named, unnamed


def tranche_most(t: Tranche) -> Decimal:
    """The most a tranche releases in all: a date or condition tranche once its amount (or
    limit), a discretionary one by requests up to its limit (or amount)."""
    if t.discretionary:
        return t.limit if t.limit is not None else (t.amount or ZERO)
    return t.amount if t.amount is not None else (t.limit or ZERO)


def drawable(contract: Contract, inv: Investor) -> tuple[Decimal, str]:
    """The most the investor can draw, and how that is set (settlement/waterfall.py `_draws`)."""
    named, unnamed = own_tranches(contract, inv)
    if not named and not unnamed:
        amount = inv.commitment_max if inv.commitment_max is not None else inv.commitment_min
        return amount or ZERO, "its commitment, drawn on the term's first day"
    total = sum((tranche_most(t) for t in named), ZERO)
    if inv.commitment_max is not None and total > inv.commitment_max:
        total, why = inv.commitment_max, "its maximum commitment"
    else:
        why = "its tranches' amounts and limits"
    return total + sum((tranche_most(t) for t in unnamed), ZERO), why


def _granular(contract: Contract, inv: Investor) -> bool:
    """Every amount it can draw is a whole number of units: no discretionary tranche (a request
    may be of any amount), and every amount, limit and commitment a multiple of the unit."""
    u = unit(contract)
    named, unnamed = own_tranches(contract, inv)
    amounts = [x for t in named + unnamed for x in (t.amount, t.limit) if x is not None]
    amounts += [x for x in (inv.commitment_max, inv.commitment_min) if x is not None]
    return not any(t.discretionary for t in named + unnamed) and all(x % u == 0 for x in amounts)


def _smallest_draw(contract: Contract, inv: Investor, most: Decimal) -> Decimal:
    """A lower bound on any positive total it can draw (0: any amount, a request may be tiny)."""
    named, unnamed = own_tranches(contract, inv)
    if not named and not unnamed:
        return most
    if any(t.discretionary for t in named + unnamed):
        return ZERO
    firsts = [min(tranche_most(t), inv.commitment_max) if inv.commitment_max is not None else tranche_most(t)
              for t in named] + [tranche_most(t) for t in unnamed]
    return min((x for x in firsts if x > 0), default=ZERO)


def loss_at(inv: Investor, drawn: Decimal, u: Decimal) -> Decimal:
    """The loss at maturity with `drawn` drawn and nothing repaid, as the waterfall's guarantees
    pay it (first losses, then floors; a percentage of the principal drawn rounded down)."""
    def limit(share: Decimal | None, amount: Decimal | None) -> Decimal:
        if share is not None:
            return round_money(Fraction(drawn) * Fraction(share) / 100, u, "down")
        return amount or ZERO

    outstanding, back = drawn, ZERO
    for pr in inv.protections:
        if pr.kind == "first_loss":
            pay = min(limit(pr.share, pr.amount), outstanding)
            outstanding, back = outstanding - pay, back + pay
    for pr in inv.protections:
        if pr.kind == "floor":
            pay = min(outstanding, max(limit(pr.share, pr.amount) - back, ZERO))
            outstanding, back = outstanding - pay, back + pay
    return max(outstanding, ZERO)


def _loss_terms(inv: Investor, u: Decimal) -> list[tuple[Fraction, Fraction]]:
    """The loss at a draw D is at most each term a*D - b (and at most D): one for all the first
    losses (a = 1 - their percentages, b = their money less a unit per percentage, which may
    round down by up to a unit), one per floor. Each term is a lower estimate of what the
    guarantees pay, for any D, exact or not."""
    terms: list[tuple[Fraction, Fraction]] = []
    firsts = [pr for pr in inv.protections if pr.kind == "first_loss"]
    if firsts:
        p = sum((Fraction(pr.share) / 100 for pr in firsts if pr.share is not None), Fraction(0))
        money = sum((Fraction(pr.amount) for pr in firsts if pr.amount is not None), Fraction(0))
        k = sum(1 for pr in firsts if pr.share is not None)
        if p <= 1:
            terms.append((1 - p, money - k * Fraction(u)))
    for pr in inv.protections:
        if pr.kind == "floor":
            terms.append((1 - Fraction(pr.share) / 100, -Fraction(u)) if pr.share is not None
                         else (Fraction(1), Fraction(pr.amount or 0)))
    return terms


def loss_bound(contract: Contract, inv: Investor, most: Decimal) -> tuple[Decimal, Decimal | None]:
    """(the most it can lose in money, the most as a percentage of the principal drawn) over every
    draw up to `most`, with nothing repaid (a repayment only lowers the loss). Where every draw is
    a whole number of units and at most one first loss is a percentage, the loss grows with the
    draw, so the figure is the loss at `most`; otherwise the terms of `_loss_terms` (a unit of
    rounding each) bound it."""
    u = unit(contract)
    if most <= 0:
        return ZERO, ZERO
    terms = _loss_terms(inv, u)
    if _granular(contract, inv) and sum(1 for pr in inv.protections if pr.kind == "first_loss"
                                        and pr.share is not None) <= 1:
        money = loss_at(inv, most, u)
    else:
        estimate = min((a * Fraction(most) - b for a, b in terms), default=Fraction(most))
        money = round_money(max(Fraction(0), min(Fraction(most), estimate)), u, "up")
    low = _smallest_draw(contract, inv, most)
    shares = []
    for a, b in terms:  # a - b / D is monotone in D: its largest value is at an end of [low, most]
        ends = [Fraction(most)] + ([Fraction(low)] if low > 0 else [])
        top = max(a - b / d for d in ends)
        if low <= 0 and b < 0:
            top = Fraction(1)
        shares.append(top)
    share = min([Fraction(1), *shares])
    share = max(Fraction(0), share)
    if _granular(contract, inv) and low == most:  # one possible draw: its loss exactly
        share = Fraction(money) / Fraction(most)
    percent = share * 100
    shown = Decimal(percent.numerator) / Decimal(percent.denominator) if percent.denominator != 1 \
        else Decimal(percent.numerator)
    return money, shown.quantize(Decimal("0.0001"), rounding=ROUND_CEILING).normalize()


def _earliest_draw(contract: Contract, inv: Investor) -> date:
    named, unnamed = own_tranches(contract, inv)
    days = [t.on for t in named + unnamed if t.on is not None]
    return min([contract.header.term_start, *days])


def allowance(contract: Contract, drawn: Decimal, rate: Decimal, start: date, end: date) -> Fraction:
    """The allowance (or interest) accrued at `rate` percent a year on `drawn`, simple,
    actual/365, from the day after `start` to `end`."""
    days = max((end - start).days, 0)
    return Fraction(drawn) * Fraction(rate) * days / (100 * DAYS_A_YEAR)


def earned_bound(contract: Contract, inv: Investor, most: Decimal, liability: Decimal | None) -> tuple[Decimal | None, str]:
    """The most it can receive above its principal: (the amount or None for no limit, why)."""
    u = unit(contract)
    end = maturity(contract)
    start = _earliest_draw(contract, inv)
    interest = inv.interest
    guaranteed = ZERO
    if interest is not None and interest.guaranteed_by:
        upto = min(interest.until, end) if interest.until is not None else end
        guaranteed = round_money(allowance(contract, most, interest.rate, start, upto), u, "up")
    surplus_to = contract.waterfall is not None and any(s.to == inv.name for s in contract.waterfall.surplus)
    options: list[tuple[Decimal, str]] = []
    if liability is not None:
        options.append((liability + guaranteed, "all the outcome payments the contract can make"
                        + (" and its guaranteed interest" if guaranteed else "")))
    if inv.return_cap is not None and not surplus_to:
        rate = max(inv.return_cap, interest.rate if interest is not None else ZERO)
        # interest (paid or guaranteed) is owed only within the room, and the room is the
        # allowance rounded once less all of them (settlement/waterfall.py `interest_owed`)
        capped = round_money(allowance(contract, most, rate, start, end), u, "up")
        options.append((capped, f"its return cap of {inv.return_cap.normalize():f}% a year on "
                                f"{_m(contract, most)} from {start} to {end}"))
    if not options:
        why = "its return has no cap" if inv.return_cap is None else "it also takes a share of the surplus"
        return None, f"{why}, and the outcome payments have no limit"
    return min(options, key=lambda o: o[0])


def bounds(contract: Contract, found: Exposure) -> dict[str, InvestorFigures]:
    """Every investor's figures from the model alone: upper bounds, none exact yet."""
    with decimal.localcontext(EXACT):
        return _bounds(contract, found)


def _bounds(contract: Contract, found: Exposure) -> dict[str, InvestorFigures]:
    out: dict[str, InvestorFigures] = {}
    u = unit(contract)
    for inv in contract.investors:
        most, how = drawable(contract, inv)
        money, share = loss_bound(contract, inv, most)
        earned, why = earned_bound(contract, inv, most, found.liability)
        loss_why = "the most it can draw, nothing repaid, less the least its guarantees pay" + (
            "" if loss_at(inv, most, u) == money else " (a unit of rounding for each percentage protection)")
        out[inv.name] = InvestorFigures(
            inv.name, inv.title, inv.rank, most, how, Figure(money, False, loss_why), share, False,
            Figure(None if earned is None else most + earned, False, why), Figure(earned, False, why),
            inv.return_cap)
    return out


# ------------------------------------------------------------------ witnesses through the waterfall


def full_requests(contract: Contract) -> list[Request]:
    """Every discretionary tranche requested in full on the term's first day."""
    start = contract.header.term_start
    return [Request(f"w-{t.name}", t.name, start, tranche_most(t), "witness") for t in contract.tranches
            if t.discretionary and tranche_most(t) > 0]


def request_variants(contract: Contract, claims: list[Claim]) -> list[tuple[str, list[Request]]]:
    """The discretionary requests a ledger is run with through the waterfall, each with the words
    that say so: none; every discretionary tranche requested in full on the term's first day
    (the most drawn, the longest accrual), or on the ledger's last date in the term (capital drawn
    after returns were paid); and a request of one and a half units on the first day, which a
    percentage protection rounds down to nothing."""
    full = full_requests(contract)
    if not full:
        return [("", [])]
    header = contract.header
    last = max((c.achieved for c in claims if header.term_start <= c.achieved <= header.term_end), default=header.term_end)
    tiny = [replace(r, amount=unit(contract) * Decimal("1.5")) for r in full]
    return [("", []), (" (every discretionary tranche requested in full on the term's first day)", full),
            (f" (every discretionary tranche requested in full on {last})", [replace(r, requested=last) for r in full]),
            (" (each discretionary tranche requested for 1.5 units on the term's first day)", tiny)]


def run(contract: Contract, claims: list[Claim], requests: list[Request],
        settled: Settlement | None = None) -> tuple[Settlement, WaterfallResult]:
    """Settle the ledger, release the tranches as of maturity and run the waterfall to maturity."""
    from sibdsl.settlement.engine import settle
    from sibdsl.settlement.tranches import participant_groups, release_tranches
    from sibdsl.settlement.waterfall import run_waterfall

    result = settled if settled is not None else settle(contract, claims)
    releases = release_tranches(contract, result.decisions, requests, maturity(contract),
                                participant_groups(result.figures.participants))
    return result, run_waterfall(contract, result, releases)


def liability_ledger(contract: Contract, found: Exposure) -> tuple[list[Claim], str]:
    """The claims that reach (or come nearest to) the maximum liability: its settled witness, or
    every cohort's best participants up to its size (`witness.cohort_claims`); [] if neither."""
    if found.witness:
        return found.witness, "the maximum liability's witness"
    from sibdsl.analysis.exposure import _best_of
    from sibdsl.analysis.witness import cohort_claims

    built = cohort_claims(contract, _best_of(contract, found), found.liability if found.liability else None,
                          WITNESS_CLAIMS, WITNESS_PARTICIPANTS)
    if built is None:
        built = cohort_claims(contract, _best_of(contract, found), None, WITNESS_CLAIMS, WITNESS_PARTICIPANTS)
    if built is None:
        return [], ""
    return built[0], "every cohort's best-paid participants, each claiming its best selection"


def confirm(contract: Contract, found: Exposure, figures: dict[str, InvestorFigures]) -> None:
    with decimal.localcontext(EXACT):
        _confirm(contract, found, figures)


def _confirm(contract: Contract, found: Exposure, figures: dict[str, InvestorFigures]) -> None:
    """Make a figure exact where a witness reaches it: the empty ledger with every discretionary
    tranche requested in full on the term's first day (the worst case), and the maximum
    liability's witness with the same requests (the best case)."""
    requests = full_requests(contract)
    _, empty = run(contract, [], requests)
    for name, f in figures.items():
        f.witness_requests = requests
        account = empty.accounts.get(name)
        if account is None:
            continue
        got = account.loss
        f.loss.reached = got
        if f.loss.amount is not None and got == f.loss.amount:
            f.loss.exact, f.loss.why = True, ("reached by the empty ledger" + (
                ", every discretionary tranche requested in full on the term's first day" if requests else ""))
        elif f.loss.amount is not None:
            f.loss.why += f"; the empty ledger makes it lose {_m(contract, got)}"
        if account.drawn > 0 and f.loss_share is not None and \
                Fraction(got) * 100 == Fraction(f.loss_share) * Fraction(account.drawn):
            f.loss_share_exact = True
    claims, source = liability_ledger(contract, found)
    if not claims:
        return
    _, best = run(contract, claims, requests)
    for name, f in figures.items():
        account = best.accounts.get(name)
        if account is None:
            continue
        earned = account.interest_paid + account.return_paid + account.surplus_paid + account.interest_guaranteed
        f.received.reached, f.earned.reached = account.received, earned
        if f.received.amount is not None and account.received == f.received.amount:
            f.received.exact, f.received.why = True, f"reached by {source}"
        if f.earned.amount is not None and earned == f.earned.amount:
            f.earned.exact, f.earned.why = True, f"reached by {source}"


def report(contract: Contract, found: Exposure, time_limit: float = 10.0) -> InvestorReport:
    """The figures, confirmed by witnesses, and the table of returns at outcome levels."""
    figures = bounds(contract, found)
    if not contract.investors:
        return InvestorReport(figures)
    confirm(contract, found, figures)
    return InvestorReport(figures, outlook(contract, found, time_limit))


# ------------------------------------------------------------------ outcome levels


def _people(claims: list[Claim]) -> list[str]:
    seen: dict[str, None] = {}
    for c in claims:
        seen.setdefault(c.participant, None)
    return list(seen)


def outlook(contract: Contract, found: Exposure, time_limit: float = 10.0) -> Outlook | None:
    """Each investor's money multiple and IRR at outcome levels 0/25/50/75/100%: level x is the
    first x% of the participants of the liability's witness (in the order they first claim,
    rounded down), with all their claims, every discretionary tranche requested in full on the
    term's first day, run to maturity. The break-even level is the fewest of them after which
    it loses no principal, found by bisection (k breaks even, k - 1 does not)."""
    claims, source = liability_ledger(contract, found)
    if not claims:
        return None
    people = _people(claims)
    n = len(people)
    order = {p: i for i, p in enumerate(people)}
    requests = full_requests(contract)
    started = time.perf_counter()
    cache: dict[int, WaterfallResult] = {}

    def at(k: int) -> WaterfallResult:
        if k not in cache:
            part = [c for c in claims if order[c.participant] < k]
            cache[k] = run(contract, part, requests)[1]
        return cache[k]

    out = Outlook(n, source)
    for pct in LEVELS:
        k = n * pct // 100
        w = at(k)
        for name, a in w.accounts.items():
            out.levels.setdefault(name, []).append(Level(pct, k, sum(1 for c in claims if order[c.participant] < k),
                                                         a.drawn, a.received, a.loss, w.multiple(name), w.irr(name)))
    for inv in contract.investors:
        name = inv.name
        first = at(0).accounts.get(name)
        last = at(n).accounts.get(name)
        if first is None or last is None or first.drawn <= 0:
            out.break_even[name] = "draws nothing"
            out.break_even_level[name] = None
            continue
        if first.loss == 0:
            out.break_even[name] = "0%: it loses no principal even with no outcomes"
            out.break_even_level[name] = ZERO
            continue
        if last.loss > 0:
            out.break_even[name] = f"not reached: with all {n:,} participants it still loses {_m(contract, last.loss)}"
            out.break_even_level[name] = None
            continue
        lo, hi = 0, n  # lo loses, hi does not
        while hi - lo > 1 and time.perf_counter() - started < time_limit:
            mid = (lo + hi) // 2
            if at(mid).accounts[name].loss > 0:
                lo = mid
            else:
                hi = mid
        level = (Decimal(hi) * HUNDRED / Decimal(n)).quantize(Decimal("0.1"), rounding=ROUND_CEILING)
        out.break_even_level[name] = level
        if hi - lo > 1:
            out.break_even[name] = (f"between {lo:,} and {hi:,} of {n:,} participants (the analysis stopped after "
                                    f"{time_limit:g} s): at most {level}%")
        else:
            out.break_even[name] = (f"{level}% of the outcomes: {hi:,} of {n:,} participants give it its principal "
                                    f"back, {lo:,} do not")
    return out


# ------------------------------------------------------------------ the assertions' measures


def loss_excess(contract: Contract, a: Assertion, w: WaterfallResult) -> str | None:
    """How a run to maturity breaks `assert investor X loses at most ...`, or None."""
    account = w.accounts.get(a.subject or "")
    if account is None or not w.matured:
        return None
    value = a.value or ZERO
    if a.of_principal:
        if Fraction(account.loss) * 100 > Fraction(value) * Fraction(account.drawn):
            return f"it loses {_m(contract, account.loss)} of the {_m(contract, account.drawn)} it drew"
        return None
    return f"it loses {_m(contract, account.loss)}" if account.loss > value else None


def return_excess(contract: Contract, a: Assertion, w: WaterfallResult) -> str | None:
    """How a run breaks `assert investor X returns at most R a year`, or None: at some
    distribution date, the interest and performance return paid to it up to that date are more
    than its allowance at R (R a year, simple, actual/365 on its outstanding principal, from the
    day after each draw, rounded once by the contract's rule), as its return cap is measured.
    Surplus shares and guaranteed interest are not counted (the cap does not count them)."""
    with decimal.localcontext(EXACT):
        return _return_excess(contract, a, w)


def _return_excess(contract: Contract, a: Assertion, w: WaterfallResult) -> str | None:
    return _return_measure(contract, a, w)[0]


def _return_measure(contract: Contract, a: Assertion, w: WaterfallResult) -> tuple[str | None, float]:
    """(how the run breaks the return assertion or None, the largest paid / allowed at any
    distribution date: above 1 breaks it; a float only to guide the search)."""
    name = a.subject or ""
    account = w.accounts.get(name)
    if account is None:
        return None, 0.0
    rate = a.value or ZERO
    u, rule = unit(contract), contract.header.rounding
    draws = [(day, -amount) for day, amount in account.flows if amount < 0]
    repaid: list[tuple[date, Decimal]] = []
    paid = ZERO
    worst = 0.0
    for p in w.periods:
        flow = p.investors.get(name)
        if flow is None:
            continue
        paid += flow.interest + flow.performance
        if p.distribution and paid > 0:
            end = min(p.end, w.maturity)
            accrued = sum((allowance(contract, x, rate, day, end) for day, x in draws if day < end), Fraction(0)) - \
                sum((allowance(contract, x, rate, day, end) for day, x in repaid if day < end), Fraction(0))
            allowed = round_money(accrued, u, rule)
            worst = max(worst, float(paid / allowed) if allowed > 0 else float(paid) + 1.0)
            if paid > allowed:
                return (f"by {p.end} it is paid {_m(contract, paid)} of interest and return, above "
                        f"{_m(contract, allowed)} at {rate.normalize():f}% a year"), worst
        if flow.principal > 0:
            repaid.append((p.end, flow.principal))
    return None, worst


def scores(contract: Contract, w: WaterfallResult) -> dict[str, float]:
    """How close a run comes to breaking each investor assertion (above 1 breaks it), labelled as
    `search.properties.assertion_scores` labels them, for hypothesis's `target()`."""
    out: dict[str, float] = {}
    with decimal.localcontext(EXACT):
        for i, a in enumerate(contract.assertions):
            account = w.accounts.get(a.subject or "")
            if account is None:
                continue
            value = a.value or ZERO
            if a.kind == "investor_loss":
                limit = value * account.drawn / HUNDRED if a.of_principal else value
                out[f"assert {i}"] = float(account.loss / limit) if limit > 0 else float(account.loss)
            elif a.kind == "investor_return":
                out[f"assert {i}"] = _return_measure(contract, a, w)[1]
    return {label: min(x, 1e300) for label, x in out.items()}  # finite, for `target()`


def violations(contract: Contract, w: WaterfallResult) -> list[str]:
    """The investor assertions a run to maturity breaks, as `assert TEXT: why`."""
    out = []
    for a in contract.assertions:
        why = loss_excess(contract, a, w) if a.kind == "investor_loss" else return_excess(contract, a, w) \
            if a.kind == "investor_return" else None
        if why is not None:
            out.append(f"assert {a.text}: {why}")
    return out
