"""Analysis: one call of the MILP solver (HiGHS, through scipy), kept silent and bounded.

Input: an integer program in Python ints — maximise sum(c[i] * x[i]) subject to
0 <= x[i] <= upper[i], x integral, and rows sum(a * x) <= hi or >= lo — and a time limit.
Output: `Solved`: how the solve ended (optimal, stopped at the time limit, failed), the point
the solver returned rounded to integers (not checked here: the caller checks it exactly),
its objective and the solver's bound on the optimum, as floats.

HiGHS must never write into sibc's output, which `--format json` makes machine-read. scipy
is told to be quiet (disp=False; output_flag=False is passed to HiGHS as well), but HiGHS
also prints from C with printf (for instance
"HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();" on some
knapsacks), which no option turns off. So for the length of the solve file descriptor 1 is
pointed at the null device, with C's stdio buffers flushed before and after, so nothing the
solver wrote can reach the real standard output later.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Row = tuple[dict[int, int], int | None, int | None]  # coefficients, lower, upper (None: no bound)


@dataclass
class Solved:
    status: str  # optimal | time_limit | failed
    x: list[int] | None
    objective: float | None  # of the maximisation
    bound: float | None  # the solver's upper bound on the maximum
    seconds: float


def _c_library() -> Any:
    """The C library whose stdio buffers HiGHS writes into, or None if it cannot be found."""
    names: list[str | None] = [None]  # POSIX: the symbols already loaded into the process
    found = ctypes.util.find_library("c")
    if found:
        names.append(found)
    names += ["ucrtbase", "msvcrt"]  # Windows
    for name in names:
        try:
            lib = ctypes.CDLL(name)
            lib.fflush  # noqa: B018 - the attribute lookup is the check
            return lib
        except (OSError, AttributeError, TypeError):
            continue
    return None


_LIBC: Any = None


def _flush_c() -> None:
    global _LIBC
    if _LIBC is None:
        _LIBC = _c_library() or False
    if _LIBC:
        with contextlib.suppress(Exception):
            _LIBC.fflush(None)


@contextlib.contextmanager
def stdout_silenced() -> Iterator[None]:
    """Point file descriptor 1 at the null device while the block runs (C code included)."""
    for stream in (sys.stdout, sys.__stdout__):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
    _flush_c()
    try:
        saved = os.dup(1)
    except OSError:  # no standard output at all: nothing to protect
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        _flush_c()  # what the solver left in C's buffer goes to the null device, not to stdout
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def solve(c: list[int], upper: list[int], rows: list[Row], time_limit: float) -> Solved:
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    n = len(c)
    data: list[float] = []
    row_ids: list[int] = []
    col_ids: list[int] = []
    lower_b: list[float] = []
    upper_b: list[float] = []
    for r, (coeffs, lo, hi) in enumerate(rows):
        for k, v in coeffs.items():
            data.append(float(v))
            row_ids.append(r)
            col_ids.append(k)
        lower_b.append(-np.inf if lo is None else float(lo))
        upper_b.append(np.inf if hi is None else float(hi))
    constraints = []
    if rows:
        matrix = coo_array((data, (row_ids, col_ids)), shape=(len(rows), n)).tocsr()
        constraints = [LinearConstraint(matrix, np.array(lower_b), np.array(upper_b))]
    started = time.perf_counter()
    # presolve off: HiGHS's presolve takes seconds on one exclusive group of 10,000 outcomes
    # (4.7 s; 30 s at 30,000) and these models are small and sparse without it
    options = {"disp": False, "output_flag": False, "mip_rel_gap": 0, "presolve": False,
               "time_limit": max(time_limit, 0.001)}
    with warnings.catch_warnings(), stdout_silenced():
        warnings.simplefilter("ignore")  # scipy warns that it passes output_flag to HiGHS verbatim
        res = milp(-np.array([float(v) for v in c]), constraints=constraints, integrality=np.ones(n),
                   bounds=Bounds(np.zeros(n), np.array([float(u) for u in upper])), options=options)
    seconds = time.perf_counter() - started
    status = {0: "optimal", 1: "time_limit"}.get(int(res.status), "failed")
    x = [round(float(v)) for v in res.x] if res.x is not None else None
    objective = -float(res.fun) if res.fun is not None else None
    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual) if dual is not None and np.isfinite(dual) else None
    return Solved(status, x, objective, bound, seconds)
