"""The `sibc` command line.

Input: command-line arguments, .sib files (or stdin). Output: diagnostics, compiled models,
the JSON Schema or catalogue entries on stdout, and an exit code:

    0  no errors (warnings allowed unless --strict)
    1  the contract has errors (or warnings, with --strict)
    2  usage error (bad option, unknown command, unknown code)
    3  internal error in sibc itself (a bug: please report it)

Heavy modules (lark, pydantic) are imported only by the commands that need them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from sibdsl import __version__
from sibdsl.cli.common import (
    DEFAULT_MAX_SIZE,
    EXIT_CODES_HELP,
    EXIT_ERRORS,
    _colour,
    guarded,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=EXIT_CODES_HELP)
@click.version_option(__version__, "--version", "-V", prog_name="sibc", message="%(prog)s %(version)s")
def cli() -> None:
    """sibc: compile and check outcomes-based contracts written in .sib files.

    A .sib file is the payment schedule of a Social Impact Bond or outcomes partnership:
    payers and their shares, cohorts, the rate card, caps, tranches and assertions. Start with
    `sibc check contracts/`, and `sibc explain SIB101` for any code it prints.
    """


class IsoDate(click.DateTime):
    """A YYYY-MM-DD date written with the digits 0-9 (strptime alone also takes '２０２０')."""

    def __init__(self) -> None:
        super().__init__(formats=["%Y-%m-%d"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.isascii():
            from sibdsl.syntax.grammar import ascii_digits

            self.fail(f"{value!r} is written with characters other than 0-9 and '-': did you mean "
                      f"{ascii_digits(value)}?", param, ctx)
        return super().convert(value, param, ctx)


def _compile_one(name: str, max_size: int) -> Any:
    from sibdsl.compiler import compile_bytes, compile_file

    if name == "-":
        data = sys.stdin.buffer.read(max_size + 1)
        return compile_bytes(data, "<stdin>", max_size)
    return compile_file(name, max_size)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True, help="text for people; json (valid, error_count, diagnostics) or "
                                      "sarif (SARIF 2.1.0) for CI.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors for the exit code.")
@click.option("--max-size", type=click.IntRange(min=1), default=DEFAULT_MAX_SIZE, show_default=True,
              help="Largest file accepted, in bytes.")
@click.option("--color/--no-color", "color", default=None, help="Force colour on or off "
              "(default: on a terminal, unless NO_COLOR is set).")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems (errors, warnings): no notes such as "
              "'assertion proven', no summary line.")
@click.option("--search/--no-search", default=True, show_default=True,
              help="Run the property search: settle generated ledgers and check that no cap is exceeded, "
                   "nothing is paid twice, shares add up, and the contract's own assertions hold.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the property search (reproducible).")
@click.option("--examples", type=click.IntRange(min=1), default=200, show_default=True,
              help="Ledgers generated per contract by the property search.")
@click.option("--counterexample-dir", type=click.Path(file_okay=False), default="counterexamples",
              show_default=True, help="Where a ledger that breaks a property is written as CSV.")
@click.option("--analysis/--no-analysis", default=True, show_default=True,
              help="Give each `assert` a verdict from the exact analysis: proven, refuted (with a witness "
                   "ledger), or left to the search.")
@click.option("--facts", is_flag=True, help="Print the analysis's figures (exact or upper bounds): the most a participant can be paid, "
              "each payer's maximum, the maximum liability and which limit sets it, which caps bind.")
@click.option("--time-limit", "time_limit", type=click.FloatRange(min=0), default=10.0, show_default=True,
              help="Seconds the exact analysis may spend per contract; past it, figures are upper bounds "
                   "and verdicts are left to the search.")
@guarded
def check(paths: tuple[str, ...], fmt: str, strict: bool, max_size: int, color: bool | None, quiet: bool,
          search: bool, seed: int, examples: int, counterexample_dir: str, analysis: bool, facts: bool,
          time_limit: float) -> None:
    """Check contracts and report every problem found.

    PATH may be a .sib file, a directory (every .sib file below it) or - for standard input.
    All errors of all files are reported, each with file:line:col, the source line, a caret
    and a hint. A contract without errors is then put through the property search (a seeded,
    bounded search over generated ledgers; --no-search skips it): a broken guarantee or
    assertion prints the smallest ledger that breaks it and writes it as CSV.
    """
    from sibdsl.driver import CheckOptions, NoContracts, check_paths

    options = CheckOptions(analysis=analysis, search=search, facts=facts, seed=seed, examples=examples,
                           time_limit=time_limit, counterexample_dir=Path(counterexample_dir), max_size=max_size,
                           quiet=quiet)
    stdin = sys.stdin.buffer.read(max_size + 1) if "-" in paths else None
    try:
        run = check_paths(paths, options, stdin)
    except NoContracts as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "text":
        from sibdsl.emit.human import render, summary

        colour = _colour(sys.stdout, color)
        for checked in run.files:
            for d in checked.diagnostics:
                click.echo(render(d, checked.result.source, colour), color=colour)
                click.echo("")
            if checked.facts_lines is not None:
                click.echo(f"{checked.name}: figures of the analysis (a figure that is only an upper bound says so)")
                for line in checked.facts_lines:
                    click.echo(f"  {line}")
                click.echo("")
        if not quiet:
            click.echo(summary(run.errors, run.warnings, len(run.files), colour), color=colour)
    else:
        click.echo(json.dumps(run.to_json() if fmt == "json" else run.to_sarif(), indent=2))
    sys.exit(run.exit_code(strict))


@cli.command(name="compile", epilog=EXIT_CODES_HELP)
@click.argument("file", metavar="FILE")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the JSON here instead of standard output.")
@click.option("--max-size", type=click.IntRange(min=1), default=DEFAULT_MAX_SIZE, show_default=True,
              help="Largest file accepted, in bytes.")
@guarded
def compile_cmd(file: str, output: str | None, max_size: int) -> None:
    """Compile one contract and print its model as JSON.

    The JSON validates against `sibc schema`. Money is written as exact decimal strings.
    On errors nothing is written and the diagnostics go to standard error.
    """
    from sibdsl.emit.human import render

    result = _compile_one(file, max_size)
    colour = _colour(sys.stderr, None)
    for d in result.diagnostics:
        click.echo(render(d, result.source, colour), err=True, color=colour)
    if result.model is None:
        sys.exit(EXIT_ERRORS)
    text = result.model.model_dump_json(indent=2)
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("contract", metavar="CONTRACT")
@click.argument("claims", metavar="CLAIMS")
@click.option("--measurements", type=str, default=None,
              help="Cohort-level results: measurement_id, outcome, [cohort], date, baseline, observed.")
@click.option("--requests", "requests_file", type=str, default=None,
              help="Requests to draw discretionary tranches: request_id, tranche, date, amount, [purpose].")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False), default="settlement", show_default=True,
              help="Directory for decisions, invoices.csv, tranches.csv and summary.txt (and, where the "
                   "contract invests, investors.csv and waterfall.csv).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="Format of the decisions file (json: JSON Lines).")
@click.option("--skip-invalid", is_flag=True,
              help="Settle the valid rows even if some rows are malformed (each skipped row is listed).")
@click.option("--as-of", type=IsoDate(), default=None,
              help="Today, for tranches: conditions, requests and deadlines after it are pending "
                   "(default: the latest date in the inputs). The waterfall runs only the periods ended by "
                   "then and calls no guarantee before maturity (default: it runs to maturity).")
@click.option("--diagnostics-format", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True, help="How problems in the inputs are written to stderr (json, sarif: one "
                                      "document, as `sibc check --format` writes them).")
@click.option("--statements", "statements", is_flag=True,
              help="Also write participant statements: statements.csv (one row per participant per outcome: "
                   "paid, refused and why, what it would pay if claimed on the --as-of date, headroom to every "
                   "cap, deadlines) and a readable page per participant in statements/ (one statements.md past "
                   "200 participants). See docs/settlement.md, \"Participant statements\".")
@guarded
def settle(contract: str, claims: str, measurements: str | None, requests_file: str | None, out_dir: str,
           fmt: str, skip_invalid: bool, as_of: Any, diagnostics_format: str, statements: bool) -> None:
    """Settle a ledger of outcome claims against a contract.

    CLAIMS is a CSV or JSON Lines file with columns claim_id, participant, outcome, date
    (YYYY-MM-DD) and, where the contract needs them, evidence, cohort, start (the participant's
    start date), referral (the referral date, for windows counted of referral), subgroup and
    value (a measured value for a sliding scale). Column names are listed in docs/settlement.md. Every claim gets a
    decision (paid, paid in part, rejected) with a reason and the rule that decided it;
    invoices are written per payer per settlement period. A malformed file is reported row by
    row and nothing is settled, unless --skip-invalid is given.

    Where the contract invests (investors with ranks, interest, return caps or guarantees, or a
    `waterfall`), the outcome payments then go through the waterfall period by period
    (docs/settlement.md, "The investment waterfall"): investors.csv has each investor's flows per
    period, waterfall.csv each period's receipts, needs, distributions, surplus and guarantees,
    and the summary each investor's loss, money multiple and IRR.
    """
    from sibdsl.cli.settle_cmd import run_settle

    sys.exit(run_settle(contract, claims, measurements, requests_file, out_dir, fmt, skip_invalid,
                        as_of.date() if as_of else None, diagnostics_format=diagnostics_format,
                        statements=statements))


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("file", metavar="FILE")
@click.option("--markdown", "as_markdown", is_flag=True, help="Write Markdown instead of text.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to a file.")
@click.option("--time-limit", "time_limit", type=click.FloatRange(min=0), default=10.0, show_default=True,
              help="Seconds the exact analysis may spend per contract; past it, figures are upper bounds "
                   "and verdicts are left to the search.")
@click.option("--charts", "charts_dir", type=click.Path(file_okay=False), default=None,
              help="Also simulate the contract (with --assumptions) and write its charts to this directory; the "
                   "report adds the simulation's summary and shows the charts.")
@click.option("--assumptions", "assumptions_path", metavar="FILE", type=click.Path(dir_okay=False), default=None,
              help="The assumptions file of `sibc simulate` (docs/simulate.md), for --charts.")
@guarded
def report(file: str, as_markdown: bool, output: str | None, time_limit: float, charts_dir: str | None,
           assumptions_path: str | None) -> None:
    """One page on what a contract can cost, who pays, which caps bind and where the risks are.

    Figures are computed exactly from the contract (no claims needed): the most one
    participant can be paid and the outcomes that reach it, the most each payer can owe, the
    maximum liability and which limit sets it, whether and when each cap binds, outcomes that
    can never be paid, and a verdict on each assertion. Where the contract invests, each
    investor class's worst case (the most it can lose) and best case (the most it can receive),
    the outcome level at which it gets its principal back, and its money multiple and IRR at
    outcome levels 0, 25, 50, 75 and 100% (docs/analysis.md).
    """
    from sibdsl.analysis.outputs import analyse, report_markdown, tranche_diagnostics, verdict_diagnostics
    from sibdsl.emit.human import render

    result = _compile_one(file, DEFAULT_MAX_SIZE)
    if result.model is None:
        colour = _colour(sys.stderr, None)
        for d in result.diagnostics:
            click.echo(render(d, result.source, colour), err=True, color=colour)
        sys.exit(EXIT_ERRORS)
    model, found, found_verdicts = analyse(result, time_limit=time_limit, shown=True)
    assert model is not None and found is not None
    # the warnings `sibc check --no-search` gives: the compiler's, the tranches', refuted assertions
    found_diagnostics = [*result.diagnostics, *tranche_diagnostics(result, found),
                         *verdict_diagnostics(result, model, found_verdicts, None, searched=False)]
    text = report_markdown(model, found, found_verdicts, file, found_diagnostics)
    if not as_markdown:  # plain text: no emphasis marks, no table rules
        text = "\n".join(line.replace("**", "").replace("`", "").lstrip("# ") for line in text.splitlines()
                         if not line or not set(line) <= set("|-: ")) + "\n"
    if charts_dir is not None or assumptions_path is not None:  # the simulation section (sibc simulate)
        from sibdsl.cli.simulate_cmd import report_section

        text += report_section(model, file, assumptions_path, charts_dir, as_markdown, output)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@cli.command(epilog=EXIT_CODES_HELP)
@guarded
def schema() -> None:
    """Print the JSON Schema of the compiled contract model (what `sibc compile` writes)."""
    from sibdsl.model.contract import Contract

    click.echo(json.dumps(Contract.model_json_schema(), indent=2))


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("code", required=False)
@click.option("--list", "list_all", is_flag=True, help="List every code and settlement reason with its title.")
@guarded
def explain(code: str | None, list_all: bool) -> None:
    """Explain a diagnostic code, with an example that triggers it, or a settlement reason.

    For example: sibc explain SIB101, sibc explain 101, sibc explain cap_reached (or
    cap-reached). Without a code, lists the catalogue.
    """
    from sibdsl.emit.explain import explain as explain_entry
    from sibdsl.emit.explain import listing

    if list_all or code is None:
        for line in listing():
            click.echo(line)
        return
    result = explain_entry(code)
    if not result.found:
        raise click.UsageError(result.text)
    click.echo(result.text)


# commands in modules of their own (imported here, after `cli` and `guarded` exist)
from sibdsl.cli import diff_cmd, export_cmd, fmt_cmd, import_cmd, lsp_cmd, render_cmd, simulate_cmd  # noqa: E402

cli.add_command(fmt_cmd.fmt)
cli.add_command(lsp_cmd.lsp)
cli.add_command(render_cmd.render)
cli.add_command(diff_cmd.diff)
cli.add_command(import_cmd.import_rates)
cli.add_command(export_cmd.export)
cli.add_command(simulate_cmd.simulate)


def main() -> None:
    cli(prog_name="sibc")
