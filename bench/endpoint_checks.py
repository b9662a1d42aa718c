"""Before measuring: prove the path measured is the real one (a call's answer; the chassis endpoint's
auth, ids, logs and metrics); a bench stops rather than measure a broken path."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

from apps import PING_BODY, PING_PATH


def check_real_path(bare_url: str, chassis_url: str, chassis_stdout: Path, headers: dict[str, str], *,
                    expect_access_log: bool = True) -> None:
    """Exit unless chassis answers 200 with the token and 401 without, with id, log line and metric."""
    status, body, response_headers = _get(chassis_url + PING_PATH, headers)
    expect(status == 200 and body == PING_BODY, f"chassis with token: {status} {body}")
    expect("X-Request-ID" in response_headers, "chassis response has no X-Request-ID")
    status, _, _ = _get(chassis_url + PING_PATH, {})
    expect(status == 401, f"chassis without token answered {status}, expected 401")
    status, body, _ = _get(bare_url + PING_PATH, headers)
    expect(status == 200 and body == PING_BODY, f"bare: {status} {body}")
    if expect_access_log:
        expect(_access_line_within(chassis_stdout, seconds=3), "no JSON access log line")
    with urllib.request.urlopen(chassis_url + "/metrics", timeout=5) as response:
        metrics = response.read().decode()
    expect(f'route="{PING_PATH}"' in metrics, "no http_requests_total for the endpoint in /metrics")
    print("checked: chassis 200 with token, 401 without; X-Request-ID, metrics"
          + (", JSON access log" if expect_access_log else "") + " present")


def _access_line_within(stdout: Path, seconds: float) -> bool:
    """Access lines are flushed twice a second: wait for one to parse as JSON."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for line in stdout.read_text().splitlines():
            if line.startswith("{") and json.loads(line).get("logger") == "chassis.access":
                return True
        time.sleep(0.2)
    return False


def _get(url: str, headers: dict[str, str]) -> tuple[int, object, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace"), dict(error.headers)


def call(url: str, headers: dict[str, str], body: dict | None = None, *, timeout: float = 10) -> tuple[int, object]:
    """GET (or POST ``body`` as JSON); the status and the JSON answer (an error's text, cut, when not JSON)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")[:500]


def expect(condition: bool, problem: str) -> None:
    """Stop the bench: figures of a path that does not work would mean nothing."""
    if not condition:
        raise SystemExit(f"not measuring the real path: {problem}")
