"""Storefront search over products' listing summaries: one SELECT for a page, one capped COUNT.

Filters on offers (vendor, condition) are EXISTS probes on the offers index;
everything else reads the product row. Text search uses PostgreSQL full-text
search (``websearch_to_tsquery``, GIN index) and ranks by relevance; on SQLite
every word must appear (LIKE), ranked newest first.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, exists, false, func, literal_column, select
from sqlalchemy.orm import Session

from catalog.models import Category, Offer, Product, VendorState
from catalog.products_workflow import STATUSES

LISTED_COLUMNS = (Product.id, Product.title, Product.brand, Product.category_id, Product.status, Product.vendor_id,
                  Product.best_price_minor, Product.currency, Product.in_stock, Product.offer_count,
                  Product.approved_at)
# Written into the SQL, not bound: a prepared statement's generic plan must still see the indexed expression.
SEARCH_CONFIG = literal_column("'simple'::regconfig")


def storefront_query(session: Session, filters: dict[str, Any]) -> Select:
    """Listed products matching ``filters`` (see SearchQuerySchema), sorted."""
    query = select(*LISTED_COLUMNS).where(Product.listed.is_(True))
    query = _offer_filters(query, filters)
    return _sorted(_common_filters(session, query, filters), session, filters)


def management_query(session: Session, filters: dict[str, Any], vendor_id: str | None) -> Select:
    """Products in any status: a vendor's own (``vendor_id``) or, for operators, all."""
    query = select(*LISTED_COLUMNS)
    if vendor_id is not None:
        query = query.where(Product.vendor_id == vendor_id)
    if filters.get("status") in STATUSES:
        query = query.where(Product.status == filters["status"])
    query = _common_filters(session, query, filters)
    return query.order_by(Product.updated_at.desc(), Product.id)


def _common_filters(session: Session, query: Select, filters: dict[str, Any]) -> Select:
    if filters.get("category"):
        # Looked up first: a constant prefix is what lets the text_pattern_ops index serve the LIKE.
        subtree = session.scalar(select(Category.path).where(Category.slug == filters["category"]))
        query = query.where(Product.category_path.startswith(subtree, autoescape=True) if subtree else false())
    if "min_price" in filters:
        query = query.where(Product.best_price_minor >= filters["min_price"])
    if "max_price" in filters:
        query = query.where(Product.best_price_minor <= filters["max_price"])
    if filters.get("in_stock"):
        query = query.where(Product.in_stock.is_(True))
    if filters.get("q"):
        query = query.where(_matches(session, filters["q"]))
    return query


def _offer_filters(query: Select, filters: dict[str, Any]) -> Select:
    conditions = []
    if filters.get("vendor_id"):
        conditions.append(Offer.vendor_id == filters["vendor_id"])
    if filters.get("condition"):
        conditions.append(Offer.condition == filters["condition"])
    if not conditions:
        return query
    suspended = select(VendorState.vendor_id).where(VendorState.suspended.is_(True))
    return query.where(exists().where(Offer.product_id == Product.id, Offer.active.is_(True),
                                      Offer.vendor_id.not_in(suspended), *conditions))


def _matches(session: Session, text: str):
    if _is_postgres(session):
        return _document().op("@@")(func.websearch_to_tsquery(SEARCH_CONFIG, text))
    words = [word for word in text.lower().split() if word][:10]
    return and_(*(func.lower(Product.search_text).contains(word, autoescape=True) for word in words))


def _sorted(query: Select, session: Session, filters: dict[str, Any]) -> Select:
    sort = filters.get("sort", "relevance")
    if sort == "price_asc":
        return query.order_by(Product.best_price_minor.asc(), Product.id)
    if sort == "price_desc":
        return query.order_by(Product.best_price_minor.desc(), Product.id)
    if sort == "relevance" and filters.get("q") and _is_postgres(session):
        rank = func.ts_rank(_document(), func.websearch_to_tsquery(SEARCH_CONFIG, filters["q"]))
        return query.order_by(rank.desc(), Product.id)
    return query.order_by(Product.approved_at.desc(), Product.id)


def _document():
    return Product.search_vector  # stored, GIN-indexed (ix_products_search_vector)


def search_vector(session: Session, search_text: str):
    """What to store in ``search_vector``: the tsvector on PostgreSQL, nothing on SQLite."""
    return func.to_tsvector(SEARCH_CONFIG, search_text) if _is_postgres(session) else None


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
