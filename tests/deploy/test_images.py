"""The Dockerfile's final stage: slim Python 3.11, no compilers, an unprivileged user, a health check."""
from __future__ import annotations

import re

import pytest

from .deploy_files import DEPLOYABLES, ROOT


def stages() -> list[list[tuple[str, str]]]:
    """Each stage's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    result: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction.upper() == "FROM":
            result.append([])
        if result:
            result[-1].append((instruction.upper(), arguments.strip()))
    return result


@pytest.fixture(scope="module")
def final_stage() -> list[tuple[str, str]]:
    return stages()[-1]


def arguments(stage, instruction: str) -> list[str]:
    return [args for name, args in stage if name == instruction]


def test_the_image_is_built_in_stages_on_slim_python_3_11():
    assert len(stages()) >= 2
    default_base = re.search(r"^ARG PYTHON_IMAGE=(\S+)", (ROOT / "Dockerfile").read_text(), re.M).group(1)
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", default_base)
    assert all(arguments(stage, "FROM")[0].startswith("${PYTHON_IMAGE}") for stage in stages())


def test_the_final_stage_runs_as_an_unprivileged_user(final_stage):
    users = arguments(final_stage, "USER")
    assert users and users[-1].split(":")[0] not in ("root", "0")


def test_the_final_stage_has_a_health_check_on_livez(final_stage):
    (check,) = arguments(final_stage, "HEALTHCHECK")
    assert check.startswith("--") and "CMD" in check and "/livez" in check


def test_the_final_stage_installs_no_build_tools(final_stage):
    runs = " ".join(arguments(final_stage, "RUN"))
    assert not re.search(r"apt-get install|build-essential|gcc|pip install", runs)
    assert any(args.startswith("--from=build ") for args in arguments(final_stage, "COPY"))


def test_the_image_runs_the_service_command_and_serves_the_web_process_by_default(final_stage):
    assert (arguments(final_stage, "ENTRYPOINT"), arguments(final_stage, "CMD")) == (['["app"]'], ['["web"]'])


@pytest.mark.parametrize("deployable", DEPLOYABLES)
def test_the_build_stage_copies_and_installs_each_deployable(deployable):
    """The build's own `case` picks the package folder: run it with sh, as the build does."""
    import subprocess
    build = stages()[0]
    install = next(args for args in arguments(build, "RUN") if "pip install" in args)
    choose = re.search(r"case .*? esac", install).group(0)
    folder = subprocess.run(["sh", "-c", f'{choose}; echo "$package"'], env={"SERVICE": deployable},
                            capture_output=True, text=True, check=True).stdout.strip()
    copied = {args.split()[0] for args in arguments(build, "COPY")}
    assert (ROOT / folder / "pyproject.toml").is_file() and folder.split("/")[0] in copied


def test_secrets_and_local_state_stay_out_of_the_build_context():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", "var", "**/tests"} <= ignored


PACKAGES = {"libs/contracts": "contracts", "libs/chassis": "chassis", "gateway": "gateway", "console": "console",
            **{f"services/{name}": name for name in ("identity", "catalog", "orders", "payments", "analytics")}}


@pytest.mark.parametrize("project", sorted(PACKAGES))
def test_an_installed_package_carries_every_file_it_reads(project):
    """The image installs packages for real (not editable): a file not declared as package data is left out."""
    import tomllib
    package = ROOT / project / PACKAGES[project]
    config = tomllib.loads((ROOT / project / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"].get("package-data", {}).get(PACKAGES[project], [])
    declared = {path for pattern in patterns for path in package.glob(pattern) if path.is_file()}
    data = {path for path in package.rglob("*") if path.is_file() and path.suffix not in (".py", ".pyc")
            and "__pycache__" not in path.parts and "tests" not in path.relative_to(package).parts}
    assert sorted(str(path.relative_to(package)) for path in data - declared) == []
