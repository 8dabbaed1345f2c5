"""Phase 6, emitting diagnostics: rendered for people (text) and machines (JSON, SARIF); the
code catalogue as Markdown, and `sibc explain`. Every phase before it produces diagnostics;
this package only shows them."""
