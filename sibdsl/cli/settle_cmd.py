"""The `sibc settle` command: read, settle, write, summarise.

Input: paths given on the command line. Output: files in the output directory and the
summary on stdout; contract and ledger problems as diagnostics on stderr (text, or one JSON
or SARIF document with `diagnostics_format`), skipped rows among them (SIB707). Returns the
exit code.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from sibdsl.cli.common import EXIT_ERRORS, EXIT_OK, _colour
from sibdsl.core.diagnostics import Diagnostic

PROGRESS_FROM = 50_000  # claims; progress is shown on a terminal for ledgers at least this long


def _show(diagnostics: list[Diagnostic], source: Any) -> None:
    from sibdsl.emit.human import render

    colour = _colour(sys.stderr, None)
    for d in diagnostics:
        click.echo(render(d, source, colour), err=True, color=colour)


class _Report:
    """Where diagnostics go: rendered one by one (text), or gathered into one JSON / SARIF
    document written to stderr when the command ends (so stdout keeps only the summary)."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.files: list[tuple[str, list[Diagnostic]]] = []

    def show(self, name: str, diagnostics: list[Diagnostic], source: Any) -> None:
        if self.fmt == "text":
            _show(diagnostics, source)
        else:
            self.files.append((name, diagnostics))

    def say(self, text: str) -> None:
        """A plain message on stderr: text mode only (the document says it with its codes)."""
        if self.fmt == "text":
            click.echo(text, err=True)

    def done(self, code: int) -> int:
        if self.fmt != "text":
            import json

            from sibdsl.emit.machine import to_json, to_sarif

            document = to_json(self.files) if self.fmt == "json" else to_sarif(self.files)
            click.echo(json.dumps(document, indent=2), err=True)
        return code


def run_settle(contract_path: str, claims_path: str, measurements_path: str | None, requests_path: str | None,
               out_dir: str, fmt: str, skip_invalid: bool, as_of: date | None,
               diagnostics_format: str = "text", statements: bool = False) -> int:
    import decimal

    from sibdsl.core.money import wide

    with decimal.localcontext(wide()):  # totals, invoices and the summary exact at any size
        return _run_settle(contract_path, claims_path, measurements_path, requests_path, out_dir, fmt,
                           skip_invalid, as_of, diagnostics_format, statements)


def _run_settle(contract_path: str, claims_path: str, measurements_path: str | None, requests_path: str | None,
                out_dir: str, fmt: str, skip_invalid: bool, as_of: date | None, diagnostics_format: str,
                statements: bool = False) -> int:
    from sibdsl.compiler import compile_file
    from sibdsl.settlement.engine import settle
    from sibdsl.settlement.ledger import read_ledger
    from sibdsl.settlement.output import (
        decision_rows,
        decisions_csv,
        decisions_json,
        invoices_csv,
        summary,
        tranches_csv,
    )
    from sibdsl.settlement.tranches import participant_groups, release_tranches

    report = _Report(diagnostics_format)
    compiled = compile_file(contract_path)
    if compiled.model is None:
        report.show(compiled.name, compiled.diagnostics, compiled.source)
        report.say(f"{contract_path}: the contract has errors; nothing settled")
        return report.done(EXIT_ERRORS)
    contract = compiled.model
    ledgers = [read_ledger(claims_path, "claims", contract)]
    if measurements_path:
        ledgers.append(read_ledger(measurements_path, "measurements", contract))
    if requests_path:
        ledgers.append(read_ledger(requests_path, "requests", contract))
    fatal = any(not ledger.readable for ledger in ledgers)
    invalid = sum(len(ledger.invalid_rows) for ledger in ledgers)
    if skip_invalid and not fatal:
        for ledger in ledgers:
            ledger.skip_invalid_rows()  # SIB707 for each, beside its error
    for ledger in ledgers:
        report.show(ledger.sink.file, ledger.sink.sorted(), ledger.source)
    if fatal:
        report.say("nothing settled: a ledger file could not be read (see above)")
        return report.done(EXIT_ERRORS)
    if invalid and not skip_invalid:
        report.say(f"{invalid} invalid row(s); nothing settled. Fix them, or use --skip-invalid to settle the "
                   "valid rows.")
        return report.done(EXIT_ERRORS)
    claims = ledgers[0].records
    measurements = next((lg.records for lg in ledgers if lg.kind == "measurements"), [])
    requests = next((lg.records for lg in ledgers if lg.kind == "requests"), [])
    progress = None
    if len(claims) >= PROGRESS_FROM and sys.stderr.isatty() and diagnostics_format == "text":
        def progress(n: int) -> None:
            click.echo(f"\r  settled {n:,} of {len(claims) + len(measurements):,}", err=True, nl=False)
    result = settle(contract, claims, measurements, progress=progress, spans=compiled.spans, file=contract_path)
    if progress is not None:
        click.echo("", err=True)
    releases = release_tranches(contract, result.decisions, requests, as_of,
                                participant_groups(result.figures.participants))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = decision_rows(result, compiled.spans, contract_path)
    name = "decisions.csv" if fmt == "csv" else "decisions.jsonl"
    (out / name).write_text(decisions_csv(rows) if fmt == "csv" else decisions_json(rows), encoding="utf-8")
    (out / "invoices.csv").write_text(invoices_csv(result), encoding="utf-8")
    (out / "tranches.csv").write_text(tranches_csv(releases, contract.header.currency), encoding="utf-8")
    written = [out / name, out / "invoices.csv", out / "tranches.csv"]
    waterfall = None
    if contract.invests:  # the investment waterfall (docs/settlement.md, "The investment waterfall")
        from sibdsl.settlement.output import investors_csv, waterfall_csv
        from sibdsl.settlement.waterfall import run_waterfall

        waterfall = run_waterfall(contract, result, releases, as_of)
        (out / "investors.csv").write_text(investors_csv(waterfall, contract.header.currency), encoding="utf-8")
        (out / "waterfall.csv").write_text(waterfall_csv(waterfall, contract), encoding="utf-8")
        written += [out / "investors.csv", out / "waterfall.csv"]
    if statements:  # participant statements (docs/settlement.md, "Participant statements")
        from sibdsl.settlement.statements import build_statements
        from sibdsl.settlement.statements_output import write_statements

        made = build_statements(contract, claims, measurements, result, as_of, compiled.spans, contract_path)
        files = write_statements(made, out)
        written.append(files[0])
        if len(files) > 1:  # one statements.md, or a page each in statements/
            written.append(files[1] if files[1].name == "statements.md" else files[1].parent)
    text = summary(result, releases, compiled.spans, contract_path, skipped=invalid, waterfall=waterfall)
    (out / "summary.txt").write_text(text, encoding="utf-8")
    click.echo(text)
    click.echo("written: " + ", ".join(str(p) for p in [*written, out / "summary.txt"]))
    return report.done(EXIT_OK)
