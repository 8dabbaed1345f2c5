"""Golden corpus: each tests/golden/*.sib beside the diagnostics it must produce.

Re-record after a deliberate change with `python -m pytest tests/test_golden.py --update-golden`
and review the diff of the .expected files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sibdsl.compiler import compile_file
from sibdsl.core.codes import CATALOGUE
from sibdsl.emit.human import render, summary

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.sib"))

# Codes that no .sib file in the corpus can trigger, and where each is tested instead.
NOT_IN_CORPUS = {
    "SIB001": "a missing file: tests/test_cli.py",
    "SIB003": "a file over the size limit: tests/test_cli.py",
    "SIB900": "the model's second line of defence: tests/test_model.py",
    "SIB999": "internal errors: tests/test_cli.py",
    "SIB701": "ledger files: tests/test_settle_cli.py",
    "SIB702": "ledger files: tests/test_settle_cli.py",
    "SIB703": "ledger files: tests/test_settle_cli.py",
    "SIB704": "ledger files: tests/test_settle_cli.py",
    "SIB705": "ledger files: tests/test_settle_cli.py",
    "SIB706": "ledger files: tests/test_settle_cli.py",
    "SIB707": "ledger files: tests/test_settle_cli.py",
    "SIB710": "a broken settlement guarantee: tests/test_search.py",
    "SIB711": "a refuted assertion: tests/test_search.py, tests/test_analysis.py",
    "SIB720": "an assertion proven by the analysis: tests/test_analysis.py",
    "SIB722": "an assertion left to the search: tests/test_analysis.py",
    "SIB723": "a tranche that can never be released: tests/test_analysis.py",
    "SIB750": "an assumptions file that is not TOML: tests/test_simulate.py",
    "SIB751": "an unknown name in the assumptions: tests/test_simulate.py",
    "SIB752": "an assumption that cannot be used: tests/test_simulate.py",
}


def rendered(path: Path) -> str:
    result = compile_file(path)
    out = []
    for d in result.diagnostics:
        out.append(render(d.__class__(d.code, d.severity, d.message, path.name, d.span, d.hint, d.labels),
                          result.source))
    errors = sum(d.severity.value == "error" for d in result.diagnostics)
    warnings = sum(d.severity.value == "warning" for d in result.diagnostics)
    out.append(summary(errors, warnings, 1))
    return "\n\n".join(out) + "\n"


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden(case: Path, update_golden: bool) -> None:
    expected_path = case.with_suffix(".expected")
    actual = rendered(case)
    if update_golden or not expected_path.exists():
        expected_path.write_text(actual, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"recorded new expected output {expected_path.name}; review it and rerun")
    assert actual == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case_name_matches_a_reported_code(case: Path) -> None:
    code = case.stem.split("-")[0]
    codes = {d.code for d in compile_file(case).diagnostics}
    assert code in codes, f"{case.name} is named for {code} but produced {sorted(codes)}"


def test_every_code_has_a_golden_case() -> None:
    covered = set()
    for expected in GOLDEN.glob("*.expected"):
        covered |= set(re.findall(r"\[(SIB\d{3})\]", expected.read_text(encoding="utf-8")))
    missing = set(CATALOGUE) - covered - set(NOT_IN_CORPUS)
    assert not missing, f"codes without a golden case: {sorted(missing)}"


def test_diagnostics_doc_is_up_to_date() -> None:
    from sibdsl.emit.catalogue import catalogue_markdown

    doc = Path(__file__).resolve().parents[1] / "docs" / "diagnostics.md"
    assert doc.read_text(encoding="utf-8") == catalogue_markdown(), \
        "regenerate: python -m sibdsl.emit.catalogue > docs/diagnostics.md"
