"""Scenario tests a lawyer can read: tests/scenarios/*.scenario (format: scenario_runner.py).

Each scenario's expected decisions and totals were worked out by hand from the contract's
rules; the engine must agree with every line.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sibdsl.compiler import compile_text
from sibdsl.settlement.engine import settle
from sibdsl.settlement.ledger import parse_ledger
from sibdsl.settlement.records import Reason, Status
from sibdsl.settlement.tranches import participant_groups, release_tranches
from tests.scenario_runner import load

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.scenario"))
STATUS = {"paid": Status.PAID, "part": Status.PARTIAL, "rejected": Status.REJECTED,
          "recorded": Status.RECORDED, "ignored": Status.IGNORED}  # the last two: reset rows (issue 10.1)


def run(path: Path):  # type: ignore[no-untyped-def]
    scenario = load(path)
    compiled = compile_text(scenario.text("contract"), f"{path.name}#contract")
    assert compiled.model is not None, [f"{d.code} {d.span.line} {d.message}" for d in compiled.diagnostics]
    contract = compiled.model
    claims = parse_ledger(scenario.text("claims"), "claims.csv", "claims", contract)
    assert not claims.sink.items, [d.message for d in claims.sink.items]
    measurements = parse_ledger(scenario.text("measurements"), "m.csv", "measurements", contract) \
        if "measurements" in scenario.sections else None
    requests = parse_ledger(scenario.text("requests"), "r.csv", "requests", contract) \
        if "requests" in scenario.sections else None
    result = settle(contract, claims.records, measurements.records if measurements else ())
    releases = release_tranches(contract, result.decisions, requests.records if requests else [], None,
                                participant_groups(result.figures.participants))
    return scenario, result, releases


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario, result, releases = run(path)
    decisions = result.in_file_order()  # the decisions on claims, with the reset rows among them
    decided = {(d.claim_id, d.participant): d for d in decisions}
    by_id: dict[str, list] = {}
    for d in decisions:
        by_id.setdefault(d.claim_id, []).append(d)
    expected_lines = scenario.lines("decisions")
    assert len(expected_lines) == len(decisions), "every claim must have an expected decision"
    seen: dict[str, int] = {}
    for line in expected_lines:
        claim_id, status, amount, reason = line.split()[:4]
        n = seen.get(claim_id, 0)
        seen[claim_id] = n + 1
        decision = by_id[claim_id][n]
        where = f"{path.name}: claim {claim_id}"
        assert decision.status is STATUS[status], f"{where}: {decision.status.value} ({decision.detail})"
        assert decision.amount == Decimal(amount), f"{where}: amount {decision.amount} ({decision.detail})"
        assert decision.reason is Reason(reason), f"{where}: reason {decision.reason.value} ({decision.detail})"
        assert sum(decision.shares.values(), Decimal(0)) == decision.amount
    _ = decided
    for line in scenario.lines("totals"):
        parts = line.split()
        if parts[0] == "total":
            assert result.figures.total_money == Decimal(parts[1]), f"{path.name}: total"
        elif parts[0] == "payer":
            assert result.figures.payer_money[parts[1]] == Decimal(parts[2]), f"{path.name}: payer {parts[1]}"
        elif parts[0] == "invoice":
            got = result.invoices.get((parts[1], int(parts[2]) - 1), Decimal(0))
            assert got == Decimal(parts[3]), f"{path.name}: invoice {parts[1]} P{parts[2]}"
        else:
            raise AssertionError(f"unknown totals line {line!r}")
    for line in scenario.lines("tranches"):
        name, status, *rest = line.split()
        status = status.replace("_", " ")
        release = next((r for r in releases if r.tranche == name and r.status == status), None)
        assert release is not None, f"{path.name}: tranche {name} {status}; got {[(r.tranche, r.status) for r in releases]}"
        if rest:
            assert str(release.day) == rest[0], f"{path.name}: tranche {name} date"
        if len(rest) > 1:
            assert release.amount == Decimal(rest[1]), f"{path.name}: tranche {name} amount"


def test_at_least_thirty_scenarios_cover_every_reason() -> None:
    assert len(SCENARIOS) >= 30
    reasons = set()
    for path in SCENARIOS:
        for line in load(path).lines("decisions"):
            reasons.add(line.split()[3])
    missing = {r.value for r in Reason} - reasons
    assert not missing, f"reasons no scenario shows: {sorted(missing)}"
