"""Analysis: a verdict on each of the contract's `assert` clauses.

Input: the compiled `Contract` and its `Exposure`. Output: one `Verdict` per assertion:
`proven` (a sound upper bound shows it holds for every ledger; the reason says when that
figure is only a bound, and why), `refuted` (with a witness
ledger that the settlement engine has been run on, and that really breaks it), or `unknown`
(the analysis cannot decide it; the property search checks it instead).

Under pressure: a figure that is only an upper bound (the solver ran out of time, or the
amounts are too large for it) still proves an assertion it satisfies, since the true figure
is no larger; it never refutes one: only a witness ledger settled by the engine does. A
witness is built only when it is small (`budget.WITNESS_CLAIMS` claims, `WITNESS_PARTICIPANTS`
participants): a repeat count of 10^9 is cut to the claims the assertion needs; otherwise
the verdict is unknown, with the reason ("the analysis stopped after 10 s").
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from decimal import Decimal

from sibdsl.analysis.budget import EXACT, WITNESS_CLAIMS, WITNESS_PARTICIPANTS
from sibdsl.analysis.choices import needs
from sibdsl.analysis.exposure import Exposure
from sibdsl.analysis.participant import ParticipantMax, best_price
from sibdsl.analysis.witness import participant_claims
from sibdsl.core.money import ZERO
from sibdsl.model.contract import Assertion, Contract, Investor
from sibdsl.settlement.engine import Settlement, settle
from sibdsl.settlement.records import Claim, Decision, Request, Status


@dataclass
class Verdict:
    index: int
    assertion: Assertion
    status: str  # proven | refuted | unknown
    reason: str
    witness: list[Claim] = field(default_factory=list)  # refuted: a ledger the engine confirmed breaks it
    decisions: list[Decision] = field(default_factory=list)  # the witness, settled
    candidate: list[Claim] = field(default_factory=list)  # unknown: the ledger tried, which did not break it
    requests: list[Request] = field(default_factory=list)  # an investor verdict's witness: its discretionary requests
    flows: str = ""  # an investor verdict's witness: what the waterfall paid the investor


def _m(contract: Contract, x: Decimal) -> str:
    return f"{contract.header.currency} {x:,.2f}"


def verdicts(contract: Contract, found: Exposure) -> list[Verdict]:
    return [_one(contract, found, i, a) for i, a in enumerate(contract.assertions)]


def _bounded(found: Exposure, figure: str = "participant") -> str:
    """Words for a figure that is only an upper bound, or "" when it is exact: the most one
    participant can be paid ("participant"), the maximum liability ("liability"), or a payer's
    figure (the payer's name)."""
    if figure == "liability" and not found.exact:
        why = found.bound_reason or (found.notes[0].split(": ", 1)[1] if found.notes else "")
        return f" (an upper bound: {why})" if why else " (an upper bound)"
    if figure not in ("participant", "liability"):
        bound = found.payer_bounds.get(figure)
        if bound is not None and not bound.exact:
            return f" (an upper bound: {found.payer_why[figure]})" if figure in found.payer_why else \
                " (an upper bound)"
        return ""
    return f" (an upper bound: {found.notes[0].split(': ', 1)[1]})" if found.notes else ""


def _undecided(found: Exposure, fallback: str) -> str:
    """Why the analysis leaves an assertion to the search: the time limit first, if it was hit."""
    if found.stopped:
        return found.stopped
    return found.notes[0].split(": ", 1)[1] if found.notes else fallback


def _trimmed(contract: Contract, best: ParticipantMax, target: Decimal) -> list[tuple[str, int]]:
    """The selection with each outcome's count cut to what alone pays more than `target` (a
    repeat count of 10^9 needs only a few claims to break a limit)."""
    by_name = {o.name: o for o in contract.outcomes}
    out = []
    for name, times in best.selection:
        price = best_price(by_name[name], best.subgroup, contract) if name in by_name else None
        if price is not None and price.is_finite() and price > 0:
            with decimal.localcontext(EXACT):
                times = min(times, int(target / price) + 1)
        out.append((name, times))
    return out


def _repeated(contract: Contract, m: ParticipantMax, target: Decimal) -> list[tuple[str, int]]:
    """A selection for a participant whose maximum has no limit: its best selection, with an
    outcome that repeats without limit (and no cap of its own) claimed as often as alone pays
    more than `target` (its prerequisites once each)."""
    capped = {c.target for c in contract.caps if c.scope == "outcome" and c.measure != "share"}
    chosen = dict(m.selection)
    free = [o for o in contract.outcomes if o.repeat == "unlimited" and o.name not in capped
            and o.tariff.kind != "cohort_level" and (not o.cohorts or m.cohort in o.cohorts)]
    priced = [(price, o) for o in free
              for price in [best_price(o, m.subgroup, contract)] if price is not None and price.is_finite() and price > 0]
    if not priced:
        return list(chosen.items())
    price, outcome = max(priced, key=lambda x: (x[1].name in chosen, x[0]))
    with decimal.localcontext(EXACT):
        times = int(target / price) + 1
    if outcome.name not in chosen:  # e.g. an exclusive group chose another: it alone, with its ladder
        chosen = dict(_with_prerequisites(contract, outcome.name, times))
    chosen[outcome.name] = max(chosen.get(outcome.name, 0), times)
    return list(chosen.items())


def _settled_paid(contract: Contract, claims: list[Claim]) -> tuple[Decimal, Settlement]:
    result = settle(contract, claims)
    return sum((d.amount for d in result.decisions if d.status is not Status.REJECTED), ZERO), result


def _one(contract: Contract, found: Exposure, index: int, a: Assertion) -> Verdict:
    value = a.value or ZERO
    if a.kind == "participant_max":
        best = found.best
        top = best.amount if best else ZERO
        if best is None or (top <= value and not any(m.unbounded for m in found.participants)):
            return Verdict(index, a, "proven", f"the most one participant can be paid is {_m(contract, top)}"
                           + _bounded(found))
        unbounded = next((m for m in found.participants if m.unbounded or (m.repeats and m.amount > value)), None)
        if unbounded is not None:  # no limit: enough claims of an outcome that repeats without one
            best = unbounded
            selection = _repeated(contract, unbounded, value)
        else:
            selection = _trimmed(contract, best, value)
        if sum(times for _, times in selection) > WITNESS_CLAIMS:
            return Verdict(index, a, "unknown", _undecided(found, f"a witness would need more than "
                                                                  f"{WITNESS_CLAIMS:,} claims"))
        claims = participant_claims(contract, "w-participant", best.cohort, best.subgroup, selection)
        paid, result = _settled_paid(contract, claims)
        if paid > value:
            return Verdict(index, a, "refuted", f"one participant can be paid {_m(contract, paid)}", claims,
                           result.decisions)
        return Verdict(index, a, "unknown", _undecided(found, f"the witness was paid {_m(contract, paid)} only"),
                       candidate=claims)
    if a.kind == "never_twice":
        outcome = next((o for o in contract.outcomes if o.name == a.subject), None)
        if outcome is None or outcome.tariff.kind == "cohort_level":
            return Verdict(index, a, "unknown", "a cohort-level outcome is paid per measurement")
        if outcome.times_limit is not None and outcome.times_limit <= 1:
            return Verdict(index, a, "proven", f"{a.subject} is paid at most once per participant (its repeat rule)")
        best = found.best
        claims = participant_claims(contract, "w-participant", best.cohort if best else None,
                                    best.subgroup if best else None, _with_prerequisites(contract, a.subject or "", 2))
        settled = settle(contract, claims)
        repeats = [d for d in settled.decisions if d.status is not Status.REJECTED and d.outcome == a.subject]
        if len(repeats) > 1:
            return Verdict(index, a, "refuted", f"{a.subject} can be paid {outcome.repeat_limit or 'any number of'} "
                           "times for one participant", claims, settled.decisions)
        return Verdict(index, a, "unknown", "the witness could not be paid twice", candidate=claims)
    if a.kind == "total_max":
        if found.liability is not None and found.liability <= value:
            return Verdict(index, a, "proven", f"the maximum liability is {_m(contract, found.liability)}, set by "
                           f"{found.set_by}" + _bounded(found, "liability"))
        return _many(contract, found, index, a, None)
    if a.kind == "payer_max":
        most, why = found.payers.get(a.subject or "", (None, ""))
        if most is not None and most <= value:
            return Verdict(index, a, "proven", f"{a.subject} can owe at most {_m(contract, most)} ({why})"
                           + _bounded(found, a.subject or ""))
        return _many(contract, found, index, a, a.subject)
    if a.kind == "tranche_order":
        return _order(contract, index, a)
    if a.kind == "period_max":
        return _period(contract, found, index, a)
    if a.kind in ("investor_loss", "investor_return"):
        return _investor(contract, found, index, a)
    enforced = _share_enforced(contract, a.subject, value)
    if enforced is not None:
        return Verdict(index, a, "proven", enforced)
    return Verdict(index, a, "unknown", "a sub-group's share depends on when claims come")


def _share_enforced(contract: Contract, subgroup: str | None, value: Decimal) -> str | None:
    """Why a sub-group share assertion holds for every ledger, or None: a share cap on that
    sub-group of all paid outcomes, at most the asserted share. Measured each period or over the
    contract, the share holds exactly in every measurement, so in their sum; measured as claims
    are paid, each paid claim of the sub-group kept it within its share (rounded up) of the paid
    outcomes then, which the later paid outcomes only raise. Either way the sub-group has at
    most that share of all paid outcomes, rounded up, in the end (a share of achievements does
    not prove it: achievements can outnumber paid outcomes). Not proven where a cohort-level
    outcome can be paid: its results count among the paid outcomes of the cap, and a reader may
    count only participants' outcomes."""
    if any(o.tariff.kind == "cohort_level" for o in contract.outcomes):
        return None
    for i, cap in enumerate(contract.caps):
        if (cap.scope == "subgroup" and cap.measure == "share" and cap.target == subgroup and cap.share_base == "paid"
                and not cap.share_of and cap.limit <= value):
            when = {"running": "as claims are paid", "period": "each period", "contract": "over the contract"}
            return (f"the share cap caps.{i} keeps sub-group {subgroup} at most {cap.limit.normalize():f}% of the paid "
                    f"outcomes, measured {when[cap.measured]}")
    return None


def _period(contract: Contract, found: Exposure, index: int, a: Assertion) -> Verdict:
    """Proven from the most paid in one period (`periods.py`: the cap per period or the whole
    maximum liability); refuted when that figure's witness, settled, pays more in one period."""
    from sibdsl.analysis.periods import most_in_a_period

    value = a.value or ZERO
    pm = found.period
    if pm is not None and pm.most is not None and pm.most <= value:
        if pm.set_by == "the cap per period":
            return Verdict(index, a, "proven", f"the cap per period is {_m(contract, pm.most)}")
        return Verdict(index, a, "proven", f"even the whole maximum liability is {_m(contract, pm.most)}"
                       + _bounded(found, "liability"))
    if pm is not None and pm.witness and pm.reached > value:
        settled = settle(contract, pm.witness)
        if most_in_a_period(settled) > value:
            people = len({c.participant for c in pm.witness})
            return Verdict(index, a, "refuted", f"{people:,} participants who all start on one day are paid "
                           f"{_m(contract, pm.reached)} in one period", pm.witness, settled.decisions)
    return Verdict(index, a, "unknown", "a limit per period depends on when claims come",
                   candidate=pm.witness if pm is not None else [])


def _order(contract: Contract, index: int, a: Assertion) -> Verdict:
    """Two tranches released on fixed dates are in a known order; others depend on the claims."""
    from sibdsl.settlement.tranches import release_tranches

    by_name = {t.name: t for t in contract.tranches}
    first, second = by_name.get(a.subject or ""), by_name.get(a.other or "")
    if first is None or second is None or first.conditions or second.conditions or first.on is None \
            or second.on is None:
        return Verdict(index, a, "unknown", "a tranche released on a condition depends on the claims")
    if first.on < second.on:
        return Verdict(index, a, "proven", f"{first.name} is due on {first.on}, before {second.name} on {second.on}")
    released = {r.tranche: r.day for r in release_tranches(contract, [], [], contract.header.term_end)}
    return Verdict(index, a, "refuted", f"{first.name} is released on {released.get(first.name)}, "
                   f"{second.name} on {released.get(second.name)}")


def _many(contract: Contract, found: Exposure, index: int, a: Assertion, payer: str | None) -> Verdict:
    """Refute a limit on a total by settling enough participants who each earn the most (or,
    when the most is only an upper bound, what the best selection found is paid)."""
    value = a.value or ZERO
    best = found.best
    cannot = "the analysis could not build a ledger that breaks it; the search checks it"
    with decimal.localcontext(EXACT):
        share = next((p.share for p in contract.payers if p.name == payer), Decimal(100)) / 100 if payer else \
            Decimal(1)
    repeating = next((m for m in found.participants if m.unbounded or m.repeats), None)
    if repeating is not None and share > 0:  # one participant claiming an outcome that repeats without limit
        with decimal.localcontext(EXACT):
            selection = _repeated(contract, repeating, value / share)
        if sum(t for _, t in selection) <= WITNESS_CLAIMS:
            ledger = participant_claims(contract, "w1", repeating.cohort, repeating.subgroup, selection)
            settled = settle(contract, ledger)
            paid = settled.figures.payer_money[payer] if payer else settled.figures.total_money
            if paid > value:
                who = f"{payer} pays" if payer else "payments total"
                return Verdict(index, a, "refuted", f"1 participant who claims an outcome that repeats without limit "
                               f"{len(ledger):,} times: {who} {_m(contract, paid)}", ledger, settled.decisions)
    per = best.amount if best is not None and best.exact else best.reached if best is not None else None
    if best is None or per is None or per <= 0:
        return Verdict(index, a, "unknown", _undecided(found, "no participant can be paid anything"))
    cohort = next((c for c in contract.cohorts if c.name == best.cohort), None)
    room = cohort.size if cohort is not None and cohort.size is not None else WITNESS_PARTICIPANTS
    with decimal.localcontext(EXACT):
        share = next((p.share for p in contract.payers if p.name == payer), Decimal(100)) / 100 if payer else \
            Decimal(1)
        needed = int(value / (per * share)) + 1 if share > 0 else room + 1
        selection = _trimmed(contract, best, value / share) if needed == 1 and share > 0 else best.selection
    if needed > min(room, WITNESS_PARTICIPANTS) or needed * sum(t for _, t in selection) > WITNESS_CLAIMS:
        return Verdict(index, a, "unknown", _undecided(found, cannot))
    claims: list[Claim] = []
    for k in range(needed):
        claims += participant_claims(contract, f"w{k + 1}", best.cohort, best.subgroup, selection, len(claims))
    result = settle(contract, claims)
    got = result.figures.payer_money[payer] if payer else result.figures.total_money
    if got > value:
        who = f"{payer} pays" if payer else "payments total"
        people = "1 participant who earns" if needed == 1 else f"{needed} participants who each earn"
        return Verdict(index, a, "refuted", f"{people} the most: {who} "
                       f"{_m(contract, got)}", claims, result.decisions)
    return Verdict(index, a, "unknown", _undecided(found, cannot), candidate=claims)


def _with_prerequisites(contract: Contract, name: str, times: int) -> list[tuple[str, int]]:
    by_name = {o.name: o for o in contract.outcomes}
    chosen: dict[str, int] = {}
    stack = [name]
    while stack:
        current = stack.pop()
        if current in chosen or current not in by_name:
            continue
        chosen[current] = 1
        stack.extend(need[0] for need in needs(by_name[current]))  # a choice: its first option
    chosen[name] = times
    return list(chosen.items())


def _investor(contract: Contract, found: Exposure, index: int, a: Assertion) -> Verdict:
    """`assert investor X loses at most ...` / `... returns at most R a year`: proven by the
    investor's sound bound (analysis/investors.py), refuted only by a witness ledger settled by
    the engine, released and run through the waterfall to maturity (the empty ledger for a
    loss, the maximum liability's witness for a return, each with every discretionary tranche
    requested in full on the term's first day); else unknown, and the search checks it."""
    from sibdsl.analysis import investors as inv_mod

    figures = found.investors.figures if found.investors is not None else inv_mod.bounds(contract, found)
    f = figures.get(a.subject or "")
    investor = next((i for i in contract.investors if i.name == a.subject), None)
    if f is None or investor is None:
        return Verdict(index, a, "unknown", f"no investor {a.subject}")
    value = a.value or ZERO
    requests = inv_mod.full_requests(contract)
    if a.kind == "investor_loss":
        bound = "" if f.loss.exact else f" (an upper bound: {f.loss.why})"
        if a.of_principal and f.loss_share is not None and f.loss_share <= value:
            return Verdict(index, a, "proven", f"{f.name} can lose at most {f.loss_share:f}% of the principal it draws "
                           f"(at most {_m(contract, f.loss.amount or ZERO)} of {_m(contract, f.drawable)})")
        if not a.of_principal and f.loss.amount is not None and f.loss.amount <= value:
            return Verdict(index, a, "proven", f"{f.name} can lose at most {_m(contract, f.loss.amount)} of the "
                           f"{_m(contract, f.drawable)} it can draw" + bound)
        lost = ZERO
        for words, asked in inv_mod.request_variants(contract, []):  # the empty ledger, with each kind of request
            settled, w = inv_mod.run(contract, [], asked)
            why = inv_mod.loss_excess(contract, a, w)
            if why is not None:
                return Verdict(index, a, "refuted", f"the empty ledger{words}, run through the waterfall to maturity: "
                               f"{why}", [], settled.decisions, requests=asked, flows=_flows(contract, w, f.name))
            lost = max(lost, w.loss(f.name))
        return Verdict(index, a, "unknown", f"the empty ledger makes it lose {_m(contract, lost)} at most, and the "
                       f"bound is {_m(contract, f.loss.amount or ZERO)}" + (
                           f" ({f.loss_share:f}% of the principal drawn)" if a.of_principal else ""))
    proof = _return_proof(contract, investor, value)
    if proof is not None:
        return Verdict(index, a, "proven", proof)
    claims, source = inv_mod.liability_ledger(contract, found)
    if not claims:
        return Verdict(index, a, "unknown", "no witness ledger reaches the maximum liability within the analysis's "
                       "limits")
    settled, w = inv_mod.run(contract, claims, requests)
    why = inv_mod.return_excess(contract, a, w)
    if why is not None:
        return Verdict(index, a, "refuted", f"{source}, run through the waterfall: {why}", claims, settled.decisions,
                       requests=requests, flows=_flows(contract, w, f.name))
    return Verdict(index, a, "unknown", f"{source}, run through the waterfall, pays it within "
                   f"{value.normalize():f}% a year", candidate=claims)


def _return_proof(contract: Contract, investor: Investor, value: Decimal) -> str | None:
    """Why an investor's interest and performance return stay within `value` percent a year at
    every distribution date, or None: its return cap and its interest rate are at most `value`
    (interest paid never passes the interest accrued, rounded, and the performance return stops
    at the cap's room; both accrue on the same outstanding principal, so the allowance at
    `value` is at least as large, and rounding is monotone). Surplus shares and guaranteed
    interest are not counted by the measure (docs/analysis.md)."""
    cap = investor.return_cap
    if cap is None:
        return None
    rate = investor.interest.rate if investor.interest is not None else ZERO
    if cap <= value and rate <= value:
        return f"the return of {investor.name} is capped at {cap.normalize():f}% a year" + (
            f" and its interest is {rate.normalize():f}%" if investor.interest is not None else "") + \
            " (interest and return are paid only within the cap's room)"
    return None


def _flows(contract: Contract, w: object, name: str) -> str:
    """One line of what the waterfall paid the investor in the witness."""
    account = getattr(w, "accounts", {}).get(name)
    if account is None:
        return ""
    cur = contract.header.currency
    return (f"{name}: drawn {cur} {account.drawn:,.2f}, interest {cur} {account.interest_paid:,.2f}, principal "
            f"{cur} {account.principal_repaid:,.2f}, return {cur} {account.return_paid:,.2f}, surplus "
            f"{cur} {account.surplus_paid:,.2f}, guarantees {cur} {account.guaranteed:,.2f}, loss "
            f"{cur} {account.loss:,.2f}")
