"""ServiceSettings: per-service prefix, shared fallback, URL resolution and fail-fast errors."""
from __future__ import annotations

import os
import re

import pytest

from chassis.settings import ConfigurationError, ServiceSettings, load_settings


class DemoSettings(ServiceSettings):
    service_name = "demo"


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    """An environment holding no DEMO_* or MARKETPLACE_* variable but the var dir."""
    for name in list(os.environ):
        if name.upper().startswith(("DEMO_", "MARKETPLACE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MARKETPLACE_VAR_DIR", str(tmp_path / "var"))
    return monkeypatch


def test_service_prefixed_variable_sets_a_field(environment):
    environment.setenv("DEMO_DB_POOL_SIZE", "12")

    assert load_settings(DemoSettings).db_pool_size == 12


def test_shared_variable_applies_when_the_service_sets_none(environment):
    environment.setenv("MARKETPLACE_BROKER_URL", "amqp://guest:guest@rabbit:5672//")

    assert load_settings(DemoSettings).broker_url == "amqp://guest:guest@rabbit:5672//"


def test_service_prefixed_variable_wins_over_the_shared_one(environment):
    environment.setenv("MARKETPLACE_LOG_LEVEL", "WARNING")
    environment.setenv("DEMO_LOG_LEVEL", "DEBUG")

    assert load_settings(DemoSettings).log_level == "DEBUG"


def test_explicit_arguments_win_over_the_environment(environment):
    environment.setenv("DEMO_CLIENT_ID", "from-env")

    assert load_settings(DemoSettings, client_id="explicit").client_id == "explicit"


def test_variables_of_another_service_are_ignored(environment):
    environment.setenv("CATALOG_CLIENT_ID", "catalog-client")

    assert load_settings(DemoSettings).client_id == ""


def test_service_placeholder_in_a_shared_url_names_the_service(environment):
    environment.setenv("MARKETPLACE_DATABASE_URL", "postgresql+psycopg://app@db:5432/marketplace_{service}")

    assert load_settings(DemoSettings).database_url == "postgresql+psycopg://app@db:5432/marketplace_demo"


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_bare_postgres_scheme_selects_the_psycopg_driver(environment, scheme):
    environment.setenv("DEMO_DATABASE_URL", f"{scheme}://app:pw@db:5432/demo")

    assert load_settings(DemoSettings).database_url == "postgresql+psycopg://app:pw@db:5432/demo"


def test_url_with_an_explicit_driver_is_kept(environment):
    environment.setenv("DEMO_DATABASE_URL", "sqlite:////srv/demo.db")

    assert load_settings(DemoSettings).database_url == "sqlite:////srv/demo.db"


def test_default_database_is_a_sqlite_file_named_after_the_service_in_the_var_dir(tmp_path):
    assert load_settings(DemoSettings).database_url == f"sqlite:///{tmp_path / 'var' / 'demo.db'}"


def test_default_broker_is_the_embedded_broker_file_in_the_var_dir(tmp_path):
    assert load_settings(DemoSettings).broker_url == f"embedded:///{tmp_path / 'var' / 'broker.db'}"


def test_api_prefix_is_versioned_under_the_service_name():
    assert load_settings(DemoSettings).api_prefix == "/api/v1/demo"


def test_log_level_is_normalised_to_upper_case(environment):
    environment.setenv("DEMO_LOG_LEVEL", "warning")

    assert load_settings(DemoSettings).log_level == "WARNING"


def test_list_setting_is_read_from_json(environment):
    environment.setenv("MARKETPLACE_JWT_AUDIENCES", '["marketplace", "console"]')

    assert load_settings(DemoSettings).jwt_audiences == ["marketplace", "console"]


def test_invalid_value_raises_configuration_error_naming_the_variable(environment):
    environment.setenv("DEMO_DB_POOL_SIZE", "lots")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(DemoSettings)

    assert "DEMO_DB_POOL_SIZE" in str(raised.value)


def test_invalid_shared_value_names_the_shared_variable_too(environment):
    environment.setenv("MARKETPLACE_DB_POOL_SIZE", "lots")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(DemoSettings)

    assert "MARKETPLACE_DB_POOL_SIZE" in str(raised.value)


def test_unknown_log_level_raises_configuration_error_naming_the_variable(environment):
    environment.setenv("DEMO_LOG_LEVEL", "LOUD")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(DemoSettings)

    assert "DEMO_LOG_LEVEL" in str(raised.value)


def test_every_invalid_variable_is_named_at_once(environment):
    environment.setenv("DEMO_DB_POOL_SIZE", "lots")
    environment.setenv("DEMO_LOG_JSON", "sometimes")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(DemoSettings)

    assert set(re.findall(r"DEMO_[A-Z_]+", str(raised.value))) == {"DEMO_DB_POOL_SIZE", "DEMO_LOG_JSON"}


def test_malformed_list_raises_configuration_error_naming_the_variable(environment):
    environment.setenv("DEMO_JWT_AUDIENCES", "marketplace")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(DemoSettings)

    assert "DEMO_JWT_AUDIENCES" in str(raised.value)
