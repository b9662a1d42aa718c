"""Metadata documents, the JWKS and signing-key rotation."""
from __future__ import annotations

from joserfc import jws

from chassis.testing.apps import TEST_ISSUER
from identity import handlers


def kid_of(token: str) -> str:
    return jws.extract_compact(token.encode()).headers()["kid"]


def service_token(world, client) -> str:
    return world.token(client, grant_type="client_credentials").json["access_token"]


def test_metadata_lists_the_endpoints_and_only_s256(world):
    for path in ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"):
        metadata = world.http.get(path).json
        assert metadata["issuer"] == TEST_ISSUER
        assert metadata["token_endpoint"] == f"{TEST_ISSUER}/oauth/token"
        assert metadata["authorization_endpoint"] == f"{TEST_ISSUER}/oauth/authorize"
        assert metadata["jwks_uri"] == f"{TEST_ISSUER}/.well-known/jwks.json"
        assert {"revocation_endpoint", "introspection_endpoint", "userinfo_endpoint"} <= set(metadata)
        assert metadata["code_challenge_methods_supported"] == ["S256"]
        assert metadata["response_types_supported"] == ["code"]
        assert "password" not in metadata["grant_types_supported"]


def test_tokens_are_rfc9068_jwts_signed_with_a_published_key(world):
    token = service_token(world, world.client("client_credentials", roles=["service"]))
    header = jws.extract_compact(token.encode()).headers()
    keys = world.http.get("/.well-known/jwks.json").json["keys"]
    assert (header["typ"], header["alg"]) == ("at+jwt", "ES256")
    assert [key["kid"] for key in keys] == [header["kid"]]
    assert "d" not in keys[0]


def test_rotation_keeps_the_old_key_published_and_signs_with_the_new_one(world):
    client = world.client("client_credentials", roles=["service"])
    old_kid = kid_of(service_token(world, client))
    new_kid = handlers.rotate_keys(world.uow())
    assert kid_of(service_token(world, client)) == new_kid != old_kid
    published = {key["kid"] for key in world.http.get("/.well-known/jwks.json").json["keys"]}
    assert published == {old_kid, new_kid}


def test_userinfo_describes_the_user_of_a_token(signed_in):
    token = signed_in.tokens_for_user(signed_in.client())["access_token"]
    body = signed_in.http.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token}"}).json
    assert (body["email"], body["roles"]) == ("ada@example.com", ["customer"])
    assert signed_in.http.get("/oauth/userinfo").status_code == 401


def test_userinfo_gives_the_owner_of_an_approved_vendor_the_vendor_role_and_id_as_tokens_do(world, vendors):
    vendor_id, _ = vendors.approved_vendor("ada@example.com")
    assert world.log_in().status_code == 302
    token = world.tokens_for_user(world.client())["access_token"]

    body = world.http.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token}"}).json

    assert (body["roles"], body["vendor_id"]) == (["customer", "vendor"], vendor_id)
