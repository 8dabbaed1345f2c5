"""The version history (docs/language.md 3.1, "supersedes and amendment"): what the model keeps."""

from __future__ import annotations

from datetime import date

from sibdsl.compiler import compile_text

BODY = """currency GBP
term 2017-01-01 to 2020-12-31
payer p "Council" pays 100%
outcome a "Housed" pays GBP 10
"""


def test_history_is_kept_in_the_header_oldest_first() -> None:
    result = compile_text('contract "X" version 1.2\nsupersedes version 1.1\n'
                          'amendment 1.1 on 2018-01-01 "Volunteering added" clause "Variation 1"\n'
                          'amendment "1.2" on 2019-01-01 "Cap raised"\n' + BODY)
    assert not result.diagnostics
    assert result.model is not None
    header = result.model.header
    assert header.version == "1.2" and header.supersedes == "1.1"
    assert [(a.version, a.day, a.summary, a.clause) for a in header.amendments] == [
        ("1.1", date(2018, 1, 1), "Volunteering added", "Variation 1"), ("1.2", date(2019, 1, 1), "Cap raised", None)]


def test_no_history_is_the_default() -> None:
    result = compile_text('contract "X" version 1\n' + BODY)
    assert result.model is not None
    assert result.model.header.supersedes is None and result.model.header.amendments == ()


def test_amendments_on_the_same_day_are_in_order() -> None:
    result = compile_text('contract "X" version 3\namendment 2 on 2018-01-01 "A"\namendment 3 on 2018-01-01 "B"\n'
                          + BODY)
    assert not result.diagnostics and result.model is not None
    assert len(result.model.header.amendments) == 2


def test_supersedes_twice_is_a_repeated_header_item() -> None:
    result = compile_text('contract "X" version 3\nsupersedes version 2\nsupersedes version 1\n' + BODY)
    assert [d.code for d in result.diagnostics] == ["SIB104"]
