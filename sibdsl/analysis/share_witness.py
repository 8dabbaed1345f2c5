"""Analysis: witness ledgers under share caps measured each period or over the contract.

Input: the contract, a participant maximum's cohort, sub-group and selection. Output: ledgers
in which that participant (`WITNESS`) claims its selection first (the smallest claim ids) and
`k` other participants of its cohort, in no sub-group, claim the same selection on the same
days after it: each measured share then has paid outcomes and achievements beside the
witness's in every period, and where the share refuses claims priced alike it refuses the
greatest claim ids, the others' (docs/settlement.md, "Share caps measured each period or over
the contract"). Settled by the engine (`exposure._witness_paid`); only a ledger that pays the
witness its figure makes the figure exact.
"""

from __future__ import annotations

from collections.abc import Iterator

from sibdsl.analysis.witness import participant_claims
from sibdsl.model.contract import Contract
from sibdsl.settlement.records import Claim

CLONES = (1, 2, 4, 8, 16, 32)  # how many others are tried, in turn


def clone_ledgers(contract: Contract, witness: str, cohort: str | None, subgroup: str | None,
                  selection: list[tuple[str, int]], size: int | None, max_claims: int) -> Iterator[list[Claim]]:
    """The ledgers to try, fewest others first (none if the contract has no measured share)."""
    if not any(cap.measured_share for cap in contract.caps):
        return
    own = participant_claims(contract, witness, cohort, subgroup, selection)
    for k in CLONES:
        if (size is not None and k + 1 > size) or len(own) * (k + 1) > max_claims:
            return
        ledger = list(own)
        for j in range(k):
            ledger += participant_claims(contract, f"share-other{j + 1}", cohort, None, selection, len(ledger))
        yield ledger
