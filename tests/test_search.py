"""The property search inside `sibc check`: refuted assertions (SIB711) with a shrunk
counterexample written as CSV, broken guarantees (SIB710), seeds, and import hygiene."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sibdsl.cli.main import cli
from sibdsl.compiler import compile_text
from sibdsl.search.findings import run_search
from sibdsl.settlement import engine

REFUTED = """contract "Refuted" version 1
currency GBP
term 2020-01-01 to 2021-12-31
payer council "Council" pays 100%
cohort people "People" at most 10 participants
outcome job "Job" pays GBP 10,000 up to 2 times per participant
cap per participant GBP 20,000
assert each participant is paid at most GBP 15,000
assert total payments are at most GBP 100,000
"""
HOLDS = REFUTED.replace("assert each participant is paid at most GBP 15,000",
                        "assert each participant is paid at most GBP 20,000").replace(
    "at most GBP 100,000", "at most GBP 200,000")  # 10 participants x GBP 20,000


def test_refuted_assertion_prints_and_writes_the_smallest_ledger(tmp_path: Path) -> None:
    path = tmp_path / "refuted.sib"
    path.write_text(REFUTED, encoding="utf-8")
    out_dir = tmp_path / "cx"
    result = CliRunner().invoke(cli, ["check", str(path), "--no-analysis", "--counterexample-dir", str(out_dir)])
    assert result.exit_code == 1
    assert f"{path}:8:1: error[SIB711]: assertion refuted: each participant is paid at most GBP 15,000" in result.output
    assert "its decisions:" in result.output
    rows = list(csv.DictReader((out_dir / "refuted-counterexample.csv").read_text().splitlines()))
    assert len(rows) == 2  # shrunk: two job claims for one participant are the least that breaks it
    assert {r["outcome"] for r in rows} == {"job"} and len({r["participant"] for r in rows}) == 1
    # the CSV is a claims file: settling it shows the breach
    settled = CliRunner().invoke(cli, ["settle", str(path), str(out_dir / "refuted-counterexample.csv"),
                                       "-o", str(tmp_path / "out")])
    assert settled.exit_code == 0 and "GBP 20,000.00" in settled.output
    assert "SIB711" not in result.output.split("total payments")[0].split("15,000")[1]  # the total assert holds


def test_true_assertions_pass_and_no_search_skips(tmp_path: Path) -> None:
    path = tmp_path / "holds.sib"
    path.write_text(HOLDS, encoding="utf-8")
    cx = ["--counterexample-dir", str(tmp_path / "cx")]
    assert CliRunner().invoke(cli, ["check", str(path), "--examples", "50", *cx]).exit_code == 0
    path.write_text(REFUTED, encoding="utf-8")
    assert CliRunner().invoke(cli, ["check", "--no-search", "--no-analysis", str(path)]).exit_code == 0


def test_same_seed_same_counterexample() -> None:
    compiled = compile_text(REFUTED, "refuted.sib")
    first, _ = run_search(compiled, seed=7, examples=100, out_dir=None)
    again, _ = run_search(compiled, seed=7, examples=100, out_dir=None)
    assert [c.order_key() for c in first.ledger] == [c.order_key() for c in again.ledger]
    assert first.violations == again.violations


def test_a_broken_guarantee_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulate an engine bug (caps ignored): the search must notice the cap being exceeded."""
    monkeypatch.setattr(engine._Engine, "_caps", lambda self, claim, outcome, who, period, amount, rule:
                        (amount, rule, ""))
    src = HOLDS.replace("assert each participant is paid at most GBP 20,000\n", "")
    compiled = compile_text(src.replace("cap per participant GBP 20,000", "cap per participant GBP 15,000"),
                            "buggy.sib")
    found, diagnostics = run_search(compiled, seed=0, examples=200, out_dir=None)
    assert not found.ok
    codes = {d.code for d in diagnostics}
    assert "SIB710" in codes
    assert any("cap" in d.message for d in diagnostics if d.code == "SIB710")


def test_hypothesis_imported_only_when_searching(tmp_path: Path) -> None:
    path = tmp_path / "holds.sib"
    path.write_text(HOLDS, encoding="utf-8")
    probe = ("import sys\nfrom sibdsl.cli.main import cli\n"
             "try:\n    cli(['check', {args!r}, {path!r}], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
             "print('hypothesis' in sys.modules)")
    no = subprocess.run([sys.executable, "-c", probe.format(args="--no-search", path=str(path))],
                        capture_output=True, text=True).stdout.strip().splitlines()[-1]
    yes = subprocess.run([sys.executable, "-c", probe.format(args="--search", path=str(path))],
                         capture_output=True, text=True, cwd=tmp_path).stdout.strip().splitlines()[-1]
    assert (no, yes) == ("False", "True")
    assert not (tmp_path / ".hypothesis").exists()  # no stray cache in the user's folder


def test_the_ledger_reported_is_minimal_claim_by_claim() -> None:
    """hypothesis's shrinking depends on what it happens to try (and on the literals of the modules
    loaded); the search then removes claims one at a time, so that no claim of the ledger it reports
    can go without the assertion holding again."""
    from datetime import date

    from sibdsl.search.runner import check_ledger, minimise
    from sibdsl.settlement.records import Claim

    model = compile_text(REFUTED).model
    assert model is not None
    ledger = [Claim(f"c{i}", "p1" if i < 3 else f"p{i}", "job", date(2020, 1, 1 + i)) for i in range(6)]
    small, problems, settled = minimise(model, ledger, 0)
    assert len(small) == 2 and {c.participant for c in small} == {"p1"}
    assert problems[0].startswith("assert each participant is paid at most GBP 15,000:")
    assert len(settled.decisions) == 2
    import random
    for i in range(len(small)):
        assert not check_ledger(model, small[:i] + small[i + 1:], random.Random(0))[0]


def test_search_storage_is_private_not_in_the_shared_temp_dir(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import stat

    from sibdsl.search.runner import _quiet_storage

    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    monkeypatch.setenv("SIBDSL_CACHE_DIR", str(tmp_path / "cache"))
    _quiet_storage()
    where = Path(os.environ["HYPOTHESIS_STORAGE_DIRECTORY"])
    assert where.is_relative_to(tmp_path / "cache")
    assert stat.S_IMODE((tmp_path / "cache").stat().st_mode) == 0o700


def test_counterexample_cells_are_escaped_against_formulas(tmp_path: Path) -> None:
    from datetime import date

    from sibdsl.settlement.output import write_claims
    from sibdsl.settlement.records import Claim

    write_claims(tmp_path / "x.csv", [Claim("=cmd()", "+p1", "job", date(2020, 1, 1), evidence="@e")])
    row = next(csv.DictReader((tmp_path / "x.csv").read_text().splitlines()))
    assert (row["claim_id"], row["participant"], row["evidence"], row["date"]) == ("'=cmd()", "'+p1", "'@e",
                                                                                     "2020-01-01")
