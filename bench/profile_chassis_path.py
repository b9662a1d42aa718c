"""Where the chassis spends its time per request, measured in one process.

Both apps of ``apps.py`` are called straight through WSGI (no socket, no
gunicorn), so what remains is app code. Each chassis concern is then switched
off in turn with a patch (files untouched) and the time saved is its cost.
Runs the same environment as the server benchmark: real token verified by a
JWKS fetched over HTTP, multiprocess metrics, JSON access log to a file.

    .venv/bin/python bench/profile_chassis_path.py [--requests 2000] [--repeats 9] [--top 25]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per timing")
    parser.add_argument("--repeats", type=int, default=9, help="timings per variant (the fastest counts)")
    parser.add_argument("--top", type=int, default=25, help="functions listed from cProfile")
    args = parser.parse_args()
    RESULTS_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as scratch:
        # prometheus_client picks its value class at import: the variable must come first.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = scratch
        os.environ["MARKETPLACE_VAR_DIR"] = scratch
        from chassis.testing.jwks_server import JWKSServer
        from chassis.testing.tokens import TokenIssuer
        issuer = TokenIssuer(issuer="http://issuer.bench")
        with JWKSServer(issuer.jwks()) as jwks:
            os.environ.update(MARKETPLACE_JWKS_URL=jwks.url, MARKETPLACE_JWT_ISSUER=issuer.issuer,
                              MARKETPLACE_JWT_AUDIENCES='["marketplace"]')
            _measure(issuer, args)


def _measure(issuer, args: argparse.Namespace) -> None:
    from apps import PING_PATH, READ_SCOPE, bare_app, chassis_app
    from chassis_ablations import ablations
    from werkzeug.test import EnvironBuilder

    token = issuer.issue("bench-client", scopes=[READ_SCOPE], expires_in=3600)
    environ = EnvironBuilder(path=PING_PATH, headers={"Authorization": f"Bearer {token}",
                                                      "User-Agent": "wrk"}).get_environ()
    with open(RESULTS_DIR / "profile-stdout.log", "w") as log, contextlib.redirect_stdout(log):
        bare, chassis = bare_app(), chassis_app()  # the chassis log handler keeps this file
        _call(chassis, environ, 50)  # fetch the JWKS, verify the token once, create metrics
        principal = chassis.extensions["chassis.verifier"].verify(token)
        timings = _timings(bare, chassis, environ, ablations(principal, PING_PATH), args)
        profile = _profile(chassis, environ, args)
    _print_costs(timings)
    print(f"\ncProfile of {args.requests} chassis requests, by own time "
          "(profiling inflates every figure; read it for the ranking)\n" + profile)


def _timings(bare, chassis, environ, ablations, args) -> dict[str, float]:
    """Fastest µs/request of each variant; variants interleave so drift hits all alike."""
    best: dict[str, float] = {}
    for _ in range(args.repeats):
        variants = {"bare Flask": (bare, contextlib.nullcontext()), "chassis": (chassis, contextlib.nullcontext())}
        variants.update({name: (chassis, patch) for name, patch in ablations.items()})
        for name, (app, patch) in variants.items():
            with patch:
                _call(app, environ, 200)
                started = time.perf_counter()
                _call(app, environ, args.requests)
                elapsed = (time.perf_counter() - started) / args.requests * 1e6
            best[name] = min(best.get(name, elapsed), elapsed)
    return best


def _call(app, environ: dict, count: int) -> None:
    def start_response(status, headers, exc_info=None):
        if not status.startswith("200"):
            raise RuntimeError(f"{status}: not the measured path")

    for _ in range(count):
        body = app(dict(environ), start_response)
        for _chunk in body:
            pass
        body.close()


def _profile(chassis, environ: dict, args: argparse.Namespace) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(_call, chassis, environ, args.requests)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).strip_dirs().sort_stats("tottime").print_stats(args.top)
    return text.getvalue()


def _print_costs(timings: dict[str, float]) -> None:
    bare, chassis = timings["bare Flask"], timings["chassis"]
    print(f"in-process µs per request (fastest of the repeats)\n"
          f"  bare Flask {bare:7.1f}\n  chassis    {chassis:7.1f}   (+{chassis - bare:.1f})\n"
          f"\nwhat each chassis concern costs (time saved when it is switched off)")
    top_level = 0.0
    for name, elapsed in timings.items():
        if name in ("bare Flask", "chassis"):
            continue
        saved = chassis - elapsed
        top_level += 0.0 if name.startswith("  ") else saved
        print(f"  {name:<50} {saved:6.1f} µs")
    print(f"  {'rest (smorest MethodView, 3 Flask hooks, g, ids)':<50} "
          f"{chassis - bare - top_level:6.1f} µs")


if __name__ == "__main__":
    main()
