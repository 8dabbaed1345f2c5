"""The AST builder (sibdsl/syntax/build.py): spans are lark's meta, and a value's span covers
its unit.

- End to end (`compile_text`): the caret of a diagnostic about a value with a unit covers the
  number and the unit (`2.5 participants`, `1.5 months`, `0 times`), and a money amount its
  currency (`EUR 1,000`). Before the builder took spans from lark's rule positions, a quantity
  ended at its number.
- Against lark itself: every contract of the repository parsed the way lark's documentation
  does it (a parse tree with `propagate_positions=True`, then `AstBuilder().transform(tree)`,
  where each handler gets lark's own meta) gives the same AST, span for span, as the parser's
  inline builder, which cannot get lark's meta and computes it from the rule's children.
- The builder has a handler for every rule of the grammar that reaches one, and none for a
  rule that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from lark import Lark

from sibdsl.compiler import compile_text
from sibdsl.core.diagnostics import DiagnosticSink
from sibdsl.core.source import Span
from sibdsl.syntax import ast
from sibdsl.syntax.build import KEPT_TOKENS, WORD, AstBuilder
from sibdsl.syntax.grammar import FOREIGN_DIGITS, OptionalCommas, get_parser, grammar_path
from sibdsl.syntax.parse import decode_source, parse_source

ROOT = Path(__file__).resolve().parents[1]

HEADER = """\
contract "Spans" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer council "The Council" pays 100%
"""
COHORT = 'cohort people "People" at most 100 participants, referred 2020-01-01 to 2020-12-31\n'


def only(text: str, code: str) -> Span:
    """The span of the one diagnostic with this code."""
    found = [d for d in compile_text(text, "spans.sib").diagnostics if d.code == code]
    assert len(found) == 1, [(d.code, d.message) for d in compile_text(text, "spans.sib").diagnostics]
    return found[0].span


def written(text: str, words: str) -> tuple[int, int, int, int]:
    """(line, column, end line, end column) of the last place the words stand in the text."""
    at = text.rindex(words)
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    end = at + len(words)
    end_line = text.count("\n", 0, end) + 1
    end_column = end - (text.rfind("\n", 0, end) + 1) + 1
    return line, column, end_line, end_column


def place(span: Span) -> tuple[int, int, int, int]:
    return span.line, span.column, span.end_line, span.end_column


# ---------------------------------------------------------------- a value's span covers its unit
@pytest.mark.parametrize(("code", "body", "value"), [
    ("SIB205", 'cohort people "People" at most 2.5 participants, referred 2020-01-01 to 2020-12-31\n'
               'outcome a "A" pays GBP 1\n', "2.5 participants"),
    ("SIB206", 'cohort people "People" at most 0 participants, referred 2020-01-01 to 2020-12-31\n'
               'outcome a "A" pays GBP 1\n', "0 participants"),
    ("SIB205", COHORT + 'outcome a "A" pays GBP 1 within 1.5 months\n', "1.5 months"),
    ("SIB205", COHORT + 'outcome a "A" pays GBP 1\noutcome b "B" pays GBP 1, after a at least 2.5 weeks\n',
     "2.5 weeks"),
    ("SIB206", COHORT + 'outcome a "A" pays GBP 10 up to 0 times\n', "0 times"),
    ("SIB202", COHORT + 'outcome a "A" pays GBP 500 + 3 months\n', "3 months"),
    ("SIB207", COHORT + 'outcome a "A" pays GBP 1m / 0 participants\n', "0 participants"),
    ("SIB601", COHORT + 'outcome a "A" pays GBP 1\nassert each participant is paid at most 5 weeks\n', "5 weeks"),
    ("SIB304", COHORT + 'outcome a "A" pays GBP 1 within 10 years of start\n', "10 years"),
], ids=["count-not-whole", "count-zero", "window-not-whole", "delay-not-whole", "repeat-zero",
        "money-plus-duration", "divide-by-zero-count", "assert-duration", "window-too-long"])
def test_quantity_span_covers_number_and_unit(code: str, body: str, value: str) -> None:
    text = HEADER + body
    assert place(only(text, code)) == written(text, value)


def test_quantity_span_covers_a_unit_on_the_next_line() -> None:
    text = HEADER + 'cohort people "People" at most 2.5\n    participants, referred 2020-01-01 to 2020-12-31\n' \
                    'outcome a "A" pays GBP 1\n'
    span = only(text, "SIB205")
    assert place(span) == written(text, "2.5\n    participants")
    assert span.end_line == span.line + 1
    assert text[span.start:span.end] == "2.5\n    participants"


@pytest.mark.parametrize(("code", "body", "value"), [
    ("SIB203", COHORT + 'outcome a "A" pays EUR 1,000\n', "EUR 1,000"),
    ("SIB203", COHORT + 'outcome a "A" pays EUR 1.5m\n', "EUR 1.5m"),
    ("SIB203", COHORT + 'outcome a "A" pays €1,000\n', "€1,000"),
    ("SIB204", COHORT + 'outcome a "A" pays XQQ 1,000\n', "XQQ 1,000"),
    ("SIB206", COHORT + 'outcome a "A" pays GBP 10\ncap per participant GBP 0\n', "GBP 0"),
], ids=["currency-code", "with-scale", "symbol", "unknown-currency", "zero-cap"])
def test_money_span_covers_currency_and_amount(code: str, body: str, value: str) -> None:
    text = HEADER + body
    assert place(only(text, code)) == written(text, value)


def test_share_cap_span_covers_what_the_share_is_of() -> None:
    text = HEADER + COHORT + 'outcome a "A" pays GBP 1\ncap contract 70% of paid outcomes\n'
    assert place(only(text, "SIB416")) == written(text, "cap contract 70% of paid outcomes")


def test_quantity_node_span_and_text() -> None:
    text = HEADER + COHORT + 'outcome a "A" pays GBP 1 within 18   months of referral\n'
    tree = compile_text(text, "spans.sib").tree
    assert tree is not None
    outcome = tree.declarations[-1]
    assert isinstance(outcome, ast.OutcomeDecl)
    window = outcome.clauses[-1]
    assert isinstance(window, ast.Window) and isinstance(window.duration, ast.QuantityLit)
    assert (window.duration.amount, window.duration.unit, window.start_event) == ("18", "months", "referral")
    assert text[window.duration.span.start:window.duration.span.end] == "18   months"
    assert text[window.span.start:window.span.end] == "within 18   months of referral"
    assert text[outcome.span.start:outcome.span.end] == 'outcome a "A" pays GBP 1 within 18   months of referral'


# ---------------------------------------------------------------- the same spans as lark's meta
def sib_files() -> list[Path]:
    return sorted(p for folder in ("contracts", "tests", "docs") for p in (ROOT / folder).rglob("*.sib"))


@cache
def tree_parser() -> Lark:
    """lark's documented way: a parse tree with positions (keywords filtered, as by default)."""
    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="basic",
                propagate_positions=True, postlex=OptionalCommas())


def nodes(node: object, path: str = "") -> Iterator[tuple[str, ast.Node]]:
    if isinstance(node, ast.Node):
        yield path, node
        for name in node._fields:
            if name != "span":
                yield from nodes(getattr(node, name), f"{path}.{name}")
    elif isinstance(node, tuple):
        for i, item in enumerate(node):
            yield from nodes(item, f"{path}[{i}]")


def parsed(path: Path) -> ast.ContractFile | None:
    sink = DiagnosticSink(path.name)
    source = decode_source(path.name, path.read_bytes(), sink)
    return parse_source(source, sink) if source is not None else None


PARSED = [p for p in sib_files() if parsed(p) is not None]


def test_the_corpus_is_large_enough() -> None:
    assert len(PARSED) >= 60 and any(p.parent.name == "contracts" for p in PARSED)


@pytest.mark.parametrize("path", PARSED, ids=[str(p.relative_to(ROOT)) for p in PARSED])
def test_inline_spans_are_larks_propagated_positions(path: Path) -> None:
    inline = parsed(path)
    assert inline is not None
    source = decode_source(path.name, path.read_bytes(), DiagnosticSink(path.name))
    assert source is not None
    try:
        from_tree = AstBuilder().transform(tree_parser().parse(source.text))
    finally:
        FOREIGN_DIGITS.clear()
    assert isinstance(from_tree, ast.ContractFile)
    assert from_tree.declarations == inline.declarations  # the same AST (equality ignores spans)
    ours = list(nodes(inline.declarations))
    larks = list(nodes(from_tree.declarations))
    assert [p for p, _ in ours] == [p for p, _ in larks]
    differ = [(p, a.span, b.span) for (p, a), (_, b) in zip(ours, larks, strict=True) if a.span != b.span]
    assert differ == []
    # the file runs from its first declaration to its last (a party's from its name: build.py)
    if inline.declarations:
        assert inline.span == inline.declarations[0].span.to(inline.declarations[-1].span)


def test_spans_cover_whole_declarations() -> None:
    """Trailing keywords count: `then reject`, `of start`, `against baseline`, `settled monthly`."""
    text = (HEADER + COHORT + "settled monthly\n"
            'outcome a "A" pays GBP 100 per 1% reduction in "reoffending" against baseline\n'
            "cap outcome a 10 outcomes then reject\n")
    tree = compile_text(text, "spans.sib").tree
    assert tree is not None
    shown = {type(d).__name__: text[d.span.start:d.span.end] for d in tree.declarations}
    assert shown["SettlementDecl"] == "settled monthly"
    assert shown["CapDecl"] == "cap outcome a 10 outcomes then reject"
    assert shown["OutcomeDecl"].endswith("against baseline")
    assert shown["PartyDecl"] == 'council "The Council" pays 100%'  # a party from its name, as always


# ---------------------------------------------------------------- handlers and rules agree
def callback_names() -> set[str]:
    """The rules (and aliases) whose reduction calls a handler: not `_inlined` rules, and not a
    `?rule: ONE_SYMBOL` alternative, which lark replaces by its only child."""
    names = set()
    for rule in get_parser().rules:
        if rule.origin.name.startswith("_"):
            continue
        if rule.options.expand1 and not rule.alias and len(rule.expansion) == 1:
            continue
        names.add(rule.alias or rule.origin.name)
    return names


def test_every_rule_has_a_handler_and_every_handler_a_rule() -> None:
    handlers = {name for name in vars(AstBuilder) if not name.startswith("_")}
    assert callback_names() - handlers == set()  # else lark builds a Tree where a node belongs
    assert handlers - callback_names() == set()  # a handler no rule reaches is dead code


def test_kept_tokens_are_terminals_and_word_is_not() -> None:
    terminals = {t.name for t in get_parser().terminals}
    assert WORD not in terminals
    assert KEPT_TOKENS - {WORD} <= terminals


def test_an_empty_file_has_the_default_span() -> None:
    tree = compile_text("", "empty.sib").tree
    assert tree is not None and tree.declarations == () and tree.span == Span(1, 1, 1, 1)


def test_parses_in_several_threads_keep_their_own_comments_and_digit_diagnostics() -> None:
    """The language server compiles the text being typed while a worker compiles the saved text:
    the comments and foreign-digit tokens the lexer collects are per thread."""
    import threading
    from pathlib import Path

    from sibdsl.compiler import compile_text

    root = Path(__file__).resolve().parents[1]
    texts = [p.read_text(encoding="utf-8") for p in sorted((root / "contracts").glob("*.sib"))]
    texts.append(texts[0].replace("2015-", "２015-", 1))  # a foreign digit: one SIB017, in this text only
    expected = []
    for text in texts:
        result = compile_text(text)
        assert result.tree is not None or [d.code for d in result.diagnostics].count("SIB017") == 1
        expected.append((len(result.tree.comments) if result.tree else None,
                         sorted(d.code for d in result.diagnostics)))
    wrong: list[int] = []

    def work(i: int) -> None:
        for _ in range(15):
            result = compile_text(texts[i])
            got = (len(result.tree.comments) if result.tree else None, sorted(d.code for d in result.diagnostics))
            if got != expected[i]:
                wrong.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong, sorted(set(wrong))
