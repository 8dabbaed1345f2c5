"""`sibc settle` as an analyst uses it: files in, decisions, invoices and a summary out;
malformed ledgers reported row by row with the column at fault (SIB70x)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sibdsl.cli.main import cli

CONTRACT = """contract "Settle CLI" version 1
currency GBP
term 2020-01-01 to 2021-12-31
settled quarterly in arrears
payer council "Council" pays 70%, at most GBP 1,400
payer fund "Fund" pays 30%
investor bank "Bank" commits GBP 1,000 to GBP 2,000
cohort people "People" at most 10 participants, referred 2020-01-01 to 2020-12-31
outcome move_in "Move in" pays GBP 500
outcome housed "Housed 3 months" pays GBP 1,000 after move_in at least 3 months
cap contract GBP 2,000
tranche t1 GBP 1,000 on 2020-01-01
tranche t2 GBP 500 when payments reach GBP 1,000, by 2021-06-30
"""
CLAIMS = """claim_id,participant,outcome,date,start
c1,p1,move_in,2020-02-01,2020-01-15
c2,p1,housed,2020-06-01,
c3,p2,move_in,2020-03-01,2020-02-01
c4,p2,housed,2020-04-01,
c5,p3,move_in,2020-07-01,2020-06-01
"""


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "c.sib").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "claims.csv").write_text(CLAIMS, encoding="utf-8")
    return tmp_path


def settle(files: Path, *args: str, claims: str = "claims.csv") -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["settle", str(files / "c.sib"), str(files / claims), "-o",
                                      str(files / "out"), *args])
    return result.exit_code, result.output


def test_settle_writes_decisions_invoices_and_summary(files: Path) -> None:
    code, out = settle(files)
    assert code == 0, out
    rows = (read_csv(files / "out" / "decisions.csv"))
    by_id = {r["claim_id"]: r for r in rows}
    assert by_id["c1"]["status"] == "paid" and by_id["c1"]["amount"] == "500.00"
    assert by_id["c1"]["paid_by_council"] == "350.00" and by_id["c1"]["paid_by_fund"] == "150.00"
    assert by_id["c4"]["status"] == "rejected" and by_id["c4"]["reason"] == "prerequisite_too_soon"
    assert "c.sib:10" in by_id["c4"]["rule"]  # the line of the outcome whose prerequisite decided it
    # in date order c1 500, c3 500, c2 1,000 reach the contract cap of 2,000 exactly; c5 gets nothing
    assert by_id["c5"]["status"] == "rejected" and by_id["c5"]["reason"] == "cap_reached"
    invoices = (read_csv(files / "out" / "invoices.csv"))
    total = sum(float(r["amount"]) for r in invoices)  # float only to compare a printed total
    assert round(total, 2) == 2000.00
    assert "rejected, by reason:" in out and "prerequisite_too_soon" in out
    assert (files / "out" / "summary.txt").read_text() in out
    tranches = (read_csv(files / "out" / "tranches.csv"))
    assert {(t["tranche"], t["status"], t["date"]) for t in tranches} == {
        ("t1", "released", "2020-01-01"), ("t2", "released", "2020-03-01")}  # c1 + c3 = 1,000


def test_json_lines_in_and_out(files: Path) -> None:
    lines = [json.dumps({"claim_id": "c1", "participant": "p1", "outcome": "move_in", "date": "2020-02-01",
                         "start": "2020-01-15"})]
    (files / "claims.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = settle(files, "--format", "json", claims="claims.jsonl")
    assert code == 0, out
    decision = json.loads((files / "out" / "decisions.jsonl").read_text().splitlines()[0])
    assert decision["status"] == "paid" and decision["amount"] == "500.00"


def bad(files: Path, text: str, name: str = "bad.csv") -> tuple[int, str]:
    (files / name).write_text(text, encoding="utf-8")
    return settle(files, claims=name)


def test_bad_rows_reported_with_column_and_nothing_settled(files: Path) -> None:
    code, out = bad(files, "claim_id,participant,outcome,date\nc1,p1,move_inn,2020-02-01\nc2,,move_in,2020-02-01\n"
                           "c3,p3,move_in,31/03/2020\nc4,p4,move_in,2020-02-30\nc5,p5,move_in\n")
    assert code == 1
    assert "bad.csv:2:7: error[SIB704]: row 2, column outcome: the contract has no outcome 'move_inn'" in out
    assert "did you mean 'move_in'?" in out
    assert "bad.csv:3:4: error[SIB705]: row 3, column participant: empty" in out
    assert "bad.csv:4:" in out and "SIB703" in out and "YYYY-MM-DD" in out
    assert "2020-02-30 is not a date in the calendar" in out
    assert "row 6, column row: 3 fields, the header has 4" in out
    assert "nothing settled" in out
    assert not (files / "out").exists()


def test_skip_invalid_lists_every_skipped_row(files: Path) -> None:
    (files / "bad.csv").write_text("claim_id,participant,outcome,date\nc1,p1,move_in,2020-02-01\n"
                                   "c2,p2,nope,2020-02-01\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["settle", str(files / "c.sib"), str(files / "bad.csv"), "-o",
                                      str(files / "out"), "--skip-invalid"])
    assert result.exit_code == 0
    assert "warning[SIB707]: row 3 skipped" in result.output
    assert "1 invalid rows skipped" in result.output
    rows = (read_csv(files / "out" / "decisions.csv"))
    assert [r["claim_id"] for r in rows] == ["c1"]


@pytest.mark.parametrize(("text", "code"), [
    ("", "SIB702"),
    ("who,what\np1,move_in\n", "SIB702"),
    ('{"claim_id": "c1"\n', "SIB706"),
    ("[1, 2]\n", "SIB706"),
])
def test_header_and_json_problems(files: Path, text: str, code: str) -> None:
    name = "bad.jsonl" if text.startswith(("{", "[")) else "bad.csv"
    exit_code, out = bad(files, text, name)
    assert exit_code == 1
    assert code in out


def test_missing_ledger_and_non_utf8(files: Path) -> None:
    code, out = settle(files, claims="missing.csv")
    assert code == 1 and "SIB701" in out
    (files / "latin.csv").write_bytes("claim_id,participant,outcome,date\nc1,Jos\xe9,move_in,2020-02-01\n"
                                      .encode("latin-1"))
    code, out = settle(files, claims="latin.csv")
    assert code == 1 and "SIB702" in out and "UTF-8" in out


def test_contract_with_errors_settles_nothing(files: Path) -> None:
    (files / "c.sib").write_text(CONTRACT.replace("after move_in", "after move_inn"), encoding="utf-8")
    code, out = settle(files)
    assert code == 1 and "SIB101" in out and "nothing settled" in out


def test_measurements_and_requests(tmp_path: Path) -> None:
    contract = CONTRACT.replace('outcome move_in "Move in" pays GBP 500', '''outcome move_in "Move in" pays GBP 500
outcome fewer "Fewer reconvictions" pays GBP 10 per 1% reduction in "reconvictions" against baseline threshold 10%''')
    contract = contract.replace("tranche t2 GBP 500 when payments reach GBP 1,000, by 2021-06-30",
                                'tranche t2 up to GBP 800 at discretion for "new services"')
    (tmp_path / "c.sib").write_text(contract, encoding="utf-8")
    (tmp_path / "claims.csv").write_text("claim_id,participant,outcome,date,start\n", encoding="utf-8")
    (tmp_path / "m.csv").write_text("measurement_id,outcome,cohort,date,baseline,observed\n"
                                    "m1,fewer,people,2021-01-01,200,150\n", encoding="utf-8")
    (tmp_path / "r.csv").write_text("request_id,tranche,date,amount,purpose\nr1,t2,2020-05-01,500,housing\n"
                                    "r2,t2,2020-06-01,500,more\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["settle", str(tmp_path / "c.sib"), str(tmp_path / "claims.csv"),
                                      "--measurements", str(tmp_path / "m.csv"), "--requests", str(tmp_path / "r.csv"),
                                      "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    rows = (read_csv(tmp_path / "out" / "decisions.csv"))
    assert rows[0]["claim_id"] == "m1" and rows[0]["amount"] == "250.00"  # 25% reduction x GBP 10
    tranches = {(t["tranche"], t["request_id"]): t for t in read_csv(tmp_path / "out" / "tranches.csv")}
    assert tranches[("t2", "r1")]["amount"] == "500.00"  # money with the currency's minor unit
    assert tranches[("t2", "r2")]["status"] == "released in part" and tranches[("t2", "r2")]["amount"] == "300.00"


def test_progress_on_long_ledgers(files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
                                  ) -> None:
    from sibdsl.cli import settle_cmd

    rows = "".join(f"x{i},q{i % 500},move_in,2020-0{1 + i % 9}-1{i % 9},2020-01-10\n" for i in range(20_000))
    (files / "long.csv").write_text("claim_id,participant,outcome,date,start\n" + rows, encoding="utf-8")
    monkeypatch.setattr(settle_cmd, "PROGRESS_FROM", 10_000)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    code = settle_cmd.run_settle(str(files / "c.sib"), str(files / "long.csv"), None, None, str(files / "out"),
                                 "csv", False, None)
    assert code == 0
    err = capsys.readouterr().err
    assert "settled 10,000 of 20,000" in err and "settled 20,000 of 20,000" in err


def test_diagnostics_format_json_from_the_command_line(files: Path) -> None:
    (files / "bad.csv").write_text("claim_id,participant,outcome,date\nc1,p1,move_in,2020-02-01\n"
                                   "c2,p2,nope,2020-02-01\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["settle", str(files / "c.sib"), str(files / "bad.csv"), "-o",
                                      str(files / "out"), "--skip-invalid", "--diagnostics-format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stderr)
    codes = sorted(d["code"] for d in doc["diagnostics"])
    assert codes == ["SIB704", "SIB707"]
    assert all(d["range"]["start"]["line"] == 3 for d in doc["diagnostics"])
    assert "SIB70" not in result.stdout  # the summary stays on stdout, the problems on stderr


def test_tranche_amounts_use_the_currency_minor_unit(files: Path) -> None:
    (files / "c.sib").write_text(CONTRACT.replace("currency GBP", "currency JPY").replace("GBP", "JPY"),
                                 encoding="utf-8")
    exit_code, out = settle(files)
    assert exit_code == 0, out
    rows = read_csv(files / "out" / "tranches.csv")
    amounts = [v for r in rows for k, v in r.items() if "amount" in k and v]
    assert amounts and all("." not in v for v in amounts), rows
