"""Integer money in minor units: half-even rounding and splitting a sum over parts.

Amounts are never floats. Every division rounds half to even on minor units, and a sum split
over parts gives the remainder to the last part, so the parts always add up to the whole.
"""
from __future__ import annotations

from collections.abc import Sequence

BASIS_POINTS = 10_000


def divide_half_even(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half to even (banker's rounding), exactly."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def percent_of(amount_minor: int, rate_bps: int) -> int:
    """``rate_bps`` basis points of ``amount_minor``, half-even."""
    return divide_half_even(amount_minor * rate_bps, BASIS_POINTS)


def share_of(total_minor: int, part: int, whole: int) -> int:
    """``total × part / whole`` half-even: the part of ``total`` that ``part`` of ``whole`` stands for."""
    if whole == 0:
        return 0
    return divide_half_even(total_minor * part, whole)


def allocate(total_minor: int, weights: Sequence[int]) -> list[int]:
    """Split ``total_minor`` in proportion to ``weights``: half-even per part, the remainder on the last.

    With all weights zero the split is even by count (the remainder still on the last part).
    """
    if not weights:
        if total_minor:
            raise ValueError("cannot allocate a non-zero amount over no parts")
        return []
    whole = sum(weights)
    if whole == 0:
        weights, whole = [1] * len(weights), len(weights)
    parts = [share_of(total_minor, weight, whole) for weight in weights[:-1]]
    return parts + [total_minor - sum(parts)]


def clamp(value: int, minimum: int | None, maximum: int | None) -> int:
    if minimum is not None and value < minimum:
        value = minimum
    if maximum is not None and value > maximum:
        value = maximum
    return value
