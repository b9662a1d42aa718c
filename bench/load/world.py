"""What the load run needs before it starts, made through the marketplace's own APIs and sign-in.

- Products of the two demo vendors (``identity seed-demo``), each with one offer of plentiful stock:
  the vendor (its API client, client_credentials) creates and submits it, the demo operator approves
  it. Orders draw their lines from these offers, so the vendor orders belong to vendors the run can
  act as.
- Optionally a storefront-sized catalog around them (``catalog_seed.py``, set-based SQL into catalog's
  database, other vendors): what browse and search read through.
- Customers who sign up (``POST /api/v1/users``) and sign in once through identity's login form
  (authorization code + PKCE), as the storefront does; their access tokens are kept for the run.
"""
from __future__ import annotations

import random
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from catalog_seed import ADJECTIVES, BRANDS, NOUNS, CatalogSize, seed
from chassis.testing.stack import ApiClient
from load_stack import LoadStack

PLENTIFUL_STOCK = 1_000_000


@dataclass
class World:
    offers: list[str] = field(default_factory=list)          # the demo vendors' offers, for carts
    products: list[str] = field(default_factory=list)        # products to view (demo vendors' and seeded)
    customer_tokens: list[str] = field(default_factory=list)
    vendor_tokens: dict[str, str] = field(default_factory=dict)  # vendor id -> token of its API client
    seconds: dict[str, float] = field(default_factory=dict)
    bulk_catalog: dict = field(default_factory=dict)


def build_world(stack: LoadStack, products: int, customers: int, bulk_products: int) -> World:
    world = World()
    operator = stack.operator_api()
    vendors = {seeded["vendor_id"]: stack.api(stack.client_credentials_token(**seeded["client"]))
               for seeded in stack.credentials["vendors"]}
    world.vendor_tokens = {vendor_id: api.token for vendor_id, api in vendors.items()}
    _timed(world, "demo_vendor_products", lambda: _list_products(world, operator, list(vendors.values()), products))
    if bulk_products:
        _timed(world, "bulk_catalog", lambda: _bulk_catalog(world, stack, bulk_products))
    _timed(world, "customers", lambda: _sign_up_customers(world, stack, customers))
    return world


def _timed(world: World, step: str, action) -> None:
    started = time.monotonic()
    action()
    world.seconds[step] = round(time.monotonic() - started, 1)
    print(f"  seeded {step} in {world.seconds[step]:.1f}s", flush=True)


def _list_products(world: World, operator: ApiClient, vendors: list[ApiClient], count: int) -> None:
    with ThreadPoolExecutor(4) as pool:
        listed = list(pool.map(lambda n: _list_product(operator, vendors[n % len(vendors)], n), range(count)))
    world.products += [product_id for product_id, _ in listed]
    world.offers += [offer_id for _, offer_id in listed]


def _list_product(operator: ApiClient, vendor: ApiClient, n: int) -> tuple[str, str]:
    """A product with one offer, submitted by its vendor and approved by the operator: (product id, offer id)."""
    chance = random.Random(n)
    title = f"{chance.choice(ADJECTIVES).title()} {chance.choice(NOUNS)} {n}"
    product = _ok(vendor.call("POST", "/api/v1/products", {
        "title": title, "description": f"A **{title}**.", "brand": chance.choice(BRANDS)}), 201)
    offer = _ok(vendor.call("POST", "/api/v1/offers", {
        "product_id": product["id"], "sku": f"LOAD-{n}", "price_minor": chance.randint(500, 20_000),
        "currency": "EUR", "shipping_minor": chance.choice((0, 299, 499)), "quantity": PLENTIFUL_STOCK}), 201)
    _ok(vendor.call("POST", f"/api/v1/products/{product['id']}/submit"), 200)
    _ok(operator.call("POST", f"/api/v1/products/{product['id']}/approve"), 200)
    return product["id"], offer["id"]


def _bulk_catalog(world: World, stack: LoadStack, products: int) -> None:
    import psycopg

    world.bulk_catalog = seed(stack.conninfo("catalog"), CatalogSize(products=products, offers=2 * products))
    with psycopg.connect(stack.conninfo("catalog")) as connection:
        world.products += [row[0] for row in connection.execute(
            "SELECT id FROM products WHERE listed ORDER BY md5(id) LIMIT 2000")]


def _sign_up_customers(world: World, stack: LoadStack, count: int) -> None:
    storefront = stack.credentials["clients"]["storefront"]

    def customer(n: int) -> str:
        email, password = f"load-{n}-{secrets.token_hex(3)}@customers.example", secrets.token_urlsafe(12)
        _ok(stack.api().call("POST", "/api/v1/users", {"email": email, "password": password}), 201)
        tokens = stack.log_in(email, password, storefront["client_id"], storefront["redirect_uri"])
        return tokens["access_token"]

    with ThreadPoolExecutor(2) as pool:  # argon2 makes each sign-up and sign-in ~0.2 s of CPU
        world.customer_tokens = list(pool.map(customer, range(count)))


def _ok(answer, status: int) -> dict:
    if answer.status != status:
        raise RuntimeError(f"seeding: expected {status}, got {answer.status}: {answer.body}")
    return answer.body
