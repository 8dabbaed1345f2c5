"""`sibc settle` on a contract that invests: the waterfall runs on the outcome payments it
decided and writes investors.csv and waterfall.csv beside invoices.csv, and an investor
section in the summary; a contract that does not invest gets neither file."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from sibdsl.cli.main import cli

CONTRACT = """contract "Settle with a waterfall" version 1
currency GBP
term 2021-01-01 to 2021-12-31
settled quarterly in arrears
payer council "Council" pays 70%
payer fund "Fund" pays 30%
provider provider_x "Provider"
investor senior "Senior lender" commits GBP 1,000
  ranks 1
  interest 5% a year
  returns at most 9% a year
investor junior "Junior lender" commits GBP 500
  ranks 2
  returns at most 20% a year
  first loss GBP 100 by provider_x
tranche senior_loan GBP 1,000 on 2021-01-01 from senior
tranche junior_loan GBP 500 on 2021-01-01 from junior
waterfall "Schedule 4"
  distributes each period
  surplus 50% to provider_x, 50% to payers
cohort people "People" at most 100 participants
outcome job "Job" pays GBP 100
"""
PLAIN = """contract "No investment" version 1
currency GBP
term 2021-01-01 to 2021-12-31
settled quarterly in arrears
payer council "Council" pays 100%
investor bank "Bank" commits GBP 1,000
outcome job "Job" pays GBP 100
"""


def claims(n: int, day: str = "2021-02-01") -> str:
    return "claim_id,participant,outcome,date\n" + "".join(f"c{i},p{i},job,{day}\n" for i in range(n))


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def settle(tmp: Path, contract: str, ledger: str, *args: str) -> tuple[int, str]:
    (tmp / "c.sib").write_text(contract, encoding="utf-8")
    (tmp / "claims.csv").write_text(ledger, encoding="utf-8")
    result = CliRunner().invoke(cli, ["settle", str(tmp / "c.sib"), str(tmp / "claims.csv"), "-o", str(tmp / "out"),
                                      *args])
    return result.exit_code, result.output


def test_settle_writes_the_waterfall_files_and_summary(tmp_path: Path) -> None:
    code, out = settle(tmp_path, CONTRACT, claims(20))
    assert code == 0, out
    written = next(line for line in out.splitlines() if line.startswith("written:"))
    assert "investors.csv" in written and "waterfall.csv" in written and written.endswith("summary.txt")
    investors = read_csv(tmp_path / "out" / "investors.csv")
    assert len(investors) == 8  # 4 periods x 2 investors, senior first
    first = investors[0]
    # P1: 2,000 received; senior interest 1,000 x 5% x 89/365 = 12.19, principal 1,000, return
    # 9% x 89/365 = 21.95 less 12.19 = 9.76; junior principal 500, return 20% x 89/365 = 24.38
    assert (first["investor"], first["drawn"], first["interest"], first["principal"], first["return"]) == \
        ("senior", "1000.00", "12.19", "1000.00", "9.76")
    junior = investors[1]
    assert (junior["investor"], junior["principal"], junior["return"], junior["outstanding"]) == \
        ("junior", "500.00", "24.38", "0.00")
    table = read_csv(tmp_path / "out" / "waterfall.csv")
    p1 = table[0]
    surplus = Decimal(2000) - Decimal("12.19") - 1000 - Decimal("9.76") - 500 - Decimal("24.38")  # 453.67
    assert p1["received"] == "2000.00" and p1["distribution"] == "yes"
    # the surplus is held until maturity (P4), then: half to the provider (226.835 -> 226.83, the
    # unit left to the first listed: 226.84), the payers' 226.83 split 70 : 30 as they paid:
    # 158.781 -> 158.78, 68.049 -> 68.05
    assert (p1["surplus_provider_x"], p1["held"]) == ("0.00", str(surplus))
    p4 = table[-1]
    assert (p4["surplus_provider_x"], p4["surplus_council"], p4["surplus_fund"]) == ("226.84", "158.78", "68.05")
    assert sum(Decimal(p4[k]) for k in ("surplus_provider_x", "surplus_council", "surplus_fund")) == surplus
    assert p4["held"] == "0.00"
    text = (tmp_path / "out" / "summary.txt").read_text(encoding="utf-8")
    assert "investors (waterfall 'Schedule 4', distributes each period; maturity 2021-12-31):" in text
    assert "conservation (holds)" in text
    line = next(line for line in text.splitlines() if line.strip().startswith("senior "))
    assert "1,021.95" in line and "1.02x" in line


def test_guarantee_called_at_maturity_and_not_before(tmp_path: Path) -> None:
    code, out = settle(tmp_path, CONTRACT, claims(9))  # 900 received: the junior gets nothing back but its first loss of 100
    assert code == 0, out
    rows = read_csv(tmp_path / "out" / "investors.csv")
    last = [r for r in rows if r["period"] == "4"]
    assert [r["investor"] for r in last] == ["senior", "junior"]
    assert last[1]["guarantee"] == "100.00"
    assert "guarantors called: provider_x GBP 100.00" in out
    code, out = settle(tmp_path, CONTRACT, claims(9), "--as-of", "2021-07-15")
    assert code == 0, out
    rows = read_csv(tmp_path / "out" / "investors.csv")
    assert {r["period"] for r in rows} == {"1", "2"}
    assert all(r["guarantee"] == "0.00" for r in rows)
    assert "before maturity 2021-12-31: no guarantee called" in out


def test_a_contract_that_does_not_invest_gets_no_waterfall_files(tmp_path: Path) -> None:
    code, out = settle(tmp_path, PLAIN, claims(3))
    assert code == 0, out
    assert not (tmp_path / "out" / "investors.csv").exists()
    assert not (tmp_path / "out" / "waterfall.csv").exists()
    assert "investors (" not in out and "investors.csv" not in out


def test_published_contracts_settle_with_their_waterfall(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent / "contracts"
    for name in ("massachusetts-juvenile-justice-pfs", "newpin-social-benefit-bond",
                 "benevolent-society-social-benefit-bond", "nyc-able-rikers"):
        path = root / f"{name}.sib"
        if not path.exists():
            continue
        (tmp_path / "empty.csv").write_text("claim_id,participant,outcome,date\n", encoding="utf-8")
        result = CliRunner().invoke(cli, ["settle", str(path), str(tmp_path / "empty.csv"), "-o",
                                          str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert "conservation (holds)" in result.output, name
        assert (tmp_path / name / "investors.csv").exists()


def test_settle_help_names_the_waterfall_files() -> None:
    from click.testing import CliRunner

    from sibdsl.cli.main import cli

    out = " ".join(CliRunner().invoke(cli, ["settle", "--help"]).output.split())  # the help is wrapped
    assert "investors.csv" in out and "waterfall.csv" in out and "calls no guarantee before maturity" in out


def test_report_help_names_the_investor_figures() -> None:
    out = " ".join(CliRunner().invoke(cli, ["report", "--help"]).output.split())
    assert "worst case" in out and "IRR" in out
