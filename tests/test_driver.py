"""One driver (issue 9, item 3): `sibc check`, the Python API and (later) the language server
all run `sibdsl.driver`; `sibdsl.check_file(path).to_json()` is exactly what `sibc check
--format json` prints, for every contract in contracts/ and every golden file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import sibdsl
from sibdsl.cli.main import cli
from sibdsl.driver import CheckOptions, NoContracts, check_paths, collect

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = sorted((ROOT / "contracts").glob("*.sib"))
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.sib"))


def _cli_json(path: Path, *extra: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["check", "--format", "json", *extra, str(path)])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.name)
def test_the_api_and_the_cli_agree_on_the_published_contracts(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "cx"
    doc = _cli_json(path, "--counterexample-dir", str(out))
    api = sibdsl.check_file(path, CheckOptions(counterexample_dir=out))
    assert api.to_json() == doc


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_the_api_and_the_cli_agree_on_every_golden_file(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "cx"
    doc = _cli_json(path, "--counterexample-dir", str(out), "--examples", "20")
    api = sibdsl.check_file(path, CheckOptions(counterexample_dir=out, examples=20))
    assert api.to_json() == doc


def test_facts_and_quiet_go_through_the_driver_too(tmp_path: Path) -> None:
    path = ROOT / "contracts" / "fair-chance-fund.sib"
    doc = _cli_json(path, "--facts", "--no-search", "-q")
    api = sibdsl.check_file(path, CheckOptions(facts=True, search=False, quiet=True))
    assert api.to_json() == doc and "facts" in doc
    assert all(d["severity"] != "note" for d in doc["diagnostics"])  # type: ignore[attr-defined]


def test_check_text_and_exit_codes() -> None:
    run = sibdsl.check_text('contract "x" version 1\ncurrency GBP\n', "x.sib")
    assert run.errors > 0 and run.exit_code() == 1 and not run.internal
    assert {d.file for d in run.diagnostics} == {"x.sib"}
    ok = sibdsl.check_file(ROOT / "contracts" / "peterborough-reoffending.sib", CheckOptions(search=False))
    assert ok.errors == 0 and ok.exit_code() == 0


def test_directories_are_expanded_and_an_empty_one_is_refused(tmp_path: Path) -> None:
    assert collect([str(ROOT / "contracts")]) == [str(p) for p in CONTRACTS]
    with pytest.raises(NoContracts):
        check_paths([str(tmp_path)])
    run = check_paths(["-"], CheckOptions(search=False), stdin=b'contract "x" version 1\n')
    assert [f.name for f in run.files] == ["<stdin>"] and run.errors > 0


def test_a_bug_in_sibc_is_one_diagnostic_of_its_file(monkeypatch: pytest.MonkeyPatch) -> None:
    import sibdsl.search.findings

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(sibdsl.search.findings, "run_search", boom)
    run = sibdsl.check_file(ROOT / "contracts" / "peterborough-reoffending.sib", CheckOptions(analysis=False))
    assert run.internal and run.exit_code() == 3
    assert [d.code for d in run.diagnostics if d.code == "SIB999"] == ["SIB999"]
