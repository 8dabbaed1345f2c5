"""Settlement: which investment tranches are released, when, and for how much.

Input: the contract, the settled decisions in order, discretionary requests, and "today"
(`as_of`; default: the latest date in the inputs). Output: one `Release` per tranche and per
request. A date tranche is released on its date; a condition tranche on the first date on
which all its conditions hold over the settled figures, if that is by its deadline; a
discretionary tranche by requests, in date order, up to its limit. Nothing dated after today
is released (`pending`), and a deadline lapses only once today is past it. No investor is ever
drawn above its maximum commitment: a tranche that would exceed it is cut to what is left (or
not released). The rules are those of docs/settlement.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from sibdsl.core.currency import MINOR_UNITS
from sibdsl.core.money import ZERO
from sibdsl.core.moneytext import money_text
from sibdsl.model.contract import Condition, Contract, Tranche
from sibdsl.settlement.records import Decision, Request, Status


def participant_groups(participants: Mapping[str, object]) -> dict[str, tuple[str | None, str | None]]:
    """participant -> (cohort, sub-group), from the settled figures' participants."""
    return {name: (getattr(p, "cohort", None), getattr(p, "subgroup", None)) for name, p in participants.items()}


ReleaseStatus = Literal["released", "released in part", "pending", "lapsed", "refused"]


@dataclass
class Release:
    tranche: str
    investor: str | None
    status: ReleaseStatus
    day: date | None
    amount: Decimal
    detail: str
    request_id: str | None = None


def _figures_over_time(contract: Contract, decisions: list[Decision],
                       groups: Mapping[str, tuple[str | None, str | None]]
                       ) -> Iterator[tuple[date, dict[tuple[str, str | None], Decimal]]]:
    """Yield (date, figures) after each paid decision, figures keyed by (figure, of): `of` an
    outcome, a payer (its share of payments), a cohort or a sub-group (by the participant's)."""
    payer_names = {p.name for p in contract.payers}
    counted: set[str] = set()
    figures: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    single = contract.cohorts[0].name if len(contract.cohorts) == 1 else None
    for d in decisions:
        if d.status is Status.REJECTED:
            continue
        if d.cohort_level:  # a cohort-level result counts for its cohort (or all), not for a participant
            cohort, subgroup = (d.participant if d.participant in {c.name for c in contract.cohorts} else None), None
        else:
            cohort, subgroup = groups.get(d.participant, (single, None))
        keys = [None, d.outcome, *(k for k in (cohort, subgroup) if k)]
        for key in keys:
            figures[("payments", key)] += d.amount
            figures[("outcomes", key)] += 1
        for payer, part in d.shares.items():
            if payer in payer_names and part > 0:  # `outcomes of PAYER`: the outcomes it paid a part of
                figures[("payments", payer)] += part
                figures[("outcomes", payer)] += 1
        if not d.cohort_level and d.participant not in counted:
            counted.add(d.participant)
            for key in {None, cohort, subgroup}:
                figures[("participants", key)] += 1
        yield d.achieved, figures


def _holds(conditions: tuple[Condition, ...], figures: dict[tuple[str, str | None], Decimal]) -> bool:
    for c in conditions:
        have = figures.get((c.figure, c.of), ZERO)
        if not (have > c.value if c.op == ">" else have >= c.value):
            return False
    return True


def today_of(decisions: list[Decision], requests: list[Request], as_of: date | None, term_start: date) -> date:
    """"Today" for the tranches: `as_of` if given, else the latest date in the inputs (claims
    and measurements, whatever their decision, and requests), else the term's first day."""
    if as_of is not None:
        return as_of
    days = [d.achieved for d in decisions] + [r.requested for r in requests]
    return max(days) if days else term_start


def release_tranches(contract: Contract, decisions: list[Decision], requests: list[Request],
                     as_of: date | None = None,
                     groups: Mapping[str, tuple[str | None, str | None]] | None = None) -> list[Release]:
    """`as_of`: "today" (None: the latest date in the inputs, see `today_of`). `groups`:
    participant -> (cohort, sub-group), as settlement fixed them (see `participant_groups`);
    without it, participants count for the contract's only cohort."""
    header = contract.header
    places = MINOR_UNITS.get(header.currency, 2)

    def money(amount: Decimal) -> str:
        return money_text(amount, places, grouping=True)

    today = today_of(decisions, requests, as_of, header.term_start)
    ordered = sorted((d for d in decisions if d.status is not Status.REJECTED and d.achieved <= today),
                     key=lambda d: (d.achieved, d.claim_id))
    commitment = {i.name: i.commitment_max for i in contract.investors}
    drawn: dict[str | None, Decimal] = defaultdict(Decimal)
    candidates: list[tuple[date, int, Tranche, Decimal, str | None, str]] = []
    out: list[Release] = []
    for t in contract.tranches:
        amount = t.amount if t.amount is not None else (t.limit or ZERO)
        if t.discretionary:
            continue
        if t.on is not None and not t.conditions:
            if t.on <= today:
                candidates.append((t.on, 0, t, amount, None, f"on {t.on}"))
            else:
                out.append(Release(t.name, t.investor, "pending", None, ZERO, f"due on {t.on}; today is {today}"))
            continue
        met = next((day for day, figs in _figures_over_time(contract, ordered, groups or {})
                    if _holds(t.conditions, figs)), None)
        if met is not None and t.on is not None:
            met = max(met, t.on)
        if met is not None and met <= today and (t.deadline is None or met <= t.deadline):
            candidates.append((met, 0, t, amount, None, "conditions met on " + str(met)))
        elif t.deadline is not None and today > t.deadline:
            out.append(Release(t.name, t.investor, "lapsed", None, ZERO,
                               f"conditions not met by the deadline {t.deadline}"))
        elif met is not None and t.on is not None and met == t.on and met > today:
            out.append(Release(t.name, t.investor, "pending", None, ZERO, f"conditions met; due on {t.on}; today "
                               f"is {today}"))
        else:
            out.append(Release(t.name, t.investor, "pending", None, ZERO, f"conditions not met as of {today}"
                               + (f"; deadline {t.deadline}" if t.deadline is not None else "")))
    by_name = {t.name: t for t in contract.tranches}
    used_limit: dict[str, Decimal] = defaultdict(Decimal)
    for r in sorted(requests, key=lambda r: (r.requested, r.request_id)):
        asked = by_name.get(r.tranche)
        if asked is None or not asked.discretionary:
            out.append(Release(r.tranche, None, "refused", r.requested, ZERO, "not a discretionary tranche",
                               r.request_id))
            continue
        if not header.term_start <= r.requested <= header.term_end:
            out.append(Release(r.tranche, asked.investor, "refused", r.requested, ZERO,
                               f"requested {r.requested}, outside the term {header.term_start} to {header.term_end}",
                               r.request_id))
            continue
        if r.requested > today:
            out.append(Release(r.tranche, asked.investor, "pending", r.requested, ZERO,
                               f"requested for {r.requested}; today is {today}", r.request_id))
            continue
        candidates.append((r.requested, 1, asked, r.amount, r.request_id, r.purpose or (asked.purpose or "")))
    for day, _, t, amount, request_id, detail in sorted(candidates, key=lambda c: (c[0], c[1], c[2].name, c[4] or "")):
        grant = amount
        notes = []
        if request_id is not None:
            room = (t.limit if t.limit is not None else (t.amount or ZERO)) - used_limit[t.name]
            if grant > room:
                notes.append(f"limit {money(t.limit or ZERO)} leaves {money(max(room, ZERO))}")
                grant = max(room, ZERO)
        cap = commitment.get(t.investor or "")
        if cap is not None and drawn[t.investor] + grant > cap:
            grant = max(cap - drawn[t.investor], ZERO)
            notes.append(f"commitment of {money(cap)} leaves {money(grant)}")
        if grant <= 0:
            out.append(Release(t.name, t.investor, "refused", day, ZERO, "; ".join(notes) or "nothing left",
                               request_id))
            continue
        drawn[t.investor] += grant
        if request_id is not None:
            used_limit[t.name] += grant
        status: ReleaseStatus = "released" if grant == amount else "released in part"
        out.append(Release(t.name, t.investor, status, day, grant, "; ".join([detail, *notes]).strip("; "),
                           request_id))
    order = {t.name: i for i, t in enumerate(contract.tranches)}
    return sorted(out, key=lambda r: (r.day or date.max, order.get(r.tranche, 0), r.request_id or ""))
