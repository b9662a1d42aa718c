"""Where the gateway spends its time per proxied request, measured in one process.

The gateway app (``create_app(settings)``) is called straight through WSGI (no
socket in front, no gunicorn), forwarding to the chassis ping app served by
gunicorn on a free port, with a real token verified against a JWKS fetched
over HTTP, multiprocess metrics and the JSON access log to a file. The same
upstream is also called with a bare urllib3 pool: the difference is the
gateway's own Python cost. Then a cProfile ranking, by cumulative and own time.

    .venv/bin/python bench/profile_gateway_path.py [--requests 2000] [--repeats 5] [--top 25]
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import tempfile
import time
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
AUDIENCE = "marketplace"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per timing and for the profile")
    parser.add_argument("--repeats", type=int, default=5, help="timings per variant (the fastest counts)")
    parser.add_argument("--top", type=int, default=25, help="functions listed per ranking")
    parser.add_argument("--upstream-workers", type=int, default=2, help="workers of the ping app")
    parser.add_argument("--upstream-threads", type=int, default=1,
                        help="threads per ping worker; > 1 runs it on gthread, which keeps connections alive")
    args = parser.parse_args()
    RESULTS_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-gateway-profile-") as scratch_name:
        scratch = Path(scratch_name)
        # prometheus_client picks its value class at import: the variable must come first.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(scratch)
        os.environ["MARKETPLACE_VAR_DIR"] = str(scratch)
        from chassis.testing.jwks_server import JWKSServer
        from chassis.testing.tokens import TokenIssuer
        from gateway_setup import jwt_env, ping_server
        issuer = TokenIssuer(issuer="http://issuer.bench", audience=AUDIENCE)
        with JWKSServer(issuer.jwks()) as jwks:
            jwt = jwt_env(jwks.url, issuer.issuer, AUDIENCE)
            upstream = ping_server(args.upstream_workers, RESULTS_DIR, scratch, jwt, args.upstream_threads)
            try:
                from apps import PING_PATH
                upstream.start(PING_PATH)
                _measure(issuer, jwt, upstream, scratch, args)
            finally:
                upstream.stop()


def _measure(issuer, jwt: dict[str, str], upstream, scratch: Path, args: argparse.Namespace) -> None:
    from apps import PING_PATH, READ_SCOPE
    from werkzeug.test import EnvironBuilder

    upstream_url = upstream.base_url
    token = issuer.issue("bench-operator", scopes=[READ_SCOPE], roles=["operator"], expires_in=3600)
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "wrk"}
    environ = EnvironBuilder(path=PING_PATH, headers=headers,
                             environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()
    with open(RESULTS_DIR / "gateway-profile-stdout.log", "w") as log, contextlib.redirect_stdout(log):
        gateway = _gateway_app(jwt, upstream_url, scratch)  # the chassis log handler keeps this file
        _call(gateway, environ, 50)  # fetch the JWKS, verify the token once, open pooled connections
        direct = _direct_caller(upstream_url + PING_PATH, headers)
        timings = _timings(gateway, environ, direct, upstream, args)
        by_cumulative, by_own = _profile(gateway, environ, args)
    print(f"in-process µs per request (fastest of {args.repeats} x {args.requests}), upstream "
          f"{upstream_url} (chassis ping app, gunicorn {upstream.worker_setup})\n"
          f"  urllib3 straight to the upstream   {timings['direct']:7.1f}\n"
          f"  through the gateway WSGI app       {timings['gateway']:7.1f}   "
          f"(gateway's own: +{timings['gateway'] - timings['direct']:.1f})\n"
          f"  gateway process CPU per request    {timings['gateway_cpu']:7.1f}   "
          f"(urllib3 alone: {timings['direct_cpu']:.1f})\n"
          f"  upstream CPU per request           {timings['gateway_upstream_cpu']:7.1f}   "
          f"(called by urllib3 alone: {timings['direct_upstream_cpu']:.1f})")
    print(f"\ncProfile of {args.requests} gateway requests by cumulative time "
          "(profiling inflates every figure; read it for the ranking)\n" + by_cumulative)
    print("cProfile of the same requests by own time\n" + by_own)


def _gateway_app(jwt: dict[str, str], upstream_url: str, scratch: Path):
    """``create_app(settings)`` with the bench route table, catalog = the ping app, limits never reached."""
    from chassis.settings import load_settings
    from gateway.app import create_app
    from gateway.settings import GatewaySettings
    from gateway_setup import NEVER_REACHED, write_routes_file

    os.environ.update(jwt)
    os.environ.pop("REDIS_URL", None)  # counters in memory, as in the server benchmark
    settings = load_settings(GatewaySettings, catalog_url=upstream_url, routes_file=write_routes_file(scratch),
                             rate_limit_per_ip=NEVER_REACHED, rate_limit_per_caller=NEVER_REACHED,
                             rate_limit_auth_per_ip=NEVER_REACHED, trusted_proxies=[])
    return create_app(settings)


def _direct_caller(url: str, headers: dict[str, str]):
    """The same GET with a bare urllib3 pool: what the network and the upstream cost alone."""
    import urllib3
    pool = urllib3.PoolManager(maxsize=1, retries=False)

    def call(count: int) -> None:
        for _ in range(count):
            response = pool.request("GET", url, headers=headers)
            if response.status != 200:
                raise RuntimeError(f"upstream answered {response.status}")
    return call


def _timings(gateway, environ: dict, direct, upstream, args: argparse.Namespace) -> dict[str, float]:
    """Fastest µs/request (wall), with this process's and the upstream's CPU µs/request in that timing.

    Variants interleave so drift hits both.
    """
    best: dict[str, float] = {}
    for _ in range(args.repeats):
        for name, run in (("direct", direct), ("gateway", lambda n: _call(gateway, environ, n))):
            run(100)
            wall, cpu, upstream_cpu = time.perf_counter(), time.process_time(), upstream.cpu_seconds()
            run(args.requests)
            elapsed = (time.perf_counter() - wall) / args.requests * 1e6
            cpu_used = (time.process_time() - cpu) / args.requests * 1e6
            upstream_used = (upstream.cpu_seconds() - upstream_cpu) / args.requests * 1e6
            if elapsed < best.get(name, float("inf")):
                best[name], best[f"{name}_cpu"], best[f"{name}_upstream_cpu"] = elapsed, cpu_used, upstream_used
    return best


def _call(app, environ: dict, count: int) -> None:
    def start_response(status, headers, exc_info=None):
        if not status.startswith("200"):
            raise RuntimeError(f"{status}: not the measured path")

    for _ in range(count):
        body = app(dict(environ), start_response)
        for _chunk in body:
            pass
        if hasattr(body, "close"):
            body.close()


def _profile(gateway, environ: dict, args: argparse.Namespace) -> tuple[str, str]:
    profiler = cProfile.Profile()
    profiler.runcall(_call, gateway, environ, args.requests)
    rankings = []
    for key in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(key).print_stats(args.top)
        rankings.append(text.getvalue())
    return rankings[0], rankings[1]


if __name__ == "__main__":
    main()
