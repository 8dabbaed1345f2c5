"""The guided property search (issue 8, item 4): `sibc check --no-analysis` refutes, by the
search alone and within the default examples, assertions whose breaking ledgers are large (a
payer paying past another payer's cap, an outcome paid any number of times, a sub-group share
met only when every paid outcome is the sub-group's); the search calls hypothesis's `target()`
on each assertion; it is reproducible; seeds (an analysis's witnesses) are tried first."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from sibdsl.cli.main import cli
from sibdsl.compiler import compile_text
from sibdsl.model.contract import Contract
from sibdsl.search.findings import run_search
from sibdsl.settlement.engine import settle
from sibdsl.settlement.records import Status
from tests.issue_cases import PAYER_AFTER_CAP, ROUNDED_PARTS, UNLIMITED

SHARE = """contract "share" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer p "P"
cohort c "C"
  subgroup high "High"
  subgroup low "Low"
outcome x "X" pays GBP 100
assert subgroup high is at most {percent}% of paid outcomes
"""


def _model(text: str) -> Contract:
    model = compile_text(text, "t.sib").model
    assert model is not None
    return model


def _check(tmp_path: Path, text: str) -> tuple[int, str, Path]:
    path = tmp_path / "c.sib"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "cx"
    result = CliRunner().invoke(cli, ["check", "--no-analysis", str(path), "--counterexample-dir", str(out)])
    return result.exit_code, result.output, out / "c-counterexample.csv"


def test_payer_maximum_after_another_payers_cap_is_refuted_by_the_search(tmp_path: Path) -> None:
    code, output, _ = _check(tmp_path, PAYER_AFTER_CAP)
    assert code == 1 and "SIB711" in output
    assert "assertion refuted: payer b pays at most GBP 500: b pays" in output
    found, _ = run_search(compile_text(PAYER_AFTER_CAP, "c.sib"), seed=0, examples=200, out_dir=None)
    assert found.settlement is not None  # the engine, settling the witness, confirms it
    paid_b = sum((d.shares.get("b", Decimal(0)) for d in found.settlement.decisions
                  if d.status is not Status.REJECTED), Decimal(0))
    assert paid_b > 500
    again = settle(_model(PAYER_AFTER_CAP), found.ledger)
    assert sum((d.shares.get("b", Decimal(0)) for d in again.decisions), Decimal(0)) == paid_b


def test_an_outcome_paid_any_number_of_times_is_refuted_per_participant(tmp_path: Path) -> None:
    code, output, _ = _check(tmp_path, UNLIMITED)
    assert code == 1 and "SIB711" in output
    assert "assertion refuted: each participant is paid at most GBP 5,000:" in output
    found, _ = run_search(compile_text(UNLIMITED, "c.sib"), seed=0, examples=200, out_dir=None)
    assert len(found.ledger) == 51 and len({c.participant for c in found.ledger}) == 1  # 51 x GBP 100, minimal
    assert found.settlement is not None and found.settlement.figures.total_money == Decimal("5100.00")


@pytest.mark.parametrize(("percent", "needed"), [(50, 2), (70, 4)])
def test_a_sub_group_share_without_a_cap_is_refuted(tmp_path: Path, percent: int, needed: int) -> None:
    """At most 50% is broken by 2 of 2 paid outcomes from the sub-group, 70% only by 4 of 4."""
    text = SHARE.format(percent=percent)
    code, output, _ = _check(tmp_path, text)
    assert code == 1 and "SIB711" in output
    assert f"sub-group high is at most {percent}% of paid outcomes: {needed} of {needed} paid outcomes" in output


def test_the_search_aims_at_each_assertion_with_target(monkeypatch: pytest.MonkeyPatch) -> None:
    import hypothesis

    seen: dict[str, float] = {}

    def record(observation: float, *, label: str = "") -> float:
        seen[label] = max(seen.get(label, float("-inf")), observation)
        return observation

    monkeypatch.setattr(hypothesis, "target", record)
    from sibdsl.search.runner import search

    two = PAYER_AFTER_CAP + "assert total payments are at most GBP 1,000\n"
    search(_model(two), seed=0, examples=30)
    assert set(seen) == {"assert 0", "assert 1"}
    assert 0 < seen["assert 1"] <= 1  # the total over its limit; the contract cap holds it to 1


def test_assertion_scores_are_the_figure_over_its_limit() -> None:
    from datetime import date, timedelta

    from sibdsl.search.properties import assertion_scores
    from sibdsl.settlement.records import Claim

    model = _model(UNLIMITED)
    claims = [Claim(f"c{i}", "p1", "engagement", date(2018, 1, 1) + timedelta(days=i)) for i in range(25)]
    assert assertion_scores(settle(model, claims)) == {"assert 0": 0.5}  # GBP 2,500 of 5,000
    share = _model(SHARE.format(percent=70))
    both = [Claim("h", "p1", "x", date(2020, 2, 1), subgroup="high"),
            Claim("l", "p2", "x", date(2020, 2, 2), subgroup="low")]
    assert assertion_scores(settle(share, both)) == {"assert 0": -1.0}  # 1 of 2, allowance 2


def test_same_seed_same_ledger() -> None:
    for text in (PAYER_AFTER_CAP, SHARE.format(percent=70)):
        compiled = compile_text(text, "c.sib")
        first, _ = run_search(compiled, seed=3, examples=200, out_dir=None)
        again, _ = run_search(compiled, seed=3, examples=200, out_dir=None)
        assert not first.ok
        assert [c.order_key() for c in first.ledger] == [c.order_key() for c in again.ledger]
        assert first.violations == again.violations


def test_seeds_are_tried_first() -> None:
    """A candidate witness given as a seed is checked before any generated ledger (and is
    minimised like any other): one generated example is not enough to find 51 claims."""
    from datetime import date, timedelta

    from sibdsl.search.runner import search
    from sibdsl.settlement.records import Claim

    model = _model(UNLIMITED)
    witness = [Claim(f"w{i}", "p1", "engagement", date(2018, 1, 1) + timedelta(days=i)) for i in range(55)]
    holds = [Claim("h", "p1", "engagement", date(2018, 1, 1))]
    found = search(model, seed=0, examples=1, seeds=[holds, witness])
    assert not found.ok and len(found.ledger) == 51
    assert {c.claim_id for c in found.ledger} <= {c.claim_id for c in witness}


def test_bulk_ledgers_go_past_cohort_sizes_repeat_limits_and_scale_points() -> None:
    from hypothesis import given, settings

    from sibdsl.search.strategies import bulk_claims_for
    from sibdsl.settlement.records import Claim

    model = _model("""contract "bulk" version 1
currency GBP
term 2020-01-01 to 2023-12-31
payer p "P"
cohort c "C" at most 5 participants
outcome job "Job" pays GBP 100 up to 3 times per participant
outcome gain "Gain"
  pays GBP 1,000 scaled by "score":
    0% at 0.5, 100% at 1.4
""")
    drawn: list[list[Claim]] = []

    @settings(database=None, max_examples=300, derandomize=True)
    @given(bulk_claims_for(model))
    def collect(ledger: list[Claim]) -> None:
        drawn.append(ledger)

    collect()
    assert any(len({c.participant for c in ledger}) > 5 for ledger in drawn)  # past the cohort's size
    assert any(sum(1 for c in ledger if (c.participant, c.outcome) == (x.participant, "job")) > 3
               for ledger in drawn for x in ledger)  # past the repeat limit
    assert any(c.value in (Decimal("1.39"), Decimal("0.51")) for ledger in drawn for c in ledger)  # beside a point


def test_ledgers_around_a_candidate_witness_copy_it_for_fresh_participants() -> None:
    from datetime import date

    from hypothesis import find, settings

    from sibdsl.search.strategies import SEEDED_CLAIMS, seeded_claims_for
    from sibdsl.settlement.records import Claim

    base = [Claim("w1", "p1", "x", date(2020, 1, 1)), Claim("w2", "p2", "x", date(2020, 1, 2))]
    around = seeded_claims_for([base, [Claim("z", "p", "x", date(2020, 1, 1))] * (SEEDED_CLAIMS + 1)])
    assert around is not None  # the second seed is too large to copy and is left out
    many = find(around, lambda ledger: len(ledger) >= 6, settings=settings(database=None))
    assert len({c.claim_id for c in many}) == len(many)  # copies get fresh claim ids ...
    assert {c.participant for c in many} >= {"p1", "p2", "p1~1", "p2~1", "p1~2"}  # ... and fresh participants
    assert {c.outcome for c in many} == {"x"}
    part = find(around, lambda ledger: len(ledger) == 1, settings=settings(database=None))
    assert part == base[:1]  # or only the first claims of the candidate
    assert seeded_claims_for([[]]) is None


def test_check_aims_the_search_at_undecided_assertions_with_the_analysis_candidates(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sibc check` leaves proven assertions out of the climbing and hands the search the
    ledgers the analysis tried: with parts rounded to GBP 1 beside a's cap, b's figure is a
    bound (GBP 1,000) above what b can pay (about GBP 900), so 'at most GBP 950' is undecided
    and the analysis's 13-participant candidate goes in."""
    import sibdsl.search.findings as search_report

    calls: list[dict[str, object]] = []
    real = search_report.run_search

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(kwargs)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(search_report, "run_search", spy)
    text = ROUNDED_PARTS + "assert payer b pays at most GBP 950\nassert total payments are at most GBP 1,000\n"
    path = tmp_path / "c.sib"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), "--counterexample-dir", str(tmp_path / "cx")])
    assert result.exit_code == 0, result.output
    assert "SIB720" in result.output and "SIB722" in result.output
    (kwargs,) = calls
    assert kwargs["aim"] == {0}  # the total is proven: no climbing toward it
    seeds = kwargs["seeds"]
    assert isinstance(seeds, list) and len(seeds) == 1 and len({c.participant for c in seeds[0]}) == 13
    CliRunner().invoke(cli, ["check", "--no-analysis", str(path), "--counterexample-dir", str(tmp_path / "cx")])
    assert calls[1]["aim"] is None and calls[1]["seeds"] == []
