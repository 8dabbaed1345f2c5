"""Benchmark: `sibc simulate` at the size issue 14 asks for: 10,000 scenarios of a 500-participant
contract within a minute on 2 cores.

The contract is contracts/fair-chance-fund.sib with its cohort raised from 353 to 500
participants, and its assumptions file with referrals of 100, 150, 150 and 100 a quarter (so
about 500 participants and 3,500 claims a scenario). Prints: the scenarios a second and the wall
time of N scenarios (default 10,000) with 1 and with 2 workers through settlement's fast path
(the loop compiled by numba; each worker's compilation included, as a user waits for it), and
the reference engine's scenarios a second on a sample (default 100 scenarios), whose figures
are asserted equal to the fast path's, scenario by scenario. A missed target is printed
(`MISSED`), not raised.

    python benchmarks/bench_simulate.py [--scenarios 10000] [--sample 100] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from sibdsl.compiler import compile_text
    from sibdsl.simulate.assumptions import parse_assumptions
    from sibdsl.simulate.run import Simulator, simulate

    source = (ROOT / "contracts/fair-chance-fund.sib").read_text()
    assert "at most 353 participants" in source
    contract = compile_text(source.replace("at most 353 participants", "at most 500 participants")).model
    assert contract is not None
    text = (ROOT / "contracts/assumptions/fair-chance-fund.toml").read_text()
    assert "referrals = [70, 100, 100, 83]" in text
    assumptions = parse_assumptions(text.replace("referrals = [70, 100, 100, 83]", "referrals = [100, 150, 150, 100]"),
                                    "fcf500.toml", contract)
    sim = Simulator(contract, assumptions, args.seed)
    assert sim.fast is not None, sim.declined
    first = sim.one(0)
    print(f"Fair Chance Fund, cohort of 500: scenario 0 has {first.claims:,} claims")

    t0 = time.perf_counter()
    reference = simulate(contract, assumptions, args.sample, args.seed, workers=1, fast=False)
    t_ref = time.perf_counter() - t0
    t0 = time.perf_counter()
    fast_sample = simulate(contract, assumptions, args.sample, args.seed, workers=1, fast=True)
    t_fast_sample = time.perf_counter() - t0
    assert fast_sample == reference, "the fast path's figures differ from the reference engine's"
    print(f"reference engine: {args.sample} scenarios in {t_ref:.1f} s ({args.sample / t_ref:.1f} a second, one core); "
          f"fast path, same scenarios: {t_fast_sample:.2f} s; figures equal, scenario by scenario")
    for workers in (1, 2):
        t0 = time.perf_counter()
        results = simulate(contract, assumptions, args.scenarios, args.seed, workers=workers)
        wall = time.perf_counter() - t0
        verdict = "" if workers != 2 or args.scenarios < 10_000 else (
            "  (target: 10,000 within 60 s on 2 cores: " + ("met)" if wall <= TARGET_S else "MISSED)"))
        print(f"fast path, {workers} worker{'s' if workers > 1 else ''}: {len(results):,} scenarios in {wall:.1f} s "
              f"({len(results) / wall:,.0f} a second){verdict}")


if __name__ == "__main__":
    main()
