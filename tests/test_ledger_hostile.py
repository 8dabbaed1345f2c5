"""Hostile ledgers: one regression test per class of fault that `sibc settle` had with claims,
measurements and requests files (issue 7, items 3, 6 and 8). Each fails without its fix
(checked against the code before it), except the one guard marked as such.

Each case runs the command as a user does (`sibc settle` through click's CliRunner, or
`run_settle`) and states what must come out: the exit code, the diagnostic with its file:line:col
as an editor shows the file, and no traceback or internal error (SIB999). Where the fault was a
row dropped without a word, the test counts the rows decided and reported.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sibdsl.cli.main import cli
from sibdsl.cli.settle_cmd import run_settle
from sibdsl.compiler import compile_text
from sibdsl.settlement.ledger import parse_ledger, read_ledger

CONTRACT = """contract "Hostile ledgers" version 1
currency GBP
term 2020-01-01 to 2021-12-31
payer council "Council" pays 100%
investor bank "Bank" commits GBP 1,000 to GBP 2,000
cohort people "People" at most 100 participants
outcome move_in "Move in" pays GBP 500
outcome skills "Skills gain" pays GBP 400 scaled by "test score": 0% at 0.5, 100% at 1.4
tranche spare up to GBP 800 at discretion for "new services"
"""
HEAD = "claim_id,participant,outcome,date"
GOOD = "c1,p1,move_in,2020-02-01"


def settle(folder: Path, claims: bytes | str, name: str = "claims.csv", *args: str) -> Result:
    (folder / "c.sib").write_text(CONTRACT, encoding="utf-8")
    data = claims.encode("utf-8") if isinstance(claims, str) else claims
    (folder / name).write_bytes(data)
    result = CliRunner().invoke(cli, ["settle", str(folder / "c.sib"), str(folder / name), "-o", str(folder / "out"),
                                      "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and "SIB999" not in result.output and "internal error" not in result.output
    return result


def decided(folder: Path) -> list[dict[str, str]]:
    path = folder / "out" / "decisions.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def ledger(text: str, name: str = "claims.csv", kind: str = "claims"):  # type: ignore[no-untyped-def]
    model = compile_text(CONTRACT).model
    assert model is not None
    return parse_ledger(text, name, kind, model)


# ---------------------------------------------------------------- rows of commas: reported, not dropped
def test_row_of_fewer_commas_than_columns_is_reported(tmp_path: Path) -> None:
    """Was: `,,` (three empty fields under a four-column header) vanished without a word."""
    result = settle(tmp_path, f"{HEAD}\n{GOOD}\n,,\nc2,p2,move_in,2020-02-02\n")
    assert result.exit_code == 0, result.output
    assert f"{tmp_path / 'claims.csv'}:3:1: warning[SIB707]: row 3 is empty (no values): skipped" in result.stderr
    assert "= hint: an empty row is not a claim" in result.stderr
    assert [d["claim_id"] for d in decided(tmp_path)] == ["c1", "c2"]


def test_trailing_rows_of_commas_are_one_warning_and_do_not_stop_settlement(tmp_path: Path) -> None:
    """Spreadsheets write `,,,` rows below the data: one warning for the run, blank lines inside it
    included; the rows are counted, and settlement goes on (was: SIB705 'claim_id empty' for each
    row of the header's width, nothing settled; silence for the others)."""
    result = settle(tmp_path, f"{HEAD}\n{GOOD}\n,,,\n,,,\n\n , ,, \n,,,,,,\n")
    assert result.exit_code == 0, result.output
    assert "claims.csv:3:1: warning[SIB707]: 4 empty rows (no values), lines 3 to 7: skipped" in result.stderr
    assert result.stderr.count("SIB707") == 1 and "SIB705" not in result.stderr
    lg = ledger(f"{HEAD}\n{GOOD}\n,,,\n,,,\n\n , ,, \n,,,,,,\n")
    assert lg.empty_rows == [3, 4, 6, 7] and [r.row for r in lg.records] == [2] and lg.invalid_rows == []


def test_empty_rows_between_claims_are_separate_warnings() -> None:
    lg = ledger(f"{HEAD}\n,,,\n{GOOD}\n,,\n")
    assert [(d.code, d.span.line) for d in lg.sink.sorted()] == [("SIB707", 2), ("SIB707", 4)]


# ---------------------------------------------------------------- line ends
def test_cr_only_line_ends(tmp_path: Path) -> None:
    """Was: csv.Error 'new-line character seen in unquoted field' -> SIB999 (old Mac / some exports)."""
    result = settle(tmp_path, f"{HEAD}\r{GOOD}\rc2,p2,move_inn,2020-02-01\r")
    assert result.exit_code == 1
    assert "claims.csv:3:7: error[SIB704]: row 3, column outcome: the contract has no outcome 'move_inn'" in \
        result.stderr
    assert " 3 | c2,p2,move_inn,2020-02-01\n   |       ^^^^^^^^" in result.stderr  # the line as an editor shows it


def test_lone_cr_ends_a_line_outside_quotes(tmp_path: Path) -> None:
    """Was: SIB999. A lone CR ends the line (as in editors), so `p\\r1` is two short rows."""
    result = settle(tmp_path, f"{HEAD}\nc1,p\r1,move_in,2020-02-01\nc2,p2,move_inn,2020-02-01\n")
    assert result.exit_code == 1
    assert "claims.csv:2:5: error[SIB703]: row 2, column row: 2 fields, the header has 4" in result.stderr
    assert "claims.csv:3:" in result.stderr and "claims.csv:4:7: error[SIB704]" in result.stderr


def test_lone_cr_inside_a_quoted_value_is_kept_and_lines_stay_true() -> None:
    """Was: the row after it was reported one line too early (line 3, the file shows it on 4)."""
    lg = ledger(f'{HEAD}\nc1,"p\r1",move_in,2020-02-01\nc2,p2,move_inn,2020-02-01\n')
    assert [r.participant for r in lg.records] == ["p\r1"]  # the value as written
    assert [(d.code, d.span.line, d.span.column) for d in lg.sink.items] == [("SIB704", 4, 7)]
    assert lg.source is not None and lg.source.line_text(4) == "c2,p2,move_inn,2020-02-01"


def test_a_row_spanning_lines_is_numbered_by_its_first_line() -> None:
    """Was: reader.line_num, the row's LAST line: 'row 3' for a row that starts on line 2."""
    lg = ledger(f'{HEAD},evidence\nc1,p1,move_inn,2020-02-01,"two\nlines"\n')
    assert [(d.span.line, d.span.column) for d in lg.sink.items] == [(2, 7)]
    assert lg.sink.items[0].message.startswith("row 2, column outcome")


def test_an_unclosed_quote_does_not_swallow_the_rows_after_it(tmp_path: Path) -> None:
    """Was: c1 settled with the rest of the file as its evidence; c2 and c3 silently gone."""
    text = f'{HEAD},evidence\nc1,p1,move_in,2020-02-01,"a letter\nc2,p2,move_in,2020-02-02,x\nc3,p3,move_in,2020-02-03,y\n'
    result = settle(tmp_path, text)
    assert result.exit_code == 1
    assert ("claims.csv:2:26: error[SIB703]: row 2: the quote at line 2, column 26 is never closed, so lines 2 to 4 "
            "were read as one row") in result.stderr
    assert decided(tmp_path) == []


# ---------------------------------------------------------------- sizes and depth
def test_a_field_over_128_kib(tmp_path: Path) -> None:
    """Was: csv.Error 'field larger than field limit (131072)' -> SIB999."""
    evidence = "e" * 200_000
    before = csv.field_size_limit()
    result = settle(tmp_path, f"{HEAD},evidence\n{GOOD},{evidence}\nc2,p2,move_in,2020-02-02,short\n")
    assert result.exit_code == 0, result.output[:2000]
    assert [d["claim_id"] for d in decided(tmp_path)] == ["c1", "c2"]
    assert csv.field_size_limit() == before  # the limit is raised only while a ledger is read


def test_a_field_over_128_kib_in_the_header() -> None:
    lg = ledger(HEAD + "," + "h" * 140_000 + f"\n{GOOD},x\n")
    assert lg.readable and [r.claim_id for r in lg.records] == ["c1"]


@pytest.mark.parametrize("value", ["[" * 100_000, '{"a": ' * 100_000, "[" * 100_000 + "]" * 100_000])
def test_deeply_nested_json_is_one_diagnostic(tmp_path: Path, value: str) -> None:
    """Was: RecursionError -> SIB999."""
    good = json.dumps({"claim_id": "c2", "participant": "p2", "outcome": "move_in", "date": "2020-02-02"})
    result = settle(tmp_path, '{"claim_id": ' + value + "\n" + good + "\n", "claims.jsonl", "--skip-invalid")
    assert result.exit_code == 0
    assert result.stderr.count("error[SIB706]") == 1
    assert "claims.jsonl:1:1: error[SIB706]: line 1 is not a JSON object: it is nested too deeply" in result.stderr
    assert [d["claim_id"] for d in decided(tmp_path)] == ["c2"]


def test_a_huge_json_integer(tmp_path: Path) -> None:
    """Was: ValueError (int max str digits) escaping json.loads -> SIB999."""
    row = '{"claim_id": "c1", "participant": "p1", "outcome": "skills", "date": "2020-02-01", "value": ' + "9" * 5000
    result = settle(tmp_path, row + "}\n", "claims.jsonl")
    assert result.exit_code == 1
    assert "claims.jsonl:1:84: error[SIB703]: row 1, column value:" in result.stderr
    assert "is not a usable number" in result.stderr


# ---------------------------------------------------------------- JSON Lines
@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u0085", "\f"], ids=["U+2028", "U+2029", "U+0085", "FF"])
def test_json_strings_may_hold_line_separators(char: str) -> None:
    """Was: str.splitlines split the line there: two SIB706 for it, every later line number shifted."""
    first = '{"claim_id": "c1", "participant": "p' + char + '1", "outcome": "move_in", "date": "2020-02-01"}'
    second = '{"claim_id": "c2", "participant": "p2", "outcome": "move_inn", "date": "2020-02-01"}'
    lg = ledger(first + "\n" + second + "\n", "claims.jsonl")
    assert [r.participant for r in lg.records] == ["p" + char + "1"]
    assert [(d.code, d.span.line, d.span.column) for d in lg.sink.items] == [("SIB704", 2, 41)]


def test_one_bad_json_line_is_one_diagnostic(tmp_path: Path) -> None:
    """Was: SIB706 from the reader and SIB706 'row 1, column row: not a JSON object' from the builder."""
    result = settle(tmp_path, '{"claim_id": "c1"\n', "claims.jsonl")
    assert result.exit_code == 1
    assert result.stderr.count("error[SIB706]") == 1
    assert "claims.jsonl:1:18: error[SIB706]: line 1 is not a JSON object: Expecting ',' delimiter" in result.stderr


def test_json_lines_with_cr_only_line_ends() -> None:
    """A guard, not a regression (str.splitlines managed this): the line splitter that replaced it must too."""
    rows = [json.dumps({"claim_id": f"c{i}", "participant": "p", "outcome": "move_in", "date": "2020-02-01"})
            for i in range(3)]
    lg = ledger("\r".join(rows) + "\r", "claims.jsonl")
    assert [r.row for r in lg.records] == [1, 2, 3] and not lg.sink.items


def test_json_nan_lists_and_repeated_keys_are_reported() -> None:
    """Were: NaN read as the claim id 'nan', a list as the text '[1, 2]', a repeated key silently
    overwriting the first."""
    rest = '"participant": "p1", "outcome": "move_in", "date": "2020-02-01"'
    lg = ledger("\n".join(['{"claim_id": NaN, ' + rest + "}", '{"claim_id": [1, 2], ' + rest + "}",
                           '{"claim_id": "c3", "Claim ID": "c4", ' + rest + "}"]) + "\n", "claims.jsonl")
    assert lg.records == []
    found = [(d.code, d.span.line, d.span.column, d.message) for d in lg.sink.sorted()]
    assert found == [
        ("SIB706", 1, 14, "line 1 is not a JSON object: NaN is not a JSON value"),
        ("SIB703", 2, 2, "row 2, column claim_id: it is an array, not a text or a number"),
        ("SIB703", 3, 20, "row 3: the column claim_id is given twice (as 'claim_id' and 'Claim ID')"),
    ]


# ---------------------------------------------------------------- header and encoding
def test_a_column_named_twice_is_rejected(tmp_path: Path) -> None:
    """Was: the second `date` column silently replaced the first one's values."""
    result = settle(tmp_path, f"{HEAD},achieved\n{GOOD},2020-03-01\n")
    assert result.exit_code == 1
    assert "claims.csv:1:35: error[SIB702]: the claims file names the column date twice (fields 4 and 5)" in \
        result.stderr
    assert "first named here" in result.stderr


def test_blank_lines_before_the_header(tmp_path: Path) -> None:
    """Was: SIB702 'the claims file is empty' for a file that is not."""
    result = settle(tmp_path, f"\n  \n{HEAD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert [d["claim_id"] for d in decided(tmp_path)] == ["c1"]


def test_not_utf8_points_at_the_line_of_the_first_bad_byte(tmp_path: Path) -> None:
    """Was: always line 1, column 1, and no line shown."""
    data = f"{HEAD}\n{GOOD}\nc2,Jos\xe9,move_in,2020-02-01\n".encode("latin-1")
    result = settle(tmp_path, data)
    assert result.exit_code == 1
    assert "claims.csv:3:7: error[SIB702]: the claims file is not UTF-8 text (byte 66 is 0xe9)" in result.stderr
    assert " 3 | c2,Jos\ufffd,move_in,2020-02-01" in result.stderr


def test_not_utf8_after_a_bom_counts_the_bom(tmp_path: Path) -> None:
    """The byte number is the file's (a UTF-8 BOM included); the column that of the line shown."""
    model = compile_text(CONTRACT).model
    assert model is not None
    (tmp_path / "c.csv").write_bytes(b"\xef\xbb\xbf" + f"{HEAD}\nc1,\xe9".encode("latin-1"))
    (d,) = read_ledger(str(tmp_path / "c.csv"), "claims", model).sink.items
    assert (d.span.line, d.span.column) == (2, 4) and "(byte 41 is 0xe9)" in d.message


def test_utf16_is_named(tmp_path: Path) -> None:
    result = settle(tmp_path, f"{HEAD}\n{GOOD}\n".encode("utf-16"))
    assert result.exit_code == 1
    assert "hint: it is UTF-16 text; export it as CSV UTF-8" in result.stderr


@pytest.mark.parametrize(("written", "reading"), [("２０２０-０３-０１", "2020-03-01"), ("2020-03-0١", "2020-03-01")])
def test_dates_of_other_digits(written: str, reading: str) -> None:
    """Was: `\\d` in the date pattern read '２０２０-０３-０１' as 2020-03-01."""
    lg = ledger(f"{HEAD}\nc1,p1,move_in,{written}\n")
    assert lg.records == []
    (d,) = lg.sink.items
    assert d.code == "SIB703" and "only the digits 0-9 count" in d.message
    assert d.hint == f"write it with the digits 0-9: {reading!r}"


def test_numbers_of_other_digits() -> None:
    """Was: Decimal('５００') == 500 (and Decimal('1_000') == 1000) accepted as amounts."""
    model = compile_text(CONTRACT).model
    assert model is not None
    lg = parse_ledger("request_id,tranche,date,amount\nr1,spare,2020-03-01,５００\nr2,spare,2020-03-01,1_000\n",
                      "r.csv", "requests", model)
    assert lg.records == []
    assert [d.hint for d in lg.sink.sorted()] == ["write it with the digits 0-9: '500'", "write plain numbers: 1500.50"]


# ---------------------------------------------------------------- SIB707 through the diagnostic machinery
def test_skipped_row_is_a_rendered_diagnostic(tmp_path: Path) -> None:
    """Was: a hand-made line 'file:3: warning[SIB707]: ...' without column, source line or hint."""
    result = settle(tmp_path, f"{HEAD}\n{GOOD}\nc2,p2,nope,2020-02-01\n", "claims.csv", "--skip-invalid")
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    at = lines.index(f"{tmp_path / 'claims.csv'}:3:7: warning[SIB707]: row 3 skipped (--skip-invalid): this claim "
                     "is not settled")
    assert lines[at + 2:at + 5] == [" 3 | c2,p2,nope,2020-02-01", "   |       ^^^^",
                                    "   = hint: fix the row and settle again to include the claim"]


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_skipped_rows_in_machine_diagnostics(tmp_path: Path, fmt: str) -> None:
    """SIB707 appears in the JSON / SARIF document with the other diagnostics (stderr), and stdout
    keeps only the summary."""
    (tmp_path / "c.sib").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "claims.csv").write_text(f"{HEAD}\n{GOOD}\nc2,p2,nope,2020-02-01\n,,\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_settle(str(tmp_path / "c.sib"), str(tmp_path / "claims.csv"), None, None, str(tmp_path / "out"),
                          "csv", True, None, diagnostics_format=fmt)
    assert code == 0
    document = json.loads(err.getvalue())
    if fmt == "json":
        found = [(d["code"], d["range"]["start"]["line"], d["range"]["start"]["column"]) for d in
                 document["diagnostics"]]
        assert found == [("SIB704", 3, 7), ("SIB707", 3, 7), ("SIB707", 4, 1)]
        assert all(d["hint"] for d in document["diagnostics"])
    else:
        results = document["runs"][0]["results"]
        assert [r["ruleId"] for r in results] == ["SIB704", "SIB707", "SIB707"]
    assert "claims decided" in out.getvalue() and "SIB70" not in out.getvalue()


def test_machine_diagnostics_when_nothing_is_settled(tmp_path: Path) -> None:
    (tmp_path / "c.sib").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "claims.csv").write_text("who,what\n", encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = run_settle(str(tmp_path / "c.sib"), str(tmp_path / "claims.csv"), None, None, str(tmp_path / "out"),
                          "csv", False, None, diagnostics_format="json")
    assert code == 1
    document = json.loads(err.getvalue())  # the whole of stderr is the document
    assert document["valid"] is False and [d["code"] for d in document["diagnostics"]] == ["SIB702"]


# ---------------------------------------------------------------- conservation on a mixed file
def test_every_row_is_decided_or_reported(tmp_path: Path) -> None:
    """Rows in = rows decided + rows reported, on one file with each kind of row."""
    rows = [GOOD, ",,", "c2,p2,move_inn,2020-02-01", 'c3,"p\r3",move_in,2020-02-03', "", "c4,p4,move_in",
            ",,,,,", "c5,p5,move_in,2020-02-05,extra", "c6,p6,move_in,2020-02-06"]
    path = tmp_path / "claims.csv"
    path.write_text(HEAD + "\n" + "\n".join(rows) + "\n", encoding="utf-8", newline="")
    model = compile_text(CONTRACT).model
    assert model is not None
    lg = read_ledger(str(path), "claims", model)
    data_rows = [2, 3, 4, 5, 8, 9, 10, 11]  # line 5-6 is one row; line 7 is blank
    assert sorted([r.row for r in lg.records] + lg.invalid_rows + lg.empty_rows) == data_rows
    assert [r.claim_id for r in lg.records] == ["c1", "c3", "c6"]
    reported = {d.span.line for d in lg.sink.items}
    assert reported == {3, 4, 8, 9, 10}


def test_a_cell_escaped_against_formulas_reads_back_as_written() -> None:
    """sibc writes `=x` as `'=x` (CSV injection); reading such a ledger back drops that quote."""
    from sibdsl.core.csvsafe import escape_cell

    ids = ["=HYPERLINK(1)", "+44", "-1", "@me", "'=x", "'t Hooft", "plain"]
    rows = "".join(f"{escape_cell(i)},p{n},move_in,2020-02-0{n + 1}\n" for n, i in enumerate(ids))
    read = ledger(HEAD + "\n" + rows)
    assert [c.claim_id for c in read.records] == ids
    odd = ledger(HEAD + ",evidence\n\"'=a\nb\",p1,move_in,2020-02-01,x\n")  # a row over two lines
    assert [c.claim_id for c in odd.records] == ["=a\nb"]
