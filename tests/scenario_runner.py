"""Reads scenario files: a contract, a ledger in, decisions and totals out, in plain text.

A scenario file has sections, each opened by a line `== name ==`:

    == contract ==        the .sib text
    == claims ==          CSV: claim_id,participant,outcome,date[,start,cohort,subgroup,value,evidence]
    == measurements ==    CSV (optional): measurement_id,outcome,cohort,date,baseline,observed
    == requests ==        CSV (optional): request_id,tranche,date,amount,purpose
    == decisions ==       one line per claim: ID  STATUS  AMOUNT  REASON   (status: paid | part | rejected)
    == totals ==          lines: `total AMOUNT`, `payer NAME AMOUNT`, `invoice NAME PERIOD AMOUNT`
    == tranches ==        lines: TRANCHE STATUS [DATE] [AMOUNT]   ("today": the latest input date)

Optional sections checked by tests/test_rulebook.py:

    == as_of ==           one date: "today" for the tranches (`sibc settle --as-of`)
    == tranches_as_of ==  lines as in `tranches`, for the tranches released as of that date
    == details ==         lines: ID | TEXT   the n-th decision of ID has TEXT in its detail
                          (`(FILE:LINE)` in TEXT: FILE is the scenario file's name, LINE counts
                          from the first line of the contract section)
    == root_causes ==     lines: ID KEY      the n-th decision of ID has that root cause
                          (a rule key, `caps.1`, `payers.0`; `-` for none)

Lines starting with # are comments (outside the contract section, where # is a .sib comment).
`settle_scenario` compiles and settles a scenario the way `sibc settle` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

_SECTION = re.compile(r"^==\s*(\w+)\s*==\s*$")


@dataclass
class Scenario:
    path: Path
    title: str
    sections: dict[str, list[str]] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return "\n".join(self.sections.get(name, [])) + "\n"

    def lines(self, name: str) -> list[str]:
        return [ln.strip() for ln in self.sections.get(name, []) if ln.strip() and not ln.strip().startswith("#")]


def load(path: Path) -> Scenario:
    scenario = Scenario(path, path.stem)
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        match = _SECTION.match(raw.strip())
        if match:
            current = match.group(1)
            scenario.sections[current] = []
        elif current is None:
            if raw.startswith("#") and scenario.title == path.stem:
                scenario.title = raw.lstrip("# ").strip()
        else:
            scenario.sections[current].append(raw)
    return scenario


@dataclass
class Settled:
    scenario: Scenario
    compiled: Any  # sibdsl.compiler result
    result: Any  # sibdsl.settlement.engine.Settlement
    releases: list[Any]  # sibdsl.settlement.tranches.Release
    requests: list[Any]


def settle_scenario(path: Path, as_of: date | None = None) -> Settled:
    """Compile the contract, read the ledgers, settle (with the span table, so details say
    where a cap is written) and release the tranches as of `as_of`."""
    from sibdsl.compiler import compile_text
    from sibdsl.settlement.engine import settle
    from sibdsl.settlement.ledger import parse_ledger
    from sibdsl.settlement.tranches import participant_groups, release_tranches

    scenario = load(path)
    compiled = compile_text(scenario.text("contract"), f"{path.name}#contract")
    assert compiled.model is not None, [f"{d.code} {d.span.line} {d.message}" for d in compiled.diagnostics]
    contract = compiled.model
    ledgers = {}
    for kind, section in (("claims", "claims"), ("measurements", "measurements"), ("requests", "requests")):
        if section in scenario.sections:
            ledger = parse_ledger(scenario.text(section), f"{section}.csv", kind, contract)
            assert not ledger.sink.items, [d.message for d in ledger.sink.items]
            ledgers[kind] = ledger.records
    result = settle(contract, ledgers.get("claims", []), ledgers.get("measurements", []), spans=compiled.spans,
                    file=path.name)
    requests = ledgers.get("requests", [])
    releases = release_tranches(contract, result.decisions, requests, as_of,
                                participant_groups(result.figures.participants))
    return Settled(scenario, compiled, result, releases, requests)


def as_of(scenario: Scenario) -> date | None:
    lines = scenario.lines("as_of")
    return date.fromisoformat(lines[0]) if lines else None
