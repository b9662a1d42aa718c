"""Measure what the chassis costs per request against bare Flask, under the same gunicorn.

Both apps run at once (sync workers, same count) on free local ports; wrk
loads one at a time, alternating over several rounds, and the medians are
compared: chassis >= 0.85x bare throughput, chassis p99 <= 1.5x bare p99.
Prints figures, asserts nothing. Usage:

    .venv/bin/python bench/run_chassis_overhead.py [--duration 15] [--connections 16] [--rounds 3]
"""
from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

from apps import PING_PATH, READ_SCOPE
from endpoint_checks import check_real_path
from gunicorn_servers import REPO_ROOT, GunicornServer
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
    parser.add_argument("--chassis-env", action="append", default=[], metavar="NAME=VALUE",
                        help="what-if: extra environment for the chassis server, e.g. "
                             "MARKETPLACE_LOG_LEVEL=WARNING to price the access log (skips the log check)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C and SIGTERM both unwind (even when started in the background, where SIGINT
    # comes ignored), so the servers are stopped either way.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    RESULTS_DIR.mkdir(exist_ok=True)
    estimate = 2 * args.warmup + 2 * args.rounds * args.duration
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s x {args.rounds} rounds per app, "
          f"gunicorn sync x {args.workers} workers; about {estimate:.0f}s of load", flush=True)
    rounds, access_lines = _run(args)
    summary = summarize(rounds)
    print("\nmedians over rounds\n" + table(summary))
    print(f"\nchassis JSON access log: {access_lines} lines in {_relative(RESULTS_DIR / 'chassis-stdout.log')}")
    out = RESULTS_DIR / f"chassis_overhead-{time.strftime('%Y%m%d-%H%M%S')}.json"
    write_json(out, _environment(args, access_lines), rounds, summary)
    print(f"figures written to {_relative(out)}")
    return 0


def _run(args: argparse.Namespace) -> tuple[dict[str, list[LoadResult]], int]:
    """Start the JWKS server and both gunicorns, check, load; everything is stopped on the way out."""
    from chassis.testing.jwks_server import JWKSServer
    from chassis.testing.tokens import TokenIssuer

    issuer = TokenIssuer(issuer="http://issuer.bench", audience="marketplace")
    # One token for the whole run, as a real client reuses its access token.
    headers = {"Authorization": f"Bearer {issuer.issue('bench-client', scopes=[READ_SCOPE], expires_in=3600)}"}
    with ExitStack() as stack:
        jwks = stack.enter_context(JWKSServer(issuer.jwks()))
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-chassis-")))
        servers = _servers(args.workers, jwks.url, issuer.issuer, scratch)
        servers["chassis"].env.update(_overrides(args.chassis_env))
        for server in servers.values():
            stack.callback(server.stop)
            server.start(PING_PATH)
        check_real_path(servers["bare"].base_url, servers["chassis"].base_url, servers["chassis"].stdout_path,
                        headers, expect_access_log=not args.chassis_env)
        return _measure(servers, headers, args), _count_lines(servers["chassis"].stdout_path)


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


def _overrides(assignments: list[str]) -> dict[str, str]:
    pairs = [assignment.partition("=") for assignment in assignments]
    if any(not name or not sep for name, sep, _ in pairs):
        raise SystemExit("--chassis-env takes NAME=VALUE")
    if pairs:
        print("what-if run, chassis server also gets: " + " ".join(assignments))
    return {name: value for name, _, value in pairs}


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


def _count_lines(path: Path) -> int:
    with open(path, "rb") as log:
        return sum(1 for _ in log)


def _relative(path: Path) -> str:
    return os.path.relpath(path, Path.cwd())


def _chassis_revision() -> str:
    """Last commit touching libs/chassis, marked when the work tree changes it further."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True).stdout.strip()
    changed = git("status", "--porcelain", "--", "libs/chassis/chassis")
    return git("log", "-1", "--format=%h", "--", "libs/chassis") + (" + uncommitted changes" if changed else "")


def _environment(args: argparse.Namespace, access_lines: int) -> dict:
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(),
        "python": platform.python_version(), "gunicorn": version("gunicorn"), "flask": version("flask"),
        "load_generator": wrk_version(), "chassis_revision": _chassis_revision(), "args": vars(args),
        "chassis_stdout": "bench/results/chassis-stdout.log", "chassis_access_log_lines": access_lines,
    }


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted: servers stopped, no figures written")
