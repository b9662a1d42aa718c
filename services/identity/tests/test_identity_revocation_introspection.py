"""RFC 7009 revocation and RFC 7662 introspection."""
from __future__ import annotations

import pytest

from identity.testing import basic_auth


@pytest.fixture
def introspector(world):
    return world.client("client_credentials", roles=["service"], name="orders")


def introspect(world, client, token: str, **form):
    return world.http.post("/oauth/introspect", data={"token": token, **form},
                           headers=basic_auth(client.client_id, client.client_secret))


def test_service_client_introspects_an_access_token(signed_in, introspector):
    tokens = signed_in.tokens_for_user(signed_in.client())
    body = introspect(signed_in, introspector, tokens["access_token"]).json
    assert body["active"] is True and body["roles"] == ["customer"] and body["token_type"] == "Bearer"


def test_revoked_refresh_token_introspects_inactive_and_no_longer_refreshes(signed_in, introspector):
    client = signed_in.client()
    tokens = signed_in.tokens_for_user(client)
    assert introspect(signed_in, introspector, tokens["refresh_token"]).json["active"] is True
    revoked = signed_in.http.post("/oauth/revoke", data={"token": tokens["refresh_token"]},
                                  headers=basic_auth(client.client_id, client.client_secret))
    assert revoked.status_code == 200
    assert introspect(signed_in, introspector, tokens["refresh_token"]).json == {"active": False}
    refresh = signed_in.token(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refresh.json["error"] == "invalid_grant"


def test_unknown_token_introspects_inactive(world, introspector):
    assert introspect(world, introspector, "garbage").json == {"active": False}


def test_clients_without_service_role_may_not_introspect(signed_in):
    client = signed_in.client()
    tokens = signed_in.tokens_for_user(client)
    response = introspect(signed_in, client, tokens["access_token"])
    assert (response.status_code, response.json["error"]) == (400, "unauthorized_client")
