"""The settlement rule book of docs/settlement.md, decision by decision (issue 7).

The scenario files state each decision for a lawyer; this file checks what they cannot say in
their `decisions` and `totals` lines (details, root causes, tranches as of a date: sections
read by `tests/scenario_runner.py`), and tests each rule at its edges: negative payer parts,
windows of referral, payer caps with `then reject`, a payer with two limits, cohort-level
repeat rules and exclusive groups, "today" for tranches, claim and measurement ids, equal
limits, the cap that stopped a prerequisite, and the cap named in a detail.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from sibdsl.compiler import compile_file, compile_text
from sibdsl.core import money
from sibdsl.model.contract import Contract
from sibdsl.settlement.engine import Settlement, settle
from sibdsl.settlement.output import rule_place
from sibdsl.settlement.plan import make_plan
from sibdsl.settlement.records import Claim, Decision, Measurement, Reason, Request, Status, key_rule, rule_key
from sibdsl.settlement.tranches import Release, release_tranches, today_of
from tests.scenario_runner import Settled, as_of, load, settle_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "tests" / "scenarios").glob("*.scenario"))
D = Decimal


def _nth(decisions: list[Decision]) -> dict[tuple[str, int], Decision]:
    seen: dict[str, int] = {}
    out = {}
    for d in decisions:
        n = seen.get(d.claim_id, 0)
        seen[d.claim_id] = n + 1
        out[(d.claim_id, n)] = d
    return out


def _match_tranches(path: Path, lines: list[str], releases: list[Release]) -> None:
    """Each line `TRANCHE STATUS [DATE] [AMOUNT]` matches its own release (two lines for one
    tranche match two releases)."""
    left = list(releases)
    for line in lines:
        name, status, *rest = line.split()
        status = status.replace("_", " ")
        found = [r for r in left if r.tranche == name and r.status == status
                 and (not rest or str(r.day) == rest[0]) and (len(rest) < 2 or r.amount == D(rest[1]))]
        assert found, f"{path.name}: tranche line {line!r}; got {[(r.tranche, r.status, str(r.day)) for r in left]}"
        left.remove(found[0])
    assert not left, f"{path.name}: releases no line expects: {[(r.tranche, r.status, str(r.day)) for r in left]}"


WITH_SECTIONS = [p for p in SCENARIOS if {"details", "root_causes", "as_of", "tranches_as_of"} & set(load(p).sections)]


@pytest.mark.parametrize("path", WITH_SECTIONS, ids=[p.stem for p in WITH_SECTIONS])
def test_scenario_details_root_causes_and_tranches_as_of(path: Path) -> None:
    settled = settle_scenario(path)
    scenario = settled.scenario
    decided = _nth(settled.result.in_file_order())  # reset rows too (issue 10.1)
    seen: dict[str, int] = {}
    for line in scenario.lines("details"):
        claim_id, _, text = (part.strip() for part in line.partition("|"))
        n = seen.get(claim_id, 0)
        seen[claim_id] = n + 1
        detail = decided[(claim_id, n)].detail
        assert text in detail, f"{path.name}: {claim_id}: {detail!r} does not say {text!r}"
    seen = {}
    for line in scenario.lines("root_causes"):
        claim_id, key = line.split()
        n = seen.get(claim_id, 0)
        seen[claim_id] = n + 1
        got = decided[(claim_id, n)].root_cause
        assert got == (None if key == "-" else key), f"{path.name}: {claim_id}: root cause {got}"
    if "tranches" in scenario.sections:  # every release is expected, not only those listed
        _match_tranches(path, scenario.lines("tranches"), settled.releases)
    day = as_of(scenario)
    if day is not None:
        _match_tranches(path, scenario.lines("tranches_as_of"), settle_scenario(path, day).releases)


def _scenario(name: str) -> Settled:
    return settle_scenario(next(p for p in SCENARIOS if p.name.startswith(name)))


def _contract(text: str) -> Contract:
    compiled = compile_text(text, "t.sib")
    assert compiled.model is not None, [f"{d.code} {d.span.line} {d.message}" for d in compiled.diagnostics]
    return compiled.model


HEAD = """contract "T" version 1
currency GBP
term 2020-01-01 to 2021-12-31
"""


def _claims(*rows: tuple[str, str, str, str]) -> list[Claim]:
    return [Claim(cid, who, outcome, date.fromisoformat(day)) for cid, who, outcome, day in rows]


def _got(result: Settlement) -> list[tuple[str, str, Decimal, str]]:
    return [(d.claim_id, d.status.value, d.amount, d.reason.value) for d in result.decisions]


# ---------------------------------------------------------------- 1. no negative payer part
SHARES = [[("a", D(25)), ("b", D(25)), ("c", D(25)), ("d", D(25))],
          [("a", D("33.33")), ("b", D("33.33")), ("c", D("33.34"))],
          [("a", D(50)), ("b", D(50))],
          [("a", D(40)), ("b", D(30)), ("c", D(30))],
          [("a", D(10)), ("b", D(45)), ("c", D(45))]]


@pytest.mark.parametrize("rule", ["half up", "half even", "half down", "up", "down"])
@pytest.mark.parametrize("unit", [D("0.01"), D(1), D("0.05")])
def test_no_part_is_negative_and_the_parts_add_up(rule: str, unit: Decimal) -> None:
    """Every amount from 1 to 300 units, every share set and rounding rule: the parts are never
    negative and add up; where the first rounding would make the remainder payer's part
    negative, the parts are the rounded-down ones with the difference on the remainder payer."""
    for shares in SHARES:
        remainder = shares[0][0]
        for n in range(1, 301):
            amount = unit * n
            parts = money.split(amount, shares, remainder, unit, rule)
            assert sum(parts.values(), D(0)) == amount
            assert all(p >= 0 for p in parts.values()), (amount, shares, rule, parts)
            first = {name: money.round_money(amount * s / 100, unit, rule) for name, s in shares}
            if amount - sum(first.values(), D(0)) + first[remainder] < 0:
                down = {name: money.round_down(amount * s / 100, unit) for name, s in shares}
                down[remainder] += amount - sum(down.values(), D(0))
                assert parts == down


def test_the_fallback_is_taken_exactly_when_the_part_would_be_negative() -> None:
    four = SHARES[0]
    assert money.split(D(2), four, "a", D(1), "half up") == {"a": D(2), "b": D(0), "c": D(0), "d": D(0)}
    assert money.split(D(3), four, "a", D(1), "half up") == {"a": D(0), "b": D(1), "c": D(1), "d": D(1)}


# ---------------------------------------------------------------- 2. window of referral
def test_a_window_of_referral_needs_only_the_referral_date() -> None:
    contract = _contract(HEAD + 'payer council "C" pays 100%\ncohort people "P"\n'
                         'outcome engaged "E" pays GBP 100 within 1 month of referral\n')
    claims = [Claim("c1", "p1", "engaged", date(2020, 2, 10), referral=date(2020, 1, 31)),
              Claim("c2", "p2", "engaged", date(2020, 2, 10))]
    got = _got(settle(contract, claims))
    assert got == [("c1", "paid", D("100.00"), "paid"), ("c2", "rejected", D(0), "value_missing")]


# ---------------------------------------------------------------- 3. cap payer ... then reject
def test_cap_payer_then_reject_cites_the_cap_line_and_says_which_payer() -> None:
    settled = _scenario("67-")
    rejected = [d for d in settled.result.decisions if d.status is Status.REJECTED]
    assert {d.rule for d in rejected} == {("caps", 0)}
    assert rule_place(("caps", 0), settled.result, settled.compiled.spans, "x.sib") == "x.sib:9"
    assert all("every payer" not in d.detail and "fund" in d.detail for d in rejected)


def test_cap_payer_without_then_reject_cuts_the_part() -> None:
    text = load(next(p for p in SCENARIOS if p.name.startswith("67-"))).text("contract")
    contract = _contract(text.replace(" then reject", ""))
    result = settle(contract, _claims(("c1", "p1", "move_in", "2020-02-01"), ("c2", "p2", "move_in", "2020-02-02")))
    assert _got(result)[1] == ("c2", "paid in part", D("800.00"), "cap_partial")
    assert result.decisions[1].rule == ("caps", 0)


# ---------------------------------------------------------------- 4. a payer with two limits
@pytest.mark.parametrize(("at_most", "cap_line", "limit", "rule", "reject"), [
    (600, "800 then reject", D(600), ("payers", 1), False),
    (800, "600 then reject", D(600), ("caps", 0), True),
    (800, "600", D(600), ("caps", 0), False),
    (600, "600 then reject", D(600), ("caps", 0), True),  # equal: `then reject` decides
    (600, "600", D(600), ("caps", 0), False),  # equal, neither rejects: the cap line is cited
])
def test_the_smaller_payer_limit_decides_with_its_own_behaviour(at_most: int, cap_line: str, limit: Decimal,
                                                                 rule: tuple[str, int], reject: bool) -> None:
    contract = _contract(HEAD + f'payer council "C" pays 50%\npayer fund "F" pays 50%, at most GBP {at_most}\n'
                         f'cohort people "P"\noutcome move_in "M" pays GBP 1,000\ncap payer fund GBP {cap_line}\n')
    fund = make_plan(contract).payers[1]
    assert (fund.cap, fund.cap_rule, fund.reject_at_cap) == (limit, rule, reject)
    result = settle(contract, _claims(("c1", "p1", "move_in", "2020-02-01"), ("c2", "p2", "move_in", "2020-02-02")))
    second = result.decisions[1]
    if reject:
        assert (second.status, second.reason, second.rule) == (Status.REJECTED, Reason.PAYER_CAP_REACHED, rule)
    else:
        assert (second.status, second.amount, second.rule) == (Status.PARTIAL, D("600.00"), rule)


# ---------------------------------------------------------------- 5. cohort-level outcomes
PETERBOROUGH = ROOT / "contracts" / "peterborough-reoffending.sib"


def _measure(contract: Contract, *rows: tuple[str, str, str | None, str, int, int]) -> list[Decision]:
    ms = [Measurement(mid, outcome, cohort, date.fromisoformat(day), D(base), D(seen))
          for mid, outcome, cohort, day, base, seen in rows]
    return settle(contract, [], ms).decisions


def test_peterborough_pays_each_cohort_outcome_once_and_the_pooled_result_net_of_them() -> None:
    """Issue 10.7: the all-cohorts result is pooled from the cohorts' latest results and paid net
    of the cohort payments (it was an `only one of` before `pooled over ... net of` existed)."""
    contract = compile_file(str(PETERBOROUGH)).model
    assert contract is not None
    decisions = _measure(contract,
                         ("m1", "first_cohort_reduction", "first_cohort", "2014-08-07", 155, 130),
                         ("m2", "first_cohort_reduction", "first_cohort", "2015-08-07", 155, 125),
                         ("m3", "all_cohorts_reduction", None, "2017-08-01", 155, 140),
                         ("m4", "second_cohort_reduction", "first_cohort", "2016-08-01", 155, 120),
                         ("m5", "second_cohort_reduction", "second_cohort", "2016-09-01", 155, 120))
    assert [(d.claim_id, d.reason) for d in decisions] == [
        ("m1", Reason.PAID), ("m2", Reason.REPEAT_LIMIT), ("m4", Reason.NOT_IN_COHORT), ("m5", Reason.PAID),
        ("m3", Reason.POOLED_MISMATCH)]
    assert "for cohort first_cohort" in decisions[1].detail
    # the pooled figures: first_cohort's latest result (m4, whatever its decision) and m5
    assert "310 against 240" in decisions[-1].detail and decisions[-1].rule[2] == "pooled"
    pooled = settle(contract, [], [Measurement("m1", "first_cohort_reduction", "first_cohort", date(2014, 8, 7),
                                               D(155), D(130)),
                                   Measurement("m5", "second_cohort_reduction", "second_cohort", date(2016, 9, 1),
                                               D(155), D(120)),
                                   Measurement("m3", "all_cohorts_reduction", None, date(2017, 8, 1), D(0), D(0),
                                               given=False)]).decisions
    # 60 x 100 / 310 = 19.35..% -> 1,935,483.87, less 1,612,903.23 + 2,258,064.52 already paid: nothing due
    assert [(d.claim_id, d.reason, d.amount) for d in pooled] == [
        ("m1", Reason.PAID, D("1612903.23")), ("m5", Reason.PAID, D("2258064.52")),
        ("m3", Reason.NET_NOTHING_DUE, D(0))]


# The all-cohorts outcome as an exclusive alternative (how contracts/peterborough-reoffending.sib
# was written before `pooled over ... net of`, issue 10.7): the rules of a result for all cohorts.
EXCLUSIVE_POOL = """contract "T" version 1
currency GBP
term 2010-09-01 to 2018-12-31
payer moj "MoJ" pays 100%
cohort first_cohort "C1"
cohort second_cohort "C2" separate from first_cohort
outcome first_cohort_reduction "R1" pays GBP 100,000 per 1% reduction in "reconviction events"
  against comparison group threshold 10% for cohort first_cohort
outcome second_cohort_reduction "R2" pays GBP 100,000 per 1% reduction in "reconviction events"
  against comparison group threshold 10% for cohort second_cohort
outcome all_cohorts_reduction "All" pays GBP 100,000 per 1% reduction in "reconviction events"
  against comparison group threshold 7.5% for cohorts first_cohort, second_cohort
only one of first_cohort_reduction, all_cohorts_reduction
only one of second_cohort_reduction, all_cohorts_reduction
"""


def test_a_result_for_all_cohorts_counts_for_each_cohort_it_covers() -> None:
    contract = _contract(EXCLUSIVE_POOL)
    decisions = _measure(contract,
                         ("m1", "all_cohorts_reduction", None, "2016-08-01", 100, 91),
                         ("m2", "first_cohort_reduction", "first_cohort", "2016-09-01", 100, 80),
                         ("m3", "second_cohort_reduction", "second_cohort", "2016-09-02", 100, 80),
                         ("m4", "all_cohorts_reduction", "second_cohort", "2016-10-01", 100, 90))
    assert [d.reason for d in decisions] == [Reason.PAID, Reason.EXCLUSIVE_SIBLING_PAID,
                                             Reason.EXCLUSIVE_SIBLING_PAID, Reason.REPEAT_LIMIT]


def test_a_cohort_level_outcome_up_to_n_times_per_cohort() -> None:
    contract = _contract(HEAD + 'payer council "C" pays 100%\ncohort a "A"\ncohort b "B"\n'
                         'outcome fewer "F" pays GBP 1,000 per 1% reduction in "evictions" against baseline\n'
                         '  up to 2 times\n')
    decisions = _measure(contract, *[(f"m{i}", "fewer", cohort, f"2020-0{i}-01", 100, 90)
                                     for i, cohort in enumerate(["a", "a", "b", "a", None], start=1)])
    # m4: a has had 2; m5 (all cohorts: a and b) is refused because a has
    assert [d.reason for d in decisions] == [Reason.PAID, Reason.PAID, Reason.PAID, Reason.REPEAT_LIMIT,
                                             Reason.REPEAT_LIMIT]


# ---------------------------------------------------------------- 6. "today" for tranches
TRANCHES = HEAD + """payer council "C" pays 60%
payer fund "F" pays 40%
investor bank "Bank" commits GBP 10,000
cohort people "P"
outcome move_in "M" pays GBP 500
tranche on_date GBP 1,000 on 2020-06-01
tranche cond GBP 1,000 when payments reach GBP 1,000, by 2020-12-31
tranche fund_two GBP 1,000 when outcomes of fund reach 2 outcomes
tranche flex up to GBP 2,000 at discretion
"""


def _releases(as_of_day: date | None, requests: list[Request]) -> dict[str, list[Release]]:
    contract = _contract(TRANCHES)
    result = settle(contract, _claims(("c1", "p1", "move_in", "2020-03-01"), ("c2", "p2", "move_in", "2020-07-01")))
    out: dict[str, list[Release]] = {}
    for r in release_tranches(contract, result.decisions, requests, as_of_day):
        out.setdefault(r.tranche, []).append(r)
    return out


def test_as_of_is_today_for_every_kind_of_tranche() -> None:
    requests = [Request("r1", "flex", date(2020, 5, 1), D(300)), Request("r2", "flex", date(2020, 8, 1), D(300))]
    early = _releases(date(2020, 5, 31), requests)
    assert [r.status for r in early["on_date"]] == ["pending"]
    assert [r.status for r in early["cond"]] == ["pending"]  # met on 1 July, after today, deadline not passed
    assert [r.status for r in early["fund_two"]] == ["pending"]
    assert [(r.request_id, r.status) for r in early["flex"]] == [("r1", "released"), ("r2", "pending")]
    late = _releases(None, requests)  # today: 1 August, the latest date in the inputs
    assert [(r.status, r.day) for r in late["cond"]] == [("released", date(2020, 7, 1))]
    assert [(r.status, r.day) for r in late["fund_two"]] == [("released", date(2020, 7, 1))]
    assert [r.status for r in late["flex"]] == ["released", "released"]
    after = _releases(date(2021, 1, 1), [])
    assert [r.status for r in after["cond"]] == ["released"]


def test_a_deadline_lapses_only_once_today_is_past_it() -> None:
    contract = _contract(TRANCHES.replace("by 2020-12-31", "by 2020-06-30"))
    result = settle(contract, _claims(("c1", "p1", "move_in", "2020-03-01"), ("c2", "p2", "move_in", "2020-07-01")))
    status = {d: next(r.status for r in release_tranches(contract, result.decisions, [], d) if r.tranche == "cond")
              for d in (date(2020, 6, 29), date(2020, 6, 30), date(2020, 7, 1))}
    assert status == {date(2020, 6, 29): "pending", date(2020, 6, 30): "pending", date(2020, 7, 1): "lapsed"}


def test_a_request_outside_the_term_is_refused_with_its_reason() -> None:
    out = _releases(None, [Request("r0", "flex", date(2019, 12, 31), D(100)),
                           Request("r9", "flex", date(2022, 1, 1), D(100))])
    assert [(r.request_id, r.status) for r in out["flex"]] == [("r0", "refused"), ("r9", "refused")]
    assert all("outside the term 2020-01-01 to 2021-12-31" in r.detail for r in out["flex"])


def test_today_is_the_latest_date_in_the_inputs() -> None:
    claim = Decision("c1", "p1", "m", date(2020, 3, 1), Status.REJECTED, Reason.OUTSIDE_TERM, D(0), D(0), -1)
    request = Request("r1", "flex", date(2020, 4, 1), D(1))
    assert today_of([claim], [], None, date(2020, 1, 1)) == date(2020, 3, 1)  # a rejected claim counts
    assert today_of([claim], [request], None, date(2020, 1, 1)) == date(2020, 4, 1)
    assert today_of([], [], None, date(2020, 1, 1)) == date(2020, 1, 1)
    assert today_of([claim], [request], date(2020, 2, 1), date(2020, 1, 1)) == date(2020, 2, 1)


def test_outcomes_of_a_payer_count_the_outcomes_it_paid_a_part_of() -> None:
    contract = _contract(TRANCHES.replace('payer fund "F" pays 40%', 'payer fund "F" pays 40%, at most GBP 200'))
    result = settle(contract, _claims(("c1", "p1", "move_in", "2020-03-01"), ("c2", "p2", "move_in", "2020-07-01"),
                                      ("c3", "p3", "move_in", "2020-08-01")))
    fund_two = next(r for r in release_tranches(contract, result.decisions, [], None) if r.tranche == "fund_two")
    assert fund_two.status == "pending"  # the fund paid a part of c1 only: its cap was used up
    contract = _contract(TRANCHES)
    result = settle(contract, _claims(("c1", "p1", "move_in", "2020-03-01"), ("c2", "p2", "move_in", "2020-07-01")))
    fund_two = next(r for r in release_tranches(contract, result.decisions, [], None) if r.tranche == "fund_two")
    assert (fund_two.status, fund_two.day) == ("released", date(2020, 7, 1))


# ---------------------------------------------------------------- 7. claim and measurement ids
def test_claim_ids_and_measurement_ids_are_separate_sets() -> None:
    contract = _contract(HEAD + 'payer council "C" pays 100%\ncohort people "P"\n'
                         'outcome move_in "M" pays GBP 500\n'
                         'outcome fewer "F" pays GBP 1,000 per 1% reduction in "evictions" against baseline\n'
                         '  unlimited\n')
    claims = _claims(("x1", "p1", "move_in", "2020-02-01"), ("x1", "p2", "move_in", "2020-02-02"))
    ms = [Measurement("x1", "fewer", None, date(2020, 2, 1), D(100), D(90)),
          Measurement("x1", "fewer", None, date(2020, 2, 3), D(100), D(90))]
    result = settle(contract, claims, ms)
    assert [(d.claim_id, d.cohort_level, d.reason) for d in result.decisions] == [
        ("x1", False, Reason.PAID), ("x1", True, Reason.PAID),  # same date and id: the claim first
        ("x1", False, Reason.DUPLICATE_CLAIM), ("x1", True, Reason.DUPLICATE_CLAIM)]
    assert "measurement id x1" in result.decisions[3].detail
    assert set(result.by_claim()) == {"x1"} and not result.by_claim()["x1"].cohort_level


# ---------------------------------------------------------------- 8. equal limits
CAPS = HEAD + """payer council "C" pays 100%
cohort people "P"
outcome move_in "M" pays GBP 500
outcome check_in "K" pays GBP 100
"""
LEDGER = _claims(("c1", "p1", "move_in", "2020-02-01"), ("c2", "p2", "move_in", "2020-04-10"),
                 ("c3", "p3", "move_in", "2020-05-01"), ("c4", "p4", "check_in", "2020-05-02"),
                 ("c5", "p5", "move_in", "2020-07-01"), ("c6", "p6", "check_in", "2020-07-02"))


@pytest.mark.parametrize("caps", list(itertools.permutations(
    ["cap contract GBP 1,300", "cap per period GBP 800 then reject", "cap per participant GBP 5,000"])))
def test_money_caps_do_not_depend_on_the_order_written(caps: tuple[str, ...]) -> None:
    result = settle(_contract(CAPS + "\n".join(caps) + "\n"), LEDGER)
    assert _got(result) == [("c1", "paid", D("500.00"), "paid"), ("c2", "paid", D("500.00"), "paid"),
                            ("c3", "rejected", D(0), "cap_reached"), ("c4", "paid", D("100.00"), "paid"),
                            ("c5", "paid in part", D("200.00"), "cap_partial"), ("c6", "rejected", D(0), "cap_reached")]
    period = caps.index("cap per period GBP 800 then reject")
    assert result.decisions[2].rule == ("caps", period)  # equal at 300: the one that says then reject
    assert result.decisions[4].rule == ("caps", caps.index("cap contract GBP 1,300"))


def test_a_smaller_pay_in_part_cap_decides_before_a_larger_then_reject_cap() -> None:
    result = settle(_contract(CAPS + "cap per period GBP 800 then reject\ncap contract GBP 1,100\n"),
                    _claims(("c1", "p1", "move_in", "2020-02-01"), ("c2", "p2", "move_in", "2020-04-10"),
                            ("c3", "p3", "move_in", "2020-05-01")))
    # c3: the contract leaves 100 (pay in part), the period 300 (then reject): 100 is paid
    assert _got(result)[2] == ("c3", "paid in part", D("100.00"), "cap_partial")
    assert result.decisions[2].rule == ("caps", 1)


def test_a_claim_level_cut_equal_to_a_payer_limit_that_says_then_reject_rejects() -> None:
    contract = _contract(HEAD + 'payer council "C" pays 100%\ncohort people "P"\noutcome move_in "M" pays GBP 500\n'
                         "cap payer council GBP 800 then reject\ncap contract GBP 800\n")
    result = settle(contract, _claims(("c1", "p1", "move_in", "2020-02-01"), ("c2", "p2", "move_in", "2020-02-02")))
    assert _got(result)[1] == ("c2", "rejected", D(0), "payer_cap_reached")
    assert result.decisions[1].rule == ("caps", 0) and "the same as the 300.00 left" in result.decisions[1].detail
    # without `then reject` on the payer the contract cap cuts the claim to 300 and it is paid
    contract = _contract(HEAD + 'payer council "C" pays 100%\ncohort people "P"\noutcome move_in "M" pays GBP 500\n'
                         "cap payer council GBP 800\ncap contract GBP 800\n")
    result = settle(contract, _claims(("c1", "p1", "move_in", "2020-02-01"), ("c2", "p2", "move_in", "2020-02-02")))
    assert _got(result)[1] == ("c2", "paid in part", D("300.00"), "cap_partial")


# ---------------------------------------------------------------- 9. the cap that stopped a prerequisite
def test_a_cap_that_stopped_a_prerequisite_is_named_with_its_line() -> None:
    settled = _scenario("74-")
    by_id = {d.claim_id: d for d in settled.result.decisions}
    assert by_id["c4"].reason is Reason.PREREQUISITE_NOT_PAID and by_id["c4"].root_cause == "caps.0"
    assert by_id["c4"].rule == ("outcomes", 1, "prerequisites", 0)  # the rule is still the ladder step
    assert by_id["c5"].root_cause == "caps.0" and "claim c3 for move_in" in by_id["c5"].detail
    assert by_id["c6"].root_cause is None
    assert key_rule(rule_key(("caps", 0))) == ("caps", 0) and rule_key(("payers", 1)) == "payers.1"


def test_without_the_span_table_the_detail_names_the_cap_without_a_line() -> None:
    path = next(p for p in SCENARIOS if p.name.startswith("74-"))
    scenario = load(path)
    contract = _contract(scenario.text("contract"))
    from sibdsl.settlement.ledger import parse_ledger

    result = settle(contract, parse_ledger(scenario.text("claims"), "c.csv", "claims", contract).records)
    detail = next(d.detail for d in result.decisions if d.claim_id == "c4")
    assert detail == ("prerequisite move_in was not paid: it was stopped by the outcome cap on move_in, which "
                      "rejected claim c3")


# ---------------------------------------------------------------- 10. the cap that cut, named
def test_the_detail_names_every_cap_that_cut_and_the_rule_is_the_last() -> None:
    settled = _scenario("75-")
    by_id = {d.claim_id: d for d in settled.result.decisions}
    assert by_id["c2"].rule == ("payers", 1) and "contract cap" not in by_id["c2"].detail
    assert by_id["c3"].rule == ("payers", 1)
    assert "the contract cap" in by_id["c3"].detail and "payer fund's cap" in by_id["c3"].detail
    assert settled.result.figures.cap_bound == {0: 2}  # the contract cap cut c3 and c4 (a payer cap too)


def test_every_payer_cap_used_up_is_said_as_it_is() -> None:
    contract = _contract(HEAD + 'payer city "C" pays 50%, at most GBP 250\npayer health "H" pays 50%\n'
                         'cohort people "P"\noutcome move_in "M" pays GBP 500\ncap payer health GBP 250\n')
    result = settle(contract, _claims(("c1", "p1", "move_in", "2020-02-01"), ("c2", "p2", "move_in", "2020-02-02")))
    second = result.decisions[1]
    assert (second.reason, second.rule, second.root_cause) == (Reason.PAYER_CAP_REACHED, ("payers", 0), "payers.0")
    assert "payer city has paid all of its cap of 250" in second.detail
    assert "payer health has paid all of its cap of 250" in second.detail
