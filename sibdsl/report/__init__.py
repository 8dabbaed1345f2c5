"""Phase 4, reporting: diagnostics rendered for people (text) and machines (JSON, SARIF)."""
