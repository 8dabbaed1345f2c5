"""`sibc render`: the payment schedule for signing (issue 12, item 2).

For every contract in contracts/: the schedule renders as Markdown, HTML and DOCX; the DOCX,
opened again with python-docx, has a rate card whose rows match the model outcome by outcome
(title and every price, written from the model here, not from the renderer's words); the HTML
parses, is self-contained and shows every outcome title; no outcome's code name leaks into
the prose (it appears only in the rate card's reference column). A price changed in the source
text shows in the rendered rate card and in the engine's worked example; the version and
amendment history and the contract's own clause references are shown; each cap that can bind
has an example settled by the engine, and each that cannot says so. The CLI writes each format,
needs -o for DOCX and prints compile errors with exit 1.
"""

from __future__ import annotations

import io
import re
import time
from decimal import Decimal
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from sibdsl.cli.main import cli
from sibdsl.compiler import compile_file, compile_text
from sibdsl.core.currency import MINOR_UNITS
from sibdsl.core.moneytext import money_text
from sibdsl.model.contract import Contract, listed_prices
from sibdsl.render.document import Bullets, Document, Heading, Paragraph, Table, Terms
from sibdsl.render.docx import docx_bytes
from sibdsl.render.html import write_html
from sibdsl.render.markdown import write_markdown
from sibdsl.render.schedule import RATE_CARD, REF, build_schedule

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = sorted((ROOT / "contracts").glob("*.sib"))
GM = ROOT / "contracts" / "mhclg-greater-manchester-rough-sleeping.sib"


@cache
def _compiled(path: Path) -> Contract:
    model = compile_file(path).model
    assert model is not None, path
    return model


@cache
def _schedule(path: Path) -> Document:
    return build_schedule(_compiled(path))


def _money(contract: Contract, amount: Decimal) -> str:
    """Money as the schedule must write it, computed here from the model."""
    currency = contract.header.currency
    return f"{currency} {money_text(amount, MINOR_UNITS.get(currency, 2), grouping=True)}"


def _priced(contract: Contract, price: Decimal, cell: str) -> bool:
    """The cell shows the price (a band of zero: "nothing")."""
    return _money(contract, price) in cell or (price == 0 and "nothing" in cell)


def _rate_card(doc: Document) -> Table:
    cards = [t for t in doc.tables() if t.caption == RATE_CARD]
    assert len(cards) == 1
    return cards[0]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.cells: list[str] = []
        self.tags: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_the_docx_rate_card_matches_the_model_row_by_row(path: Path) -> None:
    import docx

    contract = _compiled(path)
    word = docx.Document(io.BytesIO(docx_bytes(_schedule(path))))
    cards = [t for t in word.tables if t.rows and t.rows[0].cells[0].text == REF]
    assert len(cards) == 1, "one rate card, with its header row"
    rows = cards[0].rows
    header = [c.text for c in rows[0].cells]
    assert header[:3] == [REF, "Outcome", "Payment"]
    assert rows[0]._tr.trPr is not None and rows[0]._tr.trPr.xpath("./w:tblHeader"), "a Word header row"
    assert len(rows) == 1 + len(contract.outcomes)
    for row, outcome in zip(rows[1:], contract.outcomes, strict=True):
        cells = [c.text for c in row.cells]
        assert cells[0] == outcome.name
        assert cells[1] == outcome.title
        for price in listed_prices(outcome.tariff):
            if outcome.tariff.kind == "per_unit":
                continue  # the price per unit times its limit: checked below
            assert _priced(contract, price, cells[2]), (outcome.name, price, cells[2])
        if outcome.tariff.kind == "per_unit":
            assert _money(contract, outcome.tariff.price) in cells[2]
    headings = [p for p in word.paragraphs if p.style is not None and p.style.name.startswith("Heading")]
    assert len(headings) >= 6, "the sections are Word headings"
    assert word.core_properties.title == contract.header.title


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_the_html_parses_is_self_contained_and_shows_every_outcome(path: Path) -> None:
    contract = _compiled(path)
    page = write_html(_schedule(path))
    parser = _Text()
    parser.feed(page)
    parser.close()
    text = " ".join(parser.text)
    for outcome in contract.outcomes:
        assert outcome.title in parser.cells, outcome.title
    assert contract.header.title in text
    assert {"table", "thead", "th", "td", "h2", "style"} <= set(parser.tags)
    assert not re.search(r"(src|href)\s*=|@import|url\(", page), "no external resource"
    assert "@page" in page and "counter(page)" in page


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_the_markdown_has_the_rate_card_and_every_price(path: Path) -> None:
    contract = _compiled(path)
    text = write_markdown(_schedule(path))
    assert text.startswith("# ")
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    for outcome in contract.outcomes:
        escaped = outcome.name.replace("_", "\\_")
        row = next(line for line in lines if line.startswith(f"| {escaped} |"))
        for price in listed_prices(outcome.tariff):
            if outcome.tariff.kind != "per_unit":
                assert _priced(contract, price, row), (outcome.name, row)


def _prose(doc: Document) -> list[str]:
    """Every text of the document but the rate card's reference column."""
    out = [doc.title, *doc.subtitle]
    for block in doc.blocks:
        match block:
            case Heading() | Paragraph():
                out.append(block.text)
            case Bullets():
                out += block.items
            case Terms():
                out += [t for pair in block.items for t in pair]
            case Table():
                start = 1 if block.caption == RATE_CARD else 0
                out += [block.caption, *block.header[start:], *(c for row in block.rows for c in row[start:])]
                out += [block.note] if block.note else []
    return out


def _own_words(contract: Contract) -> str:
    """The contract's own texts: a code name that is also a word of them may appear."""
    texts = [contract.header.title, *(o.title for o in contract.outcomes), *(p.title for p in contract.payers),
             *(c.title for c in contract.cohorts), *(p.title for p in contract.parties),
             *(i.title for i in contract.investors), *(s.title or "" for c in contract.cohorts for s in c.subgroups),
             *(c.eligibility or "" for c in contract.cohorts),
             *(o.evidence or "" for o in contract.outcomes), *(o.trigger or "" for o in contract.outcomes),
             *(d.meaning + d.term for d in contract.definitions),
             *(d.meaning + d.term for o in contract.outcomes for d in o.definitions)]
    return " ".join(texts)


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_no_code_name_leaks_into_the_prose(path: Path) -> None:
    contract = _compiled(path)
    own = _own_words(contract)
    names = [o.name for o in contract.outcomes] + [p.name for p in contract.payers] + \
        [c.name for c in contract.cohorts] + [s.name for c in contract.cohorts for s in c.subgroups] + \
        [p.name for p in contract.parties] + [i.name for i in contract.investors]
    names = [n for n in names if not re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", own)]
    assert names, "the test checks some names"
    prose = "\n".join(_prose(_schedule(path)))
    leaked = [n for n in names if re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", prose)]
    assert not leaked, leaked


def _gm_text() -> str:
    return GM.read_text(encoding="utf-8")


def test_a_price_changed_in_the_source_shows_in_the_rate_card_and_the_example() -> None:
    text = _gm_text()
    old = 'outcome housed_24m "Accommodation sustained 24 months"\n  pays GBP 2,000'
    assert old in text
    before = compile_text(text, "gm.sib").model
    after = compile_text(text.replace(old, old.replace("GBP 2,000", "GBP 2,345.67")), "gm.sib").model
    assert before is not None and after is not None
    doc = build_schedule(after)
    row = next(r for r in _rate_card(doc).rows if r[0] == "housed_24m")
    assert row[2] == "GBP 2,345.67"
    ladder = next(t for t in doc.tables() if t.caption.endswith("one participant through the ladder"))
    paid = next(r for r in ladder.rows if r[2] == "Accommodation sustained 24 months")
    assert paid[3] == paid[4] == "GBP 2,345.67"
    total_before = next(r for r in next(t for t in build_schedule(before).tables()
                                        if t.caption.endswith("through the ladder")).rows if r[2] == "Total")[4]
    total_after = next(r for r in ladder.rows if r[2] == "Total")[4]
    assert (total_before, total_after) == ("GBP 19,000.00", "GBP 19,345.67")  # the engine's sum


def test_the_version_the_amendments_and_the_contracts_clause_references_are_shown() -> None:
    text = _gm_text().replace(
        'Rough Sleepers" version 1.0\n',
        'Rough Sleepers" version 1.2\nsupersedes version 1.1\nclauses "Schedule 2, paragraph"\n'
        'amendment 1.1 on 2018-06-01 "Volunteering outcomes added" clause "Variation 1"\n'
        'amendment 1.2 on 2019-04-01 "Prices of employment outcomes revised"\n', 1)
    text = text.replace('  evidence "tenancy or licence agreement"\n',
                        '  evidence "tenancy or licence agreement"\n  clause "3.1"\n', 1)
    text = text.replace("  pays 100% of each outcome payment, at most GBP 2,629,000\n",
                        "  pays 100% of each outcome payment, at most GBP 2,629,000\n  clause \"2.1\"\n", 1)
    model = compile_text(text, "gm.sib").model
    assert model is not None and model.header.amendments
    doc = build_schedule(model)
    assert "Version 1.2" in doc.subtitle and "Supersedes version 1.1" in doc.subtitle
    history = next(t for t in doc.tables() if t.caption == "Amendment history")
    assert history.rows == (("1.1", "1 June 2018", "Volunteering outcomes added", "Schedule 2, paragraph Variation 1"),
                            ("1.2", "1 April 2019", "Prices of employment outcomes revised", ""))
    card = _rate_card(doc)
    assert card.header[-1] == "Clause"
    assert next(r for r in card.rows if r[0] == "accommodation_entry")[-1] == "Schedule 2, paragraph 3.1"
    payers = next(t for t in doc.tables() if t.caption == "Payers")
    assert payers.header[-1] == "Clause" and payers.rows[0][-1] == "Schedule 2, paragraph 2.1"
    maximum = next(b for b in doc.blocks if isinstance(b, Paragraph) and b.number and b.number.startswith("5.")
                   and "GBP 2,629,000.00" in b.text)
    assert maximum.text.endswith("(Schedule 2, paragraph 2.1).")
    docx = docx_bytes(doc)
    assert len(docx) > 10_000


def test_each_cap_has_an_engine_example_or_says_it_cannot_bind() -> None:
    path = ROOT / "contracts" / "tiered-and-cohort-outcomes.sib"
    contract = _compiled(path)
    doc = _schedule(path)
    annex = [b for b in doc.blocks if isinstance(b, Paragraph) and b.number and b.number.startswith("A.3.")]
    assert len(annex) == len(contract.caps) + sum(p.cap is not None for p in contract.payers)
    count_cap = next(i for i, c in enumerate(contract.caps) if c.measure == "count")
    limit = int(contract.caps[count_cap].limit)
    example = next(t for t in doc.tables() if t.caption.endswith(f"paragraph 5.{count_cap + 2}"))
    refused = [r for r in example.rows if r[-1].startswith("not paid")]
    assert refused and refused[0][0] == f"{limit + 1:,}", "the claim after the 600th is refused"
    participant_cap = next(b for b in annex if "cannot be reached" in b.text)
    assert "3,794.44" in participant_cap.text  # the analysis's figure, not retyped
    cohort_cap = next(b for b in annex if "a result for" in b.text)
    assert "paid in part" in cohort_cap.text and "USD 250,000.00" in cohort_cap.text


def test_a_raised_cap_moves_its_example() -> None:
    path = ROOT / "contracts" / "tiered-and-cohort-outcomes.sib"
    text = path.read_text(encoding="utf-8").replace("cap outcome job_placement 600 outcomes",
                                                    "cap outcome job_placement 650 outcomes")
    model = compile_text(text, "t.sib").model
    assert model is not None
    doc = build_schedule(model)
    example = next(t for t in doc.tables() if t.caption == "Worked example: the limit of paragraph 5.2")
    assert next(r for r in example.rows if r[-1].startswith("not paid"))[0] == "651"


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_every_contract_renders_in_seconds(path: Path) -> None:
    contract = _compiled(path)
    started = time.perf_counter()
    doc = build_schedule(contract)
    write_markdown(doc)
    write_html(doc)
    docx_bytes(doc)
    assert time.perf_counter() - started < 20


def test_the_cli_writes_each_format(tmp_path: Path) -> None:
    runner = CliRunner()
    md = runner.invoke(cli, ["render", str(GM)])
    assert md.exit_code == 0, md.output
    assert md.output.startswith("# MHCLG") and "Entry into accommodation" in md.output
    out = tmp_path / "s.html"
    html = runner.invoke(cli, ["render", str(GM), "--format", "html", "-o", str(out)])
    assert html.exit_code == 0 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    word = tmp_path / "s.docx"
    done = runner.invoke(cli, ["render", str(GM), "--format", "docx", "-o", str(word)])
    assert done.exit_code == 0 and word.read_bytes()[:2] == b"PK"
    refused = runner.invoke(cli, ["render", str(GM), "--format", "docx"])
    assert refused.exit_code == 2 and "-o" in refused.output
    nowhere = runner.invoke(cli, ["render", str(GM), "-o", str(tmp_path / "no" / "such" / "dir.md")])
    assert nowhere.exit_code == 2 and "cannot write" in nowhere.output and "Traceback" not in nowhere.output


def test_the_cli_prints_compile_errors_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sib"
    bad.write_text('contract "x" version 1\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["render", str(bad)])
    assert result.exit_code == 1
    assert "SIB104" in result.output and "Traceback" not in result.output


def test_the_cli_renders_the_easy_read_version() -> None:
    result = CliRunner().invoke(cli, ["render", str(GM), "--audience", "participants"])
    assert result.exit_code == 0, result.output
    assert "Outcomes Payment Mechanism" not in result.output


DOCS = ROOT / "docs" / "render.md"
EXCERPT = re.compile(r"<!-- render: (?P<file>\S+) \| (?P<start>[^|]+?) \| (?P<end>[^|]+?) -->\n(?P<body>.*?)"
                     r"<!-- end render -->", re.S)


def _excerpt(file: str, start: str, end: str) -> str:
    text = write_markdown(_schedule(ROOT / "contracts" / file))
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    last = next(i for i, line in enumerate(lines) if i > first and line.startswith(end))
    return "````markdown\n" + "\n".join(lines[first:last]).strip("\n") + "\n````\n"


def test_the_docs_excerpts_are_generated() -> None:
    """docs/render.md shows output of `sibc render`, regenerated here (SIBDSL_UPDATE_DOCS=1 rewrites it)."""
    import os

    text = DOCS.read_text(encoding="utf-8")
    found = list(EXCERPT.finditer(text))
    assert len(found) >= 3
    def fresh(m: re.Match[str]) -> str:
        head = m.group(0)[:m.start("body") - m.start()]
        return head + _excerpt(m.group("file"), m.group("start"), m.group("end")) + "<!-- end render -->"

    wanted = EXCERPT.sub(fresh, text)
    if os.environ.get("SIBDSL_UPDATE_DOCS"):
        DOCS.write_text(wanted, encoding="utf-8")
        return
    assert wanted == text, "docs/render.md is not the output of sibc render: regenerate with SIBDSL_UPDATE_DOCS=1"


SCENARIOS = sorted((ROOT / "tests" / "scenarios").glob("*.scenario"))


def _scenario_contract(path: Path) -> Contract | None:
    match = re.search(r"== contract ==\n(.*?)\n== ", path.read_text(encoding="utf-8"), re.S)
    return compile_text(match.group(1), path.name).model if match else None


def test_every_scenario_contract_renders_with_its_whole_rate_card() -> None:
    """The rule book's contracts (tests/scenarios/) hold every shape of the language: each
    renders in all three formats, and its rate card has each outcome's title and prices."""
    rendered = 0
    for path in SCENARIOS:
        contract = _scenario_contract(path)
        if contract is None:
            continue
        doc = build_schedule(contract, time_limit=1.0)
        write_markdown(doc)
        write_html(doc)
        docx_bytes(doc)
        rows = {r[0]: r for r in _rate_card(doc).rows}
        for outcome in contract.outcomes:
            assert rows[outcome.name][1] == outcome.title, path.name
            assert all(_priced(contract, p, rows[outcome.name][2]) for p in listed_prices(outcome.tariff)
                       if outcome.tariff.kind != "per_unit"), (path.name, outcome.name)
        rendered += 1
    assert rendered >= 50


@pytest.mark.parametrize(("scenario", "payer", "words"), [
    ("95-thirds-split-per-invoice", "Payer A", "1/3 (about 33.33%) of each outcome payment"),
    ("98-shares-by-phase-start-up-years", "Council",
     "Of each outcome payment: 30% for outcomes achieved up to 31 March 2020, 70% for outcomes achieved after "
     "31 March 2020"),
    ("99-top-up-payer-some-outcomes", "Top-up fund", "30% of the payments for \u201cWellbeing improved\u201d"),
])
def test_shares_are_worded_as_the_contract_states_them(scenario: str, payer: str, words: str) -> None:
    contract = _scenario_contract(ROOT / "tests" / "scenarios" / f"{scenario}.scenario")
    assert contract is not None
    payers = next(t for t in build_schedule(contract, time_limit=1.0).tables() if t.caption == "Payers")
    assert next(r for r in payers.rows if r[0] == payer)[1] == words


def test_hostile_titles_are_escaped_in_every_format() -> None:
    """Titles are text, never markup: a title with HTML, a CSS string end, Markdown table and
    emphasis marks renders as the same characters in every format."""
    title = "Evil </style><script>alert(1)</script> 'q' | *b* _i_ & co"
    text = _gm_text().replace('contract "MHCLG Rough Sleeping SIB: Greater Manchester Entrenched Rough Sleepers"',
                              f'contract "{title}"', 1).replace(
        '"Entry into accommodation"', '"Entry <b>into</b> | accommodation"', 1)
    model = compile_text(text, "evil.sib").model
    assert model is not None and model.header.title == title
    doc = build_schedule(model)
    page = write_html(doc)
    assert "<script>" not in page and "<b>into</b>" not in page
    assert page.count("</style>") == 1
    parser = _Text()
    parser.feed(page)
    assert "Entry <b>into</b> | accommodation" in parser.cells
    md = write_markdown(doc)
    row = next(line for line in md.splitlines() if line.startswith("| accommodation\\_entry |"))
    assert row.count(" | ") == len(_rate_card(doc).header) - 1, "a | in a title does not split the row"
    import docx

    word = docx.Document(io.BytesIO(docx_bytes(doc)))
    assert word.core_properties.title == model.header.title
    card = next(t for t in word.tables if t.rows[0].cells[0].text == REF)
    assert card.rows[1].cells[1].text == "Entry <b>into</b> | accommodation"
