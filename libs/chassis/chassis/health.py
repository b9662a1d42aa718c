"""Liveness, readiness and metrics endpoints (outside the versioned API)."""
from __future__ import annotations

import threading
import time

from flask import Blueprint, Response, current_app, jsonify

from chassis.errors import problem_response
from chassis.events.broker import check as check_broker
from chassis.metrics import exposition

BROKER_CHECK_TTL_SECONDS = 5.0


class _CachedCheck:
    """Remembers the last broker check briefly: probes every few seconds must not each open a connection."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._error: str | None = None

    def run(self, url: str) -> str | None:
        with self._lock:
            if time.monotonic() - self._checked_at > BROKER_CHECK_TTL_SECONDS:
                try:
                    check_broker(url)
                    self._error = None
                except Exception as error:  # any failure means not ready; say which
                    self._error = type(error).__name__
                self._checked_at = time.monotonic()
            return self._error


def health_blueprint() -> Blueprint:
    blueprint = Blueprint("chassis_health", __name__)
    broker_check = _CachedCheck()

    @blueprint.get("/livez")
    def livez():
        return jsonify(status="ok")

    @blueprint.get("/readyz")
    def readyz():
        runtime = current_app.extensions["chassis.runtime"]
        checks: dict[str, str] = {}
        if runtime.definition.uses_database:
            try:
                runtime.database.ping()
                checks["database"] = "ok"
            except Exception as error:  # report, don't raise: a probe wants a status
                checks["database"] = f"failed: {type(error).__name__}"
        if runtime.definition.uses_broker:
            error = broker_check.run(runtime.settings.broker_url)
            checks["broker"] = "ok" if error is None else f"failed: {error}"
        if all(value == "ok" for value in checks.values()):
            return jsonify(status="ready", checks=checks)
        return problem_response(503, "not-ready", "Service Unavailable", "a dependency is unavailable",
                                checks=checks)

    @blueprint.get("/metrics")
    def metrics_endpoint():
        runtime = current_app.extensions["chassis.runtime"]
        body, content_type = exposition(runtime.definition.metrics_collectors(runtime))
        return Response(body, content_type=content_type)

    return blueprint
