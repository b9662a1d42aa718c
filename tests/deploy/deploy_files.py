"""The deployment files under test, loaded the way their tools read them (shared by tests/deploy)."""
from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "catalog", "orders", "payments", "analytics")
# The back-office pages: a web process with a database of its own (sessions), no worker, no events.
CONSOLE = "console"
MIGRATED = SERVICES + (CONSOLE,)  # everything with a database to create and migrate
DEPLOYABLES = SERVICES + (CONSOLE, "gateway")
OVERLAYS = ("dev", "prod")
_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def load_yaml(relative: str):
    return yaml.safe_load((ROOT / relative).read_text())


def env_file(relative: str) -> dict[str, str]:
    """``KEY=value`` lines (comments and blank lines skipped), as docker compose and honcho read them."""
    pairs = {}
    for line in (ROOT / relative).read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def compose_variables() -> dict[str, str]:
    """Every ``${NAME...}`` docker-compose.yml interpolates, with its operator (``:?``, ``:-`` or none)."""
    found = {}
    for match in _VARIABLE.finditer((ROOT / "docker-compose.yml").read_text()):
        if match.group("name"):
            found.setdefault(match.group("name"), match.group("op") or "")
    return found


def interpolate(value, variables: dict[str, str]):
    """Compose's interpolation (``${X}``, ``${X:-default}``, ``${X:?error}``, ``$$``) over a loaded file."""
    if isinstance(value, dict):
        return {key: interpolate(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, variables) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        if name is None:
            return "$"
        if variables.get(name):
            return variables[name]
        if op == ":?":
            raise KeyError(f"{name} is required: {arg}")
        return arg if op == ":-" else ""
    return _VARIABLE.sub(substitute, value)


@cache
def rendered_overlay(overlay: str) -> tuple[dict, ...]:
    """``kubectl kustomize`` of an overlay (kubectl ships kustomize; no cluster is contacted)."""
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (which embeds kustomize) is needed to render deploy/k8s"
    result = subprocess.run([kubectl, "kustomize", str(ROOT / "deploy/k8s/overlays" / overlay)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def pod_specs(documents) -> dict[str, dict]:
    """``Deployment``/``Job`` name -> its pod spec."""
    return {doc["metadata"]["name"]: doc["spec"]["template"]["spec"] for doc in documents
            if doc["kind"] in ("Deployment", "Job")}


@cache
def settings_classes() -> dict:
    """Deployable -> its settings class (where the environment variable names are defined)."""
    from analytics.settings import AnalyticsSettings
    from catalog.settings import CatalogSettings
    from console.settings import ConsoleSettings
    from gateway.settings import GatewaySettings
    from identity.settings import IdentitySettings
    from orders.settings import OrdersSettings
    from payments.settings import PaymentsSettings
    return {"identity": IdentitySettings, "catalog": CatalogSettings, "orders": OrdersSettings,
            "payments": PaymentsSettings, "analytics": AnalyticsSettings, "console": ConsoleSettings,
            "gateway": GatewaySettings}


# Read by the process, not by settings: gunicorn's configuration (chassis.gunicorn_conf), the
# metrics directory, and helper variables that only build another value ($(DB_USER) in Kubernetes).
PROCESS_VARIABLES = {"WEB_CONCURRENCY", "WEB_THREADS", "WEB_TIMEOUT", "WEB_GRACEFUL_TIMEOUT", "WEB_BIND",
                     "WEB_LOG_LEVEL", "WEB_MAX_REQUESTS", "PROMETHEUS_MULTIPROC_DIR", "MARKETPLACE_VAR_DIR"}


def unknown_variables(deployable: str, names, helpers=frozenset()) -> set[str]:
    """The names a deployable's settings would silently ignore (a typo, or another service's prefix)."""
    settings = settings_classes()[deployable]
    fields = {name.upper() for name in settings.model_fields}
    aliases = {str(field.validation_alias) for field in settings.model_fields.values() if field.validation_alias}
    prefixes = (settings.env_prefix(), "MARKETPLACE_")
    known = {prefix + field for prefix in prefixes for field in fields} | aliases | PROCESS_VARIABLES | set(helpers)
    return {name for name in names if name not in known}


@cache
def kubernetes_validator(api_version: str, kind: str, version: str = "1.32"):
    """A strict JSON-schema validator for one kind, from the schemas `kubernetes-validate` ships.

    ``kubernetes_validate.validate`` reads the (large) definitions file again for every object;
    building each validator once keeps rendering-and-validating both overlays to about a second.
    """
    from jsonschema.validators import Draft202012Validator
    from kubernetes_validate import utils
    from referencing import Registry, Resource
    schema_version = [known for known in utils.all_versions() if utils.major_minor(known) <= version][-1]
    folder = f"kubernetes-json-schema/v{schema_version}-local-strict"
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)  # apps/v1 -> apps-v1, rbac.authorization.k8s.io/v1 -> rbac-v1
    try:
        schema = utils.schema_contents(f"{folder}/{kind.lower()}-{group}.json", version)
    except FileNotFoundError:
        raise LookupError(f"no Kubernetes {version} schema for {api_version} {kind}") from None
    registry = Resource.from_contents(schema) @ (_definitions(folder, version) @ Registry())
    return Draft202012Validator(schema, registry=registry)


@cache
def _definitions(folder: str, version: str):
    from kubernetes_validate import utils
    from referencing import Resource
    return Resource.from_contents(utils.schema_contents(f"{folder}/_definitions.json", version))
