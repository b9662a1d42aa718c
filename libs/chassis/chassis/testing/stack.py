"""The whole marketplace as real processes, for end-to-end tests that go through the gateway only.

Every service runs as ``<service> web`` (gunicorn) and ``<service> worker``, and the gateway in front,
each on a free port, on the test backend (:mod:`chassis.testing.backends`: SQLite files and the
embedded broker, or PostgreSQL + RabbitMQ). Identity is the real OAuth2 authorization server: tokens
are issued by it, with the gateway's URL as issuer, and every process verifies them from its JWKS.

Identity is wired as ``make run`` wires it: ``identity seed-demo`` writes the demo credentials
(operator, two approved vendors with their API clients, a customer, the operator and storefront
clients) and ``identity service-clients`` writes the services' own client_credentials to an env file
that every process gets, as honcho gives it to them.

With ``console=True`` the back-office console runs too (``console web``), behind the gateway at
``/console``, signed in through identity with the console's client from ``identity service-clients``
(its redirect URI on the stack's gateway: identity's public URL is the gateway's).

    stack = Stack(workdir, env={"ORDERS_DEADLINE_SWEEP_SECONDS": "0.5"})
    stack.start()
    operator = stack.api(stack.client_credentials_token(**stack.credentials["clients"]["operator"]))
    ...
    stack.stop()
"""
from __future__ import annotations

import base64
import importlib
import json
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from chassis.testing.apps import TEST_AUDIENCE, settings_for
from chassis.testing.backends import Backend, backend_name
from chassis.testing.processes import ServiceProcess, service_env

SERVICES = ("identity", "catalog", "orders", "payments", "analytics")
# Identity checks bearer tokens against its own JWKS endpoint: one sync worker would wait for itself.
WEB_WORKERS = {"identity": 2}
# A test signs in and polls far more often than a person: the gateway's limits would refuse it.
GATEWAY_LIMITS = {"GATEWAY_RATE_LIMIT_PER_IP": "100000/minute", "GATEWAY_RATE_LIMIT_PER_CALLER": "100000/minute",
                  "GATEWAY_RATE_LIMIT_AUTH_PER_IP": "100000/minute"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(url: str, process: ServiceProcess, timeout: float = 60.0) -> None:
    """Wait until ``url`` answers 200; fail with the process's log tail otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered:\n{process.log()[-3000:]}")


def eventually(read, expected, timeout: float = 30.0, interval: float = 0.2):
    """What ``read()`` returns once it equals ``expected``, or at the deadline (for the assertion to show)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value == expected or time.monotonic() > deadline:
            return value
        time.sleep(interval)


@dataclass
class Answer:
    """An HTTP answer: status, JSON body (None when empty or not JSON) and headers."""

    status: int
    body: Any
    headers: dict[str, str]


class ApiClient:
    """JSON calls to one base URL with an optional bearer token (a storefront, a vendor's tool...)."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url, self.token = base_url, token

    def call(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
             idempotent: bool = False) -> Answer:
        """``idempotent`` adds a new ``Idempotency-Key``."""
        headers = {"Content-Type": "application/json", **(headers or {})}
        if idempotent:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        return self.send(method, path, None if body is None else json.dumps(body).encode(), headers)

    def get(self, path: str, **query) -> Answer:
        return self.call("GET", f"{path}?{urllib.parse.urlencode(query)}" if query else path)

    def upload(self, path: str, filename: str, content: bytes, content_type: str) -> Answer:
        """A multipart/form-data POST of one ``file`` field."""
        boundary = secrets.token_hex(16)
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
                f"Content-Type: {content_type}\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        return self.send("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def send(self, method: str, path: str, data: bytes | None, headers: dict[str, str]) -> Answer:
        if self.token:
            headers = {"Authorization": f"Bearer {self.token}", **headers}
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return _answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return _answer(error.code, error.headers, error.read())


def _answer(status: int, headers, raw: bytes) -> Answer:
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    return Answer(status, body, dict(headers))


class Stack:
    """Every service (web + worker) and the gateway as real processes on free ports, on one test backend."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None,
                 web_workers: dict[str, int] | None = None, console: bool = False) -> None:
        self.workdir, self.extra_env = workdir, env or {}
        self.backend = Backend(backend_name(), workdir)
        self.gateway_url = f"http://127.0.0.1:{free_port()}"
        self.urls = {service: f"http://127.0.0.1:{free_port()}" for service in SERVICES}
        self.console_url = f"http://127.0.0.1:{free_port()}" if console else None
        # gunicorn workers per web process ("gateway" included): one each unless said otherwise
        self.web_workers = {**WEB_WORKERS, **(web_workers or {})}
        self.processes: list[ServiceProcess] = []
        self.named_processes: dict[str, ServiceProcess] = {}  # "orders web", "catalog worker", "gateway web"
        self.database_urls: dict[str, str] = {}
        self.credentials: dict = {}
        self.service_clients: dict[str, str] = {}

    def start(self) -> None:
        """Migrate (copies of the migrated templates), seed identity, start every process, wait for them.

        While identity is seeded, the services that call no other start already: only identity and
        the callers (``identity.service_clients.CALLERS``) wait for the seed and the clients' env file.
        """
        from identity.service_clients import CALLERS
        environments = {service: self._service_env(service) for service in SERVICES}
        seeded_first = {"identity", *CALLERS}
        webs = self._start_services([service for service in SERVICES if service not in seeded_first], environments)
        webs[f"{self.gateway_url}/livez"] = self._start(
            "gateway", ["web", "--bind", self.gateway_url[len("http://"):], "--workers",
                        str(self.web_workers.get("gateway", 1))], self._gateway_env())
        self._seed_identity(environments["identity"])
        webs.update(self._start_services([service for service in SERVICES if service in seeded_first], {
            service: {**env, **self.service_clients} for service, env in environments.items()}))
        if self.console_url:
            webs[f"{self.console_url}/readyz"] = self._start_console()
        for url, process in webs.items():
            wait_ready(url, process)
        for process in self.processes:  # a worker that died at start would only show as timeouts later
            assert process.process.poll() is None, f"{process.argv} exited:\n{process.log()[-3000:]}"

    def __enter__(self) -> "Stack":
        """``with Stack(workdir) as stack:`` starts it, and stops it even when starting fails half-way."""
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        with ThreadPoolExecutor(len(self.processes) or 1) as pool:  # each waits for its own graceful exit
            list(pool.map(ServiceProcess.stop, self.processes))
        self.backend.cleanup()

    # --- OAuth2 through the gateway

    def client_credentials_token(self, client_id: str, client_secret: str) -> str:
        """An access token for a confidential client (an integration, the operator's client)."""
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        answer = self.api().send("POST", "/oauth/token", b"grant_type=client_credentials", {
            "Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
        assert answer.status == 200, answer
        return answer.body["access_token"]

    def log_in(self, email: str, password: str, client_id: str, redirect_uri: str) -> dict:
        """A user's tokens from the authorization code flow with PKCE, as a browser does it.

        The authorization request is sent to the login page, whose form (CSRF token and all hidden
        fields) is read from the HTML and posted back with the credentials; the session cookie then
        lets the authorization request through to the redirect URI with the code, which the public
        client exchanges with its code verifier.
        """
        from authlib.oauth2.rfc7636 import create_s256_code_challenge

        from identity.testing import Browser, query_of
        browser, verifier, state = Browser(self.gateway_url), secrets.token_urlsafe(48), secrets.token_urlsafe(8)
        authorize = "/oauth/authorize?" + urllib.parse.urlencode({
            "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "state": state,
            "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256"})
        status, headers, _ = browser.request(authorize)
        assert status == 302 and headers["Location"].startswith("/login"), (status, dict(headers))
        status, _, page = browser.request(headers["Location"])
        form = LoginForm.read(page)
        assert status == 200 and form.action == "/login", page
        status, headers, page = browser.request(form.action, {**form.fields, "email": email, "password": password})
        assert status == 302, page
        status, headers, page = browser.request(form.fields["next"])
        assert status == 302 and headers["Location"].startswith(redirect_uri), (status, page)
        callback = query_of(headers["Location"])
        assert callback["state"] == state, callback
        status, _, body = browser.request("/oauth/token", {
            "grant_type": "authorization_code", "code": callback["code"], "redirect_uri": redirect_uri,
            "client_id": client_id, "code_verifier": verifier})
        assert status == 200, body
        return json.loads(body)

    def api(self, token: str | None = None) -> ApiClient:
        """A JSON client of the gateway, with ``token`` as bearer if given."""
        return ApiClient(self.gateway_url, token)

    def operator_api(self) -> ApiClient:
        """The demo operator's client (client_credentials, operator + admin)."""
        return self.api(self.client_credentials_token(**self.credentials["clients"]["operator"]))

    # --- set-up

    def _service_env(self, service: str) -> dict[str, str]:
        definition = importlib.import_module(f"{service}.app").definition()
        identity = self.urls["identity"]
        settings = settings_for(definition, self.backend, f"{identity}/.well-known/jwks.json", migrated=True,
                                jwt_issuer=self.gateway_url)
        prefix = type(settings).env_prefix()
        self.database_urls[service] = settings.database_url
        extra = {"MARKETPLACE_VAR_DIR": str(self.workdir / "var"), "PYTHONUNBUFFERED": "1",
                 f"{prefix}TOKEN_URL": f"{identity}/oauth/token", "ORDERS_CATALOG_URL": self.urls["catalog"],
                 "IDENTITY_SESSION_SECRET": "stack-session-secret", "IDENTITY_PUBLIC_URL": self.gateway_url,
                 **self.extra_env}
        return service_env(settings, extra)

    def _start_console(self) -> ServiceProcess:
        """The console's web process (its database a migrated copy), calling everything through the gateway."""
        env = {**self._service_env("console"), **self.service_clients, "CONSOLE_GATEWAY_URL": self.gateway_url}
        return self._start("console", ["web", "--bind", self.console_url[len("http://"):], "--workers",
                                       str(self.web_workers.get("console", 1))], env)

    def _gateway_env(self) -> dict[str, str]:
        upstreams = {f"GATEWAY_{service.upper()}_URL": url for service, url in self.urls.items()}
        jwks = f"{self.urls['identity']}/.well-known/jwks.json"
        return {"MARKETPLACE_VAR_DIR": str(self.workdir / "var"), "PYTHONUNBUFFERED": "1", **upstreams,
                "GATEWAY_JWT_ISSUER": self.gateway_url, "GATEWAY_JWKS_URL": jwks,
                "GATEWAY_JWT_AUDIENCES": json.dumps([TEST_AUDIENCE]), "GATEWAY_LOG_JSON": "true",
                **GATEWAY_LIMITS, **self._gateway_console_env(), **self.extra_env}

    def _gateway_console_env(self) -> dict[str, str]:
        # A console page calls the APIs back through the gateway while the gateway forwards that page:
        # with one request in flight at a time, the two would wait for each other.
        return {"GATEWAY_CONSOLE_URL": self.console_url, "WEB_THREADS": "8"} if self.console_url else {}

    def _seed_identity(self, env: dict[str, str]) -> None:
        """What ``make run`` does before starting the processes: demo data, then the services' clients."""
        credentials, clients = self.workdir / "demo-credentials.json", self.workdir / "service-clients.env"
        for command in (["seed-demo", "--output", str(credentials)], ["service-clients", "--output", str(clients)]):
            process = ServiceProcess.command("identity", *command, env=env,
                                             log_path=self.workdir / f"identity-{command[0]}.log").start()
            try:
                assert process.wait_exit(timeout=120) == 0, process.log()
            finally:
                process.stop()  # only does something if it hangs
        self.credentials = json.loads(credentials.read_text())
        self.service_clients = dict(line.split("=", 1) for line in clients.read_text().splitlines() if "=" in line)

    def _start_services(self, services: list[str], environments: dict[str, dict[str, str]]) -> dict:
        """Web and worker of each service; {readiness URL: web process}."""
        webs = {}
        for service in services:
            bind, workers = self.urls[service][len("http://"):], str(self.web_workers.get(service, 1))
            webs[f"{self.urls[service]}/readyz"] = self._start(
                service, ["web", "--bind", bind, "--workers", workers], environments[service])
            self._start(service, ["worker"], environments[service])
        return webs

    def _start(self, service: str, args: list[str], env: dict[str, str]) -> ServiceProcess:
        metrics = self.workdir / "metrics" / service
        metrics.mkdir(parents=True, exist_ok=True)
        process = ServiceProcess.command(service, *args, env={**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)},
                                         log_path=self.workdir / f"{service}-{args[0]}.log")
        self.processes.append(process.start())
        self.named_processes[f"{service} {args[0]}"] = process
        return process


class LoginForm(HTMLParser):
    """The login page's form: where it posts and its fields with their values (hidden ones included)."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    @classmethod
    def read(cls, html: str) -> "LoginForm":
        form = cls()
        form.feed(html)
        return form

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attributes.get("action")
        elif tag == "input" and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""
