"""Staff invitations: ``user.invited`` carries a single-use, expiring link that sets the password."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from chassis.tables import outbox
from identity.app import definition
from identity.models import AccountToken, User
from identity.models.base import now
from identity.testing import IdentityWorld
from identity.testing_vendors import VendorWorld, verifier_of

NEW_HIRE = "New.Hire@A.example"
HIRE_PASSWORD = "a passphrase of my own"


def invited_events(world) -> list[dict]:
    with world.uow() as uow:
        envelopes = uow.session.scalars(select(outbox.c.envelope).where(outbox.c.event_type == "user.invited"))
        return [envelope["data"] for envelope in envelopes]


def invite(vendors, email=NEW_HIRE, role="manager"):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    response = vendors.http.post(f"/api/v1/vendors/{vendor_id}/staff", json={"email": email, "role": role},
                                 headers=owner)
    assert response.status_code == 201, response.text
    return vendor_id, response.json["user_id"]


def accept(world, token, password=HIRE_PASSWORD):
    return world.http.post("/api/v1/users/accept-invitation", json={"token": token, "password": password})


def test_an_invitation_publishes_the_mail_and_accepting_it_lets_the_person_sign_in(world, vendors):
    vendor_id, user_id = invite(vendors)
    event, = invited_events(world)
    assert {k: event[k] for k in ("user_id", "email", "vendor_id", "role")} == {
        "user_id": user_id, "email": "new.hire@a.example", "vendor_id": vendor_id, "role": "manager"}
    invitation = event["invitation"]
    assert invitation["url"].endswith("/accept-invitation?token=" + invitation["token"])
    lifetime = datetime.fromisoformat(invitation["expires_at"]) - now()
    assert timedelta(days=6, hours=23) < lifetime <= timedelta(days=7)
    assert world.log_in("new.hire@a.example", HIRE_PASSWORD).status_code != 302  # not before accepting

    assert accept(world, invitation["token"]).status_code == 204
    with world.uow() as uow:
        assert uow.session.get(User, user_id).status == "active"
    response = world.log_in("new.hire@a.example", HIRE_PASSWORD)
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    claims = verifier_of(world).verify(world.tokens_for_user(world.client())["access_token"])
    assert (claims.subject, claims.vendor_id, "vendor" in claims.roles) == (user_id, vendor_id, True)


def test_an_invitation_token_works_once(world, vendors):
    invite(vendors)
    token = invited_events(world)[0]["invitation"]["token"]
    assert accept(world, token).status_code == 204
    again = accept(world, token, "somebody else's passphrase")
    assert (again.status_code, again.content_type, again.json["type"]) == (
        400, "application/problem+json", "urn:marketplace:problem:token-invalid")
    assert world.log_in("new.hire@a.example", HIRE_PASSWORD).status_code == 302


def test_an_expired_invitation_is_refused(world, vendors):
    invite(vendors)
    token = invited_events(world)[0]["invitation"]["token"]
    with world.uow() as uow:
        uow.session.execute(update(AccountToken).where(AccountToken.purpose == "invitation")
                            .values(expires_at=now() - timedelta(seconds=1)))
        uow.commit()
    refused = accept(world, token)
    assert (refused.status_code, refused.json["type"]) == (400, "urn:marketplace:problem:token-invalid")
    with world.uow() as uow:
        assert uow.session.scalars(select(User.status).where(User.email == "new.hire@a.example")).one() == "invited"


def test_a_weak_password_is_refused_at_acceptance_and_the_token_still_works(world, vendors):
    invite(vendors)
    token = invited_events(world)[0]["invitation"]["token"]
    for weak in ("short", "password123"):
        refused = accept(world, token, weak)
        assert (refused.status_code, refused.json["type"]) == (422, "urn:marketplace:problem:password-rejected")
    assert accept(world, token).status_code == 204


def test_a_reset_or_verification_token_does_not_accept_an_invitation(world, vendors):
    invite(vendors)
    world.http.post("/api/v1/users", json={"email": "ada@example.com", "password": HIRE_PASSWORD})
    with world.uow() as uow:
        verification = uow.session.scalars(select(outbox.c.envelope)
                                           .where(outbox.c.event_type == "user.registered")).one()
    assert accept(world, verification["data"]["verification"]["token"]).status_code == 400


def test_inviting_an_existing_user_publishes_no_invitation(world, vendors):
    world.user("existing@a.example")
    invite(vendors, email="existing@a.example")
    assert invited_events(world) == []


def test_a_disabled_invited_account_cannot_be_accepted(world, vendors):
    _, user_id = invite(vendors)
    token = invited_events(world)[0]["invitation"]["token"]
    assert vendors.http.post(f"/api/v1/users/{user_id}/disable", json={"reason": "left"},
                             headers=vendors.admin).status_code == 200
    assert accept(world, token).status_code == 400


@pytest.fixture
def logging_world(service_app, bearer):
    world = IdentityWorld(service_app(definition(), session_secret="test-session-secret", log_mail=True))
    return world, VendorWorld(world, bearer)


def test_the_invitation_link_is_logged_in_development(logging_world, caplog):
    world, vendors = logging_world
    with caplog.at_level(logging.INFO, logger="identity.mail"):
        invite(vendors)
    url = invited_events(world)[0]["invitation"]["url"]
    assert any("accept your invitation" in record.getMessage() and url in record.getMessage()
               for record in caplog.records)


def test_inviting_again_someone_who_never_accepted_sends_a_fresh_invitation(world, vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")

    def invite_the_hire():
        return vendors.http.post(f"/api/v1/vendors/{vendor_id}/staff", json={"email": NEW_HIRE, "role": "staff"},
                                 headers=owner)

    assert invite_the_hire().status_code == 201
    with world.uow() as uow:  # the first link expired unused
        uow.session.execute(update(AccountToken).where(AccountToken.purpose == "invitation")
                            .values(expires_at=now() - timedelta(seconds=1)))
        uow.commit()
    assert invite_the_hire().status_code == 201

    first, second = invited_events(world)
    assert accept(world, first["invitation"]["token"]).status_code == 400
    assert accept(world, second["invitation"]["token"]).status_code == 204
