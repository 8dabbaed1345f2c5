"""Analysis: what the contract can cost — per participant, per payer and in total — which
limit sets each figure, and whether and when each cap can bind.

Input: the compiled `Contract`. Output: `Exposure`. The total is the least of the contract's
limits: the participants (cohort size x the most each can be paid, and each outcome's cap),
the contract cap, the payer caps, and the period and year caps over the term. Every figure
is a sound upper bound; it is called exact only when a witness ledger, settled by the
engine, reaches it (docs/analysis.md): each participant maximum is settled with its best
selection (`_confirmed`), and the liability with a ledger of the best-paid participants
(`_witness_liability`), which also decides each payer's figure and the contract cap's
binding point. A figure not confirmed is a bound, and `bound_reason`, `payer_why` or the
participant's `note` says why; `notes` says why the participant figures are bounds.

Arithmetic runs in a 400-digit decimal context (`budget.EXACT`), so cohort size x a maximum of
10^27 is not rounded to 28 digits.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, assert_never

from sibdsl.analysis import budget
from sibdsl.analysis.budget import (
    DEFAULT_TIME_LIMIT,
    EXACT,
    WITNESS_CLAIMS,
    WITNESS_PARTICIPANTS,
    Budget,
)
from sibdsl.analysis.outcome_totals import outcomes_limit
from sibdsl.analysis.participant import ParticipantMax, outside_cohorts, participant_maxima
from sibdsl.analysis.payers import PayerMax, payer_limits, payer_maxima
from sibdsl.analysis.periods import PeriodMax, period_maximum
from sibdsl.analysis.share_witness import clone_ledgers
from sibdsl.analysis.witness import (
    Best,
    cohort_claims,
    filler_claims,
    mixed_cohort_claims,
    participant_claims,
    settled_within,
)
from sibdsl.core.money import HUNDRED, ZERO
from sibdsl.model.contract import Contract
from sibdsl.model.pastterm import last_day
from sibdsl.settlement.engine import Settlement, settle
from sibdsl.settlement.plan import whole_months
from sibdsl.settlement.records import Claim, Status

if TYPE_CHECKING:
    from sibdsl.analysis.investors import InvestorReport


@dataclass
class CapFinding:
    index: int
    scope: str
    target: str | None
    binds: bool
    when: str


@dataclass
class Exposure:
    participants: list[ParticipantMax]
    best: ParticipantMax | None
    liability: Decimal | None  # None: no limit at all
    set_by: str
    exact: bool
    bounds: list[tuple[str, Decimal]] = field(default_factory=list)
    payers: dict[str, tuple[Decimal | None, str]] = field(default_factory=dict)  # (most, what sets it)
    payer_bounds: dict[str, PayerMax] = field(default_factory=dict)  # the same, with exact / without own cap
    caps: list[CapFinding] = field(default_factory=list)
    never_paid: list[str] = field(default_factory=list)
    tranches: list[tuple[int, bool, str]] = field(default_factory=list)  # (index, can be released, why)
    notes: list[str] = field(default_factory=list)  # why figures are upper bounds, not exact
    cut_by: list[str] = field(default_factory=list)  # payers whose caps are below their shares: they cut payments
    stopped: str | None = None  # "the analysis stopped after 10 s", when a solve hit the time limit
    bound_reason: str = ""  # why the liability is only an upper bound ("" when exact)
    witness_participants: int | None = None  # the settled witness that reaches an exact liability
    witness: list[Claim] = field(default_factory=list)  # that witness ledger
    period: PeriodMax | None = None  # the most paid in one settlement period
    payer_why: dict[str, str] = field(default_factory=dict)  # why a payer's figure once called exact is a bound
    # each investor's figures and the returns at outcome levels (analysis/investors.py), where shown
    investors: InvestorReport | None = None


WITNESS = "w-participant"  # the participant of a participant maximum's witness ledger
OUTCOMES_LIMIT = "the outcomes (each at most its own total: its caps, its bands' caps)"

# The largest witness ledger `sibc check` settles to confirm the maximum liability (about
# 0.2 s of settlement); `--facts` and `sibc report` go to WITNESS_CLAIMS. Beyond it the
# liability is shown as an upper bound, never called exact.
LIABILITY_WITNESS_CLAIMS = 20_000


def _money(x: Decimal) -> str:
    return f"{x:,.2f}"


def exposure(contract: Contract, time_limit: float = DEFAULT_TIME_LIMIT,
             witness_claims: int = LIABILITY_WITNESS_CLAIMS) -> Exposure:
    """The figures; the solver may spend at most `time_limit` seconds on this contract, and the
    liability's witness ledger may hold at most `witness_claims` claims (`sibc check` keeps
    the default for speed; `--facts` and `sibc report`, which show the figures, allow
    `WITNESS_CLAIMS`)."""
    budget = Budget(time_limit)
    reached: dict[str | None, set[str]] = {}
    maxima = participant_maxima(contract, budget, reached)
    with decimal.localcontext(EXACT):
        maxima = [_stopped(contract, m) for m in maxima]
    maxima = _confirmed(contract, maxima)
    with decimal.localcontext(EXACT):
        found = _exposure(contract, maxima, reached)
    _confirm_liability(contract, found, witness_claims)
    # the period's witness is settled only where it is shown or an assertion is about a period
    wanted = witness_claims >= WITNESS_CLAIMS or any(a.kind == "period_max" for a in contract.assertions)
    found.period = period_maximum(contract, found.liability, _why_bound(found), found.set_by, found.participants,
                                  witness_claims if wanted else 0)
    found.stopped = budget.words() if budget.stopped else None
    return found


def _why_bound(found: Exposure) -> str:
    """Why the maximum liability is only a bound ("" when exact)."""
    if found.exact:
        return ""
    return found.bound_reason or (found.notes[0].split(": ", 1)[1] if found.notes else "an upper bound")


def _paid(contract: Contract, claims: list[Claim]) -> tuple[Decimal, Settlement]:
    result = settle(contract, claims)
    return sum((d.amount for d in result.decisions if d.status is not Status.REJECTED), ZERO), result


def _witness_paid(contract: Contract, m: ParticipantMax) -> tuple[Decimal, list[Claim]]:
    """What the witness participant (`WITNESS`) of `m` is paid, and the ledger: its best
    selection claimed alone (an indexed outcome on its first or its last payable day), or,
    when that falls short, after other participants' claims (`filler_claims`: earlier claims up
    to a tier's best band, paid outcomes outside a capped sub-group)."""
    indexed = any(o.indexation is not None for o in contract.outcomes)
    best: tuple[Decimal, list[Claim]] = (ZERO, [])
    for late in (False, True) if indexed else (False,):
        claims = participant_claims(contract, WITNESS, m.cohort, m.subgroup, m.selection, late=late)
        paid = _paid(contract, claims)[0]
        if paid > best[0] or not best[1]:
            best = (paid, claims)
    if best[0] >= m.amount:
        return best
    size = next((c.size for c in contract.cohorts if c.name == m.cohort), None)
    for ledger in clone_ledgers(contract, WITNESS, m.cohort, m.subgroup, m.selection, size, WITNESS_CLAIMS):
        paid = witness_pay(contract, ledger)  # under a measured share: others claim alike beside it
        if paid > best[0]:
            best = (paid, ledger)
        if paid >= m.amount:
            return best
    fillers = filler_claims(contract, m.cohort, m.subgroup, m.selection, size, WITNESS_PARTICIPANTS)
    if not fillers or len(fillers) + len(best[1]) > WITNESS_CLAIMS:
        return best
    for late in (False, True) if indexed else (False,):
        ledger = fillers + participant_claims(contract, WITNESS, m.cohort, m.subgroup, m.selection, len(fillers), late)
        paid = witness_pay(contract, ledger)
        if paid > best[0]:
            best = (paid, ledger)
    return best


def witness_pay(contract: Contract, ledger: list[Claim]) -> Decimal:
    """What the engine, settling `ledger`, pays the participant `WITNESS`."""
    result = settle(contract, ledger)
    return sum((d.amount for d in result.decisions if d.status is not Status.REJECTED and d.participant == WITNESS),
               ZERO)


def _confirmed(contract: Contract, maxima: list[ParticipantMax]) -> list[ParticipantMax]:
    """Each maximum called exact, settled: its selection, claimed by one participant (after
    other participants' claims where a tier band or a sub-group share needs them), must be
    paid exactly that, else the figure is an upper bound (a payer's cap can cut a part the
    per-participant model does not see). Alike cohorts and sub-groups share one settlement. A
    selection of more than `WITNESS_CLAIMS` claims (a repeat count of 10^9) is not settled,
    so its figure is an upper bound, however sound the argument of `participant.py` for it."""
    out: list[ParticipantMax] = []
    seen: dict[tuple[object, ...], tuple[Decimal, list[Claim]]] = {}
    for m in maxima:
        if not m.exact:
            out.append(m)
            continue
        if sum(times for _, times in m.selection) > WITNESS_CLAIMS:
            out.append(replace(m, exact=False, note=f"no witness ledger is settled for it: its best selection has "
                                                    f"more than {WITNESS_CLAIMS:,} claims"))
            continue
        key = (m.cohort, m.subgroup, tuple(m.selection))
        if key not in seen:
            seen[key] = _witness_paid(contract, m)
        paid, ledger = seen[key]
        if paid == m.amount:
            out.append(replace(m, witness=ledger))
            continue
        out.append(replace(m, exact=False, reached=paid,
                           note="no witness ledger settled by the engine reaches it: its best selection, claimed "
                                "by one participant, is paid less (a tier band reached only after other "
                                "participants' outcomes or used up by them, a share cap, a payer's cap)"))
    return out


def _best_of(contract: Contract, found: Exposure) -> list[Best]:
    """Per cohort, its best-paid participant, best first: the ledger `cohort_claims` builds."""
    sizes = {c.name: c.size for c in contract.cohorts}
    tops: dict[str | None, ParticipantMax] = {}
    for m in found.participants:
        if m.cohort not in tops or m.amount > tops[m.cohort].amount:
            tops[m.cohort] = m
    ranked = list(tops.values())
    out: list[Best] = []
    for m in ranked:  # a bound pays at least what its selection was paid when settled
        paid = m.amount if m.exact else (m.reached or ZERO)
        if paid > 0 and not m.unbounded:
            out.append((m.cohort, m.subgroup, sizes.get(m.cohort) if m.cohort is not None else None, m.selection,
                        paid))
    return sorted(out, key=lambda b: b[4], reverse=True)


def _confirm_liability(contract: Contract, found: Exposure, witness_claims: int) -> None:
    """A liability called exact is kept exact only when a witness ledger (`cohort_claims`),
    settled by the engine, is paid exactly that in total; a payer's figure called exact only
    when the same settlement makes that payer pay exactly it. Otherwise both are bounds, with
    the reason."""
    _witness_liability(contract, found, witness_claims)
    _binding_points(found)


def _witness_liability(contract: Contract, found: Exposure, witness_claims: int) -> None:
    """Settle a ledger of the best-paid participants that should reach the liability (set by
    the participants, the contract cap or the payers' maxima; the period and year caps are
    not tried: a witness would have to fill every period). Reached: the liability is exact,
    and so is each payer's figure that the same settlement makes that payer pay. Not
    reached: every figure called exact becomes a bound, with the reason."""
    claimed = found.exact
    if found.liability is None:
        return
    if found.liability == 0:
        found.witness_participants = 0
        return
    cur = contract.header.currency
    if not (found.set_by.startswith(("the participants", "the payers' maxima", OUTCOMES_LIMIT))
            or found.set_by == "the contract cap"):
        _payers_bound(found, found.bound_reason or "the maximum liability it is built on is an upper bound")
        return
    # every participant at its best first where the participants or the outcomes' own totals set it
    # (a tier band with its own cap is reached only once the earlier outcomes are paid)
    everyone = found.set_by.startswith(("the participants", OUTCOMES_LIMIT))
    target = None if everyone else found.liability
    built = cohort_claims(contract, _best_of(contract, found), target, witness_claims,
                          WITNESS_PARTICIPANTS)
    result = settled_within(contract, built[0]) if built is not None else None
    if found.set_by.startswith(OUTCOMES_LIMIT):
        target = found.liability
    if target is not None and (result is None or result.figures.total_money != found.liability):
        mixed = _mixed_witness(contract, found, target, witness_claims)  # sub-groups in turn, grown until the cap is reached
        if mixed is not None:
            built, result = mixed
    if built is None or result is None or result.figures.total_money != found.liability:
        if claimed or not found.bound_reason:
            found.bound_reason = (
                f"settling a witness ledger under the measured share caps took more than {budget.WITNESS_WORK:,} "
                "decisions (each refusal settles the measurement again), the most the analysis spends"
                if built is not None and result is None else
                f"no witness ledger of at most {witness_claims:,} claims and {WITNESS_PARTICIPANTS:,} "
                "participants (the most the analysis settles) reaches it" if built is None or result is None else
                f"a witness of {built[1]:,} participants who each claim their best selection, settled by the "
                f"engine, is paid {cur} {_money(result.figures.total_money)} only")
        found.exact = False
        _payers_bound(found, found.bound_reason)
        return
    found.exact, found.bound_reason, found.witness_participants, found.witness = True, "", built[1], built[0]
    for name, pm in list(found.payer_bounds.items()):
        got = result.figures.payer_money.get(name, ZERO)
        if pm.most is not None and got == pm.most:  # a sound bound that a settled ledger reaches
            found.payer_bounds[name] = replace(pm, exact=True)
            found.payer_why.pop(name, None)
        elif pm.exact:
            found.payer_bounds[name] = replace(pm, exact=False)
            found.payer_why[name] = f"the witness that reaches the maximum liability makes it pay {cur} {_money(got)}"


def _mixed_witness(contract: Contract, found: Exposure, target: Decimal,
                   witness_claims: int) -> tuple[tuple[list[Claim], int], Settlement] | None:
    """A witness of participants from every cohort and sub-group in turn (each with its best
    selection), grown until the settled total reaches `target` (a cap; paying in part, the total
    then equals it): for a sub-group share cap, which rejects a ledger of one sub-group, and for
    tier bands that pay their best price only after earlier outcomes. None if not reached
    within the witness limits (a few tries)."""
    sizes = {c.name: c.size for c in contract.cohorts}

    def worth(m: ParticipantMax) -> Decimal:
        return m.amount if m.exact else (m.reached or ZERO)

    usable = sorted((m for m in found.participants if not m.unbounded and worth(m) > 0), key=lambda m: -worth(m))
    if not usable:
        return None
    groups = [(m.cohort, m.subgroup, sizes.get(m.cohort) if m.cohort is not None else None, m.selection)
              for m in usable]
    with decimal.localcontext(EXACT):
        mean = sum((worth(m) for m in usable), ZERO) / len(usable)
        people = int((target / mean).to_integral_value(ROUND_CEILING))
    for _ in range(4):
        if people > WITNESS_PARTICIPANTS:
            return None
        claims = mixed_cohort_claims(contract, groups, people, witness_claims)
        if claims is None:
            return None
        result = settled_within(contract, claims)
        if result is None:
            return None
        total = result.figures.total_money
        if total >= target:
            return (claims, people), result
        if total <= 0:
            return None
        with decimal.localcontext(EXACT):
            # 10% more than the shortfall suggests, and at least 16 more: a cap paid in part
            # halves what is left with each claim, so the last cent needs a dozen more
            people = max(people + 16, int((people * target / total * Decimal("1.1")).to_integral_value(ROUND_CEILING)))
    return None


def _binding_points(found: Exposure) -> None:
    """"binds once N participants reach their maximum" only where the settled witness of N
    such participants reached the contract cap; where a witness of participants of every
    sub-group in turn reached it, that witness; otherwise the plain words."""
    for c in found.caps:
        if c.scope != "contract" or not c.when.startswith("binds once ") or "participants reach" not in c.when:
            continue
        n = int(c.when.split()[2].replace(",", ""))
        if found.exact and found.set_by == "the contract cap" and found.witness_participants == n:
            continue
        c.when = "binds once payments reach it"
        if found.exact and found.set_by == "the contract cap" and found.witness_participants:
            c.when = (f"binds: a witness of {found.witness_participants:,} participants of every sub-group in "
                      "turn, settled by the engine, reaches it")


def _payers_bound(found: Exposure, why: str) -> None:
    """Payers' figures built on a liability that is only a bound are bounds too."""
    for name, pm in list(found.payer_bounds.items()):
        if pm.exact:
            found.payer_bounds[name] = replace(pm, exact=False)
            found.payer_why[name] = why


def _stopped(contract: Contract, m: ParticipantMax) -> ParticipantMax:
    """Caps on a total one participant is part of stop that participant too: the contract cap,
    its cohort's or sub-group's money cap, the period or year caps over the term, and every
    payer's cap together (each counts what is paid). A participant with no limit of its own
    (an outcome repeats with no limit and no cap of its own, and no cap per participant), or
    whose maximum is above such a cap, has the least of them as its maximum: an upper bound
    (payments may stop short of it)."""
    cur = contract.header.currency
    months = whole_months(contract.header.term_start, last_day(contract.header)) + 1  # run-off periods too
    stops: list[tuple[Decimal, str]] = []
    for cap in contract.caps:
        if cap.measure != "money":
            continue
        match cap.scope:
            case "contract":
                stops.append((cap.limit, "the contract cap"))
            case "cohort":
                if cap.target is not None and cap.target == m.cohort:
                    stops.append((cap.limit, f"the cap on cohort {cap.target}"))
            case "subgroup":
                if cap.target is not None and cap.target == m.subgroup:
                    stops.append((cap.limit, f"the cap on sub-group {cap.target}"))
            case "period":
                periods = -(-months // contract.header.settlement_months)
                stops.append((cap.limit * periods, f"the cap per period x {periods} periods"))
            case "year":
                years = -(-months // 12)
                stops.append((cap.limit * years, f"the cap per year x {years} years"))
            case "participant" | "outcome":
                pass  # in the participant's own figure already (participant.py)
            case "payer":
                pass  # every payer's cap together, below
            case _:
                assert_never(cap.scope)
    caps = payer_limits(contract)
    if contract.payers and all(p.name in caps for p in contract.payers):
        stops.append((sum(caps.values(), ZERO), "the payers' caps together"))
    if not stops:
        return m
    most, by = min(stops, key=lambda x: x[0])
    if not m.unbounded and m.amount <= most:
        return m
    why = m.note if m.unbounded and m.note else "an outcome can be paid any number of times" if m.unbounded else \
        f"its outcomes are worth up to {cur} {_money(m.amount)}"
    reached = min(m.reached, most) if m.reached is not None else None
    return replace(m, amount=most, uncapped=min(m.uncapped, most) if not m.unbounded else most, unbounded=False,
                   exact=False, repeats=m.unbounded, reached=reached,
                   note=f"{why}; {by} ({cur} {_money(most)}) stops it")


def _unlimited_why(contract: Contract, maxima: list[ParticipantMax]) -> str:
    """The true reason nothing limits the total: what the participants can be paid is not
    limited, and no cap on the total (contract, period, year, every payer's) stops it."""
    why = []
    if not contract.cohorts or any(c.size is None for c in contract.cohorts):
        why.append("a cohort has no size")
    if len(contract.cohorts) > 1 and any(m.cohort is None and (m.amount > 0 or m.unbounded) for m in maxima):
        why.append("participants whose claims name no cohort are in none, and no size limits them")
    if any(m.unbounded for m in maxima):
        why.append("an outcome can be paid any number of times")
    uncapped = [o.name for o in contract.outcomes if o.tariff.kind == "cohort_level" and not any(
        c.scope == "outcome" and c.target == o.name and c.measure == "money" for c in contract.caps)]
    if uncapped:
        why.append(f"cohort-level outcome{'s' if len(uncapped) > 1 else ''} {', '.join(uncapped)} "
                   f"{'have' if len(uncapped) > 1 else 'has'} no money cap")
    free = [p.name for p in contract.payers if p.name not in payer_limits(contract)]
    payers = (f"payer{'s' if len(free) > 1 else ''} {', '.join(free)} {'have' if len(free) > 1 else 'has'} no cap"
              if len(contract.payers) > 1 and len(free) < len(contract.payers) else "no payer cap")
    return f"nothing: {'; '.join(why) or 'the participants are not limited'}, and no contract cap, {payers}"


def _exposure(contract: Contract, maxima: list[ParticipantMax], reached: dict[str | None, set[str]]
              ) -> Exposure:
    header = contract.header
    best = max(maxima, key=lambda m: m.amount, default=None)
    of_cohort: dict[str | None, list[ParticipantMax]] = {}
    for m in maxima:
        of_cohort.setdefault(m.cohort, []).append(m)
    bounds: list[tuple[str, Decimal]] = []
    exact_participants = True
    # the participants: each cohort's size times the most one of its participants can be paid
    total = ZERO
    sized = True
    for cohort in contract.cohorts or [None]:
        name = cohort.name if cohort else None
        top = max(of_cohort.get(name, []), key=lambda m: m.amount, default=None)
        if top is None:
            continue
        if cohort is None or cohort.size is None or any(m.unbounded for m in of_cohort[name]):
            sized = False
            break
        total += cohort.size * top.amount
    if len(contract.cohorts) > 1 and any(m.amount > 0 or m.unbounded for m in of_cohort.get(None, [])):
        sized = False  # participants whose claims name no cohort are in none: no size limits them
    cohort_level = [o for o in contract.outcomes if o.tariff.kind == "cohort_level"]
    for o in cohort_level:
        cap = next((c for c in contract.caps if c.scope == "outcome" and c.target == o.name and c.measure == "money"),
                   None)
        if cap is None:
            sized = False
        else:
            total += cap.limit
    if sized:
        label = "the participants (cohort size x the most each can be paid)"
        for cap in contract.caps:  # an outcome cap that the participants could exceed makes this a bound
            if cap.scope == "outcome" and cap.measure == "money":
                exact_participants = False
        bounds.append((label, total))
    outcomes_total = outcomes_limit(contract)  # tier bands with their own caps (Istanbul Kodluyor)
    if outcomes_total is not None:
        bounds.append((OUTCOMES_LIMIT, outcomes_total))
    by_kind = {c.scope: c for c in contract.caps}
    if "contract" in by_kind:
        bounds.append(("the contract cap", by_kind["contract"].limit))
    payer_caps = payer_limits(contract)
    months = whole_months(header.term_start, last_day(header)) + 1  # the periods of the run-off count too
    if "period" in by_kind:
        periods = -(-months // header.settlement_months)
        bounds.append((f"the cap per period x {periods} periods", by_kind["period"].limit * periods))
    if "year" in by_kind:
        years = -(-months // 12)
        bounds.append((f"the cap per year x {years} years", by_kind["year"].limit * years))
    base, base_by = (min(bounds, key=lambda b: b[1])[1], min(bounds, key=lambda b: b[1])[0]) if bounds else \
        (None, _unlimited_why(contract, maxima))
    exact = bool(bounds) and (not base_by.startswith("the participants") or exact_participants) and \
        not base_by.startswith(("the cap per period", "the cap per year"))
    reason = "" if exact or not bounds else \
        "payments need not fill every period up to its cap" if base_by.startswith("the cap per period") else \
        "payments need not fill every year up to its cap" if base_by.startswith("the cap per year") else \
        "an outcome cap may keep payments below it"
    # Each payer's maximum is a sound bound (payers.py): its share of the liability only
    # where no other payer's cap can cut a payment and every part is exact. The payers
    # together pay at most the sum of their maxima: a limit on the total where it is lower.
    liability, set_by = base, base_by
    owed = payer_maxima(contract, base, exact, base)
    # the payers whose caps are below their shares of the other limits: they cut payments short
    shares = {p.name: p.max_fraction() for p in contract.payers}  # shares per outcome: the largest
    capped_by = [name for name, cap in payer_caps.items() if name in shares
                 and (base is None or Fraction(cap) < Fraction(base) * shares[name])]
    if capped_by:  # a payer's cap cuts payments short of the other limits: they become bounds
        exact = False
        reason = reason or (f"{', '.join(capped_by)}'s cap{'s' if len(capped_by) > 1 else ''} can cut payments "
                            "short of it")
    payer_side = sum((m.most for m in owed.values() if m.most is not None), ZERO) \
        if owed and all(m.most is not None for m in owed.values()) else None
    if capped_by and payer_side is not None and (base is None or payer_side < base):
        caps_text = ", ".join(f"{name}'s cap" for name in capped_by)
        liability = payer_side
        set_by = f"the payers' maxima, with {caps_text}"
        bounds.append((f"the payers: each at most its own maximum ({caps_text})", payer_side))
        owed = payer_maxima(contract, base, False, liability)
    inexact = [m for m in maxima if not m.exact]
    if inexact:  # every figure built on an upper bound is an upper bound
        exact = False
        reason = reason or f"the most one participant can be paid is an upper bound ({inexact[0].note})"
    found = Exposure(maxima, best, liability, set_by, exact, bounds)
    found.bound_reason = "" if exact else reason
    found.notes = list(dict.fromkeys(f"the most one participant can be paid is an upper bound: {m.note}"
                                     for m in inexact))
    found.payers = {name: (m.most, m.why) for name, m in owed.items()}
    found.payer_bounds = owed
    found.cut_by = capped_by
    # an outcome no cohort can reach is never paid; said only when every cohort was looked at
    # (the time limit can stop the analysis before the last cohorts)
    names: list[str | None] = [c.name for c in contract.cohorts] + (
        [None] if not contract.cohorts or outside_cohorts(contract) else [])
    if all(name in reached for name in names):
        everyone = set().union(*(reached[name] for name in names))
        found.never_paid = [o.name for o in contract.outcomes
                            if o.tariff.kind != "cohort_level" and o.name not in everyone]
    earned = [x for x in (total if sized else None, outcomes_total) if x is not None]  # each bounds the total paid
    _caps(contract, found, min(earned) if earned else None)
    _tranches(contract, found)
    return found


def _tranches(contract: Contract, found: Exposure) -> None:
    """Can each condition tranche's conditions ever hold within the term?"""
    cur = contract.header.currency
    sizes = [c.size for c in contract.cohorts]
    enrolled = sum(s for s in sizes if s is not None) if sizes and all(s is not None for s in sizes) \
        and not outside_cohorts(contract) else None  # participants in no cohort are counted by no size
    for i, t in enumerate(contract.tranches):
        if not t.conditions:
            continue
        why = ""
        for c in t.conditions:
            most: Decimal | None = None
            if c.figure == "payments":
                if c.of is None:
                    most = found.liability
                elif c.of in found.payers:
                    most = found.payers[c.of][0]
            elif c.figure == "participants" and c.of is None:
                most = Decimal(enrolled) if enrolled is not None else None
            elif c.figure == "outcomes" and c.of is not None and c.of in found.never_paid:
                most = ZERO
            if most is not None and (most < c.value or (c.op == ">" and most <= c.value)):
                shown = f"{cur} {_money(most)}" if c.figure == "payments" else f"{most:,f}"
                why = f"{c.figure}{' of ' + c.of if c.of else ''} can reach at most {shown}, not {c.value:,f}"
                break
        found.tranches.append((i, not why, why or "its conditions can hold within the term"))


def _room(contract: Contract, cohort: str | None) -> float | int:
    """How many participants a cohort can enrol (no size: no limit)."""
    spec = next((c for c in contract.cohorts if c.name == cohort), None)
    return spec.size if spec is not None and spec.size is not None else float("inf")


def _caps(contract: Contract, found: Exposure, participants_total: Decimal | None) -> None:
    cur = contract.header.currency
    best = found.best
    for i, cap in enumerate(contract.caps):
        binds, when = True, ""
        if cap.scope == "participant":
            # `then reject` keeps what is paid within the cap, so the outcomes' worth without it decides
            top = max(((m.worth if cap.behaviour == "reject" and m.worth is not None else m.uncapped)
                       for m in found.participants), default=ZERO)
            binds = top > cap.limit
            when = (f"binds for a participant whose outcomes are worth more than {cur} {_money(cap.limit)} (at most "
                    f"{cur} {_money(top)})" if binds else f"never binds: no participant can earn more than "
                    f"{cur} {_money(top)}")
        elif cap.scope == "contract":
            if participants_total is not None and participants_total <= cap.limit:
                binds, when = False, (f"never binds: the participants can earn at most {cur} "
                                      f"{_money(participants_total)}")
            elif best is not None and best.amount > 0 and not found.notes and not best.unbounded and \
                    not found.cut_by and (n := int((cap.limit / best.amount).to_integral_value(
                        ROUND_CEILING))) <= _room(contract, best.cohort):
                # (a payer's cap cuts payments, so more participants are needed; a binding
                # point beyond the cohort's size is not one)
                when = f"binds once {n:,} participants reach their maximum of {cur} {_money(best.amount)}"
            else:
                when = "binds once payments reach it"
        elif cap.scope == "payer":
            payer = next((p for p in contract.payers if p.name == cap.target), None)
            bound = found.payer_bounds.get(cap.target or "")
            if payer is not None and bound is not None:
                # never binds only where the payer's sound maximum without its cap is within it
                binds = bound.alone is None or bound.alone > cap.limit
                reach = cap.limit * HUNDRED / payer.share if payer.share > 0 else None
                when = ("never binds: without it the payer can owe at most "
                        f"{cur} {_money(bound.alone)}" if not binds and bound.alone is not None else
                        f"can bind once total payments reach about {cur} {_money(reach)}" if reach is not None
                        else "can bind once the payer's parts reach it")
        elif cap.measure == "share" and cap.measured_share:
            what = f"sub-group {cap.target}" if cap.scope == "subgroup" else f"outcome {cap.target}"
            where = "in a settlement period" if cap.measured == "period" else "over the contract"
            when = f"can bind once {what} has more than {cap.limit.normalize():f}% of the " + (
                "achievements" if cap.share_base == "achievements" else "paid outcomes") + (
                f" of {', '.join(cap.share_of)}" if cap.share_of else "") + f" {where}"
        elif cap.scope == "outcome" and cap.target and any(
                o.name == cap.target and o.tariff.kind == "cohort_level" for o in contract.outcomes):
            when = f"binds once cohort-level payments for {cap.target} reach it"
        elif cap.scope == "outcome" and cap.target:
            # an outcome that no participant's maximum uses can still be paid instead of another
            payable = cap.target not in found.never_paid and any(
                o.name == cap.target for o in contract.outcomes)
            when = f"binds once {cap.limit:,f} {'outcomes are' if cap.measure == 'count' else 'is'} paid for " \
                   f"{cap.target}" if payable else f"{cap.target} can never be paid, so it never binds"
            binds = payable
        elif cap.measure == "share":
            when = f"can bind once sub-group {cap.target} has {cap.limit.normalize():f}% of the paid outcomes"
        else:
            when = "can bind when payments in one " + (cap.scope if cap.scope in ("period", "year") else "group") + \
                   " reach it"
        found.caps.append(CapFinding(i, cap.scope, cap.target, binds, when))
