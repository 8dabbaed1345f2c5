"""Honest figures (issue 8, items 1 and 6): a figure is called exact only when a witness ledger,
settled by the engine, reaches it; every other figure is shown as a bound ("at most X (an
upper bound: why)") in `sibc check --facts`, `sibc report` and the JSON, which carries
`exact` and `bound` on every figure; the report's Risks section lists every warning that
`sibc check` gives on the same file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from sibdsl.analysis.exposure import LIABILITY_WITNESS_CLAIMS, _best_of, exposure
from sibdsl.analysis.witness import cohort_claims, participant_claims
from sibdsl.cli.main import cli
from sibdsl.compiler import compile_file, compile_text
from sibdsl.model.contract import Contract
from sibdsl.settlement.engine import settle
from sibdsl.settlement.records import Status
from tests.issue_cases import PAYER_AFTER_CAP_FIGURES

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
HEAD = 'contract "H" version 1\ncurrency GBP\nterm 2020-01-01 to 2021-12-31\n'

# a contract cap no witness of 10,000 participants can reach: it was called exact, and
# "binds once 10,000,000 participants reach their maximum" beside a cohort without a size
FAR_CAP = HEAD + """payer p "P" pays 100%
cohort c "C"
outcome o "O" pays GBP 100
cap contract GBP 1,000,000,000
"""

# a's cap cuts its part of the one claim: the participant is paid GBP 600, not GBP 1,000
PAYER_CUT = HEAD + """payer a "A" pays 50%, at most GBP 100
payer b "B" pays 50%
cohort c "C" at most 1 participants
outcome x "X" pays GBP 1,000
"""

# the issue's first case: b's figure is a bound (a's cap stops its part, b keeps paying)
PAYER_AFTER_CAP = PAYER_AFTER_CAP_FIGURES

SCALED = HEAD + """payer p "P" pays 100%
cohort c "C" at most 5 participants
outcome s "S" pays GBP 400 scaled by "score": 0% at 0.5, 100% at 1.4
"""

WARNED = HEAD + """payer p "P" pays 100%
cohort c "C" at most 10 participants
outcome o "O" pays GBP 100 unlimited
cap contract GBP 1,000
"""


def model(src: str) -> Contract:
    result = compile_text(src)
    assert result.model is not None, [d.message for d in result.diagnostics]
    return result.model


def write(tmp_path: Path, src: str, name: str = "h.sib") -> Path:
    path = tmp_path / name
    path.write_text(src, encoding="utf-8")
    return path


def facts(path: Path) -> dict[str, object]:
    out = CliRunner().invoke(cli, ["check", "--no-search", "--facts", "--format", "json", str(path)]).output
    return json.loads(out)["facts"][str(path)]  # type: ignore[no-any-return]


def paid(contract: Contract, claims: list) -> Decimal:  # type: ignore[type-arg]
    return sum((d.amount for d in settle(contract, claims).decisions if d.status is not Status.REJECTED), Decimal(0))


def test_a_contract_cap_no_witness_reaches_is_a_bound_not_exact(tmp_path: Path) -> None:
    """Was: 'maximum liability: GBP 1,000,000,000.00, set by the contract cap' (exact) and
    'binds once 10,000,000 participants reach their maximum' with nothing settled."""
    found = exposure(model(FAR_CAP))
    assert found.liability == Decimal(1_000_000_000) and not found.exact
    assert f"{LIABILITY_WITNESS_CLAIMS:,} claims" in found.bound_reason
    path = write(tmp_path, FAR_CAP)
    out = CliRunner().invoke(cli, ["check", "--no-search", "--facts", str(path)]).output
    assert "maximum liability: at most GBP 1,000,000,000.00, set by the contract cap (an upper bound: no witness" \
        in out
    assert "binds once payments reach it" in out and "participants reach their maximum" not in out
    doc = facts(path)
    assert doc["liability_exact"] is False and "no witness" in str(doc["liability_bound"])
    report = CliRunner().invoke(cli, ["report", str(path)]).output
    assert "Maximum liability: at most GBP 1,000,000,000.00" in report


def test_a_participant_maximum_its_witness_does_not_reach_is_a_bound() -> None:
    """Was: 'c: GBP 1,000.00' (exact); settling the one claim pays GBP 600 (a's part is cut)."""
    contract = model(PAYER_CUT)
    found = exposure(contract)
    assert found.best is not None and found.best.amount == Decimal(1000)
    assert not found.best.exact and "no witness ledger settled by the engine reaches it" in found.best.note
    assert found.best.reached == Decimal(600)
    assert paid(contract, participant_claims(contract, "p1", "c", None, [("x", 1)])) == Decimal(600)


def test_a_scaled_outcomes_witness_is_measured_at_its_best_point() -> None:
    """Was: the witness carried no measured value and was paid GBP 0 beside an exact GBP 400."""
    contract = model(SCALED)
    found = exposure(contract)
    assert found.best is not None and found.best.exact and found.best.amount == Decimal(400)
    claims = participant_claims(contract, "p1", "c", None, found.best.selection)
    assert paid(contract, claims) == Decimal(400)
    assert found.exact and found.liability == Decimal(2000) and found.witness_participants == 5


def test_payer_figures_carry_exact_and_bound_in_json_and_show_bounds_as_bounds(tmp_path: Path) -> None:
    """Was: `payers[...]` held only max and why; --facts printed 'b: GBP 900.00 (...)'."""
    path = write(tmp_path, PAYER_AFTER_CAP)
    doc = facts(path)
    payers = doc["payers"]
    assert isinstance(payers, dict)
    assert payers["b"]["exact"] is False and payers["b"]["bound"]
    assert all("exact" in p and "bound" in p for p in payers.values())
    out = CliRunner().invoke(cli, ["check", "--no-search", "--facts", str(path)]).output
    b_line = next(line for line in out.splitlines() if line.strip().startswith("b: "))
    assert b_line.strip().startswith("b: at most GBP ") and "an upper bound" in b_line
    report = CliRunner().invoke(cli, ["report", "--markdown", str(path)]).output
    assert "| B (b) | 50% | at most GBP " in report


def test_every_figure_in_the_json_says_exact_or_why_it_is_a_bound() -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["check", "--no-search", "--facts", "--format", "json", str(CONTRACTS)]).output
    for name, doc in json.loads(out)["facts"].items():
        assert isinstance(doc["liability_exact"], bool), name
        assert doc["liability_exact"] or doc["liability_bound"], name
        for figure in [*doc["participant_max"], *doc["limits"], *doc["payers"].values()]:
            assert isinstance(figure["exact"], bool), (name, figure)
            assert figure["exact"] == (figure["bound"] is None), (name, figure)


def test_every_exact_figure_of_the_published_contracts_is_reached_by_a_settled_witness() -> None:
    """The liability and each payer's figure called exact: the cohort witness, settled, pays it;
    each participant maximum called exact: its selection, settled, pays it."""
    for path in sorted(CONTRACTS.glob("*.sib")):
        contract = compile_file(path).model
        assert contract is not None
        found = exposure(contract)
        for m in found.participants:
            if m.exact and not m.unbounded:
                claims = participant_claims(contract, "p1", m.cohort, m.subgroup, m.selection)
                assert paid(contract, claims) == m.amount, (path.name, m.cohort, m.subgroup)
        if not found.exact or found.liability is None:
            assert not any(p.exact for p in found.payer_bounds.values() if p.most != found.liability), path.name
            continue
        target = None if found.set_by.startswith("the participants") else found.liability
        built = cohort_claims(contract, _best_of(contract, found), target, LIABILITY_WITNESS_CLAIMS, 10_000)
        assert built is not None and built[1] == found.witness_participants, path.name
        result = settle(contract, built[0])
        assert result.figures.total_money == found.liability, path.name
        for name, p in found.payer_bounds.items():
            if p.exact:
                assert result.figures.payer_money[name] == p.most, (path.name, name)


def test_fair_chance_fund_liability_and_payer_caps_are_exact_by_their_witness() -> None:
    """The contract cap is reached by 168 participants who each earn GBP 15,000, and the same
    settlement makes each payer pay exactly its own cap: exact, by a witness, not by assumption."""
    contract = compile_file(CONTRACTS / "fair-chance-fund.sib").model
    assert contract is not None
    found = exposure(contract)
    assert found.exact and found.witness_participants == 168
    assert all(p.exact for p in found.payer_bounds.values())


def test_the_reports_risks_list_the_warnings_check_gives(tmp_path: Path) -> None:
    """Was: '- none found by the analysis' beside `sibc check`'s SIB413 warning."""
    path = write(tmp_path, WARNED)
    checked = CliRunner().invoke(cli, ["check", "--no-search", str(path)]).output
    assert "warning[SIB413]" in checked
    report = CliRunner().invoke(cli, ["report", "--markdown", str(path)]).output
    risks = report.split("## Risks", 1)[1].split("\n## ", 1)[0]
    assert "SIB413" in risks and "can be paid any number of times" in risks
    assert "none found" not in risks


def test_the_reports_risks_list_a_refuted_assertion(tmp_path: Path) -> None:
    path = write(tmp_path, WARNED + "assert total payments are at most GBP 500\n")
    report = CliRunner().invoke(cli, ["report", "--markdown", str(path)]).output
    risks = report.split("## Risks", 1)[1].split("\n## ", 1)[0]
    assert "SIB711" in risks and "total payments are at most GBP 500" in risks
