"""Analysis: witness ledgers under share caps measured each period or over the contract.

Input: the contract, a participant maximum's cohort, sub-group and selection. Output: ledgers
in which that participant (`WITNESS`) claims its selection first (the smallest claim ids) and
other participants of its cohort claim the same selection on the same days after it: `n` in
no sub-group and, for a witness in a sub-group, `s` in the witness's own (s about twice n).
Each measured share then has paid outcomes and achievements beside the witness's in every
period, and where a share refuses claims priced alike (first those another share caps too,
then the greatest claim ids) it refuses the others' before the witness's (docs/settlement.md,
"Share caps measured each period or over the contract"). Settled by the engine
(`exposure._witness_paid`); only a ledger that pays the witness its figure makes it exact.
"""

from __future__ import annotations

from collections.abc import Iterator

from sibdsl.analysis.witness import participant_claims
from sibdsl.model.contract import Contract
from sibdsl.settlement.records import Claim

# (others in the witness's sub-group, others in none), tried in turn
MIXES = ((0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (0, 32), (2, 1), (4, 2), (8, 4), (16, 8), (32, 16))


def clone_ledgers(contract: Contract, witness: str, cohort: str | None, subgroup: str | None,
                  selection: list[tuple[str, int]], size: int | None, max_claims: int) -> Iterator[list[Claim]]:
    """The ledgers to try, fewest others first (none if the contract has no measured share)."""
    if not any(cap.measured_share for cap in contract.caps):
        return
    own = participant_claims(contract, witness, cohort, subgroup, selection)
    for same, none in MIXES:
        if same and subgroup is None:
            continue
        k = same + none
        if (size is not None and k + 1 > size) or len(own) * (k + 1) > max_claims:
            continue
        ledger = list(own)
        for j in range(k):
            ledger += participant_claims(contract, f"share-other{j + 1}", cohort, subgroup if j < same else None,
                                         selection, len(ledger))
        yield ledger
