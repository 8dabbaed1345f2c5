"""Benchmark: the exact analysis on generated contracts of 100, 1k and 10k outcomes with
overlapping exclusive groups and ladders, against the compile time of the same contracts.

    python benchmarks/bench_analysis.py [--sizes 100,1000,10000] [--pressure] [--time-limit 10]

Prints, per size: compile seconds, analysis seconds (the per-participant MILP, liability,
payer maxima, cap findings), their ratio (target: analysis <= 2x compile at 1k outcomes) and
the growth of analysis time per 10x outcomes (target: no worse than n log n, about 13x).

`--pressure` (issue 7, item 4) times the analysis and the verdicts on hostile contracts: a
repeat count of 10^9, prices beyond 64-bit integers (and a knapsack of them), one exclusive
group of 10,000 outcomes (at most one; at most two under a `then reject` cap, which HiGHS
cannot close: the time limit ends it), 10,000 participants with total assertions, and 1,000
cohorts x 10 sub-groups x 1,000 outcomes. Target: every case ends within the time limit
plus 2 s (the witness settlements and the bounds), and no figure claims more than it knows
(the `exact` column). Compile time is printed beside it; the 10,000-outcome group is widened
in the model, because the compiler's double-counting check (SIB418) is quadratic in a
group's size.
"""

from __future__ import annotations

import argparse
import random
import time

from sibdsl.analysis.exposure import exposure
from sibdsl.analysis.verdicts import verdicts
from sibdsl.compiler import compile_text
from sibdsl.model.contract import Contract

HEAD = 'contract "Pressure" version 1\ncurrency GBP\nterm 2020-01-01 to 2021-12-31\npayer p "P" pays 100%\n'


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


def _group(n: int, at_most: str, extra: str) -> tuple[str, int]:
    lines = [HEAD + 'cohort c "C" at most 10 participants']
    lines += [f'outcome o{i} "O{i}" pays GBP {100 + (i * 7919) % 1000}.{(i * 31) % 100:02d}' for i in range(n)]
    lines.append(f"only {at_most} of o0, o1, o2 per participant")
    return "\n".join(lines) + "\n" + extra, n


def _wide(cohorts: int, subgroups: int, outcomes: int) -> str:
    lines = [HEAD]
    for c in range(cohorts):
        lines.append(f'cohort c{c} "C{c}" at most 100 participants, referred 2020-01-{1 + c % 28:02d} to 2020-12-31')
        lines += [f'  subgroup s{c}_{k} "S"' for k in range(subgroups)]
    for i in range(outcomes):
        lines.append(f'outcome o{i} "O{i}" pays GBP {100 + i}' + (f" after o{i - 1}" if i % 5 else "")
                     + f" within {300 + i % 300} days of start")
    lines += ["cap per participant GBP 5,000 then reject", "assert each participant is paid at most GBP 4,000"]
    return "\n".join(lines) + "\n"


def pressure_cases() -> list[tuple[str, str, int | None]]:
    """(name, source, widen the first group to this many members)."""
    big = ["999,999,999,999,999,999", "777,777,777,777,777,777.77", "555,555,555,555,555,555.53"]
    return [
        ("repeat count 10^9", HEAD + 'cohort c "C" at most 10 participants\n'
         'outcome o "O" pays GBP 100 up to 1000000000 times per participant\n'
         "assert each participant is paid at most GBP 1,000\nassert o is never paid twice\n"
         "assert total payments are at most GBP 500\n", None),
        ("price 10^18 (> 2^64 pence)", HEAD + 'cohort c "C" at most 10 participants\n'
         'outcome o "O" pays GBP 999,999,999,999,999,999 up to 3 times per participant\n'
         'outcome q "Q" pays GBP 999,999,999,999,999,998.99 up to 3 times per participant\n'
         "only one of o, q per participant\nassert each participant is paid at most GBP 1,000\n", None),
        ("knapsack of 10^18 prices", HEAD + 'cohort c "C" at most 10 participants\n'
         + "".join(f'outcome o{i} "O{i}" pays GBP {p}\n' for i, p in enumerate(big))
         + "cap per participant GBP 999,999,999,999,999,998.99 then reject\n"
         "assert each participant is paid at most GBP 900,000,000,000,000,000\n", None),
        ("group of 10,000, only one", *_group(10_000, "one", "assert each participant is paid at most GBP 1,000\n")),
        ("group of 10,000, two, reject cap", *_group(10_000, "2", "cap per participant GBP 1,733.37 then reject\n"
                                                                   "assert each participant is paid at most GBP 1,733.30\n")),
        ("10,000 participants, totals", HEAD.replace('payer p "P" pays 100%', 'payer p "P" pays 60%\npayer q "Q" pays 40%')
         + 'cohort c "C" at most 10,000 participants\n'
         'outcome o "O" pays GBP 100 up to 5 times per participant\n'
         'outcome r "R" pays GBP 250 after o at least 1 month up to 3 times per participant\n'
         'outcome s "S" pays GBP 400 after r\n'
         "assert total payments are at most GBP 12,499,999\nassert payer q pays at most GBP 4,999,999\n", None),
        ("10,000 participants x 1,000 claims", HEAD + 'cohort c "C" at most 10,000 participants\n'
         'outcome o "O" pays GBP 1 up to 1000 times per participant\n'
         "assert total payments are at most GBP 9,999,999\n", None),
        ("1,000 cohorts x 10 sub-groups x 1,000", _wide(1000, 10, 1000), None),
    ]


def _widened(contract: Contract, n: int) -> Contract:
    group = contract.exclusive_groups[0].model_copy(update={"members": tuple(f"o{i}" for i in range(n))})
    return contract.model_copy(update={"exclusive_groups": (group,)})


def pressure(time_limit: float) -> None:
    print(f"pressure cases, time limit {time_limit:g} s:")
    print(f"{'case':<38} {'compile s':>9} {'figures s':>9} {'verdicts s':>10} {'exact':>6}  verdicts")
    missed = []
    for name, text, widen in pressure_cases():
        t0 = time.perf_counter()
        result = compile_text(text, max_bytes=50_000_000)
        t1 = time.perf_counter()
        assert result.model is not None, [d.message for d in result.diagnostics][:3]
        model = _widened(result.model, widen) if widen else result.model
        found = exposure(model, time_limit)
        t2 = time.perf_counter()
        found_verdicts = verdicts(model, found)
        t3 = time.perf_counter()
        shown = ", ".join(f"{v.status}" + (f" ({v.reason})" if v.status == "unknown" else "") for v in found_verdicts)
        print(f"{name:<38} {t1 - t0:>9.2f} {t2 - t1:>9.2f} {t3 - t2:>10.2f} {found.exact!s:>6}  {shown}")
        if t3 - t1 > time_limit + 2:
            missed.append(name)
    print("target: analysis within the time limit + 2 s: " + ("MET" if not missed else f"MISSED ({', '.join(missed)})"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--pressure", action="store_true", help="time the hostile contracts of issue 7 instead")
    parser.add_argument("--time-limit", type=float, default=10.0, help="the analysis time limit, in seconds")
    args = parser.parse_args()
    if args.pressure:
        pressure(args.time_limit)
        return
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
