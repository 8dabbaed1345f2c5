"""The exact analysis: the most one participant can be paid equals the most that exhaustively
settling every possible ledger for that participant pays; refuted assertions' witnesses
really break them; the figures agree with the published sources."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sibdsl.analysis.exposure import exposure
from sibdsl.analysis.participant import participant_max
from sibdsl.analysis.verdicts import verdicts
from sibdsl.analysis.witness import participant_claims
from sibdsl.cli.main import cli
from sibdsl.compiler import compile_file, compile_text
from sibdsl.model.contract import Contract
from sibdsl.settlement.engine import settle
from sibdsl.settlement.records import Status

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"


@st.composite
def small_contracts(draw: st.DrawFn) -> str:
    lines = ['contract "Small" version 1', "currency GBP", "term 2020-01-01 to 2021-12-31",
             'payer p "P" pays 100%', 'cohort c "C" at most 3 participants, referred 2020-01-01 to 2020-06-30']
    subgroups = draw(st.booleans())
    if subgroups:
        lines += ['  subgroup sa "A"', '  subgroup sb "B"']
    n = draw(st.integers(1, 4))
    names = [f"o{i}" for i in range(n)]
    for i, name in enumerate(names):
        price = draw(st.sampled_from([100, 250, 400, 700, 1000]))
        tariff = f"pays GBP {price}" if not subgroups or draw(st.booleans()) else \
            f"pays GBP {price} for sa, otherwise GBP {draw(st.sampled_from([50, 900]))}"
        rules = []
        if i and draw(st.booleans()):
            rules.append(f"after {draw(st.sampled_from(names[:i]))}"
                         + draw(st.sampled_from(["", " at least 2 months", " at least 9 months"])))
        if draw(st.booleans()):
            rules.append(f"within {draw(st.sampled_from(['3 months', '12 months']))} of start")
        rules.append(draw(st.sampled_from(["", "up to 2 times per participant", "up to 3 times per participant"])))
        lines.append(f'outcome {name} "O{i}" {tariff} ' + " ".join(rules))
        if draw(st.integers(0, 4)) == 0:
            lines.append(f"cap outcome {name} {draw(st.sampled_from(['1 outcomes', '2 outcomes']))}")
    if n >= 2 and draw(st.booleans()):
        members = draw(st.lists(st.sampled_from(names), min_size=2, max_size=n, unique=True))
        lines.append(f"only {draw(st.sampled_from(['one', '1']))} of {', '.join(members)} per participant")
    if draw(st.booleans()):
        behaviour = draw(st.sampled_from(["", " then reject"]))
        lines.append(f"cap per participant GBP {draw(st.sampled_from([500, 1200, 2000]))}{behaviour}")
    return "\n".join(lines) + "\n"


def exhaustive_max(contract: Contract, subgroup: str | None) -> Decimal:
    """Settle every combination of outcomes (each 0..its repeat limit times) for one participant."""
    outcomes = contract.outcomes
    ranges = [range(o.repeat_limit + 1) for o in outcomes]
    best = Decimal(0)
    for counts in itertools.product(*ranges):
        selection = [(o.name, k) for o, k in zip(outcomes, counts, strict=True) if k]
        claims = participant_claims(contract, "p1", "c", subgroup, selection)
        paid = sum((d.amount for d in settle(contract, claims).decisions if d.status is not Status.REJECTED),
                   Decimal(0))
        best = max(best, paid)
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(small_contracts())
def test_participant_max_equals_exhaustive_settlement(src: str) -> None:
    result = compile_text(src)
    assert result.model is not None, [d.message for d in result.diagnostics]
    contract = result.model
    for subgroup in [None, *(s.name for c in contract.cohorts for s in c.subgroups)]:
        exact = participant_max(contract, "c", subgroup)
        assert exact.amount == exhaustive_max(contract, subgroup), (src, subgroup, exact)
        witness = participant_claims(contract, "p1", "c", subgroup, exact.selection)
        paid = sum((d.amount for d in settle(contract, witness).decisions if d.status is not Status.REJECTED),
                   Decimal(0))
        assert paid == exact.amount  # the set of outcomes found really reaches it


def test_refuted_assertions_are_broken_by_their_witness() -> None:
    src = """contract "R" version 1
currency GBP
term 2020-01-01 to 2021-12-31
payer a "A" pays 60%
payer b "B" pays 40%
cohort c "C" at most 10 participants
outcome job "Job" pays GBP 10,000 up to 2 times per participant
outcome stay "Stay" pays GBP 500 after job at least 1 month
cap per participant GBP 20,000
assert each participant is paid at most GBP 15,000
assert total payments are at most GBP 100,000
assert payer b pays at most GBP 50,000
assert job is never paid twice
assert stay is never paid twice
"""
    contract = compile_text(src).model
    assert contract is not None
    found = verdicts(contract, exposure(contract))
    status = {v.assertion.text: v.status for v in found}
    assert status == {
        "each participant is paid at most GBP 15,000": "refuted",
        "total payments are at most GBP 100,000": "refuted",
        "payer b pays at most GBP 50,000": "refuted",
        "job is never paid twice": "refuted",
        "stay is never paid twice": "proven",
    }
    for v in found:
        if v.status != "refuted":
            continue
        result = settle(contract, v.witness)
        paid = [d for d in result.decisions if d.status is not Status.REJECTED]
        assert v.assertion.value is None or any((
            v.assertion.kind == "participant_max" and max(
                sum(d.amount for d in paid if d.participant == p) for p in {d.participant for d in paid}) >
            v.assertion.value,
            v.assertion.kind == "total_max" and result.figures.total_money > v.assertion.value,
            v.assertion.kind == "payer_max" and result.figures.payer_money["b"] > v.assertion.value,
        ))
        if v.assertion.kind == "never_twice":
            assert sum(1 for d in paid if d.outcome == v.assertion.subject) > 1


def test_published_figures() -> None:
    """The per-individual maxima the sources state."""
    cases = {"fair-chance-fund": "15000", "dwp-innovation-fund-card-a": "8200", "dwp-innovation-fund-card-b": "11700"}
    for name, amount in cases.items():
        model = compile_file(CONTRACTS / f"{name}.sib").model
        assert model is not None
        found = exposure(model)
        assert found.best is not None and found.best.amount == Decimal(amount), name
    fcf = compile_file(CONTRACTS / "fair-chance-fund.sib").model
    assert fcf is not None
    found = exposure(fcf)
    assert found.liability == Decimal("2513800") and found.set_by == "the contract cap" and found.exact
    contract_cap = next(c for c in found.caps if c.scope == "contract")
    assert contract_cap.when == "binds once 168 participants reach their maximum of GBP 15,000.00"


def test_facts_and_report_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["check", "--no-search", "--facts", str(CONTRACTS / "fair-chance-fund.sib")]).output
    assert "maximum liability: GBP 2,513,800.00, set by the contract cap" in out
    assert "note[SIB720]: assertion proven: each participant is paid at most GBP 15,000" in out
    doc = json.loads(runner.invoke(cli, ["check", "--no-search", "--facts", "--format", "json",
                                         str(CONTRACTS / "fair-chance-fund.sib")]).output)
    facts = doc["facts"][str(CONTRACTS / "fair-chance-fund.sib")]
    assert Decimal(facts["liability"]) == Decimal("2513800") and facts["participant_max"][0]["amount"] == "15000"
    report = runner.invoke(cli, ["report", "--markdown", str(CONTRACTS / "fair-chance-fund.sib")])
    assert report.exit_code == 0 and "## Who pays" in report.output and "| proven |" in report.output


def test_assertions_the_analysis_cannot_decide_are_left_to_the_search(tmp_path: Path) -> None:
    path = tmp_path / "order.sib"
    path.write_text("""contract "Order" version 1
currency GBP
term 2020-01-01 to 2021-12-31
payer p "P" pays 100%
investor bank "Bank" commits GBP 1m
outcome o "O" pays GBP 100
tranche first GBP 10 on 2020-01-01
tranche second GBP 10 when payments reach GBP 100
assert tranche first is released before second
""", encoding="utf-8")
    cx = ["--counterexample-dir", str(tmp_path / "cx")]
    out = CliRunner().invoke(cli, ["check", "--examples", "30", *cx, str(path)]).output
    assert "note[SIB722]: assertion not decided by the analysis" in out
    assert "the property search checked it instead" in out
    dated = path.read_text().replace("tranche second GBP 10 when payments reach GBP 100",
                                     "tranche second GBP 10 on 2020-06-01")
    path.write_text(dated, encoding="utf-8")
    out = CliRunner().invoke(cli, ["check", "--no-search", *cx, str(path)]).output
    assert "note[SIB720]: assertion proven: tranche first is released before second" in out
    path.write_text(dated.replace("on 2020-06-01", "on 2019-12-31").replace("term 2020", "term 2019"),
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--no-search", *cx, str(path)])
    assert result.exit_code == 1 and "error[SIB711]: assertion refuted by the exact analysis" in result.output


@st.composite
def tiny_contracts(draw: st.DrawFn) -> str:
    """Two participants at most, two payers, optional contract and payer caps."""
    lines = ['contract "Tiny" version 1', "currency GBP", "term 2020-01-01 to 2021-12-31",
             'payer a "A" pays 70%' + draw(st.sampled_from(["", ", at most GBP 600"])), 'payer b "B" pays 30%',
             'cohort c "C" at most 2 participants, referred 2020-01-01 to 2020-06-30']
    n = draw(st.integers(1, 3))
    names = [f"o{i}" for i in range(n)]
    for i, name in enumerate(names):
        rules = []
        if i and draw(st.booleans()):
            rules.append(f"after {draw(st.sampled_from(names[:i]))}")
        rules.append(draw(st.sampled_from(["", "up to 2 times per participant"])))
        lines.append(f'outcome {name} "O{i}" pays GBP {draw(st.sampled_from([100, 250, 400]))} ' + " ".join(rules))
    if n >= 2 and draw(st.booleans()):
        lines.append(f"only one of {', '.join(names[:2])} per participant")
    if draw(st.booleans()):
        lines.append(f"cap per participant GBP {draw(st.sampled_from([300, 700]))}")
    if draw(st.booleans()):
        lines.append(f"cap contract GBP {draw(st.sampled_from([500, 900, 5000]))}")
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(tiny_contracts())
def test_liability_and_payer_maxima_equal_exhaustive_settlement(src: str) -> None:
    contract = compile_text(src).model
    assume(contract is not None)  # a payer cap above the contract cap is an error (SIB402)
    assert contract is not None
    found = exposure(contract)
    selections = [[(o.name, k) for o, k in zip(contract.outcomes, counts, strict=True) if k]
                  for counts in itertools.product(*[range(o.repeat_limit + 1) for o in contract.outcomes])]
    best_total, best_a = Decimal(0), Decimal(0)
    for first, second in itertools.product(selections, repeat=2):
        claims = participant_claims(contract, "p1", "c", None, first)
        claims += participant_claims(contract, "p2", "c", None, second, len(claims))
        result = settle(contract, claims)
        best_total = max(best_total, result.figures.total_money)
        best_a = max(best_a, result.figures.payer_money["a"])
    assert found.liability is not None and best_total <= found.liability, (src, found.set_by)
    if found.exact:
        assert found.liability == best_total, (src, found.set_by)
    most_a, _ = found.payers["a"]
    assert most_a is not None and best_a <= most_a, src
    assert most_a - best_a <= Decimal("0.01"), src  # a payer's figure is its share of the total, to the penny


def test_tranches_that_can_never_be_released(tmp_path: Path) -> None:
    path = tmp_path / "t.sib"
    path.write_text("""contract "T" version 1
currency GBP
term 2020-01-01 to 2021-12-31
payer p "P" pays 100%
investor bank "Bank" commits GBP 1m
cohort c "C" at most 10 participants
outcome o "O" pays GBP 100
cap contract GBP 1,000
tranche reachable GBP 10 when payments reach GBP 1,000
tranche too_much GBP 10 when payments reach GBP 5,000
tranche too_many GBP 10 when participants reach 11 participants
""", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--no-search", str(path)])
    assert result.exit_code == 0  # warnings
    assert "warning[SIB723]: tranche 'too_much' can never be released: payments can reach at most GBP 1,000.00" \
        in result.output
    assert "tranche 'too_many' can never be released" in result.output
    assert "'reachable'" not in result.output
