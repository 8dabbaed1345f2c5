"""Search: hypothesis strategies for ledgers of claims that fit a given contract.

Input: a compiled `Contract`. Output: strategies drawing ledgers that exercise its rules.

`claims_for` draws small, noisy ledgers: a handful of participants (each with a cohort, start
date and sub-group, so that per-participant caps, repeat limits, ladders and exclusive groups
bind) and claims for them, mostly consistent and dated after the participant's start,
sometimes not: dates outside the term or window, starts outside the referral window,
resubmitted claim ids, conflicting participant data, missing or extreme measured values.

`bulk_claims_for` draws large, consistent ledgers aimed at the limits: blocks of "these n
participants each claim this outcome k times", with n up to and past the cohorts' size, k up
to and past the repeat limit (for an outcome paid any number of times: past the count at which
it reaches the largest assertion or cap), measured values at and beside the sliding scale's
points, claims enough to pass tiered band edges (where a band's own cap runs out too) and to
exhaust payer caps, in date orders that interleave the blocks; every participant of a ledger
may be in one sub-group (often the one a tier is counted within). Both kinds give statuses
held at referral where the contract reads them (`or held at referral`, `not if held at
referral`), and the small ones reset rows and referral dates before and after the start.
`seeded_claims_for` draws ledgers around an analysis's candidate witnesses: a part of one,
or copies of it for fresh participants. `invoice_claims_for` (a contract split per invoice)
puts a few claims in every settlement period, so that every invoice rounds. `ledgers_for` mixes
them (the search uses it).

Past the term (`run-off`, `claims until`): dates achieved run to the end of the run-off and a
day past it, the term end and the day after it are edges, and where the contract has a claims
deadline a claim is submitted on its date achieved, some days later, on the deadline or the day
after it. `measurements_for` draws cohort-level results: each cohort's rows at, just below and
far past the tariff's threshold, rows for all cohorts, and for a pooled outcome rows whose
figures are left to be pooled, given as the pooled sums, or given wrong, before and after every
cohort has a result (the property search draws claims only; the soundness tests use these).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from sibdsl.core.calendar import add_months
from sibdsl.model.contract import (
    CohortLevelTariff,
    Contract,
    Outcome,
    PerUnitTariff,
    SlidingTariff,
    TieredTariff,
    band_caps,
    listed_prices,
)
from sibdsl.model.pastterm import last_day
from sibdsl.settlement.records import Claim, Measurement


def _dates(start: date, end: date) -> st.SearchStrategy[date]:
    span = max(1, (end - start).days)
    inside = st.integers(0, span).map(lambda n: start + timedelta(days=n))
    edge = st.sampled_from([start - timedelta(days=1), start, end, end + timedelta(days=1)])
    return st.one_of(inside, inside, inside, edge)


Person = tuple[str | None, date | None, str | None]


def _achieved(contract: Contract) -> st.SearchStrategy[date]:
    """Dates achieved: the term, and with a run-off its days too, with their edges."""
    header = contract.header
    end = last_day(header)
    if end == header.term_end:
        return _dates(header.term_start, end)
    edges = st.sampled_from([header.term_end, header.term_end + timedelta(days=1), end, end + timedelta(days=1)])
    return st.one_of(_dates(header.term_start, end), edges)


def _submitted(contract: Contract) -> st.SearchStrategy[int | date | None]:
    """How a claim is submitted: not said (None: on its date achieved), some days after it, or on
    or just after the claims deadline (a date before the date achieved is taken as that date)."""
    deadline = contract.header.claims_until
    if deadline is None:
        return st.none()
    return st.one_of(st.none(), st.integers(0, 400), st.sampled_from([deadline, deadline + timedelta(days=1)]))


def _submission(achieved: date, drawn: int | date | None) -> date | None:
    if drawn is None:
        return None
    if isinstance(drawn, int):
        return achieved + timedelta(days=drawn)
    return max(drawn, achieved)


def _frame(contract: Contract) -> tuple[list[str], list[str], date, date]:
    """The cohorts, the sub-groups, and the earliest and latest referral date (the term's
    bounds where a cohort gives none): what every ledger is drawn within."""
    header = contract.header
    cohorts = [c.name for c in contract.cohorts]
    subgroups = [s.name for c in contract.cohorts for s in c.subgroups]
    referral_start = min((c.referral_start for c in contract.cohorts if c.referral_start), default=header.term_start)
    referral_end = max((c.referral_end for c in contract.cohorts if c.referral_end), default=header.term_end)
    return cohorts, subgroups, referral_start, referral_end


def _held(contract: Contract) -> st.SearchStrategy[frozenset[str] | None]:
    """Statuses held at referral (issue 10.2, 10.3), where the contract reads them: none, the
    options of clauses that accept them, the outcomes refused when held, or any few outcomes."""
    options = sorted({o.outcome for ou in contract.outcomes for ch in ou.choices if ch.held_at_referral
                      for o in ch.options})
    refused = sorted(o.name for o in contract.outcomes if o.not_if_held)
    if not options and not refused:
        return st.none()
    names = sorted(o.name for o in contract.outcomes)
    return st.one_of(st.none(), st.just(frozenset(options) or None), st.just(frozenset(refused) or None),
                     st.frozensets(st.sampled_from(names), min_size=1, max_size=3))


def claims_for(contract: Contract, max_claims: int = 24) -> st.SearchStrategy[list[Claim]]:
    header = contract.header
    outcomes = [o.name for o in contract.outcomes if o.tariff.kind != "cohort_level"]
    if not outcomes:
        return st.just([])
    outcomes += [r.name for r in contract.resets]  # reset rows among the claims (issue 10.1)
    cohorts, subgroups, referral_start, referral_end = _frame(contract)
    values = st.one_of(st.none(), st.decimals(min_value=Decimal("-1"), max_value=Decimal("3"), places=2,
                                               allow_nan=False, allow_infinity=False))
    people: st.SearchStrategy[list[Person]] = st.lists(st.tuples(
        st.sampled_from(cohorts) if cohorts else st.none(),
        st.one_of(_dates(referral_start, referral_end), _dates(referral_start, referral_end),
                  _dates(header.term_start, header.term_end), st.none()),
        st.one_of(st.none(), st.sampled_from(subgroups)) if subgroups else st.none(),
    ), min_size=1, max_size=6)
    claim = st.tuples(
        st.one_of(st.none(), st.none(), st.none(), st.none(), st.integers(0, max_claims)),  # resubmit an id
        st.integers(0, 5),  # which participant
        st.sampled_from(outcomes),
        st.one_of(st.integers(0, 400), st.integers(0, 400), _achieved(contract)),
        st.integers(0, 19),  # 0: conflicting cohort/start/sub-group; 1-3: omit them; else as recorded
        values,
        _submitted(contract),
    )

    held = st.lists(st.tuples(_held(contract), st.one_of(st.none(), st.integers(-400, 60))), min_size=6, max_size=6)

    def build(drawn: tuple[list[Person], list[tuple[int | None, int, str, int | date, int, Decimal | None,
                                                    int | date | None]],
                           list[tuple[frozenset[str] | None, int | None]]]) -> list[Claim]:
        persons, rows, statuses = drawn
        out = []
        seen: set[int] = set()
        for n, (reuse, who, outcome, when, quirk, value, sent) in enumerate(rows):
            index = who % len(persons)
            cohort, start, subgroup = persons[index]
            base = start or header.term_start
            achieved = base + timedelta(days=when) if isinstance(when, int) else when
            first = index not in seen
            seen.add(index)
            if quirk == 0:
                start = (start or header.term_start) + timedelta(days=1)
                subgroup = subgroups[0] if subgroups and subgroup != subgroups[0] else None
            elif quirk <= 3 and not first:
                cohort = start = subgroup = None
            status, referred = statuses[index]  # held at referral, and a referral date before or after the start
            referral = base + timedelta(days=referred) if referred is not None and quirk > 3 else None
            out.append(Claim(claim_id=f"c{n if reuse is None else reuse}", participant=f"p{index + 1}",
                             outcome=outcome, achieved=achieved, evidence="e", cohort=cohort, start=start,
                             subgroup=subgroup, value=value, referral=referral, held=status if quirk > 3 else None,
                             submitted=_submission(achieved, sent)))
        return out

    return st.tuples(people, st.lists(claim, max_size=max_claims), held).map(build)


BULK_CLAIMS = 80  # the most claims in one bulk ledger: settling it three times stays a few ms
BULK_PEOPLE = 30  # the most participants in one bulk ledger


def _top_price(o: Outcome) -> Decimal:
    """The most one claim of `o` can be priced at before caps (0 when not known)."""
    return max(listed_prices(o.tariff), default=Decimal(0))


def _band_edges(tariff: TieredTariff) -> list[int]:
    """The outcome numbers where a tier's price changes: each band's first and last, and where
    a band's own cap runs out (its first claim paid in part, the next paid nothing)."""
    edges: list[int] = []
    for b in tariff.bands:
        edges += [b.first, b.last or b.first]
        if b.cap is not None and b.price > 0:
            edges.append(b.first + math.ceil(b.cap / b.price))
    return edges


def _limits(contract: Contract) -> list[Decimal]:
    """The money figures the search tries to pass: assertion limits, caps, payer caps, tier
    bands' own caps."""
    found = [a.value for a in contract.assertions if a.value is not None and a.kind != "subgroup_share"]
    found += [cap.limit for cap in contract.caps if cap.measure == "money"]
    found += [cap for o in contract.outcomes for cap in band_caps(o.tariff)]
    found += [p.cap for p in contract.payers if p.cap is not None]
    return [x for x in found if x > 0]


def _repeats(o: Outcome, limits: list[Decimal]) -> int:
    """How many times one participant claims `o` at most in a block: past its repeat limit,
    and for an outcome paid any number of times past the count that reaches the largest limit."""
    if o.times_limit is not None:
        return min(BULK_CLAIMS, o.times_limit + 2)
    top = _top_price(o)
    needed = max((math.ceil(x / top) for x in limits), default=0) if top > 0 else 0
    return max(12, min(BULK_CLAIMS, needed + 2))


def _measured(o: Outcome) -> st.SearchStrategy[Decimal | None]:
    """Realistic measured values: at and beside each scale point, between and beyond them."""
    if isinstance(o.tariff, PerUnitTariff):  # units: none, a few, at and past the limit
        limit = o.tariff.limit
        return st.one_of(st.sampled_from([Decimal(0), Decimal(1), limit - 1, limit, limit + 1]),
                         st.decimals(min_value=Decimal(0), max_value=limit * 2, places=1, allow_nan=False,
                                     allow_infinity=False))
    if not isinstance(o.tariff, SlidingTariff) or not o.tariff.points:
        return st.none()
    points = [p.at for p in o.tariff.points]
    low, high = min(points), max(points)
    width = max(high - low, Decimal(1))
    near = sorted({p + d for p in points for d in (Decimal("-0.01"), Decimal(0), Decimal("0.01"))})
    between = st.decimals(min_value=low - width / 4, max_value=high + width / 4, places=2, allow_nan=False,
                          allow_infinity=False)
    return st.one_of(st.sampled_from(near), between, between)


def _people_max(contract: Contract) -> int:
    """Up to and past the cohorts' size (two more than all of them), within BULK_PEOPLE."""
    sizes = [c.size for c in contract.cohorts]
    if sizes and all(n is not None for n in sizes):
        return min(BULK_PEOPLE, sum(n for n in sizes if n is not None) + 2)
    return BULK_PEOPLE


Block = tuple[str, int, int, int, int, int, Decimal | None]


def bulk_claims_for(contract: Contract) -> st.SearchStrategy[list[Claim]]:
    header = contract.header
    claimable = [o for o in contract.outcomes if o.tariff.kind != "cohort_level"]
    if not claimable:
        return st.just([])
    cohorts, subgroups, referral_start, referral_end = _frame(contract)
    span = max(1, (last_day(header) - referral_start).days)  # through the run-off, if any
    people_max = _people_max(contract)
    limits = _limits(contract)
    band_edges = sorted({e for o in claimable if isinstance(o.tariff, TieredTariff) for e in _band_edges(o.tariff)
                         if e <= BULK_CLAIMS})

    def block(o: Outcome) -> st.SearchStrategy[Block]:
        most = _repeats(o, limits)
        people = st.integers(1, people_max)
        if isinstance(o.tariff, TieredTariff) and band_edges:  # enough participants to pass a band edge (each paid once or more)
            people = st.one_of(people, st.sampled_from([min(people_max, e + 1) for e in band_edges]))
        return st.tuples(st.just(o.name), st.integers(0, people_max - 1), people,
                         st.one_of(st.integers(1, most), st.just(most)),  # repeats, often the most
                         st.one_of(st.integers(0, 60), st.integers(0, span)),  # days after the start
                         st.sampled_from([0, 1, 7, 30, 91, 182]),  # days between repeats
                         _measured(o))

    asserted = [subgroups.index(a.subject) + 2 for a in contract.assertions
                if a.kind == "subgroup_share" and a.subject in subgroups]
    # a tier counted within a sub-group passes its band edges only with claims all from it
    asserted += [subgroups.index(o.tariff.counted_within) + 2 for o in claimable
                 if isinstance(o.tariff, TieredTariff) and o.tariff.counted_within in subgroups]
    sub_modes = st.integers(0, len(subgroups) + 1)
    if asserted:  # a share is broken by a ledger all from its sub-group
        sub_modes = st.one_of(sub_modes, st.sampled_from(asserted))
    layout = st.tuples(
        st.integers(0, len(cohorts)),  # 0: participants spread over the cohorts; j: all in cohort j
        sub_modes,  # 0: none; 1: spread; j + 2: all in sub-group j (often one an assertion names)
        _dates(referral_start, referral_end),  # the first participant's start
        st.sampled_from([0, 0, 1, 7, 30]),  # days between participants' starts
    )
    options = frozenset(o.outcome for ou in contract.outcomes for ch in ou.choices if ch.held_at_referral
                        for o in ch.options) or None
    holding = st.sampled_from([None, None, options]) if options else st.none()  # steps paid without their entry

    def build(drawn: tuple[tuple[int, int, date, int], list[Block], frozenset[str] | None]) -> list[Claim]:
        (cohort_mode, sub_mode, first_start, step), blocks, held = drawn
        out: list[Claim] = []
        for name, first, n_people, repeats, offset, gap, value in blocks:
            for i in range(first, first + n_people):
                person = i % people_max
                cohort = (cohorts[(cohort_mode - 1) if cohort_mode else person % len(cohorts)]
                          if cohorts else None)
                subgroup = (None if sub_mode == 0 or not subgroups else
                            subgroups[person % len(subgroups)] if sub_mode == 1 else subgroups[sub_mode - 2])
                start = first_start + timedelta(days=step * person)
                for j in range(repeats):
                    if len(out) >= BULK_CLAIMS:
                        return out
                    out.append(Claim(claim_id=f"b{len(out)}", participant=f"q{person + 1}", outcome=name,
                                     achieved=start + timedelta(days=offset + gap * j), evidence="e", cohort=cohort,
                                     start=start, subgroup=subgroup, value=value, held=held))
        return out

    blocks = st.lists(st.one_of([block(o) for o in claimable]), min_size=1, max_size=6)
    return st.tuples(layout, blocks, holding).map(build)


SEEDED_CLAIMS = 4 * BULK_CLAIMS  # the most claims in a ledger built from copies of a candidate witness


def seeded_claims_for(seeds: Sequence[list[Claim]]) -> st.SearchStrategy[list[Claim]] | None:
    """Ledgers around the analysis's candidate witnesses (ledgers it settled that came close
    but did not break an assertion): a candidate's first claims, in its processing order, then
    copies of it for fresh participants, up to SEEDED_CLAIMS; `target()` climbs the number of
    copies toward the asserted figure. None when no candidate is small enough to copy."""
    usable = [sorted(s, key=lambda c: c.order_key()) for s in seeds if 0 < len(s) <= SEEDED_CLAIMS]
    if not usable:
        return None

    def build(drawn: tuple[int, int, int]) -> list[Claim]:
        which, copies, keep = drawn
        base = usable[which % len(usable)]
        first = base[:max(1, min(len(base), keep))]
        out = list(first)
        for k in range(1, copies):
            if len(out) + len(base) > SEEDED_CLAIMS:
                break
            out += [replace(c, claim_id=f"{c.claim_id}~{k}", participant=f"{c.participant}~{k}") for c in base]
        return out

    return st.tuples(st.integers(0, len(usable) - 1), st.integers(1, SEEDED_CLAIMS),
                     st.integers(1, SEEDED_CLAIMS)).map(build)


def invoice_claims_for(contract: Contract) -> st.SearchStrategy[list[Claim]] | None:
    """For a contract split per invoice (issue 10.6a): a few claims in every settlement period
    of the term, each for a fresh participant, so that every invoice rounds (the payers'
    rounding counts once a period: the most periods, the most rounding); None for a contract
    split per claim or with one payer."""
    header = contract.header
    claimable = [o for o in contract.outcomes if o.tariff.kind != "cohort_level"]
    if header.split != "invoice" or len(contract.payers) < 2 or not claimable:
        return None
    cohorts, subgroups, referral_start, _referral_end = _frame(contract)
    months = header.settlement_months

    def build(drawn: tuple[list[int], int, int]) -> list[Claim]:
        picks, per_period, day = drawn
        out: list[Claim] = []
        period_start, k = header.term_start, 0
        while period_start <= header.term_end and len(out) < BULK_CLAIMS:
            for _ in range(per_period):
                o = claimable[picks[k % len(picks)] % len(claimable)]
                achieved = min(period_start + timedelta(days=day), header.term_end)
                start = min(referral_start, achieved)
                out.append(Claim(claim_id=f"i{len(out)}", participant=f"i{len(out) + 1}", outcome=o.name,
                                 achieved=achieved, evidence="e", cohort=cohorts[k % len(cohorts)] if cohorts else None,
                                 start=start, subgroup=subgroups[k % len(subgroups)] if subgroups else None))
                k += 1
            period_start = add_months(period_start, months)
        return out

    return st.tuples(st.lists(st.integers(0, 50), min_size=1, max_size=4), st.integers(1, 3),
                     st.integers(0, 27)).map(build)


def ledgers_for(contract: Contract, max_claims: int = 24,
                seeds: Sequence[list[Claim]] = ()) -> st.SearchStrategy[list[Claim]]:
    """The search's ledgers: small noisy ones and large ones aimed at the limits, half each; with
    candidate witnesses, a third kind built from copies of them; split per invoice, a fourth
    with claims in every settlement period."""
    around = seeded_claims_for(seeds)
    from sibdsl.search.share_strategies import share_claims_for

    shared = share_claims_for(contract)  # share caps measured each period: crowded periods, mixes, id orders
    kinds = [claims_for(contract, max_claims), bulk_claims_for(contract)]
    kinds += [s for s in (around, shared, invoice_claims_for(contract)) if s is not None]
    return st.one_of(kinds)


MEASUREMENTS = 16  # the most rows in one drawn measurements ledger


def measurements_for(contract: Contract) -> st.SearchStrategy[list[Measurement]]:
    """Cohort-level results for the contract's cohort-level outcomes (see the module's text)."""
    levels = [o for o in contract.outcomes if isinstance(o.tariff, CohortLevelTariff)]
    if not levels:
        return st.just([])
    header = contract.header
    cohorts: list[str | None] = [c.name for c in contract.cohorts] + [None]

    def observed(o: Outcome) -> st.SearchStrategy[Decimal]:
        tariff = o.tariff
        assert isinstance(tariff, CohortLevelTariff)
        sign = -1 if tariff.direction == "reduction" else 1
        edge = tariff.threshold if tariff.threshold is not None else Decimal(0)  # of a baseline of 100
        # at the threshold, none, large; and worse than the baseline (-edge, -20, -50): a cohort that
        # does worse pulls a pooled result below what the other cohorts' results already paid
        # (`net of`: nothing due), which uniform draws reach only about once in a thousand ledgers
        near = [edge, edge - Decimal("0.01"), edge + Decimal("0.01"), Decimal(0), Decimal(50), Decimal(90),
                -edge, Decimal(-20), Decimal(-50)]
        return st.one_of(st.sampled_from(near), st.decimals(min_value=Decimal(-20), max_value=Decimal(100),
                                                            places=2, allow_nan=False, allow_infinity=False)
                         ).map(lambda change: Decimal(100) + sign * change)

    def row(o: Outcome) -> st.SearchStrategy[tuple[str, str | None, date, Decimal, int, date | None]]:
        # half the rows for the outcome's own cohort (none, for a pooled result), so that pooled
        # results find every cohort's latest result often; the rest for any cohort (refused)
        own: list[str | None] = list(o.cohorts) if o.cohorts and not o.pooled else [None] if o.pooled else cohorts
        return st.tuples(st.just(o.name), st.one_of(st.sampled_from(own), st.sampled_from(cohorts)),
                         _achieved(contract), observed(o),
                         # 0: figures left to be pooled; 1: the pooled sums (drawn most often); else as drawn
                         st.sampled_from((0, 1, 1, 1, 2, 3, 4, 5)),
                         st.one_of(st.none(), st.none(), st.sampled_from(
                             [d for d in (header.claims_until,) if d is not None] or [header.term_end])))

    def build(rows: list[tuple[str, str | None, date, Decimal, int, date | None]]) -> list[Measurement]:
        out: list[Measurement] = []
        latest: dict[str | None, Measurement] = {}
        for n, (name, cohort, day, seen, mode, sent) in enumerate(sorted(rows, key=lambda r: (r[2], r[0]))):
            o = next(x for x in levels if x.name == name)
            submitted = max(sent, day) if sent is not None else None
            if o.pooled and cohort is None and mode <= 1:
                used = [latest[c] for c in o.pooled if c in latest]
                if mode == 0 or len(used) < len(o.pooled):
                    out.append(Measurement(f"r{n}", name, None, day, Decimal(0), Decimal(0), submitted=submitted,
                                           given=False))
                else:
                    out.append(Measurement(f"r{n}", name, None, day, sum((u.baseline for u in used), Decimal(0)),
                                           sum((u.observed for u in used), Decimal(0)), submitted=submitted))
                continue
            m = Measurement(f"r{n}", name, cohort, day, Decimal(100), seen, submitted=submitted)
            latest[cohort] = m
            out.append(m)
        return out

    return st.lists(st.one_of([row(o) for o in levels]), max_size=MEASUREMENTS).map(build)
