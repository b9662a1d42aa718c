"""Measure catalog's stock reservations on PostgreSQL: reservations/s, latency, and zero oversell.

A throwaway PostgreSQL database is created and migrated with catalog's own
migrations, then seeded with N offers of M units each. W worker processes
(default 16; each with its own engine and connection) hand ``order.placed``
events to catalog's real event consumer as the worker's loop does: in batches
of up to ``--batch`` events (default 10, the worker's prefetch, which a backlog
fills), through the inbox, the batch handler and ``reserve_orders`` (offers
locked FOR UPDATE, movements, reservations, outbox, low-stock check, listing
refresh); ``--batch 1`` measures one event per transaction. Orders have 1-3
random offers; demand exceeds the stock, so late orders are rejected. Target:
>= 500 reservations/s on 2 vCPUs. At the end the stock is checked: no offer
below zero, reserved + available = initial stock per offer, reserved units =
the reservations' units, one outcome event per order. Prints figures, asserts
nothing (the exit status is 1 only if the stock check fails):

    .venv/bin/python bench/run_catalog_reservations.py [--orders 8000] [--workers 16] [--batch 10] [--offers 200]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from machine import cpu_model

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
ADMIN_URL = os.environ.get("MARKETPLACE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TARGET_PER_SECOND = 500


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=8000, help="orders reserved in the measurement")
    parser.add_argument("--warmup", type=int, default=20, help="orders per worker before the measurement")
    parser.add_argument("--workers", type=int, default=16, help="concurrent workers")
    parser.add_argument("--batch", type=int, default=10, help="events per consumer batch (1: one per transaction)")
    parser.add_argument("--threads", action="store_true",
                        help="workers are threads of one process (one GIL) instead of processes")
    parser.add_argument("--offers", type=int, default=200, help="offers seeded")
    parser.add_argument("--stock", type=int, default=100, help="units of each offer")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the orders")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the database afterwards")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS_DIR.mkdir(exist_ok=True)
    database = f"bench_catalog_{uuid.uuid4().hex[:10]}"
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        report = _run(args, url)
    finally:
        if not args.keep_database:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
    out = RESULTS_DIR / f"catalog_reservations-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nfigures written to {os.path.relpath(out, Path.cwd())}")
    return 0 if report["stock_check"]["ok"] else 1


def _runtime(url: str, pool_size: int):
    from catalog.app import definition
    from catalog.settings import CatalogSettings
    from chassis.runtime import Runtime
    return Runtime(definition(), CatalogSettings(database_url=url, db_pool_size=pool_size, log_json=False))


def _run(args: argparse.Namespace, url: str) -> dict:
    from chassis import migrations
    started = time.perf_counter()
    runtime = _runtime(url, pool_size=2)
    migrations.upgrade(runtime)
    offers = _seed(runtime, args.offers, args.stock)
    print(f"database {url.rsplit('/', 1)[1]}: migrated, {args.offers} offers x {args.stock} units "
          f"({time.perf_counter() - started:.1f}s)")
    rng = random.Random(args.seed)
    warmups = [[_order(rng, offers) for _ in range(args.warmup)] for _ in range(args.workers)]
    measured = [_order(rng, offers) for _ in range(args.orders)]
    shares = [measured[index::args.workers] for index in range(args.workers)]
    kind = "threads" if args.threads else "processes"
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs ({cpu_model()}), load average before start {load[0]:.1f} "
          f"(other processes compete for the same CPUs when it is above ~0.5)")
    print(f"{args.workers} worker {kind}, {args.warmup} warm-up orders each, then {args.orders} orders "
          f"of 1-3 lines (1-2 units) over {args.offers} offers; demand ~{_units(measured)} units for "
          f"{args.offers * args.stock - _units(sum(warmups, []))} left after warm-up", flush=True)
    print(f"each worker hands its events to catalog's consumer in batches of {args.batch}", flush=True)
    results = (_threads if args.threads else _processes)(url, warmups, shares, args.batch)
    figures = _figures(results, args, _outcomes(runtime))
    check = _check_stock(runtime, args, offers, len(measured) + sum(map(len, warmups)))
    runtime.dispose()
    return {"environment": {**_environment(args), "load_average_before_start": load}, "figures": figures,
            "stock_check": check}


def _seed(runtime, count: int, units: int) -> list[tuple[str, str]]:
    """``count`` active offers of approved products, ``units`` each; returns (offer_id, vendor_id)."""
    from catalog.models import Offer, Product
    from catalog.models.base import new_id, now
    from catalog.products_workflow import APPROVED
    offers, moment = [], now()
    with runtime.uow() as uow:
        for number in range(count):
            vendor_id = f"ven-{number % 20:02d}"
            product = Product(id=new_id(), title=f"Bench product {number}", status=APPROVED, attributes={},
                              listed=True, in_stock=True, offer_count=1, created_at=moment, updated_at=moment,
                              approved_at=moment)
            uow.session.add(product)
            uow.session.flush()
            offer = Offer(id=new_id(), vendor_id=vendor_id, product_id=product.id, sku=f"bench-{number}",
                          price_minor=1000, currency="EUR", shipping_minor=0, condition="new", lead_time_days=1,
                          active=True, available=units, reserved=0, low_stock_alerted=False, version=1,
                          created_at=moment, updated_at=moment)
            uow.session.add(offer)
            offers.append((offer.id, vendor_id))
        uow.commit()
    return offers


def _order(rng: random.Random, offers: list[tuple[str, str]]) -> dict:
    lines = rng.sample(offers, rng.randint(1, 3))
    vendor_orders: dict[str, dict] = {}
    for offer_id, vendor_id in lines:
        vendor_order = vendor_orders.setdefault(vendor_id, {
            "vendor_order_id": str(uuid.uuid4()), "vendor_id": vendor_id, "items_total_minor": 0,
            "shipping_minor": 0, "total_minor": 0, "lines": []})
        vendor_order["lines"].append({"line_id": str(uuid.uuid4()), "offer_id": offer_id, "product_id": "p",
                                      "category_id": None, "vendor_id": vendor_id, "quantity": rng.randint(1, 2),
                                      "unit_price_minor": 1000, "title": "Bench product"})
    return {"order_id": str(uuid.uuid4()), "customer_id": "bench-customer", "currency": "EUR", "total_minor": 0,
            "placed_at": "2026-01-01T00:00:00+00:00", "vendor_orders": list(vendor_orders.values())}


def _units(orders: list[dict]) -> int:
    return sum(line["quantity"] for order in orders for vo in order["vendor_orders"] for line in vo["lines"])


# --- workers ----------------------------------------------------------------------------------------

def _work(runtime, warmup: list[dict], orders: list[dict], batch: int, ready, go) -> dict:
    """Consume the warm-up orders, wait for the start, consume ``orders`` in batches, timing each batch."""
    consumer = _consumer(runtime)
    for events in _batches(warmup, batch):
        _consume(consumer, events)
    with runtime.database.engine.connect() as connection:  # the pool's one connection, reused by every batch
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    ready()
    go()
    latencies, errors = [], []
    cpu, backend_cpu, began = time.thread_time(), _process_cpu(backend), time.monotonic()
    for events in _batches(orders, batch):
        start = time.perf_counter()
        try:
            _consume(consumer, events)
        except Exception as error:  # reported, never hidden
            errors.append(repr(error)[:300])
        latencies += [time.perf_counter() - start] * len(events)  # each order waits for its batch
    return {"began": began, "ended": time.monotonic(), "latencies": latencies, "errors": errors,
            "worker_cpu": time.thread_time() - cpu, "backend_cpu": _process_cpu(backend) - backend_cpu}


def _consumer(runtime):
    from chassis.events.consumer import EventConsumer
    definition = runtime.definition
    return EventConsumer(service="catalog", handlers=definition.event_handlers(), new_uow=runtime.uow,
                         dead_letters=None, batch_handlers=definition.event_batch_handlers())


def _batches(orders: list[dict], size: int):
    from chassis.events.envelope import CloudEvent
    events = [CloudEvent.new("orders", "order.placed", order, subject=order["order_id"]) for order in orders]
    return [events[start:start + size] for start in range(0, len(events), size)]


def _consume(consumer, events: list) -> None:
    """What the worker does with events it holds: the batch handler for several, the single one for one."""
    if len(events) > 1:
        consumer.apply_batch(events)
    else:
        consumer.apply(events[0])


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process of this machine, from /proc (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _process_main(url: str, warmup: list[dict], orders: list[dict], batch: int, ready, start, results) -> None:
    runtime = _runtime(url, pool_size=1)
    try:
        results.put(_work(runtime, warmup, orders, batch, ready.release, start.wait))
    finally:
        runtime.dispose()


def _processes(url: str, warmups: list[list[dict]], shares: list[list[dict]], batch: int) -> list[dict]:
    context = multiprocessing.get_context("spawn")  # nothing inherited: each worker connects on its own
    ready, start, results = context.Semaphore(0), context.Event(), context.Queue()
    workers = [context.Process(target=_process_main, args=(url, warmup, share, batch, ready, start, results))
               for warmup, share in zip(warmups, shares)]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.acquire()
    start.set()
    collected = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return collected


def _threads(url: str, warmups: list[list[dict]], shares: list[list[dict]], batch: int) -> list[dict]:
    runtime = _runtime(url, pool_size=len(shares))
    barrier = threading.Barrier(len(shares))
    collected: list[dict] = []
    threads = [threading.Thread(target=lambda w=warmup, s=share: collected.append(
        _work(runtime, w, s, batch, lambda: None, barrier.wait))) for warmup, share in zip(warmups, shares)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    runtime.dispose()
    return collected


# --- figures and checks -----------------------------------------------------------------------------

def _outcomes(runtime) -> Counter:
    """Orders decided per outcome (warm-up included)."""
    from catalog.models import OrderReservation
    with runtime.uow() as uow:
        return Counter(dict(uow.session.execute(select(OrderReservation.outcome, func.count())
                                                .group_by(OrderReservation.outcome)).all()))


def _figures(results: list[dict], args: argparse.Namespace, outcomes: Counter) -> dict:
    latencies = sorted(latency for result in results for latency in result["latencies"])
    wall = max(r["ended"] for r in results) - min(r["began"] for r in results)
    errors = [error for r in results for error in r["errors"]]
    per_second = len(latencies) / wall
    p50, p99 = (latencies[int(len(latencies) * q)] * 1000 for q in (0.5, 0.99))
    met = per_second >= TARGET_PER_SECOND and not errors
    worker_ms = sum(r["worker_cpu"] for r in results) / len(latencies) * 1000
    backend_ms = sum(r["backend_cpu"] for r in results) / len(latencies) * 1000
    bound = os.cpu_count() / (worker_ms + backend_ms) * 1000
    print(f"\n{len(latencies)} orders in {wall:.2f}s: {per_second:.0f} reservations/s "
          f"(all orders incl. warm-up: reserved {outcomes['reserved']}, rejected {outcomes['rejected']}; "
          f"errors {len(errors)})")
    print(f"per reservation (the time of its batch of {args.batch}): p50 {p50:.2f} ms, p99 {p99:.2f} ms, mean {statistics.fmean(latencies) * 1000:.2f} ms, "
          f"max {latencies[-1] * 1000:.1f} ms")
    print(f"target >= {TARGET_PER_SECOND} reservations/s on {os.cpu_count()} CPUs: "
          f"{per_second:.0f}/s {'MET' if met else 'MISSED'}")
    print(f"CPU per reservation: worker {worker_ms:.2f} ms + its PostgreSQL backend {backend_ms:.2f} ms "
          f"(WAL writer and checkpoints not counted): {os.cpu_count()} CPUs doing nothing else would allow "
          f"~{bound:.0f}/s")
    for error in errors[:5]:
        print(f"  error: {error}")
    return {"orders": len(latencies), "seconds": wall, "per_second": per_second, "p50_ms": p50, "p99_ms": p99,
            "max_ms": latencies[-1] * 1000, "worker_cpu_ms_per_reservation": worker_ms,
            "backend_cpu_ms_per_reservation": backend_ms, "cpu_bound_per_second": bound, "outcomes": dict(outcomes), "errors": errors[:20],
            "target_per_second": TARGET_PER_SECOND, "target_met": met}


def _check_stock(runtime, args: argparse.Namespace, offers: list, orders: int) -> dict:
    from catalog.models import Offer, OrderReservation, Reservation
    from chassis.tables import outbox
    with runtime.uow() as uow:
        s = uow.session
        totals = s.execute(select(func.sum(Offer.available), func.sum(Offer.reserved), func.min(Offer.available),
                                  func.min(Offer.reserved), func.count().filter(
                                      Offer.available + Offer.reserved != args.stock))).one()
        held = s.scalar(select(func.coalesce(func.sum(Reservation.quantity), 0))
                        .where(Reservation.status == "reserved"))
        decided = s.scalar(select(func.count()).select_from(OrderReservation))
        events = dict(s.execute(select(outbox.c.event_type, func.count()).where(
            outbox.c.event_type.in_(["stock.reserved", "stock.rejected"])).group_by(outbox.c.event_type)).all())
    available, reserved, lowest_available, lowest_reserved, unbalanced = totals
    initial = len(offers) * args.stock
    ok = (reserved <= initial and lowest_available >= 0 and lowest_reserved >= 0 and unbalanced == 0
          and held == reserved and decided == orders == sum(events.values()))
    print(f"stock check: {reserved} units reserved of {initial} initial ({available} still available), lowest "
          f"available {lowest_available}, lowest reserved {lowest_reserved}, offers whose available + reserved "
          f"!= initial: {unbalanced}; reservation rows hold {held}; {decided} orders decided of {orders}, "
          f"{sum(events.values())} outcome events -> {'OK, no oversell' if ok else 'FAILED'}")
    return {"ok": ok, "initial_units": initial, "reserved": reserved, "available": available,
            "lowest_available": lowest_available, "lowest_reserved": lowest_reserved, "unbalanced_offers": unbalanced,
            "reservation_units": held, "orders_decided": decided, "outcome_events": events}


def _environment(args: argparse.Namespace) -> dict:
    def run(*command: str) -> str:
        return subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT).stdout.strip()
    with create_engine(ADMIN_URL).connect() as connection:
        server = connection.execute(text("SHOW server_version")).scalar_one()
    changed = run("git", "status", "--porcelain", "--", "services/catalog", "libs/chassis")
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(), "cpu": cpu_model(),
            "python": platform.python_version(), "postgresql": server, "args": vars(args),
            "revision": run("git", "log", "-1", "--format=%h") + (" + uncommitted changes" if changed else "")}


if __name__ == "__main__":
    sys.exit(main())
