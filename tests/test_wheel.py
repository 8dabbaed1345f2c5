"""The grammar ships inside the wheel, and an installed package finds it (not the source tree)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import sibdsl
from sibdsl.syntax.grammar import grammar_path
from sibdsl.compiler import compile_text
print(grammar_path())
r = compile_text('contract "W"\\ncurrency GBP\\nterm 2020-01-01 to 2021-01-01\\n'
                 'payer p "P" pays 100%\\noutcome a "A" pays GBP 1\\n')
print("ok" if r.model is not None else [d.message for d in r.diagnostics])
"""


def test_installed_wheel_finds_its_grammar(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels)], check=True, capture_output=True)
    wheel = next(wheels.glob("sibdsl-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        assert "sibdsl/_grammar/sib.lark" in zf.namelist()
        assert zf.read("sibdsl/_grammar/sib.lark") == (ROOT / "grammar" / "sib.lark").read_bytes()
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target), "SIBDSL_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=elsewhere, env=env, capture_output=True,
                         text=True, check=True).stdout.split("\n")
    assert Path(out[0]).resolve() == (target / "sibdsl" / "_grammar" / "sib.lark").resolve()
    assert out[1] == "ok"
