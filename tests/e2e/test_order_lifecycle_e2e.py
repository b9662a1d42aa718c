"""An order's whole life across real processes, placed, paid and fulfilled over HTTP.

Catalog, orders and payments each run as gunicorn web + worker on the test backend (one database
each, one broker namespace); orders prices the cart by calling catalog's quote with its own
client_credentials token, from a token endpoint standing in for identity's (tokens signed by the
test issuer, whose JWKS every service fetches). Payments learns each order from orders' events, the
customer pays it over HTTP with a sandbox method, and payments captures, voids and credits on the
vendor's moves. The orders worker looks for due deadlines every half second
(``ORDERS_*_SWEEP_SECONDS``) and the return window is 0 days, so a delivered order completes at once.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import update

from catalog.app import definition as catalog_definition
from catalog.models import Offer
from catalog.testing import VENDOR_A, VENDOR_B, CatalogWorld
from chassis.testing.apps import settings_for, start_app
from chassis.testing.backends import Backend, backend_name
from chassis.testing.processes import ServiceProcess, service_env
from chassis.testing.stack import eventually, free_port
from chassis.testing.token_endpoint import TokenEndpoint
from orders.app import definition as orders_definition
from orders.models import Order
from payments.app import definition as payments_definition

pytestmark = pytest.mark.slow

CLIENT_ID, CLIENT_SECRET = "orders-service", "orders-secret"
ADDRESS = {"name": "Ada Lovelace", "line1": "1 Rue de la Paix", "postal_code": "75002", "city": "Paris",
           "country": "FR", "phone": "+33 1 23 45 67 89"}
SWEEP_SECONDS = "0.5"


class Marketplace:
    """catalog, orders and payments, web and worker each, on one backend; callers are tokens of the test issuer."""

    def __init__(self, workdir, token_issuer, jwks_url: str) -> None:
        self.workdir, self.issuer = workdir, token_issuer
        self.backend = Backend(backend_name(), workdir)
        self.tokens = TokenEndpoint(token_issuer, CLIENT_ID, CLIENT_SECRET)
        self.processes: list[ServiceProcess] = []
        self.urls = {service: f"http://127.0.0.1:{free_port()}" for service in ("catalog", "orders", "payments")}
        orders_settings = dict(catalog_url=self.urls["catalog"], token_url=self.tokens.url, client_id=CLIENT_ID,
                               client_secret=CLIENT_SECRET)
        # One after the other: alembic's migration context is global to the process.
        self.catalog, self.orders, self.payments = (
            start_app(definition, settings_for(definition, self.backend, jwks_url, **overrides))
            for definition, overrides in ((catalog_definition(), {}), (orders_definition(), orders_settings),
                                          (payments_definition(), {})))

    def start(self) -> None:
        orders_env = {"ORDERS_CATALOG_URL": self.urls["catalog"], "ORDERS_TOKEN_URL": self.tokens.url,
                      "ORDERS_CLIENT_ID": CLIENT_ID, "ORDERS_CLIENT_SECRET": CLIENT_SECRET,
                      "ORDERS_UNPAID_SWEEP_SECONDS": SWEEP_SECONDS, "ORDERS_DEADLINE_SWEEP_SECONDS": SWEEP_SECONDS}
        webs = {}
        for service, app, env in (("catalog", self.catalog, {}), ("orders", self.orders, orders_env),
                                  ("payments", self.payments, {})):
            settings, url = app.extensions["chassis.runtime"].settings, self.urls[service]
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
        for app in (self.catalog, self.orders, self.payments):
            app.extensions["chassis.runtime"].dispose()
        self.backend.cleanup()

    def bearer(self, **claims) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(**claims)}"}

    def call(self, method: str, path: str, headers: dict[str, str], body: dict | None = None,
             service: str = "orders") -> tuple[int, dict]:
        """An HTTP request to a service's web process (orders unless told); (status, JSON body)."""
        request = urllib.request.Request(self.urls[service] + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

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


@pytest.fixture
def vendor_b(marketplace):
    """An owner of the vendor selling in the payment tests (so vendor A's balance holds only the lifecycle's
    credit): owners and managers issue goodwill refunds."""
    return marketplace.bearer(subject="staff-b", roles=["vendor"], vendor_id=VENDOR_B, vendor_role="owner")


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


def pay(marketplace, customer, order_id: str, method: str, timeout: float = 30.0) -> tuple[int, dict]:
    """The customer's payment of the order over HTTP, once payments has learned it is awaiting payment.

    Until then payments answers 404 (``order.placed`` not handled yet) or 409 ``order-not-payable``;
    each attempt takes a new Idempotency-Key (a key replays its first answer, refusals included).
    The answer that counts is sent twice with its key: the retry answers the same.
    """
    deadline = time.monotonic() + timeout
    while True:
        headers = {**customer, "Idempotency-Key": str(uuid.uuid4())}
        body = {"order_id": order_id, "payment_method": method}
        status, answer = marketplace.call("POST", "/api/v1/payments", headers, body, service="payments")
        learning = status == 404 or (status == 409 and answer.get("type", "").endswith("order-not-payable"))
        if not learning or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert marketplace.call("POST", "/api/v1/payments", headers, body, service="payments") == (status, answer)
    return status, answer


def payment_when(marketplace, customer, payment_id: str, charge_statuses: list[str]) -> dict:
    """The payment as its customer reads it, once its charges are ``charge_statuses``."""
    def read():
        return marketplace.call("GET", f"/api/v1/payments/{payment_id}", customer, service="payments")[1]
    eventually(lambda: [charge["status"] for charge in read()["charges"]], charge_statuses)
    return read()


def balances(marketplace, vendor_headers, vendor_id: str) -> dict:
    status, body = marketplace.call("GET", f"/api/v1/balances/{vendor_id}", vendor_headers, service="payments")
    assert status == 200, body
    return body


def commission(marketplace, vendor_order: dict) -> int:
    """The default rate of each line's items (shipping bears none), rounded half to even per line."""
    rate_bps = marketplace.call("GET", "/api/v1/payments/settings", marketplace.bearer(
        subject="op-1", roles=["operator"]), service="payments")[1]["default_commission_rate_bps"]
    return sum(round(Fraction(line["unit_price_minor"] * line["quantity"] * rate_bps, 10_000))
               for line in vendor_order["lines"])


def statuses(timeline: list[dict], vendor_order_id: str | None) -> list[str]:
    return [entry["to_status"] for entry in timeline if entry["vendor_order_id"] == vendor_order_id]


def test_an_order_placed_over_http_is_paid_fulfilled_completed_and_its_vendor_credited(
        marketplace, world, customer, vendor):
    product = world.approved_product()
    shoes = world.offer(product["id"], quantity=5, sku="SHOE-1", price_minor=4999, shipping_minor=500)
    laces = world.offer(product["id"], quantity=4, sku="LACE-1", price_minor=299, shipping_minor=0)

    order = place(marketplace, customer, {shoes["id"]: 3, laces["id"]: 1})
    assert (order["items_total_minor"], order["shipping_minor"], order["total_minor"]) == (15296, 500, 15796)
    order_when(marketplace, customer, order["id"], "awaiting_payment")
    assert [marketplace.stock(shoes["id"]), marketplace.stock(laces["id"])] == [(2, 3), (3, 1)]

    status, payment = pay(marketplace, customer, order["id"], "pm_card_visa")
    [vendor_order] = order["vendor_orders"]
    assert (status, payment["status"], payment["amount_minor"], payment["currency"], payment["card_last4"]) == (
        201, "authorized", 15796, "EUR", "4242"), payment
    assert [(charge["vendor_order_id"], charge["status"], charge["amount_minor"]) for charge in payment["charges"]] \
        == [(vendor_order["id"], "authorized", 15796)]
    [vendor_order] = order_when(marketplace, customer, order["id"], "processing")["vendor_orders"]
    assert vendor_order["status"] == "awaiting_acceptance"

    path = f"/api/v1/vendor-orders/{vendor_order['id']}"
    status, accepted = marketplace.call("POST", f"{path}/accept", vendor)
    assert (status, accepted["status"]) == (200, "accepted"), accepted
    assert eventually(lambda: marketplace.call("GET", path, vendor)[1]["captured_at"] is not None, True)
    captured = marketplace.call("GET", f"/api/v1/payments/{payment['id']}", customer, service="payments")[1]
    assert (captured["status"], captured["captured_minor"], [charge["status"] for charge in captured["charges"]]) == (
        "settled", 15796, ["captured"])

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

    net = vendor_order["total_minor"] - commission(marketplace, vendor_order)  # 15796 - (2250 + 45)
    credited = {"vendor_id": VENDOR_A, "balances": [{"currency": "EUR", "pending_minor": 0, "available_minor": net}]}
    assert eventually(lambda: balances(marketplace, vendor, VENDOR_A), credited) == credited


def test_a_declined_card_leaves_the_order_awaiting_payment_and_another_card_pays_it(marketplace, world, customer):
    offer = world.offer(world.approved_product()["id"], world.vendor_b, quantity=3, sku="DECLINED-1")
    order = place(marketplace, customer, {offer["id"]: 1})
    order_when(marketplace, customer, order["id"], "awaiting_payment")

    status, declined = pay(marketplace, customer, order["id"], "pm_card_chargeDeclined")
    assert (status, declined["failure_code"], declined["payment"]["status"]) == (402, "card_declined", "failed")
    status, paid = pay(marketplace, customer, order["id"], "pm_card_visa")
    assert (status, paid["status"], paid["amount_minor"]) == (201, "authorized", order["total_minor"]), paid

    processing = order_when(marketplace, customer, order["id"], "processing")
    assert statuses(processing["timeline"], None) == ["pending", "awaiting_payment", "processing"]
    assert [part["status"] for part in processing["vendor_orders"]] == ["awaiting_acceptance"]
    status, listed = marketplace.call("GET", f"/api/v1/payments?order_id={order['id']}", customer, service="payments")
    assert (status, [(row["id"], row["status"]) for row in listed]) == (
        200, [(paid["id"], "authorized"), (declined["payment"]["id"], "failed")])
    assert marketplace.stock(offer["id"]) == (2, 1)


def test_a_vendor_refusing_a_paid_order_voids_its_part_and_releases_the_stock(
        marketplace, world, customer, vendor_b):
    offer = world.offer(world.approved_product()["id"], world.vendor_b, quantity=3, sku="REFUSED-1")
    order = place(marketplace, customer, {offer["id"]: 2})
    order_when(marketplace, customer, order["id"], "awaiting_payment")
    status, payment = pay(marketplace, customer, order["id"], "pm_card_visa")
    assert (status, payment["status"]) == (201, "authorized"), payment
    [vendor_order] = order_when(marketplace, customer, order["id"], "processing")["vendor_orders"]

    status, refused = marketplace.call("POST", f"/api/v1/vendor-orders/{vendor_order['id']}/refuse", vendor_b,
                                       {"reason": "out of stock"})
    assert (status, refused["status"]) == (200, "refused"), refused

    voided = payment_when(marketplace, customer, payment["id"], ["voided"])
    assert (voided["status"], voided["voided_minor"], voided["captured_minor"]) == ("settled", order["total_minor"], 0)
    cancelled = order_when(marketplace, customer, order["id"], "cancelled")
    assert [part["status"] for part in cancelled["vendor_orders"]] == ["refused"]
    assert eventually(lambda: marketplace.stock(offer["id"]), (3, 0)) == (3, 0)


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


def test_a_goodwill_refund_a_vendor_issues_after_capture_is_refunded_by_payments(
        marketplace, world, customer, vendor_b):
    offer = world.offer(world.approved_product()["id"], world.vendor_b, quantity=2, sku="GOODWILL-1",
                        price_minor=3000, shipping_minor=0)
    order = place(marketplace, customer, {offer["id"]: 1})
    order_when(marketplace, customer, order["id"], "awaiting_payment")
    status, payment = pay(marketplace, customer, order["id"], "pm_card_visa")
    assert (status, payment["status"]) == (201, "authorized"), payment
    [vendor_order] = order_when(marketplace, customer, order["id"], "processing")["vendor_orders"]
    path = f"/api/v1/vendor-orders/{vendor_order['id']}"
    assert marketplace.call("POST", f"{path}/accept", vendor_b)[0] == 200
    assert eventually(lambda: marketplace.call("GET", path, vendor_b)[1]["captured_at"] is not None, True)

    headers = {**vendor_b, "Idempotency-Key": str(uuid.uuid4())}
    status, asked = marketplace.call("POST", f"{path}/refunds", headers, {"amount_minor": 1000, "reason": "late"})
    assert (status, asked["cause"], asked["status"]) == (201, "goodwill", "requested"), asked
    assert marketplace.call("POST", f"{path}/refunds", {**vendor_b, "Idempotency-Key": str(uuid.uuid4())},
                            {"amount_minor": 2001, "reason": "too much"})[0] == 409  # 2 000 left

    def refunds():
        detail = marketplace.call("GET", path, vendor_b)[1]
        return [(row["status"], row["refunded_minor"]) for row in detail["refunds"]], detail["refunded_minor"]
    assert eventually(refunds, ([("refunded", 1000)], 1000)) == ([("refunded", 1000)], 1000)
    status, refunded = marketplace.call("GET", f"/api/v1/refunds?order_id={order['id']}", vendor_b,
                                        service="payments")
    assert (status, [(row["amount_minor"], row["status"]) for row in refunded]) == (200, [(1000, "refunded")])
