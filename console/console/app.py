"""Console app factory: a chassis app (probes, metrics, logging) serving server-rendered pages.

Its database holds only the server-side sessions; it consumes no events.
"""
from __future__ import annotations

from flask import Flask

from chassis.app import build_app
from chassis.runtime import ServiceDefinition
from chassis.settings import ConfigurationError, load_settings
from console.settings import ConsoleSettings

PORT = 8006


def definition() -> ServiceDefinition:
    from console.models import metadata
    return ServiceDefinition(
        name="console", title="Console", version="1.0.0", package="console", settings_cls=ConsoleSettings,
        metadata=metadata, uses_broker=False,
        description="The back-office web interface for operators and vendors.")


def create_app(settings: ConsoleSettings | None = None) -> Flask:
    settings = settings or load_settings(ConsoleSettings)
    app = build_app(definition(), settings)
    install_console(app, settings)
    return app


def install_console(app: Flask, settings: ConsoleSettings) -> None:
    """Pages, sessions, the OAuth2 client, translations and HTML error pages."""
    from datetime import timedelta

    from chassis.http_client import ServiceClient
    from console import errors, i18n
    from console.formatting import FILTERS
    from console.oauth_client import IdentityClient
    from console.sessions import SessionLifetime, SessionStore
    from console.token_cipher import cipher_for
    from console.views import blueprint

    if not settings.client_id or not settings.client_secret:
        raise ConfigurationError("CONSOLE_CLIENT_ID and CONSOLE_CLIENT_SECRET are required: the console's OAuth2 "
                                 "client at identity (`identity service-clients` writes them)")
    runtime = app.extensions["chassis.runtime"]
    lifetime = SessionLifetime(idle=timedelta(minutes=settings.session_idle_minutes),
                               absolute=timedelta(hours=settings.session_absolute_hours))
    app.extensions["console.sessions"] = SessionStore(runtime.database.sessions, runtime.database.reads,
                                                      lifetime, cipher_for(settings))
    app.extensions["console.identity"] = IdentityClient(
        settings.client_id, settings.client_secret, settings.gateway("/oauth/token"),
        settings.gateway("/oauth/revoke"), timeout=settings.http_read_timeout)
    app.extensions["console.gateway"] = ServiceClient(
        settings.gateway_url, connect_timeout=settings.http_connect_timeout, read_timeout=settings.http_read_timeout,
        user_agent="marketplace-console")
    app.jinja_env.filters.update(FILTERS)
    i18n.install(app, settings.default_locale, settings.timezone)
    app.register_blueprint(blueprint())
    errors.install(app)
