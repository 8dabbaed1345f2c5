"""The sibc command line as a user and CI use it: exit codes, formats, stdin, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sibdsl.cli.main import cli

GOOD = """contract "Small" version 1
currency GBP
term 2020-01-01 to 2021-12-31
payer council "Council" pays 100%
cohort people "People" at most 10 participants, referred 2020-01-01 to 2020-06-30
outcome move_in "Move in" pays GBP 500
outcome housed "Housed 3 months" pays GBP 1,500 after move_in at least 3 months
cap per participant GBP 2,000
cap contract GBP 20,000
"""
WARNING = GOOD.replace("cap per participant GBP 2,000", "cap per participant GBP 1,000")
BAD = GOOD.replace("after move_in", "after move_inn")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_contract_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["check", str(write(tmp_path, "good.sib", GOOD))])
    assert result.exit_code == 0, result.output
    assert "no problems found" in result.output


def test_error_exits_1_with_location_caret_and_hint(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.sib", BAD)
    result = runner.invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:7:" in result.output
    assert "error[SIB101]" in result.output
    assert "^^^^^^^^" in result.output
    assert "did you mean 'move_in'?" in result.output


def test_warnings_pass_unless_strict(runner: CliRunner, tmp_path: Path) -> None:
    path = str(write(tmp_path, "warn.sib", WARNING))
    assert runner.invoke(cli, ["check", path]).exit_code == 0
    result = runner.invoke(cli, ["check", "--strict", path])
    assert result.exit_code == 1
    assert "warning[SIB411]" in result.output


def test_json_format(runner: CliRunner, tmp_path: Path) -> None:
    path = str(write(tmp_path, "bad.sib", BAD))
    result = runner.invoke(cli, ["check", "--format", "json", path])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["valid"] is False
    assert doc["error_count"] == 1 and doc["warning_count"] == 0
    diag = doc["diagnostics"][0]
    assert diag["code"] == "SIB101"
    assert diag["range"]["start"] == {"line": 7, "column": 55}
    assert diag["range"]["end"] == {"line": 7, "column": 63}


def test_sarif_format(runner: CliRunner, tmp_path: Path) -> None:
    path = str(write(tmp_path, "bad.sib", BAD))
    result = runner.invoke(cli, ["check", "--format", "sarif", path])
    doc = json.loads(result.output)
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "sibc"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["SIB101"]
    res = run["results"][0]
    assert res["ruleId"] == "SIB101" and res["level"] == "error"
    region = res["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 7 and region["startColumn"] == 55


def test_directories_and_all_files(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path, "a.sib", BAD)
    write(tmp_path, "b.sib", BAD.replace("move_inn", "move_im"))
    sub = tmp_path / "sub"
    sub.mkdir()
    write(sub, "c.sib", GOOD)
    result = runner.invoke(cli, ["check", "--format", "json", str(tmp_path)])
    doc = json.loads(result.output)
    assert len(doc["files"]) == 3
    assert doc["error_count"] == 2


def test_stdin(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check", "-"], input=BAD)
    assert result.exit_code == 1
    assert "<stdin>:7:" in result.output


def test_missing_file_is_a_diagnostic(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["check", str(tmp_path / "nope.sib")])
    assert result.exit_code == 1
    assert "SIB001" in result.output and "no such file" in result.output


def test_file_over_size_limit(runner: CliRunner, tmp_path: Path) -> None:
    path = str(write(tmp_path, "big.sib", GOOD + "# padding\n" * 200))
    result = runner.invoke(cli, ["check", "--max-size", "500", path])
    assert result.exit_code == 1
    assert "SIB003" in result.output


def test_usage_errors_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(cli, ["check"]).exit_code == 2
    assert runner.invoke(cli, ["check", "--format", "xml", "x.sib"]).exit_code == 2
    assert runner.invoke(cli, ["explain", "SIB12345"]).exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.invoke(cli, ["check", str(empty)]).exit_code == 2


def test_internal_error_exits_3(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    import sibdsl.driver

    monkeypatch.setattr(sibdsl.driver, "compile_file", boom)
    result = runner.invoke(cli, ["check", str(write(tmp_path, "good.sib", GOOD))])
    assert result.exit_code == 3
    assert "internal error" in result.output and "bug in sibc" in result.output
    assert "Traceback" not in result.output


def test_compile_writes_model_json(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["compile", str(write(tmp_path, "good.sib", GOOD))])
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert doc["header"]["currency"] == "GBP"
    assert doc["outcomes"][1]["tariff"]["price"] == "1500"
    assert doc["outcomes"][1]["prerequisites"][0] == {
        "outcome": "move_in", "at_least": {"amount": 3, "unit": "months"}, "within": None}


def test_compile_refuses_bad_contract(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["compile", str(write(tmp_path, "bad.sib", BAD))])
    assert result.exit_code == 1
    assert "SIB101" in result.output


def test_schema_and_model_agree(runner: CliRunner, tmp_path: Path) -> None:
    schema = json.loads(runner.invoke(cli, ["schema"]).output)
    assert schema["title"] == "Contract"
    assert set(schema["required"]) >= {"header", "payers", "outcomes"}


def test_explain(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["explain", "sib101"])
    assert result.exit_code == 0
    assert "SIB101: unknown name" in result.output and "Example" in result.output
    listing = runner.invoke(cli, ["explain", "--list"]).output
    assert "SIB404" in listing


def test_help_lists_exit_codes(runner: CliRunner) -> None:
    for args in ([], ["check"], ["compile"]):
        out = runner.invoke(cli, [*args, "--help"]).output
        assert "Exit codes" in out and "internal error" in out


def test_no_color_respected(tmp_path: Path) -> None:
    path = str(write(tmp_path, "bad.sib", BAD))
    env = {**os.environ, "NO_COLOR": "1"}
    out = subprocess.run([sys.executable, "-m", "sibdsl", "check", "--color", path],
                         capture_output=True, text=True, env=env).stdout
    assert "\x1b[" in out  # --color forces it
    out = subprocess.run([sys.executable, "-m", "sibdsl", "check", path],
                         capture_output=True, text=True, env=env).stdout
    assert "\x1b[" not in out


def test_version(runner: CliRunner) -> None:
    from sibdsl import __version__

    assert __version__ in runner.invoke(cli, ["--version"]).output


def test_explain_takes_a_settlement_reason(runner: CliRunner) -> None:
    for spelling in ("cap_reached", "cap-reached", "Cap Reached"):
        result = runner.invoke(cli, ["explain", spelling])
        assert result.exit_code == 0 and result.output.startswith("cap_reached: "), result.output
    wrong = runner.invoke(cli, ["explain", "cap_reachd"])
    assert wrong.exit_code == 2 and "did you mean cap_reached" in wrong.output
    listed = runner.invoke(cli, ["explain", "--list"]).output
    assert "SIB101" in listed and "payer_cap_reached" in listed
