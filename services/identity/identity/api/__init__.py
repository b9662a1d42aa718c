"""identity's blueprints (the login blueprint also wires the session and the authorization server)."""
from __future__ import annotations


def blueprints() -> list:
    from identity.web import authorize, discovery, endpoints, login
    return [login.blueprint, authorize.blueprint, endpoints.blueprint, discovery.blueprint]
