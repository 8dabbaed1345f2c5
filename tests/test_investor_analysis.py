"""The investor figures and verdicts (issue 11, docs/analysis.md "Investors"): hand-checked
bounds, witnesses run through the waterfall, the assertions' measures, the report's section,
and the property search for what the analysis leaves undecided."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal

from sibdsl.analysis import investors as inv
from sibdsl.analysis.exposure import exposure
from sibdsl.analysis.outputs import analyse, facts_json, report_markdown
from sibdsl.analysis.verdicts import Verdict, verdicts
from sibdsl.compiler import compile_text
from sibdsl.driver import CheckOptions, check_text
from sibdsl.model.contract import Contract
from sibdsl.settlement.records import Claim, Request

HEAD = """contract "Investors" version 1
currency USD
term 2020-01-01 to 2023-12-31
payer state "State"
provider prov "Provider"
cohort c "Cohort" at most 20 participants
outcome o "Outcome" pays USD 1m
"""


def _model(text: str) -> Contract:
    result = compile_text(text)
    assert result.model is not None and result.ok, [d.message for d in result.diagnostics]
    return result.model


def _verdicts(text: str) -> tuple[Contract, list[Verdict], dict[str, inv.InvestorFigures]]:
    c = _model(text)
    found = exposure(c)
    figures = inv.bounds(c, found)
    inv.confirm(c, found, figures)
    return c, verdicts(c, found), figures


def test_a_principal_protected_class_loses_nothing_proven_and_exact() -> None:
    c, found, figures = _verdicts(HEAD + """investor p_class "P class" commits USD 7.5m
  ranks 1
  returns at most 10% a year
  principal protected 100% by state
investor e_class "E class" commits USD 2.5m
  ranks 2
  returns at most 30% a year
waterfall
  distributes at maturity
  surplus to state
assert investor p_class loses nothing
assert investor p_class loses at most 0% of principal
assert investor e_class loses at most USD 2m
""")
    p, e = figures["p_class"], figures["e_class"]
    assert p.loss.amount == 0 and p.loss.exact and p.loss_share == 0
    assert e.loss.amount == Decimal("2500000") and e.loss.exact and e.loss_share == 100
    assert [v.status for v in found] == ["proven", "proven", "refuted"]
    assert "USD 2,500,000.00" in found[2].reason  # the empty ledger: the E class loses all it drew
    _, w = inv.run(c, found[2].witness, found[2].requests)
    assert inv.loss_excess(c, found[2].assertion, w) is not None


def test_a_first_loss_guarantee_bounds_the_loss_and_the_empty_ledger_makes_it_exact() -> None:
    _, found, figures = _verdicts(HEAD + """investor lender "Lender" commits USD 9.6m
  ranks 1
  interest 3% a year
  returns at most 12.5% a year
  first loss USD 7.2m by prov
waterfall
  surplus to state
assert investor lender loses at most USD 2.4m
assert investor lender loses at most USD 2m
assert investor lender loses at most 25% of principal
""")
    f = figures["lender"]
    assert f.drawable == Decimal("9600000")
    assert f.loss.amount == Decimal("2400000") and f.loss.exact and f.loss.reached == Decimal("2400000")
    assert f.loss_share == 25 and f.loss_share_exact
    assert [v.status for v in found] == ["proven", "refuted", "proven"]
    assert found[1].witness == [] and "USD 2,400,000.00" in found[1].reason


def test_a_capped_class_proves_its_cap_and_an_uncapped_class_is_never_proven() -> None:
    c, found, figures = _verdicts(HEAD + """investor senior "Senior" commits USD 9m
  ranks 1
  interest 5% a year
  returns at most 9% a year
investor junior "Junior" commits USD 3m
  ranks 2
assert investor senior returns at most 9% a year
assert investor senior returns at most 12% a year
assert investor senior returns at most 8% a year
assert investor junior returns at most 20% a year
""")
    statuses = [v.status for v in found]
    assert statuses[:2] == ["proven", "proven"]
    assert statuses[2] != "proven" and statuses[3] != "proven"
    # 20 participants paid USD 1m each: the junior class, uncapped, takes all that is left
    assert statuses[3] == "refuted"
    _, w = inv.run(c, found[3].witness, found[3].requests)
    assert inv.return_excess(c, found[3].assertion, w) is not None
    assert figures["junior"].earned.amount is not None  # the outcome payments have a limit
    assert figures["senior"].earned.amount is not None and figures["senior"].earned.amount <= \
        Decimal("9000000") * Decimal("0.09") * (date(2023, 12, 31) - date(2020, 1, 1)).days / 365 + Decimal("0.01")


def test_the_return_measure_is_the_allowance_rounded_at_each_distribution_date() -> None:
    """GBP 1,000 drawn on the first day, 5% a year: by 2020-03-31 (90 days) the allowance is
    1,000 x 5% x 90 / 365 = 12.33; a return of 1,000 at that date breaks 5% but not 500% (1,232.88)."""
    c = _model("""contract "Measure" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer pa "PA"
cohort c "C" at most 3 participants
outcome o "O" pays GBP 1,000
investor big "Big" commits GBP 1,000
  ranks 1
assert investor big returns at most 5% a year
assert investor big returns at most 500% a year
""")
    claims = [Claim("k1", "p1", "o", date(2020, 1, 1), start=date(2020, 1, 1)),
              Claim("k2", "p2", "o", date(2020, 1, 1), start=date(2020, 1, 1))]
    _, w = inv.run(c, claims, [])
    first, wide = c.assertions
    why = inv.return_excess(c, first, w)
    assert why is not None and "GBP 12.33" in why and "2020-03-31" in why
    assert inv.return_excess(c, wide, w) is None  # 1,000 of return; 500% of 1,000 for 90 days is 1,232.88


def test_a_tiny_discretionary_request_breaks_a_percentage_floor_and_the_bound_says_so() -> None:
    """A 50% floor rounds down to the unit: a request of 1.5 cents is floored at 0.00 and lost
    in full, so `loses at most 50% of principal` is not proven (it is refuted by that witness)."""
    _, found, figures = _verdicts("""contract "Tiny" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer pa "PA"
cohort c "C" at most 3 participants
outcome o "O" pays GBP 1,000
investor small "Small" commits GBP 100
  ranks 1
  principal protected 50% by pa
tranche t_d up to GBP 100 from small at the board's discretion
waterfall
  surplus to pa
assert investor small loses at most 50% of principal
assert investor small loses at most GBP 50.01
""")
    f = figures["small"]
    assert f.loss_share == 100 and not f.loss_share_exact  # a tiny draw can be lost in full
    assert f.loss.amount == Decimal("50.01") and not f.loss.exact  # a unit for the rounding of the 50%
    assert [v.status for v in found] == ["refuted", "proven"]
    assert found[0].requests and found[0].requests[0].amount == Decimal("0.015")


def test_requests_above_the_limit_never_draw_more_than_the_bound() -> None:
    c = _model(HEAD.replace("USD 1m", "USD 100") + """investor a "A" commits USD 1,000
  ranks 1
  first loss 20% by prov
tranche a_on USD 300 on 2021-01-01 from a
tranche a_disc up to USD 500 from a at the board's discretion
""")
    figures = inv.bounds(c, exposure(c))
    assert figures["a"].drawable == Decimal("800")
    asked = [Request(f"r{k}", "a_disc", date(2020, 2, k + 1), Decimal("400")) for k in range(3)]
    _, w = inv.run(c, [], asked)
    assert w.accounts["a"].drawn == Decimal("800") and w.accounts["a"].loss <= figures["a"].loss.amount


def test_break_even_and_returns_at_outcome_levels() -> None:
    """USD 5m drawn on the first day, no interest, outcome payments USD 1m a participant: the
    class gets its principal back with 5 of the 20 participants (25%), and 4 are not enough."""
    c = _model(HEAD + """investor lender "Lender" commits USD 5m
  ranks 1
  returns at most 10% a year
waterfall
  surplus to state
""")
    found = exposure(c)
    report = inv.report(c, found)
    out = report.outlook
    assert out is not None and out.participants == 20
    assert out.break_even_level["lender"] == Decimal("25.0")
    assert "5 of 20 participants" in out.break_even["lender"] and "4 do not" in out.break_even["lender"]
    levels = {lv.percent: lv for lv in out.levels["lender"]}
    assert levels[0].multiple == 0 and levels[0].irr is None
    assert levels[25].loss == 0 and levels[25].multiple == 1
    assert levels[100].multiple is not None and levels[100].multiple > 1 and levels[100].irr is not None
    # the capped class receives at most its principal and 10% a year: the 100% level stays within it
    assert report.figures["lender"].received.amount is not None
    assert levels[100].received <= report.figures["lender"].received.amount


def test_report_and_facts_show_the_investor_section() -> None:
    text = HEAD + """investor senior "Senior" commits USD 9m
  ranks 1
  returns at most 9% a year
investor junior "Junior" commits USD 3m
  ranks 2
  returns at most 12.5% a year
  principal protected 50% by state
waterfall
  surplus 50% to prov, 50% to payers
assert investor junior loses at most 50% of principal
"""
    result = compile_text(text)
    model, found, found_verdicts = analyse(result, shown=True)
    assert model is not None and found is not None and found.investors is not None
    md = report_markdown(model, found, found_verdicts, "x.sib")
    assert "## Investors" in md and "### Returns at outcome levels" in md
    assert "| Junior (junior) | 2 | USD 3,000,000.00 | USD 1,500,000.00 (exact" in md
    doc = facts_json(model, found, found_verdicts)
    junior = next(x for x in doc["investors"] if x["investor"] == "junior")
    assert junior["max_loss"] == {"amount": "1500000.00", "exact": True, "bound": None, "reached": "1500000.00"}
    assert [lv["percent"] for lv in junior["levels"]] == [0, 25, 50, 75, 100]
    run = check_text(text, options=CheckOptions(search=False, facts=True))
    assert any(d.code == "SIB720" and "junior" in d.message for d in run.diagnostics)
    assert run.to_json()["facts"]["<string>"]["investors"][1]["investor"] == "junior"


def test_the_search_refutes_what_the_analysis_leaves_unknown() -> None:
    """No cohort size: no liability witness, so the uncapped class's return assertion is left to
    the search, which finds ledgers that pay it more than 5% a year."""
    text = """contract "Open" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer pa "PA"
cohort c "C"
outcome o "O" pays GBP 1,000 unlimited
investor big "Big" commits GBP 1,000
  ranks 1
assert investor big returns at most 5% a year
"""
    c = _model(text)
    [v] = verdicts(c, exposure(c))
    assert v.status == "unknown"
    run = check_text(text, options=CheckOptions(examples=60))
    refuted = [d for d in run.diagnostics if d.code == "SIB711"]
    assert refuted and "returns at most 5% a year" in refuted[0].message


def test_check_without_investor_assertions_does_not_load_the_waterfall() -> None:
    code = ("import sys\nfrom sibdsl.driver import check_file, CheckOptions\n"
            "check_file('contracts/peterborough-reoffending.sib', CheckOptions(examples=5))\n"
            "print('sibdsl.settlement.waterfall' in sys.modules, 'pyxirr' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
