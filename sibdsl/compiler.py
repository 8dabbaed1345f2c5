"""The pipeline: bytes -> AST -> resolved contract -> checked -> pydantic model.

Input: a path or the text of a .sib file. Output: `CompileResult` with every diagnostic of
every phase, and the model when there were no errors. Later phases run only when earlier ones
succeeded well enough to give meaningful results (no name checks on a file that does not
parse). This module never raises for bad input.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sibdsl.core.diagnostics import Diagnostic, DiagnosticSink
from sibdsl.core.source import SourceFile, Span
from sibdsl.semantics import ir
from sibdsl.semantics.checks import run_checks
from sibdsl.semantics.resolve import resolve
from sibdsl.syntax import ast
from sibdsl.syntax.parse import DEFAULT_MAX_BYTES, _size, decode_source, parse_source

if TYPE_CHECKING:
    from sibdsl.model.contract import Contract


@dataclass
class CompileResult:
    name: str
    source: SourceFile | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    tree: ast.ContractFile | None = None
    resolved: ir.Contract | None = None
    model: Contract | None = None
    spans: dict[tuple[Any, ...], Span] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(d.severity.value == "error" for d in self.diagnostics)


def compile_bytes(data: bytes, name: str = "<string>", max_bytes: int = DEFAULT_MAX_BYTES,
                  build_model: bool = True) -> CompileResult:
    """Compile; with build_model=False stop after the checks (what `sibc check` needs: the
    model's validators repeat checks already made, and pydantic is slow to import)."""
    sink = DiagnosticSink(name)
    result = CompileResult(name)
    collecting = gc.isenabled()
    gc.disable()  # a compile builds many small acyclic objects: the cycle collector only costs time
    try:
        result.source = decode_source(name, data, sink, max_bytes)
        if result.source is not None:
            _compile(result, sink, build_model)
    finally:
        if collecting:
            gc.enable()
    result.diagnostics = sink.sorted()
    return result


def compile_text(text: str, name: str = "<string>", max_bytes: int = DEFAULT_MAX_BYTES,
                 build_model: bool = True) -> CompileResult:
    return compile_bytes(text.encode("utf-8", "surrogatepass"), name, max_bytes, build_model)


def compile_file(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES, build_model: bool = True) -> CompileResult:
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
    return compile_bytes(data, name, max_bytes, build_model)


def _compile(result: CompileResult, sink: DiagnosticSink, build_model: bool) -> None:
    assert result.source is not None
    result.tree = parse_source(result.source, sink)
    if result.tree is None:
        return
    result.resolved = resolve(result.tree, sink)
    if result.resolved is None:
        return
    if not sink.has_errors:
        run_checks(result.resolved, sink)
    if build_model and not sink.has_errors:
        from sibdsl.model.lower import lower

        result.model, result.spans = lower(result.resolved, sink)
