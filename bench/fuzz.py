"""A longer schemathesis run than CI's over every service's OpenAPI document, and through the gateway.

The same runs as ``tests/fuzz`` (same checks, same callers, apps in-process on the test backend chosen
by ``MARKETPLACE_TEST_BACKEND``), with many more requests and a seed of your choice. Prints the
requests per service and status class and every failure; exits 1 if anything failed. Usage:

    .venv/bin/python bench/fuzz.py [--requests 10000] [--services catalog orders] [--gateway 5000]
                                   [--seed 7] [--no-shrink]
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import schemathesis  # noqa: E402

from chassis.testing.apps import TEST_AUDIENCE, TEST_ISSUER, migrated_app  # noqa: E402
from chassis.testing.jwks_server import JWKSServer  # noqa: E402
from chassis.testing.tokens import TokenIssuer  # noqa: E402
from tests.fuzz.api_fuzzing import callers, fuzz, fuzz_seed  # noqa: E402
from tests.fuzz.fuzz_report import FuzzReport  # noqa: E402
from tests.fuzz.marketplace import SERVICES, Marketplace  # noqa: E402


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="generated requests per service")
    parser.add_argument("--services", nargs="*", choices=SERVICES, default=list(SERVICES))
    parser.add_argument("--gateway", type=int, default=5_000,
                        help="generated requests through the gateway, over its merged document (0: none)")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed (default: FUZZ_SEED or CI's)")
    parser.add_argument("--no-shrink", action="store_true", help="report failures as found, unshrunk (faster)")
    return parser.parse_args()


def main() -> int:
    args = arguments()
    logging.disable(logging.INFO)  # one access-log line per request would drown the report
    seed = fuzz_seed() if args.seed is None else args.seed
    issuer = TokenIssuer(issuer=TEST_ISSUER, audience=TEST_AUDIENCE)
    bearer = lambda **claims: {"Authorization": f"Bearer {issuer.issue(**claims)}"}  # noqa: E731
    print(f"seed {seed}; {args.requests} requests per service; {args.gateway} through the gateway", flush=True)
    reports: list[FuzzReport] = []
    with ExitStack() as stack, JWKSServer(issuer.jwks()) as jwks:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fuzz-")))

        def build_app(definition, **overrides):
            own_workdir = Path(tempfile.mkdtemp(prefix=definition.name, dir=workdir))
            return stack.enter_context(migrated_app(definition, own_workdir, jwks.url, **overrides))

        for service in args.services:
            marketplace = Marketplace(build_app, issuer)
            stack.callback(marketplace.close)
            schema = schemathesis.openapi.from_wsgi(f"/api/v1/{service}/openapi.json", marketplace.app(service))
            reports.append(_run(service, schema, callers(bearer), args.requests, seed, args.no_shrink))
        if args.gateway:
            marketplace = Marketplace(build_app, issuer)
            stack.callback(marketplace.close)
            schema = schemathesis.openapi.from_wsgi("/api/openapi.json", marketplace.gateway(jwks.url))
            reports.append(_run("gateway", schema, callers(bearer), args.gateway, seed, args.no_shrink))
    print("\n".join(["", *(report.summary() for report in reports)]))
    return 1 if any(report.failures for report in reports) else 0


def _run(name: str, schema, headers, requests: int, seed: int, no_shrink: bool) -> FuzzReport:
    report = fuzz(name, schema, headers, requests=requests, seed=seed, shrink=not no_shrink)
    print(report.summary(), flush=True)
    if report.failures:
        print(report.failure_text(), flush=True)
    return report


if __name__ == "__main__":
    sys.exit(main())
