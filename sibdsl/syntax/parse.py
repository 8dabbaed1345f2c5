"""Phase 1 entry point: bytes or text -> AST, or syntax diagnostics.

Input: the raw bytes of a .sib file (or text) and a `DiagnosticSink`.
Output: `ast.ContractFile` (with every comment kept) or None when the file cannot be parsed;
every problem is a diagnostic. Recovery: when the whole file fails to parse, each declaration
(a line starting with a top-level keyword) is parsed on its own, so one run reports the first
error of every broken declaration, not just the first of the file.
"""

from __future__ import annotations

import calendar
import difflib
import re
import unicodedata

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from sibdsl.core.diagnostics import DiagnosticSink
from sibdsl.core.source import SourceFile, Span
from sibdsl.syntax import ast
from sibdsl.syntax.grammar import (
    COMMENTS,
    FOREIGN_DIGITS,
    MAX_PAREN_DEPTH,
    TOP_LEVEL,
    NestingTooDeep,
    ascii_digits,
    describe_expected,
    get_parser,
    keyword_values,
)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_SYNTAX_ERRORS = 50

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CHUNK_START = re.compile(r"[ \t]*(" + "|".join(TOP_LEVEL) + r")\b")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def decode_source(name: str, data: bytes, sink: DiagnosticSink, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceFile | None:
    """Check size and encoding; return the text as a SourceFile, or None with a diagnostic."""
    if len(data) > max_bytes:
        sink.add("SIB003", f"file is {_size(len(data))}; the limit is {_size(max_bytes)}",
                 Span(1, 1, 1, 1), hint="is this really a contract? `--max-size` raises the limit")
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", "replace")
        line = good.count("\n") + 1
        column = len(good) - (good.rfind("\n") + 1) + 1
        src = SourceFile(name, data.decode("utf-8", "replace"))
        sink.add("SIB002", f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8",
                 Span(line, column, line, column + 1),
                 hint="save the file as UTF-8 (in Word: Save As, Plain Text, Unicode (UTF-8))"
                 if b"\0" not in data[:4096] else "this looks like a binary file, not a .sib contract")
        _ = src
        return None
    source = SourceFile(name, text)
    bad = _CONTROL.search(text)
    if bad:
        sink.add("SIB004", f"control character U+{ord(bad.group()):04X} in the text",
                 source.span(bad.start(), bad.start() + 1),
                 hint="this looks like a binary file; a .sib contract is plain text")
        return None
    return source


def parse_source(source: SourceFile, sink: DiagnosticSink) -> ast.ContractFile | None:
    """Parse a whole file; on failure, report syntax errors declaration by declaration."""
    parser = get_parser()
    COMMENTS.comments = []
    FOREIGN_DIGITS.clear()
    try:
        tree: object = parser.parse(source.text)  # the inline AstBuilder's ContractFile
    except UnexpectedInput:
        FOREIGN_DIGITS.clear()
        _recover(source, sink)
        return None
    except NestingTooDeep as deep:
        _foreign_digits(source, sink, 0)
        _too_deep(sink, deep, 0)
        return None
    _foreign_digits(source, sink, 0)
    if not isinstance(tree, ast.ContractFile):  # the grammar's start rule builds one, always
        raise TypeError(f"the parser gave {type(tree).__name__}, not a ContractFile")
    comments = tuple(ast.Comment(str(t), span=Span(t.line or 1, t.column or 1, t.end_line or 1,
                                                      t.end_column or 1, t.start_pos or 0, t.end_pos or 0))
                     for t in COMMENTS.comments)
    COMMENTS.comments = []
    return ast.ContractFile(tree.declarations, comments, span=tree.span)


def _chunks(source: SourceFile) -> list[tuple[int, str]]:
    """Split the text into (first line index, text) pieces, one per declaration."""
    lines = source.text.split("\n")
    chunks: list[tuple[int, list[str]]] = []
    in_long = False
    for i, line in enumerate(lines):
        starts = not in_long and _CHUNK_START.match(line) is not None
        if line.count('"""') % 2 == 1:
            in_long = not in_long
        if starts or not chunks:
            chunks.append((i, [line]))
        else:
            chunks[-1][1].append(line)
    return [(i, "\n".join(body)) for i, body in chunks]


def _recover(source: SourceFile, sink: DiagnosticSink) -> None:
    parser = get_parser()
    count = 0
    for first_line, text in _chunks(source):
        FOREIGN_DIGITS.clear()
        try:
            parser.parse(text)
        except NestingTooDeep as deep:
            count += 1
            _too_deep(sink, deep, first_line)
        except UnexpectedInput as exc:
            count += 1
            if count > MAX_SYNTAX_ERRORS:
                sink.add("SIB015", f"more than {MAX_SYNTAX_ERRORS} syntax errors; the rest are not shown",
                         Span(first_line + 1, 1, first_line + 1, 1))
                break
            _report(source, sink, exc, first_line)
        finally:
            _foreign_digits(source, sink, first_line)
    COMMENTS.comments = []
    if count == 0:  # the pieces parse but the whole does not: report on the whole
        try:
            parser.parse(source.text)
        except UnexpectedInput as exc:
            _report(source, sink, exc, 0)
        except NestingTooDeep as deep:
            _too_deep(sink, deep, 0)
        FOREIGN_DIGITS.clear()  # already reported chunk by chunk


def _foreign_digits(source: SourceFile, sink: DiagnosticSink, line_offset: int) -> None:
    """One SIB017 per number or date written with digits other than 0-9 (the lexer's \\d takes
    them); the hint gives the ASCII reading, with the currency when one stands before it."""
    for tok, before in FOREIGN_DIGITS:
        text = str(tok)
        reading = ascii_digits(text)
        if before is not None and before.type in ("CURRENCY", "MONEY_SYMBOL"):
            reading = f"{before}{'' if before.type == 'MONEY_SYMBOL' else ' '}{reading}"
        foreign = next(c for c in text if not c.isascii() and c.isdecimal())
        line = (tok.line or 1) + line_offset
        end_line = (tok.end_line or tok.line or 1) + line_offset
        after = source.line_text(end_line)[(tok.end_column or 1) - 1:]
        if tok.type == "NUMBER" and after.lstrip().startswith("%"):
            reading += "%"
        what = "date" if tok.type == "DATE" else "number"
        sink.add("SIB017", f"the {what} {text!r} is written with digits other than 0-9 "
                 f"({unicodedata.name(foreign, 'digit').lower()}, U+{ord(foreign):04X})",
                 Span(line, tok.column or 1, end_line, tok.end_column or (tok.column or 1) + len(text)),
                 hint=f"only the digits 0-9 count in numbers and dates: did you mean {reading}?")
    FOREIGN_DIGITS.clear()


def _too_deep(sink: DiagnosticSink, deep: NestingTooDeep, line_offset: int) -> None:
    tok = deep.token
    line = (tok.line or 1) + line_offset
    sink.add("SIB014", f"parentheses nested more than {MAX_PAREN_DEPTH} deep",
             Span(line, tok.column or 1, line, (tok.column or 1) + 1), hint="write the value without so many brackets")


def _accepted(exc: UnexpectedToken) -> set[str]:
    """The tokens the parser would really accept here (LALR look-ahead sets are wider)."""
    try:
        if exc.interactive_parser is not None:
            accepted = set(exc.interactive_parser.accepts())
            if accepted:
                return accepted
    except Exception:
        pass
    return set(exc.expected)


FORMS = {
    "contract": 'contract "Title" version 1.0',
    "currency": "currency GBP",
    "term": "term 2015-01-01 to 2017-12-31",
    "rounding": "rounding half up to GBP 0.01",
    "settled": "settled quarterly in arrears",
    "clauses": 'clauses "Schedule 2, paragraph"',
    "define": 'define "sustained" as "..."',
    "payer": 'payer NAME "Title" pays 60% of each outcome payment, at most GBP 1m',
    "provider": 'provider NAME "Title"',
    "intermediary": 'intermediary NAME "Title"',
    "validator": 'validator NAME "Title"',
    "investor": 'investor NAME "Title" commits GBP 600,000 to GBP 900,000, ranks 1, interest 5% a year, '
                "returns at most 9% a year, principal protected 50% by PAYER, first loss GBP 1m by PAYER",
    "cohort": 'cohort NAME "Title" at most 150 participants, referred 2015-01-01 to 2015-12-31',
    "outcome": 'outcome NAME "Title" pays GBP 500, after OTHER, within 12 months of start',
    "cap": "cap per participant GBP 15,000 (or: cap contract / outcome NAME / payer NAME / per period ...)",
    "only": "only one of NAME, NAME per participant",
    "tranche": "tranche NAME GBP 300,000 on 2015-01-01 (or: when payments reach GBP 400,000, by DATE)",
    "assert": "assert each participant is paid at most GBP 15,000 (or: assert investor NAME loses at most 50% "
              "of principal / loses nothing / returns at most 9% a year)",
    "reset": 'reset NAME "Title" restarts STEP, STEP (the steps whose delays count again from the reset)',
    "claims until": "claims until 2018-06-30",
    "run-off": "run-off 12 months",
    "supersedes": "supersedes version 1.0",
    "amendment": 'amendment 1.1 on 2019-04-01 "What the amendment changed"',
    "waterfall": 'waterfall "Schedule 4" distributes each period, needs GBP 50,000 each period, '
                 "recycles outcome payments up to GBP 1m, surplus 50% to provider, 50% to payers",
}


def _form_hint(source: SourceFile, line: int) -> str:
    """The usual form of the declaration the error is in (found by its first keyword)."""
    for number in range(line, 0, -1):
        match = _CHUNK_START.match(source.line_text(number))
        if match:
            return f"the form is: {FORMS[match.group(1)]}; see docs/language.md"
    return "a contract is a list of declarations, each starting with a keyword; see docs/language.md"


_PER_WORDS = ("participant", "period", "year")
_PERSON_WORDS = frozenset({"person", "persons", "people", "individual", "individuals", "head", "client", "clients",
                           "beneficiary", "beneficiaries", "user", "users", "service_user", "young_person",
                           "participants", "referral", "case", "cases", "learner", "learners"})


def _per_hint(written: str) -> str:
    """'per person' and the like: the language says `per participant`, `per period`, `per year`."""
    words = written.split()
    word = words[1].strip(",").lower() if len(words) > 1 else ""
    if word in _PERSON_WORDS:
        return "did you mean 'per participant'? (the language calls each person a participant)"
    close = difflib.get_close_matches(word, _PER_WORDS, n=1, cutoff=0.6)
    if close:
        return f"did you mean 'per {close[0]}'?"
    return "the language knows 'per participant', 'per period' and 'per year'"


def _did_you_mean(word: str) -> str | None:
    close = difflib.get_close_matches(word, keyword_values(), n=1, cutoff=0.75)
    return f"did you mean '{close[0]}'?" if close else None


def _report(source: SourceFile, sink: DiagnosticSink, exc: UnexpectedInput, line_offset: int) -> None:
    line = (exc.line if exc.line and exc.line > 0 else 1) + line_offset
    column = exc.column if exc.column and exc.column > 0 else 1
    if isinstance(exc, UnexpectedCharacters):
        char = source.line_text(line)[column - 1: column] or exc.char
        span = Span(line, column, line, column + 1)
        expected = describe_expected(set(exc.allowed or ()))
        if char == '"':
            sink.add("SIB013", "this quoted text is not closed on its line", span,
                     hint='add the closing " or use """triple quotes""" for text over several lines')
        elif char in "\u201c\u201d\u2018\u2019":
            sink.add("SIB011", f"curly quote {char!r} is not a quote mark here", span,
                     hint='use straight quotes: "like this" (word processors change them)')
        elif char.isalpha() and char.isupper():
            word = re.match(r"\w+", source.line_text(line)[column - 1:])
            text = word.group() if word else char
            sink.add("SIB011", f"unexpected word {text!r}: names are written in lower case", span,
                     hint=f"write it as {text.lower()!r}; currencies are three capitals (GBP)")
        else:
            sink.add("SIB011", f"unexpected character {char!r}; expected {expected}", span,
                     hint="remove it, or put it inside quoted text")
        return
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        tok = exc.token
        end_col = column + max(1, len(str(tok).split("\n")[0]))
        span = Span(line, column, line, end_col)
        accepted = _accepted(exc)
        expected = describe_expected(accepted)
        hint = None
        text = source.line_text(line)
        slash_date = re.match(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text[column - 1:])
        if slash_date and "DATE" in accepted:
            d, m, y = slash_date.groups()
            month = calendar.month_name[int(m)] if 1 <= int(m) <= 12 else f"month {int(m)}"
            hint = f"write dates as YYYY-MM-DD: {y}-{int(m):02d}-{int(d):02d} (if that is {int(d)} {month} {y})"
        elif tok.type == "STRING" and "NAME" in accepted and "STRING" not in accepted:
            name = re.sub(r"[^a-z0-9]+", "_", str(tok).strip('"').lower()).strip("_")[:30] or "name"
            if name[0].isdigit():
                name = "n_" + name
            hint = f"give it a name before its title: {name} {tok}"
        elif tok.type == "CURRENCY" and text[:column - 1].rstrip()[-1:].isdigit():
            hint = f"write the currency before the amount: {tok} {text[:column - 1].split()[-1]}"
        elif tok.type == "NAME" and "STRING" in accepted and "NAME" not in accepted:
            words = text[column - 1:].split("#")[0].strip().rstrip(",")
            hint = f'text is written in quotes: "{words}"'
        elif tok.type == "NAME" and "CURRENCY" in accepted and len(str(tok)) == 3:
            hint = f"currency codes are written in capitals: {str(tok).upper()}"
        elif (str(tok)[:1].isalpha() and text[:column - 1].split()[-1:] == ["per"]) or (
                str(tok) == "per" and "PER_PARTICIPANT" in accepted):
            hint = _per_hint(text[column - 1:] if str(tok) == "per" else f"per {tok}")
        elif tok.type == "NAME":
            hint = _did_you_mean(str(tok))
        elif str(tok)[:1].isalpha() and "NAME" in accepted:
            hint = f"'{tok}' is a keyword of the language and cannot be used as a name; choose another name"
        elif tok.type == "NUMBER" and "NAME" in accepted:
            hint = "names start with a letter: write pt_13w, not 13w_pt"
        elif str(tok) == "-" and text[column - 2: column - 1].isalnum() and text[column: column + 1].isalpha():
            hint = "names join words with underscores: move_in, not move-in"
        written = text[column - 1: end_col - 1] if tok.type in ("NUMBER", "DATE") else str(tok)  # as in the file
        shown = written if len(written) <= 40 else written[:37] + "..."
        sink.add("SIB010", f"unexpected {shown!r}; expected {expected}", span,
                 hint=hint or _form_hint(source, line))
        return
    names = _accepted(exc) if isinstance(exc, UnexpectedToken) else set(getattr(exc, "expected", ()) or ())
    expected = describe_expected(names)
    if isinstance(exc, (UnexpectedEOF, UnexpectedToken)):
        last = source.line_count
        text_line = line if isinstance(exc, UnexpectedToken) else last
        col = len(source.line_text(text_line).rstrip()) + 1
        sink.add("SIB012", f"the declaration is not finished; expected {expected}",
                 Span(text_line, col, text_line, col + 1), hint=_form_hint(source, text_line))
