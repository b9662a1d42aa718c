"""Gateway app factory. It keeps no database and consumes no events."""
from __future__ import annotations

from flask import Flask

from chassis.app import build_app
from chassis.runtime import ServiceDefinition
from gateway.settings import GatewaySettings

PORT = 8000


def definition() -> ServiceDefinition:
    from gateway import api
    return ServiceDefinition(
        name="gateway", title="Gateway", version="1.0.0", package="gateway", settings_cls=GatewaySettings,
        blueprints=api.blueprints, uses_database=False, uses_broker=False,
        description="The single front door of the marketplace back office.")


def create_app(settings: GatewaySettings | None = None) -> Flask:
    return build_app(definition(), settings)
