"""Simulation (phase 6): many scenarios -> each one's settled figures.

Input: the compiled contract, checked `Assumptions`, the number of scenarios, a seed, and the
number of worker processes. Output: one `Scenario` per scenario, in scenario order: its
invoices per payer per period, the total, the period each cap first binds, the tranches
released and, where the contract invests, each investor class's account from
`run_waterfall`. Each scenario has its own random generator, seeded from (seed, its index),
so the results do not depend on the worker count or on the order in which workers finish.
Every claim is decided by the real engine (`sibdsl.settlement.engine.settle`).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random

from sibdsl.core.money import ZERO, wide
from sibdsl.model.contract import Contract
from sibdsl.model.pastterm import last_day
from sibdsl.settlement.engine import Settlement, settle
from sibdsl.settlement.records import Claim, Measurement, Reason, Request
from sibdsl.settlement.tranches import participant_groups, release_tranches
from sibdsl.simulate.assumptions import Assumptions
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


def scenario_rng(seed: int, index: int) -> Random:
    """The generator of one scenario: from the seed and its index only (a text seed is hashed
    with SHA-512 by `random`, the same on every machine and run)."""
    return Random(f"sibdsl-simulate:{seed}:{index}")


def draw(contract: Contract, assumptions: Assumptions, seed: int, index: int) -> Drawn:
    """Scenario `index`'s ledgers: claims, measurements, requests."""
    rng = scenario_rng(seed, index)
    claims, measurements = generate(contract, assumptions, rng)
    return Drawn(claims, measurements, requests_for(contract, assumptions, rng))


@dataclass
class Drawn:
    claims: list[Claim]
    measurements: list[Measurement]
    requests: list[Request]


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
        released: dict[str, tuple[int, Decimal]] = {}
        for r in releases:  # a discretionary tranche drawn by several requests: the first period, the sum
            if r.day is not None and r.status in ("released", "released in part"):
                period, amount = released.get(r.tranche, (plan.period_of(r.day), ZERO))
                released[r.tranche] = (min(period, plan.period_of(r.day)), amount + r.amount)
        scenario = Scenario(index, len(claims) + len(measurements), sum(d.amount > 0 for d in result.decisions),
                            dict(result.invoices), sum(result.invoices.values(), ZERO), binding, released)
        if contract.invests:
            from sibdsl.settlement.waterfall import run_waterfall

            wf = run_waterfall(contract, result, releases, None)
            for name, acc in wf.accounts.items():
                flows = []
                for p in wf.periods:
                    f = p.investors.get(name)
                    flows.append(ZERO if f is None else
                                 f.interest + f.principal + f.performance + f.surplus + f.guarantee - f.drawn)
                scenario.investors[name] = InvestorRun(acc.drawn, acc.received, acc.loss, wf.multiple(name),
                                                       wf.irr(name), flows)
    return scenario, result


def one(contract: Contract, assumptions: Assumptions, seed: int, index: int) -> Scenario:
    drawn = draw(contract, assumptions, seed, index)
    return settle_scenario(contract, drawn.claims, drawn.measurements, drawn.requests, index)[0]


_WORKER: tuple[Contract, Assumptions, int] | None = None


def _init(contract: Contract, assumptions: Assumptions, seed: int) -> None:
    global _WORKER
    _WORKER = (contract, assumptions, seed)


def _work(index: int) -> Scenario:
    assert _WORKER is not None
    contract, assumptions, seed = _WORKER
    return one(contract, assumptions, seed, index)


def simulate(contract: Contract, assumptions: Assumptions, scenarios: int, seed: int, workers: int = 1,
             progress: Callable[[int], None] | None = None) -> list[Scenario]:
    """Every scenario, in index order; `progress(n)` after each one finishes."""
    if workers <= 1 or scenarios < 2:
        out = []
        for i in range(scenarios):
            out.append(one(contract, assumptions, seed, i))
            if progress is not None:
                progress(1)
        return out
    import multiprocessing

    ctx = multiprocessing.get_context("spawn" if not hasattr(multiprocessing, "get_all_start_methods")
                                      or "fork" not in multiprocessing.get_all_start_methods() else "fork")
    results: list[Scenario] = []
    with ctx.Pool(workers, initializer=_init, initargs=(contract, assumptions, seed)) as pool:
        for s in pool.imap(_work, range(scenarios), chunksize=max(1, min(20, scenarios // (workers * 8) or 1))):
            results.append(s)
            if progress is not None:
                progress(1)
    return results
