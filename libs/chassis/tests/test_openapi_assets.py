"""The Swagger UI and ReDoc pages must work offline, from vendored assets."""

from html.parser import HTMLParser

import pytest
from flask import Flask
from flask_smorest import Api

from chassis.openapi_assets import (
    ASSETS_DIR,
    openapi_asset_config,
    register_openapi_assets,
)

PREFIX = "/api/v1/demo"

JS_TYPES = {"text/javascript", "application/javascript"}


class _AssetRefs(HTMLParser):
    """Collect the URLs loaded by ``<script src>`` and ``<link href>``."""

    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.refs.append(attrs["src"])
        elif tag == "link" and attrs.get("href"):
            self.refs.append(attrs["href"])


def _asset_refs(html: str) -> list[str]:
    parser = _AssetRefs()
    parser.feed(html)
    return parser.refs


@pytest.fixture
def client():
    app = Flask(__name__)
    app.config.update(
        API_TITLE="Demo",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        **openapi_asset_config(PREFIX),
    )
    Api(app)
    register_openapi_assets(app, PREFIX)
    return app.test_client()


def test_config_points_at_local_assets():
    assert openapi_asset_config("/api/v1/catalog/") == {
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/catalog/docs/assets/swagger-ui/",
        "OPENAPI_REDOC_PATH": "redoc",
        "OPENAPI_REDOC_URL": "/api/v1/catalog/docs/assets/redoc/redoc.standalone.js",
    }


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (
            "docs",
            {
                "swagger-ui/swagger-ui.css": {"text/css"},
                "swagger-ui/swagger-ui-standalone-preset.js": JS_TYPES,
                "swagger-ui/swagger-ui-bundle.js": JS_TYPES,
            },
        ),
        ("redoc", {"redoc/redoc.standalone.js": JS_TYPES}),
    ],
)
def test_doc_page_loads_only_local_assets(client, page, expected):
    response = client.get(f"{PREFIX}/{page}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'"{PREFIX}/openapi.json"' in html

    refs = _asset_refs(html)
    assert sorted(refs) == sorted(f"{PREFIX}/docs/assets/{path}" for path in expected)
    for ref in refs:
        assert "http" not in ref
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        assert asset.mimetype in expected[ref.removeprefix(f"{PREFIX}/docs/assets/")]
        assert len(asset.get_data()) > 10_000, ref
        assert asset.cache_control.immutable
        assert asset.cache_control.max_age >= 30 * 24 * 3600
        asset.close()

    assert client.get(f"{PREFIX}/openapi.json").status_code == 200


def test_assets_are_not_served_outside_their_directory(client):
    assert client.get(f"{PREFIX}/docs/assets/missing.js").status_code == 404
    assert client.get(f"{PREFIX}/docs/assets/../../openapi_assets.py").status_code == 404
    assert client.get(f"{PREFIX}/docs/assets/%2e%2e/openapi_assets.py").status_code == 404


@pytest.mark.parametrize("folder", ["swagger-ui", "redoc"])
def test_vendored_assets_ship_license_and_version(folder):
    names = {path.name for path in (ASSETS_DIR / folder).iterdir()}
    assert {"LICENSE", "VERSION"} <= names
    assert not any(name.endswith(".map") for name in names)
