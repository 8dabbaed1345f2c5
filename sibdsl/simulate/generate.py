"""Simulation (phase 6): one scenario's assumptions draw -> its claims, measurements and requests.

Input: the compiled contract, checked `Assumptions`, and a numpy `Generator` seeded for this
scenario. Output: the claims as a `draw.Ledger` (columns; `Ledger.claims()` gives `Claim`s for
`sibdsl.settlement.engine.settle`), `Measurement`s (cohort-level results) and `Request`s to draw
discretionary tranches; and notes on outcomes the assumptions can never reach. The rules of the
draw are in `draw.py` and docs/simulate.md.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import numpy as np

from sibdsl.core.currency import MINOR_UNITS
from sibdsl.model.contract import CohortLevelTariff, Contract
from sibdsl.settlement.plan import Plan
from sibdsl.settlement.records import Measurement, Request
from sibdsl.simulate.assumptions import Assumptions, value_decimal
from sibdsl.simulate.draw import Days, Ledger, draw_ledger, draw_values, outcome_order


def unreachable(contract: Contract, assumptions: Assumptions) -> list[str]:
    """Notes on outcomes given a chance that can never be reached: a prerequisite (or every
    option of `after a or b`) is never reached itself."""
    reachable: set[str] = set()
    notes = []
    for o in outcome_order(contract):
        a = assumptions.outcomes.get(o.name)
        if a is None or a.highest <= 0:
            continue
        missing = [p.outcome for p in o.prerequisites if p.outcome not in reachable]
        missing += ["/".join(op.outcome for op in ch.options) for ch in o.choices
                    if not any(op.outcome in reachable for op in ch.options)]
        if missing:
            notes.append(f"{o.name} is never reached: its prerequisite {', '.join(missing)} has no chance "
                         "in the assumptions")
        else:
            reachable.add(o.name)
    return notes


def requests_for(contract: Contract, assumptions: Assumptions, rng: np.random.Generator) -> list[Request]:
    """The requests to draw discretionary tranches, each made with its chance (amounts rounded
    down to the currency's minor unit, never below 0)."""
    unit = Decimal(1).scaleb(-MINOR_UNITS.get(contract.header.currency, 2))
    out = []
    for k, r in enumerate(assumptions.requests):
        amount = float(draw_values(rng, r.amount, 1)[0])
        if rng.random() < r.chance:
            out.append(Request(f"r{k + 1}-{r.tranche}", r.tranche, r.requested,
                               max(value_decimal(amount, 10).quantize(unit, ROUND_DOWN), Decimal(0)), "simulated"))
    return out


def generate(contract: Contract, assumptions: Assumptions, rng: np.random.Generator, calendar: Days | None = None,
             plan: Plan | None = None) -> tuple[Ledger, list[Measurement]]:
    """One scenario: its claims (as columns: `Ledger.claims()` gives `Claim`s) and measurements
    (its requests: `requests_for`, drawn after)."""
    ledger = draw_ledger(contract, assumptions, rng, calendar, plan)
    return ledger, measurements_for(contract, assumptions, rng)


def measurements_for(contract: Contract, assumptions: Assumptions, rng: np.random.Generator) -> list[Measurement]:
    """The cohort-level results: one per cohort-level outcome the assumptions measure."""
    measurements: list[Measurement] = []
    for o in contract.outcomes:
        a2 = assumptions.outcomes.get(o.name)
        if not isinstance(o.tariff, CohortLevelTariff) or a2 is None or a2.measured is None:
            continue
        measured_cohort = o.cohorts[0] if len(o.cohorts) == 1 else None
        if o.pooled:
            measurements.append(Measurement(f"m-{o.name}", o.name, measured_cohort, a2.measured, Decimal(0),
                                            Decimal(0), given=False))
            continue
        assert a2.baseline is not None and a2.observed is not None
        measurements.append(Measurement(f"m-{o.name}", o.name, measured_cohort, a2.measured,
                                        value_decimal(float(draw_values(rng, a2.baseline, 1)[0]), assumptions.places),
                                        value_decimal(float(draw_values(rng, a2.observed, 1)[0]), assumptions.places)))
    return measurements
