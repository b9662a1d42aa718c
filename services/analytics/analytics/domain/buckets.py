"""Time buckets: the UTC hour and day a fact is counted in, and local hour/day/week/month buckets of an
IANA time zone (weeks start on Monday). Facts are bucketed by their own time (the event's), never arrival."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

GRANULARITIES = ("hour", "day", "week", "month")


class UnknownTimeZone(ValueError):
    pass


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; UnknownTimeZone if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UnknownTimeZone(f"unknown time zone {name!r}") from error


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def hour_start(moment: datetime) -> datetime:
    """The UTC hour ``moment`` falls in."""
    return as_utc(moment).replace(minute=0, second=0, microsecond=0)


def day_start(moment: datetime) -> datetime:
    """The UTC day ``moment`` falls in (midnight UTC)."""
    return hour_start(moment).replace(hour=0)


def local_bucket(moment: datetime, granularity: str, tz: ZoneInfo) -> datetime:
    """The start (in ``tz``, tz-aware) of the local hour/day/week/month bucket ``moment`` falls in."""
    local = as_utc(moment).astimezone(tz)
    if granularity == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.date()
    if granularity == "week":
        day -= timedelta(days=day.weekday())
    elif granularity == "month":
        day = day.replace(day=1)
    return midnight(day, tz)


def midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def period(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants [from, to) of the local days ``start`` … ``end`` (inclusive) in ``tz``."""
    return (midnight(start, tz).astimezone(timezone.utc),
            midnight(end + timedelta(days=1), tz).astimezone(timezone.utc))

