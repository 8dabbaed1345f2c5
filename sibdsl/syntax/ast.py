"""Phase 1 output: the abstract syntax tree of a .sib file.

Input: built by `sibdsl.syntax.build` from the grammar's parse.
Output: records (light dataclasses, `sibdsl.core.record`), one per construct, each with a `span`. Equality ignores spans, so
two parses of differently laid out text compare equal when they say the same thing. Values
stay as written (number text, date text): turning them into Decimals and dates, with
diagnostics, is the semantics phase's job.
"""

from __future__ import annotations

from sibdsl.core.record import Record, field
from sibdsl.core.source import NO_SPAN, Span


class Node(Record):
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


# ------------------------------------------------------------------ leaves
class Name(Node):
    text: str


class Text(Node):
    value: str


class DateLit(Node):
    text: str


# ------------------------------------------------------------------ values
class MoneyLit(Node):
    currency: str  # ISO code as written, or the symbol (£, €, $)
    amount: str  # digits as written, commas included
    scale: str | None = None  # m, million, k, thousand, bn, billion


class PercentLit(Node):
    amount: str


class QuantityLit(Node):
    amount: str
    unit: str  # as written: "weeks", "participant", ...


class NumberLit(Node):
    amount: str


Atom = MoneyLit | PercentLit | QuantityLit | NumberLit


class Product(Node):
    """factors[0] op[0] factors[1] ...; ops are '*' or '/'."""

    factors: tuple[Expr, ...]
    ops: tuple[str, ...]


class Sum(Node):
    """terms[0] op[0] terms[1] ...; ops are '+' or '-'."""

    terms: tuple[Expr, ...]
    ops: tuple[str, ...]


Expr = Atom | Product | Sum


# ------------------------------------------------------------------ header
class ContractDecl(Node):
    title: Text
    version: str | None = None


class SupersedesDecl(Node):
    """`supersedes version 1.0`: the version this text replaces."""

    version: str


class AmendmentDecl(Node):
    """`amendment 1.1 on 2019-04-01 "Summary"`: the amendment that made a version."""

    version: str
    day: DateLit
    summary: Text
    clause: ClauseRef | None = None


class CurrencyDecl(Node):
    code: Name


class TermDecl(Node):
    start: DateLit
    end: DateLit


class ClaimsDeadlineDecl(Node):
    """`claims until 2022-06-30`: the last day a claim or result may be submitted."""

    day: DateLit


class RunOffDecl(Node):
    """`run-off 12 months`: how long after the term end later ladder steps may be achieved."""

    duration: Expr


class RoundingDecl(Node):
    mode: str  # "half up", "half even", "half down", "down", "up"
    unit: Expr | None = None
    remainder_to: Name | None = None  # None: to the largest share
    split: str = "claim"  # `per invoice`: parts rounded per payer per settlement period


class SettlementDecl(Node):
    period: str  # monthly, quarterly, half-yearly, yearly, annually
    timing: str = "arrears"


class ClausesDecl(Node):
    scheme: Text


class DefineDecl(Node):
    term: Text
    meaning: Text


class ClauseRef(Node):
    text: Text


# ------------------------------------------------------------------ parties
class SharePhase(Node):
    """`until DATE then SHARE`: the share before it applies up to that date."""

    until: DateLit
    value: Expr


class PayerShare(Node):
    value: Expr
    phases: tuple[SharePhase, ...] = ()  # `until ... then ...`, in the order written
    outcomes: tuple[Name, ...] = ()  # `of a, b payments`: the share of these outcomes' payments only


class TopUp(Node):
    """`plus GBP 200 from council` on an outcome: a second payer's amount on top of its price."""

    amount: Expr
    payer: Name


class PayerProportional(Node):
    """`pays in proportion to its maximum`: a share set by the payers' maxima."""


class PayerCap(Node):
    value: Expr


class PartyDecl(Node):
    role: str  # payer, provider, intermediary, validator
    name: Name
    title: Text
    clauses: tuple[Node, ...] = ()


class Commitment(Node):
    low: Expr
    high: Expr | None = None


class InvestorDecl(Node):
    name: Name
    title: Text
    clauses: tuple[Node, ...] = ()


# ------------------------------------------------------------------ investment terms (issue 11)
class Rank(Node):
    """`ranks 1`: the class's seniority (number text as written)."""

    value: str


class InterestClause(Node):
    """`interest 5% a year until DATE, guaranteed by NAME`: a fixed coupon."""

    rate: Expr
    until: DateLit | None = None
    guarantor: Name | None = None


class ReturnCap(Node):
    """`returns at most 9% a year`: interest and performance return together."""

    rate: Expr


class ProtectionClause(Node):
    """`principal protected 50% by nsw` (kind "floor") or `first loss USD 7.2m by bloomberg`
    (kind "first_loss"); `of_principal`: the words `of principal` follow the limit."""

    kind: str  # floor | first_loss
    limit: Expr
    by: Name
    of_principal: bool = False


class Distributes(Node):
    """`distributes each period` ("period"), `at maturity` ("maturity"), `from DATE` ("from")."""

    kind: str
    start: DateLit | None = None


class NeedClause(Node):
    """`needs USD 250,000 each period from DATE until DATE`."""

    amount: Expr
    start: DateLit | None = None
    until: DateLit | None = None


class Recycles(Node):
    """`recycles outcome payments up to USD 1m` (limit None: no limit)."""

    limit: Expr | None = None


class SurplusPart(Node):
    """`50% to provider_x` (share None: no percentage written); `to` None: the word `payers`."""

    share: Expr | None
    to: Name | None


class SurplusClause(Node):
    parts: tuple[SurplusPart, ...]


class WaterfallDecl(Node):
    """`waterfall "Schedule 4" distributes ... needs ... recycles ... surplus ... clause "4.1"`."""

    title: Text | None = None
    clauses: tuple[Node, ...] = ()


# ------------------------------------------------------------------ cohorts
class CohortSize(Node):
    value: Expr


class ReferralWindow(Node):
    start: DateLit
    end: DateLit


class Eligibility(Node):
    text: Text


class SubgroupDecl(Node):
    name: Name
    title: Text | None = None


class CohortDecl(Node):
    name: Name
    title: Text
    clauses: tuple[Node, ...] = ()


# ------------------------------------------------------------------ tariffs
class FixedTariff(Node):
    price: Expr


class SubgroupPrice(Node):
    price: Expr
    subgroup: Name


class SubgroupTariff(Node):
    prices: tuple[SubgroupPrice, ...]
    otherwise: Expr | None = None


class BandCap(Node):
    """`at most USD 25,000` after a band: the most the band's claims are paid together."""

    limit: Expr


class Band(Node):
    price: Expr
    first: str  # number text
    last: str | None  # None: open-ended ("from 411 onwards")
    cap: BandCap | None = None


class CountedWithin(Node):
    """`counted within subgroup women`: only that sub-group's claims are numbered and priced."""

    subgroup: Name


class TieredTariff(Node):
    bands: tuple[Band, ...]
    counted_within: CountedWithin | None = None


class ScalePoint(Node):
    percent: Expr
    at: Expr


class SlidingTariff(Node):
    price: Expr
    measure: Text
    points: tuple[ScalePoint, ...]


class PerUnitTariff(Node):
    """`pays GBP 50 per week` (the limit, `up to 26 weeks`, is the outcome's `up to` clause)."""

    price: Expr
    unit: Name  # as written: "week", "months", ...


class CohortTariff(Node):
    price: Expr
    per: Expr
    direction: str  # reduction | increase
    metric: Text
    baseline: str  # baseline | comparison group
    threshold: Expr | None = None


Tariff = FixedTariff | SubgroupTariff | TieredTariff | SlidingTariff | PerUnitTariff | CohortTariff


# ------------------------------------------------------------------ outcome rules
class Prerequisite(Node):
    outcome: Name
    at_least: Expr | None = None
    within: Expr | None = None


class Prerequisites(Node):
    items: tuple[Prerequisite, ...]
    joins: tuple[Name, ...] = ()  # the words between the items, as written ("and" / "or"), with their places
    tail: Name | None = None  # "or held at referral" / "if paid", with its place


class NotIfHeld(Node):
    """`not if held at referral`: deadweight, a status held before referral is not an outcome."""


class Window(Node):
    duration: Expr
    start_event: str  # start | referral


class Repeat(Node):
    kind: str  # once | up_to | unlimited
    limit: Expr | None = None


class Trigger(Node):
    event: str


class Evidence(Node):
    text: Text


class Definition(Node):
    term: Text
    meaning: Text


class InAdditionTo(Node):
    outcomes: tuple[Name, ...]


class Includes(Node):
    """`includes X`: this outcome's price already pays for X (a cumulative ladder step)."""

    outcomes: tuple[Name, ...]


class SeparateFrom(Node):
    """`separate from C`: no person can be referred to both this cohort and C."""

    cohorts: tuple[Name, ...]


class ForCohorts(Node):
    cohorts: tuple[Name, ...]


class PooledOver(Node):
    """`pooled over first_cohort, second_cohort`: a result computed from these cohorts' results."""

    cohorts: tuple[Name, ...]


class NetOf(Node):
    """`net of first_cohort_reduction, ...`: paid less what these outcomes paid for its cohorts."""

    outcomes: tuple[Name, ...]


class Indexation(Node):
    rate: Expr
    start: DateLit | None = None


class OutcomeDecl(Node):
    name: Name
    title: Text
    clauses: tuple[Node, ...] = ()


class ResetDecl(Node):
    """`reset NAME "Title" restarts a, b`: a ledger event that restarts the steps' clocks."""

    name: Name
    title: Text
    restarts: tuple[Name, ...]
    clause: ClauseRef | None = None


# ------------------------------------------------------------------ caps and groups
class ShareBase(Node):
    """`of paid outcomes`, `of achievements of job_access, measured each period`: what a share
    cap is a share of (`kind`: "paid" or "achievements"; `outcomes`: only those outcomes, none:
    every outcome) and when it is measured (`timing`: None = as claims are paid, "period",
    "contract")."""

    kind: str
    outcomes: tuple[Name, ...] = ()
    timing: str | None = None


class CapDecl(Node):
    scope: str  # participant, outcome, subgroup, cohort, period, year, payer, contract
    target: Name | None
    limit: Expr
    of_paid_outcomes: bool = False  # a share base is written (any kind: see `share`)
    behaviour: str | None = None  # "reject" | "pay in part"
    clause: ClauseRef | None = None
    share: ShareBase | None = None


class ExclusiveDecl(Node):
    k: str  # "one" or number text
    members: tuple[Name, ...]
    clause: ClauseRef | None = None


# ------------------------------------------------------------------ investment
class OnDate(Node):
    date: DateLit


class Figure(Node):
    words: tuple[str, ...]
    of: Name | None = None


class Condition(Node):
    figure: Figure
    comparator: str  # reach(es) / at least -> ">=", exceed(s) -> ">"
    value: Expr


class When(Node):
    conditions: tuple[Condition, ...]


class Deadline(Node):
    date: DateLit


class Discretion(Node):
    of: Text | None = None


class Limit(Node):
    value: Expr


class Purpose(Node):
    text: Text


class FromInvestor(Node):
    investor: Name


class TrancheDecl(Node):
    name: Name
    amount: Expr | None
    clauses: tuple[Node, ...] = ()


# ------------------------------------------------------------------ assertions
class AssertDecl(Node):
    """kind: participant_max, payer_max, period_max, total_max, never_twice,
    subgroup_share, tranche_order, investor_loss, investor_return. `subject`/`other` are the
    names it is about."""

    kind: str
    subject: Name | None = None
    other: Name | None = None
    value: Expr | None = None
    clause: ClauseRef | None = None
    of_principal: bool = False  # investor_loss: `of principal` written after the limit


Declaration = (
    ContractDecl | CurrencyDecl | TermDecl | RoundingDecl | SettlementDecl | ClausesDecl
    | ClaimsDeadlineDecl | RunOffDecl | SupersedesDecl | AmendmentDecl
    | DefineDecl | PartyDecl | InvestorDecl | CohortDecl | OutcomeDecl | CapDecl
    | ExclusiveDecl | TrancheDecl | AssertDecl | ResetDecl | WaterfallDecl
)


class Comment(Node):
    text: str


class ContractFile(Node):
    declarations: tuple[Declaration, ...]
    comments: tuple[Comment, ...] = field(default=(), compare=False)
