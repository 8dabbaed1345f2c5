"""Co-funding as signed (issue 10, items 6a, 6b and the percentage parts of 9).

Shares are exact fractions (`pays 100% / 3`, `pays 100% * GBP 1.2m / GBP 3.6m`, `pays in
proportion to its maximum`); a percentage times a plain number is a percentage; parts rounded
per invoice (`rounding ... per invoice`) do not drift; the analysis stays sound with both; and
the two co-funded deals of contracts/ (Kirklees, Ways to Wellness) have the figures their
sources publish.
"""

from __future__ import annotations

import csv
import random
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from sibdsl.analysis.exposure import exposure
from sibdsl.compiler import compile_file, compile_text
from sibdsl.core.money import round_money, split_running
from sibdsl.model.contract import Contract
from sibdsl.settlement.engine import Settlement, settle
from sibdsl.settlement.records import Claim, Measurement, Status

ROOT = Path(__file__).resolve().parents[1]
HEAD = 'contract "Co-funding" version 1\ncurrency GBP\nterm 2020-01-01 to 2022-12-31\n'


def model(text: str) -> Contract:
    result = compile_text(HEAD + text, "t.sib")
    errors = [f"{d.code} {d.span.line}:{d.span.column} {d.message}" for d in result.diagnostics
              if d.severity.name == "ERROR"]
    assert result.model is not None, errors
    assert not errors
    return result.model


def codes(text: str) -> list[tuple[str, int, int]]:
    result = compile_text(HEAD + text, "t.sib")
    return [(d.code, d.span.line, d.span.column) for d in result.diagnostics]


def claims(n: int, outcome: str = "x", start: date = date(2020, 1, 1), every: int = 1) -> list[Claim]:
    return [Claim(f"c{i}", f"p{i}", outcome, start + timedelta(days=(i * every) % 1000)) for i in range(n)]


THIRDS = """rounding half up to GBP 1{split}
payer a "A" pays 100% / 3 of each outcome payment
payer b "B" pays 100% / 3 of each outcome payment
payer c "C" pays 100% / 3 of each outcome payment
cohort people "People" at most 5,000 participants
outcome x "X" pays GBP 100
"""


# ---------------------------------------------------------------- exact shares (6b, 9)
def test_a_third_is_exact_and_three_thirds_add_up() -> None:
    c = model(THIRDS.format(split=""))
    assert [p.fraction() for p in c.payers] == [Fraction(1, 3)] * 3
    assert [p.ratio for p in c.payers] == [(1, 3)] * 3
    assert c.payers[0].share == Decimal("33.3333333333")  # for reading only
    assert Contract.model_validate_json(c.model_dump_json()) == c


def test_thirds_written_as_ten_decimals_are_refused_with_the_exact_form() -> None:
    result = compile_text(HEAD + THIRDS.format(split="").replace("100% / 3", "33.3333333333%"), "t.sib")
    (d,) = result.diagnostics
    assert d.code == "SIB401" and (d.span.line, d.span.column) == (5, 7)
    assert "0.0000000001" in (d.hint or "") and "pays 100% / 3" in (d.hint or "")


def test_a_percentage_times_a_plain_number_is_a_percentage() -> None:
    c = model('payer a "A" pays 100% * 2 / 3\npayer b "B" pays 100% / 3\n'
              'cohort people "P" at most 10 participants\noutcome x "X" pays GBP 90\n')
    assert [p.fraction() for p in c.payers] == [Fraction(2, 3), Fraction(1, 3)]
    c = model('payer a "A" pays 50% * 1\npayer b "B" pays 2 * 25%\n'
              'cohort people "P" at most 10 participants\noutcome x "X" pays GBP 90\n')
    assert [p.share for p in c.payers] == [Decimal(50), Decimal(50)] and all(p.ratio is None for p in c.payers)
    # money still takes the percentage of itself; a percentage over a percentage is a number
    c = model('payer a "A"\ncohort people "P" at most 10 participants\noutcome x "X" pays GBP 1,000 * 30% * 2\n')
    assert c.outcomes[0].tariff.price == Decimal(600)
    assert codes('payer a "A" pays 60% / 120%\ncohort people "P"\noutcome x "X" pays GBP 1\n')[0][0] == "SIB201"


def test_a_ratio_of_maxima_written_as_arithmetic_is_exact() -> None:
    c = model('payer lcf "LCF" pays 100% * GBP 1.2m / GBP 3.6m, at most GBP 1.2m\n'
              'payer council "Council" pays 100% * GBP 2.4m / GBP 3.6m, at most GBP 2.4m\n'
              'cohort people "P" at most 10 participants\noutcome x "X" pays GBP 90\ncap contract GBP 3.6m\n')
    assert [p.fraction() for p in c.payers] == [Fraction(1, 3), Fraction(2, 3)]


def test_shares_in_proportion_to_the_maxima() -> None:
    c = model('payer lcf "Life Chances Fund" pays in proportion to its maximum, at most GBP 1.2m\n'
              'payer council "Council" pays in proportion to its maximum, at most GBP 2.4m\n'
              'cohort people "P" at most 10 participants\noutcome x "X" pays GBP 90\n')
    assert [p.fraction() for p in c.payers] == [Fraction(1, 3), Fraction(2, 3)]
    assert all(p.by_maximum for p in c.payers)
    # beside a stated share they share what it leaves
    c = model('payer ccg "CCG" pays 40%\n'
              'payer cbo "CBO" pays in proportion to its maximum, at most GBP 2m\n'
              'payer sof "SOF" pays in proportion to its maximum, at most GBP 1m\n'
              'cohort people "P" at most 10 participants\noutcome x "X" pays GBP 90\n')
    assert [p.fraction() for p in c.payers] == [Fraction(2, 5), Fraction(2, 5), Fraction(1, 5)]
    assert [p.share for p in c.payers] == [Decimal(40), Decimal(40), Decimal(20)]
    assert not c.payers[0].by_maximum


def test_in_proportion_without_a_maximum_or_with_nothing_left_is_refused_where_written() -> None:
    got = codes('payer lcf "LCF" pays in proportion to its maximum\n'
                'payer council "Council" pays in proportion to its maximum, at most GBP 2m\n'
                'cohort people "P"\noutcome x "X" pays GBP 1\n')
    assert got == [("SIB433", 4, 17)]
    got = codes('payer council "Council" pays 100%\n'
                'payer lcf "LCF" pays in proportion to its maximum, at most GBP 1m\n'
                'cohort people "P"\noutcome x "X" pays GBP 1\n')
    assert got == [("SIB434", 5, 17)]
    got = codes('payer council "Council" pays 50% pays in proportion to its maximum, at most GBP 1m\n'
                'cohort people "P"\noutcome x "X" pays GBP 1\n')
    assert got[0][0] == "SIB106"


def test_per_claim_split_of_a_third_rounds_each_part() -> None:
    c = model(THIRDS.format(split="").replace("GBP 1\n", "GBP 0.01\n", 1))
    s = settle(c, claims(1))
    assert s.decisions[0].shares == {"a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}


# ---------------------------------------------------------------- per invoice (6a)
def _quarter_totals(s: Settlement) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for d in s.decisions:
        totals[d.period] = totals.get(d.period, Decimal(0)) + d.amount
    return totals


def test_per_invoice_does_not_drift_over_a_thousand_claims() -> None:
    per_claim = settle(model(THIRDS.format(split="")), claims(1000))
    per_invoice = settle(model(THIRDS.format(split=" per invoice")), claims(1000))
    exact = Fraction(100_000, 3)
    drift = {p: abs(Fraction(per_claim.figures.payer_money[p]) - exact) for p in "abc"}
    assert max(drift.values()) > 300  # GBP 34 / 33 / 33 a claim: hundreds of pounds off a third
    for p in "abc":  # each invoice is the payer's third of its quarter, rounded once
        assert abs(Fraction(per_invoice.figures.payer_money[p]) - exact) <= 12  # 12 quarters
    for (payer, period), amount in per_invoice.invoices.items():
        share = Fraction(_quarter_totals(per_invoice)[period]) / 3
        if payer != "a":  # a is the remainder payer (equal shares: the first declared)
            assert amount == round_money(share, Decimal(1), "half up")
    assert sum(per_invoice.invoices.values()) == per_invoice.figures.total_money == Decimal(100_000)


def test_per_invoice_parts_are_whole_units_that_add_up_and_invoices_do_not_depend_on_order() -> None:
    text = ('rounding half even to GBP 1 per invoice\n'
            'payer a "A" pays 100% * 2 / 7\npayer b "B" pays 100% * 3 / 7\npayer c "C" pays 100% * 2 / 7\n'
            'cohort people "P" at most 500 participants\n'
            'outcome x "X" pays GBP 100\noutcome y "Y" pays GBP 3\noutcome z "Z" pays GBP 1,234\n')
    c = model(text)
    rng = random.Random(10)
    base = [Claim(f"c{i}", f"p{i}", rng.choice("xyz"), date(2020, 1, 1) + timedelta(days=rng.randrange(400)))
            for i in range(300)]
    first = settle(c, base)
    for d in first.decisions:
        assert all(v >= 0 and v == v.to_integral_value() for v in d.shares.values())
        assert sum(d.shares.values(), Decimal(0)) == d.amount
    for seed in range(5):  # the same claims on other days of the same quarters, in other orders
        r = random.Random(seed)
        moved = []
        for cl in base:
            p = first.plan.period_of(cl.achieved)
            q_start = date(2020 + (p * 3) // 12, (p * 3) % 12 + 1, 1)
            moved.append(Claim(f"k{r.randrange(10**9)}-{cl.claim_id}", cl.participant, cl.outcome,
                               q_start + timedelta(days=r.randrange(28 * 3 - 2))))
        again = settle(c, moved)
        assert {k: v for k, v in again.invoices.items() if v} == {k: v for k, v in first.invoices.items() if v}


def test_split_running_holds_back_what_a_small_payment_cannot_give_and_makes_it_up() -> None:
    shares = [("a", Fraction(1, 3)), ("b", Fraction(1, 3)), ("c", Fraction(1, 3))]
    given: dict[str, Decimal] = {}
    total = Decimal(0)
    seen = []
    for amount in (Decimal(1), Decimal(1), Decimal(1), Decimal(10)):
        parts = split_running(amount, total, given, shares, "c", Decimal(1), "half up")
        assert sum(parts.values()) == amount and min(parts.values()) >= 0
        for k, v in parts.items():
            given[k] = given.get(k, Decimal(0)) + v
        total += amount
        seen.append(parts)
    assert seen[1] == {"a": 1, "b": 0, "c": 0}  # b is owed 1, nothing is left of the claim
    assert seen[2] == {"a": 0, "b": 1, "c": 0}  # and gets it on the next
    assert given == {"a": 4, "b": 4, "c": 5}


def test_per_invoice_payer_cap_cuts_its_part_and_the_split_moves_on_by_the_part_before_the_cut() -> None:
    c = model('rounding half up to GBP 1 per invoice\n'
              'payer fund "F" pays 100% / 3, at most GBP 50\npayer council "C" pays 100% * 2 / 3\n'
              'cohort people "P" at most 10 participants\noutcome x "X" pays GBP 100\n')
    s = settle(c, claims(3))
    assert [d.shares for d in s.decisions] == [{"fund": 33, "council": 67}, {"fund": 17, "council": 66},
                                                {"fund": 0, "council": 67}]
    assert [d.status for d in s.decisions] == [Status.PAID, Status.PARTIAL, Status.PARTIAL]


def test_per_invoice_splits_cohort_level_results_too() -> None:
    c = model('rounding half up to GBP 1 per invoice\n'
              'payer a "A" pays 100% / 3\npayer b "B" pays 100% * 2 / 3\n'
              'cohort people "P" at most 10 participants\n'
              'outcome fall "Fall" pays GBP 100 per 1% reduction in "events" against baseline unlimited\n')
    m = [Measurement(f"m{i}", "fall", None, date(2020, 2, 1 + i), Decimal(100), Decimal(99)) for i in range(3)]
    s = settle(c, [], m)
    assert [d.amount for d in s.decisions] == [Decimal(100)] * 3
    assert s.invoices[("a", 0)] == 100 and s.invoices[("b", 0)] == 200


def test_sibc_settle_writes_invoices_that_add_up_to_the_decisions(tmp_path: Path) -> None:
    sib = tmp_path / "thirds.sib"
    sib.write_text(HEAD + THIRDS.format(split=" per invoice"), encoding="utf-8")
    ledger = tmp_path / "claims.csv"
    ledger.write_text("claim_id,participant,outcome,date\n" + "".join(
        f"c{i},p{i},x,2020-0{1 + i % 6}-1{i % 9}\n" for i in range(40)), encoding="utf-8")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "sibdsl", "settle", str(sib), str(ledger), "-o", str(out)],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 0, run.stderr
    with (out / "decisions.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with (out / "invoices.csv").open(encoding="utf-8") as f:
        invoices = list(csv.DictReader(f))
    amount_col = next(k for k in invoices[0] if "amount" in k)
    payer_col = next(k for k in invoices[0] if "payer" in k)
    for p in "abc":
        parts = sum((Decimal(r[f"paid_by_{p}"]) for r in rows), Decimal(0))
        assert parts == sum((Decimal(i[amount_col]) for i in invoices if i[payer_col] == p), Decimal(0))
    for i in invoices:  # each invoice is the payer's third of its quarter, rounded once (a takes the rest)
        third = round_money(Fraction(100 * int(i["claims"]), 3), Decimal(1), "half up")
        if i[payer_col] != "a":
            assert Decimal(i[amount_col]) == third


# ---------------------------------------------------------------- the analysis stays sound
@pytest.mark.parametrize("split", ["", " per invoice"])
def test_payer_maxima_with_thirds_are_never_below_what_settlement_pays(split: str) -> None:
    text = THIRDS.format(split=split).replace("at most 5,000", "at most 700") + "cap contract GBP 50,000\n"
    c = model(text)
    found = exposure(c)
    s = settle(c, claims(700, every=1))
    for p in "abc":
        most, _why = found.payers[p]
        assert most is not None and s.figures.payer_money[p] <= most, (p, s.figures.payer_money[p], most)
        assert not found.payer_bounds[p].exact  # parts are rounded: a bound, never called exact


def test_exact_parts_with_a_ratio_share_stay_exact() -> None:
    c = model('payer a "A" pays 100% / 3\npayer b "B" pays 100% * 2 / 3\n'
              'cohort people "P" at most 10 participants\noutcome x "X" pays GBP 300\n')
    found = exposure(c)
    s = settle(c, claims(10))
    assert found.payers["a"][0] == Decimal(1000) == s.figures.payer_money["a"]
    assert found.payer_bounds["a"].exact


# ---------------------------------------------------------------- the two co-funded deals
def test_kirklees_shares_are_the_ratio_of_the_published_maxima() -> None:
    result = compile_file(ROOT / "contracts" / "kirklees-better-outcomes.sib")
    assert result.diagnostics == [] and result.model is not None
    c = result.model
    council, lcf = c.payers
    assert (lcf.cap, council.cap) == (Decimal("6600000"), Decimal("15700000"))  # LCF GBP 6.6m; 22.30m - 6.6m
    contract_cap = next(cap.limit for cap in c.caps if cap.scope == "contract")
    assert contract_cap == Decimal("22300000") == lcf.cap + council.cap  # INDIGO's maximum outcome payment
    assert lcf.fraction() == Fraction(66, 223) and council.fraction() == Fraction(157, 223)
    assert lcf.fraction() * Fraction(contract_cap) == Fraction(lcf.cap)  # both caps are reached together
    assert c.header.split == "invoice"
    found = exposure(c)
    assert found.payers["lcf"][0] == Decimal("6600000") and found.payers["kirklees"][0] == Decimal("15700000")
    assert found.liability == Decimal("22300000")


def test_kirklees_quarterly_invoices_are_the_lcf_share_rounded_once() -> None:
    c = compile_file(ROOT / "contracts" / "kirklees-better-outcomes.sib").model
    assert c is not None
    start = date(2019, 9, 2)
    ledger = [Claim(f"a{i}", f"p{i}", "accommodation_secured", start + timedelta(days=i % 80),
                    start=start) for i in range(200)]
    ledger += [Claim(f"j{i}", f"p{i}", "job_start", start + timedelta(days=i % 80), start=start) for i in range(77)]
    s = settle(c, ledger)
    assert all(d.status is Status.PAID for d in s.decisions)
    quarter = sum((d.amount for d in s.decisions), Decimal(0))
    assert quarter == Decimal(200 * 600 + 77 * 800)
    assert s.invoices[("lcf", 0)] == round_money(Fraction(quarter) * Fraction(66, 223), Decimal("0.01"), "half up")
    assert s.invoices[("kirklees", 0)] == quarter - s.invoices[("lcf", 0)]


def test_ways_to_wellness_three_payers_share_each_payment_exactly() -> None:
    result = compile_file(ROOT / "contracts" / "ways-to-wellness.sib")
    assert result.diagnostics == [] and result.model is not None
    c = result.model
    assert [p.name for p in c.payers] == ["ccg", "cbo", "sof"]
    assert [p.fraction() for p in c.payers] == [Fraction(2, 3), Fraction(2, 9), Fraction(1, 9)]
    assert sum(p.cap or 0 for p in c.payers) == next(cap.limit for cap in c.caps if cap.scope == "contract")
    assert (c.header.term_start, c.header.term_end) == (date(2015, 4, 1), date(2022, 3, 31))  # INDIGO: 84 months
    assert next(i.commitment_max for i in c.investors) == Decimal("1650000")  # INDIGO: GBP 1.65m
    assert c.cohorts[0].size == 8000  # INDIGO: up to 8,000 people
    kinds = {o.name: o.tariff.kind for o in c.outcomes}
    assert kinds == {"wellbeing_change": "fixed", "secondary_care": "cohort_level"}
    found = exposure(c)
    assert [found.payers[p][0] for p in ("ccg", "cbo", "sof")] == [Decimal(6_000_000), Decimal(2_000_000),
                                                                  Decimal(1_000_000)]
    start = date(2015, 4, 1)
    ledger = [Claim(f"w{i}", f"p{i}", "wellbeing_change", date(2015, 10, 1) + timedelta(days=i % 60), start=start)
              for i in range(101)]
    m = [Measurement("y1", "secondary_care", None, date(2015, 12, 1), Decimal(1000), Decimal(900))]  # 10%
    s = settle(c, ledger, m)
    assert s.figures.total_money == Decimal(101 * 400 + 10 * 50_000)
    assert s.invoices[("sof", 2)] == round_money(Fraction(s.figures.total_money) / 9, Decimal("0.01"), "half up")
    assert s.invoices[("cbo", 2)] == round_money(Fraction(s.figures.total_money) * 2 / 9, Decimal("0.01"), "half up")
    assert sum(s.invoices.values()) == s.figures.total_money


# ---------------------------------------------------------------- the search
def test_the_search_draws_claims_in_every_period_of_a_contract_split_per_invoice() -> None:
    from hypothesis import given, settings

    from sibdsl.search.strategies import invoice_claims_for

    c = model(THIRDS.format(split=" per invoice"))
    assert invoice_claims_for(model(THIRDS.format(split=""))) is None
    strategy = invoice_claims_for(c)
    assert strategy is not None

    @settings(max_examples=25, deadline=None, database=None)
    @given(strategy)
    def every_period(ledger: list[Claim]) -> None:
        s = settle(c, ledger)
        assert {d.period for d in s.decisions} == set(range(12))
        from sibdsl.search.properties import all_violations
        assert all_violations(s) == []

    every_period()


def test_the_invoice_property_catches_an_invoice_above_its_share() -> None:
    from sibdsl.search.properties import invoice_violations

    s = settle(model(THIRDS.format(split=" per invoice")), claims(10))
    assert invoice_violations(s) == []
    s.invoices[("b", 0)] += 1
    assert any("invoice b P1" in v for v in invoice_violations(s))
    per_claim = settle(model(THIRDS.format(split="")), claims(10))
    assert invoice_violations(per_claim) == []  # the rule is for contracts split per invoice


def test_the_search_finds_nothing_wrong_with_the_co_funded_contracts() -> None:
    from sibdsl.search.runner import search

    for name in ("kirklees-better-outcomes.sib", "ways-to-wellness.sib"):
        c = compile_file(ROOT / "contracts" / name).model
        assert c is not None
        found = search(c, seed=1, examples=40)
        assert found.ok, (name, found)


# ---------------------------------------------------------------- shares per outcome or per phase (6c, 6d)
PHASES = """rounding half up to GBP 0.01{split}
payer council "Council" pays 30% until 2020-03-31, then 70%
payer lcf "LCF" pays 70% until 2020-03-31, then 30%
cohort people "People" at most 1,000 participants
outcome x "X" pays GBP 333.33
"""
TOP_UP = """rounding half up to GBP 1{split}
payer ccg "CCG" pays 100%, pays 70% of wellbeing payments
payer cbo "CBO" pays 30% of wellbeing payments
cohort people "People" at most 1,000 participants
outcome job "Job" pays GBP 1,000
outcome wellbeing "Wellbeing" pays GBP 333
"""


def test_a_share_per_phase_follows_the_date_achieved() -> None:
    c = model(PHASES.format(split=""))
    council = c.payers[0]
    assert council.share_of("x", date(2020, 3, 31)) == Fraction(3, 10)
    assert council.share_of("x", date(2020, 4, 1)) == Fraction(7, 10)
    assert Contract.model_validate_json(c.model_dump_json()) == c
    s = settle(c, [Claim("a", "p1", "x", date(2020, 3, 31)), Claim("b", "p2", "x", date(2020, 4, 1))])
    assert [d.shares for d in s.decisions] == [{"council": Decimal("100.00"), "lcf": Decimal("233.33")},
                                                {"council": Decimal("233.33"), "lcf": Decimal("100.00")}]


def test_a_top_up_payer_pays_only_the_outcomes_it_names() -> None:
    c = model(TOP_UP.format(split=""))
    s = settle(c, [Claim("a", "p1", "job", date(2020, 2, 1)), Claim("b", "p1", "wellbeing", date(2020, 2, 2))])
    assert [d.shares for d in s.decisions] == [{"ccg": 1000, "cbo": 0}, {"ccg": 233, "cbo": 100}]
    assert c.payers[1].share == 0 and c.payers[1].max_fraction() == Fraction(3, 10)


def test_per_invoice_with_shares_per_outcome_rounds_each_payer_once_a_period() -> None:
    c = model(TOP_UP.format(split=" per invoice"))
    ledger = [Claim(f"w{i}", f"p{i}", "wellbeing", date(2020, 1, 2) + timedelta(days=i % 80)) for i in range(50)]
    ledger += [Claim(f"j{i}", f"p{i}", "job", date(2020, 1, 2)) for i in range(7)]
    s = settle(c, ledger)
    assert s.invoices[("cbo", 0)] == round_money(Fraction(50 * 333 * 3, 10), Decimal(1), "half up")  # 4,995
    assert s.invoices[("ccg", 0)] == 50 * 333 + 7000 - s.invoices[("cbo", 0)]


def test_shares_per_outcome_or_phase_are_checked_where_written() -> None:
    assert codes(TOP_UP.format(split="").replace('pays 100%, pays 70% of wellbeing payments', 'pays 100%')) == [
        ("SIB435", 6, 7)]
    assert codes(PHASES.format(split="").replace("70% until 2020-03-31, then 30%",
                                                   "70% until 2020-06-30, then 30%"))[0][0] == "SIB435"
    assert codes(TOP_UP.format(split="").replace("30% of wellbeing payments",
                                                   "30% of wellbeing payments, pays 5% of wellbeing payments")
                 )[0][:2] == ("SIB436", 6)
    assert codes(TOP_UP.format(split="").replace("of wellbeing payments\npayer cbo", "of wellbeng payments\npayer cbo")
                 )[0][:2] == ("SIB101", 5)
    assert codes(PHASES.format(split="").replace("30% until 2020-03-31, then 70%",
                                                   "30% until 2020-03-31, then 50% until 2019-01-01, then 70%")
                 )[0][:2] == ("SIB438", 5)


@pytest.mark.parametrize("split", ["", " per invoice"])
def test_payer_maxima_with_shares_per_outcome_and_phase_are_sound_bounds(split: str) -> None:
    for text in (PHASES, TOP_UP):
        c = model(text.format(split=split) + "cap contract GBP 40,000\n")
        found = exposure(c)
        rng = random.Random(3)
        outcomes = [o.name for o in c.outcomes]
        ledger = [Claim(f"c{i}", f"p{i}", rng.choice(outcomes), date(2020, 1, 1) + timedelta(days=rng.randrange(900)))
                  for i in range(400)]
        s = settle(c, ledger)
        for p in c.payers:
            most = found.payers[p.name][0]
            assert most is not None and s.figures.payer_money[p.name] <= most
            assert not found.payer_bounds[p.name].exact


# ---------------------------------------------------------------- amounts on top of a price (6d)
LOCAL = """payer dwp "Central payer" pays 100%
payer council "Council"
cohort people "People" at most 100 participants
outcome job "Job entry" pays GBP 1,000 plus GBP 200 from council
outcome sustained "Job sustained" pays GBP 500
"""


def test_a_local_price_on_top_leaves_the_central_price_alone() -> None:
    c = model(LOCAL)
    job = c.outcomes[0]
    assert job.tariff.price == Decimal(1200) and [(t.payer, t.amount) for t in job.top_ups] == [("council", 200)]
    dwp, council = c.payers
    assert dwp.share_of("job", date(2020, 1, 1)) == Fraction(5, 6)
    assert council.share_of("job", date(2020, 1, 1)) == Fraction(1, 6)
    assert council.share_of("sustained", date(2020, 1, 1)) == 0
    assert Contract.model_validate_json(c.model_dump_json()) == c
    s = settle(c, [Claim("a", "p1", "job", date(2020, 2, 1)), Claim("b", "p1", "sustained", date(2020, 3, 1))])
    assert [d.shares for d in s.decisions] == [{"dwp": 1000, "council": 200}, {"dwp": 500, "council": 0}]


def test_a_top_up_beside_phased_shares_keeps_each_phase() -> None:
    c = model('payer council "Council" pays 30% until 2020-12-31, then 70%\n'
              'payer lcf "LCF" pays 70% until 2020-12-31, then 30%\n'
              'cohort people "P" at most 10 participants\n'
              'outcome job "Job" pays GBP 1,000 plus GBP 250 from lcf\noutcome other "Other" pays GBP 100\n')
    council, lcf = c.payers
    assert lcf.share_of("job", date(2020, 6, 1)) == Fraction(700 + 250, 1250)
    assert lcf.share_of("job", date(2021, 6, 1)) == Fraction(300 + 250, 1250)
    assert council.share_of("job", date(2021, 6, 1)) == Fraction(700, 1250)
    assert lcf.share_of("other", date(2021, 6, 1)) == Fraction(3, 10)


def test_top_ups_are_refused_where_they_cannot_apply() -> None:
    assert codes(LOCAL.replace("pays GBP 1,000 plus", "pays GBP 1,000 indexed 2% a year plus"))[0][:2] == ("SIB209", 7)
    assert codes(LOCAL.replace("from council", "from counsel"))[0][:2] == ("SIB101", 7)


def test_payer_maxima_with_a_top_up_are_sound() -> None:
    c = model(LOCAL + "cap contract GBP 50,000\n")
    found = exposure(c)
    rng = random.Random(5)
    ledger = [Claim(f"c{i}", f"p{i % 100}", rng.choice(["job", "sustained"]),
                    date(2020, 1, 1) + timedelta(days=rng.randrange(900))) for i in range(300)]
    s = settle(c, ledger)
    for p in ("dwp", "council"):
        most = found.payers[p][0]
        assert most is not None and s.figures.payer_money[p] <= most


def test_an_outcome_weight_is_written_as_its_share_of_the_budget() -> None:
    c = model('payer fund "Fund"\ncohort people "P" at most 400 participants\n'
              'outcome a "A" pays 30% * GBP 2m / 400 participants\noutcome b "B" pays 70% * GBP 2m / 400 participants\n')
    assert [o.tariff.price for o in c.outcomes] == [Decimal(1500), Decimal(3500)]
