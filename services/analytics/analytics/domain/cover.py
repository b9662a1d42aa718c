"""Which rollup buckets add up to a span of time: the fewest rows to read for a period or a local bucket.

A span [start, end) of UTC instants is covered by the coarsest buckets whose boundaries lie nearest its ends
(UTC months, then days, then hours), corrected at each end with finer buckets added (the span reaches past the
coarse part) or subtracted (the coarse part reaches past the span); coarse buckets are used only when those
corrections come to at most half of them (two hours around noon stay two hourly rows). Counters are sums, so a signed sum of
buckets is exact: a local month in Paris is its UTC month, plus the hour or two before it, minus the hour or
two at its end; a local day is its UTC day ± two hours, instead of 24 hourly rows. Ends that are not whole
UTC hours (zones a half or quarter hour off UTC) are rounded to the nearest hour.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Iterator

GRAINS = ("month", "day", "hour")  # coarsest first
# A span shorter than half a grain's shortest bucket can never be read from it (see ``pieces``).
TOO_SHORT = {"month": timedelta(days=14), "day": timedelta(hours=12)}


@dataclass(frozen=True)
class Piece:
    """The buckets of ``grain`` starting in [start, end), added (sign 1) or subtracted (sign -1)."""
    grain: str
    start: datetime
    end: datetime
    sign: int = 1

    def buckets(self) -> Iterator[datetime]:
        moment = self.start
        while moment < self.end:
            yield moment
            moment = following(moment, self.grain)


def pieces(start: datetime, end: datetime, grains: tuple[str, ...] = GRAINS) -> list[Piece]:
    """Signed pieces whose buckets add up to [start, end) (UTC, tz-aware), coarse part first."""
    if start >= end:
        return []
    grain, finer = grains[0], grains[1:]
    if not finer:
        low, high = nearest(start, grain), nearest(end, grain)
        return [Piece(grain, low, high)] if low < high else []
    if end - start < TOO_SHORT[grain]:
        return pieces(start, end, finer)
    low, high = nearest(start, grain), nearest(end, grain)
    if low >= high or abs(start - low) + abs(end - high) > (high - low) / 2:
        return pieces(start, end, finer)
    return [Piece(grain, low, high), *_difference(start, low, finer), *_difference(high, end, finer)]


def _difference(first: datetime, second: datetime, grains: tuple[str, ...]) -> list[Piece]:
    """[first, second) added when first < second, [second, first) subtracted otherwise."""
    if first <= second:
        return pieces(first, second, grains)
    return [replace(piece, sign=-piece.sign) for piece in pieces(second, first, grains)]


def floor(moment: datetime, grain: str) -> datetime:
    """The start of the UTC bucket of ``grain`` that ``moment`` (UTC) falls in."""
    hour = moment.replace(minute=0, second=0, microsecond=0)
    if grain == "hour":
        return hour
    day = hour.replace(hour=0)
    return day if grain == "day" else day.replace(day=1)


def following(bucket: datetime, grain: str) -> datetime:
    """The start of the bucket after ``bucket`` (a bucket start)."""
    if grain == "hour":
        return bucket + timedelta(hours=1)
    if grain == "day":
        return bucket + timedelta(days=1)
    return (bucket.replace(day=28) + timedelta(days=4)).replace(day=1)


def nearest(moment: datetime, grain: str) -> datetime:
    """The bucket boundary of ``grain`` nearest to ``moment`` (the earlier one on a tie)."""
    low = floor(moment, grain)
    if low == moment:
        return low
    high = following(low, grain)
    return low if moment - low <= high - moment else high
