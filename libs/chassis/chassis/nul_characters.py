"""Refuse a NUL character (U+0000) in a request: PostgreSQL cannot store one in text, so it would
otherwise fail the request with a 500 deep inside a handler.

The path, query string and form bodies are screened before the view (:func:`refuse_nul_characters`);
JSON bodies when the view's arguments are parsed (:func:`refuse_nul_in_json`), so that views reading
their body themselves, in bounded chunks, still find it unread.
"""
from __future__ import annotations

import re

from flask import Request, request

from chassis.errors import Problem

# In JSON a NUL can only be written \u0000; an even number of backslashes before it escapes them instead.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORM = "application/x-www-form-urlencoded"


def refuse_nul_characters() -> None:
    """``before_request``: a 400 problem for a NUL in the path, the query string or a form body."""
    form_body = request.get_data(cache=True) if request.mimetype == _FORM else b""
    if "\x00" in request.path or _has_encoded_nul(request.query_string) or _has_encoded_nul(form_body):
        raise _nul_problem()


def refuse_nul_in_json(req: Request) -> None:
    """A 400 problem if the JSON body ``req`` carries holds a NUL in any string."""
    if _JSON_NUL.search(req.get_data(cache=True)):
        raise _nul_problem()


def _has_encoded_nul(text: bytes) -> bool:
    return b"%00" in text or b"\x00" in text


def _nul_problem() -> Problem:
    return Problem(400, "nul-character", "NUL characters (U+0000) are not accepted in a request")
