"""The typed catalogue (issue 9, item 6): codes as a `Literal`, sorted and in documented bands;
every settlement reason catalogued with the rule-book sections it comes from; `sibc explain`
for codes and reasons (`sibdsl.emit.explain`)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import get_args

import pytest
from click.testing import CliRunner

import sibdsl.core.codes as codes
from sibdsl.cli.main import cli
from sibdsl.core.codes import (
    BANDS,
    CATALOGUE,
    CODES,
    REASON_CODES,
    REASONS,
    Code,
    Phase,
    ReasonCode,
    RuleRef,
    StatusName,
    sub_band_of,
)
from sibdsl.emit.catalogue import catalogue_markdown
from sibdsl.emit.explain import explain, listing
from sibdsl.settlement.output import REASON_WORDS
from sibdsl.settlement.records import Reason, Status

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "sibdsl"
RULE_BOOK = ROOT / "docs" / "settlement.md"


# ------------------------------------------------------------------ codes


def test_code_literal_is_the_catalogue() -> None:
    assert list(get_args(Code)) == list(CODES) == list(CATALOGUE)
    assert len(set(CODES)) == len(CODES)
    assert all(key == entry.code for key, entry in CATALOGUE.items())


def test_catalogue_is_sorted_by_code() -> None:
    assert list(CATALOGUE) == sorted(CATALOGUE)
    assert all(re.fullmatch(r"SIB\d{3}", code) for code in CATALOGUE)


def _source_files() -> list[Path]:
    return [p for p in sorted(SOURCE.rglob("*.py")) if p != SOURCE / "core" / "codes.py"]


def test_every_code_in_the_source_is_catalogued() -> None:
    """Every `sink.add("SIBnnn", ...)`, and every code named anywhere else in sibdsl/ (a
    `Diagnostic(...)`, a docstring, a hint), is in the catalogue; and no catalogued code is dead."""
    added: set[str] = set()
    named: set[str] = set()
    for path in _source_files():
        text = path.read_text(encoding="utf-8")
        added |= set(re.findall(r"\.add\(\s*[\"'](SIB\d+)[\"']", text))
        named |= set(re.findall(r"\bSIB\d+\b", text))
    assert len(added) > 50, "the grep no longer finds the sink.add calls"
    assert added <= named
    assert not added - set(CATALOGUE), f"added but not catalogued: {sorted(added - set(CATALOGUE))}"
    assert not named - set(CATALOGUE), f"named but not catalogued: {sorted(named - set(CATALOGUE))}"
    assert not set(CATALOGUE) - named, f"catalogued but never used: {sorted(set(CATALOGUE) - named)}"


def test_severity_property_is_typed() -> None:
    from sibdsl.core.diagnostics import Severity

    assert CATALOGUE["SIB720"].severity is Severity.NOTE
    assert CATALOGUE["SIB101"].severity is Severity.ERROR
    assert "type: ignore" not in (SOURCE / "core" / "codes.py").read_text(encoding="utf-8")


# ------------------------------------------------------------------ bands


def test_bands_cover_every_code_once_and_name_its_phase() -> None:
    parts = [(band, part) for band in BANDS for part in band.parts]
    for band, part in parts:
        assert band.digit * 100 <= part.first <= part.last <= band.digit * 100 + 99, part
    ordered = sorted(part.first for _, part in parts)
    assert ordered == [part.first for _, part in parts], "bands and sub-bands in code order"
    for (_, a), (_, b) in itertools.pairwise(parts):
        assert a.last < b.first, f"{a.span} overlaps {b.span}"
    assert {part.phase for _, part in parts} == set(get_args(Phase))
    for code, entry in CATALOGUE.items():
        part = sub_band_of(code)
        assert part is not None, f"{code} is in no band"
        assert part.phase == entry.phase, f"{code} is a {entry.phase} code in the {part.phase} sub-band"


def test_the_7xx_band_keeps_its_sub_bands() -> None:
    seven = next(band for band in BANDS if band.digit == 7)
    assert [(p.span, p.phase) for p in seven.parts] == [
        ("SIB700-SIB709", "ledger"), ("SIB710-SIB719", "search"), ("SIB720-SIB729", "analysis"),
        ("SIB740-SIB749", "exchange"), ("SIB750-SIB759", "simulation")]
    assert {c for c in CATALOGUE if c.startswith("SIB7")} == {
        "SIB701", "SIB702", "SIB703", "SIB704", "SIB705", "SIB706", "SIB707", "SIB710", "SIB711",
        "SIB720", "SIB722", "SIB723",
        "SIB740", "SIB741", "SIB742", "SIB743", "SIB744", "SIB745", "SIB746",
        "SIB750", "SIB751", "SIB752"}  # never renumbered: CI configurations name them


def test_every_band_is_documented() -> None:
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    docstring = codes.__doc__ or ""
    for band in BANDS:
        assert f"{band.name} " in docstring and f"## {band.name}: {band.title}" in doc, band.name
        for part in band.parts:
            assert part.span in docstring, part.span
            assert f"| {part.span} | {part.phase} | {part.covers} |" in doc, part.span
    for sub in ("SIB700-SIB709 ledger", "SIB710-SIB719 search", "SIB720-SIB729 analysis"):
        assert sub in docstring


def test_doc_lists_codes_under_their_band() -> None:
    doc = catalogue_markdown()
    for band in BANDS:
        here = doc.index(f"## {band.name}: ")
        for code in CATALOGUE:
            if code[3] == str(band.digit):
                assert doc.index(f"### {code}: ") > here
    assert doc.index("### SIB414: ") < doc.index("### SIB417: ")
    assert doc.index("### SIB722: ") < doc.index("### SIB723: ")


# ------------------------------------------------------------------ settlement reasons


def test_every_reason_is_catalogued() -> None:
    values = [r.value for r in Reason]
    assert set(get_args(ReasonCode)) == set(values) == set(REASONS) == set(REASON_CODES)
    assert list(REASONS) == sorted(REASONS)
    assert all(key == entry.reason for key, entry in REASONS.items())
    assert not set(REASONS) & {c.lower() for c in CATALOGUE}


def test_reason_titles_are_the_summary_words_and_statuses_are_right() -> None:
    assert set(get_args(StatusName)) == {s.value for s in Status}
    for reason in Reason:
        entry = REASONS[reason.value]
        assert entry.title == REASON_WORDS[reason], reason
        expected = {"paid": "paid", "band_pays_nothing": "paid", "cap_partial": "paid in part",
                    "reset": "recorded",  # reset rows (issue 10.1)
                    "reset_unknown_participant": "recorded", "reset_all_paid": "ignored",
                    "reset_before_entry": "ignored"}.get(reason.value, "rejected")
        assert entry.status == expected, reason
        assert len(entry.explanation) > 60 and entry.rule_book, reason


def _sections(text: str) -> dict[str, str]:
    """Heading text -> the text under it up to the next heading of any level."""
    found: dict[str, str] = {}
    heading = None
    for line in text.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            found[heading] = ""
        elif heading is not None:
            found[heading] += line + "\n"
    return found


def _step(section: str, number: int) -> str:
    """The text of numbered item `number` of a section's list, up to the next item."""
    items = re.split(r"^(?=\d+\. )", section, flags=re.M)
    return next(item for item in items if item.startswith(f"{number}. "))


def test_rule_book_anchors_are_those_the_rule_book_links() -> None:
    text = RULE_BOOK.read_text(encoding="utf-8")
    anchors = {RuleRef(heading).anchor for heading in _sections(text)}
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert len(links) >= 6 and links <= anchors, sorted(links - anchors)


def test_every_reason_cites_a_section_that_decides_it() -> None:
    sections = _sections(RULE_BOOK.read_text(encoding="utf-8"))
    for entry in REASONS.values():
        for ref in entry.rule_book:
            assert ref.heading in sections, f"{entry.reason}: no section {ref.heading!r} in docs/settlement.md"
            where = sections[ref.heading] if ref.step is None else _step(sections[ref.heading], ref.step)
            assert f"`{entry.reason}`" in where, f"{entry.reason} is not decided in {ref.words}"


def test_doc_has_every_reason_with_its_rule_book_links() -> None:
    doc = catalogue_markdown()
    reasons = doc[doc.index("## Settlement reasons"):]
    for entry in REASONS.values():
        assert f"### {entry.reason}: {entry.title} ({entry.status})" in reasons
        for ref in entry.rule_book:
            assert f"(settlement.md#{ref.anchor})" in reasons


# ------------------------------------------------------------------ sibc explain


@pytest.mark.parametrize("key", ["SIB101", "sib101", "101", "0101", " SIB-101 ", "sib 101"])
def test_explain_code_spellings(key: str) -> None:
    result = explain(key)
    assert result.found
    assert result.text.startswith("SIB101: unknown name (error, names phase)\n\n")
    assert "\nExample:\n\n    outcome housed_3m" in result.text


def test_explain_codes_as_the_cli_prints_them() -> None:
    runner = CliRunner()
    for code in ("SIB101", "SIB015", "SIB720"):  # with an example, without, a note
        printed = runner.invoke(cli, ["explain", code.lower()])
        assert printed.exit_code == 0
        assert printed.output == explain(code).text + "\n"


@pytest.mark.parametrize("reason", [r.value for r in Reason])
def test_explain_every_reason_in_every_spelling(reason: str) -> None:
    entry = REASONS[reason]
    for key in (reason, reason.upper(), reason.replace("_", "-"), reason.replace("_", " ").title(),
                f"  {reason.replace('_', ' ')} ", entry.title):
        result = explain(key)
        assert result.found, key
        lines = result.text.splitlines()
        assert lines[0] == f"{reason}: {entry.title} (settlement reason, {entry.status})"
        assert entry.explanation in lines
        assert lines[-1].startswith("Rule book: docs/settlement.md, ")
        for ref in entry.rule_book:
            assert ref.words in lines[-1]


def test_explain_cap_reached_cites_its_step() -> None:
    text = explain("cap-reached").text
    assert 'Rule book: docs/settlement.md, "Deciding one claim", step 5; "Which cap decides' in text
    assert explain("paid in part").text.startswith("cap_partial: ")


@pytest.mark.parametrize(("key", "suggested"), [
    ("cap_reachd", "cap_reached"), ("payer cap", "payer_cap_reached"), ("prerequisite too son", "prerequisite_too_soon"),
    ("SIB1011", "SIB101"), ("SIB4011", "SIB401")])
def test_explain_unknown_suggests(key: str, suggested: str) -> None:
    result = explain(key)
    assert not result.found
    assert suggested in result.suggestions
    assert result.text.startswith(f"unknown code or settlement reason {key!r}; did you mean ")


@pytest.mark.parametrize("key", ["", "   ", "zzzz", "²", "9" * 5000, "x" * 100_000, "SIB\x00101"])
def test_explain_odd_keys_never_crash(key: str) -> None:
    result = explain(key)
    assert not result.found
    assert len(result.text) < 200 and "unknown code or settlement reason" in result.text


def test_listing_has_every_code_then_every_reason() -> None:
    lines = listing()
    assert lines[:len(CATALOGUE)] == [f"{e.code}  {e.severity_name:<7}  {e.phase:<11} {e.title}"
                                      for e in CATALOGUE.values()]
    rest = lines[len(CATALOGUE):]
    assert [line.split()[0] for line in rest[2:]] == list(REASONS)
    assert all(REASONS[line.split()[0]].title in line for line in rest[2:])


def test_reasons_of_measurements_are_those_the_catalogue_says() -> None:
    """Every reason a cohort-level result gets in the scenario files is one the catalogue says
    decides measurements; every reason a claim gets is catalogued."""
    from tests.scenario_runner import settle_scenario

    seen_claims: set[str] = set()
    seen_results: set[str] = set()
    for path in sorted((ROOT / "tests" / "scenarios").glob("*.scenario")):
        for decision in settle_scenario(path).result.decisions:
            (seen_results if decision.cohort_level else seen_claims).add(decision.reason.value)
    assert seen_results and seen_claims
    assert seen_claims <= set(REASONS)
    measured = {r for r, e in REASONS.items() if e.decides in ("claims and measurements", "measurements")}
    assert seen_results <= measured, sorted(seen_results - measured)
