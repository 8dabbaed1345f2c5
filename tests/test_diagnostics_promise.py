"""Diagnostics keep their promise (issue 7, item 6).

- every error has a hint, on every path found: the golden corpus, the published contracts,
  targeted inputs and seeded mutations of the contracts (and, statically, every call site);
- an internal error (SIB999) is a diagnostic in the chosen format, with its own exit code;
- hints are true: `pays 50% * 1`, `cap per person`;
- `sibc check -q` prints only problems.
"""

from __future__ import annotations

import ast
import json
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sibdsl import compiler
from sibdsl.cli.main import cli
from sibdsl.compiler import CompileResult, compile_file, compile_text
from sibdsl.core.codes import CATALOGUE
from sibdsl.core.diagnostics import Severity

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = sorted((ROOT / "contracts").glob("*.sib"))
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.sib"))
HEADER = """contract "T" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer council "The Council" pays 100%
cohort people "People" at most 100 participants, referred 2020-01-01 to 2020-12-31
  subgroup young "Aged 18-24"
"""

# Inputs aimed at the paths that once had no hint (SIB205, SIB206, SIB207) and their neighbours.
TARGETED = [
    'outcome a "A" pays GBP 0',
    'outcome a "A" pays GBP 10 - GBP 20',
    'outcome a "A" pays GBP 10 / 0',
    'outcome a "A" pays GBP 10 / (2 - 2)',
    'outcome a "A" pays GBP 10 / (GBP 5 - GBP 5)',
    'outcome a "A" pays GBP 10 up to 0 times',
    'outcome a "A" pays GBP 10 up to 2.5 times',
    'outcome a "A" pays GBP 10 within 1.5 months',
    'outcome a "A" pays GBP 10 within 0 months',
    'outcome a "A" pays tiered GBP 10 for outcomes 1 to 2.5, GBP 5 from 3',
    'outcome a "A" pays tiered GBP 10 for outcomes 0 to 2, GBP 5 from 3',
    'outcome a "A" pays GBP 1,000 per 0% reduction in "x" against baseline',
    'outcome a "A" pays GBP 10, scaled by "s": 120% at 10',
    'outcome a "A" pays GBP 10 for young, GBP 12 for young otherwise GBP 8',
    'outcome a "A" pays GBP 10\noutcome b "B" pays GBP 5\nonly one of a, b, a',
    'outcome a "A" pays GBP 10\noutcome b "B" pays GBP 5\nonly 2.5 of a, b',
    'outcome a "A" pays GBP 10\noutcome b "B" pays GBP 5\nonly 0 of a, b',
    'outcome a "A" pays GBP 10\ncap contract GBP 1000000000 * 1000000000 * 1000000000 * 1000000000 * 1000000000',
    'outcome a "A" pays GBP 10\ncap per participant GBP 0',
    'outcome a "A" pays GBP 10\ncap outcome a 0 times',
    'outcome a "A" pays GBP 10\ncap outcome a 2.5 times',
    'outcome a "A" pays GBP 10\ncap subgroup young 150%',
    'outcome a "A" pays GBP 10\ninvestor i "I" commits GBP 0',
    'outcome a "A" pays GBP 10\ninvestor i "I" commits GBP 10 to GBP 5',
    'outcome a "A" pays GBP 10\ntranche t GBP 0 on 2020-01-01',
    'outcome a "A" pays GBP 10\nassert each participant is paid at most GBP 0',
    'outcome a "A" pays 50% * 1',
    'outcome a "A" pays GBP ５００',
    'outcome a "A" pays GBP 10 once per person',
    'outcome a "A" pays GBP 10\ncap per person GBP 100',
]
REPLACEMENTS = ["0", "2.5", "0.001", "(1 - 1)", "10 / 0", "50% * 1", "５", "1" * 25, "-", "GBP 1", "3 months", "150%"]


def mutations(text: str, rng: random.Random, count: int) -> list[str]:
    """Seeded token-level edits of a valid contract: each reaches some error path."""
    numbers = [m.span() for m in re.finditer(r"\d[\d,]*(\.\d+)?", text)]
    words = [m.span() for m in re.finditer(r"[A-Za-z_]+", text)]
    lines = text.split("\n")
    out = []
    for _ in range(count):
        kind = rng.randrange(4)
        if kind == 0 and numbers:
            a, b = rng.choice(numbers)
            out.append(text[:a] + rng.choice(REPLACEMENTS) + text[b:])
        elif kind == 1 and words:
            a, b = rng.choice(words)
            out.append(text[:a] + text[b:])
        elif kind == 2 and words:
            a, b = rng.choice(words)
            word = text[a:b]
            out.append(text[:a] + (word[:-1] if len(word) > 3 else word + "x") + text[b:])
        else:
            i = rng.randrange(len(lines))
            out.append("\n".join([*lines[: i + 1], lines[i], *lines[i + 1:]]))
    return out


def errors_without_hint(result: CompileResult) -> list[str]:
    return [f"{d.file}:{d.span.line}:{d.span.column} {d.code} {d.message}" for d in result.diagnostics
            if d.severity is Severity.ERROR and not (d.hint and d.hint.strip())]


def test_every_error_has_a_hint() -> None:
    seen: set[str] = set()
    missing: list[str] = []

    def check(result: CompileResult) -> None:
        seen.update(d.code for d in result.diagnostics if d.severity is Severity.ERROR)
        missing.extend(errors_without_hint(result))

    for path in [*GOLDEN, *CONTRACTS]:
        check(compile_file(path))
    for i, snippet in enumerate(TARGETED):
        check(compile_text(HEADER + snippet + "\n", f"targeted-{i}"))
    rng = random.Random(20240607)
    for path in CONTRACTS:
        for j, text in enumerate(mutations(path.read_text(encoding="utf-8"), rng, 40)):
            check(compile_text(text, f"{path.stem}-mutation-{j}"))
    check(compile_file(ROOT / "no-such-file.sib"))
    check(compiler.compile_bytes(b"x" * 100, "big", max_bytes=10))
    assert not missing, "errors without a hint:\n" + "\n".join(missing[:40])
    # the walk reaches the codes that once lacked a hint, and most of the catalogue's errors
    assert {"SIB205", "SIB206", "SIB207", "SIB017", "SIB010", "SIB201"} <= seen
    contract_errors = {c for c, e in CATALOGUE.items() if e.severity_name == "error" and c[3] in "0123456"}
    assert len(seen & contract_errors) >= 0.8 * len(contract_errors), sorted(contract_errors - seen)


PHASES = [ROOT / "sibdsl" / d for d in ("syntax", "semantics", "model", "analysis", "search")] + [
    ROOT / "sibdsl" / "compiler.py", ROOT / "sibdsl" / "cli" / "main.py"]


def _sources() -> list[Path]:
    return sorted(p for base in PHASES for p in ([base] if base.is_file() else base.rglob("*.py")))


def test_every_error_call_site_passes_a_hint() -> None:
    """Statically: each `sink.add("SIBnnn", ...)` of an error code names a hint that is not None."""
    bare = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            code = node.args[0].value
            if not (isinstance(code, str) and code in CATALOGUE and CATALOGUE[code].severity_name == "error"):
                continue
            hint = next((k.value for k in node.keywords if k.arg == "hint"), None)
            if hint is None or (isinstance(hint, ast.Constant) and not hint.value):
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno} {code}")
    assert not bare, "error diagnostics added without a hint:\n" + "\n".join(bare)


# ---------------------------------------------------------------- SIB999 in every format
GOOD = HEADER + 'outcome a "A" pays GBP 500\n'


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("simulated bug")


@pytest.fixture
def contract(tmp_path: Path) -> Path:
    path = tmp_path / "good.sib"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.mark.parametrize("phase", ["resolve", "run_checks", "parse_source"])
def test_internal_error_is_a_json_diagnostic(phase: str, contract: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiler, phase, _boom)
    result = CliRunner().invoke(cli, ["check", "--format", "json", "--no-search", str(contract)])
    assert result.exit_code == 3, result.output
    doc = json.loads(result.stdout)
    assert doc["valid"] is False and doc["error_count"] == 1
    [d] = doc["diagnostics"]
    assert d["code"] == "SIB999" and d["severity"] == "error" and d["file"] == str(contract)
    assert "internal error" in d["message"] and "simulated bug" in d["message"]
    assert "bug in sibc" in d["hint"] and "not in your contract" in d["hint"]
    assert "Traceback" not in result.output


def test_internal_error_is_a_sarif_result(contract: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiler, "resolve", _boom)
    result = CliRunner().invoke(cli, ["check", "--format", "sarif", "--no-search", str(contract)])
    assert result.exit_code == 3, result.output
    run = json.loads(result.stdout)["runs"][0]
    [found] = run["results"]
    assert found["ruleId"] == "SIB999" and found["level"] == "error"
    assert "internal error" in found["message"]["text"] and "bug in sibc" in found["message"]["text"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["SIB999"]
    assert "Traceback" not in result.output


def test_internal_error_in_the_search_keeps_the_other_files(tmp_path: Path, contract: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import sibdsl.search.findings

    bad = tmp_path / "bad.sib"
    bad.write_text(GOOD.replace("pays GBP 500", "pays GBP 0"), encoding="utf-8")
    monkeypatch.setattr(sibdsl.search.findings, "run_search", _boom)
    result = CliRunner().invoke(cli, ["check", "--format", "json", "--no-analysis", str(bad), str(contract)])
    assert result.exit_code == 3, result.output
    codes = {(Path(d["file"]).name, d["code"]) for d in json.loads(result.stdout)["diagnostics"]}
    assert codes == {("bad.sib", "SIB206"), ("good.sib", "SIB999")}


def test_internal_error_in_text_says_so_plainly(contract: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiler, "run_checks", _boom)
    result = CliRunner().invoke(cli, ["check", "--no-search", str(contract)])
    assert result.exit_code == 3
    assert f"{contract}:1:1: error[SIB999]: internal error in sibc: RuntimeError: simulated bug" in result.stdout
    assert "bug in sibc, not in your contract" in result.stdout
    assert "Traceback" not in result.output and " | " not in result.stdout  # no source excerpt


# ---------------------------------------------------------------- true hints
def _hint(snippet: str, code: str) -> str:
    found = [d for d in compile_text(HEADER + snippet + "\n").diagnostics if d.code == code]
    assert found and found[0].hint, snippet
    return found[0].hint


def test_percent_times_number_hint_is_true() -> None:
    """A percentage times a plain number is a percentage (issue 10.9); a percentage over a
    percentage is a plain number, and the hint says which percentage that number is."""
    hint = _hint('payer fund "Fund" pays 60% / 120%', "SIB201")
    assert "0.5%" not in hint  # 60% / 120% is 0.5, which is 50%, not 0.5%
    assert "plain number 0.5" in hint and "50%" in hint
    assert _hint('payer fund "Fund" pays 60', "SIB201") == "write it as a percentage: 60%"
    assert "GBP 1,000 * 50%" in _hint('outcome a "A" pays 50% * 2', "SIB201")


@pytest.mark.parametrize("snippet", ['outcome a "A" pays GBP 10\ncap per person GBP 100',
                                     'outcome a "A" pays GBP 10\ncap per people GBP 100',
                                     'outcome a "A" pays GBP 10 once per person'])
def test_per_person_suggests_per_participant(snippet: str) -> None:
    hint = _hint(snippet, "SIB010")
    assert "per participant" in hint and "version" not in hint


# ---------------------------------------------------------------- -q prints only problems
def test_quiet_prints_only_problems() -> None:
    fcf = str(ROOT / "contracts" / "fair-chance-fund.sib")
    loud = CliRunner().invoke(cli, ["check", "--no-search", fcf])
    assert "note[SIB720]" in loud.stdout  # the analysis proves its assertion: a note, not a problem
    quiet = CliRunner().invoke(cli, ["check", "-q", "--no-search", fcf])
    assert quiet.exit_code == 0 and quiet.stdout == "", quiet.stdout
    quiet_json = json.loads(CliRunner().invoke(cli, ["check", "-q", "--format", "json", "--no-search", fcf]).stdout)
    assert not [d for d in quiet_json["diagnostics"] if d["severity"] == "note"]


def test_quiet_keeps_warnings_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "warn.sib"
    path.write_text(HEADER + 'outcome a "A" pays GBP 500.001\noutcome b "B" pays GBP 0\n'
                    "assert each participant is paid at most GBP 10,000\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "-q", "--no-search", str(path)])
    assert result.exit_code == 1
    assert "warning[SIB208]" in result.stdout and "error[SIB206]" in result.stdout
    assert "checked" not in result.stdout  # no summary line


def test_a_caret_far_along_a_long_line_stays_in_view() -> None:
    """An error at column 161,465 of a ledger line printed a caret line of 161,000 spaces."""
    from sibdsl.core.diagnostics import Diagnostic, Severity
    from sibdsl.core.source import SourceFile, Span
    from sibdsl.emit.human import render

    line = "c1,p1,move_in," + "x" * 161_450 + ",BAD"
    source = SourceFile("claims.csv", "claim_id,participant,outcome,date\n" + line + "\n")
    column = len(line) - 2
    d = Diagnostic(code="SIB703", severity=Severity.ERROR, message="bad date", file="claims.csv",
                   span=Span(2, column, 2, column + 3), hint="write it YYYY-MM-DD")
    text = render(d, source)
    assert max(len(x) for x in text.splitlines()) < 250, max(len(x) for x in text.splitlines())
    shown, caret = [x for x in text.splitlines() if x.startswith(" 2 |") or x.startswith("   |")][-2:]
    assert shown[caret.index("^")] == "B"
