"""Hostile input: every case ends in a clear, coded diagnostic (never a traceback), quickly.

Each case goes through the Python API (`compile_bytes`, and `compile_file` on a real file) and
through the CLI (`sibc check FILE` in text and JSON form, via click's CliRunner): exit code 1,
the code in the output, and JSON that parses with `valid: false`. Each run is timed with
time.perf_counter and must finish within LIMIT seconds.

At the end: regression tests for the bugs this file and the fuzzers found, each with its
minimal reproducer (a new bug goes in as a strict xfail until it is fixed).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sibdsl.cli.main import cli
from sibdsl.compiler import CompileResult, compile_bytes, compile_file, compile_text
from sibdsl.core.codes import CATALOGUE
from sibdsl.core.diagnostics import Severity

LIMIT = 20.0  # seconds, for any one run of any one case

HEADER = 'contract "Hostile"\ncurrency GBP\nterm 2020-01-01 to 2022-12-31\npayer council "The Council" pays 100%\n'
VALID = HEADER + 'outcome move_in "Move in" pays GBP 500\n'


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[], bytes]
    code: str  # the code that must be reported
    at: tuple[int, int] | None = None  # (line, column) of that diagnostic, where it is certain


CASES = [
    Case("empty-file", lambda: b"", "SIB104", (1, 1)),
    Case("only-comments", lambda: b"# a contract will go here\n\n   # and here\n# \xc2\xa3 1,500\n", "SIB104"),
    Case("binary-png", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 4096, "SIB002", (1, 1)),
    Case("windows-1252-pound", lambda: VALID.replace("GBP 500", "\u00a3500").encode("cp1252"), "SIB002", (5, 32)),
    Case("ten-megabytes", lambda: (VALID + "# padding padding padding padding\n" * 310_000).encode(), "SIB003"),
    Case("5000-digit-number", lambda: (HEADER + 'outcome a "A" pays GBP ' + "9" * 5000 + "\n").encode(),
         "SIB016", (5, 20)),
    Case("10000-nested-parentheses",
         lambda: (VALID + "cap contract " + "(" * 10_000 + "GBP 1" + ")" * 10_000 + "\n").encode(), "SIB014"),
    Case("one-megabyte-line", lambda: b"a" * 1_000_000, "SIB010", (1, 1)),
    Case("one-megabyte-line-after-header", lambda: (VALID + "a" * 1_000_000 + "\n").encode(), "SIB010", (6, 1)),
    Case("10000-duplicate-outcomes", lambda: (HEADER + 'outcome a "A" pays GBP 1\n' * 10_000).encode(), "SIB102",
         (6, 9)),
    Case("nul-in-text", lambda: VALID.replace("Move in", "Move\x00in").encode(), "SIB004", (5, 22)),
]
IDS = [c.id for c in CASES]


def timed(fn: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - start
    assert elapsed < LIMIT, f"took {elapsed:.1f} s"
    return out


def assert_coded(result: CompileResult, code: str, at: tuple[int, int] | None = None) -> None:
    """The result reports `code` as an error, every diagnostic is catalogued and placed, no model."""
    codes = [d.code for d in result.diagnostics]
    assert code in codes, codes[:10]
    for d in result.diagnostics:
        assert d.code in CATALOGUE and d.code not in ("SIB900", "SIB999"), d
        assert d.span.line >= 1 and d.span.column >= 1, d
    assert any(d.code == code and d.severity is Severity.ERROR for d in result.diagnostics)
    assert result.model is None
    if at is not None:
        first = next(d for d in result.diagnostics if d.code == code)
        assert (first.span.line, first.span.column) == at, first


def assert_cli_rejects(runner: CliRunner, args: list[str], code: str, stdin: bytes | None = None) -> None:
    """`sibc check ARGS` exits 1 naming the code; `--format json` parses and says valid: false."""
    text = timed(lambda: runner.invoke(cli, ["check", *args], input=stdin))
    assert_exit(text, 1)
    assert code in text.output
    machine = timed(lambda: runner.invoke(cli, ["check", "--format", "json", *args], input=stdin))
    assert_exit(machine, 1)
    doc = json.loads(machine.output)
    assert doc["valid"] is False
    assert doc["error_count"] >= 1
    assert code in {d["code"] for d in doc["diagnostics"]}
    for d in doc["diagnostics"]:
        assert d["range"]["start"]["line"] >= 1 and d["range"]["start"]["column"] >= 1


def assert_exit(result: Result, code: int) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, result.output[-2000:]
    assert "Traceback" not in result.output
    assert "internal error" not in result.output


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# ---------------------------------------------------------------- the cases, API and CLI
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_api_compile_bytes(case: Case) -> None:
    data = case.make()
    assert_coded(timed(lambda: compile_bytes(data, "hostile.sib")), case.code, case.at)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_api_compile_file(case: Case, tmp_path: Path) -> None:
    path = tmp_path / f"{case.id}.sib"
    path.write_bytes(case.make())
    assert_coded(timed(lambda: compile_file(path)), case.code, case.at)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_check(case: Case, runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / f"{case.id}.sib"
    path.write_bytes(case.make())
    assert_cli_rejects(runner, [str(path)], case.code)


@pytest.mark.parametrize("case", [c for c in CASES if c.id in ("binary-png", "5000-digit-number", "ten-megabytes",
                                                                 "10000-nested-parentheses")],
                         ids=["binary-png", "5000-digit-number", "ten-megabytes", "10000-nested-parentheses"])
def test_cli_check_stdin(case: Case, runner: CliRunner) -> None:
    assert_cli_rejects(runner, ["-"], case.code, stdin=case.make())


def test_compile_text_of_hostile_strings() -> None:
    """compile_text (str in, so no decoding step) on the text cases, and on a lone surrogate."""
    for case in CASES:
        data = case.make()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        assert_coded(timed(lambda t=text: compile_text(t)), case.code, case.at)
    assert_coded(compile_text(VALID.replace("Move in", "Move \ud800 in")), "SIB002")


def test_10000_duplicates_report_each_one_fast() -> None:
    data = (HEADER + 'outcome a "A" pays GBP 1\n' * 10_000).encode()
    result = timed(lambda: compile_bytes(data))
    dups = [d for d in result.diagnostics if d.code == "SIB102"]
    assert len(dups) == 9_999
    assert [d.span.line for d in dups] == list(range(6, 10_005))
    assert all(d.labels and d.labels[0].span.line == 5 for d in dups)  # "first declared here"


def test_ten_megabytes_respects_max_size(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "big.sib"
    path.write_bytes((VALID + "# padding padding padding padding\n" * 310_000).encode())
    assert path.stat().st_size > 10_000_000
    result = timed(lambda: runner.invoke(cli, ["check", "--max-size", "20000000", str(path)]))
    assert_exit(result, 0)  # raising the limit lets the (valid) contract through


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.sib"
    result = compile_file(missing)
    assert [d.code for d in result.diagnostics] == ["SIB001"]
    assert "no such file" in result.diagnostics[0].message
    assert_cli_rejects(runner, [str(missing)], "SIB001")


def test_directory_given_to_compile_file(tmp_path: Path) -> None:
    assert [d.code for d in compile_file(tmp_path).diagnostics] == ["SIB001"]


def test_directory_without_sib_files_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a contract", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    for fmt in ("text", "json"):
        result = runner.invoke(cli, ["check", "--format", fmt, str(tmp_path)])
        assert_exit(result, 2)
        assert "no .sib files" in result.output


def test_stdin_valid_and_invalid(runner: CliRunner) -> None:
    good = runner.invoke(cli, ["check", "-"], input=VALID.encode())
    assert_exit(good, 0)
    bad = runner.invoke(cli, ["check", "-"], input=VALID.replace("move_in", "Move_In").encode())
    assert_exit(bad, 1)
    assert "<stdin>:5:" in bad.output
    assert_cli_rejects(runner, ["-"], "SIB104", stdin=b"")


THREE_ERRORS = HEADER + """outcome a "A" costs GBP 500
outcome b "B" pays GBP 600

cohort c "C" at most GBP
outcome d "D" pays pays
cap contract GBP 2m
"""


def test_three_syntax_errors_are_all_reported(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "three.sib"
    path.write_text(THREE_ERRORS, encoding="utf-8")
    result = compile_file(path)
    errors = [(d.code, d.span.line) for d in result.diagnostics if d.severity is Severity.ERROR]
    assert [line for _, line in errors] == [5, 8, 9], errors
    assert all(code in ("SIB010", "SIB012") for code, _ in errors)

    text = runner.invoke(cli, ["check", str(path)])
    assert_exit(text, 1)
    for line in (5, 8, 9):
        assert f"{path}:{line}:" in text.output
    assert "3 errors" in text.output

    machine = runner.invoke(cli, ["check", "--format", "json", str(path)])
    doc = json.loads(machine.output)
    assert doc["valid"] is False and doc["error_count"] == 3
    assert [d["range"]["start"]["line"] for d in doc["diagnostics"]] == [5, 8, 9]


def test_many_syntax_errors_stop_at_the_limit(tmp_path: Path) -> None:
    data = (HEADER + 'outcome a "A" costs GBP 1\n' * 5_000).encode()
    result = timed(lambda: compile_bytes(data))
    codes = [d.code for d in result.diagnostics]
    assert codes.count("SIB010") == 50
    assert codes[-1] == "SIB015"


# ---------------------------------------------------------------- regressions: bugs found here, fixed
# Found by this file and the fuzzers (tests/test_fuzz.py), fixed in commit 8f355e3; each test is
# the minimal reproducer, kept so that the bug stays fixed.

TWO_OUTCOMES = HEADER + 'outcome a "A" pays GBP 1\noutcome b "B" pays GBP 1\n'
PARENS = "(" * 40


def codes_of(text: str) -> list[str]:
    return [d.code for d in timed(lambda: compile_text(text)).diagnostics]


def test_exclusive_group_with_5000_digit_k() -> None:
    """Was: ValueError (int max str digits) from the SIB410 message -- a traceback."""
    assert "SIB016" in codes_of(TWO_OUTCOMES + "only " + "9" * 5000 + " of a, b\n")


def test_tier_bound_with_5000_digits() -> None:
    """Was: ValueError (int max str digits) from the SIB405 message -- a traceback."""
    assert "SIB016" in codes_of(HEADER + 'outcome a "A" pays tiered GBP 1 for 1 to 5, GBP 2 from ' + "9" * 5000 + "\n")


def test_tier_bounds_obey_the_digit_limit() -> None:
    """Was: tier bounds skipped SIB016; a 5,000-digit bound compiled and its JSON would not load."""
    assert "SIB016" in codes_of(HEADER + 'outcome a "A" pays tiered GBP 1 for 1 to ' + "9" * 25 +
                                ", GBP 2 from 1" + "0" * 25 + "\n")


def test_huge_payer_cap_sib403() -> None:
    """Was: decimal.InvalidOperation from quantize() in the default 28-digit context (SIB403)."""
    big = "GBP 999999999999999999bn * 99999999"
    src = (HEADER.replace("pays 100%", f"pays 50% at most {big}") + 'payer fund "Fund" pays 50%\n'
           'outcome a "A" pays GBP 1\n' + f"cap contract {big} * 99\n")
    assert codes_of(src) == ["SIB403"]


def test_overflowing_money_is_out_of_range() -> None:
    """Was: Infinity (Overflow not trapped) reaching the model as SIB900."""
    codes = codes_of(VALID + "cap contract GBP 1" + " * 999999999999999999" * 56_000 + "\n")
    assert "SIB206" in codes and "SIB900" not in codes
    assert "SIB206" in codes_of(VALID + "cap contract GBP 1" + " * 999999999999999999" * 3 + "\n")


def test_overflowing_duration_is_out_of_range() -> None:
    """Was: int(Infinity) -> OverflowError -- a traceback."""
    assert "SIB206" in codes_of(HEADER + 'outcome a "A" pays GBP 1 within 1 days' +
                                " * 999999999999999999" * 56_000 + "\n")


def test_parentheses_in_comment_are_not_nesting() -> None:
    """Was: SIB014 on a valid contract with 33+ '(' in a comment."""
    assert codes_of(VALID + "# " + PARENS + "\n") == []


def test_parentheses_after_escaped_quote_are_not_nesting() -> None:
    """Was: an escaped quote flipped the in-string flag of the nesting check: SIB014."""
    assert codes_of(VALID + 'define "6\\" ' + PARENS + '" as "x"\n') == []


def test_parentheses_in_long_text_are_not_nesting() -> None:
    """Was: the in-string flag was reset at each newline of a \"\"\"long text\"\"\": SIB014."""
    assert codes_of(VALID + 'define "x" as """\n' + "(\n" * 40 + '"""\n') == []


def test_unclosed_parentheses_are_syntax_errors_not_nesting() -> None:
    """Was: depth carried across declarations, so 33 lines each leaving one '(' open gave SIB014."""
    codes = set(codes_of(VALID + "cap contract (GBP 1\n" * 33))
    assert "SIB014" not in codes
    assert codes & {"SIB010", "SIB012"}


def test_message_for_a_huge_token_is_bounded() -> None:
    """Was: the SIB010 message quoted the whole 1 MB token."""
    result = timed(lambda: compile_text("a" * 1_000_000))
    assert [d.code for d in result.diagnostics] == ["SIB010"]
    assert all(len(d.message) < 1000 for d in result.diagnostics)


# ---------------------------------------------------------------- bugs found and fixed
# Each was a strict xfail with its minimal reproducer until fixed; now a regression test.

def test_paid_outcomes_condition_reported_once() -> None:
    src = VALID + 'investor fund "Fund" commits GBP 10\ntranche t GBP 1 when paid outcomes reach USD 5\n'
    assert codes_of(src) == ["SIB203"]


# Bounded time: these run in a child process that is killed at its deadline (a linear-time
# compiler takes a fraction of it; the quadratic ones it replaced took minutes).
def _compile_with_deadline(src: str, seconds: float) -> list[str]:
    code = ("import sys; from sibdsl.compiler import compile_text; "
            "print(' '.join(d.code for d in compile_text(sys.stdin.read()).diagnostics))")
    proc = subprocess.run([sys.executable, "-c", code], input=src, capture_output=True, text=True,
                          encoding="utf-8", timeout=seconds, check=True)
    return proc.stdout.split()


def test_many_unknown_names_in_bounded_time() -> None:
    src = HEADER + "".join(f'outcome out{i} "O" pays GBP 1 after outx{i}\n' for i in range(2500))
    codes = _compile_with_deadline(src, 10)
    assert codes.count("SIB101") == 2500


def test_long_ladder_under_zero_cap_in_bounded_time() -> None:
    n = 10_000
    lines = [f'outcome o{i} "O" pays GBP 1 after o{i - 1}' for i in range(n, 1, -1)]
    src = HEADER + "\n".join([*lines, 'outcome o1 "O" pays GBP 1', "cap outcome o1 0 outcomes"]) + "\n"
    codes = _compile_with_deadline(src, 10)
    assert codes.count("SIB412") == n
