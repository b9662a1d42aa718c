"""Measure order placement: POST /api/v1/orders per second, and how long until stock is reserved.

Real processes on PostgreSQL and RabbitMQ: ``catalog web`` on a seeded catalog
(``catalog_seed.py``), ``orders web`` pricing each cart at catalog's
``POST /api/v1/offers/quote`` with its own client_credentials token, and
``catalog worker`` + ``orders worker`` under a broker namespace of this run, so
order.placed -> catalog reserves -> stock.reserved -> the order is
``awaiting_payment``. wrk posts carts of 1-3 random offers (plentiful stock), each
with a new Idempotency-Key and a customer token of the bench issuer. Then the
script waits for every order to leave ``pending`` and reads placed ->
awaiting_payment latencies from orders' timeline with SQL. Target: >= 200 placed
orders/s on 2 CPUs. Prints figures, asserts nothing (exits 1 if errors dominate).
Both databases are dropped and the broker namespace deleted on the way out,
Ctrl-C and SIGTERM included. Usage:

    .venv/bin/python bench/run_orders_placement.py [--duration 20] [--connections 16]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import asdict
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

from catalog_seed import CatalogSize, seed
from endpoint_checks import call, expect
from gateway_setup import jwt_env
from in_process import profile_calls
from machine import busy_share, cpu_model, machine_ticks, measure_other_load
from orders_setup import (ORDERS_CLIENT_ID, ORDERS_CLIENT_SECRET, broker_env, orders_client_env, plentiful_offers,
                          process_cpu_seconds, web_server, worker_process)
from throwaway_databases import backend_cpu, backend_cpu_since, migrate, server_version, throwaway_database
from wrk_load import LoadResult, LoadShape, run_wrk, wrk_version

RESULTS_DIR = Path(__file__).resolve().parent / "results"
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_orders.lua"
ORDERS_PATH = "/api/v1/orders"
AUDIENCE = "marketplace"
TARGET_PER_SECOND = 200
CUSTOMERS = 16


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=20, help="seconds of measured load")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up load (orders not counted)")
    parser.add_argument("--connections", type=int, default=16, help="open wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--orders-workers", type=int, default=4, help="sync gunicorn workers of orders web")
    parser.add_argument("--catalog-workers", type=int, default=2, help="sync gunicorn workers of catalog web")
    parser.add_argument("--products", type=int, default=20_000, help="products seeded in catalog")
    parser.add_argument("--offers", type=int, default=40_000, help="offers seeded in catalog")
    parser.add_argument("--cart-offers", type=int, default=2_000,
                        help="offers the carts draw from, each given plentiful stock")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also place N orders in-process (catalog over HTTP) and print CPU per placement and a "
                             "cProfile ranking")
    parser.add_argument("--settle-timeout", type=float, default=120,
                        help="seconds to wait after the load for every order to leave pending")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C and SIGTERM both unwind: processes stop, databases are dropped, the namespace is deleted.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    RESULTS_DIR.mkdir(exist_ok=True)
    print(f"wrk -t{args.threads} -c{args.connections}: {args.warmup:g}s warm-up, then {args.duration:g}s measured",
          flush=True)
    other_load = measure_other_load()
    with ExitStack() as stack:
        world = _world(stack, args)
        _check(world)
        statements = _count_statements(world, args.profile)
        placement = _load(world, args)
        saga = _settle(world, args, placement["started_at"])
    report = _report(args, placement, saga)
    out = RESULTS_DIR / f"orders_placement-{time.strftime('%Y%m%d-%H%M%S')}.json"
    record = {"environment": {**_environment(args, world), "other_load_before_start": other_load},
              "round_trips_per_placement": statements, "placement": placement,
              "placed_to_awaiting_payment": saga, "verdict": report}
    out.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"figures written to {os.path.relpath(out, Path.cwd())}")
    return 1 if report["errors_dominate"] else 0


# --- the world: databases, namespace, tokens, processes

def _world(stack: ExitStack, args: argparse.Namespace) -> dict:
    from chassis.testing.backends import delete_namespace
    from chassis.testing.jwks_server import JWKSServer
    from chassis.testing.token_endpoint import TokenEndpoint
    from chassis.testing.tokens import TokenIssuer

    scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-orders-")))
    run = uuid.uuid4().hex[:8]
    namespace = f"bench-orders-{run}"
    stack.callback(lambda: (delete_namespace(namespace), print(f"deleted broker namespace {namespace}", flush=True)))
    catalog_db = throwaway_database(stack, f"bench_catalog_{run}")
    orders_db = throwaway_database(stack, f"bench_orders_{run}")
    started = time.monotonic()
    migrated = migrate("catalog", catalog_db, scratch) + migrate("orders", orders_db, scratch)
    seeded = seed(catalog_db, CatalogSize(products=args.products, offers=args.offers))
    offers_file = scratch / "offers.txt"
    offers = plentiful_offers(catalog_db, args.cart_offers, offers_file)
    print(f"databases: migrated in {migrated:.1f}s; catalog seeded with {seeded['products']} products, "
          f"{seeded['offers']} offers; carts draw from {len(offers)} sellable offers with plentiful stock "
          f"({time.monotonic() - started:.0f}s)", flush=True)

    issuer = TokenIssuer(issuer="http://issuer.bench", audience=AUDIENCE)
    jwks = stack.enter_context(JWKSServer(issuer.jwks()))
    tokens = stack.enter_context(TokenEndpoint(issuer, ORDERS_CLIENT_ID, ORDERS_CLIENT_SECRET, expires_in=3600))
    tokens_file = scratch / "customer-tokens.txt"
    tokens_file.write_text("\n".join(issuer.issue(f"bench-customer-{n:02d}", roles=["customer"], expires_in=3600)
                                     for n in range(CUSTOMERS)) + "\n")
    jwt, broker = jwt_env(jwks.url, issuer.issuer, AUDIENCE), broker_env(namespace)
    catalog = web_server("catalog", args.catalog_workers, catalog_db, scratch, RESULTS_DIR, broker, jwt)
    orders = web_server("orders", args.orders_workers, orders_db, scratch, RESULTS_DIR, broker, jwt,
                        orders_client_env(catalog.base_url, tokens.url))
    workers = {service: worker_process(service, database, scratch, RESULTS_DIR, broker, jwt)
               for service, database in (("catalog", catalog_db), ("orders", orders_db))}
    for server in (catalog, orders):
        stack.callback(server.stop)
        server.start("/livez")
    for worker in workers.values():
        stack.callback(worker.stop)
        worker.start()
    print(f"started: catalog web ({catalog.worker_setup}), orders web ({orders.worker_setup}), catalog worker, "
          f"orders worker; broker namespace {namespace}", flush=True)
    return {"catalog": catalog, "orders": orders, "workers": workers, "catalog_db": catalog_db,
            "orders_db": orders_db, "offers": offers, "offers_file": offers_file, "tokens_file": tokens_file,
            "customer_token": tokens_file.read_text().split()[0], "token_endpoint": tokens, "namespace": namespace}


# --- the real path, checked once before measuring

def _check(world: dict) -> None:
    """Exit unless one order is placed (201, pending, priced by catalog) and reaches awaiting_payment."""
    url = world["orders"].base_url + ORDERS_PATH
    body = {"lines": [{"offer_id": world["offers"][0], "quantity": 1}, {"offer_id": world["offers"][1], "quantity": 2}],
            "shipping_address": {"name": "Bench Customer", "line1": "1 rue de la Paix", "postal_code": "75002",
                                 "city": "Paris", "country": "FR", "phone": "+33 6 12 34 56 78"}}
    headers = {"Authorization": f"Bearer {world['customer_token']}", "Content-Type": "application/json"}
    status, _ = call(url, headers, body)
    expect(status == 400, f"POST without Idempotency-Key answered {status}, expected 400")
    status, order = call(url, {**headers, "Idempotency-Key": f"check-{uuid.uuid4().hex}"}, body)
    expect(status == 201 and isinstance(order, dict) and order.get("status") == "pending"
            and order.get("total_minor", 0) > 0, f"POST {ORDERS_PATH} answered {status}: {order}")
    expect(world["token_endpoint"].issued >= 1, "orders never fetched its client_credentials token")
    world["check_body"] = body
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, seen = call(f"{url}/{order['id']}", headers)
        if isinstance(seen, dict) and seen.get("status") != "pending":
            break
        time.sleep(0.2)
    expect(isinstance(seen, dict) and seen.get("status") == "awaiting_payment",
            f"the check order did not reach awaiting_payment in 30s: {seen}; see results/*-worker.log")
    print(f"checked: 400 without Idempotency-Key; 201 pending order of {len(order['vendor_orders'])} vendor order(s), "
          f"total {order['total_minor']} minor units priced by catalog (orders fetched "
          f"{world['token_endpoint'].issued} service token(s)); awaiting_payment after the saga", flush=True)


# --- in-process: what one placement sends to PostgreSQL

_in_process_log = None


def _count_statements(world: dict, profile: int) -> dict:
    """One placement through orders' app in this process (catalog still over HTTP): statements and checkouts.

    With ``profile`` > 0, then as many placements timed (wall, this process's CPU) and under cProfile.
    """
    from sqlalchemy import event

    from chassis.app import runtime
    from orders.app import create_app
    from orders.settings import OrdersSettings

    global _in_process_log
    web = world["orders"].env
    settings = OrdersSettings(
        database_url=world["orders_db"], broker_url=web["MARKETPLACE_BROKER_URL"],
        broker_namespace=web["MARKETPLACE_BROKER_NAMESPACE"], jwks_url=web["MARKETPLACE_JWKS_URL"],
        jwt_issuer=web["MARKETPLACE_JWT_ISSUER"], jwt_audiences=[AUDIENCE], catalog_url=web["ORDERS_CATALOG_URL"],
        token_url=web["ORDERS_TOKEN_URL"], client_id=web["ORDERS_CLIENT_ID"], client_secret=web["ORDERS_CLIENT_SECRET"])
    # The chassis log handler keeps the descriptor stdout has when the app is built: a file open until the end.
    _in_process_log = _in_process_log or open(RESULTS_DIR / "orders-in-process-stdout.log", "w")
    with contextlib.redirect_stdout(_in_process_log):
        app = create_app(settings)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {world['customer_token']}"}
        with app.app_context():
            engine = runtime().database.engine
        client.post(ORDERS_PATH, json=world["check_body"], headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
        statements, checkouts = [], []
        count_statement = lambda _c, _cur, statement, *_: statements.append(statement)  # noqa: E731
        count_checkout = lambda *_: checkouts.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", count_statement)
        event.listen(engine, "checkout", count_checkout)
        response = client.post(ORDERS_PATH, json=world["check_body"],
                               headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
        event.remove(engine, "before_cursor_execute", count_statement)
        event.remove(engine, "checkout", count_checkout)

        def place() -> None:
            answer = client.post(ORDERS_PATH, json=world["check_body"],
                                 headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
            expect(answer.status_code == 201, f"in-process placement answered {answer.status_code}")

        profiled = profile_calls(place, profile, "placements (catalog over HTTP, no gunicorn)") if profile else None
        engine.dispose()
    expect(response.status_code == 201, f"in-process placement answered {response.status_code}")
    kinds = {}
    for statement in statements:
        words = statement.split()
        kind = " ".join(words[:3]) if words[0] in ("INSERT", "UPDATE", "DELETE") else " ".join(words[:1])
        if words[0] == "SELECT":
            kind = "SELECT ... FROM " + (words[words.index("FROM") + 1] if "FROM" in words else "?")
        kinds[kind] = kinds.get(kind, 0) + 1
    vendors = len(response.get_json()["vendor_orders"])
    print(f"one placement (in-process, {len(world['check_body']['lines'])} lines, {vendors} vendor orders): "
          f"{len(statements)} SQL statements (+ BEGIN/COMMIT) over "
          f"{len(checkouts)} pool checkouts, each pre-pinged: " + ", ".join(f"{k} x{n}" for k, n in kinds.items()),
          flush=True)
    if profiled:
        print(profiled.pop("text"), flush=True)
    return {"vendor_orders": vendors, "statements": len(statements), "pool_checkouts": len(checkouts),
            "by_kind": kinds, "profile": profiled}


# --- load

def _load(world: dict, args: argparse.Namespace) -> dict:
    url = world["orders"].base_url + ORDERS_PATH
    env = {"WRK_OFFERS_FILE": str(world["offers_file"]), "WRK_TOKENS_FILE": str(world["tokens_file"])}
    warm = run_wrk(url, LoadShape(args.threads, args.connections, args.warmup), {}, script=WRK_SCRIPT,
                   env={**env, "WRK_RUN_ID": f"warmup-{uuid.uuid4().hex[:8]}"})
    print(f"warm-up: {warm.requests_per_second:.0f} req/s, statuses {warm.statuses}", flush=True)
    processes = {"orders web": world["orders"].cpu_seconds, "catalog web": world["catalog"].cpu_seconds,
                 **{f"{name} worker": (lambda p=worker.process.pid: process_cpu_seconds(p))
                    for name, worker in world["workers"].items()}}
    started_at = datetime.now(timezone.utc)
    cpu_before = {name: read() for name, read in processes.items()}
    databases_before = {name: backend_cpu(world[f"{name}_db"]) for name in ("orders", "catalog")}
    ticks = machine_ticks()
    result = run_wrk(url, LoadShape(args.threads, args.connections, args.duration), {}, script=WRK_SCRIPT,
                     env={**env, "WRK_RUN_ID": f"run-{uuid.uuid4().hex[:8]}"})
    busy = busy_share(ticks, machine_ticks())
    placed = result.statuses.get("201", 0)
    per_order = max(placed, 1)
    cpu_ms = {name: (read() - cpu_before[name]) / per_order * 1000 for name, read in processes.items()}
    cpu_ms.update({f"{name} db": backend_cpu_since(before, world[f"{name}_db"]) / per_order * 1000
                   for name, before in databases_before.items()})
    return {"started_at": started_at, "load": asdict(result), "placed": placed,
            "placed_per_second": placed / args.duration, "non_2xx": sum(n for s, n in result.statuses.items()
                                                                         if not s.startswith("2")),
            "socket_errors": sum(n for kind, n in result.errors.items() if kind != "status"),
            "cpu_ms_per_placed_order": cpu_ms, "all_cpus_busy_during_load": busy}


# --- the saga: placed -> awaiting_payment, from orders' timeline

LATENCIES = """
SELECT count(*),
       percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM t.at - o.created_at)),
       max(extract(epoch FROM t.at - o.created_at))
FROM orders o JOIN order_timeline t ON t.order_id = o.id AND t.vendor_order_id IS NULL
                                   AND t.to_status = 'awaiting_payment'
WHERE o.created_at >= %(since)s
"""
STATUSES = "SELECT status, count(*) FROM orders WHERE created_at >= %(since)s GROUP BY status"


def _settle(world: dict, args: argparse.Namespace, since: datetime) -> dict:
    """Wait until no order of the measured run is pending (or the timeout), then read the latencies."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(world["orders_db"], autocommit=True) as connection:
        while True:
            statuses = dict(connection.execute(STATUSES, {"since": since}).fetchall())
            waited = time.monotonic() - started
            if not statuses.get("pending") or waited > args.settle_timeout:
                break
            time.sleep(0.5)
        count, (p50, p95, p99), longest = connection.execute(LATENCIES, {"since": since}).fetchone()
    print(f"after the load: {waited:.1f}s until no order was pending" if not statuses.get("pending") else
          f"after the load: {statuses['pending']} orders still pending after {waited:.0f}s (timeout)", flush=True)
    return {"orders": sum(statuses.values()), "statuses": statuses, "awaiting_payment": count,
            "p50_ms": _ms(p50), "p95_ms": _ms(p95), "p99_ms": _ms(p99), "max_ms": _ms(longest),
            "seconds_to_settle": waited, "still_pending": statuses.get("pending", 0),
            "rejected": statuses.get("rejected", 0)}


def _ms(seconds) -> float | None:
    return None if seconds is None else float(seconds) * 1000


# --- report

def _report(args: argparse.Namespace, placement: dict, saga: dict) -> dict:
    load = LoadResult(**placement["load"])
    rate, non_2xx = placement["placed_per_second"], placement["non_2xx"]
    errors = non_2xx + placement["socket_errors"]
    met = rate >= TARGET_PER_SECOND and errors == 0
    cpu = placement["cpu_ms_per_placed_order"]
    lines = [
        f"\nPOST {ORDERS_PATH} (wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s, carts of 1-3 offers)",
        f"{'':<22}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}",
        f"{'placement (201)':<22}{rate:>9.1f}{load.p50_ms:>9.2f}{load.p95_ms:>9.2f}{load.p99_ms:>9.2f}"
        f"{load.max_ms:>9.1f}",
        f"statuses {dict(sorted(load.statuses.items()))}; non-2xx {non_2xx}, socket errors "
        f"{placement['socket_errors']}",
        f"target >= {TARGET_PER_SECOND} placed/s on {os.cpu_count()} CPUs: {rate:.1f}/s {'met' if met else 'MISSED'}",
        "CPU ms per placed order: " + ", ".join(f"{name} {ms:.2f}" for name, ms in cpu.items()),
        f"  all: {sum(cpu.values()):.2f} ms -> {os.cpu_count()} idle CPUs would allow ~"
        f"{os.cpu_count() * 1000 / max(sum(cpu.values()), 1e-9):.0f}/s (wrk, RabbitMQ and PostgreSQL's WAL writer "
        f"not counted); all CPUs busy during the load: {placement['all_cpus_busy_during_load']:.0%}",
        f"\nplaced -> awaiting_payment (order.placed -> catalog worker reserves -> stock.reserved -> orders worker), "
        f"{saga['orders']} orders of the measured run",
        f"{'':<22}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}",
        f"{'from orders timeline':<22}{_f(saga['p50_ms'])}{_f(saga['p95_ms'])}{_f(saga['p99_ms'])}{_f(saga['max_ms'])}",
        f"awaiting_payment {saga['awaiting_payment']}, still pending {saga['still_pending']}, rejected "
        f"{saga['rejected']}; statuses {saga['statuses']}",
    ]
    errors_dominate = errors > placement["placed"]
    if errors:
        lines.append(f"WARNING: {errors} answers were not 201: figures are suspect; see results/orders-stdout.log")
    if errors_dominate:
        lines.append("ERROR: errors dominate the answers: this run does not measure placement")
    print("\n".join(lines), flush=True)
    return {"target_per_second": TARGET_PER_SECOND, "target_met": met, "errors_dominate": errors_dominate}


def _f(value: float | None) -> str:
    return f"{'-':>9}" if value is None else f"{value:>9.1f}"


def _environment(args: argparse.Namespace, world: dict) -> dict:
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(), "cpu": cpu_model(),
            "python": platform.python_version(), "postgresql": server_version(), "gunicorn": version("gunicorn"),
            "load_generator": wrk_version(), "args": vars(args), "broker_namespace": world["namespace"],
            "worker_setups": {"orders web": world["orders"].worker_setup, "catalog web": world["catalog"].worker_setup}}


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted: processes stopped, databases dropped, broker namespace deleted, no figures written")
