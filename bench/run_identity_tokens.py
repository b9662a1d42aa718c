"""Measure identity's token issuance: client_credentials tokens/s and authorization-code logins/s.

A fresh identity (embedded default: SQLite + embedded broker in a temporary
MARKETPLACE_VAR_DIR) is set up with the real CLI and served by `identity web`
(gunicorn, sync workers). wrk POSTs client_credentials requests (target
>= 300 tokens/s on 2 cores); Python threads then run whole browser logins
(authorize -> login form -> POST credentials -> code -> token). argon2 is slow
on purpose, so one verify is timed alone too. Prints figures, asserts nothing:

    .venv/bin/python bench/run_identity_tokens.py [--duration 15] [--rounds 2] [--login-seconds 20]
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from contextlib import ExitStack
from dataclasses import asdict, replace
from importlib.metadata import version
from pathlib import Path

from gunicorn_servers import REPO_ROOT
from identity_setup import (REDIRECT_URI, PROBE_PATH, Credentials, IdentityWeb, identity_server,
                            lift_two_factor_requirement, provision)
from login_load import STEPS, Browser, LoginFailed, LoginRun, SecondFactorRequired, run_logins
from machine import busy_share, cpu_model, machine_ticks, measure_other_load
from wrk_load import LoadResult, LoadShape, finish_wrk, run_wrk, start_wrk, wrk_version

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
POST_SCRIPT = BENCH_DIR / "wrk_post.lua"
TARGET_TOKENS_PER_SECOND = 300
EMAIL = "bench-operator@example.com"
PASSWORD = "bench-password-0123"  # throwaway user in a throwaway database


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=15, help="seconds of wrk load per client_credentials round")
    parser.add_argument("--rounds", type=int, default=2, help="client_credentials rounds")
    parser.add_argument("--connections", type=int, default=8, help="open wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up load before each measurement")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (identity web --workers)")
    parser.add_argument("--login-seconds", type=float, default=20, help="seconds of authorization-code logins")
    parser.add_argument("--login-threads", type=int, default=4, help="concurrent browsers logging in")
    parser.add_argument("--mixed-seconds", type=float, default=10,
                        help="then logins and client_credentials together: does a login slow token issuance? (0: skip)")
    parser.add_argument("--mixed-connections", type=int, default=2, help="wrk connections in the mixed phase")
    parser.add_argument("--argon2-samples", type=int, default=10, help="argon2 verifies timed alone")
    parser.add_argument("--profile", type=float, default=10, metavar="SECONDS",
                        help="py-spy record the gunicorn workers for this long under client_credentials load "
                             "(0: no profile)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C and SIGTERM both unwind (even in the background, where SIGINT comes ignored): servers stop.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    RESULTS_DIR.mkdir(exist_ok=True)
    estimate = (args.warmup + min(args.warmup, 2) + args.rounds * args.duration + args.login_seconds
                + args.mixed_seconds + min(args.mixed_seconds, 5) + (args.profile + 2 if args.profile else 0))
    print(f"identity web --workers {args.workers} (gunicorn sync), embedded default; about {estimate:.0f}s of load "
          f"plus ~15s of set-up", flush=True)
    report = _run(args)
    out = RESULTS_DIR / f"identity_tokens-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nfigures written to {os.path.relpath(out, Path.cwd())}")
    return 0


def _run(args: argparse.Namespace) -> dict:
    with ExitStack() as stack:
        var_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-identity-")))
        started = time.perf_counter()
        credentials = provision(var_dir, EMAIL, PASSWORD)
        print(f"set up {var_dir}: db upgrade, 2 clients, user = {credentials.user_kind} "
              f"({time.perf_counter() - started:.1f}s)")
        other_load = measure_other_load()
        argon2 = _time_argon2(args.argon2_samples)  # before the server runs: a quiet machine
        server = identity_server(var_dir, args.workers, RESULTS_DIR)
        stack.callback(server.stop)
        server.start(PROBE_PATH)
        print(f"identity web on {server.base_url}, {len(server.worker_pids())} workers; "
              f"logs in bench/results/identity-stdout.log and identity-gunicorn.log")
        tokens = _client_credentials(server, credentials, args)
        profile = _profile(server, credentials, args) if args.profile else None
        logins = _logins(server, credentials, args, argon2, var_dir)
        mixed = _mixed(server, credentials, args) if args.mixed_seconds and logins["measured"] else None
    return {"environment": {**_environment(args), "machine_busy_before_start": other_load},
            "user": credentials.user_kind, "client_credentials": tokens, "profile": profile, "argon2": argon2,
            "logins": logins, "mixed": mixed}


# --- client_credentials ---------------------------------------------------------------------------

def _basic(credentials: Credentials) -> dict[str, str]:
    pair = f"{credentials.service_client_id}:{credentials.service_client_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def _check_token_endpoint(url: str, headers: dict[str, str]) -> None:
    """The measured request must really issue a token: 200, JSON, access_token."""
    request = urllib.request.Request(url, data=b"grant_type=client_credentials", method="POST",
                                     headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, content_type, body = response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        raise SystemExit(f"client_credentials check: {error.code} {error.read()[:300]!r}; nothing measured")
    token = json.loads(body) if content_type.startswith("application/json") else {}
    if status != 200 or not token.get("access_token") or token.get("token_type") != "Bearer":
        raise SystemExit(f"client_credentials check: {status} {content_type} {body[:300]!r}; nothing measured")
    print(f"check: POST /oauth/token client_credentials -> 200 JSON, Bearer JWT of {len(token['access_token'])} "
          f"chars, expires_in {token.get('expires_in')}")


def _client_credentials(server: IdentityWeb, credentials: Credentials, args: argparse.Namespace) -> dict:
    url = server.base_url + "/oauth/token"
    headers = _basic(credentials)
    _check_token_endpoint(url, headers)
    body = {"WRK_BODY": "grant_type=client_credentials"}
    run_wrk(url, LoadShape(args.threads, args.connections, args.warmup), headers, script=POST_SCRIPT, env=body)
    shape = LoadShape(args.threads, args.connections, args.duration)
    print(f"\nclient_credentials: wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s --latency, "
          f"{args.rounds} rounds (after {args.warmup:g}s warm-up)")
    print(f"{'':8} {'tokens/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'non-2xx':>8} "
          f"{'sock err':>8} {'CPU us/token':>12} {'all CPUs busy':>13}")
    rounds: list[LoadResult] = []
    busy: list[float] = []
    for index in range(args.rounds):
        cpu_before, machine_before = server.cpu_seconds(), machine_ticks()
        result = run_wrk(url, shape, headers, script=POST_SCRIPT, env=body)
        cpu_us = (server.cpu_seconds() - cpu_before) / max(result.requests, 1) * 1e6
        busy.append(busy_share(machine_before, machine_ticks()))
        rounds.append(replace(result, server_cpu_us_per_request=cpu_us))
        print(_wrk_line(f"round {index + 1}", rounds[-1]) + f" {busy[-1]:9.0%}", flush=True)
    median = {name: statistics.median(getattr(r, name) for r in rounds)
              for name in ("requests_per_second", "p50_ms", "p95_ms", "p99_ms", "max_ms", "server_cpu_us_per_request")}
    non_2xx = sum(r.errors["status"] for r in rounds)
    socket_errors = sum(r.errors[k] for r in rounds for k in ("connect", "read", "write", "timeout"))
    met = median["requests_per_second"] >= TARGET_TOKENS_PER_SECOND and non_2xx == 0
    cores = os.cpu_count()
    print(f"{'median':8} {median['requests_per_second']:9.1f} {median['p50_ms']:8.2f} {median['p95_ms']:8.2f} "
          f"{median['p99_ms']:8.2f} {median['max_ms']:8.1f} {non_2xx:8d} {socket_errors:8d} "
          f"{median['server_cpu_us_per_request']:12.0f} {statistics.median(busy):9.0%}")
    print(f"target >= {TARGET_TOKENS_PER_SECOND} client_credentials tokens/s on {cores} cores: "
          f"{median['requests_per_second']:.0f}/s {'MET' if met else 'MISSED'}"
          f"{'' if non_2xx == 0 else f' ({non_2xx} non-2xx answers)'}; "
          f"server CPU bound {cores / median['server_cpu_us_per_request'] * 1e6:.0f}/s "
          f"({cores} cores / CPU per token)")
    return {"rounds": [asdict(r) for r in rounds], "machine_cpu_busy": busy, "median": median, "non_2xx": non_2xx,
            "socket_errors": socket_errors, "target_per_second": TARGET_TOKENS_PER_SECOND, "target_met": met}


def _wrk_line(label: str, r: LoadResult) -> str:
    socket_errors = sum(r.errors[k] for k in ("connect", "read", "write", "timeout"))
    return (f"{label:8} {r.requests_per_second:9.1f} {r.p50_ms:8.2f} {r.p95_ms:8.2f} {r.p99_ms:8.2f} "
            f"{r.max_ms:8.1f} {r.errors['status']:8d} {socket_errors:8d} {r.server_cpu_us_per_request:12.0f}")


# --- py-spy ---------------------------------------------------------------------------------------

def _profile(server: IdentityWeb, credentials: Credentials, args: argparse.Namespace) -> dict | None:
    """Sample every worker with py-spy while wrk issues tokens; print where the time goes."""
    py_spy = shutil.which("py-spy", path=str(REPO_ROOT / ".venv" / "bin")) or shutil.which("py-spy")
    if py_spy is None:
        print("\nprofile skipped: py-spy not found")
        return None
    raw = RESULTS_DIR / "identity-client_credentials.pyspy.txt"
    command = [py_spy, "record", "--pid", str(server.process.pid), "--subprocesses", "--format", "raw",
               "--rate", "250", "--duration", f"{max(int(args.profile), 1)}", "--nonblocking", "--output", str(raw)]
    print(f"\nprofile: py-spy record (all workers, 250 Hz, {args.profile:g}s) under the same wrk load")
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    try:
        time.sleep(1)  # py-spy attaches
        run_wrk(server.base_url + "/oauth/token", LoadShape(args.threads, args.connections, args.profile + 1),
                _basic(credentials), script=POST_SCRIPT, env={"WRK_BODY": "grant_type=client_credentials"})
        _, errors = spy.communicate(timeout=30)
    finally:
        if spy.poll() is None:
            spy.kill()
            spy.wait()
    if spy.returncode != 0 or not raw.exists():
        print(f"profile skipped: py-spy failed ({spy.returncode}): {errors.strip()[-300:]}")
        return None
    summary = _summarize_stacks(raw)
    print(f"{summary['samples']} samples of busy workers; share of samples in (inclusive):")
    for name, share in summary["inclusive"]:
        print(f"  {share:5.1%}  {name}")
    print("top self time:")
    for name, share in summary["self"][:12]:
        print(f"  {share:5.1%}  {name}")
    print(f"raw stacks: {os.path.relpath(raw, Path.cwd())} (flamegraph.pl or speedscope can read them)")
    return summary


# Frames whose inclusive share says where a token's time goes (name substring -> label).
_BUCKETS = {
    "handle_request (gunicorn": "gunicorn request handling (whole request; the rest is accept/idle loop)",
    "in_unit_of_work (": "identity unit of work (the /oauth/token handler)",
    "_sqlite_engine.<locals>.<lambda> (": "BEGIN IMMEDIATE: waiting for the SQLite write lock",
    "authenticate_client (": "authlib client authentication (its client lookup is the first query, so this "
                              "includes the BEGIN IMMEDIATE wait)",
    "sign (identity/oauth/tokens.py": "sign the JWT (tokens.sign, incl. loading the key)",
    "current_key (": "signing_keys.current_key (query the signing key)",
    "jwk (": "signing key PEM -> JWK",
    "token_claims (": "vendor membership claims (identity.vendors.membership.token_claims)",
    "current (chassis/runtime_settings.py": "runtime settings read (chassis.runtime_settings.current)",
    "commit (": "commit",
    "execute (sqlalchemy": "SQLAlchemy execute (all queries)",
    "send_headers (gunicorn": "gunicorn socket write of the answer (incl. preemption on busy cores)",
}


def _summarize_stacks(raw: Path) -> dict:
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [frame for frame in stack.split(";") if not frame.startswith(("process ", "thread "))]
        if not frames:
            continue
        samples = int(count)
        total += samples
        self_time[_short(frames[-1])] += samples
        for key, label in _BUCKETS.items():
            if any(key in frame for frame in frames):
                inclusive[label] += samples
    share = (lambda n: n / total) if total else (lambda n: 0.0)
    return {"samples": total,
            "inclusive": [(label, share(inclusive[label])) for label in _BUCKETS.values() if inclusive[label]],
            "self": [(name, share(n)) for name, n in self_time.most_common(25)]}


def _short(frame: str) -> str:
    """'fn (/long/path/site-packages/pkg/mod.py:12)' -> 'fn (pkg/mod.py:12)'."""
    name, _, where = frame.partition(" (")
    for marker in ("site-packages/", "/libs/chassis/", "/services/identity/", "/lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where}" if where else name


# --- argon2 and logins ----------------------------------------------------------------------------

def _time_argon2(samples: int) -> dict:
    """One PasswordHasher().verify (argon2-cffi defaults, as identity.passwords) alone, wall and CPU."""
    from argon2 import PasswordHasher
    hasher = PasswordHasher()
    stored = hasher.hash(PASSWORD)
    wall, cpu = [], []
    for _ in range(max(samples, 1)):
        w, c = time.perf_counter(), time.process_time()
        hasher.verify(stored, PASSWORD)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    result = {"time_cost": hasher.time_cost, "memory_cost_kib": hasher.memory_cost,
              "parallelism": hasher.parallelism, "samples": len(wall),
              "verify_wall_ms": statistics.median(wall) * 1000, "verify_cpu_ms": statistics.median(cpu) * 1000,
              "argon2_cffi": version("argon2-cffi")}
    result["logins_per_second_per_core"] = 1000 / result["verify_cpu_ms"]
    print(f"argon2id verify alone (argon2-cffi {result['argon2_cffi']} defaults: t={hasher.time_cost}, "
          f"m={hasher.memory_cost // 1024} MiB, p={hasher.parallelism}): {result['verify_wall_ms']:.0f} ms wall, "
          f"{result['verify_cpu_ms']:.0f} ms CPU (median of {len(wall)})")
    return result


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def _logins(server: IdentityWeb, credentials: Credentials, args: argparse.Namespace, argon2: dict,
            var_dir: Path) -> dict:
    browser = _browser_factory(server, credentials)
    two_factor = "not required of this user: password-only login"
    try:
        steps = _probe_login(browser)
    except SecondFactorRequired as error:
        # Operators need 2FA by default; a benchmark cannot type TOTP codes, so lift it in this throwaway DB.
        two_factor = lift_two_factor_requirement(var_dir, server.base_url)
        print(f"\n{error}\n-> {two_factor}")
        try:
            steps = _probe_login(browser)
        except LoginFailed as again:
            return _not_measured(again)
    except LoginFailed as error:
        return _not_measured(error)
    print(f"\ncheck: full authorization-code login with PKCE -> access + refresh token "
          f"({sum(steps.values()) * 1000:.0f} ms)")
    run_logins(browser, args.login_threads, min(args.warmup, 2))
    cpu_before = server.cpu_seconds()
    run: LoginRun = run_logins(browser, args.login_threads, args.login_seconds)
    cpu_per_login = (server.cpu_seconds() - cpu_before) / max(len(run.latencies), 1)
    cores = os.cpu_count()
    ms = [value * 1000 for value in run.latencies]
    figures = {"measured": True, "user": credentials.user_kind, "two_factor": two_factor, "threads": run.threads, "seconds": run.seconds, "logins": len(run.latencies),
               "logins_per_second": run.logins_per_second, "p50_ms": _percentile(ms, .50),
               "p95_ms": _percentile(ms, .95), "p99_ms": _percentile(ms, .99), "max_ms": max(ms, default=0.0),
               "failures": len(run.failures), "failure_samples": run.failures[:5],
               "server_cpu_ms_per_login": cpu_per_login * 1000,
               "step_p50_ms": {step: _percentile([v * 1000 for v in run.steps[step]], .5) for step in STEPS},
               "argon2_bound_per_second": cores * argon2["logins_per_second_per_core"]}
    print(f"authorization-code logins: {run.threads} browser threads for {args.login_seconds:g}s "
          f"(5 requests each: authorize, login form, POST login, authorize, token)")
    print(f"  {figures['logins_per_second']:.1f} logins/s ({figures['logins']} logins, {figures['failures']} failed); "
          f"per login p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms, p99 {figures['p99_ms']:.0f} ms, "
          f"max {figures['max_ms']:.0f} ms")
    print("  p50 per step, ms: " + ", ".join(f"{step} {value:.1f}" for step, value in figures["step_p50_ms"].items()))
    print(f"  server CPU per login: {figures['server_cpu_ms_per_login']:.0f} ms, of which one argon2 verify is "
          f"{argon2['verify_cpu_ms']:.0f} ms")
    print(f"  argon2 bound: 1 verify per login, {argon2['verify_cpu_ms']:.0f} ms of one core each -> at most "
          f"{argon2['logins_per_second_per_core']:.1f} logins/s per core, {figures['argon2_bound_per_second']:.1f}/s "
          f"on {cores} cores (the load generator shares them). Deliberate: it is what makes guessing passwords slow.")
    for failure in run.failures[:3]:
        print(f"  failure: {failure[:300]}")
    return figures


def _browser_factory(server: IdentityWeb, credentials: Credentials):
    def browser() -> Browser:
        return Browser("127.0.0.1", server.port, credentials.browser_client_id, REDIRECT_URI,
                       credentials.email, credentials.password)
    return browser


def _mixed(server: IdentityWeb, credentials: Credentials, args: argparse.Namespace) -> dict:
    """Logins and client_credentials at once: every /oauth/token opens a SQLite write transaction too."""
    # A long wrk timeout: a token request stuck behind logins is measured, not dropped at wrk's 2 s default.
    shape = LoadShape(1, args.mixed_connections, args.mixed_seconds, timeout=30)
    quiet_seconds = min(args.mixed_seconds, 5)
    quiet = run_wrk(server.base_url + "/oauth/token", LoadShape(1, args.mixed_connections, quiet_seconds, timeout=30),
                    _basic(credentials), script=POST_SCRIPT, env={"WRK_BODY": "grant_type=client_credentials"})
    wrk = start_wrk(server.base_url + "/oauth/token", shape, _basic(credentials), script=POST_SCRIPT,
                    env={"WRK_BODY": "grant_type=client_credentials"})
    try:
        run = run_logins(_browser_factory(server, credentials), args.login_threads, args.mixed_seconds)
    finally:
        tokens = finish_wrk(wrk, shape)  # kills wrk if the logins were interrupted
    ms = [value * 1000 for value in run.latencies]
    print(f"\nmixed, {args.mixed_seconds:g}s: {args.login_threads} login threads + wrk -t1 -c{args.mixed_connections} "
          f"client_credentials (same -c{args.mixed_connections} alone first, {quiet_seconds:g}s)")
    print(f"  client_credentials alone:       {quiet.requests_per_second:7.1f} tokens/s, p50 {quiet.p50_ms:7.2f} ms, "
          f"p99 {quiet.p99_ms:7.1f} ms, max {quiet.max_ms:7.1f} ms")
    print(f"  client_credentials with logins: {tokens.requests_per_second:7.1f} tokens/s, p50 {tokens.p50_ms:7.2f} ms, "
          f"p99 {tokens.p99_ms:7.1f} ms, max {tokens.max_ms:7.1f} ms, non-2xx {tokens.errors['status']}, "
          f"timeouts (30 s) {tokens.errors['timeout']}")
    print(f"  logins meanwhile: {run.logins_per_second:.1f}/s, p50 {_percentile(ms, .5):.0f} ms, "
          f"p99 {_percentile(ms, .99):.0f} ms, {len(run.failures)} failed")
    return {"seconds": args.mixed_seconds, "login_threads": args.login_threads,
            "wrk_connections": args.mixed_connections, "tokens_alone": asdict(quiet), "tokens": asdict(tokens),
            "logins_per_second": run.logins_per_second, "login_p50_ms": _percentile(ms, .5),
            "login_p99_ms": _percentile(ms, .99), "login_failures": len(run.failures)}


def _probe_login(make_browser) -> dict[str, float]:
    browser = make_browser()
    try:
        return browser.login()
    finally:
        browser.close()


def _not_measured(error: Exception) -> dict:
    print(f"\nauthorization-code login check failed, logins not measured:\n{error}")
    return {"measured": False, "error": str(error)}


def _environment(args: argparse.Namespace) -> dict:
    def git(*command: str) -> str:
        return subprocess.run(["git", "-C", str(REPO_ROOT), *command], capture_output=True, text=True).stdout.strip()
    changed = git("status", "--porcelain", "--", "services/identity", "libs/chassis")
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(), "cpu": cpu_model(),
        "python": platform.python_version(), "gunicorn": version("gunicorn"), "authlib": version("authlib"),
        "load_generator": wrk_version(), "args": vars(args),
        "revision": git("log", "-1", "--format=%h") + (" + uncommitted changes" if changed else ""),
        "database": "sqlite (embedded default)",
    }



if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted: servers stopped, no figures written")
