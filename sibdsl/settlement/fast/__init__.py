"""Settlement, fast path: the reference engine's decisions, without their words, in whole numbers.

`fast_plan(contract)` arranges a compiled contract as integer tables, or returns `Declined`
naming the construct it does not decide; `settle_fast(fast, claims)` decides every claim by the
rules of docs/settlement.md ("The fast path"), in the reference engine's order, and returns a
`FastSettlement` (or `Declined` for a ledger it does not settle). The loop (`kernel.py`) runs
compiled by numba for large ledgers and as plain Python otherwise; both forms are tested claim
for claim against `engine.settle` on generated contracts (tests/test_fast_settlement.py).
"""

from sibdsl.settlement.fast.run import FastSettlement, settle_fast
from sibdsl.settlement.fast.tables import Declined, FastPlan, fast_plan

__all__ = ["Declined", "FastPlan", "FastSettlement", "fast_plan", "settle_fast"]
