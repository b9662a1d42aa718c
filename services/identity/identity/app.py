"""Identity app factory."""
from __future__ import annotations

from flask import Flask

from chassis.app import build_app
from chassis.runtime import ServiceDefinition
from identity.settings import IdentityRuntimeSettings, IdentitySettings

PORT = 8001


def definition() -> ServiceDefinition:
    from identity import accounts, api, events, models
    return ServiceDefinition(
        name="identity", title="Identity", version="1.0.0", package="identity", settings_cls=IdentitySettings,
        metadata=models.Base.metadata, event_handlers=events.handlers_by_type,
        blueprints=lambda: api.blueprints() + accounts.blueprints(),
        runtime_settings=IdentityRuntimeSettings, description="OAuth2 authorization server; users, vendors, roles and security.")


def create_app(settings: IdentitySettings | None = None) -> Flask:
    return build_app(definition(), settings)
