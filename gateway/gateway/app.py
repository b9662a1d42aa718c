"""Gateway app factory: a chassis app (probes, docs, health) behind the proxying dispatcher.

It keeps no database and consumes no events.
"""
from __future__ import annotations

from flask import Flask

from chassis.app import build_app
from chassis.runtime import ServiceDefinition
from chassis.settings import ConfigurationError, load_settings
from gateway.settings import UPSTREAM_NAMES, GatewaySettings

PORT = 8000


def definition() -> ServiceDefinition:
    from gateway import api
    return ServiceDefinition(
        name="gateway", title="Gateway", version="1.0.0", package="gateway", settings_cls=GatewaySettings,
        blueprints=api.blueprints, uses_database=False, uses_broker=False,
        description="The single front door of the marketplace back office.")


def create_app(settings: GatewaySettings | None = None) -> Flask:
    settings = settings or load_settings(GatewaySettings)
    app = build_app(definition(), settings)
    install_dispatcher(app, settings)
    return app


def install_dispatcher(app: Flask, settings: GatewaySettings) -> None:
    """Put the proxying dispatcher between chassis' RequestObserver and Flask."""
    from gateway.dispatcher import BodyLimits, Gateway
    from chassis.forwarded import TrustedProxies
    from gateway.ratelimit import EdgeLimiter
    from gateway.response_headers import CorsPolicy
    from gateway.routing import RouteTableError, load_route_table
    from gateway.upstreams import UpstreamPolicy, build_upstreams

    urls = settings.upstream_urls()
    try:
        routes = load_route_table(settings.routes_file, UPSTREAM_NAMES)
        upstreams = build_upstreams(urls, routes.upstreams(), UpstreamPolicy(
            connect_timeout=settings.upstream_connect_timeout, read_timeout=settings.upstream_read_timeout,
            retries=settings.upstream_retries, pool_size=settings.upstream_pool_size,
            failure_threshold=settings.upstream_failure_threshold,
            cooldown_seconds=settings.upstream_cooldown_seconds))
        limiter = EdgeLimiter(per_ip=settings.rate_limit_per_ip, per_caller=settings.rate_limit_per_caller,
                              auth_per_ip=settings.rate_limit_auth_per_ip, storage_url=settings.redis_url)
        proxies = TrustedProxies(settings.trusted_proxies)
    except (RouteTableError, ValueError) as error:
        raise ConfigurationError(f"invalid gateway configuration: {error}") from None
    observer = app.wsgi_app
    gateway = Gateway(
        observer.wsgi_app, routes=routes, upstreams=upstreams, verifier=app.extensions["chassis.verifier"],
        limiter=limiter, cors=CorsPolicy(settings.cors_origins), proxies=proxies,
        body_limits=BodyLimits(settings.max_body_bytes, settings.max_upload_bytes),
        hsts_max_age=settings.hsts_max_age)
    observer.wsgi_app = gateway
    app.extensions["gateway"] = gateway
