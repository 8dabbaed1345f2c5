"""Shared: date arithmetic the contract's way (the checks, settlement and the analysis).

Input: a date and a duration (anything with an `amount` and a `unit`: the resolved IR's or
the model's `Duration`). Output: the later date. Months and years add calendar
months; when the day does not exist in the target month (31 January + 1 month) the last day
of that month is used (28 or 29 February). This rule is documented in docs/language.md.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Protocol


class DurationLike(Protocol):
    """A whole number of days, weeks, months or years."""

    @property
    def amount(self) -> int: ...

    @property
    def unit(self) -> str: ...


def add_months(start: date, months: int) -> date:
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    year = max(1, min(9999, year))
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def add_duration(start: date, duration: DurationLike) -> date:
    try:
        if duration.unit == "days":
            return start + timedelta(days=duration.amount)
        if duration.unit == "weeks":
            return start + timedelta(weeks=duration.amount)
        if duration.unit == "months":
            return add_months(start, duration.amount)
        return add_months(start, 12 * duration.amount)
    except OverflowError:
        return date.max


def approx_days(duration: DurationLike, anchor: date) -> int:
    """Length in days when counted from `anchor` (months vary, so the anchor matters)."""
    return (add_duration(anchor, duration) - anchor).days
