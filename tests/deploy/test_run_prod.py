"""`make run-prod`: the compose file's processes and variable names on this machine's servers."""
from __future__ import annotations

import re

from .deploy_files import DEPLOYABLES, ROOT, env_file, load_yaml, unknown_variables


def procfile() -> dict[str, str]:
    lines = (line for line in (ROOT / "deploy/Procfile.prod").read_text().splitlines()
             if line.strip() and not line.startswith("#"))
    return dict(line.split(": ", 1) for line in lines)


def test_the_procfile_runs_the_compose_files_long_running_processes():
    compose = load_yaml("docker-compose.yml")["services"]
    expected = {name: (service["image"].split(":")[0].removeprefix("marketplace-"), service["command"][0])
                for name, service in compose.items()
                if service.get("image", "").startswith("marketplace-") and service.get("command") in (["web"], ["worker"])}
    started = {name: tuple(command.split()[:2]) for name, command in procfile().items()}
    assert started == expected


def test_web_processes_listen_on_the_ports_make_run_uses():
    ports = {name: re.search(r"--bind 127\.0\.0\.1:(\d+)", command).group(1)
             for name, command in procfile().items() if " web" in command}
    assert ports == {"gateway": "8000", "identity": "8001", "catalog": "8002", "orders": "8003",
                     "payments": "8004", "analytics": "8005"}


def test_the_environment_uses_names_the_compose_file_uses_too():
    compose = load_yaml("docker-compose.yml")["services"]
    compose_names = {name for service in compose.values() for name in (service.get("environment") or {})}
    local = set(env_file("deploy/run-prod.env"))
    assert local - compose_names == set()
    assert all(unknown_variables(deployable, local) != local for deployable in DEPLOYABLES)
    assert set.intersection(*(unknown_variables(deployable, local) for deployable in DEPLOYABLES)) == set()
