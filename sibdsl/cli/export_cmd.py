"""The `sibc export` command: a contract's rate card (and a settlement) as .xlsx, or the
contract as an INDIGO project (JSON).

Input: the path of a .sib file and the options: --xlsx OUT.xlsx (the rate card, payers and caps;
with --claims FILE, and --measurements FILE, also the decisions and invoices of settling them),
--indigo OUT.json (the fields of the INDIGO project data standard the contract determines).
Output: the files; compile errors and ledger problems as diagnostics on standard error. Exit code
0 written, 1 the contract or the ledger has errors (nothing written), 2 usage.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from sibdsl.cli.common import DEFAULT_MAX_SIZE, EXIT_CODES_HELP, EXIT_ERRORS, EXIT_OK, _colour, guarded


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("contract", metavar="CONTRACT")
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False), default=None,
              help="Write the rate card, payers and caps (and, with --claims, the decisions and invoices) "
                   "to this Excel workbook.")
@click.option("--claims", type=str, default=None,
              help="A claims ledger (as `sibc settle` reads it) to settle into the workbook's Decisions and "
                   "Invoices sheets.")
@click.option("--measurements", type=str, default=None, help="Cohort-level results, as `sibc settle` reads them.")
@click.option("--indigo", "indigo", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write the contract as an INDIGO project (Government Outcomes Lab data standard, JSON); "
                   "- for standard output.")
@guarded
def export(contract: str, xlsx: str | None, claims: str | None, measurements: str | None,
           indigo: str | None) -> None:
    """Export a contract to a spreadsheet or to the INDIGO data standard.

    --xlsx writes sheets "Rate card" (outcome, title, price, the conditions in words, how
    often), "Payers" and "Caps"; with --claims the ledger is settled as `sibc settle` settles
    it and the sheets "Decisions" and "Invoices" are added. Money is an exact number formatted
    in the contract's currency, dates are dates. --indigo writes the fields of the INDIGO
    project schema that the contract determines (docs/indigo.md).
    """
    if xlsx is None and indigo is None:
        raise click.UsageError("say what to write: --xlsx OUT.xlsx and/or --indigo OUT.json")
    if (claims or measurements) and xlsx is None:
        raise click.UsageError("--claims and --measurements go into the workbook: give --xlsx OUT.xlsx")
    sys.exit(run_export(contract, xlsx, claims, measurements, indigo))


def run_export(contract_path: str, xlsx: str | None, claims: str | None, measurements: str | None,
               indigo: str | None) -> int:
    import decimal

    from sibdsl.compiler import compile_file
    from sibdsl.core.money import wide
    from sibdsl.emit.human import render

    compiled = compile_file(contract_path, DEFAULT_MAX_SIZE)
    colour = _colour(sys.stderr, None)
    if compiled.model is None:
        for d in compiled.diagnostics:
            click.echo(render(d, compiled.source, colour), err=True, color=colour)
        return EXIT_ERRORS
    model = compiled.model
    if xlsx is not None:
        with decimal.localcontext(wide()):
            settlement = _settle(compiled, claims, measurements) if claims else None
            if settlement is False:
                return EXIT_ERRORS
            from sibdsl.exchange.workbook import workbook_bytes

            releases = None
            if settlement is not None and model.tranches:
                from sibdsl.settlement.tranches import participant_groups, release_tranches

                releases = release_tranches(model, settlement.decisions, [], None,
                                            participant_groups(settlement.figures.participants))
            _write(xlsx, workbook_bytes(model, settlement or None, releases))
    if indigo is not None:
        from sibdsl.exchange.indigo import indigo_json

        text = indigo_json(model)
        if indigo == "-":
            click.echo(text, nl=False)
        else:
            _write(indigo, text.encode("utf-8"))
    return EXIT_OK


def _settle(compiled: Any, claims: str, measurements: str | None) -> Any:
    """The settlement of the ledgers, or False (their problems printed) when one cannot be read."""
    from sibdsl.emit.human import render
    from sibdsl.settlement.engine import settle
    from sibdsl.settlement.ledger import read_ledger

    contract = compiled.model
    ledgers = [read_ledger(claims, "claims", contract)]
    if measurements:
        ledgers.append(read_ledger(measurements, "measurements", contract))
    colour = _colour(sys.stderr, None)
    bad = False
    for ledger in ledgers:
        for d in ledger.sink.sorted():
            click.echo(render(d, ledger.source, colour), err=True, color=colour)
        bad = bad or not ledger.readable or bool(ledger.invalid_rows)
    if bad:
        click.echo("the ledger has errors (see above): nothing exported", err=True)
        return False
    found = next((lg.records for lg in ledgers if lg.kind == "measurements"), [])
    return settle(contract, ledgers[0].records, found, spans=compiled.spans, file=compiled.name)


def _write(output: str, data: bytes) -> None:
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        raise click.UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
