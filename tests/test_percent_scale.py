"""A sliding scale measured in percent (issue 10, item 9): a claim's value may be written `70%`,
and a bare 0.7 is refused as ambiguous with a hint (it silently paid as 0.7% before, and `70%`
was a malformed row); scales on plain numbers read values as before; witness and
counterexample CSVs write such values with their `%`, so `sibc settle` reads them back."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from sibdsl.cli.main import cli
from sibdsl.compiler import compile_text
from sibdsl.model.contract import Contract, SlidingTariff
from sibdsl.settlement.engine import settle
from sibdsl.settlement.ledger import read_ledger
from sibdsl.settlement.output import write_claims
from sibdsl.settlement.records import Claim

HEAD = """contract "attendance" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer p "P"
"""
PERCENT = HEAD + """outcome attendance "Attendance above the baseline"
  pays GBP 300 on a sliding scale of "attendance rate": 0% at 50%, 50% at 70%, 100% at 90%
  up to 5 times per participant
"""
PLAIN = HEAD + """outcome gain "Skills gain"
  pays GBP 400 scaled by "score": 0% at 0.5, 100% at 1.4
  up to 5 times per participant
"""


def _model(text: str) -> Contract:
    model = compile_text(text).model
    assert model is not None
    return model


def _settle(tmp_path: Path, contract: str, rows: str) -> tuple[int, str, list[dict[str, str]]]:
    (tmp_path / "c.sib").write_text(contract, encoding="utf-8")
    (tmp_path / "claims.csv").write_text("claim_id,participant,outcome,date,value\n" + rows, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["settle", str(tmp_path / "c.sib"), str(tmp_path / "claims.csv"), "-o", str(out)])
    decided = []
    if result.exit_code == 0:
        with (out / "decisions.csv").open(encoding="utf-8") as fh:
            decided = list(csv.DictReader(fh))
    return result.exit_code, result.output, decided


def test_the_model_knows_a_scale_measured_in_percent() -> None:
    percent, plain = _model(PERCENT).outcomes[0].tariff, _model(PLAIN).outcomes[0].tariff
    assert isinstance(percent, SlidingTariff) and percent.percent_scale
    assert isinstance(plain, SlidingTariff) and not plain.percent_scale


def test_a_value_in_percent_is_read_and_a_bare_fraction_is_refused(tmp_path: Path) -> None:
    code, _, decided = _settle(tmp_path, PERCENT, "c1,p1,attendance,2020-02-01,70%\nc2,p1,attendance,2020-03-01,80\n"
                                                  "c3,p1,attendance,2020-04-01,0.7%\n")
    assert code == 0
    assert [(d["claim_id"], d["amount"], d["reason"]) for d in decided] == [
        ("c1", "150.00", "paid"), ("c2", "225.00", "paid"), ("c3", "0.00", "below_threshold")]
    code, output, _ = _settle(tmp_path, PERCENT, "c1,p1,attendance,2020-02-01,0.7\n")
    assert code == 1 and "SIB703" in output and "'0.7' is ambiguous: the scale is measured in percent" in output
    assert "write 70% if you mean 70 percent, or 0.7% if you mean less than one percent" in output


def test_a_scale_on_plain_numbers_reads_values_as_before(tmp_path: Path) -> None:
    code, _, decided = _settle(tmp_path, PLAIN, "c1,p1,gain,2020-02-01,0.95\n")
    assert code == 0 and decided[0]["amount"] == "200.00"
    code, output, _ = _settle(tmp_path, PLAIN, "c1,p1,gain,2020-02-01,70%\n")
    assert code == 1 and "SIB703" in output  # a percentage is not a value on this scale


def test_a_witness_csv_of_a_percent_scale_reads_back(tmp_path: Path) -> None:
    model = _model(PERCENT)
    claims = [Claim("w1", "p1", "attendance", date(2020, 2, 1), value=Decimal("0.7")),
              Claim("w2", "p1", "attendance", date(2020, 3, 1), value=Decimal(90))]
    path = tmp_path / "w.csv"
    write_claims(path, claims, model)
    assert "0.7%" in path.read_text(encoding="utf-8")
    ledger = read_ledger(str(path), "claims", model)
    assert [c.value for c in ledger.records] == [Decimal("0.7"), Decimal(90)]
    assert [d.amount for d in settle(model, ledger.records).decisions] == \
        [d.amount for d in settle(model, claims).decisions]
