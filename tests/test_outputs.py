"""Settlement outputs a reader can trust: no spreadsheet formula planted through a ledger, money
with the currency's minor unit in every file, a summary that counts participants paid, keeps
measurements apart from claims and counts what each cap did, and docs that name every column.

Most tests run `sibc settle` end to end (click's CliRunner) and read the files it writes."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sibdsl.cli.main import cli
from sibdsl.core.csvsafe import TRIGGERS, escape_cell, escape_row, unescape_cell
from sibdsl.core.moneytext import money_text
from sibdsl.settlement import engine
from sibdsl.settlement.output import cap_effects, decision_table, root_cause, summary
from sibdsl.settlement.records import Decision, Reason, Status

ROOT = Path(__file__).resolve().parents[1]

CONTRACT = """contract "Outputs" version 1
currency {currency}
term 2020-01-01 to 2021-12-31
settled quarterly in arrears
payer council "Council" pays 70%, at most {currency} 1,400
payer fund "Fund" pays 30%
investor bank "Bank" commits {currency} 1,000 to {currency} 2,000
cohort people "People" at most 10 participants, referred 2020-01-01 to 2020-12-31
outcome move_in "Move in" pays {currency} 500
outcome housed "Housed 3 months" pays {currency} 1,000 after move_in at least 3 months
outcome fewer "Fewer reconvictions" pays {currency} 10 per 1% reduction in "reconvictions" against baseline threshold 10%
cap contract {currency} 1,800
tranche t1 {currency} 1,000 on 2020-01-01
tranche t2 up to {currency} 800 at discretion for "new services"
"""
# in date order: c1 500 and c3 500 paid; c4 too soon; c2 cut to 800 by the contract cap (1,800);
# c5 rejected by the contract cap; c6 rejected: its prerequisite c5 was stopped by that cap
CLAIMS = """claim_id,participant,outcome,date,start
c1,p1,move_in,2020-02-01,2020-01-15
c2,p1,housed,2020-06-01,
c3,p2,move_in,2020-03-01,2020-02-01
c4,p2,housed,2020-04-01,
c5,p3,move_in,2020-07-01,2020-06-01
c6,p3,housed,2020-11-01,
"""
HOSTILE = """claim_id,participant,outcome,date,start
"=HYPERLINK(""http://evil.example"",""x"")",@SUM(A1:A9),move_in,2020-02-01,2020-01-15
+c2,-p2,move_in,2020-03-01,2020-02-01
c3,'t Hooft,move_in,2020-03-02,2020-02-01
"""
REQUESTS = """request_id,tranche,date,amount,purpose
=r1,t2,2020-05-01,100.005,"=cmd|' /C calc'!A0"
@r2,t2,2020-06-01,900,-housing
"""
NUMBER = re.compile(r"-?\d+(\.\d+)?$")


def write(tmp: Path, claims: str = CLAIMS, currency: str = "GBP", **files: str) -> Path:
    (tmp / "c.sib").write_text(CONTRACT.format(currency=currency), encoding="utf-8")
    (tmp / "claims.csv").write_text(claims, encoding="utf-8")
    for name, text in files.items():
        (tmp / f"{name}.csv").write_text(text, encoding="utf-8")
    return tmp


def sibc_settle(tmp: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["settle", str(tmp / "c.sib"), str(tmp / "claims.csv"), "-o", str(tmp / "out"),
                                      *args])
    assert result.exit_code == 0, result.output
    return result.output


def rows(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text(encoding="utf-8").splitlines()))


def by_name(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


MONEY_COLUMNS = {"decisions.csv": ("price", "amount", "paid_by_council", "paid_by_fund"),
                 "invoices.csv": ("amount",), "tranches.csv": ("amount",)}


# ---------------------------------------------------------------- CSV injection
@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'=x", "''+x", "'\t"])
def test_a_cell_a_spreadsheet_would_evaluate_gets_a_quote(cell: str) -> None:
    assert escape_cell(cell) == "'" + cell
    assert unescape_cell(escape_cell(cell)) == cell


@pytest.mark.parametrize("cell", ["c1", "", "'t Hooft", "'", "1-2", " =x", "O'Brien", "''"])
def test_a_safe_cell_is_written_and_read_unchanged(cell: str) -> None:
    assert escape_cell(cell) == cell and unescape_cell(cell) == cell


def test_escape_row_leaves_number_columns_alone() -> None:
    assert escape_row(["-c1", "-5.00", None, date(2020, 1, 1)], numeric={1}) == ["'-c1", "-5.00", "", "2020-01-01"]


@given(st.text())
def test_escaping_round_trips_through_a_csv_file(text: str) -> None:
    cell = escape_cell(text)
    assert cell[:1] not in TRIGGERS
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerow([cell, text])
    back = next(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert unescape_cell(back[0]) == text


def test_no_csv_that_settle_writes_has_a_formula_cell(tmp_path: Path) -> None:
    write(tmp_path, HOSTILE, requests=REQUESTS)
    sibc_settle(tmp_path, "--requests", str(tmp_path / "requests.csv"))
    for name in ("decisions.csv", "invoices.csv", "tranches.csv"):
        table = rows(tmp_path / "out" / name)
        money = {table[0].index(c) for c in MONEY_COLUMNS[name] if c in table[0]}
        for row in table[1:]:
            for i, cell in enumerate(row):
                if i in money:
                    assert NUMBER.match(cell), (name, cell)  # numbers stay numbers
                else:
                    assert cell[:1] not in TRIGGERS, (name, table[0][i], cell)
    decisions = {r["claim_id"]: r for r in by_name(tmp_path / "out" / "decisions.csv")}
    assert set(decisions) == {"'=HYPERLINK(\"http://evil.example\",\"x\")", "'+c2", "c3"}
    assert decisions["'+c2"]["participant"] == "'-p2"
    assert decisions["'=HYPERLINK(\"http://evil.example\",\"x\")"]["participant"] == "'@SUM(A1:A9)"
    assert decisions["c3"]["participant"] == "'t Hooft"  # a quote before a safe letter: untouched
    assert {unescape_cell(k) for k in decisions} == {'=HYPERLINK("http://evil.example","x")', "+c2", "c3"}
    tranches = by_name(tmp_path / "out" / "tranches.csv")
    requested = {t["request_id"]: t for t in tranches if t["request_id"]}
    assert requested["'=r1"]["detail"] == "'=cmd|' /C calc'!A0"
    assert requested["'@r2"]["detail"].startswith("'-housing")


def test_json_decisions_are_not_escaped(tmp_path: Path) -> None:
    write(tmp_path, HOSTILE)
    sibc_settle(tmp_path, "--format", "json")
    lines = [json.loads(line) for line in (tmp_path / "out" / "decisions.jsonl").read_text().splitlines()]
    assert {d["claim_id"] for d in lines} == {'=HYPERLINK("http://evil.example","x")', "+c2", "c3"}
    assert {d["participant"] for d in lines} == {"@SUM(A1:A9)", "-p2", "'t Hooft"}


# ---------------------------------------------------------------- money
@pytest.mark.parametrize(("amount", "places", "text"), [
    (Decimal("25000"), 2, "25000.00"), (Decimal("0"), 2, "0.00"), (Decimal("-0"), 2, "0.00"),
    (Decimal("50.00"), 2, "50.00"), (Decimal("1.500"), 2, "1.50"), (Decimal("1E+3"), 2, "1000.00"),
    (Decimal("500"), 0, "500"), (Decimal("7"), 3, "7.000"), (Decimal("-5"), 2, "-5.00"),
    (Decimal("100.005"), 2, "100.005"),  # more places than the currency's: written as they are, never rounded
    (Decimal("123456789012345678901234567890"), 2, "123456789012345678901234567890.00"),
])
def test_money_text(amount: Decimal, places: int, text: str) -> None:
    assert money_text(amount, places) == text


def test_money_text_grouping() -> None:
    assert money_text(Decimal("2513800"), 2, grouping=True) == "2,513,800.00"


@pytest.mark.parametrize(("currency", "pattern"), [("GBP", r"\d+\.\d{2}$"), ("JPY", r"\d+$")])
def test_every_money_cell_has_the_currency_minor_unit(tmp_path: Path, currency: str, pattern: str) -> None:
    write(tmp_path, currency=currency, requests="request_id,tranche,date,amount\nr1,t2,2020-05-01,300\n",
          measurements="measurement_id,outcome,cohort,date,baseline,observed\nm1,fewer,people,2020-05-01,200,150\n")
    sibc_settle(tmp_path, "--requests", str(tmp_path / "requests.csv"),
                "--measurements", str(tmp_path / "measurements.csv"))
    seen = 0
    for name in ("decisions.csv", "invoices.csv"):  # tranches.csv: see the next test
        for row in by_name(tmp_path / "out" / name):
            for column in MONEY_COLUMNS[name]:
                assert re.match(pattern, row[column]), (name, column, row[column])
                seen += 1
    assert seen > 20
    decisions = {r["claim_id"]: r for r in by_name(tmp_path / "out" / "decisions.csv")}
    assert decisions["c4"]["price"] == ("0.00" if currency == "GBP" else "0")  # a rejection's zero was "0"


def test_invoices_and_tranches_print_a_cut_part_with_its_pennies(tmp_path: Path) -> None:
    # the council's 70% of a GBP 2,000 claim is cut to its cap, GBP 1,000 less nothing paid yet: the
    # invoice printed "1000" beside the fund's "600.00", and the tranches "1000" and "300"
    contract = CONTRACT.format(currency="GBP").replace("cap contract GBP 1,800", "").replace("1,400", "1,000")
    (tmp_path / "c.sib").write_text(contract.replace("pays GBP 500", "pays GBP 2,000"), encoding="utf-8")
    (tmp_path / "claims.csv").write_text("claim_id,participant,outcome,date,start\nc1,p1,move_in,2020-02-01,"
                                         "2020-01-15\n", encoding="utf-8")
    (tmp_path / "requests.csv").write_text("request_id,tranche,date,amount\nr1,t2,2020-05-01,300\n",
                                           encoding="utf-8")
    out = sibc_settle(tmp_path, "--requests", str(tmp_path / "requests.csv"))
    invoices = by_name(tmp_path / "out" / "invoices.csv")
    assert {(r["payer"], r["amount"]) for r in invoices} == {("council", "1000.00"), ("fund", "600.00")}
    tranches = {t["tranche"]: t for t in by_name(tmp_path / "out" / "tranches.csv")}
    assert tranches["t1"]["amount"] == "1000.00" and tranches["t2"]["amount"] == "300.00"
    assert "GBP 1,600.00" in out


def test_json_money_is_a_string_with_fixed_places(tmp_path: Path) -> None:
    write(tmp_path, currency="JPY")
    sibc_settle(tmp_path, "--format", "json")
    lines = [json.loads(line) for line in (tmp_path / "out" / "decisions.jsonl").read_text().splitlines()]
    first = next(d for d in lines if d["claim_id"] == "c1")
    assert first["amount"] == "500" and first["paid_by_council"] == "350" and isinstance(first["price"], str)
    write(tmp_path)
    sibc_settle(tmp_path, "--format", "json")
    lines = [json.loads(line) for line in (tmp_path / "out" / "decisions.jsonl").read_text().splitlines()]
    rejected = next(d for d in lines if d["claim_id"] == "c4")
    assert rejected["price"] == "0.00" and rejected["amount"] == "0.00" and rejected["paid_by_fund"] == "0.00"


def test_summary_money_is_never_rounded_and_follows_the_currency(tmp_path: Path) -> None:
    write(tmp_path, requests="request_id,tranche,date,amount\nr1,t2,2020-05-01,100.005\n")
    out = sibc_settle(tmp_path, "--requests", str(tmp_path / "requests.csv"))
    assert re.search(r"GBP +100\.005 request r1", out), out  # was "GBP 100.00": a figure the ledger does not hold
    write(tmp_path, currency="JPY")
    out = sibc_settle(tmp_path)
    assert "JPY 1,800" in out and "1,800.00" not in out


def test_decision_table_uses_the_currency_places() -> None:
    d = Decision("c1", "p1", "move_in", date(2020, 1, 1), Status.PAID, Reason.PAID, Decimal("1000"),
                 Decimal("1000"), 0)
    assert " 1000.00  paid" in decision_table([d], "GBP")
    assert " 1000  paid" in decision_table([d], "JPY")


# ---------------------------------------------------------------- summary counts
def test_summary_counts_participants_paid(tmp_path: Path) -> None:
    write(tmp_path)
    out = sibc_settle(tmp_path)
    assert re.search(r"participants paid +2 +of 3 with claims", out), out  # p1, p2 paid; p3 never


def test_measurements_are_not_counted_as_claims(tmp_path: Path) -> None:
    write(tmp_path, claims="claim_id,participant,outcome,date\n",
          measurements="measurement_id,outcome,cohort,date,baseline,observed\nm1,fewer,people,2020-05-01,200,150\n"
                       "m1,fewer,people,2020-06-01,200,150\n")
    out = sibc_settle(tmp_path, "--measurements", str(tmp_path / "measurements.csv"))
    assert re.search(r"claims decided +0\n", out), out
    assert re.search(r"measurements decided +2\n  paid in full +1   GBP 250.00\n", out), out
    assert re.search(r"participants paid +0 ", out)
    assert "measurements rejected, by reason:\n  duplicate_claim" in out
    assert "\nrejected, by reason:" not in out  # no claim was rejected
    invoices = by_name(tmp_path / "out" / "invoices.csv")
    assert {(r["claims"], r["measurements"]) for r in invoices} == {("0", "1")}


def _cap_effect_line(out: str, name: str) -> tuple[int, int, int]:
    match = re.search(rf"^  {re.escape(name)} +(\d+) +(\d+) +(\d+)", out, re.M)
    assert match, out
    return int(match[1]), int(match[2]), int(match[3])


def test_summary_counts_what_each_cap_did(tmp_path: Path) -> None:
    write(tmp_path)
    out = sibc_settle(tmp_path)
    assert "cap effects:" in out
    assert _cap_effect_line(out, "cap contract")[:2] == (1, 1)  # c2 cut, c5 rejected
    assert _cap_effect_line(out, "payer council's cap") == (0, 0, 0)


def test_summary_words_for_one_then_reject_payer_cap_are_true(tmp_path: Path) -> None:
    """One payer's `cap payer ... then reject` rejects the claim while the other payer has no cap:
    the summary must not say that every payer's cap was reached (issue 7)."""
    (tmp_path / "c.sib").write_text(
        'contract "One payer cap" version 1\ncurrency GBP\nterm 2020-01-01 to 2021-12-31\n'
        'payer council "Council" pays 50%\npayer fund "Fund" pays 50%\n'
        'outcome move_in "Move in" pays GBP 1,000\ncap payer fund GBP 700 then reject\n', encoding="utf-8")
    (tmp_path / "claims.csv").write_text(
        "claim_id,participant,outcome,date\nc1,p1,move_in,2020-02-01\nc2,p2,move_in,2020-03-01\n", encoding="utf-8")
    out = sibc_settle(tmp_path)
    line = next(x for x in out.splitlines() if x.strip().startswith("payer_cap_reached"))
    assert "every payer" not in line, line
    assert "then reject" in line, line
    assert [r["reason"] for r in by_name(tmp_path / "out" / "decisions.csv")] == ["paid", "payer_cap_reached"]
    effects = out[out.index("cap effects:"):].split("\n\n")[0]
    assert "payer fund's cap" not in effects, effects  # only the `cap payer` line: no row at the payer's line
    assert _cap_effect_line(out, "cap payer fund")[:2] == (0, 1), effects


def _with_cause(d: Decision, cause: object) -> Decision:
    """A copy of a decision with the engine's `root_cause` set (the engine may not set it yet)."""
    class _Caused(Decision):
        pass

    copy = _Caused(**{name: getattr(d, name) for name in Decision.__dataclass_fields__})
    object.__setattr__(copy, "root_cause", cause)
    return copy


def _cause_prerequisites(cause: object) -> Any:
    """The engine's `decide`, with `cause` as the root cause of every prerequisite_not_paid
    rejection (patched on the class: nothing binds it at import, so nothing keeps it after)."""
    real = engine._Engine.decide

    def decide(self: Any, claim: Any) -> Decision:
        d = real(self, claim)
        return _with_cause(d, cause) if d.reason is Reason.PREREQUISITE_NOT_PAID else d
    return decide


def test_claims_a_cap_stopped_through_their_prerequisite_are_counted(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path)
    monkeypatch.setattr(engine._Engine, "decide", _cause_prerequisites("caps.0"))
    out = sibc_settle(tmp_path)
    assert _cap_effect_line(out, "cap contract") == (1, 1, 1)  # c6: its move_in (c5) was stopped by the cap
    assert "prerequisite not paid (1 of them because a cap stopped the prerequisite)" in out
    decisions = {r["claim_id"]: r for r in by_name(tmp_path / "out" / "decisions.csv")}
    assert decisions["c6"]["root_cause"] == "caps.0" and decisions["c1"]["root_cause"] == ""


def test_without_a_root_cause_nothing_is_counted_as_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path)
    monkeypatch.setattr(engine._Engine, "decide", _cause_prerequisites(None))
    out = sibc_settle(tmp_path, "--format", "json")
    assert _cap_effect_line(out, "cap contract")[2] == 0 and "because a cap stopped" not in out
    lines = [json.loads(line) for line in (tmp_path / "out" / "decisions.jsonl").read_text().splitlines()]
    assert next(d for d in lines if d["claim_id"] == "c6")["root_cause"] is None
    assert next(d for d in lines if d["claim_id"] == "c1")["root_cause"] is None


@pytest.mark.parametrize("cause", ["caps.0", "cap contract", "the contract cap", "The contract cap (c.sib:12)",
                                   ("caps", 0)])
def test_a_root_cause_is_found_however_the_engine_names_the_cap(tmp_path: Path, cause: object) -> None:
    result, spans = _settled(tmp_path)
    result.decisions = [_with_cause(d, cause) if d.claim_id == "c6" else d for d in result.decisions]
    lines = cap_effects(result, spans, "c.sib")
    assert _cap_effect_line("\n".join(lines), "cap contract") == (1, 1, 1)
    assert root_cause(result.decisions[-1]) in (cause, "caps.0")


def test_a_root_cause_that_names_no_cap_is_listed_by_its_own_words(tmp_path: Path) -> None:
    result, spans = _settled(tmp_path)
    result.decisions = [_with_cause(d, "the moon") if d.claim_id == "c6" else d for d in result.decisions]
    text = "\n".join(cap_effects(result, spans, "c.sib"))
    assert _cap_effect_line(text, "cap contract") == (1, 1, 0)
    assert _cap_effect_line(text, "the moon") == (0, 0, 1)
    assert "cap effects:" in summary(result, [], spans, "c.sib")


def _settled(tmp: Path) -> tuple[Any, Any]:
    from sibdsl.compiler import compile_file
    from sibdsl.settlement.ledger import read_ledger

    write(tmp)
    compiled = compile_file(str(tmp / "c.sib"))
    assert compiled.model is not None
    ledger = read_ledger(str(tmp / "claims.csv"), "claims", compiled.model)
    return engine.settle(compiled.model, ledger.records), compiled.spans


# ---------------------------------------------------------------- the docs name every column
def _section(title: str) -> str:
    text = (ROOT / "docs" / "settlement.md").read_text(encoding="utf-8")
    assert f"\n{title}\n" in text, title
    body = text.split(f"\n{title}\n", 1)[1]
    return body.split("\n## ", 1)[0]


def test_docs_name_every_column_of_every_file_settle_writes(tmp_path: Path) -> None:
    write(tmp_path, requests="request_id,tranche,date,amount\nr1,t2,2020-05-01,300\n")
    sibc_settle(tmp_path, "--requests", str(tmp_path / "requests.csv"))
    docs = _section("## Output files")
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["decisions.csv", "invoices.csv", "summary.txt", "tranches.csv"]
    for name in written:
        assert f"`{name}`" in docs, name
    assert "`decisions.jsonl`" in docs
    for name in ("decisions.csv", "invoices.csv", "tranches.csv"):
        for column in rows(tmp_path / "out" / name)[0]:
            column = "paid_by_PAYER" if column.startswith("paid_by_") else column
            assert f"| `{column}` |" in docs, (name, column)


def test_docs_name_every_ledger_header_alias() -> None:
    from sibdsl.settlement.ledger import ALIASES, KINDS

    docs = _section("## Ledger columns")
    for alias, column in ALIASES.items():
        if column is not None:
            assert f"`{alias}`" in docs and f"`{column}`" in docs, alias
    for required, optional in KINDS.values():
        for column in (*required, *optional):
            assert f"`{column}`" in docs, column
