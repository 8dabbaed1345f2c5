"""The settlement guarantees, proven with hypothesis over generated contracts and ledgers.

For rate cards with caps of every scope, shares, payer caps, exclusive groups, ladders, tiers,
sub-group prices and sliding scales, and for every contract in contracts/: no cap is
exceeded; a claim id pays once; no outcome above its repeat limit; at most k of an exclusive
group; no ladder step before its prerequisite; shares add up to payments and payments to
invoices; shuffling the ledger changes nothing; settling a prefix decides it the same way.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sibdsl.compiler import compile_file, compile_text
from sibdsl.model.contract import Contract
from sibdsl.search.properties import all_violations, settle_again_checks
from sibdsl.search.strategies import claims_for
from sibdsl.settlement.engine import settle

CONTRACTS = sorted((Path(__file__).resolve().parents[1] / "contracts").glob("*.sib"))
SHARES = [["100%"], ["70%", "30%"], ["33.33%", "33.33%", "33.34%"], ["50%", "25%", "25%"]]
PRICES = ["GBP 0.01", "GBP 0.03", "GBP 100", "GBP 250.50", "GBP 500", "GBP 1,000", "GBP 2,500"]


@st.composite
def contracts(draw: st.DrawFn) -> str:
    lines = ['contract "Generated" version 1', "currency GBP", "term 2020-01-01 to 2021-12-31",
             f"settled {draw(st.sampled_from(['monthly', 'quarterly', 'yearly']))} in arrears",
             f"rounding {draw(st.sampled_from(['half up', 'half even', 'down']))} to GBP 0.01"]
    shares = draw(st.sampled_from(SHARES))
    contract_cap = draw(st.sampled_from([None, 1000, 3000, 20000]))
    for i, share in enumerate(shares):
        cap = ""
        if i == 0 and len(shares) > 1 and draw(st.booleans()):
            cap = f", at most GBP {draw(st.sampled_from([50, 400, 900]))}"
        lines.append(f'payer p{i} "Payer {i}" pays {share} of each outcome payment{cap}')
    subgroups = draw(st.booleans())
    lines.append(f'cohort people "People" at most {draw(st.integers(2, 6))} participants, '
                 "referred 2020-01-01 to 2021-06-30")
    if subgroups:
        lines += ['  subgroup sa "A"', '  subgroup sb "B"']
    n = draw(st.integers(1, 6))
    names = [f"o{i}" for i in range(n)]
    for i, name in enumerate(names):
        kind = draw(st.sampled_from(["fixed", "fixed", "tiered", "sliding"] + (["subgroup"] if subgroups else [])))
        price = draw(st.sampled_from(PRICES))
        if kind == "fixed":
            tariff = f"pays {price}"
        elif kind == "tiered":
            tariff = f"pays tiered {price} for outcomes 1 to 2, GBP 75 for 3 to 4, GBP 10 from 5 onwards"
        elif kind == "sliding":
            tariff = f'pays {price} scaled by "score": 0% at 0.5, 100% at 1.4'
        else:
            tariff = f"pays {price} for sa" + (", otherwise GBP 20" if draw(st.booleans()) else ", GBP 60 for sb")
        rules = []
        if i and draw(st.booleans()):
            before = draw(st.sampled_from(names[:i]))
            delay = draw(st.sampled_from(["", " at least 1 month", " at least 2 weeks by 6 months"]))
            rules.append(f"after {before}{delay}")
        if draw(st.booleans()):
            rules.append(f"within {draw(st.sampled_from(['3 months', '12 months', '60 days']))} of start")
        repeat = draw(st.sampled_from(["", "up to 2 times per participant", "unlimited"]))
        if repeat:
            rules.append(repeat)
        lines.append(f'outcome {name} "Outcome {i}" {tariff} ' + " ".join(rules))
        if repeat == "unlimited" or draw(st.integers(0, 3)) == 0:
            measure = draw(st.sampled_from(["3 outcomes", "GBP 700"]))
            lines.append(f"cap outcome {name} {measure}" + (" then reject" if draw(st.booleans()) else ""))
    if n >= 2 and draw(st.booleans()):
        members = draw(st.lists(st.sampled_from(names), min_size=2, max_size=n, unique=True))
        lines.append(f"only one of {', '.join(members)} per participant")
    if draw(st.booleans()):
        lines.append(f"cap per participant GBP {draw(st.sampled_from([300, 1200, 5000]))}")
    if draw(st.booleans()):
        lines.append(f"cap per period GBP {draw(st.sampled_from([600, 2000]))}")
    if draw(st.booleans()):
        lines.append(f"cap per year GBP {draw(st.sampled_from([900, 4000]))}")
    if subgroups and draw(st.booleans()):
        lines.append(f"cap subgroup sa {draw(st.sampled_from(['50%', '70%']))} of paid outcomes")
    if subgroups and draw(st.booleans()):
        lines.append("cap subgroup sb GBP 800 then reject")
    if contract_cap is not None:
        lines.append(f"cap contract GBP {contract_cap:,}" + (" then reject" if draw(st.booleans()) else ""))
    return "\n".join(lines) + "\n"


def compiled(src: str) -> Contract:
    result = compile_text(src, "generated.sib")
    errors = [f"{d.code} {d.span.line}: {d.message}" for d in result.diagnostics if d.severity.value == "error"]
    assert result.model is not None, (errors, src)
    return result.model


def check(contract: Contract, claims: list, seed: int) -> None:  # type: ignore[type-arg]
    result = settle(contract, claims)
    problems = all_violations(result) + settle_again_checks(contract, claims, result, settle, random.Random(seed))
    assert not problems, problems


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_guarantees_hold_on_generated_contracts(data: st.DataObject) -> None:
    src = data.draw(contracts(), label="contract")
    contract = compiled(src)
    claims = data.draw(claims_for(contract, max_claims=30), label="ledger")
    check(contract, claims, data.draw(st.integers(0, 1000), label="seed"))


@pytest.mark.parametrize("path", CONTRACTS, ids=[p.stem for p in CONTRACTS])
def test_guarantees_hold_on_real_contracts(path: Path) -> None:
    model = compile_file(path).model
    assert model is not None

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(claims_for(model, max_claims=40), st.integers(0, 1000))
    def run(claims: list, seed: int) -> None:  # type: ignore[type-arg]
        check(model, claims, seed)

    run()


def test_the_properties_can_fail() -> None:
    """The property checks are not vacuous: a tampered settlement is caught."""
    contract = compiled('contract "T"\ncurrency GBP\nterm 2020-01-01 to 2020-12-31\npayer a "A" pays 50%\n'
                        'payer b "B" pays 50%\noutcome o "O" pays GBP 100\ncap contract GBP 150\n')
    from datetime import date
    from decimal import Decimal

    from sibdsl.settlement.records import Claim

    result = settle(contract, [Claim("c1", "p1", "o", date(2020, 2, 1)), Claim("c2", "p2", "o", date(2020, 3, 1))])
    assert all_violations(result) == []
    result.decisions[1].amount = Decimal(100)  # pretend the cap did not bind
    result.decisions[1].shares = {"a": Decimal(50), "b": Decimal("49.99")}
    problems = all_violations(result)
    assert any("cap contract" in p for p in problems)
    assert any("shares add to" in p for p in problems)
