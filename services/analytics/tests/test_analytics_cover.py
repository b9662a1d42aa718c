"""Which rollup buckets a span of time is read from: signed months, days and hours that add up to it exactly."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings, strategies as st

from analytics.domain import buckets
from analytics.domain.cover import Piece, pieces

PARIS = buckets.zone("Europe/Paris")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_a_local_month_in_paris_is_its_utc_month_corrected_by_an_hour_before_and_two_at_the_end():
    start, end = buckets.period(datetime(2026, 3, 1).date(), datetime(2026, 3, 31).date(), PARIS)
    assert pieces(start, end) == [Piece("month", utc(2026, 3, 1), utc(2026, 4, 1)),
                                  Piece("hour", utc(2026, 2, 28, 23), utc(2026, 3, 1)),
                                  Piece("hour", utc(2026, 3, 31, 22), utc(2026, 4, 1), sign=-1)]


def test_a_local_day_in_paris_is_its_utc_day_with_the_hour_before_and_without_its_last():
    start, end = buckets.period(datetime(2026, 3, 10).date(), datetime(2026, 3, 10).date(), PARIS)
    assert pieces(start, end) == [Piece("day", utc(2026, 3, 10), utc(2026, 3, 11)),
                                  Piece("hour", utc(2026, 3, 9, 23), utc(2026, 3, 10)),
                                  Piece("hour", utc(2026, 3, 10, 23), utc(2026, 3, 11), sign=-1)]


def test_whole_utc_days_and_months_need_no_correction():
    assert pieces(utc(2026, 1, 1), utc(2027, 1, 1)) == [Piece("month", utc(2026, 1, 1), utc(2027, 1, 1))]
    assert pieces(utc(2026, 3, 5), utc(2026, 3, 9)) == [Piece("day", utc(2026, 3, 5), utc(2026, 3, 9))]


def test_most_of_a_month_is_the_month_less_its_missing_days():
    assert pieces(utc(2026, 3, 1), utc(2026, 3, 29)) == [Piece("month", utc(2026, 3, 1), utc(2026, 4, 1)),
                                                         Piece("day", utc(2026, 3, 29), utc(2026, 4, 1), sign=-1)]


def test_a_short_span_is_never_read_as_a_larger_bucket_less_most_of_it():
    assert pieces(utc(2026, 3, 10, 11), utc(2026, 3, 10, 13)) == [Piece("hour", utc(2026, 3, 10, 11),
                                                                        utc(2026, 3, 10, 13))]
    assert pieces(utc(2026, 3, 10), utc(2026, 3, 25)) == [Piece("day", utc(2026, 3, 10), utc(2026, 3, 25))]


def test_ends_off_the_hour_are_rounded_to_the_nearest_hour():
    kolkata = buckets.zone("Asia/Kolkata")  # UTC+05:30: local midnight is 18:30 UTC
    start, end = buckets.period(datetime(2026, 3, 10).date(), datetime(2026, 3, 10).date(), kolkata)
    covered = hours_counted(pieces(start, end))
    assert set(covered.values()) == {1} and len(covered) == 24
    assert min(covered) == utc(2026, 3, 9, 18)


def hours_counted(found: list[Piece]) -> Counter:
    """How many times each UTC hour is counted (signs added); hours counted 0 times are left out."""
    counted = Counter()
    for piece in found:
        moment = piece.start
        while moment < piece.end:
            counted[moment] += piece.sign
            moment += timedelta(hours=1)
    return {hour: count for hour, count in counted.items() if count}


HOURS = st.integers(min_value=0, max_value=3 * 365 * 24)


@settings(max_examples=150, deadline=None)
@given(HOURS, st.integers(min_value=1, max_value=120 * 24))
def test_the_pieces_count_every_hour_of_the_span_once_and_nothing_else(offset, length):
    start = utc(2025, 1, 1) + timedelta(hours=offset)
    end = start + timedelta(hours=length)
    found = pieces(start, end)
    counted = hours_counted(found)
    assert all(count == 1 for count in counted.values())
    assert min(counted) == start and max(counted) == end - timedelta(hours=1) and len(counted) == length
    assert all(piece.start < piece.end for piece in found)
