"""CLI use cases: operators, clients, keys, password policy."""
from __future__ import annotations

import pytest

from identity import handlers
from identity.domain import RuleViolation
from identity.models import OAuthClient, User
from identity.settings import IdentityRuntimeSettings


def test_password_min_length_defaults_to_8():
    assert IdentityRuntimeSettings().password_min_length == 8


def test_create_operator_stores_a_lower_cased_email_and_an_argon2id_hash(world):
    user_id = handlers.create_operator(world.uow(), "Boss@Example.COM", "correct horse battery", support=True)
    with world.uow() as uow:
        user = uow.session.get(User, user_id)
        assert (user.email, user.roles, user.status) == ("boss@example.com", ["operator", "support"], "active")
        assert user.password_hash.startswith("$argon2id$")


def test_short_password_and_duplicate_email_are_refused(world):
    with pytest.raises(RuleViolation):
        handlers.create_operator(world.uow(), "a@example.com", "1234567")
    handlers.create_operator(world.uow(), "a@example.com", "correct horse battery")
    with pytest.raises(RuleViolation):
        handlers.create_operator(world.uow(), "A@example.com", "correct horse battery")


def test_client_secret_is_returned_once_and_stored_hashed(world):
    client = world.client("client_credentials", roles=["service"])
    with world.uow() as uow:
        stored = uow.session.get(OAuthClient, client.client_id)
        assert stored.secret_hash != client.client_secret and stored.check_client_secret(client.client_secret)


def test_a_common_password_is_refused_for_operators_too(world):
    with pytest.raises(RuleViolation, match="most common"):
        handlers.create_operator(world.uow(), "ops@example.com", "password123")
