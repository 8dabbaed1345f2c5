"""Compiler and settlement under pressure (issue 7, item 4): no SIB999 and a bounded time for
contracts under the size limit.

- The double-counting checks (SIB417/418/419) built every pair of an `only one of` group's
  members (50 million for 10,000 outcomes: 127 s, 13 GB) and, for every pair of cohorts,
  scanned every outcome (1,000 x 1,000: over a minute). They are now near-linear; a
  differential test holds them to the old pairwise definition (kept below as the reference).
- Settlement arithmetic ran in the default 28-digit decimal context: a GBP 10^18 price indexed
  100% a year, claimed in 2150, ended in SIB999 (decimal.InvalidOperation).
"""

from __future__ import annotations

import csv
import decimal
import random
import time
from decimal import Decimal
from fractions import Fraction
from itertools import combinations
from pathlib import Path

from click.testing import CliRunner

from sibdsl.cli.main import cli
from sibdsl.compiler import compile_text
from sibdsl.core.calendar import approx_days
from sibdsl.core.diagnostics import Diagnostic, DiagnosticSink, Label
from sibdsl.core.money import round_money, split, total
from sibdsl.model.contract import CohortLevelTariff, Contract, Outcome
from sibdsl.model.spans import SpanTable
from sibdsl.semantics.checks.double import check_double_counting
from sibdsl.semantics.resolve import resolve

HEAD = """contract "Pressure" version 1
currency GBP
term 2020-01-01 to 2021-12-31
payer p "P" pays 100%
"""


def check(path: Path) -> tuple[float, str]:
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["check", "--no-search", "-q", str(path)])
    seconds = time.perf_counter() - started
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "SIB999" not in result.output
    return seconds, result.output


# ---------------------------------------------------------------- the old pairwise definition
def _old_ancestors(contract: Contract) -> dict[str, set[str]]:
    direct = {o.name: [p.outcome for p in o.prerequisites] for o in contract.outcomes}
    found: dict[str, set[str]] = {}
    for root in direct:
        seen: set[str] = set()
        stack = list(direct[root])
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            stack.extend(direct.get(name, ()))
        found[root] = seen
    return found


def _old_earliest(contract: Contract) -> dict[str, int]:
    start = contract.header.term_start
    by_name = {o.name: o for o in contract.outcomes}
    memo: dict[str, int] = {}

    def visit(name: str, trail: frozenset[str]) -> int:
        if name in memo:
            return memo[name]
        outcome = by_name.get(name)
        if outcome is None or name in trail:
            return 0
        days = 0
        for p in outcome.prerequisites:
            delay = approx_days(p.at_least, start) if p.at_least else 0
            days = max(days, visit(p.outcome, trail | {name}) + delay)
        memo[name] = days
        return days

    for name in by_name:
        visit(name, frozenset())
    return memo


def old_check_double_counting(contract: Contract, spans: SpanTable, sink: DiagnosticSink) -> None:
    """The quadratic checks as they were before the fix: the reference of the differential test."""
    by_name = {o.name: o for o in contract.outcomes}
    span = {o.name: spans.of("outcomes", i) for i, o in enumerate(contract.outcomes)}
    cohort_span = {c.name: spans.of("cohorts", i) for i, c in enumerate(contract.cohorts)}
    exclusive = {frozenset(pair) for g in contract.exclusive_groups if g.at_most == 1
                 for pair in combinations(g.members, 2)}
    for outcome in contract.outcomes:
        for included in outcome.includes:
            other = by_name.get(included)
            if other is None or frozenset((outcome.name, included)) in exclusive:
                continue
            sink.add("SIB418", f"'{outcome.name}' includes '{included}', and both can be paid for one participant",
                     span[outcome.name], labels=[Label(span[other.name], f"'{included}' here")],
                     hint=f"pay only one: only one of {included}, {outcome.name}; or price '{outcome.name}' as the "
                          f"increment over '{included}' and drop `includes`")
    term = (contract.header.term_start, contract.header.term_end)
    for ca, cb in combinations(contract.cohorts, 2):
        if cb.name in ca.separate_from or ca.name in cb.separate_from:
            continue
        a_open, a_close = ca.referral_start or term[0], ca.referral_end or term[1]
        b_open, b_close = cb.referral_start or term[0], cb.referral_end or term[1]
        if a_open > b_close or b_open > a_close:
            continue
        shared = [o.name for o in contract.outcomes if not isinstance(o.tariff, CohortLevelTariff)
                  and (not o.cohorts or (ca.name in o.cohorts and cb.name in o.cohorts))]
        if shared:
            sink.add("SIB419", f"cohorts '{ca.name}' and '{cb.name}' take referrals at the same time and both are "
                     f"paid for {', '.join(shared[:3])}{'...' if len(shared) > 3 else ''}", cohort_span[cb.name],
                     labels=[Label(cohort_span[ca.name], f"'{ca.name}' here")],
                     hint=f"if one person cannot be in both, say so: cohort {cb.name} ... separate from {ca.name}")
    by_trigger: dict[str, list[Outcome]] = {}
    for outcome in contract.outcomes:
        if outcome.trigger and not isinstance(outcome.tariff, CohortLevelTariff):
            by_trigger.setdefault(outcome.trigger, []).append(outcome)
    shared_by = {t: os for t, os in by_trigger.items() if len(os) > 1}
    if not shared_by:
        return
    ancestors = _old_ancestors(contract)
    earliest = _old_earliest(contract)
    term_days = (contract.header.term_end - contract.header.term_start).days
    start = contract.header.term_start

    def latest(o: Outcome) -> int:
        return approx_days(o.window, start) if o.window is not None else term_days

    for trigger, outcomes in shared_by.items():
        for a, b in combinations(outcomes, 2):
            if frozenset((a.name, b.name)) in exclusive:
                continue
            if a.name in ancestors[b.name] or b.name in ancestors[a.name]:
                continue
            if a.name in b.in_addition_to or b.name in a.in_addition_to:
                continue
            if a.cohorts and b.cohorts and not set(a.cohorts) & set(b.cohorts):
                continue
            if earliest[a.name] > latest(b) or earliest[b.name] > latest(a):
                continue
            sink.add("SIB417", f"'{a.name}' and '{b.name}' are both paid for the event '{trigger}': one "
                     "participant could be paid twice for it", span[b.name],
                     labels=[Label(span[a.name], f"'{a.name}' here")],
                     hint=f"if only one may be paid: only one of {a.name}, {b.name}; if one follows the other: "
                          f"after {a.name}; if both are meant: in addition to {a.name}")


def random_contract(rng: random.Random) -> str:
    """A small contract that exercises every rule the double-counting checks look at."""
    lines = [HEAD.rstrip("\n")]
    cohorts = [f"c{i}" for i in range(rng.randint(0, 5))]
    for i, name in enumerate(cohorts):
        line = f'cohort {name} "C{i}" at most 10 participants'
        if rng.random() < 0.8:
            first = rng.randint(1, 20)
            last = min(24, first + rng.randint(0, 8))
            line += f", referred {2020 + (first - 1) // 12}-{(first - 1) % 12 + 1:02d}-01 to " \
                    f"{2020 + (last - 1) // 12}-{(last - 1) % 12 + 1:02d}-28"
        others = [c for c in cohorts if c != name and rng.random() < 0.2]
        if others:
            line += "\n  separate from " + ", ".join(others)
        lines.append(line)
    names = [f"o{i}" for i in range(rng.randint(2, 9))]
    for name in names:
        line = f'outcome {name} "{name.upper()}" pays GBP {rng.randint(1, 9)}'
        if rng.random() < 0.7:
            line += f' triggered by "e{rng.randint(1, 2)}"'
        for _ in range(rng.choice((0, 0, 1, 2))):
            line += f" after {rng.choice(names)}"
            if rng.random() < 0.5:
                line += f" at least {rng.randint(1, 14)} months"
        if rng.random() < 0.3:
            line += f" within {rng.randint(1, 20)} months"
        if rng.random() < 0.2:
            line += f" in addition to {rng.choice(names)}"
        if rng.random() < 0.3:
            line += " includes " + ", ".join(sorted(set(rng.choices(names, k=rng.randint(1, 2)))))
        if cohorts and rng.random() < 0.4:
            line += " for cohorts " + ", ".join(sorted(set(rng.choices(cohorts, k=rng.randint(1, 3)))))
        lines.append(line)
    for _ in range(rng.choice((0, 1, 1, 2))):
        members = sorted(set(rng.choices(names, k=rng.randint(2, 4))))
        if len(members) > 1:
            lines.append(f"only {rng.choice(('one', 'one', '2'))} of {', '.join(members)} per participant")
    return "\n".join(lines) + "\n"


def test_the_double_counting_checks_say_what_the_pairwise_definition_says() -> None:
    """Differential: on 600 generated contracts the new checks give exactly the old
    diagnostics (codes, spans, messages, hints, labels, order)."""
    rng = random.Random(7)
    checked = 0
    seen: dict[str, int] = {"SIB417": 0, "SIB418": 0, "SIB419": 0}
    for _ in range(600):
        result = compile_text(random_contract(rng))
        resolved = resolve(result.tree, DiagnosticSink("c.sib")) if result.tree is not None else None
        if resolved is None:
            continue
        contract, spans = resolved
        new, old = DiagnosticSink("c.sib"), DiagnosticSink("c.sib")
        check_double_counting(contract, spans, new)
        old_check_double_counting(contract, spans, old)
        got: list[Diagnostic] = new.items
        assert got == old.items
        checked += 1
        for d in got:
            seen[d.code] += 1
    assert checked > 400
    assert all(count > 20 for count in seen.values()), seen


def test_an_only_one_of_group_of_10000_outcomes_with_one_trigger_and_includes(tmp_path: Path) -> None:
    """Was: every pair of the group built twice (50 million pairs: 127 s and 13 GB for the
    plain group). Each outcome includes the one before and all share a trigger: the group
    excludes every SIB417 and SIB418. Now about 2 s."""
    n = 10_000
    lines = [HEAD + 'cohort c "C" at most 10 participants']
    lines.append('outcome o0 "O0" pays GBP 1 triggered by "ev"')
    lines += [f'outcome o{i} "O{i}" pays GBP 1 triggered by "ev" includes o{i - 1}' for i in range(1, n)]
    lines.append(f"only one of {', '.join(f'o{i}' for i in range(n))} per participant")
    path = tmp_path / "group.sib"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seconds, output = check(path)
    assert "SIB417" not in output and "SIB418" not in output
    assert seconds < 20, seconds


def test_1000_cohorts_open_together_for_outcomes_of_their_own(tmp_path: Path) -> None:
    """Was: each of the 499,500 pairs of cohorts scanned all 1,000 outcomes (over a minute).
    Each outcome is for its own cohort, so only c0 and c1 (which share `both`) are warned."""
    n = 1000
    lines = [HEAD.rstrip("\n")]
    lines += [f'cohort c{i} "C{i}" at most 10 participants, referred 2020-01-01 to 2020-12-31' for i in range(n)]
    lines += [f'outcome o{i} "O{i}" pays GBP 1 for cohort c{i}' for i in range(n)]
    lines.append('outcome both "Both" pays GBP 1 for cohorts c0, c1')
    path = tmp_path / "cohorts.sib"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seconds, output = check(path)
    assert output.count("SIB419") == 1 and "cohorts 'c0' and 'c1'" in output and "paid for both" in output
    assert seconds < 20, seconds


def test_a_ladder_of_3000_steps_with_one_trigger(tmp_path: Path) -> None:
    """Was: SIB999 (RecursionError: the earliest day of each step was found by a recursion as
    deep as the ladder, written top step first) after building each step's ancestors as a set
    (4.5 million names). Every step follows the next, so only `other` is warned, beside each."""
    n = 3000
    lines = [HEAD.rstrip("\n")]
    lines += [f'outcome s{i} "S{i}" pays GBP 1 triggered by "ev" after s{i + 1}' for i in range(n - 1)]
    lines.append(f'outcome s{n - 1} "S{n - 1}" pays GBP 1 triggered by "ev"')
    lines.append('outcome other "Other" pays GBP 1 triggered by "ev"')
    path = tmp_path / "ladder.sib"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seconds, output = check(path)
    assert output.count("warning[SIB417]") == n
    assert seconds < 20, seconds


# ---------------------------------------------------------------- settlement arithmetic
BIG = 10**18 - 1  # the largest price a contract can write (18 digits)


def settle(tmp_path: Path, contract: str, claims: str, *args: str) -> list[dict[str, str]]:
    (tmp_path / "c.sib").write_text(contract, encoding="utf-8")
    (tmp_path / "claims.csv").write_text(claims, encoding="utf-8")
    result = CliRunner().invoke(cli, ["settle", str(tmp_path / "c.sib"), str(tmp_path / "claims.csv"),
                                      "-o", str(tmp_path / "out"), *args])
    assert "SIB999" not in result.output and result.exit_code == 0, result.output
    return list(csv.DictReader((tmp_path / "out" / "decisions.csv").read_text(encoding="utf-8").splitlines()))


def test_a_price_of_10_to_the_18_indexed_100_percent_for_130_years_is_exact(tmp_path: Path) -> None:
    """Was: SIB999 (decimal.InvalidOperation: a 58-digit price quantized in 28 digits). The
    price doubles on each of 130 anniversaries; the 70/30 split is exact too."""
    contract = f"""contract "Indexed" version 1
currency GBP
term 2020-01-01 to 2160-12-31
payer p "P" pays 70%
payer q "Q" pays 30%
cohort c "C" at most 10 participants, referred 2020-01-01 to 2020-12-31
outcome big "Big" pays GBP {BIG:,} indexed 100% a year
outcome small "Small" pays GBP 0.05 indexed 10% a year
"""
    claims = ("claim_id,participant,outcome,date,start\n"
              "k1,p1,big,2150-06-01,2020-01-01\nk2,p2,small,2021-06-01,2020-01-01\n")
    rows = {r["claim_id"]: r for r in settle(tmp_path, contract, claims)}
    price = BIG * 2**130
    assert rows["k1"]["status"] == "paid" and rows["k1"]["amount"] == f"{price}.00"
    assert rows["k1"]["paid_by_p"] == f"{price * 7 // 10}.{price * 7 % 10}0"
    assert rows["k1"]["paid_by_q"] == f"{price * 3 // 10}.{price * 3 % 10}0"
    assert rows["k2"]["amount"] == "0.06"  # 0.055, half up by default
    # the totals too: invoices and the summary were added up in 28 digits (...000.00)
    invoices = list(csv.DictReader((tmp_path / "out" / "invoices.csv").read_text(encoding="utf-8").splitlines()))
    big_p = next(r for r in invoices if r["payer"] == "p" and r["period_start"].startswith("2150"))
    assert big_p["amount"] == rows["k1"]["paid_by_p"]
    summary = (tmp_path / "out" / "summary.txt").read_text(encoding="utf-8")
    assert f"GBP {price:,}.06" in summary  # total paid: the price + 0.06, every digit


def test_a_cohort_level_payment_of_36_digits_is_exact(tmp_path: Path) -> None:
    """Was: SIB999 (the payment, GBP 10^18 x 10^18 rounded to 28 digits, then quantized)."""
    contract = f"""contract "Cohort level" version 1
currency GBP
term 2020-01-01 to 2021-12-31
payer p "P" pays 100%
cohort people "People" at most 10 participants, referred 2020-01-01 to 2020-12-31
outcome fewer "Fewer" pays GBP {BIG:,} per 1 reduction in "reconvictions" against baseline
outcome third "Third" pays GBP 1 per 1% reduction in "reoffending" against baseline
"""
    (tmp_path / "m.csv").write_text("measurement_id,outcome,cohort,date,baseline,observed\n"
                                    f"m1,fewer,people,2020-05-01,{BIG},1\n"
                                    "m2,third,people,2020-05-01,3,2\n", encoding="utf-8")
    rows = {r["claim_id"]: r for r in settle(tmp_path, contract, "claim_id,participant,outcome,date,start\n",
                                              "--measurements", str(tmp_path / "m.csv"))}
    assert rows["m1"]["amount"] == f"{BIG * (BIG - 1)}.00"
    assert rows["m2"]["amount"] == "33.33"  # a third of 100%, exactly, then rounded once


def test_round_money_is_exact_at_any_size() -> None:
    """Was: decimal.InvalidOperation above 26 digits, and a unit that is not a power of ten
    was rounded twice (to 28 digits, then by the rule)."""
    tie = Decimal(10) ** 40 + Decimal("0.005")
    expected = {"half up": "0.01", "half even": "0.00", "half down": "0.00", "down": "0.00", "up": "0.01"}
    for rule, cents in expected.items():
        assert round_money(tie, Decimal("0.01"), rule) == Decimal(10) ** 40 + Decimal(cents), rule
        assert round_money(-tie, Decimal("0.01"), rule) == -(Decimal(10) ** 40 + Decimal(cents)), rule
    # 10^40 + 0.025 is exactly half-way between two multiples of 0.05
    assert round_money(Decimal(10) ** 40 + Decimal("0.025"), Decimal("0.05"), "half even") == Decimal(10) ** 40
    assert str(round_money(Fraction(10**45, 3), Decimal("0.01"), "half up")) == "3" * 45 + ".33"
    parts = split(Decimal(10) ** 60 + Decimal("0.01"), [("a", Decimal(50)), ("b", Decimal(50))], "b",
                  Decimal("0.01"), "half up")
    assert parts == {"a": Decimal(10) ** 60 / 2 + Decimal("0.01"), "b": Decimal(10) ** 60 / 2}
    huge = [Decimal(10) ** 60, Decimal("0.01"), Decimal("-0.02")]
    assert total(huge) == Decimal("9" * 60 + ".99") != sum(huge, Decimal(0))
    assert decimal.getcontext().prec == 28  # the global context is left alone
