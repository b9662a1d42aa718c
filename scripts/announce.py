"""Wait until every process of `make run` is ready, print the URLs, then stay out of the way.

It keeps running (honcho stops everything when one process exits) and ends
quietly on SIGTERM/SIGINT.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

SERVICES = {"gateway": 8000, "identity": 8001, "catalog": 8002, "orders": 8003, "payments": 8004, "analytics": 8005,
            "console": 8006}
DEADLINE_SECONDS = 120


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _docs_url() -> str:
    """The gateway's Swagger UI, with the demo's API-docs client filled in when seeded."""
    credentials = Path(os.environ.get("MARKETPLACE_VAR_DIR", "var")) / "demo-credentials.json"
    try:
        return json.loads(credentials.read_text())["clients"]["api_docs"]["docs_url"]
    except (OSError, ValueError, KeyError):
        return "http://localhost:8000/api/docs"


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    started = time.monotonic()
    waiting = dict(SERVICES)
    while waiting and time.monotonic() - started < DEADLINE_SECONDS:
        waiting = {name: port for name, port in waiting.items() if not ready(port)}
        time.sleep(0.5)
    if waiting:
        print(f"not ready after {DEADLINE_SECONDS}s: {', '.join(waiting)}", flush=True)
    else:
        print(f"\nmarketplace back office ready in {time.monotonic() - started:.1f}s:", flush=True)
        for name, port in SERVICES.items():
            if name != "console":  # pages, not an API
                print(f"  {name:<10} http://127.0.0.1:{port}   docs: http://127.0.0.1:{port}/api/v1/{name}/docs",
                      flush=True)
        print(f"  API (every service, one front door): {_docs_url()}", flush=True)
        print("  Back-office console (operators, vendors): http://localhost:8000/console/", flush=True)
        print("Ctrl-C stops everything.\n", flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
