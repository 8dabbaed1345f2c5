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

import click

from sibdsl.cli.main import DEFAULT_MAX_SIZE, EXIT_ERRORS, EXIT_OK, _colour, _compile_one


def run_render(file: str, fmt: str, output: str | None, audience: str, time_limit: float) -> int:
    from sibdsl.emit.human import render

    if fmt == "docx" and (output is None or output == "-"):
        raise click.UsageError("--format docx writes a file: give it with -o FILE.docx")
    result = _compile_one(file, DEFAULT_MAX_SIZE)
    if result.model is None:
        colour = _colour(sys.stderr, None)
        for d in result.diagnostics:
            click.echo(render(d, result.source, colour), err=True, color=colour)
        return EXIT_ERRORS
    if audience == "participants":
        from sibdsl.render.easyread import build_easy_read  # type: ignore[import-not-found,unused-ignore]

        document = build_easy_read(result.model)
    else:
        from sibdsl.render.schedule import build_schedule

        document = build_schedule(result.model, time_limit)
    if fmt == "docx":
        from sibdsl.render.docx import write_docx

        assert output is not None
        write_docx(document, output)
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
        Path(output).write_text(text, encoding="utf-8")
    return EXIT_OK
