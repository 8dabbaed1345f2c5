"""How compile time grows with the size of a contract, against lark's own parse.

Generates valid contracts with 1k, 10k and 100k outcomes (header, one payer paying 100%,
one cohort, outcomes with fixed GBP prices, ladders of `after` prerequisites on earlier
outcomes, `only one of` groups, a few caps) and for each size measures

  compile    sibdsl.compiler.compile_text: parse + AST, resolve (builds the pydantic model), checks
             (asserted to give no errors)
  raw parse  lark's LALR parser on the same grammar and text, building a plain parse tree:
             Lark(grammar, parser="lalr", lexer="basic", postlex=OptionalCommas()) with no
             transformer (the post-lexer is ours, so both lex the same token stream)

and prints seconds, the ratio compile/raw parse (target <= 2x) and the growth of compile
time from 1k to 10k and 10k to 100k outcomes (target: 10x the outcomes costs at most 11x
the time). Best of 3 runs for 1k and 10k, one run for 100k; --quick skips 100k. Finally the
compile time of the largest size is broken down by phase, calling the phases the way
`sibdsl.compiler._compile` does.

Parsers are built (and their tables loaded) before timing. A 100k-outcome contract is about
8 MB, above the 5 MB default limit, so the limit is raised for this benchmark.

Python's cyclic garbage collector stays on, as in real use; --no-gc switches it off during
the timed runs (both compile and raw parse) to show how much of the time it takes.

Usage:
    python benchmarks/bench_compile_scale.py [--quick] [--sizes 1000,10000] [--no-gc] [--no-phases]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import lark

from sibdsl.compiler import compile_text
from sibdsl.core.diagnostics import DiagnosticSink, Severity
from sibdsl.semantics.checks import run_checks
from sibdsl.semantics.resolve import resolve
from sibdsl.syntax.grammar import OptionalCommas, get_parser, grammar_path
from sibdsl.syntax.parse import decode_source, parse_source

TARGET_RATIO = 2.0
TARGET_GROWTH = 11.0
MAX_BYTES = 1 << 30

HEADER = """\
contract "Generated benchmark contract with {n} outcomes" version 1.0
currency GBP
term 2020-01-01 to 2029-12-31
settled quarterly in arrears
rounding half up to GBP 0.01

payer council "The Council" pays 100%
provider charity "The Provider"

cohort adults "Adults referred to the service"
  at most 100,000 participants
  referred 2020-01-01 to 2024-12-31

"""


def generate(n: int) -> str:
    """A valid contract with n outcomes.

    In each block of ten outcomes: 1 -> 0, 2 -> 1 and 3 -> 2 form a ladder of `after`
    prerequisites (some with a delay, some written with the optional comma before the
    keyword), 6/7 and 8/9 are `only one of` pairs (never linked by a prerequisite, so each can
    be paid). Prices are GBP 100 to GBP 590, below the per-participant cap.
    """
    out = [HEADER.format(n=f"{n:,}")]
    add = out.append
    for i in range(n):
        name = f"o{i:06d}"
        price = 100 + (i % 50) * 10
        add(f'outcome {name} "Outcome number {i}"\n  pays GBP {price}')
        step = i % 10
        if step in (1, 2, 3):
            prev = f"o{i - 1:06d}"
            if step == 1:
                add(f"\n  after {prev} at least 3 months")
            elif step == 2:
                add(f", after {prev}")  # the optional comma before a keyword
            else:
                add(f"\n  after {prev} at least 26 weeks")
        if i % 7 == 0:
            add('\n  evidence "signed confirmation from the provider"')
        add("\n\n")
        if step == 9:
            base = i - 9
            add(f"only one of o{base + 6:06d}, o{base + 7:06d} per participant\n")
            add(f"only one of o{base + 8:06d}, o{base + 9:06d}\n\n")
    add("cap per participant GBP 15,000 then pay in part\n")
    add("cap contract GBP 500m\n")
    add("cap outcome o000000 5,000 outcomes\n")
    if n > 1:
        add("cap outcome o000001 GBP 250,000\n")
    add("\nassert each participant is paid at most GBP 15,000\n")
    return "".join(out)


GC_OFF = False  # --no-gc: switch the cyclic garbage collector off while timing (diagnosis only)


def timing(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    if GC_OFF:
        gc.disable()
    try:
        start = time.perf_counter()
        result = fn()
        return time.perf_counter() - start, result
    finally:
        gc.enable()


def best_of(runs: int, fn: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(runs):
        elapsed, result = timing(fn)
        del result  # free the previous tree before the next run, like a fresh call would
        best = min(best, elapsed)
    return best


def compile_ok(text: str) -> Any:
    result = compile_text(text, "<bench>", max_bytes=MAX_BYTES)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert not errors, f"generated contract has {len(errors)} errors, first: {errors[0]}"
    assert result.model is not None
    return result


def phases(text: str) -> list[tuple[str, float]]:
    """Time each phase of sibdsl.compiler._compile separately (same order, same inputs)."""
    sink = DiagnosticSink("<bench>")
    times: list[tuple[str, float]] = []

    def step(label: str, fn: Callable[[], Any]) -> Any:
        elapsed, value = timing(fn)
        times.append((label, elapsed))
        return value

    source = step("decode", lambda: decode_source("<bench>", text.encode("utf-8"), sink, MAX_BYTES))
    tree = step("parse (lex + LALR + AST)", lambda: parse_source(source, sink))
    assert tree is not None
    resolved = step("resolve (model, spans)", lambda: resolve(tree, sink))
    assert resolved is not None and not sink.has_errors
    contract, spans = resolved
    step("checks", lambda: run_checks(contract, spans, sink))
    assert not sink.has_errors
    step("sort diagnostics", sink.sorted)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip the 100k-outcome contract")
    ap.add_argument("--sizes", default=None, help="comma-separated outcome counts (default 1000,10000,100000)")
    ap.add_argument("--no-gc", action="store_true",
                    help="switch Python's cyclic GC off during each timed run (to see what the GC costs)")
    ap.add_argument("--no-phases", action="store_true", help="skip the breakdown by phase")
    args = ap.parse_args()
    global GC_OFF
    GC_OFF = args.no_gc
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [1_000, 10_000, 100_000]
    if args.quick:
        sizes = [s for s in sizes if s < 100_000]

    get_parser()  # load our parser (tables from the disk cache) before timing
    raw = lark.Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="basic",
                    postlex=OptionalCommas())

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"python {sys.version.split()[0]}, lark {lark.__version__}, {os.cpu_count()} CPUs, load average {load}; "
          f"garbage collector {'OFF' if GC_OFF else 'on'} while timing")
    print(f"{'outcomes':>9} {'MB':>6} {'runs':>4} {'compile s':>10} {'raw parse s':>12} {'ratio':>7} "
          f"{'growth':>7}  warnings")
    rows: list[tuple[int, float, float]] = []
    text = ""
    for n in sizes:
        text = generate(n)
        runs = 3 if n < 100_000 else 1
        t_raw = best_of(runs, lambda text=text: raw.parse(text))
        t_compile = best_of(runs, lambda text=text: compile_ok(text))
        warnings = sum(1 for d in compile_ok(text).diagnostics if d.severity is Severity.WARNING) if n < 100_000 \
            else "-"
        growth = f"{t_compile / rows[-1][1]:6.1f}x" if rows else "      -"
        rows.append((n, t_compile, t_raw))
        print(f"{n:>9,} {len(text) / 1e6:>6.2f} {runs:>4} {t_compile:>10.3f} {t_raw:>12.3f} "
              f"{t_compile / t_raw:>6.2f}x {growth:>7}  {warnings}", flush=True)

    print()
    worst_ratio = max(c / r for _, c, r in rows)
    print(f"target compile/raw parse <= {TARGET_RATIO:.0f}x: "
          f"{'MET' if worst_ratio <= TARGET_RATIO else 'MISSED'} (worst {worst_ratio:.2f}x)")
    growths = [(a[0], b[0], b[1] / a[1], b[0] / a[0]) for a, b in itertools.pairwise(rows)]
    for n1, n2, g, size_factor in growths:
        limit = TARGET_GROWTH * size_factor / 10
        print(f"target growth {n1:,} -> {n2:,} outcomes <= {limit:.0f}x: {'MET' if g <= limit else 'MISSED'} "
              f"({g:.1f}x)")

    if args.no_phases:
        return
    n = sizes[-1]
    print(f"\nphases of one compile of {n:,} outcomes (separate run):")
    times = phases(text)
    total = sum(t for _, t in times)
    for label, t in times:
        print(f"  {label:<26} {t:>9.3f} s  {t / total:6.1%}")
    print(f"  {'total':<26} {total:>9.3f} s")


if __name__ == "__main__":
    main()
