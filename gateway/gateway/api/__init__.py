"""Gateway HTTP resources of its own (the proxied routes are not blueprints)."""
from __future__ import annotations


def blueprints() -> list:
    return []
