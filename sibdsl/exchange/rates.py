"""Phase 6, exchange: a rate card in an Excel sheet -> .sib outcome declarations.

Input: the path of an .xlsx workbook, the sheet to read (default: the first), the currency (or
None: from a `currency` column, a `currency` cell above the header, the price column's name
`price_gbp` / `price (GBP)`, or the money strings themselves) and the largest file accepted.
Output: `RateImport`: the .sib text of one `outcome` declaration per row (in the canonical layout
of `sibc fmt`), preceded by a comment naming the file and sheet, and the diagnostics, each
located at its cell ("rates.xlsx:Rates!C7"), SIB740-SIB746. Never raises for a bad workbook.

The layout is documented in docs/spreadsheets.md. The sheet is read with openpyxl in read-only,
data-only mode (cached values of formulas); a formula without a cached value, merged cells, a
file that is not an xlsx workbook or that is too large are diagnostics, never tracebacks.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sibdsl.core.codes import Code
from sibdsl.core.currency import MINOR_UNITS, SYMBOLS
from sibdsl.core.diagnostics import Diagnostic, DiagnosticSink, Severity
from sibdsl.core.source import Span

MAX_OUTCOMES = 10_000  # a rate card has tens of outcomes; more rows than this is not a rate card
MAX_SCANNED = 200_000  # rows looked at (empty ones included) before giving up
HEADER_SEARCH = 10  # the header is among the first rows that are not empty
UNPACK_FACTOR = 10  # the workbook may unpack to at most this many times the size limit (a zip bomb is refused)

# column -> the names a header cell may give it (compared lower case, with _ and - as spaces)
ALIASES: dict[str, tuple[str, ...]] = {
    "outcome": ("outcome", "code", "name", "outcome code", "outcome name", "outcome id", "id", "ref"),
    "title": ("title", "description", "outcome title", "outcome description", "definition",
              "outcome definition", "label"),
    "price": ("price", "payment", "tariff", "amount", "rate", "price per outcome", "outcome payment",
              "outcome price", "unit price"),
    "currency": ("currency", "ccy"),
    "after": ("after", "prerequisite", "prerequisites", "requires", "depends on"),
    "within": ("within", "window", "time limit"),
    "repeat": ("repeat", "repeats", "how often", "frequency", "times"),
    "evidence": ("evidence", "verification", "validation", "evidence required"),
    "cohort": ("cohort", "cohorts", "for cohort"),
    "trigger": ("trigger", "triggered by", "achieved on"),
}
REQUIRED = ("outcome", "title", "price")
_LOOKUP = {alias: column for column, names in ALIASES.items() for alias in names}
_PRICE_WITH_CURRENCY = re.compile(r"^(?:price|payment|tariff|amount|rate)\s*\(?\s*([a-z]{3})\s*\)?$")
_NAME = re.compile(r"^[a-z_][A-Za-z0-9_]*$")
_MONEY = re.compile(r"^(?:([A-Za-z]{3})\s*|([£€$])\s*)?([0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+)\s*([A-Za-z]{3})?$")
_GROUPED = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_DURATION = re.compile(r"^([0-9]+)\s*(day|days|week|weeks|month|months|year|years)(\s+of\s+(start|referral))?$")
_AFTER_WORDS = frozenset({"at", "least", "by", "and", "or", "held", "referral", "if", "paid", "day", "days", "week",
                          "weeks", "month", "months", "year", "years"})
_AFTER_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9][0-9,]*|,|\S")
_REPEAT_UP_TO = re.compile(r"^up\s+to\s+([0-9]+)(\s+times?)?(\s+per\s+participant)?$")


@dataclass
class RateImport:
    """What the import made: the .sib text (None when the sheet could not be read at all)."""

    text: str | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    outcomes: int = 0
    sheet: str | None = None

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def render_sheet_diagnostic(d: Diagnostic) -> str:
    """One diagnostic of the import, as `sibc import-rates` prints it: the cell, then the hint."""
    lines = [f"{d.file}: {d.severity.value}[{d.code}]: {d.message}"]
    if d.hint:
        lines.append(f"   = hint: {d.hint}")
    return "\n".join(lines)


class _Cells:
    """The sink of one import: each diagnostic named by its file, sheet and cell."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sheet: str | None = None
        self.items: list[Diagnostic] = []

    def add(self, code: Code, message: str, row: int = 0, col: int = 0, hint: str | None = None) -> None:
        where = self.name
        if self.sheet is not None:
            where += f":{self.sheet}" + (f"!{column_letter(col)}{row}" if row and col else f"!{row}:{row}"
                                         if row else "")
        sink = DiagnosticSink(where)
        line, column = max(row, 1), max(col, 1)
        sink.add(code, message, Span(line, column, line, column + 1), hint=hint)
        self.items.extend(sink.items)


def import_rates(path: str | Path, sheet: str | None = None, currency: str | None = None,
                 max_bytes: int = 20 * 1024 * 1024) -> RateImport:
    """Read one rate card sheet of an .xlsx workbook into .sib outcome declarations."""
    path = Path(path)
    cells = _Cells(path.name)
    if currency is not None:
        currency = currency.strip().upper()
        if currency not in MINOR_UNITS:
            cells.add("SIB742", f"--currency {currency!r} is not an ISO 4217 currency code",
                      hint="write a three-letter code such as GBP, USD or EUR")
            return RateImport(None, cells.items)
    workbook = _open(path, cells, max_bytes)
    if workbook is None:
        return RateImport(None, cells.items)
    try:
        return _read(workbook, path, sheet, currency, cells)
    except Exception as exc:  # a damaged sheet (bad XML, a broken reference) surfaces while reading its rows
        cells.add("SIB740", f"cannot read the sheet: {type(exc).__name__}: {exc}"[:300],
                  hint="open the workbook in Excel and save it again as 'Excel Workbook (.xlsx)'")
        return RateImport(None, _sorted(cells.items), sheet=cells.sheet)
    finally:
        workbook.close()


def _open(path: Path, cells: _Cells, max_bytes: int) -> Any:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError(21, "is a directory")
    except OSError as exc:
        cells.add("SIB740", f"cannot read {path}: {exc.strerror or exc}", hint="check the path")
        return None
    if size > max_bytes:
        cells.add("SIB740", f"the workbook is {size:,} bytes, more than the limit of {max_bytes:,}",
                  hint="a rate card is small: save the rate card sheet alone, or raise --max-size")
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            unpacked = sum(info.file_size for info in archive.infolist())
    except Exception:  # zipfile raises BadZipFile, NotImplementedError, EOFError, ... for a damaged archive
        cells.add("SIB740", "not an Excel workbook (.xlsx): the file is not a zip archive",
                  hint="save the sheet as 'Excel Workbook (.xlsx)'; .xls, .ods and CSV files are not read")
        return None
    if "xl/workbook.xml" not in names:
        cells.add("SIB740", "not an Excel workbook (.xlsx): the archive has no xl/workbook.xml",
                  hint="save the sheet as 'Excel Workbook (.xlsx)'")
        return None
    if unpacked > max_bytes * UNPACK_FACTOR:
        cells.add("SIB740", f"the workbook unpacks to {unpacked:,} bytes, too large for a rate card",
                  hint="save the rate card sheet alone in a new workbook")
        return None
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns of styles and extensions it drops
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        cells.add("SIB740", f"cannot read the workbook: {type(exc).__name__}: {exc}"[:300],
                  hint="open it in Excel and save it again as 'Excel Workbook (.xlsx)'")
        return None


def _norm(value: Any) -> str:
    return " ".join(str(value).replace("_", " ").replace("-", " ").lower().split())


def _sheet_scan(ws: Any) -> tuple[list[str], bool]:
    """The merged ranges of a read-only sheet and whether it has any formula (from its XML)."""
    try:
        source = ws._get_source()
        data = source.read()
        source.close()
    except Exception:  # no XML to scan: nothing more is known
        return [], False
    if isinstance(data, str):
        data = data.encode()
    merged = [m.decode() for m in re.findall(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z0-9:]+)"', data)]
    formulas = re.search(rb"<(?:\w+:)?f[\s>/]", data) is not None
    return merged, formulas


def _read(workbook: Any, path: Path, sheet: str | None, currency: str | None, cells: _Cells) -> RateImport:
    names = list(workbook.sheetnames)
    if sheet is None:
        if not names:
            cells.add("SIB741", "the workbook has no sheet", hint="add the rate card as the first sheet")
            return RateImport(None, cells.items)
        sheet = names[0]
    elif sheet not in names:
        folded = {n.lower(): n for n in names}
        if sheet.lower() in folded:
            sheet = folded[sheet.lower()]
        else:
            cells.add("SIB741", f"no sheet named {sheet!r}",
                      hint="the sheets are " + ", ".join(repr(n) for n in names))
            return RateImport(None, cells.items)
    cells.sheet = sheet
    ws = workbook[sheet]
    if not hasattr(ws, "iter_rows"):  # a chart sheet
        cells.add("SIB741", f"sheet {sheet!r} is a chart, not a table", hint="choose the rate card with --sheet")
        return RateImport(None, cells.items, sheet=sheet)
    merged, has_formulas = _sheet_scan(ws)
    for ref in merged[:20]:
        first = ref.split(":")[0]
        match = re.match(r"([A-Z]+)([0-9]+)", first)
        row = int(match[2]) if match else 0
        col = _col_index(match[1]) if match else 0
        cells.add("SIB744", f"merged cells {ref}: a rate card has one value per cell", row, col,
                  hint="unmerge the cells (Home > Merge & Center > Unmerge) and fill each row")
    if merged:
        return RateImport(None, cells.items, sheet=sheet)
    reader = _Reader(cells, currency)
    reader.run(ws)
    for row, col, named in reader.after_names:
        for other in named:
            if other not in reader.seen:
                near = [n for n in reader.seen if n.startswith(other[:3])][:3]
                cells.add("SIB742", f"after names {other!r}, which is not an outcome of this sheet", row, col,
                          hint=("did you mean " + " or ".join(repr(n) for n in near) + "?") if near else
                          "a prerequisite is another outcome of the same rate card")
    if reader.nones and has_formulas:
        _formulas_without_values(path, sheet, reader, cells)
    if cells_have_errors(cells.items):
        return RateImport(None, _sorted(cells.items), reader.count, sheet)
    text = _declarations(path.name, sheet, reader)
    formatted = _format(text, reader, cells)
    return RateImport(formatted, _sorted(cells.items), reader.count, sheet)


def cells_have_errors(items: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in items)


def _sorted(items: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(items, key=lambda d: (d.span.line, d.span.column, d.code))


def _col_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index


@dataclass
class _Row:
    row: int
    outcome: str
    title: str
    price: Decimal
    currency: str
    clauses: list[tuple[str, str, int]]  # (.sib text, column, sheet column index)


class _Reader:
    """Walks the rows of the sheet: the header, then one outcome per row that is not empty."""

    def __init__(self, cells: _Cells, currency: str | None) -> None:
        self.cells = cells
        self.currency = currency  # the --currency option
        self.sheet_currency: str | None = None  # a `currency` cell above the header
        self.header_currency: str | None = None  # `price_gbp`
        self.card_currency: str | None = None  # the currency of the first price read: the card's
        self.columns: dict[str, int] = {}  # column -> 0-based index
        self.rows: list[_Row] = []
        self.count = 0
        self.nones: set[tuple[int, int]] = set()  # (row, col) of empty cells in used columns
        self.seen: dict[str, int] = {}
        self.line_of: dict[int, tuple[int, int, str]] = {}  # line of the .sib text -> (row, col, column)
        self.after_names: list[tuple[int, int, list[str]]] = []  # (row, col, the outcomes an `after` names)

    def run(self, ws: Any) -> None:
        header_row = 0
        non_empty = 0
        first: tuple[int, list[Any]] | None = None
        scanned = 0
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            scanned += 1
            if scanned > MAX_SCANNED:
                self.cells.add("SIB745", f"more than {MAX_SCANNED:,} rows: the sheet is not read further",
                               number, 1, hint="a rate card has one row per outcome: delete the rows below it")
                return
            cells = list(values)
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                continue
            if not header_row:
                non_empty += 1
                if first is None:
                    first = (number, cells)
                if self._header(number, cells):
                    header_row = number
                    continue
                self._currency_cell(cells)
                if non_empty >= HEADER_SEARCH:
                    break
                continue
            if self.count >= MAX_OUTCOMES:
                self.cells.add("SIB745", f"more than {MAX_OUTCOMES:,} outcomes: the sheet is not read further",
                               number, 1, hint="a rate card has one row per outcome: split the sheet")
                return
            self.count += 1
            self._row(number, cells)
        if not header_row:
            if first is None:
                self.cells.add("SIB741", "the sheet is empty", 1, 1,
                               hint="write a header row (outcome, title, price) and one row per outcome")
            else:
                found = ", ".join(repr(v) for v in first[1] if v is not None)[:200]
                self.cells.add("SIB741", "no header row with the columns outcome, title and price", first[0], 1,
                               hint=f"the first row has {found}; name the columns outcome, title, price "
                                    "(and optionally currency, after, within, repeat, evidence, cohort, trigger)")
        elif self.count == 0:
            self.cells.add("SIB741", "the header is not followed by any outcome", header_row, 1,
                           hint="write one row per outcome below the header")

    def _currency_cell(self, cells: list[Any]) -> None:
        texts = [c for c in cells if c is not None]
        if len(texts) >= 2 and _norm(texts[0]) in ("currency", "ccy"):
            code = str(texts[1]).strip().upper()
            if code in MINOR_UNITS:
                self.sheet_currency = code

    def _header(self, number: int, cells: list[Any]) -> bool:
        found: dict[str, int] = {}
        for index, value in enumerate(cells):
            if not isinstance(value, str):
                continue
            key = _norm(value)
            column = _LOOKUP.get(key)
            if column is None:
                match = _PRICE_WITH_CURRENCY.match(key)
                if match and match[1].upper() in MINOR_UNITS:
                    column = "price"
                    self.header_currency = match[1].upper()
            if column is not None and column not in found:
                found[column] = index
        if "outcome" not in found or "price" not in found:
            return False
        self.columns = found
        for index, value in enumerate(cells):
            if value is None or index in found.values():
                continue
            self.cells.add("SIB746", f"column {str(value)[:60]!r} is not part of a rate card: it is ignored",
                           number, index + 1,
                           hint="the columns read are " + ", ".join(ALIASES))
        if "title" not in found:
            self.cells.add("SIB741", "the header has no title column", number, 1,
                           hint="add a column 'title' with each outcome's description")
        return True

    def _cell(self, cells: list[Any], column: str) -> tuple[Any, int]:
        index = self.columns.get(column)
        if index is None:
            return None, 0
        value = cells[index] if index < len(cells) else None
        if isinstance(value, str):
            value = value.strip() or None
        return value, index + 1

    def _row(self, number: int, cells: list[Any]) -> None:
        add = self.cells.add
        ok = True
        for column in self.columns:
            value, col = self._cell(cells, column)
            if value is None:
                self.nones.add((number, col))
        name, col = self._cell(cells, "outcome")
        if name is None:
            add("SIB742", "outcome name empty", number, col or 1, hint="give each outcome a code name such as move_in")
            return
        name = str(name)
        if not _NAME.match(name):
            add("SIB742", f"outcome {name[:60]!r} is not a code name", number, col,
                hint=f"code names are lower case letters, digits and _: {_slug(name)!r}")
            ok = False
        elif name in self.seen:
            add("SIB742", f"outcome {name!r} appears twice (first in row {self.seen[name]})", number, col,
                hint="each outcome is one row; give the second one a name of its own")
            ok = False
        else:
            self.seen[name] = number
        title, tcol = self._cell(cells, "title")
        for column in ("title", "evidence", "trigger", "after"):
            value, vcol = self._cell(cells, column)
            if isinstance(value, str) and _CONTROL.search(value.replace("\t", " ").replace("\n", " ")
                                                          .replace("\r", " ")):
                add("SIB742", f"{column} has a control character", number, vcol,
                    hint="retype the cell: it holds a character that is not text (pasted from another program?)")
                return
        if "title" in self.columns and title is None:
            add("SIB742", f"outcome {name!r} has no title", number, tcol,
                hint="write what the participant achieves, e.g. 'Accommodation sustained 3 months'")
            ok = False
        price = self._price(number, cells)
        if price is None:
            return
        amount, currency = price
        clauses: list[tuple[str, str, int]] = []
        for column in ("after", "within", "repeat", "cohort", "trigger", "evidence"):
            value, vcol = self._cell(cells, column)
            if value is None:
                continue
            clause = self._clause(column, value, number, vcol)
            if clause is None:
                ok = False
            else:
                clauses.append((clause, column, vcol))
        if ok and title is not None:
            self.rows.append(_Row(number, name, " ".join(str(title).split()), amount, currency, clauses))

    def _price(self, number: int, cells: list[Any]) -> tuple[Decimal, str] | None:
        add = self.cells.add
        value, col = self._cell(cells, "price")
        row_currency, ccol = self._cell(cells, "currency")
        if row_currency is not None:
            row_currency = str(row_currency).strip().upper()
            if row_currency not in MINOR_UNITS:
                add("SIB742", f"currency {row_currency!r} is not an ISO 4217 code", number, ccol,
                    hint="write a three-letter code such as GBP")
                return None
        if value is None:
            add("SIB742", "price empty", number, col,
                hint="write the price as a number (1500) or 'GBP 1,500' (a tiered, sliding or other tariff is "
                     "written in the .sib file itself)")
            return None
        written: str | None = None
        if isinstance(value, bool):
            add("SIB742", f"price {value!r} is not an amount", number, col, hint="write a number such as 1500")
            return None
        if isinstance(value, (int, float, Decimal)):
            if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
                add("SIB742", "price is not a finite number", number, col, hint="write a number such as 1500")
                return None
            amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        else:
            text = str(value).strip()
            match = _MONEY.match(text.replace("\u00a0", " "))
            if not match:
                add("SIB742", f"price {text[:60]!r} is not an amount", number, col,
                    hint="write a number (1500) or a money string ('GBP 1,500', '£1,500')")
                return None
            code = match[1] or match[4]
            written = code.upper() if code else SYMBOLS.get(match[2]) if match[2] else None
            if written is not None and written not in MINOR_UNITS:
                add("SIB742", f"price {text[:60]!r}: {written!r} is not a currency code", number, col,
                    hint="write a three-letter ISO code such as GBP")
                return None
            if "," in match[3] and not _GROUPED.match(match[3]):
                add("SIB742", f"price {text[:60]!r}: a comma separates thousands (1,500), not decimals", number, col,
                    hint="write decimals with a point: 1500.50 or 'GBP 1,500.50'")
                return None
            digits = match[3].replace(",", "")
            try:
                amount = Decimal(digits)
            except InvalidOperation:  # the pattern allows only digits; kept safe
                add("SIB742", f"price {text[:60]!r} is not an amount", number, col, hint="write a number")
                return None
        if amount < 0:
            add("SIB742", f"price {amount} is negative", number, col, hint="a price is what the payers pay: >= 0")
            return None
        if row_currency is not None and written is not None and row_currency != written:
            add("SIB742", f"price in {written} but its currency cell says {row_currency}", number, col,
                hint="write the price in the row's currency")
            return None
        own = row_currency or written
        card = self.currency or self.header_currency or self.sheet_currency or self.card_currency
        currency = card or own
        if currency is None:
            add("SIB742", "the rate card states no currency", number, col,
                hint="give --currency GBP, a 'currency' column, or write prices as 'GBP 1,500'")
            return None
        if own is not None and own != currency:
            add("SIB742", f"price in {own} but the rate card is in {currency}", number, col,
                hint="one rate card has one currency")
            return None
        if self.card_currency is None:
            self.card_currency = currency
        places = MINOR_UNITS.get(currency, 2)
        exponent = amount.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            add("SIB742", f"price {amount} has more decimal places than {currency} has ({places})", number, col,
                hint=f"round it to {places} places")
            return None
        if amount.adjusted() > 15:
            add("SIB742", f"price {amount} is too large", number, col, hint="check the cell")
            return None
        return amount, currency

    def _clause(self, column: str, value: Any, number: int, col: int) -> str | None:
        add = self.cells.add
        text = " ".join(str(value).split())
        low = text.lower()
        if column == "after":
            body = text[6:] if low.startswith("after ") else text
            tokens = _AFTER_TOKEN.findall(body)
            odd = [t for t in tokens if len(t) == 1 and not (t.isalnum() or t in ",_")]
            if odd:
                add("SIB742", f"after {text[:60]!r}: {odd[0]!r} cannot stand in a prerequisite", number, col,
                    hint="write outcome names and delays: 'move_in at least 3 months', 'a or b'")
                return None
            names = [t for t in tokens if (t[0].isalpha() or t[0] == "_") and t.lower() not in _AFTER_WORDS]
            self.after_names.append((number, col, names))
            return f"after {body}"
        if column == "within":
            body = low[7:] if low.startswith("within ") else low
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                add("SIB742", f"within {value!r} has no unit", number, col, hint="write '12 months' or '26 weeks'")
                return None
            if not _DURATION.match(body):
                add("SIB742", f"within {text[:60]!r} is not a duration", number, col,
                    hint="write a number and a unit: '12 months', '26 weeks', '90 days of referral'")
                return None
            return f"within {body}"
        if column == "repeat":
            if low in ("once", "once per participant", "1", "one"):
                return "once"
            if low in ("unlimited", "any", "any number", "no limit", "any number of times",
                       "any number of times per participant"):
                return "unlimited"
            match = _REPEAT_UP_TO.match(low)
            if match:
                return f"up to {int(match[1])} times"
            add("SIB742", f"repeat {text[:60]!r} is not once, up to N or unlimited", number, col,
                hint="write 'once', 'up to 3' or 'unlimited'")
            return None
        if column == "cohort":
            names = [n.strip() for n in text.split(",")]
            for n in names:
                if not _NAME.match(n):
                    add("SIB742", f"cohort {n[:60]!r} is not a code name", number, col,
                        hint=f"write the cohort's code name: {_slug(n)!r}")
                    return None
            return f"for cohort{'s' if len(names) > 1 else ''} {', '.join(names)}"
        # evidence, trigger: free text
        word = "evidence" if column == "evidence" else "triggered by"
        return f"{word} {_quote(text)}"


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "outcome"
    return slug if not slug[0].isdigit() else f"o_{slug}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _money(amount: Decimal, currency: str) -> str:
    places = MINOR_UNITS.get(currency, 2)
    whole, _, fraction = f"{amount:f}".partition(".")
    fraction = fraction.rstrip("0")
    text = f"{int(whole):,}"
    if fraction:
        text += "." + fraction.ljust(places, "0")
    return f"{currency} {text}"


def _declarations(name: str, sheet: str, reader: _Reader) -> str:
    shown = name if name.isprintable() and "'" not in name else repr(name)
    lines = [f"# Rate card imported from {shown}, sheet {sheet!r}, by sibc import-rates", ""]
    for row in reader.rows:
        head = f"outcome {row.outcome} {_quote(row.title)}"
        reader.line_of[len(lines) + 1] = (row.row, reader.columns.get("outcome", 0) + 1, "outcome")
        lines.append(head)
        reader.line_of[len(lines) + 1] = (row.row, reader.columns["price"] + 1, "price")
        lines.append(f"  pays {_money(row.price, row.currency)}")
        for clause, column, col in row.clauses:
            reader.line_of[len(lines) + 1] = (row.row, col, column)
            lines.append(f"  {clause}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _format(text: str, reader: _Reader, cells: _Cells) -> str | None:
    """The canonical layout of `sibc fmt`; a clause that does not parse is reported at its cell."""
    from sibdsl.syntax.formatter import Unsafe, format_text

    try:
        formatted = format_text(text, "<import>")
    except Unsafe:
        return text
    if formatted.text is not None:
        return formatted.text
    line_of = reader.line_of
    for d in formatted.diagnostics:
        if d.severity is not Severity.ERROR:
            continue
        row, col, column = line_of.get(d.span.line, (0, 0, "?"))
        cells.add("SIB742", f"{column} cell cannot be read as .sib: {d.message}", row, col,
                  hint=d.hint or "see docs/language.md for how the clause is written")
    return None


def _formulas_without_values(path: Path, sheet: str, reader: _Reader, cells: _Cells) -> None:
    """Cells that data-only mode read as empty but that hold a formula: no cached value to read."""
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception:  # read once already: keep what was found
        return
    try:
        ws = formulas[sheet]
        last = max(r for r, _ in reader.nones)
        found = 0
        for number, values in enumerate(ws.iter_rows(values_only=True, max_row=last), start=1):
            for index, value in enumerate(values, start=1):
                if (number, index) in reader.nones and isinstance(value, str) and value.startswith("="):
                    found += 1
                    where = f"{cells.name}:{sheet}!{column_letter(index)}{number}"
                    cells.items[:] = [d for d in cells.items if d.file != where]  # not "empty": a formula
                    if found <= 20:
                        cells.add("SIB743", f"formula {value[:60]} has no computed value", number, index,
                                  hint="open the workbook in Excel and save it (the values of formulas are "
                                       "stored when it is saved), or paste the values in")
    finally:
        formulas.close()
