"""Measure the storefront search (GET /api/v1/products) on a 100 000-product catalog in PostgreSQL.

A throwaway database (migrated with ``catalog db upgrade``, seeded by
``catalog_seed.py``) behind three servers: the catalog, a gateway in front of
it, and a bare Flask + SQLAlchemy app answering the same 50 newest rows (the
baseline). Three storefront queries (newest, text, filtered), each direct and
through the gateway, plus the bare list, in rotating order over several rounds;
then SQL statements per request, counted in-process. Target: catalog direct >= 0.8x
bare on the unfiltered list; <= 3 SQL statements per request. Prints figures,
asserts nothing. The database is dropped on the way out (Ctrl-C included). Usage:

    .venv/bin/python bench/run_catalog_storefront.py [--duration 5] [--rounds 3] [--connections 16]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

from apps import BARE_LIST_PATH
from catalog_seed import COMMON_WORD, ROOTS, CatalogSize, seed
from gateway_setup import GUNICORN_CONF, gateway_server, jwt_env
from gunicorn_servers import GunicornServer
from machine import measure_other_load
from throwaway_databases import SERVER_ROOT, backend_cpu, migrate, throwaway_database
from wrk_load import LoadResult, LoadShape, run_wrk, wrk_version

RESULTS_DIR = Path(__file__).resolve().parent / "results"
AUDIENCE = "marketplace"
PAGE_SIZE = 50
MIN_RATIO_NEWEST = 0.8
MAX_STATEMENTS = 3
QUERIES = {
    "newest": f"/api/v1/products?page_size={PAGE_SIZE}&sort=newest",
    "text": f"/api/v1/products?q={COMMON_WORD}&page_size={PAGE_SIZE}",
    "filtered": f"/api/v1/products?category={ROOTS[0]}&min_price=1000&max_price=20000&in_stock=true"
                f"&sort=price_asc&page_size={PAGE_SIZE}",
}
# Whatever the shell says about catalog's database, broker or tokens, this run decides.
_FOREIGN = ("MARKETPLACE_DATABASE_URL", "MARKETPLACE_BROKER_URL", "PROMETHEUS_MULTIPROC_DIR",
            "MARKETPLACE_JWKS_URL", "MARKETPLACE_JWT_ISSUER", "MARKETPLACE_JWT_AUDIENCES")


@dataclass(frozen=True)
class Target:
    """One thing wrk loads: ``server`` answers ``path``; ``upstream`` (if any) is the catalog behind a gateway."""

    name: str
    server: str
    path: str
    upstream: str | None = None


@dataclass(frozen=True)
class Run:
    load: LoadResult
    server_cpu_us: float      # the server wrk talks to
    upstream_cpu_us: float    # the catalog behind the gateway (0 otherwise)
    database_cpu_us: float    # PostgreSQL backends connected to the bench database


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5, help="seconds of load per round and target")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the targets' order rotates each round")
    parser.add_argument("--connections", type=int, default=16, help="open wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up load per target")
    parser.add_argument("--workers", type=int, default=4, help="sync workers of each server")
    parser.add_argument("--products", type=int, default=CatalogSize.products)
    parser.add_argument("--offers", type=int, default=CatalogSize.offers)
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also cProfile N in-process requests of the unfiltered list and print the ranking")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C and SIGTERM both unwind, so servers stop and the database is dropped either way.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    RESULTS_DIR.mkdir(exist_ok=True)
    targets = _targets()
    load = len(targets) * (args.warmup + args.rounds * args.duration)
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s x {args.rounds} rounds, "
          f"{len(targets)} targets; about {load:.0f}s of load", flush=True)
    other_load = measure_other_load()
    with ExitStack() as stack:
        database = throwaway_database(stack, f"bench_catalog_{os.getpid()}")
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-storefront-")))
        seeded = _migrate_and_seed(database, scratch, CatalogSize(products=args.products, offers=args.offers))
        _check_summary(database)
        statements = _count_statements(database, scratch)
        servers = _start_servers(stack, database, scratch, args.workers)
        _check(servers, targets)
        runs = _measure(servers, targets, args, database)
        profile = _profile(database, scratch, args.profile) if args.profile else None
    summary = _summarize(runs)
    print("\n" + _table(summary, statements, servers))
    out = RESULTS_DIR / f"catalog_storefront-{time.strftime('%Y%m%d-%H%M%S')}.json"
    record = {"environment": {**_environment(args, servers), "other_load_before_start": other_load},
              "seed": seeded, "queries": QUERIES, "sql_statements_per_request": statements, "summary": summary,
              "rounds": {name: [{**asdict(r.load), "server_cpu_us_per_request": r.server_cpu_us,
                                 "upstream_cpu_us_per_request": r.upstream_cpu_us,
                                 "database_cpu_us_per_request": r.database_cpu_us} for r in target_runs]
                         for name, target_runs in runs.items()},
              "profile": profile}
    out.write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(f"figures written to {os.path.relpath(out, Path.cwd())}")
    return 0


def _targets() -> list[Target]:
    targets = [Target("bare", "bare", BARE_LIST_PATH)]
    for name, path in QUERIES.items():
        targets += [Target(f"catalog-{name}", "catalog", path), Target(f"gateway-{name}", "gateway", path, "catalog")]
    return targets


# --- database

def _migrate_and_seed(database: str, scratch: Path, size: CatalogSize) -> dict:
    migrate_seconds = migrate("catalog", database, scratch)
    migrated = time.monotonic()
    figures = seed(database, size)
    seconds = time.monotonic() - migrated
    steps = ", ".join(f"{key.removesuffix('_seconds')} {value:.1f}s" for key, value in figures.items()
                      if key.endswith("_seconds"))
    print(f"database {database.rsplit('/', 1)[1]}: migrated in {migrate_seconds:.1f}s; seeded in {seconds:.1f}s "
          f"({steps}): {figures['categories']} categories, {figures['products']} products "
          f"({figures['listed_products']} listed), {figures['offers']} offers", flush=True)
    return {**figures, "migrate_seconds": migrate_seconds, "seed_seconds": seconds}


# --- in-process: SQL statements per request, and an optional profile

_in_process_log = None


def _in_process_app(database: str, scratch: Path):
    """The catalog app in this process; its JSON log goes to results/storefront-in-process-stdout.log."""
    os.environ["MARKETPLACE_VAR_DIR"] = str(scratch / "in-process-var")
    for key in _FOREIGN:
        os.environ.pop(key, None)
    from catalog.app import create_app
    from catalog.settings import CatalogSettings
    global _in_process_log
    if _in_process_log is None:
        # The chassis log handler keeps the descriptor stdout has when the first app is built: a real file,
        # open until the process ends (a closed one's number would be reused by a pipe or socket).
        _in_process_log = open(RESULTS_DIR / "storefront-in-process-stdout.log", "w")
    with contextlib.redirect_stdout(_in_process_log):
        return create_app(CatalogSettings(database_url=database))


def _check_summary(database: str, sample: int = 2000) -> None:
    """Exit unless ``catalog.listing.refresh`` computes the seeded summary of ``sample`` products unchanged."""
    import psycopg
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from catalog import listing

    engine = create_engine(_psycopg(database))
    summary = text("SELECT id, listed, best_price_minor, in_stock, offer_count FROM products WHERE id = ANY(:ids)")
    try:
        with Session(engine) as session:
            ids = list(session.scalars(text("SELECT id FROM products ORDER BY md5(id) LIMIT :n"), {"n": sample}))
            seeded = set(session.execute(summary, {"ids": ids}).all())
            listing.refresh(session, ids)
            refreshed = set(session.execute(summary, {"ids": ids}).all())
            session.rollback()
    finally:
        engine.dispose()
    # The rolled-back UPDATE left dead row versions and cleared the visibility map of the pages it touched;
    # without this the counts below would visit the heap (about twice the database CPU on the unfiltered list).
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE products")
    if seeded != refreshed:
        raise SystemExit(f"not measuring: the seeded summary differs from catalog.listing.refresh on "
                         f"{len(seeded - refreshed)} of {len(ids)} products")
    print(f"checked: the seeded summary of {len(ids)} products is what catalog.listing.refresh computes", flush=True)


def _count_statements(database: str, scratch: Path) -> dict[str, dict]:
    """Statements the catalog sends per request (``before_cursor_execute`` on its engine), per query."""
    from sqlalchemy import event

    from chassis.app import runtime

    app = _in_process_app(database, scratch)
    client = app.test_client()
    seen: list[str] = []
    with app.app_context():
        engine = runtime().database.engine
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_: seen.append(statement))
    counted = {}
    for name, path in QUERIES.items():
        client.get(path)  # first request opens connections and fills caches
        seen.clear()
        response = client.get(path)
        counted[name] = {"status": response.status_code, "items": len(response.get_json() or []),
                         "statements": len(seen), "sql": [" ".join(s.split())[:160] for s in seen]}
    engine.dispose()
    lines = [f"  {name:<9}{c['statements']} statements: " + " | ".join(s[:60] for s in c["sql"])
             for name, c in counted.items()]
    print("SQL statements per request (in-process, before_cursor_execute):\n" + "\n".join(lines), flush=True)
    return counted


# (label, file suffix, function): cumulative time of these frames per request, in the in-process profile.
PROFILE_BUCKETS = (
    ("whole request (WSGI app)", "flask/app.py", "wsgi_app"),
    ("SQL: ORM Session.execute (compile, run, fetch)", "sqlalchemy/orm/session.py", "execute"),
    ("SQL: Connection.execute (run, fetch)", "sqlalchemy/engine/base.py", "execute"),
    ("  waiting for PostgreSQL (psycopg wait)", "psycopg/connection.py", "wait"),
    ("  pool checkout incl. pre-ping", "sqlalchemy/pool/base.py", "_checkout"),
    ("  runtime settings read (currency)", "chassis/runtime_settings.py", "current"),
    ("  capped count (storefront _total)", "catalog/api/storefront.py", "_total"),
    ("listed rows dump (ListedProductSchema.dump_rows)", "catalog/api/schemas.py", "dump_rows"),
    ("query string parse (marshmallow load)", "marshmallow/schema.py", "load"),
)


def _profile(database: str, scratch: Path, requests: int) -> dict:
    """In-process time per request of the unfiltered list, catalog and bare app, and where it goes (cProfile)."""
    import apps

    app = _in_process_app(database, scratch)
    os.environ["BENCH_DATABASE_URL"] = _psycopg(database)
    clients = {"catalog": (app.test_client(), QUERIES["newest"]),
               "bare": (apps.bare_list_app().test_client(), BARE_LIST_PATH)}
    timings, buckets, rankings = {}, {}, {}
    for name, (client, path) in clients.items():
        for _ in range(20):
            client.get(path)
        started = time.perf_counter()
        for _ in range(requests):
            client.get(path)
        timings[name] = (time.perf_counter() - started) / requests * 1e6
        buckets[name], rankings[name] = _profiled(client, path, requests)
    lines = [f"\nin-process, {requests} requests of the unfiltered list (no socket, no gunicorn):",
             f"  wall per request: catalog {timings['catalog']:.0f} us, bare {timings['bare']:.0f} us",
             f"  under cProfile, us per request{'catalog':>22}{'bare':>8}"]
    lines += [f"  {label:<46}{buckets['catalog'][label]:>8.0f}{buckets['bare'][label]:>8.0f}"
              for label, _, _ in PROFILE_BUCKETS]
    print("\n".join(lines) + "\n\ncatalog, cProfile by cumulative time:\n" + rankings["catalog"], flush=True)
    return {"us_per_request": timings, "profiled_us_per_request": buckets, "cprofile_cumulative": rankings}


def _profiled(client, path: str, requests: int) -> tuple[dict[str, float], str]:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    buckets = {label: sum(ct for (file, _, function), (_, _, _, ct, _) in stats.stats.items()
                          if file.endswith(suffix) and function == wanted) / requests * 1e6
               for label, suffix, wanted in PROFILE_BUCKETS}
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
    return buckets, text.getvalue()


def _psycopg(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


# --- servers

def _start_servers(stack: ExitStack, database: str, scratch: Path, workers: int) -> dict[str, GunicornServer]:
    from chassis.testing.jwks_server import JWKSServer
    from chassis.testing.tokens import TokenIssuer
    from gateway.settings import DEFAULT_ROUTES_FILE

    issuer = TokenIssuer(issuer="http://issuer.bench", audience=AUDIENCE)
    jwks = stack.enter_context(JWKSServer(issuer.jwks()))
    jwt = jwt_env(jwks.url, issuer.issuer, AUDIENCE)
    catalog = GunicornServer("catalog", "catalog.app:create_app()", workers, RESULTS_DIR, config=GUNICORN_CONF,
                             env={**jwt, "CATALOG_DATABASE_URL": database,
                                  "MARKETPLACE_VAR_DIR": str(scratch / "catalog-var"),
                                  "PROMETHEUS_MULTIPROC_DIR": str(scratch / "catalog-prometheus")},
                             drop_env=_FOREIGN + tuple(key for key in os.environ if key.startswith("CATALOG_")))
    bare = GunicornServer("bare-list", "bench.apps:bare_list_app()", workers, RESULTS_DIR, config=GUNICORN_CONF,
                          env={"BENCH_DATABASE_URL": _psycopg(database)}, drop_env=_FOREIGN)
    gateway = gateway_server("gateway-storefront", worker_class="sync", workers=workers, threads=1,
                             routes_file=DEFAULT_ROUTES_FILE, upstreams={"catalog": catalog.base_url}, jwt=jwt,
                             scratch=scratch, log_dir=RESULTS_DIR)
    servers = {"catalog": catalog, "bare": bare, "gateway": gateway}
    for name, server in servers.items():
        stack.callback(server.stop)
        server.start("/livez" if name == "gateway" else BARE_LIST_PATH if name == "bare" else QUERIES["newest"])
    return servers


def _check(servers: dict[str, GunicornServer], targets: list[Target]) -> None:
    """Exit unless every target answers 200 with 50 items (and the catalog's X-Pagination)."""
    for target in targets:
        status, body, headers = _get(servers[target.server].base_url + target.path)
        if status != 200 or not isinstance(body, list) or len(body) != PAGE_SIZE:
            raise SystemExit(f"not measuring: {target.name} answered {status}, "
                             f"{len(body) if isinstance(body, list) else body!r:.300}")
        if target.server != "bare" and "x-pagination" not in headers:
            raise SystemExit(f"not measuring: {target.name} sent no X-Pagination")
    print(f"checked: {', '.join(t.name for t in targets)} answer 200 with {PAGE_SIZE} items", flush=True)


def _get(url: str) -> tuple[int, object, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read()), {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")[:300], {}


# --- load

def _measure(servers: dict[str, GunicornServer], targets: list[Target], args,
             database: str) -> dict[str, list[Run]]:
    shape = LoadShape(args.threads, args.connections, args.duration)
    for target in targets:
        run_wrk(servers[target.server].base_url + target.path, LoadShape(args.threads, args.connections,
                                                                          args.warmup), {})
    runs: dict[str, list[Run]] = {target.name: [] for target in targets}
    for index in range(args.rounds):
        # Rotate who goes first so drift (thermal, other load) does not favour one target.
        shift = index * len(targets) // max(args.rounds, 1)
        for target in targets[shift:] + targets[:shift]:
            run = _load_and_account(servers, target, shape, database)
            runs[target.name].append(run)
            load = run.load
            print(f"  round {index + 1} {target.name:<18}{load.requests_per_second:8.1f} req/s  p50 {load.p50_ms:6.2f}"
                  f"  p95 {load.p95_ms:6.2f}  p99 {load.p99_ms:6.2f} ms  CPU {run.server_cpu_us:6.0f}"
                  f"+{run.upstream_cpu_us:4.0f}  db {run.database_cpu_us:5.0f} us/req  errors {sum(load.errors.values())}", flush=True)
    return runs


def _load_and_account(servers: dict[str, GunicornServer], target: Target, shape: LoadShape,
                      database: str) -> Run:
    measured = [servers[target.server]] + ([servers[target.upstream]] if target.upstream else [])
    before = [server.cpu_seconds() for server in measured]
    backends_before = backend_cpu(database)
    result = run_wrk(servers[target.server].base_url + target.path, shape, {})
    backends_after = backend_cpu(database)
    requests = max(result.requests, 1)
    per_request = [(server.cpu_seconds() - start) / requests * 1e6 for server, start in zip(measured, before)]
    # Backends live as long as the workers' pooled connections; one that came or went mid-run counts as 0.
    database_cpu = sum(cpu - backends_before.get(pid, cpu) for pid, cpu in backends_after.items()) / requests * 1e6
    return Run(result, per_request[0], per_request[1] if target.upstream else 0.0, database_cpu)


# --- report

def _summarize(runs: dict[str, list[Run]]) -> dict:
    medians = {}
    for name, target_runs in runs.items():
        figures = {key: statistics.median(getattr(r.load, key) for r in target_runs)
                   for key in ("requests_per_second", "p50_ms", "p95_ms", "p99_ms")}
        figures["server_cpu_us_per_request"] = statistics.median(r.server_cpu_us for r in target_runs)
        figures["upstream_cpu_us_per_request"] = statistics.median(r.upstream_cpu_us for r in target_runs)
        figures["database_cpu_us_per_request"] = statistics.median(r.database_cpu_us for r in target_runs)
        figures["errors"] = sum(sum(r.load.errors.values()) for r in target_runs)
        medians[name] = figures
    bare = medians["bare"]["requests_per_second"]
    ratios = {}
    for query in QUERIES:
        direct, through = medians[f"catalog-{query}"], medians[f"gateway-{query}"]
        ratios[query] = {
            "catalog_over_bare": direct["requests_per_second"] / bare,
            "gateway_over_bare": through["requests_per_second"] / bare,
            "gateway_over_catalog": through["requests_per_second"] / direct["requests_per_second"],
            "catalog_over_bare_per_round": [c.load.requests_per_second / b.load.requests_per_second
                                            for c, b in zip(runs[f"catalog-{query}"], runs["bare"])]}
    return {"medians": medians, "ratios": ratios}


def _table(summary: dict, statements: dict, servers: dict[str, GunicornServer]) -> str:
    lines = ["medians over rounds; CPU = user+system of the server wrk talks to, + the catalog behind the gateway;"
             " db = the PostgreSQL backends of the bench database",
             *(f"  {name}: {server.worker_setup}" for name, server in servers.items()),
             f"{'':<20}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'CPU us/req':>12}{'+catalog':>10}{'db us/req':>11}"]
    for name, f in summary["medians"].items():
        upstream = f"{f['upstream_cpu_us_per_request']:.0f}" if name.startswith("gateway") else "-"
        lines.append(f"{name:<20}{f['requests_per_second']:>9.1f}{f['p50_ms']:>9.2f}{f['p95_ms']:>9.2f}"
                     f"{f['p99_ms']:>9.2f}{f['server_cpu_us_per_request']:>12.0f}{upstream:>10}"
                     f"{f['database_cpu_us_per_request']:>11.0f}")
    for query, r in summary["ratios"].items():
        verdict = (f"  (target >= {MIN_RATIO_NEWEST}) {'met' if r['catalog_over_bare'] >= MIN_RATIO_NEWEST else 'MISSED'}"
                   if query == "newest" else "")
        per_round = ", ".join(f"{ratio:.2f}" for ratio in r["catalog_over_bare_per_round"])
        lines.append(f"{query:<9} catalog/bare {r['catalog_over_bare']:.3f}{verdict}  per round: {per_round};  "
                     f"gateway/bare {r['gateway_over_bare']:.3f}, gateway/catalog {r['gateway_over_catalog']:.3f}")
    for query, counted in statements.items():
        met = "met" if counted["statements"] <= MAX_STATEMENTS else "MISSED"
        lines.append(f"{query:<9} SQL statements per request: {counted['statements']}  (target <= {MAX_STATEMENTS}) {met}")
    errors = {name: f["errors"] for name, f in summary["medians"].items() if f["errors"]}
    if errors:
        lines.append(f"WARNING: wrk counted errors (non-2xx or socket) {errors}: figures are suspect")
    return "\n".join(lines)


def _environment(args: argparse.Namespace, servers: dict[str, GunicornServer]) -> dict:
    import psycopg
    with psycopg.connect(f"{SERVER_ROOT}/postgres") as connection:
        server_version = connection.execute("SHOW server_version").fetchone()[0]
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(), "cpu": cpu,
            "python": platform.python_version(), "postgresql": server_version, "gunicorn": version("gunicorn"),
            "flask": version("flask"), "sqlalchemy": version("sqlalchemy"), "load_generator": wrk_version(),
            "args": vars(args), "worker_setups": {name: s.worker_setup for name, s in servers.items()},
            "wrk_shape": f"-t{args.threads} -c{args.connections} -d{args.duration:g}s --latency"}


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted: servers stopped, database dropped, no figures written")
