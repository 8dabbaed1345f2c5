"""Phase 1 output: the abstract syntax tree of a .sib file.

Input: built by `sibdsl.syntax.build` from the grammar's parse.
Output: frozen dataclasses, one per construct, each with a `span`. Equality ignores spans, so
two parses of differently laid out text compare equal when they say the same thing. Values
stay as written (number text, date text): turning them into Decimals and dates, with
diagnostics, is the semantics phase's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sibdsl.core.source import NO_SPAN, Span


@dataclass(frozen=True, slots=True)
class Node:
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


# ------------------------------------------------------------------ leaves
@dataclass(frozen=True, slots=True)
class Name(Node):
    text: str


@dataclass(frozen=True, slots=True)
class Text(Node):
    value: str


@dataclass(frozen=True, slots=True)
class DateLit(Node):
    text: str


# ------------------------------------------------------------------ values
@dataclass(frozen=True, slots=True)
class MoneyLit(Node):
    currency: str  # ISO code as written, or the symbol (£, €, $)
    amount: str  # digits as written, commas included
    scale: str | None = None  # m, million, k, thousand, bn, billion


@dataclass(frozen=True, slots=True)
class PercentLit(Node):
    amount: str


@dataclass(frozen=True, slots=True)
class QuantityLit(Node):
    amount: str
    unit: str  # as written: "weeks", "participant", ...


@dataclass(frozen=True, slots=True)
class NumberLit(Node):
    amount: str


Atom = MoneyLit | PercentLit | QuantityLit | NumberLit


@dataclass(frozen=True, slots=True)
class Product(Node):
    """factors[0] op[0] factors[1] ...; ops are '*' or '/'."""

    factors: tuple[Expr, ...]
    ops: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Sum(Node):
    """terms[0] op[0] terms[1] ...; ops are '+' or '-'."""

    terms: tuple[Expr, ...]
    ops: tuple[str, ...]


Expr = Atom | Product | Sum


# ------------------------------------------------------------------ header
@dataclass(frozen=True, slots=True)
class ContractDecl(Node):
    title: Text
    version: str | None = None


@dataclass(frozen=True, slots=True)
class CurrencyDecl(Node):
    code: Name


@dataclass(frozen=True, slots=True)
class TermDecl(Node):
    start: DateLit
    end: DateLit


@dataclass(frozen=True, slots=True)
class RoundingDecl(Node):
    mode: str  # "half up", "half even", "half down", "down", "up"
    unit: Expr | None = None
    remainder_to: Name | None = None  # None: to the largest share


@dataclass(frozen=True, slots=True)
class SettlementDecl(Node):
    period: str  # monthly, quarterly, half-yearly, yearly, annually
    timing: str = "arrears"


@dataclass(frozen=True, slots=True)
class ClausesDecl(Node):
    scheme: Text


@dataclass(frozen=True, slots=True)
class DefineDecl(Node):
    term: Text
    meaning: Text


@dataclass(frozen=True, slots=True)
class ClauseRef(Node):
    text: Text


# ------------------------------------------------------------------ parties
@dataclass(frozen=True, slots=True)
class PayerShare(Node):
    value: Expr


@dataclass(frozen=True, slots=True)
class PayerCap(Node):
    value: Expr


@dataclass(frozen=True, slots=True)
class PartyDecl(Node):
    role: str  # payer, provider, intermediary, validator
    name: Name
    title: Text
    clauses: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True)
class Commitment(Node):
    low: Expr
    high: Expr | None = None


@dataclass(frozen=True, slots=True)
class InvestorDecl(Node):
    name: Name
    title: Text
    clauses: tuple[Node, ...] = ()


# ------------------------------------------------------------------ cohorts
@dataclass(frozen=True, slots=True)
class CohortSize(Node):
    value: Expr


@dataclass(frozen=True, slots=True)
class ReferralWindow(Node):
    start: DateLit
    end: DateLit


@dataclass(frozen=True, slots=True)
class Eligibility(Node):
    text: Text


@dataclass(frozen=True, slots=True)
class SubgroupDecl(Node):
    name: Name
    title: Text | None = None


@dataclass(frozen=True, slots=True)
class CohortDecl(Node):
    name: Name
    title: Text
    clauses: tuple[Node, ...] = ()


# ------------------------------------------------------------------ tariffs
@dataclass(frozen=True, slots=True)
class FixedTariff(Node):
    price: Expr


@dataclass(frozen=True, slots=True)
class SubgroupPrice(Node):
    price: Expr
    subgroup: Name


@dataclass(frozen=True, slots=True)
class SubgroupTariff(Node):
    prices: tuple[SubgroupPrice, ...]
    otherwise: Expr | None = None


@dataclass(frozen=True, slots=True)
class Band(Node):
    price: Expr
    first: str  # number text
    last: str | None  # None: open-ended ("from 411 onwards")


@dataclass(frozen=True, slots=True)
class TieredTariff(Node):
    bands: tuple[Band, ...]


@dataclass(frozen=True, slots=True)
class ScalePoint(Node):
    percent: Expr
    at: Expr


@dataclass(frozen=True, slots=True)
class SlidingTariff(Node):
    price: Expr
    measure: Text
    points: tuple[ScalePoint, ...]


@dataclass(frozen=True, slots=True)
class CohortTariff(Node):
    price: Expr
    per: Expr
    direction: str  # reduction | increase
    metric: Text
    baseline: str  # baseline | comparison group
    threshold: Expr | None = None


Tariff = FixedTariff | SubgroupTariff | TieredTariff | SlidingTariff | CohortTariff


# ------------------------------------------------------------------ outcome rules
@dataclass(frozen=True, slots=True)
class Prerequisite(Node):
    outcome: Name
    at_least: Expr | None = None
    within: Expr | None = None


@dataclass(frozen=True, slots=True)
class Prerequisites(Node):
    items: tuple[Prerequisite, ...]


@dataclass(frozen=True, slots=True)
class Window(Node):
    duration: Expr
    start_event: str  # start | referral


@dataclass(frozen=True, slots=True)
class Repeat(Node):
    kind: str  # once | up_to | unlimited
    limit: Expr | None = None


@dataclass(frozen=True, slots=True)
class Trigger(Node):
    event: str


@dataclass(frozen=True, slots=True)
class Evidence(Node):
    text: Text


@dataclass(frozen=True, slots=True)
class Definition(Node):
    term: Text
    meaning: Text


@dataclass(frozen=True, slots=True)
class InAdditionTo(Node):
    outcomes: tuple[Name, ...]


@dataclass(frozen=True, slots=True)
class ForCohorts(Node):
    cohorts: tuple[Name, ...]


@dataclass(frozen=True, slots=True)
class Indexation(Node):
    rate: Expr
    start: DateLit | None = None


@dataclass(frozen=True, slots=True)
class OutcomeDecl(Node):
    name: Name
    title: Text
    clauses: tuple[Node, ...] = ()


# ------------------------------------------------------------------ caps and groups
@dataclass(frozen=True, slots=True)
class CapDecl(Node):
    scope: str  # participant, outcome, subgroup, cohort, period, year, payer, contract
    target: Name | None
    limit: Expr
    of_paid_outcomes: bool = False
    behaviour: str | None = None  # "reject" | "pay in part"
    clause: ClauseRef | None = None


@dataclass(frozen=True, slots=True)
class ExclusiveDecl(Node):
    k: str  # "one" or number text
    members: tuple[Name, ...]
    clause: ClauseRef | None = None


# ------------------------------------------------------------------ investment
@dataclass(frozen=True, slots=True)
class OnDate(Node):
    date: DateLit


@dataclass(frozen=True, slots=True)
class Figure(Node):
    words: tuple[str, ...]
    of: Name | None = None


@dataclass(frozen=True, slots=True)
class Condition(Node):
    figure: Figure
    comparator: str  # reach(es) / at least -> ">=", exceed(s) -> ">"
    value: Expr


@dataclass(frozen=True, slots=True)
class When(Node):
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Deadline(Node):
    date: DateLit


@dataclass(frozen=True, slots=True)
class Discretion(Node):
    of: Text | None = None


@dataclass(frozen=True, slots=True)
class Limit(Node):
    value: Expr


@dataclass(frozen=True, slots=True)
class Purpose(Node):
    text: Text


@dataclass(frozen=True, slots=True)
class FromInvestor(Node):
    investor: Name


@dataclass(frozen=True, slots=True)
class TrancheDecl(Node):
    name: Name
    amount: Expr | None
    clauses: tuple[Node, ...] = ()


# ------------------------------------------------------------------ assertions
@dataclass(frozen=True, slots=True)
class AssertDecl(Node):
    """kind: participant_max, payer_max, period_max, total_max, never_twice,
    subgroup_share, tranche_order. `subject`/`other` are the names it is about."""

    kind: str
    subject: Name | None = None
    other: Name | None = None
    value: Expr | None = None
    clause: ClauseRef | None = None


Declaration = (
    ContractDecl | CurrencyDecl | TermDecl | RoundingDecl | SettlementDecl | ClausesDecl
    | DefineDecl | PartyDecl | InvestorDecl | CohortDecl | OutcomeDecl | CapDecl
    | ExclusiveDecl | TrancheDecl | AssertDecl
)


@dataclass(frozen=True, slots=True)
class Comment(Node):
    text: str


@dataclass(frozen=True, slots=True)
class ContractFile(Node):
    declarations: tuple[Declaration, ...]
    comments: tuple[Comment, ...] = field(default=(), compare=False)
