"""Phase 3, settlement: decide every claim against a compiled contract.

`settle(contract, claims, measurements=(), progress=None, spans=None, file="")` (in
`engine.py`) is a pure
function returning a `Settlement`: a decision per claim and per cohort-level measurement
(paid, paid in part, rejected; reason code; the rule that decided it; a detail naming the
limits that cut or stopped it, with where they are written when `spans` is given; the cap at
its root), invoices per payer per period, and totals against every cap.
`release_tranches(contract, decisions, requests, as_of)` (in `tranches.py`) releases the
tranches as of "today". Reading ledgers from CSV / JSON Lines lives in `ledger.py`; the rule
book is docs/settlement.md.
"""
