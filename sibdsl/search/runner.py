"""Search: a seeded, bounded property search over generated ledgers for one contract.

Input: a compiled `Contract`, a seed and a number of examples. Output: `SearchResult` — for
the first broken guarantee or assertion, the shrunk (smallest) ledger that breaks it and its
decisions. Reproducible: the same seed and examples give the same search (no example
database is used).

The search is guided: each ledger reports, through hypothesis's `target()`, how close it comes
to breaking each assertion (`assertion_scores`; for an investor assertion, how close the
waterfall runs of `properties.investor_violations` come), and hypothesis climbs toward the ledgers that
come closest; the ledgers are drawn by `ledgers_for` (small noisy ones, and large ones at and
past the cohort sizes, repeat limits, scale points, band edges and payer caps). Ledgers given
as `seeds` (an analysis's candidate witnesses) are checked first; `aim` keeps the climbing to
the assertions an analysis left undecided. A contract with cohort-level outcomes is searched a second
time, over ledgers of measurements (`measurements_for`: results at and beside the thresholds,
pooled results, rows in the run-off and after the claims deadline), settled without claims.
"""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from sibdsl.model.contract import Contract
from sibdsl.search.properties import (
    all_violations,
    assertion_scores,
    investor_violations,
    released_in_order,
    settle_again_checks,
)
from sibdsl.settlement.engine import Settlement, settle
from sibdsl.settlement.records import Claim, Measurement
from sibdsl.settlement.tranches import participant_groups, release_tranches


@dataclass
class SearchResult:
    examples: int
    seed: int
    violations: list[str] = field(default_factory=list)
    ledger: list[Claim] = field(default_factory=list)
    settlement: Settlement | None = None
    measurements: list[Measurement] = field(default_factory=list)  # a measurements ledger that breaks it

    @property
    def ok(self) -> bool:
        return not self.violations


class _Broken(Exception):
    pass


def _settle(contract: Contract, claims: list[Claim]) -> Settlement:
    return settle(contract, claims)


def check_ledger(contract: Contract, claims: list[Claim], rng: random.Random,
                 again: bool = True, scores: dict[str, float] | None = None) -> tuple[list[str], Settlement]:
    """Settle and check every guarantee and assertion; `again`: also settle the ledger shuffled
    and a prefix of it (order independence, the two extra settlements). `scores` gets how close
    the waterfall came to breaking each investor assertion."""
    result = settle(contract, claims)
    problems = all_violations(result) + investor_violations(contract, result, claims, scores)
    if again:
        problems += settle_again_checks(contract, claims, result, _settle, rng)
    if any(a.kind == "tranche_order" for a in contract.assertions):
        groups = participant_groups(result.figures.participants)
        problems += released_in_order(contract, list(release_tranches(contract, result.decisions, [], None, groups)))
    return problems, result


def _quiet_storage() -> None:
    """hypothesis keeps a cache in ./.hypothesis; a contract's folder is not the place for it,
    nor a predictable folder in the shared temp directory: it goes in sibc's private per-user
    cache directory (or, if that is not private, a fresh private temporary directory)."""
    if "HYPOTHESIS_STORAGE_DIRECTORY" not in os.environ:
        from sibdsl.core.cachedir import cache_dir

        base = cache_dir()
        where = str(base / "hypothesis") if base is not None else tempfile.mkdtemp(prefix="sibdsl-hypothesis-")
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = where


def _property(problem: str, contract: Contract) -> tuple[str, int]:
    """Which property a violation breaks: one of the contract's assertions, or a guarantee."""
    for i, a in enumerate(contract.assertions):
        if problem.startswith(f"assert {a.text}:"):
            return ("assert", i)
    return ("guarantee", -1)


def minimise(contract: Contract, claims: list[Claim], seed: int) -> tuple[list[Claim], list[str], Settlement]:
    """The ledger with claims removed one at a time while it still breaks the same property as
    before, until no single claim can go: hypothesis's shrinking is a heuristic whose result
    depends on what it happens to try, this makes "the smallest ledger" true of every claim in it."""
    problems, result = check_ledger(contract, claims, random.Random(seed))
    if not problems:
        return claims, problems, result
    wanted = _property(problems[0], contract)
    current = list(claims)
    chunk = max(1, len(current) // 2)
    while True:  # runs of `chunk` claims first (a bulk ledger loses most of itself at once), then one by one
        removed = False
        i = 0
        while i < len(current):
            trial = current[:i] + current[i + chunk:]
            found, settled = check_ledger(contract, trial, random.Random(seed))
            if any(_property(p, contract) == wanted for p in found):
                current, problems, result = trial, found, settled
                removed = True
            else:
                i += chunk
        if chunk > 1:
            chunk //= 2
        elif not removed:
            break  # a whole pass removed no single claim: every claim left is needed
    first = next(p for p in problems if _property(p, contract) == wanted)
    return current, [first] + [p for p in problems if p != first], result


def search(contract: Contract, seed: int = 0, examples: int = 200, max_claims: int = 24,
           seeds: Sequence[list[Claim]] = (), aim: Collection[int] | None = None) -> SearchResult:
    """The first ledger found that breaks a guarantee or assertion, minimised claim by claim.
    `seeds` are tried first, in order (they do not count against `examples`), and the search
    then draws ledgers around them too. `aim` names the
    assertions (by index) the search climbs toward with `target()`; None: all of them. Every
    assertion and guarantee is checked on every ledger either way: `aim` only spends the
    climbing on the assertions still in doubt (an analysis that proved one leaves it out)."""
    labels = None if aim is None else {f"assert {i}" for i in aim}
    found = SearchResult(examples, seed)
    for given_ledger in seeds:
        problems, _ = check_ledger(contract, list(given_ledger), random.Random(seed))
        if problems:
            found.ledger, found.violations, found.settlement = minimise(contract, list(given_ledger), seed)
            return found
    _quiet_storage()
    from hypothesis import HealthCheck, Phase, given, settings, target
    from hypothesis import seed as hypothesis_seed

    from sibdsl.search.strategies import ledgers_for

    @hypothesis_seed(seed)
    @settings(max_examples=examples, database=None, deadline=None, derandomize=False, print_blob=False,
              phases=(Phase.generate, Phase.target, Phase.shrink),
              suppress_health_check=list(HealthCheck))
    @given(ledgers_for(contract, max_claims, seeds))
    def prop(claims: list[Claim]) -> None:
        # order independence is settled again for every small ledger, and one large one in
        # four (two more settlements of up to 80 claims cost a fifth of the search's time)
        again = len(claims) <= max_claims or len(claims) % 4 == 0
        closeness: dict[str, float] = {}
        problems, result = check_ledger(contract, claims, random.Random(seed), again, closeness)
        for label, score in (assertion_scores(result) | closeness).items():
            if labels is None or label in labels:
                target(score, label=label)
        if problems:
            found.violations, found.ledger, found.settlement = problems, list(claims), result
            raise _Broken(problems[0])

    with contextlib.suppress(_Broken):
        prop()
    if found.violations:
        found.ledger, found.violations, found.settlement = minimise(contract, found.ledger, seed)
        return found
    if any(o.tariff.kind == "cohort_level" for o in contract.outcomes):
        _search_measurements(contract, seed, max(20, examples // 4), found)
    return found


def _measurement_problems(contract: Contract, rows: list[Measurement]) -> tuple[list[str], Settlement]:
    result = settle(contract, [], rows)
    return all_violations(result), result


def _search_measurements(contract: Contract, seed: int, examples: int, found: SearchResult) -> None:
    """The guarantees and assertions over ledgers of cohort-level results only; the first ledger
    that breaks one is minimised row by row (as `minimise` does with claims)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    from sibdsl.search.strategies import measurements_for

    @hypothesis_seed(seed)
    @settings(max_examples=examples, database=None, deadline=None, print_blob=False,
              phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck))
    @given(measurements_for(contract))
    def prop(rows: list[Measurement]) -> None:
        problems, result = _measurement_problems(contract, rows)
        if problems:
            found.violations, found.measurements, found.settlement = problems, list(rows), result
            raise _Broken(problems[0])

    with contextlib.suppress(_Broken):
        prop()
    if not found.violations:
        return
    wanted = _property(found.violations[0], contract)
    current = list(found.measurements)
    i = 0
    while i < len(current):
        trial = current[:i] + current[i + 1:]
        problems, result = _measurement_problems(contract, trial)
        if any(_property(p, contract) == wanted for p in problems):
            current, found.violations, found.settlement = trial, problems, result
        else:
            i += 1
    found.measurements = current
