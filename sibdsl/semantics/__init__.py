"""Phase 2, semantics: AST -> the validated model (`model.Contract`) and its span table.

Names are resolved, values get their units checked and become Decimals and dates, the model is
built from them (spans recorded beside it, by model path), and the structural checks of the
payment mechanism run on it. Entry points: `resolve.resolve(ContractFile, sink) ->
(Contract, SpanTable) | None`, then `checks.run_checks(Contract, SpanTable, sink)`.
"""
