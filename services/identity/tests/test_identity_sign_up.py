"""Self sign-up, the email verification token it mails (through ``user.registered``), and its limits."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from chassis.tables import outbox
from identity.models import AccountToken, UserSecurity
from identity.models.base import now
from identity.testing import PASSWORD, change_runtime_settings

ADA = {"email": "Ada@Example.com", "password": PASSWORD}


def registered_events(world) -> list[dict]:
    with world.uow() as uow:
        envelopes = uow.session.scalars(select(outbox.c.envelope).where(outbox.c.event_type == "user.registered"))
        return [envelope["data"] for envelope in envelopes]


def test_sign_up_creates_a_customer_and_publishes_the_verification_mail(world):
    response = world.http.post("/api/v1/users", json=ADA)
    assert response.status_code == 201
    assert {k: response.json[k] for k in ("email", "roles", "email_verified", "two_factor_enabled")} == {
        "email": "ada@example.com", "roles": ["customer"], "email_verified": False, "two_factor_enabled": False}
    event, = registered_events(world)
    assert (event["user_id"], event["roles"]) == (response.json["id"], ["customer"])
    assert event["verification"]["url"].endswith("/verify-email?token=" + event["verification"]["token"])
    assert "password" not in str(event)


def test_duplicate_email_is_a_409_that_says_nothing_more(world):
    world.http.post("/api/v1/users", json=ADA)
    response = world.http.post("/api/v1/users", json={**ADA, "email": "ada@example.com"})
    assert (response.status_code, response.json["type"]) == (409, "urn:marketplace:problem:email-taken")
    assert set(response.json) <= {"type", "title", "status", "detail", "instance", "request_id"}


def test_the_verification_token_verifies_the_email_once(world):
    user_id = world.http.post("/api/v1/users", json=ADA).json["id"]
    token = registered_events(world)[0]["verification"]["token"]
    assert world.http.post("/api/v1/users/verify-email", json={"token": token}).status_code == 204
    again = world.http.post("/api/v1/users/verify-email", json={"token": token})
    assert (again.status_code, again.json["type"]) == (400, "urn:marketplace:problem:token-invalid")
    with world.uow() as uow:
        assert uow.session.get(UserSecurity, user_id).email_verified_at is not None


def test_an_expired_verification_token_is_refused(world):
    world.http.post("/api/v1/users", json=ADA)
    token = registered_events(world)[0]["verification"]["token"]
    with world.uow() as uow:
        uow.session.execute(update(AccountToken).values(expires_at=now() - timedelta(seconds=1)))
        uow.commit()
    assert world.http.post("/api/v1/users/verify-email", json={"token": token}).status_code == 400


def test_an_unknown_token_is_refused(world):
    assert world.http.post("/api/v1/users/verify-email", json={"token": "made-up"}).status_code == 400


def test_sign_ups_are_limited_per_ip_address(world):
    change_runtime_settings(world, sign_ups_per_ip_per_hour=2)
    for n in range(2):
        assert world.http.post("/api/v1/users", json={**ADA, "email": f"u{n}@example.com"}).status_code == 201
    refused = world.http.post("/api/v1/users", json={**ADA, "email": "u3@example.com"})
    assert (refused.status_code, refused.json["type"]) == (429, "urn:marketplace:problem:too-many-requests")
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    other_ip = world.http.post("/api/v1/users", json={**ADA, "email": "u4@example.com"},
                               environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_ip.status_code == 201
