"""Catalog API: products (being written)."""
from __future__ import annotations

from flask_smorest import Blueprint


def blueprint() -> Blueprint:
    return Blueprint("catalog_products", __name__)
