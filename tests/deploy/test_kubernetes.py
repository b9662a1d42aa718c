"""deploy/k8s: every overlay renders, validates against Kubernetes' schemas, and keeps the design's rules."""
from __future__ import annotations

import pytest

from .deploy_files import (CONSOLE, DEPLOYABLES, MIGRATED, OVERLAYS, SERVICES, kubernetes_validator, pod_specs,
                           rendered_overlay, unknown_variables)

# Custom resources of the operators deploy/README.md installs: no schema ships for them here.
OPERATOR_KINDS = {("postgresql.cnpg.io/v1", "Cluster"), ("postgresql.cnpg.io/v1", "Database"),
                  ("rabbitmq.com/v1beta1", "RabbitmqCluster"), ("redis.redis.opstreelabs.in/v1beta2", "Redis"),
                  ("monitoring.coreos.com/v1", "PodMonitor")}
NAMESPACES = {"dev": "marketplace-dev", "prod": "marketplace"}
# Which service's pods may call which service's web pods (DESIGN.md, and the HTTP clients in code):
# every service fetches identity's JWKS, orders gets tokens from identity and quotes from catalog.
DESIGNED_CALLS = {("catalog", "identity"), ("orders", "identity"), ("payments", "identity"),
                  ("analytics", "identity"), ("orders", "catalog")}


def objects(overlay: str, kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in rendered_overlay(overlay) if doc["kind"] == kind}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_valid_for_kubernetes(overlay):
    problems = []
    for doc in rendered_overlay(overlay):
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        if (doc["apiVersion"], doc["kind"]) in OPERATOR_KINDS:
            if set(doc) < {"apiVersion", "kind", "metadata", "spec"} or not doc.get("spec"):
                problems.append(f"{name}: no spec")
            continue
        try:
            validator = kubernetes_validator(doc["apiVersion"], doc["kind"])
        except LookupError as error:
            problems.append(f"{name}: {error}")
            continue
        problems += [f"{name}: {'/'.join(map(str, error.absolute_path))}: {error.message}"
                     for error in validator.iter_errors(doc)]
    assert problems == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_lands_in_the_overlays_namespace(overlay):
    namespaces = {doc["metadata"].get("namespace") for doc in rendered_overlay(overlay) if doc["kind"] != "Namespace"}
    assert namespaces == {NAMESPACES[overlay]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_is_committed(overlay):
    assert objects(overlay, "Secret") == {}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_web_worker_migration_service_hpa_and_pdb(overlay):
    deployments, jobs = objects(overlay, "Deployment"), objects(overlay, "Job")
    for service in SERVICES:
        assert deployments[f"{service}-web"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["web"]
        assert deployments[f"{service}-worker"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["worker"]
        assert jobs[f"{service}-migrate"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["db", "upgrade"]
        assert objects(overlay, "Service")[service]["spec"]["selector"] == {
            "app.kubernetes.io/name": service, "app.kubernetes.io/component": "web"}
        assert objects(overlay, "HorizontalPodAutoscaler")[f"{service}-web"]["spec"]["scaleTargetRef"]["name"] == f"{service}-web"
        assert f"{service}-web" in objects(overlay, "PodDisruptionBudget")
    assert objects(overlay, "Ingress")["gateway"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "gateway"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_console_has_web_migration_service_hpa_and_pdb_and_no_worker(overlay):
    deployments, jobs = objects(overlay, "Deployment"), objects(overlay, "Job")
    assert deployments[f"{CONSOLE}-web"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["web"]
    assert f"{CONSOLE}-worker" not in deployments
    assert jobs[f"{CONSOLE}-migrate"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["db", "upgrade"]
    assert objects(overlay, "Service")[CONSOLE]["spec"]["selector"] == {
        "app.kubernetes.io/name": CONSOLE, "app.kubernetes.io/component": "web"}
    assert objects(overlay, "HorizontalPodAutoscaler")[f"{CONSOLE}-web"]["spec"]["scaleTargetRef"]["name"] == f"{CONSOLE}-web"
    assert f"{CONSOLE}-web" in objects(overlay, "PodDisruptionBudget")


def _env(container: dict) -> dict:
    return {variable["name"]: variable.get("value") or variable["valueFrom"] for variable in container.get("env", [])}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_console_reads_its_client_and_token_keys_from_secrets_and_the_gateway_routes_to_it(overlay):
    specs = pod_specs(rendered_overlay(overlay))
    console, gateway = _env(specs[f"{CONSOLE}-web"]["containers"][0]), _env(specs["gateway"]["containers"][0])
    secrets = {name: console[name]["secretKeyRef"]["name"] for name in
               ("CONSOLE_CLIENT_ID", "CONSOLE_CLIENT_SECRET", "CONSOLE_TOKEN_KEYS", "DB_PASSWORD")}
    assert secrets == {"CONSOLE_CLIENT_ID": "console-client", "CONSOLE_CLIENT_SECRET": "console-client",
                       "CONSOLE_TOKEN_KEYS": "console-token-keys", "DB_PASSWORD": "marketplace-db-console"}
    assert (console["CONSOLE_GATEWAY_URL"], gateway["GATEWAY_CONSOLE_URL"]) == ("http://gateway:8000",
                                                                               "http://console:8000")
    assert int(gateway["WEB_THREADS"]) > 1  # the console's calls come back while the gateway forwards its page
    config = objects(overlay, "ConfigMap")["marketplace-config"]["data"]
    assert config["CONSOLE_PUBLIC_URL"] == config["IDENTITY_PUBLIC_URL"]  # where the sign-in comes back


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_unprivileged_on_a_read_only_root_with_a_writable_tmp(overlay):
    for name, spec in pod_specs(rendered_overlay(overlay)).items():
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        for container in spec["containers"]:
            security, resources = container["securityContext"], container["resources"]
            assert (security["readOnlyRootFilesystem"], security["allowPrivilegeEscalation"]) == (True, False), name
            assert set(resources) == {"requests", "limits"}, name
            tmp = [mount for mount in container["volumeMounts"] if mount["mountPath"] == "/tmp"]
            assert tmp and "emptyDir" in volumes[tmp[0]["name"]], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_web_pods_probe_readiness_liveness_and_start(overlay):
    specs = pod_specs(rendered_overlay(overlay))
    for name in [f"{service}-web" for service in MIGRATED] + ["gateway"]:
        container = specs[name]["containers"][0]
        assert (container["readinessProbe"]["httpGet"]["path"], container["livenessProbe"]["httpGet"]["path"],
                container["startupProbe"]["httpGet"]["path"]) == ("/readyz", "/livez", "/livez"), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_containers_use_the_setting_names_the_services_read(overlay):
    helpers = {"DB_USER", "DB_PASSWORD", "RABBITMQ_USER", "RABBITMQ_PASSWORD", "REDIS_PASSWORD"}
    config = objects(overlay, "ConfigMap")["marketplace-config"]["data"]
    for name, spec in pod_specs(rendered_overlay(overlay)).items():
        deployable = name.split("-")[0]
        names = {variable["name"] for variable in spec["containers"][0].get("env", [])}
        if spec["containers"][0].get("envFrom"):
            names |= {key for key in config if key.split("_")[0] in (deployable.upper(), "MARKETPLACE")}
        assert unknown_variables(deployable, names, helpers) == set(), name
    assert {key.split("_")[0] for key in config} <= {"MARKETPLACE", "IDENTITY", "CONSOLE", "GATEWAY"}


def _selected(selector: dict, labels: dict) -> bool:
    return all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())


def _callers_allowed(overlay: str, service: str) -> set[str]:
    """Marketplace pods (by name) whose traffic the policies let into ``service``'s web pods on 8000."""
    labels = {"app.kubernetes.io/name": service, "app.kubernetes.io/component": "web",
              "app.kubernetes.io/part-of": "marketplace"}
    allowed = set()
    for policy in objects(overlay, "NetworkPolicy").values():
        if not _selected(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                if "podSelector" in peer and "namespaceSelector" not in peer:
                    allowed |= {caller for caller in DEPLOYABLES
                                if _selected(peer["podSelector"], {"app.kubernetes.io/name": caller,
                                                                   "app.kubernetes.io/component": "web"})}
    return allowed


def _destinations_allowed(overlay: str, service: str) -> set[str]:
    """Marketplace web pods that ``service``'s pods may send to on port 8000."""
    labels = {"app.kubernetes.io/name": service, "app.kubernetes.io/part-of": "marketplace"}
    allowed = set()
    for policy in objects(overlay, "NetworkPolicy").values():
        if not _selected(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("egress", []):
            if any(port.get("port") == 8000 for port in rule.get("ports", [])):
                allowed |= {target for peer in rule.get("to", []) for target in DEPLOYABLES
                            if _selected(peer.get("podSelector", {}), {"app.kubernetes.io/name": target,
                                                                       "app.kubernetes.io/component": "web",
                                                                       "app.kubernetes.io/part-of": "marketplace"})}
    return allowed


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_allow_the_gateway_and_the_designed_calls_only(overlay):
    policies = objects(overlay, "NetworkPolicy")
    assert policies["default-deny"]["spec"]["policyTypes"] == ["Ingress", "Egress"]
    for service in SERVICES:
        expected_in = {"gateway"} | {caller for caller, callee in DESIGNED_CALLS if callee == service}
        assert _callers_allowed(overlay, service) == expected_in, service
        assert _destinations_allowed(overlay, service) == {callee for caller, callee in DESIGNED_CALLS
                                                           if caller == service}, service
    assert _destinations_allowed(overlay, "gateway") == set(DEPLOYABLES)  # the gateway's rule names every web pod


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_console_talks_to_the_gateway_only_and_only_the_gateway_talks_to_it(overlay):
    assert (_callers_allowed(overlay, CONSOLE), _destinations_allowed(overlay, CONSOLE)) == ({"gateway"}, {"gateway"})
    assert _callers_allowed(overlay, "gateway") == {CONSOLE}  # besides the ingress controller and Prometheus


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_stateful_engines_come_from_operators(overlay):
    kinds = {(doc["kind"], doc["metadata"]["name"]) for doc in rendered_overlay(overlay)}
    assert {("Cluster", "marketplace-postgres"), ("RabbitmqCluster", "marketplace-rabbitmq"),
            ("Redis", "marketplace-redis")} <= kinds
    databases = {doc["spec"]["name"]: doc["spec"]["owner"] for doc in objects(overlay, "Database").values()}
    assert databases == {service: service for service in MIGRATED}
    roles = objects(overlay, "Cluster")["marketplace-postgres"]["spec"]["managed"]["roles"]
    assert {role["name"]: role["passwordSecret"]["name"] for role in roles} == {
        service: f"marketplace-db-{service}" for service in MIGRATED}


def test_prod_runs_more_replicas_than_dev():
    def sizes(overlay):
        hpa = objects(overlay, "HorizontalPodAutoscaler")["catalog-web"]["spec"]["minReplicas"]
        worker = objects(overlay, "Deployment")["catalog-worker"]["spec"]["replicas"]
        rabbit = objects(overlay, "RabbitmqCluster")["marketplace-rabbitmq"]["spec"]["replicas"]
        return hpa, worker, rabbit
    assert sizes("dev") == (1, 1, 1)
    assert sizes("prod") == (3, 3, 3)
