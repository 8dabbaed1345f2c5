"""The language of investment (issue 11): investor terms, the waterfall and investor assertions.

Each clause compiles to the model fields it names (exact Decimals and dates); each mistake is a
located diagnostic with its hint; the contracts in contracts/ that encode published deals carry
the published figures.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from sibdsl.compiler import compile_file, compile_text
from sibdsl.core.diagnostics import Diagnostic
from sibdsl.model.contract import Contract, Interest, Need, Protection, SurplusShare

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"

HEAD = """contract "T" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer council "The Council" pays 100%
provider charity "The Charity"
outcome a "A" pays GBP 1
"""
HEAD_LINES = HEAD.count("\n")


def _compile(body: str) -> tuple[Contract | None, list[Diagnostic]]:
    result = compile_text(HEAD + body, "t.sib")
    return result.model, list(result.diagnostics)


def _ok(body: str) -> Contract:
    contract, diags = _compile(body)
    errors = [d for d in diags if d.severity.value == "error"]
    assert contract is not None and not errors, [f"{d.code} {d.message}" for d in diags]
    return contract


def _only(body: str, code: str) -> Diagnostic:
    _, diags = _compile(body)
    found = [d for d in diags if d.code == code]
    assert len(found) == 1, [f"{d.code} {d.span.line}:{d.span.column} {d.message}" for d in diags]
    return found[0]


def _at(d: Diagnostic, line: int, column: int) -> None:
    """line counts from the first line of the body."""
    assert (d.span.line, d.span.column) == (HEAD_LINES + line, column), (d.span, d.message)


# ---------------------------------------------------------------- clauses -> model
def test_investor_terms_compile_to_the_model() -> None:
    c = _ok("""investor senior "Senior" commits GBP 900,000
  ranks 1
  interest 5.25% a year until 2021-06-30, guaranteed by council
  returns at most 9% a year
  principal protected 50% of principal by council
  first loss GBP 250,000.50 by charity
waterfall surplus to payers
""")
    inv = c.investors[0]
    assert inv.rank == 1
    assert inv.interest == Interest(rate=Decimal("5.25"), until=date(2021, 6, 30), guaranteed_by="council")
    assert inv.return_cap == Decimal(9)
    assert inv.protections == (Protection(kind="floor", share=Decimal(50), by="council"),
                               Protection(kind="first_loss", amount=Decimal("250000.50"), by="charity"))
    assert c.invests


def test_percent_without_of_principal_and_guarantor_investor() -> None:
    c = _ok("""investor a_fund "A" commits GBP 1m
  ranks 2
  principal protected 100% by b_fund
investor b_fund "B" commits GBP 1m
  ranks 1
  interest 3% a year
""")
    assert c.investors[0].protections == (Protection(kind="floor", share=Decimal(100), by="b_fund"),)
    assert c.investors[1].interest == Interest(rate=Decimal(3))
    # no `waterfall` declared, but investors state terms: the default waterfall
    assert c.waterfall is not None and c.waterfall.distributes == "period" and c.waterfall.surplus == ()


def test_waterfall_compiles_to_the_model() -> None:
    c = _ok("""investor fund "Fund" commits GBP 1m
  ranks 1
  returns at most 12.5% a year
waterfall "Schedule 4: distribution"
  distributes from 2021-01-01
  needs GBP 50,000 each period from 2020-04-01 until 2021-12-31
  needs GBP 1,000.25 each period
  recycles outcome payments up to GBP 300,000
  surplus 50% to charity, 30% to payers, 20% to council
  clause "4.1"
""")
    w = c.waterfall
    assert w is not None
    assert w.title == "Schedule 4: distribution"
    assert (w.distributes, w.distributes_from) == ("from", date(2021, 1, 1))
    assert w.needs == (Need(amount=Decimal(50000), start=date(2020, 4, 1), until=date(2021, 12, 31)),
                       Need(amount=Decimal("1000.25")))
    assert (w.recycles, w.recycle_limit) == (True, Decimal(300000))
    assert w.surplus == (SurplusShare(to="charity", share=Decimal(50)), SurplusShare(to="*payers", share=Decimal(30)),
                         SurplusShare(to="council", share=Decimal(20)))
    assert w.clause == "4.1"


@pytest.mark.parametrize(("clause", "kind"), [("distributes each period", "period"),
                                               ("distributes at maturity", "maturity")])
def test_distribution_words(clause: str, kind: str) -> None:
    c = _ok(f'investor fund "F" commits GBP 1m ranks 1\nwaterfall {clause}\n')
    assert c.waterfall is not None and c.waterfall.distributes == kind and c.waterfall.distributes_from is None


def test_recycling_without_limit_and_one_recipient_is_100_percent() -> None:
    c = _ok('investor fund "F" commits GBP 1m ranks 1, returns at most 9% a year\n'
            "waterfall needs GBP 10 each period, recycles outcome payments, surplus to charity\n")
    assert c.waterfall is not None
    assert (c.waterfall.recycles, c.waterfall.recycle_limit) == (True, None)
    assert c.waterfall.surplus == (SurplusShare(to="charity", share=Decimal(100)),)


def test_investor_assertions_compile() -> None:
    c = _ok("""investor fund "Fund" commits GBP 1m
  ranks 1
  returns at most 9% a year
waterfall surplus to payers
assert investor fund loses at most 50% of principal
assert investor fund loses at most 25%
assert investor fund loses at most GBP 100,000
assert investor fund loses nothing
assert investor fund returns at most 9.5% a year
""")
    got = [(a.kind, a.subject, a.value, a.of_principal, a.text) for a in c.assertions]
    assert got == [
        ("investor_loss", "fund", Decimal(50), True, "investor fund loses at most 50% of principal"),
        ("investor_loss", "fund", Decimal(25), True, "investor fund loses at most 25% of principal"),
        ("investor_loss", "fund", Decimal(100000), False, "investor fund loses at most GBP 100,000"),
        ("investor_loss", "fund", Decimal(0), False, "investor fund loses nothing"),
        ("investor_return", "fund", Decimal("9.5"), False, "investor fund returns at most 9.5% a year"),
    ]


def test_commitment_alone_does_not_invest() -> None:
    c = _ok('investor fund "Fund" commits GBP 1m\n')
    assert not c.invests and c.waterfall is None


def test_phrases_do_not_reserve_their_words() -> None:
    # `returns`, `principal`, `first`, `loss`, `loses`, `maturity`, `guaranteed` stay free as names
    c = _ok("""cohort principal "P" at most 10 participants
outcome returns "R" pays GBP 1
outcome first "F" pays GBP 1
outcome loss "L" pays GBP 1
outcome maturity "M" pays GBP 1
outcome loses "Lo" pays GBP 1
outcome guaranteed "G" pays GBP 1
""")
    assert {o.name for o in c.outcomes} >= {"returns", "first", "loss", "maturity", "loses", "guaranteed"}


# ---------------------------------------------------------------- diagnostics: where and what
def test_sib507_rank_missing() -> None:
    d = _only('investor a_fund "A" commits GBP 1m\n  ranks 1\n  interest 5% a year\n'
              'investor b_fund "B" commits GBP 1m\n', "SIB507")
    _at(d, 4, 10)
    assert "b_fund" in d.message and d.hint is not None and "ranks 1" in d.hint
    assert d.labels and "a_fund" in d.labels[0].message


def test_sib508_interest_above_cap() -> None:
    d = _only('investor fund "F" commits GBP 1m\n  ranks 1\n  interest 12% a year\n  returns at most 9% a year\n'
              "waterfall surplus to payers\n", "SIB508")
    _at(d, 3, 3)
    assert "12%" in d.message and "9%" in d.message and d.hint is not None and "floor" in d.hint


def test_sib509_percent_and_money() -> None:
    d = _only('investor fund "F" commits GBP 1m\n  ranks 1\n  principal protected 100.5% by council\n', "SIB509")
    _at(d, 3, 23)
    assert d.hint is not None and "100%" in d.hint
    d = _only('investor fund "F" commits GBP 1m\n  ranks 1\n  first loss GBP 1,000,001 by council\n', "SIB509")
    _at(d, 3, 3)
    assert "GBP 1,000,001" in d.message and "GBP 1,000,000" in d.message


def test_sib510_self_guarantee() -> None:
    d = _only('investor fund "F" commits GBP 1m\n  ranks 1\n  interest 5% a year, guaranteed by fund\n', "SIB510")
    _at(d, 3, 37)
    assert d.hint is not None and "payer" in d.hint


def test_sib101_guarantor_did_you_mean() -> None:
    d = _only('investor fund "F" commits GBP 1m\n  ranks 1\n  first loss 20% by charty\n', "SIB101")
    _at(d, 3, 21)
    assert d.hint == "did you mean 'charity'?"


def test_sib103_guarantor_of_the_wrong_kind() -> None:
    d = _only('investor fund "F" commits GBP 1m\n  ranks 1\n  first loss 20% by a\n', "SIB103")
    _at(d, 3, 21)


@pytest.mark.parametrize(("surplus", "column", "total"), [("50% to charity, 40% to payers", 11, "90%"),
                                                          ("60% to charity, 50% to payers", 11, "110%")])
def test_sib511_surplus_shares(surplus: str, column: int, total: str) -> None:
    d = _only(f'investor fund "F" commits GBP 1m ranks 1, returns at most 9% a year\nwaterfall surplus {surplus}\n',
              "SIB511")
    _at(d, 2, column)
    assert total in d.message and d.hint is not None


def test_sib512_recycling_without_needs() -> None:
    d = _only('investor fund "F" commits GBP 1m ranks 1\nwaterfall\n  recycles outcome payments\n', "SIB512")
    _at(d, 3, 3)
    assert d.hint is not None and "needs GBP 50,000 each period" in d.hint


def test_sib513_all_capped_and_no_surplus() -> None:
    d = _only('investor fund "F" commits GBP 1m ranks 1, returns at most 9% a year\nwaterfall "W"\n', "SIB513")
    _at(d, 2, 1)
    assert d.hint is not None and "surplus to payers" in d.hint
    # with no `waterfall` declared, at the investor
    d = _only('investor fund "F" commits GBP 1m ranks 1, returns at most 9% a year\n', "SIB513")
    _at(d, 1, 10)
    assert d.hint is not None and "waterfall" in d.hint


def test_sib514_surplus_never_reached_is_a_warning() -> None:
    contract, diags = _compile('investor fund "F" commits GBP 1m ranks 1\nwaterfall surplus to payers\n')
    assert contract is not None
    (d,) = [x for x in diags if x.code == "SIB514"]
    assert d.severity.value == "warning"
    _at(d, 2, 11)


def test_sib515_second_waterfall() -> None:
    d = _only('investor fund "F" commits GBP 1m ranks 1\nwaterfall "A"\nwaterfall "B"\n', "SIB515")
    _at(d, 3, 1)
    assert d.labels and d.labels[0].span.line == HEAD_LINES + 2


def test_sib516_investor_assertion_without_terms() -> None:
    d = _only('investor fund "F" commits GBP 1m\nassert investor fund returns at most 9% a year\n', "SIB516")
    _at(d, 2, 1)


def test_investor_assertion_naming_no_investor() -> None:
    d = _only('investor fund "F" commits GBP 1m ranks 1\nassert investor fnd loses nothing\n', "SIB101")
    _at(d, 2, 17)
    assert d.hint == "did you mean 'fund'?"
    d = _only('investor fund "F" commits GBP 1m ranks 1\nassert investor council loses nothing\n', "SIB103")
    _at(d, 2, 17)


def test_sib517_nothing_drawn() -> None:
    d = _only('investor fund "F" ranks 1\n', "SIB517")
    _at(d, 1, 10)
    # a tranche from it is something drawn
    _ok('investor fund "F" ranks 1\ntranche t GBP 100 on 2020-01-01 from fund\n')


def test_sib518_and_sib519_surplus_recipients() -> None:
    d = _only('investor fund "F" commits GBP 1m ranks 1, returns at most 9% a year\n'
              "waterfall surplus 50% to charity, 50% to charity\n", "SIB518")
    _at(d, 2, 35)
    d = _only('investor fund "F" commits GBP 1m ranks 1, returns at most 9% a year\n'
              "waterfall surplus 50% to charity, to payers\n", "SIB519")
    _at(d, 2, 35)
    d = _only('investor fund "F" commits GBP 1m ranks 1, returns at most 9% a year\n'
              "waterfall surplus to charity, 50% to payers\n", "SIB519")
    _at(d, 2, 19)
    assert d.hint == "with several recipients, each states its percentage: 50% to charity"


@pytest.mark.parametrize(("clause", "column", "code"), [
    ("interest GBP 5 a year", 10, "SIB201"),
    ("interest 5 a year", 10, "SIB201"),
    ("returns at most 3 weeks a year", 17, "SIB201"),
    ("interest 101% a year", 10, "SIB206"),
    ("returns at most 1001% a year", 17, "SIB206"),
    ("ranks 0", 1, "SIB206"),
    ("ranks 1.5", 1, "SIB205"),
    ("principal protected GBP 5 of principal by council", 1, "SIB201"),
    ("first loss 3 participants by council", 12, "SIB201"),
])
def test_unit_and_range_errors_in_terms(clause: str, column: int, code: str) -> None:
    d = _only(f'investor fund "F" commits GBP 1m\n{clause}\n', code)
    _at(d, 2, column)
    assert d.hint


def test_rate_hint_keeps_the_number() -> None:
    d = _only('investor fund "F" commits GBP 1m\ninterest GBP 5 a year\n', "SIB201")
    assert d.hint == "write the rate as a percentage: interest 5% a year"


def test_sib106_duplicates() -> None:
    d = _only('investor fund "F" commits GBP 1m\n  ranks 1\n  returns at most 9% a year\n  returns at most 8% a year\n'
              "waterfall surplus to payers\n", "SIB106")
    _at(d, 4, 3)
    d = _only('investor fund "F" commits GBP 1m ranks 1\nwaterfall recycles outcome payments needs GBP 1 each period\n'
              "  recycles outcome payments\n", "SIB106")
    _at(d, 3, 3)
    # a floor and a first loss may stand together; two floors may not
    d = _only('investor fund "F" commits GBP 1m ranks 1\n  principal protected 50% by council\n'
              "  first loss 10% by charity\n  principal protected 60% by charity\n", "SIB106")
    _at(d, 4, 3)


def test_sib303_and_sib302_dates() -> None:
    d = _only('investor fund "F" commits GBP 1m ranks 1, interest 5% a year until 2023-01-01\n', "SIB303")
    _at(d, 1, 43)
    d = _only('investor fund "F" commits GBP 1m ranks 1\nwaterfall distributes from 2019-12-31\n', "SIB303")
    _at(d, 2, 11)
    d = _only('investor fund "F" commits GBP 1m ranks 1\nwaterfall needs GBP 1 each period from 2021-01-01 '
              "until 2020-06-30\n", "SIB302")
    _at(d, 2, 11)
    # the run-off extends what maturity means
    _ok('run-off 12 months\ninvestor fund "F" commits GBP 1m ranks 1, interest 5% a year until 2023-06-30\n')


def test_sib601_investor_assertions() -> None:
    body = 'investor fund "F" commits GBP 1m ranks 1\n'
    d = _only(body + "assert investor fund returns at most GBP 5 a year\n", "SIB601")
    _at(d, 2, 38)
    d = _only(body + "assert investor fund loses at most 4 outcomes\n", "SIB601")
    _at(d, 2, 36)
    d = _only(body + "assert investor fund loses at most 101% of principal\n", "SIB206")
    _at(d, 2, 36)


def test_syntax_error_names_the_waterfall_form() -> None:
    _, diags = _compile('waterfall distributes weekly\n')
    (d,) = [x for x in diags if x.code == "SIB010"]
    assert "'at maturity'" in d.message and "'each'" in d.message and "'from'" in d.message


# ---------------------------------------------------------------- the published deals
def _contract(name: str) -> Contract:
    result = compile_file(CONTRACTS / name)
    assert result.model is not None, [d.message for d in result.diagnostics]
    assert not [d for d in result.diagnostics if d.severity.value in ("error", "warning")]
    return result.model


def test_benevolent_society_bond() -> None:
    c = _contract("benevolent-society-social-benefit-bond.sib")
    p, e = (next(i for i in c.investors if i.name == n) for n in ("p_class", "e_class"))
    assert (p.commitment_max, p.rank, p.return_cap) == (Decimal(7_500_000), 1, Decimal(10))
    assert p.protections == (Protection(kind="floor", share=Decimal(100), by="benevolent"),)
    assert (e.commitment_max, e.rank, e.return_cap, e.protections) == (Decimal(2_500_000), 2, Decimal(30), ())
    assert c.header.currency == "AUD"
    assert c.waterfall is not None and c.waterfall.distributes == "maturity"
    assert c.waterfall.surplus == (SurplusShare(to="*payers", share=Decimal(100)),)


def test_newpin_bond() -> None:
    c = _contract("newpin-social-benefit-bond.sib")
    (inv,) = c.investors
    assert inv.commitment_max == Decimal(7_000_000)
    assert inv.interest == Interest(rate=Decimal(5), until=date(2016, 6, 30), guaranteed_by="nsw")
    assert inv.interest.until is not None and (inv.interest.until - c.header.term_start).days in range(1090, 1100)
    assert inv.return_cap == Decimal(15)
    assert inv.protections == (Protection(kind="floor", share=Decimal(50), by="nsw"),)


def test_massachusetts_juvenile_justice() -> None:
    c = _contract("massachusetts-juvenile-justice-pfs.sib")
    by_name = {i.name: i for i in c.investors}
    assert by_name["goldman"].commitment_max == Decimal(9_000_000) and by_name["goldman"].rank == 1
    assert by_name["goldman"].interest == Interest(rate=Decimal(5))
    junior = [by_name["kresge"], by_name["living_cities"]]
    assert sum((j.commitment_max or Decimal(0) for j in junior), Decimal(0)) == Decimal(3_000_000)
    assert all(j.rank == 2 and j.interest == Interest(rate=Decimal(2)) for j in junior)
    grants = by_name["grantors"]
    assert (grants.commitment_max, grants.rank, grants.return_cap) == (Decimal(6_000_000), 3, Decimal(0))
    assert next(p for p in c.payers if p.name == "commonwealth").cap == Decimal(27_000_000)
    assert c.cohorts[0].size == 929
    w = c.waterfall
    assert w is not None and w.recycles and w.needs and w.surplus == (SurplusShare(to="commonwealth", share=Decimal(100)),)


def test_nyc_able_rikers() -> None:
    c = _contract("nyc-able-rikers.sib")
    (inv,) = c.investors
    assert inv.commitment_max == Decimal(9_600_000) and inv.rank == 1
    assert inv.protections == (Protection(kind="first_loss", amount=Decimal(7_200_000), by="mdrc"),)
    assert inv.return_cap is None and inv.interest is None
    assert c.payers[0].cap == Decimal(11_700_000)
    # the default waterfall: distributed each period, no surplus rule (the loan is uncapped)
    assert c.waterfall is not None and c.waterfall.distributes == "period" and c.waterfall.surplus == ()


def test_a_waterfall_without_investors_or_surplus_says_so_plainly() -> None:
    from sibdsl.compiler import compile_text as _compile

    text = ('contract "T" version 1\ncurrency GBP\nterm 2020-01-01 to 2021-12-31\npayer p "P"\ncohort c "C"\n'
            'outcome o "O" pays GBP 10\nwaterfall distributes at maturity\n')
    [d] = [d for d in _compile(text).diagnostics if d.code == "SIB513"]
    assert d.message == "the waterfall has no investor and no `surplus` rule: what is left over has no place"
    assert (d.span.line, d.span.column) == (7, 1)
