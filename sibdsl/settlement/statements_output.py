"""Settlement output (phase 3): participant statements as files (docs/settlement.md,
"Participant statements").

Input: `Statements` (settlement/statements.py) and an output directory. Output:
statements.csv (one row per participant per outcome) and readable pages: one
statements/PARTICIPANT.md per participant, or, past `PAGES_LIMIT` participants, one
statements.md with a section per participant. File names are made safe: a participant id is
never a path (`../x`, `a/b`, very long ids, reserved names), and two ids never share a file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from sibdsl.core.csvsafe import escape_row
from sibdsl.core.moneytext import money_text
from sibdsl.settlement.records import Status
from sibdsl.settlement.statements import (
    CLOSED,
    OPEN,
    PAID,
    REFUSED,
    Headroom,
    Line,
    Statement,
    Statements,
    reason_words,
)

PAGES_LIMIT = 200  # more participants than this: one statements.md instead of a file each
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                       *(f"lpt{i}" for i in range(1, 10))})

CSV_COLUMNS = ["participant", "cohort", "subgroup", "outcome", "outcome_title", "status", "why",
               "times_paid", "paid", "would_pay_now", "price_now", "now_reason", "now_detail", "assumed_value",
               "headroom", "earliest_claim", "next_deadline", "next_deadline_what", "deadlines", "as_of"]


def safe_name(participant: str) -> str:
    """A file name for a participant id: letters, digits, `.`, `_`, `-` kept, anything else
    replaced; never starting with a dot, never a reserved device name, at most 80
    characters; a short hash of the id added wherever the id had to change, so that two ids
    never share a name."""
    base = _SAFE.sub("_", participant).lstrip(".") or "_"
    if base.split(".")[0].lower() in _RESERVED:
        base = "_" + base
    if base == participant and len(base) <= 80:
        return base
    digest = hashlib.sha256(participant.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{base[:64]}-{digest}"


NUMBER_COLUMNS = frozenset(i for i, c in enumerate(CSV_COLUMNS)
                            if c in ("times_paid", "paid", "would_pay_now", "price_now", "assumed_value",
                                     "earliest_claim", "next_deadline", "as_of"))  # numbers and dates: never escaped


def _headroom_cell(items: list[Headroom], money: Callable[[Decimal], str]) -> str:
    parts = []
    for h in items:
        if h.left is None:
            parts.append(f"{h.label}: {h.words}")
        elif h.count:
            parts.append(f"{h.label}: {h.left:f} left of {h.limit:f}")
        else:
            parts.append(f"{h.label}: {money(h.left)} left of {money(h.limit)}")
    return "; ".join(parts)


def _next(line: Line) -> tuple[str, str]:
    coming = [d for d in line.deadlines if not d.passed]
    return (coming[0].day.isoformat(), coming[0].label) if coming else ("", "")


def statements_csv(statements: Statements) -> str:
    """statements.csv: money with the currency's places (never rounded), text cells escaped
    against formulas as in every CSV file sibc writes (docs/settlement.md)."""

    def money(amount: Decimal) -> str:
        return money_text(amount, statements.places)

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for st in statements.statements:
        for line in st.lines:
            day, what = _next(line)
            writer.writerow(escape_row([
                st.participant, st.cohort or "", st.subgroup or "", line.outcome, line.title, line.status, line.why,
                line.times_paid, money(line.paid), money(line.now), money(line.now_price), line.now_reason.value,
                line.now_detail, "" if line.now_value is None else f"{line.now_value:f}",
                _headroom_cell(line.headroom, money), line.opens.isoformat() if line.opens else "", day, what,
                "; ".join(f"{d.label}: {d.day}{' (passed)' if d.passed else ''}" for d in line.deadlines),
                statements.as_of.isoformat()], NUMBER_COLUMNS))
    return buf.getvalue()


def _md(text: str) -> str:
    """Text safe inside a Markdown page: one line, no markup, no HTML (an underscore is escaped
    only where it could start or end emphasis: `a_b` stays as it is)."""
    text = re.sub(r"([\\`*\[\]<>|#])", r"\\\1", " ".join(text.split()))
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)


def _named(text: str, titles: dict[str, str]) -> str:
    """A decision's detail with the contract's titles for the names in it."""
    if not titles:
        return text
    pattern = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(re.escape(n) for n in sorted(titles, key=len, reverse=True))
                         + r")(?![A-Za-z0-9_])")
    return pattern.sub(lambda m: titles[m.group(1)], text)


def statement_page(st: Statement, statements: Statements, level: int = 1) -> str:
    m = statements.money
    titles = statements.titles

    def words(text: str) -> str:
        return _md(_named(text, titles))

    h = "#" * level
    out = [f"{h} Statement for participant {_md(st.participant)}", ""]
    facts = [f"as of {statements.as_of}"]
    if st.cohort:
        facts.append(f"cohort: {_md(titles.get(st.cohort, st.cohort))}")
    if st.subgroup:
        facts.append(f"sub-group: {_md(titles.get(st.subgroup, st.subgroup))}")
    if st.start:
        facts.append(f"started {st.start}")
    if st.referral:
        facts.append(f"referred {st.referral}")
    out += ["As of " + "; ".join(facts)[len("as of "):] + ".", "", f"Paid so far: **{m(st.paid)}**.", ""]
    upcoming = sorted((d.day, ln.title, d.label) for ln in st.lines if ln.status in (OPEN, REFUSED)
                      for d in ln.deadlines if not d.passed)
    if upcoming:
        day, title, label = upcoming[0]
        out += [f"Next deadline: **{day}**, {_md(label)} for {_md(title)}.", ""]
    paid = [ln for ln in st.lines if ln.status == PAID]
    out += [f"{h}# Paid", ""]
    payments = sorted(((d.achieved, d.claim_id, ln, d) for ln in paid for d in ln.decisions
                       if d.status in (Status.PAID, Status.PARTIAL)), key=lambda t: (t[0], t[1]))
    if payments:
        for _day, _id, ln, d in payments:
            extra = f" (in part: {words(d.detail)})" if d.status is Status.PARTIAL else ""
            out.append(f"- {_md(ln.title)}, achieved {d.achieved}: {m(d.amount)}{extra}")
    else:
        out.append("Nothing has been paid yet.")
    out.append("")
    refusals = [(ln.title, d) for ln in st.lines for d in ln.decisions if d.status is Status.REJECTED]
    refusals += [(titles.get(d.outcome, d.outcome), d) for d in st.other if d.status is Status.REJECTED]
    refusals.sort(key=lambda t: (t[1].achieved, t[1].claim_id))
    out += [f"{h}# Refused", ""]
    if refusals:
        for title, d in refusals:
            out.append(f"- {_md(title)}, achieved {d.achieved} (claim {_md(d.claim_id)}): "
                       f"{_md(reason_words(d.reason))} ({words(d.detail)})")
    else:
        out.append("No claim was refused.")
    out.append("")
    out += [f"{h}# Still to earn", ""]
    still = [ln for ln in st.lines if ln.status in (OPEN, REFUSED) or (ln.status == PAID and ln.payable_now)]
    if still:
        for ln in still:
            if ln.payable_now:
                value = f" at a measured value of {ln.now_value:f}" if ln.now_value is not None else ""
                again = " again" if ln.status == PAID else ""
                cut = (f" (its price is {m(ln.now_price)}; {words(ln.now_detail)})"
                       if ln.now < ln.now_price else "")
                out.append(f"- {_md(ln.title)}: would pay {m(ln.now)}{again} if claimed today{value}{cut}.")
            else:
                out.append(f"- {_md(ln.title)}: not payable today: {_md(reason_words(ln.now_reason))} "
                           f"({words(ln.now_detail)}).")
            if ln.opens is not None:
                out.append(f"  Can be claimed from {ln.opens}.")
            coming = [d for d in ln.deadlines if not d.passed]
            if coming:
                out.append("  Deadlines: " + "; ".join(f"{_md(d.label)} {d.day}" for d in coming) + ".")
    else:
        out.append("No outcome is left to earn.")
    out.append("")
    closed = [ln for ln in st.lines if ln.status == CLOSED]
    if closed:
        out += [f"{h}# Can no longer be paid", ""]
        out += [f"- {_md(ln.title)}: {words(ln.why)}" for ln in closed]
        out.append("")
    out += [f"{h}# Headroom", ""]
    seen: dict[str, Headroom] = {}
    for ln in st.lines:
        for item in ln.headroom:
            seen.setdefault(item.label, item)
    if seen:
        for item in seen.values():
            if item.left is None:
                out.append(f"- {_md(item.label)}: {_md(item.words)}")
            elif item.count:
                out.append(f"- {_md(item.label)}: {item.left:f} outcome(s) left (used {item.used:f})")
            else:
                out.append(f"- {_md(item.label)}: {m(item.left)} left of {m(item.limit)}")
    else:
        out.append("No cap applies.")
    out.append("")
    return "\n".join(out)


def write_statements(statements: Statements, out: Path, limit: int = PAGES_LIMIT) -> list[Path]:
    """statements.csv, and a page per participant (or one statements.md past `limit`)."""
    written = [out / "statements.csv"]
    written[0].write_text(statements_csv(statements), encoding="utf-8")
    people = statements.statements
    if len(people) > limit:
        intro = (f"# Participant statements\n\nAs of {statements.as_of}: {len(people)} participants, more than "
                 f"{limit}, so they are in this one file, a section each.\n\n")
        page = out / "statements.md"
        page.write_text(intro + "\n".join(statement_page(st, statements, 2) for st in people), encoding="utf-8")
        return [*written, page]
    folder = out / "statements"
    folder.mkdir(exist_ok=True)
    root = folder.resolve()
    used: set[str] = set()
    for st in people:
        name = safe_name(st.participant)
        while name.lower() in used:  # names differing only in case, on a file system that ignores case
            name = safe_name(st.participant + "\0" + str(len(used)))
        used.add(name.lower())
        path = folder / f"{name}.md"
        if path.resolve().parent != root:  # never: safe_name has no separator; checked all the same
            raise ValueError(f"participant id {st.participant!r} gave an unsafe file name")
        path.write_text(statement_page(st, statements), encoding="utf-8")
        written.append(path)
    return written
