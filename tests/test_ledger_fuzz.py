"""Ledger fuzz: malformed claims, measurements and requests files never crash `sibc settle`,
and every row is decided or reported (CONSERVATION: data rows in = rows decided + rows reported).

Inputs: seeded random ledgers (CSV and JSON Lines, all three kinds) put through 1 to 4 random
mutations each: bytes flipped, inserted or cut, NULs, BOMs, other encodings (UTF-16, Latin-1,
cp1252), CR-only / CRLF / mixed line ends, lone CRs in and out of quotes, fields over 128 KiB,
deeply nested JSON, U+2028 / U+2029 / U+0085 / form feeds in strings, NaN and huge numbers,
missing, extra, renamed and duplicated columns, rows of commas, blank and whitespace lines,
digits of other scripts, unclosed quotes, truncation, lines repeated or dropped.

Each input goes through `run_settle` as `sibc settle --skip-invalid` runs it, with the
diagnostics as one JSON document (stderr) and the decisions as JSON Lines, and is checked:
- no exception (sibc would print SIB999), no SIB9xx diagnostic, every diagnostic placed inside
  the file (1-based line and column, line at most the file's line count + 1);
- the file is rejected as a whole (exit 1, SIB701/SIB702) exactly when the reference below says
  so (not UTF-8; no header; a required column missing or one named twice); then nothing is decided;
- the same exit code with the diagnostics rendered as text (every fourth input);
- otherwise: rows decided (decisions.jsonl lines, or tranches.csv rows with a request id) ==
  data rows - rows reported, where a row counts as reported when a ledger-row diagnostic
  (SIB703-SIB707) overlaps its lines. A row dropped, or decided and reported, breaks it.

Data rows are counted by `reference_rows`, written here from the documented rules and not from
the reader: the bytes decoded as UTF-8 (BOM removed), lines cut at LF, CRLF or CR; JSON Lines:
each line with more than spaces and tabs; CSV: records by a small quote-aware state machine
(a quote opens a value only at its start, `""` inside is one quote, a quoted value may span
lines), blank one-line records left out, the first remaining record being the header.

The default run tries DEFAULT inputs (a few seconds). The slow profile tries SLOW inputs and
prints its figures (inputs, SIB999, tracebacks, slowest input and its time):
    SIBDSL_FUZZ=1 python -m pytest tests/test_ledger_fuzz.py -m slow -s
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import random
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import sibdsl.compiler
from sibdsl.cli.settle_cmd import run_settle
from sibdsl.compiler import compile_text
from sibdsl.core.codes import CATALOGUE

DEFAULT = 200
SLOW = 2500

CONTRACT = """contract "Ledger fuzz" version 1
currency GBP
term 2020-01-01 to 2021-12-31
settled quarterly in arrears
payer council "Council" pays 70%, at most GBP 30,000
payer fund "Fund" pays 30%
investor bank "Bank" commits GBP 1,000 to GBP 20,000
cohort people "People" at most 500 participants, referred 2020-01-01 to 2020-12-31
  subgroup high "High needs"
  subgroup low "Lower needs"
outcome move_in "Move in" pays GBP 500
outcome housed "Housed 3 months" pays GBP 1,500 for high, GBP 1,000 for low
  after move_in at least 3 months
outcome skills "Skills gain" pays GBP 400 scaled by "test score": 0% at 0.5, 100% at 1.4
outcome fewer "Fewer reconvictions" pays GBP 10 per 1% reduction in "reconvictions" against baseline threshold 10%
cap contract GBP 50,000
tranche t1 GBP 1,000 on 2020-01-01
tranche spare up to GBP 800 at discretion for "new services"
"""

COLUMNS = {
    "claims": ["claim_id", "participant", "outcome", "date", "start", "subgroup", "value", "evidence", "cohort",
               "referral"],
    "measurements": ["measurement_id", "outcome", "cohort", "date", "baseline", "observed"],
    "requests": ["request_id", "tranche", "date", "amount", "purpose"],
}
REQUIRED = {
    "claims": {"claim_id", "participant", "outcome", "date"},
    "measurements": {"measurement_id", "outcome", "date", "baseline", "observed"},
    "requests": {"request_id", "tranche", "date", "amount"},
}
ALIASES = {"achieved": "date", "date_achieved": "date", "sub_group": "subgroup", "participant_id": "participant",
           "start_date": "start", "measured": "date", "requested": "date"}
ROW_CODES = {"SIB703", "SIB704", "SIB705", "SIB706", "SIB707"}
FILE_CODES = {"SIB701", "SIB702"}


# ---------------------------------------------------------------- the reference count of rows
@dataclass
class Expected:
    fatal: bool  # the file as a whole must be rejected
    rows: list[tuple[int, int]]  # (first line, last line) of each data row
    line_count: int


def physical_lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)


def csv_records(text: str) -> list[tuple[int, int, list[str]]]:
    """(first line, last line, fields) of each record, char by char."""
    out: list[tuple[int, int, list[str]]] = []
    i, n, line = 0, len(text), 1
    while i < n:
        first, fields, value, state = line, [], [], "start"
        ended = False
        while i < n:
            c = text[i]
            newline = c in "\r\n"
            width = 2 if text.startswith("\r\n", i) else 1
            if state == "quoted":
                if c == '"':
                    state = "quote"
                else:
                    value.append(text[i:i + width])
                    line += newline
                i += width if newline else 1
                continue
            if c == ",":
                fields.append("".join(value))
                value, state = [], "start"
            elif newline:
                i += width
                line += 1
                ended = True
                break
            elif state == "start" and c == '"':
                state = "quoted"
            elif state == "quote" and c == '"':
                value.append('"')
                state = "quoted"
            else:
                value.append(c)
                state = "field"
            i += 1
        fields.append("".join(value))
        out.append((first, line - 1 if ended else line, fields))
    return out


def column(raw: str) -> str:
    key = raw.strip().lstrip("\ufeff").strip().lower().replace(" ", "_").replace("-", "_")
    return ALIASES.get(key, key)


def reference_rows(data: bytes, name: str, kind: str) -> Expected:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Expected(True, [], len(physical_lines(data.decode("utf-8-sig", "replace"))))
    lines = physical_lines(text)
    if name.endswith(".jsonl") or text.lstrip().startswith("{"):
        return Expected(False, [(n, n) for n, raw in enumerate(lines, 1) if raw.strip(" \t")], len(lines))
    records = [r for r in csv_records(text)
               if not (r[0] == r[1] and not lines[r[0] - 1].strip(" \t"))]
    if not records:
        return Expected(True, [], len(lines))
    names = [column(f) for f in records[0][2]]
    named = [n for n in names if n]
    fatal = len(set(named)) != len(named) or not REQUIRED[kind] <= set(names)
    return Expected(fatal, [(a, b) for a, b, _ in records[1:]], len(lines))


# ---------------------------------------------------------------- valid ledgers
def _day(rng: random.Random, year: int = 2020) -> str:
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def valid_values(rng: random.Random, kind: str, i: int) -> dict[str, str]:
    if kind == "claims":
        outcome = rng.choice(["move_in", "housed", "skills", "move_in", "fewer"])
        return {"claim_id": f"c{i}", "participant": f"p{rng.randint(1, 8)}", "outcome": outcome,
                "date": _day(rng, rng.choice([2020, 2021])), "start": rng.choice(["", "2020-01-15"]),
                "subgroup": rng.choice(["", "high", "low"]),
                "value": f"{rng.uniform(0, 2):.2f}" if outcome == "skills" else "",
                "evidence": rng.choice(["", "tenancy agreement", "a letter, signed", 'the "form"']),
                "cohort": rng.choice(["", "people"]), "referral": rng.choice(["", "2020-01-10"])}
    if kind == "measurements":
        return {"measurement_id": f"m{i}", "outcome": "fewer", "cohort": rng.choice(["", "people"]),
                "date": _day(rng, 2021), "baseline": str(rng.randint(50, 300)), "observed": str(rng.randint(10, 300))}
    return {"request_id": f"r{i}", "tranche": "spare", "date": _day(rng), "amount": f"{rng.randint(1, 900)}.50",
            "purpose": rng.choice(["", "housing", "more, later"])}


def valid_ledger(rng: random.Random, kind: str, fmt: str, rows: int) -> str:
    names = COLUMNS[kind][:]
    if fmt == "jsonl":
        return "".join(json.dumps(valid_values(rng, kind, i)) + "\n" for i in range(rows))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for i in range(rows):
        values = valid_values(rng, kind, i)
        writer.writerow([values[n] for n in names])
    return out.getvalue()


# ---------------------------------------------------------------- mutations
def _pos(rng: random.Random, text: str) -> int:
    return rng.randint(0, len(text))


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _at_line(rng: random.Random, text: str, change: Callable[[str], str]) -> str:
    lines = _lines(text)
    k = rng.randrange(len(lines))
    lines[k] = change(lines[k])
    return "\n".join(lines)


def _header(rng: random.Random, text: str, change: Callable[[list[str]], list[str]]) -> str:
    lines = _lines(text)
    lines[0] = ",".join(change(lines[0].split(",")))
    return "\n".join(lines)


def _in_string(rng: random.Random, text: str, piece: str) -> str:
    """Put `piece` inside a quoted value (JSON string or CSV quoted field) if there is one."""
    quotes = [m.end() for m in re.finditer(r'"[^"\n,]', text)]
    if not quotes:
        return text + f'"{piece}"'
    at = rng.choice(quotes)
    return text[:at] + piece + text[at:]


def _replace_value(rng: random.Random, text: str, new: str) -> str:
    """Replace a date, number or name in the text with `new`."""
    spots = list(re.finditer(r"\d{4}-\d{2}-\d{2}|\d+(\.\d+)?|move_in|housed|spare|fewer|people|high", text))
    if not spots:
        return text + new
    m = rng.choice(spots)
    return text[:m.start()] + new + text[m.end():]


UNICODE_DIGITS = ["２０２０-０３-０１", "٢٠٢٠-٠٣-٠١", "५००", "１２", "2020-03-0١", "௫"]
SPECIAL = ["\u2028", "\u2029", "\u0085", "\f", "\v", "\x00", "\x1b", "\ufeff", "\u00a0", "\r", "\t"]

TEXT_MUTATIONS: dict[str, Callable[[random.Random, str], str]] = {
    "insert_char": lambda r, t: (lambda p: t[:p] + r.choice(',"\n\r{}[]:\\ \t') + t[p:])(_pos(r, t)),
    "delete_span": lambda r, t: (lambda p: t[:p] + t[p + r.randint(1, 12):])(_pos(r, t)),
    "insert_nul": lambda r, t: (lambda p: t[:p] + "\x00" + t[p:])(_pos(r, t)),
    "bom_mid": lambda r, t: (lambda p: t[:p] + "\ufeff" + t[p:])(_pos(r, t)),
    "bom_twice": lambda r, t: "\ufeff\ufeff" + t,
    "cr_only": lambda r, t: t.replace("\r\n", "\n").replace("\n", "\r"),
    "crlf": lambda r, t: t.replace("\r\n", "\n").replace("\n", "\r\n"),
    "mixed_ends": lambda r, t: "".join(part + r.choice(["\n", "\r\n", "\r"]) for part in t.split("\n")),
    "lone_cr_quoted": lambda r, t: _in_string(r, t, "\r"),
    "lone_cr": lambda r, t: (lambda p: t[:p] + "\r" + t[p:])(_pos(r, t)),
    "huge_field": lambda r, t: _in_string(r, t, "x" * r.randint(131_073, 200_000)),
    "huge_plain_field": lambda r, t: _replace_value(r, t, "y" * r.randint(131_073, 150_000)),
    "special_in_string": lambda r, t: _in_string(r, t, r.choice(SPECIAL)),
    "special_anywhere": lambda r, t: (lambda p: t[:p] + r.choice(SPECIAL) + t[p:])(_pos(r, t)),
    "nested_json": lambda r, t: _replace_value(r, t, "[" * r.choice([50, 5_000, 100_000]) +
                                                 r.choice(["", "]" * 50, "1"])),
    "nested_object": lambda r, t: _replace_value(r, t, '{"a": ' * 3_000 + "1" + "}" * 3_000),
    "json_constant": lambda r, t: _replace_value(r, t, r.choice(["NaN", "Infinity", "-Infinity", "true", "null",
                                                                  "[1, 2]", '{"x": 1}', "1e999999", "9" * 5000])),
    "duplicate_key": lambda r, t: t.replace('"outcome": ', '"outcome": "move_in", "Outcome": ', 1),
    "not_object": lambda r, t: t + r.choice(["[1, 2]", '"text"', "5", "null", "[{}]", "{", "}", "{}", "{} {}"]) + "\n",
    "unicode_digits": lambda r, t: _replace_value(r, t, r.choice(UNICODE_DIGITS)),
    "bad_value": lambda r, t: _replace_value(r, t, r.choice(["2020-02-30", "31/03/2020", "-5", "0", "1e5", "1_000",
                                                             "GBP 1,500", "£12", "9" * 45, "move_inn", "", " ",
                                                             "0.0000000000000000000000000000000000000000001"])),
    "drop_header_column": lambda r, t: _header(r, t, lambda names: names[:(k := r.randrange(len(names)))] +
                                               names[k + 1:]),
    "duplicate_header_column": lambda r, t: _header(r, t, lambda names: [*names, r.choice(names)]),
    "rename_header": lambda r, t: t.replace(r.choice(["date", "participant", "subgroup", "start", "claim_id"]),
                                            r.choice(["achieved", "Participant ID", "Sub-Group", "start date",
                                                      "ID", "DATE", " claim_id "]), 1),
    "extra_column": lambda r, t: "\n".join(line + ",extra" for line in _lines(t)),
    "extra_field": lambda r, t: _at_line(r, t, lambda s: s + ",surplus"),
    "missing_field": lambda r, t: _at_line(r, t, lambda s: s.rsplit(",", 1)[0]),
    "row_of_commas": lambda r, t: _at_line(r, t, lambda s: s + "\n" + "," * r.randint(0, 14)),
    "rows_of_commas_at_end": lambda r, t: t + (r.choice([",,,\n", ",,,,,,,,,\n", " , ,\n", '"",""\n']) *
                                               r.randint(1, 30)),
    "blank_lines": lambda r, t: _at_line(r, t, lambda s: s + r.choice(["\n", "\n\n", "\n   \n", "\n\t\n"])),
    "whitespace_line": lambda r, t: _at_line(r, t, lambda s: s + "\n" + r.choice(["\f", "\u00a0", "\u3000", "\v"])),
    "unclosed_quote": lambda r, t: _at_line(r, t, lambda s: (lambda p: s[:p] + '"' + s[p:])(
        r.choice([0, *[m.end() for m in re.finditer(",", s)]]))),
    "stray_quote": lambda r, t: (lambda p: t[:p] + '"' + t[p:])(_pos(r, t)),
    "truncate": lambda r, t: t[:_pos(r, t)],
    "duplicate_line": lambda r, t: (lambda ls: "\n".join([*ls, r.choice(ls)]))(_lines(t)),
    "drop_line": lambda r, t: (lambda ls, k: "\n".join(ls[:k] + ls[k + 1:]))(_lines(t), r.randrange(len(_lines(t)))),
    "header_only": lambda r, t: _lines(t)[0] + "\n",
    "empty": lambda r, t: r.choice(["", "\n", "   \n\n", "\ufeff"]),
}

BYTE_MUTATIONS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "flip_bytes": lambda r, b: bytes(x ^ (1 << r.randrange(8)) if r.random() < 0.01 else x for x in b),
    "insert_bytes": lambda r, b: (lambda p: b[:p] + bytes(r.randrange(256) for _ in range(r.randint(1, 6))) + b[p:])(
        r.randint(0, len(b))),
    "utf16": lambda r, b: b.decode("utf-8", "replace").encode(r.choice(["utf-16", "utf-16-le", "utf-32"])),
    "latin1": lambda r, b: b.decode("utf-8", "replace").replace("a", "\u00e9", 1).encode("latin-1", "replace"),
    "cp1252_pound": lambda r, b: b.replace(b"0", "\u00a3".encode("cp1252"), 1),
    "cut_multibyte": lambda r, b: b + "\u00e9".encode()[:1],
}


@dataclass
class Input:
    kind: str
    name: str
    data: bytes
    mutations: list[str] = field(default_factory=list)


def make_input(rng: random.Random) -> Input:
    kind = rng.choices(["claims", "measurements", "requests"], [6, 2, 2])[0]
    fmt = rng.choice(["csv", "csv", "jsonl"])
    text = valid_ledger(rng, kind, fmt, rng.randint(0, 14))
    names: list[str] = []
    for _ in range(rng.randint(1, 4)):
        name = rng.choice(list(TEXT_MUTATIONS))
        names.append(name)
        text = TEXT_MUTATIONS[name](rng, text)
    try:
        data = text.encode("utf-8", "surrogatepass")
    except UnicodeEncodeError:  # not reached: the mutations write no lone surrogates
        data = text.encode("utf-8", "replace")
    if rng.random() < 0.2:
        name = rng.choice(list(BYTE_MUTATIONS))
        names.append(name)
        data = BYTE_MUTATIONS[name](rng, data)
    return Input(kind, f"{kind}.{fmt}", data, names)


# ---------------------------------------------------------------- running one input
CLAIMS_HEADER = "claim_id,participant,outcome,date\n"


@dataclass
class Outcome:
    seconds: float
    exception: str | None = None  # a traceback: sibc would have printed SIB999
    problems: list[str] = field(default_factory=list)  # broken properties
    rows: int = 0  # data rows in the file (reference count)
    decided: int = 0
    reported: int = 0


def settle_file(item: Input, folder: Path, diagnostics: str) -> tuple[int, str, Path, Path]:
    """`sibc settle --skip-invalid --format json` with this ledger in its place: exit code, stderr,
    the ledger's path and the output folder."""
    ledger = folder / item.name
    ledger.write_bytes(item.data)
    claims = ledger if item.kind == "claims" else folder / "fixed-claims.csv"
    if item.kind != "claims":
        claims.write_text(CLAIMS_HEADER, encoding="utf-8")
    out = folder / "out"
    for old in out.glob("*"):
        old.unlink()
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        code = run_settle(str(folder / "contract.sib"), str(claims),
                          str(ledger) if item.kind == "measurements" else None,
                          str(ledger) if item.kind == "requests" else None,
                          str(out), "json", True, None, diagnostics_format=diagnostics)
    return code, stderr.getvalue(), ledger, out


def run_one(item: Input, folder: Path, also_text: bool) -> Outcome:
    start = time.perf_counter()
    try:
        code, stderr, ledger, out = settle_file(item, folder, "json")
        seconds = time.perf_counter() - start
        outcome = check(item, str(ledger), code, stderr, out)
        outcome.seconds = seconds
        if also_text:  # the same input with diagnostics rendered for people: same exit code, no crash
            text_code, _, _, _ = settle_file(item, folder, "text")
            if text_code != code:
                outcome.problems.append(f"exit {text_code} with text diagnostics, {code} with JSON")
    except Exception:
        return Outcome(time.perf_counter() - start, traceback.format_exc())
    return outcome


def check(item: Input, ledger_name: str, code: int, stderr: str, out: Path) -> Outcome:
    outcome = Outcome(0.0)
    problems = outcome.problems
    try:
        document = json.loads(stderr)
    except ValueError:
        problems.append(f"stderr is not one JSON document: {stderr[:300]!r}")
        return outcome
    expected = reference_rows(item.data, item.name, item.kind)
    outcome.rows = len(expected.rows)
    mine = [d for d in document["diagnostics"] if d["file"] == ledger_name]
    for d in document["diagnostics"]:
        start = d["range"]["start"]
        if d["code"] not in CATALOGUE or d["code"].startswith("SIB9"):
            problems.append(f"diagnostic {d['code']}: {d['message']}")
        if start["line"] < 1 or start["column"] < 1 or (d in mine and start["line"] > max(1, expected.line_count) + 1):
            problems.append(f"diagnostic outside the file: {d['code']} at {start} ({expected.line_count} lines)")
        if d["severity"] == "error" and not d["hint"]:
            problems.append(f"error without a hint: {d['code']}: {d['message']}")
    rejected = any(d["code"] in FILE_CODES for d in mine)
    if rejected != expected.fatal or (code == 1) != expected.fatal:
        problems.append(f"file rejected: {rejected} (exit {code}), expected {expected.fatal}")
    if expected.fatal or rejected:
        if (out / "decisions.jsonl").exists():
            problems.append("a rejected file was settled")
        outcome.reported = outcome.rows  # by the one diagnostic of the file
        return outcome
    for first, last in expected.rows:
        if any(d["code"] in ROW_CODES and d["range"]["start"]["line"] <= last and d["range"]["end"]["line"] >= first
               for d in mine):
            outcome.reported += 1
    if item.kind == "requests":
        limit = csv.field_size_limit(1 << 30)  # a purpose over 128 KiB is written back as it came
        try:
            with (out / "tranches.csv").open(encoding="utf-8", newline="") as fh:
                outcome.decided = sum(1 for row in csv.DictReader(fh) if row["request_id"])
        finally:
            csv.field_size_limit(limit)
    else:
        outcome.decided = len((out / "decisions.jsonl").read_text(encoding="utf-8").splitlines())
    if outcome.decided != outcome.rows - outcome.reported:
        problems.append(f"conservation: {outcome.rows} rows in, {outcome.decided} decided + {outcome.reported} "
                        "reported")
    return outcome


# ---------------------------------------------------------------- the runs
@dataclass
class Figures:
    tried: int = 0
    sib999: int = 0
    tracebacks: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")
    rejected_files: int = 0
    rows: int = 0
    decided: int = 0
    reported: int = 0
    by_mutation: dict[str, int] = field(default_factory=dict)


def fuzz(count: int, seed: int, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Figures:
    compiled = compile_text(CONTRACT, str(folder / "contract.sib"))
    assert compiled.model is not None, compiled.diagnostics
    (folder / "contract.sib").write_text(CONTRACT, encoding="utf-8")
    monkeypatch.setattr(sibdsl.compiler, "compile_file", lambda *_a, **_k: compiled)  # compile once
    rng = random.Random(seed)
    figures = Figures()
    run_one(Input("claims", "claims.csv", valid_ledger(rng, "claims", "csv", 3).encode()), folder, True)  # warm up
    for index in range(count):
        item = make_input(rng)
        outcome = run_one(item, folder, also_text=index % 4 == 0)
        figures.tried += 1
        figures.rows += outcome.rows
        figures.decided += outcome.decided
        figures.reported += outcome.reported
        for name in item.mutations:
            figures.by_mutation[name] = figures.by_mutation.get(name, 0) + 1
        label = f"input {index} (seed {seed}): {item.name}, {' + '.join(item.mutations)}, {len(item.data):,} bytes"
        if outcome.seconds > figures.slowest[0]:
            figures.slowest = (outcome.seconds, label)
        if reference_rows(item.data, item.name, item.kind).fatal:
            figures.rejected_files += 1
        if outcome.exception is not None:
            figures.sib999 += 1
            figures.tracebacks.append(f"{label}\n{outcome.exception}")
            (folder / f"crash-{index}-{item.name}").write_bytes(item.data)
        for problem in outcome.problems:
            figures.broken.append(f"{label}: {problem}")
            (folder / f"broken-{index}-{item.name}").write_bytes(item.data)
    return figures


def report(figures: Figures) -> str:
    seconds, label = figures.slowest
    return (f"ledger fuzz: {figures.tried:,} malformed ledgers tried ({figures.rejected_files:,} rejected as a whole), "
            f"{figures.rows:,} data rows = {figures.decided:,} decided + {figures.reported:,} reported; "
            f"SIB999: {figures.sib999}, tracebacks: {len(figures.tracebacks)}, broken properties: "
            f"{len(figures.broken)}; slowest input {seconds:.3f} s: {label}")


def assert_clean(figures: Figures) -> None:
    assert not figures.tracebacks, "\n\n".join(figures.tracebacks[:3])
    assert not figures.broken, "\n".join(figures.broken[:10])


def test_ledger_fuzz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    figures = fuzz(DEFAULT, 7, tmp_path, monkeypatch)
    print(report(figures))
    assert_clean(figures)
    assert figures.tried == DEFAULT


@pytest.mark.slow
def test_ledger_fuzz_slow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    figures = fuzz(SLOW, 20240601, tmp_path, monkeypatch)
    with capsys.disabled():
        print("\n" + report(figures))
        print("mutations applied: " + ", ".join(f"{k} {v}" for k, v in sorted(figures.by_mutation.items())))
    assert_clean(figures)
    assert figures.tried >= 2000


# ---------------------------------------------------------------- the reference itself
def test_reference_counts_rows() -> None:
    """The reference count of rows, on ledgers whose rows are known (so a wrong count would show)."""
    head = "claim_id,participant,outcome,date\n"
    assert reference_rows((head + "c1,p1,move_in,2020-01-01\n").encode(), "c.csv", "claims").rows == [(2, 2)]
    assert reference_rows((head + '\n  \nc1,"p\n1",move_in,x\r,,,\rc2\r\n').encode(), "c.csv", "claims").rows == \
        [(4, 5), (6, 6), (7, 7)]
    assert reference_rows((head + 'c1,"a""b\rc",x,y').encode(), "c.csv", "claims").rows == [(2, 3)]
    assert reference_rows(('\n\n' + head + 'c1,"never closed\nc2,p,o,d\n').encode(), "c.csv", "claims").rows == \
        [(4, 6)]
    assert reference_rows(b"\xef\xbb\xbf" + head.encode(), "c.csv", "claims") == Expected(False, [], 2)
    assert reference_rows(b"claim_id,claim_id,participant,outcome,date\n", "c.csv", "claims").fatal
    assert reference_rows(b"claim_id,participant,date\n", "c.csv", "claims").fatal
    assert reference_rows(b"   \n", "c.csv", "claims").fatal
    assert reference_rows("\xe9".encode("latin-1"), "c.csv", "claims").fatal
    assert reference_rows('{"a": "\u2028"}\n\n \t\n{\f}\r[1]'.encode(), "c.jsonl", "claims").rows == \
        [(1, 1), (4, 4), (5, 5)]
    assert not reference_rows(b"achieved,claim_id,participant,outcome\n", "c.csv", "claims").fatal


def test_the_check_fails_on_a_dropped_row(tmp_path: Path) -> None:
    """The conservation check itself: a row that is neither decided nor reported is caught."""
    item = Input("claims", "claims.csv", b"claim_id,participant,outcome,date\nc1,p1,move_in,2020-02-01\n"
                 b"c2,p2,move_in,2020-02-02\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "decisions.jsonl").write_text('{"claim_id": "c1"}\n', encoding="utf-8")  # c2 went missing
    document = json.dumps({"diagnostics": []})
    assert check(item, "claims.csv", 0, document, out).problems == ["conservation: 2 rows in, 1 decided + 0 reported"]
