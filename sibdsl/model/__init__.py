"""Phase 3, model: the compiled contract as a validated, span-free pydantic v2 model.

This is the artefact other tools consume (settlement, analysis, rendering): `Contract`,
serialised by `sibc compile`, described by `sibc schema`.
"""

from sibdsl.model.contract import Contract

__all__ = ["Contract"]
