"""Gateway HTTP resources of its own (the proxied routes are not blueprints)."""
from __future__ import annotations


def blueprints() -> list:
    from gateway.api.docs import docs_blueprint
    from gateway.api.health import health_blueprint
    return [docs_blueprint(), health_blueprint()]
