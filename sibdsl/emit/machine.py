"""Reporting: diagnostics for machines, as JSON and as SARIF 2.1.0.

Input: (file name, diagnostics) per checked file. Output: JSON documents. The JSON form
follows `terraform validate -json`: valid, error_count, warning_count, diagnostics with ranges
(1-based lines and columns, end exclusive). SARIF is for code-scanning UIs in CI.
"""

from __future__ import annotations

from typing import Any

from sibdsl import __version__
from sibdsl.core.codes import CATALOGUE
from sibdsl.core.diagnostics import Diagnostic, Severity

FileDiagnostics = list[tuple[str, list[Diagnostic]]]


def _range(d: Diagnostic) -> dict[str, Any]:
    s = d.span
    return {"start": {"line": s.line, "column": s.column}, "end": {"line": s.end_line, "column": s.end_column}}


def to_json(files: FileDiagnostics) -> dict[str, Any]:
    all_diags = [d for _, ds in files for d in ds]
    errors = sum(d.severity is Severity.ERROR for d in all_diags)
    warnings = sum(d.severity is Severity.WARNING for d in all_diags)
    return {
        "format_version": "1.0",
        "valid": errors == 0,
        "error_count": errors,
        "warning_count": warnings,
        "files": [{"file": name, "valid": not any(d.severity is Severity.ERROR for d in ds)} for name, ds in files],
        "diagnostics": [
            {
                "code": d.code,
                "severity": d.severity.value,
                "summary": d.title,
                "message": d.message,
                "file": d.file,
                "range": _range(d),
                "hint": d.hint,
                "detail": d.detail,
                "related": [
                    {"message": lab.message, "file": lab.file or d.file,
                     "range": {"start": {"line": lab.span.line, "column": lab.span.column},
                               "end": {"line": lab.span.end_line, "column": lab.span.end_column}}}
                    for lab in d.labels
                ],
            }
            for d in all_diags
        ],
    }


_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": max(end_line, line),
            "endColumn": end_column if (end_line > line or end_column > column) else column + 1}


def to_sarif(files: FileDiagnostics) -> dict[str, Any]:
    used = sorted({d.code for _, ds in files for d in ds})
    rules = [
        {"id": code, "name": CATALOGUE[code].title.title().replace(" ", "").replace("%", "Percent"),
         "shortDescription": {"text": CATALOGUE[code].title},
         "fullDescription": {"text": CATALOGUE[code].explanation},
         "defaultConfiguration": {"level": CATALOGUE[code].severity_name},
         "help": {"text": f"sibc explain {code}"}}
        for code in used
    ]
    index = {code: i for i, code in enumerate(used)}
    results = []
    for _, ds in files:
        for d in ds:
            s = d.span
            result: dict[str, Any] = {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": _LEVEL[d.severity],
                "message": {"text": d.message + (f" (hint: {d.hint})" if d.hint else "")},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": d.file},
                    "region": _region(s.line, s.column, s.end_line, s.end_column)}}],
            }
            if d.labels:
                result["relatedLocations"] = [
                    {"id": i, "message": {"text": lab.message}, "physicalLocation": {
                        "artifactLocation": {"uri": lab.file or d.file},
                        "region": _region(lab.span.line, lab.span.column, lab.span.end_line, lab.span.end_column)}}
                    for i, lab in enumerate(d.labels)
                ]
            results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "sibc", "version": __version__,
                                "informationUri": "https://github.com/sibdsl/sibdsl", "rules": rules}},
            "results": results,
        }],
    }
