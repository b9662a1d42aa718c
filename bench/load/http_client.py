"""A small HTTP/1.1 client on asyncio streams: one short connection per request, JSON in and out.

The load driver shares two cores with the whole marketplace, so every microsecond it spends is one
the services do not get. A general client (httpx, aiohttp, urllib3 in threads) parses and copies far
more than a request to gunicorn needs; this one writes the request in one buffer, reads to EOF
(``Connection: close``: gunicorn's sync workers close every connection anyway) and parses the status
line, the headers it uses and the body.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


class TransportError(Exception):
    """No HTTP answer: refused, reset, timed out or cut short."""


class HttpClient:
    """Requests to one ``http://host:port`` base URL."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        host, port = base_url.removeprefix("http://").rstrip("/").split(":")
        self.host, self.port, self.timeout = host, int(port), timeout
        self.host_header = f"{host}:{port}"

    async def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host_header}", "Connection: close",
                f"Content-Length: {len(payload)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        message = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
        try:
            async with asyncio.timeout(self.timeout):  # no extra task, unlike wait_for
                raw = await self._exchange(message)
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as error:
            raise TransportError(f"{method} {path}: {error!r}") from error
        return parse_reply(raw, method, path)

    async def _exchange(self, message: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(message)
            return await reader.read(-1)
        finally:
            writer.close()


def parse_reply(raw: bytes, method: str = "", path: str = "") -> Reply:
    head, separator, content = raw.partition(b"\r\n\r\n")
    if not separator:
        raise TransportError(f"{method} {path}: no complete answer ({len(raw)} bytes)")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        content = _dechunk(content)
    elif "content-length" in headers:
        content = content[:int(headers["content-length"])]
    try:
        body = json.loads(content) if content else None
    except ValueError:
        body = None
    return Reply(status, body, headers)


def _dechunk(content: bytes) -> bytes:
    parts, position = [], 0
    while True:
        end = content.index(b"\r\n", position)
        size = int(content[position:end].split(b";")[0], 16)
        if size == 0:
            return b"".join(parts)
        parts.append(content[end + 2:end + 2 + size])
        position = end + 2 + size + 2
