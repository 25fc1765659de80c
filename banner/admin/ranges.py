"""The dashboard's date range: days in a site's time zone, and their bounds in UTC.

The log keeps UTC. A site's day runs from local midnight to local midnight,
a UTC interval of 23, 24 or 25 hours where daylight saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from banner.core.texts import N_

DEFAULT_DAYS = 30
ONE_DAY = timedelta(days=1)
MAX_DAYS = 366
#: A date field longer than this is not a date (refused before parsing).
DATE_CHARS = 10

BAD_DATE = N_("Enter a date like 2026-11-01.")
REVERSED = N_("The first day must not be after the last day.")
TOO_LONG = N_("Choose at most 366 days.")
OUT_OF_RANGE = N_("Choose days between 2000 and next year.")


class RangeError(ValueError):
    """A range the form refuses; ``field`` names the input, ``message`` is a message id."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class DayRange:
    """Local days ``first`` to ``last`` (both included) in ``zone``."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        """The first day's local midnight, in UTC."""
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        """The local midnight after the last day, in UTC."""
        return local_midnight(self.last + timedelta(days=1), self.zone)

    def days(self) -> list[date]:
        count = (self.last - self.first).days + 1
        return [self.first + timedelta(days=n) for n in range(count)]


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def today(zone: ZoneInfo, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(zone).date()


def default_range(zone: ZoneInfo, now: datetime | None = None) -> DayRange:
    """The last :data:`DEFAULT_DAYS` days, today included."""
    last = today(zone, now)
    return DayRange(last - timedelta(days=DEFAULT_DAYS - 1), last, zone)


def parse_day(value: str, field: str) -> date:
    """A ``YYYY-MM-DD`` date, or :class:`RangeError` naming ``field``."""
    if len(value) != DATE_CHARS or not value.isascii():
        raise RangeError(field, BAD_DATE)
    try:
        found = date.fromisoformat(value)
    except ValueError:
        raise RangeError(field, BAD_DATE) from None
    return found


def parse_range(
    first: str | None, last: str | None, zone: ZoneInfo, now: datetime | None = None
) -> DayRange:
    """The range asked for; a missing end takes the default range's.

    :raises RangeError: for a malformed, reversed, too long or far-off range.
    """
    default = default_range(zone, now)
    start = parse_day(first, "first") if first else default.first
    stop = parse_day(last, "last") if last else default.last
    latest = today(zone, now) + timedelta(days=366)
    for field, day in (("first", start), ("last", stop)):
        if day.year < 2000 or day > latest:
            raise RangeError(field, OUT_OF_RANGE)
    if start > stop:
        raise RangeError("first", REVERSED)
    if (stop - start).days + 1 > MAX_DAYS:
        raise RangeError("last", TOO_LONG)
    return DayRange(start, stop, zone)
