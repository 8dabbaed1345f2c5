"""Phase 2 output: the resolved, type-checked contract.

Input: built by `sibdsl.semantics.resolve` from the AST.
Output: records (light dataclasses) whose fields are exact values (Decimal money, dates, whole counts,
resolved names) and which still carry the span of the text they came from. Field names match
the pydantic model (`sibdsl.model.contract`) one for one, so lowering is mechanical and a model
path maps back to a span.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sibdsl.core.record import Record, field
from sibdsl.core.source import NO_SPAN, Span


class Spanned(Record):
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


class Duration(Spanned):
    amount: int
    unit: str  # days | weeks | months | years


class Header(Spanned):
    title: str
    version: str | None
    currency: str
    term_start: date
    term_end: date
    rounding: str = "half up"
    rounding_unit: Decimal = Decimal("0.01")
    remainder_to: str | None = None  # None: the payer with the largest share
    settlement_months: int = 3
    settlement_timing: str = "arrears"
    clause_scheme: str | None = None


class Payer(Spanned):
    name: str
    title: str
    share: Decimal  # percent, 0 < share <= 100
    cap: Decimal | None = None
    clause: str | None = None


class Party(Spanned):
    name: str
    role: str
    title: str
    clause: str | None = None


class Investor(Spanned):
    name: str
    title: str
    commitment_min: Decimal | None = None
    commitment_max: Decimal | None = None
    clause: str | None = None


class Subgroup(Spanned):
    name: str
    title: str | None = None


class Cohort(Spanned):
    name: str
    title: str
    size: int | None = None
    referral_start: date | None = None
    referral_end: date | None = None
    eligibility: str | None = None
    subgroups: list[Subgroup] = field(default_factory=list)
    separate_from: list[str] = field(default_factory=list)
    clause: str | None = None


class SubgroupPrice(Spanned):
    subgroup: str
    price: Decimal


class Band(Spanned):
    first: int
    last: int | None
    price: Decimal


class ScalePoint(Spanned):
    at: Decimal
    percent: Decimal


class Tariff(Spanned):
    """kind: fixed | subgroup | tiered | sliding | per_unit | cohort_level; only that kind's
    fields are set (per_unit: `price` per one `unit`, at most `limit` units per claim)."""

    kind: str
    price: Decimal | None = None
    subgroup_prices: list[SubgroupPrice] = field(default_factory=list)
    otherwise: Decimal | None = None
    bands: list[Band] = field(default_factory=list)
    measure: str | None = None
    points: list[ScalePoint] = field(default_factory=list)
    per: Decimal | None = None
    per_is_percent: bool = False
    direction: str | None = None
    baseline: str | None = None
    threshold: Decimal | None = None
    threshold_is_percent: bool = False
    unit: str | None = None  # per_unit: days | weeks | months | years
    limit: Decimal | None = None  # per_unit: the most units one claim is paid for


class Prerequisite(Spanned):
    outcome: str
    at_least: Duration | None = None
    within: Duration | None = None


class Indexation(Spanned):
    rate: Decimal  # percent a year, compounded on each anniversary
    start: date


class Definition(Spanned):
    term: str
    meaning: str


class Outcome(Spanned):
    name: str
    title: str
    tariff: Tariff
    prerequisites: list[Prerequisite] = field(default_factory=list)
    window: Duration | None = None
    window_from: str = "start"
    repeat: str = "once"  # once | up_to | unlimited
    repeat_limit: int = 1  # 0 when unlimited
    trigger: str | None = None
    evidence: str | None = None
    definitions: list[Definition] = field(default_factory=list)
    in_addition_to: list[str] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    cohorts: list[str] = field(default_factory=list)  # empty: every cohort
    indexation: Indexation | None = None
    clause: str | None = None


class Cap(Spanned):
    """scope: participant | outcome | subgroup | cohort | period | year | payer | contract.
    measure: money | count | share (a percentage of paid outcomes)."""

    scope: str
    target: str | None
    measure: str
    limit: Decimal
    behaviour: str = "pay in part"
    clause: str | None = None


class ExclusiveGroup(Spanned):
    name: str
    at_most: int
    members: list[str]
    clause: str | None = None


class Condition(Spanned):
    figure: str  # payments | outcomes | participants
    of: str | None
    op: str  # ">=" | ">"
    value: Decimal


class Tranche(Spanned):
    name: str
    investor: str | None
    amount: Decimal | None = None  # fixed amount
    limit: Decimal | None = None  # "up to" amount (discretionary)
    on: date | None = None
    conditions: list[Condition] = field(default_factory=list)
    deadline: date | None = None
    discretionary: bool = False
    discretion_of: str | None = None
    purpose: str | None = None
    clause: str | None = None

    @property
    def most(self) -> Decimal:
        return self.amount if self.amount is not None else (self.limit or Decimal(0))


class Assertion(Spanned):
    kind: str
    subject: str | None = None
    other: str | None = None
    value: Decimal | None = None
    clause: str | None = None
    text: str = ""


class Contract(Spanned):
    header: Header
    payers: list[Payer] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)
    investors: list[Investor] = field(default_factory=list)
    cohorts: list[Cohort] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    caps: list[Cap] = field(default_factory=list)
    exclusive_groups: list[ExclusiveGroup] = field(default_factory=list)
    tranches: list[Tranche] = field(default_factory=list)
    assertions: list[Assertion] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
