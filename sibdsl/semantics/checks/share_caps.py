"""Phase 2 check: share caps that cannot work as written (issue 10.5).

Input: `model.Contract` and its spans. Output: SIB429 (the base never holds what the cap
caps: an outcome's share of other outcomes, or a cohort-level outcome, which no share can
refuse), SIB431 (`measured each period` on a contract whose term is one settlement period) and
SIB432 (a measured share of 0% or 100%, which refuses everything or nothing).
"""

from __future__ import annotations

from sibdsl.core.calendar import add_months
from sibdsl.core.diagnostics import DiagnosticSink
from sibdsl.model.contract import Contract
from sibdsl.model.spans import SpanTable


def check_share_caps(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    header = contract.header
    kinds = {o.name: o.tariff.kind for o in contract.outcomes}
    once = add_months(header.term_start, header.settlement_months) > header.term_end  # one settlement period
    for index, cap in enumerate(contract.caps):
        if cap.measure != "share":
            continue
        at = spans.of("caps", index)
        base = f"{'achievements' if cap.share_base == 'achievements' else 'paid outcomes'}" + (
            f" of {', '.join(cap.share_of)}" if cap.share_of else "")
        if cap.scope == "outcome" and cap.target is not None:
            if kinds.get(cap.target) == "cohort_level":
                sink.add("SIB429", f"{cap.target} is a cohort-level outcome, paid from measurements: a share cap "
                         "refuses claims and cannot cap it", at,
                         hint="cap its money (cap outcome NAME GBP ...) instead, or cap a claim-level outcome")
                continue
            if cap.share_of and cap.target not in cap.share_of:
                sink.add("SIB429", f"the share of {cap.target} is measured among {base}, which never include "
                         f"{cap.target}", spans.of("caps", index, "share"),
                         hint=f"list {cap.target} in the base: {cap.limit.normalize():f}% of "
                              f"{'achievements' if cap.share_base == 'achievements' else 'paid outcomes'} of "
                              f"{', '.join((cap.target, *cap.share_of))}")
                continue
        if cap.measured == "running":
            continue
        if cap.measured == "period" and once:
            sink.add("SIB431", f"the term {header.term_start} to {header.term_end} is one settlement period, so "
                     "'measured each period' measures the share once, over the whole ledger",
                     spans.of("caps", index, "share"),
                     hint="write 'measured over the contract', or settle more often (settled quarterly)")
        if cap.limit in (0, 100):
            what = f"sub-group {cap.target}" if cap.scope == "subgroup" else f"outcome {cap.target}"
            if cap.scope == "subgroup" and cap.share_of:
                what += f" of {', '.join(cap.share_of)}"
            sink.add("SIB432", f"a share of {cap.limit.normalize():f}% " + (
                f"refuses every claim of {what}, which is then never paid" if cap.limit == 0 else
                "never refuses a claim"), at,
                hint="give the share the contract states, or remove the cap")
