"""RabbitMQ unreachable for 30 s while customers place 500 orders.

Placing an order only writes orders' database (the event waits in its outbox), so every placement
is answered; once the broker is back, every outbox drains, each event is applied once by each
consumer (their inboxes absorb what a relay published twice or a consumer got again after its
connection dropped), and every order reaches ``awaiting_payment``: stock reserved in catalog,
known to payments. A worker told to stop while the broker is away stops at once rather than wait
for it.
"""
from __future__ import annotations

import os
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from catalog.models import Offer, Reservation
from orders.models import Order, OrderLine
from payments.models import PayableOrder

from .marketplace import wait_until

pytestmark = pytest.mark.slow

ORDERS = 500
PLACING_THREADS = 8
OUTAGE_SECONDS = 30
DRAIN_SECONDS = 60
UNITS_PER_OFFER = 1000


@pytest.fixture(scope="module")
def offers(marketplace) -> list[dict]:
    world = marketplace.world
    product = world.approved_product()
    return [world.offer(product["id"], headers, quantity=UNITS_PER_OFFER, sku=f"OUTAGE-{n}")
            for n, headers in enumerate((world.vendor_a, world.vendor_b, world.vendor_a, world.vendor_b))]


def carts(offers: list[dict]) -> list[dict[str, int]]:
    """One or two lines each, spread over the offers (some with two vendors)."""
    ids = [offer["id"] for offer in offers]
    return [{ids[n % 4]: 1 + n % 3, **({ids[(n + 1) % 4]: 1} if n % 2 else {})} for n in range(ORDERS)]


def answered(answers) -> int:
    return sum(answer.done() for answer in answers)


def all_awaiting_payment(marketplace) -> bool:
    """every order awaiting payment, known to payments as such, and every outbox empty"""
    awaiting = marketplace.scalar("orders", select(func.count()).where(Order.status == "awaiting_payment"))
    known = marketplace.scalar("payments", select(func.count()).where(PayableOrder.status == "awaiting_payment"))
    return (awaiting, known) == (ORDERS, ORDERS) and not any(
        marketplace.unpublished(service) for service in ("orders", "catalog", "payments"))


def test_orders_placed_while_the_broker_is_away_are_all_answered_and_their_events_applied_once(
        marketplace, offers):
    customer = marketplace.customer()
    wanted = carts(offers)
    with ThreadPoolExecutor(PLACING_THREADS) as placing:
        answers = [placing.submit(marketplace.place, customer, cart) for cart in wanted]
        wait_until(lambda: answered(answers) >= 20, timeout=60, interval=0.05)
        connections = marketplace.broker.accepted
        with marketplace.broker.outage():  # while the first orders' events are on their way
            answered_at_cut = answered(answers)
            time.sleep(OUTAGE_SECONDS)
            placed_during_outage, held = answered(answers) - answered_at_cut, marketplace.unpublished("orders")
        restored_at = time.monotonic()
        results = [answer.result() for answer in answers]

    assert Counter(status for status, _ in results) == {201: ORDERS}
    assert placed_during_outage > 0 and held > 0  # orders were placed, their events held in the outbox
    wait_until(lambda: all_awaiting_payment(marketplace), timeout=DRAIN_SECONDS + 30)
    drained_in = time.monotonic() - restored_at
    assert drained_in <= DRAIN_SECONDS
    assert marketplace.broker.accepted > connections  # the workers reconnected...
    for service in ("catalog", "orders", "payments"):  # ...once: no second loss on a stale connection
        assert marketplace.processes[service, "worker"].log().count("Connection to broker lost") == 1, service
    print(f"{placed_during_outage} orders placed with the broker away; drained {drained_in:.1f} s after its return")

    order_ids = {order["id"] for _, order in results}
    assert set(marketplace.rows("orders", select(Order.id))) == {(order_id,) for order_id in order_ids}
    assert marketplace.published("orders") == {"order.placed": ORDERS, "order.awaiting_payment": ORDERS}
    assert marketplace.published("catalog")["stock.reserved"] == ORDERS  # each order reserved once
    assert marketplace.handled("catalog") == {"order.placed": ORDERS}
    assert marketplace.handled("orders") == {"stock.reserved": ORDERS}
    assert marketplace.handled("payments") == {"order.placed": ORDERS, "order.awaiting_payment": ORDERS}
    assert stock(marketplace, offers) == expected_stock(offers, wanted)
    lines = marketplace.scalar("orders", select(func.count()).select_from(OrderLine))
    assert marketplace.scalar("catalog", select(func.count()).select_from(Reservation)) == lines


def stock(marketplace, offers: list[dict]) -> dict[str, tuple[int, int]]:
    """(available, reserved) of each offer."""
    ids = [offer["id"] for offer in offers]
    return {offer_id: (available, reserved) for offer_id, available, reserved in marketplace.rows(
        "catalog", select(Offer.id, Offer.available, Offer.reserved).where(Offer.id.in_(ids)))}


def expected_stock(offers: list[dict], wanted: list[dict[str, int]]) -> dict[str, tuple[int, int]]:
    reserved = Counter()
    for cart in wanted:
        reserved.update(cart)
    return {offer["id"]: (UNITS_PER_OFFER - reserved[offer["id"]], reserved[offer["id"]]) for offer in offers}


def test_a_worker_stopped_while_the_broker_is_away_exits_within_seconds(marketplace):
    worker = marketplace.processes["payments", "worker"]
    retries = worker.log().count("Broker connection error")
    with marketplace.broker.outage():
        worker.wait_for_log("Broker connection error", count=retries + 1)  # it is trying to reconnect
        os.kill(worker.process.pid, signal.SIGTERM)
        assert worker.wait_exit(timeout=10) == 0
    marketplace.start_process("payments", "worker")
