"""Every service the gateway routes to and whose document it merges has its OpenAPI matrix in this folder, so a new
service is not left out of the tenancy and hostile-input tests."""
from __future__ import annotations

import tomllib
from pathlib import Path

import gateway
from gateway.upstream_specs import SERVICES_WITHOUT_SPEC


def documented_upstreams() -> set[str]:
    routes = tomllib.loads((Path(gateway.__file__).parent / "routes.toml").read_text())["routes"]
    return {route["upstream"] for route in routes} - {"gateway"} - SERVICES_WITHOUT_SPEC


def test_every_documented_service_behind_the_gateway_has_its_matrix_module():
    missing = sorted(name for name in documented_upstreams()
                     if not (Path(__file__).parent / f"test_{name}_matrix.py").exists())
    assert missing == [], f"add tests/security/test_<service>_matrix.py for {missing} (see this folder's conftest)"
