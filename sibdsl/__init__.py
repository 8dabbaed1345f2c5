"""sibdsl: a contract language and compiler for outcomes-based contracts (Social Impact Bonds).

Public API (json-module style):
    load(path) / loads(text)    -> the compiled `Contract` model, or raise `ContractError`
    compile_file / compile_text -> `CompileResult` with every diagnostic, never raises
    check_file / check_text     -> `CheckRun`: what `sibc check` reports (compile, analysis,
                                   property search), never raises; `.to_json()` is exactly
                                   what `sibc check --format json` prints
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pathlib import Path

    from sibdsl.compiler import CompileResult
    from sibdsl.driver import CheckOptions, CheckRun
    from sibdsl.model.contract import Contract


class ContractError(ValueError):
    """Raised by load/loads when the contract has errors; `.diagnostics` lists them."""

    def __init__(self, result: CompileResult) -> None:
        self.result = result
        self.diagnostics = result.diagnostics
        first = next((d for d in result.diagnostics if d.severity.value == "error"), None)
        where = f"{first.file}:{first.span.line}:{first.span.column}: {first.code} {first.message}" if first else ""
        super().__init__(f"contract has errors: {where}")


def loads(text: str, name: str = "<string>") -> Contract:
    from sibdsl.compiler import compile_text

    result = compile_text(text, name)
    if result.model is None:
        raise ContractError(result)
    return result.model


def load(path: str) -> Contract:
    from sibdsl.compiler import compile_file

    result = compile_file(path)
    if result.model is None:
        raise ContractError(result)
    return result.model


def compile_file(path: str) -> CompileResult:
    from sibdsl import compiler

    return compiler.compile_file(path)


def compile_text(text: str, name: str = "<string>") -> CompileResult:
    from sibdsl import compiler

    return compiler.compile_text(text, name)


def check_file(path: str | Path, options: CheckOptions | None = None) -> CheckRun:
    """Check one contract file as `sibc check` does (`options`: `sibdsl.driver.CheckOptions`;
    by default analysis and search on, seed 0, and no CSV files written)."""
    from sibdsl import driver

    return driver.check_file(path, options or driver.CheckOptions())


def check_text(text: str, name: str = "<string>", options: CheckOptions | None = None) -> CheckRun:
    """Check the text of one contract as `sibc check` does."""
    from sibdsl import driver

    return driver.check_text(text, name, options or driver.CheckOptions())
