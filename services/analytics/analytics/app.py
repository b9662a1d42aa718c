"""Analytics app factory."""
from __future__ import annotations

from flask import Flask

from chassis.app import build_app
from chassis.runtime import ServiceDefinition
from analytics.settings import AnalyticsRuntimeSettings, AnalyticsSettings

PORT = 8005


def definition() -> ServiceDefinition:
    from analytics import api, events, kpis, models
    return ServiceDefinition(
        name="analytics", title="Analytics", version="1.0.0", package="analytics", settings_cls=AnalyticsSettings,
        metadata=models.Base.metadata, blueprints=api.blueprints, event_handlers=events.handlers_by_type,
        event_batch_handlers=events.batch_handlers_by_type, event_batch_size=events.BATCH_SIZE,
        runtime_settings=AnalyticsRuntimeSettings, metrics_collectors=kpis.collectors,
        description="Sales statistics from events, front-office traffic and dashboards.")


def create_app(settings: AnalyticsSettings | None = None) -> Flask:
    return build_app(definition(), settings)
