"""Search: run the property search for a compiled contract and report what it finds.

Input: a `CompileResult` without errors, the seed, the number of examples, and a directory
for counterexample files. Output: diagnostics — SIB711 at an `assert` clause the search
refuted, SIB710 for a broken settlement guarantee — each with the smallest ledger that
breaks it, its decisions, and the CSV file it was written to (a claims file that
`sibc settle` reads back).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

from sibdsl.compiler import CompileResult
from sibdsl.core.diagnostics import Diagnostic, DiagnosticSink
from sibdsl.core.source import Span
from sibdsl.search.runner import SearchResult, search
from sibdsl.settlement.output import write_claims, write_measurements
from sibdsl.settlement.records import Claim


def run_search(result: CompileResult, seed: int, examples: int, out_dir: Path | None,
               seeds: Sequence[list[Claim]] = (), aim: Collection[int] | None = None) -> tuple[SearchResult, list[Diagnostic]]:
    """Search (trying `seeds`, e.g. the analysis's candidate witnesses, first; climbing toward
    the assertions in `aim`, None for all), and turn what it finds into diagnostics (appended
    to a new sink)."""
    from sibdsl.settlement.output import decision_table

    sink = DiagnosticSink(result.name)
    model, spans = result.model, result.spans
    if model is None:
        return SearchResult(0, seed), sink.items
    found = search(model, seed=seed, examples=examples, seeds=seeds, aim=aim)
    if found.ok:
        return found, sink.items
    stem = Path(result.name).stem if result.name != "<stdin>" else "stdin"
    where = ""
    if out_dir is not None:
        path = out_dir / f"{stem}-counterexample.csv"
        write_claims(path, found.ledger, model)
        where = f" written to {path}"
        if found.measurements:  # a ledger of cohort-level results: settle with --measurements
            results = out_dir / f"{stem}-counterexample-measurements.csv"
            write_measurements(results, found.measurements)
            where += f", its measurements to {results}"
    table = decision_table(found.settlement.decisions, model.header.currency) if found.settlement else ""
    size = f"{len(found.ledger)} claims" + (f", {len(found.measurements)} measurements" if found.measurements else "")
    detail = f"the smallest ledger found ({size}, seed {seed}){where}; its decisions:\n{table}"
    guarantees = []
    for problem in found.violations:
        index = next((i for i, a in enumerate(model.assertions) if problem.startswith(f"assert {a.text}:")), None)
        if index is None:
            guarantees.append(problem)
            continue
        sink.add("SIB711", f"assertion refuted: {problem[len('assert '):]}",
                 spans.get(("assertions", index), Span(1, 1, 1, 1)),
                 hint="change the assertion, or the caps it relies on; settle the CSV with `sibc settle` to see why",
                 detail=detail)
    if guarantees:
        more = "\n".join(guarantees[1:4])
        sink.add("SIB710", f"settlement guarantee broken: {guarantees[0]}", spans.get(("header",), Span(1, 1, 1, 1)),
                 hint="this is most likely a bug in sibc's settlement engine; please report it with the CSV",
                 detail=detail + (f"\nalso broken:\n{more}" if more else ""))
    return found, sink.items
