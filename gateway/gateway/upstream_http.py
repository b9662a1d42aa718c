"""A lean HTTP/1.1 client for upstream calls: raw sockets, httptools' C parser, keep-alive.

The gateway's profile showed the HTTP client as its largest cost: urllib3 on
top of http.client parses every response's headers with the email package.
Here a request is one ``sendall`` of prepared bytes (plus body blocks) and a
response is parsed by llhttp (httptools, the parser under uvicorn), which
also frames chunked and length-delimited bodies.
"""
from __future__ import annotations

import select
import socket
import ssl
import time
from typing import Iterable, Iterator

import httptools

RECEIVE_SIZE = 64 * 1024
_NO_BODY_STATUSES = frozenset({204, 304})


class ConnectFailed(Exception):
    """The upstream could not be reached: nothing was sent (safe to retry)."""

    def __init__(self, timed_out: bool) -> None:
        super().__init__("connect timed out" if timed_out else "connection refused")
        self.timed_out = timed_out


class ResponseTimeout(Exception):
    """The upstream took longer than the read timeout."""


class ConnectionBroken(Exception):
    """The connection failed mid-exchange or the answer was not valid HTTP."""

    def __init__(self, message: str, *, before_response: bool) -> None:
        super().__init__(message)
        self.before_response = before_response


class _Parse:
    """httptools callbacks collecting one response."""

    def __init__(self) -> None:
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_done = False
        self.complete = False
        self.chunks: list[bytes] = []
        self.has_length = False
        self.keep_alive = False
        self.parser: httptools.HttpResponseParser | None = None

    def on_status(self, reason: bytes) -> None:
        self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        lowered = name.lower()
        if lowered in (b"content-length", b"transfer-encoding"):
            self.has_length = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.headers_done = True
        # Asked now: llhttp forgets the connection's flags once the message is complete.
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


class Connection:
    """One keep-alive connection to an upstream."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.idle_since = time.monotonic()

    @classmethod
    def open(cls, host: str, port: int, connect_timeout: float, tls: ssl.SSLContext | None) -> "Connection":
        try:
            sock = socket.create_connection((host, port), timeout=connect_timeout)
        except socket.timeout:
            raise ConnectFailed(timed_out=True) from None
        except OSError:
            raise ConnectFailed(timed_out=False) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls is not None:
            sock = tls.wrap_socket(sock, server_hostname=host)
        return cls(sock)

    def looks_closed(self) -> bool:
        """An idle connection with something to read was closed (or spoiled) by the server."""
        poller = select.poll()  # not select(): it fails on descriptors above 1024
        poller.register(self.sock, select.POLLIN)
        try:
            return bool(poller.poll(0))
        except OSError:
            return True

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class Response:
    """Status and headers of an upstream answer; the body is read by iterating it."""

    def __init__(self, connection: Connection, parser: httptools.HttpResponseParser, parse: _Parse,
                 head_request: bool, release) -> None:
        self.connection = connection
        self.status = parser.get_status_code()
        self.reason = parse.reason.decode("latin-1")
        self.headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in parse.headers]
        self._parser = parser
        self._parse = parse
        self._release = release
        self._until_eof = not parse.has_length and self.status not in _NO_BODY_STATUSES and not head_request
        if head_request or self.status in _NO_BODY_STATUSES:
            parse.complete = True
            parse.chunks.clear()
            self._reusable = not head_request and parse.keep_alive
        else:
            self._reusable = not self._until_eof and parse.keep_alive
        self._finished = False

    @property
    def body_complete(self) -> bool:
        """True when the whole body has arrived with the headers (small answers)."""
        return self._parse.complete

    def read_all(self) -> bytes:
        return b"".join(self)

    def __iter__(self) -> Iterator[bytes]:
        parse = self._parse
        while True:
            if parse.chunks:
                ready, parse.chunks = parse.chunks, []
                yield from ready
            if parse.complete:
                self._finish(reusable=self._reusable)
                return
            data = _receive(self.connection.sock, before_response=False)
            if not data:
                if self._until_eof:
                    parse.complete = True
                    continue
                raise ConnectionBroken("the upstream closed the connection mid-body", before_response=False)
            _feed(self._parser, data, before_response=False)

    def close(self) -> None:
        """Give the connection back if the body was read to its end, else drop it."""
        if not self._finished:
            self._finish(reusable=False)

    def _finish(self, reusable: bool) -> None:
        if self._finished:
            return
        self._finished = True
        self._release(self.connection, reusable)


def send_request(connection: Connection, head: bytes, body: Iterable[bytes] | None, chunked: bool) -> None:
    """Write the request head and body; ConnectionBroken if the socket fails."""
    try:
        if body is None:
            connection.sock.sendall(head)
            return
        connection.sock.sendall(head)
        for block in body:
            if not block:
                continue
            connection.sock.sendall(b"%x\r\n%b\r\n" % (len(block), block) if chunked else block)
        if chunked:
            connection.sock.sendall(b"0\r\n\r\n")
    except socket.timeout:
        raise ResponseTimeout() from None
    except OSError as error:
        raise ConnectionBroken(f"sending failed: {type(error).__name__}", before_response=True) from None


def read_response(connection: Connection, head_request: bool, release) -> Response:
    """Read until the status and headers are in (and whatever body came with them)."""
    parse = _Parse()
    parser = httptools.HttpResponseParser(parse)
    parse.parser = parser
    while not parse.headers_done:
        data = _receive(connection.sock, before_response=True)
        if not data:
            raise ConnectionBroken("the upstream closed the connection without answering", before_response=True)
        try:
            _feed(parser, data, before_response=True)
        except ConnectionBroken:
            if not parse.complete:
                raise
            # Bytes after a complete answer (a body sent with a 204, say): use the answer, drop the connection.
            parse.keep_alive = False
    return Response(connection, parser, parse, head_request, release)


def _receive(sock: socket.socket, before_response: bool) -> bytes:
    try:
        return sock.recv(RECEIVE_SIZE)
    except socket.timeout:
        raise ResponseTimeout() from None
    except OSError as error:
        raise ConnectionBroken(f"receiving failed: {type(error).__name__}", before_response=before_response) from None


def _feed(parser: httptools.HttpResponseParser, data: bytes, before_response: bool) -> None:
    try:
        parser.feed_data(data)
    except httptools.HttpParserUpgrade:
        raise ConnectionBroken("the upstream switched protocols", before_response=before_response) from None
    except httptools.HttpParserError as error:
        raise ConnectionBroken(f"invalid HTTP from the upstream: {error}", before_response=before_response) from None
