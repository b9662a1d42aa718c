"""The whole back office's API in one document, and a Swagger UI page to try it (public)."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, current_app, jsonify, render_template, request, send_from_directory, url_for

from chassis.blueprint import Blueprint
from gateway.openapi_merge import merge_specs
from gateway.upstream_specs import HttpSpecFetcher, UpstreamSpecs, spec_urls

SPECS_EXTENSION = "gateway.upstream_specs"
DOCS_FILES_DIR = Path(__file__).resolve().parent.parent / "templates" / "api_docs"
# Served as they are; index.html is rendered instead (and not served raw).
DOCS_FILES = frozenset({"oauth2-redirect.html", "oauth2-redirect.js", "swagger-initializer.js"})
DOCS_FILES_MAX_AGE = 300
OPENAPI_DOC = {"responses": {"200": {"description": "OpenAPI 3.0.3 document of every service",
                                     "content": {"application/json": {"schema": {"type": "object"}}}}}}
HTML_DOC = {"responses": {"200": {"description": "HTML page",
                                  "content": {"text/html": {"schema": {"type": "string"}}}}}}


def docs_blueprint() -> Blueprint:
    blueprint = Blueprint("gateway_docs", __name__, description="The merged API document and its Swagger UI.")

    @blueprint.route("/api/openapi.json", methods=["GET"])
    @blueprint.doc(**OPENAPI_DOC)
    def merged_openapi():
        """Every service's API in one document; `x-services` says which services are missing."""
        return jsonify(upstream_specs(current_app).merged())

    @blueprint.route("/api/docs", methods=["GET"])
    @blueprint.doc(**HTML_DOC)
    def swagger_ui():
        """Swagger UI on the merged document; `client_id` pre-fills the Authorize dialog."""
        return render_template("api_docs/index.html", **_page_values(request.args.get("client_id", "")))

    @blueprint.route("/api/docs/<filename>", methods=["GET"])
    @blueprint.doc(**HTML_DOC)
    def swagger_ui_file(filename: str):
        """Files of the Swagger UI page, such as the OAuth2 redirect page."""
        if filename not in DOCS_FILES:
            abort(404)
        return send_from_directory(DOCS_FILES_DIR, filename, max_age=DOCS_FILES_MAX_AGE)

    return blueprint


def upstream_specs(app: Flask) -> UpstreamSpecs:
    """The app's document cache, created on first use (never at app creation)."""
    specs = app.extensions.get(SPECS_EXTENSION)
    if specs is None:
        # setdefault is atomic: two threads racing here end up sharing one cache.
        specs = app.extensions.setdefault(SPECS_EXTENSION, _new_upstream_specs(app))
    return specs


def _new_upstream_specs(app: Flask) -> UpstreamSpecs:
    settings = app.extensions["chassis.runtime"].settings
    own_api = app.extensions["chassis.api"]

    def build(documents: dict[str, dict], unavailable: list[str]) -> dict:
        # The gateway's own endpoints (this one, /api/v1/health) belong in the document too.
        return merge_specs({**documents, "gateway": own_api.spec.to_dict()}, issuer=settings.jwt_issuer,
                           unavailable=unavailable)

    return UpstreamSpecs(spec_urls(settings.upstream_urls()), HttpSpecFetcher(settings.upstream_connect_timeout),
                         build, refresh_seconds=settings.openapi_refresh_seconds)


def _page_values(client_id: str) -> dict:
    return {
        "title": "Marketplace back office API",
        "assets_url": current_app.config["OPENAPI_SWAGGER_UI_URL"],
        "spec_url": url_for("gateway_docs.merged_openapi"),
        "initializer_url": url_for("gateway_docs.swagger_ui_file", filename="swagger-initializer.js"),
        "oauth2_redirect_path": url_for("gateway_docs.swagger_ui_file", filename="oauth2-redirect.html"),
        "client_id": client_id,
    }
