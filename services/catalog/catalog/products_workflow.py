"""Product statuses and the transitions between them (anything else is a 409)."""
from __future__ import annotations

from chassis.errors import Problem

DRAFT = "draft"
SUBMITTED = "submitted"
APPROVED = "approved"
REJECTED = "rejected"
ARCHIVED = "archived"
STATUSES = (DRAFT, SUBMITTED, APPROVED, REJECTED, ARCHIVED)

TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset({SUBMITTED, APPROVED}),
    SUBMITTED: frozenset({APPROVED, REJECTED, DRAFT}),
    REJECTED: frozenset({SUBMITTED, DRAFT}),
    APPROVED: frozenset({ARCHIVED}),
    ARCHIVED: frozenset(),
}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise Problem(409, "illegal-transition", f"a {current} product cannot become {target}",
                      status_from=current, status_to=target)
