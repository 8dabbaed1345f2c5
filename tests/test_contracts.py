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


def test_fair_chance_fund_tenancy_lost_restarts_sustainment() -> None:
    """A lost tenancy (a `tenancy_lost` row) restarts the sustainment clocks: the 6-month step,
    due 3 months after the 3-month step, now waits 3 months from the new tenancy; move_in and
    the 3-month step are not paid again."""
    from datetime import date, timedelta

    from sibdsl.core.calendar import add_duration
    from sibdsl.model.contract import Duration
    from sibdsl.settlement.engine import settle
    from sibdsl.settlement.records import Claim, Status

    path = next(p for p in CONTRACTS if p.stem == "fair-chance-fund")
    contract = compile_file(path).model
    assert contract is not None
    cohort = contract.cohorts[0]
    start = cohort.referral_start or contract.header.term_start

    def at(months: int, days: int = 0) -> date:
        return add_duration(start, Duration(amount=months, unit="months")) + timedelta(days=days)

    def claim(n: int, outcome: str, day: date) -> Claim:
        return Claim(f"k{n}", "p1", outcome, day, evidence="e", cohort=cohort.name, start=start)

    ledger = [claim(1, "move_in", at(0)), claim(2, "housed_3m", at(3)),
              claim(3, "tenancy_lost", at(4)),       # the next tenancy starts a month later
              claim(4, "housed_6m", at(6)),           # 3 months after housed_3m, 2 after the reset: too soon
              claim(5, "move_in", at(4, 1)),          # not paid again
              claim(6, "housed_6m", at(7))]           # 3 months after the new tenancy: paid
    decided = {d.claim_id: d for d in settle(contract, ledger).decisions}
    assert [decided[k].status for k in ("k1", "k2", "k4", "k5", "k6")] == [
        Status.PAID, Status.PAID, Status.REJECTED, Status.REJECTED, Status.PAID]
    assert decided["k4"].reason.value == "prerequisite_too_soon"
    assert decided["k5"].reason.value == "repeat_limit"
