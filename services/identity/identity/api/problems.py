"""identity's rule violations as problem+json (404 / 409 / 422)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from chassis.errors import Problem
from identity.domain import RuleViolation
from identity.vendors.domain import Conflict, IllegalTransition, NotFound


@contextmanager
def as_problems() -> Iterator[None]:
    """Run a handler; its rule violations become the matching problem response."""
    try:
        yield
    except IllegalTransition as error:
        raise Problem(409, "illegal-transition", str(error), title="Illegal state transition",
                      current_state=error.current.value, requested_state=error.requested.value) from None
    except Conflict as error:
        raise Problem(409, "conflict", str(error), title="Conflict") from None
    except NotFound as error:
        raise Problem(404, "not-found", str(error), title="Not Found") from None
    except RuleViolation as error:
        raise Problem(422, "validation-failed", str(error), title="Unprocessable Entity") from None


def not_found(what: str = "vendor") -> Problem:
    return Problem(404, "not-found", f"no such {what}", title="Not Found")


def forbidden(detail: str) -> Problem:
    return Problem(403, "forbidden", detail, title="Forbidden")
