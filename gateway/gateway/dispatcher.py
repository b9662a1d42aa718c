"""The gateway's WSGI path: screen, route, rate-limit, authenticate, then proxy or answer locally.

It runs inside chassis' RequestObserver (request ids, access log, metrics)
and in front of the Flask app, which only sees the gateway's own routes and
probes: a proxied request never builds a Flask request context.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Iterable

from chassis import context
from chassis.auth.verifier import TokenVerifier
from chassis.forwarded import TrustedProxies
from chassis.observability import ROUTE_KEY

from gateway import edge_auth, screening
from gateway.forwarding import request_scheme, upstream_headers
from gateway.metrics import LabelCache, gateway_metrics
from gateway.problems import EdgeProblem, send_problem
from gateway.proxy import UpstreamFailure, forward
from gateway.ratelimit import EdgeLimiter, tighter
from gateway.response_headers import CorsPolicy, add_missing, security_headers
from gateway.routing import Route, RouteTable
from gateway.upstreams import Upstream

log = logging.getLogger("gateway")
# The gateway's own probes: never routed, never limited, never authenticated.
PROBE_PATHS = frozenset({"/livez", "/readyz", "/metrics"})
PRINCIPAL_KEY = "chassis.principal"


@dataclass(frozen=True)
class BodyLimits:
    default: int
    uploads: int

    def for_route(self, route: Route) -> int:
        return self.uploads if route.uploads else self.default


class Gateway:
    def __init__(self, local_app: Callable, *, routes: RouteTable, upstreams: dict[str, Upstream],
                 verifier: TokenVerifier, limiter: EdgeLimiter, cors: CorsPolicy, proxies: TrustedProxies,
                 body_limits: BodyLimits, hsts_max_age: int) -> None:
        self.local_app = local_app
        self.routes = routes
        self.upstreams = upstreams
        self.verifier = verifier
        self.limiter = limiter
        self.cors = cors
        self.proxies = proxies
        self.body_limits = body_limits
        self.hsts_max_age = hsts_max_age
        metrics = gateway_metrics()
        self._requests = LabelCache(metrics.requests)
        self._latency = LabelCache(metrics.upstream_latency)
        self._errors = LabelCache(metrics.upstream_errors)
        self._limited = LabelCache(metrics.rate_limited)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in PROBE_PATHS:
            return self.local_app(environ, start_response)
        route: Route | None = None
        extra_headers = self._always_headers(environ)
        respond = self._decorated(start_response, extra_headers, environ)
        try:
            screening.check_path(path)
            screening.check_framing(environ)
            route = self.routes.match(path)
            if route is None:
                raise EdgeProblem(404, "no-route", "no service serves this path")
            environ[ROUTE_KEY] = f"{route.upstream}:{route.route_class.name}"
            if self.cors.is_preflight(environ):
                return self._preflight(environ, respond)
            return self._admit_and_forward(environ, route, extra_headers, respond)
        except UpstreamFailure as failure:
            self._errors(route.upstream if route else "-", failure.kind).inc()
            return send_problem(failure, environ, respond)
        except EdgeProblem as problem:
            return send_problem(problem, environ, respond)
        except Exception:  # a bug must still answer problem+json, with the trace in the log only
            log.exception("gateway failure", extra={"path": path})
            return send_problem(EdgeProblem(500, "internal-error", "the gateway failed to handle the request"),
                                environ, respond)
        finally:
            self._count(route, environ)

    def _admit_and_forward(self, environ: dict, route: Route, extra_headers: list, respond: Callable):
        verdict = self.limiter.check_client(self.proxies.client_address(environ),
                                            route.route_class.rate_limit == "auth", self._refused)
        principal = edge_auth.authenticate(environ, route.route_class, self.verifier)
        if principal is not None:
            environ[PRINCIPAL_KEY] = principal
            context.set_principal(principal)
            verdict = tighter(verdict, self.limiter.check_caller(
                f"{principal.client_id}/{principal.subject}", self._refused))
        if verdict is not None:
            extra_headers.extend(verdict.headers())
        body_length = screening.declared_length(environ, self.body_limits.for_route(route))
        if route.is_local:
            return self.local_app(environ, respond)
        upstream = self.upstreams.get(route.upstream)
        if upstream is None:
            raise EdgeProblem(503, "upstream-not-configured", f"{route.upstream} is not deployed here")
        status, headers, body = forward(
            environ, upstream,
            upstream_headers(environ, request_id=context.request_id() or "", correlation_id=context.correlation_id(),
                             proxies=self.proxies),
            body_length=body_length, body_limit=self.body_limits.for_route(route),
            observe_latency=self._latency(route.upstream).observe)
        respond(status, headers)
        return body

    def _refused(self, limit_name: str) -> None:
        self._limited(limit_name).inc()

    def _preflight(self, environ: dict, respond: Callable) -> list[bytes]:
        respond("204 No Content", self.cors.preflight_headers(environ))
        return []

    def _always_headers(self, environ: dict) -> list[tuple[str, str]]:
        https = request_scheme(environ, self.proxies) == "https"
        return security_headers(https, self.hsts_max_age) + self.cors.response_headers(environ)

    def _decorated(self, start_response: Callable, extra_headers: list, environ: dict) -> Callable:
        def respond(status: str, headers: list, exc_info=None):
            environ["gateway.status"] = status[:3]
            add_missing(headers, extra_headers)
            return start_response(status, headers, exc_info)
        return respond

    def _count(self, route: Route | None, environ: dict) -> None:
        route_class = route.route_class.name if route else "unrouted"
        upstream = route.upstream if route else "-"
        self._requests(route_class, upstream, environ.get("gateway.status", "500")).inc()
