"""Model helpers for payments past the term (`run-off`, `claims until`).

Input: a compiled contract's `Header` (and an `Outcome`). Output: the last day an outcome can
be achieved and paid: the term end, or, with `run-off D`, the term end + D for the later steps
of a ladder (an outcome with `after`) and for cohort-level results. Shared by settlement, the
analysis and the search so that all three read docs/settlement.md "Payments past the term"
the same way.
"""

from __future__ import annotations

from datetime import date

from sibdsl.core.calendar import add_duration
from sibdsl.model.contract import Header, Outcome


def last_day(header: Header) -> date:
    """The last day anything can be achieved: the end of the run-off, else the term end."""
    return add_duration(header.term_end, header.run_off) if header.run_off is not None else header.term_end


def last_day_for(outcome: Outcome, header: Header) -> date:
    """The last day this outcome can be achieved: in the run-off only later ladder steps and
    cohort-level results are paid; every other outcome by the term end."""
    if outcome.prerequisites or outcome.tariff.kind == "cohort_level":
        return last_day(header)
    return header.term_end
