"""The pieces every `sibc` command shares: exit codes, colour, and the guard that turns an
unexpected exception into a plain internal-error message (exit 3) instead of a traceback.

Input: none (imported by sibdsl/cli/main.py and the command modules beside it). Output:
`guarded`, `_colour`, the exit codes and the default size limit. Kept apart from main.py so
that command modules can import them without an import cycle.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import click

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
DEFAULT_MAX_SIZE = 5 * 1024 * 1024

P = ParamSpec("P")
R = TypeVar("R")

EXIT_CODES_HELP = """\b
Exit codes:
  0  no errors (warnings allowed unless --strict)
  1  the contract has errors (or warnings, with --strict)
  2  usage error (bad option, missing argument, unknown code)
  3  internal error in sibc itself (a bug; please report it)"""


def _colour(stream: Any, force: bool | None) -> bool:
    if force is not None:
        return force
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn any unexpected exception into a plain internal-error message and exit code 3."""

    import functools

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:  # output piped into `head` and the like: stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(EXIT_OK)
        except Exception as exc:
            click.echo(f"sibc: internal error (SIB999): {type(exc).__name__}: {exc}\n"
                       "This is a bug in sibc, not in your contract. Please report it with the file "
                       "that caused it.", err=True)
            if os.environ.get("SIBC_DEBUG"):
                traceback.print_exc()
            sys.exit(EXIT_INTERNAL)

    return wrapper
