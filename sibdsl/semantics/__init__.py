"""Phase 2, semantics: AST -> resolved, type-checked contract (`ir.Contract`).

Names are resolved, values get their units checked and become Decimals and dates, and the
structural checks of the payment mechanism run. Entry points: `resolve.resolve(ContractFile,
sink) -> ir.Contract | None`, then `checks.run_checks(ir.Contract, sink)`.
"""
