"""The most paid in one settlement period (issue 8, item 2: per period): a sound bound (the cap
per period or the whole maximum liability), exact only by a settled witness of participants who
all start on one day; `assert each period pays at most` proven from it or
refuted by that witness; shown by --facts (text and JSON) and the report."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from sibdsl.analysis.budget import WITNESS_CLAIMS
from sibdsl.analysis.exposure import exposure
from sibdsl.analysis.periods import most_in_a_period
from sibdsl.analysis.verdicts import verdicts
from sibdsl.cli.main import cli
from sibdsl.compiler import compile_text
from sibdsl.model.contract import Contract
from sibdsl.settlement.engine import settle

BASE = """contract "periods" version 1
currency GBP
term 2020-01-01 to 2022-12-31
settled quarterly in arrears
payer p "P"
cohort c "C" at most 40 participants
outcome entry "Entry" pays GBP 100
outcome stay "Stay" pays GBP 400 after entry at least 6 months
"""


def _model(text: str) -> Contract:
    model = compile_text(text, "p.sib").model
    assert model is not None
    return model


def test_a_period_cap_is_the_most_in_a_period_and_a_witness_reaches_it() -> None:
    contract = _model(BASE + "cap per period GBP 1,000\n")
    pm = exposure(contract, witness_claims=WITNESS_CLAIMS).period
    assert pm is not None and pm.most == Decimal(1000) and pm.set_by == "the cap per period"
    assert pm.exact and most_in_a_period(settle(contract, pm.witness)) == Decimal(1000)
    assert len({c.start for c in pm.witness}) == 1  # every participant starts on one day


def test_without_a_period_cap_the_whole_liability_bounds_a_period() -> None:
    contract = _model(BASE)
    pm = exposure(contract, witness_claims=WITNESS_CLAIMS).period
    assert pm is not None and pm.most == Decimal(20_000) and pm.set_by == "the maximum liability"
    # the 40 stays (GBP 400 each) fall in one quarter, the entries in another: a bound, with
    # what was reached
    assert not pm.exact and pm.reached == Decimal(16_000) and "GBP 16,000.00 in one period" in pm.bound
    # without an assertion about periods, `sibc check` settles no witness for it
    quiet = exposure(contract).period
    assert quiet is not None and not quiet.witness and quiet.bound == "no witness ledger was settled for it"


def test_a_per_period_assertion_is_proven_refuted_or_left_to_the_search() -> None:
    proven = _model(BASE + "cap per period GBP 1,000\nassert each period pays at most GBP 1,000\n")
    (v,) = verdicts(proven, exposure(proven))
    assert v.status == "proven" and v.reason == "the cap per period is GBP 1,000.00"
    refuted = _model(BASE + "cap per period GBP 1,000\nassert each period pays at most GBP 900\n")
    (v,) = verdicts(refuted, exposure(refuted))
    assert v.status == "refuted" and most_in_a_period(settle(refuted, v.witness)) > Decimal(900)
    assert "are paid GBP 1,000.00 in one period" in v.reason
    stays = _model(BASE + "assert each period pays at most GBP 10,000\n")  # 40 stays in one quarter
    (v,) = verdicts(stays, exposure(stays))
    assert v.status == "refuted" and "40 participants who all start on one day are paid GBP 16,000.00" in v.reason
    open_ = _model(BASE + "assert each period pays at most GBP 17,000\n")  # true, but not provable here
    (v,) = verdicts(open_, exposure(open_))
    assert v.status == "unknown" and v.candidate


def test_facts_and_report_show_the_period_figure(tmp_path: Path) -> None:
    path = tmp_path / "p.sib"
    path.write_text(BASE + "cap per period GBP 1,000\n", encoding="utf-8")
    runner = CliRunner()
    text = runner.invoke(cli, ["check", "--no-search", "--facts", str(path)]).output
    assert "most paid in one settlement period: GBP 1,000.00, set by the cap per period" in text
    doc = json.loads(runner.invoke(cli, ["check", "--no-search", "--facts", "--format", "json", str(path)]).output)
    period = doc["facts"][str(path)]["period_max"]
    assert period == {"amount": "1000", "set_by": "the cap per period", "exact": True, "bound": None,
                      "reached": "1000.00"}
    report = runner.invoke(cli, ["report", "--markdown", str(path)]).output
    assert "- Most paid in one settlement period: GBP 1,000.00, set by the cap per period" in report
