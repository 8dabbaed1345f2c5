"""Phase 2: the version history (`supersedes version ...`, `amendment ... on ...`).

Input: the contract's AST, the `Scope`, the contract's own version (None: not stated) and the
span table. Output: (the version this text supersedes, the amendments oldest first), with
diagnostics SIB104 (`supersedes` said twice), SIB107 (a history that contradicts itself: no
version of its own, a version superseding itself, a version made twice) and SIB307 (amendments
out of date order), each at its line with a hint. The meaning is docs/language.md 2.1.
"""

from __future__ import annotations

from datetime import date

from sibdsl.core.diagnostics import Label
from sibdsl.model.contract import Amendment
from sibdsl.model.spans import SpanTable
from sibdsl.semantics.runoff import single_declaration
from sibdsl.semantics.scope import Scope
from sibdsl.syntax import ast


def history(tree: ast.ContractFile, scope: Scope, version: str | None, spans: SpanTable
            ) -> tuple[str | None, tuple[Amendment, ...]]:
    """The version superseded and the amendment records, checked against each other."""
    sink = scope.sink
    decl = single_declaration(tree, ast.SupersedesDecl, "which version it supersedes", scope)
    records = [d for d in tree.declarations if isinstance(d, ast.AmendmentDecl)]
    first = decl if isinstance(decl, ast.SupersedesDecl) else records[0] if records else None
    if first is not None and version is None:
        sink.add("SIB107", "the contract records a version history but states no version of its own",
                 first.span, hint='give the contract its version: `contract "Title" version 2.0`')
    supersedes: str | None = None
    if isinstance(decl, ast.SupersedesDecl):
        if version is not None and decl.version == version:
            sink.add("SIB107", f"version {version} cannot supersede itself", decl.span,
                     hint="name the version this text replaces, as in `supersedes version 1.0`")
        else:
            supersedes = decl.version
            spans[("header", "supersedes")] = decl.span
    amendments: list[Amendment] = []
    seen: dict[str, ast.AmendmentDecl] = {}
    previous: tuple[ast.AmendmentDecl, date] | None = None
    for record in records:
        day = scope.date(record.day)
        if record.version in seen:
            sink.add("SIB107", f"two amendments make version {record.version}", record.span,
                     labels=[Label(seen[record.version].span, "first made here")],
                     hint="each amendment makes a new version: number this one after the last")
            continue
        seen[record.version] = record
        if day is None:
            continue
        if previous is not None and day < previous[1]:
            sink.add("SIB307", f"amendment {record.version} is dated {day}, before amendment "
                     f"{previous[0].version} ({previous[1]}): the history is written oldest first",
                     record.day.span, labels=[Label(previous[0].span, "the later-dated amendment")],
                     hint="list the amendments in the order they were made, or correct the date")
            continue
        previous = (record, day)
        spans[("header", "amendments", len(amendments))] = record.span
        amendments.append(Amendment(version=record.version, day=day, summary=record.summary.value,
                                    clause=record.clause.text.value if record.clause else None))
    return supersedes, tuple(amendments)
