"""Phase 3: resolved contract (`ir.Contract`) -> pydantic `Contract`, with a span table.

Input: `ir.Contract` and the sink. Output: the validated model, and a table from model paths
(("outcomes", 3, "tariff")) to source spans. If the model rejects a value (it should not:
the semantics phase checks first), the pydantic error is reported as SIB900 at the line and
column of the .sib text the value came from.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from sibdsl.core.diagnostics import DiagnosticSink
from sibdsl.core.source import Span
from sibdsl.model.contract import Contract
from sibdsl.semantics import ir

Path = tuple[str | int, ...]

def _fields(cls: type[ir.Spanned]) -> tuple[str, ...]:
    return cls._compared  # every field but the span


def _tariff_classes() -> dict[str, type[BaseModel]]:
    """Each tariff shape's model class by its `kind`, read from the union itself."""
    from sibdsl.model.contract import AnyTariff

    return {cls.model_fields["kind"].default: cls for cls in get_args(AnyTariff)}


def _tariff_fields(kind: str) -> frozenset[str]:
    """The fields of the model's class for one tariff shape (the IR's one `Tariff` record holds
    every shape's fields; the model has a class per shape)."""
    cls = _tariff_classes().get(kind)
    return frozenset(cls.model_fields) if cls is not None else frozenset(_fields(ir.Tariff))


def to_data(obj: Any, path: Path, spans: dict[Path, Span]) -> Any:
    """Plain data for the model, recording the span of every IR node by its path."""
    if isinstance(obj, ir.Spanned):
        spans[path] = obj.span
        names = _fields(type(obj))
        if isinstance(obj, ir.Tariff):
            keep = _tariff_fields(obj.kind)
            names = tuple(n for n in names if n in keep)
        return {name: to_data(getattr(obj, name), (*path, name), spans) for name in names}
    if isinstance(obj, list):
        return [to_data(item, (*path, i), spans) for i, item in enumerate(obj)]
    return obj


def span_for(loc: Path, spans: dict[Path, Span]) -> Span:
    for cut in range(len(loc), -1, -1):
        found = spans.get(tuple(loc[:cut]))
        if found is not None:
            return found
    return Span(1, 1, 1, 1)


def lower(contract: ir.Contract, sink: DiagnosticSink) -> tuple[Contract | None, dict[Path, Span]]:
    spans: dict[Path, Span] = {}
    data = to_data(contract, (), spans)
    try:
        return Contract.model_validate(data), spans
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = ".".join(str(p) for p in loc) or "contract"
            sink.add("SIB900", f"{where}: {error['msg']}", span_for(loc, spans),
                     hint="this value passed the checks but not the model; please report it")
        return None, spans
