"""docker-compose.yml: valid Compose, secrets only from .env, migrations before the processes, real names."""
from __future__ import annotations

import json

import pytest
from jsonschema import ValidationError
from jsonschema.validators import validator_for

from .deploy_files import (CONSOLE, DEPLOYABLES, MIGRATED, ROOT, SERVICES, compose_variables, env_file,
                           interpolate, load_yaml, unknown_variables)


@pytest.fixture(scope="module")
def compose() -> dict:
    """The compose file as docker compose sees it with the documented .env (.env.example)."""
    return interpolate(load_yaml("docker-compose.yml"), env_file(".env.example"))


@pytest.fixture(scope="module")
def compose_schema():
    schema = json.loads((ROOT / "tests/deploy/schemas/compose-spec.json").read_text())
    return validator_for(schema)(schema)


def image_of(service: dict) -> str | None:
    """The deployable a container runs (identity, ..., gateway), None for third-party images."""
    name = service.get("image", "").split(":")[0]
    return name.removeprefix("marketplace-") if name.startswith("marketplace-") else None


def test_compose_file_follows_the_compose_specification(compose, compose_schema):
    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
              for error in compose_schema.iter_errors(compose)]
    assert errors == []


def test_the_schema_refuses_what_compose_would_refuse(compose, compose_schema):
    broken = {**compose, "services": {**compose["services"], "gateway": {**compose["services"]["gateway"],
                                                                          "depends_on": {"redis": {"condition": "started"}}}}}
    with pytest.raises(ValidationError):
        compose_schema.validate(broken)


def test_every_variable_compose_needs_is_documented_in_env_example():
    documented = env_file(".env.example")
    required = {name for name, op in compose_variables().items() if op in (":?", "")}
    assert required - set(documented) == set()


def test_no_secret_is_written_in_the_compose_file():
    raw = load_yaml("docker-compose.yml")
    leaks = []
    for name, service in raw["services"].items():
        for key, value in (service.get("environment") or {}).items():
            value = str(value)
            secret_key = any(word in key for word in ("PASSWORD", "SECRET", "AUTH", "KEY"))
            url_with_password = "://" in value and "@" in value and ":" in value.split("://", 1)[1].split("@")[0]
            if (secret_key or url_with_password) and "${" not in value:
                leaks.append(f"{name}.{key}")
    assert leaks == []


@pytest.mark.parametrize("service", MIGRATED)
def test_migrations_run_once_before_the_services_processes(compose, service):
    services = compose["services"]
    migration = services[f"{service}-migrate"]
    assert (migration["command"], migration["restart"], image_of(migration)) == (["db", "upgrade"], "no", service)
    processes = [(service, ["web"])] + ([(f"{service}-worker", ["worker"])] if service in SERVICES else [])
    for process, command in processes:
        assert services[process]["command"] == command  # the web process never migrates
        assert services[process]["depends_on"][f"{service}-migrate"]["condition"] == "service_completed_successfully"


def test_the_gateway_is_the_only_application_port_published(compose):
    published = {name: service["ports"] for name, service in compose["services"].items()
                 if image_of(service) and service.get("ports")}
    assert published == {"gateway": ["8000:8000"]}


def test_each_deployable_runs_from_its_own_image(compose):
    built = {service["build"]["args"]["SERVICE"]: image_of(service) for service in compose["services"].values()
             if "build" in service}
    assert built == {name: name for name in DEPLOYABLES}


@pytest.mark.parametrize("deployable", DEPLOYABLES)
def test_containers_use_the_setting_names_the_services_read(compose, deployable):
    unknown = {name: unknown_variables(deployable, service.get("environment", {}))
               for name, service in compose["services"].items() if image_of(service) == deployable}
    assert unknown and all(names == set() for names in unknown.values()), unknown


def test_each_service_gets_its_own_database_login(compose):
    for service in MIGRATED:
        url = compose["services"][service]["environment"][f"{service.upper()}_DATABASE_URL"]
        assert url.startswith(f"postgresql://{service}:") and url.endswith(f"@postgres:5432/{service}")


def test_prometheus_scrapes_every_web_and_worker_container(compose):
    config = load_yaml("deploy/prometheus/prometheus.yml")
    names = {job["job_name"]: set(job["dns_sd_configs"][0]["names"]) for job in config["scrape_configs"]
             if "dns_sd_configs" in job}
    webs = {name for name, service in compose["services"].items() if service.get("command") == ["web"]}
    workers = {name for name, service in compose["services"].items() if service.get("command") == ["worker"]}
    assert (names["web"], names["worker"]) == (webs, workers)
    assert webs == set(DEPLOYABLES) and workers == {f"{service}-worker" for service in SERVICES}


def test_postgres_creates_a_database_and_login_for_everything_migrated(compose):
    script = (ROOT / "deploy/postgres/init-databases.sh").read_text()
    created = script.split("${MARKETPLACE_SERVICES:-", 1)[1].split("}", 1)[0].split()
    passwords = {name for name in compose["services"]["postgres"]["environment"] if name.endswith("_DB_PASSWORD")}
    assert (created, passwords) == (list(MIGRATED), {f"{name.upper()}_DB_PASSWORD" for name in MIGRATED})


def test_the_console_signs_in_with_the_client_written_for_it_and_calls_the_apis_through_the_gateway(compose):
    services = compose["services"]
    console, clients = services[CONSOLE], services["identity-service-clients"]
    assert ". /var/lib/marketplace/clients/service-clients.env" in " ".join(console["entrypoint"])
    assert console["depends_on"]["identity-service-clients"]["condition"] == "service_completed_successfully"
    assert "CONSOLE_CLIENT_ID" in " ".join(clients["entrypoint"])  # an older file without it is written again
    # Its redirect URI is <public URL>/console/callback: identity and the console agree on the public URL.
    assert clients["environment"]["IDENTITY_PUBLIC_URL"] == console["environment"]["CONSOLE_PUBLIC_URL"]
    assert (console["environment"]["CONSOLE_GATEWAY_URL"], services["gateway"]["environment"]["GATEWAY_CONSOLE_URL"]) == (
        "http://gateway:8000", "http://console:8000")


def test_the_gateway_has_threads_to_serve_the_consoles_calls_while_it_forwards_its_pages(compose):
    assert int(compose["services"]["gateway"]["environment"]["WEB_THREADS"]) > 1


def test_the_console_refuses_to_start_without_its_token_encryption_keys():
    assert compose_variables()["CONSOLE_TOKEN_KEYS"] == ":?"
