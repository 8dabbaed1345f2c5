"""`sibc simulate`: assumptions, scenarios settled by the real engine, exact summaries, charts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from sibdsl.cli.main import cli
from sibdsl.compiler import compile_file
from sibdsl.model.contract import Contract
from sibdsl.settlement.engine import settle
from sibdsl.settlement.records import Reason
from sibdsl.settlement.tranches import participant_groups, release_tranches
from sibdsl.settlement.waterfall import run_waterfall
from sibdsl.simulate.assumptions import AssumptionError, parse_assumptions
from sibdsl.simulate.run import draw, one, settle_scenario, simulate
from sibdsl.simulate.summary import csv_files, percentile, summarise, text

ROOT = Path(__file__).parent.parent
CONTRACTS = ROOT / "contracts"
ASSUMPTIONS = CONTRACTS / "assumptions"

SMALL = """contract "Simulation test" version 1.0
currency GBP
term 2020-01-01 to 2021-12-31
settled quarterly in arrears

payer council "Council" pays 100%

cohort people "People"
  at most 10 participants
  referred 2020-01-01 to 2020-03-31

outcome start_work "Start work" pays GBP 100
outcome stay "Stay in work" pays GBP 250
  after start_work at least 3 months
outcome unreached "Never reached" pays GBP 1,000

cap contract GBP {cap}
"""

FIXED = """[cohorts.people]
referrals = {referrals}

[outcomes.start_work]
chance = 1
delay = "1 month"

[outcomes.stay]
chance = 1
delay = "1 month"      # shorter than the contract's minimum: moved to 3 months

[outcomes.unreached]
chance = 0
delay = "1 day"
"""


def _small(tmp_path: Path, cap: str = "10,000") -> Contract:
    path = tmp_path / "small.sib"
    path.write_text(SMALL.format(cap=cap), encoding="utf-8")
    result = compile_file(path)
    assert result.model is not None, [d.message for d in result.diagnostics]
    return result.model


def _load(name: str) -> tuple[Contract, object]:
    contract = compile_file(CONTRACTS / f"{name}.sib").model
    assert contract is not None
    text = (ASSUMPTIONS / f"{name}.toml").read_text(encoding="utf-8")
    return contract, parse_assumptions(text, f"{name}.toml", contract)


# ---------------------------------------------------------------- reproducible

def test_same_seed_same_figures_other_seed_other_figures() -> None:
    contract, assumptions = _load("fair-chance-fund")
    a = simulate(contract, assumptions, 6, seed=7)  # type: ignore[arg-type]
    b = simulate(contract, assumptions, 6, seed=7)  # type: ignore[arg-type]
    c = simulate(contract, assumptions, 6, seed=8)  # type: ignore[arg-type]
    files_a, files_b, files_c = (csv_files(summarise(contract, r, 0), r) for r in (a, b, c))
    assert files_a == files_b
    assert files_a["scenarios.csv"] != files_c["scenarios.csv"]
    assert text(summarise(contract, a, 7), "t") == text(summarise(contract, b, 7), "t")


def test_the_worker_count_does_not_change_the_figures() -> None:
    contract, assumptions = _load("benevolent-society-social-benefit-bond")
    alone = simulate(contract, assumptions, 8, seed=3, workers=1)  # type: ignore[arg-type]
    pair = simulate(contract, assumptions, 8, seed=3, workers=2)  # type: ignore[arg-type]
    assert csv_files(summarise(contract, alone, 3), alone) == csv_files(summarise(contract, pair, 3), pair)
    # and a scenario depends on its own index only, not on how many are run
    assert one(contract, assumptions, 3, 5).total == alone[5].total  # type: ignore[arg-type]


# ---------------------------------------------------------------- hand-computed

def test_a_deterministic_scenario_settles_to_the_hand_computed_total(tmp_path: Path) -> None:
    contract = _small(tmp_path)
    assumptions = parse_assumptions(FIXED.format(referrals=8), "fixed.toml", contract)
    drawn = draw(contract, assumptions, 0, 0)
    claims, measurements = drawn.claims, drawn.measurements
    assert len({c.participant for c in claims}) == 8
    for c in claims:
        assert c.start is not None and date(2020, 1, 1) <= c.start <= date(2020, 3, 31)
        if c.outcome == "stay":  # 1 month after start_work was drawn; the contract's 3 months apply
            first = next(x for x in claims if x.participant == c.participant and x.outcome == "start_work")
            assert first.achieved.month != c.achieved.month and (c.achieved - first.achieved).days >= 89
    scenario, result = settle_scenario(contract, claims, measurements)
    assert scenario.total == Decimal("2800.00")  # 8 x (100 + 250)
    assert all(d.reason is Reason.PAID for d in result.decisions)
    assert not scenario.binding


def test_a_chance_0_outcome_is_never_paid(tmp_path: Path) -> None:
    contract = _small(tmp_path)
    assumptions = parse_assumptions(FIXED.format(referrals=8), "fixed.toml", contract)
    for i in range(5):
        claims = draw(contract, assumptions, 1, i).claims
        assert not any(c.outcome == "unreached" for c in claims)
    summary = summarise(contract, simulate(contract, assumptions, 5, 1), 1)
    assert summary.total.p95 == Decimal("2800.00")


def test_a_cap_that_must_bind_binds_with_chance_1(tmp_path: Path) -> None:
    contract = _small(tmp_path, cap="3,000")
    assumptions = parse_assumptions(FIXED.format(referrals=12), "fixed.toml", contract)  # 10 places: 3,500 due
    runs = simulate(contract, assumptions, 4, 0)
    summary = summarise(contract, runs, 0)
    cap = next(c for c in summary.caps if c.key == "caps.0")
    assert cap.binds == summary.scenarios == 4
    assert summary.total.p5 == summary.total.p95 == Decimal("3000.00")
    assert "binds in 100.0% of scenarios" in text(summary, "t")
    assert cap.first is not None and cap.first.p50 >= 2  # the stay claims (period 2 on) reach it


# ---------------------------------------------------------------- exact summaries

def test_percentiles_are_exact_decimals_and_ordered() -> None:
    values = [Decimal("0.10"), Decimal("0.30"), Decimal("0.20"), Decimal("1E+2"), Decimal("7.77")]
    assert percentile(values, 50) == Decimal("0.30")
    assert percentile(values, 5) == Decimal("0.10") and percentile(values, 95) == Decimal("1E+2")
    contract, assumptions = _load("fair-chance-fund")
    summary = summarise(contract, simulate(contract, assumptions, 10, 0), 0)  # type: ignore[arg-type]
    for s in [summary.total, *summary.period_total, *summary.cumulative, *summary.payer_total.values()]:
        for v in (s.p5, s.p25, s.p50, s.p75, s.p95):
            assert isinstance(v, Decimal)
        assert s.p5 <= s.p25 <= s.p50 <= s.p75 <= s.p95
    assert sum(summary.payer_total[p].mean for p in summary.payers) == summary.total.mean  # exact Fractions


def test_investor_returns_match_run_waterfall_on_the_same_ledger() -> None:
    contract, assumptions = _load("massachusetts-juvenile-justice-pfs")
    for index in (0, 1):
        scenario = one(contract, assumptions, 11, index)  # type: ignore[arg-type]
        drawn = draw(contract, assumptions, 11, index)  # type: ignore[arg-type]
        result = settle(contract, drawn.claims, drawn.measurements)
        releases = release_tranches(contract, result.decisions, [], date(2020, 12, 31),
                                    participant_groups(result.figures.participants))
        wf = run_waterfall(contract, result, releases, None)
        assert scenario.total == sum(result.invoices.values())
        assert set(scenario.investors) == set(wf.accounts)
        for name, account in wf.accounts.items():
            run = scenario.investors[name]
            assert (run.drawn, run.received, run.loss) == (account.drawn, account.received, account.loss)
            assert run.multiple == wf.multiple(name) and run.irr == wf.irr(name)
        assert {t for t in scenario.releases} == {r.tranche for r in releases if r.status == "released"}


# ---------------------------------------------------------------- located errors

def _problems(tmp_path: Path, text: str) -> str:
    contract = _small(tmp_path)
    with pytest.raises(AssumptionError) as info:
        parse_assumptions(text, "bad.toml", contract)
    return info.value.render()


def test_unknown_outcome_is_located_with_a_did_you_mean(tmp_path: Path) -> None:
    out = _problems(tmp_path, '[cohorts.people]\nreferrals = 3\n\n[outcomes.stai]\nchance = 0.5\n')
    assert "bad.toml:4:11: error[SIB751]: unknown outcome 'stai'" in out
    assert "did you mean 'stay'?" in out


def test_a_chance_above_1_is_located(tmp_path: Path) -> None:
    out = _problems(tmp_path, '[cohorts.people]\nreferrals = 3\n\n[outcomes.stay]\n  chance = 1.5\n')
    assert "bad.toml:5:3: error[SIB752]: 'chance' is 1.5; it must be between 0 and 1" in out
    assert "hint: a chance is a probability" in out


def test_a_delay_without_unit_is_located(tmp_path: Path) -> None:
    out = _problems(tmp_path, '[cohorts.people]\nreferrals = 3\n[outcomes.stay]\nchance = 1\ndelay = 3\n'
                              '[outcomes.start_work]\nchance = 1\ndelay = { uniform = ["1", "2 weeks"] }\n')
    assert "bad.toml:5:1: error[SIB752]: the delay 3 has no unit" in out
    assert 'hint: write it with its unit: "3 days"' in out
    assert "bad.toml:8:11: error[SIB752]: the delay \"1\" has no unit" in out


def test_inline_tables_and_dotted_keys_are_located(tmp_path: Path) -> None:
    out = _problems(tmp_path, 'cohorts.people.referrals = 3\ncohorts.people.dropout = { chance = 2, after = "1 day" }\n'
                              'outcomes.stay.chance = -1\n')
    assert "bad.toml:2:28: error[SIB752]: 'chance' is 2" in out
    assert "bad.toml:3:15: error[SIB752]: 'chance' is -1" in out


def test_not_toml_is_located(tmp_path: Path) -> None:
    out = _problems(tmp_path, '[cohorts.people]\nreferrals = = 3\n')
    assert out.startswith("bad.toml:2:") and "error[SIB750]: not TOML" in out


def test_unknown_cohort_sub_group_and_key(tmp_path: Path) -> None:
    out = _problems(tmp_path, '[cohorts.peeple]\nreferrals = 3\n[outcomes.stay]\nchanse = 1\n')
    assert "bad.toml:1:10: error[SIB751]: unknown cohort 'peeple'" in out and "did you mean 'people'?" in out
    assert "bad.toml:4:1: error[SIB751]: unknown key 'chanse'" in out and "did you mean 'chance'?" in out


def test_the_cli_reports_bad_assumptions_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "small.sib").write_text(SMALL.format(cap="10,000"), encoding="utf-8")
    (tmp_path / "bad.toml").write_text('[outcomes.stay]\nchance = 1.5\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["simulate", str(tmp_path / "small.sib"), "--assumptions",
                                      str(tmp_path / "bad.toml"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "bad.toml:2:1: error[SIB752]: 'chance' is 1.5" in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(cli, ["simulate", str(tmp_path / "small.sib"), "--assumptions",
                                       str(tmp_path / "none.toml")])
    assert missing.exit_code == 1 and "error[SIB750]: cannot read the assumptions file" in missing.output


# ---------------------------------------------------------------- the command and its charts

def test_the_command_writes_summary_files_and_charts(tmp_path: Path) -> None:
    from matplotlib.image import imread

    out = tmp_path / "sim"
    result = CliRunner().invoke(cli, ["simulate", str(CONTRACTS / "massachusetts-juvenile-justice-pfs.sib"),
                                      "--assumptions", str(ASSUMPTIONS / "massachusetts-juvenile-justice-pfs.toml"),
                                      "--scenarios", "6", "--seed", "2", "-o", str(out), "--charts"])
    assert result.exit_code == 0, result.output
    assert "6 scenarios, seed 2" in result.output and "Investors" in result.output
    for name in ("payments.csv", "liability.csv", "caps.csv", "tranches.csv", "investors.csv", "scenarios.csv",
                 "summary.json", "summary.txt"):
        assert (out / name).stat().st_size > 0, name
    page = (out / "simulation.html").read_text(encoding="utf-8")
    for chart in ("payments", "liability", "tranches", "investors"):
        png = (out / f"{chart}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        pixels = imread(str(out / f"{chart}.png"))
        assert len({tuple(p) for p in pixels.reshape(-1, pixels.shape[-1])[::97].tolist()}) > 5, chart  # not blank
        root = ET.fromstring((out / f"{chart}.svg").read_bytes())
        assert root.tag.endswith("svg") and len(list(root.iter())) > 50
    assert page.count("<svg") == 4 and "<html" in page
    again = CliRunner().invoke(cli, ["simulate", str(CONTRACTS / "massachusetts-juvenile-justice-pfs.sib"),
                                     "--assumptions", str(ASSUMPTIONS / "massachusetts-juvenile-justice-pfs.toml"),
                                     "--scenarios", "6", "--seed", "2", "-o", str(tmp_path / "again"), "--charts"])
    assert again.exit_code == 0
    for name in ("summary.json", "scenarios.csv", "payments.csv", "liability.svg", "simulation.html"):
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_cohort_level_measurements_are_drawn_and_paid() -> None:
    contract, assumptions = _load("peterborough-reoffending")
    runs = simulate(contract, assumptions, 20, 0)  # type: ignore[arg-type]
    drawn = draw(contract, assumptions, 0, 0)  # type: ignore[arg-type]
    assert not drawn.claims and {m.outcome for m in drawn.measurements} == {
        "first_cohort_reduction", "second_cohort_reduction", "all_cohorts_reduction"}
    totals = {r.total for r in runs}
    assert len(totals) > 2 and max(totals) > 0  # results vary: some pass a threshold, some do not


def _generic_assumptions(contract: Contract) -> str:
    """Assumptions for any contract: 5 referrals a period per cohort, every outcome at 50%."""
    from sibdsl.model.contract import best_value

    lines = []
    for cohort in contract.cohorts or []:
        lines += [f"[cohorts.{cohort.name}]", "referrals = 5", "vary = \"poisson\""]
        if cohort.subgroups:
            share = 1 / len(cohort.subgroups)
            mix = ", ".join(f"{s.name} = {share!r}" for s in cohort.subgroups[:-1])
            last = 1 - share * (len(cohort.subgroups) - 1)
            lines.append(f"subgroups = {{ {mix}{', ' if mix else ''}{cohort.subgroups[-1].name} = {last!r} }}")
    if not contract.cohorts:
        lines += ["[cohorts.participants]", "referrals = 5"]
    for o in contract.outcomes:
        lines.append(f"[outcomes.{o.name}]")
        if o.tariff.kind == "cohort_level":
            lines.append(f"measured = {contract.header.term_end.isoformat()}")
            if not o.pooled:
                lines += ["baseline = 100", "observed = { uniform = [40, 160] }"]
            continue
        lines += ["chance = 0.5", 'delay = { uniform = ["1 week", "6 months"] }']
        if o.tariff.kind in ("sliding", "per_unit"):
            top = float(best_value(o.tariff) or 1)
            lines.append(f"value = {{ uniform = [0, {top!r}] }}")
        if o.times_limit != 1:
            lines += ["again = 0.5", 'again_delay = "1 month"']
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("path", sorted(CONTRACTS.glob("*.sib")), ids=lambda p: p.stem)
def test_every_example_contract_simulates(path: Path) -> None:
    contract = compile_file(path).model
    assert contract is not None
    assumptions = parse_assumptions(_generic_assumptions(contract), "generic.toml", contract)
    runs = simulate(contract, assumptions, 2, 0)
    summary = summarise(contract, runs, 0)
    assert summary.total.p95 >= summary.total.p5 >= 0
    assert text(summary, contract.header.title)
    if contract.invests:
        assert summary.investors


def test_hostile_numbers_are_problems_not_crashes(tmp_path: Path) -> None:
    out = _problems(tmp_path, "[cohorts.people]\nreferrals = 1_000_000_000\n[outcomes.stay]\nchance = true\n"
                              f'delay = "{"9" * 400} days"\n[outcomes.start_work]\nchance = {"9" * 400}\n'
                              'delay = { normal = ["1 week"] }\n')
    assert "bad.toml:2:1: error[SIB752]: 'referrals' is 1000000000; it must be between 0 and 100000" in out
    assert "bad.toml:4:1: error[SIB752]: 'chance' should be a number, not true/false" in out
    assert "bad.toml:5:1: error[SIB752]: the delay" in out and "is too long" in out
    assert "bad.toml:7:1: error[SIB752]: 'chance' is too large" in out
    assert "bad.toml:8:11: error[SIB752]: normal takes two durations" in out


REQUESTS = """[cohorts.adults]
referrals = 3
[outcomes.accommodation_secured]
chance = 1
[tranches.{name}]
chance = {chance}
requested = 2021-06-30
amount = {{ uniform = [500000, 2000000] }}
"""


def test_discretionary_tranches_are_requested_and_released() -> None:
    contract = compile_file(CONTRACTS / "cofunded-outcomes-partnership.sib").model
    assert contract is not None
    always = parse_assumptions(REQUESTS.format(name="new_needs", chance=1), "r.toml", contract)
    never = parse_assumptions(REQUESTS.format(name="new_needs", chance=0), "r.toml", contract)
    drawn = draw(contract, always, 0, 0)
    assert [r.tranche for r in drawn.requests] == ["new_needs"]
    assert Decimal("500000") <= drawn.requests[0].amount <= Decimal("2000000")
    assert drawn.requests[0].amount == drawn.requests[0].amount.quantize(Decimal("0.01"))
    summary = summarise(contract, simulate(contract, always, 3, 0), 0)
    new_needs = next(t for t in summary.tranches if t.name == "new_needs")
    assert new_needs.released == 3 and new_needs.amount.p5 >= Decimal("500000")
    summary = summarise(contract, simulate(contract, never, 3, 0), 0)
    assert next(t for t in summary.tranches if t.name == "new_needs").released == 0
    with pytest.raises(AssumptionError) as info:
        parse_assumptions(REQUESTS.format(name="launch", chance=1) + "[tranches.new_need]\n", "r.toml", contract)
    out = info.value.render()
    assert "r.toml:5:11: error[SIB752]: tranche 'launch' is released by the contract's own terms" in out
    assert "r.toml:9:11: error[SIB751]: unknown tranche 'new_need'" in out and "did you mean 'new_needs'?" in out


def test_report_shows_the_simulation_and_its_charts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sibdsl.cli.simulate_cmd as simulate_cmd

    monkeypatch.setattr(simulate_cmd, "REPORT_SCENARIOS", 5)
    (tmp_path / "small.sib").write_text(SMALL.format(cap="3,000"), encoding="utf-8")
    (tmp_path / "fixed.toml").write_text(FIXED.format(referrals=12), encoding="utf-8")
    args = ["report", str(tmp_path / "small.sib"), "--markdown", "-o", str(tmp_path / "out" / "report.md"),
            "--time-limit", "2"]
    (tmp_path / "out").mkdir()
    result = CliRunner().invoke(cli, [*args, "--charts", str(tmp_path / "out" / "charts"),
                                      "--assumptions", str(tmp_path / "fixed.toml")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "## Simulation" in page and "(5 scenarios, seed 0" in page
    assert "cap contract GBP 3,000.00: binds in 100.0% of scenarios" in page
    assert "![payments](charts/payments.png)" in page and (tmp_path / "out" / "charts" / "payments.png").exists()
    usage = CliRunner().invoke(cli, [*args, "--charts", str(tmp_path / "c")])
    assert usage.exit_code == 2 and "--assumptions" in usage.output
    (tmp_path / "bad.toml").write_text("[outcomes.stay]\nchance = 2\n", encoding="utf-8")
    bad = CliRunner().invoke(cli, [*args, "--assumptions", str(tmp_path / "bad.toml")])
    assert bad.exit_code == 1 and "bad.toml:2:1: error[SIB752]: 'chance' is 2" in bad.output


def test_an_outcome_after_one_never_reached_is_noted(tmp_path: Path) -> None:
    from sibdsl.simulate.generate import unreachable

    contract = _small(tmp_path)
    assumptions = parse_assumptions('[cohorts.people]\nreferrals = 2\n[outcomes.stay]\nchance = 1\n', "a.toml", contract)
    assert unreachable(contract, assumptions) == [
        "stay is never reached: its prerequisite start_work has no chance in the assumptions"]
    assert not any(c.outcome == "stay" for c in draw(contract, assumptions, 0, 0).claims)
    full = parse_assumptions(FIXED.format(referrals=2), "a.toml", contract)
    assert unreachable(contract, full) == []


def _istanbul(text: str) -> tuple[Contract, object]:
    contract = compile_file(CONTRACTS / "istanbul-kodluyor.sib").model
    assert contract is not None
    return contract, parse_assumptions(text, "i.toml", contract)


def test_the_sub_group_mix_and_drop_out_are_drawn() -> None:
    base = ('[cohorts.young_people]\nreferrals = 20\nsubgroups = {{ women = {w}, men = {m} }}\n{extra}'
            '[outcomes.training]\nchance = 1\ndelay = "1 month"\n')
    contract, women = _istanbul(base.format(w=1, m=0, extra=""))
    claims = draw(contract, women, 0, 0).claims  # type: ignore[arg-type]
    assert claims and {c.subgroup for c in claims} == {"women"}
    contract, mixed = _istanbul(base.format(w=0.5, m=0.5, extra=""))
    claims = draw(contract, mixed, 0, 0).claims  # type: ignore[arg-type]
    assert {c.subgroup for c in claims} == {"women", "men"}
    contract, gone = _istanbul(base.format(w=0.5, m=0.5, extra='dropout = { chance = 1, after = "2 weeks" }\n'))
    drawn = draw(contract, gone, 0, 0)  # type: ignore[arg-type]
    assert not drawn.claims  # everyone drops out before the training's month is up


def test_bad_sub_group_mixes_are_located() -> None:
    contract = compile_file(CONTRACTS / "istanbul-kodluyor.sib").model
    assert contract is not None
    with pytest.raises(AssumptionError) as info:
        parse_assumptions('[cohorts.young_people]\nreferrals = 5\nsubgroups = { women = 0.5, man = 0.5 }\n',
                          "i.toml", contract)
    assert "i.toml:3:28: error[SIB751]: unknown sub-group 'man'" in info.value.render()
    assert "did you mean 'men'?" in info.value.render()
    with pytest.raises(AssumptionError) as info:
        parse_assumptions('[cohorts.young_people]\nreferrals = 5\nsubgroups = { women = 0.5, men = 0.6 }\n',
                          "i.toml", contract)
    assert "i.toml:3:1: error[SIB752]: the sub-group shares add up to 1.1, not 1" in info.value.render()


def test_poisson_referrals_vary_and_stop_at_the_cohort_size(tmp_path: Path) -> None:
    contract = _small(tmp_path)
    text_ = '[cohorts.people]\nreferrals = 4\nvary = "poisson"\n[outcomes.start_work]\nchance = 1\n'
    assumptions = parse_assumptions(text_, "p.toml", contract)
    counts = {len(draw(contract, assumptions, 0, i).claims) for i in range(20)}
    assert len(counts) > 2 and max(counts) <= 10  # at most 10 participants in the cohort


def test_unreadable_inputs_and_outputs_are_errors_not_crashes(tmp_path: Path) -> None:
    (tmp_path / "small.sib").write_text(SMALL.format(cap="10,000"), encoding="utf-8")
    (tmp_path / "latin.toml").write_bytes(b"[cohorts.people]\nreferrals = 3 # caf\xe9\n")
    (tmp_path / "ok.toml").write_text(FIXED.format(referrals=2), encoding="utf-8")
    (tmp_path / "blocker").write_text("a file where the output directory's parent would be", encoding="utf-8")
    runner = CliRunner()
    bad = runner.invoke(cli, ["simulate", str(tmp_path / "small.sib"), "--assumptions", str(tmp_path / "latin.toml")])
    assert bad.exit_code == 1 and "cannot read the assumptions file" in bad.output
    blocked = runner.invoke(cli, ["simulate", str(tmp_path / "small.sib"), "--assumptions", str(tmp_path / "ok.toml"),
                                  "--scenarios", "2", "-o", str(tmp_path / "blocker" / "out")])
    assert blocked.exit_code == 1 and "cannot write to" in blocked.output and "internal error" not in blocked.output
    (tmp_path / "broken.sib").write_text("contract \"x\"\n", encoding="utf-8")
    broken = runner.invoke(cli, ["simulate", str(tmp_path / "broken.sib"), "--assumptions", str(tmp_path / "ok.toml")])
    assert broken.exit_code == 1 and "nothing simulated" in broken.output


def test_a_chance_per_sub_group() -> None:
    text_ = ('[cohorts.young_people]\nreferrals = 20\nsubgroups = { women = 0.5, men = 0.5 }\n'
             '[outcomes.training]\nchance = { women = 1, otherwise = 0 }\ndelay = "1 month"\n')
    contract, assumptions = _istanbul(text_)
    claims = draw(contract, assumptions, 0, 0).claims  # type: ignore[arg-type]
    assert claims and {c.subgroup for c in claims} == {"women"}
    with pytest.raises(AssumptionError) as info:
        _istanbul(text_.replace("women = 1", "woman = 1.5"))
    assert "i.toml:5:12: error[SIB751]: unknown sub-group 'woman'" in info.value.render()
    with pytest.raises(AssumptionError) as info:
        _istanbul(text_.replace("women = 1", "women = 1.5"))
    assert "i.toml:5:12: error[SIB752]: 'women' is 1.5; it must be between 0 and 1" in info.value.render()


@pytest.mark.parametrize("path", sorted(ASSUMPTIONS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_committed_assumptions_file_is_valid_and_runs(path: Path) -> None:
    contract, assumptions = _load(path.stem)
    runs = simulate(contract, assumptions, 2, 0)  # type: ignore[arg-type]
    assert all(r.claims > 0 for r in runs) and summarise(contract, runs, 0).total.p95 >= 0
    from sibdsl.simulate.generate import unreachable

    assert unreachable(contract, assumptions) == []  # type: ignore[arg-type]
