"""The `sibc simulate` command: a Monte Carlo projection of a contract from stated assumptions.

Input: the contract's path, the assumptions file (TOML, docs/simulate.md) and the options.
Output: the summary on standard output; CSV and JSON files (and with --charts, PNG, SVG and an
HTML page) in the output directory; contract errors and assumption errors (located, with
hints) on standard error. Returns the exit code: 0 done, 1 the contract or the assumptions
have errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from sibdsl.cli.common import DEFAULT_MAX_SIZE, EXIT_CODES_HELP, EXIT_ERRORS, EXIT_OK, _colour, guarded

PROGRESS_FROM = 20  # scenarios; a progress bar is shown on a terminal for runs at least this long


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("contract", metavar="CONTRACT")
@click.option("--assumptions", "assumptions_path", metavar="FILE", required=True,
              type=click.Path(dir_okay=False), help="The assumptions file (TOML; docs/simulate.md).")
@click.option("--scenarios", type=click.IntRange(min=1, max=1_000_000), default=200, show_default=True,
              help="How many scenarios to draw and settle.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="The seed: the same seed gives the same scenarios and figures.")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), default="simulation", show_default=True,
              help="Directory for the CSV and JSON files (and the charts).")
@click.option("--charts", is_flag=True, help="Also write the charts (PNG, SVG) and simulation.html.")
@click.option("--workers", type=click.IntRange(min=1, max=64), default=1, show_default=True,
              help="Worker processes; the figures do not depend on it.")
@click.option("--reference", is_flag=True,
              help="Settle every scenario with the reference engine instead of the fast path (about 10 times "
                   "slower; the figures are the same: a check).")
@guarded
def simulate(contract: str, assumptions_path: str, scenarios: int, seed: int, out_dir: str, charts: bool,
             workers: int, reference: bool) -> None:
    """Project what a contract may pay, and when, from stated assumptions.

    Each scenario draws referrals, sub-groups and outcome dates from the assumptions file,
    settles the ledger with the real rules, releases the tranches and (where the contract
    invests) runs the waterfall; the summary gives the mean and percentiles of the payments
    per payer per period, the total liability, each cap's chance of binding and when,
    tranche releases and each investor class's returns. Seeded: the same seed, the same
    figures. Scenarios are settled through settlement's fast path (the reference engine's
    decisions, compiled), or by the reference engine where the fast path declines the contract
    (a note on standard error says why) or with --reference.
    """
    sys.exit(run_simulate(contract, assumptions_path, scenarios, seed, out_dir, charts, workers, not reference))


def path_note(contract: Any, assumptions: Any, fast: bool) -> str | None:
    """A note for standard error where some scenarios are not settled through the fast path."""
    from sibdsl.model.contract import CohortLevelTariff
    from sibdsl.settlement.fast import Declined, fast_plan

    if not fast:
        return None
    found = fast_plan(contract)
    if isinstance(found, Declined):
        return (f"note: the fast path does not settle this contract ({found.why}); every scenario is settled by the "
                "reference engine: the same figures, about 10 times slower (docs/settlement.md, \"The fast path\")")
    measured = [o.name for o in contract.outcomes if isinstance(o.tariff, CohortLevelTariff)
                and (a := assumptions.outcomes.get(o.name)) is not None and a.measured is not None]
    if measured:
        return (f"note: scenarios with cohort-level results ({', '.join(measured)}) are settled by the reference "
                "engine: the same figures, more slowly (docs/settlement.md, \"The fast path\")")
    return None


def run_simulate(contract_path: str, assumptions_path: str, scenarios: int, seed: int, out_dir: str,
                 charts: bool, workers: int = 1, fast: bool = True) -> int:
    import decimal

    from sibdsl.compiler import compile_file
    from sibdsl.core.money import wide
    from sibdsl.emit.human import render
    from sibdsl.simulate.assumptions import AssumptionError, load_assumptions
    from sibdsl.simulate.generate import unreachable
    from sibdsl.simulate.run import simulate as run
    from sibdsl.simulate.summary import csv_files, summarise, text, to_json

    compiled = compile_file(contract_path, DEFAULT_MAX_SIZE)
    if compiled.model is None:
        colour = _colour(sys.stderr, None)
        for d in compiled.diagnostics:
            click.echo(render(d, compiled.source, colour), err=True, color=colour)
        click.echo(f"{contract_path}: the contract has errors; nothing simulated", err=True)
        return EXIT_ERRORS
    contract = compiled.model
    try:
        assumptions = load_assumptions(assumptions_path, contract)
    except AssumptionError as exc:
        click.echo(exc.render(), err=True)
        click.echo(f"{assumptions_path}: {len(exc.problems)} problem(s); nothing simulated", err=True)
        return EXIT_ERRORS
    note = path_note(contract, assumptions, fast)
    if note is not None:
        click.echo(note, err=True)
    with decimal.localcontext(wide()):
        if scenarios >= PROGRESS_FROM and sys.stderr.isatty():
            with click.progressbar(length=scenarios, label="simulating", file=sys.stderr) as bar:
                results = run(contract, assumptions, scenarios, seed, workers, bar.update, fast=fast)
        else:
            results = run(contract, assumptions, scenarios, seed, workers, fast=fast)
        summary = summarise(contract, results, seed, unreachable(contract, assumptions))
        out = Path(out_dir)
        body = text(summary, contract.header.title)
        written = []
        try:
            out.mkdir(parents=True, exist_ok=True)
            for name, table in csv_files(summary, results).items():
                (out / name).write_text(table, encoding="utf-8")
                written.append(out / name)
            (out / "summary.json").write_text(to_json(summary), encoding="utf-8")
            (out / "summary.txt").write_text(body, encoding="utf-8")
            written += [out / "summary.json", out / "summary.txt"]
            if charts:
                from sibdsl.simulate.charts import write_charts

                written += write_charts(summary, out, f"{contract.header.title}: simulation")
        except OSError as exc:
            click.echo(body, nl=False)
            click.echo(f"sibc simulate: cannot write to {out_dir}: {exc.strerror or exc}", err=True)
            return EXIT_ERRORS
    click.echo(body, nl=False)
    click.echo("written: " + ", ".join(str(p) for p in written))
    return EXIT_OK


REPORT_SCENARIOS = 200  # scenarios simulated for `sibc report --charts`


def report_section(contract: Any, contract_path: str, assumptions_path: str | None, charts_dir: str | None,
                   markdown: bool, output: str | None) -> str:
    """The simulation section of `sibc report`: the summary of `sibc simulate` (200 scenarios,
    seed 0) and, with `charts_dir`, the charts written there and shown (Markdown: as images,
    linked relative to the report's file). Bad assumptions: their errors on stderr, exit 1."""
    import decimal
    import os

    from sibdsl.core.money import wide
    from sibdsl.simulate.assumptions import AssumptionError, load_assumptions
    from sibdsl.simulate.generate import unreachable
    from sibdsl.simulate.run import simulate as run
    from sibdsl.simulate.summary import summarise, text

    if assumptions_path is None:
        raise click.UsageError("--charts simulates the contract: give the assumptions with --assumptions FILE")
    try:
        assumptions = load_assumptions(assumptions_path, contract)
    except AssumptionError as exc:
        click.echo(exc.render(), err=True)
        click.echo(f"{assumptions_path}: {len(exc.problems)} problem(s); no report written", err=True)
        sys.exit(EXIT_ERRORS)
    with decimal.localcontext(wide()):
        results = run(contract, assumptions, REPORT_SCENARIOS, 0)
        summary = summarise(contract, results, 0, unreachable(contract, assumptions))
        body = text(summary, "Simulation").replace(" (all payers; per payer in payments.csv)", " (all payers)")
    lines = ["", "## Simulation" if markdown else "Simulation", "",
             f"From the assumptions in {assumptions_path} ({REPORT_SCENARIOS} scenarios, seed 0; "
             "`sibc simulate` gives more):" if markdown else
             f"From the assumptions in {assumptions_path} ({REPORT_SCENARIOS} scenarios, seed 0):", ""]
    lines += ["```", *body.splitlines()[1:], "```"] if markdown else body.splitlines()[1:]
    if charts_dir is not None:
        from sibdsl.simulate.charts import write_charts

        written = write_charts(summary, Path(charts_dir), f"{contract.header.title}: simulation")
        base = os.path.dirname(os.path.abspath(output)) if output else os.getcwd()
        lines.append("")
        for path in written:
            if path.suffix == ".png":
                link = os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/")
                lines.append(f"![{path.stem}]({link})" if markdown else f"chart: {link}")
        page = os.path.relpath(os.path.abspath(Path(charts_dir) / "simulation.html"), base).replace(os.sep, "/")
        lines.append("")
        lines.append(f"All charts on one page: [{page}]({page})" if markdown else f"all charts on one page: {page}")
    return "\n".join(lines) + "\n"
