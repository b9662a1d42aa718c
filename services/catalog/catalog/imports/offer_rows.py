"""One CSV row of offers -> an offer created or updated (upserted by the vendor's SKU)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis.runtime_settings import current
from catalog import gtin, offers
from catalog.imports.cells import CellReader
from catalog.models import Offer, Product
from catalog.settings import CatalogRuntimeSettings

COLUMNS = ("sku", "product_id", "gtin", "price", "price_minor", "currency", "shipping", "quantity", "condition",
           "lead_time_days", "active")
REQUIRED = ("sku",)
EXPORTED = ("sku", "product_id", "gtin", "price", "currency", "shipping", "quantity", "condition",
            "lead_time_days", "active")


def is_column(column: str) -> bool:
    return column in COLUMNS


def column_of(field: str, cells: dict[str, str]) -> str:
    """The CSV column a domain field came from, to point errors at it."""
    if field == "price_minor":
        return "price" if cells.get("price") or "price_minor" not in cells else "price_minor"
    if field == "product_id":
        return "product_id" if cells.get("product_id") or "gtin" not in cells else "gtin"
    return {"shipping_minor": "shipping", "sku-taken": "sku", "unknown-product": "product_id",
            "product-archived": "product_id"}.get(field, field)


def apply(uow, vendor_id: str, cells: dict[str, str], *, actor: dict, decimal_comma: bool) -> None:
    """Create the offer of this SKU, or update it with the row's non-empty cells."""
    session = uow.session
    fields = _fields(session, cells, decimal_comma)
    offer = session.scalar(select(Offer).where(Offer.vendor_id == vendor_id, Offer.sku == fields["sku"]))
    if offer is None:
        offers.create_offer(uow, vendor_id, _for_creation(session, fields, cells), actor=actor, stock_kind="import")
        return
    reader = CellReader(cells)
    if fields.get("product_id", offer.product_id) != offer.product_id:
        reader.fail(column_of("product_id", cells), "an offer cannot move to another product; use a new SKU")
    reader.raise_errors()
    changes = {field: value for field, value in fields.items()
               if field not in ("sku", "product_id") and value != _current(offer, field)}
    if changes:
        offers.update_offer(uow, offer, changes, actor=actor, stock_kind="import")


def _fields(session: Session, cells: dict[str, str], decimal_comma: bool) -> dict[str, Any]:
    reader = CellReader(cells, decimal_comma=decimal_comma)
    price = reader.minor_units("price") if reader.given("price") else reader.whole("price_minor")
    currency = reader.text("currency")
    condition = reader.text("condition")
    if not reader.given("sku"):
        reader.fail("sku", "required")
    fields = {"sku": reader.text("sku", max_length=100),
              "product_id": _product_id(session, reader), "price_minor": price,
              "currency": currency.upper() if currency else None,
              "shipping_minor": reader.minor_units("shipping"), "quantity": reader.whole("quantity"),
              "condition": condition.lower() if condition else None,
              "lead_time_days": reader.whole("lead_time_days"), "active": reader.boolean("active")}
    reader.raise_errors()
    return {field: value for field, value in fields.items() if value is not None}


def _product_id(session: Session, reader: CellReader) -> str | None:
    product_id, code = reader.text("product_id"), reader.text("gtin")
    if product_id:
        product = session.get(Product, product_id)
        if product is None:
            return reader.fail("product_id", f"no product {product_id!r}")
        if code and (not gtin.is_valid(code) or gtin.normalise(code) != product.gtin):
            return reader.fail("gtin", "does not match the product's GTIN")
        return product_id
    if not code:
        return None
    if not gtin.is_valid(code):
        return reader.fail("gtin", "not a valid GTIN/EAN (length or check digit)")
    found = session.scalar(select(Product.id).where(Product.gtin == gtin.normalise(code)))
    return found or reader.fail("gtin", "no product has this GTIN; create the product first")


def _for_creation(session: Session, fields: dict[str, Any], cells: dict[str, str]) -> dict[str, Any]:
    reader = CellReader(cells)
    if "product_id" not in fields:
        reader.fail(column_of("product_id", cells), "product_id or gtin is required to create an offer")
    if "price_minor" not in fields:
        reader.fail(column_of("price_minor", cells), "a price is required to create an offer")
    reader.raise_errors()
    return {"currency": current(session, CatalogRuntimeSettings).currency, **fields}


def _current(offer: Offer, field: str) -> Any:
    return offer.available if field == "quantity" else getattr(offer, field)
