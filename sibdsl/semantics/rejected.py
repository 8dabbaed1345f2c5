"""Phase 2: SIB900, a value the model rejected although the checks let it through.

Input: pydantic's `ValidationError` raised while building the part of the model at a model
path, the span table and the sink. Output: one SIB900 per error, naming the model path (and
the model class, when a part of the part raised), at the span of the text it came from.
"""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from sibdsl.core.diagnostics import DiagnosticSink
from sibdsl.model.contract import (
    Assertion,
    Cap,
    Cohort,
    Contract,
    Definition,
    ExclusiveGroup,
    Investor,
    Outcome,
    Party,
    Payer,
    Tranche,
)
from sibdsl.model.spans import Path, SpanTable

_PARTS: dict[str, type[BaseModel]] = {
    "payers": Payer, "parties": Party, "investors": Investor, "cohorts": Cohort, "outcomes": Outcome,
    "caps": Cap, "exclusive_groups": ExclusiveGroup, "tranches": Tranche, "assertions": Assertion,
    "definitions": Definition,
}


def rejected(exc: ValidationError, at: Path, spans: SpanTable, sink: DiagnosticSink) -> None:
    """SIB900: the model rejected a value the checks let through (a gap in the checks), at the
    line of the text it came from."""
    expected = _PARTS.get(str(at[0])) if len(at) == 2 else Contract if not at else None
    for error in exc.errors():
        loc: Path = tuple(error["loc"])
        if expected is not None and exc.title != expected.__name__:  # raised by a part of the part
            where = ".".join(str(p) for p in at) + f": {exc.title}." + ".".join(str(p) for p in loc)
            span = spans.of(*at)
        else:
            where = ".".join(str(p) for p in (*at, *loc)) or "contract"
            span = spans.of(*at, *loc)
        sink.add("SIB900", f"{where}: {error['msg']}", span,
                 hint="this value passed the checks but not the model; please report it")
