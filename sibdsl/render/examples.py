"""Phase 6, rendering: the schedule's annex of worked examples, computed by the settlement engine.

Input: a compiled `Contract`, its `Exposure` (the analysis: the costliest route of one
participant, with its settled witness ledger, and whether each cap can bind) and the schedule's
`Words`. Output: document blocks. (a) One participant through the ladder: the witness ledger of
the most one participant can be paid, settled by `sibdsl.settlement.engine.settle`, each claim
with its date, price, payment and each payer's part; a contract paid only on cohort-level
results gets one settled result per outcome instead. (b) Each cap (and each payer's maximum):
a ledger of participants who claim the route that reaches it, settled, showing the claim it cut
or refused; where the analysis shows that a cap cannot bind, the example says so instead.
Every figure is the engine's; ledgers are bounded (`MAX_CLAIMS`) so that a render takes seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from sibdsl.analysis.exposure import WITNESS, Exposure
from sibdsl.analysis.participant import ParticipantMax
from sibdsl.analysis.witness import participant_claims, settled_within
from sibdsl.model.contract import Cap, CohortLevelTariff, Contract, Outcome
from sibdsl.render.document import Block, Paragraph, Table
from sibdsl.render.words import Words, and_list, day
from sibdsl.settlement.engine import Settlement
from sibdsl.settlement.records import Claim, Decision, Measurement, Reason, Status

MAX_CLAIMS = 20_000  # the most claims one cap's example ledger holds (0.2 to 3 s to settle)
BUDGET = 40_000  # the most claims the cap examples of one render settle in all (identical ledgers once)
SHOWN_ROWS = 4  # rows of an example's table around the claim a cap decided

REASONS = {
    Reason.PAID: "paid in full",
    Reason.CAP_PARTIAL: "paid in part: {limit} reached",
    Reason.CAP_REACHED: "not paid: {limit} reached",
    Reason.PAYER_CAP_REACHED: "not paid: {limit} reached",
    Reason.PREREQUISITE_NOT_PAID: "not paid: an earlier step was not paid",
    Reason.BAND_PAYS_NOTHING: "paid nothing (a band that pays nothing), counted",
    Reason.COHORT_FULL: "not paid: the cohort is full",
    Reason.REPEAT_LIMIT: "not paid: already paid as often as allowed",
    Reason.EXCLUSIVE_SIBLING_PAID: "not paid: an alternative outcome was paid",
    Reason.BELOW_THRESHOLD: "not paid: below the threshold",
}


@dataclass
class Limits:
    """Where each limit is stated in the schedule: rule key ("caps.2", "payers.0") -> words."""

    words: dict[str, str]

    def of(self, key: str | None) -> str:
        return self.words.get(key or "", "a limit")


def decision_words(d: Decision, limits: Limits) -> str:
    text = REASONS.get(d.reason)
    if text is None:
        text = ("paid" if d.status is Status.PAID else d.status.value) + ": " + d.reason.value.replace("_", " ")
    return text.format(limit=limits.of(d.root_cause))


def _payers(contract: Contract) -> list[tuple[str, str]]:
    return [(p.name, p.title) for p in contract.payers]


def _route(w: Words, selection: list[tuple[str, int]]) -> str:
    return and_list([w.quoted(n) + (f" ({t:,} times)" if t > 1 else "") for n, t in selection])


def _who(w: Words, cohort: str | None, subgroup: str | None) -> str:
    text = f"in {w.quoted(cohort)}" if cohort else "in the contract's cohort" if w.c.cohorts else ""
    if subgroup:
        text += f", sub-group {w.quoted(subgroup)}"
    return text


# ---------------------------------------------------------------------------- (a) the ladder
def ladder_example(contract: Contract, found: Exposure, w: Words, limits: Limits) -> list[Block]:
    best = _route_shown(found)
    if best is None:
        return cohort_level_example(contract, w, limits)
    ledger = best.witness or participant_claims(contract, WITNESS, best.cohort, best.subgroup, best.selection)
    settled = settled_within(contract, ledger)
    if settled is None:
        return [Paragraph("No example is shown: settling this route takes more decisions than a render allows.")]
    mine = [d for d in settled.decisions if d.participant == WITNESS]
    claims = {c.claim_id: c for c in ledger}
    others = len({c.participant for c in ledger if c.participant != WITNESS})
    payers = _payers(contract)
    start = next((c.start for c in ledger if c.participant == WITNESS and c.start), contract.header.term_start)
    intro = (f"A participant {_who(w, best.cohort, best.subgroup)} who starts on {day(start)} and follows the "
             f"costliest route of this Schedule achieves {_route(w, best.selection)}, each on the earliest "
             "day its conditions allow. Each claim below was settled under this Schedule by the settlement "
             "engine.")
    if others:
        intro += (f" Before it, {others:,} other participants' claims are settled (a tier band or a share "
                  "limit is reached only after them); they are not shown.")
    rows = []
    for n, d in enumerate(mine, 1):
        claim = claims.get(d.claim_id)
        outcome = w.title(d.outcome) + (f" (measured value {claim.value:f})" if claim and claim.value is not None
                                         else "")
        rows.append((str(n), day(d.achieved), outcome, w.money(d.price), w.money(d.amount),
                     *[w.money(d.shares.get(name, Decimal(0))) for name, _ in payers], decision_words(d, limits)))
    total = sum((d.amount for d in mine), Decimal(0))
    parts = [sum((d.shares.get(name, Decimal(0)) for d in mine), Decimal(0)) for name, _ in payers]
    rows.append(("", "", "Total", "", w.money(total), *[w.money(p) for p in parts], ""))
    blocks: list[Block] = [Paragraph(intro), Table(
        caption="Worked example: one participant through the ladder",
        header=("No.", "Date achieved", "Outcome", "Price", "Paid", *[f"Paid by {t}" for _, t in payers], "Decision"),
        rows=tuple(rows))]
    overall = found.best
    if best.exact and total == best.amount and (overall is None or overall is best or overall.amount == total):
        blocks.append(Paragraph(f"{w.money(total)} is the most that one participant can be paid under this "
                                "Schedule."))
    elif best.exact and total == best.amount and overall is not None:
        blocks.append(Paragraph(f"{w.money(total)} is the most that one participant {_who(w, best.cohort, best.subgroup)} "
                                "can be paid. The most for any participant is at most "
                                f"{w.money(overall.amount)} ({_who(w, overall.cohort, overall.subgroup).strip()}); no "
                                "ledger settled for this Schedule reaches that figure for one participant alone."))
    else:
        blocks.append(Paragraph(f"This route is paid {w.money(total)}; no ledger found by the analysis pays one "
                                f"participant more, and none can pay more than {w.money(best.amount)}."))
    return blocks


def _person(participant: str) -> str:
    """A participant of an example ledger in words: "Participant 12", "The example participant"."""
    if participant == WITNESS:
        return "The example participant"
    digits = participant.lstrip("abcdefghijklmnopqrstuvwxyz- ")
    if participant.startswith("filler"):
        return f"Other participant {digits}"
    return f"Participant {digits}" if digits.isdigit() else participant


def _route_shown(found: Exposure) -> ParticipantMax | None:
    """The costliest route the engine confirmed (its settled witness), else the costliest one."""
    routes = [m for m in found.participants if m.selection and not m.unbounded]
    confirmed = [m for m in routes if m.witness]
    return max(confirmed or routes, key=lambda m: m.amount, default=None)


def _measurement(outcome: Outcome, cohort: str | None, when: date, n: int) -> Measurement | None:
    tariff = outcome.tariff
    if not isinstance(tariff, CohortLevelTariff) or outcome.pooled:
        return None
    change = (tariff.threshold or Decimal(0)) + 2 * tariff.per
    baseline = Decimal(100)  # against 100, an absolute change and a change in per cent agree
    observed = baseline - change if tariff.direction == "reduction" else baseline + change
    return Measurement(measurement_id=f"m{n}", outcome=outcome.name, cohort=cohort, measured=when,
                       baseline=baseline, observed=observed)


def cohort_level_example(contract: Contract, w: Words, limits: Limits) -> list[Block]:
    from sibdsl.settlement.engine import settle

    when = contract.header.term_end
    found = [m for n, o in enumerate(contract.outcomes, 1)
             if (m := _measurement(o, o.cohorts[0] if o.cohorts else None, when, n)) is not None]
    if not found:
        return [Paragraph("No outcome of this Schedule can be paid for one participant, and none is paid from a "
                          "single cohort result, so no example is shown.")]
    settled = settle(contract, [], found)
    payers = _payers(contract)
    by_id = {m.measurement_id: m for m in found}
    rows = []
    for d in settled.decisions:
        m = by_id[d.claim_id]
        rows.append((day(d.achieved), w.title(d.outcome), w.title(m.cohort) if m.cohort else "every cohort",
                     f"{m.baseline:f}", f"{m.observed:f}", w.money(d.amount),
                     *[w.money(d.shares.get(name, Decimal(0))) for name, _ in payers], decision_words(d, limits)))
    return [Paragraph("This Schedule pays for results measured over a cohort, not for one participant's "
                      "outcomes. The table shows, for each such outcome, a result at twice the unit of "
                      "payment above its threshold (against a comparison figure of 100), as the settlement "
                      "engine pays it."),
            Table(caption="Worked example: one result per cohort-level outcome",
                  header=("Date measured", "Outcome", "Cohort", "Comparison", "Observed", "Paid",
                          *[f"Paid by {t}" for _, t in payers], "Decision"),
                  rows=tuple(rows))]


# ---------------------------------------------------------------------------- (b) the caps
@dataclass
class Limit:
    """A cap line or a payer's maximum, with what the example ledger should hold."""

    key: str  # the rule key decisions cite in `root_cause`
    heading: str
    cap: Cap | None  # None: a payer's `at most`
    payer: str | None = None
    amount: Decimal | None = None


def _ladder_of(contract: Contract, name: str, selection: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The outcome `name` and every step before it in `selection` (prerequisites first)."""
    by_name = {o.name: o for o in contract.outcomes}
    chosen = dict(selection)
    keep: set[str] = set()
    stack = [name]
    while stack:
        step = stack.pop()
        if step in keep:
            continue
        keep.add(step)
        outcome = by_name[step]
        stack += [p.outcome for p in outcome.prerequisites]
        for choice in outcome.choices:
            picked = [o.outcome for o in choice.options if o.outcome in chosen]
            stack += picked[:1] or ([] if choice.held_at_referral else [choice.options[0].outcome])
    order = [n for n, _ in selection if n in keep] + sorted(keep - set(chosen))
    return [(n, chosen.get(n, 1)) for n in order]


def _group(contract: Contract, found: Exposure, limit: Limit) -> ParticipantMax | None:
    """The participants the example ledger is made of: the costliest route of the cohort or
    sub-group the cap is about (of every participant, for a cap on a total)."""
    people = [m for m in found.participants if m.selection and not m.unbounded]
    cap = limit.cap
    if cap is not None and cap.scope == "subgroup":
        people = [m for m in people if m.subgroup == cap.target]
    elif cap is not None and cap.scope == "cohort":
        people = [m for m in people if m.cohort == cap.target]
    elif cap is not None and cap.scope == "outcome":
        people = [m for m in people if any(n == cap.target for n, _ in m.selection)] or people
    if cap is not None and cap.scope == "participant":
        return max(people, key=lambda m: m.uncapped, default=None)
    return max(people, key=lambda m: m.reached if m.reached is not None else m.amount, default=None)


def _size(contract: Contract, cohort: str | None) -> int | None:
    spec = next((c for c in contract.cohorts if c.name == cohort), None)
    return spec.size if spec is not None else None


class _Settled:
    """The example ledgers of one render, each settled once, within `BUDGET` claims in all."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.done: dict[tuple[object, ...], tuple[list[Claim], Settlement | None]] = {}
        self.left = BUDGET

    def crowd(self, group: ParticipantMax, selection: list[tuple[str, int]], people: int
              ) -> tuple[list[Claim], Settlement | None]:
        key = (group.cohort, group.subgroup, tuple(selection), people)
        if key not in self.done:
            ledger = _crowd(self.contract, group, selection, people)
            fits = len(ledger) <= min(MAX_CLAIMS, self.left)
            if fits:
                self.left -= len(ledger)
            self.done[key] = (ledger, settled_within(self.contract, ledger) if fits else None)
        return self.done[key]


def _crowd(contract: Contract, group: ParticipantMax, selection: list[tuple[str, int]], people: int) -> list[Claim]:
    claims: list[Claim] = []
    for k in range(people):
        claims += participant_claims(contract, f"participant {k + 1}", group.cohort, group.subgroup, selection,
                                     len(claims))
    return claims


def _people_needed(contract: Contract, limit: Limit, group: ParticipantMax, selection: list[tuple[str, int]],
                   one: Settlement | None) -> int:
    """How many participants of `group`, each claiming `selection`, take the limit past its
    figure (bounded by the cohort's size and by `MAX_CLAIMS`)."""
    cap = limit.cap
    per_claims = max(1, sum(t for _, t in selection))
    most = max(1, MAX_CLAIMS // per_claims)
    size = _size(contract, group.cohort)
    if size is not None:
        most = min(most, size)
    if cap is not None and cap.scope == "participant":
        return 1
    if cap is not None and cap.measure == "share":
        return min(3, most)
    if one is None:
        return most
    decisions = [d for d in one.decisions if d.status is not Status.REJECTED]
    if cap is not None and cap.measure == "count":
        counted = sum(1 for d in decisions if cap.scope != "outcome" or d.outcome == cap.target)
        figure = Decimal(counted)
        target = cap.limit
    else:
        if limit.payer is not None:
            figure = sum((d.shares.get(limit.payer, Decimal(0)) for d in decisions), Decimal(0))
        elif cap is not None and cap.scope == "outcome":
            figure = sum((d.amount for d in decisions if d.outcome == cap.target), Decimal(0))
        else:
            figure = sum((d.amount for d in decisions), Decimal(0))
        target = limit.amount if limit.amount is not None else cap.limit if cap is not None else Decimal(0)
    if figure <= 0:
        return most
    need = int((target / figure).to_integral_value(ROUND_FLOOR)) + 1
    if need > most and (size is None or need <= size):
        raise _TooMany(need, need * per_claims)
    return max(1, min(need, most))


class _TooMany(Exception):
    """An example ledger would hold more claims than `MAX_CLAIMS`."""

    def __init__(self, people: int, claims: int) -> None:
        super().__init__(people, claims)
        self.people, self.claims = people, claims


def cap_examples(contract: Contract, found: Exposure, w: Words, limits: Limits,
                 numbered: Callable[[str], str]) -> list[Block]:
    """One example per limit: `numbered(text)` gives the next paragraph number of the annex."""
    items: list[Limit] = []
    for i, cap in enumerate(contract.caps):
        heading = limits.of(f"caps.{i}")
        items.append(Limit(f"caps.{i}", heading, cap, cap.target if cap.scope == "payer" else None,
                           cap.limit if cap.measure == "money" else None))
    for i, payer in enumerate(contract.payers):
        if payer.cap is not None:
            items.append(Limit(f"payers.{i}", limits.of(f"payers.{i}"), None, payer.name, payer.cap))
    if not items:
        return [Paragraph("This Schedule sets no cap and no payer's maximum, so there is no example of one.")]
    blocks: list[Block] = []
    ledgers = _Settled(contract)
    for item in items:
        blocks += _one_cap(contract, found, w, limits, item, numbered, ledgers)
    return blocks


def _not_binding(found: Exposure, item: Limit) -> str | None:
    if item.cap is None:
        return None
    index = int(item.key.split(".")[1])
    finding = next((f for f in found.caps if f.index == index), None)
    return finding.when if finding is not None and not finding.binds else None


def _one_cap(contract: Contract, found: Exposure, w: Words, limits: Limits, item: Limit,
             numbered: Callable[[str], str], ledgers: _Settled) -> list[Block]:
    title = item.heading[:1].upper() + item.heading[1:]
    never = _not_binding(found, item)
    if never is not None:
        return [Paragraph(f"{title}: this limit cannot be reached, so no claim is ever cut or refused by it "
                          f"(the analysis of the contract: {w.plain(never)}).", numbered(title))]
    cap = item.cap
    target = next((o for o in contract.outcomes if cap is not None and cap.scope == "outcome"
                   and o.name == cap.target and isinstance(o.tariff, CohortLevelTariff)), None)
    if target is not None and cap is not None:
        return _cohort_level_cap(contract, w, limits, item, target, numbered(title), title)
    group = _group(contract, found, item)
    if group is None:
        return [Paragraph(f"{title}: no participant's route reaches this limit, so no example is shown.",
                          numbered(title))]
    selection = group.selection
    if cap is not None and cap.scope == "outcome" and cap.target and any(n == cap.target for n, _ in selection):
        selection = _ladder_of(contract, cap.target, selection)
    one = ledgers.crowd(group, selection, 1)[1]
    try:
        people = _people_needed(contract, item, group, selection, one)
    except _TooMany as many:
        return [Paragraph(f"{title}: it is reached once about {many.people:,} participants "
                          f"{_who(w, group.cohort, group.subgroup)} have each been paid their costliest route "
                          f"({many.claims:,} claims); an example that long is not settled here.", numbered(title))]
    ledger, settled = ledgers.crowd(group, selection, people)
    best = found.best
    route = ("the route of the example of one participant above" if best is not None and selection == best.selection
             else _route(w, selection))
    story = (f"one participant {_who(w, group.cohort, group.subgroup)}, achieving {route} ({len(ledger):,} claims)"
             if people == 1 else f"{people:,} participants {_who(w, group.cohort, group.subgroup)}, each achieving "
             f"{route} on the same days ({len(ledger):,} claims)")
    if settled is None:
        return [Paragraph(f"{title}: its example would be a ledger of {story}, more than this render settles "
                          f"(at most {MAX_CLAIMS:,} claims a ledger, {BUDGET:,} in all), so none is shown.",
                          numbered(title))]
    hit = [k for k, d in enumerate(settled.decisions) if d.root_cause == item.key]
    if not hit and found.witness and found.witness_participants:
        whole = settled_within(contract, found.witness)
        if whole is not None and any(d.root_cause == item.key for d in whole.decisions):
            settled, ledger = whole, found.witness
            hit = [k for k, d in enumerate(settled.decisions) if d.root_cause == item.key]
            story = (f"the {found.witness_participants:,} participants of the analysis's ledger that reaches the "
                     f"most this Schedule can pay ({len(ledger):,} claims), each on their costliest route")
    if not hit:
        first_by = sorted({d.root_cause for d in settled.decisions if d.root_cause})
        full = any(d.reason is Reason.COHORT_FULL for d in settled.decisions)
        paid = sum((x.amount for x in settled.decisions), Decimal(0))
        size = _size(contract, group.cohort)
        why = and_list([limits.of(k) for k in first_by]) + (" decides first" if len(first_by) == 1 else " decide first") \
            if first_by else "the cohort is full first" if full else (
                f"the ledger is paid {w.money(paid)} in all" + (", with every place of the cohort taken"
                                                               if size is not None and people >= size else ""))
        return [Paragraph(f"{title}: with {story}, settled by the engine, this limit does not decide any claim: "
                          f"{why}.", numbered(title))]
    first = hit[0]
    shown = list(range(max(0, first - 1), min(len(settled.decisions), first + SHOWN_ROWS - 1)))
    rows = []
    for k in shown:
        d = settled.decisions[k]
        rows.append((f"{k + 1:,}", _person(d.participant), day(d.achieved), w.title(d.outcome), w.money(d.price),
                     w.money(d.amount), decision_words(d, limits)))
    d = settled.decisions[first]
    what = (f"is paid {w.money(d.amount)} of its price of {w.money(d.price)}" if d.status is Status.PARTIAL
            else f"is not paid (its price {w.money(d.price)})")
    paid = sum((x.amount for x in settled.decisions), Decimal(0))
    text = (f"{title}: take {story}, settled by the engine in the order of the dates achieved. Claim "
            f"{first + 1:,} ({w.title(d.outcome)}, {_person(d.participant).lower()}) {what}, because of this limit; "
            f"{len(hit):,} claim{'s are' if len(hit) != 1 else ' is'} cut or refused by it in all, and the ledger "
            f"is paid {w.money(paid)} in total.")
    return [Paragraph(text, numbered(title)),
            Table(caption=f"Worked example: {item.heading}",
                  header=("Claim", "Participant", "Date achieved", "Outcome", "Price", "Paid", "Decision"),
                  rows=tuple(rows))]


def _cohort_level_cap(contract: Contract, w: Words, limits: Limits, item: Limit, outcome: Outcome, number: str,
                      title: str) -> list[Block]:
    """A cap on a cohort-level outcome: one result large enough to pass it, settled."""
    from sibdsl.settlement.engine import settle

    tariff = outcome.tariff
    assert isinstance(tariff, CohortLevelTariff) and item.cap is not None
    if item.cap.measure != "money" or tariff.price <= 0 or outcome.pooled:
        return [Paragraph(f"{title}: a result is paid in one payment, so no example of this limit is shown.", number)]
    units = (item.cap.limit / tariff.price).to_integral_value(ROUND_FLOOR) + 1
    change = (tariff.threshold or Decimal(0)) + units * tariff.per
    baseline = max(Decimal(100), change * 2)
    observed = baseline - change if tariff.direction == "reduction" else baseline + change
    m = Measurement(measurement_id="m1", outcome=outcome.name, cohort=outcome.cohorts[0] if outcome.cohorts else None,
                    measured=contract.header.term_end, baseline=baseline, observed=observed)
    settled = settle(contract, [], [m])
    d = settled.decisions[0]
    if d.root_cause != item.key:
        return [Paragraph(f"{title}: a result worth more than the limit is decided by another limit first, so no "
                          "example of this limit is shown.", number)]
    return [Paragraph(f"{title}: a result for {w.quoted(outcome.name)} of {observed:f} against a comparison figure "
                      f"of {baseline:f}, measured on {day(m.measured)}, is priced {w.money(d.price)} and paid "
                      f"{w.money(d.amount)}: {decision_words(d, limits)}.", number)]
