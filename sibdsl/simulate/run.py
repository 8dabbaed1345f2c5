"""Simulation (phase 6): many scenarios -> each one's settled figures.

Input: the compiled contract, checked `Assumptions`, the number of scenarios, a seed, and the
number of worker processes. Output: one `Scenario` per scenario, in scenario order: its
invoices per payer per period, the total, the period each cap first binds, the tranches
released and, where the contract invests, each investor class's account from
`run_waterfall`. Each scenario has its own random generator, seeded from (seed, its index),
so the results do not depend on the worker count or on the order in which workers finish.
Every claim is decided by the rules of docs/settlement.md: by settlement's fast path where the
contract is within its rules and the scenario has no cohort-level measurement
(`sibdsl.settlement.fast`, checked claim for claim against the reference engine in tests), else
by the reference engine (`sibdsl.settlement.engine.settle`); the figures are the same either way.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from sibdsl.core.money import ZERO, wide
from sibdsl.model.contract import Contract
from sibdsl.model.pastterm import last_day
from sibdsl.settlement.engine import Settlement, settle
from sibdsl.settlement.fast import Declined, FastPlan, fast_plan
from sibdsl.settlement.fast.columns import fits
from sibdsl.settlement.plan import Plan, make_plan
from sibdsl.settlement.records import Claim, Measurement, Reason, Request
from sibdsl.settlement.tranches import Release, participant_groups, release_tranches
from sibdsl.simulate.assumptions import Assumptions
from sibdsl.simulate.draw import Days, Ledger, calendar_for
from sibdsl.simulate.generate import generate, requests_for

CAP_REASONS = (Reason.CAP_REACHED, Reason.CAP_PARTIAL, Reason.PAYER_CAP_REACHED)


@dataclass
class InvestorRun:
    drawn: Decimal
    received: Decimal
    loss: Decimal
    multiple: Decimal | None
    irr: float | None
    flows: list[Decimal]  # per period: received - drawn


@dataclass
class Scenario:
    index: int
    claims: int
    paid: int
    invoices: dict[tuple[str, int], Decimal]
    total: Decimal
    binding: dict[str, int]  # cap key ("caps.1", "payers.0") -> the first period it binds
    releases: dict[str, tuple[int, Decimal]]  # tranche -> (period, amount released)
    investors: dict[str, InvestorRun] = field(default_factory=dict)


_TAG = 0x5_1B_D5_1  # sets sibdsl's scenario streams apart from any other use of the same seed


def scenario_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of one scenario: numpy's PCG64 seeded from (seed, its index) only, so a
    scenario's draws do not depend on the others, the worker count or the machine."""
    return np.random.default_rng([_TAG, seed, index])


def draw(contract: Contract, assumptions: Assumptions, seed: int, index: int, calendar: Days | None = None,
         plan: Plan | None = None) -> Drawn:
    """Scenario `index`'s ledgers: claims, measurements, requests (`calendar` and `plan`: made
    once per run and shared, or made here)."""
    rng = scenario_rng(seed, index)
    ledger, measurements = generate(contract, assumptions, rng, calendar, plan)
    return Drawn(ledger, measurements, requests_for(contract, assumptions, rng))


@dataclass
class Drawn:
    ledger: Ledger
    measurements: list[Measurement]
    requests: list[Request]

    @property
    def claims(self) -> list[Claim]:
        return self.ledger.claims()


def settle_scenario(contract: Contract, claims: list[Claim], measurements: list[Measurement],
                    requests: list[Request] | None = None, index: int = 0) -> tuple[Scenario, Settlement]:
    """Settle one scenario's ledger and gather its figures (exact Decimals)."""
    with decimal.localcontext(wide()):
        result = settle(contract, claims, measurements)
        plan = result.plan
        binding: dict[str, int] = {}
        for d in result.decisions:
            if d.reason in CAP_REASONS and d.root_cause is not None:
                key = d.root_cause
                if key not in binding or d.period < binding[key]:
                    binding[key] = d.period
        releases = release_tranches(contract, result.decisions, requests or [], last_day(contract.header),
                                    participant_groups(result.figures.participants))
        released = released_by_tranche(plan, releases)
        scenario = Scenario(index, len(claims) + len(measurements), sum(d.amount > 0 for d in result.decisions),
                            dict(result.invoices), sum(result.invoices.values(), ZERO), binding, released)
        if contract.invests:
            from sibdsl.settlement.waterfall import run_waterfall

            _investors(scenario, run_waterfall(contract, result, releases, None))
    return scenario, result


def settle_scenario_fast(contract: Contract, fast: FastPlan, drawn: Drawn, index: int = 0) -> Scenario:
    """`settle_scenario` through settlement's fast path (no measurements): the same figures."""
    from sibdsl.simulate.fastpath import paid_decisions, settle_ledger

    conditional = any(t.conditions and not t.discretionary for t in contract.tranches)
    figures = settle_ledger(fast, drawn.ledger, conditional)
    plan = fast.plan
    with decimal.localcontext(wide()):
        paid = paid_decisions(figures) if conditional else []
        releases = release_tranches(contract, paid, drawn.requests, last_day(contract.header),
                                    figures.settled.participants() if conditional else None)
        released = released_by_tranche(plan, releases)
        scenario = Scenario(index, len(drawn.ledger), figures.paid, figures.invoices, figures.total, figures.binding,
                            released)
        if contract.invests:
            from sibdsl.settlement.state import Figures
            from sibdsl.settlement.waterfall import run_waterfall

            result = Settlement(plan, paid, Figures(), figures.invoices)
            _investors(scenario, run_waterfall(contract, result, releases, None))
    return scenario


def released_by_tranche(plan: Plan, releases: list[Release]) -> dict[str, tuple[int, Decimal]]:
    """tranche -> (the first period it is released in, the amount released): a discretionary
    tranche drawn by several requests counts from its first period, for the sum."""
    released: dict[str, tuple[int, Decimal]] = {}
    for r in releases:
        if r.day is not None and r.status in ("released", "released in part"):
            period, amount = released.get(r.tranche, (plan.period_of(r.day), ZERO))
            released[r.tranche] = (min(period, plan.period_of(r.day)), amount + r.amount)
    return released


def _investors(scenario: Scenario, wf: Any) -> None:
    for name, acc in wf.accounts.items():
        flows = []
        for p in wf.periods:
            f = p.investors.get(name)
            flows.append(ZERO if f is None else f.interest + f.principal + f.performance + f.surplus + f.guarantee - f.drawn)
        scenario.investors[name] = InvestorRun(acc.drawn, acc.received, acc.loss, wf.multiple(name), wf.irr(name), flows)


class Simulator:
    """What every scenario of one run shares: the contract, the assumptions, the seed, and the
    contract arranged for settlement's fast path (or why it is not: `declined`)."""

    def __init__(self, contract: Contract, assumptions: Assumptions, seed: int, fast: bool = True) -> None:
        self.contract, self.assumptions, self.seed = contract, assumptions, seed
        self.plan = make_plan(contract)
        self.calendar = calendar_for(contract, self.plan)
        self.fast: FastPlan | None = None
        self.declined = "the fast path is turned off" if not fast else ""
        if fast:
            found = fast_plan(contract)
            if isinstance(found, Declined):
                self.declined = found.why
            else:
                self.fast = found

    def one(self, index: int) -> Scenario:
        drawn = draw(self.contract, self.assumptions, self.seed, index, self.calendar, self.plan)
        if self.fast is not None and not drawn.measurements and fits(self.fast, len(drawn.ledger)):
            return settle_scenario_fast(self.contract, self.fast, drawn, index)
        return settle_scenario(self.contract, drawn.claims, drawn.measurements, drawn.requests, index)[0]


def one(contract: Contract, assumptions: Assumptions, seed: int, index: int, fast: bool = True) -> Scenario:
    return Simulator(contract, assumptions, seed, fast).one(index)


_WORKER: Simulator | None = None


def _init(contract: Contract, assumptions: Assumptions, seed: int, fast: bool) -> None:
    global _WORKER
    _WORKER = Simulator(contract, assumptions, seed, fast)


def _work(index: int) -> Scenario:
    assert _WORKER is not None
    return _WORKER.one(index)


def simulate(contract: Contract, assumptions: Assumptions, scenarios: int, seed: int, workers: int = 1,
             progress: Callable[[int], None] | None = None, fast: bool = True) -> list[Scenario]:
    """Every scenario, in index order; `progress(n)` after each one finishes. `fast`: settle
    through the fast path where the contract allows (False: the reference engine throughout)."""
    if workers <= 1 or scenarios < 2:
        out = []
        simulator = Simulator(contract, assumptions, seed, fast)
        for i in range(scenarios):
            out.append(simulator.one(i))
            if progress is not None:
                progress(1)
        return out
    import multiprocessing

    ctx = multiprocessing.get_context("spawn" if not hasattr(multiprocessing, "get_all_start_methods")
                                      or "fork" not in multiprocessing.get_all_start_methods() else "fork")
    results: list[Scenario] = []
    with ctx.Pool(workers, initializer=_init, initargs=(contract, assumptions, seed, fast)) as pool:
        for s in pool.imap(_work, range(scenarios), chunksize=max(1, min(20, scenarios // (workers * 8) or 1))):
            results.append(s)
            if progress is not None:
                progress(1)
    return results
