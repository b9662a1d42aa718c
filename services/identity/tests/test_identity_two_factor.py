"""TOTP two-factor authentication: enrolment, the login step, single-use codes, required roles."""
from __future__ import annotations

import pytest

from identity import handlers
from identity.testing import PASSWORD, change_runtime_settings, enrol_two_factor, second_step, totp_code


@pytest.fixture
def ada(world, bearer):
    """A customer, and the Authorization header of a token issued to her."""
    user_id = world.user()
    return user_id, bearer(subject=user_id, roles=["customer"])


def test_enrolment_gives_a_secret_and_an_otpauth_uri_then_ten_recovery_codes(world, ada):
    _, auth = ada
    started = world.http.post("/api/v1/me/2fa", headers=auth).json
    uri = started["provisioning_uri"]
    assert uri.startswith("otpauth://totp/") and f"secret={started['secret']}" in uri
    confirmed = world.http.post("/api/v1/me/2fa/confirm", json={"code": totp_code(started["secret"])}, headers=auth)
    assert confirmed.status_code == 200 and len(set(confirmed.json["recovery_codes"])) == 10
    assert world.http.get("/api/v1/me", headers=auth).json["two_factor_enabled"] is True


def test_a_wrong_first_code_does_not_turn_two_factor_on(world, ada):
    _, auth = ada
    world.http.post("/api/v1/me/2fa", headers=auth)
    refused = world.http.post("/api/v1/me/2fa/confirm", json={"code": "000000"}, headers=auth)
    assert (refused.status_code, refused.json["type"]) == (422, "urn:marketplace:problem:code-rejected")
    assert world.http.get("/api/v1/me", headers=auth).json["two_factor_enabled"] is False


def test_login_asks_for_the_totp_code_and_completes_with_it(world, ada):
    secret, _ = enrol_two_factor(world, ada[1])
    response = world.log_in()
    assert (response.status_code, response.headers["Location"]) == (302, "/login/2fa")
    assert world.authorize(world.client()).headers["Location"].startswith("/login")
    done = second_step(world, totp_code(secret, steps_ahead=1))
    assert (done.status_code, done.headers["Location"]) == (302, "/")


def test_a_totp_code_works_only_once(world, ada):
    _, auth = ada
    secret = world.http.post("/api/v1/me/2fa", headers=auth).json["secret"]
    first = totp_code(secret)
    assert world.http.post("/api/v1/me/2fa/confirm", json={"code": first}, headers=auth).status_code == 200
    world.log_in()
    reused = second_step(world, first)  # the very code that confirmed the enrolment
    assert reused.status_code == 401 and "only once" in reused.text
    second = totp_code(secret, steps_ahead=1)
    assert second_step(world, second).status_code == 302
    world.log_in()
    assert second_step(world, second).status_code == 401


def test_a_recovery_code_works_once(world, ada):
    _, codes = enrol_two_factor(world, ada[1])
    world.log_in()
    assert second_step(world, codes[0].upper()).status_code == 302
    world.log_in()
    assert second_step(world, codes[0]).status_code == 401
    assert second_step(world, codes[1]).status_code == 302


def test_wrong_codes_count_towards_the_lockout(world, ada):
    enrol_two_factor(world, ada[1])
    world.log_in()
    for _ in range(10):
        assert second_step(world, "123456").status_code == 401
    assert second_step(world, "123456").status_code == 429


def test_disabling_needs_a_current_code(world, ada):
    secret, _ = enrol_two_factor(world, ada[1])
    refused = world.http.delete("/api/v1/me/2fa", json={"code": "000000"}, headers=ada[1])
    assert refused.status_code == 422
    assert world.http.delete("/api/v1/me/2fa", json={"code": totp_code(secret, 1)}, headers=ada[1]).status_code == 204
    assert world.log_in().headers["Location"] == "/"


def test_an_operator_without_two_factor_is_sent_to_enrol_before_the_login_completes(world):
    handlers.create_operator(world.uow(), "ops@example.com", PASSWORD)
    response = world.log_in(email="ops@example.com")
    assert (response.status_code, response.headers["Location"]) == (302, "/login/2fa/enrol")
    assert world.authorize(world.client()).headers["Location"].startswith("/login")
    page = world.http.get("/login/2fa/enrol").text
    assert "otpauth://totp/" in page
    secret = page.split('<code id="secret">')[1].split("<")[0]
    done = second_step(world, totp_code(secret), page="/login/2fa/enrol")
    assert done.status_code == 200 and done.text.count("<li><code>") == 10
    assert world.authorize(world.client()).headers["Location"].startswith("https://app.example/callback")


def test_no_enrolment_is_forced_when_the_setting_does_not_require_it(world):
    change_runtime_settings(world, two_factor_required_roles=[])
    handlers.create_operator(world.uow(), "ops@example.com", PASSWORD)
    assert world.log_in(email="ops@example.com").headers["Location"] == "/"


def test_me_answers_the_tokens_user_and_password_change_needs_the_current_one(world, ada):
    user_id, auth = ada
    assert world.http.get("/api/v1/me", headers=auth).json["id"] == user_id
    wrong = world.http.post("/api/v1/me/password", headers=auth,
                            json={"current_password": "nope", "new_password": "fresh passphrase"})
    assert wrong.status_code == 422
    ok = world.http.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "fresh passphrase"},
                         headers=auth)
    assert ok.status_code == 204 and world.log_in(password="fresh passphrase").status_code == 302
