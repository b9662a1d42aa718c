"""Serve the Swagger UI and ReDoc assets bundled with chassis.

flask-smorest renders its ``/docs`` (Swagger UI) and ``/redoc`` pages with
``<script>``/``<link>`` tags pointing at ``OPENAPI_SWAGGER_UI_URL`` and
``OPENAPI_REDOC_URL``, which usually name a CDN, so the pages are blank
without internet access.  chassis vendors the files instead (see
``static/openapi/*/VERSION``) and serves them from the service itself::

    app.config.update(openapi_asset_config("/api/v1/catalog"))
    api = Api(app)
    register_openapi_assets(app, "/api/v1/catalog")

``url_prefix`` should match ``OPENAPI_URL_PREFIX`` so that the pages and their
assets live under the same public path (and go through the same gateway
route).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, send_from_directory

#: Directory holding the vendored ``swagger-ui/`` and ``redoc/`` folders.
ASSETS_DIR = Path(__file__).resolve().parent / "static" / "openapi"

#: Browser cache lifetime of the assets: one year, marked immutable.
ASSET_MAX_AGE = 365 * 24 * 3600

BLUEPRINT_NAME = "chassis_openapi_assets"


def _assets_url(url_prefix: str) -> str:
    """Return the public URL of the assets folder, without trailing slash."""
    return f"{url_prefix.rstrip('/')}/docs/assets"


def openapi_asset_config(url_prefix: str) -> dict:
    """Return flask-smorest settings pointing the doc pages at local assets.

    :param url_prefix: the service's ``OPENAPI_URL_PREFIX``, e.g.
        ``"/api/v1/catalog"``.
    :returns: ``OPENAPI_SWAGGER_UI_PATH``/``_URL`` and ``OPENAPI_REDOC_PATH``/
        ``_URL`` to merge into ``app.config`` before creating the ``Api``.
    """
    assets = _assets_url(url_prefix)
    return {
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        # flask-smorest appends the file names to this URL: keep the slash.
        "OPENAPI_SWAGGER_UI_URL": f"{assets}/swagger-ui/",
        "OPENAPI_REDOC_PATH": "redoc",
        "OPENAPI_REDOC_URL": f"{assets}/redoc/redoc.standalone.js",
    }


def register_openapi_assets(app: Flask, url_prefix: str) -> Blueprint:
    """Serve the vendored assets under ``<url_prefix>/docs/assets/<path>``.

    Responses carry ``Cache-Control: public, max-age=<1 year>, immutable``;
    the vendored files only change with a chassis upgrade.  Call once per
    app (the blueprint name is fixed).

    :param app: the Flask application.
    :param url_prefix: same value as given to :func:`openapi_asset_config`.
    :returns: the registered blueprint.
    """
    blueprint = Blueprint(BLUEPRINT_NAME, __name__, url_prefix=_assets_url(url_prefix))

    @blueprint.get("/<path:filename>")
    def openapi_asset(filename: str) -> Response:
        # send_from_directory refuses paths escaping ASSETS_DIR (404).
        response = send_from_directory(ASSETS_DIR, filename, max_age=ASSET_MAX_AGE)
        response.cache_control.public = True
        response.cache_control.immutable = True
        return response

    app.register_blueprint(blueprint)
    return blueprint
