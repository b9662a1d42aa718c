"""GTIN (EAN-8, UPC-A, EAN-13, GTIN-14): digits with a mod-10 check digit."""
from __future__ import annotations

LENGTHS = (8, 12, 13, 14)


def is_valid(code: str) -> bool:
    if not code.isdigit() or len(code) not in LENGTHS:
        return False
    body, check = code[:-1], int(code[-1])
    # Weights 3, 1, 3, ... from the digit next to the check digit leftwards.
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def normalise(code: str) -> str:
    """The 14-digit form, so an EAN-13 and its GTIN-14 spelling are the same product."""
    return code.zfill(14)
