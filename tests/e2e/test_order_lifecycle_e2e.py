"""An order's whole life across real processes, placed and fulfilled over HTTP.

Catalog and orders each run as gunicorn web + worker on the test backend; orders prices the cart
by calling catalog's quote with its own client_credentials token, from a token endpoint standing
in for identity's (tokens signed by the test issuer, whose JWKS both services fetch). Payments is
not built yet: its facts go out through orders' own outbox and relay (same broker, same envelopes),
as in ``test_order_saga_e2e``. The orders worker looks for due deadlines every half second
(``ORDERS_*_SWEEP_SECONDS``) and the return window is 0 days, so a delivered order completes at once.
"""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import update

from catalog.app import definition as catalog_definition
from catalog.models import Offer
from catalog.testing import VENDOR_A, CatalogWorld
from chassis.testing.apps import settings_for, start_app
from chassis.testing.backends import Backend, backend_name
from chassis.testing.processes import ServiceProcess, service_env
from chassis.testing.token_endpoint import TokenEndpoint
from orders.app import definition as orders_definition
from orders.models import Order

pytestmark = pytest.mark.slow

CLIENT_ID, CLIENT_SECRET = "orders-service", "orders-secret"
ADDRESS = {"name": "Ada Lovelace", "line1": "1 Rue de la Paix", "postal_code": "75002", "city": "Paris",
           "country": "FR", "phone": "+33 1 23 45 67 89"}
SWEEP_SECONDS = "0.5"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def eventually(read, expected, timeout: float = 30.0):
    """What ``read()`` returns once it equals ``expected``, or at the deadline (for the assertion to show)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value == expected or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


class Marketplace:
    """catalog and orders, web and worker each, on one backend; callers are tokens of the test issuer."""

    def __init__(self, workdir, token_issuer, jwks_url: str) -> None:
        self.workdir, self.issuer = workdir, token_issuer
        self.backend = Backend(backend_name(), workdir)
        self.tokens = TokenEndpoint(token_issuer, CLIENT_ID, CLIENT_SECRET)
        self.processes: list[ServiceProcess] = []
        self.catalog_url, self.orders_url = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
        self.catalog = start_app(catalog_definition(), settings_for(catalog_definition(), self.backend, jwks_url))
        self.orders = start_app(orders_definition(), settings_for(
            orders_definition(), self.backend, jwks_url, catalog_url=self.catalog_url, token_url=self.tokens.url,
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET))

    def start(self) -> None:
        orders_env = {"ORDERS_CATALOG_URL": self.catalog_url, "ORDERS_TOKEN_URL": self.tokens.url,
                      "ORDERS_CLIENT_ID": CLIENT_ID, "ORDERS_CLIENT_SECRET": CLIENT_SECRET,
                      "ORDERS_UNPAID_SWEEP_SECONDS": SWEEP_SECONDS, "ORDERS_DEADLINE_SWEEP_SECONDS": SWEEP_SECONDS}
        webs = {}
        for service, app, url, env in (("catalog", self.catalog, self.catalog_url, {}),
                                       ("orders", self.orders, self.orders_url, orders_env)):
            settings = app.extensions["chassis.runtime"].settings
            webs[url] = self._start(service, ["web", "--bind", url[len("http://"):], "--workers", "1"], settings, env)
            self._start(service, ["worker"], settings, env)
        for url, web in webs.items():
            self._wait_ready(url, web)

    def _start(self, service: str, args: list[str], settings, env: dict[str, str]) -> ServiceProcess:
        metrics = self.workdir / "metrics" / service
        metrics.mkdir(parents=True, exist_ok=True)
        extra = {"MARKETPLACE_VAR_DIR": str(self.workdir / "var"), "PROMETHEUS_MULTIPROC_DIR": str(metrics),
                 "PYTHONUNBUFFERED": "1", **env}
        process = ServiceProcess.command(service, *args, env=service_env(settings, extra),
                                         log_path=self.workdir / f"{service}-{args[0]}.log")
        self.processes.append(process.start())
        return process

    @staticmethod
    def _wait_ready(url: str, process: ServiceProcess, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/livez", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"{url} never answered:\n{process.log()[-3000:]}")

    def stop(self) -> None:
        with ThreadPoolExecutor(len(self.processes) or 1) as pool:  # each waits for its own graceful exit
            list(pool.map(ServiceProcess.stop, self.processes))
        self.tokens.close()
        for app in (self.catalog, self.orders):
            app.extensions["chassis.runtime"].dispose()
        self.backend.cleanup()

    def bearer(self, **claims) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(**claims)}"}

    def call(self, method: str, path: str, headers: dict[str, str], body: dict | None = None) -> tuple[int, dict]:
        """An HTTP request to the orders web process; (status, JSON body)."""
        request = urllib.request.Request(self.orders_url + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def publish(self, event_type: str, data: dict) -> None:
        """A fact published through orders' outbox (the orders worker relays it)."""
        with self.orders.extensions["chassis.runtime"].uow() as uow:
            uow.publish(event_type, data)
            uow.commit()

    def stock(self, offer_id: str) -> tuple[int, int]:
        """(available, reserved) of a catalog offer."""
        with self.catalog.extensions["chassis.runtime"].database.sessions() as session:
            offer = session.get(Offer, offer_id)
            return offer.available, offer.reserved


@pytest.fixture(scope="module")
def marketplace(tmp_path_factory, token_issuer, jwks_url):
    running = Marketplace(tmp_path_factory.mktemp("order-lifecycle"), token_issuer, jwks_url)
    try:
        running.start()
        status, body = running.call("PATCH", "/api/v1/orders/settings",
                                    running.bearer(subject="op-1", roles=["operator", "admin"]),
                                    {"return_window_days": 0})
        assert status == 200, body
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def world(marketplace):
    return CatalogWorld(marketplace.catalog, marketplace.bearer)


@pytest.fixture
def customer(marketplace):
    return marketplace.bearer(subject="customer-1", roles=["customer"])


@pytest.fixture
def vendor(marketplace):
    return marketplace.bearer(subject="staff-a", roles=["vendor"], vendor_id=VENDOR_A)


def place(marketplace, customer, lines: dict[str, int]) -> dict:
    """The customer's order of ``offer id -> quantity`` over HTTP, sent twice with one Idempotency-Key."""
    headers = {**customer, "Idempotency-Key": str(uuid.uuid4())}
    body = {"lines": [{"offer_id": offer_id, "quantity": quantity} for offer_id, quantity in lines.items()],
            "shipping_address": ADDRESS}
    status, order = marketplace.call("POST", "/api/v1/orders", headers, body)
    assert (status, order.get("status")) == (201, "pending"), order
    assert marketplace.call("POST", "/api/v1/orders", headers, body) == (201, order)  # a retry: the same answer
    return order


def order_when(marketplace, customer, order_id: str, status: str, timeout: float = 30.0) -> dict:
    """The order as its customer reads it, once it is ``status``."""
    def read():
        return marketplace.call("GET", f"/api/v1/orders/{order_id}", customer)[1]
    eventually(lambda: read()["status"], status, timeout)
    order = read()
    assert order["status"] == status, order
    return order


def statuses(timeline: list[dict], vendor_order_id: str | None) -> list[str]:
    return [entry["to_status"] for entry in timeline if entry["vendor_order_id"] == vendor_order_id]


def test_an_order_placed_over_http_is_paid_fulfilled_and_completed_once_the_return_window_ends(
        marketplace, world, customer, vendor):
    product = world.approved_product()
    shoes = world.offer(product["id"], quantity=5, sku="SHOE-1", price_minor=4999, shipping_minor=500)
    laces = world.offer(product["id"], quantity=4, sku="LACE-1", price_minor=299, shipping_minor=0)

    order = place(marketplace, customer, {shoes["id"]: 3, laces["id"]: 1})
    assert (order["items_total_minor"], order["shipping_minor"], order["total_minor"]) == (15296, 500, 15796)
    order_when(marketplace, customer, order["id"], "awaiting_payment")
    assert [marketplace.stock(shoes["id"]), marketplace.stock(laces["id"])] == [(2, 3), (3, 1)]

    marketplace.publish("payment.authorized", {"payment_id": "pay-1", "order_id": order["id"],
                                               "amount_minor": order["total_minor"], "currency": "EUR"})
    [vendor_order] = order_when(marketplace, customer, order["id"], "processing")["vendor_orders"]
    assert vendor_order["status"] == "awaiting_acceptance"
    path = f"/api/v1/vendor-orders/{vendor_order['id']}"
    status, accepted = marketplace.call("POST", f"{path}/accept", vendor)
    assert (status, accepted["status"]) == (200, "accepted"), accepted

    marketplace.publish("payment.captured", {"payment_id": "pay-1", "order_id": order["id"],
                                             "vendor_order_id": vendor_order["id"], "vendor_id": VENDOR_A,
                                             "amount_minor": vendor_order["total_minor"], "currency": "EUR"})
    assert eventually(lambda: marketplace.call("GET", path, vendor)[1]["captured_at"] is not None, True)
    shoe_line, lace_line = (line["id"] for line in vendor_order["lines"])
    for lines, expected in (({shoe_line: 2}, "partially_shipped"), ({shoe_line: 1, lace_line: 1}, "shipped")):
        status, shipped = marketplace.call("POST", f"{path}/shipments", vendor, {
            "carrier": "colissimo", "tracking_number": f"6A{len(lines)}", "lines": [
                {"line_id": line_id, "quantity": quantity} for line_id, quantity in lines.items()]})
        assert (status, shipped["status"]) == (200, expected), shipped
    status, delivered = marketplace.call("POST", f"{path}/deliver", vendor)
    assert (status, delivered["status"]) == (200, "delivered"), delivered

    completed = order_when(marketplace, customer, order["id"], "completed")
    assert [part["status"] for part in completed["vendor_orders"]] == ["completed"]
    assert statuses(completed["timeline"], None) == ["pending", "awaiting_payment", "processing", "completed"]
    assert statuses(completed["timeline"], vendor_order["id"]) == [  # its creation, pending, is the order's entry
        "awaiting_acceptance", "accepted", "partially_shipped", "shipped", "delivered", "completed"]
    assert eventually(lambda: [marketplace.stock(shoes["id"]), marketplace.stock(laces["id"])],
                      [(2, 0), (3, 0)]) == [(2, 0), (3, 0)]  # sold: on hand 5 -> 2 and 4 -> 3


def test_an_order_left_unpaid_is_cancelled_by_the_worker_and_its_stock_released(marketplace, world, customer):
    offer = world.offer(world.approved_product()["id"], quantity=2, sku="UNPAID-1")
    order = place(marketplace, customer, {offer["id"]: 2})
    order_when(marketplace, customer, order["id"], "awaiting_payment")
    assert marketplace.stock(offer["id"]) == (0, 2)

    # The payment timeout is counted in minutes (30 by default, 1 at least): rather than wait that long,
    # the order's wait for payment is moved back past it, as if the timeout had passed.
    timeout = marketplace.call("GET", "/api/v1/orders/settings", marketplace.bearer(
        subject="op-1", roles=["operator"]))[1]["payment_timeout_minutes"]
    with marketplace.orders.extensions["chassis.runtime"].uow() as uow:
        waiting_since = uow.session.get(Order, order["id"]).updated_at
        uow.session.execute(update(Order).where(Order.id == order["id"]).values(
            updated_at=waiting_since - timedelta(minutes=timeout, seconds=1)))
        uow.commit()

    cancelled = order_when(marketplace, customer, order["id"], "cancelled")
    assert (cancelled["status_reason"], [part["status"] for part in cancelled["vendor_orders"]]) == (
        "payment_timeout", ["cancelled"])
    assert statuses(cancelled["timeline"], None) == ["pending", "awaiting_payment", "cancelled"]
    assert eventually(lambda: marketplace.stock(offer["id"]), (2, 0)) == (2, 0)
