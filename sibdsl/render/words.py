"""Phase 6, rendering: the compiled model in plain English, for the schedule's clauses and its
rate card.

Input: a compiled `Contract` and one of its parts (an outcome, a tariff, a cap, a payer).
Output: strings in the register of a UK outcomes contract: titles instead of code names,
money as "GBP 1,500.00" (the currency's code, the thousands separated, the currency's minor
unit, never rounded: `sibdsl.core.moneytext`), dates as "1 December 2017", durations as
"3 months". Every figure is read from the model; nothing here is a constant of a contract.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import assert_never

from sibdsl.core.currency import MINOR_UNITS
from sibdsl.core.moneytext import money_text
from sibdsl.model.contract import (
    AnyTariff,
    Cap,
    CohortLevelTariff,
    Contract,
    Duration,
    FixedTariff,
    Outcome,
    Payer,
    PerUnitTariff,
    Prerequisite,
    SlidingTariff,
    SubgroupTariff,
    TieredTariff,
)

EVERY = {1: "monthly", 3: "quarterly", 6: "half-yearly", 12: "yearly"}


class Words:
    """The plain words of one contract: its names looked up once."""

    def __init__(self, contract: Contract) -> None:
        self.c = contract
        self.currency = contract.header.currency
        self.places = MINOR_UNITS.get(self.currency, 2)
        self.outcomes = {o.name: o for o in contract.outcomes}
        self.titles: dict[str, str] = {}
        for p in contract.parties:
            self.titles[p.name] = p.title
        for i in contract.investors:
            self.titles[i.name] = i.title
        for cohort in contract.cohorts:
            self.titles[cohort.name] = cohort.title
            for s in cohort.subgroups:
                self.titles[s.name] = s.title or _spaced(s.name)
        for payer in contract.payers:
            self.titles[payer.name] = payer.title
        for o in contract.outcomes:
            self.titles[o.name] = o.title
        for g in contract.exclusive_groups:
            self.titles.setdefault(g.name, _spaced(g.name))
        for r in contract.resets:
            self.titles[r.name] = r.title
        for t in contract.tranches:
            self.titles.setdefault(t.name, _spaced(t.name))

    # ------------------------------------------------------------------ basics
    @staticmethod
    def flat(text: str) -> str:
        """Free text of the contract (an eligibility, a definition) on one line: a triple-quoted
        string keeps the source's line breaks and indentation, which a clause does not."""
        return " ".join(text.split())

    def money(self, amount: Decimal | int) -> str:
        return f"{self.currency} {money_text(amount, self.places, grouping=True)}"

    def title(self, name: str | None) -> str:
        if name is None:
            return ""
        return self.titles.get(name, _spaced(name))

    def quoted(self, name: str) -> str:
        """An outcome's title as a clause cites it: "Entry into accommodation"."""
        return f"\u201c{self.title(name)}\u201d"

    def clause(self, ref: str | None) -> str:
        """The contract's own reference of a clause: "Schedule 2, paragraph 3.1"."""
        if ref is None:
            return ""
        scheme = self.c.header.clause_scheme
        return f"{scheme} {ref}" if scheme else f"clause {ref}"

    def plain(self, text: str) -> str:
        """A sentence of the analysis with each code name replaced by its title in quotes."""
        names = sorted((n for n in self.titles if n), key=len, reverse=True)
        if not names:
            return text
        pattern = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, names)) + r")(?![A-Za-z0-9_])")
        return pattern.sub(lambda m: self.quoted(m.group(1)), text)

    def see(self, ref: str | None) -> str:
        """" (Schedule 2, paragraph 3.1)" after a sentence, or nothing."""
        return f" ({self.clause(ref)})" if ref else ""

    # ------------------------------------------------------------------ payers
    def share(self, payer: Payer) -> str:
        if payer.clauses:
            named = any(c.outcomes for p in self.c.payers for c in p.clauses)
            parts = []
            for clause in payer.clauses:
                what = ("of the payments for " + and_list([self.quoted(n) for n in clause.outcomes])) \
                    if clause.outcomes else "of every other outcome payment" if named else "of each outcome payment"
                phases = []
                before: date | None = None
                for phase in clause.phases:
                    pct = _fraction(phase.share, phase.ratio)
                    if pct == "0%":
                        pct = "nothing"
                    if phase.until is not None:
                        phases.append(f"{pct} for outcomes achieved up to {day(phase.until)}")
                    elif before is not None:
                        phases.append(f"{pct} for outcomes achieved after {day(before)}")
                    else:
                        phases.append(pct)
                    before = phase.until
                parts.append(f"{what}: {', '.join(phases)}" if len(phases) > 1 else f"{phases[0]} {what}")
            text = "; ".join(parts)
            return text[:1].upper() + text[1:] if text.startswith("of ") else text
        how = ", in proportion to its maximum" if payer.by_maximum else ""
        return f"{_fraction(payer.share, payer.ratio)} of each outcome payment{how}"

    # ------------------------------------------------------------------ durations and dates
    @staticmethod
    def duration(d: Duration) -> str:
        unit = d.unit[:-1] if d.amount == 1 else d.unit
        return f"{d.amount:,} {unit}"

    # ------------------------------------------------------------------ the rate card
    def price(self, outcome: Outcome) -> str:
        text = self.tariff(outcome.tariff)
        if outcome.top_ups:
            text += ", including " + and_list([f"{self.money(t.amount)} paid by {self.title(t.payer)}"
                                               for t in outcome.top_ups])
        if outcome.indexation is not None:
            ix = outcome.indexation
            text += f"; indexed at {percent(ix.rate)} a year from {day(ix.start)}"
        return text

    def tariff(self, tariff: AnyTariff) -> str:
        match tariff:
            case FixedTariff():
                return self.money(tariff.price)
            case SubgroupTariff():
                parts = [f"{self.money(p.price)} for a participant in the sub-group {self.quoted(p.subgroup)}"
                         for p in tariff.subgroup_prices]
                parts.append(f"{self.money(tariff.otherwise)} for any other participant"
                             if tariff.otherwise is not None else "nothing for any other participant")
                return "; ".join(parts)
            case TieredTariff():
                bands = []
                for b in tariff.bands:
                    which = (f"outcome {b.first:,}" if b.last == b.first else
                             f"outcomes {b.first:,} to {b.last:,}" if b.last is not None
                             else f"outcome {b.first:,} onwards")
                    band = f"{self.money(b.price)} each for {which}" if b.price else f"nothing for {which}"
                    if b.cap is not None:
                        band += f" (at most {self.money(b.cap)} for the band in total)"
                    bands.append(band)
                counted = (f", counting only the outcomes of participants in the sub-group "
                           f"{self.quoted(tariff.counted_within)}" if tariff.counted_within else "")
                return "tiered by the number of outcomes paid: " + "; ".join(bands) + counted
            case SlidingTariff():
                points = ", ".join(f"{percent(p.percent)} at {_num(p.at)}{'%' if tariff.percent_scale else ''}"
                                   for p in tariff.points)
                return (f"up to {self.money(tariff.price)}, scaled by {tariff.measure}: {points} (a straight line "
                        "between the points; below the first and above the last, their percentages)")
            case PerUnitTariff():
                unit = tariff.unit[:-1]
                return (f"{self.money(tariff.price)} per {unit}, for at most {_num(tariff.limit)} {tariff.unit} "
                        f"(at most {self.money(tariff.price * tariff.limit)})")
            case CohortLevelTariff():
                per = f"{_num(tariff.per)}{'%' if tariff.per_is_percent else ''}"
                against = "the baseline" if tariff.baseline == "baseline" else "the comparison group"
                text = (f"{self.money(tariff.price)} for each {per} {tariff.direction} in {tariff.measure}, "
                        f"measured over the cohort against {against}")
                if tariff.threshold is not None:
                    text += (f", once the {tariff.direction} is at least "
                             f"{_num(tariff.threshold)}{'%' if tariff.threshold_is_percent else ''}")
                return text
            case _:
                assert_never(tariff)

    def prerequisite(self, p: Prerequisite) -> str:
        text = self.quoted(p.outcome)
        if p.at_least is not None:
            text += f", at least {self.duration(p.at_least)} after it"
        if p.within is not None:
            text += f", within {self.duration(p.within)} of it"
        return text

    def conditions(self, outcome: Outcome) -> list[str]:
        """The conditions of payment of one outcome, one sentence each."""
        out = []
        for p in outcome.prerequisites:
            out.append(f"Paid only after {self.prerequisite(p)}.")
        for choice in outcome.choices:
            options = [self.prerequisite(o) for o in choice.options]
            text = "Paid only after " + or_list(options)
            if choice.held_at_referral:
                text += ", or where the participant already held " + ("it" if len(options) == 1 else "one of them") + \
                    " at referral"
            if choice.if_paid:
                text += (" (this condition applies only once " + ("it" if len(options) == 1 else "one of them")
                         + " has been paid)")
            out.append(text + ".")
        if outcome.window is not None:
            whence = "the participant's start" if outcome.window_from == "start" else "referral"
            out.append(f"Achieved within {self.duration(outcome.window)} of {whence}.")
        if outcome.not_if_held:
            out.append("Not payable where the participant already held this outcome at referral.")
        if outcome.cohorts:
            out.append("Payable only for " + and_list([self.quoted(c) for c in outcome.cohorts]) + ".")
        if outcome.in_addition_to:
            out.append("Paid in addition to " + and_list([self.quoted(n) for n in outcome.in_addition_to]) + ".")
        if outcome.includes:
            out.append("Includes " + and_list([self.quoted(n) for n in outcome.includes])
                       + ": it is not paid as well as them.")
        if outcome.pooled:
            out.append("Computed from the latest results of " + and_list([self.quoted(n) for n in outcome.pooled])
                       + " together.")
        if outcome.net_of:
            out.append("Paid net of what was paid for " + and_list([self.quoted(n) for n in outcome.net_of]) + ".")
        for g in self.c.exclusive_groups:
            if outcome.name in g.members:
                others = [self.quoted(n) for n in g.members if n != outcome.name]
                out.append(f"At most {g.at_most:,} of this outcome and {or_list(others)} for one "
                           f"{'cohort' if outcome.tariff.kind == 'cohort_level' else 'participant'}.")
        for r in self.c.resets:
            if outcome.name in r.restarts:
                out.append(f"Its waiting time counts again from the event {self.quoted(r.name)}.")
        return out

    def repeat(self, outcome: Outcome) -> str:
        who = "cohort" if outcome.tariff.kind == "cohort_level" else "participant"
        match outcome.repeat:
            case "once":
                return f"Once per {who}"
            case "up_to":
                return f"Up to {outcome.repeat_limit:,} times per {who}"
            case "unlimited":
                return f"Any number of times per {who}"
            case _:
                assert_never(outcome.repeat)

    def evidence(self, outcome: Outcome) -> str:
        parts = []
        if outcome.trigger:
            parts.append(f"Achieved on: {self.flat(outcome.trigger)}.")
        if outcome.evidence:
            parts.append(f"Evidence: {self.flat(outcome.evidence)}.")
        return " ".join(parts) or "The contract states no evidence."

    # ------------------------------------------------------------------ caps
    def cap_limit(self, cap: Cap) -> str:
        if cap.measure == "money":
            return self.money(cap.limit)
        if cap.measure == "count":
            return f"{_num(cap.limit)} paid outcome{'s' if cap.limit != 1 else ''}"
        base = "achievements" if cap.share_base == "achievements" else "paid outcomes"
        of = (" of " + and_list([self.quoted(n) for n in cap.share_of])) if cap.share_of else ""
        return f"{percent(cap.limit)} of the {base}{of}"

    def cap(self, cap: Cap) -> str:
        """One cap as a clause: what it limits, to what, and what happens when it is reached."""
        limit = self.cap_limit(cap)
        target = self.quoted(cap.target) if cap.target else ""
        if cap.measure == "share":
            who = (f"participants in the sub-group {target}" if cap.scope == "subgroup"
                   else f"the outcome {target}" if cap.scope == "outcome" else target)
            when = {"running": "as each claim is paid", "period": "over each settlement period",
                    "contract": "over the whole contract"}[cap.measured]
            return (f"The outcomes of {who} are at most {limit}, measured {when}. A claim that would take the "
                    "share over the limit is not paid.")
        subject = {
            "participant": "The payments for any one participant, all outcomes together,",
            "outcome": f"The payments for {target}, over the whole contract,",
            "subgroup": f"The payments for participants in the sub-group {target}",
            "cohort": f"The payments for participants in {target}",
            "period": "The payments for outcomes achieved in any one settlement period",
            "year": "The payments for outcomes achieved in any one year of the term (counted from its first day)",
            "payer": f"The payments by {self.title(cap.target)}, over the whole contract,",
            "contract": "The total of all outcome payments under this Schedule (the maximum outcome payment)",
        }[cap.scope]
        if cap.measure == "count":
            subject = subject.replace("The payments for", "The number of paid outcomes of").replace(
                "The payments by", "The number of outcomes paid by").replace(
                "The total of all outcome payments", "The number of all paid outcomes")
        plural = cap.measure == "money" and cap.scope != "contract"
        return f"{subject} {'are' if plural else 'is'} at most {limit}. " + self.behaviour(cap)

    @staticmethod
    def behaviour(cap: Cap) -> str:
        if cap.measure != "money":
            return "A claim that would exceed it is not paid."
        if cap.behaviour == "reject":
            return "A claim that would take payments over the limit is not paid at all."
        return ("A claim that would take payments over the limit is paid the part that remains within it; "
                "later claims are not paid.")


def day(d: date) -> str:
    """1 December 2017."""
    return f"{d.day} {d:%B} {d.year}"


def _fraction(share: Decimal, ratio: tuple[int, int] | None) -> str:
    """A share as the contract states it: 70%, or 1/3 (about 33.33%) where it is not a decimal."""
    if ratio is None:
        return percent(share)
    return f"{ratio[0]}/{ratio[1]} (about {share.quantize(Decimal('0.01')).normalize():f}%)"


def percent(x: Decimal) -> str:
    return f"{_num(x)}%"


def _num(x: Decimal | int) -> str:
    value = Decimal(x)
    text = f"{value.normalize():,f}" if value == value.to_integral_value() else f"{value.normalize():f}"
    return text


def _spaced(name: str) -> str:
    """A code name the model has no title for, as words: `first_draw` -> "First draw"."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def and_list(items: list[str]) -> str:
    return _joined(items, "and")


def or_list(items: list[str]) -> str:
    return _joined(items, "or")


def _joined(items: list[str], word: str) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def every(months: int) -> str:
    return EVERY.get(months, f"every {months} months")
