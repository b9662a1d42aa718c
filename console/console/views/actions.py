"""How a refused action is shown: the API's own explanation, with its status."""
from __future__ import annotations

from flask import render_template, request

from console.api import ApiError

# The API's answer passes through for the statuses a user can act on; anything else is a failed call.
SHOWN_STATUSES = frozenset({400, 403, 404, 409, 422})


def action_failed(error: ApiError):
    status = error.status if error.status in SHOWN_STATUSES else 502
    template = "partials/action_error.html" if request.headers.get("HX-Request") else "action_error.html"
    headers = {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"} if request.headers.get("HX-Request") else {}
    return render_template(template, error=error, status=status), status, headers
