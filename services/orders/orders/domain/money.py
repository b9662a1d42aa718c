"""Money in integer minor units: line, vendor-order and order totals, refunds of returned lines.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PricedLine:
    """One order line as stored: a snapshot of the offer at placement (never the client's prices)."""

    offer_id: str
    product_id: str
    category_id: str | None
    vendor_id: str
    title: str
    unit_price_minor: int
    shipping_minor: int
    quantity: int
    currency: str

    @property
    def amount_minor(self) -> int:
        return self.unit_price_minor * self.quantity


@dataclass(frozen=True)
class Totals:
    items_minor: int
    shipping_minor: int

    @property
    def total_minor(self) -> int:
        return self.items_minor + self.shipping_minor


def vendor_order_totals(lines: Iterable[PricedLine]) -> Totals:
    """Items at unit price x quantity; shipping once per vendor order, the highest of its offers'.

    A vendor ships one parcel per vendor order, so offers' shipping fees do not add up; the
    dearest one covers the bulkiest item. Quantity does not multiply shipping either.
    """
    lines = list(lines)
    return Totals(items_minor=sum(line.amount_minor for line in lines),
                  shipping_minor=max((line.shipping_minor for line in lines), default=0))


def order_totals(vendor_order_totals_: Iterable[Totals]) -> Totals:
    """The order's totals are the sums of its vendor orders'."""
    parts = list(vendor_order_totals_)
    return Totals(items_minor=sum(part.items_minor for part in parts),
                  shipping_minor=sum(part.shipping_minor for part in parts))


def split_by_vendor(lines: Iterable[PricedLine]) -> dict[str, list[PricedLine]]:
    """One group per vendor, vendors and lines in the order the customer listed them."""
    groups: dict[str, list[PricedLine]] = {}
    for line in lines:
        groups.setdefault(line.vendor_id, []).append(line)
    return groups


def return_refund_minor(returned: Iterable[tuple[int, int]], *, shipping_minor: int,
                        whole_vendor_order: bool) -> int:
    """Refund of returned ``(unit_price_minor, quantity)`` pairs; shipping only when everything came back."""
    items = sum(unit_price * quantity for unit_price, quantity in returned)
    return items + (shipping_minor if whole_vendor_order else 0)
