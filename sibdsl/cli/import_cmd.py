"""The `sibc import-rates` command: read a rate card from an Excel sheet into .sib text.

Input: the path of an .xlsx workbook and the options (sheet, currency, output, size limit).
Output: the outcome declarations on standard output or in the file given with -o; the
diagnostics (SIB740-SIB746, each at its sheet and cell) on standard error. Exit code 0 imported
(warnings allowed), 1 the sheet has errors (nothing is written), 2 usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sibdsl.cli.common import EXIT_CODES_HELP, EXIT_ERRORS, EXIT_OK, guarded


@click.command(name="import-rates", epilog=EXIT_CODES_HELP)
@click.argument("sheet_file", metavar="SHEET.xlsx")
@click.option("--sheet", default=None, help="The sheet to read (default: the first).")
@click.option("--currency", default=None, help="The currency of the prices (default: a currency column or cell, "
              "the price column's name such as price_gbp, or the money strings).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write the .sib text to this file (default: standard output).")
@click.option("--max-size", type=click.IntRange(min=1), default=20 * 1024 * 1024, show_default=True,
              help="Largest workbook accepted, in bytes.")
@click.option("--diagnostics-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How problems are written to standard error (json: one document, for CI).")
@guarded
def import_rates(sheet_file: str, sheet: str | None, currency: str | None, output: str | None,
                 max_size: int, diagnostics_format: str) -> None:
    """Read a rate card from an Excel sheet and write it as .sib outcome declarations.

    The sheet has a header row with the columns outcome (the code name), title and price (a
    number or a money string such as 'GBP 1,500'), and optionally currency, after, within,
    repeat, evidence, cohort and trigger (docs/spreadsheets.md). Each problem is reported at
    its cell (rates.xlsx:Rates!C7) with a hint; nothing is written while there are errors.
    Paste the output into a contract below its header, or `sibc check` it there.
    """
    from sibdsl.exchange.rates import import_rates as run
    from sibdsl.exchange.rates import render_sheet_diagnostic

    result = run(sheet_file, sheet, currency, max_size)
    errors = sum(d.severity.value == "error" for d in result.diagnostics)
    if diagnostics_format == "json":
        import json

        click.echo(json.dumps({"file": sheet_file, "sheet": result.sheet, "outcomes": result.outcomes,
                               "error_count": errors,
                               "diagnostics": [{"code": d.code, "severity": d.severity.value, "location": d.file,
                                                "row": d.span.line, "column": d.span.column,
                                                "message": d.message, "hint": d.hint}
                                               for d in result.diagnostics]}, indent=2), err=True)
    else:
        for d in result.diagnostics:
            click.echo(render_sheet_diagnostic(d), err=True)
    if result.text is None or result.has_errors:
        if diagnostics_format == "text":
            click.echo(f"{sheet_file}: {errors} error{'s' if errors != 1 else ''}; nothing imported", err=True)
        sys.exit(EXIT_ERRORS)
    if output is None or output == "-":
        click.echo(result.text, nl=False)
    else:
        try:
            Path(output).write_text(result.text, encoding="utf-8")
        except OSError as exc:
            raise click.UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
        if diagnostics_format == "text":
            click.echo(f"{sheet_file}: {result.outcomes} outcome(s) of sheet {result.sheet!r} written to {output}",
                       err=True)
    sys.exit(EXIT_OK)
