"""Reporting: the catalogue as Markdown (docs/diagnostics.md is generated from it).

Input: `sibdsl.core.codes` (`BANDS`, `CATALOGUE`, `REASONS`). Output: Markdown text: the bands
of codes and what each covers, every diagnostic code by band, then every settlement reason with
the rule-book sections it comes from. Regenerate the doc with
`python -m sibdsl.emit.catalogue > docs/diagnostics.md`; a test keeps the two in step.
"""

from __future__ import annotations

from sibdsl.core.codes import BANDS, CATALOGUE, REASONS, CodeInfo, ReasonInfo, RuleRef, sub_band_of


def _code_entry(entry: CodeInfo) -> list[str]:
    lines = [f"### {entry.code}: {entry.title} ({entry.severity_name})", "", entry.explanation, ""]
    if entry.example:
        lines += ["```", *entry.example.splitlines(), "```", ""]
    return lines


def _rule_link(ref: RuleRef) -> str:
    step = f", step {ref.step}" if ref.step is not None else ""
    return f"[{ref.heading}{step}](settlement.md#{ref.anchor})"


def _reason_entry(entry: ReasonInfo) -> list[str]:
    return [f"### {entry.reason}: {entry.title} ({entry.status})", "", entry.explanation, "",
            f"Decides {entry.decides}. Rule book: {'; '.join(_rule_link(ref) for ref in entry.rule_book)}.", ""]


def _bands_table() -> list[str]:
    lines = ["## Bands", "",
             "A code is never renumbered (CI configurations name codes); a new code takes a free number",
             "in the band of the phase that reports it.", "",
             "| band | codes | phase | covers |", "|---|---|---|---|"]
    digits = {band.digit for band in BANDS}
    for digit in range(10):
        band = next((b for b in BANDS if b.digit == digit), None)
        if band is None:
            if digit < max(digits):
                lines.append(f"| SIB{digit}xx | | | unused |")
            continue
        for i, part in enumerate(band.parts):
            name = f"{band.name}: {band.title}" if i == 0 else ""
            lines.append(f"| {name} | {part.span} | {part.phase} | {part.covers} |")
    return [*lines, ""]


def catalogue_markdown() -> str:
    lines = ["# Diagnostic codes", "",
             "Every problem `sibc check` and `sibc settle` report has a code. `sibc explain CODE` prints the",
             "entry below, and `sibc explain REASON` the entry of a settlement reason (the `reason` of a",
             "decision). Codes are grouped in bands by the phase that finds them. This file is generated from",
             "`sibdsl/core/codes.py` by `python -m sibdsl.emit.catalogue > docs/diagnostics.md`.", "",
             *_bands_table()]
    for band in BANDS:
        entries = [e for e in CATALOGUE.values() if e.code[3] == str(band.digit)]
        lines += [f"## {band.name}: {band.title}", "", band.covers, ""]
        several = len(band.parts) > 1
        part = None
        for entry in entries:
            here = sub_band_of(entry.code)
            if several and here is not None and here != part:
                part = here
                lines += [f"**{part.span}, {part.title.lower()}** ({part.phase} phase): {part.covers}", ""]
            lines += _code_entry(entry)
    lines += ["## Settlement reasons", "",
              "Every decision of `sibc settle` carries one reason code (the `reason` column of decisions.csv",
              "and decisions.jsonl; the summary gives each in the words of its title). They are not",
              "diagnostics: the claim was read and decided. Each entry cites the section of the rule book,",
              "[settlement.md](settlement.md), that decides it. `sibc explain cap_reached` (or `cap-reached`,",
              "`cap reached`) prints the entry.", ""]
    for reason in REASONS.values():
        lines += _reason_entry(reason)
    return "\n".join(lines)


if __name__ == "__main__":
    print(catalogue_markdown(), end="")
