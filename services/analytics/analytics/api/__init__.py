"""Analytics HTTP resources: one module per resource, registered here."""
from __future__ import annotations

RESOURCE_MODULES: tuple[str, ...] = ("track", "traffic", "stats")


def blueprints() -> list:
    """The service's flask-smorest blueprints (built when an app is created)."""
    from importlib import import_module
    return [import_module(f"analytics.api.{name}").blueprint() for name in RESOURCE_MODULES]
