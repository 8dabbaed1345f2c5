"""Benchmark: settle generated ledgers of 10k, 100k and 1M claims with the reference engine and
with settlement's fast path, against a reference implementation of the same rules in DuckDB SQL
(in this file only), with equal totals asserted for all three.

The contract has a per-participant cap, per-outcome money caps, a contract cap, an exclusive
group (once per participant everywhere) and two payers sharing each payment 60/40. Prints,
per size: claims per second for the reference engine and for the fast path (settlement only,
and reading the CSV too) and for DuckDB (SQL only, and reading the CSV too), the ratios of the
fast path to DuckDB, the growth from the previous size, and the peak memory of each sibdsl run
(measured in its own child process with resource.getrusage).

    python benchmarks/bench_settle.py [--sizes 10000,100000,1000000] [--seed 1]

Requires duckdb (pip install duckdb); it is not a dependency of sibdsl.

    python benchmarks/bench_settle.py --waterfall [--sizes 100000]

settles the same claims with the contract plus investment terms (two ranked classes with
interest, caps, a floor and a first loss, tranches, a waterfall with needs, recycling and a
surplus rule) and prints the time of settlement and tranches without the waterfall, with it
(run_waterfall and its two files), and the overhead in percent (issue 11's target: <= 20%).
DuckDB is not needed for this.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

CONTRACT = """contract "Benchmark" version 1
currency GBP
term 2020-01-01 to 2024-12-31
settled quarterly in arrears
payer council "Council" pays 60% of each outcome payment
payer fund "Central fund" pays 40% of each outcome payment
cohort people "People" at most 10,000,000 participants
outcome assessed "Assessed" pays GBP 250
outcome housed "Housed" pays GBP 1,500
outcome sustained "Sustained" pays GBP 1,250.50
outcome learning "Learning" pays GBP 700
outcome qualified "Qualified" pays GBP 2,200
outcome volunteer "Volunteering" pays GBP 333.33
outcome part_time "Part-time job" pays GBP 3,000
outcome full_time "Full-time job" pays GBP 4,500
only one of part_time, full_time per participant
cap outcome assessed GBP {assessed_cap}
cap outcome qualified GBP {qualified_cap}
cap per participant GBP 6,000
cap contract GBP {contract_cap}
"""
OUTCOMES = ["assessed", "housed", "sustained", "learning", "qualified", "volunteer", "part_time", "full_time"]
PRICES = {"assessed": "250", "housed": "1500", "sustained": "1250.50", "learning": "700", "qualified": "2200",
          "volunteer": "333.33", "part_time": "3000", "full_time": "4500"}

REFERENCE_SQL = """
-- The same rules, in SQL. Claims in (date, claim_id) order; once per participant and outcome,
-- at most one of the job pair; caps applied in declaration order by the capped-running-sum
-- identity: paid_n = min(cap, S_n) - min(cap, S_(n-1)) over the running sum S of what reaches it.
WITH ordered AS (
  SELECT *, row_number() OVER (ORDER BY day, claim_id) AS seq FROM claims
), first_of_outcome AS (
  SELECT *, row_number() OVER (PARTITION BY participant, outcome ORDER BY seq) AS nth_outcome,
         row_number() OVER (PARTITION BY participant, CASE WHEN outcome IN ('part_time', 'full_time')
                            THEN 'job' ELSE outcome END ORDER BY seq) AS nth_group
  FROM ordered
), eligible AS (
  SELECT *, CASE WHEN nth_outcome = 1 AND nth_group = 1 THEN price ELSE 0 END::DECIMAL(18,2) AS amount0
  FROM first_of_outcome
), outcome_capped AS (
  SELECT *, CASE WHEN outcome = 'assessed' THEN
              LEAST({assessed_cap}, SUM(amount0) OVER w_o) - LEAST({assessed_cap}, SUM(amount0) OVER w_o - amount0)
            WHEN outcome = 'qualified' THEN
              LEAST({qualified_cap}, SUM(amount0) OVER w_o) - LEAST({qualified_cap}, SUM(amount0) OVER w_o - amount0)
            ELSE amount0 END AS amount1
  FROM eligible WINDOW w_o AS (PARTITION BY outcome ORDER BY seq ROWS UNBOUNDED PRECEDING)
), participant_capped AS (
  SELECT *, LEAST(6000, SUM(amount1) OVER w_p) - LEAST(6000, SUM(amount1) OVER w_p - amount1) AS amount2
  FROM outcome_capped WINDOW w_p AS (PARTITION BY participant ORDER BY seq ROWS UNBOUNDED PRECEDING)
), contract_capped AS (
  SELECT *, LEAST({contract_cap}, SUM(amount2) OVER w_c) - LEAST({contract_cap}, SUM(amount2) OVER w_c - amount2)
            AS amount
  FROM participant_capped WINDOW w_c AS (ORDER BY seq ROWS UNBOUNDED PRECEDING)
)
SELECT sum(amount)::VARCHAR, sum(amount - round(amount * 0.4, 2))::VARCHAR, sum(round(amount * 0.4, 2))::VARCHAR,
       count(*) FILTER (WHERE amount > 0)
FROM contract_capped
"""


INVESTMENT = """investor senior "Senior lenders" commits GBP 20m
  ranks 1
  interest 5% a year
  returns at most 9% a year
investor junior "Junior lenders" commits GBP 5m
  ranks 2
  returns at most 15% a year
  principal protected 50% by council
  first loss GBP 1m by fund
tranche senior_loan GBP 20m on 2020-01-01 from senior
tranche junior_loan GBP 5m on 2021-01-01 from junior
waterfall "Benchmark waterfall"
  distributes each period
  needs GBP 1m each period until 2023-12-31
  recycles outcome payments up to GBP 5m
  surplus 50% to council, 50% to payers
"""


def caps(n: int) -> dict[str, int]:
    return {"assessed_cap": 25 * n, "qualified_cap": 300 * n, "contract_cap": 700 * n}


def write_claims(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    participants = max(1, n // 5)
    start = date(2020, 1, 1)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("claim_id,participant,outcome,date\n")
        for i in range(n):
            day = start + timedelta(days=rng.randrange(1826))
            fh.write(f"c{i:07d},p{rng.randrange(participants)},{rng.choice(OUTCOMES)},{day.isoformat()}\n")


def run_sibdsl(contract_text: str, claims_path: Path, path: str = "reference") -> dict[str, object]:
    """Runs in a child process so that its peak memory is its own. `path`: the reference engine
    (`engine.settle`) or the fast path (`settlement.fast`, its loop compiled by numba; the
    compilation, once per process, is timed apart)."""
    import resource

    from sibdsl.compiler import compile_text
    from sibdsl.settlement.engine import settle
    from sibdsl.settlement.ledger import read_ledger
    from sibdsl.settlement.records import Status

    model = compile_text(contract_text).model
    assert model is not None
    compile_s = 0.0
    if path == "fast":
        from sibdsl.settlement.fast import Declined, fast_plan, kernel, settle_fast

        fast = fast_plan(model)
        assert not isinstance(fast, Declined), fast
        t = time.perf_counter()
        kernel.compiled()
        settle_fast(fast, [], "compiled")
        compile_s = time.perf_counter() - t
    t0 = time.perf_counter()
    ledger = read_ledger(str(claims_path), "claims", model)
    assert not ledger.sink.items, ledger.sink.items[:3]
    t1 = time.perf_counter()
    if path == "fast":
        got = settle_fast(fast, ledger.records, "compiled")
        assert not isinstance(got, Declined), got
        t2 = time.perf_counter()
        invoices = got.invoices_quanta()
        total = got.money(sum(got.amount))
        council = got.money(sum(v for (payer, _p), v in invoices.items() if payer == "council"))
        fund = got.money(sum(v for (payer, _p), v in invoices.items() if payer == "fund"))
        paid = sum(1 for st in got.status if st <= kernel.S_PARTIAL)
    else:
        result = settle(model, ledger.records)
        t2 = time.perf_counter()
        total, council, fund = (result.figures.total_money, result.figures.payer_money["council"],
                                result.figures.payer_money["fund"])
        paid = sum(1 for d in result.decisions if d.status is not Status.REJECTED)
    return {
        "read": t1 - t0, "settle": t2 - t1, "compile": compile_s,
        "total": str(total), "council": str(council), "fund": str(fund), "paid": paid,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_waterfall_child(contract_text: str, claims_path: Path, repeats: int = 3) -> dict[str, object]:
    """Settle the claims with a contract that invests: settlement and tranches alone, then the
    waterfall and its files; the best of `repeats` runs of each (the machine is shared)."""
    from sibdsl.compiler import compile_text
    from sibdsl.settlement.engine import settle
    from sibdsl.settlement.ledger import read_ledger
    from sibdsl.settlement.output import investors_csv, invoices_csv, waterfall_csv
    from sibdsl.settlement.tranches import participant_groups, release_tranches
    from sibdsl.settlement.waterfall import run_waterfall

    compiled = compile_text(contract_text)
    model = compiled.model
    assert model is not None and model.invests, [d.message for d in compiled.diagnostics]
    ledger = read_ledger(str(claims_path), "claims", model)
    assert not ledger.sink.items, ledger.sink.items[:3]
    base, extra = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = settle(model, ledger.records)
        releases = release_tranches(model, result.decisions, [], None, participant_groups(result.figures.participants))
        invoices_csv(result)
        t1 = time.perf_counter()
        waterfall = run_waterfall(model, result, releases)
        investors_csv(waterfall, model.header.currency)
        waterfall_csv(waterfall, model)
        t2 = time.perf_counter()
        base.append(t1 - t0)
        extra.append(t2 - t1)
        assert waterfall.conserved()
    return {"without": min(base), "waterfall": min(extra), "periods": len(waterfall.periods),
            "received": str(waterfall.received_total),
            "investors": {n: str(a.received) for n, a in waterfall.accounts.items()}}


def main_waterfall(sizes: list[int], seed: int) -> None:
    print(f"{'claims':>9} | {'without (s)':>11} {'waterfall (s)':>13} {'with (s)':>9} {'overhead':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"claims-{n}.csv"
            write_claims(path, n, seed)
            out = subprocess.run([sys.executable, __file__, "--child-waterfall", str(path), str(n)], check=True,
                                 capture_output=True, text=True, env={**os.environ}).stdout
            got = json.loads(out.strip().splitlines()[-1])
            without, extra = float(got["without"]), float(got["waterfall"])
            print(f"{n:>9,} | {without:>11.3f} {extra:>13.4f} {without + extra:>9.3f} {extra / without:>8.2%}   "
                  f"{got['periods']} periods, GBP {got['received']} received, investors received {got['investors']}")
    print("overhead = waterfall time / settlement time (settle, tranches and invoices.csv); target <= 20%")


def run_duckdb(claims_path: Path, n: int) -> dict[str, object]:
    import duckdb

    con = duckdb.connect()
    t0 = time.perf_counter()
    con.execute(f"""CREATE TABLE claims AS SELECT claim_id, participant, outcome, CAST(date AS DATE) AS day,
        CASE outcome {' '.join(f"WHEN '{o}' THEN {p}" for o, p in PRICES.items())} END::DECIMAL(18,2) AS price
        FROM read_csv('{claims_path}', header=true, all_varchar=true)""")
    t1 = time.perf_counter()
    total, council, fund, paid = con.execute(REFERENCE_SQL.format(**caps(n))).fetchone()  # type: ignore[misc]
    t2 = time.perf_counter()
    return {"read": t1 - t0, "settle": t2 - t1, "total": total, "council": council, "fund": fund, "paid": paid}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-waterfall", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--waterfall", action="store_true",
                        help="time the investment waterfall on top of settlement (default size 100000)")
    args = parser.parse_args()
    if args.child_waterfall:
        n = int(args.child_waterfall[1])
        text = CONTRACT.format(**{k: f"{v:,}" for k, v in caps(n).items()}) + INVESTMENT
        print(json.dumps(run_waterfall_child(text, Path(args.child_waterfall[0]))))
        return
    if args.waterfall:
        sizes = "100000" if args.sizes == parser.get_default("sizes") else args.sizes
        main_waterfall([int(s) for s in sizes.split(",")], args.seed)
        return
    if args.child:
        n = int(args.child[1])
        print(json.dumps(run_sibdsl(CONTRACT.format(**{k: f"{v:,}" for k, v in caps(n).items()}),
                                    Path(args.child[0]), args.child[2])))
        return
    print(f"{'claims':>9} | {'engine/s':>10} {'MB':>5} | {'fast/s':>11} {'incl. CSV/s':>11} {'MB':>5} | "
          f"{'duckdb SQL/s':>12} {'incl. CSV/s':>11} | {'ratio SQL':>9} {'ratio CSV':>9} {'growth':>7}")
    previous = None
    compile_s = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"claims-{n}.csv"
            write_claims(path, n, args.seed)
            runs = {}
            for which in ("reference", "fast"):
                out = subprocess.run([sys.executable, __file__, "--child", str(path), str(n), which], check=True,
                                     capture_output=True, text=True, env={**os.environ}).stdout
                runs[which] = json.loads(out.strip().splitlines()[-1])
            ref = run_duckdb(path, n)
            for which, ours in runs.items():
                for key in ("total", "council", "fund", "paid"):
                    assert Decimal(str(ours[key])) == Decimal(str(ref[key])), (which, key, ours[key], ref[key])
            engine, fast = runs["reference"], runs["fast"]
            compile_s = float(fast["compile"])
            fast_rate = n / fast["settle"]
            fast_e2e = n / (fast["settle"] + fast["read"])
            ref_rate = n / ref["settle"]
            ref_e2e = n / (ref["settle"] + ref["read"])
            growth = f"{fast['settle'] / previous:.1f}x" if previous else "-"
            previous = fast["settle"]
            print(f"{n:>9,} | {n / engine['settle']:>10,.0f} {engine['peak_mb']:>5.0f} | {fast_rate:>11,.0f} "
                  f"{fast_e2e:>11,.0f} {fast['peak_mb']:>5.0f} | {ref_rate:>12,.0f} {ref_e2e:>11,.0f} | "
                  f"{fast_rate / ref_rate:>9.2f} {fast_e2e / ref_e2e:>9.2f} {growth:>7}   totals equal: GBP {fast['total']}")
    print("engine = the reference engine (engine.settle); fast = settlement's fast path, its loop compiled by numba "
          f"(compiling took {compile_s:.1f} s, once per process, not counted); MB = peak memory of that child process.")
    print("ratio SQL = fast path / DuckDB, settlement alone (target >= 0.25); ratio CSV = the same with reading the "
          "CSV (sibdsl's ledger reader builds a checked Claim per row); growth = fast settle time / previous size's "
          "(target ~10x per 10x); peak MB target < 1024 at 1M")


if __name__ == "__main__":
    main()
