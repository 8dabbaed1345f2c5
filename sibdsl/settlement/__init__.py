"""Phase 5, settlement: decide every claim against a compiled contract.

`settle(contract, claims, measurements=(), requests=())` is a pure function returning a
`Settlement`: a decision per claim (paid, paid in part, rejected; reason code; the rule and
clause that decided it), invoices per payer per period, totals against every cap, and the
tranches released. Reading ledgers from CSV / JSON Lines lives in `ledger.py`.
"""
