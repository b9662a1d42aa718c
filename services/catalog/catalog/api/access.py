"""Who may see and change which catalog object: tenancy in one place.

A vendor sees and changes its own products and offers only (another vendor's
answers 404, as if it did not exist); operators see everything and change it
when they are admins; everyone else only reads the storefront.
"""
from __future__ import annotations

from chassis.auth.flask import caller_vendor_id, check_access, current_principal
from chassis.auth.principal import Principal
from chassis.errors import Problem
from catalog.models import Offer, Product
from catalog.products import Editor

OPERATOR, ADMIN = "operator", "admin"


def writer() -> Editor:
    """The caller as an editor: an operator admin, or vendor staff (403 for anyone else)."""
    principal = current_principal()
    if principal.is_operator:
        check_access(principal, roles=(OPERATOR, ADMIN), any_role=False)
        return Editor(vendor_id=None, is_operator=True)
    if principal.is_vendor:
        return Editor(vendor_id=caller_vendor_id(), is_operator=False)
    raise Problem(403, "insufficient-role", "requires role vendor or operator")


def reader() -> Editor | None:
    """The caller when it manages catalog data (vendor or operator), else None (a shopper)."""
    principal = current_principal()
    if principal.is_operator:
        return Editor(vendor_id=None, is_operator=True)
    if principal.is_vendor and principal.vendor_id:
        return Editor(vendor_id=principal.vendor_id, is_operator=False)
    return None


def owns(editor: Editor | None, vendor_id: str | None) -> bool:
    return editor is not None and editor.owns(vendor_id)


def product_for(session, product_id: str, editor: Editor) -> Product:
    product = session.get(Product, product_id)
    if product is None or not owns(editor, product.vendor_id):
        raise not_found("product", product_id)
    return product


def offer_for(session, offer_id: str, editor: Editor) -> Offer:
    offer = session.get(Offer, offer_id)
    if offer is None or not owns(editor, offer.vendor_id):
        raise not_found("offer", offer_id)
    return offer


def not_found(kind: str, object_id: str) -> Problem:
    return Problem(404, "not-found", f"no {kind} {object_id[:64]!r}")


def optional_principal() -> Principal | None:
    """The caller on a public route: None without a token (a bad token is still a 401)."""
    from flask import request
    if not request.headers.get("Authorization"):
        return None
    return current_principal()
