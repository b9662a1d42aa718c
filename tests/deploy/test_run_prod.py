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
    # Past the environment assignments a line may start with (WEB_THREADS=8 gateway web).
    started = {name: tuple(word for word in command.split() if "=" not in word)[:2]
               for name, command in procfile().items()}
    assert started == expected


def test_web_processes_listen_on_the_ports_make_run_uses():
    ports = {name: re.search(r"--bind 127\.0\.0\.1:(\d+)", command).group(1)
             for name, command in procfile().items() if " web" in command}
    assert ports == {"gateway": "8000", "identity": "8001", "catalog": "8002", "orders": "8003",
                     "payments": "8004", "analytics": "8005", "console": "8006"}


def test_the_environment_uses_names_the_compose_file_uses_too():
    compose = load_yaml("docker-compose.yml")["services"]
    compose_names = {name for service in compose.values() for name in (service.get("environment") or {})}
    local = set(env_file("deploy/run-prod.env"))
    assert local - compose_names == set()
    assert all(unknown_variables(deployable, local) != local for deployable in DEPLOYABLES)
    assert set.intersection(*(unknown_variables(deployable, local) for deployable in DEPLOYABLES)) == set()


def test_make_run_prod_creates_and_migrates_every_database_the_environment_names():
    makefile = (ROOT / "Makefile").read_text()
    migrated = re.search(r"^MIGRATED := (.+)$", makefile, re.M).group(1).replace("$(SERVICES)", re.search(
        r"^SERVICES := (.+)$", makefile, re.M).group(1)).split()
    loop = re.search(r"^run-prod:.*?\n\t@\$\(PROD_ENV\); for service in \$\((\w+)\)", makefile, re.M | re.S).group(1)
    databases = {name.removesuffix("_DATABASE_URL").lower() for name in env_file("deploy/run-prod.env")
                 if name.endswith("_DATABASE_URL")}
    assert (loop, set(migrated)) == ("MIGRATED", databases)


def test_the_console_and_the_gateway_reach_each_other_on_make_runs_ports():
    local = env_file("deploy/run-prod.env")
    assert (local["CONSOLE_GATEWAY_URL"], local["GATEWAY_CONSOLE_URL"]) == ("http://127.0.0.1:8000",
                                                                          "http://127.0.0.1:8006")
    assert procfile()["gateway"].startswith("WEB_THREADS=")  # the console's calls come back while it forwards
