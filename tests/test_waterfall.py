"""The investment waterfall (docs/settlement.md, "The investment waterfall"), rule by rule,
on hand-computed examples. The outcome payments are given directly as invoices per payer per
period (the waterfall's input), the capital as releases; the year 2021 has 365 days and its
quarters end on 31 March (day 89 after 1 January... counted from 2 January), 30 June, 30
September and 31 December."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sibdsl.compiler import compile_text
from sibdsl.model.contract import Contract, Interest, Investor, Need, Protection, SurplusShare, Tranche, Waterfall
from sibdsl.settlement.engine import settle
from sibdsl.settlement.output import investors_csv, summary, waterfall_csv
from sibdsl.settlement.records import Claim
from sibdsl.settlement.returns import irr, irr_text, money_multiple, multiple_text
from sibdsl.settlement.tranches import Release, release_tranches
from sibdsl.settlement.waterfall import Account, WaterfallResult, run_waterfall, share_out

D = Decimal
BASE = """contract "Waterfall" version 1
currency GBP
term 2021-01-01 to 2021-12-31
settled {every} in arrears
payer council "Council" pays 70%
payer fund "Fund" pays 30%
provider provider_x "Provider"
investor senior "Senior" commits GBP 1,000
investor junior "Junior" commits GBP 500
outcome job "Job" pays GBP 100
"""


def contract(investors: list[dict[str, Any]], waterfall: Waterfall | None = None, every: str = "quarterly",
             commitments: dict[str, str] | None = None) -> Contract:
    """The base contract with the investors' terms given (name -> commitment and terms)."""
    model = compile_text(BASE.format(every=every)).model
    assert model is not None
    made = []
    for terms in investors:
        terms = dict(terms)
        name = terms.pop("name")
        amount = D(terms.pop("commits", "1000"))
        made.append(Investor(name=name, title=name, commitment_min=amount, commitment_max=amount, **terms))
    return model.model_copy(update={"investors": tuple(made), "waterfall": waterfall or Waterfall()})


def run(model: Contract, invoices: dict[tuple[str, int], str], releases: list[Release] | None = None,
        as_of: date | None = None) -> WaterfallResult:
    """The waterfall with these invoices (payer, period counted from 1 -> amount)."""
    settled = settle(model, [])
    settled.invoices = {(payer, period - 1): D(amount) for (payer, period), amount in invoices.items()}
    result = run_waterfall(model, settled, releases if releases is not None else [], as_of)
    assert result.conserved()
    return result


def test_seniority_principal_then_junior_then_surplus() -> None:
    model = contract([{"name": "senior", "rank": 1, "return_cap": D(0)},
                      {"name": "junior", "rank": 2, "commits": "500", "return_cap": D(0)}],
                     Waterfall(surplus=(SurplusShare(to="council", share=D(100)),)))
    r = run(model, {("council", 1): "1200", ("council", 2): "400"})
    p1, p2 = r.periods[0], r.periods[1]
    assert p1.investors["senior"].principal == D(1000) and p1.investors["junior"].principal == D(200)
    assert p1.surplus == {}
    assert p2.investors["senior"].principal == 0 and p2.investors["junior"].principal == D(300)
    assert p2.surplus == {} and r.periods[-1].surplus == {"council": D(100)}  # the surplus: at maturity
    assert r.loss("senior") == 0 and r.loss("junior") == 0 and r.held == 0


def test_junior_gets_nothing_while_senior_is_owed() -> None:
    model = contract([{"name": "senior", "rank": 1, "return_cap": D(0)},
                      {"name": "junior", "rank": 2, "commits": "500", "return_cap": D(0)}])
    r = run(model, {("council", 4): "700"})
    assert r.accounts["senior"].principal_repaid == D(700) and r.accounts["junior"].principal_repaid == 0
    assert r.loss("senior") == D(300) and r.loss("junior") == D(500)


def test_pro_rata_within_a_rank_largest_remainder_ties_by_name() -> None:
    assert share_out(D("100.00"), [("a", D(100)), ("b", D(100)), ("c", D(100))], D("0.01"), capped=True) == \
        {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")}
    # exact 14.2871..., 28.5742..., 57.1485...: floors leave 0.02, to c (.85) then a (.71)
    assert share_out(D("100.01"), [("a", D(100)), ("b", D(200)), ("c", D(400))], D("0.01"), capped=True) == \
        {"a": D("14.29"), "b": D("28.57"), "c": D("57.15")}
    model = contract([{"name": "a", "rank": 1, "commits": "100", "return_cap": D(0)},
                      {"name": "b", "rank": 1, "commits": "200", "return_cap": D(0)},
                      {"name": "c", "rank": 1, "commits": "400", "return_cap": D(0)}])
    r = run(model, {("council", 1): "100.01"})
    assert {n: a.principal_repaid for n, a in r.accounts.items()} == {"a": D("14.29"), "b": D("28.57"),
                                                                       "c": D("57.15")}


def test_interest_actual_365_rounded_once_and_until() -> None:
    # 10,000 at 5%: 2 January to 31 March is 89 days: 121.9178 -> 121.92
    model = contract([{"name": "senior", "rank": 1, "commits": "10000", "interest": Interest(rate=D(5))}])
    r = run(model, {("council", 1): "100"})
    a = r.periods[0].investors["senior"]
    assert a.interest == D(100) and a.interest_unpaid == D("21.92")
    # the next quarter (91 days): 180 days accrued, 246.5753 -> 246.58, less the 100.00 paid
    assert r.periods[1].investors["senior"].interest_unpaid == D("146.58")
    # monthly: 41.0958 + 38.3562 + 42.4658 accrued; rounded once 121.92 (each month rounded: 121.93)
    monthly = contract([{"name": "senior", "rank": 1, "commits": "10000", "interest": Interest(rate=D(5))}],
                       every="monthly")
    r = run(monthly, {("council", 3): "1000"})
    assert r.accounts["senior"].interest_paid == D("121.92")
    # until 15 May: 89 + 30 + 15 = 134 days: 183.5616 -> 183.56, nothing after
    until = contract([{"name": "senior", "rank": 1, "commits": "10000",
                       "interest": Interest(rate=D(5), until=date(2021, 5, 15))}])
    r = run(until, {("council", 4): "200"})
    assert r.accounts["senior"].interest_paid == D("183.56")
    assert r.accounts["senior"].principal_repaid == D("16.44")


def test_interest_from_the_day_after_each_release() -> None:
    model = contract([{"name": "senior", "rank": 1, "commits": "10000", "interest": Interest(rate=D(5))}])
    model = model.model_copy(update={"tranches": (Tranche(name="t1", investor="senior", amount=D(7300),
                                                          on=date(2021, 3, 1)),)})
    releases = [Release("t1", "senior", "released", date(2021, 3, 1), D(7300), "")]
    r = run(model, {("council", 1): "50"}, releases)
    # 7,300 at 5% for 30 days (2 to 31 March): 30.00 exactly
    assert r.accounts["senior"].drawn == D(7300)
    assert r.periods[0].investors["senior"].interest == D("30.00")
    assert r.periods[0].investors["senior"].principal == D("20.00")


def test_return_cap_counts_interest_towards_it() -> None:
    # 1,000 at 5% interest, at most 9% a year; repaid on 31 March (89 days), so the allowance
    # stops there: 21.9452 -> 21.95, less interest 12.1918 -> 12.19, leaves 9.76 of return
    model = contract([{"name": "senior", "rank": 1, "interest": Interest(rate=D(5)), "return_cap": D(9)}],
                     Waterfall(surplus=(SurplusShare(to="council", share=D(100)),)))
    r = run(model, {("council", 1): "2000"})
    a = r.accounts["senior"]
    assert (a.interest_paid, a.principal_repaid, a.return_paid) == (D("12.19"), D(1000), D("9.76"))
    assert r.periods[-1].surplus == {"council": D("978.05")}
    assert a.interest_paid + a.return_paid == D("21.95")


def test_uncapped_class_takes_everything_left() -> None:
    model = contract([{"name": "senior", "rank": 1, "return_cap": D(10)},
                      {"name": "junior", "rank": 2, "commits": "500"}],
                     Waterfall(surplus=(SurplusShare(to="council", share=D(100)),)))
    r = run(model, {("council", 1): "3000"})
    # senior: 10% for 89 days on 1,000: 24.3836 -> 24.38; junior (uncapped) the rest
    assert r.accounts["senior"].return_paid == D("24.38")
    assert r.accounts["junior"].return_paid == D(3000) - D(1500) - D("24.38")
    assert r.periods[0].surplus == {}


def test_surplus_to_payers_in_proportion_to_what_each_paid() -> None:
    model = contract([{"name": "senior", "rank": 1, "return_cap": D(0)}],
                     Waterfall(surplus=(SurplusShare(to="provider_x", share=D(50)),
                                        SurplusShare(to="*payers", share=D(50)))))
    r = run(model, {("council", 1): "1400", ("fund", 1): "600.03"})
    # surplus 1,000.03: halves 500.015 -> 500.01 each, the unit left to the first listed;
    # the payers' 500.01 by 1,400 : 600.03 -> 350.0017, 150.0082: the unit left to fund
    assert r.periods[-1].surplus == {"provider_x": D("500.02"), "council": D("350.00"), "fund": D("150.01")}


def test_no_surplus_rule_holds_the_cash() -> None:
    model = contract([{"name": "senior", "rank": 1, "return_cap": D(0)}])
    r = run(model, {("council", 1): "1500"})
    assert r.held == D(500) and r.periods[0].held_after == D(500)


def test_distributes_at_maturity_and_from_a_date() -> None:
    terms = [{"name": "senior", "rank": 1, "return_cap": D(0)}]
    model = contract(terms, Waterfall(distributes="maturity"))
    r = run(model, {("council", 1): "300", ("council", 2): "300"})
    assert [p.distribution for p in r.periods] == [False, False, False, True]
    assert [p.held_after for p in r.periods] == [D(300), D(600), D(600), D(0)]
    assert r.periods[3].principal == D(600)
    model = contract(terms, Waterfall(distributes="from", distributes_from=date(2021, 6, 30)))
    r = run(model, {("council", 1): "300", ("council", 2): "300"})
    assert [p.distribution for p in r.periods] == [False, True, True, True]
    assert r.periods[1].principal == D(600) and r.periods[0].principal == 0


def test_needs_recycling_and_its_limit_unspent_capital_paid_back() -> None:
    model = contract([{"name": "senior", "rank": 1, "return_cap": D(0)}],
                     Waterfall(needs=(Need(amount=D(300)),), recycles=True, recycle_limit=D(400),
                               surplus=(SurplusShare(to="council", share=D(100)),)))
    r = run(model, {("council", 1): "250", ("council", 2): "500"})
    p1, p2, p3, p4 = r.periods
    assert (p1.recycled, p1.spent_from_capital, p1.held_after) == (D(250), D(50), D(0))
    # the limit leaves 150 to recycle; 150 from capital; 350 distributed: principal owed is the
    # outstanding 1,000 less the 800 of capital not yet spent, and the 150 left is held back (800
    # of capital may still become owed), not paid as surplus while the investor could lose
    assert (p2.recycled, p2.spent_from_capital, p2.principal, p2.surplus, p2.held_after) == (
        D(150), D(150), D(200), {}, D(150))
    assert (p3.spent_from_capital, p4.spent_from_capital) == (D(300), D(300))
    assert (p3.principal, p3.held_after) == (D(150), D(0))  # the capital spent in P3 is owed: the held cash repays it
    assert p4.capital_repaid == D(200)
    a = r.accounts["senior"]
    assert a.principal_repaid == D(550) and r.loss("senior") == D(450)
    assert r.surplus_total == {}
    assert r.capital_spent == D(800) and r.capital_repaid == D(200) and r.unspent_capital == 0


def test_needs_until_a_date_and_unfunded_needs() -> None:
    model = contract([{"name": "senior", "rank": 1, "commits": "400", "return_cap": D(0)}],
                     Waterfall(needs=(Need(amount=D(300), until=date(2021, 9, 30)),)))
    r = run(model, {})
    assert [p.spent_from_capital for p in r.periods] == [D(300), D(100), D(0), D(0)]
    assert [p.unfunded for p in r.periods] == [D(0), D(200), D(300), D(0)]
    model = contract([{"name": "senior", "rank": 1, "commits": "1000", "return_cap": D(0)}],
                     Waterfall(needs=(Need(amount=D(100), until=date(2021, 6, 30)),)))
    r = run(model, {})
    assert r.capital_spent == D(200) and r.periods[3].capital_repaid == D(800)
    assert r.loss("senior") == D(200)


def test_first_loss_then_floor() -> None:
    protections = (Protection(kind="first_loss", amount=D(100), by="foundation"),
                   Protection(kind="floor", share=D(50), by="council"))
    model = contract([{"name": "senior", "rank": 1, "return_cap": D(0), "protections": protections}])
    for cash, first, floor in (("0", 100, 400), ("300", 100, 100), ("600", 100, 0), ("950", 50, 0)):
        r = run(model, {("council", 1): cash} if cash != "0" else {})
        a = r.accounts["senior"]
        assert a.guarantee_paid.get("foundation", 0) == first, cash
        assert a.guarantee_paid.get("council", 0) == floor, cash
        assert r.loss("senior") == max(D(0), D(1000) - D(cash) - first - floor)
        assert r.guarantors == {k: v for k, v in (("foundation", D(first)), ("council", D(floor))) if v}


def test_first_loss_as_a_percentage_of_principal_drawn() -> None:
    model = contract([{"name": "senior", "rank": 1, "return_cap": D(0), "commits": "999.99",
                       "protections": (Protection(kind="first_loss", share=D(20), by="foundation"),)}])
    r = run(model, {})
    assert r.guarantors == {"foundation": D("199.99")}  # 199.998, rounded down


def test_interest_guarantee_pays_the_unpaid_interest() -> None:
    model = contract([{"name": "senior", "rank": 1, "commits": "10000",
                       "interest": Interest(rate=D(5), guaranteed_by="council")}])
    r = run(model, {})
    # 364 days (2 January to 31 December): 498.6301 -> 498.63
    a = r.accounts["senior"]
    assert a.guarantee_paid == {"council": D("498.63")} and a.interest_unpaid == 0
    assert a.interest_guaranteed == D("498.63") and r.loss("senior") == D(10000)


def test_as_of_before_maturity_calls_no_guarantee() -> None:
    model = contract([{"name": "senior", "rank": 1, "return_cap": D(0),
                       "protections": (Protection(kind="floor", share=D(100), by="council"),)}])
    r = run(model, {("council", 1): "100"}, as_of=date(2021, 7, 15))
    assert [p.index for p in r.periods] == [0, 1] and not r.matured
    assert r.guarantors == {} and r.accounts["senior"].outstanding == D(900)
    r = run(model, {("council", 1): "100"}, as_of=date(2021, 12, 31))
    assert r.matured and r.guarantors == {"council": D(900)} and r.loss("senior") == 0


def test_returns_multiple_and_irr() -> None:
    a = Account("x", 1, drawn=D(1000), principal_repaid=D(1000), interest_paid=D(100),
                flows=[(date(2021, 1, 1), D(-1000)), (date(2022, 1, 1), D(1100))])
    assert money_multiple(a) == D("1.1") and multiple_text(money_multiple(a)) == "1.10x"
    rate = irr(a)
    assert rate is not None and abs(rate - 0.10) < 1e-9 and irr_text(rate) == "10.00%"
    nothing = Account("y", 1, drawn=D(1000), flows=[(date(2021, 1, 1), D(-1000))])
    assert irr(nothing) is None and irr_text(None) == "n/a" and money_multiple(nothing) == 0
    assert money_multiple(Account("z", 1)) is None and irr(Account("z", 1)) is None


def test_files_and_summary_from_settled_claims() -> None:
    model = contract([{"name": "senior", "rank": 1, "interest": Interest(rate=D(5)), "return_cap": D(9)},
                      {"name": "junior", "rank": 2, "commits": "500", "return_cap": D(20),
                       "protections": (Protection(kind="first_loss", amount=D(100), by="provider_x"),)}],
                     Waterfall(surplus=(SurplusShare(to="*payers", share=D(100)),)))
    claims = [Claim(claim_id=f"c{i}", participant=f"p{i}", outcome="job", achieved=date(2021, 2, 1)) for i in range(9)]
    settled = settle(model, claims)
    releases = release_tranches(model, settled.decisions, [])
    r = run_waterfall(model, settled, releases)
    assert r.conserved() and r.received_total == D(900)
    rows = investors_csv(r, "GBP").splitlines()
    assert rows[0] == "period,start,end,investor,drawn,interest,principal,return,guarantee,outstanding," \
                      "interest_unpaid,surplus"
    assert rows[1] == "1,2021-01-01,2021-03-31,senior,1000.00,12.19,887.81,0.00,0.00,112.19,0.00,0.00"
    table = waterfall_csv(r, model).splitlines()
    assert table[0].startswith("period,start,end,distribution,received,need,recycled,drawn,spent_from_capital")
    assert "surplus_council,surplus_fund,held,capital_repaid,guaranteed_by_provider_x" in table[0]
    assert table[1].startswith("1,2021-01-01,2021-03-31,yes,900.00,0.00,0.00,1500.00,1500.00,0.00,12.19,887.81")
    text = summary(settled, releases, {}, "w.sib", waterfall=r)
    assert "investors (waterfall, distributes each period; maturity 2021-12-31):" in text
    assert "guarantors called: provider_x GBP 100.00" in text
    assert "conservation (holds)" in text


def test_interest_never_takes_a_capped_class_past_its_cap() -> None:
    # 0.24 at 1.23% interest, at most 1.37% a year, spending 0.01 a period (so the principal
    # comes back a unit at a time): the allowance rounds to 0.01 by 30 September 2022 and
    # pays a return of 0.01; the interest, rounding up to 0.01 later, finds no room left
    model = contract([{"name": "i1", "rank": 1, "commits": "0.24", "interest": Interest(rate=D("1.23")),
                       "return_cap": D("1.37")}],
                     Waterfall(needs=(Need(amount=D("0.01")),)))
    model = model.model_copy(update={"header": model.header.model_copy(update={"term_end": date(2022, 12, 31)})})
    r = run(model, {("council", 1): "250.55"})
    a = r.accounts["i1"]
    assert a.return_paid == D("0.01") and a.interest_paid == 0
    assert a.interest_paid + a.return_paid <= D("0.01") and a.interest_unpaid == 0


def test_as_of_before_the_first_period_end_runs_nothing() -> None:
    model = contract([{"name": "senior", "rank": 1, "return_cap": D(0)}])
    r = run(model, {("council", 1): "100"}, as_of=date(2021, 2, 1))
    assert r.periods == [] and not r.matured and r.accounts["senior"].drawn == 0
    assert investors_csv(r, "GBP").splitlines()[1:] == [] and "before maturity" in "\n".join(
        summary(settle(model, []), [], {}, "w.sib", waterfall=r).splitlines())


def test_a_waterfall_without_investors_pays_the_surplus() -> None:
    model = contract([], Waterfall(surplus=(SurplusShare(to="*payers", share=D(100)),)))
    r = run(model, {("council", 1): "70", ("fund", 1): "30"})
    assert r.periods[-1].surplus == {"council": D(70), "fund": D(30)} and r.accounts == {}


def test_huge_amounts_and_rates_stay_exact() -> None:
    model = contract([{"name": "senior", "rank": 1, "commits": "1" + "0" * 18,
                       "interest": Interest(rate=D(100)), "return_cap": D(1000)}],
                     Waterfall(surplus=(SurplusShare(to="council", share=D(100)),)))
    r = run(model, {("council", 4): "3" + "0" * 18})
    a = r.accounts["senior"]
    # 364 days at 100%: 10^18 x 364/365, exactly rounded to the penny
    assert a.interest_paid == D("997260273972602739.73")
    assert a.principal_repaid == D(10) ** 18
    assert r.multiple("senior") is not None and r.irr("senior") is not None


def test_conservation_is_checked_exactly_at_any_size() -> None:
    """`conserved()` added in the default 28-digit context: a run with amounts of 31 digits
    (a request of 33.3333333333333333333333333 is valid) did conserve, yet it said it did not."""
    from datetime import date as _date
    from decimal import Decimal as _D

    from sibdsl.settlement.waterfall import PeriodFlow, WaterfallResult

    day = _date(2020, 3, 31)
    x, y = _D("1234567890.123456789012345678901"), _D("33.33333333333333333333333333333")
    import decimal

    from sibdsl.core.money import wide

    with decimal.localcontext(wide()):
        rest = x - y  # 1234567856.790123455679012345567667 exactly
    flow = PeriodFlow(0, _date(2020, 1, 1), day, received=x, recycled=y, distributed=rest)
    result = WaterfallResult([flow], {}, {}, _D(0), _D(0), day, True, capital_drawn=x, capital_spent=rest,
                             capital_repaid=y)
    assert result.conserved()
    bad = WaterfallResult([flow], {}, {}, _D("0.000000000000000000001"), _D(0), day, True, capital_drawn=x,
                          capital_spent=rest, capital_repaid=y)
    assert not bad.conserved()


def _wf_model(text: str):  # type: ignore[no-untyped-def]
    from sibdsl.compiler import compile_text

    result = compile_text(text)
    assert result.model is not None, [d.message for d in result.diagnostics]
    return result.model


def _wf_run(text: str, claims: list, as_of=None):  # type: ignore[no-untyped-def]
    from sibdsl.settlement.engine import settle as _settle
    from sibdsl.settlement.tranches import participant_groups, release_tranches
    from sibdsl.settlement.waterfall import run_waterfall

    c = _wf_model(text)
    s = _settle(c, claims)
    releases = release_tranches(c, s.decisions, [], None, participant_groups(s.figures.participants))
    return run_waterfall(c, s, releases, as_of)


_SURPLUS_SO_FAR = """contract "Surplus so far" version 1
currency GBP
term 2021-01-01 to 2021-12-31
settled quarterly in arrears
payer council "Council" pays 100% until 2021-06-30, then 0%
payer fund "Fund" pays 0% until 2021-06-30, then 100%
cohort people "People" at most 10 participants
outcome job "Job" pays GBP 1,000
investor a "A" commits GBP 100
  ranks 1
  returns at most 0% a year
waterfall
  surplus to payers
"""


def test_the_surplus_is_paid_at_maturity_and_held_until_then() -> None:
    """Found by an independent implementation of the rule book, then by the Massachusetts
    contract: a surplus paid each period went to the payers while capital drawn later (a second
    tranche, capital spent later) could still become owed, and the senior lender lost it; and
    the split among the payers changed with `--as-of`. The surplus is paid once, at maturity,
    split by what each payer paid; before maturity it is held."""
    from datetime import date as _date
    from decimal import Decimal as _D

    from sibdsl.settlement.records import Claim as _Claim

    claims = [_Claim("c1", "p1", "job", _date(2021, 2, 1), cohort="people"),
              _Claim("c2", "p2", "job", _date(2021, 8, 1), cohort="people")]
    full = _wf_run(_SURPLUS_SO_FAR, claims)
    early = _wf_run(_SURPLUS_SO_FAR, claims, _date(2021, 3, 31))
    assert early.periods[0].surplus == {} and early.held == _D("900.00")
    assert [p.surplus for p in full.periods[:3]] == [{}, {}, {}]
    assert full.periods[3].surplus == {"council": _D("950.00"), "fund": _D("950.00")}  # 1,000 each paid
    assert full.held == 0


_SENIOR_SPENT_FIRST = """contract "Senior capital first" version 1
currency GBP
term 2021-01-01 to 2021-12-31
settled quarterly in arrears
payer council "Council" pays 100%
cohort people "People" at most 10 participants
outcome job "Job" pays GBP 300
investor senior "Senior" commits GBP 1,000
  ranks 1
  returns at most 0% a year
investor junior "Junior" commits GBP 1,000
  ranks 2
  returns at most 0% a year
tranche a_junior GBP 1,000 on 2021-01-01 from junior
tranche b_senior GBP 1,000 on 2021-01-01 from senior
waterfall
  needs GBP 500 each period
  surplus to council
"""


def test_capital_drawn_on_one_day_is_spent_most_senior_first() -> None:
    """Found by an independent implementation: releases of one day were spent by tranche name,
    so a junior class's capital was spent (and so owed, and repaid from outcome payments) while
    the senior class's sat unspent and was owed nothing: a junior class repaid before a senior."""
    from datetime import date as _date
    from decimal import Decimal as _D

    from sibdsl.settlement.records import Claim as _Claim

    w = _wf_run(_SENIOR_SPENT_FIRST, [_Claim("c1", "p1", "job", _date(2021, 2, 1), cohort="people")])
    p1 = w.periods[0]
    assert p1.investors["senior"].unspent == _D("500.00") and p1.investors["junior"].unspent == _D("1000.00")
    assert p1.investors["senior"].principal == _D("300.00") and p1.investors["junior"].principal == 0
