"""Phase 6, exchange: a contract's rate card, and a settlement's decisions and invoices, as .xlsx.

Input: a compiled `Contract` and, optionally, a `Settlement` of claims against it. Output: the
bytes of an .xlsx workbook (openpyxl): sheets "Rate card" (outcome, title, price, the payment,
conditions and how often in words from `sibdsl.render.words`, and the columns `sibc import-rates`
reads back: after, within, cohort, trigger, evidence), "Payers" (share in words, maximum),
"Caps" (each limit in words and as a number), and, with a settlement, "Decisions" (one row per
claim), "Invoices" (one row per payer per period) and, where the contract has tranches,
"Tranches" (each release, as tranches.csv of `sibc settle` lists them). Money is an exact number in the cell (the
Decimal written as it is, never through a float) with the currency's number format; dates are
dates; header rows are frozen and columns sized to their text.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any

from sibdsl.core.currency import MINOR_UNITS
from sibdsl.model.contract import Contract, FixedTariff, Outcome, Prerequisite
from sibdsl.render.words import Words
from sibdsl.settlement.engine import Settlement
from sibdsl.settlement.output import period_bounds, period_label
from sibdsl.settlement.tranches import Release

_SYMBOL_FORMATS = {"GBP": '"£"', "EUR": '"€"'}
DATE_FORMAT = "yyyy-mm-dd"
MAX_WIDTH = 60


def money_format(currency: str) -> str:
    """The cell format of an amount in the currency: "£"#,##0.00 for GBP, [$USD] #,##0.00 otherwise."""
    places = MINOR_UNITS.get(currency, 2)
    number = "#,##0" + ("." + "0" * places if places else "")
    prefix = _SYMBOL_FORMATS.get(currency)
    return f"{prefix}{number}" if prefix else f"[${currency}] {number}"


def fixed_price(outcome: Outcome) -> Decimal | None:
    """The one price of an outcome with a fixed tariff (None for tiered, sliding and other tariffs)."""
    return outcome.tariff.price if isinstance(outcome.tariff, FixedTariff) else None


def _delay(p: Prerequisite) -> str:
    text = p.outcome
    if p.at_least is not None:
        text += f" at least {p.at_least.amount} {p.at_least.unit}"
    if p.within is not None:
        text += f" by {p.within.amount} {p.within.unit}"
    return text


def after_text(outcome: Outcome) -> str | None:
    """The prerequisites as an `after` clause writes them (`move_in at least 3 months`), for the
    columns `sibc import-rates` reads back; None where the outcome has none, or more than one
    clause can say (all-of prerequisites beside a choice: the conditions column words them)."""
    if outcome.prerequisites and not outcome.choices:
        return " and ".join(_delay(p) for p in outcome.prerequisites)
    if len(outcome.choices) == 1 and not outcome.prerequisites:
        choice = outcome.choices[0]
        text = " or ".join(_delay(p) for p in choice.options)
        if choice.held_at_referral:
            text += ", or held at referral"
        if choice.if_paid:
            text += " if paid"
        return text
    return None


def within_text(outcome: Outcome) -> str | None:
    """The window as a `within` clause writes it (`12 months`, `90 days of referral`)."""
    if outcome.window is None:
        return None
    text = f"{outcome.window.amount} {outcome.window.unit}"
    return text + " of referral" if outcome.window_from == "referral" else text


class _Sheet:
    """One sheet being written: the header row, the money columns, the widths."""

    def __init__(self, book: Any, title: str, header: list[str], money: set[int], dates: set[int],
                 fmt: str) -> None:
        self.ws = book.create_sheet(title)
        self.money, self.dates, self.fmt = money, dates, fmt
        self.widths = [len(h) for h in header]
        self.ws.append(header)
        from openpyxl.styles import Font

        for cell in self.ws[1]:
            cell.font = Font(bold=True)
        self.ws.freeze_panes = "A2"

    def row(self, values: list[Any]) -> None:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        values = [ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v for v in values]
        self.ws.append(values)
        number = self.ws.max_row
        for index, value in enumerate(values):
            cell = self.ws.cell(number, index + 1)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, never a formula (a title "=HYPERLINK(...)" stays a title)
            if index in self.money and value is not None:
                cell.number_format = self.fmt
            elif index in self.dates and value is not None:
                cell.number_format = DATE_FORMAT
            shown = 12 if isinstance(value, (Decimal, int, date)) else len(str(value or ""))
            self.widths[index] = max(self.widths[index], min(shown, MAX_WIDTH))

    def finish(self) -> None:
        from openpyxl.styles import Alignment
        from openpyxl.utils import get_column_letter

        for index, width in enumerate(self.widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width + 2
        for row in self.ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and len(cell.value) > MAX_WIDTH:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")


RATE_CARD_HEADER = ["outcome", "title", "price", "currency", "payment", "conditions", "how often", "after", "within",
                    "cohort", "trigger", "evidence"]
PAYER_HEADER = ["payer", "title", "share", "maximum"]
CAP_HEADER = ["cap", "applies to", "limit", "limit in words", "when reached"]
DECISION_FIXED = ["claim_id", "participant", "outcome", "date", "status", "reason", "price", "amount", "period"]
INVOICE_HEADER = ["payer", "period", "start", "end", "amount"]
TRANCHE_HEADER = ["tranche", "investor", "status", "date", "amount", "request_id", "detail"]
FIXED_TIME = "2000-01-01T00:00:00Z"  # the workbook's created/modified stamps: the same bytes every run


def workbook_bytes(contract: Contract, settlement: Settlement | None = None,
                   releases: list[Release] | None = None) -> bytes:
    """The .xlsx workbook of the contract (and of the settlement and tranche releases, where given)."""
    import openpyxl

    book = openpyxl.Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    w = Words(contract)
    fmt = money_format(contract.header.currency)

    card = _Sheet(book, "Rate card", RATE_CARD_HEADER, {2}, set(), fmt)
    for o in contract.outcomes:
        card.row([o.name, o.title, fixed_price(o), contract.header.currency, w.price(o), " ".join(w.conditions(o)),
                  w.repeat(o), after_text(o), within_text(o), ", ".join(o.cohorts) or None,
                  w.flat(o.trigger) if o.trigger else None, w.flat(o.evidence) if o.evidence else None])
    card.finish()

    payers = _Sheet(book, "Payers", PAYER_HEADER, {3}, set(), fmt)
    for p in contract.payers:
        payers.row([p.name, p.title, w.share(p), p.cap])
    payers.finish()

    caps = _Sheet(book, "Caps", CAP_HEADER, {2}, set(), fmt)
    for cap in contract.caps:
        target = w.title(cap.target) if cap.target else ""
        # the limit as a number: money in the currency's format, a count or a percentage as it is
        sheet_row = [cap.scope, target, cap.limit, w.cap_limit(cap), w.behaviour(cap)]
        caps.row(sheet_row)
        if cap.measure != "money":
            caps.ws.cell(caps.ws.max_row, 3).number_format = "General"
    caps.finish()

    if settlement is not None:
        _settlement_sheets(book, contract, settlement, fmt)
    if releases and contract.tranches:
        sheet = _Sheet(book, "Tranches", TRANCHE_HEADER, {4}, {3}, fmt)
        for r in releases:
            sheet.row([r.tranche, r.investor, r.status, r.day, r.amount, r.request_id, r.detail])
        sheet.finish()
    out = io.BytesIO()
    book.save(out)
    return _fixed_times(out.getvalue())


def _fixed_times(data: bytes) -> bytes:
    """The workbook with its timestamps fixed (docProps/core.xml and the zip entries' dates)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                                 rb"\g<1>" + FIXED_TIME.encode() + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


def _settlement_sheets(book: Any, contract: Contract, settlement: Settlement, fmt: str) -> None:
    plan = settlement.plan
    names = [p.name for p in plan.payers]
    header = DECISION_FIXED + [f"paid_by_{n}" for n in names] + ["detail"]
    money = {6, 7} | set(range(len(DECISION_FIXED), len(DECISION_FIXED) + len(names)))
    decisions = _Sheet(book, "Decisions", header, money, {3}, fmt)
    for d in settlement.in_file_order():
        decisions.row([d.claim_id, d.participant, d.outcome, d.achieved, d.status.value, d.reason.value, d.price,
                       d.amount, period_label(plan, d.period), *[d.shares.get(n, Decimal(0)) for n in names],
                       d.detail])
    decisions.finish()
    invoices = _Sheet(book, "Invoices", INVOICE_HEADER, {4}, {2, 3}, fmt)
    for (payer, period), amount in sorted(settlement.invoices.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        start, end = period_bounds(plan, period)
        invoices.row([payer, period + 1, start, end, amount])
    invoices.finish()
