"""Analysis: the limits one contract's analysis works within, so that it ends in bounded time
on any contract under the size limit.

Input: a time limit in seconds (the caller's, else `DEFAULT_TIME_LIMIT`). Output: `Budget`,
which the optimisation asks how long it may still run, and which words a verdict uses when
it stopped ("the analysis stopped after 10 s"). Also the bounds on witness ledgers (claims
the verdicts build and settle) and the decimal context for exact money arithmetic.
"""

from __future__ import annotations

import decimal
import time
from dataclasses import dataclass, field

DEFAULT_TIME_LIMIT = 10.0  # seconds of solver time per contract
WITNESS_CLAIMS = 100_000  # the most claims a witness ledger may hold (settled at ~100k claims/s)
WITNESS_PARTICIPANTS = 10_000  # the most participants a witness ledger may enrol
# the most decisions the trials of share caps measured each period or over the contract may make
# settling one witness ledger (each refusal settles the measurement again): a few seconds
WITNESS_WORK = 100_000

# Exact money arithmetic: products and sums of amounts of up to 18 digits, repeat counts and
# cohort sizes stay far inside 400 digits, so nothing is rounded (the default 28 digits would
# round 10^18 x 10^9). Divisions (shares) are rounded at 400 digits, never to a whole unit.
EXACT = decimal.Context(prec=400, rounding=decimal.ROUND_HALF_EVEN, Emax=decimal.MAX_EMAX,
                        Emin=decimal.MIN_EMIN)


@dataclass
class Budget:
    """The time one contract's analysis may spend in the solver, counted from its creation."""

    time_limit: float = DEFAULT_TIME_LIMIT
    started: float = field(default_factory=time.perf_counter)
    stopped: bool = False  # a solve ran out of time, or was skipped because none was left

    def remaining(self) -> float:
        return self.time_limit - (time.perf_counter() - self.started)

    def words(self) -> str:
        return f"the analysis stopped after {self.time_limit:g} s"
