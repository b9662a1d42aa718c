"""Names for the ids rows carry: vendors and customers (identity), products and categories (catalog).

Rows carry ids only. Each kind of name costs one call per page: categories come with the whole tree;
vendors, products and customers from their API's list filtered by ``id`` (``?id=a&id=b``, up to a
page of ``MAX_IDS``). A name that cannot be read (another vendor's, not visible to the caller, a
service down) falls back to the id: the templates show ``names.get(id, id)``.
"""
from __future__ import annotations

from collections.abc import Iterable

from console import web
from console.api import ApiError

MAX_IDS = 100  # the APIs' largest page, and the most ids their ``id`` filter takes


def category_names() -> dict[str, str]:
    try:
        return {category["id"]: category.get("name") or category["id"] for category in web.api().get(
            "/api/v1/categories")}
    except ApiError:
        return {}


def vendor_names(vendor_ids: Iterable[str | None]) -> dict[str, str]:
    return _looked_up(vendor_ids, "/api/v1/vendors", "company_name")


def product_names(product_ids: Iterable[str | None]) -> dict[str, str]:
    """Vendors read their own products and other vendors' approved ones (``scope=mine``); operators all."""
    scope = "all" if web.current_session().user.is_operator else "mine"
    return _looked_up(product_ids, "/api/v1/products", "title", scope=scope)


def customer_emails(user_ids: Iterable[str | None]) -> dict[str, str]:
    """For operators' pages only: identity lists users to operators alone (anyone else gets ids back)."""
    return _looked_up(user_ids, "/api/v1/users", "email")


def _looked_up(ids: Iterable[str | None], path: str, field: str, **params: str) -> dict[str, str]:
    wanted = list(dict.fromkeys(each for each in ids if each))  # each id once
    names = {}
    for start in range(0, len(wanted), MAX_IDS):  # one call for any page the console shows
        batch = wanted[start:start + MAX_IDS]
        try:
            rows = web.api().get_page(path, page_size=len(batch), id=batch, **params).items
        except ApiError:
            continue
        names.update({row["id"]: row.get(field) or row["id"] for row in rows if row.get("id") in batch})
    return names
