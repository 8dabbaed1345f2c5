"""Fuzzing the whole `sibc check` pipeline and settlement on mutated contracts.

tests/test_fuzz.py checks that compiling never raises; this file goes further, as a user does:
each mutant of a real contract (the operators of test_fuzz.py, drawn by a seeded random
generator so that every run tries the same inputs and the figures can be compared) is run
through `sibc check --format json` in process — compile, exact analysis, property search,
rendering — and, when it compiles clean, a ledger of claims is settled against it.

The properties:
- `sibc check` never ends in an internal error (exit code 3, SIB999) or a traceback, and its
  stdout is one JSON document (nothing else writes to stdout: HiGHS once did);
- every claim and measurement given to settlement gets exactly one decision (rows in = rows
  decided), and no decision pays more than its price.

The default run tries a small number of mutants; SIBDSL_FUZZ=1 (or `-m slow`) runs the
profile of at least 10,000 and prints its figures (inputs tried, compiled clean, SIB999,
tracebacks, the slowest input and its time):

    SIBDSL_FUZZ=1 python -m pytest tests/test_fuzz_pipeline.py -m slow -s
"""

from __future__ import annotations

import json
import random
import time
import traceback
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from sibdsl.cli.main import cli
from sibdsl.compiler import compile_text
from sibdsl.settlement.engine import settle
from sibdsl.settlement.records import Claim
from tests.test_fuzz import MUTATIONS, SOURCES, mutate

HUGE = ["9" * 19, "1" + "0" * 30, "1,000,000,000,000,000,000,000", "0", "0.00000000001", "123456789012345678",
        "1000000000"]
BAD_DATES = ["2015-02-30", "2015-13-01", "1066-10-14", "2400-01-01", "2016-02-29", "0001-01-01", "9999-12-31"]
WORDS = ["unlimited", "then reject", "up to 1000000000 times per participant", "at most", "per participant",
         "only one of", "after", "for cohort", "within 9999 years of referral", "cap contract GBP 1",
         "cap payer", "once", "indexed 99% a year from 2020-01-01", "tiered", "scaled by", "\n", "%"]


def _mutation(rng: random.Random) -> tuple[str, int, int, str]:
    op = rng.choice(MUTATIONS)
    extra = ""
    if op == "huge_number":
        extra = rng.choice(HUGE)
    elif op == "bad_date":
        extra = rng.choice(BAD_DATES)
    elif op in ("insert_keyword", "insert_junk"):
        extra = rng.choice(WORDS)
    return op, rng.randrange(10**6), rng.randrange(10**6), extra


def mutants(seed: int, count: int) -> list[str]:
    """`count` mutants of the seed contracts, the same for the same seed."""
    rng = random.Random(seed)
    return [mutate(rng.choice(SOURCES), [_mutation(rng) for _ in range(rng.randint(1, 4))]) for _ in range(count)]


@dataclass
class Figures:
    tried: int = 0
    compiled_clean: int = 0
    settled_claims: int = 0
    internal_errors: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    bad_json: list[str] = field(default_factory=list)
    conservation: list[str] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")

    def failures(self) -> list[str]:
        return self.internal_errors + self.tracebacks + self.bad_json + self.conservation

    def lines(self) -> list[str]:
        return [f"pipeline fuzz: {self.tried} mutated contracts tried, {self.compiled_clean} compiled clean, "
                f"{self.settled_claims} claims settled",
                f"  SIB999: {len(self.internal_errors)}, tracebacks: {len(self.tracebacks)}, "
                f"stdout not JSON: {len(self.bad_json)}, rows lost or doubled: {len(self.conservation)}",
                f"  slowest input: {self.slowest[0]:.2f} s ({len(self.slowest[1])} characters)"]


def _ledger(model: object, rng: random.Random) -> list[Claim]:
    """A ledger touching every outcome: several participants, dates over the term and beyond."""
    header = model.header  # type: ignore[attr-defined]
    cohorts = [c.name for c in model.cohorts] or [None]  # type: ignore[attr-defined]
    span = max((header.term_end - header.term_start).days, 1)
    claims = []
    for k in range(rng.randint(5, 40)):
        outcome = rng.choice(model.outcomes)  # type: ignore[attr-defined]
        achieved = header.term_start + timedelta(days=rng.randint(-30, span + 30))
        claims.append(Claim(claim_id=f"c{k % 37}", participant=f"p{rng.randint(1, 6)}", outcome=outcome.name,
                            achieved=achieved, cohort=rng.choice(cohorts),
                            start=achieved - timedelta(days=rng.randint(0, 400)),
                            referral=achieved - timedelta(days=rng.randint(0, 400)),
                            value=Decimal(rng.randint(0, 200)) / 100))
    return claims


def run_one(text: str, figures: Figures, workdir: Path, runner: CliRunner, rng: random.Random) -> None:
    figures.tried += 1
    path = workdir / "mutant.sib"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    result = runner.invoke(cli, ["check", "--format", "json", "--examples", "5", "--counterexample-dir",
                                 str(workdir / "cex"), str(path)], catch_exceptions=True)
    elapsed = time.perf_counter() - started
    if elapsed > figures.slowest[0]:
        figures.slowest = (elapsed, text)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        figures.tracebacks.append("".join(traceback.format_exception(result.exception)) + "\n" + text)
        return
    if result.exit_code == 3 or "SIB999" in result.output:
        figures.internal_errors.append(result.output + "\n" + text)
        return
    try:
        json.loads(result.stdout)
    except ValueError:
        figures.bad_json.append(result.stdout[:2000] + "\n" + text)
        return
    compiled = compile_text(text)
    if compiled.model is None:
        return
    figures.compiled_clean += 1
    claims = _ledger(compiled.model, rng)
    try:
        settled = settle(compiled.model, claims)
    except Exception as exc:  # a crash in settlement is a traceback a user would see
        figures.tracebacks.append("".join(traceback.format_exception(exc)) + "\n" + text)
        return
    figures.settled_claims += len(claims)
    if len(settled.decisions) != len(claims):
        figures.conservation.append(f"{len(claims)} claims, {len(settled.decisions)} decisions\n{text}")
    for d in settled.decisions:
        if d.amount > d.price or d.amount < 0:
            figures.conservation.append(f"{d.claim_id}: paid {d.amount} of a price {d.price}\n{text}")


def run_profile(seed: int, count: int, workdir: Path) -> Figures:
    figures = Figures()
    runner = CliRunner()
    rng = random.Random(seed + 1)
    for text in mutants(seed, count):
        run_one(text, figures, workdir, runner, rng)
    return figures


def _report(figures: Figures, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print("\n" + "\n".join(figures.lines()))
    assert not figures.failures(), f"{len(figures.failures())} failures; the first:\n{figures.failures()[0]}"


def test_mutants_are_reproducible() -> None:
    assert mutants(7, 20) == mutants(7, 20)
    assert mutants(7, 20) != mutants(8, 20)
    assert sum(m not in SOURCES for m in mutants(7, 20)) >= 15  # they really are mutants


def test_pipeline_fuzz_finds_a_planted_fault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness can fail: a settlement that drops a decision is counted."""
    import tests.test_fuzz_pipeline as me

    real = me.settle

    def dropping(model, claims, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(model, claims, *args, **kwargs)
        result.decisions.pop()
        return result

    monkeypatch.setattr(me, "settle", dropping)
    figures = Figures()
    run_one(SOURCES[0], figures, tmp_path, CliRunner(), random.Random(0))
    assert figures.conservation and figures.compiled_clean == 1


def test_pipeline_fuzz_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    figures = run_profile(seed=2026, count=60, workdir=tmp_path)
    assert figures.compiled_clean > 0
    _report(figures, capsys)


@pytest.mark.slow
def test_pipeline_fuzz_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    figures = run_profile(seed=1, count=10_000, workdir=tmp_path)
    assert figures.tried >= 10_000
    _report(figures, capsys)
