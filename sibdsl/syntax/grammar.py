"""Phase 1: locate the grammar file and build the LALR parser once.

Input: grammar/sib.lark (shipped inside the wheel as sibdsl/_grammar/sib.lark).
Output: `get_parser()`, a cached lark LALR parser whose inline transformer builds the AST,
and `describe_terminal()`, terminal names in words for syntax errors. The parse tables are
kept on disk in the per-user cache directory (`sibdsl.core.cachedir`: mode 0700, checked
owner and permissions, never the shared temp directory), so a warm start does not rebuild
them; a cache file is data only (unpickled with every global refused), never code.
"""

from __future__ import annotations

import functools
import io
import pickle
import sys
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lark.lark as lark_module
from lark import Lark, Token

from sibdsl.core.cachedir import cache_dir, read_private, write_private
from sibdsl.syntax.build import VALUE_TOKENS, AstBuilder

_HERE = Path(__file__).resolve().parent


def grammar_path() -> Path:
    """The grammar file: inside the installed package, else the source tree's grammar/."""
    for candidate in (_HERE.parent / "_grammar" / "sib.lark", _HERE.parents[1] / "grammar" / "sib.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("sib.lark not found: the sibdsl installation is incomplete")


class CommentCollector:
    """Lexer callback that keeps every comment token of a parse (the parser reads them for the
    comments kept in the AST: `ContractFile.comments`). The list is per thread: the language
    server compiles the document being typed while a worker thread compiles the saved text."""

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def comments(self) -> list[Token]:
        found: list[Token] | None = getattr(self._local, "comments", None)
        if found is None:
            found = self._local.comments = []
        return found

    @comments.setter
    def comments(self, value: list[Token]) -> None:
        self._local.comments = value

    def __call__(self, token: Token) -> Token:
        self.comments.append(token)
        return token


class PerThreadList:
    """The foreign-digit tokens of the parse running in this thread (see CommentCollector):
    append, clear, iterate, as a list."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _mine(self) -> list[tuple[Token, Token | None]]:
        found: list[tuple[Token, Token | None]] | None = getattr(self._local, "items", None)
        if found is None:
            found = self._local.items = []
        return found

    def append(self, item: tuple[Token, Token | None]) -> None:
        self._mine().append(item)

    def clear(self) -> None:
        self._mine().clear()

    def __iter__(self) -> Iterator[tuple[Token, Token | None]]:
        return iter(list(self._mine()))

    def __len__(self) -> int:
        return len(self._mine())

    def __bool__(self) -> bool:
        return bool(self._mine())


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
        previous: Token | None = None
        depth = 0
        for tok in stream:
            if tok.type in ("NUMBER", "DATE") and not str(tok).isascii():
                # the lexer's \d matches any decimal digit (５, ٥); only 0-9 count: record the token
                # for a diagnostic and go on with its ASCII reading, so later errors still show
                FOREIGN_DIGITS.append((tok, previous))
                tok = Token.new_borrow_pos(tok.type, ascii_digits(str(tok)), tok)
            previous = tok
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
# Numbers and dates written with digits other than 0-9, as (token, the token before it); the
# parse phase turns each into a diagnostic and empties the list.
FOREIGN_DIGITS = PerThreadList()


def ascii_digits(text: str) -> str:
    """The text with every decimal digit of any script replaced by its ASCII digit (５ -> 5)."""
    return "".join(str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in text)


_BUILD_OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "basic", "maybe_placeholders": False,
                                  "keep_all_tokens": True}
# Options lark does not store with the tables: they are given again when the tables are loaded.
_LOAD_OPTIONS = frozenset(getattr(lark_module, "_LOAD_ALLOWED_OPTIONS", None) or {
    "postlex", "transformer", "lexer_callbacks", "use_bytes", "debug", "g_regex_flags", "regex",
    "propagate_positions", "tree_class", "_plugins"})
_CACHE_FORMAT = b"sibdsl-parse-tables 1"


class _NoGlobals(pickle.Unpickler):
    """Unpickles plain data only: any class or function in the stream is refused, so a cache
    file, even one that passed every other check, cannot run code when it is loaded."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refused: {module}.{name} in a parse-table cache")


def _cache_key(grammar: str) -> str:
    import hashlib

    import lark

    text = "\0".join([grammar, lark.__version__, "{}.{}".format(*sys.version_info[:2]), repr(sorted(_BUILD_OPTIONS.items()))])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _runtime_options() -> dict[str, Any]:
    return {"transformer": AstBuilder(), "postlex": OptionalCommas(), "lexer_callbacks": {"COMMENT": COMMENTS}}


def _load_tables(data: bytes, key: str) -> Lark | None:
    """A parser from a cache file's bytes, or None if they are not tables for this key."""
    header, newline, body = data.partition(b"\n")
    if not newline or header != _CACHE_FORMAT + b" " + key.encode("ascii"):
        return None
    try:
        stored = _NoGlobals(io.BytesIO(body)).load()
        if not isinstance(stored, dict) or set(stored) != {"data", "memo"}:
            return None
        parser = Lark._load_from_dict(stored["data"], stored["memo"], **_runtime_options())
        return parser if isinstance(parser, Lark) else None
    except Exception:  # a damaged or foreign file: build the tables instead
        return None


def _save_tables(parser: Lark, key: str, path: Path) -> None:
    buffer = io.BytesIO()
    buffer.write(_CACHE_FORMAT + b" " + key.encode("ascii") + b"\n")
    try:
        parser.save(buffer, exclude_options=_LOAD_OPTIONS)
    except Exception:  # tables that cannot be stored as plain data: no cache, still a parser
        return
    write_private(path, buffer.getvalue())


# How the parser of this process was obtained: "cache" (tables read from the per-user cache),
# "built" (tables built and written to it) or "built, no cache" (no safe cache directory).
parser_origin = ""


@functools.cache
def get_parser() -> Lark:
    """The parser, with its LALR tables from the per-user cache when a safe one is there.

    The cache lives in `sibdsl.core.cachedir.cache_dir()` (0700, owned by this user) and is read
    only through checks on the open file, then unpickled with every global refused; a file
    that fails any check is ignored and the tables are built in memory.
    """
    global parser_origin
    grammar = grammar_path().read_text(encoding="utf-8")
    key = _cache_key(grammar)
    root = cache_dir()
    path = root / f"parser-{key[:32]}.tables" if root is not None else None
    if path is not None:
        data = read_private(path)
        parser = _load_tables(data, key) if data is not None else None
        if parser is not None:
            parser_origin = "cache"
            return parser
    parser = Lark(grammar, **_BUILD_OPTIONS, **_runtime_options(), cache=False)
    if path is not None:
        _save_tables(parser, key, path)
        parser_origin = "built"
    else:
        parser_origin = "built, no cache"
    return parser


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
    "RUN_OFF": "'run-off'",
    "$END": "the end of the file",
}

TOP_LEVEL = (
    "contract", "currency", "term", "rounding", "settled", "clauses", "define", "payer",
    "provider", "intermediary", "validator", "investor", "cohort", "outcome", "cap", "only",
    "tranche", "assert", "reset", "claims until", "run-off", "waterfall", "supersedes", "amendment",
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
