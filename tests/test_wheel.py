"""The package as users get it: the built wheel and sdist hold every module, and the wheel,
installed into a fresh virtual environment, runs the README's first command and every `sibc`
subcommand from a folder outside the checkout.

An editable install hid a missing package once (hatchling read the `.gitignore` line
`settlement/`, meant for the output folder, and left `sibdsl/settlement` out of the wheel);
these tests build the real artefacts and never import sibdsl from the source tree.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _package_files() -> set[str]:
    """Every file of the package in the source tree (what the wheel must hold)."""
    found = set()
    for path in (ROOT / "sibdsl").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            found.add(path.relative_to(ROOT).as_posix())
    assert "sibdsl/settlement/engine.py" in found
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and the wheel, built as `pip install .` builds them (hatchling)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-d", str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    return {"wheel": next(out.glob("sibdsl-*.whl")), "sdist": next(out.glob("sibdsl-*.tar.gz")), "dir": out}


def _wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_wheel_holds_every_module_and_the_grammar(built: dict[str, Path]) -> None:
    names = _wheel_names(built["wheel"])
    missing = sorted(_package_files() - names)
    assert not missing, f"the wheel lacks {missing} (a .gitignore line or a build exclude?)"
    with zipfile.ZipFile(built["wheel"]) as zf:
        assert zf.read("sibdsl/_grammar/sib.lark") == (ROOT / "grammar" / "sib.lark").read_bytes()


def test_sdist_holds_the_sources_and_builds_the_same_wheel(built: dict[str, Path],
                                                           tmp_path: Path) -> None:
    with tarfile.open(built["sdist"]) as tf:
        top = tf.getnames()[0].split("/")[0]
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    needed = _package_files() | {"pyproject.toml", "README.md", "grammar/sib.lark", "docs/settlement.md",
                                 "contracts/fair-chance-fund.sib", "tests/test_wheel.py"}
    missing = sorted(needed - names)
    assert not missing, f"the sdist lacks {missing}"
    assert not [n for n in names if n.endswith(".pyc") or n.startswith((".venv", "settlement/"))]
    # A wheel built from the sdist (as pip does from PyPI) holds the same files.
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(built["sdist"]), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(tmp_path)], check=True, capture_output=True)
    from_sdist = next(tmp_path.glob("sibdsl-*.whl"))
    strip = re.compile(r"^sibdsl-[^/]+\.dist-info/RECORD$")
    assert {n for n in _wheel_names(from_sdist) if not strip.match(n)} == \
           {n for n in _wheel_names(built["wheel"]) if not strip.match(n)}, top


# ---------------------------------------------------------------- the installed wheel, used
@pytest.fixture(scope="module")
def installed(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A fresh virtual environment with only the wheel (and its dependencies) installed, and a
    working folder outside the checkout holding a copy of contracts/."""
    home = tmp_path_factory.mktemp("user")
    env_dir = home / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    result = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                             str(built["wheel"])], capture_output=True, text=True)
    assert result.returncode == 0, f"pip install of the wheel failed:\n{result.stdout}\n{result.stderr}"
    work = home / "work"
    shutil.copytree(ROOT / "contracts", work / "contracts")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "SIBDSL_CACHE_DIR")}
    env.update({"PATH": f"{bindir}{os.pathsep}{env.get('PATH', '')}", "HOME": str(home),
                "XDG_CACHE_HOME": str(home / "cache"), "VIRTUAL_ENV": str(env_dir),
                "PYTHONDONTWRITEBYTECODE": "1"})
    yield {"python": python, "bin": bindir, "work": work, "env": env}


def _run(installed: dict[str, object], command: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, shell=True, cwd=installed["work"], env=installed["env"],  # type: ignore[arg-type]
                            capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode in ok, f"`{command}` exited {result.returncode}:\n{output}"
    assert not re.search(r"\[SIB999\]|\(SIB999\)|Traceback \(most recent", output), f"`{command}`:\n{output}"
    return result


def test_installed_package_is_the_wheel_not_the_checkout(installed: dict[str, object]) -> None:
    out = subprocess.run([str(installed["python"]), "-c",
                          "import sibdsl, sibdsl.settlement.engine as e; from sibdsl.syntax.grammar import "
                          "grammar_path; print(sibdsl.__file__); print(grammar_path())"],
                         cwd=installed["work"], env=installed["env"], capture_output=True,  # type: ignore[arg-type]
                         text=True, check=True).stdout.splitlines()
    site = Path(str(installed["bin"])).parent
    assert Path(out[0]).resolve().is_relative_to(site.resolve()), out[0]
    assert not Path(out[0]).resolve().is_relative_to(ROOT), out[0]
    assert Path(out[1]).resolve().is_relative_to(site.resolve()), out[1]


def _readme_first_command() -> str:
    """The sibc part of the README's first command (after the install step)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)\n```", readme, re.S)
    assert block, "the README starts with a ```sh block of two commands"
    first = block.group(1).splitlines()[0]
    parts = [p.strip() for p in first.split("&&")]
    assert parts[0].startswith("python -m pip install"), first
    rest = parts[1:]
    assert rest and all(p.startswith("sibc ") for p in rest), first
    return " && ".join(rest)


def test_readme_first_command_runs_on_the_installed_wheel(installed: dict[str, object]) -> None:
    result = _run(installed, _readme_first_command())
    assert "settled" in result.stdout.lower() or "paid" in result.stdout.lower(), result.stdout


# Every subcommand, once, as a user would type it (from the working folder outside the checkout).
SUBCOMMANDS: dict[str, tuple[str, tuple[int, ...]]] = {
    "check": ("sibc check --format json contracts/fair-chance-fund.sib", (0,)),
    "compile": ("sibc compile contracts/fair-chance-fund.sib -o model.json", (0,)),
    "schema": ("sibc schema", (0,)),
    "explain": ("sibc explain SIB101 && sibc explain --list", (0,)),
    "settle": ("sibc settle contracts/fair-chance-fund.sib contracts/ledgers/fair-chance-fund-claims.csv"
               " -o out-settle --format json", (0,)),
    "report": ("sibc report contracts/fair-chance-fund.sib --markdown -o report.md", (0,)),
    "diff": ("sibc diff contracts/fair-chance-fund.sib contracts/fair-chance-fund.sib --claims "
             "contracts/ledgers/fair-chance-fund-claims.csv --format json -o diff.json", (0,)),
    "fmt": ("sibc fmt --check contracts/ && sibc fmt - < contracts/fair-chance-fund.sib", (0,)),
    # the server module (and pygls) import from the wheel; tests/test_lsp.py drives it over stdio
    "render": ("sibc render contracts/fair-chance-fund.sib --format docx -o schedule.docx && "
               "sibc render contracts/fair-chance-fund.sib --format html -o schedule.html", (0,)),
    "export": ("sibc export contracts/fair-chance-fund.sib --xlsx card.xlsx --claims "
               "contracts/ledgers/fair-chance-fund-claims.csv --indigo indigo.json", (0,)),
    "import-rates": ("sibc import-rates card.xlsx --sheet 'Rate card' -o imported.sib", (0,)),
    "lsp": ("sibc lsp --help && python -c 'import sibdsl.lsp.server'", (0,)),
    "simulate": ("sibc simulate contracts/fair-chance-fund.sib --assumptions "
                 "contracts/assumptions/fair-chance-fund.toml --scenarios 20 -o out-simulate --charts", (0,)),
}


def test_every_subcommand_runs_on_the_installed_wheel(installed: dict[str, object]) -> None:
    listed = subprocess.run([str(installed["python"]), "-c",
                             "from sibdsl.cli.main import cli; print(' '.join(sorted(cli.commands)))"],
                            cwd=installed["work"], env=installed["env"], capture_output=True,  # type: ignore[arg-type]
                            text=True, check=True).stdout.split()
    assert sorted(SUBCOMMANDS) == listed, "a subcommand was added or removed: list it in SUBCOMMANDS"
    for name in listed:
        command, ok = SUBCOMMANDS[name]
        _run(installed, command, ok)
        _run(installed, f"sibc {name} --help")
    work = Path(str(installed["work"]))
    assert (work / "model.json").stat().st_size > 0
    assert (work / "report.md").read_text(encoding="utf-8").strip()
    assert any((work / "out-settle").iterdir())
