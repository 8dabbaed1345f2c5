"""Start-up cost of `sibc check` against the floor of importing its libraries.

Runs, as subprocesses of this one process, in turn

    floor:              python -c "import lark, pydantic, click"
    check:              sibc check CONTRACT     (the console script next to sys.executable)
    check --no-search:  sibc check --no-search CONTRACT   (only if sibc has that option)

N rounds (--runs, default 20), and prints the median and minimum wall time of each, the
ratio to the floor and whether the target (ratio <= 1.3) is met. Alternating keeps slow
drifts of the machine (other load, CPU frequency) from favouring any one command. Every
run has the same interpreter, environment and working directory (a temporary directory,
so whatever sibc writes there, e.g. a .hypothesis/ folder, does not land in the repository).

Before the alternating runs, each sibc command is run once with SIBDSL_CACHE_DIR set to a
fresh, empty directory: lark then has to build the LALR tables and write its cache. That
cold run is reported on its own; the alternating runs use a warm cache (the normal case).
"Cold" means a cold parse-table cache only.

Bytecode: when PYTHONDONTWRITEBYTECODE is set and sibdsl is an editable install, sibdsl has
no .pyc files and every run compiles its ~40 modules from source, while lark, pydantic and
click have theirs from pip. So the figures are taken twice (--bytecode, default both):
"pyc", with a temporary PYTHONPYCACHEPREFIX where every run may write and read .pyc files
(as for an installed wheel; the warm-up runs fill it), and "env", the environment as is.

Usage:
    python benchmarks/bench_check_startup.py [CONTRACT] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.3
FLOOR_CODE = "import lark, pydantic, click"


def default_contract() -> Path:
    preferred = ROOT / "contracts" / "fair-chance-fund.sib"
    if preferred.is_file():
        return preferred
    found = sorted((ROOT / "contracts").glob("*.sib"))
    if not found:
        sys.exit("no .sib file in contracts/; pass a path")
    return found[0]


def sibc_command() -> tuple[list[str], str]:
    """The `sibc` console script beside this interpreter if there is one, else `-m sibdsl`."""
    bindir = Path(sys.executable).parent
    for name in ("sibc", "sibc.exe"):
        script = bindir / name
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script)], f"{script} (console script)"
    return [sys.executable, "-m", "sibdsl"], f"{sys.executable} -m sibdsl"


def has_option(sibc: list[str], option: str, env: dict[str, str], cwd: str) -> bool:
    proc = subprocess.run([*sibc, "check", "--help"], env=env, cwd=cwd, capture_output=True, text=True, check=False)
    return option in proc.stdout


def timed(cmd: list[str], env: dict[str, str], cwd: str, what: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{what} failed with exit code {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
    return elapsed


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def measure(commands: dict[str, list[str]], base_env: dict[str, str], work: Path, mode: str,
            runs: int) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Warm up, one cold run per sibc command, then `runs` alternating rounds."""
    root = Path(tempfile.mkdtemp(prefix=f"{mode}-", dir=work))
    env = {**base_env, "SIBDSL_CACHE_DIR": str(root / "cache")}
    if mode == "pyc":  # a bytecode cache for every module, as an installed package has
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    cwd = str(work)
    labels = list(commands)
    # untimed: page cache, and in pyc mode the .pyc files of everything each command imports
    for label in labels:
        timed(commands[label], {**env, "SIBDSL_CACHE_DIR": str(root / "warmup")}, cwd, label)
    colds: dict[str, float] = {}
    for label in labels[1:]:
        cold_dir = tempfile.mkdtemp(prefix="cold-", dir=root)
        colds[label] = timed(commands[label], {**env, "SIBDSL_CACHE_DIR": cold_dir}, cwd, f"{label} (cold)")
        if not any(Path(cold_dir).iterdir()):
            print(f"warning: the cold run of {label} wrote no parse-table cache")
    timed(commands[labels[1]], env, cwd, labels[1])  # untimed: write the shared warm cache
    times: dict[str, list[float]] = {label: [] for label in labels}
    for _ in range(runs):
        for label in labels:  # alternate: floor, check, check --no-search, floor, ...
            times[label].append(timed(commands[label], env, cwd, label))
    return times, colds


def report(mode: str, times: dict[str, list[float]], colds: dict[str, float]) -> None:
    title = {"pyc": "with a bytecode cache (.pyc) for every module",
             "env": "environment as is" + (" (PYTHONDONTWRITEBYTECODE is set: modules without a .pyc, "
                                           "e.g. an editable sibdsl, are compiled from source on every run)"
                                           if os.environ.get("PYTHONDONTWRITEBYTECODE") else "")}[mode]
    floor = times["floor (imports)"]
    floor_med, floor_min = statistics.median(floor), min(floor)
    print(f"\n[{mode}] {title}")
    print(f"{'':24}{'median':>10}{'min':>10}{'ratio med':>11}{'ratio min':>11}{'cold 1st':>10}")
    for label, values in times.items():
        med, low = statistics.median(values), min(values)
        cold = ms(colds[label]) if label in colds else "-"
        print(f"{label:24}{ms(med):>10}{ms(low):>10}{med / floor_med:>10.2f}x{low / floor_min:>10.2f}x{cold:>10}")
    for label in list(times)[1:]:
        med = statistics.median(times[label])
        ratio = med / floor_med
        print(f"  target {label}: median ratio <= {TARGET_RATIO}: {'MET' if ratio <= TARGET_RATIO else 'MISSED'} "
              f"({ratio:.2f}x, {ms(med - floor_med)} over the floor)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("contract", nargs="?", type=Path, default=None, help="the .sib file to check")
    ap.add_argument("--runs", type=int, default=20, help="rounds of alternating runs (default 20)")
    ap.add_argument("--bytecode", choices=["pyc", "env", "both"], default="both",
                    help="pyc: every run may read and write .pyc files (in a temporary PYTHONPYCACHEPREFIX); "
                         "env: leave PYTHONDONTWRITEBYTECODE etc. as they are; both (default)")
    args = ap.parse_args()
    contract = (args.contract or default_contract()).resolve()
    if not contract.is_file():
        sys.exit(f"no such file: {contract}")

    sibc, how = sibc_command()
    work = Path(tempfile.mkdtemp(prefix="sibdsl-bench-"))  # cwd of every run: .hypothesis/ etc. land here
    env = {k: v for k, v in os.environ.items() if k not in ("SIBC_DEBUG", "NO_COLOR", "PYTHONPYCACHEPREFIX")}
    commands: dict[str, list[str]] = {
        "floor (imports)": [sys.executable, "-c", FLOOR_CODE],
        "sibc check": [*sibc, "check", str(contract)],
    }
    modes = ["pyc", "env"] if args.bytecode == "both" else [args.bytecode]
    print(f"python   : {sys.executable} ({sys.version.split()[0]})")
    print(f"sibc     : {how}")
    print(f"contract : {contract.relative_to(ROOT) if contract.is_relative_to(ROOT) else contract}")
    print(f"floor    : python -c \"{FLOOR_CODE}\"")
    try:
        if has_option(sibc, "--no-search", env, str(work)):
            label = "sibc check --no-search"
            extra = ["--no-search"]
            if has_option(sibc, "--no-analysis", env, str(work)):  # the checking path alone
                label, extra = "sibc check --no-search --no-analysis", ["--no-search", "--no-analysis"]
            commands[label] = [*sibc, "check", *extra, str(contract)]
        print(f"runs     : {args.runs} rounds of {', '.join(commands)} in turn, warm parse-table cache;")
        print("           cold 1st = one earlier run with an empty SIBDSL_CACHE_DIR (lark builds the LALR tables)")
        print("           ratio = time / floor time")
        for mode in modes:
            times, colds = measure(commands, env, work, mode, args.runs)
            report(mode, times, colds)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
