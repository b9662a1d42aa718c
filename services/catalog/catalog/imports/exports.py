"""CSV exports of a vendor's offers and products, streamed, in the columns the import reads back."""
from __future__ import annotations

from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis.csv_cells import csv_lines
from catalog.imports import offer_rows, product_rows
from catalog.imports.cells import format_minor, format_value
from catalog.models import Category, ImportError_, Offer, Product

BATCH = 500


def offers(session: Session, vendor_id: str) -> Iterator[str]:
    query = (select(Offer, Product.gtin).join(Product, Product.id == Offer.product_id)
             .where(Offer.vendor_id == vendor_id).order_by(Offer.sku).execution_options(yield_per=BATCH))
    records = ([offer.sku, offer.product_id, code or "", format_minor(offer.price_minor), offer.currency,
                format_minor(offer.shipping_minor), str(offer.available), offer.condition,
                str(offer.lead_time_days), format_value(offer.active)]
               for offer, code in session.execute(query))
    return csv_lines(offer_rows.EXPORTED, records)


def products(session: Session, vendor_id: str) -> Iterator[str]:
    owned = Product.vendor_id == vendor_id
    codes = sorted({code for attributes in session.scalars(select(Product.attributes).where(owned)
                                                           .execution_options(yield_per=BATCH))
                    for code in (attributes or {})})
    query = (select(Product, Category.slug).outerjoin(Category, Category.id == Product.category_id)
             .where(owned).order_by(Product.created_at, Product.id).execution_options(yield_per=BATCH))
    records = ([product.id, product.title, product.description or "", product.brand or "", product.gtin or "",
                slug or "", *(format_value((product.attributes or {}).get(code)) for code in codes)]
               for product, slug in session.execute(query))
    header = [*product_rows.COLUMNS, *(product_rows.ATTRIBUTE_PREFIX + code for code in codes)]
    return csv_lines(header, records)


def job_errors(session: Session, job_id: str) -> Iterator[str]:
    query = (select(ImportError_.line, ImportError_.column, ImportError_.message)
             .where(ImportError_.job_id == job_id).order_by(ImportError_.line, ImportError_.id))
    return csv_lines(("line", "column", "message"), ([str(line), column, message]
                                                     for line, column, message in session.execute(query)))
