"""A stand-in for identity's ``/oauth/token`` in tests: the client_credentials grant of one client.

Tokens are signed by the test issuer, so services verify them exactly as they would identity's.
"""
from __future__ import annotations

import base64
import json
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TokenEndpoint:
    """Answers a token with ``roles`` for the right Basic credentials, else 401 ``invalid_client``."""

    def __init__(self, token_issuer, client_id: str, client_secret: str, roles: Sequence[str] = ("service",),
                 *, expires_in: int = 600) -> None:
        expected = "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self.issued = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Authorization") != expected:
                    return self._answer(401, {"error": "invalid_client"})
                endpoint.issued += 1
                token = token_issuer.issue(client_id, client_id=client_id, roles=list(roles), expires_in=expires_in)
                self._answer(200, {"access_token": token, "token_type": "Bearer", "expires_in": expires_in})

            def _answer(self, status: int, body: dict) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/oauth/token"
        # A short poll: shutdown() waits up to one poll interval, at every test's teardown.
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "TokenEndpoint":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
