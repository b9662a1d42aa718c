"""Payments app factory."""
from __future__ import annotations

from flask import Flask

from chassis.app import build_app
from chassis.runtime import ServiceDefinition
from payments.settings import PaymentsRuntimeSettings, PaymentsSettings

PORT = 8004


def definition() -> ServiceDefinition:
    from payments import api, events, models
    return ServiceDefinition(
        name="payments", title="Payments", version="1.0.0", package="payments", settings_cls=PaymentsSettings,
        metadata=models.Base.metadata, blueprints=api.blueprints, event_handlers=events.handlers_by_type,
        runtime_settings=PaymentsRuntimeSettings, description="Authorize, capture, void and refund; commissions, ledger, balances and payouts.")


def create_app(settings: PaymentsSettings | None = None) -> Flask:
    return build_app(definition(), settings)
