"""Phase 6, comparing two versions of a contract (`sibc diff`): the clauses an amendment
changes, in the contract's own words, and what it does to the money (every exact figure,
every assertion verdict and, given a ledger, every claim whose decision or amount changes)."""
