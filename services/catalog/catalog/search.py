"""Storefront search over products' listing summaries: one SELECT for a page, one capped COUNT.

Filters on offers (vendor, condition) are EXISTS probes on the offers index;
everything else reads the product row. Text search uses PostgreSQL full-text
search (``websearch_to_tsquery``, GIN index) and ranks by relevance; on SQLite
every word must appear (LIKE), ranked newest first.

Storefront statements are built once per *shape* (which filters are set, the
sort, the database) with the values bound at execution: SQLAlchemy then reuses
the statement object's cache key and result metadata, which building a new
select per request paid for again each time.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, exists, false, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session

from catalog.models import Category, Offer, Product, VendorState
from catalog.products_workflow import APPROVED, STATUSES

LISTED_COLUMNS = (Product.id, Product.title, Product.brand, Product.category_id, Product.status, Product.vendor_id,
                  Product.best_price_minor, Product.currency, Product.in_stock, Product.offer_count,
                  Product.approved_at)
# Written into the SQL, not bound: a prepared statement's generic plan must still see the indexed expression.
SEARCH_CONFIG = literal_column("'simple'::regconfig")
# Storefront filters on a product's offers, bound as parameters of the same name.
_OFFER_FILTERS = ("vendor_id", "condition")
_LIKE_ESCAPE = "/"


@dataclass(frozen=True)
class Listing:
    """A page query and its capped count, with the values to bind (plus ``offset`` and ``limit``, or ``cap``)."""

    rows: Select
    count: Select
    params: dict[str, Any]


def storefront_listing(session: Session, filters: dict[str, Any]) -> Listing:
    """Listed products matching ``filters`` (see SearchQuerySchema), sorted by ``sort``."""
    params = {name: filters[name] for name in _OFFER_FILTERS if filters.get(name) not in (None, "")}
    return _listing(session, filters, params, public=True)


def management_listing(session: Session, filters: dict[str, Any], vendor_id: str | None) -> Listing:
    """Products in any status, recently updated first: a vendor's own (``vendor_id``) or, for operators, all.

    Looked up by ``id``, a vendor gets what it could read one product at a time (a product's page):
    its own in any status and other vendors' approved ones, which the storefront shows anyone.
    """
    params: dict[str, Any] = {}
    if vendor_id is not None:
        params["readable_by" if filters.get("id") else "owner_id"] = vendor_id
    if filters.get("status") in STATUSES:
        params["status"] = filters["status"]
    return _listing(session, filters, params, public=False)


def _listing(session: Session, filters: dict[str, Any], params: dict[str, Any], *, public: bool) -> Listing:
    postgres = _is_postgres(session)
    params.update({name: filters[name] for name in ("min_price", "max_price") if filters.get(name) is not None})
    if filters.get("id"):
        params["ids"] = filters["id"]
    if filters.get("category"):
        # Looked up first: a constant prefix is what lets the text_pattern_ops index serve the LIKE.
        subtree = session.scalar(select(Category.path).where(Category.slug == filters["category"]))
        params["category_prefix"] = _like_escaped(subtree) + "%" if subtree else None
    if filters.get("q") and postgres:
        params["q"] = filters["q"]
    elif filters.get("q"):
        words = [word for word in filters["q"].lower().split() if word][:10]
        params.update({f"word_{index}": f"%{_like_escaped(word)}%" for index, word in enumerate(words)})
    sort = filters.get("sort", "relevance") if public else "updated"
    shape = (public, postgres, tuple(sorted(params)), bool(filters.get("in_stock")), sort,
             params.get("category_prefix", "") is None)
    rows, count = _statements(shape)
    return Listing(rows, count, params)


@functools.cache
def _statements(shape: tuple) -> tuple[Select, Select]:
    """The page and capped-count statements of one shape of listing, values left as bind parameters."""
    public, _postgres, bound, in_stock, sort, unknown_category = shape
    query = select(*LISTED_COLUMNS)
    query = query.where(Product.listed.is_(True)) if public else query
    for name, condition in _conditions(bound):
        query = query.where(condition)
    query = _offer_conditions(query, bound)
    if unknown_category:
        query = query.where(false())
    if in_stock:
        query = query.where(Product.in_stock.is_(True))
    counted = query.with_only_columns(literal(1)).limit(bindparam("cap")).subquery()
    rows = _sorted(query, sort, "q" in bound).offset(bindparam("offset")).limit(bindparam("limit"))
    return rows, select(func.count()).select_from(counted)


def _conditions(bound: tuple[str, ...]):
    """(parameter, condition on the product row) for each bound filter of the product row."""
    conditions = {
        "owner_id": lambda: Product.vendor_id == bindparam("owner_id"),
        "readable_by": lambda: or_(Product.vendor_id == bindparam("readable_by"), Product.status == APPROVED),
        "ids": lambda: Product.id.in_(bindparam("ids", expanding=True)),
        "status": lambda: Product.status == bindparam("status"),
        "category_prefix": lambda: Product.category_path.like(bindparam("category_prefix"), escape=_LIKE_ESCAPE),
        "min_price": lambda: Product.best_price_minor >= bindparam("min_price"),
        "max_price": lambda: Product.best_price_minor <= bindparam("max_price"),
        "q": lambda: _document().op("@@")(_tsquery(bindparam("q"))),
    }
    for name in bound:
        if name in conditions:
            yield name, conditions[name]()
        elif name.startswith("word_"):
            yield name, func.lower(Product.search_text).like(bindparam(name), escape=_LIKE_ESCAPE)


def _offer_conditions(query: Select, bound: tuple[str, ...]) -> Select:
    conditions = [getattr(Offer, name) == bindparam(name) for name in _OFFER_FILTERS if name in bound]
    if not conditions:
        return query
    suspended = select(VendorState.vendor_id).where(VendorState.suspended.is_(True))
    return query.where(exists().where(Offer.product_id == Product.id, Offer.active.is_(True),
                                      Offer.vendor_id.not_in(suspended), *conditions))


def _sorted(query: Select, sort: str, ranked: bool) -> Select:
    if sort == "price_asc":
        return query.order_by(Product.best_price_minor.asc(), Product.id)
    if sort == "price_desc":
        return query.order_by(Product.best_price_minor.desc(), Product.id)
    if sort == "relevance" and ranked:
        return query.order_by(func.ts_rank(_document(), _tsquery(bindparam("q"))).desc(), Product.id)
    if sort == "updated":
        return query.order_by(Product.updated_at.desc(), Product.id)
    return query.order_by(Product.approved_at.desc(), Product.id)


def _tsquery(text):
    return func.websearch_to_tsquery(SEARCH_CONFIG, text)


def _like_escaped(text: str) -> str:
    return text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", _LIKE_ESCAPE + "%").replace(
        "_", _LIKE_ESCAPE + "_")


def _document():
    return Product.search_vector  # stored, GIN-indexed (ix_products_search_vector)


def search_vector(session: Session, search_text: str):
    """What to store in ``search_vector``: the tsvector on PostgreSQL, nothing on SQLite."""
    return func.to_tsvector(SEARCH_CONFIG, search_text) if _is_postgres(session) else None


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
