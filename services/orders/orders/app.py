"""Orders app factory."""
from __future__ import annotations

from flask import Flask

from chassis.app import build_app
from chassis.runtime import ServiceDefinition
from orders.settings import OrdersRuntimeSettings, OrdersSettings

PORT = 8003


def definition() -> ServiceDefinition:
    from orders import api, events, models
    return ServiceDefinition(
        name="orders", title="Orders", version="1.0.0", package="orders", settings_cls=OrdersSettings,
        metadata=models.Base.metadata, blueprints=api.blueprints, event_handlers=events.handlers_by_type,
        runtime_settings=OrdersRuntimeSettings, description="Order placement, vendor orders, the order saga, fulfilment and returns.")


def create_app(settings: OrdersSettings | None = None) -> Flask:
    return build_app(definition(), settings)
