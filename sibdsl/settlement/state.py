"""Settlement: the running figures while a ledger is settled in order.

Input: each decision as it is made. Output: per participant history (enrolment, outcomes
paid and when, exclusive groups used, money paid, outcomes a cap stopped), the same history per
cohort for cohort-level results, and the counters every cap is checked against (by outcome,
sub-group, cohort, period, year, payer, contract), and what each capped tier band has paid.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sibdsl.core.money import ZERO


@dataclass(slots=True)
class Participant:
    cohort: str | None
    start: date | None
    subgroup: str | None
    enrolled: bool
    referral: date | None = None
    paid: Decimal = ZERO
    paid_dates: dict[str, list[date]] = field(default_factory=dict)  # outcome -> dates paid
    groups: dict[int, set[str]] = field(default_factory=dict)  # exclusive group -> members paid
    # outcome -> (the cap's rule, the claim id and outcome it rejected) for the first claim of
    # that outcome for this participant that a cap stopped, directly or through a prerequisite
    stopped: dict[str, tuple[tuple[str | int, ...], str, str]] | None = None
    held: frozenset[str] | None = None  # outcomes held at referral (the first claim's `held_at_referral`)
    # restarted step -> the resets recorded for it, (date, reset name), in date order (issue 10.1)
    restart: dict[str, list[tuple[date, str]]] | None = None


@dataclass
class Figures:
    seen_ids: set[str] = field(default_factory=set)  # claim ids decided
    seen_measurements: set[str] = field(default_factory=set)  # measurement ids decided (a separate set)
    participants: dict[str, Participant] = field(default_factory=dict)
    enrolled: dict[str | None, int] = field(default_factory=lambda: defaultdict(int))
    outcome_count: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    outcome_money: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    subgroup_count: dict[str | None, int] = field(default_factory=lambda: defaultdict(int))
    subgroup_money: dict[str | None, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    cohort_count: dict[str | None, int] = field(default_factory=lambda: defaultdict(int))
    cohort_money: dict[str | None, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    period_money: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    year_money: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    payer_money: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    band_money: dict[tuple[str, int], Decimal] = field(default_factory=lambda: defaultdict(Decimal))  # capped bands
    total_money: Decimal = ZERO
    total_count: int = 0
    cap_bound: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # cap index -> claims limited
    # cohort-level results: each cohort (None: the contract has no cohorts) in a participant's
    # place, for the repeat rule and exclusive groups
    cohort_results: dict[str | None, Participant] = field(default_factory=dict)
