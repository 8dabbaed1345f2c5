"""Editor support: the TextMate grammar and the VS Code extension shell (issue 13).

Input: editors/vscode/ (the grammar, generated from grammar/sib.lark by syntaxes/generate.py;
package.json; language-configuration.json; extension.js), every contract in contracts/, the
fixture editors/vscode/test/fixtures/every-terminal.sib and the ```sib examples of
docs/language.md.
Output: pass/fail. The texts are tokenised by the project's own lark lexer and by
vscode-textmate with vscode-oniguruma (the engine VS Code uses), run by Node from
editors/vscode/test/ (`npm ci` there on first use); every character of every lark token must
carry the TextMate scope its terminal calls for. Without node and npm the Node-driven tests are
skipped, saying how to install them.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from sibdsl.syntax import ast
from sibdsl.syntax.grammar import get_parser

ROOT = Path(__file__).resolve().parents[1]
VSCODE = ROOT / "editors" / "vscode"
TEST_DIR = VSCODE / "test"
GRAMMAR = VSCODE / "syntaxes" / "sib.tmLanguage.json"
FIXTURE = TEST_DIR / "fixtures" / "every-terminal.sib"
pytestmark = pytest.mark.skipif(not VSCODE.is_dir(), reason="editors/vscode/ is not in this copy (an sdist?)")
INSTALL_HINT = ("install Node.js 20 or later with npm (Debian/Ubuntu: apt-get install nodejs npm), "
                "then run: npm ci --prefix editors/vscode/test")


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sib_tm_generate", VSCODE / "syntaxes" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ what each terminal must get
# (scope that must be on the stack, prefixes one of which the innermost scope must start with)
KEYWORD = (None, ("keyword.", "storage.type."))
CONSTANT = (None, ("constant.",))
EXPECTED: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "COMMENT": ("comment.line.number-sign.sib", ("comment.", "punctuation.definition.comment.")),
    "STRING": ("string.quoted.double.sib", ("string.", "constant.character.escape.", "punctuation.definition.string.")),
    "LONG_STRING": ("string.quoted.triple.sib", ("string.", "punctuation.definition.string.")),
    "NAME": (None, ("variable.", "entity.name.")),
    "POSSESSIVE": (None, ("variable.",)),
    "NUMBER": CONSTANT, "DATE": (None, ("constant.numeric.date.",)), "PERCENT": CONSTANT,
    "CURRENCY": CONSTANT, "MONEY_SYMBOL": CONSTANT, "SCALE": CONSTANT,
    "ADD_OP": (None, ("keyword.operator.",)), "MUL_OP": (None, ("keyword.operator.",)),
    "LPAR": (None, ("punctuation.",)), "RPAR": (None, ("punctuation.",)),
    "COMMA": (None, ("punctuation.",)), "COLON": (None, ("punctuation.",)),
}


def expected_for(terminal: str) -> tuple[str | None, tuple[str, ...]]:
    if terminal in EXPECTED:
        return EXPECTED[terminal]
    return KEYWORD  # every other terminal is a keyword: a quoted word or a phrase


def _keyword_terminals() -> set[str]:
    out = set()
    for term in get_parser().terminals:
        pattern: Any = term.pattern
        if (pattern.type == "str" and pattern.value[:1].isalpha()) or term.name in _load_generator().PHRASES:
            out.add(term.name)
    return out


def test_every_lark_terminal_has_an_expected_scope() -> None:
    keywords = _keyword_terminals()
    for term in get_parser().terminals:
        if term.name == "WS":
            continue
        assert term.name in EXPECTED or term.name in keywords, f"terminal {term.name} of sib.lark has no scope class"


def test_grammar_file_is_generated_from_sib_lark() -> None:
    gen = _load_generator()
    assert gen.missing_phrases() == [], "new phrases in sib.lark: add them to PHRASES in generate.py"
    assert GRAMMAR.read_text(encoding="utf-8") == gen.render(), (
        "sib.tmLanguage.json is stale: run python editors/vscode/syntaxes/generate.py")
    grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    assert grammar["scopeName"] == "source.sib"
    for key in grammar["repository"]:
        assert {"include": f"#{key}"} in grammar["patterns"], f"repository rule {key} is never used"


# ------------------------------------------------------------------ the corpus
def _doc_examples() -> list[tuple[str, str]]:
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    out = []
    for i, m in enumerate(re.finditer(r"```sib\n(.*?)```", text, re.S)):
        try:
            list(get_parser().lex(m.group(1), dont_ignore=True))
        except Exception:  # an example that shows a lexical mistake on purpose
            continue
        out.append((f"docs/language.md example {i + 1}", m.group(1)))
    return out


def corpus() -> list[tuple[str, str]]:
    files = sorted((ROOT / "contracts").glob("*.sib"))
    assert len(files) >= 10
    texts = [(str(f.relative_to(ROOT)), f.read_text(encoding="utf-8")) for f in files]
    texts.append((str(FIXTURE.relative_to(ROOT)), FIXTURE.read_text(encoding="utf-8")))
    return texts + _doc_examples()


# ------------------------------------------------------------------ driving vscode-textmate
def _node_tools() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip(f"node/npm not found, so the TextMate grammar cannot be tokenised: {INSTALL_HINT}")
    return node, npm


@pytest.fixture(scope="module")
def node() -> str:
    node, npm = _node_tools()
    if not (TEST_DIR / "node_modules" / "vscode-textmate").is_dir():
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=TEST_DIR, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"npm ci in {TEST_DIR} failed:\n{done.stdout}\n{done.stderr}"
    return node


Scopes = list[list[list[str]]]  # per line, per code point: the scope stack (root excluded)


def tokenize(node: str, texts: list[str]) -> list[Scopes]:
    request = json.dumps({"grammar": str(GRAMMAR), "texts": texts})
    done = subprocess.run([node, str(TEST_DIR / "tokenize.js")], input=request, capture_output=True,
                          text=True, timeout=60, encoding="utf-8")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    names: list[str] = answer["scopes"]
    out: list[Scopes] = []
    for text, lines in zip(texts, answer["texts"], strict=True):
        per_line: Scopes = []
        for line_text, tokens in zip(text.split("\n"), lines, strict=True):
            stacks: list[list[str]] = [[] for _ in line_text]
            for start, end, *scope_ids in tokens:
                stack = [names[i] for i in scope_ids if names[i] != "source.sib"]
                for i in range(start, min(end, len(line_text))):
                    stacks[i] = stack
            per_line.append(stacks)
        out.append(per_line)
    return out


def _positions(text: str, start: int, end: int, line_starts: list[int]) -> Iterator[tuple[int, int, str]]:
    """(line index, column index, character) of every non-blank character in text[start:end]."""
    import bisect

    for offset in range(start, end):
        ch = text[offset]
        if ch.isspace():
            continue
        line = bisect.bisect_right(line_starts, offset) - 1
        yield line, offset - line_starts[line], ch


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


@pytest.fixture(scope="module")
def tokenised(node: str) -> list[tuple[str, str, Scopes]]:
    texts = corpus()
    scopes = tokenize(node, [t for _, t in texts])
    return [(name, text, s) for (name, text), s in zip(texts, scopes, strict=True)]


def _check_token(scopes: Scopes, text: str, starts: list[int], start: int, end: int,
                 need: str | None, inner: tuple[str, ...]) -> str | None:
    for line, col, ch in _positions(text, start, end, starts):
        stack = scopes[line][col]
        innermost = stack[-1] if stack else "(none)"
        if not innermost.startswith(inner) or (need is not None and need not in stack):
            return f"line {line + 1} col {col + 1} {ch!r}: scopes {stack}"
    return None


def _check_tokens(name: str, text: str, scopes: Scopes, coverage: Counter[str], chars: Counter[str],
                  failures: list[str]) -> None:
    starts = _line_starts(text)
    for tok in get_parser().lex(text, dont_ignore=True):
        if tok.type == "WS":
            continue
        need, inner = expected_for(tok.type)
        start = tok.start_pos or 0
        problem = _check_token(scopes, text, starts, start, start + len(str(tok)), need, inner)
        coverage[tok.type] += 1
        chars[tok.type] += sum(1 for c in str(tok) if not c.isspace())
        if problem:
            failures.append(f"{name}: {tok.type} {str(tok)[:40]!r} wants {need or inner}: {problem}")


def test_every_token_gets_its_scope(tokenised: list[tuple[str, str, Scopes]]) -> None:
    coverage: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    failures: list[str] = []
    for name, text, scopes in tokenised:
        _check_tokens(name, text, scopes, coverage, chars, failures)
    print("\nTextMate scopes checked, by lark terminal (tokens, characters):")
    for terminal in sorted(coverage):
        print(f"  {terminal:28} {coverage[terminal]:6} {chars[terminal]:7}")
    print(f"  {'total':28} {sum(coverage.values()):6} {sum(chars.values()):7}")
    assert not failures, f"{len(failures)} tokens mis-scoped:\n" + "\n".join(failures[:40])
    every = {t.name for t in get_parser().terminals} - {"WS"}
    assert every - set(coverage) == set(), f"terminals never checked: {sorted(every - set(coverage))}"


def _declared(contract: ast.ContractFile) -> tuple[set[int], set[int]]:
    """Offsets of the declared names, and of the first token of each declaration."""
    names: set[int] = set()
    starts: set[int] = set()
    for decl in contract.declarations:
        starts.add(decl.span.start)
        name = getattr(decl, "name", None)
        if isinstance(name, ast.Name):
            names.add(name.span.start)
        for clause in getattr(decl, "clauses", ()):
            if isinstance(clause, ast.SubgroupDecl):
                names.add(clause.name.span.start)
    return names, starts


def test_declared_names_and_declaration_keywords(tokenised: list[tuple[str, str, Scopes]]) -> None:
    """From the parse, not the lexer: a declared name is entity.name.*, every other name is
    variable.*, and the keyword that starts a declaration is storage.type.declaration.sib."""
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for name, text, scopes in tokenised:
        if not name.startswith("contracts/") and name != str(FIXTURE.relative_to(ROOT)):
            continue
        tree: Any = get_parser().parse(text)
        declared, decl_starts = _declared(tree)
        starts = _line_starts(text)
        for tok in get_parser().lex(text, dont_ignore=True):
            start = tok.start_pos or 0
            if tok.type == "NAME":
                kind = "declared name" if start in declared else "reference"
                inner: tuple[str, ...] = ("entity.name.",) if start in declared else ("variable.other.",)
            elif start in decl_starts:
                kind, inner = "declaration keyword", ("storage.type.declaration.sib",)
            else:
                continue
            counts[kind] += 1
            problem = _check_token(scopes, text, starts, start, start + len(str(tok)), None, inner)
            if problem:
                failures.append(f"{name}: {kind} {str(tok)!r} wants {inner}: {problem}")
    print(f"\nchecked: {dict(counts)}")
    assert counts["declared name"] > 100 and counts["declaration keyword"] > 100
    assert not failures, "\n".join(failures[:40])


def test_a_phrase_broken_over_lines_is_one_keyword(node: str) -> None:
    text = "cap payer city EUR 5 of paid\n  outcomes measured over the\n  contract then pay in part\n"
    [scopes] = tokenize(node, [text])
    assert scopes[1][len("  outcomes measured")][-1] == "keyword.other.sib"
    assert scopes[2][2][-1] == "keyword.other.sib"  # `contract` ends the phrase, not a declaration
    assert scopes[2][2] == ["keyword.other.sib"]
    # a string left open ends at the end of its line; the next line is code again
    [scopes] = tokenize(node, ['outcome a "open\noutcome b "B"\n'])
    assert scopes[1][0] == ["storage.type.declaration.sib"]
    assert scopes[1][8][-1] == "entity.name.function.outcome.sib"


HEADER = 'contract "Hostile"\ncurrency GBP\nterm 2020-01-01 to 2022-12-31\n'
HOSTILE = {
    # characters outside the BMP count 2 in VS Code's UTF-16 offsets, 1 here: positions must agree
    "emoji": HEADER + 'payer p "P \U0001f389 \U0001f4b7" pays 100% # \U0001f389 ok\noutcome a "\U0001f389" pays GBP 5\n',
    "crlf": HEADER.replace("\n", "\r\n") + 'outcome a "A"\r\n  pays GBP 1,500 # note\r\n',
    "5000-digit-number": HEADER + 'outcome a "A" pays GBP ' + "9" * 5000 + "\n",
    "10000-nested-parentheses": HEADER + "cap contract " + "(" * 10_000 + "GBP 1" + ")" * 10_000 + "\n",
    "100k-name-line": HEADER + "a" * 100_000 + "\n",
    "100k-keyword-line": HEADER + "pays at most " * 8_000 + "\n",
    "open-long-string": HEADER + 'define "x" as """' + "text # not a comment\n" * 2_000,
    "open-string": HEADER + 'outcome a "open\noutcome b "B" pays GBP 1\n',
    "curly-quotes-and-capitals": HEADER + "outcome Move_in \u201cMove in\u201d pays GBP 1\n",
}


def test_hostile_texts_tokenise_quickly_and_in_step(node: str) -> None:
    """Each text tokenises within the engine's time limit per line (tokenize.js fails if a line
    stops early), and where the lark lexer reads it, every token still gets its scope."""
    import time

    names = sorted(HOSTILE)
    began = time.perf_counter()
    scopes = tokenize(node, [HOSTILE[n] for n in names])
    assert time.perf_counter() - began < 20
    coverage: Counter[str] = Counter()
    failures: list[str] = []
    lexed = []
    for name, s in zip(names, scopes, strict=True):
        try:
            list(get_parser().lex(HOSTILE[name], dont_ignore=True))
        except Exception:  # not lexable (capitals, curly quotes, an open quote): scopes only
            continue
        lexed.append(name)
        _check_tokens(name, HOSTILE[name], s, coverage, Counter(), failures)
    assert not failures, "\n".join(failures[:20])
    assert {"emoji", "crlf", "5000-digit-number", "100k-keyword-line"} <= set(lexed)
    emoji = scopes[names.index("emoji")]
    assert emoji[3][-1] == ["comment.line.number-sign.sib"]  # the last character, after two emoji
    bad = scopes[names.index("curly-quotes-and-capitals")][3]
    assert bad[len("outcome ")][-1].startswith("invalid.illegal")
    assert bad[len("outcome Move_in ")][-1].startswith("invalid.illegal")
    long = scopes[names.index("open-long-string")]
    assert long[-2][0][-1] == "string.quoted.triple.sib"  # `text # not...` stays text


# ------------------------------------------------------------------ the extension's manifest
def test_extension_manifest() -> None:
    package = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    for field in ("name", "displayName", "version", "publisher", "engines", "main", "contributes"):
        assert field in package, f"package.json lacks {field}"
    assert package["name"] == "sibdsl"
    assert re.fullmatch(r"\^?\d+\.\d+\.\d+", package["engines"]["vscode"])
    assert (VSCODE / package["main"]).is_file()
    contributes = package["contributes"]
    [language] = contributes["languages"]
    assert language["id"] == "sib" and ".sib" in language["extensions"] and language["aliases"]
    config = VSCODE / language["configuration"]
    assert config.is_file()
    [grammar] = contributes["grammars"]
    assert grammar["language"] == language["id"]
    assert (VSCODE / grammar["path"]).resolve() == GRAMMAR
    assert grammar["scopeName"] == json.loads(GRAMMAR.read_text(encoding="utf-8"))["scopeName"]
    assert f"onLanguage:{language['id']}" in package.get("activationEvents", [f"onLanguage:{language['id']}"])
    settings = contributes["configuration"]["properties"]
    assert settings["sibdsl.path"]["type"] == "string" and settings["sibdsl.path"]["default"] == "sibc"
    assert settings["sibdsl.searchOnSave"]["type"] == "boolean"
    assert set(settings["sibdsl.trace.server"]["enum"]) == {"off", "messages", "verbose"}
    assert "vscode-languageclient" in package["dependencies"]
    # a repository's own .vscode/settings.json must not choose the program run, until trusted
    assert "sibdsl.path" in package["capabilities"]["untrustedWorkspaces"]["restrictedConfigurations"]

    lc = json.loads(config.read_text(encoding="utf-8"))
    assert lc["comments"]["lineComment"] == "#"
    assert ["(", ")"] in lc["brackets"]
    assert {"open": '"""', "close": '"""'} in [{k: p[k] for k in ("open", "close")} for p in lc["autoClosingPairs"]]
    word = re.compile(lc["wordPattern"])
    assert word.fullmatch("housed_3m") and not word.fullmatch("move-in")


def test_extension_without_sibc_shows_one_message(node: str) -> None:
    """extension.js activated against a stand-in vscode module, with sibdsl.path pointing at a
    missing program and at a sibc that has no `lsp` command: one error message each (not found;
    found but failing), no exception, no language client started."""
    sibc = Path(sys.executable).with_name("sibc")  # the sibc installed with this Python, if any
    args = [str(sibc)] if sibc.is_file() else []
    done = subprocess.run([node, str(TEST_DIR / "activate.js"), *args], capture_output=True, text=True,
                          timeout=60, cwd=TEST_DIR)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    for case in ("missing", "no-lsp"):
        messages = result[case]["errors"]
        assert len(messages) == 1, (case, messages)
        assert result[case]["clientStarted"] is False
    # a program that is not there, and one that is there but whose `lsp --help` fails, are told apart
    assert result["missing"]["errors"][0].startswith(
        "sibc lsp not found: install sibdsl (pip install sibdsl) or set sibdsl.path")
    assert result["no-lsp"]["errors"][0].startswith("sibc lsp failed: ")
    assert result["ok"]["clientStarted"] is True and result["ok"]["errors"] == []
    assert result["ok"]["command"][-1] == "lsp"
    if args:  # this checkout's sibc has `lsp`: the client would start it
        assert result["real"] == {"errors": [], "clientStarted": True, "command": [str(sibc), "lsp"]}


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-s"]))
