"""The app factory every service (and the gateway) builds on."""
from __future__ import annotations

from apispec import BasePlugin
from flask import Flask, current_app
from flask_smorest import Api

from chassis.errors import PROBLEM_CONTENT_TYPE, ProblemSchema, install_error_handlers
from chassis.health import health_blueprint
from chassis.logs import configure_logging
from chassis.nul_characters import refuse_nul_characters
from chassis.observability import RequestObserver, ServiceFlask
from chassis.openapi_assets import openapi_asset_config, register_openapi_assets
from chassis.runtime import Runtime, ServiceDefinition
from chassis.settings import ServiceSettings, load_settings

MAX_BODY_BYTES = 10 * 1024 * 1024


class HiddenOperations(BasePlugin):
    """Drops operations documented with ``@blueprint.doc(hide=True)`` (HTML pages, for instance).

    flask-smorest has no way to leave a view out of the document and would copy
    ``hide`` into it as is, which is not valid OpenAPI.
    """

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for method in [m for m, operation in (operations or {}).items() if operation.get("hide")]:
            del operations[method]


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

    def _register_pagination_header(self) -> None:
        # X-Pagination carries JSON text: OpenAPI 3 says so with `content`; flask-smorest's
        # `schema` would mean the `simple` style ("total,3,total_pages,1"), which it is not.
        from flask_smorest.pagination import PAGINATION_HEADER
        self.spec.components.header("PAGINATION", {
            "description": PAGINATION_HEADER["description"],
            "content": {"application/json": {"schema": PAGINATION_HEADER["schema"]}}}, lazy=True)


def build_app(definition: ServiceDefinition, settings: ServiceSettings | None = None) -> Flask:
    """Create the Flask app of ``definition`` with every cross-cutting concern wired in."""
    settings = settings or load_settings(definition.settings_cls)
    configure_logging(definition.name, settings.log_level, settings.log_json)
    app = ServiceFlask(definition.package)
    app.config.update(_flask_config(definition, settings))
    runtime = Runtime(definition, settings)
    app.extensions["chassis.runtime"] = runtime
    app.extensions["chassis.verifier"] = _verifier(settings)
    app.wsgi_app = RequestObserver(_behind_proxies(app.wsgi_app, settings))  # type: ignore[method-assign]
    api = ServiceApi(app, spec_kwargs={"extra_plugins": [HiddenOperations()]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    install_error_handlers(app)  # after Api: replaces its JSON error handler
    app.before_request(refuse_nul_characters)
    register_openapi_assets(app, settings.api_prefix)
    app.register_blueprint(health_blueprint())
    for blueprint in _chassis_blueprints(definition) + definition.blueprints():
        api.register_blueprint(blueprint)
    app.extensions["chassis.api"] = api
    return app


def _behind_proxies(wsgi_app, settings: ServiceSettings):
    if not settings.trusted_proxies:
        return wsgi_app
    from chassis.forwarded import TrustedForwarded, TrustedProxies
    return TrustedForwarded(wsgi_app, TrustedProxies(settings.trusted_proxies))


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
