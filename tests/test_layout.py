"""Layout shows the architecture (issue 9, items 2 and 4): imports flow one way, from a later
phase to an earlier one, never back; no phase package imports the drivers or the CLI; every
module says what it is in a docstring. `core` (plumbing) and `model` (the one IR, which the
semantics phase builds and every later phase reads) are not phases: they sit below them all."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "sibdsl"
LAYERS = {"core": 0, "model": 1}
PHASES = {"syntax": 1, "semantics": 2, "settlement": 3, "analysis": 4, "search": 5, "emit": 6,
          "render": 6, "compare": 6, "exchange": 6, "simulate": 6}
# a package may import its own layer and lower ones: core, model, then the phases in data order
ORDER = {**LAYERS, **{name: len(LAYERS) + number for name, number in PHASES.items()}}
DRIVERS = {"driver", "cli", "lsp"}


def _imports(path: Path) -> list[tuple[str, int]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sibdsl."):
            out.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names if a.name.startswith("sibdsl.")]
    return out


def test_imports_flow_from_later_phases_to_earlier_ones() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if len(rel.parts) < 2 or rel.parts[0] not in ORDER:
            continue
        mine = ORDER[rel.parts[0]]
        for module, line in _imports(path):
            target = module.split(".")[1]
            if target in DRIVERS or (target in ORDER and ORDER[target] > mine):
                wrong.append(f"sibdsl/{rel}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_every_module_has_a_docstring() -> None:
    missing = [str(p.relative_to(PACKAGE)) for p in sorted(PACKAGE.rglob("*.py"))
               if p.stat().st_size and not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))]
    assert not missing, missing


def test_phase_numbers_in_package_docstrings_follow_the_data() -> None:
    for name, number in PHASES.items():
        doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text(encoding="utf-8"))) or ""
        assert doc.startswith(f"Phase {number}, "), (name, doc[:40])


def test_the_model_imports_no_phase() -> None:
    """The IR is below every phase: sibdsl/model imports nothing of sibdsl but core."""
    wrong = [f"{path.name}: {module}" for path in sorted((PACKAGE / "model").glob("*.py"))
             for module, _ in _imports(path) if module.split(".")[1] not in ("core", "model")]
    assert not wrong, wrong
