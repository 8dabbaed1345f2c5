"""`sibc diff OLD NEW`: what an amendment changes, and what it does to the money (docs/diff.md).

Input: two .sib files (the contract before and after a variation), and optionally a claims
ledger (with measurements and requests, as `sibc settle` takes them). Output: the comparison
as text, Markdown or JSON on stdout (or `-o OUT`); the diagnostics of a file that does not
compile, and of a ledger, on stderr. Exit 0 when no assertion verdict changed, 1 when one did
or either file (or the ledger) has errors, 2 usage, 3 internal.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from sibdsl.cli.common import DEFAULT_MAX_SIZE, EXIT_ERRORS, EXIT_OK, _colour, guarded

DIFF_EXIT_HELP = """\b
Exit codes:
  0  no assertion verdict changed (clauses and figures may have)
  1  an assertion verdict changed (listed first, and on stderr), or OLD, NEW or a ledger has errors
  2  usage error (bad option, missing argument)
  3  internal error in sibc itself (a bug; please report it)"""


def _show(diagnostics: list[Any], source: Any) -> None:
    from sibdsl.emit.human import render

    colour = _colour(sys.stderr, None)
    for d in diagnostics:
        click.echo(render(d, source, colour), err=True, color=colour)
        click.echo("", err=True)


@click.command(epilog=DIFF_EXIT_HELP)
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--claims", "claims", type=str, default=None, metavar="FILE",
              help="A claims ledger (as `sibc settle` reads it): settle it under both versions and list the "
                   "claims whose decision or amount changes, and the change per payer and per period.")
@click.option("--measurements", type=str, default=None, metavar="FILE", help="Cohort-level results, with --claims.")
@click.option("--requests", "requests_file", type=str, default=None, metavar="FILE",
              help="Requests to draw discretionary tranches, with --claims.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True, help="text for people, markdown for a pull request or a variation note, "
                                      "json (schema sibc-diff/1, docs/diff.md) for tools.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to a file.")
@click.option("--time-limit", "time_limit", type=click.FloatRange(min=0), default=10.0, show_default=True,
              help="Seconds the exact analysis may spend on each version; past it, figures are upper bounds.")
@guarded
def diff(old: str, new: str, claims: str | None, measurements: str | None, requests_file: str | None, fmt: str,
         output: str | None, time_limit: float) -> None:
    """Show what an amendment changes, clause by clause, and what it does to the money.

    Like `terraform plan` for a variation of the contract: OLD is the contract as signed, NEW
    the amended text. Prints each clause added, removed or changed, in the contract's own words
    (an outcome's price, a payer's share, a cap, a new outcome or tranche) with the source
    lines that differ; then every figure of the exact analysis that changes (the most one
    participant can be paid, each payer's maximum, the maximum liability, when each cap binds,
    each investor's worst and best case), old -> new, a figure that is only an upper bound
    saying so; then every assertion's verdict, old -> new. With --claims, the same ledger is
    settled under both versions by the engine of `sibc settle`.

    \b
    Example:
      sibc diff contracts/fair-chance-fund.sib amended.sib
      sibc diff v1.sib v2.sib --claims claims.csv --format markdown -o variation.md

    The analysis runs once per version (no property search). A changed assertion verdict
    exits 1, so a CI job fails when an amendment breaks (or newly proves) a guarantee.
    """
    from sibdsl.compiler import compile_file

    if (measurements or requests_file) and not claims:
        raise click.UsageError("--measurements and --requests need --claims")
    results = [compile_file(path, DEFAULT_MAX_SIZE) for path in (old, new)]
    failed = False
    for path, result in zip((old, new), results, strict=True):
        if result.model is None:
            _show(result.diagnostics, result.source)
            click.echo(f"sibc diff: {path} has errors; nothing compared", err=True)
            failed = True
    if failed:
        sys.exit(EXIT_ERRORS)
    sys.exit(_run(results[0], results[1], old, new, claims, measurements, requests_file, fmt, output, time_limit))


def _run(before: Any, after: Any, old: str, new: str, claims: str | None, measurements: str | None,
         requests_file: str | None, fmt: str, output: str | None, time_limit: float) -> int:
    from sibdsl.compare.changes import clause_changes
    from sibdsl.compare.impact import impact
    from sibdsl.compare.output import Diff, markdown, text, to_json, warnings_for

    found = Diff(old, new, before.model.header, after.model.header, clause_changes(before, after),
                 impact(before, after, time_limit), warnings=warnings_for(before.model.header, after.model.header,
                                      before.source is not None and after.source is not None
                                      and before.source.text == after.source.text))
    ledger_failed = False
    if claims:
        from sibdsl.compare.claims import compare_claims

        found.claims = compare_claims(before, after, claims, measurements, requests_file)
        for _name, diagnostics, source in found.claims.diagnostics:
            _show(diagnostics, source)
        ledger_failed = found.claims.error is not None
        if ledger_failed:
            click.echo(f"sibc diff: {found.claims.error}", err=True)
    for w in found.warnings:
        click.echo(f"sibc diff: warning: {w}", err=True)
    if fmt == "json":
        document = to_json(found)
        if found.claims is not None:
            from sibdsl.emit.machine import to_json as diagnostics_json

            document["claims"]["diagnostics"] = diagnostics_json(
                [(name, ds) for name, ds, _ in found.claims.diagnostics])
        shown = json.dumps(document, indent=2) + "\n"
    else:
        shown = markdown(found) if fmt == "markdown" else text(found)
    if output:
        Path(output).write_text(shown, encoding="utf-8")
    else:
        click.echo(shown, nl=False)
    if found.verdict_changed:
        click.echo("sibc diff: assertion verdict changed: " + "; ".join(
            f"'{v.new_text or v.old_text}' {v.old or 'new'} -> {v.new}" for v in found.impact.changed_verdicts),
            err=True)
        return EXIT_ERRORS
    return EXIT_ERRORS if ledger_failed else EXIT_OK
