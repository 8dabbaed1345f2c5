"""Phase 2 check: prerequisites form no cycle.

Input: `model.Contract` and its spans. Output: SIB404 with the cycle shown as a path (a -> b -> a).
"""

from __future__ import annotations

import itertools

from sibdsl.core.diagnostics import DiagnosticSink, Label
from sibdsl.model.contract import Contract
from sibdsl.model.spans import SpanTable


def prerequisite_cycles(contract: Contract) -> list[list[str]]:
    """Each elementary cycle found by depth-first search, as a closed path of outcome names."""
    graph = {o.name: [p.outcome for p in o.prerequisites] for o in contract.outcomes}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []
    for root in graph:
        if state.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            succ = graph.get(node, [])
            if index < len(succ):
                stack.append((node, index + 1))
                nxt = succ[index]
                if state.get(nxt) == 1:
                    cycles.append([*path[path.index(nxt):], nxt])
                elif not state.get(nxt) and nxt in graph:
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
    return cycles


def check_ladders(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    index = {o.name: i for i, o in enumerate(contract.outcomes)}
    for cycle in prerequisite_cycles(contract):
        labels = []
        for a, b in itertools.pairwise(cycle):
            i = index[a]
            step = next(j for j, p in enumerate(contract.outcomes[i].prerequisites) if p.outcome == b)
            labels.append(Label(spans.of("outcomes", i, "prerequisites", step), f"{a} requires {b}"))
        sink.add("SIB404", "prerequisite cycle: " + " -> ".join(cycle), spans.of("outcomes", index[cycle[0]]),
                 labels=labels,
                 hint="none of these outcomes can ever be paid; remove one of the `after` clauses")
