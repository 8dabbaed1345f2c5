"""Benchmark: the exact analysis on generated contracts of 100, 1k and 10k outcomes with
overlapping exclusive groups and ladders, against the compile time of the same contracts.

    python benchmarks/bench_analysis.py [--sizes 100,1000,10000]

Prints, per size: compile seconds, analysis seconds (the per-participant MILP, liability,
payer maxima, cap findings), their ratio (target: analysis <= 2x compile at 1k outcomes) and
the growth of analysis time per 10x outcomes (target: no worse than n log n, about 13x).
"""

from __future__ import annotations

import argparse
import random
import time

from sibdsl.analysis.exposure import exposure
from sibdsl.compiler import compile_text


def contract(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    lines = ['contract "Analysis benchmark" version 1', "currency GBP", "term 2020-01-01 to 2024-12-31",
             'payer council "Council" pays 60%', 'payer fund "Fund" pays 40%',
             'cohort people "People" at most 5,000 participants, referred 2020-01-01 to 2021-12-31']
    for i in range(n):
        rule = ""
        if i % 10 and rng.random() < 0.5:
            rule = f" after o{i - 1} at least 1 month"
        lines.append(f'outcome o{i} "Outcome {i}" pays GBP {rng.choice([100, 250, 500, 1000, 1500])}{rule}')
    for g in range(0, n - 3, 3):  # overlapping groups: each shares a member with the next
        lines.append(f"only one of o{g}, o{g + 1}, o{g + 3} per participant")
    lines += ["cap per participant GBP 250,000", "cap contract GBP 100m", "assert total payments are at most GBP 100m"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,10000")
    args = parser.parse_args()
    t = time.perf_counter()
    warm = compile_text(contract(10)).model  # import scipy and build the solver once, outside the timings
    assert warm is not None
    exposure(warm)
    print(f"first analysis, importing scipy: {time.perf_counter() - t:.3f} s (once per process)")
    print(f"{'outcomes':>9} {'compile s':>10} {'analysis s':>11} {'ratio':>7} {'growth':>7}  liability, set by")
    previous = None
    ratios = {}
    for n in (int(s) for s in args.sizes.split(",")):
        text = contract(n)
        t0 = time.perf_counter()
        result = compile_text(text, max_bytes=50_000_000)
        t1 = time.perf_counter()
        assert result.model is not None, [d.message for d in result.diagnostics][:3]
        found = exposure(result.model)
        t2 = time.perf_counter()
        compile_s, analysis_s = t1 - t0, t2 - t1
        growth = f"{analysis_s / previous:.1f}x" if previous else "-"
        previous = analysis_s
        ratios[n] = analysis_s / compile_s
        print(f"{n:>9,} {compile_s:>10.3f} {analysis_s:>11.3f} {analysis_s / compile_s:>6.2f}x {growth:>7}  "
              f"GBP {found.liability:,.2f}, {found.set_by}")
    if 1000 in ratios:
        verdict = "MET" if ratios[1000] <= 2 else "MISSED"
        print(f"target analysis <= 2x compile at 1,000 outcomes: {verdict} ({ratios[1000]:.2f}x)")


if __name__ == "__main__":
    main()
