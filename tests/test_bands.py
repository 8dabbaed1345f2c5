"""Tiered tariffs from Istanbul Kodluyor (issue 10, item 4): bands that pay nothing up to a
threshold, a money cap on one band, and a tier counted within one sub-group; and the two real
contracts of this item, Istanbul Kodluyor and the DfE Care Leavers SIB Reboot West.

Each test states the rule of docs/settlement.md ("Tiered tariffs: thresholds, band caps and
counting within a sub-group") or the analysis promise (docs/analysis.md) it checks.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from sibdsl.analysis.exposure import WITNESS, exposure
from sibdsl.analysis.outcome_totals import outcome_total, outcomes_limit
from sibdsl.analysis.participant import best_price, participant_maxima
from sibdsl.analysis.payers import amount_step
from sibdsl.compiler import compile_file, compile_text
from sibdsl.model.contract import Contract, TieredTariff
from sibdsl.search.properties import all_violations, band_violations
from sibdsl.search.strategies import _band_edges
from sibdsl.settlement.engine import Settlement, settle
from sibdsl.settlement.output import summary
from sibdsl.settlement.records import Claim, Reason, Status
from sibdsl.settlement.tranches import participant_groups, release_tranches

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
HEAD = """contract "Bands" version 1
currency USD
term 2020-01-01 to 2022-12-31
payer wb "World Bank"
cohort youth "Youth" at most 400 participants
  subgroup women "Women"
  subgroup men "Men"
"""


def _compile(body: str, head: str = HEAD) -> Contract:
    result = compile_text(head + body, "bands.sib")
    assert result.ok, [f"{d.code} {d.message}" for d in result.diagnostics]
    assert result.model is not None
    return result.model


def _codes(body: str, head: str = HEAD) -> list[tuple[str, int]]:
    result = compile_text(head + body, "bands.sib")
    return [(d.code, d.span.line) for d in result.diagnostics]


def _claims(outcome: str, subgroups: list[str | None], first: date = date(2020, 2, 1)) -> list[Claim]:
    return [Claim(f"c{i:04d}", f"p{i:04d}", outcome, first + timedelta(days=i), subgroup=sub)
            for i, sub in enumerate(subgroups)]


def _by_id(s: Settlement) -> dict[str, tuple[Status, Reason, Decimal]]:
    return {d.claim_id: (d.status, d.reason, d.amount) for d in s.decisions}


BONUS = """outcome bonus "Bonus per woman above the 3rd"
  pays tiered USD 0 for outcomes 1 to 3, USD 500 from 4 onwards, at most USD 1,200, counted within subgroup women
"""


# ---------------------------------------------------------------- the language


def test_a_band_of_zero_compiles_with_its_cap_and_sub_group_in_the_model() -> None:
    c = _compile(BONUS)
    tariff = c.outcomes[0].tariff
    assert isinstance(tariff, TieredTariff)
    assert [(b.first, b.last, b.price, b.cap) for b in tariff.bands] == [
        (1, 3, Decimal(0), None), (4, None, Decimal(500), Decimal(1200))]
    assert tariff.counted_within == "women"
    assert Contract.model_validate_json(c.model_dump_json()) == c  # the fields round-trip


def test_the_comma_before_at_most_and_counted_within_is_optional() -> None:
    with_commas = _compile(BONUS)
    without = _compile(BONUS.replace(", at most", " at most").replace(", counted", " counted"))
    assert with_commas == without


@pytest.mark.parametrize(("body", "code", "line"), [
    ('outcome b "B" pays tiered USD 0 for 1 to 3, USD 0 from 4\n', "SIB425", 8),
    ('outcome b "B" pays tiered USD 0 for 1 to 3 at most USD 100, USD 5 from 4\n', "SIB426", 8),
    ('outcome b "B" pays tiered USD 0 for 1 to 3, USD 500 from 4 at most USD 250\n', "SIB427", 8),
    ('outcome b "B" pays tiered USD 0 for 1 to 3, USD 500 from 4 counted within subgroup woman\n', "SIB101", 8),
    ('outcome b "B" pays tiered USD 0 for 1 to 3, USD 500 from 4 counted within subgroup youth\n', "SIB103", 8),
    ('outcome b "B" pays tiered USD 0 - USD 1 for 1 to 3, USD 500 from 4\n', "SIB206", 8),
    ('outcome b "B" pays tiered USD 0 for 1 to 3, USD 500 from 4 at most USD 0\n', "SIB206", 8),
    ('outcome b "B" pays tiered USD 0 for 1 to 3, USD 500 from 4 counted within subgroup women for cohort other\n'
     'cohort other "Other" at most 5 participants separate from youth\n', "SIB428", 8),
])
def test_each_mistake_is_reported_at_its_line(body: str, code: str, line: int) -> None:
    assert (code, line) in _codes(body)


def test_a_fixed_price_of_zero_is_still_refused() -> None:
    assert ("SIB206", 8) in _codes('outcome b "B" pays USD 0\n')


# ---------------------------------------------------------------- settlement


def test_a_band_of_zero_pays_nothing_counts_and_the_next_band_pays() -> None:
    c = _compile(BONUS)
    subs: list[str | None] = ["women", "men", "women", None, "women", "women", "women"]
    s = settle(c, _claims("bonus", subs))
    got = _by_id(s)
    assert got["c0000"] == (Status.PAID, Reason.BAND_PAYS_NOTHING, Decimal(0))
    assert got["c0001"][1] is Reason.NO_PRICE and got["c0003"][1] is Reason.NO_PRICE  # not women: not counted
    assert got["c0004"] == (Status.PAID, Reason.BAND_PAYS_NOTHING, Decimal(0))  # the 3rd woman
    assert got["c0005"] == (Status.PAID, Reason.PAID, Decimal(500))  # the 4th woman
    assert got["c0006"] == (Status.PAID, Reason.PAID, Decimal(500))
    assert s.figures.outcome_count["bonus"] == 5  # the women only, zero claims included
    assert all_violations(s) == []


def test_a_band_cap_pays_in_part_then_nothing_and_a_later_band_still_pays() -> None:
    c = _compile('outcome job "Job" pays tiered USD 1,000 for 1 to 4 at most USD 2,500, USD 800 from 5\n')
    s = settle(c, _claims("job", [None] * 6))
    amounts = [d.amount for d in s.decisions]
    assert amounts == [Decimal(1000), Decimal(1000), Decimal(500), Decimal(0), Decimal(800), Decimal(800)]
    third, fourth = s.decisions[2], s.decisions[3]
    assert third.status is Status.PAID and third.price == Decimal(500) and "left of its cap" in third.detail
    assert fourth.reason is Reason.BAND_PAYS_NOTHING and "used up" in fourth.detail
    assert fourth.rule == ("outcomes", 0, "tariff", "bands", 0)
    assert s.figures.band_money[("job", 0)] == Decimal(2500)


def test_a_claim_paid_nothing_passes_a_full_money_cap_but_not_a_full_count_cap() -> None:
    c = _compile('outcome job "Job" pays USD 500\n'
                 'outcome bonus "B" pays tiered USD 0 for 1 to 2, USD 300 from 3\n'
                 "cap contract USD 500\n")
    s = settle(c, [Claim("a", "p1", "job", date(2020, 2, 1)), Claim("b", "p1", "bonus", date(2020, 2, 2)),
                   Claim("c", "p2", "bonus", date(2020, 2, 3)), Claim("d", "p3", "bonus", date(2020, 2, 4))])
    got = _by_id(s)
    assert got["b"][1] is Reason.BAND_PAYS_NOTHING and got["c"][1] is Reason.BAND_PAYS_NOTHING
    assert got["d"][1] is Reason.CAP_REACHED  # the 3rd pays USD 300: the contract cap is full
    counted = _compile('outcome bonus "B" pays tiered USD 0 for 1 to 2, USD 300 from 3\n'
                       "cap outcome bonus 1 outcomes\n")
    s2 = settle(counted, _claims("bonus", [None, None]))
    assert [d.reason for d in s2.decisions] == [Reason.BAND_PAYS_NOTHING, Reason.CAP_REACHED]


def test_a_claim_paid_nothing_uses_the_repeat_rule_and_meets_a_prerequisite() -> None:
    c = _compile(BONUS + 'outcome after_bonus "After" pays USD 100 after bonus\n')
    s = settle(c, [Claim("a", "w1", "bonus", date(2020, 2, 1), subgroup="women"),
                   Claim("b", "w1", "bonus", date(2020, 2, 2)),
                   Claim("c", "w1", "after_bonus", date(2020, 2, 3))])
    assert [d.reason for d in s.decisions] == [Reason.BAND_PAYS_NOTHING, Reason.REPEAT_LIMIT, Reason.PAID]


def test_claims_paid_nothing_count_for_a_tranche_on_outcomes() -> None:
    c = _compile(BONUS + 'investor inv "I" commits USD 10,000\n'
                 "tranche t USD 1,000 when outcomes of bonus reach 3 outcomes\n")
    s = settle(c, _claims("bonus", ["women", "women", "women"]))
    releases = release_tranches(c, s.decisions, [], None, participant_groups(s.figures.participants))
    assert [(r.tranche, r.status, r.day) for r in releases] == [("t", "released", date(2020, 2, 3))]


def test_the_decisions_do_not_depend_on_the_order_of_the_ledger() -> None:
    c = _compile(BONUS)
    claims = _claims("bonus", ["women", "men", None, "women"] * 5)
    first = settle(c, claims)
    shuffled = list(claims)
    random.Random(7).shuffle(shuffled)
    again = settle(c, shuffled)
    assert [(d.claim_id, d.reason, d.amount) for d in first.decisions] == \
        [(d.claim_id, d.reason, d.amount) for d in again.decisions]


def test_the_summary_counts_the_claims_paid_nothing() -> None:
    c = _compile(BONUS)
    s = settle(c, _claims("bonus", ["women"] * 4))
    assert "of them paid nothing in a tier band 3" in summary(s, [], {}, "bands.sib")


def test_the_band_property_catches_a_band_cap_exceeded() -> None:
    """The guarantee can fail: a settlement whose capped band paid more than its cap is reported."""
    c = _compile(BONUS)
    s = settle(c, _claims("bonus", ["women"] * 7))
    assert band_violations(s) == []
    s.decisions[-1].amount = Decimal(500)  # the 7th woman was paid 200 (the cap's rest): pretend 500
    assert any("above its cap" in v for v in band_violations(s))
    s.decisions[0].amount = Decimal(1)
    assert any("band of zero" in v for v in band_violations(s))


# ---------------------------------------------------------------- analysis


def test_a_sub_group_counted_tier_is_priced_for_that_sub_group_only() -> None:
    """Without the counted sub-group among the sub-groups analysed apart, the women's maximum
    would be shared with participants in no sub-group (who cannot be paid the bonus): too low."""
    c = _compile('outcome job "Job" pays USD 300\n' + BONUS)
    maxima = {(m.cohort, m.subgroup): m.amount for m in participant_maxima(c)}
    assert maxima[("youth", "women")] == Decimal(800)
    assert maxima[("youth", "men")] == Decimal(300) and maxima[("youth", None)] == Decimal(300)
    bonus = c.outcomes[1]
    assert best_price(bonus, "men", c) is None and best_price(bonus, "women", c) == Decimal(500)


def test_the_best_price_applies_a_band_cap_after_falling_indexation() -> None:
    """Settlement indexes and rounds a band's price, then limits it by the band's cap: a cap of
    950 on a price of 1,000 indexed -10% pays 900; the best price must not be below that."""
    c = _compile('outcome job "Job" pays tiered USD 1,000 from 1 at most USD 950 indexed 0% - 10% a year\n')
    s = settle(c, [Claim("a", "p1", "job", date(2021, 1, 1))])
    assert s.decisions[0].amount == Decimal(900)
    found = best_price(c.outcomes[0], None, c)
    assert found is not None and found >= Decimal(900)
    assert all(m.amount >= Decimal(900) for m in exposure(c).participants)


def test_the_outcomes_totals_bound_a_capped_band_and_a_witness_reaches_it() -> None:
    c = _compile('outcome job "Job" pays USD 300\n' + BONUS)
    assert outcome_total(c, c.outcomes[1]) == Decimal(1200)  # a band of zero, then at most USD 1,200
    assert outcome_total(c, c.outcomes[0]) == Decimal(400 * 300)
    assert outcomes_limit(c) == Decimal(400 * 300 + 1200)
    found = exposure(c)
    assert found.liability == Decimal(121_200) and found.exact
    assert settle(c, found.witness).figures.total_money == found.liability


def test_without_a_band_cap_the_outcomes_limit_is_not_used() -> None:
    assert outcomes_limit(_compile('outcome b "B" pays tiered USD 0 for 1 to 3, USD 500 from 4\n')) is None


def test_an_outcome_open_to_participants_in_no_cohort_is_not_bounded_by_the_cohort_sizes() -> None:
    """With several cohorts a participant whose claims name none is in no cohort and is paid
    (docs/settlement.md, step 2), so the sizes bound only outcomes `for cohort`."""
    head = HEAD + 'cohort other "Other" at most 5 participants separate from youth\n'
    c = _compile('outcome job "Job" pays USD 300\n' + BONUS, head)
    assert outcome_total(c, c.outcomes[0]) is None
    claims = [Claim(f"n{i}", f"n{i}", "job", date(2020, 3, 1)) for i in range(500)]
    assert settle(c, claims).figures.total_money == Decimal(150_000)  # more than 405 x 300
    assert exposure(c).liability is None


def test_a_participant_of_another_cohort_in_the_counted_sub_group_is_analysed_too() -> None:
    """Nothing ties a claim's sub-group to the participant's cohort, so a participant of another
    cohort who gives the counted sub-group is paid the tier: its cohort's figure must say so."""
    head = HEAD + 'cohort other "Other" at most 5 participants separate from youth\n'
    body = BONUS.replace("counted within subgroup women", "counted within subgroup women for cohorts youth, other")
    c = _compile(body, head)
    maxima = {(m.cohort, m.subgroup): m.amount for m in participant_maxima(c)}
    assert maxima[("other", "women")] == Decimal(500)
    claims = [Claim(f"c{i}", f"p{i}", "bonus", date(2020, 3, 1) + timedelta(days=i), cohort="other", subgroup="women")
              for i in range(5)]
    assert settle(c, claims).figures.total_money == Decimal(1000)  # the 4th and 5th women of cohort other
    found = exposure(c)
    assert found.liability is not None and found.liability >= Decimal(1000)


def test_a_band_cap_joins_the_step_of_the_amounts() -> None:
    """A band pays what is left of its cap, so the cap is among the amounts whose greatest
    common divisor every payment is a multiple of (payers.py)."""
    c = _compile('outcome job "Job" pays tiered USD 300 for 1 to 2 at most USD 451, USD 300 from 3\n')
    assert amount_step(c) == Decimal(1)


def test_the_search_passes_the_outcome_number_where_a_band_cap_runs_out() -> None:
    c = _compile(BONUS)
    tariff = c.outcomes[0].tariff
    assert isinstance(tariff, TieredTariff)
    assert 7 in _band_edges(tariff)  # 4 + ceil(1,200 / 500): the first claim paid nothing


# ---------------------------------------------------------------- the real contracts


def _contract(name: str) -> Contract:
    result = compile_file(CONTRACTS / name)
    assert result.model is not None and result.ok
    return result.model


def test_istanbul_kodluyor_pays_the_women_s_bonus_above_the_92nd_up_to_usd_25000() -> None:
    """Published: USD 500 per woman sustaining employment above the 92nd, at most USD 25,000."""
    c = _contract("istanbul-kodluyor.sib")
    bonus = next(o for o in c.outcomes if o.name == "women_bonus")
    assert outcome_total(c, bonus) == Decimal(25_000)
    claims: list[Claim] = []
    start = date(2023, 9, 1)
    for i in range(150):
        sub = "women" if i % 3 else "men"  # 100 women, 50 men
        pid = f"y{i:03d}"
        claims += [Claim(f"{pid}-1", pid, "training", start, subgroup=sub, start=start),
                   Claim(f"{pid}-2", pid, "employed", date(2023, 12, 1)),
                   Claim(f"{pid}-3", pid, "sustained", date(2024, 6, 1)),
                   Claim(f"{pid}-4", pid, "women_bonus", date(2024, 6, 2) + timedelta(days=i // 3))]
    s = settle(c, claims)
    bonuses = [d for d in s.decisions if d.outcome == "women_bonus"]
    women = [d for d in bonuses if d.status is not Status.REJECTED]
    assert len(women) == 100 and all(d.reason is Reason.NO_PRICE for d in bonuses if d.status is Status.REJECTED)
    assert [d.amount for d in women[:92]] == [Decimal(0)] * 92  # the 92nd woman is still in the threshold
    assert women[92].amount == Decimal(500)  # the 93rd is the first paid
    assert sum((d.amount for d in women), Decimal(0)) == Decimal(8 * 500)
    everyone = []
    for i in range(200):  # 200 women: 108 above the threshold, only 50 paid before the cap is used
        pid = f"w{i:03d}"
        everyone.append(Claim(f"{pid}-b", pid, "women_bonus", date(2024, 6, 1) + timedelta(days=i), subgroup="women"))
    alone = compile_text((CONTRACTS / "istanbul-kodluyor.sib").read_text().replace("after sustained", ""))
    assert alone.model is not None
    paid = settle(alone.model, everyone).decisions
    assert sum((d.amount for d in paid), Decimal(0)) == Decimal(25_000)
    assert paid[141].amount == Decimal(500) and paid[142].reason is Reason.BAND_PAYS_NOTHING  # woman 143


def test_istanbul_kodluyor_figures_stay_within_the_published_budget() -> None:
    """Published: a budget of USD 1.25 million (read as the contract cap). The liability is set
    by the outcomes' own totals and reached by a settled witness."""
    c = _contract("istanbul-kodluyor.sib")
    found = exposure(c)
    assert found.liability == Decimal(1_227_500) and found.exact
    assert found.liability <= Decimal(1_250_000)
    women = next(m for m in found.participants if m.subgroup == "women")
    assert women.amount == Decimal(2_350) and women.exact
    paid = sum((d.amount for d in settle(c, women.witness).decisions if d.participant == WITNESS), Decimal(0))
    assert paid == Decimal(2_350)


def test_reboot_west_pays_repeated_engagement_and_stays_within_the_award() -> None:
    """Published: 200 care leavers; the award of up to GBP 2.25m. Engagement is repeatable
    (8 quarterly payments, an ILLUSTRATIVE count); the most one care leaver can be paid is
    the whole rate card with 8 engagements."""
    c = _contract("dfe-care-leavers-reboot-west.sib")
    assert next(co for co in c.cohorts).size == 200
    found = exposure(c)
    [m] = [m for m in found.participants if m.subgroup is None]
    assert m.amount == Decimal(8_900) and m.exact and ("engaged", 8) in m.selection
    assert found.liability == Decimal(200 * 8_900) and found.liability <= Decimal(2_250_000)
    start = date(2018, 7, 1)
    claims = [Claim(f"e{k}", "cl1", "engaged", start + timedelta(days=91 * k), start=start) for k in range(9)]
    s = settle(c, claims)
    assert [d.reason for d in s.decisions] == [Reason.PAID] * 8 + [Reason.REPEAT_LIMIT]
    assert s.figures.total_money == Decimal(1_600)


def test_payer_figures_count_participants_in_no_cohort() -> None:
    """Found by the generated-contract harness: with several cohorts, participants whose claims
    name none were left out of `payers.claims_bound` (every claim at its best price over the
    cohorts' sizes), so a payer's and the total figure were below what settlement pays."""
    src = """contract "Generated 47132" version 1
currency GBP
term 2020-01-01 to 2022-12-31
rounding half down to GBP 0.01
payer pa "PA" pays 50%
payer pb "PB" pays 25%
payer pc "PC" pays 25%, at most GBP 150
cohort c0 "Cohort 0" at most 1 participants separate from c1
cohort c1 "Cohort 1" at most 3 participants separate from c0
outcome o0 "Outcome 0" pays GBP 12.50 per day, up to 30 days once per participant
outcome o1 "Outcome 1" pays GBP 333 after o0 at least 1 month for cohort c1
"""
    c = compile_text(src).model
    assert c is not None
    claims = [Claim(f"n{i:02d}", f"n{i:02d}", "o0", date(2020, 2, 1), value=Decimal(30)) for i in range(20)]
    settled = settle(c, claims)
    assert settled.figures.total_money == Decimal(5775)  # 20 x 375, less what pc's cap cut
    found = exposure(c)
    assert found.liability is None or settled.figures.total_money <= found.liability
    for name, (most, _why) in found.payers.items():
        assert most is None or settled.figures.payer_money[name] <= most


def test_an_unlimited_tier_bounded_by_its_bands_caps_has_a_limit() -> None:
    """A tier repeated without limit whose bands all pay zero, end or have a cap pays no one more
    than its bands' total: the participant figure is that (exact, by a settled witness with the
    fillers that reach the paid band), not "no limit", and SIB413 does not warn."""
    src = HEAD.replace("at most 400", "at most 10") + \
        'outcome b "B" pays tiered USD 0 for 1 to 2, USD 500 from 3 at most USD 1,200 unlimited\n'
    result = compile_text(src)
    assert result.model is not None and [d.code for d in result.diagnostics] == []
    found = exposure(result.model)
    top = max(found.participants, key=lambda m: m.amount)
    assert not top.unbounded and top.amount == Decimal(1200) and top.exact
    paid = sum((d.amount for d in settle(result.model, top.witness).decisions if d.participant == WITNESS), Decimal(0))
    assert paid == Decimal(1200)
    assert found.liability == Decimal(1200) and found.exact
