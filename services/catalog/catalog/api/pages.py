"""Catalog API: CMS pages. Operators write them (admins) and list them with drafts (any operator);
the storefront reads published ones by slug at ``/api/v1/pages/by-slug/<slug>?locale=fr-FR``,
falling back to the language alone and then to ``en`` (see ``catalog.pages``)."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate
from sqlalchemy import select

from chassis.app import runtime
from chassis.audit import UtcDateTime
from chassis.blueprint import Blueprint
from chassis.errors import Problem
from chassis.pagination import SelectPage, close_request_session
from chassis.permissions import operator_read, operator_write
from catalog import pages
from catalog.models import Page

SECURITY = [{"bearerAuth": []}]
PUBLIC_MAX_AGE = 60

_blueprint = Blueprint("catalog_pages", __name__, url_prefix="/api/v1/pages",
                       description="CMS pages of the front office (Markdown, one per slug and locale).")
_blueprint.teardown_request(close_request_session)


def blueprint() -> Blueprint:
    return _blueprint


class LocaleField(ma.fields.String):
    """A language tag, given back in canonical case (``fr_fr`` -> ``fr-FR``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return pages.normalise_locale(super()._deserialize(value, attr, data, **kwargs))
        except pages.InvalidLocale as error:
            raise ma.ValidationError(str(error)) from None


SLUG = validate.And(validate.Length(min=1, max=200),
                    validate.Regexp(pages.SLUG_PATTERN, error="lowercase letters, digits and single hyphens"))


class PageInSchema(ma.Schema):
    slug = ma.fields.String(required=True, validate=SLUG)
    locale = LocaleField(load_default=pages.DEFAULT_LOCALE, metadata={"description": "e.g. en, fr, fr-FR"})
    title = ma.fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = ma.fields.String(load_default="", validate=validate.Length(max=200_000),
                            metadata={"description": "Markdown (CommonMark); raw HTML is not rendered"})
    published = ma.fields.Boolean(load_default=False)


class PageChangesSchema(PageInSchema):
    """The same fields, loaded with ``partial=True``: only those sent change."""


class PageSchema(ma.Schema):
    id = ma.fields.String()
    slug = ma.fields.String()
    locale = ma.fields.String()
    title = ma.fields.String()
    body = ma.fields.String()
    body_html = ma.fields.String(metadata={"description": "Sanitised HTML rendered from body"})
    published = ma.fields.Boolean()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class PublicPageSchema(ma.Schema):
    slug = ma.fields.String()
    locale = ma.fields.String(metadata={"description": "The locale served (after fallback)"})
    title = ma.fields.String()
    body_html = ma.fields.String()
    updated_at = UtcDateTime()


class PageQuerySchema(ma.Schema):
    slug = ma.fields.String(validate=SLUG)
    locale = LocaleField()
    published = ma.fields.Boolean()


class PublicPageQuerySchema(ma.Schema):
    locale = LocaleField(load_default=pages.DEFAULT_LOCALE)


@_blueprint.route("")
class Pages(MethodView):
    @operator_write()
    @_blueprint.arguments(PageInSchema)
    @_blueprint.response(201, PageSchema)
    @_blueprint.doc(security=SECURITY)
    def post(self, fields):
        """Create a page (admin operators); 409 if the slug is taken in that locale."""
        return _read(pages.create_page(runtime().uow(), pages.PageFields(**fields)))

    @operator_read()
    @_blueprint.arguments(PageQuerySchema, location="query")
    @_blueprint.response(200, PageSchema(many=True))
    @_blueprint.paginate(SelectPage)
    @_blueprint.doc(security=SECURITY)
    def get(self, filters):
        """Every page, drafts included (operators), by slug then locale."""
        query = select(Page.__table__).order_by(Page.slug, Page.locale, Page.id)
        for name, value in filters.items():
            query = query.where(getattr(Page, name) == value)
        return query


@_blueprint.route("/<page_id>")
class PageResource(MethodView):
    @operator_read()
    @_blueprint.response(200, PageSchema)
    @_blueprint.doc(security=SECURITY)
    def get(self, page_id):
        """One page, published or not (operators)."""
        return _read(page_id)

    @operator_write()
    @_blueprint.arguments(PageChangesSchema(partial=True))
    @_blueprint.response(200, PageSchema)
    @_blueprint.doc(security=SECURITY)
    def patch(self, changes, page_id):
        """Change some fields of a page (admin operators)."""
        if not changes:
            raise Problem(400, "bad-request", "send at least one of: " + ", ".join(pages.EDITABLE))
        pages.update_page(runtime().uow(), page_id, changes)
        return _read(page_id)

    @operator_write()
    @_blueprint.response(204)
    @_blueprint.doc(security=SECURITY)
    def delete(self, page_id):
        """Delete a page (admin operators)."""
        pages.delete_page(runtime().uow(), page_id)


@_blueprint.route("/by-slug/<slug>")
class PublishedPage(MethodView):
    @_blueprint.arguments(PublicPageQuerySchema, location="query")
    @_blueprint.response(200, PublicPageSchema)
    def get(self, query, slug):
        """The published page for the storefront: `?locale=fr-FR` tries fr-FR, then fr, then en (public)."""
        with runtime().database.reads() as session:
            page = pages.published_page(session, slug, query["locale"]) if pages.is_valid_slug(slug) else None
            if page is None:
                raise Problem(404, "not-found", f"no published page '{slug}'")
            body = {name: getattr(page, name) for name in ("slug", "locale", "title", "body_html", "updated_at")}
        return body, 200, {"Content-Language": body["locale"], "Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}"}


def _read(page_id: str) -> Page:
    with runtime().database.reads() as session:
        return pages.page_by_id(session, page_id)
