"""The app factory every service (and the gateway) builds on."""
from __future__ import annotations

import logging
import time

from flask import Flask, current_app, g, request
from flask_smorest import Api

from chassis import context
from chassis.errors import PROBLEM_CONTENT_TYPE, ProblemSchema, install_error_handlers
from chassis.health import health_blueprint
from chassis.logs import configure_logging
from chassis.metrics import metrics
from chassis.openapi_assets import openapi_asset_config, register_openapi_assets
from chassis.runtime import Runtime, ServiceDefinition
from chassis.settings import ServiceSettings, load_settings

access_log = logging.getLogger("chassis.access")
PROBE_PATHS = frozenset({"/livez", "/readyz", "/metrics"})
MAX_BODY_BYTES = 10 * 1024 * 1024


class ServiceApi(Api):
    """flask-smorest Api whose documented error body is problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # flask-smorest documents its shared error responses as application/json; they are
        # served as problem+json, so say so (success responses keep the default media type).
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_CONTENT_TYPE
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE


def build_app(definition: ServiceDefinition, settings: ServiceSettings | None = None) -> Flask:
    """Create the Flask app of ``definition`` with every cross-cutting concern wired in."""
    settings = settings or load_settings(definition.settings_cls)
    configure_logging(definition.name, settings.log_level, settings.log_json)
    app = Flask(definition.package)
    app.config.update(_flask_config(definition, settings))
    runtime = Runtime(definition, settings)
    app.extensions["chassis.runtime"] = runtime
    app.extensions["chassis.verifier"] = _verifier(settings)
    _install_request_hooks(app)
    api = ServiceApi(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    install_error_handlers(app)  # after Api: replaces its JSON error handler
    register_openapi_assets(app, settings.api_prefix)
    app.register_blueprint(health_blueprint())
    for blueprint in _chassis_blueprints(definition) + definition.blueprints():
        api.register_blueprint(blueprint)
    app.extensions["chassis.api"] = api
    return app


def runtime() -> Runtime:
    """The runtime of the current app (use inside a request)."""
    return current_app.extensions["chassis.runtime"]


def _flask_config(definition: ServiceDefinition, settings: ServiceSettings) -> dict:
    return {
        "API_TITLE": definition.title, "API_VERSION": definition.version, "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": settings.api_prefix, "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {"info": {"description": definition.description}},
        "MAX_CONTENT_LENGTH": MAX_BODY_BYTES, "JSON_SORT_KEYS": False,
        **openapi_asset_config(settings.api_prefix),
    }


def _verifier(settings: ServiceSettings):
    from chassis.auth.jwks import JWKSCache
    from chassis.auth.verifier import TokenVerifier
    return TokenVerifier(JWKSCache(settings.jwks_url), issuer=settings.jwt_issuer, audiences=settings.jwt_audiences)


def _chassis_blueprints(definition: ServiceDefinition) -> list:
    if not definition.uses_database:
        return []
    from chassis.audit import audit_blueprint
    blueprints = [audit_blueprint(definition)]
    if definition.runtime_settings is not None:
        from chassis.runtime_settings import settings_blueprint
        blueprints.append(settings_blueprint(definition))
    return blueprints


def _install_request_hooks(app: Flask) -> None:
    @app.before_request
    def _bind_request() -> None:
        g.chassis_started = time.perf_counter()
        rid = context.valid_id(request.headers.get("X-Request-ID")) or context.new_id()
        cid = context.valid_id(request.headers.get("X-Correlation-ID"))
        g.chassis_tokens = context.bind_request(rid, cid)

    @app.after_request
    def _observe(response):
        rid = context.request_id()
        if rid:
            response.headers["X-Request-ID"] = rid
        started = g.get("chassis_started")
        if started is not None:
            _record(response.status_code, time.perf_counter() - started)
        return response

    @app.teardown_request
    def _unbind(_exc) -> None:
        tokens = g.pop("chassis_tokens", None)
        if tokens:
            context.unbind(tokens)


def _record(status: int, elapsed: float) -> None:
    route = request.url_rule.rule if request.url_rule else "unmatched"
    m = metrics()
    m.http_requests.labels(request.method, route, str(status)).inc()
    m.http_latency.labels(request.method, route).observe(elapsed)
    level = logging.DEBUG if request.path in PROBE_PATHS else logging.INFO
    if access_log.isEnabledFor(level):
        access_log.log(level, "%s %s %s", request.method, request.path, status, extra={
            "method": request.method, "path": request.path, "route": route, "status": status,
            "duration_ms": round(elapsed * 1000, 2)})
