"""The token endpoint: client_credentials, refresh rotation, revocation, refusals as RFC 6749 JSON."""
from __future__ import annotations

from chassis.auth.jwks import StaticKeySource, parse_jwks
from chassis.auth.verifier import TokenVerifier
from chassis.testing.apps import TEST_AUDIENCE, TEST_ISSUER
from identity import handlers
from identity.testing import basic_auth


def verifier_of(world) -> TokenVerifier:
    """The chassis verifier every service uses, fed with identity's own JWKS document."""
    keys = StaticKeySource(parse_jwks(world.http.get("/.well-known/jwks.json").json))
    return TokenVerifier(keys, issuer=TEST_ISSUER, audiences=[TEST_AUDIENCE])


def test_client_credentials_token_is_accepted_by_the_chassis_verifier(world):
    client = world.client("client_credentials", roles=["service"], scopes=["orders:read"])
    response = world.token(client, grant_type="client_credentials")
    assert response.status_code == 200 and "refresh_token" not in response.json
    principal = verifier_of(world).verify(response.json["access_token"])
    assert (principal.subject, principal.client_id, set(principal.roles), set(principal.scopes)) == (
        client.client_id, client.client_id, {"service"}, {"orders:read"})


def test_vendor_client_tokens_carry_its_vendor_id(world):
    client = world.client("client_credentials", roles=["vendor"], vendor_id="vendor-7")
    token = world.token(client, grant_type="client_credentials").json["access_token"]
    assert verifier_of(world).verify(token).vendor_id == "vendor-7"


def test_client_secret_post_is_accepted(world):
    client = world.client("client_credentials", roles=["service"])
    response = world.http.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": client.client_id,
                                                     "client_secret": client.client_secret})
    assert response.status_code == 200


def test_user_token_carries_the_users_roles_and_the_configured_lifetime(signed_in):
    token = signed_in.tokens_for_user(signed_in.client())["access_token"]
    principal = verifier_of(signed_in).verify(token)
    assert set(principal.roles) == {"customer"}
    assert principal.claims["exp"] - principal.claims["iat"] == 600


def test_password_grant_is_refused(world):
    client = world.client("client_credentials", roles=["service"])
    response = world.token(client, grant_type="password", username="ada@example.com", password="x")
    assert (response.status_code, response.json["error"]) == (400, "unsupported_grant_type")


def test_token_endpoint_errors_are_rfc6749_json(world):
    response = world.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                               headers=basic_auth("nobody", "wrong"))
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert response.json["error"] == "invalid_client"


def test_wrong_client_secret_is_invalid_client(world):
    client = world.client("client_credentials", roles=["service"])
    response = world.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                               headers=basic_auth(client.client_id, "not-the-secret"))
    assert response.json["error"] == "invalid_client"


def test_refresh_token_rotates(signed_in):
    client = signed_in.client()
    first = signed_in.tokens_for_user(client)
    second = signed_in.token(client, grant_type="refresh_token", refresh_token=first["refresh_token"]).json
    assert second["refresh_token"] != first["refresh_token"]
    third = signed_in.token(client, grant_type="refresh_token", refresh_token=second["refresh_token"])
    assert third.status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(signed_in):
    client = signed_in.client()
    first = signed_in.tokens_for_user(client)
    second = signed_in.token(client, grant_type="refresh_token", refresh_token=first["refresh_token"]).json
    reuse = signed_in.token(client, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reuse.json["error"] == "invalid_grant"
    after = signed_in.token(client, grant_type="refresh_token", refresh_token=second["refresh_token"])
    assert after.json["error"] == "invalid_grant"


def test_disabled_user_gets_no_token_and_its_refresh_token_stops_working(signed_in):
    client = signed_in.client()
    tokens = signed_in.tokens_for_user(client)
    user_id = verifier_of(signed_in).verify(tokens["access_token"]).subject
    handlers.disable_user(signed_in.uow(), user_id)
    refresh = signed_in.token(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refresh.json["error"] == "invalid_grant"
    assert signed_in.authorize(client).headers["Location"].startswith("/login")
    assert signed_in.log_in().status_code == 401


def test_revoked_client_gets_no_token_and_its_refresh_tokens_stop_working(signed_in):
    client = signed_in.client()
    tokens = signed_in.tokens_for_user(client)
    handlers.revoke_client(signed_in.uow(), client.client_id)
    assert signed_in.token(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).status_code == 401
    service = signed_in.client("client_credentials", roles=["service"])
    handlers.revoke_client(signed_in.uow(), service.client_id)
    assert signed_in.token(service, grant_type="client_credentials").json["error"] == "invalid_client"
