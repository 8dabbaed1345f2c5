"""Phase 1: locate the grammar file and build the LALR parser once.

Input: grammar/sib.lark (shipped inside the wheel as sibdsl/_grammar/sib.lark).
Output: `get_parser()`, a cached lark LALR parser whose inline transformer builds the AST,
and `describe_terminal()`, terminal names in words for syntax errors. The parse tables are
cached on disk by lark (`cache=True`), so a cold start does not rebuild them.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lark import Lark, Token

from sibdsl.syntax.build import VALUE_TOKENS, AstBuilder

_HERE = Path(__file__).resolve().parent


def grammar_path() -> Path:
    """The grammar file: inside the installed package, else the source tree's grammar/."""
    for candidate in (_HERE.parent / "_grammar" / "sib.lark", _HERE.parents[1] / "grammar" / "sib.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("sib.lark not found: the sibdsl installation is incomplete")


class CommentCollector:
    """Lexer callback that keeps every comment (the formatter needs them all)."""

    def __init__(self) -> None:
        self.comments: list[Token] = []

    def __call__(self, token: Token) -> Token:
        self.comments.append(token)
        return token


MAX_PAREN_DEPTH = 32


class NestingTooDeep(Exception):
    """Raised from the token stream when parentheses nest deeper than any contract needs."""

    def __init__(self, token: Token) -> None:
        super().__init__("nesting too deep")
        self.token = token


class OptionalCommas:
    """Post-lexer: a comma directly before a keyword is punctuation between clauses; drop it.

    Commas inside lists (names, prices, bands) stand before a value and are kept, so the
    grammar stays LALR(1) while lawyers may write "pays 67%, at most GBP 1m".
    """

    always_accept: tuple[str, ...] = ()

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        pending: Token | None = None
        depth = 0
        for tok in stream:
            if tok.type == "LPAR":
                depth += 1
                if depth > MAX_PAREN_DEPTH:
                    raise NestingTooDeep(tok)
            elif tok.type == "RPAR":
                depth = max(0, depth - 1)
            if pending is not None:
                if tok.type in VALUE_TOKENS or not str(tok)[:1].isalpha():
                    yield pending
                pending = None
            if tok.type == "COMMA":
                pending = tok
                continue
            yield tok
        if pending is not None:
            yield pending


COMMENTS = CommentCollector()


def _cache_path() -> str | bool:
    base = os.environ.get("SIBDSL_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path(tempfile.gettempdir())
    try:
        root.mkdir(parents=True, exist_ok=True)
        text = grammar_path().read_bytes()
        import hashlib

        import lark

        digest = hashlib.sha256(text + lark.__version__.encode()).hexdigest()[:16]
        return str(root / f"sibdsl-parser-{digest}.cache")
    except OSError:
        return False


@functools.cache
def get_parser() -> Lark:
    return Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="basic",
        maybe_placeholders=False,
        keep_all_tokens=True,
        transformer=AstBuilder(),
        postlex=OptionalCommas(),
        lexer_callbacks={"COMMENT": COMMENTS},
        cache=_cache_path(),
    )


# ------------------------------------------------------------------ terminals in words
_WORDS = {
    "NAME": "a name",
    "STRING": "a quoted text",
    "LONG_STRING": "a quoted text",
    "NUMBER": "a number",
    "CURRENCY": "an amount (GBP 1,500)",
    "MONEY_SYMBOL": "an amount (GBP 1,500)",
    "DATE": "a date (YYYY-MM-DD)",
    "SCALE": "m or k",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*' or '/'",
    "COMMA": "','",
    "LPAR": "'('",
    "RPAR": "')'",
    "PERCENT": "'%'",
    "COLON": "':'",
    "$END": "the end of the file",
}

TOP_LEVEL = (
    "contract", "currency", "term", "rounding", "settled", "clauses", "define", "payer",
    "provider", "intermediary", "validator", "investor", "cohort", "outcome", "cap", "only",
    "tranche", "assert",
)


@functools.cache
def _terminal_text() -> dict[str, str]:
    table: dict[str, str] = {}
    for term in get_parser().terminals:
        if term.name in _WORDS:
            continue
        pattern: Any = term.pattern
        if pattern.type == "str":
            table[term.name] = f"'{pattern.value}'"
        else:
            words = term.name.lower().replace("_", " ")
            table[term.name] = f"'{words}'"
    return table


def describe_terminal(name: str) -> str:
    return _WORDS.get(name) or _terminal_text().get(name) or name.lower()


def describe_expected(names: set[str] | frozenset[str]) -> str:
    """'expected X, Y or Z' in words, folding the many ways to start a declaration."""
    words = sorted({describe_terminal(n) for n in names})
    if "CURRENCY" in names and "MONEY_SYMBOL" not in names:  # after `currency`: a code, not an amount
        words = sorted({w for w in words if w != _WORDS["CURRENCY"]} | {"a currency code (GBP)"})
    keyword_words = {f"'{k}'" for k in TOP_LEVEL}
    starts = keyword_words & set(words)
    if len(starts) > 5:
        words = [w for w in words if w not in keyword_words] + ["a new declaration (outcome, cap, ...)"]
    if not words:
        return "nothing more here"
    more = ""
    if len(words) > 12:
        more = f" (or one of {len(words) - 11} more)"
        words = words[:11]
    if len(words) == 1:
        return words[0] + more
    return ", ".join(words[:-1]) + " or " + words[-1] + more


def keyword_values() -> list[str]:
    """Every keyword of the language, for "did you mean" hints."""
    out = []
    for term in get_parser().terminals:
        pattern: Any = term.pattern
        if pattern.type == "str" and pattern.value[:1].isalpha():
            out.append(pattern.value)
    return out
