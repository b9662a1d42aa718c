"""flask-smorest's Blueprint, without building marshmallow schemas on every request.

webargs instantiates a schema per request when given a class (every
``@blp.paginate`` passes one), flask-smorest instantiates its pagination
header schema per paginated response, and marshmallow deep-copies every
declared field when a schema is instantiated: about a millisecond of CPU per
list request, more than the query. Schemas hold no per-request state, so one
instance per class serves every request, and the pagination header is built
without a schema at all (it only holds integers).
"""
from __future__ import annotations

import functools

import flask_smorest
import marshmallow as ma
from webargs.core import missing
from webargs.flaskparser import FlaskParser

from chassis.nul_characters import refuse_nul_in_json
from chassis.request_json import too_deeply_nested


@functools.cache
def _schema(schema_class: type[ma.Schema]) -> ma.Schema:
    return schema_class()


class _SchemaReusingParser(FlaskParser):
    def _get_schema(self, argmap, req):
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            return _schema(argmap)
        return super()._get_schema(argmap, req)

    def load_json(self, req, schema):
        data = super().load_json(req, schema)
        if data is not missing:
            refuse_nul_in_json(req)
        return data

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:  # answered as any other invalid JSON body: 400
            raise too_deeply_nested() from None


class Blueprint(flask_smorest.Blueprint):
    """Every service's blueprint class (use it instead of ``flask_smorest.Blueprint``)."""

    ARGUMENTS_PARSER = _SchemaReusingParser()
    PAGINATION_ARGUMENTS_PARSER = _SchemaReusingParser()

    @staticmethod
    def _make_pagination_metadata(page: int, page_size: int, item_count: int) -> dict[str, int]:
        """The X-Pagination header's fields (flask-smorest's), as plain integers."""
        if item_count == 0:
            return {"total": 0, "total_pages": 0}
        last_page = (item_count - 1) // page_size + 1
        metadata = {"total": item_count, "total_pages": last_page, "first_page": 1, "last_page": last_page}
        if page <= last_page:
            metadata["page"] = page
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < last_page:
                metadata["next_page"] = page + 1
        return metadata

    @staticmethod
    def documented(*decorators):
        """Give a view the OpenAPI documentation of flask-smorest decorators, without their run-time wrappers.

        For the few hot endpoints that parse, page and serialize by hand: the
        published contract stays what ``@blp.arguments``/``@blp.response``/``@blp.paginate``
        say, and the view must honour it (its tests do).
        """
        def decorate(view):
            documented_view = view
            for decorator in reversed(decorators):
                documented_view = decorator(documented_view)
            view._apidoc = documented_view._apidoc
            return view
        return decorate
