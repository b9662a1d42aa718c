"""A worker dying in the middle of an event, and an event no attempt can apply.

* Catalog's worker is SIGKILLed while it reserves stock for a placed order: its transaction dies
  with it, RabbitMQ hands the unacknowledged event to the next worker, which applies it once.
  The moment is chosen by holding a lock on the offer, so the reservation waits half-done.
* Payments cannot record placed orders (a database trigger refuses them, as a bug would): the
  event is tried ``event_max_attempts`` times and parked in payments' dead-letter queue, and so is
  the ``order.awaiting_payment`` that followed it. Once the trigger is dropped, replaying them
  with ``payments dead-letters replay`` applies each once.
"""
from __future__ import annotations

import json
import os
import re
import signal
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text

from catalog.models import Offer
from chassis.events.broker import connect
from chassis.events.deadletter import DeadLetterQueue
from chassis.tables import inbox, outbox
from orders.models import Order
from payments.models import PayableOrder, PayableVendorOrder

from .marketplace import wait_until

pytestmark = pytest.mark.slow

MAX_ATTEMPTS = 3


@pytest.fixture(scope="module")
def marketplace_settings() -> dict:
    return {"event_max_attempts": MAX_ATTEMPTS}


@pytest.fixture
def offer(marketplace) -> dict:
    world = marketplace.world
    return world.offer(world.approved_product()["id"], quantity=5, sku=f"FAULT-{os.urandom(3).hex()}")


def order_status(marketplace, order_id: str) -> str:
    return marketplace.scalar("orders", select(Order.status).where(Order.id == order_id))


def events_of(marketplace, service: str, order_id: str) -> list[tuple[str, str]]:
    """(event type, event id) of what the service published about the order, oldest first."""
    rows = marketplace.rows(service, select(outbox.c.event_type, outbox.c.event_id, outbox.c.envelope)
                            .order_by(outbox.c.id))
    return [(event_type, event_id) for event_type, event_id, envelope in rows
            if (envelope if isinstance(envelope, dict) else json.loads(envelope))["data"].get("order_id") == order_id]


def payable(marketplace, order_id: str) -> list[tuple[str, int]]:
    """(status, vendor orders) of payments' record of the order, if any."""
    vendor_orders = (select(func.count()).select_from(PayableVendorOrder)
                     .where(PayableVendorOrder.order_id == order_id).scalar_subquery())
    return marketplace.rows("payments", select(PayableOrder.status, vendor_orders)
                            .where(PayableOrder.order_id == order_id))


@contextmanager
def locked(marketplace, offer_id: str):
    """The offer's row locked by another transaction of catalog's database, until the block ends."""
    with marketplace.runtime("catalog").database.sessions() as session:
        session.execute(select(Offer.id).where(Offer.id == offer_id).with_for_update())
        try:
            yield
        finally:
            session.rollback()


def test_a_worker_killed_while_applying_an_event_leaves_nothing_and_the_next_one_applies_it_once(
        marketplace, offer):
    with locked(marketplace, offer["id"]):
        status, order = marketplace.place(marketplace.customer(), {offer["id"]: 2})
        assert status == 201, order
        wait_until(lambda: marketplace.sessions_waiting_for_a_lock("catalog"), timeout=30)
        doomed = marketplace.processes["catalog", "worker"]
        os.killpg(doomed.process.pid, signal.SIGKILL)  # mid-transaction: the reservation waits on the lock
        assert doomed.wait_exit() == -signal.SIGKILL
        survivor = marketplace.start_process("catalog", "worker")

    wait_until(lambda: order_status(marketplace, order["id"]) == "awaiting_payment", timeout=30)
    wait_until(lambda: payable(marketplace, order["id"]) == [("awaiting_payment", 1)], timeout=30)
    placed_id = dict(events_of(marketplace, "orders", order["id"]))["order.placed"]
    survivor.wait_for_log(rf'"message": "event handled".*"event_id": "{placed_id}"', timeout=10)
    assert [event_type for event_type, _ in events_of(marketplace, "catalog", order["id"])] == ["stock.reserved"]
    assert marketplace.rows("catalog", select(inbox.c.event_type).where(inbox.c.event_id == placed_id)) == [
        ("order.placed",)]
    assert marketplace.rows("catalog", select(Offer.available, Offer.reserved).where(Offer.id == offer["id"])) == [
        (3, 2)]


@contextmanager
def payable_orders_refused(marketplace):
    """A trigger in payments' database fails every insert of a payable order, like a bug in its handler."""
    engine = marketplace.runtime("payments").database.engine
    with engine.begin() as connection:
        connection.execute(text(
            "CREATE FUNCTION refuse_payable_order() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'payable orders refused by the test'; END $$"))
        connection.execute(text("CREATE TRIGGER refuse_payable_order BEFORE INSERT ON payable_orders "
                                "FOR EACH ROW EXECUTE FUNCTION refuse_payable_order()"))
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TRIGGER IF EXISTS refuse_payable_order ON payable_orders"))
            connection.execute(text("DROP FUNCTION IF EXISTS refuse_payable_order()"))


def dead_letters(marketplace) -> list[dict]:
    """Payments' dead letters, as ``payments dead-letters list`` shows them."""
    runtime = marketplace.runtime("payments")
    with connect(runtime.settings.broker_url) as connection:
        return [letter.summary() for letter in DeadLetterQueue(connection, runtime.topology, "payments").list()]


def replay(marketplace, event_id: str) -> str:
    replayed = marketplace.command("payments", "dead-letters", "replay", event_id)
    assert replayed.returncode == 0, replayed.stderr
    return replayed.stdout.strip()


def test_an_event_failing_every_attempt_is_dead_lettered_and_applied_once_when_replayed_after_the_fix(
        marketplace, offer):
    worker = marketplace.processes["payments", "worker"]
    parked_before = worker.log().count('"message": "event dead-lettered"')
    with payable_orders_refused(marketplace):
        status, order = marketplace.place(marketplace.customer(), {offer["id"]: 1})
        assert status == 201, order
        # order.placed fails; order.awaiting_payment, about an order payments does not know, fails too.
        worker.wait_for_log('"message": "event dead-lettered"', count=parked_before + 2, timeout=60)
        events = dict(events_of(marketplace, "orders", order["id"]))
        placed, awaiting = events["order.placed"], events["order.awaiting_payment"]
        parked = {placed: ("handler-failed", MAX_ATTEMPTS), awaiting: ("handler-failed", MAX_ATTEMPTS)}
        wait_until(lambda: {letter["event_id"]: (letter["reason"], letter["attempts"])
                            for letter in dead_letters(marketplace)} == parked, timeout=10)
        failures = re.findall(rf'"message": "event handler failed".*"event_id": "{placed}"', worker.log())
        assert len(failures) == MAX_ATTEMPTS
        assert payable(marketplace, order["id"]) == []

    assert replay(marketplace, placed) == "replayed 1 event(s)"  # the fix is in: applied
    wait_until(lambda: payable(marketplace, order["id"]) == [("placed", 1)], timeout=30)
    assert replay(marketplace, awaiting) == "replayed 1 event(s)"
    wait_until(lambda: payable(marketplace, order["id"]) == [("awaiting_payment", 1)], timeout=30)

    assert dead_letters(marketplace) == []
    assert sorted(marketplace.rows("payments", select(inbox.c.event_id).where(
        inbox.c.event_id.in_([placed, awaiting])))) == sorted([(placed,), (awaiting,)])
