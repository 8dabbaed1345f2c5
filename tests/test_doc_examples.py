"""The ```sib examples of the documentation check exactly as the documentation says.

docs/language.md promises: "Every example on this page has been checked with `sibc check`,
property search included. An example that shows a mistake, or draws a note, says in a comment
which diagnostic it produces (`# SIB405`); every other example passes with no diagnostic at
all." This file holds the page (and README.md, and docs/settlement.md) to that promise.

Phase: documentation. Input: the ```sib blocks of DOCS. Output: one test case per block that
completes the block as docs/language.md says short examples are to be read, runs the real
`sibc check --format json` (compile, exact analysis, property search with a small seeded
`--examples` count) through click's CliRunner, and asserts that the set of codes reported
equals the set of codes named in the block's comments (none named: no diagnostic at all).

How a block of docs/language.md is completed (the page's own words, read from the page):
- the header lines `contract`, `currency`, `term` and a payer are added where the block has
  none of its own; the currency, the term and the payer's name are taken from the promise
  paragraph itself, so that the test follows the page if the page changes;
- an outcome or cohort the block refers to but does not declare, among the names the promise
  lists (`move_in`, `youth`, `vulnerable`, `very_vulnerable`), is added with the text of its
  declaration in the nearest earlier example that declares it (a sub-group brings its cohort);
- a block that declares no outcome at all is read with the outcome `move_in` of the nearest
  earlier example, as the promise says ("an outcome ... `move_in` ... when it declares none").
The search runs with a small seeded number of ledgers (SEARCH_EXAMPLES), or with sibc's default
where the example states what the search finds (SIB710, SIB711).
Blocks of README.md and docs/settlement.md are complete contracts and are checked as written
(tests/test_contracts.py compiles the README tour; this file adds the analysis and the search).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sibdsl.cli.main import cli
from sibdsl.core.diagnostics import DiagnosticSink
from sibdsl.syntax import ast
from sibdsl.syntax.parse import decode_source, parse_source

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = "docs/language.md"
DOCS = (LANGUAGE, "README.md", "docs/settlement.md")
SEARCH_EXAMPLES = "20"  # ledgers per example: the search is on, as the page promises, but small
SEARCH_FINDINGS = {"SIB710", "SIB711"}  # an example stating one runs with sibc's default number
CODE = re.compile(r"\bSIB\d{3}\b")
FENCE = re.compile(r"^(`{3,})\s*([A-Za-z0-9_+-]*)\s*$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


# ---------------------------------------------------------------- extraction
@dataclass(frozen=True)
class Example:
    """One ```sib block: `line` is the document line of its first line of text."""

    doc: str
    line: int
    section: str
    text: str

    @property
    def case_id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.section.lower()).strip("-")[:40] or "top"
        return f"{Path(self.doc).name}:{self.line}:{slug}"


def extract_examples(doc: str, markdown: str) -> list[Example]:
    """Every ```sib block of a Markdown text, with the heading it stands under. Fences of any
    other language are skipped (a `#` line inside them is not a heading); an unclosed fence is
    an error, not a silently lost example."""
    found: list[Example] = []
    section = ""
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if fence is None:
            heading = HEADING.match(lines[i])
            if heading:
                section = heading.group(2)
            i += 1
            continue
        ticks, lang = fence.group(1), fence.group(2)
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == ticks), None)
        if end is None:
            raise ValueError(f"{doc}:{i + 1}: a ``` fence that is never closed")
        if lang == "sib":
            found.append(Example(doc, i + 2, section, "".join(f"{line}\n" for line in lines[i + 1:end])))
        i = end + 1
    return found


def comments(text: str) -> list[tuple[int, str]]:
    """(line, text) of each `#` comment, skipping "..." and \"\"\"...\"\"\" text, in which `#` is
    text (a lexical scan, cross-checked against the real lexer by a test below)."""
    out: list[tuple[int, str]] = []
    i, line = 0, 1
    while i < len(text):
        ch = text[i]
        if text.startswith('"""', i):
            end = text.find('"""', i + 3)
            end = len(text) if end < 0 else end + 3
            line += text.count("\n", i, end)
            i = end
        elif ch == '"':
            j = i + 1
            while j < len(text) and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            i = j + 1 if j < len(text) and text[j] == '"' else j
        elif ch == "#":
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            out.append((line, text[i:end]))
            i = end
        else:
            line += ch == "\n"
            i += 1
    return out


def stated_codes(text: str) -> set[str]:
    """The codes an example says it produces: every SIBnnn named in one of its comments."""
    return {code for _, comment in comments(text) for code in CODE.findall(comment)}


# ---------------------------------------------------------------- the page's reading rule
@dataclass(frozen=True)
class Reading:
    """What the promise paragraph of docs/language.md says a short example is part of."""

    currency: str
    term: tuple[str, str]
    payer: str
    names: tuple[str, ...]  # outcomes and cohorts (and sub-groups) of earlier examples
    default_outcome: str  # read with a block that declares no outcome of its own


def reading_rule(markdown: str) -> Reading:
    flat = re.sub(r"\s+", " ", markdown)
    promise = re.search(r"Every example on this page has been checked with `sibc check`.*?(?=Contents)", flat)
    assert promise, "docs/language.md no longer has its promise paragraph: update this test with the page"
    text = promise.group(0)
    header = re.search(r"part of a contract in ([A-Z]{3}) with the term (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d) "
                       r"and a single payer named `([a-z_][A-Za-z0-9_]*)`", text)
    refers = re.search(r"declared in an earlier example \((.*?)\)", text)
    none = re.search(r"declares no outcome[^`]*`([a-z_][A-Za-z0-9_]*)`", text)
    assert header and refers and none, f"the promise paragraph changed its wording: {text}"
    return Reading(header.group(1), (header.group(2), header.group(3)), header.group(4),
                   tuple(re.findall(r"`([a-z_][A-Za-z0-9_]*)`", refers.group(1))), none.group(1))


# ---------------------------------------------------------------- completion
@dataclass
class Shape:
    """What a block declares and refers to, read by the real parser."""

    tree: ast.ContractFile | None
    kinds: set[str] = field(default_factory=set)  # contract, currency, term, payer, outcome
    declared: dict[str, ast.Node] = field(default_factory=dict)  # name -> its top-level declaration
    referred: set[str] = field(default_factory=set)


def _nodes(node: Any) -> Any:
    if isinstance(node, tuple):
        for item in node:
            yield from _nodes(item)
    elif isinstance(node, ast.Node):
        yield node
        for name in node._fields:
            yield from _nodes(getattr(node, name))


def shape(text: str) -> Shape:
    sink = DiagnosticSink("example.sib")
    source = decode_source("example.sib", text.encode("utf-8"), sink)
    tree = parse_source(source, sink) if source is not None else None
    found = Shape(tree)
    if tree is None:  # does not parse: the check will say why; find the header by its keywords
        found.kinds = {m.group(1) for m in re.finditer(r"(?m)^\s*(contract|currency|term|payer|outcome)\b", text)}
        return found
    kinds = {ast.ContractDecl: "contract", ast.CurrencyDecl: "currency", ast.TermDecl: "term",
             ast.OutcomeDecl: "outcome"}
    for decl in tree.declarations:
        if type(decl) in kinds:
            found.kinds.add(kinds[type(decl)])
        if isinstance(decl, ast.PartyDecl) and decl.role == "payer":
            found.kinds.add("payer")
        if isinstance(decl, ast.PartyDecl | ast.InvestorDecl | ast.CohortDecl | ast.OutcomeDecl | ast.TrancheDecl):
            found.declared[decl.name.text] = decl
        if isinstance(decl, ast.CohortDecl):
            for clause in decl.clauses:
                if isinstance(clause, ast.SubgroupDecl):
                    found.declared[clause.name.text] = decl
    found.referred = {n.text for n in _nodes(tree.declarations) if isinstance(n, ast.Name)} - set(found.declared)
    return found


@dataclass(frozen=True)
class Completed:
    text: str
    prefix_lines: int  # lines added before the example's own text
    added: tuple[str, ...]  # what was added, for the failure message


def complete(example: Example, earlier: list[Example], rule: Reading | None) -> Completed:
    """The example as a whole contract, read the way its page says (`rule`; None: as written)."""
    if rule is None:
        return Completed(example.text, 0, ())
    own = shape(example.text)
    borrowed: list[str] = []
    have = set(own.declared)
    wanted = [n for n in rule.names if n in own.referred]
    if "outcome" not in own.kinds:
        wanted.append(rule.default_outcome)
    while wanted:
        name = wanted.pop(0)
        if name in have:
            continue
        source = next((e for e in reversed(earlier) if name in shape(e.text).declared), None)
        if source is None:
            continue  # nothing earlier declares it: the check reports the missing name
        decl = shape(source.text).declared[name]
        borrowed.append(source.text[decl.span.start:decl.span.end])
        brought = shape(borrowed[-1])
        have |= set(brought.declared)
        wanted += [n for n in rule.names if n in brought.referred]
    head: list[str] = []
    if "contract" not in own.kinds:
        head.append(f'contract "{example.doc}, line {example.line}"')
    if "currency" not in own.kinds:
        head.append(f"currency {rule.currency}")
    if "term" not in own.kinds:
        head.append(f"term {rule.term[0]} to {rule.term[1]}")
    if "payer" not in own.kinds:
        head.append(f'payer {rule.payer} "{rule.payer.replace("_", " ").title()}"')
    prefix = "".join(f"{part}\n" for part in [*head, *borrowed])
    return Completed(prefix + example.text, prefix.count("\n"), (*head, *borrowed))


# ---------------------------------------------------------------- the check
def run_check(text: str, counterexample_dir: Path, examples: str | None = SEARCH_EXAMPLES
              ) -> tuple[int, list[dict[str, Any]], str]:
    """`sibc check - --format json` with the property search on (`examples` ledgers; None: sibc's
    default): exit code, diagnostics, output."""
    count = [] if examples is None else ["--examples", examples]
    result = CliRunner().invoke(cli, ["check", "-", "--format", "json", "--seed", "0", *count,
                                      "--counterexample-dir", str(counterexample_dir)], input=text)
    assert result.exit_code in (0, 1), f"sibc check exited {result.exit_code}:\n{result.output}"
    doc = json.loads(result.stdout)
    return result.exit_code, doc["diagnostics"], result.output


def mismatch(example: Example, earlier: list[Example], rule: Reading | None, tmp: Path) -> str | None:
    """None when the example checks as it says; otherwise a message naming what differs."""
    done = complete(example, earlier, rule)
    want = stated_codes(example.text)
    # an example that states a finding of the search is checked with sibc's own number of ledgers
    examples = None if want & SEARCH_FINDINGS else SEARCH_EXAMPLES
    _, diagnostics, _ = run_check(done.text, tmp, examples)
    got = {d["code"] for d in diagnostics}
    if got == want:
        return None

    def where(d: dict[str, Any]) -> str:
        line = d["range"]["start"]["line"] - done.prefix_lines
        return f"{example.doc}:{example.line + line - 1}" if line >= 1 else "in the completion"

    found = "\n".join(f"  {d['code']} ({d['severity']}) at {where(d)}: {d['message']}" for d in diagnostics)
    added = "".join(f"\n  | {line}" for part in done.added for line in part.splitlines())
    return (f"{example.case_id}: the comments name {sorted(want) or 'no code'}, sibc check reports "
            f"{sorted(got) or 'nothing'}\n{found or '  (no diagnostics)'}\nread with:{added or ' nothing added'}")


# ---------------------------------------------------------------- the cases
def _load() -> list[tuple[Example, list[Example], Reading | None]]:
    cases: list[tuple[Example, list[Example], Reading | None]] = []
    for doc in DOCS:
        path = ROOT / doc
        if not path.exists():
            continue
        markdown = path.read_text(encoding="utf-8")
        rule = reading_rule(markdown) if doc == LANGUAGE else None
        examples = extract_examples(doc, markdown)
        cases += [(e, examples[:i], rule) for i, e in enumerate(examples)]
    return cases


CASES = _load()

# Examples the page states correctly but sibc checks differently: a defect in sibc, not in the
# page. Each entry names the defect; strict, so that the fix of the defect shows up here.
KNOWN_DEFECTS: dict[str, str] = {}


def _param(case: tuple[Example, list[Example], Reading | None]) -> Any:
    example = case[0]
    marks = []
    if example.case_id in KNOWN_DEFECTS:
        marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[example.case_id]))
    return pytest.param(*case, id=example.case_id, marks=marks)


@pytest.mark.parametrize(("example", "earlier", "rule"), [_param(c) for c in CASES])
def test_doc_example_checks_as_stated(example: Example, earlier: list[Example], rule: Reading | None,
                                      tmp_path: Path) -> None:
    problem = mismatch(example, earlier, rule, tmp_path)
    assert problem is None, problem


def test_every_sib_block_is_a_case() -> None:
    """Counted independently of the extractor: every ```sib fence line of each document."""
    fences = sum(
        sum(1 for line in (ROOT / doc).read_text(encoding="utf-8").splitlines() if line.strip() == "```sib")
        for doc in DOCS if (ROOT / doc).exists())
    assert len(CASES) == fences
    assert sum(1 for e, _, _ in CASES if e.doc == LANGUAGE) >= 30
    assert len({e.case_id for e, _, _ in CASES}) == len(CASES), "two cases share an id"
    assert set(KNOWN_DEFECTS) <= {e.case_id for e, _, _ in CASES}, "a known defect names no example"


def test_the_reading_rule_is_read_from_the_page() -> None:
    rule = reading_rule((ROOT / LANGUAGE).read_text(encoding="utf-8"))
    assert rule.currency == "GBP"
    assert rule.term == ("2015-01-01", "2017-12-31")
    assert rule.payer == "council"
    assert {"move_in", "youth", "vulnerable", "very_vulnerable"} <= set(rule.names)
    assert rule.default_outcome == "move_in"


# ---------------------------------------------------------------- the checker can fail
DOC_SNIPPET = '''# Title

## 1. Header

```lark
# not a heading, and not an example
```

```sib
outcome move_in "Move in" pays GBP 500 evidence "form # 3"   # the price
```

### 1.1 Later

```sib
cap outcome move_in GBP 700,000
```

```sib
outcome gap "Gap"
  pays tiered GBP 1,100 for 1 to 370, GBP 1,000 for 380 to 410    # SIB405: a gap
```
'''


def test_extractor_finds_blocks_lines_and_sections() -> None:
    found = extract_examples("x.md", DOC_SNIPPET)
    assert [(e.line, e.section) for e in found] == [(10, "1. Header"), (16, "1.1 Later"), (20, "1.1 Later")]
    assert found[0].text == 'outcome move_in "Move in" pays GBP 500 evidence "form # 3"   # the price\n'
    assert [stated_codes(e.text) for e in found] == [set(), set(), {"SIB405"}]
    with pytest.raises(ValueError, match="never closed"):
        extract_examples("x.md", "```sib\noutcome a \"A\" pays GBP 1\n")


def test_comment_scanner_agrees_with_the_lexer() -> None:
    """`#` in quoted and long text is text; the scan finds exactly the lexer's comments."""
    text = 'define "a # b" as """x\n # y"""  # one\noutcome q "Q \\" # z" pays GBP 1 # two\n'
    assert comments(text) == [(2, "# one"), (3, "# two")]
    for example, _, _ in CASES:
        tree = shape(example.text).tree
        if tree is None:  # an example of a syntax error: its own case checks its SIB010
            continue
        assert [c for _, c in comments(example.text)] == [c.text for c in tree.comments], example.case_id


def test_completion_adds_only_what_the_block_lacks() -> None:
    rule = Reading("GBP", ("2015-01-01", "2017-12-31"), "council", ("move_in", "youth"), "move_in")
    first, second, _ = extract_examples("x.md", DOC_SNIPPET)
    done = complete(second, [first], rule)
    assert done.added == ('contract "x.md, line 16"', "currency GBP", "term 2015-01-01 to 2017-12-31",
                          'payer council "Council"', 'outcome move_in "Move in" pays GBP 500 evidence "form # 3"')
    assert done.text.endswith(second.text) and done.prefix_lines == 5
    own = Example("x.md", 1, "s", 'currency USD\npayer p "P"\noutcome a "A" pays USD 1\n')
    assert complete(own, [], rule).added == ('contract "x.md, line 1"', "term 2015-01-01 to 2017-12-31")
    assert complete(own, [], None).text == own.text


def test_a_wrong_example_is_caught(tmp_path: Path) -> None:
    """Mutated copies of the page: a stated code that is not produced, and a diagnostic that is
    not stated, both fail; the unmutated snippet passes."""
    rule = Reading("GBP", ("2015-01-01", "2017-12-31"), "council", ("move_in",), "move_in")
    good = extract_examples("x.md", DOC_SNIPPET)
    assert [mismatch(e, good[:i], rule, tmp_path) for i, e in enumerate(good)] == [None, None, None]

    no_gap = extract_examples("x.md", DOC_SNIPPET.replace("for 380 to 410", "for 371 to 410"))
    problem = mismatch(no_gap[2], no_gap[:2], rule, tmp_path)
    assert problem is not None and "name ['SIB405'], sibc check reports nothing" in problem

    sub_penny = extract_examples("x.md", DOC_SNIPPET.replace("GBP 700,000", "GBP 700,000.005"))
    problem = mismatch(sub_penny[1], sub_penny[:1], rule, tmp_path)
    assert problem is not None and "reports ['SIB208']" in problem and "x.md:16" in problem

    orphan = extract_examples("x.md", DOC_SNIPPET.replace('outcome move_in "Move in"', 'outcome moved "Move in"'))
    problem = mismatch(orphan[1], orphan[:1], rule, tmp_path)
    assert problem is not None and "SIB101" in problem


def test_a_refuted_assertion_is_stated_with_its_code(tmp_path: Path) -> None:
    """SIB711 is a finding like any other: stated, it passes (run with sibc's default number of
    ledgers); unstated, the example fails."""
    rule = Reading("GBP", ("2015-01-01", "2017-12-31"), "council", (), "move_in")
    text = 'outcome a "A" pays GBP 500\nassert each participant is paid at most GBP 100'
    refuted = Example("x.md", 1, "s", f"{text}   # SIB711: GBP 500 is paid\n")
    assert mismatch(refuted, [], rule, tmp_path) is None
    problem = mismatch(Example("x.md", 1, "s", f"{text}\n"), [], rule, tmp_path)
    assert problem is not None and "reports ['SIB711']" in problem


def test_the_real_page_mutated_fails(tmp_path: Path) -> None:
    """The same on docs/language.md itself: drop the stated code of its tiered-band gap example."""
    markdown = (ROOT / LANGUAGE).read_text(encoding="utf-8")
    marked = "    # SIB405: 371 to 379 have no price"
    assert marked in markdown, "the tiered-band gap example changed: pick another example to mutate"
    examples = extract_examples(LANGUAGE, markdown.replace(marked, ""))
    rule = reading_rule(markdown)
    index = next(i for i, e in enumerate(examples) if "for 380 to 410" in e.text)
    problem = mismatch(examples[index], examples[:index], rule, tmp_path)
    assert problem is not None and "reports ['SIB405']" in problem
