"""Orders' web processes restarted while customers place orders.

Customers place orders from several threads, each with its Idempotency-Key, retrying with the same
key when the connection fails (as a client of an API with idempotency keys should). Meanwhile
orders' gunicorn is restarted as a deployment would: SIGHUP (new workers, the old ones finish
their request) or SIGTERM to the master (graceful stop) and a new one started on the same port.
No request is answered with an error, and nothing is half-written: every answered order exists
with its lines, there is no order without lines and none placed twice.
"""
from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from orders.models import Order, OrderLine

from .marketplace import wait_until

pytestmark = pytest.mark.slow

ORDERS = 120
PLACING_THREADS = 8
RESTART_AFTER = 30  # answers, so the restart falls in the middle of the load


@pytest.fixture(scope="module")
def marketplace_processes() -> tuple[tuple[str, str], ...]:
    return ("catalog", "web"), ("orders", "web")  # placing an order needs no worker


@pytest.fixture(scope="module")
def offers(marketplace) -> list[dict]:
    world = marketplace.world
    product = world.approved_product()
    return [world.offer(product["id"], headers, quantity=1000, sku=f"RESTART-{n}")
            for n, headers in enumerate((world.vendor_a, world.vendor_b))]


@dataclass
class Placement:
    """One customer's order, sent until the service answers; what it met on the way."""

    cart: dict[str, int]
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    connection_failures: int = 0
    status: int | None = None
    order: dict = field(default_factory=dict)

    def run(self, marketplace, customer, timeout: float = 60.0) -> "Placement":
        deadline = time.monotonic() + timeout
        while self.status is None and time.monotonic() < deadline:
            try:
                self.status, self.order = marketplace.place(customer, self.cart, self.key)
            except OSError:  # refused or reset while no process listens: the same key again
                self.connection_failures += 1
                time.sleep(0.1)
        return self


def place_during(marketplace, offers: list[dict], restart) -> list[Placement]:
    """Place ORDERS orders from several threads, calling ``restart()`` once RESTART_AFTER are answered."""
    customer = marketplace.customer()
    ids = [offer["id"] for offer in offers]
    placements = [Placement({ids[n % 2]: 1, **({ids[1 - n % 2]: 2} if n % 3 else {})}) for n in range(ORDERS)]
    with ThreadPoolExecutor(PLACING_THREADS) as placing:
        running = [placing.submit(placement.run, marketplace, customer) for placement in placements]
        wait_until(lambda: sum(future.done() for future in running) >= RESTART_AFTER, timeout=60, interval=0.02)
        restart()
        assert sum(future.done() for future in running) < ORDERS  # the load went on across the restart
        return [future.result() for future in running]


def assert_placed_once_and_whole(marketplace, placements: list[Placement]) -> None:
    assert Counter(placement.status for placement in placements) == {201: ORDERS}
    answered = {placement.order["id"]: sum(placement.cart.values()) for placement in placements}
    units = dict(marketplace.rows("orders", select(Order.id, func.coalesce(func.sum(OrderLine.quantity), 0))
                                  .outerjoin(OrderLine, OrderLine.order_id == Order.id)
                                  .where(Order.id.in_(answered)).group_by(Order.id)))
    assert units == answered  # each answered order stored once, every line with it
    assert marketplace.scalar("orders", select(func.count()).select_from(Order).where(
        ~Order.id.in_(select(OrderLine.order_id)))) == 0  # no order without lines, answered or not


def gunicorn_workers(master: int) -> set[int]:
    return {int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()}


def test_orders_web_reloaded_with_sighup_answers_every_request(marketplace, offers):
    master = marketplace.processes["orders", "web"].process.pid
    before = marketplace.scalar("orders", select(func.count()).select_from(Order))
    old_workers = gunicorn_workers(master)

    placements = place_during(marketplace, offers, lambda: os.kill(master, signal.SIGHUP))

    assert sum(placement.connection_failures for placement in placements) == 0  # the socket stayed open
    assert_placed_once_and_whole(marketplace, placements)
    assert marketplace.scalar("orders", select(func.count()).select_from(Order)) == before + ORDERS
    assert gunicorn_workers(master).isdisjoint(old_workers)  # every worker was replaced


def test_orders_web_stopped_with_sigterm_and_started_again_loses_and_duplicates_nothing(marketplace, offers):
    before = marketplace.scalar("orders", select(func.count()).select_from(Order))

    def restart() -> None:
        stopping = marketplace.processes["orders", "web"]
        os.kill(stopping.process.pid, signal.SIGTERM)  # the master alone, as an orchestrator does
        assert stopping.wait_exit(timeout=40) == 0  # in-flight requests finished first
        marketplace.start_process("orders", "web")
        marketplace.wait_ready("orders")

    placements = place_during(marketplace, offers, restart)

    assert_placed_once_and_whole(marketplace, placements)
    assert marketplace.scalar("orders", select(func.count()).select_from(Order)) == before + ORDERS
