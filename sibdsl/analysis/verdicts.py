"""Analysis: a verdict on each of the contract's `assert` clauses.

Input: the compiled `Contract` and its `Exposure`. Output: one `Verdict` per assertion:
`proven` (the exact analysis shows it holds for every ledger), `refuted` (with a witness
ledger that the settlement engine has been run on, and that really breaks it), or `unknown`
(the analysis cannot decide it; the property search checks it instead).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sibdsl.analysis.exposure import Exposure
from sibdsl.analysis.witness import participant_claims
from sibdsl.model.contract import Assertion, Contract
from sibdsl.settlement.engine import settle
from sibdsl.settlement.money import ZERO
from sibdsl.settlement.records import Claim, Status


@dataclass
class Verdict:
    index: int
    assertion: Assertion
    status: str  # proven | refuted | unknown
    reason: str
    witness: list[Claim] = field(default_factory=list)


def _m(contract: Contract, x: Decimal) -> str:
    return f"{contract.header.currency} {x:,.2f}"


def verdicts(contract: Contract, found: Exposure) -> list[Verdict]:
    return [_one(contract, found, i, a) for i, a in enumerate(contract.assertions)]


def _one(contract: Contract, found: Exposure, index: int, a: Assertion) -> Verdict:
    value = a.value or ZERO
    if a.kind == "participant_max":
        best = found.best
        top = best.amount if best else ZERO
        if best is None or (top <= value and not best.unbounded):
            return Verdict(index, a, "proven", f"the most one participant can be paid is {_m(contract, top)}")
        claims = participant_claims(contract, "w-participant", best.cohort, best.subgroup, best.selection)
        paid = sum((d.amount for d in settle(contract, claims).decisions if d.status is not Status.REJECTED), ZERO)
        if paid > value:
            return Verdict(index, a, "refuted", f"one participant can be paid {_m(contract, paid)}", claims)
        return Verdict(index, a, "unknown", f"the witness was paid {_m(contract, paid)} only")
    if a.kind == "never_twice":
        outcome = next((o for o in contract.outcomes if o.name == a.subject), None)
        if outcome is None or outcome.tariff.kind == "cohort_level":
            return Verdict(index, a, "unknown", "a cohort-level outcome is paid per measurement")
        if outcome.repeat == "once" or (outcome.repeat == "up_to" and outcome.repeat_limit <= 1):
            return Verdict(index, a, "proven", f"{a.subject} is paid at most once per participant (its repeat rule)")
        best = found.best
        claims = participant_claims(contract, "w-participant", best.cohort if best else None,
                                    best.subgroup if best else None, _with_prerequisites(contract, a.subject or "", 2))
        repeats = [d for d in settle(contract, claims).decisions
                   if d.status is not Status.REJECTED and d.outcome == a.subject]
        if len(repeats) > 1:
            return Verdict(index, a, "refuted", f"{a.subject} can be paid {outcome.repeat_limit or 'any number of'} "
                           "times for one participant", claims)
        return Verdict(index, a, "unknown", "the witness could not be paid twice")
    if a.kind == "total_max":
        if found.liability is not None and found.liability <= value:
            return Verdict(index, a, "proven", f"the maximum liability is {_m(contract, found.liability)}, set by "
                           f"{found.set_by}")
        return _many(contract, found, index, a, None)
    if a.kind == "payer_max":
        most, why = found.payers.get(a.subject or "", (None, ""))
        if most is not None and most <= value:
            return Verdict(index, a, "proven", f"{a.subject} can owe at most {_m(contract, most)} ({why})")
        return _many(contract, found, index, a, a.subject)
    if a.kind == "tranche_order":
        return _order(contract, index, a)
    if a.kind == "period_max":
        period_cap = next((c for c in contract.caps if c.scope == "period"), None)
        if period_cap is not None and period_cap.limit <= value:
            return Verdict(index, a, "proven", f"the cap per period is {_m(contract, period_cap.limit)}")
        if found.liability is not None and found.liability <= value:
            return Verdict(index, a, "proven", f"even the whole maximum liability is {_m(contract, found.liability)}")
    return Verdict(index, a, "unknown", "a limit per period or a sub-group's share depends on when claims come")


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
    """Refute a limit on a total by settling enough participants who each earn the most."""
    value = a.value or ZERO
    best = found.best
    if best is None or best.amount <= 0:
        return Verdict(index, a, "unknown", "no participant can be paid anything")
    cohort = next((c for c in contract.cohorts if c.name == best.cohort), None)
    room = cohort.size if cohort is not None and cohort.size is not None else 10_000
    share = next((p.share for p in contract.payers if p.name == payer), Decimal(100)) / 100 if payer else Decimal(1)
    needed = int(value / (best.amount * share)) + 1 if share > 0 else room + 1
    if needed > min(room, 10_000):
        return Verdict(index, a, "unknown", "the analysis could not build a ledger that breaks it; the search checks it")
    claims: list[Claim] = []
    for k in range(needed):
        claims += participant_claims(contract, f"w{k + 1}", best.cohort, best.subgroup, best.selection, len(claims))
    result = settle(contract, claims)
    got = result.figures.payer_money[payer] if payer else result.figures.total_money
    if got > value:
        who = f"{payer} pays" if payer else "payments total"
        return Verdict(index, a, "refuted", f"{needed} participants who each earn the most: {who} "
                       f"{_m(contract, got)}", claims)
    return Verdict(index, a, "unknown", "the analysis could not build a ledger that breaks it; the search checks it")


def _with_prerequisites(contract: Contract, name: str, times: int) -> list[tuple[str, int]]:
    by_name = {o.name: o for o in contract.outcomes}
    chosen: dict[str, int] = {}
    stack = [name]
    while stack:
        current = stack.pop()
        if current in chosen or current not in by_name:
            continue
        chosen[current] = 1
        stack.extend(p.outcome for p in by_name[current].prerequisites)
    chosen[name] = times
    return list(chosen.items())
