"""Per-request ids, metrics and access log, as one WSGI middleware around the Flask app.

One wrapper reading the WSGI environ costs a fraction of three Flask hooks
reading ``flask.request`` (a context-local proxy) a dozen times; the chassis
benchmark (bench/) showed the difference on every request.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Iterable

from flask import Flask
from flask.globals import request_ctx

from chassis import context
from chassis.access_log import log_access
from chassis.metrics import metrics
from chassis.request_json import RequestJSONProvider

access_log = logging.getLogger("chassis.access")
PROBE_PATHS = frozenset({"/livez", "/readyz", "/metrics"})
ROUTE_KEY = "chassis.route"


class ServiceFlask(Flask):
    """Flask that leaves the matched URL rule (a template, not the path) in the environ for the metrics.

    Cheaper than a ``before_request`` hook, which Flask wraps and inspects on every call. Its JSON provider
    answers an over-deep request body as invalid JSON (:mod:`chassis.request_json`).
    """

    json_provider_class = RequestJSONProvider

    def dispatch_request(self):  # type: ignore[override]
        request = request_ctx.request
        if request.url_rule is not None:
            request.environ[ROUTE_KEY] = request.url_rule.rule
        return super().dispatch_request()


class RequestObserver:
    """Bind request/correlation ids, echo ``X-Request-ID``, count, time and log each request."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app
        self._counters: dict[tuple[str, str, str], Any] = {}
        self._histograms: dict[tuple[str, str], Any] = {}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = context.valid_id(environ.get("HTTP_X_REQUEST_ID")) or context.new_id()
        tokens = context.bind_request(request_id, context.valid_id(environ.get("HTTP_X_CORRELATION_ID")))
        status_line: list[str] = []

        def start_with_id(status: str, headers: list, exc_info: Any = None):
            headers.append(("X-Request-ID", request_id))
            status_line.append(status)
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start_with_id)
        finally:
            status = int(status_line[-1][:3]) if status_line else 500
            self._record(environ, status, time.perf_counter() - started)
            context.unbind(tokens)

    def _record(self, environ: dict, status: int, elapsed: float) -> None:
        route = environ.get(ROUTE_KEY, "unmatched")
        method = environ["REQUEST_METHOD"]
        self._counter(method, route, str(status)).inc()
        self._histogram(method, route).observe(elapsed)
        path = environ.get("PATH_INFO", "")
        level = logging.DEBUG if path in PROBE_PATHS else logging.INFO
        if access_log.isEnabledFor(level):
            log_access(access_log, level, method, path, route, status, round(elapsed * 1000, 2))

    def _counter(self, method: str, route: str, status: str):
        # Resolving labelled children once per label set skips prometheus' per-call validation.
        key = (method, route, status)
        child = self._counters.get(key)
        if child is None:
            child = self._counters[key] = metrics().http_requests.labels(method, route, status)
        return child

    def _histogram(self, method: str, route: str):
        key = (method, route)
        child = self._histograms.get(key)
        if child is None:
            child = self._histograms[key] = metrics().http_latency.labels(method, route)
        return child
