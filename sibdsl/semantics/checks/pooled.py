"""Phase 2 check: pooled cohort-level results (`pooled over`) and payments `net of` others.

Input: `model.Contract` and its spans. Output: SIB439 (`pooled over` or `net of` on an outcome
that is not cohort-level), SIB440 (a pool of fewer than two cohorts, or other cohorts than its
`for cohort`), SIB441 (`net of` a claim-level outcome), SIB442 (warning: `net of` an outcome
that can never pay for the cohorts this one covers), each at its clause with a hint.
"""

from __future__ import annotations

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.model.contract import Contract, Outcome
from sibdsl.model.spans import SpanTable


def covered_cohorts(outcome: Outcome, contract: Contract) -> frozenset[str]:
    """The cohorts a result of this outcome can be paid for: its pool, else its `for cohort`,
    else every cohort of the contract."""
    return frozenset(outcome.pooled or outcome.cohorts or tuple(c.name for c in contract.cohorts))


def check_pooled(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    by_name = {o.name: (i, o) for i, o in enumerate(contract.outcomes)}
    for i, o in enumerate(contract.outcomes):
        at = ("outcomes", i)
        if o.tariff.kind != "cohort_level":
            for words, part, there in (("pooled over", "pooled", o.pooled), ("net of", "net_of", o.net_of)):
                if there:
                    sink.add("SIB439", f"outcome '{o.name}' is paid per participant, so it cannot be `{words}`: "
                             "only a cohort-level result (paid per unit of improvement against a baseline) can",
                             spans.of(*at, part),
                             hint="write its tariff as a cohort-level one, as in `pays GBP 100,000 per 1% reduction "
                                  "in \"reconviction events\" against comparison group`, or remove the clause")
            continue
        if o.pooled and len(o.pooled) < 2:
            sink.add("SIB440", f"outcome '{o.name}' is pooled over one cohort only: a pool needs two cohorts or more",
                     spans.of(*at, "pooled"),
                     hint="name every cohort whose results are pooled, as in `pooled over first_cohort, "
                          "second_cohort`; for one cohort write `for cohort NAME` instead")
        if o.pooled and o.cohorts and set(o.cohorts) != set(o.pooled):
            sink.add("SIB440", f"outcome '{o.name}' is pooled over {', '.join(o.pooled)} but `for cohort` names "
                     f"{', '.join(o.cohorts)}", spans.of(*at, "pooled"),
                     hint="a pooled result is for the cohorts it pools: remove `for cohort`")
        mine = covered_cohorts(o, contract)
        for k, name in enumerate(o.net_of):
            found = by_name.get(name)
            if found is None:
                continue
            other = found[1]
            where = spans.of(*at, "net_of", k)
            if other.tariff.kind != "cohort_level":
                sink.add("SIB441", f"'{o.name}' is net of '{name}', which is paid per participant: only what "
                         "cohort-level results paid can be deducted from a cohort-level result", where,
                         labels=[Label(spans.of("outcomes", found[0]), f"'{name}' declared here")],
                         hint="name the cohort-level outcomes whose earlier payments are deducted")
            elif mine and not (covered_cohorts(other, contract) & mine):
                sink.add("SIB442", f"'{name}' is never paid for the cohorts of '{o.name}' "
                         f"({', '.join(sorted(mine))}), so `net of {name}` never deducts anything", where,
                         labels=[Label(spans.of("outcomes", found[0]), f"'{name}' declared here")],
                         hint=f"check the cohorts of '{name}', or remove it from `net of`")
