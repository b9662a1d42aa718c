"""identity's blueprints (the login blueprint also wires the session and the authorization server)."""
from __future__ import annotations


def blueprints() -> list:
    from identity.web import authorize, discovery, endpoints, login
    return [login.blueprint, authorize.blueprint, endpoints.blueprint, discovery.blueprint] + management_blueprints()


def management_blueprints() -> list:
    """The management API: vendors (staff, clients) and the operators' users and clients."""
    from identity.api import clients, users, vendor_clients, vendor_staff, vendors
    return [vendors.blueprint, vendor_staff.blueprint, vendor_clients.blueprint, users.blueprint, clients.blueprint]
