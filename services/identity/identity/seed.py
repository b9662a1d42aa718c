"""A demo marketplace for ``make run``: an operator, two approved vendors, a customer, clients.

Passwords and secrets are random on every seed; they are returned (and written by the CLI) once.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from sqlalchemy import func, select

from chassis import runtime_settings
from identity import handlers
from identity.models import User
from identity.settings import IdentityRuntimeSettings
from identity.vendors import clients as vendor_clients, handlers as vendors
from identity.models.vendors import Vendor
from identity.vendors.domain import VendorDecision, VendorStatus

STOREFRONT_REDIRECT_URI = "http://localhost:3000/callback"
# The gateway's Swagger UI (/api/docs) signs in with this public client (authorization code + PKCE).
API_DOCS_REDIRECT_URIS = ["http://localhost:8000/api/docs/oauth2-redirect.html",
                          "http://127.0.0.1:8000/api/docs/oauth2-redirect.html"]
DEMO_VENDORS = (("Nordic Outfitters AB", "SE5560000001", "SE", "owner@nordic-outfitters.example"),
                ("Atelier Lumière SARL", "FR12345678901", "FR", "owner@atelier-lumiere.example"))
SEED_REASON = "demo seed"


def is_empty(uow) -> bool:
    with uow:
        return not uow.session.scalar(select(func.count()).select_from(User))


def seed_demo(uow) -> dict:
    """Create the demo marketplace; the answer is the shape of ``var/demo-credentials.json``."""
    operator = _person(uow, "operator@marketplace.example", ["operator", "admin"])
    customer = _person(uow, "customer@marketplace.example", ["customer"])
    demo_vendors = [_vendor(uow, *details) for details in DEMO_VENDORS]
    operator_client = handlers.create_client(uow, "demo operator", "client_credentials",
                                             roles=["operator", "admin"])
    storefront = handlers.create_client(uow, "storefront", "authorization_code", public=True, first_party=True,
                                        redirect_uris=[STOREFRONT_REDIRECT_URI])
    api_docs = handlers.create_client(uow, "API docs", "authorization_code", public=True, first_party=True,
                                      redirect_uris=API_DOCS_REDIRECT_URIS)
    with uow:  # the demo signs in with passwords only (README: Identity)
        runtime_settings.change(uow, IdentityRuntimeSettings, {"two_factor_required_roles": []}, SEED_REASON)
        uow.commit()
    return {"operator": operator, "vendors": demo_vendors, "customer": customer,
            "clients": {"operator": {"client_id": operator_client.client_id,
                                     "client_secret": operator_client.client_secret},
                        "storefront": {"client_id": storefront.client_id, "redirect_uri": STOREFRONT_REDIRECT_URI},
                        "api_docs": {"client_id": api_docs.client_id,
                                     "docs_url": f"http://localhost:8000/api/docs?client_id={api_docs.client_id}"}}}


def _person(uow, email: str, roles: list[str]) -> dict:
    password = secrets.token_urlsafe(12)
    handlers.create_user(uow, email, password, roles)
    return {"email": email, "password": password}


def _vendor(uow, name: str, registration_number: str, country: str, owner_email: str) -> dict:
    owner = _person(uow, owner_email, ["customer"])
    with uow:
        owner_id = uow.session.scalar(select(User.id).where(User.email == owner_email))
    vendor_id = vendors.apply_for_vendor(uow, owner_id, vendors.VendorApplication(name, registration_number,
                                                                                  country, owner_email))
    with uow:
        pending = uow.session.get(Vendor, vendor_id).status == VendorStatus.PENDING.value
    if pending:  # vendor_auto_approval may have approved it already
        vendors.decide(uow, vendor_id, VendorDecision.APPROVE, SEED_REASON)
    client = vendor_clients.create_vendor_client(uow, vendor_id, f"{name} integration")
    return {"vendor_id": vendor_id, "name": name, "owner": owner,
            "client": {"client_id": client.client_id, "client_secret": client.client_secret}}


def write_credentials(path: Path, credentials: dict) -> None:
    """Readable by the owner only: it holds passwords and secrets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(credentials, file, indent=2, ensure_ascii=False)
        file.write("\n")
