"""Measure what the gateway costs: the same endpoints called directly and through the gateway.

Two endpoints: the chassis ping app (trivial) and identity's GET /api/v1/users
listing 50 users from SQLite. Each is loaded directly and through each gateway
variant (gthread, sync), in rotating order over several rounds, with one real
ES256 token that the gateway and the service both verify. Targets: gateway
throughput >= 0.5x direct on the list, >= 0.35x on ping; gateway p99 <= 2x direct.
Prints figures, asserts nothing. Usage:

    .venv/bin/python bench/run_gateway_overhead.py [--duration 6] [--rounds 3] [--gateway both]
"""
from __future__ import annotations

import argparse
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

from apps import PING_BODY, PING_PATH, READ_SCOPE
from endpoint_checks import expect
from gateway_setup import (USERS_PATH, NginxFront, gateway_server, identity_with_users, jwt_env, ping_server,
                           unverified_tls, write_routes_file)
from gunicorn_servers import GunicornServer
from identity_setup import PROBE_PATH as IDENTITY_PROBE
from machine import cpu_model, measure_other_load
from wrk_load import LoadResult, LoadShape, run_wrk, wrk_version

RESULTS_DIR = Path(__file__).resolve().parent / "results"
AUDIENCE = "marketplace"


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    upstream: str          # server key of the direct variant
    min_throughput_ratio: float
    description: str


ENDPOINTS = {
    "ping": Endpoint("ping", PING_PATH, "ping", 0.35, "chassis ping app (bench/apps.py), trivial"),
    "users": Endpoint("users", f"{USERS_PATH}?page_size=50", "identity", 0.5,
                      "identity GET /api/v1/users, 50 rows from SQLite"),
}
MAX_P99_RATIO = 2.0
GATEWAY_VARIANTS = {"gthread": "gateway-gthread", "sync": "gateway-sync"}
NGINX_VARIANT = "nginx-gateway"   # deploy/nginx/nginx.conf (TLS) in front of a gthread gateway of its own
NGINX_GATEWAY = "gateway-behind-nginx"


@dataclass(frozen=True)
class Run:
    """One wrk run; CPU per request of the gateway (0 when direct), the upstream and nginx (if in front)."""

    load: LoadResult
    gateway_cpu_us: float
    upstream_cpu_us: float
    nginx_cpu_us: float = 0.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=6, help="seconds of load per round, endpoint and variant")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the variants' order rotates each round")
    parser.add_argument("--connections", type=int, default=16, help="open wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up load per endpoint and variant")
    parser.add_argument("--endpoints", default="ping,users", help="comma-separated: ping, users")
    parser.add_argument("--gateway", choices=("both", "gthread", "sync"), default="both",
                        help="gateway worker setup(s) to measure")
    parser.add_argument("--gthread-workers", type=int, default=2)
    parser.add_argument("--gthread-threads", type=int, default=8)
    parser.add_argument("--sync-workers", type=int, default=4, help="gateway sync workers")
    parser.add_argument("--upstream-workers", type=int, default=4, help="workers of ping and identity")
    parser.add_argument("--upstream-threads", type=int, default=1,
                        help="threads per upstream worker; > 1 runs ping and identity on gthread (keep-alive)")
    parser.add_argument("--users", type=int, default=50, help="users seeded into identity")
    parser.add_argument("--nginx", action="store_true",
                        help="also measure HTTPS through deploy/nginx/nginx.conf in front of a gthread gateway "
                             "(adds about a third to the run)")
    args = parser.parse_args(argv)
    args.endpoint_list = [name.strip() for name in args.endpoints.split(",") if name.strip()]
    unknown = set(args.endpoint_list) - set(ENDPOINTS)
    if unknown or not args.endpoint_list:
        parser.error(f"--endpoints: unknown {sorted(unknown)}; known: {sorted(ENDPOINTS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C and SIGTERM both unwind, so the servers are stopped either way.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    RESULTS_DIR.mkdir(exist_ok=True)
    variants = ["direct"] + [GATEWAY_VARIANTS[v] for v in (("gthread", "sync") if args.gateway == "both"
                                                             else (args.gateway,))]
    variants += [NGINX_VARIANT] if args.nginx else []
    load = len(args.endpoint_list) * len(variants) * (args.warmup + args.rounds * args.duration)
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s x {args.rounds} rounds, "
          f"endpoints {', '.join(args.endpoint_list)}, variants {', '.join(variants)}; about {load:.0f}s of load",
          flush=True)
    other_load = measure_other_load()
    servers, runs = _run(args, variants)
    setups = {name: server.worker_setup for name, server in servers.items()}
    summary = {name: _summarize(ENDPOINTS[name], endpoint_runs, variants)
               for name, endpoint_runs in runs.items()}
    for name in args.endpoint_list:
        print("\n" + _table(ENDPOINTS[name], summary[name], variants, setups))
    print("\n" + _verdict_on_variants(summary, variants))
    out = RESULTS_DIR / f"gateway_overhead-{time.strftime('%Y%m%d-%H%M%S')}.json"
    record = {"environment": {**_environment(args, setups), "other_load_before_start": other_load},
              "summary": summary,
              "rounds": {name: {variant: [{**asdict(r.load), "gateway_cpu_us_per_request": r.gateway_cpu_us,
                                           "upstream_cpu_us_per_request": r.upstream_cpu_us,
                                           "nginx_cpu_us_per_request": r.nginx_cpu_us} for r in results]
                                for variant, results in endpoint_runs.items()}
                         for name, endpoint_runs in runs.items()}}
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"figures written to {os.path.relpath(out, Path.cwd())}")
    return 0


def _run(args: argparse.Namespace, variants: list[str]):
    """Start JWKS, upstreams and gateways; check the real path; load. Everything stops on the way out."""
    from chassis.testing.jwks_server import JWKSServer
    from chassis.testing.tokens import TokenIssuer

    issuer = TokenIssuer(issuer="http://issuer.bench", audience=AUDIENCE)
    # One token for the whole run, as a real client reuses its access token.
    token = issuer.issue("bench-operator", scopes=[READ_SCOPE], roles=["operator"], expires_in=3600)
    headers = {"Authorization": f"Bearer {token}"}
    with ExitStack() as stack:
        jwks = stack.enter_context(JWKSServer(issuer.jwks()))
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-gateway-")))
        jwt = jwt_env(jwks.url, issuer.issuer, AUDIENCE)
        servers = _servers(args, variants, scratch, jwt)
        for name, server in servers.items():
            stack.callback(server.stop)
            if isinstance(server, NginxFront):
                server.start()
            else:
                server.start(IDENTITY_PROBE if name == "identity" else "/livez" if name.startswith("gateway")
                             else PING_PATH)
        if args.nginx:
            _check_nginx(servers[NGINX_VARIANT], headers, ENDPOINTS[args.endpoint_list[0]].path)
        for name in args.endpoint_list:
            _check_real_path(ENDPOINTS[name], servers, variants, headers, args.users)
        return servers, {name: _measure(ENDPOINTS[name], servers, variants, headers, args)
                         for name in args.endpoint_list}


def _servers(args: argparse.Namespace, variants: list[str], scratch: Path,
             jwt: dict[str, str]) -> dict[str, GunicornServer]:
    servers: dict[str, GunicornServer] = {}
    if "ping" in args.endpoint_list:
        servers["ping"] = ping_server(args.upstream_workers, RESULTS_DIR, scratch, jwt, args.upstream_threads)
    if "users" in args.endpoint_list:
        started = time.monotonic()
        servers["identity"] = identity_with_users(scratch / "identity-var", args.users, args.upstream_workers,
                                                  RESULTS_DIR, jwt, args.upstream_threads)
        print(f"identity: migrated SQLite, {args.users} users seeded with identity.handlers.create_user "
              f"({time.monotonic() - started:.0f}s)", flush=True)
    upstreams = {"catalog": servers["ping"].base_url if "ping" in servers else "http://127.0.0.1:9",
                 "identity": servers["identity"].base_url if "identity" in servers else "http://127.0.0.1:9"}
    routes_file = write_routes_file(RESULTS_DIR)
    shapes = {"gateway-gthread": ("gthread", args.gthread_workers, args.gthread_threads),
              "gateway-sync": ("sync", args.sync_workers, 1)}
    for variant in variants[1:]:
        if variant == NGINX_VARIANT:
            continue
        worker_class, workers, threads = shapes[variant]
        servers[variant] = gateway_server(variant, worker_class=worker_class, workers=workers, threads=threads,
                                          routes_file=routes_file, upstreams=upstreams, jwt=jwt, scratch=scratch,
                                          log_dir=RESULTS_DIR)
    if NGINX_VARIANT in variants:
        # Its own gateway, so the others keep the default config: this one believes nginx's X-Forwarded-*.
        behind = gateway_server(NGINX_GATEWAY, worker_class="gthread", workers=args.gthread_workers,
                                threads=args.gthread_threads, routes_file=routes_file, upstreams=upstreams,
                                jwt=jwt, scratch=scratch, log_dir=RESULTS_DIR)
        behind.env["GATEWAY_TRUSTED_PROXIES"] = '["127.0.0.1"]'
        servers[NGINX_GATEWAY] = behind
        servers[NGINX_VARIANT] = NginxFront(NGINX_VARIANT, behind.port, scratch / "nginx")
    return servers


def _check_nginx(nginx: NginxFront, headers: dict[str, str], api_path: str) -> None:
    """The shipped config does what its README says: redirect, one HSTS header, static assets, no token leak."""
    status, _, answer = _get(f"http://127.0.0.1:{nginx.http_port}/api/v1/users", {}, follow=False)
    expect(status == 301 and answer.get("location", "").startswith("https://"), f"nginx http: {status} {answer}")
    status, _, answer = _get(nginx.base_url + api_path, headers)
    expect(status == 200 and answer.get("strict-transport-security", "").count("max-age") == 1,
            f"nginx https: {status}, HSTS {answer.get('strict-transport-security')!r}")
    asset = nginx.base_url + "/api/v1/catalog/docs/assets/swagger-ui/swagger-ui.css"
    status, _, answer = _get(asset, {}, raw=True)
    expect(status == 200 and "immutable" in answer.get("cache-control", ""), f"nginx asset: {status} {answer}")
    print("checked nginx: HTTP -> 301 https, one HSTS header, docs assets from disk (immutable), "
          "API through the gateway", flush=True)


def _check_real_path(endpoint: Endpoint, servers: dict[str, GunicornServer], variants: list[str],
                     headers: dict[str, str], users: int) -> None:
    """Exit unless every variant answers the same 200 with the token, 401 without, with ids and limits."""
    direct = servers[endpoint.upstream].base_url + endpoint.path
    status, expected, _ = _get(direct, headers)
    expect(status == 200 and _body_ok(endpoint, expected, users), f"{endpoint.name} direct: {status} {expected}")
    for variant in variants[1:]:
        url = servers[variant].base_url + endpoint.path
        status, body, response_headers = _get(url, headers)
        expect(status == 200 and _body_ok(endpoint, body, users), f"{endpoint.name} via {variant}: {status} {body}")
        expect("x-request-id" in response_headers, f"{endpoint.name} via {variant}: no X-Request-ID")
        expect("ratelimit-limit" in response_headers, f"{endpoint.name} via {variant}: no RateLimit-Limit, "
                "so the limiter did not count it")
        status, _, _ = _get(url, {})
        expect(status == 401, f"{endpoint.name} via {variant} without token answered {status}, expected 401")
    status, _, _ = _get(direct, {})
    expect(status == 401, f"{endpoint.name} direct without token answered {status}, expected 401")
    print(f"checked {endpoint.name}: direct and via {', '.join(variants[1:])}: 200 with the token (same body), "
          f"401 without; X-Request-ID and RateLimit-* through the gateway", flush=True)


def _body_ok(endpoint: Endpoint, body: object, users: int) -> bool:
    if endpoint.name == "ping":
        return body == PING_BODY
    return isinstance(body, list) and len(body) == min(users, 50)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, headers: dict[str, str], *, follow: bool = True,
         raw: bool = False) -> tuple[int, object, dict[str, str]]:
    """Status, JSON body (raw bytes with ``raw``) and lower-cased headers; https without verification."""
    handlers = [urllib.request.HTTPSHandler(context=unverified_tls())] + ([] if follow else [_NoRedirect()])
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            body = response.read()
            return (response.status, body if raw else json.loads(body),
                    {k.lower(): v for k, v in response.headers.items()})
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")[:300], {k.lower(): v for k, v in error.headers.items()}


def _measure(endpoint: Endpoint, servers: dict[str, GunicornServer], variants: list[str],
             headers: dict[str, str], args: argparse.Namespace) -> dict[str, list[Run]]:
    upstream = servers[endpoint.upstream]
    targets = {variant: servers[endpoint.upstream if variant == "direct" else variant] for variant in variants}
    gateways = {variant: servers[NGINX_GATEWAY] if variant == NGINX_VARIANT else targets[variant]
                for variant in variants[1:]}
    for server in targets.values():
        run_wrk(server.base_url + endpoint.path, LoadShape(args.threads, args.connections, args.warmup), headers)
    shape = LoadShape(args.threads, args.connections, args.duration)
    runs: dict[str, list[Run]] = {variant: [] for variant in variants}
    print(f"\n{endpoint.name}: GET {endpoint.path}", flush=True)
    for index in range(args.rounds):
        # Rotate who goes first so drift (thermal, other load) does not favour one variant.
        order = variants[index % len(variants):] + variants[:index % len(variants)]
        for variant in order:
            front = targets[variant] if variant == NGINX_VARIANT else None
            run = _load_and_account(targets[variant].base_url + endpoint.path, shape, headers,
                                    gateways.get(variant), upstream, front)
            runs[variant].append(run)
            print(_round_line(variant, index, run), flush=True)
    return runs


def _load_and_account(url: str, shape: LoadShape, headers: dict[str, str], gateway: GunicornServer | None,
                      upstream: GunicornServer, front: NginxFront | None = None) -> Run:
    measured = [server for server in (gateway, upstream, front) if server is not None]
    before = [server.cpu_seconds() for server in measured]
    result = run_wrk(url, shape, headers)
    per_request = {id(server): (server.cpu_seconds() - start) / max(result.requests, 1) * 1e6
                   for server, start in zip(measured, before)}
    return Run(result, per_request.get(id(gateway), 0.0), per_request[id(upstream)], per_request.get(id(front), 0.0))


def _round_line(variant: str, index: int, run: Run) -> str:
    load = run.load
    return (f"  round {index + 1} {variant:<16}{load.requests_per_second:8.1f} req/s  p50 {load.p50_ms:6.2f}"
            f"  p95 {load.p95_ms:6.2f}  p99 {load.p99_ms:6.2f} ms  gateway CPU {run.gateway_cpu_us / 1000:5.2f}"
            f"  upstream CPU {run.upstream_cpu_us / 1000:5.2f}" + (f"  nginx CPU {run.nginx_cpu_us / 1000:5.2f}"
                                                                    if run.nginx_cpu_us else "")
            + f" ms/req  errors {sum(load.errors.values())}")


def _medians(runs: list[Run]) -> dict[str, float]:
    figures = {name: statistics.median(getattr(r.load, name) for r in runs)
               for name in ("requests_per_second", "p50_ms", "p95_ms", "p99_ms")}
    figures["gateway_cpu_ms_per_request"] = statistics.median(r.gateway_cpu_us for r in runs) / 1000
    figures["upstream_cpu_ms_per_request"] = statistics.median(r.upstream_cpu_us for r in runs) / 1000
    figures["nginx_cpu_ms_per_request"] = statistics.median(r.nginx_cpu_us for r in runs) / 1000
    figures["errors"] = sum(sum(r.load.errors.values()) for r in runs)
    return figures


def _summarize(endpoint: Endpoint, runs: dict[str, list[Run]], variants: list[str]) -> dict:
    medians = {variant: _medians(runs[variant]) for variant in variants}
    direct = medians["direct"]
    ratios = {}
    for variant in variants[1:]:
        throughput = medians[variant]["requests_per_second"] / direct["requests_per_second"]
        p99 = medians[variant]["p99_ms"] / direct["p99_ms"]
        ratios[variant] = {
            "throughput_ratio": throughput, "p99_ratio": p99,
            # Same-round pairs: a slow phase of the machine hits both runs of a round alike.
            "throughput_ratio_per_round": [g.load.requests_per_second / d.load.requests_per_second
                                           for d, g in zip(runs["direct"], runs[variant])],
            "throughput_target": endpoint.min_throughput_ratio, "p99_target": MAX_P99_RATIO,
            "throughput_met": throughput >= endpoint.min_throughput_ratio, "p99_met": p99 <= MAX_P99_RATIO}
    return {"path": endpoint.path, "description": endpoint.description, "medians": medians, "ratios": ratios}


def _table(endpoint: Endpoint, summary: dict, variants: list[str], setups: dict[str, str]) -> str:
    lines = [f"{endpoint.name}: GET {endpoint.path} ({endpoint.description}); medians over rounds",
             f"  upstream {endpoint.upstream}: {setups[endpoint.upstream]}",
             *(f"  {variant}: {setups[variant]}" for variant in variants[1:]),
             *([f"  {NGINX_VARIANT}: gateway {setups[NGINX_GATEWAY]}, GATEWAY_TRUSTED_PROXIES=[127.0.0.1]; "
                "gw CPU counts the gateway, nginx CPU is extra"] if NGINX_VARIANT in variants else []),
             f"{'':<18}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'gw CPU ms/req':>15}{'upstream CPU':>14}"]
    for variant in variants:
        f = summary["medians"][variant]
        gateway_cpu = f"{f['gateway_cpu_ms_per_request']:.3f}" if variant != "direct" else "-"
        lines.append(f"{variant:<18}{f['requests_per_second']:>9.1f}{f['p50_ms']:>9.2f}{f['p95_ms']:>9.2f}"
                     f"{f['p99_ms']:>9.2f}{gateway_cpu:>15}{f['upstream_cpu_ms_per_request']:>14.3f}"
                     + (f"   nginx CPU {f['nginx_cpu_ms_per_request']:.3f}" if variant == NGINX_VARIANT else ""))
    for variant in variants[1:]:
        r = summary["ratios"][variant]
        per_round = ", ".join(f"{ratio:.2f}" for ratio in r["throughput_ratio_per_round"])
        lines += [f"throughput {variant}/direct: {r['throughput_ratio']:.3f}  (target >= {r['throughput_target']})  "
                  f"{_verdict(r['throughput_met'])}   per round: {per_round}",
                  f"p99        {variant}/direct: {r['p99_ratio']:.3f}  (target <= {r['p99_target']})  "
                  f"{_verdict(r['p99_met'])}"]
    errors = {variant: summary["medians"][variant]["errors"] for variant in variants}
    if any(errors.values()):
        lines.append(f"WARNING: wrk counted errors (non-2xx or socket) {errors}: figures are suspect")
    return "\n".join(lines)


def _verdict_on_variants(summary: dict, variants: list[str]) -> str:
    compared = [variant for variant in variants[1:] if variant != NGINX_VARIANT]
    if len(compared) < 2:
        return f"one gateway worker setup measured: {compared[0]}"
    lines = ["gateway worker setups, throughput ratio per endpoint:"]
    for name, endpoint_summary in summary.items():
        ratios = {variant: endpoint_summary["ratios"][variant]["throughput_ratio"] for variant in compared}
        best = max(ratios, key=ratios.get)
        lines.append(f"  {name}: " + ", ".join(f"{v} {r:.3f}" for v, r in ratios.items()) + f" -> {best} better")
    return "\n".join(lines)


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _environment(args: argparse.Namespace, setups: dict[str, str]) -> dict:
    args_record = {key: value for key, value in vars(args).items() if key != "endpoint_list"}
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(), "cpu": cpu_model(),
            "python": platform.python_version(), "gunicorn": version("gunicorn"), "urllib3": version("urllib3"),
            "load_generator": wrk_version(), "args": args_record, "worker_setups": setups,
            "wrk_shape": f"-t{args.threads} -c{args.connections} -d{args.duration:g}s --latency"}



if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted: servers stopped, no figures written")
