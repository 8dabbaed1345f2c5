"""The model: the one IR, the compiled contract as a validated, span-free pydantic v2 model.

Not a phase: the semantics phase (2) builds it, with its `SpanTable` (model path -> span)
beside it, and every later phase reads it. It is the artefact other tools consume
(settlement, analysis, rendering): `Contract`, serialised by `sibc compile`, described by
`sibc schema`. It imports nothing of sibdsl but `core`.
"""

from sibdsl.model.contract import Contract

__all__ = ["Contract"]
