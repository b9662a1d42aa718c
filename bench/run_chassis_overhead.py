"""Measure what the chassis costs per request against bare Flask, under the same gunicorn.

Both apps run at once (sync workers, same count) on free local ports; wrk
loads one at a time, alternating over several rounds, and the medians are
compared: chassis >= 0.85x bare throughput, chassis p99 <= 1.5x bare p99.
Prints figures, asserts nothing. Usage:

    .venv/bin/python bench/run_chassis_overhead.py [--duration 15] [--connections 16] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

from apps import PING_BODY, PING_PATH, READ_SCOPE
from gunicorn_servers import GunicornServer
from overhead_report import round_line, summarize, table, write_json
from wrk_load import LoadResult, LoadShape, run_wrk, wrk_version

RESULTS_DIR = Path(__file__).resolve().parent / "results"
APPS = {"bare": "bench.apps:bare_app()", "chassis": "bench.apps:chassis_app()"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=15, help="seconds of load per round and app")
    parser.add_argument("--connections", type=int, default=16, help="open wrk connections")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per app, alternating bare/chassis")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up load per app")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers per app")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the servers are stopped either way.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    RESULTS_DIR.mkdir(exist_ok=True)
    from chassis.testing.jwks_server import JWKSServer
    from chassis.testing.tokens import TokenIssuer

    issuer = TokenIssuer(issuer="http://issuer.bench", audience="marketplace")
    # One token for the whole run, as a real client reuses its access token.
    headers = {"Authorization": f"Bearer {issuer.issue('bench-client', scopes=[READ_SCOPE], expires_in=3600)}"}
    estimate = 2 * args.warmup + 2 * args.rounds * args.duration
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s x {args.rounds} rounds per app, "
          f"gunicorn sync x {args.workers} workers; about {estimate:.0f}s of load", flush=True)
    with ExitStack() as stack:
        jwks = stack.enter_context(JWKSServer(issuer.jwks()))
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-chassis-")))
        servers = _servers(args.workers, jwks.url, issuer.issuer, scratch)
        for server in servers.values():
            stack.callback(server.stop)
            server.start(PING_PATH)
        _check_real_path(servers, headers)
        rounds = _measure(servers, headers, args)
        access_lines = _count_lines(servers["chassis"].stdout_path)
    summary = summarize(rounds)
    print("\nmedians over rounds\n" + table(summary))
    print(f"\nchassis JSON access log: {access_lines} lines in {_relative(servers['chassis'].stdout_path)}")
    out = RESULTS_DIR / f"chassis_overhead-{time.strftime('%Y%m%d-%H%M%S')}.json"
    write_json(out, _environment(args, access_lines), rounds, summary)
    print(f"figures written to {_relative(out)}")
    return 0


def _servers(workers: int, jwks_url: str, issuer: str, scratch: Path) -> dict[str, GunicornServer]:
    chassis_env = {
        "MARKETPLACE_JWKS_URL": jwks_url, "MARKETPLACE_JWT_ISSUER": issuer,
        "MARKETPLACE_JWT_AUDIENCES": '["marketplace"]', "MARKETPLACE_VAR_DIR": str(scratch / "var"),
        "PROMETHEUS_MULTIPROC_DIR": str(scratch / "prometheus"),  # as production runs gunicorn
    }
    return {
        "bare": GunicornServer("bare", APPS["bare"], workers, RESULTS_DIR),
        "chassis": GunicornServer("chassis", APPS["chassis"], workers, RESULTS_DIR,
                                  config="python:chassis.gunicorn_conf", env=chassis_env),
    }


def _check_real_path(servers: dict[str, GunicornServer], headers: dict[str, str]) -> None:
    """Refuse to measure unless the chassis endpoint really authenticates, logs and counts."""
    chassis = servers["chassis"].base_url
    status, body, response_headers = _get(chassis + PING_PATH, headers)
    _expect(status == 200 and body == PING_BODY, f"chassis with token: {status} {body}")
    _expect("X-Request-ID" in response_headers, "chassis response has no X-Request-ID")
    status, _, _ = _get(chassis + PING_PATH, {})
    _expect(status == 401, f"chassis without token answered {status}, expected 401")
    status, body, _ = _get(servers["bare"].base_url + PING_PATH, headers)
    _expect(status == 200 and body == PING_BODY, f"bare: {status} {body}")
    _expect('"logger": "chassis.access"' in servers["chassis"].stdout_path.read_text(), "no JSON access log line")
    metrics = urllib.request.urlopen(chassis + "/metrics", timeout=5).read().decode()
    _expect(f'route="{PING_PATH}"' in metrics, "no http_requests_total for the endpoint in /metrics")
    print("checked: chassis 200 with token, 401 without; X-Request-ID, JSON access log and metrics present")


def _measure(servers: dict[str, GunicornServer], headers: dict[str, str],
             args: argparse.Namespace) -> dict[str, list[LoadResult]]:
    warmup = LoadShape(args.threads, args.connections, args.warmup)
    shape = LoadShape(args.threads, args.connections, args.duration)
    for server in servers.values():
        run_wrk(server.base_url + PING_PATH, warmup, headers)
    rounds: dict[str, list[LoadResult]] = {"bare": [], "chassis": []}
    for index in range(args.rounds):
        # Alternate who goes first so drift (thermal, page cache) does not favour one app.
        order = ("bare", "chassis") if index % 2 == 0 else ("chassis", "bare")
        for app in order:
            result = _load_and_account(servers[app], shape, headers)
            rounds[app].append(result)
            print(round_line(app, index, result), flush=True)
    return rounds


def _load_and_account(server: GunicornServer, shape: LoadShape, headers: dict[str, str]) -> LoadResult:
    cpu_before = server.cpu_seconds()
    result = run_wrk(server.base_url + PING_PATH, shape, headers)
    cpu_us = (server.cpu_seconds() - cpu_before) / max(result.requests, 1) * 1e6
    return replace(result, server_cpu_us_per_request=cpu_us)


def _get(url: str, headers: dict[str, str]) -> tuple[int, object, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace"), dict(error.headers)


def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise SystemExit(f"not measuring the real path: {problem}")


def _count_lines(path: Path) -> int:
    with open(path, "rb") as log:
        return sum(1 for _ in log)


def _relative(path: Path) -> str:
    return os.path.relpath(path, Path.cwd())


def _environment(args: argparse.Namespace, access_lines: int) -> dict:
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(),
        "python": platform.python_version(), "gunicorn": version("gunicorn"), "flask": version("flask"),
        "load_generator": wrk_version(), "args": vars(args),
        "chassis_stdout": "bench/results/chassis-stdout.log", "chassis_access_log_lines": access_lines,
    }


if __name__ == "__main__":
    sys.exit(main())
