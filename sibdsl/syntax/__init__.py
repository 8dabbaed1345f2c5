"""Phase 1, syntax: source text -> AST with a span on every node.

`parse_source(SourceFile, DiagnosticSink) -> ContractFile | None` is the entry point.
"""
