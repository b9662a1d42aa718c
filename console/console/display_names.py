"""Names for the ids the stats API ranks: vendors (identity), products and categories (catalog).

Stats rows carry ids only. Categories come in one call (the whole tree); vendors and products take one
call per id, since neither API looks up several ids at once (the dashboards show five of each). A name
that cannot be read (archived, not visible to the caller, a service down) falls back to the id.
"""
from __future__ import annotations

from collections.abc import Iterable

from console import web
from console.api import ApiError


def category_names() -> dict[str, str]:
    try:
        return {category["id"]: category.get("name") or category["id"] for category in web.api().get(
            "/api/v1/categories")}
    except ApiError:
        return {}


def vendor_names(vendor_ids: Iterable[str | None]) -> dict[str, str]:
    return _one_by_one(vendor_ids, "/api/v1/vendors/{}", "company_name")


def product_names(product_ids: Iterable[str | None]) -> dict[str, str]:
    return _one_by_one(product_ids, "/api/v1/products/{}", "title")


def _one_by_one(ids: Iterable[str | None], path: str, field: str) -> dict[str, str]:
    names = {}
    for each in dict.fromkeys(each for each in ids if each):  # each id once, in rank order
        try:
            names[each] = web.api().get(path.format(each)).get(field) or each
        except ApiError:
            continue
    return names
