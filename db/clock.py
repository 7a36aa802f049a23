"""The one clock: every "now" and "today" in the program is read from a Clock.

Nothing else asks the system for the date, so a test (or a reproducible demo) pins time by
handing a FixedClock to `open_ledger`, and the whole program agrees on what day it is.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

# China has kept UTC+8 without daylight saving since 1991; a fixed offset needs no tz database
# (Windows has none, and zoneinfo would need the tzdata package there).
LOCAL_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


class Clock:
    """The system's time, in UTC for storage and in Asia/Shanghai for the calendar."""

    def now(self) -> datetime:
        """This instant, timezone-aware, in UTC."""
        return datetime.now(timezone.utc)

    def local_now(self) -> datetime:
        """This instant on the community's wall clock (Asia/Shanghai)."""
        return self.now().astimezone(LOCAL_TZ)

    def today(self) -> date:
        """The community's calendar date, whatever zone the computer is set to."""
        return self.local_now().date()


class FixedClock(Clock):
    """A clock that moves only when told: tests and reproducible runs."""

    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self.at = at

    @classmethod
    def on(cls, day: date, hour: int = 10) -> FixedClock:
        """Local `hour` o'clock on `day` in China."""
        return cls(datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ))

    def now(self) -> datetime:
        return self.at.astimezone(timezone.utc)

    def advance(self, delta: timedelta) -> None:
        self.at += delta
