"""Settlement input: claims, measurements and requests from CSV or JSON Lines files.

Input: a file path (or text) and the compiled contract (to check names). Output: records
plus diagnostics, one per bad row, naming the column at fault (SIB7xx codes), with the row's
line and the field's column so that they render like contract errors. Columns (header names
are case-insensitive; order free):

    claims:        claim_id, participant, outcome, date, [evidence, cohort, start, subgroup, value, referral]
    measurements:  measurement_id, outcome, [cohort], date, baseline, observed
    requests:      request_id, tranche, date, amount, [purpose]

`date`/`start` are YYYY-MM-DD; `value`, `baseline`, `observed`, `amount` are plain decimal
numbers (commas allowed in amounts; a currency code in front of an amount is accepted if it is
the contract's).
"""

from __future__ import annotations

import csv
import difflib
import gc
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sibdsl.core.diagnostics import DiagnosticSink
from sibdsl.core.source import SourceFile, Span
from sibdsl.model.contract import Contract
from sibdsl.settlement.records import Claim, Measurement, Request

KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "claims": (("claim_id", "participant", "outcome", "date"),
               ("evidence", "cohort", "start", "subgroup", "value", "referral")),
    "measurements": (("measurement_id", "outcome", "date", "baseline", "observed"), ("cohort",)),
    "requests": (("request_id", "tranche", "date", "amount"), ("purpose",)),
}
ALIASES = {"id": None, "achieved": "date", "date_achieved": "date", "sub_group": "subgroup",
           "participant_id": "participant", "start_date": "start", "measured": "date", "requested": "date"}
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})$")


@dataclass
class Ledger:
    kind: str
    source: SourceFile | None
    records: list[Any] = field(default_factory=list)
    sink: DiagnosticSink = field(default_factory=lambda: DiagnosticSink(""))
    invalid_rows: list[int] = field(default_factory=list)


class _RowError(Exception):
    def __init__(self, code: str, column: str, message: str, hint: str | None = None) -> None:
        self.code, self.column, self.message, self.hint = code, column, message, hint


def read_ledger(path: str, kind: str, contract: Contract) -> Ledger:
    name = str(path)
    sink = DiagnosticSink(name)
    try:
        data = Path(path).read_bytes() if path != "-" else __import__("sys").stdin.buffer.read()
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        sink.add("SIB702", f"the {kind} file is not UTF-8 text (byte {exc.start})", Span(1, 1, 1, 1),
                 hint="export it as CSV UTF-8 (comma delimited)")
        return Ledger(kind, None, sink=sink)
    except OSError as exc:
        sink.add("SIB701", f"cannot read the {kind} file {name}: {exc.strerror or exc}", Span(1, 1, 1, 1),
                 hint="check the path")
        return Ledger(kind, None, sink=sink)
    return parse_ledger(text, name, kind, contract, sink)


def parse_ledger(text: str, name: str, kind: str, contract: Contract, sink: DiagnosticSink | None = None) -> Ledger:
    sink = sink or DiagnosticSink(name)
    source = SourceFile(name, text)
    ledger = Ledger(kind, source, sink=sink)
    is_json = name.endswith((".jsonl", ".ndjson", ".json")) or text.lstrip().startswith("{")
    rows = _json_rows(source, sink) if is_json else _csv_rows(source, kind, sink)
    if rows is None:
        return ledger
    build = _BUILDERS[kind](contract)
    records = ledger.records
    collecting = gc.isenabled()
    gc.disable()  # many small acyclic records: the cycle collector only costs time
    try:
        _build_all(rows, build, records, ledger, source, sink, is_json)
    finally:
        if collecting:
            gc.enable()
    return ledger


def _build_all(rows: Iterable[Row], build: Callable[[dict[str, Any], int], Any], records: list[Any], ledger: Ledger,
               source: SourceFile, sink: DiagnosticSink, is_json: bool) -> None:
    for line, values in rows:
        try:
            records.append(build(values, line))
        except _RowError as err:
            ledger.invalid_rows.append(line)
            col = _column_of(source, line, err.column, is_json)
            width = len(str(values.get(err.column) or "")) or 1
            sink.add(err.code, f"row {line}, column {err.column}: {err.message}", Span(line, col, line, col + width),
                     hint=err.hint)


Row = tuple[int, dict[str, Any]]


def _column_of(source: SourceFile, line: int, column: str, is_json: bool) -> int:
    """The character column of a field, found only when a row is reported."""
    text = source.line_text(line)
    if is_json:
        return max(1, text.find(f'"{column}"') + 1)
    if '"' in text:
        return 1
    header = _header(next(csv.reader([source.line_text(1)])))
    if column not in header:
        return 1
    index = header.index(column)
    parts = text.split(",")
    return sum(len(p) + 1 for p in parts[:index]) + 1


def _header(names: list[str]) -> list[str]:
    out = []
    for raw in names:
        key = raw.strip().lower().replace(" ", "_").replace("-", "_")
        out.append(ALIASES.get(key) or key)
    return out


def _csv_rows(source: SourceFile, kind: str, sink: DiagnosticSink) -> Iterator[Row] | None:
    lines = [source.line_text(1)] if source.text.strip() else []
    if not lines or not lines[0].strip():
        sink.add("SIB702", f"the {kind} file is empty: it needs a header row", Span(1, 1, 1, 1),
                 hint="first line: " + ",".join(KINDS[kind][0] + KINDS[kind][1]))
        return None
    header = _header(next(csv.reader([lines[0]])))
    required = KINDS[kind][0]
    missing = [c for c in required if c not in header]
    if missing:
        sink.add("SIB702", f"the {kind} file has no column {', '.join(missing)}", Span(1, 1, 1, len(lines[0]) + 1),
                 hint="the header row must name: " + ", ".join(required) + " (optional: " +
                      ", ".join(KINDS[kind][1]) + ")")
        return None
    return _csv_stream(source, header)


def _lines(text: str) -> Iterator[str]:
    """The lines of a text one at a time, without copying the whole text (StringIO would)."""
    start, find = 0, text.find
    while start < len(text):
        end = find("\n", start)
        if end == -1:
            yield text[start:]
            return
        yield text[start:end + 1]
        start = end + 1


def _csv_stream(source: SourceFile, header: list[str]) -> Iterator[Row]:
    """Rows one at a time, so a million-row ledger never holds a million dicts at once."""
    reader = csv.reader(_lines(source.text))
    next(reader)
    width = len(header)
    for fields in reader:
        line = reader.line_num
        if len(fields) != width:
            if not fields or all(not f.strip() for f in fields):
                continue
            yield (line, {"__width__": f"{len(fields)} fields, the header has {width}"})
            continue
        yield (line, dict(zip(header, fields, strict=True)))


def _json_rows(source: SourceFile, sink: DiagnosticSink) -> list[Row] | None:
    rows: list[Row] = []
    for number, raw in enumerate(source.text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            sink.add("SIB706", f"line {number} is not a JSON object: {exc.msg}",
                     Span(number, exc.colno, number, exc.colno + 1), hint="JSON Lines: one object per line")
            rows.append((number, {"__skip__": True}))
            continue
        if not isinstance(obj, dict):
            sink.add("SIB706", f"line {number} is not a JSON object", Span(number, 1, number, 2),
                     hint='write one object per line: {"claim_id": "c1", ...}')
            rows.append((number, {"__skip__": True}))
            continue
        rows.append((number, {(_header([str(k)])[0]): ("" if v is None else v) for k, v in obj.items()}))
    return rows


# ---------------------------------------------------------------- values
def _text(values: dict[str, Any], column: str, required: bool = True) -> str:
    if "__width__" in values:
        raise _RowError("SIB703", "row", values["__width__"], "every row has as many fields as the header")
    if "__skip__" in values:
        raise _RowError("SIB706", "row", "not a JSON object")
    raw = values.get(column, "")
    text = raw.strip() if isinstance(raw, str) else ("" if raw is None else str(raw).strip())
    if required and not text:
        raise _RowError("SIB705", column, "empty", f"every {column} must be given")
    return text


def _date(values: dict[str, Any], column: str, required: bool = True) -> date | None:
    text = _text(values, column, required)
    if not text:
        return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    match = _DATE.match(text)
    if not match:
        raise _RowError("SIB703", column, f"{text!r} is not a date", "write dates as YYYY-MM-DD (2015-03-31)")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise _RowError("SIB703", column, f"{text} is not a date in the calendar", "check the day and month") from None


def _number(values: dict[str, Any], column: str, contract: Contract, required: bool = True) -> Decimal | None:
    text = _text(values, column, required)
    if not text:
        return None
    code = contract.header.currency
    cleaned = text[len(code):].strip() if text.upper().startswith(code) else text
    cleaned = cleaned.lstrip("£€$").replace(",", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise _RowError("SIB703", column, f"{text!r} is not a number", "write plain numbers: 1500.50") from None
    if not number.is_finite() or len(cleaned) > 40:
        raise _RowError("SIB703", column, f"{text!r} is not a usable number", "write plain numbers: 1500.50")
    return number


def _name(values: dict[str, Any], column: str, known: frozenset[str] | list[str], what: str,
          required: bool = True) -> str | None:
    text = _text(values, column, required)
    if not text:
        return None
    if text not in known:
        known = sorted(known)
        close = difflib.get_close_matches(text, known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else (f"the contract's {what}s: {', '.join(known[:10])}"
                                                            if known else f"the contract declares no {what}")
        raise _RowError("SIB704", column, f"the contract has no {what} {text!r}", hint)
    return text


def _claim(contract: Contract) -> Callable[[dict[str, Any], int], Claim]:
    outcomes = frozenset(o.name for o in contract.outcomes)
    subgroups = frozenset(s.name for c in contract.cohorts for s in c.subgroups)
    cohorts = frozenset(c.name for c in contract.cohorts)

    canonical = {name: name for name in outcomes}  # one string object per name, not one per row
    people: dict[str, str] = {}
    dates: dict[str, date] = {}

    def day(values: dict[str, Any]) -> date:
        raw = values.get("date")
        if isinstance(raw, str):
            found = dates.get(raw)
            if found is None:
                found = _date(values, "date") or date.min
                if len(dates) < 100_000:
                    dates[raw] = found
            return found
        return _date(values, "date") or date.min

    def build(values: dict[str, Any], line: int) -> Claim:
        get = values.get  # optional columns that the file does not have are skipped cheaply
        participant = _text(values, "participant")
        outcome = _name(values, "outcome", outcomes, "outcome") or ""
        return Claim(
            claim_id=_text(values, "claim_id"),
            participant=people.setdefault(participant, participant),
            outcome=canonical.get(outcome, outcome),
            achieved=day(values),
            evidence=_text(values, "evidence", required=False) if get("evidence") else "",
            cohort=_name(values, "cohort", cohorts, "cohort", required=False) if get("cohort") else None,
            start=_date(values, "start", required=False) if get("start") else None,
            subgroup=_name(values, "subgroup", subgroups, "sub-group", required=False) if get("subgroup") else None,
            value=_number(values, "value", contract, required=False) if get("value") not in (None, "") else None,
            referral=_date(values, "referral", required=False) if get("referral") else None,
            row=line,
        )

    return build


def _measurement(contract: Contract) -> Callable[[dict[str, Any], int], Measurement]:
    return lambda values, line: _build_measurement(values, contract, line)


def _request(contract: Contract) -> Callable[[dict[str, Any], int], Request]:
    return lambda values, line: _build_request(values, contract, line)


def _build_measurement(values: dict[str, Any], contract: Contract, line: int) -> Measurement:
    cohort_level = [o.name for o in contract.outcomes if o.tariff.kind == "cohort_level"]
    baseline = _number(values, "baseline", contract)
    assert baseline is not None
    if baseline <= 0:
        raise _RowError("SIB703", "baseline", "must be more than zero", "the baseline is the figure without the service")
    return Measurement(
        measurement_id=_text(values, "measurement_id"),
        outcome=_name(values, "outcome", cohort_level, "cohort-level outcome") or "",
        cohort=_name(values, "cohort", [c.name for c in contract.cohorts], "cohort", required=False),
        measured=_date(values, "date") or date.min,
        baseline=baseline,
        observed=_number(values, "observed", contract) or Decimal(0),
        row=line,
    )


def _build_request(values: dict[str, Any], contract: Contract, line: int) -> Request:
    discretionary = [t.name for t in contract.tranches if t.discretionary]
    amount = _number(values, "amount", contract)
    assert amount is not None
    if amount <= 0:
        raise _RowError("SIB703", "amount", "must be more than zero")
    return Request(
        request_id=_text(values, "request_id"),
        tranche=_name(values, "tranche", discretionary, "discretionary tranche") or "",
        requested=_date(values, "date") or date.min,
        amount=amount,
        purpose=_text(values, "purpose", required=False),
        row=line,
    )


_BUILDERS: dict[str, Callable[[Contract], Callable[[dict[str, Any], int], Any]]] = {
    "claims": _claim, "measurements": _measurement, "requests": _request,
}
