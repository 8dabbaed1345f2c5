"""Soundness of the analysis (issue 8): no ledger that settlement accepts pays more than a
figure the analysis gives, and no assertion it calls proven is broken.

End to end: the issue's two cases (a payer's maximum after another payer's cap; an outcome
paid any number of times) are refuted by `sibc check` (exit 1, SIB711) with a witness CSV
that `sibc settle` confirms breaks the assertion. Adversarially: small generated contracts
with 2-3 payers, payer caps (`at most`, `cap payer ... then reject`), rounding units and
remainder payers, settled with ledgers that claim every outcome beyond its limits for more
participants than the cohort holds, in two orders.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sibdsl.analysis.exposure import exposure
from sibdsl.analysis.verdicts import verdicts
from sibdsl.analysis.witness import participant_claims
from sibdsl.cli.main import cli
from sibdsl.compiler import compile_text
from sibdsl.model.contract import Contract
from sibdsl.settlement.engine import settle
from sibdsl.settlement.records import Claim, Decision, Status
from tests.issue_cases import PAYER_AFTER_CAP, UNLIMITED


def _check_refutes(tmp_path: Path, src: str, stem: str) -> Path:
    """`sibc check` exits 1 with SIB711 and writes the witness; returns its path."""
    contract = tmp_path / f"{stem}.sib"
    contract.write_text(src, encoding="utf-8")
    out = tmp_path / "cx"
    result = CliRunner().invoke(cli, ["check", "--no-search", "--counterexample-dir", str(out), str(contract)])
    assert result.exit_code == 1, result.output
    assert "error[SIB711]: assertion refuted by the exact analysis" in result.output
    assert "SIB720" not in result.output  # nothing called proven
    witness = out / f"{stem}-assertion-1-witness.csv"
    assert witness.is_file(), result.output
    return witness


def _settle(tmp_path: Path, stem: str, witness: Path) -> list[dict[str, str]]:
    out = tmp_path / "settled"
    result = CliRunner().invoke(cli, ["settle", str(tmp_path / f"{stem}.sib"), str(witness), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with (out / "decisions.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_a_payer_keeps_paying_after_another_payers_cap_refuted_end_to_end(tmp_path: Path) -> None:
    """Was SIB720 "proven: b can owe at most GBP 500.00 (its 50% share of the maximum
    liability)"; settling enough claims of x makes b pay more, since a's part is cut at its
    cap and the contract cap counts only what is paid."""
    witness = _check_refutes(tmp_path, PAYER_AFTER_CAP, "payer")
    rows = _settle(tmp_path, "payer", witness)
    paid_by_b = sum((Decimal(r["paid_by_b"] or "0") for r in rows), Decimal(0))
    assert paid_by_b > 500


def test_payer_figure_is_a_bound_not_its_share(tmp_path: Path) -> None:
    contract = compile_text(PAYER_AFTER_CAP).model
    assert contract is not None
    found = exposure(contract)
    most, why = found.payers["b"]
    # either a's cap cut a's part (a paid its GBP 100, b at most 1,000 - 100) or no part was cut
    # (b at most its 50%): b at most GBP 900, and the liability's witness makes b pay exactly that
    assert most == Decimal("900") and why == "the maximum liability less a's cap, once that cap cuts its part"
    assert found.payer_bounds["b"].exact and settle(contract, found.witness).figures.payer_money["b"] == most
    claims = [c for k in range(40) for c in participant_claims(contract, f"p{k}", None, None, [("x", 1)], k)]
    assert settle(contract, claims).figures.payer_money["b"] == most


def test_an_unlimited_outcome_refutes_a_participant_limit_end_to_end(tmp_path: Path) -> None:
    """Was SIB722 "the witness was paid GBP 100.00 only" (the outcome counted once)."""
    witness = _check_refutes(tmp_path, UNLIMITED, "unlimited")
    rows = _settle(tmp_path, "unlimited", witness)
    per: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["status"] != "rejected":
            per[r["participant"]] += Decimal(r["amount"])
    assert max(per.values()) > 5000
    assert len(rows) <= 60  # a sensible witness: 51 claims of GBP 100 break GBP 5,000


def test_no_limit_is_said_with_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "unlimited.sib"
    path.write_text(UNLIMITED, encoding="utf-8")
    facts = CliRunner().invoke(cli, ["check", "--no-search", "--facts", "--counterexample-dir",
                                     str(tmp_path / "cx"), str(path)]).output
    assert "most one participant can be paid: no limit" in facts
    assert "no limit (an outcome can be paid any number of times and no cap limits it)" in facts
    report = CliRunner().invoke(cli, ["report", str(path)]).output
    assert "no limit" in report and "any number of times" in report
    assert "GBP 100.00**" not in report  # not counted once


def test_a_cap_on_the_total_stops_an_unlimited_participant() -> None:
    """'no limit' where a contract cap stops it would be false; the figure is a bound, and an
    assertion above the cap is proven, one below it refuted by many claims of one participant."""
    contract = compile_text(UNLIMITED.replace("assert each", "cap contract GBP 3,000\nassert each")
                            + "assert total payments are at most GBP 2,000\n").model
    assert contract is not None
    found = exposure(contract)
    [m] = found.participants
    assert not m.unbounded and not m.exact and m.amount == Decimal(3000) and "contract cap" in m.note
    proven, refuted = verdicts(contract, found)
    assert proven.status == "proven"
    assert refuted.status == "refuted" and settle(contract, refuted.witness).figures.total_money > 2000


# ---------------------------------------------------------------- adversarial property
@st.composite
def capped_contracts(draw: st.DrawFn) -> str:
    """2-3 payers with shares that round, payer caps of both kinds, a rounding unit and rule,
    a remainder payer, repeat limits (unlimited too), and money, count and period caps that pay
    in part or reject (a contract with two caps of one scope is an error and is skipped)."""
    n = draw(st.integers(2, 3))
    shares: list[str] = draw(st.sampled_from([["50", "50"], ["70", "30"], ["66.67", "33.33"], ["60", "40"]]
                                             if n == 2 else
                                             [["40", "30", "30"], ["33.34", "33.33", "33.33"], ["50", "25", "25"]]))
    unit, rule = draw(st.sampled_from([("0.01", "half up"), ("1", "half up"), ("1", "down"), ("0.01", "up"),
                                       ("5", "half even"), ("1", "up")]))
    names = ["a", "b", "c"][:n]
    lines = ['contract "Adversarial" version 1', "currency GBP", "term 2020-01-01 to 2021-12-31",
             f"rounding {rule} to GBP {unit}" + (f" remainder to {draw(st.sampled_from(names))}"
                                                  if draw(st.booleans()) else "")]
    for name, share in zip(names, shares, strict=True):
        cap = draw(st.sampled_from(["", "", ", at most GBP 100", ", at most GBP 333", ", at most GBP 1,000"]))
        lines.append(f'payer {name} "{name.upper()}" pays {share}%{cap}')
    size = draw(st.integers(1, 3))
    lines.append(f'cohort grp "Group" at most {size} participants')
    k = draw(st.integers(1, 2))
    for i in range(k):
        price = draw(st.sampled_from(["100", "250", "333", "7", "99.99"]))
        repeat = draw(st.sampled_from(["", "up to 3 times per participant", "unlimited"]))
        lines.append(f'outcome o{i} "O{i}" pays GBP {price} {repeat}'.rstrip())
    if draw(st.booleans()):
        lines.append(f"cap payer {draw(st.sampled_from(names))} GBP {draw(st.sampled_from(['150', '400']))} "
                     f"then {draw(st.sampled_from(['reject', 'pay in part']))}")
    if draw(st.booleans()):
        lines.append(f"cap per participant GBP {draw(st.sampled_from(['300', '1,000']))}")
    if draw(st.booleans()):
        lines.append(f"cap contract GBP {draw(st.sampled_from(['500', '1,000', '2,000']))}")
    if draw(st.booleans()):
        lines.append(f"cap outcome o0 GBP {draw(st.sampled_from(['200', '700']))}")
    if draw(st.booleans()):
        lines.append(f"cap per period GBP {draw(st.sampled_from(['150', '400']))}")
    if draw(st.booleans()):
        lines.append(f"cap outcome o0 {draw(st.sampled_from(['2', '4']))} outcomes")
    if draw(st.booleans()):  # settlement's "which cap decides" between reject and pay-in-part caps
        lines.append(draw(st.sampled_from(["cap per participant GBP 450 then reject", "cap contract GBP 800 then reject"])))
    lines.append(f"assert payer {draw(st.sampled_from(names))} pays at most GBP "
                 f"{draw(st.sampled_from(['100', '300', '500', '1,000']))}")
    lines.append(f"assert total payments are at most GBP {draw(st.sampled_from(['500', '1,000', '2,000']))}")
    lines.append(f"assert each participant is paid at most GBP {draw(st.sampled_from(['300', '1,000']))}")
    return "\n".join(lines) + "\n"


def adversarial_ledgers(contract: Contract, claims_each: int) -> list[list[Claim]]:
    """Every participant the cohort holds and one more, each claiming every outcome
    `claims_each` times (beyond repeat limits and caps), in two orders; and one participant
    claiming only the most expensive outcome."""
    cohort = contract.cohorts[0]
    people = list(range((cohort.size or 1) + 1))
    selection = [(o.name, claims_each) for o in contract.outcomes]
    ledgers = []
    for order in (people, people[::-1]):
        claims: list[Claim] = []
        for k in order:
            claims += participant_claims(contract, f"p{k}", cohort.name, None, selection, len(claims))
        ledgers.append(claims)
    for o in contract.outcomes:
        ledgers.append(participant_claims(contract, "solo", cohort.name, None, [(o.name, claims_each * 3)]))
    return ledgers


def _paid_per_participant(decisions: list[Decision]) -> dict[str, Decimal]:
    per: dict[str, Decimal] = defaultdict(Decimal)
    for d in decisions:
        if d.status is not Status.REJECTED:
            per[d.participant] += d.amount
    return per


def assert_sound(src: str, claims_each: int) -> None:
    result = compile_text(src)
    contract = result.model
    if contract is None:  # e.g. a payer cap above the contract cap is an error: not a contract
        return
    found = exposure(contract)
    found_verdicts = verdicts(contract, found)
    for claims in adversarial_ledgers(contract, claims_each):
        settled = settle(contract, claims)
        figures = settled.figures
        if found.liability is not None:
            assert figures.total_money <= found.liability, (src, found.set_by)
        for name, (most, why) in found.payers.items():
            if most is not None:
                assert figures.payer_money[name] <= most, (src, name, figures.payer_money[name], most, why)
        per = _paid_per_participant(settled.decisions)
        top = max((m.amount for m in found.participants if not m.unbounded), default=None)
        if top is not None and not any(m.unbounded for m in found.participants):
            assert max(per.values(), default=Decimal(0)) <= top, src
        for v in found_verdicts:
            if v.status != "proven":
                continue
            value = v.assertion.value or Decimal(0)
            if v.assertion.kind == "payer_max":
                assert figures.payer_money[v.assertion.subject or ""] <= value, (src, v.reason)
            elif v.assertion.kind == "total_max":
                assert figures.total_money <= value, (src, v.reason)
            elif v.assertion.kind == "participant_max":
                assert max(per.values(), default=Decimal(0)) <= value, (src, v.reason)
    for v in found_verdicts:  # a refutation is a witness that the engine confirms
        if v.status == "refuted" and v.witness:
            figures = settle(contract, v.witness).figures
            value = v.assertion.value or Decimal(0)
            if v.assertion.kind == "payer_max":
                assert figures.payer_money[v.assertion.subject or ""] > value, (src, v.reason)
            elif v.assertion.kind == "total_max":
                assert figures.total_money > value, (src, v.reason)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(capped_contracts())
def test_no_ledger_pays_more_than_the_analysis_says(src: str) -> None:
    assert_sound(src, claims_each=12)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(capped_contracts())
def test_no_ledger_pays_more_than_the_analysis_says_slow(src: str) -> None:
    assert_sound(src, claims_each=40)


def test_rounding_slack_is_counted_for_the_remainder_payer() -> None:
    """Three payers at 33.34/33.33/33.33% of GBP 1 rounded down to GBP 1: the remainder payer
    takes the whole pound of every claim, 100 times its share; its figure must allow it."""
    src = """contract "slack" version 1
currency GBP
term 2020-01-01 to 2021-12-31
rounding down to GBP 1 remainder to a
payer a "A" pays 33.34%
payer b "B" pays 33.33%
payer c "C" pays 33.33%, at most GBP 500
cohort grp "Group" at most 2 participants
outcome o "O" pays GBP 1 up to 30 times per participant
assert payer a pays at most GBP 25
"""
    contract = compile_text(src).model
    assert contract is not None
    found = exposure(contract)
    [v] = verdicts(contract, found)
    assert v.status != "proven"
    claims = participant_claims(contract, "p1", "grp", None, [("o", 30)])
    claims += participant_claims(contract, "p2", "grp", None, [("o", 30)], len(claims))
    paid = settle(contract, claims).figures.payer_money["a"]
    most = found.payers["a"][0]
    assert paid == 60 and most is not None and paid <= most


def test_facts_heading_does_not_call_bounds_exact(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sibdsl.cli.main import cli

    path = tmp_path / "a.sib"
    path.write_text(PAYER_AFTER_CAP, encoding="utf-8")
    out = CliRunner().invoke(cli, ["check", "--facts", "--no-search", str(path)]).output
    assert "exact figures" not in out and "upper bound" in out, out


def test_a_payer_figure_after_other_payers_caps_holds_against_every_order() -> None:
    """Three payers, two capped (one pays in part, one rejects): c is bounded by the liability
    less the pay-in-part cap (b's 150: once b is cut it has paid exactly that) or its share, and
    no ledger of up to 40 claims in several orders makes c pay more."""
    import random

    contract = compile_text("""contract "three payers" version 1
currency GBP
term 2015-01-01 to 2017-12-31
payer a "A" pays 20%
payer b "B" pays 30%, at most GBP 150
payer c "C" pays 50%
cap payer a GBP 120 then reject
outcome x "X" pays GBP 100
cap contract GBP 2,000
""").model
    assert contract is not None
    found = exposure(contract)
    most = found.payers["c"][0]
    assert most == Decimal(1850)  # max(50% of 2,000, 2,000 - 150)
    rng = random.Random(5)
    for n in (5, 20, 40):
        claims = [c for k in range(n) for c in participant_claims(contract, f"p{k}", None, None, [("x", 1)], k)]
        for _ in range(4):
            rng.shuffle(claims)
            assert settle(contract, claims).figures.payer_money["c"] <= most
