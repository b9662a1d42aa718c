"""Catalog API: categories (being written)."""
from __future__ import annotations

from flask_smorest import Blueprint


def blueprint() -> Blueprint:
    return Blueprint("catalog_categories", __name__)
