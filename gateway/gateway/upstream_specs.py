"""Fetch the services' OpenAPI documents and keep their merge, per process.

Nothing is fetched before the first request for the merged document. A service that did not
answer is asked again at most every ``retry_seconds`` (so one that starts late shows up shortly
after); every document is fetched again after ``refresh_seconds`` (so a redeployed service's new
endpoints appear). One lock serialises refreshes: under gunicorn's threads the first request
does the fetching and the others wait for its result instead of repeating it.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import urllib3

log = logging.getLogger("gateway.openapi")

MISSING_RETRY_SECONDS = 5.0
SPEC_READ_TIMEOUT_SECONDS = 3.0
# Upstreams that serve pages only, without an OpenAPI document.
SERVICES_WITHOUT_SPEC = frozenset({"console"})

SpecFetcher = Callable[[str], "dict | None"]
MergeBuilder = Callable[[dict[str, dict], list[str]], dict]


def spec_urls(upstream_urls: dict[str, str]) -> dict[str, str]:
    """Service name -> address of its OpenAPI document (chassis serves it under its API prefix)."""
    return {name: f"{url}/api/v1/{name}/openapi.json"
            for name, url in upstream_urls.items() if name not in SERVICES_WITHOUT_SPEC}


class HttpSpecFetcher:
    """GETs a document with short timeouts; ``None`` when the service cannot give one."""

    def __init__(self, connect_timeout: float, read_timeout: float = SPEC_READ_TIMEOUT_SECONDS) -> None:
        self._pool = urllib3.PoolManager(timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
                                         retries=False)

    def __call__(self, url: str) -> dict | None:
        try:
            response = self._pool.request("GET", url, headers={"Accept": "application/json"})
        except urllib3.exceptions.HTTPError as error:
            log.info("openapi document unreachable: %s (%s)", url, type(error).__name__)
            return None
        if response.status != 200:
            log.info("openapi document refused: %s answered %s", url, response.status)
            return None
        return _parsed_document(url, response.data)


def _parsed_document(url: str, body: bytes) -> dict | None:
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        log.warning("openapi document of %s is not an OpenAPI object", url)
        return None
    return document


class UpstreamSpecs:
    """The services' documents as last fetched, and their merge built by ``build``."""

    def __init__(self, urls: dict[str, str], fetch: SpecFetcher, build: MergeBuilder, *,
                 refresh_seconds: float, retry_seconds: float = MISSING_RETRY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._urls = urls
        self._fetch = fetch
        self._build = build
        self._refresh_seconds = refresh_seconds
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._documents: dict[str, dict] = {}
        self._attempted_at: dict[str, float] = {}
        self._refreshed_at: float | None = None
        self._merged: dict | None = None

    def merged(self) -> dict:
        """The merged document, fetching first whatever is due."""
        with self._lock:
            due = self._due(self._clock())
            if due and self._fetch_into_documents(due):
                self._merged = None
            if self._merged is None:
                self._merged = self._build(self._ordered_documents(), self.unavailable())
            return self._merged

    def unavailable(self) -> list[str]:
        """Services never fetched successfully so far."""
        return [name for name in self._urls if name not in self._documents]

    def _due(self, now: float) -> list[str]:
        if self._refreshed_at is None or now - self._refreshed_at >= self._refresh_seconds:
            self._refreshed_at = now
            return list(self._urls)
        return [name for name in self.unavailable()
                if now - self._attempted_at.get(name, float("-inf")) >= self._retry_seconds]

    def _fetch_into_documents(self, names: list[str]) -> bool:
        """Fetch ``names`` concurrently; True when a document changed.

        A service failing a refresh keeps its last document: a restart should not make its
        endpoints vanish from the docs for the next ``refresh_seconds``.
        """
        with ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="openapi-fetch") as pool:
            fetched = dict(zip(names, pool.map(lambda name: self._fetch(self._urls[name]), names)))
        now = self._clock()
        changed = False
        for name, document in fetched.items():
            self._attempted_at[name] = now
            if document is not None and document != self._documents.get(name):
                self._documents[name] = document
                changed = True
        return changed

    def _ordered_documents(self) -> dict[str, dict]:
        return {name: self._documents[name] for name in self._urls if name in self._documents}
