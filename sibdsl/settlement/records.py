"""Settlement data: claims, measurements, requests, decisions.

Input: built by `ledger.py` from files or by callers directly. Output: small slotted records;
money is Decimal throughout. `Reason` lists every reason code a decision can carry;
`rule_key` / `key_rule` convert a rule path to the key written in `Decision.root_cause`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

NO_SHARES: Mapping[str, Decimal] = MappingProxyType({})


class Status(enum.Enum):
    PAID = "paid"
    PARTIAL = "paid in part"
    REJECTED = "rejected"
    # a reset row of the claims ledger (never a payment; kept in `Settlement.resets`, apart from
    # the decisions on claims): it restarts clocks, or it could change no decision
    RECORDED = "recorded"
    IGNORED = "ignored"


class Reason(enum.Enum):
    """Why a claim was decided as it was. The value is the code written in decision files."""

    PAID = "paid"
    CAP_PARTIAL = "cap_partial"  # paid in part: a cap left less headroom than the price
    DUPLICATE_CLAIM = "duplicate_claim"
    NOT_IN_COHORT = "not_in_cohort"  # the outcome is not payable for this participant's cohort
    REFERRAL_OUTSIDE_WINDOW = "referral_outside_window"
    COHORT_FULL = "cohort_full"
    PARTICIPANT_CONFLICT = "participant_conflict"  # cohort/start/sub-group differ from earlier claims
    OUTSIDE_TERM = "outside_term"
    BEFORE_START = "before_start"
    OUTSIDE_WINDOW = "outside_window"
    PREREQUISITE_NOT_PAID = "prerequisite_not_paid"
    PREREQUISITE_TOO_SOON = "prerequisite_too_soon"
    PREREQUISITE_TOO_LATE = "prerequisite_too_late"
    EXCLUSIVE_SIBLING_PAID = "exclusive_sibling_paid"
    REPEAT_LIMIT = "repeat_limit"
    NO_PRICE = "no_price"  # per-sub-group tariff without a price for this sub-group, or a scale at 0%
    VALUE_MISSING = "value_missing"
    COHORT_LEVEL_OUTCOME = "cohort_level_outcome"  # claimed per participant, paid from measurements
    BELOW_THRESHOLD = "below_threshold"
    BAND_PAYS_NOTHING = "band_pays_nothing"  # paid zero in a band of zero or a used-up band cap: counts as paid
    CAP_REACHED = "cap_reached"
    PAYER_CAP_REACHED = "payer_cap_reached"
    HELD_AT_REFERRAL = "held_at_referral"  # `not if held at referral`: the participant already had it
    RESET = "reset"  # a reset row recorded: the clocks of the steps it restarts count from its date
    RESET_UNKNOWN_PARTICIPANT = "reset_unknown_participant"  # ignored: no earlier row of this participant
    RESET_BEFORE_ENTRY = "reset_before_entry"  # ignored: no restarted step's clock has started yet
    RESET_ALL_PAID = "reset_all_paid"  # ignored: every restarted step is paid its limit of times
    CLAIM_LATE = "claim_late"  # submitted after the contract's claims deadline (`claims until`)
    POOLED_INPUT = "pooled_input"  # one cohort's figure for a pooled outcome: an input, never paid alone
    POOLED_RESULT_MISSING = "pooled_result_missing"  # a cohort of the pool has no result yet
    POOLED_MISMATCH = "pooled_mismatch"  # the row's figures differ from those pooled from the cohorts
    NET_NOTHING_DUE = "net_nothing_due"  # net of earlier payments, nothing is left to pay


@dataclass(slots=True)
class Claim:
    claim_id: str
    participant: str
    outcome: str
    achieved: date
    evidence: str = ""
    cohort: str | None = None
    start: date | None = None
    subgroup: str | None = None
    value: Decimal | None = None
    referral: date | None = None  # the referral date, where a window runs "of referral"
    row: int = 0  # line in the ledger file, for messages
    held: frozenset[str] | None = None  # the `held_at_referral` column: outcomes held at referral
    submitted: date | None = None  # the date the claim was submitted (None: the date achieved)

    def order_key(self) -> tuple[object, ...]:
        """The total order of settlement: date achieved, claim id, then every other field, so
        that no two different claims tie and input order can never matter."""
        return (self.achieved, self.claim_id, self.participant, self.outcome, self.evidence, self.cohort or "",
                self.start or date.min, self.subgroup or "", self.value if self.value is not None else Decimal("-Infinity"),
                self.referral or date.min, tuple(sorted(self.held)) if self.held is not None else (),
                self.submitted or date.min)


@dataclass(slots=True)
class Measurement:
    """A cohort-level result: the measured figure against its baseline, for one outcome."""

    measurement_id: str
    outcome: str
    cohort: str | None
    measured: date
    baseline: Decimal
    observed: Decimal
    row: int = 0
    submitted: date | None = None  # the date the result was submitted (None: the date measured)
    given: bool = True  # False: a pooled outcome's row with its figures left to be pooled (0, 0 here)


@dataclass(slots=True)
class Request:
    """A request to draw a discretionary tranche."""

    request_id: str
    tranche: str
    requested: date
    amount: Decimal
    purpose: str = ""
    row: int = 0


@dataclass(slots=True)
class Decision:
    claim_id: str
    participant: str
    outcome: str
    achieved: date
    status: Status
    reason: Reason
    price: Decimal
    amount: Decimal
    period: int  # 0-based settlement period index; -1 outside the term
    rule: tuple[str | int, ...] = ()  # model path of the rule that decided (("caps", 2))
    detail: str = ""
    shares: Mapping[str, Decimal] = field(default_factory=lambda: NO_SHARES)  # payer -> part (shared empty one)
    row: int = 0
    cohort_level: bool = False  # decided from a cohort-level measurement, not a participant's claim
    # The cap (a limit: `cap ...` line or a payer's `at most`) that stopped or cut this claim,
    # directly (cap_reached, payer_cap_reached, cap_partial) or through a prerequisite it
    # stopped (prerequisite_not_paid), as a rule key ("caps.2", "payers.1"); None otherwise.
    root_cause: str | None = None


def rule_key(rule: tuple[str | int, ...]) -> str:
    """A rule path as a key: ("caps", 2) -> "caps.2"."""
    return ".".join(str(part) for part in rule)


def key_rule(key: str) -> tuple[str | int, ...]:
    """The inverse of `rule_key`: "caps.2" -> ("caps", 2)."""
    return tuple(int(part) if part.isdigit() else part for part in key.split("."))
