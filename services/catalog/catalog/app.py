"""Catalog app factory."""
from __future__ import annotations

from flask import Flask

from chassis.app import build_app
from chassis.runtime import ServiceDefinition
from catalog.settings import CatalogRuntimeSettings, CatalogSettings

PORT = 8002


def definition() -> ServiceDefinition:
    from catalog import api, events, models
    return ServiceDefinition(
        name="catalog", title="Catalog", version="1.0.0", package="catalog", settings_cls=CatalogSettings,
        metadata=models.Base.metadata, blueprints=api.blueprints, event_handlers=events.handlers_by_type,
        event_batch_handlers=events.batch_handlers_by_type, runtime_settings=CatalogRuntimeSettings, description="Products, offers, stock reservations, moderation, media and CMS pages.")


def create_app(settings: CatalogSettings | None = None) -> Flask:
    return build_app(definition(), settings)
