"""Settlement: the running figures while a ledger is settled in order.

Input: each decision as it is made. Output: per participant history (enrolment, outcomes
paid and when, exclusive groups used, money paid, outcomes a cap stopped), the same history per
cohort for cohort-level results, and the counters every cap is checked against (by outcome,
sub-group, cohort, period, year, payer, contract), and what each capped tier band has paid.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
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

    def clone(self) -> Participant:
        """A copy whose history can change without changing this one (a trial settlement of a
        period under a measured share cap: settlement/share_caps.py)."""
        return Participant(self.cohort, self.start, self.subgroup, self.enrolled, self.referral, self.paid,
                           {k: list(v) for k, v in self.paid_dates.items()},
                           {k: set(v) for k, v in self.groups.items()},
                           None if self.stopped is None else dict(self.stopped), self.held,
                           None if self.restart is None else {k: list(v) for k, v in self.restart.items()})


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
    # a share cap measured each period or over the contract: cap index -> how much of it was
    # used where it was measured, in words, for the summary (settlement/share_caps.py)
    share_used: dict[int, str] = field(default_factory=dict)
    # the achievements of a measured share: claim ids (and, apart, measurement ids) paid when
    # their measurement was first settled without the measured share caps
    achieved_ids: set[str] = field(default_factory=set)
    achieved_measurements: set[str] = field(default_factory=set)

    def fork(self, touched: Iterable[str]) -> Figures:
        """A copy to settle a trial on: every counter copied, the participants shared except
        those in `touched` (the only ones the trial's claims can change), which are cloned."""
        out = Figures()
        for name, value in vars(self).items():
            if isinstance(value, defaultdict):
                value = defaultdict(value.default_factory, value)
            elif isinstance(value, dict | set):
                value = type(value)(value)
            setattr(out, name, value)
        people = out.participants
        for name in touched:
            who = people.get(name)
            if who is not None:
                people[name] = who.clone()
        out.cohort_results = {k: v.clone() for k, v in self.cohort_results.items()}
        return out
