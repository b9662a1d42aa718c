"""Reserving stock for placed orders: all or nothing, once per order, never more than there is."""
from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select, update

from chassis.tables import outbox
from catalog import reservations, sales
from catalog.models import Offer, OrderReservation, Product, Reservation, StockMovement


def _movements(world, offer_id: str) -> list[tuple[str, int, int, int, int, str | None]]:
    with world.runtime.uow() as uow:
        rows = uow.session.execute(
            select(StockMovement.kind, StockMovement.available_delta, StockMovement.reserved_delta,
                   StockMovement.available_after, StockMovement.reserved_after, StockMovement.order_id)
            .where(StockMovement.offer_id == offer_id).order_by(StockMovement.created_at))
        return [tuple(row) for row in rows]


def _outcome(world, order_id: str) -> str | None:
    with world.runtime.uow() as uow:
        decision = uow.session.get(OrderReservation, order_id)
        return decision.outcome if decision else None


def test_every_line_is_reserved_recorded_and_announced(stock_world):
    teapot, cups = stock_world.offer("ven-a", 10), stock_world.offer("ven-b", 5)
    order = stock_world.order(("vo-a", "ven-a", teapot, 2), ("vo-b", "ven-b", cups, 5))

    assert reservations.reserve_order(stock_world.runtime.uow(), order) == "reserved"

    assert (stock_world.stock(teapot), stock_world.stock(cups)) == ((8, 2), (0, 5))
    assert stock_world.reservations(order["order_id"]) == sorted([("vo-a", teapot, 2, "reserved"),
                                                                  ("vo-b", cups, 5, "reserved")])
    assert _movements(stock_world, teapot) == [("reservation", -2, 2, 8, 2, order["order_id"])]
    reserved = stock_world.outbox("stock.reserved")
    assert reserved == [("stock.reserved", {"order_id": order["order_id"], "lines": sorted([
        {"offer_id": teapot, "vendor_order_id": "vo-a", "vendor_id": "ven-a", "quantity": 2},
        {"offer_id": cups, "vendor_order_id": "vo-b", "vendor_id": "ven-b", "quantity": 5}],
        key=lambda line: line["offer_id"])})]
    assert _outcome(stock_world, order["order_id"]) == "reserved"


def test_lines_of_one_offer_in_a_vendor_order_are_reserved_together(stock_world):
    teapot = stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 2), ("vo-a", "ven-a", teapot, 3))

    reservations.reserve_order(stock_world.runtime.uow(), order)

    assert stock_world.reservations(order["order_id"]) == [("vo-a", teapot, 5, "reserved")]
    assert stock_world.stock(teapot) == (5, 5)


def test_one_short_line_rejects_the_whole_order_and_reserves_nothing(stock_world):
    teapot, cups = stock_world.offer("ven-a", 10), stock_world.offer("ven-b", 1)
    order = stock_world.order(("vo-a", "ven-a", teapot, 2), ("vo-b", "ven-b", cups, 2))

    assert reservations.reserve_order(stock_world.runtime.uow(), order) == "rejected"

    assert (stock_world.stock(teapot), stock_world.stock(cups)) == ((10, 0), (1, 0))
    assert stock_world.reservations(order["order_id"]) == []
    assert _movements(stock_world, teapot) == _movements(stock_world, cups) == []
    assert stock_world.outbox("stock.reserved", "stock.rejected") == [("stock.rejected", {
        "order_id": order["order_id"], "lines": [{"offer_id": cups, "vendor_order_id": "vo-b", "vendor_id": "ven-b",
                                                  "quantity": 2, "available_quantity": 1,
                                                  "reason": "insufficient_stock"}]})]
    assert _outcome(stock_world, order["order_id"]) == "rejected"


def test_same_offer_in_two_vendor_orders_is_checked_against_the_sum(stock_world):
    teapot = stock_world.offer("ven-a", 3)
    order = stock_world.order(("vo-1", "ven-a", teapot, 2), ("vo-2", "ven-a", teapot, 2))

    assert reservations.reserve_order(stock_world.runtime.uow(), order) == "rejected"
    assert stock_world.stock(teapot) == (3, 0)


def test_unknown_inactive_foreign_and_other_currency_offers_are_refused_with_their_reason(stock_world):
    inactive = stock_world.offer("ven-a", 10, active=False)
    foreign = stock_world.offer("ven-b", 10)
    dollars = stock_world.offer("ven-a", 10, currency="USD")
    order = stock_world.order(("vo-a", "ven-a", inactive, 1), ("vo-a", "ven-a", foreign, 1),
                              ("vo-a", "ven-a", dollars, 1), ("vo-a", "ven-a", "no-such-offer", 1))

    assert reservations.reserve_order(stock_world.runtime.uow(), order) == "rejected"

    [(_, rejected)] = stock_world.outbox("stock.rejected")
    assert {line["offer_id"]: (line["reason"], line["vendor_id"], line.get("available_quantity"))
            for line in rejected["lines"]} == {
        inactive: ("inactive_offer", "ven-a", 10), foreign: ("unknown_offer", None, None),
        dollars: ("currency_mismatch", "ven-a", 10), "no-such-offer": ("unknown_offer", None, None)}
    assert [stock_world.stock(offer) for offer in (inactive, foreign, dollars)] == [(10, 0)] * 3


def test_an_offer_whose_product_was_archived_since_pricing_is_refused(stock_world):
    teapot, cups = stock_world.offer("ven-a", 10), stock_world.offer("ven-a", 10)
    with stock_world.runtime.uow() as uow:
        uow.session.execute(update(Product).where(Product.id == _product_of(stock_world, teapot))
                            .values(status="archived"))
        uow.commit()
    order = stock_world.order(("vo-a", "ven-a", teapot, 1), ("vo-a", "ven-a", cups, 1))

    assert reservations.reserve_order(stock_world.runtime.uow(), order) == "rejected"

    [(_, rejected)] = stock_world.outbox("stock.rejected")
    assert [(line["offer_id"], line["reason"]) for line in rejected["lines"]] == [(teapot, "product_not_approved")]
    assert [stock_world.stock(offer) for offer in (teapot, cups)] == [(10, 0)] * 2


def test_the_same_order_is_reserved_once_whatever_the_event(stock_world):
    teapot = stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 4))

    assert reservations.reserve_order(stock_world.runtime.uow(), order) == "reserved"
    assert reservations.reserve_order(stock_world.runtime.uow(), order) == "duplicate"

    assert stock_world.stock(teapot) == (6, 4)
    assert len(stock_world.outbox("stock.reserved", "stock.rejected")) == 1


def test_release_of_the_order_gives_every_unit_back_once(stock_world):
    teapot, cups = stock_world.offer("ven-a", 10), stock_world.offer("ven-b", 5)
    order = stock_world.order(("vo-a", "ven-a", teapot, 2), ("vo-b", "ven-b", cups, 1))
    reservations.reserve_order(stock_world.runtime.uow(), order)

    first = reservations.release(stock_world.runtime.uow(), order["order_id"], reason="order_cancelled")
    again = reservations.release(stock_world.runtime.uow(), order["order_id"], reason="order_cancelled")

    assert sorted(line["offer_id"] for line in first) == sorted([teapot, cups]) and again == []
    assert (stock_world.stock(teapot), stock_world.stock(cups)) == ((10, 0), (5, 0))
    assert [status for *_, status in stock_world.reservations(order["order_id"])] == ["released", "released"]
    assert _movements(stock_world, teapot)[-1] == ("release", 2, -2, 10, 0, order["order_id"])
    assert len(stock_world.outbox("stock.released")) == 1
    assert _outcome(stock_world, order["order_id"]) == "released"


def test_vendor_order_release_touches_only_that_vendors_units(stock_world):
    teapot, cups = stock_world.offer("ven-a", 10), stock_world.offer("ven-b", 5)
    order = stock_world.order(("vo-a", "ven-a", teapot, 2), ("vo-b", "ven-b", cups, 1))
    reservations.reserve_order(stock_world.runtime.uow(), order)

    reservations.release(stock_world.runtime.uow(), order["order_id"], vendor_order_id="vo-b",
                         reason="vendor_order_refused")

    assert (stock_world.stock(teapot), stock_world.stock(cups)) == ((8, 2), (5, 0))
    assert stock_world.reservations(order["order_id"]) == sorted([("vo-a", teapot, 2, "reserved"),
                                                                  ("vo-b", cups, 1, "released")])
    assert stock_world.outbox("stock.released") == [("stock.released", {
        "order_id": order["order_id"], "vendor_order_id": "vo-b", "reason": "vendor_order_refused",
        "lines": [{"offer_id": cups, "vendor_order_id": "vo-b", "vendor_id": "ven-b", "quantity": 1}]})]


def test_shipped_units_leave_the_stock_and_can_no_longer_be_released(stock_world):
    teapot = stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 3))
    reservations.reserve_order(stock_world.runtime.uow(), order)

    assert sales.mark_sold(stock_world.runtime.uow(), "vo-a") == 3
    assert sales.mark_sold(stock_world.runtime.uow(), "vo-a") == 0
    assert reservations.release(stock_world.runtime.uow(), order["order_id"], reason="order_cancelled") == []

    assert stock_world.stock(teapot) == (7, 0)
    assert stock_world.reservations(order["order_id"]) == [("vo-a", teapot, 3, "sold")]
    assert _movements(stock_world, teapot)[-1] == ("sale", 0, -3, 7, 0, order["order_id"])


def _sold(world, order_id: str) -> dict[str, tuple[int, int, str]]:
    """offer id -> (quantity, sold_quantity, status) of the order's reservations."""
    with world.runtime.uow() as uow:
        rows = uow.session.execute(select(Reservation.offer_id, Reservation.quantity, Reservation.sold_quantity,
                                          Reservation.status).where(Reservation.order_id == order_id))
        return {offer_id: (quantity, sold, status) for offer_id, quantity, sold, status in rows}


def test_a_partial_shipment_sells_only_the_units_of_its_parcel(stock_world):
    teapot, cups = stock_world.offer("ven-a", 10), stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 5), ("vo-a", "ven-a", cups, 2))
    reservations.reserve_order(stock_world.runtime.uow(), order)

    assert sales.mark_sold(stock_world.runtime.uow(), "vo-a", {teapot: 2}, shipment_id="shp-1") == 2

    assert (stock_world.stock(teapot), stock_world.stock(cups)) == ((5, 3), (8, 2))
    assert _sold(stock_world, order["order_id"]) == {teapot: (5, 2, "reserved"), cups: (2, 0, "reserved")}
    assert _movements(stock_world, teapot)[-1] == ("sale", 0, -2, 5, 3, order["order_id"])


def test_two_partial_shipments_add_up_and_complete_the_reservation(stock_world):
    teapot = stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 5))
    reservations.reserve_order(stock_world.runtime.uow(), order)

    sold = [sales.mark_sold(stock_world.runtime.uow(), "vo-a", {teapot: units}, shipment_id=shipment)
            for units, shipment in ((2, "shp-1"), (3, "shp-2"))]

    assert sold == [2, 3]
    assert stock_world.stock(teapot) == (5, 0)
    assert _sold(stock_world, order["order_id"]) == {teapot: (5, 5, "sold")}
    assert [movement[:5] for movement in _movements(stock_world, teapot)[-2:]] == [
        ("sale", 0, -2, 5, 3), ("sale", 0, -3, 5, 0)]


def test_a_cancel_after_a_partial_shipment_releases_exactly_the_unshipped_units(stock_world):
    teapot = stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 5))
    reservations.reserve_order(stock_world.runtime.uow(), order)
    sales.mark_sold(stock_world.runtime.uow(), "vo-a", {teapot: 2}, shipment_id="shp-1")

    released = reservations.release(stock_world.runtime.uow(), order["order_id"], vendor_order_id="vo-a",
                                    reason="vendor_order_cancelled")

    assert released == [{"offer_id": teapot, "vendor_order_id": "vo-a", "vendor_id": "ven-a", "quantity": 3}]
    assert stock_world.stock(teapot) == (8, 0)
    assert _sold(stock_world, order["order_id"]) == {teapot: (5, 2, "released")}
    assert _movements(stock_world, teapot)[-1] == ("release", 3, -3, 8, 0, order["order_id"])
    assert sales.mark_sold(stock_world.runtime.uow(), "vo-a", {teapot: 3}, shipment_id="shp-2") == 0
    assert stock_world.stock(teapot) == (8, 0)


def test_a_shipment_seen_again_under_another_event_id_sells_nothing_more(stock_world):
    teapot = stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 5))
    reservations.reserve_order(stock_world.runtime.uow(), order)

    first = sales.mark_sold(stock_world.runtime.uow(), "vo-a", {teapot: 2}, shipment_id="shp-1")
    again = sales.mark_sold(stock_world.runtime.uow(), "vo-a", {teapot: 2}, shipment_id="shp-1")

    assert (first, again) == (2, 0)
    assert stock_world.stock(teapot) == (5, 3)
    assert _sold(stock_world, order["order_id"]) == {teapot: (5, 2, "reserved")}


def test_units_shipped_beyond_what_is_still_reserved_are_not_sold_and_are_logged(stock_world, caplog):
    teapot, stranger = stock_world.offer("ven-a", 10), stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 3))
    reservations.reserve_order(stock_world.runtime.uow(), order)
    sales.mark_sold(stock_world.runtime.uow(), "vo-a", {teapot: 2}, shipment_id="shp-1")

    with caplog.at_level("WARNING", logger="catalog.reservations"):
        sold = sales.mark_sold(stock_world.runtime.uow(), "vo-a", {teapot: 2, stranger: 1},
                                      shipment_id="shp-2")

    assert sold == 1
    assert (stock_world.stock(teapot), stock_world.stock(stranger)) == ((7, 0), (10, 0))
    assert _sold(stock_world, order["order_id"]) == {teapot: (3, 3, "sold")}
    assert sorted(record.getMessage() for record in caplog.records) == sorted([
        f"vendor order vo-a shipped 2 units of offer {teapot} but 1 are reserved: 1 not sold",
        f"vendor order vo-a shipped 1 units of offer {stranger} but 0 are reserved: 1 not sold"])


def test_a_shipment_without_lines_sells_every_unit_still_reserved(stock_world):
    teapot, cups = stock_world.offer("ven-a", 10), stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 5), ("vo-a", "ven-a", cups, 1))
    reservations.reserve_order(stock_world.runtime.uow(), order)
    sales.mark_sold(stock_world.runtime.uow(), "vo-a", {teapot: 2}, shipment_id="shp-1")

    assert sales.mark_sold(stock_world.runtime.uow(), "vo-a") == 4

    assert (stock_world.stock(teapot), stock_world.stock(cups)) == ((5, 0), (9, 0))
    assert _sold(stock_world, order["order_id"]) == {teapot: (5, 5, "sold"), cups: (1, 1, "sold")}


def test_shipped_units_are_summed_per_offer_and_an_event_without_lines_means_everything():
    shipped = {"vendor_order_id": "vo-a", "lines": [{"line_id": "l1", "offer_id": "off-1", "quantity": 1},
                                                    {"line_id": "l2", "offer_id": "off-1", "quantity": 2},
                                                    {"line_id": "l3", "offer_id": "off-2", "quantity": 1}]}

    assert sales.shipped_units(shipped) == {"off-1": 3, "off-2": 1}
    assert sales.shipped_units({"vendor_order_id": "vo-a"}) is None


def test_returned_units_are_restocked_once_per_return_and_only_when_asked(stock_world):
    teapot, cups = stock_world.offer("ven-a", 10), stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 3), ("vo-a", "ven-a", cups, 1))
    reservations.reserve_order(stock_world.runtime.uow(), order)
    sales.mark_sold(stock_world.runtime.uow(), "vo-a")
    received = {"return_id": "ret-1", "order_id": order["order_id"], "vendor_order_id": "vo-a",
                "vendor_id": "ven-a", "customer_id": "cus-1",
                "lines": [{"line_id": "l1", "offer_id": teapot, "quantity": 2, "restock": True},
                          {"line_id": "l2", "offer_id": cups, "quantity": 1, "restock": False}]}

    assert sales.restock_return(stock_world.runtime.uow(), received) == 2
    assert sales.restock_return(stock_world.runtime.uow(), received) == 0

    assert (stock_world.stock(teapot), stock_world.stock(cups)) == ((9, 0), (9, 0))
    assert _movements(stock_world, teapot)[-1] == ("restock", 2, 0, 9, 0, order["order_id"])


def test_stock_low_is_announced_once_when_a_reservation_crosses_the_threshold(stock_world):
    teapot = stock_world.offer("ven-a", 10, low_stock_threshold=4)
    for quantity in (3, 3, 1):  # 7 (above), 4 (crosses), 3 (still low: no second alert)
        reservations.reserve_order(stock_world.runtime.uow(), stock_world.order(("vo", "ven-a", teapot, quantity)))

    assert stock_world.outbox("stock.low") == [("stock.low", {
        "offer_id": teapot, "vendor_id": "ven-a", "product_id": _product_of(stock_world, teapot),
        "available_quantity": 4, "threshold": 4})]


def _product_of(world, offer_id: str) -> str:
    with world.runtime.uow() as uow:
        return uow.session.get(Offer, offer_id).product_id


# --- concurrency ------------------------------------------------------------------------------------

CONCURRENT_ORDERS = 200


def _reserve_concurrently(world, orders: list[dict]) -> tuple[Counter, list[BaseException]]:
    """Each order reserved by its own thread through its own unit of work (own connection), all at once."""
    outcomes: Counter = Counter()
    errors: list[BaseException] = []
    start = threading.Barrier(len(orders))
    lock = threading.Lock()

    def reserve(order: dict) -> None:
        try:
            start.wait()
            outcome = reservations.reserve_order(world.runtime.uow(), order)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            with lock:
                errors.append(error)
            return
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=reserve, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, errors


def test_concurrent_orders_never_oversell_and_stay_all_or_nothing(stock_world):
    scarce, other = stock_world.offer("ven-a", 50), stock_world.offer("ven-b", 30)
    # Three in four orders want one scarce unit; the others also want two units of another vendor's offer.
    orders = [stock_world.order(("vo-a", "ven-a", scarce, 1), *([("vo-b", "ven-b", other, 2)] if n % 4 == 0 else []))
              for n in range(CONCURRENT_ORDERS)]

    outcomes, errors = _reserve_concurrently(stock_world, orders)

    assert errors == []
    assert sum(outcomes.values()) == CONCURRENT_ORDERS and set(outcomes) <= {"reserved", "rejected"}
    assert stock_world.stock(scarce) == (0, 50)
    with stock_world.runtime.uow() as uow:
        held_by_order = dict(uow.session.execute(select(Reservation.order_id, func.sum(Reservation.quantity))
                                                 .group_by(Reservation.order_id)).all())
        decided = dict(uow.session.execute(select(OrderReservation.order_id, OrderReservation.outcome)).all())
    for order in orders:
        wanted = sum(line["quantity"] for vo in order["vendor_orders"] for line in vo["lines"])
        expected = wanted if decided[order["order_id"]] == "reserved" else None
        assert held_by_order.get(order["order_id"]) == expected, order["order_id"]
    multi_reserved = sum(1 for order in orders if len(order["vendor_orders"]) == 2
                         and decided[order["order_id"]] == "reserved")
    assert stock_world.stock(other) == (30 - 2 * multi_reserved, 2 * multi_reserved)
    assert outcomes["reserved"] == 50
    events = Counter(kind for kind, _ in stock_world.outbox("stock.reserved", "stock.rejected"))
    assert events == Counter({"stock.reserved": 50, "stock.rejected": CONCURRENT_ORDERS - 50})


def test_concurrent_copies_of_one_order_reserve_it_once(stock_world):
    teapot = stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 2))

    outcomes, errors = _reserve_concurrently(stock_world, [order] * 12)

    assert (errors, outcomes) == ([], Counter({"reserved": 1, "duplicate": 11}))
    assert stock_world.stock(teapot) == (8, 2)
    assert len(stock_world.outbox("stock.reserved", "stock.rejected")) == 1


# --- batches (the worker's backlog of order.placed) ---------------------------------------------------

def test_a_batch_decides_each_order_in_turn_as_if_alone(stock_world):
    teapot, cups = stock_world.offer("ven-a", 3), stock_world.offer("ven-b", 5, currency="EUR")
    first = stock_world.order(("vo-1", "ven-a", teapot, 2), ("vo-1b", "ven-b", cups, 1))
    too_many = stock_world.order(("vo-2", "ven-a", teapot, 2), ("vo-2b", "ven-b", cups, 1))  # 1 teapot left
    last = stock_world.order(("vo-3", "ven-a", teapot, 1))

    outcomes = reservations.reserve_orders(stock_world.runtime.uow(), [first, too_many, last, first],
                                           ["corr-1", "corr-2", "corr-3", "corr-1"])

    assert outcomes == ["reserved", "rejected", "reserved", "duplicate"]
    assert (stock_world.stock(teapot), stock_world.stock(cups)) == ((0, 3), (4, 1))  # nothing of too_many held
    assert stock_world.reservations(too_many["order_id"]) == []
    assert [_outcome(stock_world, order["order_id"]) for order in (first, too_many, last)] == [
        "reserved", "rejected", "reserved"]
    assert [(kind, data["order_id"]) for kind, data in stock_world.outbox("stock.reserved", "stock.rejected")] == [
        ("stock.reserved", first["order_id"]), ("stock.rejected", too_many["order_id"]),
        ("stock.reserved", last["order_id"])]
    [refused] = stock_world.outbox("stock.rejected")[0][1]["lines"][:1]
    assert (refused["offer_id"], refused["reason"], refused["available_quantity"]) == (teapot, "insufficient_stock", 1)
    assert [movement[:5] for movement in _movements(stock_world, teapot)] == [
        ("reservation", -2, 2, 1, 2), ("reservation", -1, 1, 0, 3)]
    with stock_world.runtime.uow() as uow:
        correlations = [envelope["correlationid"] for envelope in uow.session.execute(
            select(outbox.c.envelope).where(outbox.c.event_type.in_(["stock.reserved", "stock.rejected"]))
            .order_by(outbox.c.id)).scalars()]
    assert correlations == ["corr-1", "corr-2", "corr-3"]


def test_an_order_decided_by_an_earlier_transaction_is_a_duplicate_in_a_batch(stock_world):
    teapot = stock_world.offer("ven-a", 10)
    done, fresh = stock_world.order(("vo-1", "ven-a", teapot, 2)), stock_world.order(("vo-2", "ven-a", teapot, 3))
    reservations.reserve_order(stock_world.runtime.uow(), done)

    assert reservations.reserve_orders(stock_world.runtime.uow(), [done, fresh]) == ["duplicate", "reserved"]
    assert stock_world.stock(teapot) == (5, 5)


def test_concurrent_batches_never_oversell(stock_world):
    scarce = stock_world.offer("ven-a", 50)
    orders = [stock_world.order(("vo-a", "ven-a", scarce, 1 + n % 2)) for n in range(120)]
    batches = [orders[start:start + 6] for start in range(0, len(orders), 6)]
    outcomes: Counter = Counter()
    errors: list[BaseException] = []
    start, lock = threading.Barrier(len(batches)), threading.Lock()

    def reserve(batch: list[dict]) -> None:
        try:
            start.wait()
            decided = reservations.reserve_orders(stock_world.runtime.uow(), batch)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            with lock:
                errors.append(error)
            return
        with lock:
            outcomes.update(decided)

    threads = [threading.Thread(target=reserve, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    available, reserved = stock_world.stock(scarce)
    wanted = {order["order_id"]: order["vendor_orders"][0]["lines"][0]["quantity"] for order in orders}
    with stock_world.runtime.uow() as uow:
        held = dict(uow.session.execute(select(Reservation.order_id, func.sum(Reservation.quantity))
                                        .group_by(Reservation.order_id)).all())
    assert available >= 0 and available + reserved == 50 and reserved == sum(held.values())
    assert all(held[order_id] == wanted[order_id] for order_id in held)  # all or nothing per order
    assert outcomes["reserved"] == len(held) and outcomes["reserved"] + outcomes["rejected"] == len(orders)
    assert available == 0  # demand (180 units) far exceeds 50, and one-unit orders come till the end
