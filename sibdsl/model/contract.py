"""The one IR: the pydantic v2 model of a compiled contract.

Input: built by the semantics phase (`sibdsl.semantics.resolve`, which keeps the spans in a
`SpanTable` beside it), or JSON written by `sibc compile`. Output: frozen models, no extra
fields, Decimal money, dates, durations as (amount, unit). Validators here are a second line of
defence (SIB900): the semantics phase has already reported every problem a user can cause, at
its line.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from math import gcd
from typing import Annotated, Literal, assert_never

from pydantic import BaseModel, ConfigDict, Field, model_validator

Money = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
Percent = Annotated[Decimal, Field(ge=-100, le=100, allow_inf_nan=False)]
Name = Annotated[str, Field(pattern=r"^[a-z_][A-Za-z0-9_]*$")]
# The words a field can hold (the grammar admits no others; the model checks them again).
TimeUnit = Literal["days", "weeks", "months", "years"]
Rounding = Literal["half up", "half even", "half down", "down", "up"]
SettlementMonths = Literal[1, 3, 6, 12]
Timing = Literal["arrears", "advance"]
Split = Literal["claim", "invoice"]  # where the payers' parts are rounded: each claim, or each invoice
Role = Literal["provider", "intermediary", "validator"]
WindowFrom = Literal["start", "referral"]
RepeatRule = Literal["once", "up_to", "unlimited"]
Direction = Literal["reduction", "increase"]
Baseline = Literal["baseline", "comparison group"]
CapScope = Literal["participant", "outcome", "subgroup", "cohort", "period", "year", "payer", "contract"]
CapMeasure = Literal["money", "count", "share"]
CapBehaviour = Literal["pay in part", "reject"]
ShareBaseKind = Literal["paid", "achievements"]  # a share of paid outcomes, or of achievements
ShareTiming = Literal["running", "period", "contract"]  # as claims are paid; each period; the whole ledger
Figure = Literal["payments", "outcomes", "participants"]
Comparator = Literal[">=", ">"]
AssertionKind = Literal["participant_max", "payer_max", "period_max", "total_max", "never_twice",
                        "subgroup_share", "tranche_order", "investor_loss", "investor_return"]


def shown_share(fraction: Fraction) -> Decimal:
    """A share of each payment as the percentage a model shows: exact where it has at most 10
    decimal places, else rounded half even to 10 (the exact value is the payer's `ratio`)."""
    percent = fraction * 100
    scaled = percent * 10**10
    if scaled.denominator == 1:
        return Decimal(format(Decimal(scaled.numerator).scaleb(-10).normalize(), "f"))
    return Decimal(round(scaled)).scaleb(-10)


def exact_ratio(fraction: Fraction) -> tuple[int, int] | None:
    """The `ratio` a payer with this share needs: None where the percentage has at most 10 places."""
    return None if (fraction * 100 * 10**10).denominator == 1 else (fraction.numerator, fraction.denominator)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)  # schemas built on first use: a faster start


class Duration(_Model):
    amount: int = Field(ge=0)
    unit: TimeUnit


class Amendment(_Model):
    """`amendment 1.1 on 2019-04-01 "Summary"`: the amendment that made version `version`."""

    version: str = Field(min_length=1)
    day: date
    summary: str
    clause: str | None = None


class Header(_Model):
    title: str
    version: str | None = None
    # The version history (docs/language.md 2.1): the version this text replaces, and the
    # amendments that made each version, oldest first.
    supersedes: str | None = None
    amendments: tuple[Amendment, ...] = ()
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    term_start: date
    term_end: date
    rounding: Rounding = "half up"
    rounding_unit: Money = Decimal("0.01")
    remainder_to: Name | None = None
    split: Split = "claim"  # `rounding ... per invoice`: parts rounded per payer per settlement period
    settlement_months: SettlementMonths = 3
    settlement_timing: Timing = "arrears"
    clause_scheme: str | None = None
    # Payments past the term (docs/settlement.md "Payments past the term"): the last day a
    # claim may be submitted (None: no deadline), and how long after the term end later ladder
    # steps and cohort-level results may be achieved (None: no run-off).
    claims_until: date | None = None
    run_off: Duration | None = None

    @model_validator(mode="after")
    def _term_in_order(self) -> Header:
        if self.term_end < self.term_start:
            raise ValueError("the term ends before it starts")
        if self.claims_until is not None and self.claims_until < self.term_end:
            raise ValueError("the claims deadline is before the term end")
        return self


class SharePhase(_Model):
    """A payer's share of the payments for outcomes achieved up to `until` (inclusive; None: to
    the end), after the phase before it."""

    until: date | None = None
    share: Annotated[Decimal, Field(ge=0, le=100)]  # the percentage (rounded to 10 places where `ratio` is set)
    ratio: tuple[int, int] | None = None  # the exact share where it is not a decimal of 10 places

    def fraction(self) -> Fraction:
        return Fraction(*self.ratio) if self.ratio is not None else Fraction(self.share) / 100


class ShareClause(_Model):
    """One `pays` clause of a payer: `pays 50% of a, b payments` (`outcomes`), or its share of
    every other outcome's payments (no `outcomes`); one phase, or several (`until ... then`)."""

    outcomes: tuple[Name, ...] = ()
    phases: tuple[SharePhase, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _phases_in_order(self) -> ShareClause:
        dates = [p.until for p in self.phases]
        if dates[-1] is not None or any(d is None for d in dates[:-1]):
            raise ValueError("every phase of a share but the last ends on a date")
        ends = [d for d in dates if d is not None]
        if any(a >= b for a, b in pairwise(ends)):
            raise ValueError("the phases of a share are in date order")
        return self


class Payer(_Model):
    name: Name
    title: str
    # the percentage (rounded to 10 places where `ratio` is set); with `clauses`, the share of
    # the first phase of the clause for every outcome (0 where the payer pays some outcomes only)
    share: Annotated[Decimal, Field(ge=0, le=100)]
    cap: Money | None = None
    clause: str | None = None
    # The exact share of each payment as (numerator, denominator), where it is not a decimal of
    # at most 10 places: `pays 100% / 3` is (1, 3), `in proportion to its maximum` 1.2m of 3.4m
    # is (6, 17). None: the share is exactly `share`%. Settlement and the analysis use `fraction()`.
    ratio: tuple[int, int] | None = None
    by_maximum: bool = False  # the share was set `in proportion to its maximum` (docs/language.md 3.2)
    # shares per outcome or per phase (docs/language.md 3.2); empty: `share` of every payment
    clauses: tuple[ShareClause, ...] = ()

    @model_validator(mode="after")
    def _ratio_matches(self) -> Payer:
        if self.ratio is not None:
            top, bottom = self.ratio
            if bottom <= 0 or top <= 0 or top > bottom or gcd(top, bottom) != 1:
                raise ValueError("a payer's ratio is a fraction in lowest terms, above 0 and at most 1")
            if shown_share(Fraction(top, bottom)) != self.share:
                raise ValueError("a payer's share is its ratio as a percentage, rounded to 10 places")
        if not self.clauses and self.share == 0:
            raise ValueError("a payer's share is more than 0%")
        return self

    def fraction(self) -> Fraction:
        """The exact share of each payment (1/3, 0.67 as 67/100); with `clauses`, of the first
        phase of the clause for every outcome."""
        if self.ratio is not None:
            return Fraction(*self.ratio)
        return Fraction(self.share) / 100

    def share_of(self, outcome: str, day: date) -> Fraction:
        """The exact share of a payment for `outcome` achieved on `day`: the clause that names
        the outcome, else the clause for every outcome (else nothing), in the phase of `day`."""
        if not self.clauses:
            return self.fraction()
        clause = next((c for c in self.clauses if outcome in c.outcomes), None) or next(
            (c for c in self.clauses if not c.outcomes), None)
        if clause is None:
            return Fraction(0)
        return next(p for p in clause.phases if p.until is None or day <= p.until).fraction()

    def fractions(self) -> list[Fraction]:
        """Every share this payer can have of a payment."""
        if not self.clauses:
            return [self.fraction()]
        found = [p.fraction() for c in self.clauses for p in c.phases]
        if all(c.outcomes for c in self.clauses):
            found.append(Fraction(0))
        return found

    def max_fraction(self) -> Fraction:
        return max(self.fractions())


def share_days(payers: tuple[Payer, ...] | list[Payer], start: date) -> list[date]:
    """The days on which the payers' shares can change, and `start`: shares are the same from
    each of these days up to the next (so checking them checks every day)."""
    days = {start}
    for p in payers:
        for c in p.clauses:
            for phase in c.phases:
                if phase.until is not None:
                    days.add(phase.until + timedelta(days=1))
    return sorted(days)


class Party(_Model):
    name: Name
    role: Role
    title: str
    clause: str | None = None


class Interest(_Model):
    """A fixed coupon (`interest 5% a year until 2016-06-30, guaranteed by nsw`): owed on the
    investor's outstanding principal, simple, actual/365, for days up to `until` (None: to
    maturity); unpaid interest is carried forward, and at maturity paid by `guaranteed_by`
    (None: it is a loss). docs/settlement.md, "The investment waterfall"."""

    rate: Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)]  # percent a year
    until: date | None = None
    guaranteed_by: Name | None = None


ProtectionKind = Literal["floor", "first_loss"]


class Protection(_Model):
    """A guarantee called at maturity. `floor` (`principal protected 50% by nsw`): the investor
    gets back at least that part of its principal; the guarantor pays the shortfall below it.
    `first_loss` (`first loss GBP 500,000 by foundation`): the guarantor pays the first losses of
    principal, up to that much. The limit is a percentage of the principal drawn (`share`) or
    money (`amount`): exactly one of the two."""

    kind: ProtectionKind
    share: Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    amount: Money | None = None
    by: Name
    clause: str | None = None

    @model_validator(mode="after")
    def _one_limit(self) -> Protection:
        if (self.share is None) == (self.amount is None):
            raise ValueError("a protection is a percentage of principal or an amount of money, not both")
        return self


class Investor(_Model):
    name: Name
    title: str
    commitment_min: Money | None = None
    commitment_max: Money | None = None
    clause: str | None = None
    # Investment terms (docs/language.md 3.3): seniority (1 is the most senior; equal ranks are
    # paid pro rata), a fixed coupon, the most it may earn a year (interest and performance
    # returns together, simple on outstanding principal; None: no limit), and guarantees.
    rank: int | None = Field(default=None, ge=1)
    interest: Interest | None = None
    return_cap: Annotated[Decimal, Field(ge=0, le=1000, allow_inf_nan=False)] | None = None  # percent a year
    protections: tuple[Protection, ...] = ()

    @property
    def has_terms(self) -> bool:
        """The investor states how it is repaid (so the contract has a waterfall)."""
        return self.rank is not None or self.interest is not None or self.return_cap is not None \
            or bool(self.protections)


class Need(_Model):
    """The service's spending in each settlement period from `start` to `until` (inclusive;
    None: from the term start, to maturity): `needs GBP 250,000 each period until 2021-08-31`."""

    amount: Money
    start: date | None = None
    until: date | None = None


Distribution = Literal["period", "maturity", "from"]


class SurplusShare(_Model):
    """Where a share of the surplus goes: a payer, a provider, an investor, or `payers` (the
    payers in proportion to what each paid over the contract), paid at maturity."""

    to: str = Field(pattern=r"^([a-z_][A-Za-z0-9_]*|\*payers)$")  # a name, or "*payers"
    share: Annotated[Decimal, Field(gt=0, le=100, allow_inf_nan=False)]  # percent of the surplus


class Waterfall(_Model):
    """Where outcome payments go once received (docs/settlement.md, "The investment
    waterfall"): distributed each period (or held until maturity, or from a date), recycled into
    the service's needs up to a limit, and the surplus over every class's capped return."""

    title: str | None = None
    distributes: Distribution = "period"
    distributes_from: date | None = None  # with distributes = "from"
    recycles: bool = False
    recycle_limit: Money | None = None  # None: no limit
    needs: tuple[Need, ...] = ()
    surplus: tuple[SurplusShare, ...] = ()
    clause: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Waterfall:
        if (self.distributes == "from") != (self.distributes_from is not None):
            raise ValueError("a waterfall distributes from a date exactly when it names one")
        if self.surplus and sum(s.share for s in self.surplus) != 100:
            raise ValueError("the shares of the surplus add up to 100%")
        if self.recycles and not self.needs:
            raise ValueError("a waterfall recycles outcome payments only into stated needs")
        return self


class Subgroup(_Model):
    name: Name
    title: str | None = None


class Cohort(_Model):
    name: Name
    title: str
    size: int | None = Field(default=None, ge=1)
    referral_start: date | None = None
    referral_end: date | None = None
    eligibility: str | None = None
    subgroups: tuple[Subgroup, ...] = ()
    separate_from: tuple[Name, ...] = ()
    clause: str | None = None


class SubgroupPrice(_Model):
    subgroup: Name
    price: Money


class Band(_Model):
    """Outcome numbers `first` to `last` (None: onwards) at `price`, which may be zero (a
    threshold); `cap`: the most this band's claims are paid together (`at most USD 25,000`)."""

    first: int = Field(ge=1)
    last: int | None = Field(default=None, ge=1)
    price: Money
    cap: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)] | None = None


class ScalePoint(_Model):
    at: Decimal
    percent: Annotated[Decimal, Field(ge=0, le=100)]


class FixedTariff(_Model):
    """`pays GBP 1,000`: one price."""

    kind: Literal["fixed"] = "fixed"
    price: Money


class SubgroupTariff(_Model):
    """`pays GBP 600 for vulnerable, GBP 900 for very_vulnerable[, otherwise GBP 400]`."""

    kind: Literal["subgroup"] = "subgroup"
    subgroup_prices: tuple[SubgroupPrice, ...]
    otherwise: Money | None = None


class TieredTariff(_Model):
    """`pays tiered GBP 1,100 for outcomes 1 to 370, ...`: the price of the n-th paid outcome."""

    kind: Literal["tiered"] = "tiered"
    bands: tuple[Band, ...]
    # `counted within subgroup S`: only S's claims are numbered and priced; others have no price
    counted_within: Name | None = None

    @property
    def has_band_caps(self) -> bool:
        return any(b.cap is not None for b in self.bands)

    def band_index(self, n: int) -> int | None:
        """The band that prices outcome number `n` (counted from 1), or None."""
        return next((i for i, b in enumerate(self.bands) if b.first <= n and (b.last is None or n <= b.last)), None)

    def best_band_price(self) -> Decimal | None:
        """The most one claim can be priced at: each band's price, limited by its cap."""
        return max((b.price if b.cap is None else min(b.price, b.cap) for b in self.bands), default=None)


class SlidingTariff(_Model):
    """`pays GBP 400 scaled by "score": 0% at 0.5, 100% at 1.4`: a share of `price` read
    off the scale at the claim's measured value."""

    kind: Literal["sliding"] = "sliding"
    price: Money
    measure: str
    points: tuple[ScalePoint, ...]
    percent_scale: bool = False  # the points' values are percentages (`0% at 50%`): claims give `70%`


class PerUnitTariff(_Model):
    """`pays GBP 50 per week, up to 26 weeks`: `price` for each unit the claim measures (its
    value), for at most `limit` units."""

    kind: Literal["per_unit"] = "per_unit"
    price: Money
    unit: TimeUnit
    limit: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]


class CohortLevelTariff(_Model):
    """`pays GBP 10,000 per 1 increase in "rate" against comparison group`: paid from a
    cohort's measurements, not per participant."""

    kind: Literal["cohort_level"] = "cohort_level"
    price: Money
    per: Decimal
    per_is_percent: bool = False
    direction: Direction
    measure: str
    baseline: Baseline
    threshold: Decimal | None = None
    threshold_is_percent: bool = False


# Each tariff shape is its own class; code that treats shapes differently matches on the
# class and ends in `assert_never`, so mypy reports a shape that a `match` forgets.
AnyTariff = FixedTariff | SubgroupTariff | TieredTariff | SlidingTariff | PerUnitTariff | CohortLevelTariff
Tariff = Annotated[AnyTariff, Field(discriminator="kind")]


def price_varies(tariff: AnyTariff) -> bool:
    """Can two claims of the same outcome for the same sub-group have different prices (before
    indexation)? A tier band depends on earlier claims, a scale or a count of units on the
    measured value."""
    match tariff:
        case FixedTariff() | SubgroupTariff():
            return False
        case TieredTariff() | SlidingTariff() | PerUnitTariff() | CohortLevelTariff():
            return True
        case _:
            assert_never(tariff)


def best_value(tariff: AnyTariff) -> Decimal | None:
    """The measured value a claim pays most at: a sliding scale's highest point, a price per
    unit's limit; None for tariffs that do not read the claim's value."""
    match tariff:
        case SlidingTariff():
            return max(tariff.points, key=lambda p: (p.percent, -p.at)).at if tariff.points else None
        case PerUnitTariff():
            return tariff.limit
        case FixedTariff() | SubgroupTariff() | TieredTariff() | CohortLevelTariff():
            return None
        case _:
            assert_never(tariff)


def listed_prices(tariff: AnyTariff) -> list[Decimal]:
    """The money amounts a tariff's text names (a sliding scale's full price, a price per unit
    times its limit, a cohort-level tariff's price per unit), before scale, indexation and
    rounding."""
    match tariff:
        case FixedTariff() | SlidingTariff() | CohortLevelTariff():
            return [tariff.price]
        case PerUnitTariff():
            return [tariff.price * tariff.limit]
        case SubgroupTariff():
            return [p.price for p in tariff.subgroup_prices] + ([tariff.otherwise] if tariff.otherwise is not None
                                                                  else [])
        case TieredTariff():
            return [b.price for b in tariff.bands]
        case _:
            assert_never(tariff)


def band_caps(tariff: AnyTariff) -> list[Decimal]:
    """The money caps on single bands of a tiered tariff (`at most USD 25,000`), none otherwise."""
    return [b.cap for b in tariff.bands if b.cap is not None] if isinstance(tariff, TieredTariff) else []


class Prerequisite(_Model):
    outcome: Name
    at_least: Duration | None = None
    within: Duration | None = None


class PrerequisiteChoice(_Model):
    """One `after` clause whose options are alternatives (docs/language.md, "Prerequisites"):
    `after a or b` (any one option paid, with its own delays, is enough), `after move_in at
    least 3 months, or held at referral` (`held_at_referral`: an option the participant held at
    referral counts as achieved on its referral date), `after level_1 if paid` (`if_paid`: the
    clause binds only once one of its options has been paid). Kept apart from
    `Outcome.prerequisites`, which are all required, so that code reading only those treats a
    choice as no constraint at all (a relaxation: never an under-estimate)."""

    options: tuple[Prerequisite, ...] = Field(min_length=1)
    held_at_referral: bool = False
    if_paid: bool = False


class Reset(_Model):
    """`reset tenancy_lost "Accommodation lost" restarts housed_3m, housed_6m`: a ledger event
    after which the delays of the steps it restarts count from the reset's date."""

    name: Name
    title: str
    restarts: tuple[Name, ...] = Field(min_length=1)
    clause: str | None = None


class Indexation(_Model):
    rate: Percent
    start: date


class Definition(_Model):
    term: str
    meaning: str


class TopUpAmount(_Model):
    """A payer's amount on top of an outcome's own price (docs/language.md 3.2)."""

    payer: Name
    amount: Money


class Outcome(_Model):
    name: Name
    title: str
    tariff: Tariff
    prerequisites: tuple[Prerequisite, ...] = ()
    window: Duration | None = None
    window_from: WindowFrom = "start"
    repeat: RepeatRule = "once"
    repeat_limit: int = Field(default=1, ge=0)
    trigger: str | None = None
    evidence: str | None = None
    definitions: tuple[Definition, ...] = ()
    in_addition_to: tuple[Name, ...] = ()
    includes: tuple[Name, ...] = ()
    cohorts: tuple[Name, ...] = ()
    indexation: Indexation | None = None
    clause: str | None = None
    choices: tuple[PrerequisiteChoice, ...] = ()  # `after a or b`, `... or held at referral`, `... if paid`
    not_if_held: bool = False  # `not if held at referral`: not payable where the participant held it at referral
    # A pooled cohort-level result (docs/settlement.md "Pooled results"): computed from the
    # latest results of these cohorts; paid net of what the `net_of` outcomes paid for them.
    pooled: tuple[Name, ...] = ()
    net_of: tuple[Name, ...] = ()
    # `plus GBP 200 from council`: amounts other payers add on top of the price; the tariff's
    # price includes them, and the payers' shares of this outcome pay each its amount
    top_ups: tuple[TopUpAmount, ...] = ()

    @property
    def times_limit(self) -> int | None:
        """How many times one participant can be paid this outcome; None: any number of times."""
        match self.repeat:
            case "once":
                return 1
            case "up_to":
                return self.repeat_limit
            case "unlimited":
                return None
            case _:
                assert_never(self.repeat)


class Cap(_Model):
    scope: CapScope
    target: Name | None = None
    measure: CapMeasure
    limit: Money
    behaviour: CapBehaviour = "pay in part"
    clause: str | None = None
    # a share cap (measure "share"): what it is a share of, of which outcomes (none: every
    # outcome), and when it is measured (docs/settlement.md, "Share caps measured each period")
    share_base: ShareBaseKind = "paid"
    share_of: tuple[Name, ...] = ()
    measured: ShareTiming = "running"

    @property
    def measured_share(self) -> bool:
        """A share cap decided over a whole period or ledger (not as claims are paid)."""
        return self.measure == "share" and self.measured != "running"

    @property
    def share_words(self) -> str:
        """What a share cap is a share of, as the contract says it: "paid outcomes",
        "achievements of job_access, measured each period"."""
        base = "achievements" if self.share_base == "achievements" else "paid outcomes"
        of = f" of {', '.join(self.share_of)}" if self.share_of else ""
        when = {"running": "", "period": ", measured each period", "contract": ", measured over the contract"}
        return f"{base}{of}{when[self.measured]}"


class ExclusiveGroup(_Model):
    name: Name
    at_most: int = Field(ge=1)
    members: tuple[Name, ...]
    clause: str | None = None


class Condition(_Model):
    figure: Figure
    of: Name | None = None
    op: Comparator
    value: Decimal


class Tranche(_Model):
    name: Name
    investor: Name | None = None
    amount: Money | None = None
    limit: Money | None = None
    on: date | None = None
    conditions: tuple[Condition, ...] = ()
    deadline: date | None = None
    discretionary: bool = False
    discretion_of: str | None = None
    purpose: str | None = None
    clause: str | None = None


class Assertion(_Model):
    kind: AssertionKind
    subject: Name | None = None
    other: Name | None = None
    value: Decimal | None = None
    # investor_loss: the value is money, or (`of_principal`) a percentage of the principal drawn;
    # investor_return: the value is a percentage a year (docs/language.md 3.10)
    of_principal: bool = False
    clause: str | None = None
    text: str = ""


class Contract(_Model):
    """A compiled outcomes contract: header, parties, rate card, caps, investment, assertions."""

    header: Header
    payers: tuple[Payer, ...]
    parties: tuple[Party, ...] = ()
    investors: tuple[Investor, ...] = ()
    cohorts: tuple[Cohort, ...] = ()
    outcomes: tuple[Outcome, ...]
    caps: tuple[Cap, ...] = ()
    exclusive_groups: tuple[ExclusiveGroup, ...] = ()
    tranches: tuple[Tranche, ...] = ()
    assertions: tuple[Assertion, ...] = ()
    definitions: tuple[Definition, ...] = ()
    resets: tuple[Reset, ...] = ()
    waterfall: Waterfall | None = None  # None: no investor states terms (`Contract.invests`)

    @property
    def invests(self) -> bool:
        """The contract has an investment waterfall: a `waterfall` or an investor's terms."""
        return self.waterfall is not None or any(i.has_terms for i in self.investors)

    @model_validator(mode="after")
    def _shares_add_up(self) -> Contract:
        exact = any(p.ratio is not None or p.clauses for p in self.payers)
        if exact and self.header.rounding_unit <= 0 and len(self.payers) > 1:
            raise ValueError("exact shares (a ratio, or shares per outcome or phase) need a rounding unit")
        if self.payers and not any(p.clauses for p in self.payers):
            if sum(p.fraction() for p in self.payers) != 1:
                raise ValueError("payer shares do not add up to 100%")
        elif self.payers:
            for day in share_days(self.payers, self.header.term_start):
                for o in self.outcomes:
                    if sum(p.share_of(o.name, day) for p in self.payers) != 1:
                        raise ValueError(f"payer shares of {o.name} from {day} do not add up to 100%")
        return self
