"""Date arithmetic the rules share: months, intervals, ISO text."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 → Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if day.day <= 28:  # every month has it: the common case skips the calendar lookup
        return date(year, month, day.day)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth: date, today: date) -> int:
    """Full years (周岁) on `today`."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@lru_cache(maxsize=8192)  # the duty rule asks it for thousands of people a refresh, on few distinct days
def add_interval(day: date, interval: str) -> date:
    if interval == "week":
        return day + timedelta(days=7)
    if interval == "month":
        return add_months(day, 1)
    if interval == "quarter":
        return add_months(day, 3)
    raise ValueError(f"unknown interval {interval!r}")



def from_iso(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def month_span(text: str | None) -> tuple[str, str] | None:
    """`2026-11` → ('2026-11-01', '2026-11-30'); None for no month."""
    if not text:
        return None
    year, month = (int(part) for part in text.split("-"))
    start, end = month_bounds(year, month)
    return start.isoformat(), end.isoformat()


# Month-end work (printing, signing, handing in) happens in the first days of the next month.
MONTH_END_DAYS = 10


def month_to_export(today: date) -> str:
    """The month a worker most likely exports: the one just ended during the first ten days."""
    first = today.replace(day=1)
    return f"{add_months(first, -1) if today.day <= MONTH_END_DAYS else first:%Y-%m}"


def recent_months(today: date, count: int = 24) -> list[str]:
    """This month and the ones before it, newest first, as `YYYY-MM`."""
    first = today.replace(day=1)
    return [f"{add_months(first, -i):%Y-%m}" for i in range(count)]
