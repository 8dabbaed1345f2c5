"""Settlement: share caps measured each period or over the contract (issue 10.5).

Input: the engine (`engine._Engine`, in the state before the ledger) and the events of the
ledger in settlement order. Output: one `Decision` per event, with the engine left in the
state after the ledger. The rule is docs/settlement.md, "Share caps measured each period or
over the contract": the claims of one measurement (a settlement period, or the whole ledger)
are decided together. They are settled in order with the measured share caps left out; where
a share is then above its limit, the fewest claims of what it caps are refused that bring it
back (the lowest price first, then a claim another share caps too, then the greatest claim id),
and the measurement is settled again
with those claims refused, until every share holds. Refused claims count towards nothing, so
the result is what the other rules make of the claims left, and it never depends on which of
the refused claims came first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING

from sibdsl.model.contract import Cap
from sibdsl.settlement.records import Claim, Decision, Measurement, Reason, Status

if TYPE_CHECKING:
    from sibdsl.settlement.engine import _Engine

Event = Claim | Measurement
HUNDRED = Decimal(100)
# paid or paid in part; a reset row (recorded or ignored) is no paid outcome and cannot be refused
_PAID = (Status.PAID, Status.PARTIAL)


@dataclass
class _Tally:
    """One share cap in one measurement group: the counts when it was first found above its
    share, the claims it refused, and the counts in the end."""

    first: tuple[int, int] | None = None  # (capped, base) before any refusal
    refused: int = 0
    last: tuple[int, int] = (0, 0)
    groups: set[int] = field(default_factory=set)


def batches(engine: _Engine, events: Sequence[Event]) -> list[list[int]]:
    """The event indices decided together: the whole ledger where a share is measured over the
    contract, else each settlement period's events (outside the term: each on its own)."""
    if any(cap.measured == "contract" for _ci, cap in engine.measured):
        return [list(range(len(events)))] if events else []
    out: list[list[int]] = []
    last: int | None = None
    for i, e in enumerate(events):
        period = _period(engine, e)
        if out and period == last and period >= 0:
            out[-1].append(i)
        else:
            out.append([i])
        last = period
    return out


def _period(engine: _Engine, e: Event) -> int:
    plan = engine.plan
    day = e.achieved if isinstance(e, Claim) else e.measured
    return plan.period_of(day) if plan.term_start <= day <= engine.last_day else -1  # run-off periods too


def _decide(engine: _Engine, e: Event) -> Decision:
    return engine.decide(e) if isinstance(e, Claim) else engine.measure(e)


def _spend(engine: _Engine, work: int) -> None:
    """Count `work` decisions of a trial against the work limit."""
    if engine.work_left is not None:
        engine.work_left -= work
        if engine.work_left < 0:
            raise TooLong(f"the trials of the measured share caps made more decisions than the limit of "
                          f"{engine.work_limit:,}")


class TooLong(Exception):
    """The trials of a measured share made more decisions than the caller's `work_limit`."""


def settle_measured(engine: _Engine, events: Sequence[Event], work_limit: int | None = None) -> list[Decision]:
    """`work_limit`: the most decisions all trials together may make (None: no limit); past it,
    `TooLong` (the analysis gives up a witness that would take too long, and says so)."""
    engine.work_limit = engine.work_left = work_limit
    decisions: list[Decision] = []
    best: dict[int, tuple[Decimal, str]] = {}  # cap index -> its highest share where measured, in words
    refused: dict[int, int] = {}  # cap index -> claims it refused
    for batch in batches(engine, events):
        decisions += _settle_batch(engine, [events[i] for i in batch], best, refused)
    for ci, _cap in engine.measured:
        words = best[ci][1] if ci in best else ""
        engine.figures.share_used[ci] = (f"highest {words}" if words else "unused") + (
            f", {refused[ci]:,} refused" if refused.get(ci) else "")
    return decisions


def _settle_batch(engine: _Engine, events: list[Event], best: dict[int, tuple[Decimal, str]],
                  refusals: dict[int, int]) -> list[Decision]:
    """Decide one measurement's events together (see the module docstring); the engine takes the
    state of the final trial."""
    touched = {e.participant for e in events if isinstance(e, Claim)}
    periods = [_period(engine, e) for e in events]
    refused: dict[str, tuple[int, str]] = {}
    marks = _Marks(engine, events, touched)
    trial, decided = marks.first(refused)
    position = {e.claim_id: i for i, e in enumerate(events) if isinstance(e, Claim)}
    low = len(events)  # the first event a refusal can change: every event before it is decided alike
    achieved = [d.status in _PAID for d in decided]  # achievements: paid without the shares
    first = [(d.claim_id, d.cohort_level) for d, yes in zip(decided, achieved, strict=True) if yes]
    tallies: dict[tuple[int, int], _Tally] = {}
    while True:
        over = _first_over(engine, trial, events, decided, achieved, periods, tallies)
        if over is None:
            break
        ci, cap, group, capped, base, need = over
        tally = tallies.setdefault((ci, group), _Tally())
        if tally.first is None:
            tally.first = (capped, base)
        candidates = [i for i, d in enumerate(decided)
                      if periods_match(cap, periods[i], group) and _counts(cap, trial, events[i], d)[0]]
        others = [other for cj, other in engine.measured if cj != ci]
        ranks = {i: _rank(others, trial, events[i], decided[i]) for i in candidates}
        candidates.sort(key=lambda i: decided[i].claim_id, reverse=True)  # ties last: the greatest claim id
        candidates.sort(key=ranks.__getitem__)
        candidates.sort(key=lambda i: decided[i].price)  # the lowest price first
        before = len(refused)
        for i in candidates[:need]:
            claim = events[i]
            assert isinstance(claim, Claim)
            refused[claim.claim_id] = (ci, "")
            low = min(low, position[claim.claim_id])
            tally.refused += 1
        if len(refused) == before:  # nothing left to refuse: never loop (an internal error, SIB999)
            raise AssertionError(f"share cap caps.{ci} is over its share with no claim left to refuse")
        trial, decided = marks.resume(refused, low, decided)
    for (ci, group), tally in tallies.items():
        cap = engine.plan.contract.caps[ci]
        tally.last = _measure(cap, trial, events, decided, achieved, periods, group)
        refusals[ci] = refusals.get(ci, 0) + tally.refused
    for ci, cap in engine.measured:  # each share where it was measured, for the summary
        for group in _groups(cap, periods):
            capped, base = _measure(cap, trial, events, decided, achieved, periods, group)
            if base == 0:
                continue
            share = Decimal(capped) * HUNDRED / base
            if ci not in best or share > best[ci][0]:
                where = "over the contract" if group == -2 else f"P{group + 1}"
                best[ci] = (share, f"{share:.1f}% ({where}: {capped} of {base})")
    _words(engine, trial, events, decided, tallies, periods)
    engine.figures, engine.invoices = trial.figures, trial.invoices
    for claim_id, cohort_level in first:
        (engine.figures.achieved_measurements if cohort_level else engine.figures.achieved_ids).add(claim_id)
    return decided


def _rank(others: list[Cap], trial: _Engine, e: Event, d: Decision) -> int:
    """Among claims priced alike, which a share refuses first: 0, one another share caps too
    (refusing it helps that share); 1, one in no other share's base of paid outcomes; 2, one in
    such a base (refusing it lowers that share's base)."""
    counted = [_counts(other, trial, e, d) for other in others]
    if any(mine for mine, _ in counted):
        return 0
    return 2 if any(in_base for other, (_, in_base) in zip(others, counted, strict=True)
                    if other.share_base == "paid") else 1


class _Marks:
    """Trials that start part-way: a trial decides the events in order, and a refused claim
    changes nothing before it, so a trial may resume from the engine's state just before the
    first refused claim instead of from the start of the measurement (the same decisions, in
    less time where the refusals come late, as the greatest claim ids do). The first trial
    keeps a copy of the engine every `step` events; a copy taken before every refused claim
    stays valid, since refusals are only ever added."""

    SPACING = 16  # copies kept per measurement (each costs a copy of the figures)
    FROM = 256  # events: a shorter measurement is settled again from its start

    def __init__(self, engine: _Engine, events: list[Event], touched: set[str]) -> None:
        self.engine, self.events, self.touched = engine, events, touched
        self.step = max(len(events) // self.SPACING, 1) if len(events) >= self.FROM else len(events) + 1
        self.copies: list[tuple[int, _Engine]] = []  # (index, the engine before that event), in index order

    def _after(self, index: int) -> set[str]:
        """The participants the events from `index` on can change."""
        return {e.participant for e in self.events[index:] if isinstance(e, Claim)}

    def first(self, refused: dict[str, tuple[int, str]]) -> tuple[_Engine, list[Decision]]:
        _spend(self.engine, len(self.events))
        trial = self.engine.fork(self.touched)
        trial.refused = refused
        decided: list[Decision] = []
        for i, e in enumerate(self.events):
            if i and i % self.step == 0:
                copy = trial.fork(self._after(i))  # frozen: the trial goes on with the originals
                self.copies.append((i, copy))
            decided.append(_decide(trial, e))
        return trial, decided

    def resume(self, refused: dict[str, tuple[int, str]], low: int,
               decided: list[Decision]) -> tuple[_Engine, list[Decision]]:
        """A trial with `refused`, where no event before `low` is refused: from the last copy at
        or before `low` (else from the start), the decisions before it kept."""
        start, base = 0, None
        for index, copy in self.copies:
            if index > low:
                break
            start, base = index, copy
        _spend(self.engine, len(self.events) - start)
        if base is None:
            trial = self.engine.fork(self.touched)
        else:
            trial = base.fork(self._after(start))
        trial.refused = refused
        return trial, decided[:start] + [_decide(trial, e) for e in self.events[start:]]


def periods_match(cap: Cap, period: int, group: int) -> bool:
    """Is an event of `period` in measurement group `group` of the cap (a period, or -2: the
    whole ledger)? Events outside the term are in no group."""
    return period >= 0 and (group == -2 or period == group)


def _groups(cap: Cap, periods: list[int]) -> list[int]:
    if cap.measured == "contract":
        return [-2]
    return sorted({p for p in periods if p >= 0})


def _counts(cap: Cap, trial: _Engine, e: Event, d: Decision) -> tuple[bool, bool]:
    """(is this a paid claim of what the cap caps, within its base; is it in the base's outcomes)."""
    in_base = not cap.share_of or d.outcome in cap.share_of
    if not in_base or d.reason is Reason.DUPLICATE_CLAIM:
        return False, in_base
    paid = d.status in _PAID
    if not paid or not isinstance(e, Claim):
        return False, in_base
    if cap.scope == "subgroup":
        who = trial.figures.participants.get(e.participant)
        return (who is not None and who.subgroup == cap.target), True
    return d.outcome == cap.target, True


def _measure(cap: Cap, trial: _Engine, events: list[Event], decided: list[Decision], achieved: list[bool],
             periods: list[int], group: int) -> tuple[int, int]:
    """(what the cap caps, the base) in one measurement group."""
    capped = base = 0
    for i, d in enumerate(decided):
        if not periods_match(cap, periods[i], group) or d.reason is Reason.DUPLICATE_CLAIM:
            continue
        mine, in_base = _counts(cap, trial, events[i], d)
        if not in_base:
            continue
        capped += mine
        paid = d.status in _PAID
        if paid or (cap.share_base == "achievements" and achieved[i]):
            base += 1
    return capped, base


def _first_over(engine: _Engine, trial: _Engine, events: list[Event], decided: list[Decision], achieved: list[bool],
                periods: list[int], tallies: dict[tuple[int, int], _Tally]
                ) -> tuple[int, Cap, int, int, int, int] | None:
    """The first share (in the order the caps are written, then by period) above its limit:
    (cap index, cap, group, capped, base, how many claims to refuse), or None."""
    for ci, cap in engine.measured:
        for group in _groups(cap, periods):
            capped, base = _measure(cap, trial, events, decided, achieved, periods, group)
            if capped * HUNDRED <= cap.limit * base:
                continue
            excess = capped * HUNDRED - cap.limit * base
            # refusing a claim takes it from what is capped and, for a share of paid outcomes,
            # from the base too; a share of achievements keeps its base
            per = HUNDRED - cap.limit if cap.share_base == "paid" else HUNDRED
            need = int((excess / per).to_integral_value(ROUND_CEILING)) if per > 0 else capped
            return ci, cap, group, capped, base, max(1, min(need, capped))
    return None


def _words(engine: _Engine, trial: _Engine, events: list[Event], decided: list[Decision],
           tallies: dict[tuple[int, int], _Tally], periods: list[int]) -> None:
    """The detail of each refused claim, and each cap's use for the summary."""
    contract = engine.plan.contract
    for (ci, group), tally in sorted(tallies.items()):
        cap = contract.caps[ci]
        where = "over the contract" if group == -2 else f"in period P{group + 1}"
        what = f"sub-group {cap.target}" if cap.scope == "subgroup" else f"outcome {cap.target}"
        base_words = ("achievements" if cap.share_base == "achievements" else "paid outcomes") + (
            f" of {', '.join(cap.share_of)}" if cap.share_of else "")
        first = tally.first or tally.last
        text = (f"{engine._limit_words(('caps', ci))}: {where} {what} had {first[0]} of {first[1]} {base_words}, above "
                f"{cap.limit.normalize():f}%; {tally.refused} claim(s) of it refused, the lowest price first (then the "
                f"greatest claim id), leave {tally.last[0]} of {tally.last[1]}")
        for i, d in enumerate(decided):
            e = events[i]
            if (isinstance(e, Claim) and d.reason is Reason.CAP_REACHED and d.rule == ("caps", ci)
                    and engine_refused(trial, e.claim_id, ci) and periods_match(cap, periods[i], group)):
                d.detail = text


def engine_refused(trial: _Engine, claim_id: str, ci: int) -> bool:
    hit = trial.refused.get(claim_id)
    return hit is not None and hit[0] == ci
