"""Reads scenario files: a contract, a ledger in, decisions and totals out, in plain text.

A scenario file has sections, each opened by a line `== name ==`:

    == contract ==        the .sib text
    == claims ==          CSV: claim_id,participant,outcome,date[,start,cohort,subgroup,value,evidence]
    == measurements ==    CSV (optional): measurement_id,outcome,cohort,date,baseline,observed
    == requests ==        CSV (optional): request_id,tranche,date,amount,purpose
    == decisions ==       one line per claim: ID  STATUS  AMOUNT  REASON   (status: paid | part | rejected)
    == totals ==          lines: `total AMOUNT`, `payer NAME AMOUNT`, `invoice NAME PERIOD AMOUNT`
    == tranches ==        lines: TRANCHE STATUS [DATE] [AMOUNT]

Lines starting with # are comments (outside the contract section, where # is a .sib comment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

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
