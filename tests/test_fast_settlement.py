"""Settlement's fast path decides every claim as the reference engine does (issue 14, item 6).

The fast path (`sibdsl.settlement.fast`) is only worth having if it is the reference engine's
rule book, claim for claim. Checked here, for both forms of its loop (compiled by numba, and
plain Python):

- generated contracts that use every construct of the grammar that bears on payment (the
  generator of tests/test_soundness_generated.py), each with its adversarial ledgers (every
  cohort over its size, every outcome claimed beyond its limit, ladder steps at the minimum
  delays, several orders) and the same ledgers mutated further (duplicate ids, participants
  whose details conflict, unknown outcomes, cohorts and sub-groups, late submissions): every
  decision's status, reason, price, amount, period, payer parts and root cause, and the
  invoices, equal; a contract or ledger the fast path declines is declined by name, and the
  coverage table (constructs settled fast, constructs declined, reasons reached) is printed;
- the integer split against `money.split` / `money.split_exact` (hypothesis);
- every committed assumptions file: each scenario's figures equal through either path, and the
  claims in the same order;
- the ledgers in contracts/ledgers/.
"""

from __future__ import annotations

import os
import random
import zlib
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sibdsl.compiler import compile_text
from sibdsl.core.money import split, split_exact
from sibdsl.model.contract import Contract
from sibdsl.settlement.engine import Settlement, settle
from sibdsl.settlement.fast import Declined, FastSettlement, fast_plan, settle_fast
from sibdsl.settlement.fast import kernel as K
from sibdsl.settlement.records import Claim
from tests.test_soundness_generated import constructs, generate, ledgers

ROOT = Path(__file__).resolve().parent.parent
FORMS = ["python", "compiled"] if K.compiled() is not None else ["python"]


def _key(d: object) -> tuple[object, ...]:
    return (d.claim_id, d.status, d.reason, d.price, d.amount, d.period, dict(d.shares), d.root_cause)  # type: ignore[attr-defined]


def assert_same(ref: Settlement, got: FastSettlement, context: str) -> None:
    fast = got.decisions()
    assert len(fast) == len(ref.decisions), context
    for a, b in zip(ref.decisions, fast, strict=True):
        assert _key(a) == _key(b), f"{context}\nreference {_key(a)} ({a.detail})\nfast      {_key(b)}"
    assert ref.invoices == got.invoices, context
    rows = got.decisions(resets=True)
    assert [_key(r) for _at, r in ref.resets] == [_key(r) for r in rows], f"reset rows: {context}"


def mutate(claims: list[Claim], c: Contract, rng: random.Random) -> list[Claim]:
    """The ledger with hostile rows: repeated ids, conflicting details, unknown names, late rows."""
    out = list(claims)
    if not out:
        return out
    names = [o.name for o in c.outcomes]
    for _ in range(max(3, len(out) // 20)):
        victim = rng.choice(claims)
        kind = rng.randrange(12)
        if kind == 0:  # the same id again
            out.append(replace(victim, outcome=rng.choice(names)))
        elif kind == 1:  # another cohort than the participant's first claim
            out.append(replace(victim, claim_id=victim.claim_id + "c", cohort=rng.choice(
                [*(k.name for k in c.cohorts), "nowhere"])))
        elif kind == 2:  # another start
            out.append(replace(victim, claim_id=victim.claim_id + "s",
                               start=(victim.start or victim.achieved) + timedelta(days=rng.choice([-3, 1]))))
        elif kind == 3:  # an unknown or another sub-group
            subs = [s.name for k in c.cohorts for s in k.subgroups]
            out.append(replace(victim, claim_id=victim.claim_id + "g", subgroup=rng.choice([*subs, "stranger"])))
        elif kind == 4:  # an outcome the contract does not have
            out.append(replace(victim, claim_id=victim.claim_id + "u", outcome="no_such_outcome"))
        elif kind == 5:  # details left out (the first claim fixed them)
            out.append(replace(victim, claim_id=victim.claim_id + "n", cohort=None, start=None, subgroup=None,
                               referral=None, held=None))
        elif kind == 6:  # a participant never seen, with a sub-group nobody declared
            out.append(replace(victim, claim_id=victim.claim_id + "p", participant=victim.participant + "-new",
                               subgroup="unheard_of", cohort=None))
        elif kind == 7:  # submitted late, or on the day
            out.append(replace(victim, claim_id=victim.claim_id + "l",
                               submitted=victim.achieved + timedelta(days=rng.choice([0, 400, 4000]))))
        elif kind == 8:  # achieved outside the term (or in its run-off)
            out.append(replace(victim, claim_id=victim.claim_id + "t", achieved=rng.choice(
                [c.header.term_start - timedelta(days=9), c.header.term_end + timedelta(days=rng.choice([1, 200, 800]))])))
        elif kind == 9:  # a new participant who started before referrals opened
            out.append(replace(victim, claim_id=victim.claim_id + "r", participant=victim.participant + "-early",
                               start=c.header.term_start - timedelta(days=rng.choice([1, 60])), referral=None))
        elif kind == 10:  # a new participant whose start is after the claim
            out.append(replace(victim, claim_id=victim.claim_id + "b", participant=victim.participant + "-later",
                               start=victim.achieved + timedelta(days=5)))
        else:  # the same outcome again, much later (past a `within`)
            out.append(replace(victim, claim_id=victim.claim_id + "w",
                               achieved=victim.achieved + timedelta(days=rng.choice([100, 300, 700]))))
    return out


class Coverage:
    def __init__(self) -> None:
        self.fast: Counter[str] = Counter()  # constructs of contracts the fast path settled
        self.declined: Counter[str] = Counter()  # why contracts or ledgers were declined
        self.reasons: Counter[str] = Counter()  # reasons of the decisions compared
        self.contracts = 0
        self.ledgers = 0
        self.claims = 0

    def table(self) -> str:
        lines = [f"fast path: {self.contracts} generated contracts settled fast, {self.ledgers} ledgers, "
                 f"{self.claims} claims compared with the reference engine ({', '.join(FORMS)})",
                 "  constructs settled fast: " + ", ".join(f"{k} {v}" for k, v in sorted(self.fast.items())),
                 "  declined: " + (", ".join(f"{k} {v}" for k, v in sorted(self.declined.items())) or "none"),
                 "  reasons reached: " + ", ".join(f"{k} {v}" for k, v in sorted(self.reasons.items()))]
        return "\n".join(lines)


def compare_contract(src: str, cov: Coverage, orders: int = 6) -> None:
    result = compile_text(src)
    c = result.model
    if c is None or not result.ok:
        return
    fast = fast_plan(c)
    if isinstance(fast, Declined):
        cov.declined[fast.why.split(" ", 2)[2] if fast.why.startswith("outcome ") else fast.why] += 1
        return
    cov.contracts += 1
    cov.fast.update(constructs(c))
    rng = random.Random(zlib.crc32(src.encode()))
    for i, (claims, _meas) in enumerate(ledgers(c, rng, 2, 6, orders)):
        for variant, ledger in (("as generated", claims), ("mutated", mutate(claims, c, rng))):
            ref = settle(c, ledger)
            for form in FORMS:
                got = settle_fast(fast, ledger, form)  # type: ignore[arg-type]
                if isinstance(got, Declined):
                    cov.declined[got.why] += 1
                    break
                assert got.form == form
                assert_same(ref, got, f"ledger {i} {variant}, {form} loop, contract:\n{src}")
            else:
                cov.ledgers += 1
                cov.claims += len(ledger)
                cov.reasons.update(d.reason.value for d in ref.decisions)


def test_generated_contracts_settle_the_same_through_the_fast_path(capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(14_6)
    cov = Coverage()
    for _ in range(400):
        compare_contract(generate(rng), cov)
    with capsys.disabled():
        print("\n" + cov.table())
    assert cov.contracts >= 100, cov.table()
    # every reason the fast path can give is reached on some compared claim
    reachable = {"paid", "cap_partial", "duplicate_claim", "not_in_cohort", "referral_outside_window", "cohort_full",
                 "participant_conflict", "outside_term", "before_start", "outside_window", "prerequisite_not_paid",
                 "prerequisite_too_soon", "prerequisite_too_late", "exclusive_sibling_paid", "repeat_limit",
                 "no_price", "value_missing", "cohort_level_outcome", "below_threshold", "band_pays_nothing",
                 "cap_reached", "payer_cap_reached", "held_at_referral", "claim_late"}
    assert reachable <= set(cov.reasons), f"never reached: {reachable - set(cov.reasons)}"
    settled_fast = set(cov.fast)
    for construct in ("tariff fixed", "tariff subgroup", "tariff subgroup otherwise", "tariff tiered",
                      "tariff tiered zero band", "tariff tiered band cap", "tariff tiered counted within",
                      "tariff sliding", "tariff per_unit", "tariff cohort_level", "repeat once", "repeat up_to",
                      "repeat unlimited", "ladder", "ladder at least", "ladder by", "window of start",
                      "window of referral", "only 1 of", "only k>1 of", "for cohort", "cap participant",
                      "cap outcome money", "cap outcome count", "cap subgroup money", "cap subgroup count",
                      "cap subgroup share", "cap cohort money", "cap cohort count", "cap period", "cap year",
                      "cap payer", "cap contract", "cap then reject", "cap pay in part", "payer at most", "payers 3",
                      "shares that round", "rounding unit > 0.01", "rounding not half up", "exact ratio shares",
                      "remainder to", "cohort size", "referral window", "subgroups", "not if held", "run-off",
                      "claims until", "reset", "prerequisite or", "held at referral", "if paid", "indexation",
                      "split per invoice"):
        assert construct in settled_fast, f"{construct} never settled through the fast path\n{cov.table()}"


@pytest.mark.slow
def test_generated_contracts_settle_the_same_through_the_fast_path_slow(capsys: pytest.CaptureFixture[str]) -> None:
    seed = int(os.environ.get("SIBDSL_SEED", random.randrange(10**9)))  # printed first: SIBDSL_SEED=N replays it
    with capsys.disabled():
        print(f"\nfast path, slow profile: seed {seed}")
    rng = random.Random(seed)
    cov = Coverage()
    for _ in range(2000):
        compare_contract(generate(rng), cov, orders=10)
    with capsys.disabled():
        print(cov.table())


RULES = ["half up", "half even", "half down", "down", "up"]


@settings(max_examples=400, deadline=None)
@given(amount=st.integers(0, 10**12), parts=st.lists(st.integers(0, 10**6), min_size=1, max_size=4),
       unit=st.sampled_from([1, 2, 5, 10, 50, 100, 1000]), rule=st.sampled_from(RULES), exact=st.booleans(),
       data=st.data())
def test_the_integer_split_is_money_split(amount: int, parts: list[int], unit: int, rule: str, exact: bool,
                                         data: st.DataObject) -> None:
    total = sum(parts) or 1
    if exact:
        shares = [Fraction(p, total) for p in parts]
        shares[-1] = 1 - sum(shares[:-1], Fraction(0))
    else:
        percents = [Decimal(p * 100 * 10**4 // total) / 10**4 for p in parts]
        percents[-1] = 100 - sum(percents[:-1], Decimal(0))
        shares = [Fraction(p) / 100 for p in percents]
    names = [f"p{i}" for i in range(len(shares))]
    rest = data.draw(st.integers(0, len(names) - 1))
    q = Decimal("0.01")
    value, unit_d = Decimal(amount) * q, Decimal(unit) * q
    if exact:
        want = split_exact(value, list(zip(names, shares, strict=True)), names[rest], unit_d, rule)
    else:
        want = split(value, list(zip(names, percents, strict=True)), names[rest], unit_d, rule)
    out = [0] * len(names)
    mode = {"half up": K.RD_HALF_UP, "half even": K.RD_HALF_EVEN, "half down": K.RD_HALF_DOWN, "down": K.RD_DOWN,
            "up": K.RD_UP}[rule]
    K.split_into(amount, [s.numerator for s in shares], [s.denominator for s in shares], rest, unit, mode, out, 0)
    assert [Decimal(v) * q for v in out] == [want[n] for n in names]


BASE = """contract "T" version 1
currency GBP
term 2020-01-01 to 2022-12-31
{rounding}
payer a "A" {share_a}
payer b "B" pays 40% of each outcome payment
cohort people "People"
  subgroup young "Young"
outcome first_step "First step" pays GBP 100
outcome next_step "Next step" pays GBP 100
  after first_step
{extra}
"""

PLAIN = {"rounding": "rounding half up to GBP 0.01", "share_a": "pays 60% of each outcome payment", "extra": ""}


def test_declined_contracts_name_the_construct() -> None:
    cases = [
        ({"share_a": "pays 60% until 2021-01-01, then 60%",
          "extra": ""}, "varies"),
        ({"extra": "cap subgroup young 70% of paid outcomes, measured each period"}, "measured"),
    ]
    plain = compile_text(BASE.format(**PLAIN))
    assert plain.ok and plain.model is not None, plain.diagnostics
    assert not isinstance(fast_plan(plain.model), Declined)
    for change, why in cases:
        result = compile_text(BASE.format(**{**PLAIN, **change}))
        assert result.model is not None and result.ok, (change, [d.message for d in result.diagnostics])
        found = fast_plan(result.model)
        assert isinstance(found, Declined) and why in found.why, (change, found)


def test_a_price_too_large_for_whole_numbers_is_declined() -> None:
    src = """contract "T" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer a "A" pays 100% of each outcome payment
cohort people "People"
outcome huge "Huge" pays GBP 900,000,000,000,000,000
"""
    result = compile_text(src)
    assert result.model is not None
    found = fast_plan(result.model)
    assert isinstance(found, Declined) and "too large" in found.why


def test_reset_rows_settle_and_a_claim_without_participant_is_declined() -> None:
    fcf = compile_text((ROOT / "contracts/fair-chance-fund.sib").read_text()).model
    assert fcf is not None
    fast = fast_plan(fcf)
    assert not isinstance(fast, Declined)
    from datetime import date

    reset = fcf.resets[0].name
    step = fcf.resets[0].restarts[0]
    claims = [Claim("r0", "p1", reset, date(2015, 2, 1)),  # before the participant is known: kept
              Claim("c1", "p1", "move_in", date(2015, 3, 1), start=date(2015, 2, 1)),
              Claim("r1", "p1", reset, date(2015, 4, 1)), Claim("r1", "p1", reset, date(2015, 4, 2)),  # repeated id
              Claim("c2", "p1", step, date(2015, 7, 1)), Claim("c3", "p1", step, date(2015, 7, 2))]
    ref = settle(fcf, claims)
    for form in FORMS:
        got = settle_fast(fast, claims, form)  # type: ignore[arg-type]
        assert not isinstance(got, Declined)
        assert_same(ref, got, form)
    assert [r.reason.value for _at, r in ref.resets] == ["reset_unknown_participant", "reset", "duplicate_claim"]
    assert isinstance(settle_fast(fast, [Claim("c1", "", "move_in", date(2015, 3, 1))]), Declined)


@pytest.mark.parametrize("path", sorted((ROOT / "contracts/ledgers").glob("*-claims.csv")), ids=lambda p: p.stem)
def test_committed_ledgers_settle_the_same(path: Path) -> None:
    from sibdsl.settlement.ledger import read_ledger

    name = path.name.removesuffix("-claims.csv")
    sib = ROOT / "contracts" / f"{name}.sib"
    if not sib.exists():
        pytest.skip(f"no contract {sib.name}")
    c = compile_text(sib.read_text()).model
    assert c is not None
    fast = fast_plan(c)
    if isinstance(fast, Declined):
        pytest.skip(fast.why)
    ledger = read_ledger(str(path), "claims", c)
    ref = settle(c, ledger.records)
    for form in FORMS:
        got = settle_fast(fast, ledger.records, form)  # type: ignore[arg-type]
        if isinstance(got, Declined):
            pytest.skip(got.why)
        assert_same(ref, got, f"{path.name}, {form}")


@pytest.mark.parametrize("toml", sorted((ROOT / "contracts/assumptions").glob("*.toml")), ids=lambda p: p.stem)
def test_simulated_scenarios_are_the_same_through_either_path(toml: Path) -> None:
    from sibdsl.settlement.engine import in_order
    from sibdsl.simulate.assumptions import load_assumptions
    from sibdsl.simulate.fastpath import columns_of
    from sibdsl.simulate.run import Simulator, draw, settle_scenario, settle_scenario_fast

    c = compile_text((ROOT / "contracts" / f"{toml.stem}.sib").read_text()).model
    assert c is not None
    assumptions = load_assumptions(str(toml), c)
    sim = Simulator(c, assumptions, 3)
    compared = 0
    for i in range(6):
        drawn = draw(c, assumptions, 3, i, sim.calendar, sim.plan)
        ref = settle_scenario(c, drawn.claims, drawn.measurements, drawn.requests, i)[0]
        assert sim.one(i) == ref
        if sim.fast is None or drawn.measurements:
            continue
        compared += 1
        assert settle_scenario_fast(c, sim.fast, drawn, i) == ref
        order = [claim.claim_id for claim in columns_of(sim.fast, drawn.ledger).claims]
        assert order == [e.claim_id for e in in_order(drawn.claims) if isinstance(e, Claim)]
        got = settle_fast(sim.fast, drawn.claims, "python")
        assert not isinstance(got, Declined)
        assert_same(settle(c, drawn.claims), got, f"{toml.stem} scenario {i}")
    if sim.fast is None:
        assert sim.declined


def test_simulate_with_reference_writes_the_same_files(tmp_path: Path) -> None:
    """`sibc simulate --reference` settles every scenario with the reference engine: the files
    are byte for byte those of the fast path (and the fast path is what runs by default)."""
    from click.testing import CliRunner

    from sibdsl.cli.main import cli

    files: dict[str, dict[str, bytes]] = {}
    for label, extra in (("fast", []), ("reference", ["--reference"])):
        out = tmp_path / label
        result = CliRunner().invoke(cli, ["simulate", str(ROOT / "contracts/fair-chance-fund.sib"), "--assumptions",
                                          str(ROOT / "contracts/assumptions/fair-chance-fund.toml"), "--scenarios", "8",
                                          "--seed", "5", "-o", str(out), *extra])
        assert result.exit_code == 0, result.output
        assert "note:" not in result.output  # the fast path settles this contract: nothing to say
        files[label] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert files["fast"] == files["reference"]
    assert set(files["fast"]) >= {"payments.csv", "scenarios.csv", "summary.json", "summary.txt"}


def test_simulate_says_when_the_fast_path_declines(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sibdsl.cli.main import cli

    sib = tmp_path / "invoice.sib"
    sib.write_text(BASE.format(**{**PLAIN, "share_a": "pays 60% until 2021-01-01, then 60%"}), encoding="utf-8")
    toml = tmp_path / "a.toml"
    toml.write_text('[cohorts.people]\nreferrals = [5, 5]\n[outcomes.first_step]\nchance = 0.8\n'
                    '[outcomes.next_step]\nchance = 0.5\ndelay = "2 months"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["simulate", str(sib), "--assumptions", str(toml), "--scenarios", "3",
                                      "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "note: the fast path does not settle this contract (a payer's share varies by outcome or phase)" \
        in result.output
    measured = CliRunner().invoke(cli, ["simulate", str(ROOT / "contracts/peterborough-reoffending.sib"),
                                        "--assumptions", str(ROOT / "contracts/assumptions/peterborough-reoffending.toml"),
                                        "--scenarios", "2", "-o", str(tmp_path / "p")])
    assert measured.exit_code == 0, measured.output
    assert "note: scenarios with cohort-level results" in measured.output


def test_a_price_after_the_term_does_not_stand_in_for_one_inside_it() -> None:
    """Found by the slow profile: a value-priced, indexed claim dated after the term (rejected,
    but priced first) was remembered under the term's last price year, and a later ledger's
    claim with the same value inside the term was priced at the later year's price."""
    from datetime import date

    src = """contract "T" version 1
currency GBP
term 2020-01-01 to 2022-12-31
payer pa "PA" pays 100%
cohort c0 "Cohort 0"
outcome o0 "Outcome 0" pays GBP 50 per week, up to 26 weeks unlimited indexed 2% a year
"""
    c = compile_text(src).model
    assert c is not None
    fast = fast_plan(c)
    assert not isinstance(fast, Declined)
    late = [Claim("a", "p", "o0", date(2025, 6, 1), start=date(2020, 1, 1), value=Decimal("26"))]
    inside = [Claim("b", "p", "o0", date(2022, 6, 1), start=date(2020, 1, 1), value=Decimal("26"))]
    for form in FORMS:
        for ledger in (late, inside):
            got = settle_fast(fast, ledger, form)  # type: ignore[arg-type]
            assert not isinstance(got, Declined)
            assert_same(settle(c, ledger), got, form)
