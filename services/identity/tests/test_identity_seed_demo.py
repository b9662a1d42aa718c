"""`identity seed-demo`: a demo marketplace whose credentials file works, seeded only once with --if-empty."""
from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner

from chassis.runtime_settings import current
from identity import cli, service_clients
from identity.models import OAuthClient
from identity.settings import IdentityRuntimeSettings
from identity.testing import basic_auth
from identity.testing_vendors import verifier_of


@pytest.fixture
def seed(world, monkeypatch, tmp_path):
    """Run the command against the test app's database; answer (exit code, output, credentials file)."""
    monkeypatch.setattr(cli, "_uow", world.uow)
    path = tmp_path / "var" / "demo-credentials.json"

    def run(*args: str):
        result = CliRunner().invoke(cli.seed_demo, [*args, "--output", str(path)], catch_exceptions=False)
        return result.exit_code, result.output, path
    return run


def person_shape(value) -> bool:
    return set(value) == {"email", "password"} and all(isinstance(v, str) and v for v in value.values())


def test_seed_writes_the_documented_credentials_file(seed):
    code, _, path = seed("--if-empty")
    credentials = json.loads(path.read_text())
    assert code == 0 and set(credentials) == {"operator", "vendors", "customer", "clients"}
    assert person_shape(credentials["operator"]) and person_shape(credentials["customer"])
    assert len(credentials["vendors"]) >= 2
    for vendor in credentials["vendors"]:
        assert set(vendor) == {"vendor_id", "name", "owner", "client"} and person_shape(vendor["owner"])
        assert set(vendor["client"]) == {"client_id", "client_secret"}
    assert set(credentials["clients"]["operator"]) == {"client_id", "client_secret"}
    assert set(credentials["clients"]["storefront"]) == {"client_id", "redirect_uri"}
    assert credentials["clients"]["api_docs"]["docs_url"].endswith(credentials["clients"]["api_docs"]["client_id"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_seeded_credentials_work(seed, vendors):
    credentials = json.loads(seed()[2].read_text())
    http = vendors.http
    operator = credentials["clients"]["operator"]
    token = http.post("/oauth/token", data={"grant_type": "client_credentials"},
                      headers=basic_auth(operator["client_id"], operator["client_secret"]))
    assert token.status_code == 200
    assert set(verifier_of(vendors.world).verify(token.json["access_token"]).roles) == {"operator", "admin"}
    with vendors.world.uow() as uow:
        storefront = uow.session.get(OAuthClient, credentials["clients"]["storefront"]["client_id"])
        assert (storefront.is_public, storefront.first_party, storefront.redirect_uris, storefront.grant_types) == (
            True, True, [credentials["clients"]["storefront"]["redirect_uri"]], ["authorization_code", "refresh_token"])
        operator_client = uow.session.get(OAuthClient, operator["client_id"])
        assert operator_client.roles == ["admin", "operator"]
        assert current(uow.session, IdentityRuntimeSettings).two_factor_required_roles == []
    for vendor in credentials["vendors"]:
        assert http.post("/oauth/token", data={"grant_type": "client_credentials"},
                         headers=basic_auth(vendor["client"]["client_id"], vendor["client"]["client_secret"])
                         ).status_code == 200
        assert vendors.world.log_in(vendor["owner"]["email"], vendor["owner"]["password"]).status_code == 302
    assert vendors.world.log_in(credentials["customer"]["email"], credentials["customer"]["password"]).status_code == 302
    assert {vendor["status"] for vendor in http.get("/api/v1/vendors", headers=vendors.support).json} == {"approved"}


def test_if_empty_does_nothing_the_second_time(seed, vendors):
    first_code, _, path = seed("--if-empty")
    written = path.read_text()
    second_code, output, _ = seed("--if-empty")
    assert (first_code, second_code, path.read_text()) == (0, 0, written)
    assert "skipped" in output
    assert len(vendors.http.get("/api/v1/vendors", headers=vendors.support).json) == len(json.loads(written)["vendors"])


# --- service clients (make run hands them to the services as <SERVICE>_CLIENT_ID/SECRET)

def test_service_clients_get_service_tokens_and_are_written_once(world, vendors, monkeypatch, tmp_path):
    monkeypatch.setattr(cli, "_uow", world.uow)
    path = tmp_path / "var" / "service-clients.env"
    first = CliRunner().invoke(cli.service_clients, ["--if-missing", "--output", str(path)], catch_exceptions=False)
    written = path.read_text()
    again = CliRunner().invoke(cli.service_clients, ["--if-missing", "--output", str(path)], catch_exceptions=False)

    assert (first.exit_code, again.exit_code, path.read_text()) == (0, 0, written) and "kept" in again.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    env = dict(line.split("=", 1) for line in written.splitlines())
    assert set(env) == {"ORDERS_CLIENT_ID", "ORDERS_CLIENT_SECRET", "CONSOLE_CLIENT_ID", "CONSOLE_CLIENT_SECRET"}
    token = vendors.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                              headers=basic_auth(env["ORDERS_CLIENT_ID"], env["ORDERS_CLIENT_SECRET"]))
    assert token.status_code == 200
    assert set(verifier_of(vendors.world).verify(token.json["access_token"]).roles) == {"service"}


def test_the_console_gets_a_confidential_first_party_authorization_code_client(world, monkeypatch, tmp_path):
    monkeypatch.setattr(cli, "_uow", world.uow)
    path = tmp_path / "service-clients.env"
    CliRunner().invoke(cli.service_clients, ["--output", str(path)], catch_exceptions=False)
    env = dict(line.split("=", 1) for line in path.read_text().splitlines())

    with world.uow() as uow:
        client = uow.session.get(OAuthClient, env["CONSOLE_CLIENT_ID"])
        assert (client.grant_types, client.first_party, client.is_public, client.redirect_uris) == (
            ["authorization_code", "refresh_token"], True, False,
            ["http://localhost:8000/console/callback", "http://127.0.0.1:8000/console/callback"])
        assert client.check_client_secret(env["CONSOLE_CLIENT_SECRET"])


def test_the_consoles_redirect_uri_is_on_identitys_public_url(world, monkeypatch, tmp_path):
    monkeypatch.setattr(cli, "_uow", world.uow)
    monkeypatch.setenv("IDENTITY_PUBLIC_URL", "https://marketplace.example.com/")
    path = tmp_path / "service-clients.env"
    CliRunner().invoke(cli.service_clients, ["--output", str(path)], catch_exceptions=False)
    env = dict(line.split("=", 1) for line in path.read_text().splitlines())

    with world.uow() as uow:
        client = uow.session.get(OAuthClient, env["CONSOLE_CLIENT_ID"])
        assert client.redirect_uris == ["https://marketplace.example.com/console/callback"]


def test_a_local_public_url_lets_the_console_come_back_to_either_name_of_this_machine():
    assert service_clients.console_redirect_uris("http://127.0.0.1:18042") == [
        "http://localhost:18042/console/callback", "http://127.0.0.1:18042/console/callback"]
