"""Measure payments: authorizations per second through the API, and vendor balance and statement reads
over a 1,000,000-entry ledger.

Real ``payments web`` (gunicorn, sync workers, the service's own command) on a throwaway PostgreSQL
database migrated with payments' migrations and seeded with bulk SQL (``payments_setup.py``):
orders awaiting payment (2 vendor orders each) and a ledger of balanced postings with consistent
running balances, one hot vendor holding 200,000 entries on its available account.

1. wrk pays each seeded order once (``wrk_payments.lua``: its customer's token, a new
   Idempotency-Key, ``pm_card_visa``): authorizations/s, latencies, statuses, CPU per authorization
   of payments web and of PostgreSQL. Target: >= 300 authorizations/s on 2 CPUs.
2. wrk reads, as the hot vendor: its balances, the first page of its available statement, a page deep
   in the history (cursor) and a period-filtered page. Target: p95 <= 20 ms each.

Prints figures, asserts nothing (exits 1 if errors dominate the authorizations). No broker: the web
process publishes to its outbox. The database is dropped on the way out, Ctrl-C and SIGTERM included.
Usage:

    .venv/bin/python bench/run_payments.py [--duration 20] [--read-duration 10] [--profile 200]
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
import urllib.parse
import uuid
from contextlib import ExitStack
from dataclasses import asdict
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

from endpoint_checks import call, expect
from gateway_setup import jwt_env
from in_process import profile_calls
from machine import busy_share, cpu_model, machine_ticks, measure_other_load
from orders_setup import web_server
from payments_setup import (CURRENCY, HOT_VENDOR, customer_id, seed_ledger, seed_payable_orders, vendor_id,
                            write_orders_file)
from throwaway_databases import backend_cpu, backend_cpu_since, migrate, server_version, throwaway_database
from wrk_load import STATUSES_SCRIPT, LoadResult, LoadShape, run_wrk, wrk_version

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
PAY_SCRIPT = BENCH_DIR / "wrk_payments.lua"
PAYMENTS_PATH = "/api/v1/payments"
AUDIENCE = "marketplace"
TARGET_PER_SECOND = 300
TARGET_READ_P95_MS = 20.0
PERIOD_DAYS = 30


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=20, help="seconds of measured authorization load")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up before each load (not counted)")
    parser.add_argument("--connections", type=int, default=16, help="open wrk connections (authorizations)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="sync gunicorn workers of payments web")
    parser.add_argument("--orders", type=int, default=40_000, help="orders awaiting payment seeded (each paid once)")
    parser.add_argument("--customers", type=int, default=200, help="customers the orders belong to")
    parser.add_argument("--order-vendors", type=int, default=500, help="vendors of the orders' vendor orders")
    parser.add_argument("--ledger-entries", type=int, default=1_000_000, help="ledger entries seeded")
    parser.add_argument("--hot-entries", type=int, default=200_000,
                        help="entries on the hot vendor's available account (part of --ledger-entries)")
    parser.add_argument("--ledger-vendors", type=int, default=2_000, help="ordinary vendors in the ledger")
    parser.add_argument("--read-duration", type=float, default=10, help="seconds of measured load per read")
    parser.add_argument("--read-connections", type=int, default=4,
                        help="open wrk connections (reads); the default, one per worker, measures latency without queueing")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also pay N orders in-process and print CPU per authorization and a cProfile ranking")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C and SIGTERM both unwind: the server and wrk stop, the database is dropped.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    RESULTS_DIR.mkdir(exist_ok=True)
    other_load = measure_other_load()
    with ExitStack() as stack:
        world = _world(stack, args)
        _check(world)
        statements = _in_process(world, args.profile)
        authorizations = _authorizations(world, args)
        reads = _reads(world, args)
    verdict = _report(args, world, authorizations, reads)
    out = RESULTS_DIR / f"payments-{time.strftime('%Y%m%d-%H%M%S')}.json"
    record = {"environment": {**_environment(args, world), "other_load_before_start": other_load},
              "seeded": world["seeded"], "round_trips_per_authorization": statements,
              "authorizations": authorizations, "reads": reads, "verdict": verdict}
    out.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"figures written to {os.path.relpath(out, Path.cwd())}")
    return 1 if verdict["errors_dominate"] else 0


# --- the world: database, seed, tokens, server

def _world(stack: ExitStack, args: argparse.Namespace) -> dict:
    from chassis.testing.jwks_server import JWKSServer
    from chassis.testing.tokens import TokenIssuer

    scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-payments-")))
    run = uuid.uuid4().hex[:8]
    database = throwaway_database(stack, f"bench_payments_{run}")
    migrated = migrate("payments", database, scratch)
    started = time.monotonic()
    orders = seed_payable_orders(database, args.orders, args.customers, args.order_vendors)
    orders_seconds = time.monotonic() - started
    print(f"database: migrated in {migrated:.1f}s; {len(orders)} orders awaiting payment of 2 vendor orders each "
          f"({args.customers} customers, {args.order_vendors} vendors) in {orders_seconds:.1f}s", flush=True)
    ledger = seed_ledger(database, args.ledger_entries, args.hot_entries, args.ledger_vendors)
    print(f"ledger: {ledger.entries} entries in {ledger.transactions} balanced transactions on {ledger.accounts} "
          f"accounts ({ledger.vendors} vendors; {ledger.hot_vendor} has {ledger.hot_available_entries} on its "
          f"available account), running balances checked, in {ledger.seconds:.1f}s", flush=True)

    issuer = TokenIssuer(issuer="http://issuer.bench", audience=AUDIENCE)
    jwks = stack.enter_context(JWKSServer(issuer.jwks()))
    tokens_file = scratch / "customer-tokens.txt"
    customer_tokens = [issuer.issue(customer_id(n), roles=["customer"], expires_in=3600) for n in range(args.customers)]
    tokens_file.write_text("\n".join(customer_tokens) + "\n")
    vendor_token = issuer.issue("bench-vendor-staff", roles=["vendor"], vendor_id=HOT_VENDOR, expires_in=3600)

    # The first order for the checks, the next ones in-process, the rest split between warm-up and measured load.
    check, in_process = orders[0], orders[1:2 + 2 * args.profile]
    rest = orders[2 + 2 * args.profile:]
    warm_count = int(len(rest) * args.warmup / (args.warmup + args.duration))
    files = {"warmup": scratch / "orders-warmup.txt", "run": scratch / "orders-run.txt"}
    write_orders_file(files["warmup"], rest[:warm_count])
    write_orders_file(files["run"], rest[warm_count:])

    web = web_server("payments", args.workers, database, scratch, RESULTS_DIR, {},
                     jwt_env(jwks.url, issuer.issuer, AUDIENCE))
    stack.callback(web.stop)
    web.start("/livez")
    print(f"started: payments web ({web.worker_setup}, sync workers as shipped), no broker (outbox only)", flush=True)
    seeded = {"orders": len(orders), "customers": args.customers, "order_vendors": args.order_vendors,
              "orders_seconds": orders_seconds, "ledger": asdict(ledger), "measured_orders": len(rest) - warm_count,
              "warmup_orders": warm_count}
    return {"database": database, "web": web, "scratch": scratch, "seeded": seeded, "check_order": check,
            "in_process_orders": in_process, "orders_files": files, "tokens_file": tokens_file,
            "customer_tokens": customer_tokens, "vendor_token": vendor_token, "reads": _read_urls(database, args)}


def _read_urls(database: str, args: argparse.Namespace) -> dict[str, str]:
    """The four reads, as paths with their query: balances, statement first / deep / period page."""
    import psycopg

    from payments.statements import Position

    account = f"vendor_available:{CURRENCY}:{HOT_VENDOR}"
    with psycopg.connect(database) as connection:
        moment, entry_id = connection.execute(
            "SELECT created_at, id FROM ledger_entries WHERE account_key = %s ORDER BY created_at, id OFFSET %s LIMIT 1",
            (account, args.hot_entries * 3 // 4)).fetchone()
        first, last = connection.execute("SELECT min(created_at), max(created_at) FROM ledger_entries "
                                         "WHERE account_key = %s", (account,)).fetchone()
    start = (first + (last - first) / 2).date()
    statement = f"/api/v1/ledger/statement?vendor_id={HOT_VENDOR}&account=available"
    return {
        "balances": f"/api/v1/balances/{HOT_VENDOR}",
        "statement, first page": statement,
        f"statement, deep page (after entry {args.hot_entries * 3 // 4:,})":
            statement + "&" + urllib.parse.urlencode({"cursor": Position(moment, entry_id).encode()}),
        f"statement, period page ({PERIOD_DAYS} days)":
            statement + "&" + urllib.parse.urlencode({"from": start.isoformat(),
                                                      "to": (start + timedelta(days=PERIOD_DAYS - 1)).isoformat()}),
    }


# --- the real path, checked once before measuring

def _check(world: dict) -> None:
    """Exit unless a payment is authorized (201, a charge per vendor order), replayed, and the reads answer."""
    base = world["web"].base_url
    order_id, customer = world["check_order"]
    headers = {"Authorization": f"Bearer {world['customer_tokens'][customer]}", "Content-Type": "application/json"}
    body = {"order_id": order_id, "payment_method": "pm_card_visa"}
    status, _ = call(base + PAYMENTS_PATH, headers, body)
    expect(status == 400, f"POST without Idempotency-Key answered {status}, expected 400")
    other = world["customer_tokens"][(customer + 1) % len(world["customer_tokens"])]
    status, _ = call(base + PAYMENTS_PATH, {**headers, "Authorization": f"Bearer {other}",
                                             "Idempotency-Key": uuid.uuid4().hex}, body)
    expect(status == 404, f"another customer's order answered {status}, expected 404")
    key = {"Idempotency-Key": uuid.uuid4().hex}
    status, payment = call(base + PAYMENTS_PATH, {**headers, **key}, body)
    expect(status == 201 and isinstance(payment, dict) and payment.get("status") == "authorized"
            and len(payment.get("charges", [])) == 2
            and sum(c["amount_minor"] for c in payment["charges"]) == payment["amount_minor"],
            f"POST {PAYMENTS_PATH} answered {status}: {payment}")
    status, again = call(base + PAYMENTS_PATH, {**headers, **key}, body)
    expect(status == 201 and isinstance(again, dict) and again.get("id") == payment["id"],
            f"the same Idempotency-Key answered {status}: {again}")
    vendor = {"Authorization": f"Bearer {world['vendor_token']}"}
    status, _ = call(f"{base}/api/v1/balances/{vendor_id(1)}", vendor)
    expect(status == 404, f"another vendor's balances answered {status} to the hot vendor, expected 404")
    for name, path in world["reads"].items():
        status, answer = call(base + path, vendor)
        expect(status == 200, f"{name}: GET {path} answered {status}: {answer}")
        if "entries" in answer:
            entries = answer["entries"]
            expect(entries and (len(entries) == 100) == bool(answer["next_cursor"]),
                    f"{name}: {len(entries)} entries, next_cursor {answer['next_cursor']!r}")
            expect(all(b["balance_after_minor"] == a["balance_after_minor"] + b["amount_minor"]
                        for a, b in zip(entries, entries[1:])), f"{name}: running balances do not add up")
        else:
            expect(answer["balances"] and answer["balances"][0]["available_minor"] > 0, f"{name}: {answer}")
    print(f"checked: 400 without Idempotency-Key; 404 for another customer's order; 201 authorized, "
          f"{len(payment['charges'])} charges summing to {payment['amount_minor']}; the same key replays it; "
          f"the 4 reads answer 200 as the hot vendor (statement pages of up to 100, running balances add up), "
          f"another vendor's balances 404", flush=True)


# --- in-process: what one authorization sends to PostgreSQL, and where its CPU goes

_in_process_log = None


def _in_process(world: dict, profile: int) -> dict:
    """One payment through payments' app in this process: statements and pool checkouts; with ``profile``
    > 0, then as many payments timed (wall, this process's CPU) and as many under cProfile."""
    from sqlalchemy import event

    from chassis.app import runtime
    from payments.app import create_app
    from payments.settings import PaymentsSettings

    global _in_process_log
    web = world["web"].env
    settings = PaymentsSettings(
        database_url=world["database"], broker_url=f"embedded:///{world['scratch'] / 'in-process-broker.db'}",
        jwks_url=web["MARKETPLACE_JWKS_URL"], jwt_issuer=web["MARKETPLACE_JWT_ISSUER"], jwt_audiences=[AUDIENCE])
    # The chassis log handler keeps the descriptor stdout has when the app is built: a file open until the end.
    _in_process_log = _in_process_log or open(RESULTS_DIR / "payments-in-process-stdout.log", "w")
    orders = iter(world["in_process_orders"])
    with contextlib.redirect_stdout(_in_process_log):
        app = create_app(settings)
        client = app.test_client()
        with app.app_context():
            engine = runtime().database.engine

        def pay():
            order_id, customer = next(orders)
            answer = client.post(PAYMENTS_PATH, json={"order_id": order_id, "payment_method": "pm_card_visa"},
                                 headers={"Authorization": f"Bearer {world['customer_tokens'][customer]}",
                                          "Idempotency-Key": uuid.uuid4().hex})
            expect(answer.status_code == 201, f"in-process payment answered {answer.status_code}: {answer.text}")
            return answer

        statements, checkouts = [], []
        count_statement = lambda _c, _cur, statement, *_: statements.append(statement)  # noqa: E731
        count_checkout = lambda *_: checkouts.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", count_statement)
        event.listen(engine, "checkout", count_checkout)
        pay()
        event.remove(engine, "before_cursor_execute", count_statement)
        event.remove(engine, "checkout", count_checkout)
        profiled = profile_calls(pay, profile, "authorizations (no gunicorn)") if profile else None
        engine.dispose()
    kinds: dict[str, int] = {}
    for statement in statements:
        words = statement.split()
        kind = " ".join(words[:3]) if words[0] in ("INSERT", "UPDATE", "DELETE") else words[0]
        if words[0] == "SELECT":
            kind = "SELECT ... FROM " + (words[words.index("FROM") + 1] if "FROM" in words else "?")
            kind += " FOR UPDATE" if "FOR UPDATE" in statement else ""
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"one authorization (in-process, 2 vendor orders): {len(statements)} SQL statements (+ BEGIN/COMMIT) over "
          f"{len(checkouts)} pool checkouts: " + ", ".join(f"{k} x{n}" for k, n in kinds.items()), flush=True)
    if profiled:
        print(profiled.pop("text"), flush=True)
    return {"statements": len(statements), "pool_checkouts": len(checkouts), "by_kind": kinds, "profile": profiled}


# --- load

def _measured(world: dict, run) -> tuple[LoadResult, dict[str, float], float]:
    """``run()`` (a wrk run) with CPU seconds of payments web and its PostgreSQL backends, and machine busy."""
    web_before, db_before, ticks = world["web"].cpu_seconds(), backend_cpu(world["database"]), machine_ticks()
    result = run()
    busy = busy_share(ticks, machine_ticks())
    cpu = {"payments web": world["web"].cpu_seconds() - web_before,
           "payments db": backend_cpu_since(db_before, world["database"])}
    return result, cpu, busy


def _authorizations(world: dict, args: argparse.Namespace) -> dict:
    url = world["web"].base_url + PAYMENTS_PATH
    env = {"WRK_TOKENS_FILE": str(world["tokens_file"]), "WRK_THREADS": str(args.threads)}

    def load(phase: str, seconds: float) -> LoadResult:
        return run_wrk(url, LoadShape(args.threads, args.connections, seconds), {}, script=PAY_SCRIPT,
                       env={**env, "WRK_ORDERS_FILE": str(world["orders_files"][phase]),
                            "WRK_RUN_ID": f"{phase}-{uuid.uuid4().hex[:8]}"})

    warm = load("warmup", args.warmup)
    print(f"warm-up: {warm.requests_per_second:.0f} req/s, statuses {warm.statuses}", flush=True)
    result, cpu, busy = _measured(world, lambda: load("run", args.duration))
    authorized = result.statuses.get("201", 0)
    return {"load": asdict(result), "authorized": authorized, "authorized_per_second": authorized / args.duration,
            "non_201": sum(n for status, n in result.statuses.items() if status != "201"),
            "socket_errors": sum(n for kind, n in result.errors.items() if kind != "status"),
            "cpu_ms_per_authorization": {name: seconds / max(authorized, 1) * 1000 for name, seconds in cpu.items()},
            "all_cpus_busy_during_load": busy}


def _reads(world: dict, args: argparse.Namespace) -> dict:
    headers = {"Authorization": f"Bearer {world['vendor_token']}"}
    shape = LoadShape(args.threads, args.read_connections, args.read_duration)
    figures = {}
    for name, path in world["reads"].items():
        url = world["web"].base_url + path
        run_wrk(url, LoadShape(args.threads, args.read_connections, min(args.warmup, 2)), headers,
                script=STATUSES_SCRIPT)
        result, cpu, busy = _measured(world, lambda: run_wrk(url, shape, headers, script=STATUSES_SCRIPT))
        figures[name] = {"path": path, "load": asdict(result),
                         "cpu_ms_per_request": {k: v / max(result.requests, 1) * 1000 for k, v in cpu.items()},
                         "all_cpus_busy_during_load": busy, "p95_met": result.p95_ms <= TARGET_READ_P95_MS,
                         "non_200": sum(n for status, n in result.statuses.items() if status != "200")}
        print(f"{name}: {result.requests_per_second:.0f} req/s, p95 {result.p95_ms:.2f} ms, "
              f"statuses {result.statuses}", flush=True)
    return figures


# --- report

def _report(args: argparse.Namespace, world: dict, authorizations: dict, reads: dict) -> dict:
    load = LoadResult(**authorizations["load"])
    rate = authorizations["authorized_per_second"]
    errors = authorizations["non_201"] + authorizations["socket_errors"]
    met = rate >= TARGET_PER_SECOND and errors == 0
    cpu = authorizations["cpu_ms_per_authorization"]
    cpus = os.cpu_count()
    lines = [
        f"\nPOST {PAYMENTS_PATH} (payments web --workers {args.workers}, sync; wrk -t{args.threads} "
        f"-c{args.connections} -d{args.duration:g}s; pm_card_visa, 2 vendor orders per order)",
        f"{'':<24}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}",
        f"{'authorization (201)':<24}{rate:>9.1f}{load.p50_ms:>9.2f}{load.p95_ms:>9.2f}{load.p99_ms:>9.2f}"
        f"{load.max_ms:>9.1f}",
        f"statuses {dict(sorted(load.statuses.items()))}; socket errors {authorizations['socket_errors']}",
        f"target >= {TARGET_PER_SECOND} authorizations/s on {cpus} CPUs: {rate:.1f}/s {'met' if met else 'MISSED'}",
        "CPU ms per authorization: " + ", ".join(f"{name} {ms:.2f}" for name, ms in cpu.items()) +
        f"; all {sum(cpu.values()):.2f} ms -> {cpus} idle CPUs would allow ~"
        f"{cpus * 1000 / max(sum(cpu.values()), 1e-9):.0f}/s (wrk and PostgreSQL's WAL writer not counted)",
        f"all CPUs busy during the load: {authorizations['all_cpus_busy_during_load']:.0%}",
        f"\nGET as the hot vendor's staff ({world['seeded']['ledger']['entries']:,} ledger entries, "
        f"{world['seeded']['ledger']['hot_available_entries']:,} on its available account; wrk -t{args.threads} "
        f"-c{args.read_connections} -d{args.read_duration:g}s each)",
        f"{'':<44}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'web ms':>8}{'db ms':>8}{'busy':>6}"
        f"  p95 <= {TARGET_READ_P95_MS:g} ms",
    ]
    for name, figures in reads.items():
        read = LoadResult(**figures["load"])
        per = figures["cpu_ms_per_request"]
        lines.append(f"{name:<44}{read.requests_per_second:>8.0f}{read.p50_ms:>8.2f}{read.p95_ms:>8.2f}"
                     f"{read.p99_ms:>8.2f}{per['payments web']:>8.2f}{per['payments db']:>8.2f}"
                     f"{figures['all_cpus_busy_during_load']:>6.0%}  {'met' if figures['p95_met'] else 'MISSED'}"
                     + (f" ({figures['non_200']} non-200)" if figures["non_200"] else ""))
    lines.append("(web ms, db ms: CPU per request of payments web and of its PostgreSQL backends; busy: all CPUs)")
    errors_dominate = errors > authorizations["authorized"]
    if errors:
        lines.append(f"WARNING: {errors} answers were not 201: figures are suspect; see results/payments-stdout.log")
    if errors_dominate:
        lines.append("ERROR: errors dominate the answers: this run does not measure authorizations")
    print("\n".join(lines), flush=True)
    return {"target_per_second": TARGET_PER_SECOND, "target_met": met, "errors_dominate": errors_dominate,
            "target_read_p95_ms": TARGET_READ_P95_MS,
            "reads_p95_met": {name: figures["p95_met"] for name, figures in reads.items()}}


def _environment(args: argparse.Namespace, world: dict) -> dict:
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(), "cpu": cpu_model(),
            "python": platform.python_version(), "postgresql": server_version(), "gunicorn": version("gunicorn"),
            "load_generator": wrk_version(), "args": vars(args), "worker_setup": world["web"].worker_setup}


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted: server stopped, database dropped, no figures written")
