"""Search: the guarantees of settlement, checked on one settled ledger.

Input: a `Settlement` (and for order/extension, the ability to settle again). Output: a list
of violations in plain words; empty when every guarantee holds:

1. no cap of any scope exceeded (participant, outcome, sub-group incl. share, cohort, period,
   year, payer, contract, a tier band's own cap), no band of zero paid, no tier counted within a
   sub-group paid outside it;
2. a claim id pays once; no outcome above its repeat limit per participant; at most k of an
   exclusive group per participant; no ladder step before its prerequisite;
3. payer shares add up to each payment and payments to the invoices (no cent created or lost);
   split per invoice, no payer but the remainder payer is invoiced more than its exact share
   of its period, rounded once (docs/settlement.md, "Splitting per invoice");
4. the contract's own `assert` clauses; the investor assertions (`loses at most`, `returns at
   most`) on the waterfall run to maturity (`investor_violations`: the tranches released as of
   maturity, with no discretionary request, every discretionary tranche requested in full on
   the term's first day or on the ledger's last date, and a request of one and a half units,
   which a percentage protection rounds down to nothing).
Order independence and extension are checked by `settle_again_checks`.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sibdsl.core.calendar import add_duration
from sibdsl.core.money import ZERO
from sibdsl.model.contract import Contract, TieredTariff
from sibdsl.settlement.engine import Settlement, share_allowance
from sibdsl.settlement.plan import Plan
from sibdsl.settlement.records import Claim, Decision, Reason, Status
from sibdsl.settlement.tranches import Release

Settle = Callable[[Contract, list[Claim]], Settlement]


def _paid(s: Settlement) -> list[Decision]:
    return [d for d in s.decisions if d.status is not Status.REJECTED]


def cap_violations(s: Settlement) -> list[str]:
    c = s.plan.contract
    plan = s.plan
    out: list[str] = []
    claims_paid = _paid(s)
    who = s.figures.participants
    money: dict[tuple[str, object], Decimal] = defaultdict(Decimal)
    count: dict[tuple[str, object], int] = defaultdict(int)
    running_sub: dict[object, int] = defaultdict(int)
    share_caps = [cap for cap in c.caps if cap.measure == "share" and not cap.measured_share]
    for running_total, d in enumerate(claims_paid, start=1):
        p = None if d.cohort_level else who.get(d.participant)
        sub = p.subgroup if p else None
        cohort = p.cohort if p else d.participant  # cohort-level results carry the cohort in `participant`
        person = None if d.cohort_level else d.participant
        keys = [("participant", person), ("outcome", d.outcome), ("subgroup", sub), ("cohort", cohort),
                ("period", d.period), ("year", plan.year_of(d.achieved)), ("contract", None)]
        for key in keys:
            money[key] += d.amount
            count[key] += 1
        for payer_name, part in d.shares.items():
            money[("payer", payer_name)] += part
        running_sub[sub] += 1
        for cap in share_caps:
            if sub == cap.target and running_sub[sub] > share_allowance(cap.limit, running_total):
                out.append(f"sub-group {sub} reached {running_sub[sub]} of {running_total} paid outcomes, above "
                           f"{cap.limit}% (claim {d.claim_id})")
    out += measured_share_violations(s)
    for cap in c.caps:
        if cap.measure == "share":
            continue
        scope = cap.scope
        table = money if cap.measure == "money" else count
        if scope in ("participant", "period", "year"):
            used = [(k, v) for k, v in table.items() if k[0] == scope and k[1] is not None]
        else:
            used = [((scope, cap.target), table.get((scope, cap.target), 0))]
        for where, value in used:
            if value > cap.limit:
                out.append(f"cap {scope} {cap.target or ''} of {cap.limit} exceeded: {value} for {where[1]}"
                           .replace("  ", " "))
    for payer in c.payers:
        if payer.cap is not None and money[("payer", payer.name)] > payer.cap:
            out.append(f"payer {payer.name} paid {money[('payer', payer.name)]}, above its cap {payer.cap}")
    return out + band_violations(s)


def band_violations(s: Settlement) -> list[str]:
    """Tier bands, renumbered from the paid decisions (each paid claim of an outcome, in the order
    of settlement, is the next outcome number): a band of zero pays nothing, a band's own cap is
    never exceeded, and a tier counted within a sub-group pays no one outside it."""
    out: list[str] = []
    who = s.figures.participants
    for o in s.plan.contract.outcomes:
        tariff = o.tariff
        if not isinstance(tariff, TieredTariff):
            continue
        paid_in: dict[int, Decimal] = defaultdict(Decimal)
        n = 0
        for d in s.decisions:
            if d.outcome != o.name or d.status is Status.REJECTED or d.cohort_level:
                continue
            n += 1
            p = who.get(d.participant)
            if tariff.counted_within is not None and (p is None or p.subgroup != tariff.counted_within):
                out.append(f"{o.name} is counted within {tariff.counted_within} but paid {d.claim_id} outside it")
            band = tariff.band_index(n)
            if band is None:
                out.append(f"{o.name}: claim {d.claim_id} is outcome number {n}, which no band prices")
                continue
            paid_in[band] += d.amount
            if tariff.bands[band].price == 0 and d.amount != 0:
                out.append(f"{o.name}: claim {d.claim_id} is paid {d.amount} in a band of zero")
        for band, total in paid_in.items():
            cap = tariff.bands[band].cap
            if cap is not None and total > cap:
                out.append(f"{o.name}: band {band + 1} paid {total}, above its cap {cap}")
    return out


def measured_share_violations(s: Settlement) -> list[str]:
    """Every share cap measured each period (or over the contract) holds exactly where it is
    measured: what it caps, counted from the decisions, at most its share of the base (the
    paid outcomes, or the achievements: paid, or paid when first settled without the shares)."""
    c = s.plan.contract
    who = s.figures.participants
    out: list[str] = []
    for ci, cap in enumerate(c.caps):
        if not cap.measured_share:
            continue
        counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for d in s.decisions:
            if d.period < 0 or d.reason is Reason.DUPLICATE_CLAIM or (cap.share_of and d.outcome not in cap.share_of):
                continue
            group = -2 if cap.measured == "contract" else d.period
            paid = d.status is not Status.REJECTED
            achieved = (d.claim_id in (s.figures.achieved_measurements if d.cohort_level else s.figures.achieved_ids))
            if paid or (cap.share_base == "achievements" and achieved):
                counts[group][1] += 1
            if paid and not d.cohort_level:
                p = who.get(d.participant)
                mine = (p is not None and p.subgroup == cap.target) if cap.scope == "subgroup" else d.outcome == cap.target
                counts[group][0] += mine
        for group, (capped, base) in sorted(counts.items()):
            if capped * 100 > cap.limit * base:
                where = "over the contract" if group == -2 else f"in P{group + 1}"
                out.append(f"share cap caps.{ci} ({cap.limit}%) exceeded {where}: {capped} of {base}")
    return out


def double_payment_violations(s: Settlement) -> list[str]:
    c = s.plan.contract
    out: list[str] = []
    ids: dict[str, int] = defaultdict(int)
    per: dict[tuple[str, str], list[Decision]] = defaultdict(list)
    for d in _paid(s):
        ids[d.claim_id] += 1
        per[(d.participant, d.outcome)].append(d)
    out += [f"claim id {i} paid {n} times" for i, n in ids.items() if n > 1]
    outcomes = {o.name: o for o in c.outcomes}
    for (participant, name), paid in per.items():
        o = outcomes.get(name)
        if o is None or o.tariff.kind == "cohort_level":
            continue
        if o.times_limit is not None and len(paid) > o.times_limit:
            out.append(f"{name} paid {len(paid)} times for {participant}, limit {o.times_limit}")
        for d in paid:
            for prereq in o.prerequisites:
                before = [x for x in per.get((participant, prereq.outcome), []) if (x.achieved, x.claim_id) <=
                          (d.achieved, d.claim_id)]
                if not before:
                    out.append(f"{name} paid for {participant} ({d.claim_id}) before its prerequisite {prereq.outcome}")
                elif prereq.at_least is not None:
                    due = add_duration(before[0].achieved, prereq.at_least)
                    if d.achieved < due:
                        out.append(f"{name} paid for {participant} on {d.achieved}, before {due}")
            for choice in o.choices:  # `after a or b` (issue 10.2): some option paid before it
                if choice.held_at_referral or choice.if_paid:
                    continue
                if not any((x.achieved, x.claim_id) <= (d.achieved, d.claim_id) for option in choice.options
                           for x in per.get((participant, option.outcome), [])):
                    out.append(f"{name} paid for {participant} ({d.claim_id}) before any of "
                               f"{', '.join(p.outcome for p in choice.options)}")
    for group in c.exclusive_groups:
        by_participant: dict[str, set[str]] = defaultdict(set)
        for (participant, name), paid in per.items():
            if name in group.members and paid:
                by_participant[participant].add(name)
        for participant, members in by_participant.items():
            if len(members) > group.at_most:
                out.append(f"{participant} paid {', '.join(sorted(members))}: more than {group.at_most} of the group")
    return out


def conservation_violations(s: Settlement) -> list[str]:
    out: list[str] = []
    for d in s.decisions:
        total = sum(d.shares.values(), ZERO)
        if total != d.amount:
            out.append(f"claim {d.claim_id}: payer shares add to {total}, payment is {d.amount}")
        if any(part < 0 for part in d.shares.values()):
            out.append(f"claim {d.claim_id}: a negative payer share {d.shares}")
        if d.status is Status.REJECTED and d.amount != 0:
            out.append(f"claim {d.claim_id}: rejected but paid {d.amount}")
        if d.amount > d.price:
            out.append(f"claim {d.claim_id}: paid {d.amount}, above its price {d.price}")
    invoiced = sum(s.invoices.values(), ZERO)
    paid = sum((d.amount for d in s.decisions), ZERO)
    if invoiced != paid:
        out.append(f"invoices add to {invoiced}, payments to {paid}")
    if paid != s.figures.total_money:
        out.append(f"decisions add to {paid}, the running total is {s.figures.total_money}")
    return out


def assertion_violations(s: Settlement) -> list[str]:
    """The contract's own `assert` clauses that do not hold on this ledger (tranche order aside)."""
    c = s.plan.contract
    out: list[str] = []
    paid = _paid(s)
    for a in c.assertions:
        value = a.value or ZERO
        if a.kind == "participant_max":
            totals: dict[str, Decimal] = defaultdict(Decimal)
            for d in paid:
                if d.participant in s.figures.participants:
                    totals[d.participant] += d.amount
            worst = max(totals.items(), key=lambda kv: kv[1], default=None)
            if worst and worst[1] > value:
                out.append(f"assert {a.text}: {worst[0]} is paid {worst[1]}")
        elif a.kind == "payer_max":
            got = sum((d.shares.get(a.subject or "", ZERO) for d in paid), ZERO)
            if got > value:
                out.append(f"assert {a.text}: {a.subject} pays {got}")
        elif a.kind == "period_max":
            periods: dict[int, Decimal] = defaultdict(Decimal)
            for d in paid:
                periods[d.period] += d.amount
            worst_p = max(periods.items(), key=lambda kv: kv[1], default=None)
            if worst_p and worst_p[1] > value:
                out.append(f"assert {a.text}: period P{worst_p[0] + 1} pays {worst_p[1]}")
        elif a.kind == "total_max":
            if s.figures.total_money > value:
                out.append(f"assert {a.text}: total is {s.figures.total_money}")
        elif a.kind == "never_twice":
            seen: dict[str, int] = defaultdict(int)
            for d in paid:
                if d.outcome == a.subject:
                    seen[d.participant] += 1
            twice = [p for p, n in seen.items() if n > 1]
            if twice:
                out.append(f"assert {a.text}: paid twice for {twice[0]}")
        elif a.kind == "subgroup_share":
            n_sub = sum(1 for d in paid if (p := s.figures.participants.get(d.participant)) and p.subgroup == a.subject)
            if paid and n_sub > share_allowance(value, len(paid)):  # the share, rounded up to a whole outcome
                out.append(f"assert {a.text}: {n_sub} of {len(paid)} paid outcomes")
    return out


def assertion_scores(s: Settlement) -> dict[str, float]:
    """For each money or count assertion, how close this ledger comes to breaking it, for
    hypothesis's `target()` to climb: the asserted figure over its limit (above 1 breaks it);
    for a sub-group share, its outcomes beyond the share's allowance (above 0 breaks it).
    Only guidance for the search: floats are fine here, no verdict is read from them."""
    c = s.plan.contract
    paid = _paid(s)
    out: dict[str, float] = {}
    who = s.figures.participants
    for i, a in enumerate(c.assertions):
        limit = a.value or ZERO
        figure: Decimal | None = None
        if a.kind == "participant_max":
            totals: dict[str, Decimal] = defaultdict(Decimal)
            for d in paid:
                if d.participant in who:
                    totals[d.participant] += d.amount
            figure = max(totals.values(), default=ZERO)
        elif a.kind == "payer_max":
            figure = sum((d.shares.get(a.subject or "", ZERO) for d in paid), ZERO)
        elif a.kind == "period_max":
            periods: dict[int, Decimal] = defaultdict(Decimal)
            for d in paid:
                periods[d.period] += d.amount
            figure = max(periods.values(), default=ZERO)
        elif a.kind == "total_max":
            figure = s.figures.total_money
        elif a.kind == "never_twice":
            seen: dict[str, int] = defaultdict(int)
            for d in paid:
                if d.outcome == a.subject:
                    seen[d.participant] += 1
            out[f"assert {i}"] = float(max(seen.values(), default=0))
        elif a.kind == "subgroup_share":
            n_sub = sum(1 for d in paid if (p := who.get(d.participant)) and p.subgroup == a.subject)
            out[f"assert {i}"] = float(n_sub - share_allowance(limit, len(paid))) if paid else -1.0
        if figure is not None:
            out[f"assert {i}"] = float(figure / limit) if limit > 0 else float(figure)
    return out


def invoice_violations(s: Settlement) -> list[str]:
    """Split per invoice: each payer's parts in a period add up to its invoice, and (in a period
    where no part was cut) no payer but the remainder payer is invoiced above its exact share of
    the period's payments, rounded by the contract's rule."""
    from fractions import Fraction

    from sibdsl.core.money import round_money

    plan = s.plan
    if not plan.per_invoice:
        return []
    out: list[str] = []
    parts: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    owed: dict[tuple[str, int], Fraction] = defaultdict(Fraction)  # exact shares (per outcome and phase)
    cut: set[int] = set()
    for d in s.decisions:
        if d.status is Status.REJECTED:
            continue
        if d.status is Status.PARTIAL:
            cut.add(d.period)
        for payer, part in d.shares.items():
            parts[(payer, d.period)] += part
        for p in plan.contract.payers:
            owed[(p.name, d.period)] += Fraction(d.amount) * p.share_of(d.outcome, d.achieved)
    for key, amount in s.invoices.items():
        if parts.get(key, ZERO) != amount:
            out.append(f"invoice {key[0]} P{key[1] + 1} is {amount}, its parts add up to {parts.get(key, ZERO)}")
    for (name, period), exact in owed.items():
        if name == plan.remainder_to or period in cut:
            continue
        most = round_money(exact, plan.unit, plan.rounding)
        got = s.invoices.get((name, period), ZERO)
        if got > most:
            out.append(f"invoice {name} P{period + 1} is {got}, above its exact share {float(exact):.2f} rounded ({most})")
    return out


def investor_violations(contract: Contract, s: Settlement, claims: list[Claim],
                        scores: dict[str, float] | None = None) -> list[str]:
    """The investor assertions the waterfall, run to maturity on this settlement with each of
    `request_variants`, breaks; `scores` gets, per investor assertion, the closest any run came
    to breaking it (for the search's `target()`)."""
    if not any(a.kind in ("investor_loss", "investor_return") for a in contract.assertions):
        return []
    from sibdsl.analysis.investors import request_variants, run, violations
    from sibdsl.analysis.investors import scores as closeness

    out: list[str] = []
    for words, requests in request_variants(contract, claims):
        _, w = run(contract, claims, requests, settled=s)
        out += [v + words for v in violations(contract, w)]
        if scores is not None:
            for label, score in closeness(contract, w).items():
                scores[label] = max(scores.get(label, 0.0), score)
    return out


def all_violations(s: Settlement) -> list[str]:
    return (cap_violations(s) + double_payment_violations(s) + conservation_violations(s) + invoice_violations(s)
            + assertion_violations(s))


def _key(d: Decision) -> tuple[object, ...]:
    return (d.claim_id, d.participant, d.outcome, d.achieved, d.status, d.reason, d.amount, tuple(sorted(d.shares.items())))


def settle_again_checks(contract: Contract, claims: list[Claim], first: Settlement, settle: Settle,
                        rng: random.Random) -> list[str]:
    """Shuffling changes nothing; settling a prefix (in processing order) decides it the same way."""
    out: list[str] = []
    shuffled = list(claims)
    rng.shuffle(shuffled)
    again = settle(contract, shuffled)
    every = first.in_file_order()  # reset rows too (issue 10.1): one decision per row of the ledger
    if [_key(d) for d in again.in_file_order()] != [_key(d) for d in every]:
        out.append("shuffling the ledger changed a decision")
    ordered = sorted(claims, key=lambda c: c.order_key())
    cuts = prefix_cuts(contract, first.plan, ordered)
    if ordered:
        cut = rng.choice(cuts)
        prefix = settle(contract, ordered[:cut])
        if [_key(d) for d in prefix.in_file_order()] != [_key(d) for d in every[:cut]]:
            out.append(f"settling the first {cut} claims decided them differently from the whole ledger")
    return out


def prefix_cuts(contract: Contract, plan: Plan, ordered: list[Claim]) -> list[int]:
    """Where a ledger (in settlement order) can be cut so that the prefix is decided as in the
    whole ledger: anywhere; with a share measured each period, only between two periods (a
    period's claims are decided together); with a share over the contract, nowhere but the ends."""
    measured = {cap.measured for cap in contract.caps if cap.measured_share}
    if not measured:
        return list(range(len(ordered) + 1))
    if "contract" in measured:
        return [0, len(ordered)]
    def period(c: Claim) -> int:
        return plan.period_of(c.achieved) if plan.term_start <= c.achieved <= plan.term_end else -1
    return [0] + [k for k in range(1, len(ordered)) if period(ordered[k - 1]) != period(ordered[k])
                  or period(ordered[k]) < 0] + [len(ordered)]


def released_in_order(contract: Contract, releases: list[Release]) -> list[str]:
    out: list[str] = []
    day: dict[str, date | None] = {}
    for r in releases:
        if r.status.startswith("released"):
            day.setdefault(r.tranche, r.day)
    for a in contract.assertions:
        if a.kind == "tranche_order" and a.subject and a.other:
            first, second = day.get(a.subject), day.get(a.other)
            if second is not None and (first is None or first > second):
                out.append(f"assert {a.text}: {a.other} released {second}, {a.subject} "
                           f"{'not released' if first is None else first}")
    return out
