"""Search: a seeded, bounded property search over generated ledgers for one contract.

Input: a compiled `Contract`, a seed and a number of examples. Output: `SearchResult` — for
the first broken guarantee or assertion, the shrunk (smallest) ledger that breaks it and its
decisions. Reproducible: the same seed and examples give the same search (no example
database is used).
"""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
from dataclasses import dataclass, field

from sibdsl.model.contract import Contract
from sibdsl.search.properties import all_violations, released_in_order, settle_again_checks
from sibdsl.settlement.engine import Settlement, settle
from sibdsl.settlement.records import Claim
from sibdsl.settlement.tranches import participant_groups, release_tranches


@dataclass
class SearchResult:
    examples: int
    seed: int
    violations: list[str] = field(default_factory=list)
    ledger: list[Claim] = field(default_factory=list)
    settlement: Settlement | None = None

    @property
    def ok(self) -> bool:
        return not self.violations


class _Broken(Exception):
    pass


def _settle(contract: Contract, claims: list[Claim]) -> Settlement:
    return settle(contract, claims)


def check_ledger(contract: Contract, claims: list[Claim], rng: random.Random) -> tuple[list[str], Settlement]:
    result = settle(contract, claims)
    problems = all_violations(result)
    problems += settle_again_checks(contract, claims, result, _settle, rng)
    if any(a.kind == "tranche_order" for a in contract.assertions):
        groups = participant_groups(result.figures.participants)
        problems += released_in_order(contract, list(release_tranches(contract, result.decisions, [], None, groups)))
    return problems, result


def _quiet_storage() -> None:
    """hypothesis keeps a cache in ./.hypothesis; a contract's folder is not the place for it."""
    if "HYPOTHESIS_STORAGE_DIRECTORY" not in os.environ:
        base = os.environ.get("SIBDSL_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir()
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(base, "sibdsl-hypothesis")


def search(contract: Contract, seed: int = 0, examples: int = 200, max_claims: int = 24) -> SearchResult:
    _quiet_storage()
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    from sibdsl.search.strategies import claims_for

    found = SearchResult(examples, seed)

    @hypothesis_seed(seed)
    @settings(max_examples=examples, database=None, deadline=None, derandomize=False, print_blob=False,
              phases=(Phase.generate, Phase.shrink),
              suppress_health_check=list(HealthCheck))
    @given(claims_for(contract, max_claims))
    def prop(claims: list[Claim]) -> None:
        problems, result = check_ledger(contract, claims, random.Random(seed))
        if problems:
            found.violations, found.ledger, found.settlement = problems, list(claims), result
            raise _Broken(problems[0])

    with contextlib.suppress(_Broken):
        prop()
    return found
