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

from sibdsl.analysis.budget import WITNESS_CLAIMS
from sibdsl.analysis.exposure import LIABILITY_WITNESS_CLAIMS, WITNESS, exposure
from sibdsl.analysis.witness import participant_claims
from sibdsl.cli.main import cli
from sibdsl.compiler import compile_file, compile_text
from sibdsl.model.contract import Contract
from sibdsl.settlement.engine import settle
from sibdsl.settlement.records import Status
from tests.issue_cases import PAYER_AFTER_CAP_FIGURES, ROUNDED_PARTS

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
    path = write(tmp_path, ROUNDED_PARTS)
    doc = facts(path)
    payers = doc["payers"]
    assert isinstance(payers, dict)
    assert payers["b"]["exact"] is False and payers["b"]["bound"]
    assert all("exact" in p and "bound" in p for p in payers.values())
    out = CliRunner().invoke(cli, ["check", "--no-search", "--facts", str(path)]).output
    b_line = next(line for line in out.splitlines() if line.strip().startswith("b: "))
    assert b_line.strip().startswith("b: at most GBP ") and "an upper bound" in b_line
    report = CliRunner().invoke(cli, ["report", "--markdown", str(path)]).output
    assert "| B (b) | 70% | at most GBP " in report


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
            if m.exact and not m.unbounded and m.amount > 0:  # (nothing paid: the empty ledger is the witness)
                assert m.witness, (path.name, m.cohort, m.subgroup)
                settled = settle(contract, m.witness)
                assert sum((d.amount for d in settled.decisions if d.status is not Status.REJECTED
                            and d.participant == WITNESS), Decimal(0)) == m.amount, (path.name, m.cohort, m.subgroup)
                assert {c.cohort for c in m.witness if c.participant == WITNESS} == {m.cohort}
                assert {c.subgroup for c in m.witness if c.participant == WITNESS} == {m.subgroup}
        if not found.exact or found.liability is None:
            assert not any(p.exact for p in found.payer_bounds.values() if p.most != found.liability), path.name
            continue
        assert len({c.participant for c in found.witness}) == found.witness_participants, path.name
        result = settle(contract, found.witness)
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


def _witness_pay(contract: Contract, ledger: list) -> Decimal:  # type: ignore[type-arg]
    return sum((d.amount for d in settle(contract, ledger).decisions
                if d.status is not Status.REJECTED and d.participant == WITNESS), Decimal(0))


TIER_LATE = HEAD + """payer p "P" pays 100%
cohort c "C" at most 10 participants
outcome t "T" pays tiered GBP 50 for outcomes 1 to 3, GBP 500 from outcome 4
"""


def test_a_best_band_reached_after_other_participants_is_exact_by_a_witness_with_fillers() -> None:
    """Was: 'at most GBP 500.00 (an upper bound ...)', the best found GBP 50.00: one participant
    alone is paid the first band. Three filler participants claim first; the witness gets 500."""
    contract = model(TIER_LATE)
    found = exposure(contract)
    (m,) = found.participants
    assert m.exact and m.amount == Decimal(500)
    assert len({c.participant for c in m.witness}) == 4 and _witness_pay(contract, m.witness) == Decimal(500)
    alone = [c for c in m.witness if c.participant == WITNESS]
    assert paid(contract, alone) == Decimal(50)  # the fillers are needed
    small = model(TIER_LATE.replace("at most 10 participants", "at most 3 participants"))
    (m,) = exposure(small).participants  # no room for three fillers and the witness: a bound
    assert not m.exact and m.amount == Decimal(500) and m.reached == Decimal(50)


def test_a_sub_group_under_a_share_cap_is_exact_by_a_witness_with_fillers_outside_it() -> None:
    contract = model(HEAD + """payer p "P" pays 100%
cohort c "C" at most 20 participants
  subgroup s "S"
outcome a "A" pays GBP 100 for s, otherwise GBP 10
outcome b "B" pays GBP 200 for s, otherwise GBP 10
cap subgroup s 50% of paid outcomes then reject
""")
    found = exposure(contract)
    m = next(x for x in found.participants if x.subgroup == "s")
    assert m.exact and m.amount == Decimal(300) and _witness_pay(contract, m.witness) == Decimal(300)
    assert {c.subgroup for c in m.witness if c.participant != WITNESS} == {None}


def test_an_indexed_last_step_is_claimed_on_its_last_payable_day() -> None:
    contract = model(HEAD + """payer p "P" pays 100%
cohort c "C" at most 5 participants
outcome o "O" pays GBP 1,000 indexed 10% a year from 2020-01-01
""")
    (m,) = exposure(contract).participants
    assert m.exact and m.amount == Decimal(1100)  # the anniversary 2021-01-01 is in the term
    assert [c.achieved.isoformat() for c in m.witness] == ["2021-12-31"]


def test_a_liability_under_share_caps_and_tiers_is_exact_by_a_mixed_witness() -> None:
    """Was: 'a witness of 396 participants ... is paid USD 2,600.00 only' (all in one sub-group,
    which its 70% share cap rejects): participants of every sub-group in turn reach the cap. The
    contract's shares are measured each period; here they run claim by claim, as they used to."""
    text = (CONTRACTS / "tiered-and-cohort-outcomes.sib").read_text(encoding="utf-8")
    assert text.count("70% of paid outcomes, measured each period") == 2
    contract = compile_text(text.replace("70% of paid outcomes, measured each period",
                                         "70% of paid outcomes then reject"), "running.sib").model
    assert contract is not None
    found = exposure(contract)
    assert found.exact and found.liability == Decimal(1_500_000)
    assert {c.subgroup for c in found.witness} == {None, "vulnerable", "very_vulnerable"}
    assert settle(contract, found.witness).figures.total_money == Decimal(1_500_000)
    contract_cap = next(c for c in found.caps if c.scope == "contract")
    assert contract_cap.when.startswith(f"binds: a witness of {found.witness_participants:,} participants")


def test_the_figures_shown_settle_a_larger_liability_witness_than_check(tmp_path: Path) -> None:
    """The cofunded partnership's contract cap needs a 30,770-claim witness: above `sibc check`'s
    20,000, within the 100,000 of --facts and the report, which call it exact."""
    path = CONTRACTS / "cofunded-outcomes-partnership.sib"
    contract = compile_file(path).model
    assert contract is not None
    assert not exposure(contract).exact
    assert exposure(contract, witness_claims=WITNESS_CLAIMS).exact
    assert facts(path)["liability_exact"] is True
    checked = CliRunner().invoke(cli, ["check", "--no-search", str(path)]).output
    assert "total payments are at most GBP 22,000,000; the maximum liability is GBP 22,000,000.00" in checked
    assert "(an upper bound: no witness ledger of at most 20,000 claims" in checked
    report = CliRunner().invoke(cli, ["report", "--markdown", str(path)]).output
    assert "binds once 3,077 participants reach their maximum of GBP 7,150.00" in report


def test_the_liability_under_shares_measured_each_period_is_exact_by_a_settled_witness() -> None:
    """tiered-and-cohort-outcomes measures its 70% shares each period: the contract cap is
    still reached, by a witness that settlement pays in full."""
    contract = compile_file(CONTRACTS / "tiered-and-cohort-outcomes.sib").model
    assert contract is not None and all(c.measured_share for c in contract.caps if c.measure == "share")
    found = exposure(contract)
    assert found.exact and found.liability == Decimal(1_500_000)
    assert settle(contract, found.witness).figures.total_money == Decimal(1_500_000)
