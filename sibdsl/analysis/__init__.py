"""Phase 4, analysis: exact figures computed from the model before any claim exists — the
most one participant can be paid, what each payer can owe, which caps bind — and verdicts on
the contract's own assertions (proven, refuted with a witness ledger, or left to the search).
The optimisation uses scipy's MILP solver (HiGHS), imported only when an analysis runs."""
