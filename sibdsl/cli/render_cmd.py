"""The `sibc render` command: compile a contract and write its payment schedule (Markdown, HTML
or DOCX) or the easy-read version for participants.

Input: the path of a .sib file (or - for standard input) and the options. Output: the document
on standard output (Markdown, HTML) or in the file given with -o (any format; DOCX needs one);
compile errors as diagnostics on standard error, as `sibc report` prints them. Returns the exit
code: 0 written, 1 the contract has errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from sibdsl.cli.common import DEFAULT_MAX_SIZE, EXIT_CODES_HELP, EXIT_ERRORS, EXIT_OK, _colour, guarded


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("file", metavar="FILE")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "docx"]), default="md", show_default=True,
              help="md: Markdown; html: one self-contained page, ready to print to PDF (A4, page numbers); "
                   "docx: a Word document with real tables and heading styles (needs -o).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write the document to this file (- or none: standard output, for md and html).")
@click.option("--audience", type=click.Choice(["schedule", "participants"]), default="schedule", show_default=True,
              help="schedule: the payment schedule for signing; participants: the easy-read version for the "
                   "people who use the service and co-design panels.")
@click.option("--time-limit", "time_limit", type=click.FloatRange(min=0), default=2.0, show_default=True,
              help="Seconds the analysis may spend finding the routes of the worked examples.")
@guarded
def render(file: str, fmt: str, output: str | None, audience: str, time_limit: float) -> None:
    """Write the payment schedule of a contract, for signing, or its easy-read version.

    The schedule is in the register of a UK outcomes contract ("Schedule: Outcomes Payment
    Mechanism"): the version and amendment history, numbered clauses citing the contract's own
    clause references, definitions, the payers with their shares and maxima, the other
    parties, the cohorts and eligibility, the rate card as a table in plain words, the limits
    on payments, settlement, the investment terms, and an annex of worked examples settled by
    the engine: one participant through the costliest route, and each cap reached. Every
    figure comes from the compiled contract or the engine. FILE may be - for standard input.
    A contract with errors prints its diagnostics, as `sibc check` does, and exits 1.
    """
    sys.exit(run_render(file, fmt, output, audience, time_limit))


def _compile(name: str) -> Any:
    from sibdsl.compiler import compile_bytes, compile_file

    if name == "-":
        return compile_bytes(sys.stdin.buffer.read(DEFAULT_MAX_SIZE + 1), "<stdin>", DEFAULT_MAX_SIZE)
    return compile_file(name, DEFAULT_MAX_SIZE)


def run_render(file: str, fmt: str, output: str | None, audience: str, time_limit: float) -> int:
    from sibdsl.emit.human import render

    if fmt == "docx" and (output is None or output == "-"):
        raise click.UsageError("--format docx writes a file: give it with -o FILE.docx")
    result = _compile(file)
    if result.model is None:
        colour = _colour(sys.stderr, None)
        for d in result.diagnostics:
            click.echo(render(d, result.source, colour), err=True, color=colour)
        return EXIT_ERRORS
    if audience == "participants":
        from sibdsl.render.easyread import build_easy_read

        document = build_easy_read(result.model)
    else:
        from sibdsl.render.schedule import build_schedule

        document = build_schedule(result.model, time_limit)
    if fmt == "docx":
        from sibdsl.render.docx import docx_bytes

        assert output is not None
        _write(output, docx_bytes(document))
        return EXIT_OK
    if fmt == "html":
        from sibdsl.render.html import write_html

        text = write_html(document)
    else:
        from sibdsl.render.markdown import write_markdown

        text = write_markdown(document)
    if output is None or output == "-":
        click.echo(text, nl=False)
    else:
        _write(output, text.encode("utf-8"))
    return EXIT_OK


def _write(output: str, data: bytes) -> None:
    """Write the document; a path that cannot be written is a usage error (exit 2), not a crash."""
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        raise click.UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
