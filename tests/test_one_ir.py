"""One IR (issue 9, item 2): the resolver builds the validated model itself, with the spans in a
table beside it, and the checks run on the model."""

from __future__ import annotations

from decimal import Decimal

from sibdsl.compiler import compile_text
from sibdsl.model.contract import Contract
from sibdsl.model.spans import FIRST_LINE, SpanTable

HEAD = """contract "One IR" version 1
currency GBP
term 2020-01-01 to 2021-12-31
"""


def test_wrong_shares_do_not_hide_the_structural_checks() -> None:
    """SIB408 is found while the resolver settles the shares, before the model exists; the
    checks (a prerequisite cycle, a tranche without an investor) still run and report."""
    result = compile_text(HEAD + """payer council "Council" pays 60%
payer fund "Fund" pays 30%
payer other "Other"
outcome a "A" pays GBP 500 after b
outcome b "B" pays GBP 500 after a
tranche t GBP 10 on 2020-02-01
""")
    assert [d.code for d in result.diagnostics] == ["SIB408", "SIB404", "SIB505"]
    assert result.model is None


def test_the_resolver_settles_what_the_checks_used_to_fill_in() -> None:
    """A lone payer pays 100%, `cap payer` lowers that payer's cap, a lone investor funds every
    tranche: all in the frozen model the compile returns."""
    result = compile_text(HEAD + """payer council "Council" at most GBP 5,000
investor fund "Fund" commits GBP 100
outcome a "A" pays GBP 500
cap payer council GBP 3,000
tranche t GBP 10 on 2020-02-01
""")
    assert result.ok, result.diagnostics
    model = result.model
    assert isinstance(model, Contract)
    assert model.payers[0].share == Decimal(100)
    assert model.payers[0].cap == Decimal(3000)
    assert model.tranches[0].investor == "fund"


def test_spans_live_beside_the_model_by_model_path() -> None:
    result = compile_text(HEAD + """payer council "Council" pays 100%
outcome a "A" pays GBP 500
outcome b "B" pays tiered GBP 10 for outcomes 1 to 5, GBP 5 from outcome 6 onwards
  after a at least 3 months
""")
    assert result.model is not None
    spans = result.spans
    assert isinstance(spans, SpanTable)
    assert (spans.of("outcomes", 1).line, spans.of("outcomes", 1).column) == (6, 9)
    band = spans.of("outcomes", 1, "tariff", "bands", 1)
    assert band.line == 6 and band.column > spans.of("outcomes", 1, "tariff").column
    assert spans.of("outcomes", 1, "prerequisites", 0, "at_least").line == 7
    # a path with no span of its own falls back to its nearest ancestor's
    assert spans.of("outcomes", 1, "tariff", "bands", 1, "price") == band
    assert SpanTable().of("caps", 0) == FIRST_LINE
