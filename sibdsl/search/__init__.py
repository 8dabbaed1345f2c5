"""Phase 5, search: the settlement guarantees as checkable properties, and a seeded,
bounded property search over generated ledgers (hypothesis is imported only here, and only
when a search runs)."""
