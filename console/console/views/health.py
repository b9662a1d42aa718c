"""System health, for operators: each service's readiness, as the gateway's /api/v1/health probes it."""
from __future__ import annotations

from flask import render_template

from console import web
from console.api import ApiError

STATUSES = ("ready", "unready", "unreachable")


def register(bp) -> None:
    bp.route("/health")(web.signed_in("operator")(system_health))


def system_health():
    try:
        answer = web.api().get("/api/v1/health")
    except ApiError as error:
        # 503 is the answer when some service is not ready: the problem still lists every one of them.
        if error.status != 503 or "upstreams" not in error.problem:
            raise
        answer = error.problem
    upstreams = sorted(answer.get("upstreams", {}).items())
    all_ready = bool(upstreams) and all(result.get("status") == "ready" for _, result in upstreams)
    return render_template("health.html", upstreams=upstreams, all_ready=all_ready)
