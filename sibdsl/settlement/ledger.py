"""Settlement input, phase 2: claims, measurements and requests from CSV or JSON Lines files.

Input: a file path (or text) and the compiled contract (to check names). Output: records
plus diagnostics, one per bad row, naming the column at fault (SIB7xx codes), with the row's
line and the field's column so that they render like contract errors. The text is cut into
rows by `ledger_rows.py`. Columns (header names are case-insensitive; order free):

    claims:        claim_id, participant, outcome, date, [evidence, cohort, start, subgroup, value, referral]
    measurements:  measurement_id, outcome, [cohort], date, baseline, observed
    requests:      request_id, tranche, date, amount, [purpose]

`date`/`start` are YYYY-MM-DD; `value`, `baseline`, `observed`, `amount` are plain decimal
numbers (commas allowed in amounts; a currency code in front of an amount is accepted if it is
the contract's). Only the ASCII digits 0-9 count in dates and numbers.

Every row is decided or reported, never dropped silently (rows in = records + rows reported):
- a row that cannot be read, or has a bad value, is an error naming the row and the column
  (it is in `invalid_rows`; `--skip-invalid` settles without it and says so with SIB707);
- a CSV row of empty fields only (`,,,` -- spreadsheets write these below the data) holds no
  claim: it is skipped with a warning, SIB707, one per run of such rows (`empty_rows`), and
  does not stop settlement;
- a blank line (nothing but spaces and tabs) is not a row, in CSV and in JSON Lines;
- a problem of the whole file (not UTF-8, no header, a column missing or named twice) is one
  error and nothing in that file is read.
Lines end at LF, CRLF or a lone CR, as editors count them. In JSON Lines, control characters
inside strings are accepted as written (json strict=False), NaN and Infinity are not numbers,
a key given twice is an error, and a value of a known column must be a text, a number or null.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import difflib
import gc
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sibdsl.core.codes import Code
from sibdsl.core.diagnostics import DiagnosticSink
from sibdsl.core.source import SourceFile, Span
from sibdsl.model.contract import Contract, SlidingTariff
from sibdsl.settlement.ledger_rows import (
    ALIASES,
    KINDS,
    BadRow,
    EmptyRow,
    Item,
    csv_rows,
    display_source,
    field_span,
    json_column_span,
    json_rows,
    quoted,
)
from sibdsl.settlement.records import Claim, Measurement, Request

__all__ = ["ALIASES", "KINDS", "Ledger", "parse_ledger", "read_ledger"]

_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_WHAT = {"claims": "claim", "measurements": "measurement", "requests": "request"}


@dataclass
class Ledger:
    kind: str
    source: SourceFile | None  # the file as an editor shows it (None: it could not be read as text)
    records: list[Any] = field(default_factory=list)
    sink: DiagnosticSink = field(default_factory=lambda: DiagnosticSink(""))
    invalid_rows: list[int] = field(default_factory=list)  # first lines of the rows reported as errors
    empty_rows: list[int] = field(default_factory=list)  # first lines of the empty rows skipped (SIB707)
    readable: bool = True  # False: the file as a whole was rejected (SIB701/SIB702); nothing was read
    row_spans: dict[int, Span] = field(default_factory=dict, repr=False)  # invalid row -> its first error

    def skip_invalid_rows(self) -> None:
        """Report each invalid row as skipped (SIB707), at the place of its error (--skip-invalid)."""
        what = _WHAT[self.kind]
        for line in self.invalid_rows:
            self.sink.add("SIB707", f"row {line} skipped (--skip-invalid): this {what} is not settled",
                          self.row_spans.get(line, Span(line, 1, line, 2)),
                          hint=f"fix the row and settle again to include the {what}")


class _RowError(Exception):
    def __init__(self, code: Code, column: str, message: str, hint: str) -> None:  # every error has a hint
        self.code, self.column, self.message, self.hint = code, column, message, hint


def read_ledger(path: str, kind: str, contract: Contract) -> Ledger:
    name = str(path)
    sink = DiagnosticSink(name)
    try:
        data = Path(path).read_bytes() if path != "-" else __import__("sys").stdin.buffer.read()
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _not_utf8(data, exc, name, kind, sink)
    except OSError as exc:
        sink.add("SIB701", f"cannot read the {kind} file {name}: {exc.strerror or exc}", Span(1, 1, 1, 1),
                 hint="check the path")
        return Ledger(kind, None, sink=sink, readable=False)
    return parse_ledger(text, name, kind, contract, sink)


_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"),
         (codecs.BOM_UTF16_BE, "UTF-16"))


def _not_utf8(data: bytes, exc: UnicodeDecodeError, name: str, kind: str, sink: DiagnosticSink) -> Ledger:
    """SIB702 at the line and column of the first byte that is not UTF-8 (the line shown as read)."""
    shown = display_source(name, data.decode("utf-8-sig", errors="replace"))
    body = bytes(exc.object)  # the data after a UTF-8 BOM, which exc.start counts in
    offset = exc.start + len(data) - len(body)  # in the file
    line, column = shown.position(len(display_source(name, body[:exc.start].decode("utf-8")).text))
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    looks = f"it is {encoding} text; " if encoding else ""
    sink.add("SIB702", f"the {kind} file is not UTF-8 text (byte {offset + 1:,} is 0x{data[offset]:02x})",
             Span(line, column, line, column + 1), hint=looks + "export it as CSV UTF-8 (comma delimited)")
    return Ledger(kind, shown, sink=sink, readable=False)


def parse_ledger(text: str, name: str, kind: str, contract: Contract, sink: DiagnosticSink | None = None) -> Ledger:
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))  # no field is longer than the file (default 128 KiB)
    collecting = gc.isenabled()
    gc.disable()  # many small acyclic records: the cycle collector only costs time
    try:
        return _parse(text, name, kind, contract, sink or DiagnosticSink(name))
    finally:
        csv.field_size_limit(limit)
        if collecting:
            gc.enable()


def _parse(text: str, name: str, kind: str, contract: Contract, sink: DiagnosticSink) -> Ledger:
    source = display_source(name, text)
    ledger = Ledger(kind, source, sink=sink)
    is_json = name.endswith((".jsonl", ".ndjson", ".json")) or text.lstrip().startswith("{")
    header: list[str] = []
    if is_json:
        rows: Iterable[Item] = json_rows(text, kind)
    else:
        read = csv_rows(text, source, kind, sink)
        if read is None:
            ledger.readable = False
            return ledger
        header, rows = read
    _build_all(rows, _BUILDERS[kind](contract), ledger, source, header)
    return ledger


def _build_all(rows: Iterable[Item], build: Callable[[dict[str, Any], int], Any], ledger: Ledger,
               source: SourceFile, header: list[str]) -> None:
    records, sink = ledger.records, ledger.sink
    empty: list[tuple[int, int]] = []  # empty rows: (first line, last line)
    for line, values in rows:
        if type(values) is dict:
            try:
                records.append(build(values, line))
                continue
            except _RowError as err:
                if header and all(not str(v).strip() for v in values.values()):
                    empty.append((line, line))  # every field of a CSV row empty: not a claim
                    continue
                message, code, hint = f"row {line}, column {err.column}: {err.message}", err.code, err.hint
                span = _span_of(source, line, err.column, header)
        elif isinstance(values, EmptyRow):
            empty.append((line, values.end_line))
            continue
        else:
            assert isinstance(values, BadRow)
            message, code, hint, span = values.message, values.code, values.hint, values.span
        ledger.invalid_rows.append(line)
        ledger.row_spans[line] = span
        sink.add(code, message, span, hint=hint)
    if empty:
        _report_empty(ledger, empty)


def _span_of(source: SourceFile, line: int, column: str, header: list[str]) -> Span:
    """The place of a column's value in a row (CSV) or of its key (JSON Lines: no header)."""
    if not header:
        return json_column_span(source.line_text(line), line, column)
    return field_span(source, line, header.index(column)) if column in header else Span(line, 1, line, 2)


def _report_empty(ledger: Ledger, empty: list[tuple[int, int]]) -> None:
    """One SIB707 warning per run of empty rows: rows with no record or invalid row between them
    (blank lines do not end a run)."""
    taken = [r.row for r in ledger.records] if len(empty) > 1 else []  # in file order, so sorted
    invalid = ledger.invalid_rows
    runs: list[list[tuple[int, int]]] = [[empty[0]]]
    for row in empty[1:]:
        before, here = runs[-1][-1][1], row[0]
        if bisect.bisect(taken, before) == bisect.bisect(taken, here) and \
                bisect.bisect(invalid, before) == bisect.bisect(invalid, here):
            runs[-1].append(row)
        else:
            runs.append([row])
    what = _WHAT[ledger.kind]
    for run in runs:
        first, last = run[0][0], run[-1][1]
        width = len(ledger.source.line_text(last)) + 1 if ledger.source is not None else 2
        message = (f"row {first} is empty (no values): skipped" if len(run) == 1 else
                   f"{len(run):,} empty rows (no values), lines {first} to {last}: skipped")
        ledger.sink.add("SIB707", message, Span(first, 1, last, max(2, width)),
                        hint=f"an empty row is not a {what}; delete {'it' if len(run) == 1 else 'them'} "
                             "to silence this warning")
    ledger.empty_rows.extend(line for line, _ in empty)


# ---------------------------------------------------------------- values
def _text(values: dict[str, Any], column: str, required: bool = True) -> str:
    raw = values.get(column, "")
    text = raw.strip() if isinstance(raw, str) else ("" if raw is None else str(raw).strip())
    if required and not text:
        raise _RowError("SIB705", column, "empty", f"every {column} must be given")
    return text


def _ascii_reading(text: str) -> str | None:
    """The text with other scripts' digits as 0-9 ('２０２０' -> '2020'), or None if it has none."""
    if text.isascii() or not any(c.isdigit() and not c.isascii() for c in text):
        return None
    return "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text)


def _date(values: dict[str, Any], column: str, required: bool = True) -> date | None:
    text = _text(values, column, required)
    if not text:
        return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    match = _DATE.match(text)
    if not match:
        ascii_text = _ascii_reading(text)
        if ascii_text is not None:
            raise _RowError("SIB703", column, f"{quoted(text)} is not a date: only the digits 0-9 count",
                            f"write it with the digits 0-9: {quoted(ascii_text)}")
        raise _RowError("SIB703", column, f"{quoted(text)} is not a date", "write dates as YYYY-MM-DD (2015-03-31)")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise _RowError("SIB703", column, f"{text} is not a date in the calendar", "check the day and month") from None


def _number(values: dict[str, Any], column: str, contract: Contract, required: bool = True) -> Decimal | None:
    raw = values.get(column)
    if isinstance(raw, Decimal):  # a JSON number
        return _usable(raw, str(raw), column)
    text = _text(values, column, required)
    if not text:
        return None
    code = contract.header.currency
    cleaned = text[len(code):].strip() if text.upper().startswith(code) else text
    cleaned = cleaned.lstrip("£€$").replace(",", "")
    if not _NUMBER.match(cleaned):
        ascii_text = _ascii_reading(text)
        if ascii_text is not None:
            raise _RowError("SIB703", column, f"{quoted(text)} is not a number: only the digits 0-9 count",
                            f"write it with the digits 0-9: {quoted(ascii_text)}")
        raise _RowError("SIB703", column, f"{quoted(text)} is not a number", "write plain numbers: 1500.50")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:  # not after the pattern above; kept safe
        raise _RowError("SIB703", column, f"{quoted(text)} is not a number", "write plain numbers: 1500.50") from None
    return _usable(number, text, column)


def _usable(number: Decimal, text: str, column: str) -> Decimal:
    """At most 40 characters written out in full (as the text form allows), so no sum overflows."""
    if not number.is_finite() or not -40 <= number.adjusted() <= 40 or len(format(number, "f")) > 40:
        raise _RowError("SIB703", column, f"{quoted(text)} is not a usable number",
                        "write plain numbers of at most 40 characters: 1500.50")
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
        raise _RowError("SIB704", column, f"the contract has no {what} {quoted(text)}", hint)
    return text


def _claim(contract: Contract) -> Callable[[dict[str, Any], int], Claim]:
    outcomes = frozenset(o.name for o in contract.outcomes)
    named = outcomes | frozenset(r.name for r in contract.resets)  # a row may name a reset (issue 10.1)
    subgroups = frozenset(s.name for c in contract.cohorts for s in c.subgroups)
    cohorts = frozenset(c.name for c in contract.cohorts)

    canonical = {name: name for name in named}  # one string object per name, not one per row
    percent_scale = {o.name: isinstance(o.tariff, SlidingTariff) and o.tariff.percent_scale for o in contract.outcomes}
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
        outcome = _name(values, "outcome", named, "outcome") or ""
        value = (_measured(values, contract, percent_scale.get(outcome, False)) if get("value") not in (None, "")
                 else None)
        return Claim(
            claim_id=_text(values, "claim_id"),
            participant=people.setdefault(participant, participant),
            outcome=canonical.get(outcome, outcome),
            achieved=day(values),
            evidence=_text(values, "evidence", required=False) if get("evidence") else "",
            cohort=_name(values, "cohort", cohorts, "cohort", required=False) if get("cohort") else None,
            start=_date(values, "start", required=False) if get("start") else None,
            subgroup=_name(values, "subgroup", subgroups, "sub-group", required=False) if get("subgroup") else None,
            value=value,
            referral=_date(values, "referral", required=False) if get("referral") else None,
            row=line,
            held=_held(values, outcomes) if get("held_at_referral") else None,
            submitted=_submitted(values, day(values)) if get("submitted") else None,
        )

    return build


def _held(values: dict[str, Any], outcomes: frozenset[str]) -> frozenset[str] | None:
    """The `held_at_referral` column: outcome names separated by `;` (spaces around them and empty
    items ignored), each an outcome of the contract (SIB704); None when the cell is blank."""
    text = _text(values, "held_at_referral", required=False)
    names = [n.strip() for n in text.split(";") if n.strip()]
    for name in names:
        _name({"held_at_referral": name}, "held_at_referral", outcomes, "outcome")
    return frozenset(names) if names else None
def _submitted(values: dict[str, Any], achieved: date) -> date | None:
    """The date a claim or result was submitted: not before the date it was achieved (measured)."""
    day = _date(values, "submitted", required=False)
    if day is not None and day < achieved:
        raise _RowError("SIB703", "submitted", f"submitted {day}, before the date achieved {achieved}",
                        "a claim is submitted on or after the date it was achieved; check both dates")
    return day


def _measured(values: dict[str, Any], contract: Contract, in_percent: bool) -> Decimal | None:
    """A claim's measured value. For a sliding scale whose points are percentages (`0% at 50%,
    100% at 90%`) the value may be written `70%` (read as 70), and a plain value above 0 and at
    most 1 is refused as ambiguous: 0.7 would pay as 0.7%, not the 70% it most likely means."""
    raw = values.get("value")
    if in_percent and isinstance(raw, str) and raw.strip().endswith("%"):
        number = _number({"value": raw.strip()[:-1]}, "value", contract, required=False)
        return number
    number = _number(values, "value", contract, required=False)
    if in_percent and number is not None and 0 < number <= 1:
        shown = format(number * 100, "f").rstrip("0").rstrip(".") if "." in format(number * 100, "f") else \
            format(number * 100, "f")
        raise _RowError("SIB703", "value", f"{quoted(str(raw))} is ambiguous: the scale is measured in percent",
                        f"write {shown}% if you mean {shown} percent, or {number}% if you mean less than one percent")
    return number


def _measurement(contract: Contract) -> Callable[[dict[str, Any], int], Measurement]:
    return lambda values, line: _build_measurement(values, contract, line)


def _request(contract: Contract) -> Callable[[dict[str, Any], int], Request]:
    return lambda values, line: _build_request(values, contract, line)


def _build_measurement(values: dict[str, Any], contract: Contract, line: int) -> Measurement:
    cohort_level = [o.name for o in contract.outcomes if o.tariff.kind == "cohort_level"]
    outcome = _name(values, "outcome", cohort_level, "cohort-level outcome") or ""
    cohort = _name(values, "cohort", [c.name for c in contract.cohorts], "cohort", required=False)
    # a pooled outcome's result for all its cohorts may leave both figures empty: they are pooled
    pooled = cohort is None and any(o.name == outcome and o.pooled for o in contract.outcomes)
    left_empty = pooled and all(values.get(c) in (None, "") for c in ("baseline", "observed"))
    baseline = Decimal(0) if left_empty else _number(values, "baseline", contract)
    assert baseline is not None
    if baseline <= 0 and not left_empty:
        raise _RowError("SIB703", "baseline", "must be more than zero", "the baseline is the figure without the service"
                        + ("; or leave baseline and observed both empty to use the pooled figures" if pooled else ""))
    measured = _date(values, "date") or date.min
    return Measurement(
        measurement_id=_text(values, "measurement_id"),
        outcome=outcome,
        cohort=cohort,
        measured=measured,
        baseline=baseline,
        observed=Decimal(0) if left_empty else _number(values, "observed", contract) or Decimal(0),
        row=line,
        submitted=_submitted(values, measured) if values.get("submitted") else None,
        given=not left_empty,
    )


def _build_request(values: dict[str, Any], contract: Contract, line: int) -> Request:
    discretionary = [t.name for t in contract.tranches if t.discretionary]
    amount = _number(values, "amount", contract)
    assert amount is not None
    if amount <= 0:
        raise _RowError("SIB703", "amount", "must be more than zero", "a request asks for an amount above zero: 500.00")
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
