"""The pipeline: bytes -> AST -> validated pydantic model and span table -> checked.

Input: a path or the text of a .sib file. Output: `CompileResult` with every diagnostic of
every phase, and the model (with its span table) when there were no errors. Later phases run only when earlier ones
succeeded well enough to give meaningful results (no name checks on a file that does not
parse). This module never raises for bad input.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path

from sibdsl.core.diagnostics import Diagnostic, DiagnosticSink
from sibdsl.core.source import SourceFile, Span
from sibdsl.model.contract import Contract
from sibdsl.model.spans import SpanTable
from sibdsl.semantics.checks import run_checks
from sibdsl.semantics.resolve import resolve
from sibdsl.syntax import ast
from sibdsl.syntax.parse import DEFAULT_MAX_BYTES, _size, decode_source, parse_source


@dataclass
class CompileResult:
    name: str
    source: SourceFile | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    tree: ast.ContractFile | None = None
    model: Contract | None = None  # set when there were no errors
    spans: SpanTable = field(default_factory=SpanTable)

    @property
    def ok(self) -> bool:
        return not any(d.severity.value == "error" for d in self.diagnostics)


def compile_bytes(data: bytes, name: str = "<string>", max_bytes: int = DEFAULT_MAX_BYTES) -> CompileResult:
    sink = DiagnosticSink(name)
    result = CompileResult(name)
    collecting = gc.isenabled()
    gc.disable()  # a compile builds many small acyclic objects: the cycle collector only costs time
    try:
        result.source = decode_source(name, data, sink, max_bytes)
        if result.source is not None:
            _compile(result, sink)
    finally:
        if collecting:
            gc.enable()
    result.diagnostics = sink.sorted()
    return result


def compile_text(text: str, name: str = "<string>", max_bytes: int = DEFAULT_MAX_BYTES) -> CompileResult:
    return compile_bytes(text.encode("utf-8", "surrogatepass"), name, max_bytes)


def compile_file(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> CompileResult:
    name = str(path)
    try:
        p = Path(path)
        if p.is_dir():
            raise IsADirectoryError(name)
        size = p.stat().st_size
        if size > max_bytes:
            data = b""
            sink = DiagnosticSink(name)
            sink.add("SIB003", f"file is {_size(size)}; the limit is {_size(max_bytes)}",
                     Span(1, 1, 1, 1), hint="is this really a contract? `--max-size` raises the limit")
            return CompileResult(name, diagnostics=sink.sorted())
        data = p.read_bytes()
    except OSError as exc:
        sink = DiagnosticSink(name)
        reason = {FileNotFoundError: "no such file", IsADirectoryError: "is a directory",
                  PermissionError: "permission denied"}.get(type(exc), exc.strerror or str(exc))
        sink.add("SIB001", f"cannot read {name}: {reason}", Span(1, 1, 1, 1),
                 hint="check the path; `sibc check DIR` checks every .sib file in a directory")
        return CompileResult(name, diagnostics=sink.sorted())
    return compile_bytes(data, name, max_bytes)


def _compile(result: CompileResult, sink: DiagnosticSink) -> None:
    assert result.source is not None
    result.tree = parse_source(result.source, sink)
    if result.tree is None:
        return
    resolved = resolve(result.tree, sink)
    if resolved is None:
        return
    contract, spans = resolved
    run_checks(contract, spans, sink)
    result.spans = spans
    if not sink.has_errors:
        result.model = contract
