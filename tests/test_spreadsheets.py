"""Spreadsheets in and out (issue 14, item 4): `sibc import-rates` and `sibc export --xlsx`.

The import is tested on rate cards built with openpyxl from the real rate cards of
/work/shared/data/rate-cards (where present) and from the workbook `sibc export` writes for
contracts/fair-chance-fund.sib: import -> .sib outcomes -> compiled inside a small contract
header -> the model's prices equal the sheet's. Hostile sheets each give a located diagnostic.
The codes SIB740-SIB746 cannot be golden cases of tests/test_golden.py (it compiles .sib files);
their golden cases are tests/golden/SIB74x-*.xlsx.expected, recorded here from sheets built in
the test (re-record with --update-golden).
"""

from __future__ import annotations

import csv
import re
import time
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from sibdsl.cli.main import cli
from sibdsl.compiler import compile_bytes, compile_file
from sibdsl.exchange.rates import import_rates, render_sheet_diagnostic
from sibdsl.exchange.workbook import money_format, workbook_bytes
from sibdsl.model.contract import FixedTariff
from sibdsl.settlement.engine import settle
from sibdsl.settlement.ledger import read_ledger
from sibdsl.settlement.output import period_bounds, period_label

ROOT = Path(__file__).parent.parent
RATE_CARDS = Path("/work/shared/data/rate-cards")
GOLDEN = Path(__file__).parent / "golden"
FCF = ROOT / "contracts" / "fair-chance-fund.sib"
FCF_CLAIMS = ROOT / "contracts" / "ledgers" / "fair-chance-fund-claims.csv"
HEADER = ('contract "Imported" version 1\ncurrency {currency}\nterm 2015-01-01 to 2017-12-31\n'
          'payer p "Payer" pays 100%\n\n')


def book(path: Path, rows: list[list[Any]], title: str = "Rates") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40]


def csv_rows(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


def compiled_prices(text: str, currency: str = "GBP") -> dict[str, Decimal]:
    result = compile_bytes((HEADER.format(currency=currency) + text).encode(), "imported.sib")
    assert result.model is not None, [d.message for d in result.diagnostics]
    out = {}
    for o in result.model.outcomes:
        assert isinstance(o.tariff, FixedTariff)
        out[o.name] = o.tariff.price
    return out


def messages(result: Any) -> list[str]:
    return [render_sheet_diagnostic(d) for d in result.diagnostics]


# ---------------------------------------------------------------- round trips on real rate cards
@pytest.mark.skipif(not (RATE_CARDS / "fair-chance-fund.csv").exists(), reason="shared rate cards not present")
def test_fair_chance_fund_rate_card_round_trip(tmp_path: Path) -> None:
    rows = csv_rows(RATE_CARDS / "fair-chance-fund.csv")
    assert len(rows) == 21
    # the price column named with its currency (price_gbp), as the shared file names it
    sheet = [["outcome", "title", "price_gbp", "cohort"]]
    sheet += [[slug(r["outcome"]) and f"o_{slug(r['outcome'])}", r["outcome"], int(r["price_gbp"]), None]
              for r in rows]
    result = import_rates(book(tmp_path / "fcf.xlsx", sheet))
    assert not result.has_errors, messages(result)
    assert result.text is not None and result.outcomes == 21
    assert result.text.startswith("# Rate card imported from fcf.xlsx, sheet 'Rates'")
    prices = compiled_prices(result.text)
    assert prices == {f"o_{slug(r['outcome'])}": Decimal(r["price_gbp"]) for r in rows}


@pytest.mark.skipif(not (RATE_CARDS / "dwp-innovation-fund.csv").exists(), reason="shared rate cards not present")
def test_dwp_two_cards_in_two_sheets(tmp_path: Path) -> None:
    rows = csv_rows(RATE_CARDS / "dwp-innovation-fund.csv")
    wb = openpyxl.Workbook()
    default = wb.active
    assert default is not None
    wb.remove(default)
    for card in ("card_a", "card_b"):
        ws = wb.create_sheet(card)
        ws.append(["Outcome code", "Description", "Price"])
        for r in rows:
            if r[f"{card}_gbp"]:
                ws.append([f"o_{slug(r['outcome'])}", r["outcome"], f"£{int(r[f'{card}_gbp']):,}"])
    path = tmp_path / "dwp.xlsx"
    wb.save(path)
    for card in ("card_a", "card_b"):
        result = import_rates(path, sheet=card)
        assert not result.has_errors, messages(result)
        assert result.text is not None
        expected = {f"o_{slug(r['outcome'])}": Decimal(r[f"{card}_gbp"]) for r in rows if r[f"{card}_gbp"]}
        assert compiled_prices(result.text) == expected
        assert f"sheet '{card}'" in result.text


def test_exported_rate_card_imports_back(tmp_path: Path) -> None:
    """contracts/fair-chance-fund.sib -> export --xlsx -> import-rates -> the same prices and ladder."""
    compiled = compile_file(FCF)
    assert compiled.model is not None
    path = tmp_path / "card.xlsx"
    path.write_bytes(workbook_bytes(compiled.model))
    result = import_rates(path, sheet="Rate card")
    assert not result.has_errors, messages(result)
    assert result.text is not None
    assert {d.code for d in result.diagnostics} == {"SIB746"}  # payment, conditions, evidence in words
    model = compiled.model
    assert compiled_prices(result.text) == {o.name: o.tariff.price for o in model.outcomes
                                            if isinstance(o.tariff, FixedTariff)}


FIXED_PRICE_CONTRACTS = [c for c in sorted((ROOT / "contracts").glob("*.sib"))
                         if (m := compile_file(c).model) is not None
                         and all(isinstance(o.tariff, FixedTariff) for o in m.outcomes)]


@pytest.mark.parametrize("contract", FIXED_PRICE_CONTRACTS, ids=lambda p: p.stem)
def test_every_fixed_price_rate_card_round_trips(tmp_path: Path, contract: Path) -> None:
    """export --xlsx -> import-rates -> compiled beside the contract's cohorts: each outcome's price,
    prerequisites, window, repeat, cohorts, trigger and evidence as the contract has them."""
    from sibdsl.render.words import Words

    model = compile_file(contract).model
    assert model is not None
    path = tmp_path / "card.xlsx"
    path.write_bytes(workbook_bytes(model))
    result = import_rates(path, sheet="Rate card")
    assert not result.has_errors, messages(result)
    assert result.text is not None
    cohorts = "".join(f'cohort {c.name} "{c.name}"\n' for c in model.cohorts)
    text = HEADER.format(currency=model.header.currency) + cohorts + result.text
    back = compile_bytes(text.encode(), "back.sib")
    errors = [d.message for d in back.diagnostics if d.severity.value == "error"]
    assert back.model is not None, errors
    flat = Words.flat
    assert [o.name for o in back.model.outcomes] == [o.name for o in model.outcomes]
    for mine, theirs in zip(back.model.outcomes, model.outcomes, strict=True):
        assert mine.title == theirs.title and mine.tariff == theirs.tariff
        if theirs.prerequisites and theirs.choices:  # two `after` clauses: one column cannot say both
            assert (mine.prerequisites, mine.choices) == ((), ())
        else:
            assert (mine.prerequisites, mine.choices) == (theirs.prerequisites, theirs.choices)
        assert (mine.window, mine.window_from) == (theirs.window, theirs.window_from)
        assert (mine.repeat, mine.repeat_limit, mine.cohorts) == (theirs.repeat, theirs.repeat_limit, theirs.cohorts)
        assert mine.trigger == (flat(theirs.trigger) if theirs.trigger else None)
        assert mine.evidence == (flat(theirs.evidence) if theirs.evidence else None)


def test_full_layout_clauses_compile(tmp_path: Path) -> None:
    sheet = [
        ["Title row of the workbook"],
        ["currency", "USD"],
        ["Code", "Outcome title", "Payment", "Prerequisites", "Window", "How often", "Evidence", "Cohort"],
        ["enrol", "Enrolled", "USD 1,000", None, None, "once", 'signed "form"', "main"],
        ["job", "Job start", 2500.5, "enrol at least 4 weeks", "12 months", "up to 3", None, "main"],
        ["stay", "Job kept", "$3,000.00", "after job at least 13 weeks", "26 weeks of start", "unlimited", None, None],
    ]
    result = import_rates(book(tmp_path / "r.xlsx", sheet))
    assert not result.has_errors, messages(result)
    assert result.text is not None
    text = HEADER.format(currency="USD") + 'cohort main "Main"\n\n' + result.text
    model = compile_bytes(text.encode(), "r.sib").model
    assert model is not None
    job = next(o for o in model.outcomes if o.name == "job")
    assert job.tariff == FixedTariff(price=Decimal("2500.5"))
    assert job.repeat == "up_to" and job.repeat_limit == 3
    assert job.prerequisites[0].outcome == "enrol" and job.window is not None
    enrol = next(o for o in model.outcomes if o.name == "enrol")
    assert enrol.evidence == 'signed "form"' and enrol.cohorts == ("main",)
    assert next(o for o in model.outcomes if o.name == "stay").repeat == "unlimited"
    from sibdsl.syntax.formatter import format_text

    assert format_text(result.text).text == result.text  # already in the canonical layout


# ---------------------------------------------------------------- located errors
def test_bad_price_is_located_at_its_cell(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["outcome", "title", "price"]] + [[f"o{i}", f"O {i}", 100] for i in range(5)]
    rows.append(["o_bad", "Bad", "abc"])
    result = import_rates(book(tmp_path / "rates.xlsx", rows), currency="GBP")
    assert result.text is None
    assert messages(result)[0].splitlines()[0] == "rates.xlsx:Rates!C7: error[SIB742]: price 'abc' is not an amount"
    assert "hint" in messages(result)[0]


@pytest.mark.parametrize("cells, fragment", [
    (["Move in", "Move in", 5], "is not a code name"),
    (["a", None, 5], "has no title"),
    (["a", "A", -5], "is negative"),
    (["a", "A", "USD 5"], "price in USD but the rate card is in GBP"),
    (["a", "A", 5.123], "more decimal places"),
    (["a", "A", "1,50"], "a comma separates thousands"),
    (["a", "A\u2028B", 5], "title has a control character"),
    (["a", "A", 5, "b and"], "after cell cannot be read"),
    (["a", "A", 5, "b at least 3 monts"], "'monts', which is not an outcome"),
    (["a", "A", 5, "b cap contract GBP 1"], "'cap', which is not an outcome of this sheet"),
    (["a", "A", 5, 'b pays "x"'], "cannot stand in a prerequisite"),
    (["a", "A", 5, "c at least 3 months"], "'c', which is not an outcome of this sheet"),
    (["a", "A", 5, None, "soon"], "is not a duration"),
    (["a", "A", 5, None, None, "twice"], "is not once, up to N or unlimited"),
])
def test_bad_cells(tmp_path: Path, cells: list[Any], fragment: str) -> None:
    rows = [["outcome", "title", "price", "after", "within", "repeat"], ["b", "B", 1], cells]
    result = import_rates(book(tmp_path / "r.xlsx", rows), currency="GBP")
    assert result.text is None
    assert any(fragment in m and "r.xlsx:Rates!" in m for m in messages(result)), messages(result)


def test_no_currency_anywhere(tmp_path: Path) -> None:
    result = import_rates(book(tmp_path / "r.xlsx", [["outcome", "title", "price"], ["a", "A", 5]]))
    assert [d.code for d in result.diagnostics] == ["SIB742"]
    assert "no currency" in result.diagnostics[0].message


def test_one_currency_per_card(tmp_path: Path) -> None:
    rows = [["outcome", "title", "price"], ["a", "A", "GBP 5"], ["b", "B", 6], ["c", "C", "USD 7"]]
    result = import_rates(book(tmp_path / "r.xlsx", rows))
    assert [(d.code, d.file) for d in result.diagnostics] == [("SIB742", "r.xlsx:Rates!C4")]
    assert "price in USD but the rate card is in GBP" in result.diagnostics[0].message


def test_duplicate_outcome(tmp_path: Path) -> None:
    rows = [["outcome", "title", "price"], ["a", "A", 5], ["a", "A again", 6]]
    result = import_rates(book(tmp_path / "r.xlsx", rows), currency="GBP")
    assert "appears twice (first in row 2)" in messages(result)[0] and "Rates!A3" in messages(result)[0]


# ---------------------------------------------------------------- hostile sheets (golden)
def _hostile(tmp_path: Path, case: str) -> Path:
    path = tmp_path / "rates.xlsx"
    if case == "SIB740-renamed-csv":
        path.write_text("outcome,title,price\nmove_in,Move in,500\n", encoding="utf-8")
    elif case == "SIB740-zip-not-workbook":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("hello.txt", "not a workbook")
    elif case == "SIB741-empty-sheet":
        book(path, [])
    elif case == "SIB741-missing-header":
        book(path, [["Name", "Cost"], ["move_in", 500]])
    elif case == "SIB744-merged-cells":
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "Rates"
        for row in [["outcome", "title", "price"], ["a", "Same title", 5], ["b", None, 6]]:
            ws.append(row)
        ws.merge_cells("B2:B3")
        wb.save(path)
    elif case == "SIB743-formula-without-value":
        book(path, [["outcome", "title", "price"], ["a", "A", 500], ["b", "B", "=C2*3"]])
    elif case == "SIB742-bad-price":
        book(path, [["outcome", "title", "price", "notes"], ["a", "A", "GBP 1,500"], ["b", "B", "abc"]])
    elif case == "SIB745-too-many-rows":
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("Rates")
        ws.append(["outcome", "title", "price"])
        for i in range(100_000):
            ws.append([f"o{i}", f"Outcome {i}", 100 + i])
        wb.save(path)
    return path


HOSTILE = ["SIB740-renamed-csv", "SIB740-zip-not-workbook", "SIB741-empty-sheet", "SIB741-missing-header",
           "SIB742-bad-price", "SIB743-formula-without-value", "SIB744-merged-cells", "SIB745-too-many-rows"]


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_sheet_golden(tmp_path: Path, case: str, update_golden: bool) -> None:
    path = _hostile(tmp_path, case)
    started = time.perf_counter()
    result = import_rates(path, currency="GBP")
    elapsed = time.perf_counter() - started
    assert elapsed < 30, f"{case} took {elapsed:.1f}s"
    assert result.text is None
    code = case.split("-")[0]
    assert code in {d.code for d in result.diagnostics}
    actual = "\n\n".join(messages(result)) + "\n"
    expected = GOLDEN / f"{case}.xlsx.expected"
    if update_golden or not expected.exists():
        expected.write_text(actual, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"recorded {expected.name}; review it and rerun")
    assert actual == expected.read_text(encoding="utf-8")


def test_column_ignored_golden(tmp_path: Path, update_golden: bool) -> None:
    path = book(tmp_path / "rates.xlsx", [["outcome", "title", "price", "Notes"], ["a", "A", 5, "x"]])
    result = import_rates(path, currency="GBP")
    assert result.text is not None and [d.code for d in result.diagnostics] == ["SIB746"]
    actual = "\n\n".join(messages(result)) + "\n"
    expected = GOLDEN / "SIB746-column-ignored.xlsx.expected"
    if update_golden or not expected.exists():
        expected.write_text(actual, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"recorded {expected.name}; review it and rerun")
    assert actual == expected.read_text(encoding="utf-8")


def test_every_exchange_code_has_a_golden_case() -> None:
    from sibdsl.core.codes import CATALOGUE

    covered = set()
    for expected in GOLDEN.glob("SIB74*.xlsx.expected"):
        covered |= set(re.findall(r"\[(SIB74\d)\]", expected.read_text(encoding="utf-8")))
    assert {c for c in CATALOGUE if c.startswith("SIB74")} == covered


def _rewrite_sheet(path: Path, change: Any) -> None:
    """Rewrite xl/worksheets/sheet1.xml of a saved workbook (what Excel or a damaged file would hold)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = change(parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_formula_with_a_cached_value_is_read(tmp_path: Path) -> None:
    """A workbook saved by Excel stores each formula's value: data-only mode reads it, no SIB743."""
    path = book(tmp_path / "r.xlsx", [["outcome", "title", "price"], ["a", "A", 500], ["b", "B", "=C2*3"]])
    _rewrite_sheet(path, lambda xml: xml.replace(b"<f>C2*3</f><v></v>", b"<f>C2*3</f><v>1500</v>"))
    result = import_rates(path, currency="GBP")
    assert not result.diagnostics and result.text is not None
    assert compiled_prices(result.text) == {"a": Decimal(500), "b": Decimal(1500)}


def test_damaged_sheet_xml_is_a_diagnostic(tmp_path: Path) -> None:
    path = book(tmp_path / "r.xlsx", [["outcome", "title", "price"], ["a", "A", 500]])
    _rewrite_sheet(path, lambda xml: xml[: len(xml) // 2])
    result = import_rates(path, currency="GBP")
    assert result.text is None and [d.code for d in result.diagnostics] == ["SIB740"]


def test_zip_bomb_is_refused_before_reading(tmp_path: Path) -> None:
    path = book(tmp_path / "r.xlsx", [["outcome", "title", "price"], ["a", "A", 500]])
    _rewrite_sheet(path, lambda xml: xml.replace(b"</worksheet>", b" " * 3_000_000 + b"</worksheet>"))
    assert path.stat().st_size < 100_000
    result = import_rates(path, currency="GBP", max_bytes=100_000)
    assert [d.code for d in result.diagnostics] == ["SIB740"] and "unpacks to" in result.diagnostics[0].message
    assert import_rates(path, currency="GBP").text is not None  # within the default limit it is read


def test_too_large_and_missing(tmp_path: Path) -> None:
    path = book(tmp_path / "r.xlsx", [["outcome", "title", "price"], ["a", "A", 5]])
    small = import_rates(path, currency="GBP", max_bytes=100)
    assert [d.code for d in small.diagnostics] == ["SIB740"] and "more than the limit" in small.diagnostics[0].message
    missing = import_rates(tmp_path / "nope.xlsx")
    assert [d.code for d in missing.diagnostics] == ["SIB740"]
    no_sheet = import_rates(path, sheet="Other", currency="GBP")
    assert [d.code for d in no_sheet.diagnostics] == ["SIB741"] and "'Rates'" in (no_sheet.diagnostics[0].hint or "")


def test_ten_thousand_outcomes_import_in_bounded_time(tmp_path: Path) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Rates")
    ws.append(["outcome", "title", "price"])
    for i in range(10_000):
        ws.append([f"o{i}", f"Outcome {i}", 100 + i])
    path = tmp_path / "big.xlsx"
    wb.save(path)
    started = time.perf_counter()
    result = import_rates(path, currency="GBP")
    elapsed = time.perf_counter() - started
    assert not result.has_errors and result.outcomes == 10_000
    assert elapsed < 60, elapsed
    assert result.text is not None and result.text.count("\noutcome ") == 10_000


# ---------------------------------------------------------------- the command
def test_cli_import_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    good = book(tmp_path / "good.xlsx", [["outcome", "title", "price"], ["a", "A", "GBP 5"]])
    out = tmp_path / "out.sib"
    result = runner.invoke(cli, ["import-rates", str(good), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert 'outcome a "A"' in out.read_text(encoding="utf-8")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"\x00\x01 not a zip")
    result = runner.invoke(cli, ["import-rates", str(bad)])
    assert result.exit_code == 1 and "SIB740" in result.output and "Traceback" not in result.output
    result = runner.invoke(cli, ["import-rates", str(good), "--currency", "XYZ"])
    assert result.exit_code == 1 and "ISO 4217" in result.output
    rows: list[list[Any]] = [["outcome", "title", "price"], ["a", "A", "abc"]]
    result = runner.invoke(cli, ["import-rates", str(book(tmp_path / "j.xlsx", rows)), "--currency", "GBP",
                                 "--diagnostics-format", "json"])
    import json

    document = json.loads(result.output)
    assert result.exit_code == 1 and document["error_count"] == 1
    assert document["diagnostics"][0]["location"] == "j.xlsx:Rates!C2" and document["diagnostics"][0]["row"] == 2


# ---------------------------------------------------------------- export
def _settled() -> tuple[Any, Any]:
    compiled = compile_file(FCF)
    assert compiled.model is not None
    ledger = read_ledger(str(FCF_CLAIMS), "claims", compiled.model)
    assert ledger.readable and not ledger.invalid_rows
    return compiled.model, settle(compiled.model, ledger.records, [], spans=compiled.spans, file=str(FCF))


def _number(value: Any) -> Decimal:
    assert isinstance(value, (int, float)) and not isinstance(value, bool), value
    return Decimal(str(value))


def test_export_every_cell_against_the_model_and_settlement(tmp_path: Path) -> None:
    model, settlement = _settled()
    path = tmp_path / "out.xlsx"
    result = CliRunner().invoke(cli, ["export", str(FCF), "--xlsx", str(path), "--claims", str(FCF_CLAIMS)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Rate card", "Payers", "Caps", "Decisions", "Invoices"]
    fmt = money_format("GBP")
    assert fmt == '"£"#,##0.00' and money_format("USD") == "[$USD] #,##0.00" and money_format("JPY") == "[$JPY] #,##0"
    card = wb["Rate card"]
    assert card.freeze_panes == "A2"
    assert [c.value for c in card[1]][:4] == ["outcome", "title", "price", "currency"]
    assert card.max_row == len(model.outcomes) + 1
    for row, o in zip(card.iter_rows(min_row=2), model.outcomes, strict=True):
        assert row[0].value == o.name and row[1].value == o.title and row[3].value == "GBP"
        assert _number(row[2].value) == o.tariff.price and row[2].number_format == fmt
        assert "GBP" in str(row[4].value)
    assert card.column_dimensions["B"].width > 10
    payers = wb["Payers"]
    for row, p in zip(payers.iter_rows(min_row=2), model.payers, strict=True):
        assert row[0].value == p.name and row[1].value == p.title and _number(row[3].value) == p.cap
        assert row[3].number_format == fmt
    caps = wb["Caps"]
    for row, cap in zip(caps.iter_rows(min_row=2), model.caps, strict=True):
        assert row[0].value == cap.scope and _number(row[2].value) == cap.limit
    decisions = wb["Decisions"]
    header = [c.value for c in decisions[1]]
    names = [p.name for p in settlement.plan.payers]
    assert header[-1] == "detail" and header[9:-1] == [f"paid_by_{n}" for n in names]
    rows = list(decisions.iter_rows(min_row=2))
    assert len(rows) == len(settlement.in_file_order())
    for row, d in zip(rows, settlement.in_file_order(), strict=True):
        values = [c.value for c in row]
        assert values[:3] == [d.claim_id, d.participant, d.outcome]
        assert isinstance(values[3], datetime) and values[3].date() == d.achieved
        assert row[3].number_format == "yyyy-mm-dd"
        assert values[4:6] == [d.status.value, d.reason.value]
        assert _number(values[6]) == d.price and _number(values[7]) == d.amount and row[7].number_format == fmt
        assert values[8] == period_label(settlement.plan, d.period)
        for i, n in enumerate(names):
            assert _number(values[9 + i]) == d.shares.get(n, Decimal(0))
        assert (values[-1] or "") == d.detail
    invoices = wb["Invoices"]
    got = {}
    for row in invoices.iter_rows(min_row=2):
        payer, period, start, end, amount = (c.value for c in row)
        assert (start.date(), end.date()) == period_bounds(settlement.plan, period - 1)
        got[(payer, period - 1)] = _number(amount)
        assert row[4].number_format == fmt
    assert got == settlement.invoices and got
    assert sum(got.values()) == sum(d.amount for d in settlement.decisions)


def test_export_money_is_exact(tmp_path: Path) -> None:
    """A price with more digits than a float keeps: the cell's XML holds the exact digits."""
    text = HEADER.format(currency="GBP") + 'outcome a "A" pays GBP 123,456,789,012.37\n'
    model = compile_bytes(text.encode(), "x.sib").model
    assert model is not None
    path = tmp_path / "x.xlsx"
    path.write_bytes(workbook_bytes(model))
    with zipfile.ZipFile(path) as archive:
        sheet = next(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
        assert b"<v>123456789012.37</v>" in archive.read(sheet)


def test_export_usage_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["export", str(FCF)]).exit_code == 2
    assert runner.invoke(cli, ["export", str(FCF), "--claims", str(FCF_CLAIMS)]).exit_code == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("claim_id,participant,outcome,date\nc1,p1,move_inn,2015-03-31\n", encoding="utf-8")
    result = runner.invoke(cli, ["export", str(FCF), "--xlsx", str(tmp_path / "o.xlsx"), "--claims", str(bad)])
    assert result.exit_code == 1 and "SIB704" in result.output and not (tmp_path / "o.xlsx").exists()
    broken = tmp_path / "broken.sib"
    broken.write_text("contract \"x\"\n", encoding="utf-8")
    assert runner.invoke(cli, ["export", str(broken), "--xlsx", str(tmp_path / "o.xlsx")]).exit_code == 1


@pytest.mark.parametrize("contract", sorted((ROOT / "contracts").glob("*.sib")), ids=lambda p: p.stem)
def test_every_contract_exports_a_workbook(contract: Path) -> None:
    compiled = compile_file(contract)
    assert compiled.model is not None
    import io

    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(compiled.model)))
    assert wb["Rate card"].max_row == len(compiled.model.outcomes) + 1
    assert all(row[3].value == compiled.model.header.currency for row in wb["Rate card"].iter_rows(min_row=2))


def test_damaged_workbooks_never_raise(tmp_path: Path) -> None:
    """Bytes of a real workbook changed at seeded random places: a diagnostic each time, never an exception."""
    import random

    good = book(tmp_path / "good.xlsx", [["outcome", "title", "price", "after"], ["a", "A", 500, None],
                                         ["b", "B", "GBP 1,500", "a at least 3 months"]])
    data = good.read_bytes()
    rng = random.Random(14)
    path = tmp_path / "bad.xlsx"
    outcomes = set()
    for _ in range(150):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        if rng.random() < 0.2:
            damaged = damaged[: rng.randrange(len(damaged))]
        path.write_bytes(bytes(damaged))
        result = import_rates(path, currency="GBP")
        assert result.text is not None or result.has_errors
        outcomes.add(result.text is not None)
    assert False in outcomes  # the damage was seen


def test_tranches_sheet_and_the_same_bytes_every_run(tmp_path: Path) -> None:
    contract = tmp_path / "t.sib"
    contract.write_text('contract "T" version 1\ncurrency GBP\nterm 2020-01-01 to 2021-12-31\n'
                        'payer p "P" pays 100%\ninvestor inv "Investor" commits GBP 1,000\n'
                        'outcome a "A" pays GBP 500\ntranche t1 GBP 600 on 2020-02-01 from inv\n'
                        'tranche t2 GBP 400 on 2021-06-01 from inv\n', encoding="utf-8")
    claims = tmp_path / "c.csv"
    claims.write_text("claim_id,participant,outcome,date\nc1,p1,a,2020-03-01\n", encoding="utf-8")
    runner = CliRunner()
    outs = []
    for name in ("one.xlsx", "two.xlsx"):
        result = runner.invoke(cli, ["export", str(contract), "--xlsx", str(tmp_path / name), "--claims", str(claims)])
        assert result.exit_code == 0, result.output
        outs.append((tmp_path / name).read_bytes())
    assert outs[0] == outs[1]
    wb = openpyxl.load_workbook(tmp_path / "one.xlsx")
    rows = [[c.value for c in row] for row in wb["Tranches"].iter_rows(min_row=2)]
    from sibdsl.settlement.tranches import participant_groups, release_tranches

    compiled = compile_file(contract)
    assert compiled.model is not None
    ledger = read_ledger(str(claims), "claims", compiled.model)
    settlement = settle(compiled.model, ledger.records, [])
    releases = release_tranches(compiled.model, settlement.decisions, [], None,
                                participant_groups(settlement.figures.participants))
    assert len(rows) == len(releases) == 2
    for row, r in zip(rows, releases, strict=True):
        assert row[:3] == [r.tranche, r.investor, r.status]
        assert (row[3].date() if row[3] else None) == r.day and _number(row[4]) == r.amount
    assert rows[0][2] == "released" and rows[1][2] != "released"


def test_export_text_is_never_a_formula(tmp_path: Path) -> None:
    text = HEADER.format(currency="GBP") + 'outcome a "=HYPERLINK(\\"http://example.com\\")" pays GBP 5\n'
    compiled = compile_bytes(text.encode(), "x.sib")
    assert compiled.model is not None, [d.message for d in compiled.diagnostics]
    path = tmp_path / "x.xlsx"
    path.write_bytes(workbook_bytes(compiled.model))
    cell = openpyxl.load_workbook(path)["Rate card"]["B2"]
    assert cell.value == compiled.model.outcomes[0].title and cell.data_type == "s"
    with zipfile.ZipFile(path) as archive:
        assert all(b"<f>" not in archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
