"""Settlement input, phase 1: the text of a ledger file cut into rows, each with its lines.

Input: the decoded text of a claims, measurements or requests file (CSV or JSON Lines) and its
kind. Output: the text as an editor shows it (a `SourceFile`, for diagnostics) and, in file
order, one item per row: `(line, values)` for a row whose fields could be read, `BadRow` for one
that could not (its code, place and message), `EmptyRow` for a CSV row without a single value.
Problems of the file as a whole (no header, a column missing or named twice) go to the sink.

Lines end at "\\n", "\\r\\n" or a lone "\\r", as text editors count them: never at U+2028,
U+2029, U+0085 or a form feed (str.splitlines would split there too and shift every later line
number). A blank line (nothing but spaces and tabs) is not a row. A CSV row is read by the csv
module (a quoted value may span lines); `line` is the line the row starts on. A cell that sibc
escaped against spreadsheet formulas when it wrote it (`'=x`, see `core/csvsafe.py`) is read
back without that quote, so a decisions or witness file reads back as it was settled.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sibdsl.core.codes import Code
from sibdsl.core.csvsafe import unescape_cell
from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.core.source import SourceFile, Span

KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "claims": (("claim_id", "participant", "outcome", "date"),
               ("evidence", "cohort", "start", "subgroup", "value", "referral", "held_at_referral",
                "submitted")),
    "measurements": (("measurement_id", "outcome", "date", "baseline", "observed"), ("cohort", "submitted")),
    "requests": (("request_id", "tranche", "date", "amount"), ("purpose",)),
}
ALIASES = {"id": None, "achieved": "date", "date_achieved": "date", "sub_group": "subgroup",
           "participant_id": "participant", "start_date": "start", "measured": "date", "requested": "date",
           "submitted_on": "submitted", "date_submitted": "submitted", "evidenced": "submitted"}

_LONE_CR = re.compile(r"\r(?!\n)")
_CR_ENDS = re.compile(r"\r\n?")
_LINE_END = re.compile(r"\r\n|\r|\n")
_FIELD_END = re.compile(r"[,\r\n]")
LONG = 60  # characters of a value quoted in a message


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that cannot be read at all: reported once, never settled."""

    code: Code
    message: str
    span: Span
    hint: str  # every error has one


@dataclass(frozen=True, slots=True)
class EmptyRow:
    """A CSV row of empty fields only (`,,,`): it holds no claim."""

    end_line: int


Item = tuple[int, "dict[str, Any] | BadRow | EmptyRow"]


def column_name(raw: str) -> str:
    key = raw.strip().lstrip("\ufeff").strip().lower().replace(" ", "_").replace("-", "_")
    return ALIASES.get(key) or key


def quoted(text: str) -> str:
    """A value for a message: repr, cut to LONG characters."""
    return repr(text) if len(text) <= LONG else repr(text[:LONG]) + f"... ({len(text):,} characters)"


def has_lone_cr(text: str) -> bool:
    return "\r" in text and _LONE_CR.search(text) is not None


def display_source(name: str, text: str) -> SourceFile:
    """The file as an editor shows it: a lone CR ends a line (SourceFile itself splits at LF only)."""
    return SourceFile(name, _CR_ENDS.sub("\n", text) if has_lone_cr(text) else text)


def lines(text: str, lone_cr: bool) -> Iterator[str]:
    """The lines of a text with their line ends, one at a time (StringIO would copy the text)."""
    start, n = 0, len(text)
    if lone_cr:
        for match in _LINE_END.finditer(text):
            yield text[start:match.end()]
            start = match.end()
        if start < n:
            yield text[start:]
        return
    find = text.find
    while start < n:
        end = find("\n", start)
        if end == -1:
            yield text[start:]
            return
        yield text[start:end + 1]
        start = end + 1


# ---------------------------------------------------------------- CSV
def scan_record(text: str, pos: int) -> tuple[list[tuple[int, int]], int, int | None]:
    """The fields (start, end offsets) of the CSV record that starts at `pos`, the offset where
    the record ends, and the offset of a quote still open at the end of the text (else None).
    The same rules as the csv module's default dialect: a quote opens a value only at its start,
    a doubled quote inside is one quote, a quoted value may span lines."""
    fields: list[tuple[int, int]] = []
    n, i, start = len(text), pos, pos
    while True:
        if i < n and text[i] == '"':
            opened = i
            i += 1
            while True:
                j = text.find('"', i)
                if j == -1:
                    fields.append((start, n))
                    return fields, n, opened
                if j + 1 < n and text[j + 1] == '"':
                    i = j + 2
                    continue
                i = j + 1
                break
        match = _FIELD_END.search(text, i)
        if match is None:
            fields.append((start, n))
            return fields, n, None
        i = match.start()
        fields.append((start, i))
        if text[i] != ",":
            return fields, i, None
        i += 1
        start = i


def field_span(source: SourceFile, line: int, index: int) -> Span:
    """Where field `index` (0-based) of the CSV row starting at `line` is; past its last field,
    the end of the row. The span stays on one line (a value spanning lines is marked to its end)."""
    fields, end, _ = scan_record(source.text, source.offset(line, 1))
    start, stop = fields[index] if index < len(fields) else (end, end)
    newline = source.text.find("\n", start, stop)
    if newline != -1:
        stop = newline
    line, column = source.position(start)
    return Span(line, column, line, column + max(1, stop - start), start, max(stop, start + 1))


def _is_blank(fields: list[str], start: int, end: int, source: SourceFile) -> bool:
    if not fields:
        return True
    return start == end and len(fields) == 1 and not source.line_text(start).strip(" \t")


class _CsvRead:
    """A csv.reader over the lines of a text, with the line each record starts on."""

    def __init__(self, text: str, lone_cr: bool) -> None:
        self.reader = csv.reader(lines(text, lone_cr))
        self.end = 0  # the last line of the record read last

    def next(self) -> tuple[int, list[str] | csv.Error] | None:
        try:
            fields: list[str] | csv.Error = next(self.reader)
        except StopIteration:
            return None
        except csv.Error as exc:  # not raised by the default dialect on lines cut as above; kept safe
            fields = exc
        start, self.end = self.end + 1, self.reader.line_num
        return start, fields


def csv_rows(text: str, source: SourceFile, kind: str, sink: DiagnosticSink) -> tuple[list[str], Iterator[Item]] | None:
    """The header and the rows of a CSV ledger, or None (reported) when the header is unusable."""
    required, optional = KINDS[kind]
    read = _CsvRead(text, has_lone_cr(text))
    while True:
        got = read.next()
        if got is None:
            sink.add("SIB702", f"the {kind} file is empty: it needs a header row", Span(1, 1, 1, 1),
                     hint="first line: " + ",".join(required + optional))
            return None
        line, fields = got
        if isinstance(fields, csv.Error):
            sink.add("SIB702", f"the header row of the {kind} file cannot be read: {fields}", Span(line, 1, line, 2),
                     hint="first line: " + ",".join(required + optional))
            return None
        if not _is_blank(fields, line, read.end, source):
            break
    header = [column_name(f) for f in fields]
    whole = Span(line, 1, line, len(source.line_text(line)) + 1)
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        if name and name in seen:
            first = field_span(source, line, seen[name])
            sink.add("SIB702", f"the {kind} file names the column {name} twice (fields {seen[name] + 1} and "
                     f"{index + 1})", field_span(source, line, index), labels=[Label(first, "first named here")],
                     hint="name each column once: the second would hide the first one's values")
            return None
        seen[name] = index
    missing = [c for c in required if c not in header]
    if missing:
        sink.add("SIB702", f"the {kind} file has no column {', '.join(missing)}", whole,
                 hint="the header row must name: " + ", ".join(required) + " (optional: " +
                      ", ".join(optional) + ")")
        return None
    return header, _csv_stream(read, header, source)


def _quoted(fields: list[str]) -> bool:
    return any(f[:1] == "'" for f in fields)


def _csv_stream(read: _CsvRead, header: list[str], source: SourceFile) -> Iterator[Item]:
    """Rows one at a time, so a million-row ledger never holds a million dicts at once."""
    reader, width, end = read.reader, len(header), read.end
    while True:
        try:
            for fields in reader:
                line = reader.line_num
                if line == end + 1 and len(fields) == width:  # one line, one field per column
                    end = line
                    if "'" in "".join(fields) and _quoted(fields):  # a cell sibc escaped against formulas
                        fields = [unescape_cell(f) for f in fields]
                    yield line, dict(zip(header, fields, strict=True))
                    continue
                start, end = end + 1, line
                item = _odd_row(fields, start, end, header, source)
                if item is not None:
                    yield start, item
            return
        except csv.Error as exc:  # not raised by the default dialect on lines cut as above; kept safe
            start, end = end + 1, reader.line_num
            yield start, BadRow("SIB703", f"row {start} cannot be read: {exc}", Span(start, 1, start, 2),
                                "check the quotes of this row")


def _odd_row(fields: list[str], start: int, end: int, header: list[str],
             source: SourceFile) -> dict[str, Any] | BadRow | EmptyRow | None:
    """A row spanning lines, with the wrong number of fields, blank or empty: the slow path."""
    width = len(header)
    if end > start:
        _, _, open_quote = scan_record(source.text, source.offset(start, 1))
        if open_quote is not None:
            line, column = source.position(open_quote)
            return BadRow("SIB703", f"row {start}: the quote at line {line}, column {column} is never closed, so "
                          f"lines {start} to {end} were read as one row", Span(line, column, line, column + 1),
                          'close the quote; a quote inside a quoted value is written twice: "6"" pipe"')
        if len(fields) == width and any(f.strip() for f in fields):
            return dict(zip(header, [unescape_cell(f) for f in fields], strict=True))
    if _is_blank(fields, start, end, source):
        return None
    if all(not f.strip() for f in fields):
        return EmptyRow(end)
    spans = f" (lines {start} to {end}: a quoted value spans lines)" if end > start else ""
    if len(fields) > width:
        span = field_span(source, start, width)
        hint = 'every row has as many fields as the header; a comma inside a value needs quotes: "1,500"'
    else:
        last = source.line_text(end)
        span = Span(end, len(last) + 1, end, len(last) + 2)
        hint = "every row has as many fields as the header (an empty value is still a field: c1,p1,,2020-01-01)"
    return BadRow("SIB703", f"row {start}, column row: {len(fields)} fields, the header has {width}{spans}", span, hint)


# ---------------------------------------------------------------- JSON Lines
class _Object(list[tuple[str, Any]]):
    """The (key, value) pairs of a JSON object, in order (duplicate keys kept, to be reported)."""


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_WHAT = {list: "an array", str: "a text", Decimal: "a number", bool: "true or false", type(None): "null"}


def json_rows(text: str, kind: str) -> Iterator[Item]:
    """One item per non-blank line; every value a text, a Decimal or "" (null)."""
    known = set(KINDS[kind][0] + KINDS[kind][1])
    for number, raw in enumerate(lines(text, has_lone_cr(text)), start=1):
        raw = raw.rstrip("\r\n")
        if not raw.strip(" \t"):
            continue
        yield number, _json_row(raw, number, known)


def _loads(raw: str) -> Any:
    return json.loads(raw, parse_float=Decimal, parse_int=Decimal, parse_constant=_constant,
                      object_pairs_hook=_Object, strict=False)


def _json_row(raw: str, number: int, known: set[str]) -> dict[str, Any] | BadRow:
    def bad(message: str, column: int = 1, hint: str = "JSON Lines: one object per line") -> BadRow:
        return BadRow("SIB706", f"line {number} is not a JSON object: {message}",
                      Span(number, column, number, column + 1), hint)

    try:
        obj = _loads(raw)
    except json.JSONDecodeError as exc:
        return bad(exc.msg, exc.colno)
    except RecursionError:
        return bad("it is nested too deeply", hint="write one flat object per line: {\"claim_id\": \"c1\", ...}")
    except ValueError as exc:  # NaN, Infinity (parse_constant)
        return bad(str(exc), max(1, raw.find(str(exc).split()[0]) + 1))
    if not isinstance(obj, _Object):
        what = _WHAT.get(type(obj), "a value")
        hint = ("one object per line, not one array of them: {\"claim_id\": \"c1\", ...}" if isinstance(obj, list)
                else 'write one object per line: {"claim_id": "c1", ...}')
        return bad(f"it is {what}", hint=hint)
    values: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for key, value in obj:
        column = column_name(key)
        if column in keys:
            return BadRow("SIB703", f"row {number}: the column {column} is given twice (as {quoted(keys[column])} "
                          f"and {quoted(key)})", json_key_span(raw, number, key),
                          "give each column once: the second would hide the first")
        keys[column] = key
        if value is None:
            value = ""
        elif column in known and not isinstance(value, str | Decimal):
            what = "an object" if isinstance(value, _Object) else _WHAT.get(type(value), "a value")
            return BadRow("SIB703", f"row {number}, column {column}: it is {what}, not a text or a number",
                          json_key_span(raw, number, key), 'write a text or a number: "outcome": "move_in"')
        values[column] = value
    return values


def json_key_span(line_text: str, line: int, key: str) -> Span:
    written = json.dumps(key, ensure_ascii=False)
    column = line_text.find(written) + 1
    return Span(line, column, line, column + len(written)) if column else Span(line, 1, line, 2)


def json_column_span(line_text: str, line: int, column: str) -> Span:
    """Where a column's key is written on a JSON line (found again only when a row is reported)."""
    try:
        obj = _loads(line_text)
    except (ValueError, RecursionError):
        return Span(line, 1, line, 2)
    key = next((k for k, _ in obj if column_name(k) == column), None) if isinstance(obj, _Object) else None
    return json_key_span(line_text, line, key) if key is not None else Span(line, 1, line, 2)
