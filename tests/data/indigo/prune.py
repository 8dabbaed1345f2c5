"""Make tests/data/indigo/project.json from INDIGO's schema: its structure only, no prose.

INDIGO-Initiative/indigo-data-standard publishes schema/project.json with no licence file, so
this repository does not redistribute it. The test data here keeps only what validation needs
for the fields `sibc export --indigo` writes: property names, types, formats, enums, `$ref`s
and the definitions they reach; every title, description, example and unused property is
dropped. Run it with a checkout of that repository (commit f034d757ca75, 2024-04-19):

    python tests/data/indigo/prune.py PATH/TO/schema/project.json

A field that `sibc export --indigo` starts to write must first be added to KEEP below, after
checking it in the full schema; tests/test_indigo.py fails on any key the pruned schema lacks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

STRUCTURE = {"type", "properties", "items", "$ref", "enum", "format", "required", "pattern",
             "additionalProperties", "minimum", "maximum", "oneOf", "anyOf", "allOf", "$schema", "definitions"}
# the top-level properties sibc writes (the rest of the schema is dropped)
KEEP = {"id", "name", "dates", "overall_project_finance", "service_and_beneficiaries", "outcome_metrics",
        "outcome_pricings", "outcome_payment_commitments", "investments", "organisations", "service_provisions",
        "intermediary_services"}


def structure(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: structure(v) if k not in ("properties", "definitions") else {n: structure(x) for n, x in v.items()}
                for k, v in node.items() if k in STRUCTURE}
    if isinstance(node, list):
        return [structure(x) for x in node]
    return node


def refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            found.add(node["$ref"].rsplit("/", 1)[-1])
        for value in node.values():
            found |= refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= refs(value)
    return found


def prune(schema: dict[str, Any]) -> dict[str, Any]:
    out = structure(schema)
    out["properties"] = {k: v for k, v in out.get("properties", {}).items() if k in KEEP}
    definitions = out.get("definitions", {})
    wanted: set[str] = set()
    todo = refs(out["properties"])
    while todo:
        name = todo.pop()
        if name in wanted or name not in definitions:
            continue
        wanted.add(name)
        todo |= refs(definitions[name])
    out["definitions"] = {k: v for k, v in definitions.items() if k in wanted}
    return out


if __name__ == "__main__":
    full = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    target = Path(__file__).with_name("project.json")
    target.write_text(json.dumps(prune(full), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target}")
