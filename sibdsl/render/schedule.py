"""Phase 6, rendering: the payment schedule of an outcomes contract, for signing.

Input: a compiled `Contract` (and a time limit for the analysis that finds the examples).
Output: a `Document` in the register of a UK outcomes contract ("Schedule: Outcomes Payment
Mechanism"): the title page with the version, the amendment history, then numbered clauses:
definitions, the parties (payers with their shares and maxima, the other parties), the
participants (cohorts, eligibility, referral windows, sub-groups), the rate card as a table,
the limits on payments, claims and settlement, the investment terms where there are any, and
an annex of worked examples settled by the engine (`examples.py`). Each clause cites the
contract's own reference where the model has one (`clause "4.2"`, `clauses "Schedule 2,
paragraph"`). Every figure is read from the model or computed by the engine; the words come
from `words.py`. Code names appear only in the rate card's "Ref." column, so that the
schedule's outcomes can be matched with the claims ledger, whose `outcome` column uses them.
"""

from __future__ import annotations

from decimal import Decimal

from sibdsl.model.contract import Condition, Contract, Investor, Tranche, Waterfall
from sibdsl.render.document import Block, Bullets, Document, Heading, Paragraph, Table, Terms
from sibdsl.render.examples import Limits, cap_examples, ladder_example
from sibdsl.render.words import Words, and_list, day, every, percent

SCHEDULE = "Schedule: Outcomes Payment Mechanism"
RATE_CARD = "Rate card"
REF = "Ref."
DEFAULT_TIME_LIMIT = 2.0  # seconds the analysis may spend finding the examples' routes


class _Numbers:
    """Section and paragraph numbers: sections 1, 2, ...; paragraphs 1.1, 1.2, ...; an annex A.1."""

    def __init__(self) -> None:
        self.section = ""
        self.count = 0
        self.sections = 0
        self.blocks: list[Block] = []

    def heading(self, text: str, annex: str | None = None) -> None:
        if annex is None:
            self.sections += 1
            self.section = str(self.sections)
            self.blocks.append(Heading(text, 1, self.section))
        else:
            self.section = annex
            self.blocks.append(Heading(text, 1, f"Annex {annex}"))
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return f"{self.section}.{self.count}"

    def para(self, text: str) -> str:
        number = self.next()
        self.blocks.append(Paragraph(text, number))
        return number

    def add(self, *blocks: Block) -> None:
        self.blocks += blocks


def build_schedule(contract: Contract, time_limit: float = DEFAULT_TIME_LIMIT) -> Document:
    """The schedule of `contract`; the analysis behind the worked examples stops after
    `time_limit` seconds (its figures are then bounds, and the examples say so)."""
    from sibdsl.analysis.exposure import exposure

    w = Words(contract)
    h = contract.header
    n = _Numbers()
    subtitle = [SCHEDULE, f"Version {h.version}" if h.version else "Version not stated"]
    if h.supersedes:
        subtitle.append(f"Supersedes version {h.supersedes}")
    subtitle.append(f"Term: {day(h.term_start)} to {day(h.term_end)}")
    n.add(Heading("Version and amendment history", 1))
    if h.amendments:
        n.add(Table(caption="Amendment history", header=("Version", "Date", "Summary", "Recorded in"),
                    rows=tuple((a.version, day(a.day), a.summary, w.clause(a.clause) if a.clause else "")
                               for a in h.amendments)))
    else:
        n.add(Paragraph(f"This is version {h.version}. No amendment is recorded."
                        if h.version else "No version and no amendment are recorded."))
    _definitions(contract, w, n)
    _parties(contract, w, n)
    _participants(contract, w, n)
    _rate_card(contract, w, n)
    limits = _caps(contract, w, n)
    _settlement(contract, w, n)
    if contract.tranches or any(i.has_terms for i in contract.investors) or contract.waterfall is not None:
        _investment(contract, w, n)
    found = exposure(contract, time_limit)
    n.heading("Worked examples", annex="A")
    n.para("The examples in this Annex illustrate the payment mechanism. They are computed from this Schedule "
           "by the settlement engine of the contract's compiler; they are not further terms. Where an example "
           "and the clauses above differ, the clauses prevail.")
    n.add(Heading("One participant through the ladder", 2, n.next()))
    n.add(*ladder_example(contract, found, w, limits))
    n.add(Heading("When each limit is reached", 2, n.next()))
    sub = n.section + "." + str(n.count)
    counter = [0]

    def numbered(_: str) -> str:
        counter[0] += 1
        return f"{sub}.{counter[0]}"

    n.add(*cap_examples(contract, found, w, limits, numbered))
    return Document(title=h.title, subtitle=tuple(subtitle), blocks=tuple(n.blocks))


def _definitions(contract: Contract, w: Words, n: _Numbers) -> None:
    h = contract.header
    n.heading("Definitions and interpretation")
    n.para("In this Schedule the following words have the meanings given below.")
    terms: list[tuple[str, str]] = [(w.flat(d.term), w.flat(d.meaning)) for d in contract.definitions]
    for o in contract.outcomes:
        terms += [(w.flat(d.term), f"{w.flat(d.meaning)} (for the outcome {w.quoted(o.name)})") for d in o.definitions]
    terms.append(("Term", f"the period from {day(h.term_start)} to {day(h.term_end)}, both days included"))
    terms.append(("Settlement Period", f"each period of {h.settlement_months} month"
                  f"{'s' if h.settlement_months != 1 else ''} of the Term, the first starting on {day(h.term_start)}"))
    terms.append(("Outcome Payment", "a payment for an outcome of the rate card in section 4"))
    n.add(Terms(tuple(terms)))
    unit = w.money(h.rounding_unit)
    split = ("each payer's part of each payment is rounded the same way" if h.split == "claim"
             else "each payer's parts are rounded once, on its invoice for each Settlement Period")
    text = (f"All amounts are in {h.currency}. Each Outcome Payment is rounded {h.rounding} to {unit}; {split}")
    if h.remainder_to:
        text += f", and any difference left by rounding is paid by {w.title(h.remainder_to)}"
    n.para(text + ".")


def _parties(contract: Contract, w: Words, n: _Numbers) -> None:
    n.heading("Parties")
    n.para("The Outcome Payments are made by the payers below. Each pays its share of each Outcome Payment, and "
           "no more in total than its maximum.")
    clauses = any(p.clause for p in contract.payers)
    rows = []
    for p in contract.payers:
        row = (p.title, w.share(p), w.money(p.cap) if p.cap is not None else "no maximum stated")
        rows.append((*row, w.clause(p.clause)) if clauses else row)
    header = ("Payer", "Share", "Maximum") + (("Clause",) if clauses else ())
    n.add(Table(caption="Payers", header=header, rows=tuple(rows)))
    roles = {"provider": "service provider", "intermediary": "intermediary", "validator": "independent validator"}
    if contract.parties:
        n.para("The other parties are:")
        n.add(Bullets(tuple(f"{p.title}, the {roles[p.role]}{w.see(p.clause)}" for p in contract.parties)))
    if contract.investors:
        n.para("The investors are:")
        n.add(Bullets(tuple(_investor_line(w, i) for i in contract.investors)))


def _investor_line(w: Words, i: Investor) -> str:
    if i.commitment_min is not None and i.commitment_max is not None and i.commitment_min != i.commitment_max:
        commits = f", committing from {w.money(i.commitment_min)} to {w.money(i.commitment_max)}"
    elif i.commitment_min is not None or i.commitment_max is not None:
        amount = i.commitment_max if i.commitment_max is not None else i.commitment_min
        assert amount is not None
        commits = f", committing {w.money(amount)}"
    else:
        commits = ""
    return f"{i.title}{commits}{w.see(i.clause)}"


def _participants(contract: Contract, w: Words, n: _Numbers) -> None:
    n.heading("Participants")
    if not contract.cohorts:
        n.para("This Schedule defines no cohort: an Outcome Payment is due for any participant whose outcome is "
               "claimed during the Term.")
        return
    for c in contract.cohorts:
        parts = [f"The cohort {w.quoted(c.name)}"]
        if c.size is not None:
            parts.append(f"has at most {c.size:,} participants")
        if c.referral_start is not None and c.referral_end is not None:
            parts.append(f"{'and ' if c.size is not None else ''}is referred from {day(c.referral_start)} to "
                         f"{day(c.referral_end)}")
        elif c.referral_start is not None:
            parts.append(f"is referred from {day(c.referral_start)}")
        elif c.referral_end is not None:
            parts.append(f"is referred until {day(c.referral_end)}")
        text = " ".join(parts) + "." if len(parts) > 1 else parts[0] + " is open during the Term."
        if c.eligibility:
            text += f" Eligibility: {w.flat(c.eligibility)}"
            text += "" if c.eligibility.rstrip().endswith(".") else "."
        if c.separate_from:
            text += " No participant of it may also be a participant of " + and_list(
                [w.quoted(s) for s in c.separate_from]) + "."
        n.para(text + w.see(c.clause))
        if c.subgroups:
            n.para(f"The cohort {w.quoted(c.name)} has these sub-groups:")
            n.add(Bullets(tuple(w.title(s.name) for s in c.subgroups)))


def rate_card_table(contract: Contract, w: Words) -> Table:
    """The rate card: one row per outcome, in the order of the contract."""
    clauses = any(o.clause for o in contract.outcomes)
    rows = []
    for o in contract.outcomes:
        row = (o.name, o.title, w.price(o), " ".join(w.conditions(o)) or "None beyond the eligibility of section 3.",
               w.evidence(o), w.repeat(o))
        rows.append((*row, w.clause(o.clause)) if clauses else row)
    header = (REF, "Outcome", "Payment", "Conditions", "Achievement and evidence", "How often") + (
        ("Clause",) if clauses else ())
    return Table(caption=RATE_CARD, header=header, rows=tuple(rows),
                 note=f"{REF}: the name of the outcome in the claims ledger and in settlement decisions.")


def _rate_card(contract: Contract, w: Words, n: _Numbers) -> None:
    n.heading("Outcomes and the rate card")
    n.para("An Outcome Payment is due for each outcome in the rate card that a participant achieves during the "
           "Term and that is evidenced as stated, at the price stated and on the conditions stated, subject to "
           "the limits in section 5.")
    n.add(rate_card_table(contract, w))
    for g in contract.exclusive_groups:
        who = "cohort" if all(w.outcomes[m].tariff.kind == "cohort_level" for m in g.members
                              if m in w.outcomes) else "participant"
        n.para(f"At most {g.at_most:,} of the outcomes {and_list([w.quoted(m) for m in g.members])} "
               f"{'is' if g.at_most == 1 else 'are'} paid for one {who}{w.see(g.clause)}.")
    for r in contract.resets:
        n.para(f"Where the event {w.quoted(r.name)} is recorded for a participant, the waiting times of "
               f"{and_list([w.quoted(s) for s in r.restarts])} count again from the date of that event"
               f"{w.see(r.clause)}.")


def _caps(contract: Contract, w: Words, n: _Numbers) -> Limits:
    n.heading("Limits on payments")
    limits: dict[str, str] = {}
    if not contract.caps and not any(p.cap is not None for p in contract.payers):
        n.para("This Schedule sets no limit on the total of the Outcome Payments beyond the rate card.")
        return Limits(limits)
    n.para("Every Outcome Payment is paid only within every limit below that applies to it. The limits count what "
           "has been paid, in the order of the dates on which the outcomes were achieved.")
    for i, cap in enumerate(contract.caps):
        number = n.para(w.cap(cap) + w.see(cap.clause))
        limits[f"caps.{i}"] = f"the limit of paragraph {number}"
    for i, p in enumerate(contract.payers):
        if p.cap is not None:
            number = n.para(f"{p.title} pays at most {w.money(p.cap)} in total under this Schedule. Its part of a "
                            "payment that would take it over that maximum is cut to what remains of it"
                            f"{w.see(p.clause)}.")
            limits[f"payers.{i}"] = f"the maximum of {p.title} (paragraph {number})"
    return Limits(limits)


def _settlement(contract: Contract, w: Words, n: _Numbers) -> None:
    h = contract.header
    n.heading("Claims, settlement and payment")
    n.para(f"The Term runs from {day(h.term_start)} to {day(h.term_end)}. An outcome is paid only if it is achieved "
           "during the Term, except as the run-off paragraph below provides."
           if h.run_off is not None else
           f"The Term runs from {day(h.term_start)} to {day(h.term_end)}. An outcome is paid only if it is "
           "achieved during the Term.")
    timing = "in arrears, after the end of each Settlement Period" if h.settlement_timing == "arrears" else \
        "in advance, at the start of each Settlement Period"
    n.para(f"Outcomes are settled {every(h.settlement_months)}: the outcomes achieved in each Settlement Period "
           f"are invoiced to each payer for its share, {timing}.")
    if h.run_off is not None:
        n.para(f"Later steps of a ladder of outcomes (an outcome paid only after another) and results measured over "
               f"a cohort may also be achieved in the {w.duration(h.run_off)} after the end of the Term (the "
               "run-off), and are then paid as if achieved during the Term.")
    if h.claims_until is not None:
        n.para(f"A claim submitted after {day(h.claims_until)} is not paid.")
    n.para("Each claim is decided in the order of the date on which the outcome was achieved: it is paid in full, "
           "paid in part where a limit of section 5 leaves less than its price, or not paid, with the reason.")


def _condition(w: Words, c: Condition) -> str:
    op = "at least" if c.op == ">=" else "more than"
    if c.figure == "payments":
        what = f"the payments for {w.quoted(c.of)}" if c.of else "the Outcome Payments made"
        return f"{what} total {op} {w.money(c.value)}"
    thing = "paid outcomes" if c.figure == "outcomes" else "participants"
    of = f" of {w.quoted(c.of)}" if c.of else ""
    return f"the {thing}{of} number {op} {c.value.normalize():,f}"


def _tranche_row(w: Words, t: Tranche) -> tuple[str, ...]:
    amount = w.money(t.amount) if t.amount is not None else \
        f"up to {w.money(t.limit)}" if t.limit is not None else "as requested"
    when = []
    if t.on is not None:
        when.append(f"on {day(t.on)}")
    if t.conditions:
        when.append("when " + and_list([_condition(w, c) for c in t.conditions]))
    if t.discretionary:
        when.append(f"at the discretion of {t.discretion_of}" if t.discretion_of else "on request")
    if t.deadline is not None:
        when.append(f"not after {day(t.deadline)}")
    return (w.title(t.name), w.title(t.investor) if t.investor else "", amount, "; ".join(when) or "as agreed",
            (t.purpose or "") + (f" ({w.clause(t.clause)})" if t.clause else ""))


def _investment(contract: Contract, w: Words, n: _Numbers) -> None:
    n.heading("Investment")
    if contract.tranches:
        n.para("The investors provide working capital in the tranches below.")
        n.add(Table(caption="Tranches", header=("Tranche", "From", "Amount", "Released", "Purpose"),
                    rows=tuple(_tranche_row(w, t) for t in contract.tranches)))
    termed = [i for i in contract.investors if i.has_terms]
    if termed:
        n.para("The investors are repaid from the Outcome Payments on these terms:")
        rows = []
        for i in termed:
            interest = ""
            if i.interest is not None:
                interest = f"{percent(i.interest.rate)} a year"
                if i.interest.until is not None:
                    interest += f" until {day(i.interest.until)}"
                if i.interest.guaranteed_by:
                    interest += f", guaranteed by {w.title(i.interest.guaranteed_by)}"
            protections = []
            for pr in i.protections:
                limit = percent(pr.share) + " of principal" if pr.share is not None else \
                    w.money(pr.amount if pr.amount is not None else Decimal(0))
                kind = "principal protected" if pr.kind == "floor" else "first loss"
                protections.append(f"{kind} {limit} by {w.title(pr.by)}")
            rows.append((i.title, str(i.rank) if i.rank is not None else "", interest or "none",
                         f"{percent(i.return_cap)} a year" if i.return_cap is not None else "none",
                         "; ".join(protections) or "none"))
        n.add(Table(caption="Investment terms", header=("Investor", "Rank", "Interest", "Most earned", "Protections"),
                    rows=tuple(rows), note="Rank 1 is the most senior; investors of equal rank are paid pro rata."))
    if contract.waterfall is not None:
        _waterfall(contract.waterfall, w, n)


def _waterfall(f: Waterfall, w: Words, n: _Numbers) -> None:
    when = {"period": "at the end of each Settlement Period", "maturity": "at maturity",
            "from": f"from {day(f.distributes_from) if f.distributes_from else ''}"}[f.distributes]
    text = (f"Outcome Payments received are distributed {when}, to the investors in order of rank: interest, then "
            "principal, then returns")
    if f.recycles:
        text += ("; before that, they are used for the service's needs below" +
                 (f", up to {w.money(f.recycle_limit)} in all" if f.recycle_limit is not None else ""))
    n.para((f"{f.title}: " if f.title else "") + text + w.see(f.clause) + ".")
    if f.needs:
        n.add(Bullets(tuple(
            f"{w.money(need.amount)} each Settlement Period" + (f" from {day(need.start)}" if need.start else "")
            + (f" until {day(need.until)}" if need.until else "") for need in f.needs)))
    if f.surplus:
        n.para("The surplus is shared: " + and_list(
            [f"{percent(s.share)} to " + ("the payers in proportion to what each paid" if s.to == "*payers"
                                         else w.title(s.to)) for s in f.surplus]) + ".")
