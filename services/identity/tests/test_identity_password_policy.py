"""Password policy: 8 to 128 characters, not one of the most common passwords, no composition rules."""
from __future__ import annotations

import pytest

from identity.accounts import policy


@pytest.mark.parametrize("password", ["password", "iloveyou", "12345678", "Qwertyuiop", "baseball1"])
def test_common_passwords_are_refused(password):
    assert "most common" in policy.password_problem(password)


def test_the_common_list_ships_at_least_ten_thousand_passwords():
    assert len(policy.common_passwords()) >= 10_000


def test_too_short_and_too_long_passwords_are_refused():
    assert "at least 8" in policy.password_problem("xK9#vb2")
    assert "at most 128" in policy.password_problem("x" * 129)


def test_long_passphrases_without_digits_or_symbols_are_fine():
    assert policy.password_problem("correct horse battery") is None
    assert policy.password_problem("y" * 128) is None


def test_sign_up_refuses_a_common_password_with_a_clear_problem(world):
    response = world.http.post("/api/v1/users", json={"email": "eve@example.com", "password": "password1"})
    assert (response.status_code, response.json["type"]) == (422, "urn:marketplace:problem:password-rejected")
    assert "most common" in response.json["detail"]


@pytest.mark.parametrize("password", ["short", "z" * 129])
def test_sign_up_refuses_too_short_or_too_long_passwords(world, password):
    response = world.http.post("/api/v1/users", json={"email": "eve@example.com", "password": password})
    assert response.status_code == 422
