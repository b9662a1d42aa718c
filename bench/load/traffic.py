"""The storefront, checkout and vendor traffic: virtual users, each running one action after another.

An action is drawn by weight (browse 10 : search 5 : view 5 : order+pay 1 : vendor 1):

- browse: a page of the storefront listing (``GET /api/v1/products``, a sort, pages 1-5);
- search: two words of the catalog's vocabulary (``?q=``);
- view: a product page (``GET /api/v1/products/<id>``);
- order+pay: ``POST /api/v1/orders`` (1-3 of the demo vendors' offers, an ``Idempotency-Key``), then,
  as a checkout page does, ``POST /api/v1/payments`` with ``pm_card_visa`` once payments knows the
  order: 404 / 409 ``order-not-payable`` mean "not yet" (counted apart, not errors) and the payment
  is tried again 100 ms later;
- vendor: a demo vendor's integration lists its vendor orders awaiting acceptance and accepts one
  (409 when another user accepted it first: expected).

Answers are recorded per route (latency, status) only for actions started in the measured window.
"""
from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from catalog_seed import ADJECTIVES, NOUNS
from http_client import HttpClient, Reply, TransportError
from world import World

WEIGHTS = {"browse": 10, "search": 5, "view": 5, "order_pay": 1, "vendor": 1}
SORTS = ("newest", "price_asc", "price_desc", "relevance")
ADDRESS = {"name": "Load Customer", "line1": "1 Rue de la Paix", "postal_code": "75002", "city": "Paris",
           "country": "FR", "phone": "+33 1 23 45 67 89"}
FIRST_PAYMENT_AFTER, PAYMENT_RETRY_EVERY, PAYMENT_PATIENCE = 0.2, 0.1, 30.0
# Per route, the statuses a correct marketplace answers; anything else (or no answer) is an error.
EXPECTED = {"browse": {200}, "search": {200}, "view": {200}, "place_order": {201}, "pay": {201},
            "vendor_list": {200}, "vendor_accept": {200, 409}}


@dataclass
class Recorder:
    """Latencies and statuses per route of the actions started while ``measuring``."""

    measuring: bool = False
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    actions: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    placed_orders: list[str] = field(default_factory=list)
    payment_not_yet: int = 0
    error_samples: list[str] = field(default_factory=list)

    def record(self, route: str, seconds: float, status: int | str, counted: bool, detail: str = "") -> None:
        if not counted:
            return
        self.latencies[route].append(seconds)
        self.statuses[route][str(status)] += 1
        if status not in EXPECTED[route] and len(self.error_samples) < 20:
            self.error_samples.append(f"{route} {status} {detail}"[:300])


class Traffic:
    """``users`` virtual users against the gateway; ``rate`` (actions/s, all users together) paces them if set."""

    def __init__(self, gateway_url: str, world: World, users: int, rate: float | None,
                 weights: dict[str, int] | None = None, seed: int = 7) -> None:
        self.http, self.world, self.users, self.rate = HttpClient(gateway_url), world, users, rate
        self.weights = {action: weight for action, weight in (weights or WEIGHTS).items() if weight}
        self.recorder, self.stopping, self.chance = Recorder(), False, random.Random(seed)
        self.next_slot = 0.0

    async def run_until_stopped(self) -> None:
        self.next_slot = time.monotonic()
        await asyncio.gather(*(self._user(n) for n in range(self.users)))

    async def _user(self, n: int) -> None:
        customer = self.world.customer_tokens[n % len(self.world.customer_tokens)]
        actions, weights = list(self.weights), list(self.weights.values())
        while not self.stopping:
            await self._paced()
            if self.stopping:
                return
            action = self.chance.choices(actions, weights)[0]
            counted = self.recorder.measuring
            if counted:
                self.recorder.actions[action] += 1
            await getattr(self, f"_{action}")(customer, counted)

    async def _paced(self) -> None:
        if not self.rate:
            return
        slot, self.next_slot = self.next_slot, max(self.next_slot, time.monotonic() - 1.0) + 1.0 / self.rate
        if (wait := slot - time.monotonic()) > 0:
            await asyncio.sleep(wait)

    async def _call(self, route: str, counted: bool, method: str, path: str, body=None,
                    token: str | None = None, headers: dict[str, str] | None = None) -> Reply | None:
        headers = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
        started = time.monotonic()
        try:
            reply = await self.http.request(method, path, body, headers)
        except TransportError as error:
            self.recorder.record(route, time.monotonic() - started, "transport", counted, str(error))
            return None
        self.recorder.record(route, time.monotonic() - started, reply.status, counted, str(reply.body))
        return reply

    async def _browse(self, customer: str, counted: bool) -> None:
        page, sort = self.chance.randint(1, 5), self.chance.choice(SORTS)
        await self._call("browse", counted, "GET", f"/api/v1/products?page={page}&page_size=20&sort={sort}")

    async def _search(self, customer: str, counted: bool) -> None:
        words = f"{self.chance.choice(ADJECTIVES)}+{self.chance.choice(NOUNS)}"
        await self._call("search", counted, "GET", f"/api/v1/products?q={words}&page_size=20")

    async def _view(self, customer: str, counted: bool) -> None:
        await self._call("view", counted, "GET", f"/api/v1/products/{self.chance.choice(self.world.products)}")

    async def _order_pay(self, customer: str, counted: bool) -> None:
        offers = self.chance.sample(self.world.offers, self.chance.randint(1, 3))
        placed = await self._call("place_order", counted, "POST", "/api/v1/orders", {
            "lines": [{"offer_id": offer, "quantity": 1} for offer in offers], "shipping_address": ADDRESS},
            customer, {"Idempotency-Key": str(uuid.uuid4())})
        if placed is None or placed.status != 201:
            return
        if counted:
            self.recorder.placed_orders.append(placed.body["id"])
        await self._pay(customer, placed.body["id"], counted)

    async def _pay(self, customer: str, order_id: str, counted: bool) -> None:
        await asyncio.sleep(FIRST_PAYMENT_AFTER)
        deadline = time.monotonic() + PAYMENT_PATIENCE
        while True:
            started = time.monotonic()
            try:
                reply = await self.http.request("POST", "/api/v1/payments", {
                    "order_id": order_id, "payment_method": "pm_card_visa"}, {
                    "Authorization": f"Bearer {customer}", "Idempotency-Key": str(uuid.uuid4())})
            except TransportError as error:
                self.recorder.record("pay", time.monotonic() - started, "transport", counted, str(error))
                return
            if not _not_payable_yet(reply) or time.monotonic() > deadline:
                self.recorder.record("pay", time.monotonic() - started, reply.status, counted, str(reply.body))
                return
            if counted:
                self.recorder.payment_not_yet += 1
            await asyncio.sleep(PAYMENT_RETRY_EVERY)

    async def _vendor(self, customer: str, counted: bool) -> None:
        token = self.chance.choice(list(self.world.vendor_tokens.values()))
        listed = await self._call("vendor_list", counted, "GET",
                                  "/api/v1/vendor-orders?status=awaiting_acceptance&page_size=20", token=token)
        if listed is None or listed.status != 200 or not listed.body:
            return
        chosen = self.chance.choice(listed.body)
        await self._call("vendor_accept", counted, "POST", f"/api/v1/vendor-orders/{chosen['id']}/accept",
                         token=token)


def _not_payable_yet(reply: Reply) -> bool:
    """Payments has not learned yet that the order awaits payment (README: Payments, Pay)."""
    problem_type = (reply.body or {}).get("type", "") if isinstance(reply.body, dict) else ""
    return reply.status == 404 or (reply.status == 409 and problem_type.endswith("order-not-payable"))
