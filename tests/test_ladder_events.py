"""Eligibility along a participant's route (issue 10, items 1-3): resets of sustainment
clocks, prerequisite options (`or`, `or held at referral`, `if paid`) and deadweight (`not if
held at referral`), in the language, settlement, the ledger, the analysis, and the MHCLG
Greater Manchester rough sleeping contract whose published figures they must reproduce.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from sibdsl.analysis.exposure import WITNESS, exposure
from sibdsl.analysis.participant import reachable
from sibdsl.analysis.verdicts import verdicts
from sibdsl.compiler import compile_file, compile_text
from sibdsl.model.contract import Contract
from sibdsl.settlement.engine import Settlement, settle
from sibdsl.settlement.ledger import parse_ledger
from sibdsl.settlement.records import Claim, Reason, Status

ROOT = Path(__file__).resolve().parents[1]
MHCLG = ROOT / "contracts" / "mhclg-greater-manchester-rough-sleeping.sib"
D = Decimal


def _contract(text: str) -> Contract:
    compiled = compile_text(text, "t.sib")
    assert compiled.model is not None, [f"{d.code} {d.message}" for d in compiled.diagnostics]
    return compiled.model


def _mhclg() -> Contract:
    result = compile_file(MHCLG)
    assert result.model is not None and not result.diagnostics
    return result.model


def _ledger(contract: Contract, text: str) -> list[Claim]:
    ledger = parse_ledger(text, "claims.csv", "claims", contract)
    assert not ledger.sink.items, [d.message for d in ledger.sink.items]
    return ledger.records


def _paid(result: Settlement, who: str | None = None) -> Decimal:
    return sum((d.amount for d in result.decisions if d.status is not Status.REJECTED
                and (who is None or d.participant == who)), D(0))


def _reasons(result: Settlement) -> dict[str, str]:
    return {d.claim_id: d.reason.value for d in result.in_file_order()}


HEAD = """contract "T" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer p "P" pays 100%
"""


# ---------------------------------------------------------------- the MHCLG contract's published figures
def test_the_mhclg_rate_card_has_22_outcomes_once_per_client_and_the_reset() -> None:
    contract = _mhclg()
    assert len(contract.outcomes) == 22  # "22 outcomes on the rate card"
    assert all(o.times_limit == 1 for o in contract.outcomes)  # "each outcome can only be claimed once per client"
    reset = next(r for r in contract.resets if r.name == "tenancy_lost")
    assert reset.restarts[0] == "housed_3m" and "accommodation_entry" not in reset.restarts
    assert [p.cap for p in contract.payers] == [D(2_629_000)]  # MHCLG maximum


def test_the_mhclg_figures_are_exact_and_reached_by_settled_witnesses() -> None:
    contract = _mhclg()
    found = exposure(contract, witness_claims=100_000)
    [best] = found.participants
    assert best.amount == D(19_000) and best.exact  # "up to about GBP 19,000 per person"
    assert _paid(settle(contract, best.witness), WITNESS) == D(19_000)
    assert found.liability == D(2_629_000) and found.exact
    assert settle(contract, found.witness).figures.payer_money["mhclg"] == D(2_629_000)
    assert [v.status for v in verdicts(contract, found)] == ["proven", "proven", "proven"]


def test_the_mhclg_reset_rule_on_a_small_ledger() -> None:
    contract = _mhclg()
    claims = _ledger(contract, """claim_id,participant,outcome,date,start,referral,held_at_referral
c1,p1,accommodation_entry,2018-01-10,2018-01-01,,
c2,p1,tenancy_lost,2018-03-01,,,
c3,p1,housed_3m,2018-04-10,,,
c4,p1,accommodation_entry,2018-03-01,,,
c5,p1,housed_3m,2018-06-01,,,
c6,p2,housed_3m,2018-04-01,,,
c7,p2,accommodation_entry,2018-02-15,2018-02-01,2018-01-01,accommodation_entry;job_entry_pt
c8,p2,job_entry_pt,2018-03-01,,,
c9,p2,job_entry_ft,2018-03-01,,,
c10,p2,qual_level_2,2018-03-01,,,
""")
    result = settle(contract, claims)
    got = _reasons(result)
    assert got == {"c1": "paid", "c2": "reset", "c4": "repeat_limit", "c3": "prerequisite_too_soon",
                   "c5": "paid", "c6": "paid", "c7": "held_at_referral", "c8": "held_at_referral",
                   "c9": "paid", "c10": "paid"}
    # entry not paid again; 3 months counted from the new accommodation; housed at referral:
    # 3 months from referral without an entry; part-time work at referral is not an outcome,
    # full-time work is; a Level 2 on its own
    assert _paid(result) == D(1_500 + 1_500 + 1_500 + 1_000 + 800)


# ---------------------------------------------------------------- the language
def test_an_after_clause_with_options_compiles_to_a_choice() -> None:
    contract = _contract(HEAD + """outcome a "A" pays GBP 1
outcome b "B" pays GBP 1
outcome c "C" pays GBP 10 after a at least 1 month or b by 2 months
outcome d "D" pays GBP 10 after a at least 1 month, or held at referral
outcome e "E" pays GBP 10 after a by 6 months if paid not if held at referral
outcome f "F" pays GBP 10 after a and b
reset lost "Lost" restarts c, d
""")
    by = {o.name: o for o in contract.outcomes}
    [choice] = by["c"].choices
    assert [o.outcome for o in choice.options] == ["a", "b"] and not by["c"].prerequisites
    assert choice.options[0].at_least is not None and choice.options[1].within is not None
    assert by["d"].choices[0].held_at_referral and by["e"].choices[0].if_paid and by["e"].not_if_held
    assert [p.outcome for p in by["f"].prerequisites] == ["a", "b"] and not by["f"].choices
    assert contract.resets[0].restarts == ("c", "d")
    assert Contract.model_validate_json(contract.model_dump_json()) == contract


@pytest.mark.parametrize(("text", "code"), [
    ('outcome c "C" pays GBP 1 after a and b or a', "SIB422"),
    ('outcome c "C" pays GBP 1 after a or a', "SIB422"),
    ('outcome c "C" pays GBP 1 after a and b if paid', "SIB422"),
    ('outcome c "C" pays GBP 1 after a and b, or held at referral', "SIB422"),
    ('outcome c "C" pays GBP 1 after a if paid', "SIB423"),
    ('reset r "R" restarts a', "SIB421"),
    ('reset r "R" restarts b, b', "SIB421"),
    ('reset r "R" restarts nothing_here', "SIB101"),
])
def test_mistakes_with_options_and_resets_are_located(text: str, code: str) -> None:
    src = HEAD + 'outcome a "A" pays GBP 1\noutcome b "B" pays GBP 1 after a at least 1 month\n' + text + "\n"
    result = compile_text(src, "t.sib")
    found = [d for d in result.diagnostics if d.code == code]
    assert found, [f"{d.code} {d.message}" for d in result.diagnostics]
    assert found[0].span.line == 7 and found[0].hint


def test_or_is_a_keyword_and_a_comma_before_it_is_optional() -> None:
    one = _contract(HEAD + 'outcome a "A" pays GBP 1\noutcome d "D" pays GBP 10 after a, or held at referral\n')
    two = _contract(HEAD + 'outcome a "A" pays GBP 1\noutcome d "D" pays GBP 10 after a or held at referral\n')
    assert one.outcomes == two.outcomes


# ---------------------------------------------------------------- the ledger
def test_held_at_referral_names_outcomes_and_a_reset_row_names_a_reset() -> None:
    contract = _contract(HEAD + """outcome a "A" pays GBP 1
outcome b "B" pays GBP 1 after a at least 1 month
reset lost "Lost" restarts b
""")
    ledger = parse_ledger("claim_id,participant,outcome,date,held_at_referral\nc1,p,a,2020-01-01, a ; b;\n"
                          "c2,p,lost,2020-02-01,\nc3,p,a,2020-02-01,aa\nc4,p,lots,2020-02-01,\n", "c.csv", "claims",
                          contract)
    assert [c.held for c in ledger.records] == [frozenset({"a", "b"}), None]
    assert [d.code for d in ledger.sink.items] == ["SIB704", "SIB704"]
    assert "did you mean 'a'" in ledger.sink.items[0].hint and "did you mean 'lost'" in ledger.sink.items[1].hint


def test_sibc_settle_writes_every_reset_row_and_counts_them(tmp_path: Path) -> None:
    claims = tmp_path / "claims.csv"
    claims.write_text("claim_id,participant,outcome,date\nc1,p1,accommodation_entry,2018-01-10\n"
                      "r1,p1,tenancy_lost,2018-03-01\nr2,p9,tenancy_lost,2018-03-01\n"
                      "r3,p1,job_lost,2018-03-02\n", encoding="utf-8")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "sibdsl", "settle", str(MHCLG), str(claims), "-o", str(out)],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 0, run.stderr
    rows = (out / "decisions.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 5  # nothing lost: a row per reset row, in the order of settlement
    assert rows[2].startswith("r1,p1,tenancy_lost,2018-03-01,recorded,reset,")
    assert rows[3].startswith("r2,p9,tenancy_lost,2018-03-01,recorded,reset_unknown_participant,")
    assert rows[4].startswith("r3,p1,job_lost,2018-03-02,ignored,reset_before_entry,")
    assert "reset job_lost (" in rows[4]
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert re.search(r"claims decided +1\n", summary) and re.search(r"\nresets +3\n", summary)


# ---------------------------------------------------------------- settlement rules
def test_a_reset_counts_for_claims_dated_after_it_and_takes_the_later_date() -> None:
    contract = _contract(HEAD + """outcome mv "M" pays GBP 100
outcome h "H" pays GBP 1,000 after mv at least 3 months by 4 months
reset lost "Lost" restarts h
""")
    def run(rows: str) -> dict[str, str]:
        return _reasons(settle(contract, _ledger(contract, "claim_id,participant,outcome,date\n" + rows)))
    # the `by` limit counts from the reset too: 5 months after mv, 3 after the new start
    assert run("c1,p,mv,2020-01-01\nr,p,lost,2020-03-01\nc2,p,h,2020-06-01\n")["c2"] == "paid"
    assert run("c1,p,mv,2020-01-01\nc2,p,h,2020-06-01\n")["c2"] == "prerequisite_too_late"
    # a reset before the prerequisite was paid: the later date (the prerequisite's) counts
    assert run("c0,p,h,2020-01-01\nr,p,lost,2020-01-02\nc1,p,mv,2020-02-01\nc2,p,h,2020-05-01\n")["c2"] == "paid"
    # on the reset's own date the old clock still counts; the next day the new one
    assert run("c1,p,mv,2020-01-01\nr,p,lost,2020-04-01\nc2,p,h,2020-04-01\n")["c2"] == "paid"
    assert run("c1,p,mv,2020-01-01\nr,p,lost,2020-04-01\nc2,p,h,2020-04-02\n")["c2"] == "prerequisite_too_soon"


def test_reset_rows_change_no_figure_of_payments() -> None:
    contract = _mhclg()
    claims = _ledger(contract, "claim_id,participant,outcome,date\nc1,p1,accommodation_entry,2018-01-10\n"
                               "r1,p1,tenancy_lost,2018-03-01\n")
    result = settle(contract, claims)
    assert [d.claim_id for d in result.decisions] == ["c1"]
    assert [(n, d.status) for n, d in result.resets] == [(1, Status.RECORDED)]
    assert result.figures.total_count == 1 and result.resets[0][1].amount == 0
    assert result.in_file_order()[1].reason is Reason.RESET


# ---------------------------------------------------------------- the analysis, soundly
def test_a_step_held_at_referral_raises_the_maximum_and_the_witness_holds_the_status() -> None:
    src = HEAD + """cohort c "C" at most 2 participants
outcome entry "Entry" pays GBP 500 not if held at referral
outcome job "Job" pays GBP 2,000
only one of entry, job
outcome housed_3m "Housed 3 months" pays GBP 1,000 after entry at least 3 months, or held at referral
"""
    contract = _contract(src)
    [best] = exposure(contract).participants
    assert best.amount == D(3_000) and best.exact  # job + housed_3m, the entry held at referral
    assert {c.held for c in best.witness} == {frozenset({"entry"})}
    assert _paid(settle(contract, best.witness), WITNESS) == D(3_000)
    plain = _contract(src.replace(", or held at referral", ""))
    assert exposure(plain).participants[0].amount == D(2_000)  # without it: the job alone


def test_the_held_path_counts_from_any_referral_date_so_no_delay_hides_a_step() -> None:
    contract = _contract(HEAD + """outcome entry "Entry" pays GBP 500
outcome housed_12m "Housed 12 months" pays GBP 2,000 after entry at least 12 months, or held at referral
  within 1 month
""")
    assert "housed_12m" in reachable(contract, None)  # referred a year before the start
    claims = [Claim("c1", "p", "housed_12m", date(2020, 1, 5), start=date(2020, 1, 1), referral=date(2019, 1, 1),
                    held=frozenset({"entry"}))]
    assert _paid(settle(contract, claims)) == D(2_000)
    assert exposure(contract).participants[0].amount >= D(2_000)


def test_either_option_can_make_a_step_reachable() -> None:
    contract = _contract(HEAD + """outcome a "A" pays GBP 10
outcome b "B" pays GBP 10
outcome x "X" pays GBP 100 after a at least 30 months or b
  within 6 months
outcome y "Y" pays GBP 100 after a at least 30 months
  within 6 months
""")
    assert reachable(contract, None) == {"a", "b", "x"}
    [best] = exposure(contract).participants
    assert best.amount == D(120) and best.exact


def test_a_loop_through_an_option_is_no_cycle_and_every_step_is_reached() -> None:
    contract = _contract(HEAD + """outcome a "A" pays GBP 10 after b or c
outcome b "B" pays GBP 20 after a at least 1 month
outcome c "C" pays GBP 30
""")
    assert reachable(contract, None) == {"a", "b", "c"}
    [best] = exposure(contract).participants
    assert best.amount == D(60) and best.exact
    assert _paid(settle(contract, best.witness), WITNESS) == D(60)


def test_an_optional_prerequisite_binds_nothing_for_the_maximum() -> None:
    contract = _contract(HEAD + """outcome l1 "L1" pays GBP 900 within 1 month
outcome l2 "L2" pays GBP 3,300 after l1 by 1 month if paid
  within 24 months
outcome gate "Gate" pays GBP 1 within 1 month
outcome late "Late" pays GBP 1 after gate at least 20 months
""")
    [best] = exposure(contract).participants
    assert best.amount == D(4_202)
    ledger = [Claim("c1", "p", "l2", date(2020, 1, 1), start=date(2020, 1, 1)),
              Claim("c2", "p", "l1", date(2020, 1, 2)), Claim("c3", "p", "gate", date(2020, 1, 2)),
              Claim("c4", "p", "late", date(2021, 9, 2))]
    assert _paid(settle(contract, ledger)) == D(4_202)  # Level 2 first, on its own


def test_a_window_of_referral_does_not_hide_a_late_ladder_step() -> None:
    """Found while making referral dates adversarial: a referral date may be any day, so a window
    `of referral` bounds no step's date (it said 100, exact, and this ledger pays 200)."""
    contract = _contract(HEAD + """outcome a "A" pays GBP 100
outcome b "B" pays GBP 100 after a at least 6 months within 1 month of referral
""")
    ledger = [Claim("c1", "p", "a", date(2020, 1, 1), start=date(2020, 1, 1), referral=date(2020, 6, 15)),
              Claim("c2", "p", "b", date(2020, 7, 1))]
    assert _paid(settle(contract, ledger)) == D(200)
    [best] = exposure(contract).participants
    assert best.amount == D(200)


# ---------------------------------------------------------------- the search draws them
def test_the_search_draws_reset_rows_and_statuses_held_at_referral() -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from sibdsl.search.strategies import bulk_claims_for, claims_for

    contract = _mhclg()
    seen: set[str] = set()

    @settings(database=None, max_examples=150, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.tuples(claims_for(contract), bulk_claims_for(contract)))
    def draw(ledgers: tuple[list[Claim], list[Claim]]) -> None:
        small, bulk = ledgers
        if any(c.outcome == "tenancy_lost" for c in small):
            seen.add("reset row")
        if any(c.held and "accommodation_entry" in c.held and c.referral for c in small):
            seen.add("held, with a referral date")
        if any(c.held for c in bulk):
            seen.add("bulk held")

    draw()
    assert seen == {"reset row", "held, with a referral date", "bulk held"}


def test_the_search_counts_reset_rows_when_it_settles_a_prefix_again() -> None:
    import random

    from sibdsl.search.properties import settle_again_checks

    contract = _mhclg()
    claims = _ledger(contract, "claim_id,participant,outcome,date\nc1,p1,accommodation_entry,2018-01-10\n"
                               "r1,p1,tenancy_lost,2018-03-01\nc2,p1,housed_3m,2018-06-01\n")
    first = settle(contract, claims)
    for seed in range(20):  # every cut, the reset row's included: no false alarm
        assert settle_again_checks(contract, claims, first, settle, random.Random(seed)) == []


def test_the_guarantee_no_step_before_one_of_its_options_is_checked() -> None:
    from dataclasses import replace as changed

    from sibdsl.search.properties import double_payment_violations

    contract = _contract(HEAD + """outcome a "A" pays GBP 10
outcome b "B" pays GBP 10
outcome x "X" pays GBP 100 after a or b
""")
    good = settle(contract, [Claim("c1", "p", "b", date(2020, 1, 1)), Claim("c2", "p", "x", date(2020, 2, 1))])
    assert double_payment_violations(good) == []
    forged = Settlement(good.plan, [changed(d) for d in good.decisions if d.outcome == "x"], good.figures)
    assert double_payment_violations(forged) == ["x paid for p (c2) before any of a, b"]


def test_the_soundness_harness_catches_a_held_step_left_out_of_the_maximum() -> None:
    """The generated-contract harness fails where the analysis would treat `or held at
    referral` as binding (its adversarial ledgers hold the entry at referral)."""
    from unittest import mock

    from sibdsl.analysis import participant
    from sibdsl.analysis.choices import needs
    from tests.test_soundness_generated import Run, check_contract

    src = HEAD + """cohort c "C" at most 2 participants
outcome entry "Entry" pays GBP 500 not if held at referral
outcome job "Job" pays GBP 2,000
only one of entry, job
outcome housed "Housed 3 months" pays GBP 1,000 after entry at least 3 months, or held at referral
"""
    assert check_contract(src, Run(), 2, 6, 6)  # sound as it is

    def binding(outcome):  # type: ignore[no-untyped-def]  # the held clause wrongly kept as a requirement
        return needs(outcome) + [tuple(o.outcome for o in c.options) for c in outcome.choices if c.held_at_referral]

    with mock.patch.object(participant, "needs", binding), pytest.raises(AssertionError, match="paid"):
        check_contract(src, Run(), 2, 6, 6)


def test_sibc_check_facts_prints_the_published_figures() -> None:
    run = subprocess.run([sys.executable, "-m", "sibdsl", "check", "--no-search", "--facts", str(MHCLG)],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "most one participant can be paid: GBP 19,000.00" in run.stdout
    assert "maximum liability: GBP 2,629,000.00" in run.stdout
    assert "mhclg: GBP 2,629,000.00" in run.stdout


def test_a_reset_is_not_blamed_for_a_step_whose_timed_clause_was_refused() -> None:
    src = HEAD + """outcome a "A" pays GBP 1
outcome b "B" pays GBP 1 after zz or a at least 1 month
reset lost "Lost" restarts b
"""
    assert [d.code for d in compile_text(src, "t.sib").diagnostics] == ["SIB101"]
