"""The world the gateway benchmark measures: ping app, identity with 50 users, gateways in front.

Every server is a ``GunicornServer`` on a free local port; the gateway gets a
route table of its own (the shipped one plus a route for the ping app) and
rate limits so high they count every request but never refuse one.
``NginxFront`` runs deploy/nginx/nginx.conf as shipped (ports and paths
substituted, self-signed pair) in front of a gateway.

Run as a script, it seeds users into an identity var dir with identity's own
handler (``python bench/gateway_setup.py seed-users VAR_DIR COUNT``): the
harness starts it in identity's environment, as the CLI would be.
"""
from __future__ import annotations

import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from apps import PING_PATH
from gunicorn_servers import READY_TIMEOUT_SECONDS, REPO_ROOT, STOP_TIMEOUT_SECONDS, GunicornServer, _children, \
    _cpu_seconds, free_port
from identity_setup import _FOREIGN_VARIABLES, cli, identity_env, identity_server, IdentityWeb

BENCH_PREFIX = PING_PATH.rsplit("/", 1)[0]  # /api/v1/bench
USERS_PATH = "/api/v1/users"
USER_PASSWORD = "bench-Gateway-password-2026"
# Counted against on every request, never reached: the limiter's cost is in the figures, not its refusals.
NEVER_REACHED = "100000000/minute"
GATEWAY_APP = "gateway.app:create_app()"
GUNICORN_CONF = "python:chassis.gunicorn_conf"
SEED_TIMEOUT_SECONDS = 120


def jwt_env(jwks_url: str, issuer: str, audience: str) -> dict[str, str]:
    """Make a chassis service verify the bench issuer's tokens, keys fetched over HTTP."""
    return {"MARKETPLACE_JWKS_URL": jwks_url, "MARKETPLACE_JWT_ISSUER": issuer,
            "MARKETPLACE_JWT_AUDIENCES": f'["{audience}"]'}


def write_routes_file(directory: Path) -> Path:
    """The shipped route table plus ``/api/v1/bench`` -> upstream "catalog" in a class without roles."""
    from gateway.settings import DEFAULT_ROUTES_FILE
    path = directory / "gateway-bench-routes.toml"
    path.write_text(DEFAULT_ROUTES_FILE.read_text() + (
        "\n# --- bench: the chassis ping app stands in for catalog\n"
        "[classes.bench]\n\n"
        f'[[routes]]\nprefix = "{BENCH_PREFIX}"\nupstream = "catalog"\nclass = "bench"\n'))
    return path


def ping_server(workers: int, log_dir: Path, scratch: Path, jwt: dict[str, str], threads: int = 1) -> GunicornServer:
    """The chassis ping app of ``apps.py``, as in the chassis benchmark (sync workers unless ``threads`` > 1)."""
    env = {**jwt, "MARKETPLACE_VAR_DIR": str(scratch / "ping-var"),
           "PROMETHEUS_MULTIPROC_DIR": str(scratch / "ping-prometheus")}
    return GunicornServer("ping", "bench.apps:chassis_app()", workers, log_dir, config=GUNICORN_CONF, env=env,
                          **_worker_options(threads))


def _worker_options(threads: int) -> dict:
    # Sync workers close the connection after every answer; gthread ones keep it for the gateway's pool.
    return {"worker_class": "gthread" if threads > 1 else "sync", "threads": threads}


def identity_with_users(var_dir: Path, users: int, workers: int, log_dir: Path, jwt: dict[str, str],
                        threads: int = 1) -> IdentityWeb:
    """A migrated SQLite identity holding ``users`` users; not started. It verifies the bench tokens.

    ``identity web`` takes no thread option: ``threads`` reaches gunicorn as WEB_THREADS.
    """
    cli(var_dir, "db", "upgrade")
    seed = subprocess.run([sys.executable, __file__, "seed-users", str(var_dir), str(users)],
                          env=identity_env(var_dir), capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=SEED_TIMEOUT_SECONDS, check=False)
    if seed.returncode != 0:
        raise RuntimeError(f"seeding {users} users failed:\n{seed.stdout}{seed.stderr}")
    server = identity_server(var_dir, workers, log_dir)
    server.env.update(jwt)  # the bench JWKS, not identity's own keys
    server.env["WEB_THREADS"] = str(threads)
    options = _worker_options(threads)
    server.worker_class, server.threads = options["worker_class"], options["threads"]  # for reports
    return server


def gateway_server(name: str, *, worker_class: str, workers: int, threads: int, routes_file: Path,
                   upstreams: dict[str, str], jwt: dict[str, str], scratch: Path, log_dir: Path) -> GunicornServer:
    """The gateway under gunicorn with ``chassis.gunicorn_conf``; ``upstreams``: name -> base URL."""
    env = {**jwt, "GATEWAY_ROUTES_FILE": str(routes_file), "MARKETPLACE_VAR_DIR": str(scratch / f"{name}-var"),
           "PROMETHEUS_MULTIPROC_DIR": str(scratch / f"{name}-prometheus"),
           "GATEWAY_RATE_LIMIT_PER_IP": NEVER_REACHED, "GATEWAY_RATE_LIMIT_PER_CALLER": NEVER_REACHED,
           "GATEWAY_RATE_LIMIT_AUTH_PER_IP": NEVER_REACHED}
    env.update({f"GATEWAY_{upstream.upper()}_URL": url for upstream, url in upstreams.items()})
    # Whatever the shell says about gateways, Redis or tokens, this run decides.
    drop = tuple(key for key in os.environ if key.startswith("GATEWAY_")) + ("REDIS_URL",) + _FOREIGN_VARIABLES
    return GunicornServer(name, GATEWAY_APP, workers, log_dir, config=GUNICORN_CONF, env=env, drop_env=drop,
                          worker_class=worker_class, threads=threads)


NGINX_CONF = REPO_ROOT / "deploy" / "nginx" / "nginx.conf"
# What the shipped file says -> what the bench needs, and how often it must be found (a drifted file fails loudly).
_NGINX_EDITS = (("listen [::]:80;", "", 1), ("listen [::]:443 ssl http2;", "", 1),
                ("/srv/marketplace", str(REPO_ROOT), 2))


def unverified_tls() -> ssl.SSLContext:
    """For the bench's self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass
class NginxFront:
    """deploy/nginx/nginx.conf, as shipped, on free ports in front of ``gateway_port`` (self-signed TLS)."""

    name: str
    gateway_port: int
    directory: Path
    https_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def worker_setup(self) -> str:
        return f"nginx {_nginx_version()}, deploy/nginx/nginx.conf (worker_processes auto, TLS, keepalive 32)"

    def render(self) -> Path:
        text = NGINX_CONF.read_text()
        edits = _NGINX_EDITS + (("listen 80;", f"listen 127.0.0.1:{self.http_port};", 1),
                                ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;", 1),
                                ("server 127.0.0.1:8000;", f"server 127.0.0.1:{self.gateway_port};", 1))
        for old, new, count in edits:
            if text.count(old) != count:
                raise RuntimeError(f"{NGINX_CONF}: expected {old!r} {count}x, found it {text.count(old)}x")
            text = text.replace(old, new)
        for sub in ("logs", "run", "tmp", "tls"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=localhost", "-keyout", str(self.directory / "tls" / "marketplace.key"),
                        "-out", str(self.directory / "tls" / "marketplace.crt")], check=True, capture_output=True)
        conf = self.directory / "nginx.conf"
        conf.write_text(text)
        return conf

    def start(self) -> None:
        """Render, check (nginx -t) and start in the foreground of its own session; wait for HTTPS."""
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise SystemExit("nginx not found: apt-get install -y nginx")
        command = [binary, "-p", str(self.directory), "-c", str(self.render())]
        check = subprocess.run(command + ["-t"], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
        self.process = subprocess.Popen(command + ["-g", "daemon off;"], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode(errors='replace')}")
            try:
                urllib.request.urlopen(self.base_url + "/livez", timeout=1, context=unverified_tls()).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx not ready")

    def cpu_seconds(self) -> float:
        pids = [self.process.pid] + _children(self.process.pid)
        return sum(_cpu_seconds(pid) for pid in pids)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)  # graceful: finish open requests
        try:
            self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _nginx_version() -> str:
    completed = subprocess.run([shutil.which("nginx") or "/usr/sbin/nginx", "-v"], capture_output=True, text=True)
    return completed.stderr.strip().rsplit("/", 1)[-1]


def _seed_users(var_dir: str, count: int) -> None:
    """``count`` customers through ``identity.handlers.create_user`` (argon2 hash, audit row each)."""
    from chassis.cli import metrics_dir_for
    metrics_dir_for("identity")
    from chassis.runtime import Runtime
    from chassis.settings import load_settings
    from identity import handlers
    from identity.app import definition
    from identity.settings import IdentitySettings
    assert os.environ["MARKETPLACE_VAR_DIR"] == var_dir, "run in identity_env(var_dir)"
    runtime = Runtime(definition(), load_settings(IdentitySettings))
    for number in range(count):
        handlers.create_user(runtime.uow(), f"bench-user-{number:03d}@bench.example", USER_PASSWORD, ["customer"])
    print(f"seeded {count} users")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "seed-users":
        sys.exit("usage: gateway_setup.py seed-users VAR_DIR COUNT")
    _seed_users(sys.argv[2], int(sys.argv[3]))
