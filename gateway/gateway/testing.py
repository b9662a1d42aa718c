"""Test helpers: a real HTTP upstream that echoes what it received, and gateway settings for tests."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wsgi import get_input_stream

from gateway.settings import UPSTREAM_NAMES, GatewaySettings

# Points an upstream at a port where nothing listens (connection refused).
CLOSED_URL = "http://127.0.0.1:9"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any) -> None:  # quiet test output
        pass


def echo_app(environ: dict, start_response) -> list[bytes] | Any:
    """Answers with what it received; ``/slow?seconds=``, ``/stream?size=``, ``/status/<n>`` vary it."""
    path = environ["PATH_INFO"]
    query = dict(pair.split("=", 1) for pair in environ.get("QUERY_STRING", "").split("&") if "=" in pair)
    body = get_input_stream(environ).read()
    if path.endswith("/slow"):
        time.sleep(float(query.get("seconds", "1")))
    if path.endswith("/stream"):
        return _stream(int(query.get("size", "0")), start_response)
    status = int(path.rsplit("/", 1)[1]) if "/status/" in path else 200
    echo = {"method": environ["REQUEST_METHOD"], "path": path, "raw_uri": environ.get("RAW_URI")
            or environ.get("REQUEST_URI"), "query": environ.get("QUERY_STRING", ""),
            "headers": {key[5:].replace("_", "-").lower(): value for key, value in environ.items()
                        if key.startswith("HTTP_")},
            "content_length": environ.get("CONTENT_LENGTH"), "body_length": len(body),
            "client_port": environ.get("REMOTE_PORT")}
    payload = json.dumps(echo).encode()
    start_response(f"{status} Echo", [("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
                                      ("X-Request-ID", "set-by-upstream"), ("X-Upstream", "echo"),
                                      ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")])
    return [payload]


def _stream(size: int, start_response):
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    block = b"x" * 8192

    def chunks():
        left = size
        while left > 0:
            yield block[:min(left, len(block))]
            left -= len(block)
    return chunks()


class EchoUpstream:
    """``echo_app`` on a free local port, served by threads (it closes each connection)."""

    def __init__(self) -> None:
        self.server = make_server("127.0.0.1", 0, echo_app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "EchoUpstream":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def write_routes(tmp_path: Path, routes: str) -> Path:
    """Write a route table (TOML text) for a test and return its path."""
    path = tmp_path / "routes.toml"
    path.write_text(routes)
    return path


def gateway_settings(jwks_url: str, *, upstream_url: str = CLOSED_URL, **overrides: Any) -> GatewaySettings:
    """Settings with every upstream at ``upstream_url`` and test issuer, audience and JWKS."""
    from chassis.testing.apps import TEST_AUDIENCE, TEST_ISSUER
    values: dict[str, Any] = {f"{name}_url": upstream_url for name in UPSTREAM_NAMES}
    values.update(jwks_url=jwks_url, jwt_issuer=TEST_ISSUER, jwt_audiences=[TEST_AUDIENCE],
                  log_json=True, upstream_connect_timeout=0.5, upstream_read_timeout=2.0,
                  rate_limit_per_ip="10000/minute", rate_limit_per_caller="10000/minute",
                  rate_limit_auth_per_ip="10000/minute")
    values.update(overrides)
    return GatewaySettings(**values)
