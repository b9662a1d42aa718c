"""Measure analytics: sales events ingested per second by one worker, and dashboard queries over rollups built
from 1,000,000 orders and from 10,000 orders.

Real processes on throwaway PostgreSQL databases migrated with analytics' migrations:

1. Dashboards: sales facts seeded in bulk SQL (``analytics_seed.py``: 1,000,000 orders over 13 months, then a
   database of 10,000), rollups built by ``analytics rebuild``; ``analytics web`` (gunicorn, sync workers as
   shipped) loaded by wrk as an operator and as the biggest vendor's staff: summary of a month, GMV per day
   over 12 months (UTC and Europe/Paris), top 10 products of a month (UTC and Europe/Paris). p50/p95/p99,
   req/s, CPU per request of the web workers and of PostgreSQL, side by side for both sizes. Target: p95 <= 20 ms at 1,000,000 orders.
2. Ingestion: a realistic mix of sales events (``analytics_events.py``) published to RabbitMQ under a broker
   namespace of this run, where analytics' queue gets them, BEFORE one ``analytics worker`` starts; then the
   time it takes to drain them into the 10,000-order database (inbox rows), and CPU per event of the worker
   and of PostgreSQL. Target: >= 1,000 events/s.

Prints figures, asserts nothing. Databases are dropped and the broker namespace deleted on the way out, Ctrl-C
and SIGTERM included. Usage:

    .venv/bin/python bench/run_analytics.py [--events 20000] [--orders 1000000] [--duration 10] [--profile 200]
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
from datetime import datetime, timedelta, timezone
from importlib.metadata import version
from pathlib import Path

from analytics_events import publish_to_analytics, queue_depth, sales_stream
from analytics_seed import BIGGEST_VENDOR, rebuild_rollups, seed_sales_facts
from endpoint_checks import call, expect
from gateway_setup import jwt_env
from machine import busy_share, cpu_model, machine_ticks, measure_other_load
from orders_setup import RABBITMQ_URL, broker_env, process_cpu_seconds, web_server, worker_process
from throwaway_databases import backend_cpu, migrate, server_version, throwaway_database
from wrk_load import LoadResult, LoadShape, run_wrk, wrk_version

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
STATUSES_SCRIPT = BENCH_DIR / "wrk_statuses.lua"
AUDIENCE = "marketplace"
TARGET_EVENTS_PER_SECOND = 1_000
TARGET_P95_MS = 20.0
ROLES = ("operator", "vendor")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="sales events published, then drained")
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders of the big dashboard database")
    parser.add_argument("--small-orders", type=int, default=10_000, help="orders of the small dashboard database")
    parser.add_argument("--duration", type=int, default=10, help="seconds of measured load per query")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up load per query (not counted)")
    parser.add_argument("--connections", type=int, default=4,
                        help="open wrk connections; the default, one per worker, measures latency without queueing")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="sync gunicorn workers of analytics web")
    parser.add_argument("--drain-timeout", type=float, default=600, help="seconds to wait for the worker to drain")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also run each dashboard query N times in-process on the big database and print CPU "
                             "per query and a cProfile ranking of the slowest")
    parser.add_argument("--skip", choices=("dashboards", "ingestion"), action="append", default=[],
                        help="leave out a part (repeatable)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C and SIGTERM both unwind: processes stop, databases are dropped, the namespace is deleted.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    RESULTS_DIR.mkdir(exist_ok=True)
    other_load = measure_other_load()
    environment = _environment(args)
    print(f"code at the start: {_described(environment)}", flush=True)
    dashboards, ingestion = {}, None
    with ExitStack() as stack:
        world = _world(stack)
        small = None
        if "dashboards" not in args.skip:
            for size in (args.orders, args.small_orders):
                database, seeded = _dashboard_database(stack, world, size)
                profile = args.profile if size == args.orders else 0
                dashboards[size] = {"seeded": seeded, **_dashboards(world, database, args, profile)}
                small = database
        if "ingestion" not in args.skip:
            if small is None:
                small = throwaway_database(stack, f"bench_analytics_{world['run']}_ingest")
                migrate("analytics", small, world["scratch"])
            ingestion = _ingestion(stack, world, small, args)
    verdict = _report(args, dashboards, ingestion)
    out = RESULTS_DIR / f"analytics-{time.strftime('%Y%m%d-%H%M%S')}.json"
    record = {"environment": {**environment, "other_load_before_start": other_load},
              "dashboards": {str(size): figures for size, figures in dashboards.items()}, "ingestion": ingestion,
              "verdict": verdict}
    out.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"figures written to {os.path.relpath(out, Path.cwd())}")
    return 0


# --- the world: scratch directory, run id, tokens

def _world(stack: ExitStack) -> dict:
    from chassis.testing.jwks_server import JWKSServer
    from chassis.testing.tokens import TokenIssuer

    scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-analytics-")))
    issuer = TokenIssuer(issuer="http://issuer.bench", audience=AUDIENCE)
    jwks = stack.enter_context(JWKSServer(issuer.jwks()))
    tokens = {"operator": issuer.issue("bench-operator", roles=["operator", "support"], expires_in=7200),
              "vendor": issuer.issue("bench-vendor-staff", roles=["vendor"], vendor_id=BIGGEST_VENDOR,
                                     expires_in=7200)}
    return {"scratch": scratch, "run": uuid.uuid4().hex[:8], "jwt": jwt_env(jwks.url, issuer.issuer, AUDIENCE),
            "tokens": tokens}


def _dashboard_database(stack: ExitStack, world: dict, orders: int) -> tuple[str, dict]:
    database = throwaway_database(stack, f"bench_analytics_{world['run']}_{orders}")
    migrated = migrate("analytics", database, world["scratch"])
    facts = seed_sales_facts(database, orders)
    print(f"\n{orders:,} orders: migrated in {migrated:.1f}s; facts seeded in {facts.seconds:.1f}s: "
          f"{facts.vendor_orders:,} vendor orders, {facts.lines:,} lines, movements {facts.movements}, "
          f"outcomes {facts.outcomes}; {facts.vendors} vendors, {facts.products:,} products sold, "
          f"{facts.customers:,} customers, {facts.days} days", flush=True)
    rebuilt = rebuild_rollups(database, world["scratch"])
    print(f"analytics rebuild --only sales: {rebuilt.rows:,} rollup rows in {rebuilt.seconds:.1f}s "
          f"({', '.join(f'{k} {v:,}' for k, v in rebuilt.by_grain_and_scope.items())})", flush=True)
    return database, {"facts": asdict(facts), "rebuild": asdict(rebuilt)}


# --- dashboards

def _queries() -> dict[str, str]:
    """The dashboard reads: a month (the last whole calendar month), and the 12 months up to yesterday."""
    today = datetime.now(timezone.utc).date()
    month_end = today.replace(day=1) - timedelta(days=1)
    month = {"from": month_end.replace(day=1).isoformat(), "to": month_end.isoformat()}
    year = {"from": (today - timedelta(days=365)).isoformat(), "to": (today - timedelta(days=1)).isoformat()}

    def path(resource: str, **query) -> str:
        return f"/api/v1/stats/{resource}?" + urllib.parse.urlencode(query)

    return {"summary, a month": path("summary", **month, tz="UTC"),
            "GMV per day, 12 months, UTC": path("series", metric="gmv", granularity="day", **year, tz="UTC"),
            "GMV per day, 12 months, Paris": path("series", metric="gmv", granularity="day", **year,
                                                  tz="Europe/Paris"),
            "top 10 products, a month": path("top-products", limit=10, **month, tz="UTC"),
            "top 10 products, a month, Paris": path("top-products", limit=10, **month, tz="Europe/Paris")}


def _dashboards(world: dict, database: str, args: argparse.Namespace, profile: int) -> dict:
    web = web_server("analytics", args.workers, database, world["scratch"], RESULTS_DIR, {}, world["jwt"])
    try:
        web.start("/livez")
        code = _code()
        print(f"started: analytics web ({web.worker_setup}, sync workers as shipped) at {_described(code)}",
              flush=True)
        queries = _queries()
        _check(web.base_url, world["tokens"], queries)
        figures = {}
        shape = LoadShape(args.threads, args.connections, args.duration)
        env = {"WRK_STATUSES_SCRIPT": str(STATUSES_SCRIPT)}
        for name, path in queries.items():
            for role in ROLES:
                url, headers = web.base_url + path, {"Authorization": f"Bearer {world['tokens'][role]}"}
                run_wrk(url, LoadShape(args.threads, args.connections, args.warmup), headers, script=STATUSES_SCRIPT,
                        env=env)
                web_before, db_before, ticks = web.cpu_seconds(), backend_cpu(database), machine_ticks()
                result = run_wrk(url, shape, headers, script=STATUSES_SCRIPT, env=env)
                busy = busy_share(ticks, machine_ticks())
                served = max(result.requests, 1)
                figures[f"{name} | {role}"] = {
                    "path": path, "role": role, "load": asdict(result), "all_cpus_busy_during_load": busy,
                    "web_cpu_ms": (web.cpu_seconds() - web_before) / served * 1000,
                    "db_cpu_ms": _backends_since(db_before, database) / served * 1000,
                    "non_200": sum(n for status, n in result.statuses.items() if status != "200")}
                print(f"  {name} as {role}: {result.requests_per_second:.0f} req/s, p95 {result.p95_ms:.2f} ms, "
                      f"statuses {result.statuses}", flush=True)
        profiled = _profile(world, database, queries, profile) if profile else None
    finally:
        web.stop()
    return {"queries": figures, "profile": profiled, "code": code}


def _backends_since(before: dict[int, float], database: str) -> float:
    """CPU seconds of ``database``'s backends since ``before``; one that connected meanwhile counts from 0."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in backend_cpu(database).items())


def _check(base: str, tokens: dict[str, str], queries: dict[str, str]) -> None:
    """Exit unless every query answers 200 with figures to both roles, and a vendor cannot read another's."""
    for name, path in queries.items():
        for role in ROLES:
            status, answer = call(base + path, {"Authorization": f"Bearer {tokens[role]}"}, timeout=30)
            expect(status == 200, f"{name} as {role}: GET {path} answered {status}: {answer}")
            if "counts" in answer:
                expect(answer["counts"]["orders"] > 0 and answer["money"], f"{name} as {role}: {answer}")
                expect((answer["vendor_id"] == BIGGEST_VENDOR) == (role == "vendor"), f"{name} as {role}: {answer}")
            elif "points" in answer:
                expect(len(answer["points"]) == 365 and sum(p["value"] for p in answer["points"]) > 0,
                        f"{name} as {role}: {len(answer['points'])} points")
            else:
                expect(len(answer) == 10, f"{name} as {role}: {len(answer)} products")
                expect(role == "operator" or {item["vendor_id"] for item in answer} == {BIGGEST_VENDOR},
                        f"{name} as vendor: products of {({item['vendor_id'] for item in answer})}")
    summary = queries["summary, a month"]
    status, _ = call(f"{base}{summary}&vendor_id=ven-0001", {"Authorization": f"Bearer {tokens['vendor']}"},
                     timeout=30)
    expect(status == 403, f"a vendor asking for another vendor's summary got {status}, expected 403")
    print(f"checked: the {len(queries)} queries answer 200 with figures to an operator and to {BIGGEST_VENDOR}'s "
          f"staff (its own products only); another vendor's figures are a 403 to it", flush=True)


_in_process_log = None


def _profile(world: dict, database: str, queries: dict[str, str], count: int) -> dict:
    """Each query ``count`` times as an operator in this process (analytics' app, Flask test client): wall and
    CPU ms (wall - CPU is mostly PostgreSQL); then the query using most CPU here under cProfile, and the plan
    (EXPLAIN ANALYZE, BUFFERS) of the SQL of the query waiting longest on PostgreSQL."""
    import cProfile
    import io
    import pstats

    from sqlalchemy import event

    from analytics.app import create_app
    from analytics.settings import AnalyticsSettings
    from chassis.app import runtime

    global _in_process_log
    jwt = world["jwt"]
    settings = AnalyticsSettings(
        database_url=database, broker_url=f"embedded:///{world['scratch'] / 'in-process-broker.db'}",
        jwks_url=jwt["MARKETPLACE_JWKS_URL"], jwt_issuer=jwt["MARKETPLACE_JWT_ISSUER"], jwt_audiences=[AUDIENCE])
    _in_process_log = _in_process_log or open(RESULTS_DIR / "analytics-in-process-stdout.log", "w")
    figures, text = {}, io.StringIO()
    with contextlib.redirect_stdout(_in_process_log):
        app = create_app(settings)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {world['tokens']['operator']}"}

        def calls(path: str, n: int) -> None:
            for _ in range(n):
                answer = client.get(path, headers=headers)
                expect(answer.status_code == 200, f"in-process GET {path}: {answer.status_code}")

        for name, path in queries.items():
            calls(path, 3)
            wall, cpu = time.perf_counter(), time.process_time()
            calls(path, count)
            figures[name] = {"wall_ms": (time.perf_counter() - wall) / count * 1000,
                             "cpu_ms": (time.process_time() - cpu) / count * 1000}
        busiest = max(figures, key=lambda name: figures[name]["cpu_ms"])
        profiler = cProfile.Profile(time.process_time)  # CPU, not waits: the machine may be shared
        profiler.enable()
        calls(queries[busiest], count)
        profiler.disable()
        waiting = max(figures, key=lambda name: figures[name]["wall_ms"] - figures[name]["cpu_ms"])
        with app.app_context():
            engine = runtime().database.engine
        statements = []
        keep = lambda _c, _cur, statement, parameters, *_: statements.append((statement, parameters))  # noqa: E731
        event.listen(engine, "before_cursor_execute", keep)
        calls(queries[waiting], 1)
        event.remove(engine, "before_cursor_execute", keep)
        statement, parameters = next(item for item in statements if "rollups" in item[0])
        with engine.connect() as connection:
            plan = [row[0] for row in connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
        engine.dispose()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(40)
    lines = [f"in-process as an operator, {count} calls each (no gunicorn): wall ms, CPU ms of this process "
             f"(wall - CPU: mostly PostgreSQL)"]
    lines += [f"  {name:<34} wall {f['wall_ms']:7.2f}  cpu {f['cpu_ms']:7.2f}" for name, f in figures.items()]
    lines.append(f"plan of the SQL of '{waiting}' (EXPLAIN ANALYZE, BUFFERS):")
    lines += [f"  {line}" for line in plan]
    lines.append(f"cProfile of '{busiest}' (CPU time of this process), by own time then cumulative:")
    report = "\n".join(lines) + "\n" + text.getvalue()
    print(report, flush=True)
    return {"per_query": figures, "profiled": busiest, "explained": waiting, "plan": plan, "text": report}


# --- ingestion

def _ingestion(stack: ExitStack, world: dict, database: str, args: argparse.Namespace) -> dict:
    import psycopg

    from chassis.events.topology import topology_for
    from chassis.testing.backends import delete_namespace
    from kombu import Connection

    namespace = f"bench-analytics-{world['run']}"
    stack.callback(lambda: (delete_namespace(namespace), print(f"deleted broker namespace {namespace}", flush=True)))
    started = time.monotonic()
    stream = sales_stream(args.events)
    built = time.monotonic() - started
    published = publish_to_analytics(stream.envelopes, RABBITMQ_URL, namespace)
    count = len(stream.envelopes)
    print(f"\ningestion: {count:,} events of {stream.orders:,} orders built from the contract examples and checked "
          f"in {built:.1f}s ({', '.join(f'{k} {v}' for k, v in stream.by_type.items())}; {stream.mean_run:.2f} "
          f"events of one type in a row on average), published to analytics' queue in namespace {namespace} in "
          f"{published:.1f}s", flush=True)
    topology = topology_for(RABBITMQ_URL, namespace)
    worker = worker_process("analytics", database, world["scratch"], RESULTS_DIR, broker_env(namespace), world["jwt"])
    stack.callback(worker.stop)
    with psycopg.connect(database, autocommit=True) as poll, Connection(RABBITMQ_URL, heartbeat=0) as broker:
        own = poll.execute("SELECT pg_backend_pid()").fetchone()[0]
        handled = lambda: poll.execute("SELECT count(*) FROM inbox").fetchone()[0]  # noqa: E731
        orders_before = poll.execute("SELECT count(*) FROM sales_orders").fetchone()[0]
        baseline = handled()
        code = _code()
        launched, ticks = time.monotonic(), machine_ticks()
        worker.start()
        pid = worker.process.pid
        while (first := handled() - baseline) == 0:  # the worker's start-up (imports, connections) not counted
            _still_running(worker, launched, args.drain_timeout)
            time.sleep(0.05)
        window = time.monotonic()
        worker_before, db_before = process_cpu_seconds(pid), _backends(database, own)
        while queue_depth(broker, topology.queue_name("analytics")) > 0:
            _still_running(worker, launched, args.drain_timeout)
            time.sleep(0.2)
        while (done := handled() - baseline) < count:
            _still_running(worker, launched, args.drain_timeout)
            time.sleep(0.05)
        finished = time.monotonic()
        worker_cpu = process_cpu_seconds(pid) - worker_before
        db_cpu = sum(cpu - db_before.get(p, 0.0) for p, cpu in _backends(database, own).items())
        busy = busy_share(ticks, machine_ticks())
        span = poll.execute("SELECT extract(epoch FROM max(handled_at) - min(handled_at)) FROM inbox "
                            "WHERE handled_at >= (SELECT max(handled_at) FROM inbox) - interval '1 day'").fetchone()[0]
        orders_after = poll.execute("SELECT count(*) FROM sales_orders").fetchone()[0]
        dead = queue_depth(broker, topology.dead_letter_queue_name("analytics"))
    in_window = done - first
    window_seconds = finished - window
    figures = {"code": code, "events": count, "by_type": stream.by_type, "orders": stream.orders,
               "mean_run": stream.mean_run,
               "published_seconds": published, "handled": done, "dead_lettered": dead,
               "orders_recorded": orders_after - orders_before,
               "seconds_from_launch": finished - launched, "events_per_second": in_window / window_seconds,
               "events_per_second_from_inbox_times": (count - 1) / float(span) if span else None,
               "worker_cpu_ms_per_event": worker_cpu / max(in_window, 1) * 1000,
               "db_cpu_ms_per_event": db_cpu / max(in_window, 1) * 1000, "all_cpus_busy": busy,
               "database_orders_before": orders_before}
    print(f"drained: {done:,} events handled ({dead} dead-lettered, {orders_after - orders_before:,} orders recorded) "
          f"{finished - launched:.1f}s after the worker was launched at {_described(code)}", flush=True)
    return figures


def _backends(database: str, exclude: int) -> dict[int, float]:
    return {pid: cpu for pid, cpu in backend_cpu(database).items() if pid != exclude}


def _still_running(worker, launched: float, timeout: float) -> None:
    if worker.process.poll() is not None:
        raise SystemExit(f"analytics worker exited ({worker.process.returncode}):\n{worker.log()[-3000:]}")
    if time.monotonic() - launched > timeout:
        raise SystemExit(f"analytics worker did not drain the queue in {timeout:g}s:\n{worker.log()[-2000:]}")


# --- report

def _report(args: argparse.Namespace, dashboards: dict, ingestion: dict | None) -> dict:
    lines, verdict = [], {}
    cpus = os.cpu_count()
    if dashboards:
        sizes = list(dashboards)
        lines.append(f"\nDashboard queries (analytics web --workers {args.workers}, sync; wrk -t{args.threads} "
                     f"-c{args.connections} -d{args.duration:g}s each; vendor = {BIGGEST_VENDOR}, the biggest)")
        lines.append(f"{'':<42}" + "".join(f"| {f'{size:,} orders':<54}" for size in sizes))
        lines.append(f"{'':<42}" + f"|{'req/s':>7}{'p50':>8}{'p95':>8}{'p99':>8}{'web ms':>8}{'db ms':>8}{'busy':>6} "
                     * len(sizes) + f" p95 <= {TARGET_P95_MS:g} ms")
        met_all = True
        for key in dashboards[sizes[0]]["queries"]:
            row = f"{key.replace(' | ', ' as '):<42}"
            for size in sizes:
                figures = dashboards[size]["queries"][key]
                load = LoadResult(**figures["load"])
                row += (f"|{load.requests_per_second:>7.0f}{load.p50_ms:>8.1f}{load.p95_ms:>8.1f}{load.p99_ms:>8.1f}"
                        f"{figures['web_cpu_ms']:>8.2f}{figures['db_cpu_ms']:>8.2f}"
                        f"{figures['all_cpus_busy_during_load']:>6.0%} ")
            big = LoadResult(**dashboards[sizes[0]]["queries"][key]["load"])
            met = big.p95_ms <= TARGET_P95_MS and not dashboards[sizes[0]]["queries"][key]["non_200"]
            met_all &= met
            row += " met" if met else " MISSED"
            lines.append(row)
        lines.append("(latencies in ms; web ms, db ms: CPU per request of analytics web and of its PostgreSQL "
                     "backends; busy: all CPUs)")
        errors = {f"{size}: {key}": f["non_200"] for size in sizes for key, f in dashboards[size]["queries"].items()
                  if f["non_200"]}
        if errors:
            lines.append(f"WARNING: answers that were not 200: {errors}")
        lines.append(f"target p95 <= {TARGET_P95_MS:g} ms at {sizes[0]:,} orders: {'met' if met_all else 'MISSED'}")
        verdict["dashboards_p95_met"] = met_all
    if ingestion:
        rate = ingestion["events_per_second"]
        per = ingestion["worker_cpu_ms_per_event"] + ingestion["db_cpu_ms_per_event"]
        lines += [
            f"\nIngestion: {ingestion['events']:,} sales events queued before one analytics worker started "
            f"({ingestion['database_orders_before']:,} orders already in its database)",
            f"  {rate:,.0f} events/s while draining ({ingestion['events_per_second_from_inbox_times'] or 0:,.0f}/s "
            f"from the inbox's first to last handled_at; {ingestion['seconds_from_launch']:.1f}s from launch, "
            f"start-up included)",
            f"  CPU ms per event: worker {ingestion['worker_cpu_ms_per_event']:.2f}, PostgreSQL "
            f"{ingestion['db_cpu_ms_per_event']:.2f}; all {per:.2f} ms -> one worker on an idle CPU would allow "
            f"~{1000 / max(ingestion['worker_cpu_ms_per_event'], 1e-9):,.0f}/s, worker + database on {cpus} idle CPUs "
            f"~{min(1000 / max(ingestion['worker_cpu_ms_per_event'], 1e-9), cpus * 1000 / max(per, 1e-9)):,.0f}/s",
            f"  all CPUs busy while draining: {ingestion['all_cpus_busy']:.0%}; dead-lettered: "
            f"{ingestion['dead_lettered']}; orders recorded: {ingestion['orders_recorded']:,} of "
            f"{ingestion['orders']:,}",
            f"  target >= {TARGET_EVENTS_PER_SECOND:,} events/s by one worker: "
            f"{'met' if rate >= TARGET_EVENTS_PER_SECOND else 'MISSED'}"]
        verdict["ingestion_met"] = rate >= TARGET_EVENTS_PER_SECOND
    print("\n".join(lines), flush=True)
    return verdict


def _code() -> dict:
    """The commit the processes started now run, and what is not committed under analytics and the chassis (they
    run the working tree)."""
    import subprocess

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH_DIR, capture_output=True, text=True,
                            check=False).stdout.strip()
    uncommitted = subprocess.run(["git", "status", "--short", "--", "services/analytics", "libs/chassis"],
                                 cwd=BENCH_DIR.parent, capture_output=True, text=True, check=False).stdout.split("\n")
    return {"commit": commit, "uncommitted": [line.strip() for line in uncommitted if line.strip()]}


def _described(code: dict) -> str:
    return f"commit {code['commit']}" + (f" + uncommitted {', '.join(code['uncommitted'])}"
                                         if code["uncommitted"] else "")


def _environment(args: argparse.Namespace) -> dict:
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **_code(), "cpus": os.cpu_count(),
            "cpu": cpu_model(), "python": platform.python_version(), "postgresql": server_version(),
            "gunicorn": version("gunicorn"), "load_generator": wrk_version(), "args": vars(args)}


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted: processes stopped, databases dropped, namespace deleted, no figures written")
