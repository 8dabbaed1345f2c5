"""Phase 1 back end: `sibc fmt`, one canonical layout for a .sib file.

Input: the text of a .sib file that parses (its AST says where each declaration and each
clause starts). Output: the same tokens in the canonical layout, or the syntax diagnostics
when the file does not parse. The rules (docs/fmt.md):

- every declaration starts a line at column 0;
- the author's line breaks are kept (`payer nsw "NSW" pays 100%` may stay one line, and a rate
  card may give each clause a line), but a line longer than 100 columns that holds several
  clauses of a declaration (payer, provider, investor, cohort, outcome, tranche, waterfall)
  is broken before each of them;
- a line that starts a clause is indented two spaces; a line that continues a clause (a band
  of a tiered price, the second line of an `after`) four; a line that continues a declaration
  without clauses (`restarts` of a reset, the long text of a `define`) two;
- tokens on a line are separated by one space, except none before `,` `%` `:` `)` and a
  letter scale (`2.5m`), and none after `(` and a currency symbol (`£1,500`); multi-word
  keywords are written with single spaces (`at most`);
- every comment is kept: a comment on a line of its own is indented like the code line that
  follows it (a comment indented under a declaration stays with it); a comment after code
  keeps its column when the code leaves room, else stands two spaces after the code;
- at most one blank line in a row, none at the start or the end; lines end with `\\n` and carry
  no trailing spaces. Strings, long strings included, are kept byte for byte.

The layout never changes what a file says: `format_text` parses the result again and refuses
it (an internal error, the file left as it was) unless the AST and the comments are the same.
Formatting twice gives the same text as formatting once (`tests/test_fmt.py` proves both on
every file in contracts/, tests/golden/ and generated contracts).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

from sibdsl.core.diagnostics import Diagnostic, DiagnosticSink
from sibdsl.core.source import SourceFile
from sibdsl.syntax import ast
from sibdsl.syntax.grammar import get_parser
from sibdsl.syntax.parse import parse_source

INDENT = "  "
WIDTH = 100  # a longer line with several clauses puts each on a line of its own
# declarations whose clauses each start a line of their own
_WITH_CLAUSES = (ast.PartyDecl, ast.InvestorDecl, ast.CohortDecl, ast.OutcomeDecl, ast.TrancheDecl,
                 ast.WaterfallDecl)
_NO_SPACE_BEFORE = {"COMMA", "PERCENT", "COLON", "RPAR"}
_NO_SPACE_AFTER = {"LPAR", "MONEY_SYMBOL"}
_WORD_SCALES = {"million", "billion", "thousand"}
_VERBATIM = {"STRING", "LONG_STRING"}


class Unsafe(Exception):
    """The formatted text would say something else than the original (a formatter bug)."""


@dataclass
class Formatted:
    """The result of formatting one text: the new text (None when it does not parse)."""

    text: str | None
    diagnostics: list[Diagnostic]

    @property
    def ok(self) -> bool:
        return self.text is not None


@dataclass
class _Tok:
    kind: str
    text: str
    start: int
    line: int  # source line of its first character (1-based)
    end_line: int
    column: int


@dataclass
class _Line:
    """One output line: its indentation level (in steps of INDENT), its tokens, a comment."""

    indent: int
    tokens: list[_Tok]
    comment: _Tok | None = None
    blank_before: bool = False
    unbroken: bool = True  # its first token was the first of its source line too


def _tokens(text: str) -> Iterator[_Tok]:
    for t in get_parser().lex(text, dont_ignore=True):
        if t.type == "WS":
            continue
        yield _Tok(t.type, str(t), t.start_pos or 0, t.line or 1, t.end_line or t.line or 1, t.column or 1)


def _structure(tree: ast.ContractFile, tokens: list[_Tok]) -> tuple[dict[int, bool], set[int]]:
    """Where declarations start (token offset -> has clauses) and where their clauses start.

    A declaration starts at the first token after the one before it ends (a party's own span
    starts at its name, so its start offset is not used); a clause at the first token after
    the clause before it, the first clause at its own first token."""
    tokens = [t for t in tokens if t.kind != "COMMA"]  # a clause starts after the comma before it
    starts = [t.start for t in tokens]
    declarations: dict[int, bool] = {}
    clauses: set[int] = set()

    def first_at(offset: int) -> int | None:
        k = bisect_left(starts, offset)
        return starts[k] if k < len(starts) else None

    previous_end = 0
    for decl in tree.declarations:
        with_clauses = isinstance(decl, _WITH_CLAUSES)
        begin = first_at(previous_end)
        if begin is not None:
            declarations[begin] = with_clauses
        if with_clauses:
            clause_end: int | None = None
            for clause in getattr(decl, "clauses", ()):
                at = first_at(clause.span.start if clause_end is None else clause_end)
                if at is not None:
                    clauses.add(at)
                clause_end = clause.span.end
        previous_end = decl.span.end
    return declarations, clauses


def _spelt(tok: _Tok) -> str:
    if tok.kind in _VERBATIM:
        return tok.text
    if tok.kind == "COMMENT":
        return tok.text.rstrip()
    return " ".join(tok.text.split())  # `at   most` -> `at most`


def _join(tokens: list[_Tok]) -> str:
    out: list[str] = []
    previous: _Tok | None = None
    for tok in tokens:
        word = _spelt(tok)
        if previous is not None:
            glued = (tok.kind in _NO_SPACE_BEFORE or previous.kind in _NO_SPACE_AFTER
                     or (tok.kind == "SCALE" and word not in _WORD_SCALES))
            if not glued:
                out.append(" ")
        out.append(word)
        previous = tok
    return "".join(out)


def _layout(text: str, tree: ast.ContractFile) -> str:
    tokens = list(_tokens(text))
    declarations, clause_starts = _structure(tree, [t for t in tokens if t.kind != "COMMENT"])
    lines: list[_Line] = []
    current: _Line | None = None  # the output line tokens are being added to
    last_line = 0  # the source line the previous token ended on
    with_clauses = False  # the current declaration has clauses
    waiting: list[tuple[_Tok, bool]] = []  # own-line comments before the next code line

    def place_comments(indent: int | None) -> None:
        """Own-line comments go at the indent of the code after them (None: a declaration or the
        end of the file, where a comment indented in the source stays under the one before)."""
        for tok, blank in waiting:
            at = indent if indent is not None else (1 if tok.column > 1 and lines else 0)
            lines.append(_Line(at, [], tok, blank and bool(lines)))
        waiting.clear()

    for tok in tokens:
        new_source_line = tok.line > last_line
        blank = tok.line > last_line + 1
        if tok.kind == "COMMENT":
            if not new_source_line and current is not None and current.tokens:
                current.comment = tok  # after code on its line
            else:
                waiting.append((tok, blank))
            current = None
            last_line = tok.end_line
            continue
        starts_decl = tok.start in declarations
        starts_clause = tok.start in clause_starts
        if starts_decl:
            with_clauses = declarations[tok.start]
            indent = 0
        elif starts_clause:
            indent = 1
        else:
            indent = 2 if with_clauses else 1  # continuing a clause, or a declaration without clauses
        if current is None or new_source_line or starts_decl:
            if waiting:
                place_comments(None if starts_decl else indent)
            current = _Line(indent, [tok], None, blank and bool(lines), new_source_line)
            lines.append(current)
        else:
            current.tokens.append(tok)
        last_line = tok.end_line
    place_comments(None)
    return _render([piece for line in lines for piece in _fit(line, clause_starts)], text)


def _fit(line: _Line, clause_starts: set[int]) -> list[_Line]:
    """A line longer than WIDTH that holds several clauses: each clause on a line of its own."""
    if len(INDENT * line.indent + _join(line.tokens)) <= WIDTH or "\n" in _join(line.tokens):
        return [line]
    pieces = [_Line(line.indent, [], None, line.blank_before, line.unbroken)]
    for tok in line.tokens:
        if tok.start in clause_starts and pieces[-1].tokens:
            pieces.append(_Line(1, [], None, False, False))
        pieces[-1].tokens.append(tok)
    pieces[-1].comment = line.comment
    return pieces


def _render(lines: list[_Line], text: str) -> str:
    source_lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        if line.blank_before and out and out[-1] != "":
            out.append("")
        code = INDENT * line.indent + _join(line.tokens) if line.tokens else ""
        if line.comment is not None:
            comment = _spelt(line.comment)
            if not line.tokens:
                out.append(INDENT * line.indent + comment)
                continue
            # keep the comment's column when the code leaves room (aligned comments stay aligned),
            # unless the line is a piece of a longer one: then two spaces after the code
            written = _display_column(source_lines[line.comment.line - 1], line.comment.column) \
                if line.unbroken else 0
            last = code.rsplit("\n", 1)[-1]
            width = len(last)
            code = code + " " * max(2, written - 1 - width) + comment
        out.append(code.rstrip() if "\n" not in code else code)
    return "\n".join(out).strip("\n") + "\n" if out else ""


def _display_column(line: str, column: int) -> int:
    """The 1-based column of a character, tabs counted as the next multiple of 8."""
    col = 0
    for ch in line[: column - 1]:
        col = (col // 8 + 1) * 8 if ch == "\t" else col + 1
    return col + 1


def _same(before: ast.ContractFile, after: ast.ContractFile) -> bool:
    return (before == after and [c.text.rstrip() for c in before.comments]
            == [c.text.rstrip() for c in after.comments])


def format_text(text: str, name: str = "<stdin>") -> Formatted:
    """Format one file's text; syntax errors are returned as diagnostics, the text as None."""
    sink = DiagnosticSink(name)
    text = text.replace("\r\n", "\n")
    source = SourceFile(name, text)
    tree = parse_source(source, sink)
    if tree is None or sink.has_errors:
        return Formatted(None, list(sink.items))
    result = _layout(text, tree)
    check = DiagnosticSink(name)
    again = parse_source(SourceFile(name, result), check)
    if again is None or not _same(tree, again):
        raise Unsafe(f"{name}: the canonical layout would change what the file says")
    return Formatted(result, list(sink.items))
