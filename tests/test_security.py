"""Security of the parse-table cache, and digits other than 0-9 (issue 7, item 5).

The cache: another local user must not be able to plant a file that sibc loads (a pickle runs
code when it is loaded). Each planted file here is a pickle that would write a marker file if
it were ever unpickled; the control test shows it does. sibc is run as a user runs it, in a
subprocess with its own HOME, TMPDIR and cache directory.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import lark
import pytest

from sibdsl.compiler import compile_text
from sibdsl.core import cachedir
from sibdsl.syntax import grammar

ROOT = Path(__file__).resolve().parents[1]
GOOD = """contract "Small" version 1
currency GBP
term 2020-01-01 to 2021-12-31
payer council "Council" pays 100%
cohort people "People" at most 10 participants, referred 2020-01-01 to 2020-06-30
outcome move_in "Move in" pays GBP 500
"""


class _Planted:
    """Unpickling this runs code: it writes the marker file (as an attacker's payload would)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (f"import pathlib; pathlib.Path({str(self.marker)!r}).write_text('code ran')",))


def payload(marker: Path) -> bytes:
    return pickle.dumps({"data": _Planted(marker), "memo": {}}, protocol=4)


@pytest.fixture
def user(tmp_path: Path) -> dict[str, str]:
    """An environment of our own: HOME, TMPDIR and no cache variables."""
    (tmp_path / "home").mkdir()
    (tmp_path / "shared-tmp").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("SIBDSL_CACHE_DIR", "XDG_CACHE_HOME", "SIBC_DEBUG")}
    env.update({"HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path / "shared-tmp")})
    return env


def run_sibc(env: dict[str, str], contract: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sibdsl", "check", "--no-search", "--no-analysis", str(contract)],
                          env=env, capture_output=True, text=True, timeout=300)


def origin(env: dict[str, str]) -> str:
    """How a fresh process got its parser: cache, built, or built, no cache."""
    code = "from sibdsl.syntax import grammar; grammar.get_parser(); print(grammar.parser_origin)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def tables_name() -> str:
    key = grammar._cache_key(grammar.grammar_path().read_text(encoding="utf-8"))
    return f"parser-{key[:32]}.tables"


def genuine_tables(tmp_path: Path, env: dict[str, str]) -> bytes:
    """A real cache file, written by sibc itself into a directory of its own."""
    source = tmp_path / "genuine"
    assert origin({**env, "SIBDSL_CACHE_DIR": str(source)}) == "built"
    return (source / tables_name()).read_bytes()


def test_the_planted_payload_is_live(tmp_path: Path) -> None:
    """Control: the payload really runs code when unpickled, so its marker proves a load."""
    marker = tmp_path / "marker"
    pickle.loads(payload(marker))
    assert marker.read_text() == "code ran"


def test_old_predictable_temp_path_is_not_read(tmp_path: Path, user: dict[str, str]) -> None:
    """Before: /tmp/sibdsl-parser-<hash of the public grammar>.cache, unpickled before any check."""
    marker = tmp_path / "marker"
    digest = hashlib.sha256(grammar.grammar_path().read_bytes() + lark.__version__.encode()).hexdigest()[:16]
    planted = Path(user["TMPDIR"]) / f"sibdsl-parser-{digest}.cache"
    planted.write_bytes(b"0" * 64 + b"\n" + payload(marker))  # lark's format: hash line, then pickles
    contract = tmp_path / "good.sib"
    contract.write_text(GOOD, encoding="utf-8")
    result = run_sibc(user, contract)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not marker.exists(), "sibc loaded a pickle planted in the shared temp directory"
    assert [p.name for p in Path(user["TMPDIR"]).iterdir()] == [planted.name]  # nothing written there


def test_default_cache_dir_is_per_user_and_created_0700(tmp_path: Path, user: dict[str, str]) -> None:
    user = {**user, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert origin(user) == "built"
    made = tmp_path / "xdg" / "sibdsl"
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    files = list(made.iterdir())
    assert [f.name for f in files] == [tables_name()]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert origin(user) == "cache"


def test_override_dir_is_created_0700(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a" / "b" / "cache"
    monkeypatch.setenv("SIBDSL_CACHE_DIR", str(target))
    assert cachedir.cache_dir() == target
    assert stat.S_IMODE(target.stat().st_mode) == 0o700


def test_cache_file_writable_by_others_is_refused(tmp_path: Path, user: dict[str, str]) -> None:
    tables = genuine_tables(tmp_path, user)
    env = {**user, "SIBDSL_CACHE_DIR": str(tmp_path / "cache")}
    (tmp_path / "cache").mkdir(mode=0o700)
    planted = tmp_path / "cache" / tables_name()
    for mode in (0o666, 0o620, 0o602):
        planted.write_bytes(tables)
        planted.chmod(mode)
        assert origin(env) == "built", oct(mode)  # refused, rebuilt, and rewritten privately
        assert stat.S_IMODE(planted.stat().st_mode) == 0o600
    assert origin(env) == "cache"  # the file sibc wrote itself is used


def test_malicious_cache_writable_by_others_does_not_run(tmp_path: Path, user: dict[str, str]) -> None:
    marker = tmp_path / "marker"
    (tmp_path / "cache").mkdir(mode=0o700)
    key = grammar._cache_key(grammar.grammar_path().read_text(encoding="utf-8"))
    planted = tmp_path / "cache" / tables_name()
    planted.write_bytes(grammar._CACHE_FORMAT + b" " + key.encode() + b"\n" + payload(marker))
    planted.chmod(0o666)
    contract = tmp_path / "good.sib"
    contract.write_text(GOOD, encoding="utf-8")
    result = run_sibc({**user, "SIBDSL_CACHE_DIR": str(tmp_path / "cache")}, contract)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not marker.exists()


def test_even_a_private_malicious_cache_cannot_run_code(tmp_path: Path) -> None:
    """Second line of defence: the unpickler refuses every class and function."""
    marker = tmp_path / "marker"
    key = grammar._cache_key(grammar.grammar_path().read_text(encoding="utf-8"))
    data = grammar._CACHE_FORMAT + b" " + key.encode() + b"\n" + payload(marker)
    assert grammar._load_tables(data, key) is None
    assert not marker.exists()
    assert grammar._load_tables(data, "0" * 64) is None  # tables for another grammar: not even read


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to plant as another user")
def test_cache_owned_by_another_user_is_refused(tmp_path: Path, user: dict[str, str]) -> None:
    tables = genuine_tables(tmp_path, user)
    (tmp_path / "cache").mkdir(mode=0o700)
    planted = tmp_path / "cache" / tables_name()
    planted.write_bytes(tables)
    planted.chmod(0o644)
    os.chown(planted, 65534, 65534)
    assert origin({**user, "SIBDSL_CACHE_DIR": str(tmp_path / "cache")}) == "built"
    # a directory that another user owns is not used at all
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o755)
    (theirs / tables_name()).write_bytes(tables)
    os.chown(theirs, 65534, 65534)
    assert origin({**user, "SIBDSL_CACHE_DIR": str(theirs)}) == "built, no cache"


def test_world_writable_cache_dir_is_not_used(tmp_path: Path, user: dict[str, str]) -> None:
    tables = genuine_tables(tmp_path, user)
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    (shared / tables_name()).write_bytes(tables)
    (shared / tables_name()).chmod(0o600)
    env = {**user, "SIBDSL_CACHE_DIR": str(shared)}
    assert origin(env) == "built, no cache"
    assert [p.name for p in shared.iterdir()] == [tables_name()]  # nothing written there
    shared.chmod(0o770)  # group-writable: refused too
    assert origin(env) == "built, no cache"


def test_symlinked_cache_file_is_not_followed(tmp_path: Path, user: dict[str, str]) -> None:
    tables = genuine_tables(tmp_path, user)
    elsewhere = tmp_path / "elsewhere.tables"
    elsewhere.write_bytes(tables)
    elsewhere.chmod(0o600)
    (tmp_path / "cache").mkdir(mode=0o700)
    (tmp_path / "cache" / tables_name()).symlink_to(elsewhere)
    assert origin({**user, "SIBDSL_CACHE_DIR": str(tmp_path / "cache")}) == "built"
    assert elsewhere.read_bytes() == tables  # the link was replaced, not written through


def test_warm_cache_is_used_and_faster_than_building(tmp_path: Path, user: dict[str, str]) -> None:
    """Start-up stays fast: a second run reads the tables instead of building them."""
    env = {**user, "SIBDSL_CACHE_DIR": str(tmp_path / "cache")}
    code = ("import time, lark, sibdsl.syntax.build, sibdsl.core.cachedir\n"
            "start = time.perf_counter()\n"
            "from sibdsl.syntax import grammar\n"
            "grammar.get_parser()\n"
            "print(grammar.parser_origin, time.perf_counter() - start)\n")

    def timed() -> tuple[str, float]:
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        how, seconds = out.stdout.rsplit(" ", 1)
        return how, float(seconds)

    built = [timed()]
    shutil.rmtree(tmp_path / "cache")
    built.append(timed())
    warm = [timed() for _ in range(3)]
    assert [b[0] for b in built] == ["built", "built"] and all(w[0] == "cache" for w in warm)
    assert min(w[1] for w in warm) < 0.6 * min(b[1] for b in built), (built, warm)


# ---------------------------------------------------------------- digits other than 0-9
@pytest.mark.parametrize(("written", "reading"), [
    ("outcome a \"A\" pays GBP ５００", "did you mean GBP 500?"),
    ("outcome a \"A\" pays £٥٠٠", "did you mean £500?"),
    ("payer fund \"Fund\" pays ５%", "did you mean 5%?"),
    ("cap per participant GBP १,०००", "did you mean GBP 1,000?"),
])
def test_non_ascii_digits_are_refused_with_the_ascii_reading(written: str, reading: str) -> None:
    result = compile_text(GOOD + written + "\n")
    assert not result.ok and result.model is None
    found = [d for d in result.diagnostics if d.code == "SIB017"]
    assert len(found) == 1 and found[0].hint is not None and reading in found[0].hint, result.diagnostics
    assert found[0].span.line == GOOD.count("\n") + 1


def test_non_ascii_digits_in_a_date_and_in_a_broken_file() -> None:
    result = compile_text(GOOD.replace("term 2020-01-01", "term ２０２０-01-01"))
    assert [d.code for d in result.diagnostics] == ["SIB017"]
    assert result.diagnostics[0].hint is not None and "2020-01-01" in result.diagnostics[0].hint
    # in a file that does not parse, the digits are still reported, on their own line
    broken = compile_text(GOOD + "outcome b \"B\" pays GBP ５\noutcome c \"C\" costs GBP 1\n")
    assert {(d.code, d.span.line) for d in broken.diagnostics} >= {("SIB017", 7), ("SIB010", 8)}


def test_as_of_takes_ascii_digits_only(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sibdsl.cli.main import cli

    contract = tmp_path / "good.sib"
    contract.write_text(GOOD, encoding="utf-8")
    claims = tmp_path / "claims.csv"
    claims.write_text("claim_id,participant,outcome,date\nc1,p1,move_in,2020-03-01\n", encoding="utf-8")
    args = ["settle", str(contract), str(claims), "-o", str(tmp_path / "out"), "--as-of"]
    refused = CliRunner().invoke(cli, [*args, "２０２０-12-01"])
    assert refused.exit_code == 2 and "did you mean 2020-12-01?" in refused.output
    assert CliRunner().invoke(cli, [*args, "2020-12-01"]).exit_code == 0
