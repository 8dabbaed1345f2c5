"""`sibc fmt`: rewrite .sib files in the one canonical layout (docs/fmt.md).

Input: paths (files, directories holding .sib files, or - for standard input) and the flags
--check and --diff. Output: files rewritten in place (atomically, mode kept), or with --check a
list of the files that would change and exit 1, or with --diff a unified diff; `sibc fmt -`
reads standard input and writes the formatted text to standard output (for editors). A file
that does not parse is left as it is and its diagnostics are printed (exit 1).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sibdsl.cli.common import DEFAULT_MAX_SIZE, EXIT_ERRORS, EXIT_INTERNAL, EXIT_OK, _colour, guarded

FMT_EXIT_HELP = """\b
Exit codes:
  0  every file is in the canonical layout (or has been rewritten in it)
  1  with --check: a file would change; or a file does not parse (left as it was)
  2  usage error (bad option, no such path)
  3  internal error: the layout would change what a file says (a bug; the file is left as it was)"""


def _print_diagnostics(diagnostics: list, text: str, name: str) -> None:  # type: ignore[type-arg]
    from sibdsl.core.source import SourceFile
    from sibdsl.emit.human import render

    colour = _colour(sys.stderr, None)
    source = SourceFile(name, text)
    for d in diagnostics:
        click.echo(render(d, source, colour), err=True, color=colour)
        click.echo("", err=True)


def _read(name: str, data: bytes) -> tuple[str | None, list]:  # type: ignore[type-arg]
    from sibdsl.core.diagnostics import DiagnosticSink
    from sibdsl.syntax.parse import decode_source

    sink = DiagnosticSink(name)
    source = decode_source(name, data, sink, DEFAULT_MAX_SIZE)
    return (source.text if source is not None else None), sink.items


def _write_atomically(path: Path, text: str) -> None:
    import tempfile

    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.command(name="fmt", epilog=FMT_EXIT_HELP)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing; list the files that are not in the canonical layout and exit 1 if any.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Change nothing; print what would change as a unified diff (with --check, exit 1 if any).")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems, no summary line.")
@guarded
def fmt(paths: tuple[str, ...], check_only: bool, show_diff: bool, quiet: bool) -> None:
    """Rewrite .sib files in the one canonical layout, keeping every comment.

    PATH may be a .sib file, a directory (every .sib file below it) or - (read standard input,
    write the result to standard output: for editors). The layout (docs/fmt.md): declarations at
    column 0, clauses indented two spaces, continuation lines four, one space between words,
    at most one blank line; the author's line breaks and every comment are kept. Formatting
    never changes what a contract says: the result is parsed again and must give the same
    syntax tree, or the file is left as it was. Formatting twice changes nothing.

    \b
    Examples:
      sibc fmt contracts/                 rewrite every contract in place
      sibc fmt --check contracts/         for CI and pre-commit: exit 1 if one would change
      sibc fmt --diff contract.sib        show the change without making it
      sibc fmt - < contract.sib           for an editor: formatted text on standard output
    """
    import difflib

    from sibdsl.driver import NoContracts, collect
    from sibdsl.syntax.formatter import Unsafe, format_text

    try:
        files = collect(paths)
    except NoContracts as exc:
        raise click.UsageError(str(exc)) from None
    changed: list[str] = []
    broken = unsafe = 0
    for name in files:
        if name == "-":
            data = sys.stdin.buffer.read(DEFAULT_MAX_SIZE + 1)
            shown = "<stdin>"
        else:
            path = Path(name)
            if not path.is_file():
                raise click.UsageError(f"no such file: {name}")
            data = path.read_bytes()
            shown = name
        text, problems = _read(shown, data)
        if text is None:
            _print_diagnostics(problems, data.decode("utf-8", "replace"), shown)
            broken += 1
            continue
        try:
            result = format_text(text, shown)
        except Unsafe as exc:
            click.echo(f"sibc: internal error: {exc}; {shown} is left as it was. Please report this "
                       "with the file.", err=True)
            unsafe += 1
            continue
        if result.text is None:
            _print_diagnostics(result.diagnostics, text, shown)
            broken += 1
            continue
        if name == "-" and not (check_only or show_diff):
            click.echo(result.text, nl=False)
            continue
        if result.text == text:
            continue
        changed.append(shown)
        if show_diff:
            click.echo("".join(difflib.unified_diff(text.splitlines(True), result.text.splitlines(True),
                                                    f"{shown} (as written)", f"{shown} (formatted)")), nl=False)
        elif check_only:
            click.echo(f"would reformat {shown}")
        else:
            _write_atomically(Path(name), result.text)
            if not quiet:
                click.echo(f"reformatted {shown}", err=True)
    if not quiet and not (len(files) == 1 and files[0] == "-"):
        verb = "would be reformatted" if (check_only or show_diff) else "reformatted"
        left = len(files) - len(changed) - broken - unsafe
        parts = [f"{len(changed)} file{'s' if len(changed) != 1 else ''} {verb}",
                 f"{left} already canonical"]
        if broken:
            parts.append(f"{broken} not formatted (syntax errors)")
        click.echo(", ".join(parts), err=True)
    if unsafe:
        sys.exit(EXIT_INTERNAL)
    if broken or (check_only and changed):
        sys.exit(EXIT_ERRORS)
    sys.exit(EXIT_OK)
