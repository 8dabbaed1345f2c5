"""The check driver: the whole `sibc check` pipeline for one or many contracts.

Input: paths (files, directories, "-" read by the caller), or bytes / text, and
`CheckOptions`. Output: `CheckRun` — per file, its `CompileResult` with every diagnostic of
every phase (compile, then for an error-free contract the exact analysis's verdicts and the
property search), de-duplicated and in order, and the analysis's figures when asked for.

Everything that checks a contract goes through here: the `sibc check` command, the Python API
(`sibdsl.check_file`, `sibdsl.check_text`) and the language server. So they give the same
diagnostics: `CheckRun.to_json()` is exactly what `sibc check --format json` prints.

Order of the pipeline, per file:
1. compile (`compiler.compile_bytes` / `compile_file`, without building the model: `sibc
   check` does not need pydantic's second line of defence, and it is slow to import);
2. if the contract has no errors: the exact analysis (verdicts on `assert`, SIB720/711/722,
   tranches that can never be released, SIB723) when it has assertions or conditional
   tranches, or when figures are asked for;
3. the property search (SIB710/711), seeded by the analysis's candidate witnesses and aimed
   at the assertions it left undecided; an assertion the analysis refuted is not reported
   again by the search;
4. diagnostics sorted by line, column and code; with `quiet`, notes dropped.
An exception inside sibc becomes one SIB999 diagnostic for that file (never a traceback);
`CheckRun.internal` says so, and the CLI exits 3.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sibdsl.compiler import CompileResult, compile_bytes, compile_file
from sibdsl.core.codes import Code
from sibdsl.core.diagnostics import Diagnostic, DiagnosticSink, Severity, is_problem
from sibdsl.core.source import NO_SPAN
from sibdsl.syntax.parse import DEFAULT_MAX_BYTES

INTERNAL_CODE: Code = "SIB999"
INTERNAL_HINT = "this is a bug in sibc, not in your contract; please report it with the file that caused it"


@dataclass(frozen=True)
class CheckOptions:
    """What `sibc check` runs; the defaults are its defaults (but no CSV files are written
    unless `counterexample_dir` is given: `sibc check` gives `counterexamples/`)."""

    analysis: bool = True  # verdicts of the exact analysis on each `assert`
    search: bool = True  # the property search over generated ledgers
    facts: bool = False  # keep the analysis's figures (`FileCheck.facts`)
    seed: int = 0
    examples: int = 200
    time_limit: float = 10.0  # seconds of solver time per contract
    counterexample_dir: Path | None = None  # where witness and counterexample ledgers go as CSV
    max_size: int = DEFAULT_MAX_BYTES
    quiet: bool = False  # drop notes (e.g. "assertion proven")


@dataclass
class FileCheck:
    result: CompileResult
    facts_lines: list[str] | None = None  # the figures as text (`--facts`)
    facts: dict[str, Any] | None = None  # the figures as JSON (`--facts --format json`)

    @property
    def name(self) -> str:
        return self.result.name

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.result.diagnostics


@dataclass
class CheckRun:
    files: list[FileCheck] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for f in self.files for d in f.diagnostics]

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)

    @property
    def internal(self) -> bool:
        """A bug in sibc was hit (a SIB999 diagnostic)."""
        return any(d.code == INTERNAL_CODE for d in self.diagnostics)

    def exit_code(self, strict: bool = False) -> int:
        """0 no errors (warnings allowed unless `strict`), 1 errors, 3 a bug in sibc."""
        if self.internal:
            return 3
        return 1 if self.errors > 0 or (strict and self.warnings > 0) else 0

    def to_json(self) -> dict[str, Any]:
        """The document `sibc check --format json` prints."""
        from sibdsl.emit.machine import to_json

        doc = to_json([(f.name, f.diagnostics) for f in self.files])
        facts = {f.name: f.facts for f in self.files if f.facts is not None}
        if facts:
            doc["facts"] = facts
        return doc

    def to_sarif(self) -> dict[str, Any]:
        from sibdsl.emit.machine import to_sarif

        return to_sarif([(f.name, f.diagnostics) for f in self.files])


class NoContracts(ValueError):
    """A directory given to check holds no .sib file."""


def collect(paths: Iterable[str]) -> list[str]:
    """The files to check: each path as given, a directory as every .sib file below it (sorted);
    "-" stays "-" (standard input, read by the caller)."""
    files: list[str] = []
    for raw in paths:
        p = Path(raw)
        if raw != "-" and p.is_dir():
            found = sorted(str(f) for f in p.rglob("*.sib") if f.is_file())
            if not found:
                raise NoContracts(f"no .sib files in directory {raw}")
            files += found
        else:
            files.append(raw)
    return files


def check_paths(paths: Sequence[str], options: CheckOptions = CheckOptions(), stdin: bytes | None = None) -> CheckRun:
    """Check files and directories (every .sib file below); "-" is `stdin` (bytes given by the
    caller). Raises `NoContracts` for a directory without .sib files."""
    results = []
    for name in collect(paths):
        try:
            if name == "-":
                results.append(compile_bytes(stdin or b"", "<stdin>", options.max_size))
            else:
                results.append(compile_file(name, options.max_size))
        except Exception as exc:  # a bug in sibc
            results.append(internal_error(name, exc))
    return _finish(results, options)


def check_file(path: str | Path, options: CheckOptions = CheckOptions()) -> CheckRun:
    """Check one file, as `sibc check --format json PATH` does (`to_json()` is its output)."""
    return check_paths([str(path)], options)


def check_bytes(data: bytes, name: str = "<string>", options: CheckOptions = CheckOptions()) -> CheckRun:
    """Check the bytes of one contract (an editor's buffer, standard input)."""
    try:
        result = compile_bytes(data, name, options.max_size)
    except Exception as exc:
        result = internal_error(name, exc)
    return _finish([result], options)


def check_text(text: str, name: str = "<string>", options: CheckOptions = CheckOptions()) -> CheckRun:
    return check_bytes(text.encode("utf-8", "surrogatepass"), name, options)


def _finish(results: list[CompileResult], options: CheckOptions) -> CheckRun:
    run = CheckRun()
    for result in results:
        checked = FileCheck(result)
        if result.model is not None and result.ok:
            try:
                _analyse_and_search(checked, options)
            except Exception as exc:
                result.diagnostics.append(internal_error(result.name, exc).diagnostics[0])
        result.diagnostics.sort(key=lambda d: (d.span.line, d.span.column, d.code))
        if options.quiet:  # only problems: a note that an assertion is proven is not one
            result.diagnostics = [d for d in result.diagnostics if is_problem(d)]
        run.files.append(checked)
    return run


def internal_error(name: str, exc: BaseException) -> CompileResult:
    """A result holding one SIB999 diagnostic: the bug, said plainly, without a traceback
    (SIBC_DEBUG=1 prints the traceback on standard error)."""
    if os.environ.get("SIBC_DEBUG"):
        traceback.print_exception(exc)
    sink = DiagnosticSink(name)
    sink.add(INTERNAL_CODE, f"internal error in sibc: {type(exc).__name__}: {exc}", NO_SPAN, hint=INTERNAL_HINT)
    return CompileResult(name, diagnostics=sink.sorted())


def _analyse_and_search(checked: FileCheck, options: CheckOptions) -> None:
    """The exact analysis (verdicts, figures) and the property search of one error-free contract."""
    result = checked.result
    model = result.model
    assert model is not None
    refuted: set[int] = set()
    aim: set[int] | None = None  # the assertions the search climbs toward: all, unless the analysis decided some
    seeds: list[list[Any]] = []  # the analysis's candidate witnesses, tried by the search first
    conditional = any(t.conditions for t in model.tranches)
    if options.facts or (options.analysis and (model.assertions or conditional)):
        from sibdsl.analysis.outputs import (
            analyse,
            facts_json,
            facts_lines,
            tranche_diagnostics,
            verdict_diagnostics,
        )

        model, exposure_, found_verdicts = analyse(result, time_limit=options.time_limit, shown=options.facts)
        if model is not None and exposure_ is not None:
            if options.analysis:
                result.diagnostics.extend(verdict_diagnostics(result, model, found_verdicts,
                                                              options.counterexample_dir, searched=options.search))
                result.diagnostics.extend(tranche_diagnostics(result, exposure_))
                refuted = {v.index for v in found_verdicts if v.status == "refuted"}
                aim = {v.index for v in found_verdicts if v.status == "unknown"}
                seeds = [v.candidate for v in found_verdicts if v.status == "unknown" and v.candidate]
            if options.facts:
                checked.facts_lines = facts_lines(model, exposure_)
                checked.facts = facts_json(model, exposure_, found_verdicts)
    if options.search:
        from sibdsl.search.findings import run_search

        _, found = run_search(result, options.seed, options.examples, options.counterexample_dir, seeds=seeds,
                              aim=aim)
        result.diagnostics.extend(d for d in found if not (
            d.code == "SIB711" and any(result.spans.get(("assertions", i)) == d.span for i in refuted)))
