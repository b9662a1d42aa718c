"""Categories: the public tree, and operators managing it and its attributes."""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from chassis.app import runtime
from chassis.blueprint import Blueprint
from chassis.pagination import close_request_session, request_session
from chassis.permissions import operator_write
from catalog import categories
from catalog.api.access import not_found
from catalog.api.schemas import (AttributeInputSchema, AttributeSchema, CategoryDetailSchema, CategoryInputSchema,
                                 CategoryPatchSchema, CategorySchema)
from catalog.models import Category, CategoryAttribute

SECURITY = [{"bearerAuth": []}]
MAX_CATEGORIES = 5000


def blueprint() -> Blueprint:
    bp = Blueprint("catalog_categories", __name__, url_prefix="/api/v1/categories",
                   description="The category tree and the attributes each category asks of its products.")
    bp.teardown_request(close_request_session)

    @bp.route("")
    class Categories(MethodView):
        @bp.response(200, CategorySchema(many=True))
        def get(self):
            """Every category, parents before children (public)."""
            return request_session().scalars(select(Category).order_by(Category.path).limit(MAX_CATEGORIES)).all()

        @operator_write()
        @bp.arguments(CategoryInputSchema)
        @bp.response(201, CategorySchema)
        @bp.doc(security=SECURITY)
        def post(self, body):
            """Add a category (admin operators)."""
            with runtime().uow() as uow:
                category = categories.create_category(uow, **body)
                uow.commit()
                return _category_dict(category)

    @bp.route("/<category_id>")
    class CategoryResource(MethodView):
        @bp.response(200, CategoryDetailSchema)
        def get(self, category_id):
            """A category with its attributes, inherited ones included (public)."""
            session = request_session()
            category = session.get(Category, category_id)
            if category is None:
                raise not_found("category", category_id)
            lineage = [part for part in category.path.split("/") if part]
            attributes = session.scalars(select(CategoryAttribute).where(CategoryAttribute.category_id.in_(lineage))
                                         .order_by(CategoryAttribute.position, CategoryAttribute.code)).all()
            return {**_category_dict(category), "attributes": attributes}

        @operator_write()
        @bp.arguments(CategoryPatchSchema)
        @bp.response(200, CategorySchema)
        @bp.doc(security=SECURITY)
        def patch(self, body, category_id):
            """Rename, re-slug or move a category (its subtree and products follow)."""
            with runtime().uow() as uow:
                category = _existing(uow.session, category_id)
                categories.update_category(uow, category, body)
                uow.commit()
                return _category_dict(category)

        @operator_write()
        @bp.response(204)
        @bp.doc(security=SECURITY)
        def delete(self, category_id):
            """Delete an empty category (no subcategories, no products)."""
            with runtime().uow() as uow:
                categories.delete_category(uow, _existing(uow.session, category_id))
                uow.commit()

    @bp.route("/<category_id>/attributes")
    class Attributes(MethodView):
        @operator_write()
        @bp.arguments(AttributeInputSchema)
        @bp.response(201, AttributeSchema)
        @bp.doc(security=SECURITY)
        def post(self, body, category_id):
            """Declare an attribute products of this category (and its subcategories) must satisfy."""
            with runtime().uow() as uow:
                attribute = categories.add_attribute(uow, _existing(uow.session, category_id), body)
                uow.commit()
                return attribute

    @bp.route("/<category_id>/attributes/<attribute_id>")
    class AttributeResource(MethodView):
        @operator_write()
        @bp.response(204)
        @bp.doc(security=SECURITY)
        def delete(self, category_id, attribute_id):
            """Remove an attribute (existing products keep their values until edited)."""
            with runtime().uow() as uow:
                attribute = uow.session.get(CategoryAttribute, attribute_id)
                if attribute is None or attribute.category_id != category_id:
                    raise not_found("attribute", attribute_id)
                uow.session.delete(attribute)
                uow.audit("category.attribute_removed", "category", category_id, before={"code": attribute.code})
                uow.commit()

    return bp


def _existing(session, category_id: str) -> Category:
    category = session.get(Category, category_id)
    if category is None:
        raise not_found("category", category_id)
    return category


def _category_dict(category: Category) -> dict:
    return {field: getattr(category, field) for field in ("id", "parent_id", "name", "slug", "path", "position")}
