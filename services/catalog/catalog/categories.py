"""The category tree and attribute rules products must satisfy (their category's and its ancestors')."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from chassis.errors import Problem
from catalog.models import Category, CategoryAttribute, Product
from catalog.models.base import new_id, now

ATTRIBUTE_KINDS = ("text", "number", "enum", "boolean")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
TEXT_MAX = 1000


def create_category(uow, *, name: str, slug: str, parent_id: str | None, position: int = 0) -> Category:
    session = uow.session
    _check_slug(session, slug)
    parent = _category(session, parent_id) if parent_id else None
    category_id = new_id()
    category = Category(id=category_id, parent_id=parent_id, name=name, slug=slug, position=position,
                        path=f"{parent.path if parent else '/'}{category_id}/", created_at=now(), updated_at=now())
    session.add(category)
    uow.audit("category.created", "category", category_id, after={"name": name, "slug": slug, "parent_id": parent_id})
    return category


def update_category(uow, category: Category, changes: dict[str, Any]) -> Category:
    session = uow.session
    before = {"name": category.name, "slug": category.slug, "parent_id": category.parent_id}
    if "slug" in changes and changes["slug"] != category.slug:
        _check_slug(session, changes["slug"])
    if "parent_id" in changes and changes["parent_id"] != category.parent_id:
        _move(session, category, changes["parent_id"])
    for field in ("name", "slug", "position"):
        if field in changes:
            setattr(category, field, changes[field])
    category.updated_at = now()
    uow.audit("category.updated", "category", category.id, before=before,
              after={"name": category.name, "slug": category.slug, "parent_id": category.parent_id})
    return category


def delete_category(uow, category: Category) -> None:
    session = uow.session
    if session.scalar(select(Category.id).where(Category.parent_id == category.id).limit(1)):
        raise Problem(409, "category-not-empty", "the category has subcategories")
    if session.scalar(select(Product.id).where(Product.category_id == category.id).limit(1)):
        raise Problem(409, "category-not-empty", "products are filed in this category")
    session.delete(category)
    uow.audit("category.deleted", "category", category.id, before={"name": category.name, "slug": category.slug})


def _move(session: Session, category: Category, parent_id: str | None) -> None:
    parent = _category(session, parent_id) if parent_id else None
    if parent is not None and parent.path.startswith(category.path):
        raise Problem(409, "category-cycle", "a category cannot move under itself or its subcategories")
    old_path, new_path = category.path, f"{parent.path if parent else '/'}{category.id}/"
    for moved in session.scalars(select(Category).where(Category.path.startswith(old_path))):
        moved.path = new_path + moved.path[len(old_path):]
    session.execute(update(Product).where(Product.category_path.startswith(old_path))
                    .values(category_path=literal(new_path) + func.substr(Product.category_path, len(old_path) + 1))
                    .execution_options(synchronize_session=False))
    category.parent_id = parent_id


def _check_slug(session: Session, slug: str) -> None:
    if not SLUG.fullmatch(slug):
        raise Problem(422, "validation-failed", "slug: lowercase letters, digits and single hyphens",
                      errors={"slug": ["lowercase letters, digits and single hyphens"]})
    if session.scalar(select(Category.id).where(Category.slug == slug)):
        raise Problem(409, "slug-taken", f"a category already uses slug {slug!r}")


def _category(session: Session, category_id: str) -> Category:
    category = session.get(Category, category_id)
    if category is None:
        raise Problem(422, "unknown-category", f"no category {category_id!r}", errors={"category_id": ["unknown"]})
    return category


def add_attribute(uow, category: Category, spec: dict[str, Any]) -> CategoryAttribute:
    _check_attribute_spec(spec)
    session = uow.session
    taken = session.scalar(select(CategoryAttribute.id).where(CategoryAttribute.category_id == category.id,
                                                              CategoryAttribute.code == spec["code"]))
    if taken:
        raise Problem(409, "attribute-exists", f"the category already has attribute {spec['code']!r}")
    attribute = CategoryAttribute(id=new_id(), category_id=category.id, code=spec["code"], label=spec["label"],
                                  kind=spec["kind"], unit=spec.get("unit"), options=spec.get("options") or [],
                                  required=spec.get("required", False), position=spec.get("position", 0))
    session.add(attribute)
    uow.audit("category.attribute_added", "category", category.id, after=spec)
    return attribute


def _check_attribute_spec(spec: dict[str, Any]) -> None:
    errors = {}
    if not CODE.fullmatch(spec.get("code", "")):
        errors["code"] = ["lowercase letters, digits and underscores, starting with a letter"]
    if spec.get("kind") not in ATTRIBUTE_KINDS:
        errors["kind"] = [f"one of {', '.join(ATTRIBUTE_KINDS)}"]
    if spec.get("kind") == "enum" and not spec.get("options"):
        errors["options"] = ["an enum attribute lists its options"]
    if spec.get("kind") != "enum" and spec.get("options"):
        errors["options"] = ["only enum attributes have options"]
    if spec.get("unit") and spec.get("kind") != "number":
        errors["unit"] = ["only number attributes have a unit"]
    if errors:
        raise Problem(422, "validation-failed", "The attribute definition is invalid; see 'errors'.", errors=errors)


@dataclass(frozen=True)
class AttributeRule:
    code: str
    kind: str
    required: bool
    options: tuple[str, ...]
    unit: str | None


def rules_for(session: Session, category_id: str | None) -> list[AttributeRule]:
    """The attributes products of this category must satisfy: its own and its ancestors'."""
    if category_id is None:
        return []
    category = _category(session, category_id)
    lineage = [part for part in category.path.split("/") if part]
    rows = session.scalars(select(CategoryAttribute).where(CategoryAttribute.category_id.in_(lineage))
                           .order_by(CategoryAttribute.position, CategoryAttribute.code))
    return [AttributeRule(row.code, row.kind, row.required, tuple(row.options or ()), row.unit) for row in rows]


def validate_attributes(rules: list[AttributeRule], values: dict[str, Any]) -> dict[str, Any]:
    """The values, checked and normalised; 422 naming each attribute at fault."""
    known = {rule.code: rule for rule in rules}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for code in values:
        if code not in known:
            errors[code] = ["not an attribute of this category"]
    for rule in rules:
        value = values.get(rule.code)
        if value is None or value == "":
            if rule.required:
                errors[rule.code] = ["required"]
            continue
        problem = _check_value(rule, value)
        if problem:
            errors[rule.code] = [problem]
        else:
            cleaned[rule.code] = value
    if errors:
        raise Problem(422, "invalid-attributes", "Some attributes do not fit the category; see 'errors'.",
                      errors={"attributes": errors})
    return cleaned


def _check_value(rule: AttributeRule, value: Any) -> str | None:
    if rule.kind == "text":
        return None if isinstance(value, str) and len(value) <= TEXT_MAX else f"text of at most {TEXT_MAX} characters"
    if rule.kind == "number":
        valid = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if valid else f"a number{f' (in {rule.unit})' if rule.unit else ''}"
    if rule.kind == "boolean":
        return None if isinstance(value, bool) else "true or false"
    return None if value in rule.options else f"one of {', '.join(rule.options)}"
