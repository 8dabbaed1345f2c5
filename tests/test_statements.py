"""Participant statements (issue 14, item 3; docs/settlement.md "Participant statements").

The key check is honesty: what a statement says an outcome would pay now is what the engine
pays when that claim is added to the ledger and the ledger is settled again. Paid amounts
must add up to the settlement's decisions, headroom must be the cap less what was paid, a
passed deadline must close an outcome, and participant ids must never escape the output
directory.
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from sibdsl.compiler import compile_file, compile_text
from sibdsl.model.contract import Contract
from sibdsl.settlement.engine import settle
from sibdsl.settlement.ledger import parse_ledger, read_ledger
from sibdsl.settlement.records import Claim, Measurement, Reason, Status
from sibdsl.settlement.statements import (
    CLOSED,
    OPEN,
    PAID,
    REFUSED,
    TRIAL_ID,
    Statements,
    build_statements,
    latest_date,
    trial_claim,
)
from sibdsl.settlement.statements_output import safe_name, statement_page, statements_csv, write_statements

ROOT = Path(__file__).resolve().parents[1]
LEDGERS = [("fair-chance-fund", "fair-chance-fund-claims.csv"),
           ("buenos-aires-youth-employment", "buenos-aires-youth-employment-claims.csv")]

HAND = """\
contract "Statement test" version 1
currency GBP
term 2020-01-01 to 2021-12-31
settled quarterly in arrears
rounding half up to GBP 0.01
run-off 6 months
claims until 2022-09-30

payer council "City council"
  pays 60% of each outcome payment, at most GBP 5,000
payer fund "Outcomes fund"
  pays 40% of each outcome payment
provider acme "Acme services"

cohort adults "Adults referred by the council"
  at most 50 participants
  referred 2020-01-01 to 2021-06-30
  subgroup high "High need"
  subgroup low "Low need"

outcome engaged "Engaged with the service"
  pays tiered GBP 100 for outcomes 1 to 2, GBP 50 from outcome 3 onwards
  within 3 months of start

outcome housed "Moved into a home"
  pays GBP 1,000 for high, GBP 600 for low
  after engaged by 6 months

outcome housed_6m "Housed for six months"
  pays GBP 2,000
  after housed at least 6 months
  indexed 10% a year from 2020-01-01

cap per participant GBP 2,500 then pay in part
cap outcome housed 4 outcomes then reject
cap cohort adults GBP 9,000 then pay in part
cap contract GBP 20,000 then pay in part
"""

HAND_LEDGER = """\
claim_id,participant,outcome,date,cohort,start,subgroup
c1,p1,engaged,2020-02-01,adults,2020-01-15,high
c2,p2,engaged,2020-02-10,adults,2020-01-20,low
c3,p1,housed,2020-03-01,,,
c4,p3,engaged,2020-06-01,adults,2020-01-10,high
c5,p1,housed_6m,2020-05-01,,,
c6,p1,housed_6m,2020-09-15,,,
c7,p4,engaged,2020-03-01,adults,2020-02-01,low
c8,p5,engaged,2020-03-05,adults,2020-03-01,high
"""


TIERED_LEDGER = """\
claim_id,participant,outcome,date,cohort,start,subgroup,value
t1,y1,job_placement,2020-03-01,youth,2020-02-01,vulnerable,
t2,y2,skills_gain,2020-04-01,youth,2020-02-01,very_vulnerable,1.0
t3,y3,job_placement,2020-03-02,youth,2020-02-01,very_vulnerable,
"""


def _hand(ledger: str = HAND_LEDGER) -> tuple[Contract, list[Claim]]:
    compiled = compile_text(HAND, "t.sib")
    assert compiled.model is not None and compiled.ok, [d.message for d in compiled.diagnostics]
    parsed = parse_ledger(ledger, "t.csv", "claims", compiled.model)
    assert not parsed.invalid_rows
    return compiled.model, list(parsed.records)


def _real(name: str, ledger: str) -> tuple[Contract, list[Claim]]:
    model = compile_file(str(ROOT / "contracts" / f"{name}.sib")).model
    assert model is not None
    read = read_ledger(str(ROOT / "contracts" / "ledgers" / ledger), "claims", model)
    assert not read.invalid_rows
    return model, list(read.records)


def _statements(contract: Contract, claims: list[Claim], as_of: date | None = None,
                measurements: list[Measurement] | None = None) -> Statements:
    result = settle(contract, claims, measurements or [])
    return build_statements(contract, claims, measurements or [], result, as_of)


def _cases() -> list[tuple[str, Contract, list[Claim], date | None]]:
    out: list[tuple[str, Contract, list[Claim], date | None]] = []
    for name, ledger in LEDGERS:
        contract, claims = _real(name, ledger)
        out.append((name, contract, claims, None))
        days = sorted({c.achieved for c in claims})
        out.append((f"{name} mid-ledger", contract, claims, days[len(days) // 2]))
    tiered = compile_file(str(ROOT / "contracts" / "tiered-and-cohort-outcomes.sib")).model
    assert tiered is not None
    parsed = parse_ledger(TIERED_LEDGER, "ty.csv", "claims", tiered)
    assert not parsed.invalid_rows
    out.append(("tiered-and-cohort-outcomes", tiered, list(parsed.records), None))
    contract, claims = _hand()
    for day in (None, date(2020, 3, 1), date(2020, 4, 15), date(2020, 10, 1), date(2022, 1, 15)):
        out.append((f"hand {day}", contract, claims, day))
    return out


CASES = _cases()


@pytest.mark.parametrize(("label", "contract", "claims", "as_of"), CASES, ids=[c[0] for c in CASES])
def test_paid_amounts_add_up_to_the_settlements_decisions(label: str, contract: Contract, claims: list[Claim],
                                                          as_of: date | None) -> None:
    made = _statements(contract, claims, as_of)
    day = as_of or latest_date(claims)
    assert made.as_of == day
    result = settle(contract, claims)
    expected: dict[str, D] = defaultdict(D)
    for d in result.decisions:
        if d.achieved <= made.as_of:
            expected[d.participant] += d.amount
    got = {st.participant: st.paid for st in made.statements}
    assert got == {p: expected[p] for p in got}
    assert set(got) == {c.participant for c in claims if c.achieved <= made.as_of}
    for st in made.statements:  # the lines add up to the statement, outcome by outcome
        assert sum((ln.paid for ln in st.lines), D(0)) + sum((d.amount for d in st.other), D(0)) == st.paid
        for ln in st.lines:
            assert ln.paid == sum((d.amount for d in result.decisions
                                   if d.participant == st.participant and d.outcome == ln.outcome
                                   and d.achieved <= made.as_of), D(0))
            assert isinstance(ln.paid, D) and isinstance(ln.now, D)


@pytest.mark.parametrize(("label", "contract", "claims", "as_of"), CASES, ids=[c[0] for c in CASES])
def test_would_pay_now_is_what_the_engine_pays_when_the_claim_is_added(label: str, contract: Contract,
                                                                        claims: list[Claim],
                                                                        as_of: date | None) -> None:
    """The honesty check: for every participant and outcome, add the claim to the ledger (the
    claims up to the as-of date), settle it all again, and compare."""
    made = _statements(contract, claims, as_of)
    before = [c for c in claims if c.achieved <= made.as_of]
    outcomes = {o.name: o for o in contract.outcomes}
    checked = paying = 0
    for st in made.statements:
        for ln in st.lines:
            claim = trial_claim(st.participant, outcomes[ln.outcome], made.as_of)
            again = settle(contract, [*before, claim])
            decided = next(d for d in again.decisions if d.claim_id == TRIAL_ID)
            assert (decided.amount, decided.reason, decided.detail) == (ln.now, ln.now_reason, ln.now_detail), \
                (st.participant, ln.outcome)
            checked += 1
            paying += decided.status in (Status.PAID, Status.PARTIAL)
    assert checked > 0
    if label in ("hand 2020-04-15", "fair-chance-fund mid-ledger"):
        assert paying > 0  # something is still payable


def test_a_tier_position_is_the_engines_the_third_engagement_pays_the_lower_band() -> None:
    contract, claims = _hand("claim_id,participant,outcome,date,cohort,start,subgroup\n"
                             "c1,p1,engaged,2020-02-01,adults,2020-01-15,high\n"
                             "c2,p2,engaged,2020-02-10,adults,2020-01-20,low\n"
                             "c3,p3,housed,2020-02-11,adults,2020-01-20,low\n")
    made = _statements(contract, claims, date(2020, 2, 20))
    p3 = next(st for st in made.statements if st.participant == "p3")
    engaged = next(ln for ln in p3.lines if ln.outcome == "engaged")
    assert engaged.status == REFUSED or engaged.status == OPEN
    assert engaged.now == D("50.00")  # two engagements were paid: band 2


def test_sub_group_prices_and_indexation_come_from_the_engine() -> None:
    contract, claims = _hand()
    made = _statements(contract, claims, date(2020, 3, 10))
    by = {st.participant: {ln.outcome: ln for ln in st.lines} for st in made.statements}
    assert by["p5"]["housed"].now == D("1000.00")  # high need
    assert by["p4"]["housed"].now == D("600.00")  # low need
    housed = Claim("c9", "p5", "housed", date(2020, 4, 1))
    late = _statements(contract, [*claims, housed], date(2021, 3, 10))
    six = next(ln for st in late.statements if st.participant == "p5" for ln in st.lines if ln.outcome == "housed_6m")
    assert six.now_price == D("2200.00")  # GBP 2,000 indexed 10% for one full year
    # the participant cap: 2,500 less 50 (the fourth engagement, in the lower band) and 1,000
    assert six.now == D("1450.00") and six.now_reason is Reason.CAP_PARTIAL
    page = statement_page(next(st for st in late.statements if st.participant == "p5"), late)
    assert "Housed for six months: would pay GBP 1,450.00 if claimed today (its price is GBP 2,200.00" in page


def test_a_refused_claim_shows_its_reason_in_the_csv_and_the_page() -> None:
    contract, claims = _hand()
    made = _statements(contract, claims, date(2020, 10, 1))
    p1 = next(st for st in made.statements if st.participant == "p1")
    six = next(ln for ln in p1.lines if ln.outcome == "housed_6m")
    refused = [d for d in six.decisions if d.status is Status.REJECTED]
    assert [d.reason for d in refused] == [Reason.PREREQUISITE_TOO_SOON]
    page = statement_page(p1, made)
    assert "too soon after the prerequisite" in page and "claim c5" in page
    assert "Moved into a home was achieved 2020-03-01" in page  # titles, not code names
    p3 = next(st for st in made.statements if st.participant == "p3")
    engaged = next(ln for ln in p3.lines if ln.outcome == "engaged")
    assert engaged.status == CLOSED and "window closed 2020-04-10" in engaged.why
    text = statements_csv(made)
    assert "p3,adults,high,engaged,Engaged with the service,can no longer be paid" in text
    assert ",0,0.00,0.00,0.00,outside_window," in text  # money with the currency's places


def test_headroom_is_the_cap_less_what_was_paid() -> None:
    contract, claims = _hand()
    made = _statements(contract, claims, date(2020, 10, 1))
    result = settle(contract, claims)
    total = sum((d.amount for d in result.decisions), D(0))
    council = sum((d.shares.get("council", D(0)) for d in result.decisions), D(0))
    housed = sum(1 for d in result.decisions if d.outcome == "housed" and d.status is not Status.REJECTED)
    for st in made.statements:
        for ln in st.lines:
            room = {h.label: h for h in ln.headroom}
            assert room["the cap per participant"].left == D(2500) - st.paid
            assert room["the contract cap"].left == D(20000) - total
            assert room["the cap on cohort Adults referred by the council"].left == D(9000) - total
            assert room["the cap of City council"].left == D(5000) - council
            if ln.outcome == "housed":
                assert room["the cap on Moved into a home (4 outcomes)"].left == 4 - housed
            else:
                assert "the cap on Moved into a home (4 outcomes)" not in room
    real, real_claims = _real("fair-chance-fund", "fair-chance-fund-claims.csv")
    fcf = _statements(real, real_claims)
    for st in fcf.statements:
        room = {h.label: h for h in st.lines[0].headroom}
        assert room["the cap per participant"].left == D(15000) - st.paid


def test_a_passed_deadline_means_can_no_longer_be_paid() -> None:
    contract, claims = _hand()
    # p4 (low need) engaged 2020-03-01: housed must follow by 6 months, to 2020-09-01
    early = _statements(contract, claims, date(2020, 8, 1))
    p4 = {ln.outcome: ln for ln in next(st for st in early.statements if st.participant == "p4").lines}
    assert p4["housed"].status == OPEN and p4["housed"].now == D("600.00")
    deadline = next(d for d in p4["housed"].deadlines if d.label.startswith("by 6 months"))
    assert deadline.day == date(2020, 9, 1) and not deadline.passed
    late = _statements(contract, claims, date(2020, 9, 2))
    p4 = {ln.outcome: ln for ln in next(st for st in late.statements if st.participant == "p4").lines}
    assert p4["housed"].status == CLOSED and p4["housed"].now == 0
    assert next(d for d in p4["housed"].deadlines if d.label.startswith("by 6 months")).passed
    assert p4["housed_6m"].status == CLOSED  # its prerequisite can no longer be paid
    # after the run-off and the claims deadline every open outcome is closed
    after = _statements(contract, claims, date(2022, 10, 1))
    for st in after.statements:
        for ln in st.lines:
            assert ln.status in (PAID, CLOSED), (st.participant, ln.outcome, ln.status)
            assert ln.now == 0


def test_an_at_least_delay_gives_the_earliest_day_to_claim() -> None:
    contract, claims = _hand()
    made = _statements(contract, claims, date(2020, 4, 1))
    p1 = next(st for st in made.statements if st.participant == "p1")
    six = next(ln for ln in p1.lines if ln.outcome == "housed_6m")
    assert six.opens == date(2020, 9, 1) and six.now == 0  # housed 2020-03-01, at least 6 months later
    assert "Can be claimed from 2020-09-01." in statement_page(p1, made)
    p4 = next(st for st in made.statements if st.participant == "p4")  # engaged 2020-03-01, housed by 6 months
    assert "Next deadline: **2020-09-01**, by 6 months after Engaged with the service (2020-03-01) for Moved into " \
           "a home." in statement_page(p4, made)
    assert _statements(contract, claims, date(2020, 9, 1)).statements[0].lines[2].opens is None


def test_window_deadline_is_listed_with_its_date() -> None:
    contract, claims = _hand("claim_id,participant,outcome,date,cohort,start,subgroup\n"
                             "c1,p9,housed,2020-02-01,adults,2020-01-15,high\n")
    made = _statements(contract, claims)
    engaged = next(ln for ln in made.statements[0].lines if ln.outcome == "engaged")
    assert engaged.status == OPEN and engaged.now == D("100.00")
    window = next(d for d in engaged.deadlines if d.label.startswith("window closes"))
    assert window.day == date(2020, 4, 15)
    housed = next(ln for ln in made.statements[0].lines if ln.outcome == "housed")
    assert housed.status == REFUSED and "prerequisite" in housed.why


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sibdsl", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_cli_writes_statements_beside_the_settlement(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _run("settle", "contracts/fair-chance-fund.sib", "contracts/ledgers/fair-chance-fund-claims.csv",
                "-o", str(out), "--statements", "--as-of", "2016-06-30")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    table = (out / "statements.csv").read_text(encoding="utf-8")
    assert table.startswith("participant,cohort,subgroup,outcome,outcome_title,status")
    assert len(table.splitlines()) > 5
    pages = sorted((out / "statements").iterdir())
    assert [p.name for p in pages] == [f"YP-00{i}.md" for i in range(1, 6)]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert text.startswith("# Statement for participant") and "## Headroom" in text
    assert "statements.csv" in done.stdout
    assert (out / "decisions.csv").exists() and (out / "summary.txt").exists()
    plain = tmp_path / "plain"
    done = _run("settle", "contracts/fair-chance-fund.sib", "contracts/ledgers/fair-chance-fund-claims.csv",
                "-o", str(plain))
    assert done.returncode == 0 and not (plain / "statements.csv").exists()


def test_help_mentions_statements() -> None:
    done = _run("settle", "--help")
    assert done.returncode == 0 and "--statements" in done.stdout and "statements.csv" in done.stdout


HOSTILE = ["../x", "a/b", "..", ".", "x" * 300, "CON", "con.txt", "a\\b", "<script>alert(1)</script>", "é/ü",
           " spaced ", "..\\..\\windows", "A", "a", "-rf", "/etc/passwd", "nul", "=HYPERLINK(1)"]


def test_hostile_participant_ids_stay_inside_the_output_directory(tmp_path: Path) -> None:
    contract, _ = _hand()
    claims = [Claim(f"h{i}", who, "engaged", date(2020, 2, 1 + i % 9), cohort="adults", start=date(2020, 1, 15),
                    subgroup="high") for i, who in enumerate(HOSTILE)]
    made = _statements(contract, claims)
    out = tmp_path / "out"
    out.mkdir()
    written = write_statements(made, out)
    folder = (out / "statements").resolve()
    pages = written[1:]
    assert len(pages) == len(made.statements) == len({c.participant for c in claims})
    assert len({p.name.lower() for p in pages}) == len(pages)  # no two ids share a file, in any case
    for path in pages:
        assert path.resolve().parent == folder
        assert len(path.name) <= 100 and not path.name.startswith(".")
        assert path.stem.split(".")[0].lower() not in {"con", "nul"}
    everything = {p.resolve() for p in tmp_path.rglob("*")}
    assert everything <= {*(p.resolve() for p in pages), folder, out.resolve(), (out / "statements.csv").resolve()}
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert "<script>" not in text
    table = statements_csv(made)
    assert "\n'-rf,adults,high,engaged," in table  # a formula-like id is escaped, as in every CSV sibc writes
    assert "\n'=HYPERLINK(1),adults" in table
    assert safe_name("ok-id_1.2") == "ok-id_1.2"
    assert safe_name("../x") != safe_name("__x") and "/" not in safe_name("a/b")


def test_many_participants_go_to_one_page(tmp_path: Path) -> None:
    contract, claims = _hand()
    made = _statements(contract, claims)
    written = write_statements(made, tmp_path, limit=2)
    assert [p.name for p in written] == ["statements.csv", "statements.md"]
    text = written[1].read_text(encoding="utf-8")
    assert text.count("## Statement for participant") == len(made.statements)
    assert "more than 2" in text
    assert not (tmp_path / "statements").exists()


def test_measured_share_caps_settle_the_trial_with_the_ledger() -> None:
    """Buenos Aires has share caps measured each period: the trial settles the whole ledger."""
    contract, claims = _real("buenos-aires-youth-employment", "buenos-aires-youth-employment-claims.csv")
    made = _statements(contract, claims)
    assert any(h.left is None and "measured each settlement period" in h.words
               for st in made.statements for ln in st.lines for h in ln.headroom)


def test_an_empty_ledger_gives_no_statements(tmp_path: Path) -> None:
    contract, _ = _hand()
    made = _statements(contract, [])
    assert made.statements == [] and made.as_of == contract.header.term_start
    written = write_statements(made, tmp_path)
    assert (tmp_path / "statements.csv").read_text(encoding="utf-8").count("\n") == 1
    assert len(written) == 1


def test_statements_do_not_depend_on_ledger_order_and_trials_leave_no_trace() -> None:
    contract, claims = _hand()
    first = statements_csv(_statements(contract, claims))
    assert first == statements_csv(_statements(contract, list(reversed(claims))))
    result = settle(contract, claims)
    before = [(d.claim_id, d.status, d.amount) for d in result.decisions]
    again = build_statements(contract, claims, [], result)
    assert statements_csv(again) == first == statements_csv(build_statements(contract, claims, [], result))
    assert [(d.claim_id, d.status, d.amount) for d in result.decisions] == before


def test_a_scale_is_priced_at_its_best_value_and_says_so() -> None:
    tiered = compile_file(str(ROOT / "contracts" / "tiered-and-cohort-outcomes.sib")).model
    assert tiered is not None
    claims = list(parse_ledger(TIERED_LEDGER, "ty.csv", "claims", tiered).records)
    made = _statements(tiered, claims)
    y1 = next(st for st in made.statements if st.participant == "y1")
    skills = next(ln for ln in y1.lines if ln.outcome == "skills_gain")
    assert skills.now_value == D("1.4") and skills.now == D("400.00")
    assert "at a measured value of 1.4" in statement_page(y1, made)
    y2 = next(st for st in made.statements if st.participant == "y2")
    refused = next(ln for ln in y2.lines if ln.outcome == "skills_gain")
    # its sub-group was 1 of 1 paid outcomes in its period, above 70%: refused, but a share can make room later
    assert refused.status == REFUSED and "above 70%" in refused.why
    room = [h.label for ln in y1.lines for h in ln.headroom]
    assert not any("Very vulnerable" in label for label in room)  # y1 is in the other sub-group
