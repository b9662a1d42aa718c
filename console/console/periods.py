"""The dashboards' period picker: a named span ending today, or explicit from/to days."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

SPANS = (7, 30, 90, 365)
DEFAULT_SPAN = 30
LONGEST_DAYS = 366 * 3


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    span: int | None  # one of SPANS, or None for explicit days

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def granularity(self) -> str:
        """Buckets a chart can show legibly: days up to a quarter, then weeks, then months."""
        if self.days <= 92:
            return "day"
        return "week" if self.days <= 366 else "month"

    def query(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def chosen_period(args, today: date) -> Period:
    """From ``?span=30`` or ``?from=...&to=...``; anything unreadable gives the default span."""
    explicit = _explicit(args.get("from"), args.get("to"))
    if explicit is not None:
        return explicit
    try:
        span = int(args.get("span", DEFAULT_SPAN))
    except ValueError:
        span = DEFAULT_SPAN
    span = span if span in SPANS else DEFAULT_SPAN
    return Period(today - timedelta(days=span - 1), today, span)


def _explicit(start: str | None, end: str | None) -> Period | None:
    if not start or not end:
        return None
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return None
    if first > last or (last - first).days >= LONGEST_DAYS:
        return None
    return Period(first, last, None)
