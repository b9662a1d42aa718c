"""Identity HTTP resources: one module per resource, registered here."""
from __future__ import annotations


def blueprints() -> list:
    """The service's flask-smorest blueprints (built when an app is created)."""
    return []
