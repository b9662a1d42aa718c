"""Requests refused before routing: smuggling, traversal and oversized bodies."""
from __future__ import annotations

import re

from gateway.problems import EdgeProblem

# Encoded dots, slashes, backslashes or NULs left in the decoded path mean double encoding:
# some later hop could decode them once more and walk out of the route.
_SUSPICIOUS_ENCODING = re.compile(r"%(2e|2f|5c|00|25)", re.IGNORECASE)


def check_path(path: str) -> None:
    """Refuse ``..``/``.`` segments (after percent-decoding), backslashes, NULs and double encoding."""
    if not path.startswith("/"):
        raise EdgeProblem(400, "bad-path", "the request target must be an absolute path")
    if "\\" in path or "\x00" in path or _SUSPICIOUS_ENCODING.search(path):
        raise EdgeProblem(400, "path-traversal", "the path contains encoded separators or dots")
    for segment in path.split("/"):
        if segment in (".", ".."):
            raise EdgeProblem(400, "path-traversal", "the path may not contain '.' or '..' segments")


def check_framing(environ: dict) -> None:
    """Refuse bodies whose length two hops could read differently (request smuggling)."""
    has_length = bool(environ.get("CONTENT_LENGTH"))
    encoding = environ.get("HTTP_TRANSFER_ENCODING")
    if has_length and encoding:
        raise EdgeProblem(400, "ambiguous-body-length",
                          "a request may not carry both Content-Length and Transfer-Encoding")
    if encoding and encoding.strip().lower() != "chunked":
        raise EdgeProblem(501, "unsupported-transfer-encoding", "only Transfer-Encoding: chunked is supported")


def declared_length(environ: dict, limit: int) -> int | None:
    """The body length the client declared (None when chunked); 413 over ``limit``."""
    raw = environ.get("CONTENT_LENGTH")
    if not raw:
        return None
    if not raw.isdigit():
        raise EdgeProblem(400, "bad-content-length", "Content-Length must be a non-negative integer")
    length = int(raw)
    if length > limit:
        raise too_large(limit)
    return length


def too_large(limit: int) -> EdgeProblem:
    return EdgeProblem(413, "payload-too-large", f"the request body exceeds {limit} bytes", max_bytes=limit)
