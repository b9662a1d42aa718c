"""Password reset: always 202, a single-use expiring token (published with ``user.password_reset_requested``),
and it never skips the second factor."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from chassis.tables import outbox

from identity.accounts import signup
from identity.models import AccountToken
from identity.models.base import now
from identity.testing import change_runtime_settings, enrol_two_factor, second_step, totp_code

NEW_PASSWORD = "a brand new passphrase"


def reset_token(world, email="ada@example.com") -> str:
    return signup.request_password_reset(world.uow(), email, "127.0.0.1", "https://shop.example").token


def confirm(world, token, password=NEW_PASSWORD):
    return world.http.post("/api/v1/users/password-reset/confirm", json={"token": token, "new_password": password})


def test_reset_request_answers_202_whether_or_not_the_account_exists(world):
    world.user()
    for email in ("ada@example.com", "nobody@example.com"):
        response = world.http.post("/api/v1/users/password-reset", json={"email": email})
        assert (response.status_code, response.text) == (202, "")


def test_reset_token_sets_a_new_password_once(world):
    world.user()
    token = reset_token(world)
    assert confirm(world, token).status_code == 204
    assert world.log_in(password=NEW_PASSWORD).status_code == 302
    again = confirm(world, token, "yet another passphrase")
    assert (again.status_code, again.json["type"]) == (400, "urn:marketplace:problem:token-invalid")


def test_an_expired_reset_token_is_refused(world):
    world.user()
    token = reset_token(world)
    with world.uow() as uow:
        uow.session.execute(update(AccountToken).values(expires_at=now() - timedelta(seconds=1)))
        uow.commit()
    assert confirm(world, token).status_code == 400


def test_a_new_reset_request_voids_the_previous_token(world):
    world.user()
    first, second = reset_token(world), reset_token(world)
    assert confirm(world, first).status_code == 400
    assert confirm(world, second).status_code == 204


def test_the_new_password_follows_the_policy_and_a_refused_one_keeps_the_token(world):
    world.user()
    token = reset_token(world)
    assert confirm(world, token, "password").status_code == 422
    assert confirm(world, token).status_code == 204


def test_reset_does_not_bypass_two_factor(world, bearer):
    user_id = world.user()
    secret, _ = enrol_two_factor(world, bearer(subject=user_id, roles=["customer"]))
    assert confirm(world, reset_token(world)).status_code == 204
    response = world.log_in(password=NEW_PASSWORD)
    assert (response.status_code, response.headers["Location"]) == (302, "/login/2fa")
    assert world.authorize(world.client()).headers["Location"].startswith("/login")  # not logged in yet
    assert second_step(world, totp_code(secret, steps_ahead=1)).status_code == 302


def test_reset_requests_are_limited_per_ip_address(world):
    change_runtime_settings(world, password_resets_per_ip_per_hour=1)
    assert world.http.post("/api/v1/users/password-reset", json={"email": "a@example.com"}).status_code == 202
    refused = world.http.post("/api/v1/users/password-reset", json={"email": "b@example.com"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def reset_events(world) -> list[dict]:
    with world.uow() as uow:
        envelopes = uow.session.scalars(select(outbox.c.envelope)
                                        .where(outbox.c.event_type == "user.password_reset_requested"))
        return [envelope["data"] for envelope in envelopes]


def test_a_reset_request_publishes_the_mail_and_its_token_works_once(world):
    user_id = world.user()
    assert world.http.post("/api/v1/users/password-reset", json={"email": "Ada@Example.com"}).status_code == 202
    event, = reset_events(world)
    assert (event["user_id"], event["email"]) == (user_id, "ada@example.com")
    assert event["reset"]["url"].endswith("/reset-password?token=" + event["reset"]["token"])
    assert confirm(world, event["reset"]["token"]).status_code == 204
    assert confirm(world, event["reset"]["token"], "yet another passphrase").status_code == 400
    assert world.log_in(password=NEW_PASSWORD).status_code == 302


def test_no_reset_event_for_an_unknown_email_or_an_inactive_account(world, bearer):
    assert world.http.post("/api/v1/users/password-reset", json={"email": "nobody@example.com"}).status_code == 202
    user_id = world.user()
    admin = bearer(subject="operator-admin", roles=["operator", "admin"])
    assert world.http.post(f"/api/v1/users/{user_id}/disable", json={"reason": "test"},
                           headers=admin).status_code == 200
    assert world.http.post("/api/v1/users/password-reset", json={"email": "ada@example.com"}).status_code == 202
    assert reset_events(world) == []
