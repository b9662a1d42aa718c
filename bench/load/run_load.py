"""Load the whole marketplace through the gateway with a storefront mix, on PostgreSQL + RabbitMQ.

Every service (gunicorn web + worker) and the gateway run as real processes
(``chassis.testing.stack.Stack`` on a PostgreSQL backend: fresh databases, a RabbitMQ namespace),
identity issuing every token. After seeding (``world.py``), virtual users run browse : search : view :
order+pay : vendor actions at 10 : 5 : 5 : 1 : 1 (``traffic.py``) for a warm-up, then for the
measured window. Printed (and written to ``bench/results/load-<time>.json``): orders settled per
second (placed → ``processing``) and how long that takes, p50/p95/p99 and errors per route, event
lag (outbox created → inbox handled), and CPU per process. Targets: ≥ 100 orders/s placed and paid,
p95 placed → processing ≤ 1 s, < 0.1 % errors. It prints figures and asserts nothing. Usage:

    .venv/bin/python bench/load/run_load.py [--duration 60] [--warmup 10] [--users 32] [--rate R]
    .venv/bin/python bench/load/run_load.py --duration 10 --warmup 3   # a quick check
"""
from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(Path(__file__).resolve().parent), str(BENCH_DIR)]  # this folder's modules, then bench's

from load_report import print_report, summary  # noqa: E402
from load_stack import DEFAULT_WEB_WORKERS, LoadStack  # noqa: E402
from machine import busy_share, cpu_model, machine_ticks, measure_other_load  # noqa: E402
from process_cpu import snapshot, used_between  # noqa: E402
from saga_figures import event_lag, settlement, wait_for_settlement  # noqa: E402
from traffic import WEIGHTS, Traffic  # noqa: E402
from world import build_world  # noqa: E402

RESULTS_DIR = BENCH_DIR / "results"
SERVICES = ("identity", "catalog", "orders", "payments", "analytics")


def stack_env() -> dict[str, str]:
    """Production values where the test stack tunes for speed, and tokens that outlive the run.

    Tokens are fetched once, before the load (identity allows at most 900 s). The test settings retry
    a failed event after 10 ms and redeliver after 2 s; production waits 0.2 s and 30 s.
    """
    env = {"IDENTITY_ACCESS_TOKEN_LIFETIME_SECONDS": "900"}
    for service in SERVICES:
        env |= {f"{service.upper()}_EVENT_RETRY_BASE_DELAY": "0.2", f"{service.upper()}_BROKER_VISIBILITY_TIMEOUT": "30"}
    return env


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of measured load")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of load before measuring")
    parser.add_argument("--users", type=int, default=32, help="virtual users, each one action after another")
    parser.add_argument("--rate", type=float, default=None,
                        help="actions per second of all users together (default: as fast as they go)")
    parser.add_argument("--mix", default=",".join(f"{k}={v}" for k, v in WEIGHTS.items()),
                        help="weight of each action; e.g. order_pay=1 alone for checkout only")
    parser.add_argument("--products", type=int, default=200, help="products of the demo vendors, through the API")
    parser.add_argument("--bulk-products", type=int, default=20_000,
                        help="more products (2 offers each on average) seeded in catalog with SQL; 0 for none")
    parser.add_argument("--customers", type=int, default=20, help="customers signed up and signed in")
    parser.add_argument("--web-workers", default=",".join(f"{k}={v}" for k, v in DEFAULT_WEB_WORKERS.items()),
                        help="gunicorn sync workers per web process, e.g. gateway=4,orders=2")
    parser.add_argument("--settle-timeout", type=float, default=60,
                        help="seconds to wait after the load for the window's orders to settle")
    args = parser.parse_args(argv)
    if args.duration + args.warmup > 600:
        parser.error("--duration + --warmup must stay under 600 s: tokens are fetched once and live 900 s")
    args.mix = {**{action: 0 for action in WEIGHTS}, **_pairs(args.mix)}
    if set(args.mix) - set(WEIGHTS) or not any(args.mix.values()):
        parser.error(f"--mix takes weights of {', '.join(WEIGHTS)}, at least one above 0")
    args.web_workers = {**DEFAULT_WEB_WORKERS, **_pairs(args.web_workers)}
    return args


def _pairs(text: str) -> dict[str, int]:
    """``"a=1,b=2"`` -> ``{"a": 1, "b": 2}``."""
    return {name.strip(): int(count) for name, count in (pair.split("=") for pair in text.split(",") if pair)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds: processes stop, databases are dropped
    RESULTS_DIR.mkdir(exist_ok=True)
    other_load = measure_other_load()
    with tempfile.TemporaryDirectory(prefix="marketplace-load-") as workdir:
        stack = LoadStack(Path(workdir), args.web_workers, env=stack_env())
        try:
            started = time.monotonic()
            stack.start()
            print(f"stack up in {time.monotonic() - started:.0f}s (gateway {stack.gateway_url}); seeding", flush=True)
            world = build_world(stack, args.products, args.customers, args.bulk_products)
            measured = asyncio.run(measure(stack, world, args))
            results = {**measured, "seed_seconds": world.seconds, "bulk_catalog": world.bulk_catalog}
        finally:
            stack.stop()
            keep_logs(Path(workdir))
    results.update(other_load_share=round(other_load, 3), cpu_model=cpu_model(), arguments={
        key: value for key, value in vars(args).items()}, time=datetime.now(timezone.utc).isoformat())
    print_report(results)
    path = RESULTS_DIR / f"load-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nwritten: {path}")
    return 0


def keep_logs(workdir: Path) -> None:
    """Each process's log (the JSON access lines too) to ``results/load-logs/``, replacing the last run's."""
    logs = RESULTS_DIR / "load-logs"
    logs.mkdir(exist_ok=True)
    for old in logs.glob("*.log"):
        old.unlink()
    for log in workdir.glob("*.log"):
        shutil.copyfile(log, logs / log.name)


async def measure(stack: LoadStack, world, args: argparse.Namespace) -> dict:
    """Warm-up, the measured window, then the saga's figures once the window's orders have settled."""
    traffic = Traffic(stack.gateway_url, world, args.users, args.rate, args.mix)
    running = asyncio.create_task(traffic.run_until_stopped())
    mix = ":".join(f"{action} {weight}" for action, weight in args.mix.items() if weight)
    print(f"load: {args.users} users{f' at {args.rate:g} actions/s' if args.rate else ''}, mix {mix}, "
          f"{args.warmup:g}s warm-up, {args.duration:g}s measured", flush=True)
    await asyncio.sleep(args.warmup)
    cpu_before, ticks_before, since = snapshot(stack), machine_ticks(), datetime.now(timezone.utc)
    traffic.recorder.measuring = True
    await asyncio.sleep(args.duration)
    traffic.recorder.measuring = False
    cpu_after, ticks_after, until = snapshot(stack), machine_ticks(), datetime.now(timezone.utc)
    traffic.stopping = True
    await asyncio.wait_for(running, timeout=60)  # in-flight checkouts finish paying
    orders = traffic.recorder.placed_orders
    final_statuses = await asyncio.to_thread(wait_for_settlement, stack, orders, args.settle_timeout)
    return {"duration": args.duration,
            **summary(traffic.recorder, args.duration),
            "saga": {**settlement(stack, orders), "final_statuses": final_statuses},
            "event_lag": event_lag(stack, since, until),
            "cpu_seconds": {name: round(seconds, 3) for name, seconds in used_between(cpu_before, cpu_after).items()},
            "machine_busy_share": round(busy_share(ticks_before, ticks_after), 3),
            "web_workers": args.web_workers}


if __name__ == "__main__":
    sys.exit(main())
