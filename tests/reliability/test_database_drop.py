"""PostgreSQL connections dropped under running services, which heal without a restart.

The services reach PostgreSQL through a fault proxy. Their pooled connections are killed by the
server (``pg_terminate_backend``), or the server is unreachable for a few seconds (the proxy cut);
afterwards the same processes answer every request and their workers carry an order through the
saga again.
"""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from payments.models import PayableOrder

from .marketplace import SERVICES, wait_until

pytestmark = pytest.mark.slow

OUTAGE_SECONDS = 5


@pytest.fixture(scope="module")
def marketplace_settings() -> dict:
    return {"proxy_database": True}


@pytest.fixture(scope="module")
def offer(marketplace) -> dict:
    world = marketplace.world
    return world.offer(world.approved_product()["id"], quantity=100, sku="DROP-1")


def pids(marketplace) -> dict[tuple[str, str], int]:
    return {name: process.process.pid for name, process in marketplace.processes.items()
            if process.process.poll() is None}


def order_through_the_saga(marketplace, offer: dict) -> None:
    """An order placed, read back and carried to awaiting_payment: every web and worker used its database."""
    customer = marketplace.customer()
    status, order = marketplace.place(customer, {offer["id"]: 1})
    assert status == 201, order
    status, read = marketplace.call("GET", f"/api/v1/orders/{order['id']}", customer)
    assert (status, read["id"]) == (200, order["id"]), read

    def awaiting_payment() -> bool:
        """the order awaiting payment, as orders and payments know it"""
        status = marketplace.call("GET", f"/api/v1/orders/{order['id']}", customer)[1]["status"]
        return (status, marketplace.rows("payments", select(PayableOrder.status).where(
            PayableOrder.order_id == order["id"]))) == ("awaiting_payment", [("awaiting_payment",)])
    wait_until(awaiting_payment, timeout=30)


def test_services_whose_connections_the_server_killed_answer_the_next_requests(marketplace, offer):
    order_through_the_saga(marketplace, offer)  # every pool holds connections
    running, connections = pids(marketplace), marketplace.database.accepted

    killed = {service: len(marketplace.terminate_sessions(service)) for service in SERVICES}

    assert all(killed.values()), killed
    order_through_the_saga(marketplace, offer)  # the pools replaced the dead connections
    assert marketplace.database.accepted > connections
    assert pids(marketplace) == running


def test_services_answer_again_once_the_database_is_back(marketplace, offer):
    customer = marketplace.customer()
    running = pids(marketplace)
    with marketplace.database.outage():
        started = time.monotonic()
        status, problem = marketplace.call("GET", "/api/v1/orders", customer)
        readiness = marketplace.call("GET", "/readyz", {})[0]
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - started)))

    assert (status, problem["type"], readiness) == (503, "urn:marketplace:problem:service-unavailable", 503)
    order_through_the_saga(marketplace, offer)
    assert pids(marketplace) == running
