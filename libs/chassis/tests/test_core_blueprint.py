"""The chassis Blueprint: flask-smorest's, reusing schemas, documenting hand-written views."""
from __future__ import annotations

import itertools

import flask_smorest
import marshmallow as ma
from flask import Flask

from chassis.blueprint import Blueprint


class Query(ma.Schema):
    name = ma.fields.String()


def test_pagination_metadata_is_what_flask_smorest_computes():
    for page, page_size, total in itertools.product((1, 2, 3, 7), (1, 10, 50), (0, 1, 9, 10, 11, 100, 1000)):
        assert Blueprint._make_pagination_metadata(page, page_size, total) == \
            flask_smorest.Blueprint._make_pagination_metadata(page, page_size, total), (page, page_size, total)


def test_argument_schemas_given_as_classes_are_built_once():
    parser = Blueprint.ARGUMENTS_PARSER
    app = Flask(__name__)
    with app.test_request_context("/?name=x"):
        first, second = parser._get_schema(Query, None), parser._get_schema(Query, None)
        assert first is second and isinstance(first, Query)
        assert parser.parse(Query, location="query") == {"name": "x"}


def test_documented_views_carry_the_decorators_documentation_but_run_bare():
    blueprint = Blueprint("things", __name__, url_prefix="/things")
    calls = []

    @blueprint.route("")
    @Blueprint.documented(blueprint.arguments(Query, location="query"), blueprint.paginate())
    def things():
        calls.append("ran")
        return {"ok": True}

    assert set(things._apidoc) >= {"arguments", "pagination"}
    app = Flask(__name__)
    app.config.update(API_TITLE="t", API_VERSION="1", OPENAPI_VERSION="3.0.3")
    api = flask_smorest.Api(app)
    api.register_blueprint(blueprint)
    parameters = api.spec.to_dict()["paths"]["/things"]["get"]["parameters"]
    assert {p["name"] for p in parameters} >= {"name", "page", "page_size"}
    response = app.test_client().get("/things?page=x")  # no wrapper: nothing parses page
    assert response.status_code == 200 and calls == ["ran"]
