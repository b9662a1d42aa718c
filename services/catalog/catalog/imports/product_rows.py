"""One CSV row of products -> a product created or updated (matched by ``id``, else by GTIN).

Attributes come from ``attr:<code>`` columns, typed by the category's rule for that
code (numbers, booleans; text and enum values as written); an empty cell removes
the attribute. A row equal to the live product changes nothing (no moderation round).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import categories, gtin, products
from catalog.imports.cells import CellReader, parse_boolean, parse_number
from catalog.models import Category, Product

COLUMNS = ("id", "title", "description", "brand", "gtin", "category")
REQUIRED = ("title",)
ATTRIBUTE_PREFIX = "attr:"


def is_column(column: str) -> bool:
    return column in COLUMNS or (column.startswith(ATTRIBUTE_PREFIX) and bool(categories.CODE.fullmatch(
        column[len(ATTRIBUTE_PREFIX):])))


def column_of(field: str, cells: dict[str, str]) -> str:
    if field.startswith("attributes."):
        return ATTRIBUTE_PREFIX + field.split(".", 1)[1]
    return {"category_id": "category", "unknown-category": "category", "gtin-taken": "gtin",
            "invalid-gtin": "gtin", "product-archived": "id"}.get(field, field)


def apply(uow, vendor_id: str, cells: dict[str, str], *, editor: products.Editor) -> None:
    session = uow.session
    reader = CellReader(cells)
    product = _existing(session, vendor_id, reader)
    fields = _fields(session, reader, product)
    reader.raise_errors()
    if product is None:
        products.create_product(uow, fields, editor)
    elif any(_differs(field, value, product) for field, value in fields.items()):
        products.update_product(uow, product, fields, editor)


def _existing(session: Session, vendor_id: str, reader: CellReader) -> Product | None:
    product_id, code = reader.text("id"), reader.text("gtin")
    if product_id:
        product = session.get(Product, product_id)
        if product is None or product.vendor_id != vendor_id:
            return reader.fail("id", "none of your products has this id (leave it empty to create one)")
        return product
    if code and gtin.is_valid(code):
        return session.scalar(select(Product).where(Product.gtin == gtin.normalise(code),
                                                    Product.vendor_id == vendor_id))
    return None


def _fields(session: Session, reader: CellReader, product: Product | None) -> dict[str, Any]:
    cells = reader.cells
    fields: dict[str, Any] = {"title": reader.text("title", max_length=300) or ""}
    if "description" in cells:
        fields["description"] = cells["description"]
    for field in ("brand", "gtin"):
        if field in cells:
            fields[field] = reader.text(field, max_length=200)
    fields["category_id"] = _category_id(session, reader) if "category" in cells else (
        product.category_id if product else None)
    attribute_columns = [column for column in cells if column.startswith(ATTRIBUTE_PREFIX)]
    if attribute_columns or product is None:
        fields["attributes"] = _attributes(session, reader, fields["category_id"], attribute_columns,
                                           dict(product.attributes) if product else {})
    return fields


def _category_id(session: Session, reader: CellReader) -> str | None:
    slug = reader.text("category")
    if not slug:
        return None
    found = session.scalar(select(Category.id).where(Category.slug == slug))
    return found or reader.fail("category", f"no category with slug {slug!r}")


def _attributes(session: Session, reader: CellReader, category_id: str | None, columns: list[str],
                attributes: dict[str, Any]) -> dict[str, Any]:
    kinds = {rule.code: rule.kind for rule in categories.rules_for(session, category_id)} if category_id else {}
    for column in columns:
        code, value = column[len(ATTRIBUTE_PREFIX):], reader.cells[column]
        if not value:
            attributes.pop(code, None)
            continue
        parsed = _typed(kinds.get(code), value)
        attributes[code] = parsed if parsed is not None else reader.fail(column, _expected(kinds.get(code)))
    return attributes


def _typed(kind: str | None, value: str) -> Any:
    if kind == "number":
        return parse_number(value)
    if kind == "boolean":
        return parse_boolean(value)
    return value


def _expected(kind: str | None) -> str:
    return "a number" if kind == "number" else "true or false (yes/no and 1/0 work too)"


def _differs(field: str, value: Any, product: Product) -> bool:
    live = getattr(product, field)
    if field == "gtin" and value and gtin.is_valid(value):
        value = gtin.normalise(value)
    if field == "description":
        return (value or "") != (live or "")
    return value != live
