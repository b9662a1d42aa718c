"""Test helpers: a catalog app with callers of every kind, and shortcuts through the real API."""
from __future__ import annotations

from typing import Any

VENDOR_A, VENDOR_B = "vendor-a", "vendor-b"
# A valid EAN-13 (check digit 1) and a few more for tests needing distinct GTINs.
GTINS = ("4006381333931", "5901234123457", "9780201379624", "0012345678905")


class CatalogWorld:
    """Drives the catalog app through HTTP (test client) as vendors, operators and shoppers."""

    def __init__(self, app, bearer) -> None:
        self.app = app
        self.client = app.test_client()
        self.admin = bearer(subject="op-admin", roles=["operator", "admin"])
        self.support = bearer(subject="op-support", roles=["operator", "support"])
        self.vendor_a = bearer(subject="staff-a", roles=["vendor"], vendor_id=VENDOR_A)
        self.vendor_b = bearer(subject="staff-b", roles=["vendor"], vendor_id=VENDOR_B)
        self.customer = bearer(subject="shopper", roles=["customer"])

    def uow(self):
        return self.app.extensions["chassis.runtime"].uow()

    def call(self, method: str, path: str, headers=None, **kwargs):
        return self.client.open(path, method=method, headers=headers or {}, **kwargs)

    def category(self, slug: str = "shoes", parent_id: str | None = None, attributes=()) -> dict:
        response = self.call("POST", "/api/v1/categories", self.admin,
                             json={"name": slug.title(), "slug": slug, "parent_id": parent_id})
        assert response.status_code == 201, response.get_json()
        category = response.get_json()
        for attribute in attributes:
            added = self.call("POST", f"/api/v1/categories/{category['id']}/attributes", self.admin, json=attribute)
            assert added.status_code == 201, added.get_json()
        return category

    def product(self, headers=None, **fields: Any) -> dict:
        body = {"title": "Trail runner", "description": "Light **shoe**", "brand": "Acme", **fields}
        response = self.call("POST", "/api/v1/products", headers or self.vendor_a, json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def approved_product(self, headers=None, **fields: Any) -> dict:
        product = self.product(headers, **fields)
        if (headers or self.vendor_a) is not self.admin:
            submitted = self.call("POST", f"/api/v1/products/{product['id']}/submit", headers or self.vendor_a)
            assert submitted.status_code == 200, submitted.get_json()
        approved = self.call("POST", f"/api/v1/products/{product['id']}/approve", self.admin)
        assert approved.status_code == 200, approved.get_json()
        return approved.get_json()

    def offer(self, product_id: str, headers=None, **fields: Any) -> dict:
        body = {"product_id": product_id, "sku": f"SKU-{product_id[:8]}", "price_minor": 4999, "currency": "EUR",
                "quantity": 10, **fields}
        response = self.call("POST", "/api/v1/offers", headers or self.vendor_a, json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def suspend(self, vendor_id: str, suspended: bool = True) -> None:
        """What the vendor.suspended / reinstated handlers do, without the broker."""
        from catalog import listing
        from catalog.models import VendorState
        from catalog.models.base import now
        with self.uow() as uow:
            state = uow.session.get(VendorState, vendor_id) or VendorState(vendor_id=vendor_id, updated_at=now())
            state.suspended = suspended
            uow.session.add(state)
            uow.session.flush()
            listing.refresh_for_vendor(uow.session, vendor_id)
            uow.commit()
