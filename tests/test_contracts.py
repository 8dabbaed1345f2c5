"""Every contract in contracts/ compiles with no errors and no warnings, and round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from sibdsl.compiler import compile_file
from sibdsl.model.contract import Contract

CONTRACTS = sorted((Path(__file__).resolve().parents[1] / "contracts").glob("*.sib"))


def test_there_are_at_least_five_contracts() -> None:
    assert len(CONTRACTS) >= 5


@pytest.mark.parametrize("path", CONTRACTS, ids=[p.stem for p in CONTRACTS])
def test_contract_checks_clean(path: Path) -> None:
    result = compile_file(path)
    problems = [f"{d.code} {d.span.line}:{d.span.column} {d.message}" for d in result.diagnostics]
    assert problems == []
    assert result.model is not None
    assert Contract.model_validate_json(result.model.model_dump_json()) == result.model


@pytest.mark.parametrize("path", CONTRACTS, ids=[p.stem for p in CONTRACTS])
def test_contract_cites_its_source(path: Path) -> None:
    head = path.read_text(encoding="utf-8")[:3000].lower()
    assert "source" in head


def test_readme_tour_contract_checks_clean() -> None:
    from sibdsl.compiler import compile_text

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sib\n", 1)[1].split("```", 1)[0]
    result = compile_text(block, "tour.sib")
    assert [f"{d.code} {d.message}" for d in result.diagnostics] == []
