"""An identity service of its own for the benchmark: temp var dir, real CLI, real `identity web`."""
from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from gunicorn_servers import REPO_ROOT, ServiceWeb, _children

IDENTITY = REPO_ROOT / ".venv" / "bin" / "identity"
REDIRECT_URI = "http://127.0.0.1:9/callback"  # nothing listens: only the Location header is read
PROBE_PATH = "/.well-known/oauth-authorization-server"
CLI_TIMEOUT_SECONDS = 60
# Settings from the caller's shell that would point the service elsewhere than the temp var dir.
_FOREIGN_VARIABLES = ("MARKETPLACE_DATABASE_URL", "IDENTITY_DATABASE_URL", "MARKETPLACE_BROKER_URL",
                      "IDENTITY_BROKER_URL", "PROMETHEUS_MULTIPROC_DIR", "MARKETPLACE_JWKS_URL", "IDENTITY_JWKS_URL",
                      "MARKETPLACE_JWT_ISSUER", "IDENTITY_JWT_ISSUER", "MARKETPLACE_JWT_AUDIENCES",
                      "IDENTITY_JWT_AUDIENCES")


@dataclass(frozen=True)
class Credentials:
    service_client_id: str
    service_client_secret: str
    browser_client_id: str  # public, first-party, authorization_code + PKCE
    email: str
    password: str
    user_kind: str  # how the user was made, for the report


def identity_env(var_dir: Path) -> dict[str, str]:
    """The embedded default (SQLite + embedded broker) in ``var_dir``, whatever the shell says."""
    env = {key: value for key, value in os.environ.items() if key not in _FOREIGN_VARIABLES}
    env["MARKETPLACE_VAR_DIR"] = str(var_dir)
    return env


def cli(var_dir: Path, *args: str) -> str:
    """Run ``identity <args>`` and return its stdout; raises with its output when it fails."""
    completed = subprocess.run([str(IDENTITY), *args], env=identity_env(var_dir), cwd=REPO_ROOT,
                               capture_output=True, text=True, stdin=subprocess.DEVNULL,
                               timeout=CLI_TIMEOUT_SECONDS, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"identity {' '.join(args[:1])} failed ({completed.returncode}):\n"
                           f"{completed.stdout}{completed.stderr}")
    return completed.stdout


def _field(output: str, name: str) -> str:
    match = re.search(rf"^{name}: (\S+)", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no {name!r} in the CLI output:\n{output}")
    return match.group(1)


def provision(var_dir: Path, email: str, password: str) -> Credentials:
    """Migrate, then create both clients and the user with the real CLI."""
    cli(var_dir, "db", "upgrade")
    service = cli(var_dir, "create-client", "--name", "bench", "--grant", "client_credentials", "--role", "service")
    browser = cli(var_dir, "create-client", "--name", "bench-console", "--grant", "authorization_code",
                  "--redirect-uri", REDIRECT_URI, "--first-party", "--public")
    cli(var_dir, "create-operator", "--email", email, "--password", password)
    return Credentials(_field(service, "client_id"), _field(service, "client_secret"), _field(browser, "client_id"),
                       email, password, user_kind="operator (admin), from `identity create-operator`")


class IdentityWeb(ServiceWeb):
    """``identity web --bind 127.0.0.1:<port> --workers N``. ``WEB_*`` from the shell are dropped by ``start()``."""

    def worker_pids(self) -> list[int]:
        return _children(self.process.pid)


def identity_server(var_dir: Path, workers: int, log_dir: Path) -> IdentityWeb:
    """Not started yet; stdout goes to ``log_dir/identity-stdout.log``, stderr to ``identity-gunicorn.log``.

    The API's bearer-token check gets the JWKS from this very server (its port is
    free, not 8001), so a token this identity issues is accepted by its own API.
    """
    server = IdentityWeb("identity", app="identity web", workers=workers, log_dir=log_dir,
                         env={"MARKETPLACE_VAR_DIR": str(var_dir)}, drop_env=_FOREIGN_VARIABLES)
    server.env["MARKETPLACE_JWKS_URL"] = f"{server.base_url}/.well-known/jwks.json"
    return server


def lift_two_factor_requirement(var_dir: Path, base_url: str) -> str:
    """PATCH the runtime setting ``two_factor_required_roles`` to [] through the settings API.

    With an admin token: a client_credentials client with roles operator + admin,
    created with the CLI. Returns what was done, for the report.
    """
    output = cli(var_dir, "create-client", "--name", "bench-settings-admin", "--grant", "client_credentials",
                 "--role", "operator", "--role", "admin")
    pair = f"{_field(output, 'client_id')}:{_field(output, 'client_secret')}".encode()
    token_request = urllib.request.Request(
        base_url + "/oauth/token", data=b"grant_type=client_credentials", method="POST",
        headers={"Authorization": "Basic " + base64.b64encode(pair).decode(),
                 "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(token_request, timeout=10) as response:
        bearer = {"Authorization": "Bearer " + json.loads(response.read())["access_token"]}
    url = base_url + "/api/v1/identity/settings"
    with urllib.request.urlopen(urllib.request.Request(url, headers=bearer), timeout=10) as response:
        before, etag = json.loads(response.read()), response.headers.get("ETag", "*")
    patch = urllib.request.Request(url, data=json.dumps({"two_factor_required_roles": []}).encode(), method="PATCH",
                                   headers={**bearer, "Content-Type": "application/json", "If-Match": etag,
                                            "X-Audit-Reason": "benchmark: password-only logins"})
    with urllib.request.urlopen(patch, timeout=10) as response:
        after = json.loads(response.read())
    return (f"two_factor_required_roles {before.get('two_factor_required_roles')} -> "
            f"{after.get('two_factor_required_roles')} via PATCH /api/v1/identity/settings "
            f"(token of a CLI-made client with roles operator+admin)")
