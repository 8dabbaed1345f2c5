"""Phase 6, rendering: the plain words of the easy-read version (dates, durations, money, lists,
and the short glossary of sector words).

Input: values of a compiled `Contract` (dates, `Duration`s, Decimal money, titles). Output:
plain English text for `sibdsl.render.easyread`: dates as "1 December 2017", durations as
"3 months", money as "£1,500" (exact: never rounded), lists joined with "and" / "or", and
meanings of the jargon a contract's own titles may use ("social impact bond", "EET").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from sibdsl.core.currency import MINOR_UNITS
from sibdsl.core.moneytext import money_text
from sibdsl.model.contract import Duration

# Symbols people know, and the names of other currencies the contracts in contracts/ use.
# Any other currency is written with its ISO code ("CHF 1,000"), which is still exact.
_SYMBOLS = {"GBP": "£", "EUR": "€"}
_NAMES = {"USD": "US dollars", "AUD": "Australian dollars", "ARS": "Argentine pesos", "TRY": "Turkish lira",
          "CAD": "Canadian dollars", "NZD": "New Zealand dollars", "INR": "Indian rupees"}

_UNIT_ONE = {"days": "day", "weeks": "week", "months": "month", "years": "year"}


def day_text(day: date) -> str:
    """`2017-12-01` -> "1 December 2017" (easy-read style: no ordinals, no numbers for months)."""
    return f"{day.day} {day:%B} {day.year}"


def number_text(value: Decimal | int) -> str:
    """A count or measured value as digits: 1000 -> "1,000", 0.5 -> "0.5" (exact)."""
    if isinstance(value, int):
        return f"{value:,}"
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return f"{int(normal):,}"
    return f"{normal:,f}"


def duration_text(duration: Duration) -> str:
    """`Duration(3, "months")` -> "3 months"; 1 -> "1 month"."""
    unit = _UNIT_ONE[duration.unit] if duration.amount == 1 else duration.unit
    return f"{duration.amount:,} {unit}"


def unit_text(unit: str, amount: Decimal | int = 1) -> str:
    """A time unit for a count: ("weeks", 1) -> "week", ("weeks", 26) -> "weeks"."""
    return _UNIT_ONE.get(unit, unit) if amount == 1 else unit


def money(amount: Decimal, currency: str) -> str:
    """Money as a person reads it, exact: GBP 1500 -> "£1,500"; GBP 99.99 -> "£99.99";
    USD 400 -> "400 US dollars". Whole amounts have no pennies; other amounts keep every digit."""
    whole = amount == amount.to_integral_value()
    places = 0 if whole else MINOR_UNITS.get(currency, 2)
    digits = money_text(amount, places, grouping=True)
    if currency in _SYMBOLS:
        return f"{_SYMBOLS[currency]}{digits}"
    if currency in _NAMES:
        return f"{digits} {_NAMES[currency]}"
    return f"{currency} {digits}"


def percent_text(value: Decimal) -> str:
    return f"{number_text(value)}%"


def quoted(title: str) -> str:
    """A title from the contract, in curly quotes so it reads as a name."""
    return f"\u201c{clean(title)}\u201d"


def clean(text: str) -> str:
    """Model text as one line: the contract's triple-quoted text keeps its line breaks."""
    return re.sub(r"\s+", " ", text).strip()


def joined(items: Sequence[str], word: str = "and") -> str:
    """["a"] -> "a"; ["a", "b"] -> "a and b"; ["a", "b", "c"] -> "a, b and c"."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def pieces(text: str) -> list[str]:
    """Legal text cut at its semicolons and full stops into short parts, for a bullet list
    ("Aged 18 to 24; not in employment" -> ["Aged 18 to 24", "not in employment"]). Nothing is
    dropped or reworded: the parts, joined, are the text."""
    parts = re.split(r";\s+|(?<=[a-z0-9)])\.\s+(?=[A-Z])", clean(text))
    return [p.strip().rstrip(";").strip() for p in parts if p.strip().rstrip(".;").strip()]


def sentence(text: str) -> str:
    """A piece of text as a sentence: a capital first letter and a full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


# Words a contract's own titles and eligibility text may use that a service user may not know.
# Shown in "What do the words mean?" only where the document uses them. General sector words,
# not one contract's: each is matched as a whole word (acronyms with their capitals).
GLOSSARY: tuple[tuple[str, str, str], ...] = (
    (r"\bSIBs?\b|(?i:social impact bond)", "Social impact bond (SIB)",
     "A way to pay for a service. Investors pay for the service at the start. "
     "They are paid back if the service gets good results."),
    (r"social benefit bond", "Social benefit bond",
     "Another name for a social impact bond. Investors pay for the service at the start. "
     "They are paid back if the service gets good results."),
    (r"pay for success", "Pay for success",
     "A way to pay for a service. The money is paid only when the service gets good results."),
    (r"\boutcomes?\b", "Outcome", "A good change in your life, like getting a home or a job."),
    (r"\breferr(?:al|ed)\b", "Referred", "Someone asks the service to support you."),
    (r"\beligib(?:le|ility)\b", "Eligibility", "The rules about who can take part."),
    (r"\bcohorts?\b", "Cohort", "A group of people who use the service."),
    (r"\bEET\b", "EET", "Education, employment or training."),
    (r"\bNEET\b", "NEET", "Not in education, employment or training."),
    (r"\b(?:NQF|QCF)\b", "NQF and QCF", "Ways to say what level a qualification is."),
    (r"\bESOL\b", "ESOL", "English lessons for people whose first language is not English."),
    (r"\btenanc(?:y|ies)\b", "Tenancy", "An agreement to rent a home."),
    (r"\bpayslips?\b", "Payslip", "A paper from your employer. It shows what you were paid."),
    (r"\bevidence\b", "Evidence", "Information that shows something really happened."),
    (r"\binvestors?\b", "Investor", "An organisation that puts money in at the start. It is paid back later."),
    (r"\bcomparison group\b", "Comparison group",
     "A group of people like you who do not get this service. Their results are compared with yours."),
    (r"\bbaseline\b", "Baseline", "The figures from before the service started."),
    (r"\bintermediary\b", "Intermediary", "An organisation that sets up and manages the contract."),
    (r"\b(?:evaluator|assessor)\b", "Evaluator or assessor", "An organisation that checks the results."),
    (r"\bsustain(?:ed|ment)\b", "Sustained", "Kept going for some time."),
    (r"\bqualifications?\b", "Qualification", "A certificate you get when you pass a course."),
)


def glossary(texts: Iterable[str]) -> list[tuple[str, str]]:
    """The glossary entries whose word the texts use, in glossary order."""
    body = "\n".join(texts)
    found: list[tuple[str, str]] = []
    for pattern, term, meaning in GLOSSARY:
        flags = 0 if re.search(r"[A-Z]{2}", pattern) else re.IGNORECASE
        if re.search(pattern, body, flags):
            found.append((term, meaning))
    return found
