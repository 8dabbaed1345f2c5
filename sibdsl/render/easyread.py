"""Phase 6, rendering: the easy-read version of a contract, for the people who use the service
and for co-design panels (`sibc render FILE --audience participants`; issue 12, item 2).

Input: a compiled `Contract` (sibdsl/model/contract.py). Output: a `Document`
(sibdsl/render/document.py) that the Markdown, HTML and DOCX writers print. Everything comes
from the model: titles, eligibility, evidence, prices, delays, windows, caps and payers, never
retyped and never one contract's words. The text follows UK easy-read guidance (Mencap style):
short sentences with one idea each, "you", everyday words, numbers as digits, dates as
"1 December 2017", headings as questions, and no code names: an outcome, cohort, payer or
sub-group is always named by its title (a sub-group without a title is "group A" of its
cohort). Sector words that titles use ("social impact bond", "EET") are explained in the last
section. docs/easy-read.md describes the rules; `sibdsl.render.easyread_check` measures them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sibdsl.model.contract import (
    Cap,
    CohortLevelTariff,
    Contract,
    FixedTariff,
    Outcome,
    PerUnitTariff,
    Prerequisite,
    PrerequisiteChoice,
    SlidingTariff,
    SubgroupTariff,
    TieredTariff,
)
from sibdsl.model.pastterm import last_day_for
from sibdsl.render.document import Block, Bullets, Document, Heading, Paragraph, Table, Terms
from sibdsl.render.easyread_words import (
    clean,
    day_text,
    duration_text,
    glossary,
    joined,
    money,
    number_text,
    percent_text,
    pieces,
    quoted,
    sentence,
    unit_text,
)

# The headings, in order (tests and the writers may look them up).
ABOUT = "What is this about?"
WHO = "Who can take part?"
SUCCESS = "What counts as a success?"
WRONG = "What if something goes wrong?"
PAID = "What is the service paid for?"
NOT_PAID = "What is it not paid for?"
INFORMATION = "How is information about you used?"
PAYS = "Who pays?"
ASK = "Who can I ask?"
WORDS = "What do the words mean?"

ALL_ONCE = "Each success is paid only once for each person."
ALL_ONCE_GROUP = "Each group result is paid only once for each group."


def build_easy_read(contract: Contract) -> Document:
    """The easy-read document of a compiled contract."""
    return _Builder(contract).build()


def _cohort_level(outcome: Outcome) -> bool:
    return isinstance(outcome.tariff, CohortLevelTariff)


class _Builder:
    def __init__(self, contract: Contract) -> None:
        self.c = contract
        self.currency = contract.header.currency
        self.outcomes = {o.name: o for o in contract.outcomes}
        self.cohorts = {co.name: co for co in contract.cohorts}
        self.payers = {p.name: p for p in contract.payers}
        self.subgroups: dict[str, str] = {}
        for co in contract.cohorts:
            for i, s in enumerate(co.subgroups):
                letter = chr(ord("A") + i % 26)
                self.subgroups[s.name] = clean(s.title) if s.title else f"group {letter} of {clean(co.title)}"
        self.blocks: list[Block] = []

    # ------------------------------------------------------------ names, in words

    def m(self, amount: Decimal) -> str:
        return money(amount, self.currency)

    def outcome_title(self, name: str) -> str:
        o = self.outcomes.get(name)
        return quoted(o.title) if o is not None else "another success"

    def titles(self, names: Iterable[str]) -> list[str]:
        return [self.outcome_title(n) for n in names]

    def cohort_title(self, name: str) -> str:
        co = self.cohorts.get(name)
        return quoted(co.title) if co is not None else "another group"

    def subgroup_title(self, name: str) -> str:
        return quoted(self.subgroups.get(name, "a smaller group"))

    def payer_title(self, name: str) -> str:
        p = self.payers.get(name)
        if p is not None:
            return clean(p.title)
        party = next((x for x in self.c.parties if x.name == name), None)
        return clean(party.title) if party is not None else "another organisation"

    def role_titles(self, role: str) -> list[str]:
        return [clean(p.title) for p in self.c.parties if p.role == role]

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def para(self, *sentences: str) -> None:
        for s in sentences:
            self.blocks.append(Paragraph(text=s))

    # ------------------------------------------------------------ the document

    def build(self) -> Document:
        self.about()
        self.who()
        self.successes()
        self.paid()
        self.not_paid()
        self.information()
        self.who_pays()
        self.ask()
        self.words()
        h = self.c.header
        subtitle = [clean(h.title)]
        if h.version:
            subtitle.append(f"Version {h.version}")
        subtitle.append(f"{day_text(h.term_start)} to {day_text(h.term_end)}")
        return Document(title="Easy read guide", subtitle=tuple(subtitle), blocks=tuple(self.blocks))

    def about(self) -> None:
        h = self.c.header
        self.add(Heading(text=ABOUT))
        self.para(f"This guide is about a contract called {quoted(h.title)}.")
        if h.version:
            self.para(f"This guide is for version {h.version} of the contract.")
        if h.amendments:
            last = h.amendments[-1]
            self.para(f"The contract was last changed on {day_text(last.day)}.")
            if clean(last.summary):
                self.para(f"The change was: {clean(last.summary)}.".replace("..", "."))
        self.para(f"The contract runs from {day_text(h.term_start)} to {day_text(h.term_end)}.")
        if self.c.cohorts:
            self.para(f"It pays for a service for {joined([quoted(co.title) for co in self.c.cohorts])}.")
        providers = self.role_titles("provider")
        if providers:
            self.para(f"The service is run by {joined(providers)}.")
        self.para("The service is paid when good things happen in your life.",
                  "In this guide we call these good things successes.",
                  "This guide tells you what counts as a success.",
                  "It tells you what the service is paid for, and what it is not paid for.",
                  "It also tells you how information about you is used.")

    # ------------------------------------------------------------ who can take part

    def who(self) -> None:
        self.add(Heading(text=WHO))
        if not self.c.cohorts:
            self.para("The contract does not list who can take part.", "You can ask the service.")
            return
        priced = self.priced_subgroups()
        for co in self.c.cohorts:
            if len(self.c.cohorts) > 1:
                self.add(Heading(text=clean(co.title), level=2))
            else:
                self.para(f"This service is for {quoted(co.title)}.")
            if co.eligibility and pieces(co.eligibility):
                self.para("You can take part if this is true for you:")
                self.add(Bullets(items=tuple(sentence(p) for p in pieces(co.eligibility))))
            if co.referral_start is not None and co.referral_end is not None:
                self.para("Someone must refer you to the service.",
                          f"You must be referred between {day_text(co.referral_start)} "
                          f"and {day_text(co.referral_end)}.")
            if co.size is not None:
                self.para(f"There are places for up to {number_text(co.size)} "
                          f"{'person' if co.size == 1 else 'people'}.")
            if co.subgroups:
                self.para("Some people are in a smaller group:")
                self.add(Bullets(items=tuple(sentence(self.subgroups[s.name]) for s in co.subgroups)))
                if any(s.name in priced for s in co.subgroups):
                    self.para("Some payments or limits are different for these groups.")
            if co.separate_from:
                others = [self.cohort_title(n) for n in co.separate_from]
                self.para(f"You cannot be in this group and in {joined(others, 'or')} at the same time.")

    def priced_subgroups(self) -> set[str]:
        found: set[str] = set()
        for o in self.c.outcomes:
            if isinstance(o.tariff, SubgroupTariff):
                found |= {p.subgroup for p in o.tariff.subgroup_prices}
            if isinstance(o.tariff, TieredTariff) and o.tariff.counted_within:
                found.add(o.tariff.counted_within)
        found |= {cap.target for cap in self.c.caps if cap.scope == "subgroup" and cap.target}
        return found

    # ------------------------------------------------------------ what counts as a success

    def successes(self) -> None:
        self.add(Heading(text=SUCCESS))
        self.para(f"There {'is 1 kind' if len(self.c.outcomes) == 1 else f'are {len(self.c.outcomes)} kinds'} "
                  "of success in this contract.")
        if all(_cohort_level(o) for o in self.c.outcomes):
            self.para("Each success is about the results of a whole group of people, not about one person.")
        elif any(_cohort_level(o) for o in self.c.outcomes):
            self.para("Most successes are about one person.",
                      "Some are about the results of a whole group of people.",
                      "It says so below when a success is about a whole group.")
        for o in self.c.outcomes:
            self.add(Heading(text=clean(o.title), level=2))
            items = self.group_conditions(o) if _cohort_level(o) else self.conditions(o)
            self.add(Bullets(items=tuple(items)))
        if self.c.resets:
            self.add(Heading(text=WRONG, level=2))
            for r in self.c.resets:
                self.para(f"Sometimes this happens: {quoted(r.title)}.",
                          "If it happens, the count starts again.",
                          "The time is counted again from the new start.",
                          "Successes that were already paid stay paid.",
                          "The count starts again for:")
                self.add(Bullets(items=tuple(self.titles(r.restarts))))

    def conditions(self, o: Outcome) -> list[str]:
        items: list[str] = []
        if o.cohorts and len(self.c.cohorts) > 1:
            items.append(f"This is only for people in {joined([self.cohort_title(n) for n in o.cohorts], 'or')}.")
        only = self.only_for(o)
        if only:
            items.append(f"This is only paid for people in {joined([self.subgroup_title(n) for n in only], 'or')}.")
        for p in o.prerequisites:
            items.append(self.after(p))
        for choice in o.choices:
            items.extend(self.choice(choice))
        if o.window is not None:
            items.append(f"It must happen within {duration_text(o.window)} of the day you "
                         f"{'started' if o.window_from == 'start' else 'were referred'}.")
        if o.not_if_held:
            items.append("If you already had this when you were referred, it does not count.")
        if o.trigger and " " in o.trigger.strip():
            items.append(f"It is counted when this happens: {clean(o.trigger)}.")
        match o.times_limit:
            case 1:
                items.append("It can count only once for you.")
            case None:
                items.append("It can count more than once for you.")
            case n:
                items.append(f"It can count up to {n} times for you.")
        for r in self.c.resets:
            if o.name in r.restarts:
                items.append(f"If this happens, the count starts again: {quoted(r.title)}.")
        return items

    @staticmethod
    def only_for(o: Outcome) -> list[str]:
        """The sub-groups an outcome is paid for, where it is not paid for everyone."""
        t = o.tariff
        if isinstance(t, TieredTariff) and t.counted_within is not None:
            return [t.counted_within]
        if isinstance(t, SubgroupTariff) and t.otherwise is None:
            return [p.subgroup for p in t.subgroup_prices if p.price > 0]
        return []

    def after(self, p: Prerequisite) -> str:
        t = self.outcome_title(p.outcome)
        if p.at_least is not None and p.within is not None:
            return (f"It must happen between {duration_text(p.at_least)} and {duration_text(p.within)} "
                    f"after {t}.")
        if p.at_least is not None:
            return f"It counts {duration_text(p.at_least)} or more after {t}."
        if p.within is not None:
            return f"It must happen after {t}, and within {duration_text(p.within)} of it."
        return f"It counts only after {t}."

    def choice(self, choice: PrerequisiteChoice) -> list[str]:
        options = choice.options
        if choice.if_paid:
            out = ["This can count on its own."]
            for p in options:
                t = self.outcome_title(p.outcome)
                if p.at_least is not None and p.within is not None:
                    out.append(f"But if {t} was paid first, this must come between "
                               f"{duration_text(p.at_least)} and {duration_text(p.within)} after it.")
                elif p.at_least is not None:
                    out.append(f"But if {t} was paid first, this must come {duration_text(p.at_least)} "
                               "or more after it.")
                elif p.within is not None:
                    out.append(f"But if {t} was paid first, this must come within {duration_text(p.within)} of it.")
                else:
                    out.append(f"But if {t} was paid first, this must come after it.")
            return out
        out = []
        if len(options) == 1:
            out.append(self.after(options[0]))
        else:
            out.append("It can count in more than one way.")
            for i, p in enumerate(options):
                said = self.after(p)
                out.append(f"{'One way' if i == 0 else 'Another way'}: {said[0].lower()}{said[1:]}")
        if choice.held_at_referral:
            held = joined(self.titles(p.outcome for p in options), "or")
            out.append(f"It also counts if you already had {held} when you were referred.")
            out.append("Then the time counts from the day you were referred.")
        return out

    def group_conditions(self, o: Outcome) -> list[str]:
        t = o.tariff
        assert isinstance(t, CohortLevelTariff)
        items = ["This is not about one person.", "It is about the results of a whole group."]
        if o.pooled:
            items.append(f"The results of these groups are added together: "
                         f"{joined([self.cohort_title(n) for n in o.pooled])}.")
        elif o.cohorts:
            items.append(f"The group is {joined([self.cohort_title(n) for n in o.cohorts], 'or')}.")
        else:
            items.append("The group is everyone who takes part.")
        items.append(f"It looks at {quoted(t.measure)}.")
        items.append(f"A {'fall' if t.direction == 'reduction' else 'rise'} in this is a success.")
        if t.baseline == "baseline":
            items.append("The group's figures are compared with its figures from before.")
        else:
            items.append("The group's figures are compared with a group of similar people.")
            items.append("Those people do not get this service.")
        if t.threshold is not None:
            shown = percent_text(t.threshold) if t.threshold_is_percent else number_text(t.threshold)
            items.append(f"The change must be at least {shown} to count.")
        match o.times_limit:
            case 1:
                items.append("It can count only once for each group.")
            case None:
                items.append("It can count more than once for each group.")
            case n:
                items.append(f"It can count up to {n} times for each group.")
        return items

    # ------------------------------------------------------------ what the service is paid

    def paid(self) -> None:
        self.add(Heading(text=PAID))
        self.para("The service is paid money for each success.",
                  "The table shows how much.")
        if any(isinstance(o.tariff, TieredTariff) for o in self.c.outcomes):
            self.para("For some successes, the amount depends on how many have been paid so far.",
                      "They are counted for everyone together, not for you alone.")
        if any(_cohort_level(o) for o in self.c.outcomes):
            self.para("Some payments depend on the results of the whole group, not on one person.")
        rows = tuple((clean(o.title), " ".join(self.price(o))) for o in self.c.outcomes)
        self.add(Table(caption="What the service is paid for each success",
                       header=("Success", "What the service is paid"), rows=rows))
        for a in self.c.assertions:
            if a.kind == "participant_max" and a.value is not None:
                self.para(f"The contract says that no more than {self.m(a.value)} should be paid for one person.")
        if any(o.indexation is not None for o in self.c.outcomes):
            self.para("Some amounts change each year.", "The table says which ones.")

    def price(self, o: Outcome) -> list[str]:
        t = o.tariff
        out: list[str] = []
        match t:
            case FixedTariff():
                out.append(f"{self.m(t.price)}.")
                for top in o.top_ups:
                    out.append(f"Of this, {self.m(top.amount)} comes from {self.payer_title(top.payer)}.")
            case SubgroupTariff():
                for sp in t.subgroup_prices:
                    out.append(f"{self.m(sp.price)} for people in {self.subgroup_title(sp.subgroup)}.")
                if t.otherwise is not None:
                    out.append(f"{self.m(t.otherwise)} for everyone else.")
                else:
                    out.append("Nothing for anyone else.")
            case TieredTariff():
                if t.counted_within is not None:
                    out.append(f"Only successes for people in {self.subgroup_title(t.counted_within)} are counted and paid.")
                for b in t.bands:
                    each = "nothing" if b.price == 0 else f"{self.m(b.price)} each"
                    if b.last is None:
                        text = f"From success number {number_text(b.first)} on: {each}."
                    elif b.first == 1 and b.last > 1:
                        text = f"The first {number_text(b.last)} successes: {each}."
                    elif b.first == b.last:
                        text = f"Success number {number_text(b.first)}: {each.removesuffix(' each')}."
                    else:
                        text = f"Successes {number_text(b.first)} to {number_text(b.last)}: {each}."
                    out.append(text)
                    if b.cap is not None:
                        out.append(f"At most {self.m(b.cap)} for all of these together.")
            case SlidingTariff():
                out.append(f"Up to {self.m(t.price)}.")
                out.append(f"The amount depends on {quoted(t.measure)}.")
                sign = "%" if t.percent_scale else ""
                for i, pt in enumerate(t.points):
                    at = f"{number_text(pt.at)}{sign}"
                    where = f"{at} or less" if i == 0 else f"{at} or more" if i == len(t.points) - 1 else at
                    out.append(f"At {where}: {percent_text(pt.percent)} of this.")
                if len(t.points) > 1:
                    out.append("Between these points, the amount is part way between.")
            case PerUnitTariff():
                out.append(f"{self.m(t.price)} for each {unit_text(t.unit)}, for up to "
                           f"{number_text(t.limit)} {unit_text(t.unit, t.limit)}.")
                out.append(f"That is up to {self.m(t.price * t.limit)}.")
            case CohortLevelTariff():
                per = percent_text(t.per) if t.per_is_percent else number_text(t.per)
                out.append(f"{self.m(t.price)} for each {per} {'fall' if t.direction == 'reduction' else 'rise'} "
                           f"in {quoted(t.measure)}.")
                out.append("This is paid for the whole group, not for one person.")
        if o.indexation is not None:
            rate = o.indexation.rate
            if rate > 0:
                out.append(f"The amount goes up by {percent_text(rate)} each year from {day_text(o.indexation.start)}.")
            elif rate < 0:
                out.append(f"The amount goes down by {percent_text(-rate)} each year from "
                           f"{day_text(o.indexation.start)}.")
        if o.in_addition_to:
            out.append(f"This is paid on top of {joined(self.titles(o.in_addition_to))}.")
        if o.includes:
            out.append(f"This payment already covers {joined(self.titles(o.includes))}.")
        if o.net_of:
            out.append(f"Money already paid for {joined(self.titles(o.net_of))} is taken off.")
        return out

    # ------------------------------------------------------------ what it is not paid for

    def not_paid(self) -> None:
        self.add(Heading(text=NOT_PAID))
        self.para("There are rules about what the service is not paid for.")
        items: list[str] = []
        people = [o for o in self.c.outcomes if not _cohort_level(o)]
        groups = [o for o in self.c.outcomes if _cohort_level(o)]
        for found, whole, who in ((people, ALL_ONCE, "person"), (groups, ALL_ONCE_GROUP, "group")):
            once = [o for o in found if o.times_limit == 1]
            if found and len(once) == len(found):
                items.append(whole)
            elif once:
                items.append(f"These are paid only once for each {who}: {joined(self.titles(o.name for o in once))}.")
            for o in found:
                if o.times_limit not in (1, None):
                    items.append(f"{self.outcome_title(o.name)} is paid at most {o.times_limit} times "
                                 f"for each {who}.")
        for g in self.c.exclusive_groups:
            members = joined(self.titles(g.members))
            if g.at_most == 1:
                items.append(f"Only one of these is paid for each person: {members}.")
            else:
                items.append(f"Only {g.at_most} of these are paid for each person: {members}.")
        for o in self.c.outcomes:
            if o.includes:
                items.append(f"The payment for {self.outcome_title(o.name)} already covers "
                             f"{joined(self.titles(o.includes))}.")
        held = [o for o in people if o.not_if_held]
        if held:
            items.append("Things you already had when you were referred do not count. "
                         f"This is for {joined(self.titles(o.name for o in held))}.")
        for o in people:
            if o.window is not None:
                start = "started" if o.window_from == "start" else "were referred"
                items.append(f"{self.outcome_title(o.name)} does not count if it happens more than "
                             f"{duration_text(o.window)} after you {start}.")
            for p in o.prerequisites:
                if p.within is not None:
                    items.append(f"{self.outcome_title(o.name)} does not count if it comes more than "
                                 f"{duration_text(p.within)} after {self.outcome_title(p.outcome)}.")
        items.extend(self.deadlines())
        for co in self.c.cohorts:
            if co.referral_end is not None:
                items.append(f"The service is not paid for people referred to {quoted(co.title)} "
                             f"after {day_text(co.referral_end)}.")
            if co.size is not None:
                items.append(f"The service is paid for at most {number_text(co.size)} "
                             f"{'person' if co.size == 1 else 'people'} in {quoted(co.title)}.")
        items.extend(self.limits())
        self.add(Bullets(items=tuple(items)))

    def deadlines(self) -> list[str]:
        h = self.c.header
        by_day: dict[date, list[Outcome]] = defaultdict(list)
        for o in self.c.outcomes:
            by_day[last_day_for(o, h)].append(o)
        out: list[str] = []
        if len(by_day) == 1:
            out.append(f"Nothing is paid for successes after {day_text(next(iter(by_day)))}.")
        else:
            out.append(f"Most successes must happen by {day_text(h.term_end)}.")
            for day, found in sorted(by_day.items()):
                if day != h.term_end:
                    out.append(f"These can still count until {day_text(day)}: "
                               f"{joined(self.titles(o.name for o in found))}.")
        if h.claims_until is not None:
            out.append(f"The service must ask to be paid by {day_text(h.claims_until)}.")
            out.append("After that day, nothing more is paid.")
        return out

    def limits(self) -> list[str]:
        out: list[str] = []
        months = self.c.header.settlement_months
        period = ("each payment period of 1 month" if months == 1 else
                  f"each payment period of {months} months")
        for cap in self.c.caps:
            text = self.limit(cap, period)
            if cap.behaviour == "reject" and cap.measure == "money":
                text += " A payment that would go over this limit is not paid at all."
            out.append(text)
        capped = {cap.target for cap in self.c.caps if cap.scope == "payer"}
        for p in self.c.payers:
            if p.cap is not None and p.name not in capped:
                out.append(f"{clean(p.title)} pays at most {self.m(p.cap)} in total.")
        if any(cap.measure == "money" and cap.behaviour == "pay in part" for cap in self.c.caps) or any(
                p.cap is not None for p in self.c.payers):
            out.append("When a limit is nearly reached, the service is paid only the part that fits.")
        if any(cap.measure != "money" for cap in self.c.caps):
            out.append("When a limit on a number or a share is reached, nothing more is paid for it.")
        return out

    def limit(self, cap: Cap, period: str) -> str:
        amount = self.m(cap.limit)
        count = number_text(cap.limit)
        timing = {"running": "", "period": f" This is counted for {period}.",
                  "contract": " This is counted over the whole contract."}[cap.measured]
        base = "the successes" if cap.share_base == "achievements" else "paid successes"
        if cap.share_of:
            base += f" of {joined(self.titles(cap.share_of), 'or')}"
        target = cap.target or ""
        match cap.scope:
            case "participant":
                return f"There is a limit of {amount} for each person."
            case "outcome":
                t = self.outcome_title(target)
                if cap.measure == "count":
                    return f"{t} is paid at most {count} times in total."
                if cap.measure == "share":
                    return f"At most {percent_text(cap.limit)} of {base} can be for {t}.{timing}"
                return f"There is a limit of {amount} in total for {t}."
            case "subgroup" | "cohort":
                t = self.subgroup_title(target) if cap.scope == "subgroup" else self.cohort_title(target)
                if cap.measure == "count":
                    return f"At most {count} successes are paid for people in {t}."
                if cap.measure == "share":
                    return f"At most {percent_text(cap.limit)} of {base} can be for people in {t}.{timing}"
                return f"There is a limit of {amount} in total for people in {t}."
            case "period":
                return f"There is a limit of {amount} for {period}."
            case "year":
                return f"There is a limit of {amount} for each year."
            case "payer":
                return f"{self.payer_title(target)} pays at most {amount} in total."
            case "contract":
                return f"There is a limit of {amount} for the whole contract."

    # ------------------------------------------------------------ information, payers, contacts

    def information(self) -> None:
        self.add(Heading(text=INFORMATION))
        self.para("The service must show that each success really happened.",
                  "To do this, it uses information about you.")
        by_evidence: dict[str, list[str]] = {}
        missing: list[str] = []
        for o in self.c.outcomes:
            if o.evidence and clean(o.evidence):
                by_evidence.setdefault(clean(o.evidence), []).append(o.name)
            else:
                missing.append(o.name)
        items = [f"To show {joined(self.titles(names))}, the service uses: {evidence}."
                 for evidence, names in by_evidence.items()]
        if missing:
            items.append(f"The contract does not say what shows {joined(self.titles(missing))}.")
        self.add(Bullets(items=tuple(items)))
        if any(_cohort_level(o) for o in self.c.outcomes):
            self.para("Some results are about a whole group.",
                      "They use figures about everyone in the group, not only about you.")
        payers = [clean(p.title) for p in self.c.payers]
        self.para(f"The service gives this information to the people who pay: {joined(payers)}.",
                  "They use it to check what the service should be paid.")
        validators = self.role_titles("validator")
        if validators:
            self.para(f"{joined(validators)} also {'checks' if len(validators) == 1 else 'check'} the information.")
        else:
            self.para("The contract does not name anyone else to check it.")
        self.para("The contract does not say how your information is kept safe.",
                  "You can ask the service about this.")

    def who_pays(self) -> None:
        self.add(Heading(text=PAYS))
        payers = self.c.payers
        if len(payers) == 1:
            self.para(f"{clean(payers[0].title)} pays for the successes.")
        else:
            self.para("The money for the successes comes from:")
            self.add(Bullets(items=tuple(sentence(clean(p.title)) for p in payers)))
            if any(p.clauses for p in payers):
                self.para("Some of them pay only for some successes, or their part changes over time.")
            else:
                fractions = [p.fraction() for p in payers]
                if len(set(fractions)) == 1:
                    self.para("They each pay an equal part of each payment.")
                else:
                    biggest = max(payers, key=lambda p: p.fraction())
                    self.para("They share each payment.", f"{clean(biggest.title)} pays the biggest part.")
        if any(o.top_ups for o in self.c.outcomes):
            self.para("For some successes, another payer adds an extra amount.")
        if self.c.investors:
            self.para("Investors put money in at the start, and are paid back from the money paid for successes.")
            self.para(f"The investors are {joined([clean(i.title) for i in self.c.investors])}.")

    def ask(self) -> None:
        self.add(Heading(text=ASK))
        providers = self.role_titles("provider")
        if providers:
            self.para(f"You can ask the service: {joined(providers)}.")
        else:
            self.para("You can ask the people who support you.")
        for title in self.role_titles("intermediary"):
            self.para(f"{title} helps to run the contract.")
        for title in self.role_titles("validator"):
            self.para(f"{title} checks the results.")
        self.para("If you are on a co-design panel, you can ask to see the full contract.")

    def words(self) -> None:
        texts: list[str] = []
        for b in self.blocks:
            match b:
                case Heading() | Paragraph():
                    texts.append(b.text)
                case Bullets():
                    texts.extend(b.items)
                case Table():
                    texts.extend(cell for row in b.rows for cell in row)
                case Terms():
                    texts.extend(f"{t} {m}" for t, m in b.items)
        items = glossary(texts)
        seen = {t.lower() for t, _ in items}
        for d in (*self.c.definitions, *(d for o in self.c.outcomes for d in o.definitions)):
            term = sentence(clean(d.term)).rstrip(".")
            if term.lower() not in seen:
                seen.add(term.lower())
                items.append((term, " ".join(sentence(p) for p in pieces(d.meaning)) or sentence(clean(d.meaning))))
        if items:
            self.add(Heading(text=WORDS))
            self.add(Terms(items=tuple(items)))

