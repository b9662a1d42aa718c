"""JSON request bodies: a document nested deeper than the parser can recurse is invalid JSON (a 400), not a 500.

Python's decoder raises ``RecursionError`` on such a document (a few kilobytes of ``[`` are enough), which
neither Flask nor webargs treat as a decoding error.
"""
from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider


def too_deeply_nested() -> json.JSONDecodeError:
    # Not an empty ``doc``: webargs reads a decoding error of an empty document as "no body sent".
    return json.JSONDecodeError("the document is nested too deeply", "[[[...", 0)


class RequestJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, for ``request.get_json()`` too, with over-deep documents as decoding errors."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise too_deeply_nested() from None
