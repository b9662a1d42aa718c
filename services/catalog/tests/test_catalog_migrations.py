"""The sold-quantity revision goes both ways, and the database refuses a reservation sold beyond itself."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text, update
from sqlalchemy.exc import IntegrityError

from chassis import migrations
from catalog import reservations, sales
from catalog.models import Reservation


def _reservation_columns(runtime) -> set[str]:
    return {column["name"] for column in inspect(runtime.database.engine).get_columns("reservations")}


def _rows(runtime) -> dict[str, tuple]:
    """vendor_order_id -> (quantity, sold_quantity or None before the revision, status)."""
    sold = "sold_quantity" if "sold_quantity" in _reservation_columns(runtime) else "NULL"
    with runtime.database.engine.connect() as connection:
        rows = connection.execute(text(f"SELECT vendor_order_id, quantity, {sold}, status FROM reservations"))
        return {vendor_order_id: tuple(rest) for vendor_order_id, *rest in rows}


def test_the_sold_quantity_revision_downgrades_keeping_only_unsold_units_held_and_upgrades_again(stock_world):
    runtime, teapot = stock_world.runtime, stock_world.offer("ven-a", 20)
    for vendor_order_id in ("vo-part", "vo-whole", "vo-none"):
        reservations.reserve_order(runtime.uow(), stock_world.order((vendor_order_id, "ven-a", teapot, 5)))
    sales.mark_sold(runtime.uow(), "vo-part", {teapot: 2}, shipment_id="shp-1")
    sales.mark_sold(runtime.uow(), "vo-whole")

    migrations.downgrade(runtime, "0003")
    assert "sold_quantity" not in _reservation_columns(runtime)
    assert _rows(runtime) == {"vo-part": (3, None, "reserved"), "vo-whole": (5, None, "sold"),
                              "vo-none": (5, None, "reserved")}

    migrations.upgrade(runtime)
    assert _rows(runtime) == {"vo-part": (3, 0, "reserved"), "vo-whole": (5, 5, "sold"),
                              "vo-none": (5, 0, "reserved")}
    assert stock_world.stock(teapot) == (5, 8)


@pytest.mark.parametrize("values", [{"sold_quantity": 6}, {"sold_quantity": -1}, {"sold_quantity": 5},
                                    {"status": "sold"}])
def test_the_database_refuses_a_reservation_sold_beyond_itself_or_contradicting_its_status(stock_world, values):
    teapot = stock_world.offer("ven-a", 10)
    reservations.reserve_order(stock_world.runtime.uow(), stock_world.order(("vo-a", "ven-a", teapot, 5)))

    with pytest.raises(IntegrityError), stock_world.runtime.uow() as uow:
        uow.session.execute(update(Reservation).values(**values))
        uow.commit()
