"""Catalog API: pages (being written)."""
from __future__ import annotations

from flask_smorest import Blueprint


def blueprint() -> Blueprint:
    return Blueprint("catalog_pages", __name__)
