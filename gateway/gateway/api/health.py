"""Operators see at a glance whether every upstream is ready (the gateway's own probes are /livez, /readyz)."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import marshmallow as ma
import urllib3
from flask import current_app

from chassis.blueprint import Blueprint
from chassis.errors import problem_response
from chassis.permissions import operator_read

PROBE_TIMEOUT_SECONDS = 2.0
SECURITY = [{"bearerAuth": []}]


class UpstreamHealthSchema(ma.Schema):
    status = ma.fields.String(metadata={"enum": ["ready", "unready", "unreachable"]})
    latency_ms = ma.fields.Float()
    http_status = ma.fields.Integer(allow_none=True, metadata={"description": "absent answer: null"})


class HealthSchema(ma.Schema):
    status = ma.fields.String(metadata={"enum": ["ok"]})
    upstreams = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(UpstreamHealthSchema))


def health_blueprint() -> Blueprint:
    blueprint = Blueprint("gateway_health", __name__, url_prefix="/api/v1/health",
                          description="Readiness of every upstream service (operators).")

    @blueprint.route("", methods=["GET"])
    @operator_read()
    @blueprint.response(200, HealthSchema)
    @blueprint.alt_response(503, description="Some upstream is not ready: problem+json with `upstreams`")
    @blueprint.doc(security=SECURITY)
    def upstream_health():
        """Ask every upstream's /readyz at once; 503 unless all of them are ready."""
        upstreams = probe_upstreams(current_app.extensions["chassis.runtime"].settings.upstream_urls())
        unready = sorted(name for name, result in upstreams.items() if result["status"] != "ready")
        if not unready:
            return {"status": "ok", "upstreams": upstreams}
        return problem_response(503, "upstreams-degraded", "Degraded", f"not ready: {', '.join(unready)}",
                                upstreams=upstreams)

    return blueprint


def probe_upstreams(urls: dict[str, str], timeout: float = PROBE_TIMEOUT_SECONDS) -> dict[str, dict]:
    """``{name: probe result}`` for every upstream, probed concurrently so the answer takes one timeout."""
    pool = urllib3.PoolManager(timeout=urllib3.Timeout(total=timeout), retries=False)
    try:
        with ThreadPoolExecutor(max_workers=len(urls) or 1, thread_name_prefix="upstream-probe") as executor:
            results = executor.map(lambda url: _probe(pool, f"{url}/readyz"), urls.values())
            return dict(zip(urls, results))
    finally:
        pool.clear()


def _probe(pool: urllib3.PoolManager, url: str) -> dict:
    started = time.perf_counter()
    try:
        response = pool.request("GET", url, preload_content=True)
    except urllib3.exceptions.HTTPError:
        return {"status": "unreachable", "latency_ms": _elapsed_ms(started), "http_status": None}
    status = "ready" if response.status == 200 else "unready"
    return {"status": status, "latency_ms": _elapsed_ms(started), "http_status": response.status}


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
