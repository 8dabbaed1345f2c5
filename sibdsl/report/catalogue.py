"""Reporting: the diagnostic catalogue as Markdown (docs/diagnostics.md is generated from it).

Input: `sibdsl.core.codes.CATALOGUE`. Output: Markdown text. Regenerate the doc with
`python -m sibdsl.report.catalogue > docs/diagnostics.md`; a test keeps the two in step.
"""

from __future__ import annotations

from sibdsl.core.codes import CATALOGUE

_PHASES = {"input": "Input", "syntax": "Syntax", "names": "Names", "units": "Units and values",
           "dates": "Dates", "payments": "Payment structure", "investment": "Investment",
           "assertions": "Assertions", "model": "Model", "internal": "Internal"}


def catalogue_markdown() -> str:
    lines = ["# Diagnostic codes", "",
             "Every problem `sibc check` reports has a code. `sibc explain CODE` prints the entry below.",
             "Codes are grouped by the phase that finds them. This file is generated from",
             "`sibdsl/core/codes.py` by `python -m sibdsl.report.catalogue > docs/diagnostics.md`.", ""]
    phase = None
    for entry in CATALOGUE.values():
        if entry.phase != phase:
            phase = entry.phase
            lines += [f"## {_PHASES.get(phase, phase)}", ""]
        lines += [f"### {entry.code}: {entry.title} ({entry.severity_name})", "", entry.explanation, ""]
        if entry.example:
            lines += ["```", *entry.example.splitlines(), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(catalogue_markdown(), end="")
