"""The same contract gives the same diagnostics in every process: nothing depends on the order
of a set (string hashing is randomised per process, PYTHONHASHSEED)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CYCLE = """contract "cycle" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer p "P"
outcome a "A" pays GBP 10 after b
outcome b "B" pays GBP 10 after a
outcome c "C" pays GBP 10 after a and b
outcome d "D" pays GBP 10 after b and a
"""


def test_sib412_names_the_same_prerequisite_whatever_the_hash_seed(tmp_path: Path) -> None:
    """Was: 'its prerequisite 'a'' under some seeds and 'b'' under others (a set's order)."""
    path = tmp_path / "cycle.sib"
    path.write_text(CYCLE, encoding="utf-8")
    outputs = set()
    for seed in ("0", "1", "2", "3", "5", "8"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-m", "sibdsl", "check", "--no-search", "--no-analysis",
                               "--format", "json", str(path)], capture_output=True, text=True, env=env, timeout=120)
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert "outcome 'c' can never be paid: its prerequisite 'b' can never be paid" in outputs.pop()
