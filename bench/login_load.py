"""Authorization-code logins under load: threads, each a browser with its own cookie jar.

One iteration is a whole login of a user who has no session yet:

1. GET  /oauth/authorize?response_type=code&...&code_challenge=<S256>  -> 302 /login?next=...
2. GET  /login?next=...                       -> 200 form (CSRF token, session cookie)
3. POST /login  email + password + csrf_token -> 302 back to /oauth/authorize (argon2 verify here)
4. GET  /oauth/authorize?...                   -> 302 <redirect_uri>?code=...&state=...
5. POST /oauth/token  code + code_verifier     -> 200 JSON with access_token and refresh_token

http.client on one keep-alive connection per thread; nothing follows redirects
by itself, so every hop is checked.
"""
from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode, urlsplit

STEPS = ("authorize", "login_form", "login_post", "authorize_again", "token")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class LoginFailed(RuntimeError):
    """A hop answered something else than the flow expects (message says which and what)."""


class SecondFactorRequired(LoginFailed):
    """The right password led to a 2FA step (/login/2fa...), not back to /oauth/authorize."""


@dataclass
class Browser:
    """One user agent: a connection and a cookie jar (cleared before each login)."""

    host: str
    port: int
    client_id: str
    redirect_uri: str
    email: str
    password: str
    cookies: dict[str, str] = field(default_factory=dict)
    connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict[str, str], bytes]:
        headers = dict(FORM) if body is not None else {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        payload = urlencode(body) if body is not None else None
        for attempt in (1, 2):  # the server may close an idle keep-alive connection: reconnect once
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.connection.request(method, path, body=payload, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if response.headers.get("Connection", "").lower() == "close":
            self.close()
        return response.status, {k.lower(): v for k, v in response.headers.items()}, data

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def login(self) -> dict[str, float]:
        """One full login; returns seconds per step. Raises LoginFailed on any unexpected answer."""
        self.cookies.clear()  # a user without a session, as each login should be
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        state = secrets.token_urlsafe(12)
        authorize = "/oauth/authorize?" + urlencode({
            "response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri,
            "code_challenge": challenge, "code_challenge_method": "S256", "state": state})
        times: dict[str, float] = {}

        def hop(step: str, method: str, path: str, body: dict | None = None):
            started = time.perf_counter()
            answer = self.request(method, path, body)
            times[step] = time.perf_counter() - started
            return answer

        status, headers, _ = hop("authorize", "GET", authorize)
        login_path = _redirect(status, headers, "GET /oauth/authorize without a session", "/login")
        status, _, page = hop("login_form", "GET", login_path)
        match = _CSRF.search(page.decode(errors="replace"))
        if status != 200 or match is None:
            raise LoginFailed(f"GET /login answered {status} without a CSRF token")
        next_url = parse_qs(urlsplit(login_path).query).get("next", ["/"])[0]
        status, headers, page = hop("login_post", "POST", "/login", {
            "email": self.email, "password": self.password, "csrf_token": match.group(1), "next": next_url})
        if status in (302, 303) and headers.get("location", "").startswith("/login/2fa"):
            raise SecondFactorRequired(f"POST /login redirected to {headers['location']}: this user's role needs "
                                       f"2FA (runtime setting two_factor_required_roles)")
        if status != 302 or not headers.get("location", "").startswith("/oauth/authorize"):
            raise LoginFailed(f"POST /login answered {status} (Location {headers.get('location')!r}), not the "
                              f"redirect back to /oauth/authorize: login blocked (2FA required? wrong password?)"
                              f"\n{_text(page)[:600]}")
        status, headers, page = hop("authorize_again", "GET", headers["location"])
        callback = _redirect(status, headers, "GET /oauth/authorize with a session", self.redirect_uri, page)
        query = parse_qs(urlsplit(callback).query)
        if query.get("state") != [state] or "code" not in query:
            raise LoginFailed(f"the redirect to the client carries no code or a wrong state: {callback}")
        status, _, body = hop("token", "POST", "/oauth/token", {
            "grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": self.redirect_uri,
            "client_id": self.client_id, "code_verifier": verifier})
        token = _json(body)
        if status != 200 or "access_token" not in token or "refresh_token" not in token:
            raise LoginFailed(f"POST /oauth/token (authorization_code) answered {status}: {_text(body)[:300]}")
        return times


def _redirect(status: int, headers: dict[str, str], what: str, prefix: str, page: bytes = b"") -> str:
    location = headers.get("location", "")
    if status not in (302, 303) or not location.startswith(prefix):
        raise LoginFailed(f"{what} answered {status} (Location {location!r}), expected a redirect to {prefix}"
                          f"\n{_text(page)[:600]}")
    return location


def _json(body: bytes) -> dict:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _text(body: bytes) -> str:
    return body.decode(errors="replace")


@dataclass
class LoginRun:
    """What the threads measured: one entry per completed login."""

    seconds: float
    threads: int
    latencies: list[float]  # seconds per full login
    steps: dict[str, list[float]]
    failures: list[str]

    @property
    def logins_per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def run_logins(make_browser, threads: int, seconds: float) -> LoginRun:
    """``threads`` browsers log in back to back for ``seconds``; logins in flight at the end are finished.

    The main thread waits in short sleeps, so Ctrl-C interrupts at once; the
    workers are daemon threads that also stop at the shared deadline.
    """
    stop = threading.Event()
    lock = threading.Lock()
    latencies: list[float] = []
    steps: dict[str, list[float]] = {step: [] for step in STEPS}
    failures: list[str] = []

    def work() -> None:
        browser = make_browser()
        try:
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    times = browser.login()
                except (LoginFailed, OSError, http.client.HTTPException) as error:
                    with lock:
                        failures.append(f"{type(error).__name__}: {error}")
                    browser.close()
                    if len(failures) > 20:
                        stop.set()  # something is wrong, not slow: stop early
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    for step, value in times.items():
                        steps[step].append(value)
        finally:
            browser.close()

    workers = [threading.Thread(target=work, daemon=True, name=f"login-{n}") for n in range(threads)]
    started = time.perf_counter()
    try:
        for worker in workers:
            worker.start()
        deadline = started + seconds
        while time.perf_counter() < deadline and not stop.is_set():
            time.sleep(0.05)
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
    finally:
        stop.set()
    return LoginRun(time.perf_counter() - started, threads, latencies, steps, failures)
