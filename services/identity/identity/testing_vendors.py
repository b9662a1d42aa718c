"""Test helpers for vendors and the operators' API (test-only, like ``identity.testing``)."""
from __future__ import annotations

from sqlalchemy import select

from chassis.auth.jwks import StaticKeySource, parse_jwks
from chassis.auth.verifier import TokenVerifier
from chassis.tables import outbox
from chassis.testing.apps import TEST_AUDIENCE, TEST_ISSUER
from identity.testing import IdentityWorld

ADMIN = {"subject": "operator-admin", "roles": ["operator", "admin"]}
SUPPORT = {"subject": "operator-support", "roles": ["operator", "support"]}
APPLICATION = {"company_name": "Acme GmbH", "registration_number": "HRB 12345", "country": "DE",
               "contact_email": "sales@acme.example"}


def verifier_of(world: IdentityWorld) -> TokenVerifier:
    """The chassis verifier every service uses, fed with identity's own JWKS document."""
    keys = StaticKeySource(parse_jwks(world.http.get("/.well-known/jwks.json").json))
    return TokenVerifier(keys, issuer=TEST_ISSUER, audiences=[TEST_AUDIENCE])


class VendorWorld:
    """Users with bearer tokens of the test issuer, and vendors built through the HTTP API."""

    def __init__(self, world: IdentityWorld, bearer) -> None:
        self.world = world
        self.http = world.http
        self.bearer = bearer
        self.admin = bearer(**ADMIN)
        self.support = bearer(**SUPPORT)

    def person(self, email: str, roles=("customer",)) -> tuple[str, dict]:
        """A user and the Authorization header of a token for them."""
        user_id = self.world.user(email, roles)
        return user_id, self.bearer(subject=user_id, roles=list(roles))

    def apply(self, headers: dict, **overrides):
        return self.http.post("/api/v1/vendors", json={**APPLICATION, **overrides}, headers=headers)

    def decide(self, vendor_id: str, decision: str, reason: str | None = "checked", headers: dict | None = None):
        body = {} if reason is None else {"reason": reason}
        return self.http.post(f"/api/v1/vendors/{vendor_id}/{decision}", json=body, headers=headers or self.admin)

    def approved_vendor(self, owner_email: str) -> tuple[str, dict]:
        """An approved vendor and its owner's Authorization header."""
        _, headers = self.person(owner_email)
        vendor_id = self.apply(headers, company_name=owner_email).json["id"]
        assert self.decide(vendor_id, "approve").status_code == 200
        return vendor_id, headers

    def outbox(self) -> list[tuple[str, dict]]:
        with self.world.uow() as uow:
            rows = uow.session.execute(select(outbox.c.event_type, outbox.c.envelope).order_by(outbox.c.created_at))
            return [(event_type, envelope["data"]) for event_type, envelope in rows]
